import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCertificates, type GeneratedCertificatePaths } from '../../src/certs/generate.js';
import { healthService, hubbleProtos, peerService } from '../../src/proto/load.js';
import { peerServiceServerName, tlsServerName } from '../../src/peers/server-name.js';
import { StaticPeerSource } from '../../src/peers/static-source.js';
import { HealthService, HealthStatusRegistry } from '../../src/server/health-service.js';
import { startListeners, type RunningListeners } from '../../src/server/listeners.js';
import { PeerService, type ChangeNotification } from '../../src/server/peer.js';
import { ReloadingTlsCredentials } from '../../src/server/tls-credentials.js';
import { TEST_CLUSTER, TEST_NODE, clientTls, collect, ownConnection, unary, waitFor } from './tls-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'fl-peer-tls-'));
let certs: GeneratedCertificatePaths;
let source: StaticPeerSource;
let listeners: RunningListeners;
const clients: grpc.Client[] = [];

beforeAll(async () => {
  certs = generateCertificates({ outDir: join(dir, 'certs'), nodeName: TEST_NODE, clusterName: TEST_CLUSTER, ips: [], validDays: 2 });
  const file = join(dir, 'peers.yaml');
  source = new StaticPeerSource({ file, nodeName: TEST_NODE, clusterName: TEST_CLUSTER, grpcPort: 4244 });
  const health = new HealthStatusRegistry();
  health.setCaptureRunning(true);
  listeners = await startListeners({
    services: [
      { definition: peerService, implementation: new PeerService({ source, defaultPort: 4244, tls: true }).implementation() },
      { definition: healthService, implementation: new HealthService(health).implementation() },
    ],
    tcpAddress: '127.0.0.1:0',
    tcpCredentials: new ReloadingTlsCredentials({ certFile: certs.serverCert, keyFile: certs.serverKey, clientCaFiles: [certs.clientCaCert] }),
  });
  // This agent, at the port it really listens on, and a second node only named.
  writeFileSync(file, `nodes: [{name: ${TEST_NODE}, address: "127.0.0.1:${listeners.tcpPort}"}, {name: other, address: "fd00::9"}]\n`);
  await source.start();
});

afterAll(async () => {
  for (const client of clients) client.close();
  await listeners?.stop(1_000);
  await source?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Notify in TLS mode, used the way hubble-relay uses it', () => {
  it('names nodes cluster/node, carries the TLS server name, and that name dials the node with mTLS', async () => {
    const { credentials } = clientTls(certs.caCert, certs);
    // The relay reaches the peer service through the hubble-peer Service name.
    const peerClient = new hubbleProtos.peer.Peer(`127.0.0.1:${listeners.tcpPort}`, credentials, ownConnection(peerServiceServerName(TEST_CLUSTER)));
    clients.push(peerClient);
    const stream = collect<ChangeNotification>(peerClient, 'Notify', {});
    await waitFor('both nodes', () => stream.received.length === 2);
    stream.call.cancel();
    expect(stream.received).toEqual([
      {
        type: 'PEER_ADDED',
        name: `${TEST_CLUSTER}/${TEST_NODE}`,
        address: `127.0.0.1:${listeners.tcpPort}`,
        tls: { server_name: 'node-1-lab.test-cluster.hubble-grpc.cilium.io' },
      },
      { type: 'PEER_ADDED', name: `${TEST_CLUSTER}/other`, address: '[fd00::9]:4244', tls: { server_name: tlsServerName('other', TEST_CLUSTER) } },
    ]);

    const self = stream.received[0]!;
    const nodeClient = new hubbleProtos.grpc.health.v1.Health(self.address, credentials, ownConnection(self.tls!.server_name));
    clients.push(nodeClient);
    await expect(unary(nodeClient, 'Check', { service: 'hubble.server.Observer' })).resolves.toEqual({ status: 'SERVING' });
  });
});
