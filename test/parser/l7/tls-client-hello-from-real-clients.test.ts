import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createTcpServer, connect as tcpConnect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTlsClientHello } from '../../../src/parser/l7/tls-client-hello.js';
import { tlsClientHelloSummary } from '../../../src/parser/l7/l7-summary.js';

// Real ClientHellos: real clients (Node's tls, openssl s_client) connect through a plain
// TCP relay on loopback that records what the client sends before passing it on to a
// real TLS server with a self-signed certificate, so the handshakes really complete.

const run = promisify(execFile);
const RECORD_HEADER_BYTES = 5;

interface Relay {
  port: number;
  /** Resolves with the client's first complete TLS record on the next connection. */
  nextClientHello(): Promise<Buffer>;
  close(): Promise<void>;
}

async function startRelay(targetPort: number): Promise<Relay> {
  const waiting: Array<(bytes: Buffer) => void> = [];
  const sockets = new Set<Socket>();
  const server = createTcpServer((client) => {
    const upstream = tcpConnect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    const deliver = waiting.shift();
    let seen = Buffer.alloc(0);
    let delivered = false;
    client.on('data', (chunk: Buffer) => {
      if (delivered || deliver === undefined) return;
      seen = Buffer.concat([seen, chunk]);
      if (seen.length >= RECORD_HEADER_BYTES && seen.length >= RECORD_HEADER_BYTES + seen.readUInt16BE(3)) {
        delivered = true;
        deliver(seen.subarray(0, RECORD_HEADER_BYTES + seen.readUInt16BE(3)));
      }
    });
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    nextClientHello: () => new Promise((resolve) => waiting.push(resolve)),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('TLS ClientHello parser on real clients', () => {
  let dir: string;
  let tlsServer: TlsServer;
  let relay: Relay;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowlens-tls-hello-'));
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1',
      '-subj', '/CN=api.flowlens.test', '-addext', 'subjectAltName=DNS:api.flowlens.test',
    ]);
    tlsServer = createTlsServer(
      {
        key: readFileSync(join(dir, 'key.pem')),
        cert: readFileSync(join(dir, 'cert.pem')),
        ALPNProtocols: ['h2', 'http/1.1'],
      },
      (socket) => socket.end('bye'),
    );
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    relay = await startRelay((tlsServer.address() as AddressInfo).port);
  });

  afterAll(async () => {
    await relay?.close();
    await new Promise((resolve) => tlsServer?.close(resolve));
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  async function nodeClientHello(): Promise<Buffer> {
    const captured = relay.nextClientHello();
    const socket = tlsConnect({
      host: '127.0.0.1',
      port: relay.port,
      servername: 'api.flowlens.test',
      ALPNProtocols: ['h2', 'http/1.1'],
      rejectUnauthorized: false,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('secureConnect', resolve);
        socket.once('error', reject);
      });
      expect(socket.alpnProtocol).toBe('h2');
    } finally {
      socket.destroy();
    }
    return captured;
  }

  it("reads SNI, versions and ALPN from Node's ClientHello", async () => {
    const bytes = await nodeClientHello();
    const result = parseTlsClientHello(bytes);
    if (!result.ok) throw new Error(result.reason);
    expect(result.hello.serverName).toBe('api.flowlens.test');
    expect(result.hello.alpn).toEqual(['h2', 'http/1.1']);
    expect(result.hello.legacyVersion).toBe(0x0303);
    expect(result.hello.supportedVersions).toContain(0x0304);
    expect(result.hello.complete).toBe(true);
    expect(tlsClientHelloSummary(result.hello)).toBe('TLS ClientHello SNI: api.flowlens.test version: TLSv1.3 ALPN: h2,http/1.1');
  });

  it('reads a TLS 1.2-only ClientHello from openssl s_client', async () => {
    const captured = relay.nextClientHello();
    const client = execFile(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${relay.port}`, '-servername', 'legacy.flowlens.test', '-alpn', 'http/1.1', '-tls1_2'],
      { timeout: 20_000 },
    );
    client.stdin?.end();
    await new Promise((resolve) => client.once('exit', resolve));
    const result = parseTlsClientHello(await captured);
    if (!result.ok) throw new Error(result.reason);
    expect(result.hello.serverName).toBe('legacy.flowlens.test');
    expect(result.hello.alpn).toEqual(['http/1.1']);
    expect(result.hello.supportedVersions).toEqual([]);
    expect(tlsClientHelloSummary(result.hello)).toBe('TLS ClientHello SNI: legacy.flowlens.test version: TLSv1.2 ALPN: http/1.1');
  });

  it('returns what was complete from every cut of a real ClientHello', async () => {
    const bytes = await nodeClientHello();
    let firstWithName = -1;
    for (let cut = 0; cut <= bytes.length; cut++) {
      const result = parseTlsClientHello(bytes.subarray(0, cut));
      if (cut < 6) {
        expect(result.ok).toBe(false);
        continue;
      }
      if (!result.ok) throw new Error(`cut at ${cut}: ${result.reason}`);
      expect(result.hello.complete).toBe(cut === bytes.length);
      if (result.hello.serverName !== undefined) {
        expect(result.hello.serverName).toBe('api.flowlens.test');
        if (firstWithName === -1) firstWithName = cut;
      } else {
        expect(firstWithName).toBe(-1);
      }
    }
    expect(firstWithName).toBeGreaterThan(RECORD_HEADER_BYTES);
  });
});
