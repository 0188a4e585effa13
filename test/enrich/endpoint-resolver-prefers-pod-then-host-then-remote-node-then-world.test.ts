import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointResolver } from '../../src/enrich/endpoint-resolver.js';
import { KubernetesEnricher } from '../../src/enrich/kubernetes-enricher.js';
import { RemoteNodeAddresses } from '../../src/enrich/remote-node-addresses.js';
import {
  HOST_ENDPOINT,
  HOST_KUBE_APISERVER_ENDPOINT,
  REMOTE_NODE_ENDPOINT,
  REMOTE_NODE_KUBE_APISERVER_ENDPOINT,
  WORLD_ENDPOINT,
  WORLD_KUBE_APISERVER_ENDPOINT,
} from '../../src/enrich/reserved-identities.js';
import { KubernetesPeerSource } from '../../src/peers/kubernetes-source.js';
import { StaticPeerSource } from '../../src/peers/static-source.js';
import { FakeKubeApi, fakeEndpointSlice, fakeNamespace, fakeNode, fakePod, waitUntil } from '../helpers/fake-kube-api.js';

// This node is node-a at 198.18.0.10 (and fd00::10); node-b is another node of the cluster.
const HOST = ['198.18.0.10', 'fd00::10', '127.0.0.1'];
const NODE_B = ['198.18.0.20', 'fd00::20'];
const EXTERNAL_API_SERVER = '198.19.255.1';

