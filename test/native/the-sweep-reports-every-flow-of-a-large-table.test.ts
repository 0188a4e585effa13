import { describe, expect, it } from 'vitest';
import type { NativeRecord } from '../../src/native/records.js';
import { MODES, withCapture } from './capture-fixture.js';
import { run } from './pod-traffic.js';
import { RAWSEND, RAW_SOURCE, UDP_FRAME_BYTES, udpFrame } from './raw-frames.js';

// Thousands of flows, each left with counts after its "new" record: the periodic sweep reports
// every one of them, with exact counts, even when its records do not fit in the ring at once
// (tracer: a 64 KiB ring holds about 740 records; the sweep leaves the rest for its next runs).

const FLOWS = 3000;
const PACKETS_PER_FLOW = 3;
const FIRST_SOURCE_PORT = 20000;
const DESTINATION_PORT = 7002;
const FLOWS_PER_SEND = 300;
const SMALL_RING_BYTES = 64 << 10;
// Longer than sending takes, so that most flows come due in the same sweep.
const REPORT_INTERVAL_MS = 2000;

describe.each(MODES)('%s session', (mode) => {
  it(`reports the last counts of all ${FLOWS} flows of the table`, async () => {
    const config = { mode, aggregate: true, reportIntervalMs: REPORT_INTERVAL_MS, flowTableSize: 8192, ...(mode === 'tracer' ? { ringBytes: SMALL_RING_BYTES } : {}) };
    await withCapture(config, async ({ pair, session, collector, ifindexA }) => {
      const ours = (r: NativeRecord): boolean =>
        r.kind === 'flow' && r.ifindex === ifindexA && r.source === RAW_SOURCE && r.destinationPort === DESTINATION_PORT;
      // A few hundred flows per sender run, each run once the last one's "new" records are
      // drained, so that they fit in the ring.
      for (let first = 0; first < FLOWS; first += FLOWS_PER_SEND) {
        const lines: string[] = [];
        for (let round = 0; round < PACKETS_PER_FLOW; round++) {
          for (let i = first; i < first + FLOWS_PER_SEND; i++) lines.push(udpFrame(FIRST_SOURCE_PORT + i, DESTINATION_PORT));
        }
        expect(await run(pair.nsA, [RAWSEND, 'eth0'], `${lines.join('\n')}\n`)).toBe(`${lines.length}\n`);
        await collector.waitFor((r) => ours(r) && r.reason === 'new', (rs) => rs.length === first + FLOWS_PER_SEND);
      }
      const records = await collector.waitFor(ours, (rs) => rs.reduce((sum, r) => sum + r.packets, 0) >= FLOWS * PACKETS_PER_FLOW, 30_000);
      const perFlow = new Map<number, number>();
      for (const r of records) perFlow.set(r.sourcePort, (perFlow.get(r.sourcePort) ?? 0) + r.packets);
      expect(perFlow.size).toBe(FLOWS);
      expect([...perFlow.values()].every((packets) => packets === PACKETS_PER_FLOW)).toBe(true);
      expect(records.reduce((sum, r) => sum + r.bytes, 0)).toBe(FLOWS * PACKETS_PER_FLOW * UDP_FRAME_BYTES);
      expect(records.filter((r) => r.reason === 'new').length).toBe(FLOWS);
      expect(session.stats().lost).toBe(0);
    });
  }, 120_000);
});
