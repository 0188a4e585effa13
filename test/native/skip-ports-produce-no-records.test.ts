import { describe, expect, it } from 'vitest';
import { MODES, withCapture } from './capture-fixture.js';
import { tcpClient, udpSend, withTcpServer, withUdpServer } from './pod-traffic.js';

const SKIPPED_TCP_PORT = 4244;
const SKIPPED_UDP_PORT = 9965;
const CONTROL_PORT = 5000;

describe.each(MODES)('%s session', (mode) => {
  it('turns no packet to or from a skip port (either end) into a record, and counts them', async () => {
    await withCapture({ mode, skipPorts: [SKIPPED_TCP_PORT, SKIPPED_UDP_PORT] }, async ({ pair, collector, session }) => {
      await withTcpServer(pair.nsB, SKIPPED_TCP_PORT, () => tcpClient(pair.nsA, pair.ipB, SKIPPED_TCP_PORT, 5000));
      // The skip port as the source port of the sender.
      await withUdpServer(pair.nsB, 4, CONTROL_PORT, () => udpSend(pair.nsA, 4, pair.ipB, CONTROL_PORT, 5, SKIPPED_UDP_PORT));
      // A marker sent after the skipped traffic, seen at both veths: a record of the skipped
      // traffic would have come before it.
      await withUdpServer(pair.nsB, 4, CONTROL_PORT, () => udpSend(pair.nsA, 4, pair.ipB, CONTROL_PORT, 5, CONTROL_PORT + 1));
      await collector.waitFor((r) => r.sourcePort === CONTROL_PORT + 1, (rs) => new Set(rs.map((r) => r.ifindex)).size === 2);
      const skipped = collector.records.filter((r) => [SKIPPED_TCP_PORT, SKIPPED_UDP_PORT].some((p) => r.sourcePort === p || r.destinationPort === p));
      expect(skipped).toEqual([]);
      expect(session.stats().skipped).toBeGreaterThanOrEqual(2 * 5);
    });
  });
});
