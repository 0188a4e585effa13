import { describe, expect, it } from 'vitest';
import { MODES, withCapture } from './capture-fixture.js';
import { ping, udpSend, withUdpServer } from './pod-traffic.js';

const ICMP = 1;
const UDP = 17;
const ICMPV6 = 58;
const ECHO_REQUEST = 8;
const ECHO_REPLY = 0;
const ECHOV6_REQUEST = 128;
const ECHOV6_REPLY = 129;

describe.each(MODES)('%s session', (mode) => {
  it('reports UDP over IPv4 and IPv6 with ports and direction', async () => {
    await withCapture({ mode }, async ({ pair, collector, ifindexA }) => {
      for (const [family, server, client] of [
        [4, pair.ipB, pair.ipA],
        [6, pair.ip6B, pair.ip6A],
      ] as const) {
        await withUdpServer(pair.nsB, family, 5353, () => udpSend(pair.nsA, family, server, 5353, 3, 40_000 + family));
        const flows = await collector.waitFor(
          (r) => r.ifindex === ifindexA && r.protocol === UDP && r.family === family && r.destinationPort === 5353,
          (rs) => rs.reduce((sum, r) => sum + r.packets, 0) === 3,
        );
        expect(flows[0]).toMatchObject({ kind: 'flow', reason: 'new', source: client, destination: server, sourcePort: 40_000 + family, direction: 'ingress' });
      }
    });
  });

  it('reports ICMP echo requests and replies, IPv4 and IPv6, with type and code', async () => {
    await withCapture({ mode }, async ({ pair, collector, ifindexA }) => {
      await ping(pair.nsA, pair.ipB, 2);
      await ping(pair.nsA, pair.ip6B, 2);
      for (const [protocol, from, to, type, direction] of [
        [ICMP, pair.ipA, pair.ipB, ECHO_REQUEST, 'ingress'],
        [ICMP, pair.ipB, pair.ipA, ECHO_REPLY, 'egress'],
        [ICMPV6, pair.ip6A, pair.ip6B, ECHOV6_REQUEST, 'ingress'],
        [ICMPV6, pair.ip6B, pair.ip6A, ECHOV6_REPLY, 'egress'],
      ] as const) {
        const flows = await collector.waitFor(
          (r) => r.ifindex === ifindexA && r.protocol === protocol && r.source === from && r.destination === to && r.icmpType === type,
          (rs) => rs.reduce((sum, r) => sum + r.packets, 0) === 2,
        );
        expect(flows[0]).toMatchObject({ reason: 'new', icmpCode: 0, direction, sourcePort: 0, destinationPort: 0 });
      }
    });
  });
});
