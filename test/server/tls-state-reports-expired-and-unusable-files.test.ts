import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateCertificates, type GeneratedCertificatePaths } from '../../src/certs/generate.js';
import { createCertificateAuthority, issueCertificate } from '../../src/certs/issue.js';
import { isFlowlensError } from '../../src/errors.js';
import { healthService, hubbleProtos } from '../../src/proto/load.js';
import { tlsServerName } from '../../src/peers/server-name.js';
import { HealthService, HealthStatusRegistry } from '../../src/server/health-service.js';
import { startListeners } from '../../src/server/listeners.js';
import { ReloadingTlsCredentials } from '../../src/server/tls-credentials.js';
import { captureLogs } from '../helpers/captured-logs.js';
import { TEST_CLUSTER, TEST_NODE, clientTls, ownConnection, unary, waitFor } from './tls-fixture.js';

const REFRESH_INTERVAL_MS = 50;
const DAY_MS = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'fl-tls-state-'));
let good: GeneratedCertificatePaths;
let other: GeneratedCertificatePaths;

beforeAll(() => {
  good = generateCertificates({ outDir: join(dir, 'good'), nodeName: TEST_NODE, clusterName: TEST_CLUSTER, ips: [], validDays: 2 });
  other = generateCertificates({ outDir: join(dir, 'other'), nodeName: TEST_NODE, clusterName: TEST_CLUSTER, ips: [], validDays: 2 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

afterEach(() => vi.restoreAllMocks());

/** Replaces a file in one step, so a poll never reads it half written. */
function replaceFile(path: string, from: string): void {
  writeFileSync(`${path}.tmp`, readFileSync(from));
  renameSync(`${path}.tmp`, path);
}

function liveCopy(name: string, from: GeneratedCertificatePaths) {
  const live = join(dir, name);
  mkdirSync(live);
  const files = { certFile: join(live, 'server.crt'), keyFile: join(live, 'server.key'), clientCaFiles: [join(live, 'client-ca.crt')] };
  copyFileSync(from.serverCert, files.certFile);
  copyFileSync(from.serverKey, files.keyFile);
  copyFileSync(from.clientCaCert, files.clientCaFiles[0]!);
  return files;
}

describe('TLS state', () => {
  it('reports an expired certificate as invalid, with its end of validity, and logs it once', () => {
    const now = Date.now();
    const ca = createCertificateAuthority('expired test CA', { notBefore: new Date(now - 10 * DAY_MS), notAfter: new Date(now + DAY_MS) });
    const notAfter = new Date(Math.floor((now - DAY_MS) / 1000) * 1000);
    const leaf = issueCertificate(ca, { commonName: 'x', dnsNames: ['localhost'], ips: [], usage: 'server', validity: { notBefore: new Date(now - 2 * DAY_MS), notAfter } });
    const live = join(dir, 'expired');
    mkdirSync(live);
    const files = { certFile: join(live, 'server.crt'), keyFile: join(live, 'server.key'), clientCaFiles: [join(live, 'client-ca.crt')] };
    writeFileSync(files.certFile, leaf.certPem);
    writeFileSync(files.keyFile, leaf.keyPem);
    writeFileSync(files.clientCaFiles[0]!, ca.certPem);

    const logs = captureLogs();
    const tls = new ReloadingTlsCredentials(files);
    const state = tls.state();
    expect(state.valid).toBe(false);
    expect(state.files[0]).toMatchObject({ role: 'certificate', valid: false, notAfter });
    expect(state.files[0]!.error).toMatch(/^expired at /);
    expect(state.files.slice(1).every((file) => file.valid)).toBe(true);
    expect(state.served.notAfter).toEqual(notAfter);
    tls.state();
    tls.state();
    const errors = logs.filter((line) => line.module === 'tls' && line.level === 50);
    expect(errors).toHaveLength(1);
  });

  it('judges validity at the moment it is asked: a certificate expires while running', () => {
    const tls = new ReloadingTlsCredentials({ certFile: good.serverCert, keyFile: good.serverKey, clientCaFiles: [good.clientCaCert] });
    expect(tls.state().valid).toBe(true);
    const later = new Date(Date.now() + 3 * DAY_MS);
    expect(tls.state(later).valid).toBe(false);
    expect(tls.state(later).files[0]!.error).toMatch(/expired/);
  });

  it('refuses to start without usable files, naming each one', () => {
    const files = { certFile: join(dir, 'absent.crt'), keyFile: other.serverKey, clientCaFiles: [good.clientCaCert] };
    expect(() => new ReloadingTlsCredentials(files)).toThrowError(/absent\.crt: ENOENT/);
    try {
      new ReloadingTlsCredentials({ certFile: good.serverCert, keyFile: other.serverKey, clientCaFiles: [good.clientCaCert, good.serverKey] });
      expect.unreachable();
    } catch (err) {
      expect(isFlowlensError(err, 'FL_TLS_FILES')).toBe(true);
      expect((err as Error).message).toMatch(/does not match the certificate/);
      expect((err as Error).message).toMatch(/server\.key: not a parseable CA bundle/);
    }
    expect(() => new ReloadingTlsCredentials({ certFile: good.serverCert, keyFile: good.serverKey, clientCaFiles: [] })).toThrowError(/at least one client CA file/);
  });

  it('keeps serving the last good certificate while the files on disk are unusable, and says so once', async () => {
    const files = liveCopy('unusable', good);
    const logs = captureLogs();
    const tls = new ReloadingTlsCredentials({ ...files, refreshIntervalMs: REFRESH_INTERVAL_MS });
    // Watches the (private) method each poll calls; it still runs as it would.
    const polls = vi.spyOn(tls as unknown as { evaluate(update: unknown): void }, 'evaluate');
    const listeners = await startListeners({
      services: [{ definition: healthService, implementation: new HealthService(new HealthStatusRegistry()).implementation() }],
      tcpAddress: '127.0.0.1:0',
      tcpCredentials: tls,
    });
    const dial = async () => {
      const client = new hubbleProtos.grpc.health.v1.Health(`127.0.0.1:${listeners.tcpPort}`, clientTls(good.caCert, good).credentials, ownConnection(tlsServerName(TEST_NODE, TEST_CLUSTER)));
      try {
        return await unary(client, 'Check', { service: '' });
      } finally {
        client.close();
      }
    };
    try {
      const servedBefore = tls.state().served.fingerprint256;
      replaceFile(files.keyFile, other.serverKey);
      await waitFor('the mismatched key noticed', () => !tls.state().servingCurrentFiles);
      expect(tls.state()).toMatchObject({ valid: false, served: { fingerprint256: servedBefore } });
      expect(tls.state().files[1]!.error).toMatch(/does not match the certificate/);
      await expect(dial()).resolves.toEqual({ status: 'NOT_SERVING' });

      rmSync(files.certFile);
      await waitFor('the missing certificate noticed', () => /ENOENT/.test(tls.state().files[0]!.error ?? ''));
      await expect(dial()).resolves.toEqual({ status: 'NOT_SERVING' });
      // several polls with nothing new on disk, counted as they happen: nothing more is logged
      const pollsSoFar = polls.mock.calls.length;
      await waitFor('five more polls', () => polls.mock.calls.length >= pollsSoFar + 5);

      // key first: with the certificate still missing, nothing new to say until it is back
      replaceFile(files.keyFile, good.serverKey);
      replaceFile(files.certFile, good.serverCert);
      await waitFor('the good files back in service', () => tls.state().valid);
      expect(tls.state().served.fingerprint256).toBe(servedBefore);

      const messages = logs.filter((line) => line.module === 'tls').map((line) => `${line.level} ${line.msg}`);
      expect(messages).toEqual([
        '30 TLS certificate loaded',
        '50 TLS files on disk are unusable: still serving the previous certificate',
        '50 TLS files on disk are unusable: still serving the previous certificate',
        '30 TLS certificate reloaded',
      ]);
    } finally {
      await listeners.stop(1_000);
    }
  });
});
