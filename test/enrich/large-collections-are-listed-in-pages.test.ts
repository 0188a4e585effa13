import { afterEach, expect, it } from 'vitest';
import { KubernetesEnricher } from '../../src/enrich/kubernetes-enricher.js';
import { FakeKubeApi, fakeNamespace, fakePod, waitUntil } from '../helpers/fake-kube-api.js';

let api: FakeKubeApi | undefined;
let enricher: KubernetesEnricher | undefined;

afterEach(async () => {
  await enricher?.stop();
  await api?.close();
});

it('lists a large cluster in pages of 500 from one consistent snapshot', async () => {
  api = await FakeKubeApi.start();
  api.apply('namespaces', fakeNamespace('big'));
  const POD_COUNT = 1234;
  for (let i = 0; i < POD_COUNT; i++) {
    api.apply('pods', fakePod({ name: `p-${i}`, namespace: 'big', ip: `198.19.${Math.floor(i / 250)}.${(i % 250) + 1}` }));
  }
  const snapshot = api.resourceVersion;
  enricher = new KubernetesEnricher({ kubeconfig: api.kubeconfigPath, clusterName: 'default', backoffInitialMs: 50 });
  await enricher.start();

  expect(enricher.stats().podsKnown).toBe(POD_COUNT);
  expect(enricher.endpointOf('198.19.4.234')?.pod_name).toBe('p-1233');
  const lists = api.requests.filter((r) => r.kind === 'pods' && !r.watch);
  expect(lists.map((r) => r.query.get('limit'))).toEqual(['500', '500', '500']);
  expect(lists[0]!.query.get('continue')).toBeNull();
  expect(lists.slice(1).every((r) => r.query.get('continue'))).toBe(true);
  const fake = api;
  await waitUntil('the pod watch is open', () => fake.openWatches('pods') === 1);
  const watch = api.requests.find((r) => r.kind === 'pods' && r.watch);
  expect(watch?.query.get('resourceVersion')).toBe(snapshot);
});
