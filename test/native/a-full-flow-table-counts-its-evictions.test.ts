import { describe, expect, it } from 'vitest';
import type { NativeRecord } from '../../src/native/records.js';
import { MODES, withCapture } from './capture-fixture.js';
import { run } from './pod-traffic.js';
import { RAWSEND, RAW_SOURCE, udpFrame } from './raw-frames.js';

// A flow table far smaller than the flows going through it: every flow is still reported, and
// the entries taken from one flow for another are counted as evictions.

const TABLE_SIZE = 64;
const FLOWS = 1000;
const FIRST_SOURCE_PORT = 30000;
const DESTINATION_PORT = 7003;

describe.each(MODES)('%s session', (mode) => {
  it(`counts the evictions of a ${TABLE_SIZE}-entry table that ${FLOWS} flows go through`, async () => {
    await withCapture({ mode, aggregate: true, reportIntervalMs: 300, flowTableSize: TABLE_SIZE }, async ({ pair, session, collector, ifindexA }) => {
      const lines = Array.from({ length: FLOWS }, (_, i) => udpFrame(FIRST_SOURCE_PORT + i, DESTINATION_PORT));
      expect(await run(pair.nsA, [RAWSEND, 'eth0'], `${lines.join('\n')}\n`)).toBe(`${FLOWS}\n`);
      const ours = (r: NativeRecord): boolean => r.kind === 'flow' && r.ifindex === ifindexA && r.source === RAW_SOURCE && r.destinationPort === DESTINATION_PORT;
      const records = await collector.waitFor(ours, (rs) => new Set(rs.map((r) => r.sourcePort)).size === FLOWS);
      expect(records.every((r) => r.reason === 'new' && r.packets === 1)).toBe(true);
      // Counted when the table is swept (tracer) or at once (base): every flow but those still held.
      await collector.waitFor(() => false, () => session.stats().flowEvictions >= FLOWS - TABLE_SIZE);
      expect(session.stats().flowEvictions).toBeLessThanOrEqual(FLOWS);
    });
  }, 60_000);
});
