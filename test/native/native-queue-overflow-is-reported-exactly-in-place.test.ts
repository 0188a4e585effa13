import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createPodPair, ifindexOf } from '../helpers/netns.js';
import { NativeSession } from '../../src/native/binding.js';
import { decodeRecords, KIND_LINK, KIND_LOST, LOST_STAGES, MAX_RECORD_BYTES, OFFSET_AUX, OFFSET_KIND, OFFSET_PACKETS, OFFSET_SIZE, type LostStage, type NativeRecord } from '../../src/native/records.js';
import { udpSendSized, withUdpServer } from './pod-traffic.js';
import { MODES } from './capture-fixture.js';
import { TEST_SESSION } from './record-collector.js';

// A queue of 16 KiB (186 flow records) and nobody taking during a burst of 600 datagrams: the capture thread
// fills the queue, counts every record that does not fit, and once there is room again writes
// one loss record with that count right where the records went missing. Datagram i carries i
// bytes, so each record says which datagram it was.

const QUEUE_BYTES = 16 << 10;
const DATAGRAMS = 600;
const PORT = 7300;
const SOURCE_PORT = 44300;
const IPV4_UDP_FRAME_OVERHEAD = 14 + 20 + 8;
const SETTLE_MS = 20;
const TAKE_DEADLINE_MS = 10_000;

type Item = ({ record: NativeRecord } | { lost: number; stage: LostStage } | { link: true }) & { size: number };

/** Takes everything queued, splitting loss records out as take's callers do. */
function takeAll(session: NativeSession, items: Item[]): number {
  const buffer = Buffer.alloc(1 << 16);
  let total = 0;
  for (let length = session.take(buffer); length > 0; length = session.take(buffer)) {
    total += length;
    for (let at = 0; at < length; ) {
      const size = buffer.readUInt16LE(at + OFFSET_SIZE);
      if (buffer[at + OFFSET_KIND] === KIND_LOST) {
        items.push({ lost: Number(buffer.readBigUInt64LE(at + OFFSET_PACKETS)), stage: LOST_STAGES[buffer.readUInt32LE(at + OFFSET_AUX)]!, size });
      } else if (buffer[at + OFFSET_KIND] === KIND_LINK) {
        // Interfaces of other tests coming and going.
        items.push({ link: true, size });
      } else {
        decodeRecords(buffer.subarray(at), size, (record) => items.push({ record, size }));
      }
      at += size;
    }
  }
  return total;
}

describe.each(MODES)('%s session with a tiny native queue and nobody taking', (mode) => {
  it('reports exactly the records that did not fit, at the place they went missing', async () => {
    const pair = createPodPair();
    const session = NativeSession.open({ ...TEST_SESSION, mode, aggregate: false, queueBytes: QUEUE_BYTES });
    const items: Item[] = [];
    try {
      session.attach(ifindexOf(pair.hostIfA));
      await withUdpServer(pair.nsB, 4, PORT, () => udpSendSized(pair.nsA, 4, pair.ipB, PORT, DATAGRAMS, SOURCE_PORT));
      // Take until the thread has had room to report every loss it counted.
      const deadline = Date.now() + TAKE_DEADLINE_MS;
      for (;;) {
        takeAll(session, items);
        const reported = items.reduce((sum, item) => sum + ('lost' in item ? item.lost : 0), 0);
        const stats = session.stats();
        if (stats.lostQueue > 0 && reported === stats.lostQueue && stats.records + stats.lostQueue === stats.produced) break;
        if (Date.now() > deadline) throw new Error(`losses never all reported: ${reported} of ${JSON.stringify(stats)}`);
        await delay(SETTLE_MS);
      }
    } finally {
      session.close();
      pair.cleanup();
    }

    const losses = items.filter((item): item is Item & { lost: number; stage: LostStage } => 'lost' in item);
    expect(losses.every((loss) => loss.stage === 'queue')).toBe(true);
    // The queue filled with whole records before the first loss: the next did not fit.
    const first = items.findIndex((item) => 'lost' in item);
    const queuedFirst = items.slice(0, first).reduce((sum, item) => sum + item.size, 0);
    expect(queuedFirst).toBeLessThanOrEqual(QUEUE_BYTES);
    expect(queuedFirst).toBeGreaterThan(QUEUE_BYTES - MAX_RECORD_BYTES);

    const isDatagram = (r: NativeRecord) => r.protocol === 17 && r.sourcePort === SOURCE_PORT && r.destinationPort === PORT;
    // Datagram numbers in stream order, with each loss record's count where it stands.
    let expected = 1;
    let missing = 0;
    let reportedAfterDatagram = 0;
    for (const item of items) {
      if ('lost' in item) {
        reportedAfterDatagram += item.lost;
        continue;
      }
      if (!('record' in item) || !isDatagram(item.record)) continue;
      const datagram = item.record.bytes - IPV4_UDP_FRAME_OVERHEAD;
      expect(datagram).toBeGreaterThanOrEqual(expected);
      // The datagrams skipped here were lost before this one, where a loss record stands.
      expect(datagram - expected).toBeLessThanOrEqual(reportedAfterDatagram);
      missing += datagram - expected;
      reportedAfterDatagram = Math.max(0, reportedAfterDatagram - (datagram - expected));
      expected = datagram + 1;
    }
    missing += DATAGRAMS + 1 - expected;
    const lost = losses.reduce((sum, loss) => sum + loss.lost, 0);
    expect(missing).toBeGreaterThan(0);
    expect(missing).toBeLessThanOrEqual(lost);
  });
});
