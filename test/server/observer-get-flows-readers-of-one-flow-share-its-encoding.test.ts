import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hubbleProtos, messageCodec, protoRoot } from '../../src/proto/load.js';
import { makeFlow, TEST_NODE_NAME } from '../helpers/flows.js';
import { getFlowsBytes, startObserver, type ObserverHarness } from '../helpers/observer-server.js';

// GetFlows responses as the bytes on the wire: clients here keep each message undecoded.

const FLOW = protoRoot.lookupType('flow.Flow');
const responseCodec = messageCodec<object>('observer.GetFlowsResponse');

describe('readers of one stored flow share its encoding', () => {
  let h: ObserverHarness;
  let address: string;
  const clients: grpc.Client[] = [];
  const flows = [
    makeFlow({ Summary: 'first', l7: { type: 'REQUEST', dns: { query: 'shop.example.', qtypes: ['A'] } } }),
    makeFlow({ Summary: 'second', source: { namespace: 'shop', pod_name: 'cart-1', identity: 42, labels: ['k8s:app=cart'] } }),
  ];

  function newClient(): grpc.Client {
    // A connection of its own for each reader.
    const client = new hubbleProtos.observer.Observer(address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
    clients.push(client);
    return client;
  }

  beforeEach(async () => {
    h = await startObserver();
    address = h.client.getChannel().getTarget().replace(/^dns:/, '');
    for (const flow of flows) h.store.pushFlow(flow);
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await h.close();
  });

  it('two readers get byte-identical responses, the ones proto-loader would have written', async () => {
    const [a, b] = await Promise.all([getFlowsBytes(newClient(), { first: true }), getFlowsBytes(newClient(), { first: true })]);
    const expected = flows.map((flow) => responseCodec.serialize({ flow, node_name: TEST_NODE_NAME, time: flow.time }));
    expect(a.map((m) => m.toString('hex'))).toEqual(expected.map((m) => m.toString('hex')));
    expect(b.map((m) => m.toString('hex'))).toEqual(expected.map((m) => m.toString('hex')));
  });

  it('the store encodes a held flow once and drops the encoding when its slot is overwritten', () => {
    const store = h.store;
    const first = store.flowBytes(0, flows[0]!);
    expect(store.flowBytes(0, flows[0]!)).toBe(first);
    for (let i = 0; i < store.capacity; i++) store.pushFlow(makeFlow({ Summary: `filler ${i}` }));
    const sequence = store.capacity;
    const read = store.read(sequence);
    expect(read.kind).toBe('event');
    const filler = read.kind === 'event' && 'flow' in read.event ? read.event.flow : undefined;
    const bytes = store.flowBytes(sequence, filler!);
    expect(bytes).not.toBe(first);
    expect(bytes.toString('hex')).toBe(Buffer.from(FLOW.encode(FLOW.fromObject(filler!)).finish()).toString('hex'));
  });

  it('a field-masked response is the masked flow as proto-loader would have written it, made for that reader', async () => {
    const paths = ['time', 'verdict', 'source.namespace', 'l4.TCP.destination_port', 'l7.dns.query'];
    const masked = await getFlowsBytes(newClient(), { first: true, field_mask: { paths } });
    const expected = flows.map((flow) =>
      responseCodec.serialize({
        flow: {
          time: flow.time,
          verdict: flow.verdict,
          ...(flow.source?.namespace === undefined ? {} : { source: { namespace: flow.source.namespace } }),
          l4: { TCP: { destination_port: flow.l4?.TCP?.destination_port } },
          ...(flow.l7 === undefined ? {} : { l7: { dns: { query: flow.l7.dns?.query } } }),
        },
        node_name: TEST_NODE_NAME,
        time: flow.time,
      }),
    );
    expect(masked.map((m) => m.toString('hex'))).toEqual(expected.map((m) => m.toString('hex')));
    const whole = await getFlowsBytes(newClient(), { first: true });
    expect(whole[0]!.length).toBeGreaterThan(masked[0]!.length);
  });
});
