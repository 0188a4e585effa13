import { afterEach, expect, it } from 'vitest';
import { KubernetesEnricher } from '../../src/enrich/kubernetes-enricher.js';
import { FakeKubeApi, fakeNamespace, fakePod, waitUntil } from '../helpers/fake-kube-api.js';

let api: FakeKubeApi | undefined;
let enricher: KubernetesEnricher | undefined;

afterEach(async () => {
  await enricher?.stop();
  await api?.close();
});

it('resumes the watch from its last resourceVersion after the connection drops, losing no event and not relisting', async () => {
  api = await FakeKubeApi.start();
  api.apply('namespaces', fakeNamespace('shop'));
  api.apply('pods', fakePod({ name: 'a', namespace: 'shop', ip: '10.2.0.1' }));
  enricher = new KubernetesEnricher({ kubeconfig: api.kubeconfigPath, clusterName: 'default', backoffInitialMs: 50 });
  await enricher.start();
  const fake = api;
  await waitUntil('the pod watch is open', () => fake.openWatches('pods') === 1);

  api.apply('pods', fakePod({ name: 'b', namespace: 'shop', ip: '10.2.0.2' }));
  await waitUntil('pod b is seen live', () => enricher!.endpointOf('10.2.0.2') !== undefined);
  const seenVersion = api.resourceVersion;

  // The connection breaks mid-stream; while the client is away, one pod goes and one comes.
  api.dropWatches();
  api.remove('pods', 'a', 'shop');
  api.apply('pods', fakePod({ name: 'c', namespace: 'shop', ip: '10.2.0.3' }));

  await waitUntil('the missed events arrive', () => enricher!.endpointOf('10.2.0.3') !== undefined && enricher!.endpointOf('10.2.0.1') === undefined);
  expect(enricher.endpointOf('10.2.0.2')?.pod_name).toBe('b');

  const podRequests = api.requests.filter((r) => r.kind === 'pods');
  expect(podRequests.filter((r) => !r.watch)).toHaveLength(1);
  const resumed = podRequests.filter((r) => r.watch).at(-1)!;
  expect(resumed.query.get('resourceVersion')).toBe(seenVersion);
  expect(resumed.query.get('allowWatchBookmarks')).toBe('true');
  expect(enricher.stats()).toMatchObject({ relists: 3, podsKnown: 2 });
  expect(enricher.stats().watchRestarts).toBeGreaterThanOrEqual(2);
});
