import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointResolver } from '../../src/enrich/endpoint-resolver.js';
import { KubernetesEnricher } from '../../src/enrich/kubernetes-enricher.js';
import { HOST_ENDPOINT, WORLD_ENDPOINT } from '../../src/enrich/reserved-identities.js';
import type { Flow } from '../../src/proto/flow.js';
import { FakeKubeApi, fakeNamespace, fakePod, waitUntil } from '../helpers/fake-kube-api.js';

function flowBetween(source: string, destination: string): Flow {
  return { IP: { source, destination, ipVersion: source.includes(':') ? 'IPv6' : 'IPv4' }, node_name: 'node-a' };
}

describe('Kubernetes enrichment by IP', () => {
  let api: FakeKubeApi;
  let enricher: KubernetesEnricher;
  let resolver: EndpointResolver;

  beforeAll(async () => {
    api = await FakeKubeApi.start();
    api.apply('namespaces', fakeNamespace('shop', { team: 'payments' }));
    api.apply('namespaces', fakeNamespace('kube-system'));
    api.apply(
      'pods',
      fakePod({
        name: 'frontend-7d4b9c6f5-x2x9k',
        generateName: 'frontend-7d4b9c6f5-',
        namespace: 'shop',
        ips: ['10.1.0.5', 'fd00:10:1:0:0:0:0:5'],
        labels: { app: 'frontend', 'pod-template-hash': '7d4b9c6f5', 'app.kubernetes.io/name': 'frontend' },
        owner: { kind: 'ReplicaSet', name: 'frontend-7d4b9c6f5' },
        serviceAccount: 'web',
      }),
    );
    api.apply(
      'pods',
      fakePod({
        name: 'coredns-0',
        generateName: 'coredns-',
        namespace: 'kube-system',
        ip: '10.1.7.9',
        nodeName: 'node-b',
        labels: { 'k8s-app': 'kube-dns', 'statefulset.kubernetes.io/pod-name': 'coredns-0', 'controller-revision-hash': 'abc' },
        owner: { kind: 'StatefulSet', name: 'coredns' },
      }),
    );
    api.apply('pods', fakePod({ name: 'kube-proxy-abcde', namespace: 'kube-system', ip: '192.168.5.10', hostNetwork: true }));
    api.apply('pods', fakePod({ name: 'job-done', namespace: 'shop', ip: '10.1.0.77', phase: 'Succeeded' }));
    enricher = new KubernetesEnricher({ kubeconfig: api.kubeconfigPath, clusterName: 'eu-prod', backoffInitialMs: 50 });
    await enricher.start();
    resolver = new EndpointResolver({ hostAddresses: ['192.168.5.10'], pods: enricher });
  });

  afterAll(async () => {
    await enricher?.stop();
    await api?.close();
  });

  it('fills namespace, pod name, Cilium-style labels, workload and cluster on both ends', () => {
    const flow = flowBetween('10.1.0.5', '10.1.7.9');
    resolver.enrich(flow);
    expect(flow.source).toEqual({
      identity: expect.any(Number),
      namespace: 'shop',
      pod_name: 'frontend-7d4b9c6f5-x2x9k',
      labels: [
        'k8s:app.kubernetes.io/name=frontend',
        'k8s:app=frontend',
        'k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=shop',
        'k8s:io.cilium.k8s.namespace.labels.team=payments',
        'k8s:io.cilium.k8s.policy.cluster=eu-prod',
        'k8s:io.cilium.k8s.policy.serviceaccount=web',
        'k8s:io.kubernetes.pod.namespace=shop',
      ],
      workloads: [{ name: 'frontend', kind: 'Deployment' }],
      cluster_name: 'eu-prod',
    });
    expect(flow.destination).toMatchObject({
      namespace: 'kube-system',
      pod_name: 'coredns-0',
      workloads: [{ name: 'coredns', kind: 'StatefulSet' }],
    });
    expect(flow.destination?.labels).toContain('k8s:k8s-app=kube-dns');
    expect(flow.destination?.labels?.some((l) => l.includes('statefulset.kubernetes.io') || l.includes('revision-hash'))).toBe(false);
    for (const end of [flow.source, flow.destination]) expect(end?.identity).toBeGreaterThanOrEqual(256);
    expect(flow.source?.identity).not.toBe(flow.destination?.identity);
  });

  it('finds a dual-stack pod by its IPv6 address written in any form', () => {
    const flow = flowBetween('fd00:10:1::5', 'fd00:10:1::99');
    resolver.enrich(flow);
    expect(flow.source?.pod_name).toBe('frontend-7d4b9c6f5-x2x9k');
    expect(flow.source?.identity).toBe(resolver.resolve('10.1.0.5').identity);
    expect(flow.destination).toBe(WORLD_ENDPOINT);
  });

  it('leaves out hostNetwork pods (their address is the node) and finished pods (their address is free)', () => {
    const flow = flowBetween('192.168.5.10', '10.1.0.77');
    resolver.enrich(flow);
    expect(flow.source).toBe(HOST_ENDPOINT);
    expect(flow.destination).toBe(WORLD_ENDPOINT);
    expect(enricher.stats().podsKnown).toBe(2);
  });

  it('follows changes: a new pod, a relabelled namespace, a deleted pod, a reused address', async () => {
    api.apply('pods', fakePod({ name: 'cart-0', namespace: 'shop', ip: '10.1.0.6', labels: { app: 'cart' } }));
    api.apply('namespaces', fakeNamespace('shop', { team: 'checkout' }));
    await waitUntil('the new pod and namespace labels arrive', () => {
      const labels = enricher.endpointOf('10.1.0.6')?.labels ?? [];
      return labels.includes('k8s:io.cilium.k8s.namespace.labels.team=checkout');
    });
    expect(enricher.endpointOf('10.1.0.5')?.labels).toContain('k8s:io.cilium.k8s.namespace.labels.team=checkout');

    // A replacement pod takes the address before the old one is gone; deleting the old one keeps the new.
    api.apply('pods', fakePod({ name: 'cart-1', namespace: 'shop', ip: '10.1.0.6', labels: { app: 'cart' } }));
    api.remove('pods', 'cart-0', 'shop');
    await waitUntil(
      'the old pod is deleted and the replacement keeps the address',
      () => enricher.stats().podsKnown === 3 && enricher.endpointOf('10.1.0.6')?.pod_name === 'cart-1',
    );

    api.remove('pods', 'cart-1', 'shop');
    await waitUntil('the deleted pod is forgotten', () => enricher.endpointOf('10.1.0.6') === undefined);
  });

  it('lists namespaces for GetNamespaces', () => {
    expect(enricher.namespaces()).toEqual([
      { cluster: 'eu-prod', namespace: 'kube-system' },
      { cluster: 'eu-prod', namespace: 'shop' },
    ]);
  });

  it('never throws into the pipeline, whatever the flow', () => {
    expect(() => resolver.enrich({})).not.toThrow();
    expect(() => resolver.enrich({ IP: {} })).not.toThrow();
    expect(() => resolver.enrich({ IP: { source: 'not-an-ip', destination: '' } })).not.toThrow();
  });
});
