import { afterEach, expect, it } from 'vitest';
import { KubernetesEnricher } from '../../src/enrich/kubernetes-enricher.js';
import { FakeKubeApi, fakeNamespace, fakePod, waitUntil } from '../helpers/fake-kube-api.js';

let api: FakeKubeApi | undefined;
let enricher: KubernetesEnricher | undefined;

afterEach(async () => {
  await enricher?.stop();
  await api?.close();
});

async function startAgainst(fake: FakeKubeApi): Promise<KubernetesEnricher> {
  fake.apply('namespaces', fakeNamespace('shop'));
  fake.apply('pods', fakePod({ name: 'old', namespace: 'shop', ip: '10.3.0.1' }));
  fake.apply('pods', fakePod({ name: 'kept', namespace: 'shop', ip: '10.3.0.2' }));
  const started = new KubernetesEnricher({ kubeconfig: fake.kubeconfigPath, clusterName: 'default', backoffInitialMs: 50 });
  await started.start();
  await waitUntil('every watch is open', () => fake.openWatches() === 3);
  return started;
}

function podLists(fake: FakeKubeApi): number {
  return fake.requests.filter((r) => r.kind === 'pods' && !r.watch).length;
}

it('relists when resuming from a compacted resourceVersion, and forgets what vanished meanwhile', async () => {
  api = await FakeKubeApi.start();
  const fake = api;
  enricher = await startAgainst(api);

  api.dropWatches();
  api.remove('pods', 'old', 'shop');
  api.apply('pods', fakePod({ name: 'new', namespace: 'shop', ip: '10.3.0.3' }));
  api.compact();

  await waitUntil('the relist replaced the state', () => enricher!.endpointOf('10.3.0.3') !== undefined && enricher!.endpointOf('10.3.0.1') === undefined);
  expect(enricher.endpointOf('10.3.0.2')?.pod_name).toBe('kept');
  expect(podLists(fake)).toBe(2);
  await waitUntil('the watch is open again', () => fake.openWatches('pods') === 1);
  expect(fake.requests.filter((r) => r.kind === 'pods' && r.watch).at(-1)!.query.get('resourceVersion')).toBe(fake.resourceVersion);
});

it('relists when an open watch ends with an ERROR event carrying a 410 Status', async () => {
  api = await FakeKubeApi.start();
  const fake = api;
  enricher = await startAgainst(api);

  api.compact();
  api.expireWatches();
  await waitUntil('every collection was listed again', () => enricher!.stats().relists === 6);
  expect(podLists(fake)).toBe(2);
  await waitUntil('the watches are open again', () => fake.openWatches() === 3);
  api.apply('pods', fakePod({ name: 'after', namespace: 'shop', ip: '10.3.0.9' }));
  await waitUntil('live events flow again', () => enricher!.endpointOf('10.3.0.9') !== undefined);
  expect(enricher.stats().podsKnown).toBe(3);
});
