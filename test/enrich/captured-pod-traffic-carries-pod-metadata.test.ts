import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NativeSource } from '../../src/capture/native-source.js';
import { EndpointResolver } from '../../src/enrich/endpoint-resolver.js';
import { hostAddresses } from '../../src/enrich/host-addresses.js';
import { KubernetesEnricher } from '../../src/enrich/kubernetes-enricher.js';
import { dropReasonNames } from '../../src/native/binding.js';
import { FlowBuilder } from '../../src/parser/flow-builder.js';
import { RecordIngest } from '../../src/parser/record-ingest.js';
import { FlowStore } from '../../src/store/flow-store.js';
import type { Flow } from '../../src/proto/flow.js';
import { sessionConfig, until } from '../capture/capture-session.js';
import { tcpExchange, udpExchange } from '../capture/pod-traffic.js';
import { FakeKubeApi, fakeNamespace, fakePod, waitUntil } from '../helpers/fake-kube-api.js';
import { createPodPair, type PodPair } from '../helpers/netns.js';

// End to end on the real kernel: two namespaced test hosts talk through host-side veths the
// tracer capture is attached to; their addresses belong to fake pods served by the fake API
// server; each captured flow goes through the parser and the enrichers as in the agent.

const PORT_BASE = 20_000 + (process.pid % 10_000);

describe('captured pod traffic', () => {
  let pair: PodPair;
  let api: FakeKubeApi;
  let kubernetes: KubernetesEnricher;
  let source: NativeSource | undefined;
  const flows: Flow[] = [];

  beforeAll(async () => {
    pair = createPodPair();
    api = await FakeKubeApi.start();
    api.apply('namespaces', fakeNamespace('shop', { team: 'web' }));
    api.apply('namespaces', fakeNamespace('data'));
    api.apply('pods', fakePod({
      name: 'web-6f7c9d8b5-abcde', generateName: 'web-6f7c9d8b5-', namespace: 'shop', ips: [pair.ipA, pair.ip6A],
      labels: { app: 'web', 'pod-template-hash': '6f7c9d8b5' }, owner: { kind: 'ReplicaSet', name: 'web-6f7c9d8b5' },
    }));
    api.apply('pods', fakePod({
      name: 'db-0', generateName: 'db-', namespace: 'data', ips: [pair.ipB, pair.ip6B],
      labels: { app: 'db' }, owner: { kind: 'StatefulSet', name: 'db' },
    }));
    kubernetes = new KubernetesEnricher({ kubeconfig: api.kubeconfigPath, clusterName: 'test', backoffInitialMs: 50, backoffMaxMs: 200 });
    await kubernetes.start();
    const endpoints = new EndpointResolver({ hostAddresses: hostAddresses(), pods: kubernetes });

    const builder = new FlowBuilder({ nodeName: 'test-node', dropReasonNames: dropReasonNames() });
    const store = new FlowStore({ capacity: 1 << 16, build: (slot) => builder.build(slot) });
    let ingest: RecordIngest | undefined;
    source = new NativeSource({
      session: sessionConfig('tracer'),
      interfaces: [pair.hostIfA, pair.hostIfB],
      handlers: {
        onRecords: (buffer, length) => {
          const before = store.nextSequence;
          ingest!.ingest(buffer, length);
          for (let sequence = before; sequence < store.nextSequence; sequence++) {
            const read = store.read(sequence);
            if (read.kind === 'event' && 'flow' in read.event) flows.push(read.event.flow);
          }
        },
        onLost: () => {},
      },
    });
    ingest = new RecordIngest({ store, builder, interfaces: source, endpoints });
    await source.start();
  });

  afterAll(async () => {
    try {
      await source?.stop();
      await kubernetes?.stop();
      await api?.close();
    } finally {
      pair?.cleanup();
    }
  });

  function between(from: string, to: string, port: number): Flow[] {
    return flows.filter((f) => f.IP?.source === from && f.IP?.destination === to && (f.l4?.TCP?.destination_port === port || f.l4?.TCP?.source_port === port || f.l4?.UDP?.destination_port === port || f.l4?.UDP?.source_port === port));
  }

  it('fills both ends of every flow with the pods that own the addresses', async () => {
    const port = PORT_BASE + 1;
    await tcpExchange(pair, pair.ipB, port, PORT_BASE + 2);
    const requests = await until('request flows A -> B', () => between(pair.ipA, pair.ipB, port).length >= 2 && between(pair.ipA, pair.ipB, port));
    const replies = await until('reply flows B -> A', () => between(pair.ipB, pair.ipA, port).length >= 2 && between(pair.ipB, pair.ipA, port));
    for (const flow of requests) {
      expect(flow.source).toMatchObject({ namespace: 'shop', pod_name: 'web-6f7c9d8b5-abcde', workloads: [{ name: 'web', kind: 'Deployment' }], cluster_name: 'test' });
      expect(flow.source?.labels).toEqual(expect.arrayContaining(['k8s:app=web', 'k8s:io.kubernetes.pod.namespace=shop', 'k8s:io.cilium.k8s.namespace.labels.team=web']));
      expect(flow.destination).toMatchObject({ namespace: 'data', pod_name: 'db-0', workloads: [{ name: 'db', kind: 'StatefulSet' }] });
    }
    for (const flow of replies) {
      expect(flow.source?.pod_name).toBe('db-0');
      expect(flow.destination?.pod_name).toBe('web-6f7c9d8b5-abcde');
    }
  });

  it('enriches IPv6 traffic by the pods\' second address', async () => {
    const port = PORT_BASE + 3;
    await udpExchange(pair, pair.ip6B, port, PORT_BASE + 4);
    const requests = await until('IPv6 flows A -> B', () => between(pair.ip6A, pair.ip6B, port).length >= 1 && between(pair.ip6A, pair.ip6B, port));
    expect(requests[0]!.source?.pod_name).toBe('web-6f7c9d8b5-abcde');
    expect(requests[0]!.destination?.pod_name).toBe('db-0');
  });

  it('keeps capturing and enriching while the API server is away, and catches up after', async () => {
    await api.goDown();
    const port = PORT_BASE + 5;
    await tcpExchange(pair, pair.ipB, port, PORT_BASE + 6);
    const during = await until('flows while the API server is down', () => between(pair.ipA, pair.ipB, port).length >= 2 && between(pair.ipA, pair.ipB, port));
    for (const flow of during) expect(flow.destination?.pod_name).toBe('db-0');

    // Meanwhile B's address moves to a new pod; the agent learns it once the server is back.
    api.remove('pods', 'db-0', 'data');
    api.apply('pods', fakePod({ name: 'db-1', generateName: 'db-', namespace: 'data', ips: [pair.ipB, pair.ip6B], labels: { app: 'db' }, owner: { kind: 'StatefulSet', name: 'db' } }));
    await api.comeBack();
    await waitUntil('the enricher caught up', () => kubernetes.endpointOf(pair.ipB)?.pod_name === 'db-1');

    const after = PORT_BASE + 7;
    await tcpExchange(pair, pair.ipB, after, PORT_BASE + 8);
    const flowsAfter = await until('flows after the return', () => between(pair.ipA, pair.ipB, after).length >= 2 && between(pair.ipA, pair.ipB, after));
    for (const flow of flowsAfter) expect(flow.destination?.pod_name).toBe('db-1');
    expect(kubernetes.stats().failures).toBeGreaterThan(0);
  });
});
