import { describe, expect, it } from 'vitest';
import { MODES, withCapture } from './capture-fixture.js';
import { udpSend, withUdpServer } from './pod-traffic.js';

const UDP = 17;
const DATAGRAMS = 400;
const PORT = 7000;
const SOURCE_PORT = 41000;

describe.each(MODES)('%s session', (mode) => {
  it('aggregates a flow: a "new" record, then reports, every packet counted once', async () => {
    await withCapture({ mode, aggregate: true, reportIntervalMs: 300 }, async ({ pair, collector, ifindexA }) => {
      await withUdpServer(pair.nsB, 4, PORT, () => udpSend(pair.nsA, 4, pair.ipB, PORT, DATAGRAMS, SOURCE_PORT));
      // The last counts arrive through the idle-flow sweep, after the report interval.
      const records = await collector.waitFor(
        (r) => r.ifindex === ifindexA && r.protocol === UDP && r.sourcePort === SOURCE_PORT && r.destinationPort === PORT,
        (rs) => rs.reduce((sum, r) => sum + r.packets, 0) >= DATAGRAMS,
      );
      expect(records.reduce((sum, r) => sum + r.packets, 0)).toBe(DATAGRAMS);
      expect(records[0]).toMatchObject({ reason: 'new', packets: 1 });
      expect(records.slice(1).every((r) => r.reason === 'report')).toBe(true);
      expect(records.length).toBeLessThan(DATAGRAMS / 10);
      expect(records.reduce((sum, r) => sum + r.bytes, 0)).toBe(DATAGRAMS * records[0]!.bytes);
    });
  });

  it('without aggregation: one record per packet', async () => {
    await withCapture({ mode, aggregate: false }, async ({ pair, collector, ifindexA }) => {
      await withUdpServer(pair.nsB, 4, PORT, () => udpSend(pair.nsA, 4, pair.ipB, PORT, DATAGRAMS, SOURCE_PORT));
      const records = await collector.waitFor(
        (r) => r.ifindex === ifindexA && r.protocol === UDP && r.sourcePort === SOURCE_PORT && r.destinationPort === PORT,
        (rs) => rs.length >= DATAGRAMS,
      );
      expect(records.length).toBe(DATAGRAMS);
      expect(records.every((r) => r.reason === 'packet' && r.packets === 1 && r.direction === 'ingress')).toBe(true);
    });
  });
});
