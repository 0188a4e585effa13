import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { GetNamespacesResponse } from '../../src/proto/observer.js';
import { hubbleProtos } from '../../src/proto/load.js';
import { ping } from '../capture/pod-traffic.js';
import { isolatedAgentFlags, startAgentProcess } from '../helpers/agent-process.js';
import { FakeKubeApi, fakeNamespace, fakePod } from '../helpers/fake-kube-api.js';
import { createPodPair } from '../helpers/netns.js';
import { waitForFlows } from '../l7/agent-flows.js';
import { unary, waitFor } from './tls-fixture.js';

// The agent as a process, enriching from a Kubernetes API: GetNamespaces answers the
// cluster's namespaces, and keeps those its flows named after they left the cluster.

async function namespacesOf(port: number): Promise<string[]> {
  const client = new hubbleProtos.observer.Observer(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    const response = await unary<object, GetNamespacesResponse>(client, 'GetNamespaces', {});
    return (response.namespaces ?? []).map((n) => `${n.cluster}/${n.namespace}`);
  } finally {
    client.close();
  }
}

describe('GetNamespaces of an agent with Kubernetes enrichment', () => {
  it('answers the cluster\'s namespaces and keeps those of its flows when they are deleted', async () => {
    const pair = createPodPair();
    const api = await FakeKubeApi.start();
    try {
      for (const name of ['shop', 'db', 'idle']) api.apply('namespaces', fakeNamespace(name));
      api.apply('pods', fakePod({ name: 'client', namespace: 'shop', ip: pair.ipA }));
      api.apply('pods', fakePod({ name: 'server', namespace: 'db', ip: pair.ipB }));
      const agent = await startAgentProcess([
        ...isolatedAgentFlags(),
        '--interfaces', `${pair.hostIfA},${pair.hostIfB}`,
        '--cluster-name', 'eu',
        '--kubernetes-enrich',
        '--kubeconfig', api.kubeconfigPath,
      ]);
      try {
        const port = agent.grpcPort;
        await waitFor('the first namespace list', async () => (await namespacesOf(port)).length === 3);
        expect(await namespacesOf(port)).toEqual(['eu/db', 'eu/idle', 'eu/shop']);

        await ping(pair, pair.ipB);
        await waitForFlows(port, [{ source_pod: ['shop/client'], destination_pod: ['db/server'] }], (flows) => flows.length > 0, 'a flow from shop to db');

        api.remove('pods', 'client', 'shop');
        api.remove('pods', 'server', 'db');
        for (const name of ['shop', 'db', 'idle']) api.remove('namespaces', name);
        // Watch events arrive in order: once the namespace created last shows, every deletion is in.
        api.apply('namespaces', fakeNamespace('marker'));
        await waitFor('the marker namespace', async () => (await namespacesOf(port)).includes('eu/marker'));
        expect(await namespacesOf(port)).toEqual(['eu/db', 'eu/marker', 'eu/shop']);
      } finally {
        expect(await agent.stop()).toBe(0);
      }
    } finally {
      await api.close();
      pair.cleanup();
    }
  });
});
