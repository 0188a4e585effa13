import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCertificates, type GeneratedCertificatePaths } from '../../src/certs/generate.js';
import { healthService, hubbleProtos } from '../../src/proto/load.js';
import { tlsServerName } from '../../src/peers/server-name.js';
import { HealthService, HealthStatusRegistry } from '../../src/server/health-service.js';
import { startListeners, type RunningListeners } from '../../src/server/listeners.js';
import { ReloadingTlsCredentials } from '../../src/server/tls-credentials.js';
import { TEST_CLUSTER, TEST_NODE, clientTls, ownConnection, unary } from './tls-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'fl-tls-'));
let certs: GeneratedCertificatePaths;
let otherCa: GeneratedCertificatePaths;
let listeners: RunningListeners;
const clients: grpc.Client[] = [];

beforeAll(async () => {
  certs = generateCertificates({ outDir: join(dir, 'agent'), nodeName: TEST_NODE, clusterName: TEST_CLUSTER, ips: [], validDays: 2 });
  otherCa = generateCertificates({ outDir: join(dir, 'other'), nodeName: TEST_NODE, clusterName: TEST_CLUSTER, ips: [], validDays: 2 });
  const registry = new HealthStatusRegistry();
  registry.setCaptureRunning(true);
  listeners = await startListeners({
    services: [{ definition: healthService, implementation: new HealthService(registry).implementation() }],
    tcpAddress: '127.0.0.1:0',
    tcpCredentials: new ReloadingTlsCredentials({ certFile: certs.serverCert, keyFile: certs.serverKey, clientCaFiles: [certs.clientCaCert] }),
  });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await listeners?.stop(1_000);
  rmSync(dir, { recursive: true, force: true });
});

function healthClient(credentials: grpc.ChannelCredentials, serverName: string): grpc.Client {
  const client = new hubbleProtos.grpc.health.v1.Health(`127.0.0.1:${listeners.tcpPort}`, credentials, ownConnection(serverName));
  clients.push(client);
  return client;
}

describe('mTLS on the TCP listener', () => {
  it('serves a relay-like client: the generated client certificate, the advertised server name', async () => {
    const tls = clientTls(certs.caCert, certs);
    const client = healthClient(tls.credentials, tlsServerName(TEST_NODE, TEST_CLUSTER));
    await expect(unary(client, 'Check', { service: 'hubble.server.Observer' })).resolves.toEqual({ status: 'SERVING' });
    expect(tls.seenFingerprints).toHaveLength(1);
  });

  it('serves the peer service name the relay dials through the hubble-peer Service', async () => {
    const client = healthClient(clientTls(certs.caCert, certs).credentials, tlsServerName('hubble-peer', TEST_CLUSTER));
    await expect(unary(client, 'Check', { service: '' })).resolves.toEqual({ status: 'SERVING' });
  });

  it('refuses a client without a certificate', async () => {
    const client = healthClient(clientTls(certs.caCert).credentials, tlsServerName(TEST_NODE, TEST_CLUSTER));
    await expect(unary(client, 'Check', { service: '' })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('refuses a client whose certificate another CA signed', async () => {
    const client = healthClient(clientTls(certs.caCert, otherCa).credentials, tlsServerName(TEST_NODE, TEST_CLUSTER));
    await expect(unary(client, 'Check', { service: '' })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('refuses the agent certificate presented as a client certificate (server-only key usage)', async () => {
    const serverPairAsClient = { clientCert: certs.serverCert, clientKey: certs.serverKey };
    const client = healthClient(clientTls(certs.caCert, serverPairAsClient).credentials, tlsServerName(TEST_NODE, TEST_CLUSTER));
    await expect(unary(client, 'Check', { service: '' })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('is refused by a client that expects another node name', async () => {
    const client = healthClient(clientTls(certs.caCert, certs).credentials, tlsServerName(TEST_NODE, 'elsewhere'));
    await expect(unary(client, 'Check', { service: '' })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });
});
