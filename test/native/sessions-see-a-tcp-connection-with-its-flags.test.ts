import { describe, expect, it } from 'vitest';
import type { NativeRecord } from '../../src/native/records.js';
import { MODES, withCapture } from './capture-fixture.js';
import { tcpClient, withTcpServer } from './pod-traffic.js';

const TCP = 6;
const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;
const RST = 0x04;
const SERVER_PORT = 8080;
const CLOSED_PORT = 8081;

const flagsOf = (records: NativeRecord[]): number => records.reduce((all, r) => all | r.tcpFlags, 0);

describe.each(MODES)('%s session', (mode) => {
  it('reports a TCP connection both ways on both veths: addresses, ports, direction, SYN/SYN-ACK/FIN', async () => {
    await withCapture({ mode }, async ({ pair, collector, ifindexA, ifindexB }) => {
      const clientPort = Number(await withTcpServer(pair.nsB, SERVER_PORT, () => tcpClient(pair.nsA, pair.ipB, SERVER_PORT, 20_000)));
      expect(clientPort).toBeGreaterThan(0);
      const isRequest = (r: NativeRecord): boolean =>
        r.kind === 'flow' && r.protocol === TCP && r.source === pair.ipA && r.destination === pair.ipB && r.sourcePort === clientPort && r.destinationPort === SERVER_PORT;
      const isReply = (r: NativeRecord): boolean =>
        r.kind === 'flow' && r.protocol === TCP && r.source === pair.ipB && r.destination === pair.ipA && r.sourcePort === SERVER_PORT && r.destinationPort === clientPort;
      // On A's veth, the client's packets come in from the pod (ingress); on B's they go out to it (egress).
      for (const [ifindex, requestDirection, replyDirection] of [
        [ifindexA, 'ingress', 'egress'],
        [ifindexB, 'egress', 'ingress'],
      ] as const) {
        const requests = await collector.waitFor((r) => isRequest(r) && r.ifindex === ifindex, (rs) => (flagsOf(rs) & (SYN | FIN)) === (SYN | FIN));
        const replies = await collector.waitFor((r) => isReply(r) && r.ifindex === ifindex, (rs) => (flagsOf(rs) & FIN) !== 0);
        expect(new Set(requests.map((r) => r.direction))).toEqual(new Set([requestDirection]));
        expect(new Set(replies.map((r) => r.direction))).toEqual(new Set([replyDirection]));
        expect(requests[0]!.reason).toBe('new');
        expect(requests[0]!.tcpFlags & (SYN | ACK)).toBe(SYN);
        expect(replies[0]!.reason).toBe('new');
        expect(replies[0]!.tcpFlags & (SYN | ACK)).toBe(SYN | ACK);
        expect(requests.every((r) => r.family === 4 && r.packets >= 1 && r.bytes > 0)).toBe(true);
      }
    });
  });

  it('reports a refused TCP connection: SYN one way, RST the other', async () => {
    await withCapture({ mode }, async ({ pair, collector, ifindexA }) => {
      expect(await tcpClient(pair.nsA, pair.ipB, CLOSED_PORT, 1)).toBe('ECONNREFUSED');
      const syn = await collector.waitFor(
        (r) => r.ifindex === ifindexA && r.protocol === TCP && r.source === pair.ipA && r.destinationPort === CLOSED_PORT,
        (rs) => rs.length > 0,
      );
      expect(syn[0]).toMatchObject({ direction: 'ingress', destination: pair.ipB, reason: 'new' });
      expect(syn[0]!.tcpFlags & SYN).toBe(SYN);
      const rst = await collector.waitFor(
        (r) => r.ifindex === ifindexA && r.protocol === TCP && r.source === pair.ipB && r.sourcePort === CLOSED_PORT,
        (rs) => rs.length > 0,
      );
      expect(rst[0]).toMatchObject({ direction: 'egress', destination: pair.ipA, destinationPort: syn[0]!.sourcePort });
      expect(rst[0]!.tcpFlags & RST).toBe(RST);
    });
  });

  it('reports TCP over IPv6 with compressed addresses', async () => {
    await withCapture({ mode }, async ({ pair, collector, ifindexA }) => {
      const clientPort = Number(await withTcpServer(pair.nsB, SERVER_PORT, () => tcpClient(pair.nsA, pair.ip6B, SERVER_PORT, 100)));
      const requests = await collector.waitFor(
        (r) => r.ifindex === ifindexA && r.family === 6 && r.protocol === TCP && r.sourcePort === clientPort && r.destinationPort === SERVER_PORT,
        (rs) => (flagsOf(rs) & (SYN | FIN)) === (SYN | FIN),
      );
      expect(requests[0]).toMatchObject({ source: pair.ip6A, destination: pair.ip6B, direction: 'ingress' });
    });
  });
});
