import { describe, expect, it } from 'vitest';
import { withCapture } from './capture-fixture.js';
import { tcpClient, withTcpServer } from './pod-traffic.js';

const TCP = 6;
const TCP_ESTABLISHED = 1;
const TCP_SYN_SENT = 2;
const TCP_SYN_RECV = 3;
const SERVER_PORT = 8090;

describe('tracer session with socket events', () => {
  it('reports TCP state changes of both ends with local and remote address and port', async () => {
    await withCapture({ mode: 'tracer', captureSock: true }, async ({ pair, collector }) => {
      const clientPort = Number(await withTcpServer(pair.nsB, SERVER_PORT, () => tcpClient(pair.nsA, pair.ipB, SERVER_PORT, 10)));
      const client = await collector.waitFor(
        (r) => r.kind === 'sock' && r.aux === ((TCP_SYN_SENT << 8) | TCP_ESTABLISHED) && r.sourcePort === clientPort,
        (rs) => rs.length > 0,
      );
      expect(client[0]).toMatchObject({ protocol: TCP, family: 4, source: pair.ipA, destination: pair.ipB, destinationPort: SERVER_PORT, reason: 'none' });
      const server = await collector.waitFor(
        (r) => r.kind === 'sock' && r.aux === ((TCP_SYN_RECV << 8) | TCP_ESTABLISHED) && r.destinationPort === clientPort,
        (rs) => rs.length > 0,
      );
      expect(server[0]).toMatchObject({ protocol: TCP, source: pair.ipB, sourcePort: SERVER_PORT, destination: pair.ipA });
    });
  });
});
