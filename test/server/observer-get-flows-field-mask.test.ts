import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeFlow } from '../helpers/flows.js';
import { collectGetFlows, startObserver, type ObserverHarness } from '../helpers/observer-server.js';

describe('GetFlows field_mask fills in only the given paths', () => {
  let h: ObserverHarness;
  const flow = makeFlow({
    source: { namespace: 'shop', pod_name: 'cart-1', identity: 42, labels: ['k8s:app=cart'] },
    l4: { TCP: { source_port: 41000, destination_port: 8080, flags: { SYN: true, ACK: true } } },
  });
  beforeEach(async () => {
    h = await startObserver();
    h.store.pushFlow(flow);
  });
  afterEach(async () => h.close());

  it('keeps top-level, nested and oneof-member paths and nothing else', async () => {
    const [response] = await collectGetFlows(h.client, {
      field_mask: { paths: ['time', 'verdict', 'source.namespace', 'l4.TCP.destination_port'] },
    });
    const { l4, ...rest } = response?.flow ?? {};
    expect(rest).toEqual({ time: flow.time, verdict: 'FORWARDED', source: { namespace: 'shop' } });
    expect(l4?.TCP).toEqual({ destination_port: 8080 });
  });

  it('a whole message path keeps all of it', async () => {
    const [response] = await collectGetFlows(h.client, { field_mask: { paths: ['source', 'source.namespace'] } });
    expect(response?.flow?.source).toEqual(flow.source);
    expect(Object.keys(response?.flow ?? {})).toEqual(['source']);
  });

  it('filters still see the whole flow', async () => {
    const got = await collectGetFlows(h.client, { field_mask: { paths: ['verdict'] }, whitelist: [{ source_pod: ['shop/cart'] }] });
    expect(got.map((r) => r.flow)).toEqual([{ verdict: 'FORWARDED' }]);
  });

  it('accepts the mask where older hubble CLIs send it (experimental.field_mask)', async () => {
    const [response] = await collectGetFlows(h.client, { experimental: { field_mask: { paths: ['uuid'] } } });
    expect(response?.flow).toEqual({ uuid: flow.uuid });
  });
});
