import { describe, expect, it } from 'vitest';
import { HealthChecks } from '../../src/health/health-checks.js';
import { startHealthServer } from '../../src/health/server.js';
import { tlsFilesCheck, type TlsFileStatus } from '../../src/health/tls-files-check.js';

async function probe(port: number, path: string, method = 'GET'): Promise<{ status: number; body: any }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  const text = await response.text();
  const json = response.headers.get('content-type') === 'application/json';
  return { status: response.status, body: text === '' ? undefined : json ? JSON.parse(text) : text };
}

describe('/readyz', () => {
  it('answers 503 naming each failing check, and 200 again once they pass', async () => {
    const notAfter = new Date('2026-01-01T00:00:00Z');
    const validFiles: TlsFileStatus[] = [
      { path: 'tls/server.crt', valid: true, notAfter: new Date('2031-01-01T00:00:00Z') },
      { path: 'tls/server.key', valid: true },
    ];
    let tlsFiles = validFiles;
    let captureAttached = true;
    const readiness = new HealthChecks();
    readiness.register('capture', () => (captureAttached ? null : 'no interface attached'));
    readiness.register('certificate', tlsFilesCheck(() => tlsFiles));
    const server = await startHealthServer({ address: { host: '127.0.0.1', port: 0 }, readiness });
    try {
      expect(await probe(server.port, '/readyz')).toEqual({ status: 200, body: { status: 'ready' } });

      tlsFiles = [{ path: 'tls/server.crt', valid: false, notAfter, error: `expired at ${notAfter.toISOString()}` }, validFiles[1]!];
      expect(await probe(server.port, '/readyz')).toEqual({
        status: 503,
        body: { status: 'not ready', failing: { certificate: 'server.crt expired at 2026-01-01T00:00:00.000Z' } },
      });

      captureAttached = false;
      tlsFiles = [
        { path: 'tls/server.crt', valid: false, error: 'cannot be read: ENOENT' },
        { path: 'tls/server.key', valid: false, error: 'does not match the certificate in tls/server.crt' },
      ];
      expect(await probe(server.port, '/readyz')).toEqual({
        status: 503,
        body: {
          status: 'not ready',
          failing: {
            capture: 'no interface attached',
            certificate: 'server.crt cannot be read: ENOENT; server.key does not match the certificate in tls/server.crt',
          },
        },
      });

      tlsFiles = validFiles;
      captureAttached = true;
      expect(await probe(server.port, '/readyz')).toEqual({ status: 200, body: { status: 'ready' } });

      readiness.register('certificate', () => {
        throw new Error('boom');
      });
      expect((await probe(server.port, '/readyz')).body.failing).toEqual({ certificate: 'check failed: boom' });

      // Liveness is separate: a not-ready agent is still alive.
      expect(await probe(server.port, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
      expect((await probe(server.port, '/livez')).status).toBe(404);
      expect((await probe(server.port, '/readyz', 'POST')).status).toBe(405);
      expect(await probe(server.port, '/readyz', 'HEAD')).toEqual({ status: 503, body: undefined });
    } finally {
      await server.close();
    }
  });
});
