import { describe, expect, it } from 'vitest';
import { createPodPair, ifindexOf } from '../helpers/netns.js';
import { NativeSession } from '../../src/native/binding.js';
import { decodeRecords } from '../../src/native/records.js';
import { udpSend, withUdpServer } from './pod-traffic.js';
import { TEST_SESSION } from './record-collector.js';

const DATAGRAMS = 2000;
const SMALLEST_RING_BYTES = 4096;
const POLL_TIMEOUT_MS = 50;

describe('tracer session with a ring too small for a burst', () => {
  it('counts every record that did not fit as lost: records + lost account for every packet', async () => {
    const pair = createPodPair();
    const session = NativeSession.open({ ...TEST_SESSION, aggregate: false, ringBytes: SMALLEST_RING_BYTES });
    try {
      session.attach(ifindexOf(pair.hostIfA));
      // Nobody polls during the burst: the ring fills up.
      await withUdpServer(pair.nsB, 4, 7100, () => udpSend(pair.nsA, 4, pair.ipB, 7100, DATAGRAMS, 44000));
      const buffer = Buffer.alloc(1 << 16);
      let udp = 0;
      let all = 0;
      for (let length = await session.poll(buffer, POLL_TIMEOUT_MS); length > 0; length = await session.poll(buffer, POLL_TIMEOUT_MS)) {
        decodeRecords(buffer, length, (r) => {
          all++;
          if (r.sourcePort === 44000 && r.destinationPort === 7100) udp++;
        });
      }
      const stats = session.stats();
      expect(stats.lost).toBeGreaterThan(0);
      expect(udp).toBeLessThan(DATAGRAMS);
      // One record per IP packet attempted: each either arrived or was counted lost.
      expect(udp + stats.lost).toBeGreaterThanOrEqual(DATAGRAMS);
      expect(all + stats.lost).toBeLessThanOrEqual(stats.packets);
      expect(stats.records).toBe(all);
    } finally {
      session.close();
      pair.cleanup();
    }
  });
});
