import { cpus } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { NativeRecord } from '../../src/native/records.js';
import { MODES, withCapture } from './capture-fixture.js';
import { run, withUdpServer } from './pod-traffic.js';

// A burst on a payload port is bounded: past the rate limit its packets are aggregated
// instead of carried, and each packet is counted exactly once, in a payload record or in
// the aggregate.

const DNS_PORT = 53;
const SOURCE_PORT = 42_053;
const BURST_DATAGRAMS = 8000;
// A low rate, so that the limit holds however slowly this machine sends: one bucket per CPU
// (tracer) or per session (base), holding a tenth of a second's worth.
const RECORDS_PER_SECOND = 100;
const BURST_RECORDS = RECORDS_PER_SECOND / 10;
const SETTLE_MS = 1500;

// Queues every datagram at once, no waiting between them.
const BURST_SENDER = `
import dgram from 'node:dgram';
const [host, port, count, localPort] = process.argv.slice(-4).map((v, i) => (i === 0 ? v : Number(v)));
const socket = dgram.createSocket('udp4');
socket.bind(localPort, () => {
  let done = 0;
  for (let i = 0; i < count; i++) socket.send('q', port, host, () => ++done === count && socket.close());
});`;

describe.each(MODES)('%s session under a burst on a payload port', (mode) => {
  it('carries at most the rate limit as payload records and counts every other packet in the aggregate', async () => {
    const startMs = Date.now();
    await withCapture({ mode, payloadPorts: [DNS_PORT], payloadRecordsPerSecond: RECORDS_PER_SECOND }, async ({ pair, collector, session }) => {
      await withUdpServer(pair.nsB, 4, DNS_PORT, () =>
        run(pair.nsA, [process.execPath, '--input-type=module', '-e', BURST_SENDER, '--', pair.ipB, String(DNS_PORT), String(BURST_DATAGRAMS), String(SOURCE_PORT)]),
      );
      const burst = (r: NativeRecord): boolean => r.sourcePort === SOURCE_PORT && r.destinationPort === DNS_PORT;
      // Settled once nothing new arrived for several report intervals: the sweep has reported the last counts.
      let last = -1;
      let changedAtMs = Date.now();
      const records = await collector.waitFor(burst, (rs) => {
        const seen = rs.reduce((sum, r) => sum + r.packets, 0);
        if (seen !== last) {
          last = seen;
          changedAtMs = Date.now();
        }
        return seen > 0 && Date.now() - changedAtMs >= SETTLE_MS;
      }, 20_000);
      const carried = records.filter((r) => r.kind === 'payload').length;
      const aggregated = records.filter((r) => r.kind === 'flow').reduce((sum, r) => sum + r.packets, 0);
      const limited = session.l7Stats().payloadLimited;
      expect(limited).toBeGreaterThan(0);
      expect(aggregated).toBe(limited);
      // Two sightings per datagram (both veths); a bucket per CPU in tracer mode.
      const buckets = mode === 'tracer' ? cpus().length : 1;
      const elapsedS = (Date.now() - startMs) / 1000;
      expect(carried).toBeLessThanOrEqual(buckets * (BURST_RECORDS + RECORDS_PER_SECOND * elapsedS));
      expect(carried + aggregated).toBeLessThanOrEqual(2 * BURST_DATAGRAMS);
      expect(carried).toBeGreaterThan(0);
    });
  });
});
