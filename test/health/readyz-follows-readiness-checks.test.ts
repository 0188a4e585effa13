import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCertificateAuthority, validityForDays } from '../../src/certs/issue.js';
import { certificatesCheck } from '../../src/health/certificate-validity.js';
import { HealthChecks } from '../../src/health/health-checks.js';
import { startHealthServer } from '../../src/health/server.js';

const DAY_MS = 24 * 3600 * 1000;

async function probe(port: number, path: string, method = 'GET'): Promise<{ status: number; body: any }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Replaces a file the way a Kubernetes secret update does: write aside, then rename over it. */
async function replaceFile(file: string, content: string): Promise<void> {
  await writeFile(`${file}.next`, content);
  await rename(`${file}.next`, file);
}

describe('/readyz', () => {
  it('answers 503 naming each failing check, and 200 again once they pass', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flowlens-readyz-'));
    const certFile = join(dir, 'server.crt');
    const fresh = createCertificateAuthority('agent', validityForDays(30)).certPem;
    const expiredAt = new Date(Math.floor((Date.now() - DAY_MS) / 1000) * 1000);
    const expired = createCertificateAuthority('agent', { notBefore: new Date(Date.now() - 2 * DAY_MS), notAfter: expiredAt }).certPem;
    await writeFile(certFile, fresh);

    let captureAttached = true;
    const readiness = new HealthChecks();
    readiness.register('capture', () => (captureAttached ? null : 'no interface attached'));
    readiness.register('certificate', certificatesCheck([certFile]));
    const server = await startHealthServer({ address: { host: '127.0.0.1', port: 0 }, readiness });
    try {
      expect(await probe(server.port, '/readyz')).toEqual({ status: 200, body: { status: 'ready' } });

      await replaceFile(certFile, expired);
      expect(await probe(server.port, '/readyz')).toEqual({
        status: 503,
        body: { status: 'not ready', failing: { certificate: `server.crt expired at ${expiredAt.toISOString()}` } },
      });

      captureAttached = false;
      const both = await probe(server.port, '/readyz');
      expect(both.status).toBe(503);
      expect(Object.keys(both.body.failing).sort()).toEqual(['capture', 'certificate']);
      expect(both.body.failing.capture).toBe('no interface attached');

      await replaceFile(certFile, fresh);
      captureAttached = true;
      expect(await probe(server.port, '/readyz')).toEqual({ status: 200, body: { status: 'ready' } });

      await rm(certFile);
      const missing = await probe(server.port, '/readyz');
      expect(missing.status).toBe(503);
      expect(missing.body.failing.certificate).toMatch(/^server\.crt cannot be read: .*ENOENT/);

      readiness.register('certificate', () => {
        throw new Error('boom');
      });
      expect((await probe(server.port, '/readyz')).body.failing).toEqual({ certificate: 'check failed: boom' });

      // Liveness is separate: a not-ready agent is still alive.
      expect(await probe(server.port, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
      expect((await probe(server.port, '/livez')).status).toBe(404);
      expect((await probe(server.port, '/readyz', 'POST')).status).toBe(405);
      const head = await probe(server.port, '/readyz', 'HEAD');
      expect(head).toEqual({ status: 503, body: undefined });
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
