import { afterEach, describe, expect, it } from 'vitest';
import { KubernetesPeerSource, nodeAddress } from '../../src/peers/kubernetes-source.js';
import type { PeerChange } from '../../src/peers/source.js';
import { FakeKubeApi, fakeNode, waitUntil } from '../helpers/fake-kube-api.js';

let api: FakeKubeApi | undefined;
let source: KubernetesPeerSource | undefined;

afterEach(async () => {
  await source?.stop();
  await api?.close();
});

describe('nodeAddress', () => {
  it('prefers InternalIP to ExternalIP and IPv4 to IPv6, and never a host name', () => {
    const node = (addresses: { type: string; address: string }[]) => ({ status: { addresses } });
    expect(nodeAddress(node([{ type: 'ExternalIP', address: '203.0.113.7' }, { type: 'InternalIP', address: 'fd00::7' }, { type: 'InternalIP', address: '198.18.0.7' }]))).toBe('198.18.0.7');
    expect(nodeAddress(node([{ type: 'ExternalIP', address: '203.0.113.7' }, { type: 'InternalIP', address: 'fd00::7' }]))).toBe('fd00::7');
    expect(nodeAddress(node([{ type: 'Hostname', address: 'worker-1' }, { type: 'ExternalIP', address: '203.0.113.7' }]))).toBe('203.0.113.7');
    expect(nodeAddress(node([{ type: 'Hostname', address: 'worker-1' }]))).toBeUndefined();
    expect(nodeAddress({})).toBeUndefined();
  });
});

it('announces nodes as they come, change address and go; a node without an address waits until it has one', async () => {
  api = await FakeKubeApi.start();
  const fake = api;
  api.apply('nodes', fakeNode('worker-1', [{ type: 'InternalIP', address: '198.18.0.1' }, { type: 'Hostname', address: 'worker-1' }]));
  api.apply('nodes', fakeNode('worker-2', [{ type: 'Hostname', address: 'worker-2' }]));
  source = new KubernetesPeerSource({ kubeconfig: api.kubeconfigPath, clusterName: 'eu', grpcPort: 4244, backoffInitialMs: 50 });
  const changes: PeerChange[] = [];
  source.subscribe((change) => changes.push(change));
  await source.start();

  expect(source.nodes()).toEqual([{ name: 'worker-1', cluster: 'eu', ip: '198.18.0.1', port: 4244 }]);
  expect(changes).toEqual([{ type: 'PEER_ADDED', node: { name: 'worker-1', cluster: 'eu', ip: '198.18.0.1', port: 4244 } }]);
  await waitUntil('the node watch is open', () => fake.openWatches('nodes') === 1);

  api.apply('nodes', fakeNode('worker-2', [{ type: 'InternalIP', address: 'fd00::2' }]));
  api.apply('nodes', fakeNode('worker-1', [{ type: 'InternalIP', address: '198.18.0.11' }]));
  // A status update that leaves the address alone is no peer change.
  api.apply('nodes', { ...fakeNode('worker-1', [{ type: 'InternalIP', address: '198.18.0.11' }]), spec: { unschedulable: true } });
  api.remove('nodes', 'worker-2');
  await waitUntil('four changes', () => changes.length === 4);
  expect(changes.slice(1)).toEqual([
    { type: 'PEER_ADDED', node: { name: 'worker-2', cluster: 'eu', ip: 'fd00::2', port: 4244 } },
    { type: 'PEER_UPDATED', node: { name: 'worker-1', cluster: 'eu', ip: '198.18.0.11', port: 4244 } },
    { type: 'PEER_DELETED', node: { name: 'worker-2', cluster: 'eu', ip: 'fd00::2', port: 4244 } },
  ]);

  // A dropped watch resumes without repeating or losing a change.
  api.dropWatches();
  api.apply('nodes', fakeNode('worker-3', [{ type: 'InternalIP', address: '198.18.0.3' }]));
  await waitUntil('the node added while disconnected', () => changes.length === 5);
  expect(changes[4]).toEqual({ type: 'PEER_ADDED', node: { name: 'worker-3', cluster: 'eu', ip: '198.18.0.3', port: 4244 } });
  expect(api.requests.filter((r) => r.kind === 'nodes' && !r.watch)).toHaveLength(1);
  expect(source.nodes().map((n) => n.name).sort()).toEqual(['worker-1', 'worker-3']);
});

it('after 410 Gone, the relist turns into exactly the changes that were missed', async () => {
  api = await FakeKubeApi.start();
  const fake = api;
  for (const n of [1, 2, 3]) api.apply('nodes', fakeNode(`worker-${n}`, [{ type: 'InternalIP', address: `198.18.0.${n}` }]));
  source = new KubernetesPeerSource({ kubeconfig: api.kubeconfigPath, clusterName: 'default', grpcPort: 4244, backoffInitialMs: 50 });
  await source.start();
  await waitUntil('the node watch is open', () => fake.openWatches('nodes') === 1);
  const changes: PeerChange[] = [];
  source.subscribe((change) => changes.push(change));

  api.dropWatches();
  api.remove('nodes', 'worker-1');
  api.apply('nodes', fakeNode('worker-2', [{ type: 'InternalIP', address: '198.18.0.22' }]));
  api.apply('nodes', fakeNode('worker-4', [{ type: 'InternalIP', address: '198.18.0.4' }]));
  api.compact();

  await waitUntil('the relist is applied', () => changes.length === 3);
  expect(changes.map((c) => `${c.type} ${c.node.name} ${c.node.ip}`)).toEqual([
    'PEER_UPDATED worker-2 198.18.0.22',
    'PEER_ADDED worker-4 198.18.0.4',
    'PEER_DELETED worker-1 198.18.0.1',
  ]);
  expect(api.requests.filter((r) => r.kind === 'nodes' && !r.watch)).toHaveLength(2);
});
