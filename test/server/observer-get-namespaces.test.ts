import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GetNamespacesResponse } from '../../src/proto/observer.js';
import { makeFlow } from '../helpers/flows.js';
import { startObserver, unary, type ObserverHarness } from '../helpers/observer-server.js';

describe('GetNamespaces lists the namespaces of the held flows endpoints', () => {
  let h: ObserverHarness;
  beforeEach(async () => {
    h = await startObserver({ clusterName: 'prod' });
  });
  afterEach(async () => h.close());

  it('collects source and destination namespaces once each, sorted, with the cluster', async () => {
    h.store.pushFlow(makeFlow({ source: { namespace: 'shop' }, destination: { namespace: 'kube-system' } }));
    h.store.pushFlow(makeFlow({ source: { namespace: 'shop' }, destination: {} }));
    h.store.pushFlow(makeFlow({ source: undefined, destination: { namespace: 'billing' } }));
    const response = await unary<GetNamespacesResponse>(h.client, 'GetNamespaces');
    expect(response.namespaces).toEqual([
      { cluster: 'prod', namespace: 'billing' },
      { cluster: 'prod', namespace: 'kube-system' },
      { cluster: 'prod', namespace: 'shop' },
    ]);
  });

  it('answers an empty list when no flow has a namespace', async () => {
    h.store.pushFlow(makeFlow({ source: {}, destination: {} }));
    const response = await unary<GetNamespacesResponse>(h.client, 'GetNamespaces');
    expect(response.namespaces ?? []).toEqual([]);
  });
});
