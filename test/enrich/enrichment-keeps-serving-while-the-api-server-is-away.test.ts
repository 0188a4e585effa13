import { afterEach, expect, it } from 'vitest';
import { EndpointResolver } from '../../src/enrich/endpoint-resolver.js';
import { KubernetesEnricher } from '../../src/enrich/kubernetes-enricher.js';
import type { Flow } from '../../src/proto/flow.js';
import { FakeKubeApi, fakeNamespace, fakePod, waitUntil } from '../helpers/fake-kube-api.js';

let api: FakeKubeApi | undefined;
let enricher: KubernetesEnricher | undefined;

afterEach(async () => {
  await enricher?.stop();
  await api?.close();
});

function enriched(ip: string): Flow {
  const flow: Flow = { IP: { source: ip, destination: '10.99.99.99' } };
  new EndpointResolver({ hostAddresses: [], pods: enricher! }).enrich(flow);
  return flow;
}

it('keeps enriching from the last known state while the API server is down, and catches up when it returns', async () => {
  api = await FakeKubeApi.start();
  const fake = api;
  api.apply('namespaces', fakeNamespace('shop'));
  api.apply('pods', fakePod({ name: 'a', namespace: 'shop', ip: '10.5.0.1' }));
  enricher = new KubernetesEnricher({ kubeconfig: api.kubeconfigPath, clusterName: 'default', backoffInitialMs: 50, backoffMaxMs: 200 });
  await enricher.start();
  await waitUntil('watches are open', () => fake.openWatches() === 3);

  await api.goDown();
  // Changes the agent cannot see yet.
  api.apply('pods', fakePod({ name: 'b', namespace: 'shop', ip: '10.5.0.2' }));
  api.remove('pods', 'a', 'shop');
  await waitUntil('reconnects have failed a few times', () => enricher!.stats().failures >= 4);

  for (let i = 0; i < 100; i++) expect(enriched('10.5.0.1').source?.pod_name).toBe('a');
  expect(enriched('10.5.0.2').source?.pod_name).toBeUndefined();
  expect(enricher.stats()).toMatchObject({ podsKnown: 1, synced: true });

  await api.comeBack();
  await waitUntil('the missed changes arrive', () => enriched('10.5.0.2').source?.pod_name === 'b' && enriched('10.5.0.1').source?.pod_name === undefined);
  await waitUntil('watches are open again', () => fake.openWatches() === 3);
  // Resumed from the last resourceVersion: the history was still there, so nothing was relisted.
  expect(api.requests.filter((r) => !r.watch)).toHaveLength(3);
});

it('starts without the API server (after the initial wait) and fills in once it appears', async () => {
  api = await FakeKubeApi.start();
  const fake = api;
  api.apply('namespaces', fakeNamespace('shop'));
  api.apply('pods', fakePod({ name: 'late', namespace: 'shop', ip: '10.5.1.1' }));
  const kubeconfig = api.kubeconfigPath;
  await api.goDown();

  enricher = new KubernetesEnricher({ kubeconfig, clusterName: 'default', backoffInitialMs: 50, backoffMaxMs: 200, initialSyncWaitMs: 300 });
  await enricher.start();
  expect(enricher.stats().synced).toBe(false);
  expect(enriched('10.5.1.1').source?.pod_name).toBeUndefined();
  expect(enricher.namespaces()).toEqual([]);

  await api.comeBack();
  await waitUntil('the first list arrives', () => enricher!.stats().synced);
  expect(enriched('10.5.1.1').source?.pod_name).toBe('late');
  await waitUntil('watches are open', () => fake.openWatches() === 3);
});
