import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { KubernetesPeerSource } from '../../src/peers/kubernetes-source.js';
import type { PeerChange } from '../../src/peers/source.js';
import { StaticPeerSource } from '../../src/peers/static-source.js';
import { FakeKubeApi, fakeNode, waitUntil } from '../helpers/fake-kube-api.js';

let api: FakeKubeApi | undefined;
let source: KubernetesPeerSource | undefined;

afterEach(async () => {
  await source?.stop();
  await api?.close();
});

it('Kubernetes: every InternalIP and ExternalIP of every node, both families, canonical; a change of those alone is no peer change', async () => {
  api = await FakeKubeApi.start();
  const fake = api;
  api.apply('nodes', fakeNode('worker-1', [
    { type: 'InternalIP', address: '198.18.0.1' },
    { type: 'InternalIP', address: 'fd00:0:0:0::1' },
    { type: 'ExternalIP', address: '198.19.0.1' },
    { type: 'Hostname', address: 'worker-1' },
  ]));
  source = new KubernetesPeerSource({ kubeconfig: api.kubeconfigPath, clusterName: 'eu', grpcPort: 4244, backoffInitialMs: 50 });
  const changes: PeerChange[] = [];
  source.subscribe((change) => changes.push(change));
  await source.start();
  expect(source.nodeAddresses()).toEqual([{ name: 'worker-1', addresses: ['198.18.0.1', '198.19.0.1', 'fd00::1'] }]);
  await waitUntil('the node watch is open', () => fake.openWatches('nodes') === 1);

  // The node gains an ExternalIP: its dial address (InternalIP) stays, so relays hear nothing.
  const version = source.addressesVersion;
  api.apply('nodes', fakeNode('worker-1', [
    { type: 'InternalIP', address: '198.18.0.1' },
    { type: 'InternalIP', address: 'fd00::1' },
    { type: 'ExternalIP', address: '198.19.0.2' },
  ]));
  const current = source;
  await waitUntil('the new address is known', () => current.nodeAddresses()[0]!.addresses.includes('198.19.0.2'));
  expect(source.addressesVersion).not.toBe(version);
  expect(changes.map((c) => c.type)).toEqual(['PEER_ADDED']);
});

it('static file: each node at the one address the file gives it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-node-addresses-'));
  try {
    const file = join(dir, 'peers.yaml');
    writeFileSync(file, 'nodes:\n  - { name: n1, address: 198.18.0.1 }\n  - { name: n2, address: "[fd00:0::2]:4245" }\n');
    const peers = new StaticPeerSource({ file, nodeName: 'n1', clusterName: 'c', grpcPort: 4244, pollIntervalMs: 40 });
    await peers.start();
    try {
      expect(peers.nodeAddresses()).toEqual([
        { name: 'n1', addresses: ['198.18.0.1'] },
        { name: 'n2', addresses: ['fd00::2'] },
      ]);
      const version = peers.addressesVersion;
      writeFileSync(file, 'nodes:\n  - { name: n1, address: 198.18.0.1 }\n');
      await waitUntil('the reload', () => peers.nodeAddresses().length === 1);
      expect(peers.addressesVersion).not.toBe(version);
    } finally {
      await peers.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
