import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesEnricher } from '../../src/enrich/kubernetes-enricher.js';
import type { GetNamespacesResponse, Namespace } from '../../src/proto/observer.js';
import { SeenNamespaces } from '../../src/server/seen-namespaces.js';
import { FakeKubeApi, fakeNamespace } from '../helpers/fake-kube-api.js';
import { makeFlow } from '../helpers/flows.js';
import { startObserver, unary, type ObserverHarness } from '../helpers/observer-server.js';
import { waitFor } from './tls-fixture.js';

// A real observer server answering GetNamespaces as the agent wires it with Kubernetes
// enrichment: the namespaces the API server lists now, and those flows named in the last hour.

const HOUR_MS = 3_600_000;

async function namespacesOf(h: ObserverHarness): Promise<string[]> {
  const response = await unary<GetNamespacesResponse>(h.client, 'GetNamespaces');
  return (response.namespaces ?? []).map((n) => `${n.cluster}/${n.namespace}`);
}

describe('GetNamespaces with Kubernetes enrichment', () => {
  let api: FakeKubeApi;
  let enricher: KubernetesEnricher;
  let h: ObserverHarness;
  let nowMs = 1_700_000_000_000;
  const seen = new SeenNamespaces({ clusterName: 'eu', now: () => nowMs });

  beforeAll(async () => {
    api = await FakeKubeApi.start();
    for (const name of ['shop', 'kube-system', 'billing']) api.apply('namespaces', fakeNamespace(name));
    enricher = new KubernetesEnricher({ kubeconfig: api.kubeconfigPath, clusterName: 'eu', backoffInitialMs: 50 });
    await enricher.start();
    h = await startObserver({ namespaces: () => [...enricher.namespaces(), ...seen.namespaces()] });
  });

  afterAll(async () => {
    await h?.close();
    await enricher?.stop();
    await api?.close();
  });

  it('answers the namespaces of the cluster before any flow, sorted, with the cluster name', async () => {
    expect(await namespacesOf(h)).toEqual(['eu/billing', 'eu/kube-system', 'eu/shop']);
  });

  it('keeps a namespace flows named for an hour after it left the cluster; one no flow named goes at once', async () => {
    seen.see('shop');
    seen.see('kube-system');
    api.remove('namespaces', 'shop');
    api.remove('namespaces', 'billing');
    // Watch events arrive in order: once the namespace created last shows, both deletions are in.
    api.apply('namespaces', fakeNamespace('marker'));
    await waitFor('the marker namespace', async () => (await namespacesOf(h)).includes('eu/marker'));
    expect(await namespacesOf(h)).toEqual(['eu/kube-system', 'eu/marker', 'eu/shop']);

    nowMs += HOUR_MS;
    expect(await namespacesOf(h)).toEqual(['eu/kube-system', 'eu/marker', 'eu/shop']);
    nowMs += 1;
    expect(await namespacesOf(h)).toEqual(['eu/kube-system', 'eu/marker']);
  });
});

describe('GetNamespaces without Kubernetes enrichment', () => {
  it('answers an empty list: no flow has a namespace', async () => {
    const h = await startObserver();
    try {
      h.store.pushFlow(makeFlow({ source: { namespace: 'shop' } }));
      expect(await namespacesOf(h)).toEqual([]);
    } finally {
      await h.close();
    }
  });
});

describe('GetNamespaces answers', () => {
  it('each namespace once, sorted by cluster and then by name', async () => {
    const namespaces: Namespace[] = [
      { cluster: 'west', namespace: 'a' },
      { cluster: 'east', namespace: 'z' },
      { cluster: 'east', namespace: 'b' },
      { cluster: 'west', namespace: 'a' },
      { cluster: 'east', namespace: 'z' },
    ];
    const h = await startObserver({ namespaces: () => namespaces });
    try {
      expect(await namespacesOf(h)).toEqual(['east/b', 'east/z', 'west/a']);
    } finally {
      await h.close();
    }
  });
});
