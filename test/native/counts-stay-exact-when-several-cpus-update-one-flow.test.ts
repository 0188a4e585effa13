import { cpus } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { NativeRecord } from '../../src/native/records.js';
import { finished, spawnInNamespace } from '../helpers/namespace-process.js';
import { MODES, withCapture } from './capture-fixture.js';
import { RAWSEND, RAW_SOURCE, UDP_FRAME_BYTES, udpFrame } from './raw-frames.js';

// One flow's packets sent from every CPU at once (a sender pinned to each with taskset): the
// TC programs update its one flow-table entry concurrently, and the periodic sweep exchanges
// its counts meanwhile. Summed over all its records, the packets and bytes are exactly those sent.

const SOURCE_PORT = 47001;
const DESTINATION_PORT = 7001;
const FRAMES_PER_CPU = 40_000;
const REPORT_INTERVAL_MS = 100;
const SEND_TIMEOUT_MS = 60_000;

describe.each(MODES)('%s session', (mode) => {
  it('counts every packet of one flow sent from several CPUs at once exactly once', async () => {
    const senders = Math.max(2, cpus().length);
    await withCapture({ mode, aggregate: true, reportIntervalMs: REPORT_INTERVAL_MS }, async ({ pair, session, collector, ifindexA }) => {
      const frames = `${udpFrame(SOURCE_PORT, DESTINATION_PORT)}\n`.repeat(FRAMES_PER_CPU);
      const sent = await Promise.all(
        Array.from({ length: senders }, (_, i) =>
          finished(spawnInNamespace(pair.nsA, ['taskset', '-c', String(i % cpus().length), RAWSEND, 'eth0']), `sender on CPU ${i}`, SEND_TIMEOUT_MS, frames),
        ),
      );
      expect(sent.map((out) => Number(out.trim()))).toEqual(Array(senders).fill(FRAMES_PER_CPU));
      const total = senders * FRAMES_PER_CPU;
      // Seen where they leave pod A (the broadcast frames are not bridged on to B's veth).
      const ours = (r: NativeRecord): boolean =>
        r.kind === 'flow' && r.ifindex === ifindexA && r.source === RAW_SOURCE && r.sourcePort === SOURCE_PORT && r.destinationPort === DESTINATION_PORT;
      const records = await collector.waitFor(ours, (rs) => rs.reduce((sum, r) => sum + r.packets, 0) >= total);
      const packets = records.reduce((sum, r) => sum + r.packets, 0);
      const bytes = records.reduce((sum, r) => sum + r.bytes, 0);
      console.log(`${mode}: ${senders} senders, ${total} packets sent; ${packets} packets, ${bytes} bytes in ${records.length} records`);
      expect(packets).toBe(total);
      expect(bytes).toBe(total * UDP_FRAME_BYTES);
      expect(records[0]).toMatchObject({ reason: 'new' });
      expect(session.stats().lost).toBe(0);
    });
  }, 120_000);
});
