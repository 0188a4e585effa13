import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCertificates } from '../../src/certs/generate.js';
import { isFlowlensError } from '../../src/errors.js';
import { peerServiceServerName, tlsServerName } from '../../src/peers/server-name.js';

const dir = mkdtempSync(join(tmpdir(), 'fl-certs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('generateCertificates', () => {
  const outDir = join(dir, 'set');
  const paths = generateCertificates({ outDir, nodeName: 'worker.example', clusterName: 'eu.prod', ips: ['198.18.0.7', 'fd00::7'], validDays: 30 });
  const cert = (path: string) => new X509Certificate(readFileSync(path));

  it('writes the files the DaemonSet mounts, keys readable by the owner only', () => {
    expect(Object.keys(paths).sort()).toEqual(['caCert', 'caKey', 'clientCaCert', 'clientCert', 'clientKey', 'serverCert', 'serverKey']);
    expect(paths.serverCert).toBe(join(outDir, 'server.crt'));
    expect(paths.serverKey).toBe(join(outDir, 'server.key'));
    expect(paths.clientCaCert).toBe(join(outDir, 'client-ca.crt'));
    for (const key of [paths.caKey!, paths.serverKey, paths.clientKey]) expect(statSync(key).mode & 0o777).toBe(0o600);
    for (const crt of [paths.caCert, paths.serverCert, paths.clientCaCert, paths.clientCert]) expect(statSync(crt).mode & 0o777).toBe(0o644);
  });

  it('gives the server certificate every name a relay or the CLI dials', () => {
    const server = cert(paths.serverCert);
    // dots inside the node and cluster names become dashes in the server name
    expect(tlsServerName('worker.example', 'eu.prod')).toBe('worker-example.eu-prod.hubble-grpc.cilium.io');
    for (const name of [tlsServerName('worker.example', 'eu.prod'), peerServiceServerName('eu.prod'), 'worker.example', 'localhost']) {
      expect(server.checkHost(name), name).toBeDefined();
    }
    expect(server.checkHost(tlsServerName('worker', 'other'))).toBeUndefined();
    for (const ip of ['198.18.0.7', '127.0.0.1', 'fd00:0:0:0:0:0:0:7']) expect(server.checkIP(ip), ip).toBeDefined();
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
  });

  it('signs server and client with the CA in client-ca.crt; the client is the relay', () => {
    const ca = cert(paths.clientCaCert);
    expect(ca.ca).toBe(true);
    const server = cert(paths.serverCert);
    const client = cert(paths.clientCert);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(client.verify(ca.publicKey)).toBe(true);
    expect(client.subject).toContain('CN=*.hubble-relay.cilium.io');
    expect(client.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(server.checkPrivateKey(createPrivateKey(readFileSync(paths.serverKey)))).toBe(true);
    expect(client.checkPrivateKey(createPrivateKey(readFileSync(paths.clientKey)))).toBe(true);
    expect(server.serialNumber).not.toBe(client.serialNumber);
    const days = (Date.parse(server.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThanOrEqual(30);
  });

  it('refuses to overwrite an existing set unless asked, and can reuse a CA for another node', () => {
    expect(() => generateCertificates({ outDir, nodeName: 'n', clusterName: 'c', ips: [], validDays: 1 })).toThrowError(/refusing to overwrite/);
    const second = generateCertificates({
      outDir: join(dir, 'second'), nodeName: 'worker2', clusterName: 'eu.prod', ips: [], validDays: 1,
      ca: { certFile: paths.caCert, keyFile: paths.caKey! },
    });
    expect(second.caKey).toBeUndefined();
    expect(cert(second.serverCert).verify(cert(paths.caCert).publicKey)).toBe(true);
    expect(readFileSync(second.clientCaCert, 'utf8')).toBe(readFileSync(paths.caCert, 'utf8'));
  });

  it('rejects bad options with FL_CERTS naming each problem', () => {
    try {
      generateCertificates({ outDir: join(dir, 'bad'), nodeName: '', clusterName: 'c', ips: ['not-an-ip'], validDays: 0 });
      expect.unreachable();
    } catch (err) {
      expect(isFlowlensError(err, 'FL_CERTS')).toBe(true);
      expect((err as Error).message).toMatch(/nodeName.*validDays.*not-an-ip/);
    }
  });
});
