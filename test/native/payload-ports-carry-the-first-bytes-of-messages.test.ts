import { describe, expect, it } from 'vitest';
import type { NativeRecord } from '../../src/native/records.js';
import { MODES, withCapture } from './capture-fixture.js';
import { run, udpSend, withUdpServer } from './pod-traffic.js';

// Packets on payload ports whose first bytes can start a message (any UDP datagram; a TCP
// segment opening an HTTP/1.x request or response or a TLS ClientHello) become payload
// records carrying those bytes; every other packet is aggregated as before.

const UDP = 17;
const TCP = 6;
const DNS_PORT = 53;
const HTTP_PORT = 8080;
const OTHER_PORT = 8081;

// Sends one HTTP/1.1 request head, then (once answered) body-like bytes on the same connection.
const HTTP_EXCHANGE = `
import net from 'node:net';
const [host, port] = process.argv.slice(-2);
const server = process.argv.includes('--serve');
if (server) {
  net.createServer((s) => {
    s.once('data', () => s.write('HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n'));
    s.on('end', () => s.end());
  }).listen(Number(port), () => console.log('ready'));
} else {
  let localPort = 0;
  const s = net.connect({ host, port: Number(port) }, () => {
    localPort = s.localPort;
    s.write('GET /first HTTP/1.1\\r\\nHost: test\\r\\n\\r\\n');
  });
  s.once('data', () => s.end(Buffer.alloc(3000, 120)));
  s.on('close', () => { console.log(localPort); process.exit(0); });
  s.resume();
}`;

function payloadText(r: NativeRecord): string {
  return r.payload?.toString('latin1') ?? '';
}

describe.each(MODES)('%s session with payload ports', (mode) => {
  it('carries each UDP datagram on a payload port as one payload record, the same identity at both veths, IPv4 and IPv6', async () => {
    await withCapture({ mode, payloadPorts: [DNS_PORT, HTTP_PORT] }, async ({ pair, collector, ifindexA, ifindexB }) => {
      for (const [family, client, server] of [
        [4, pair.ipA, pair.ipB],
        [6, pair.ip6A, pair.ip6B],
      ] as const) {
        const sourcePort = 41_050 + family;
        await withUdpServer(pair.nsB, family, DNS_PORT, () => udpSend(pair.nsA, family, server, DNS_PORT, 3, sourcePort));
        const tuple = (r: NativeRecord): boolean => r.protocol === UDP && r.sourcePort === sourcePort && r.destinationPort === DNS_PORT;
        const atA = await collector.waitFor((r) => tuple(r) && r.ifindex === ifindexA, (rs) => rs.length === 3);
        const atB = await collector.waitFor((r) => tuple(r) && r.ifindex === ifindexB, (rs) => rs.length === 3);
        for (const r of [...atA, ...atB]) {
          expect(r).toMatchObject({ kind: 'payload', reason: 'packet', packets: 1, family, source: client, destination: server, payloadTotalBytes: 1 });
          expect(payloadText(r)).toBe('x');
        }
        expect(atA.map((r) => r.direction)).toEqual(['ingress', 'ingress', 'ingress']);
        expect(atB.map((r) => r.direction)).toEqual(['egress', 'egress', 'egress']);
        // The identity of a datagram (IPv4 id and UDP checksum) is what both sightings share.
        expect(new Set(atA.map((r) => r.aux))).toEqual(new Set(atB.map((r) => r.aux)));
      }
    });
  });

  it('carries TCP segments that start HTTP messages, and aggregates the rest of the connection', async () => {
    await withCapture({ mode, payloadPorts: [HTTP_PORT] }, async ({ pair, collector, ifindexA }) => {
      const server = pair.spawn(pair.nsB, [process.execPath, '--input-type=module', '-e', HTTP_EXCHANGE, '--', '--serve', '::', String(HTTP_PORT)]);
      try {
        await new Promise<void>((resolve, reject) => {
          server.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
          server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
        });
        const clientPort = Number(await run(pair.nsA, [process.execPath, '--input-type=module', '-e', HTTP_EXCHANGE, '--', pair.ipB, String(HTTP_PORT)]));
        const connection = (r: NativeRecord): boolean =>
          r.ifindex === ifindexA && r.protocol === TCP && (r.sourcePort === clientPort || r.destinationPort === clientPort);
        const payloads = await collector.waitFor((r) => connection(r) && r.kind === 'payload', (rs) => rs.length === 2);
        expect(payloads.map(payloadText)).toEqual(['GET /first HTTP/1.1\r\nHost: test\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n']);
        expect(payloads[0]).toMatchObject({ source: pair.ipA, sourcePort: clientPort, destinationPort: HTTP_PORT, payloadTotalBytes: 35 });
        expect(payloads[1]).toMatchObject({ source: pair.ipB, sourcePort: HTTP_PORT, destinationPort: clientPort });
        // The 3000 body bytes travel in segments of their own: aggregated, their bytes counted in flow records.
        await collector.waitFor(
          (r) => connection(r) && r.kind === 'flow' && r.sourcePort === clientPort,
          (rs) => rs.reduce((sum, r) => sum + r.bytes, 0) > 3000,
        );
        expect(collector.records.filter((r) => connection(r) && r.kind === 'payload')).toHaveLength(2);
      } finally {
        server.kill('SIGKILL');
      }
    });
  });

  it('carries nothing for ports that are not payload ports', async () => {
    await withCapture({ mode, payloadPorts: [HTTP_PORT] }, async ({ pair, collector, ifindexA }) => {
      await withUdpServer(pair.nsB, 4, OTHER_PORT, () => udpSend(pair.nsA, 4, pair.ipB, OTHER_PORT, 3, 41_081));
      const flows = await collector.waitFor(
        (r) => r.ifindex === ifindexA && r.sourcePort === 41_081,
        (rs) => rs.reduce((sum, r) => sum + r.packets, 0) === 3,
      );
      expect(flows.every((r) => r.kind === 'flow' && r.payload === undefined)).toBe(true);
    });
  });
});
