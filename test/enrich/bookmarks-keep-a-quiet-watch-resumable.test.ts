import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { afterEach, expect, it } from 'vitest';
import { KubeReflector, type KubeListPage } from '../../src/enrich/kube-reflector.js';
import { FakeKubeApi, fakeNamespace, fakePod, waitUntil } from '../helpers/fake-kube-api.js';

let api: FakeKubeApi | undefined;
let reflector: KubeReflector<string> | undefined;

afterEach(async () => {
  await reflector?.stop();
  await api?.close();
});

it('a BOOKMARK moves a quiet watch to the current resourceVersion, so a reconnect after compaction needs no relist', async () => {
  api = await FakeKubeApi.start();
  const fake = api;
  api.apply('pods', fakePod({ name: 'quiet', namespace: 'shop', ip: '198.19.4.1' }));
  const config = new KubeConfig();
  config.loadFromFile(api.kubeconfigPath);
  const core = config.makeApiClient(CoreV1Api);
  const changes: string[] = [];
  reflector = new KubeReflector<string>({
    resource: 'pods',
    path: '/api/v1/pods',
    watch: new Watch(config),
    listPage: (limit, token) => core.listPodForAllNamespaces({ limit, _continue: token }) as Promise<KubeListPage>,
    toValue: (object) => object.metadata?.name,
    onChange: (change) => changes.push(`${change.type} ${change.key}`),
    backoffInitialMs: 50,
  });
  await reflector.start();
  await waitUntil('the pod watch is open', () => fake.openWatches('pods') === 1);
  const listedAt = reflector.stats().resourceVersion;

  // Only namespaces change: the pod watch receives nothing but the bookmark.
  for (let i = 0; i < 5; i++) api.apply('namespaces', fakeNamespace(`ns-${i}`));
  const current = api.resourceVersion;
  expect(current).not.toBe(listedAt);
  expect(api.bookmark()).toBe(1);
  await waitUntil('the bookmark is read', () => reflector!.stats().resourceVersion === current);

  api.compact();
  api.dropWatches();
  await waitUntil('the pod watch is back', () => fake.openWatches('pods') === 1);

  const podWatches = api.requests.filter((r) => r.kind === 'pods' && r.watch);
  expect(podWatches.at(-1)!.query.get('resourceVersion')).toBe(current);
  expect(api.requests.filter((r) => r.kind === 'pods' && !r.watch)).toHaveLength(1);
  expect(reflector.stats()).toMatchObject({ lists: 1, objects: 1 });
  expect(changes).toEqual(['added shop/quiet']);
});
