import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GetFlowsResponse } from '../../src/proto/observer.js';
import { makeFlow } from '../helpers/flows.js';
import { openGetFlows, startObserver, waitFor, type ObserverHarness } from '../helpers/observer-server.js';

describe('a follow stream is cleaned up synchronously when its call is cancelled', () => {
  let h: ObserverHarness;
  beforeEach(async () => {
    h = await startObserver();
  });
  afterEach(async () => h.close());

  it('removes its watcher within the cancel event itself', async () => {
    const call = openGetFlows(h.client, { follow: true });
    call.on('error', () => undefined);
    await waitFor(() => h.store.listenerCount === 1, 'the follower to register');
    expect(h.observer.openStreams()).toBe(1);

    const serverCall = h.serverCalls[0];
    const seenAtCancel: { listeners: number; streams: number }[] = [];
    // Registered after the observer's own listener: by the time it runs, cleanup must be done.
    serverCall?.on('cancelled', () => seenAtCancel.push({ listeners: h.store.listenerCount, streams: h.observer.openStreams() }));
    call.cancel();
    await waitFor(() => seenAtCancel.length === 1, 'the server to see the cancellation');
    expect(seenAtCancel[0]).toEqual({ listeners: 0, streams: 0 });
  });

  it('cancelling an old stream never removes a newer stream of the same client', async () => {
    const old = openGetFlows(h.client, { follow: true });
    old.on('error', () => undefined);
    await waitFor(() => h.store.listenerCount === 1, 'the first follower');
    const newer = openGetFlows(h.client, { follow: true });
    const got: GetFlowsResponse[] = [];
    newer.on('data', (r: GetFlowsResponse) => got.push(r));
    newer.on('error', () => undefined);
    try {
      await waitFor(() => h.store.listenerCount === 2, 'the second follower');
      old.cancel();
      await waitFor(() => h.observer.openStreams() === 1, 'the old stream to go');
      expect(h.store.listenerCount).toBe(1);
      h.store.pushFlow(makeFlow({ Summary: 'after cancel' }));
      await waitFor(() => got.length === 1, 'the newer stream to get the flow');
      expect(got[0]?.flow?.Summary).toBe('after cancel');
    } finally {
      newer.cancel();
    }
    await waitFor(() => h.observer.openStreams() === 0, 'every stream to go');
    expect(h.store.listenerCount).toBe(0);
  });
});