describe('the endpoint of an address, with Kubernetes enrichment', () => {
  let api: FakeKubeApi;
  let pods: KubernetesEnricher;
  let peers: KubernetesPeerSource;
  let resolver: EndpointResolver;

  beforeAll(async () => {
    api = await FakeKubeApi.start();
    api.apply('namespaces', fakeNamespace('shop'));
    api.apply('namespaces', fakeNamespace('lab'));
    api.apply('nodes', fakeNode('node-a', [{ type: 'InternalIP', address: HOST[0]! }, { type: 'InternalIP', address: HOST[1]! }]));
    api.apply('nodes', fakeNode('node-b', NODE_B.map((address) => ({ type: 'InternalIP', address }))));
    api.apply('pods', fakePod({ name: 'web-1', namespace: 'shop', ips: ['198.18.1.1', 'fd00::1:1'], labels: { app: 'web' } }));
    api.apply('pods', fakePod({ name: 'web-2', namespace: 'shop', ip: '198.18.1.2', nodeName: 'node-b', labels: { app: 'web' } }));
    api.apply('pods', fakePod({ name: 'web-3', namespace: 'lab', ip: '198.18.1.3', labels: { app: 'web' } }));
    // A pod whose address this host also has (say, a stale interface): the pod wins.
    api.apply('pods', fakePod({ name: 'odd', namespace: 'shop', ip: '127.0.0.1', labels: { app: 'odd' } }));
    api.apply('endpointslices', fakeEndpointSlice({ name: 'kubernetes', namespace: 'default', service: 'kubernetes', addressType: 'IPv4', addresses: [HOST[0]!, NODE_B[0]!, EXTERNAL_API_SERVER] }));
    // Another Service's slice in default: not the API server (198.19.0.99 stays plain world).
    api.apply('endpointslices', fakeEndpointSlice({ name: 'other-x1', namespace: 'default', service: 'other', addressType: 'IPv4', addresses: ['198.19.0.99'] }));
    pods = new KubernetesEnricher({ kubeconfig: api.kubeconfigPath, clusterName: 'test', backoffInitialMs: 50 });
    peers = new KubernetesPeerSource({ kubeconfig: api.kubeconfigPath, clusterName: 'test', grpcPort: 4244, backoffInitialMs: 50 });
    await Promise.all([pods.start(), peers.start()]);
    resolver = new EndpointResolver({ hostAddresses: HOST, remoteNodes: new RemoteNodeAddresses(peers, 'node-a'), pods });
  });

  afterAll(async () => {
    await pods?.stop();
    await peers?.stop();
    await api?.close();
  });

  it('a known pod: its metadata and pod identity, the same frozen object every time', () => {
    const web1 = resolver.resolve('198.18.1.1');
    expect(web1).toMatchObject({ namespace: 'shop', pod_name: 'web-1', cluster_name: 'test' });
    expect(web1.identity).toBeGreaterThanOrEqual(256);
    expect(resolver.resolve('198.18.1.1')).toBe(web1);
    expect(resolver.resolve('fd00::1:1')).toBe(web1);
    expect(Object.isFrozen(web1) && Object.isFrozen(web1.labels)).toBe(true);
    expect(() => web1.labels!.push('k8s:x=y')).toThrow(TypeError);
  });

  it('pods with the same labels share an identity; the same app in another namespace does not', () => {
    const [web1, web2, web3] = ['198.18.1.1', '198.18.1.2', '198.18.1.3'].map((ip) => resolver.resolve(ip));
    expect(web2!.pod_name).toBe('web-2');
    expect(web2!.identity).toBe(web1!.identity);
    expect(web3!.identity).not.toBe(web1!.identity);
    expect(web3!.identity).toBeGreaterThanOrEqual(256);
  });

  it('priority: pod over host, host over remote-node, remote-node over world', () => {
    expect(resolver.resolve('127.0.0.1').pod_name).toBe('odd');
    expect(resolver.resolve('fd00::10')).toBe(HOST_ENDPOINT);
    expect(resolver.resolve('fd00::20')).toBe(REMOTE_NODE_ENDPOINT);
    expect(resolver.resolve('198.19.0.99')).toBe(WORLD_ENDPOINT);
    expect(HOST_ENDPOINT).toEqual({ identity: 1, labels: ['reserved:host'] });
    expect(REMOTE_NODE_ENDPOINT).toEqual({ identity: 6, labels: ['reserved:remote-node'] });
    expect(WORLD_ENDPOINT).toEqual({ identity: 2, labels: ['reserved:world'] });
  });

  it('the API server\'s addresses keep what they are and carry reserved:kube-apiserver; on another node that is identity 7', () => {
    expect(resolver.resolve(HOST[0]!)).toBe(HOST_KUBE_APISERVER_ENDPOINT);
    expect(HOST_KUBE_APISERVER_ENDPOINT).toEqual({ identity: 1, labels: ['reserved:host', 'reserved:kube-apiserver'] });
    expect(resolver.resolve(NODE_B[0]!)).toBe(REMOTE_NODE_KUBE_APISERVER_ENDPOINT);
    expect(REMOTE_NODE_KUBE_APISERVER_ENDPOINT).toEqual({ identity: 7, labels: ['reserved:kube-apiserver', 'reserved:remote-node'] });
    expect(resolver.resolve(EXTERNAL_API_SERVER)).toBe(WORLD_KUBE_APISERVER_ENDPOINT);
    expect(WORLD_KUBE_APISERVER_ENDPOINT).toEqual({ identity: 2, labels: ['reserved:kube-apiserver', 'reserved:world'] });
    expect(pods.stats().apiServerAddresses).toBe(3);
  });

  it('the version changes with every change that may change an answer, and only then', async () => {
    const version = resolver.version;
    expect(resolver.resolve('198.18.1.1')).toBe(resolver.resolve('198.18.1.1'));
    expect(resolver.version).toBe(version);

    api.apply('pods', fakePod({ name: 'web-4', namespace: 'shop', ip: '198.18.1.4', labels: { app: 'web' } }));
    await waitUntil('the new pod', () => resolver.resolve('198.18.1.4').pod_name === 'web-4');
    const afterPod = resolver.version;
    expect(afterPod).not.toBe(version);
    expect(resolver.resolve('198.18.1.4').identity).toBe(resolver.resolve('198.18.1.1').identity);

    api.apply('nodes', fakeNode('node-c', [{ type: 'InternalIP', address: '198.18.0.30' }]));
    await waitUntil('the new node', () => resolver.resolve('198.18.0.30') === REMOTE_NODE_ENDPOINT);
    expect(resolver.version).not.toBe(afterPod);

    // A namespace relabelled: its pods' label sets change, and so do their identities (as in Cilium).
    const before = resolver.resolve('198.18.1.3');
    api.apply('namespaces', fakeNamespace('lab', { tier: 'x' }));
    await waitUntil('the namespace labels', () => resolver.resolve('198.18.1.3').labels!.includes('k8s:io.cilium.k8s.namespace.labels.tier=x'));
    expect(resolver.resolve('198.18.1.3').identity).not.toBe(before.identity);

    // Watched slices of other Services stay out; the API server's own changes come in, in order.
    api.apply('endpointslices', fakeEndpointSlice({ name: 'other-x2', namespace: 'default', service: 'other', addressType: 'IPv4', addresses: ['198.19.0.98'] }));
    api.remove('endpointslices', 'kubernetes', 'default');
    await waitUntil('the API server slice gone', () => resolver.resolve(EXTERNAL_API_SERVER) === WORLD_ENDPOINT);
    expect(resolver.resolve('198.19.0.98')).toBe(WORLD_ENDPOINT);
    expect(resolver.resolve(HOST[0]!)).toBe(HOST_ENDPOINT);
  });

  it('sets both ends of every flow, and never throws into the pipeline', () => {
    const flow = { IP: { source: '198.18.1.1', destination: '198.19.0.99' } };
    resolver.enrich(flow);
    expect(flow).toMatchObject({ source: { pod_name: 'web-1' }, destination: WORLD_ENDPOINT });
    expect(() => resolver.enrich({})).not.toThrow();
    expect(() => resolver.enrich({ IP: { source: 'not-an-ip', destination: '' } })).not.toThrow();
  });
});

it('without Kubernetes enrichment, endpoints still get host, remote-node (from the static peers file) and world', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-resolver-'));
  try {
    const file = join(dir, 'peers.yaml');
    writeFileSync(file, `nodes:\n  - { name: node-a, address: ${HOST[0]} }\n  - { name: node-b, address: "[${NODE_B[1]}]:4244" }\n`);
    const peers = new StaticPeerSource({ file, nodeName: 'node-a', clusterName: 'c', grpcPort: 4244 });
    await peers.start();
    try {
      const resolver = new EndpointResolver({ hostAddresses: HOST, remoteNodes: new RemoteNodeAddresses(peers, 'node-a') });
      expect(resolver.resolve(HOST[0]!)).toBe(HOST_ENDPOINT);
      expect(resolver.resolve(NODE_B[1]!)).toBe(REMOTE_NODE_ENDPOINT);
      expect(resolver.resolve('198.18.1.1')).toBe(WORLD_ENDPOINT);
    } finally {
      await peers.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
