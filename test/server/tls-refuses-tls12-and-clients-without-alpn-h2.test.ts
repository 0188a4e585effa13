import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCertificates, type GeneratedCertificatePaths } from '../../src/certs/generate.js';
import { healthService } from '../../src/proto/load.js';
import { tlsServerName } from '../../src/peers/server-name.js';
import { HealthService, HealthStatusRegistry } from '../../src/server/health-service.js';
import { startListeners, type RunningListeners } from '../../src/server/listeners.js';
import { ReloadingTlsCredentials } from '../../src/server/tls-credentials.js';
import { TEST_CLUSTER, TEST_NODE } from './tls-fixture.js';

const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const HTTP2_EMPTY_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
const HTTP2_SETTINGS_FRAME_TYPE = 4;
const SOCKET_DEADLINE_MS = 15_000;

const dir = mkdtempSync(join(tmpdir(), 'fl-tls-'));
let certs: GeneratedCertificatePaths;
let listeners: RunningListeners;

beforeAll(async () => {
  certs = generateCertificates({ outDir: dir, nodeName: TEST_NODE, clusterName: TEST_CLUSTER, ips: [], validDays: 2 });
  listeners = await startListeners({
    services: [{ definition: healthService, implementation: new HealthService(new HealthStatusRegistry()).implementation() }],
    tcpAddress: '127.0.0.1:0',
    tcpCredentials: new ReloadingTlsCredentials({ certFile: certs.serverCert, keyFile: certs.serverKey, clientCaFiles: [certs.clientCaCert] }),
  });
});

afterAll(async () => {
  await listeners?.stop(1_000);
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  /** The TLS handshake completed. */
  secure: boolean;
  protocol: string | null;
  alpn: string | false | null;
  /** The server sent an HTTP/2 SETTINGS frame in answer to our preface. */
  http2: boolean;
  error?: string;
}

/** Dials with Node's own TLS client, sends the HTTP/2 preface, and reports how far it got. */
function dial(options: Partial<ConnectionOptions>): Promise<Outcome> {
  return new Promise((resolve) => {
    const outcome: Outcome = { secure: false, protocol: null, alpn: null, http2: false };
    let received = Buffer.alloc(0);
    const socket: TLSSocket = connect({
      host: '127.0.0.1',
      port: listeners.tcpPort!,
      servername: tlsServerName(TEST_NODE, TEST_CLUSTER),
      ca: readFileSync(certs.caCert),
      cert: readFileSync(certs.clientCert),
      key: readFileSync(certs.clientKey),
      ...options,
    });
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      if (error !== undefined) outcome.error = error.message;
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish(new Error('no answer before the deadline')), SOCKET_DEADLINE_MS);
    socket.once('secureConnect', () => {
      outcome.secure = true;
      outcome.protocol = socket.getProtocol();
      outcome.alpn = socket.alpnProtocol;
      socket.write(Buffer.concat([HTTP2_PREFACE, HTTP2_EMPTY_SETTINGS]));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 9 && received[3] === HTTP2_SETTINGS_FRAME_TYPE) {
        outcome.http2 = true;
        finish();
      }
    });
    socket.once('error', finish);
    socket.once('close', () => finish());
  });
}

describe('TLS version and ALPN on the TCP listener', () => {
  it('speaks TLS 1.3 and HTTP/2 to a client offering h2 (the control case)', async () => {
    const outcome = await dial({ ALPNProtocols: ['h2'] });
    expect(outcome).toMatchObject({ secure: true, protocol: 'TLSv1.3', alpn: 'h2', http2: true });
  });

  it('refuses the handshake with a client limited to TLS 1.2', async () => {
    const outcome = await dial({ ALPNProtocols: ['h2'], maxVersion: 'TLSv1.2' });
    expect(outcome.secure).toBe(false);
    expect(outcome.http2).toBe(false);
    expect(outcome.error).toMatch(/protocol version|unsupported protocol/i);
  });

  it('never speaks HTTP/2 to a client that offers no ALPN', async () => {
    const outcome = await dial({});
    expect(outcome.alpn).toBe(false);
    expect(outcome.http2).toBe(false);
  });

  it('refuses the handshake with a client that offers only http/1.1', async () => {
    const outcome = await dial({ ALPNProtocols: ['http/1.1'] });
    expect(outcome.secure).toBe(false);
    expect(outcome.http2).toBe(false);
    expect(outcome.error).toMatch(/application protocol/i);
  });
});
