import { readFileSync } from 'node:fs';
import { request as httpsRequest, createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { NativeRecord } from '../../src/native/records.js';
import { TLS_READ, TLS_WRITE } from '../../src/native/records.js';
import { uprobesOf } from '../l7/agent-flows.js';
import { curl, serverCertificate, startHttpsServer } from '../l7/l7-traffic.js';
import { withCapture } from './capture-fixture.js';

// TLS plaintext records: OpenSSL's reads and writes, in curl (libssl) and in a node server
// (OpenSSL inside the node binary), each placed on its TCP connection and oriented the way
// the bytes travelled. The capturing process itself is never traced.

const NAME = 'tls.flowlens.test';
const HTTPS_PORT = 443;

function text(r: NativeRecord): string {
  return r.payload?.toString('latin1') ?? '';
}

/** An HTTPS exchange inside this very process, over loopback. */
async function ownHttpsExchange(certDir: string): Promise<void> {
  const server = createHttpsServer({ key: readFileSync(`${certDir}/key.pem`), cert: readFileSync(`${certDir}/cert.pem`) }, (_req, res) => {
    res.end('own answer');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/own/process', rejectUnauthorized: false }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

describe('tracer session with TLS plaintext', () => {
  it('records what curl and a node server write and read, on the TCP connection, and nothing of its own process', async () => {
    const certificates = serverCertificate(NAME);
    try {
      await withCapture({ mode: 'tracer', tlsPlaintext: true }, async ({ pair, collector, session }) => {
        expect(session.l7Stats().tlsFiles).toBeGreaterThanOrEqual(2);
        const server = await startHttpsServer(pair.nsB, certificates, HTTPS_PORT);
        try {
          await ownHttpsExchange(certificates.dir);
          const out = await curl(pair.nsA, ['--insecure', '--resolve', `${NAME}:${HTTPS_PORT}:${pair.ipB}`, '--write-out', '%{local_port}', `https://${NAME}/tls/path`]);
          const clientPort = Number(out);
          const tls = (r: NativeRecord): boolean => r.kind === 'tls' && (r.sourcePort === clientPort || r.destinationPort === clientPort);
          const records = await collector.waitFor(tls, (rs) => rs.length >= 4);
          const request = records.filter((r) => text(r).startsWith('GET /tls/path HTTP/1.1'));
          const response = records.filter((r) => text(r).startsWith('HTTP/1.1 200'));
          for (const r of request) {
            expect(r).toMatchObject({ protocol: 6, source: pair.ipA, sourcePort: clientPort, destination: pair.ipB, destinationPort: HTTPS_PORT });
            expect(r.payloadTotalBytes).toBe(r.payload!.length);
          }
          for (const r of response) {
            expect(r).toMatchObject({ source: pair.ipB, sourcePort: HTTPS_PORT, destination: pair.ipA, destinationPort: clientPort });
          }
          // curl writes the request and reads the answer; the server reads it and writes the answer.
          expect(request.map((r) => [r.aux, r.pid === server.pid])).toEqual(expect.arrayContaining([[TLS_WRITE, false], [TLS_READ, true]]));
          expect(response.map((r) => [r.aux, r.pid === server.pid])).toEqual(expect.arrayContaining([[TLS_WRITE, true], [TLS_READ, false]]));
          expect(collector.records.filter((r) => r.kind === 'tls' && (r.pid === process.pid || text(r).includes('/own/process')))).toEqual([]);
        } finally {
          server.stop();
        }
      });
    } finally {
      certificates.remove();
    }
  });

  it('attaches uprobes only when asked, and leaves none behind after close', async () => {
    await withCapture({ mode: 'tracer' }, async ({ session }) => {
      expect(session.l7Stats().tlsFiles).toBe(0);
      expect(uprobesOf(process.pid)).toEqual([]);
    });
    await withCapture({ mode: 'tracer', tlsPlaintext: true }, async () => {
      const probed = uprobesOf(process.pid);
      expect(probed.filter((p) => p.fd_type === 'uprobe').length).toBe(probed.filter((p) => p.fd_type === 'uretprobe').length);
      expect(probed.some((p) => (p.filename ?? '').endsWith('/libssl.so.3'))).toBe(true);
    });
    expect(uprobesOf(process.pid)).toEqual([]);
  });
});
