import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FlowBuilder } from '../../src/parser/flow-builder.js';
import { RecordIngest } from '../../src/parser/record-ingest.js';
import { SlotFlowEncoder } from '../../src/parser/slot-flow-encoder.js';
import type { Endpoint, Flow } from '../../src/proto/flow.js';
import { messageCodec } from '../../src/proto/load.js';
import { makeFlow, TEST_NODE_NAME } from '../helpers/flows.js';
import { getFlowsBytes, startObserver, type ObserverHarness } from '../helpers/observer-server.js';
import { encodeRecord } from '../helpers/record-flows.js';
import { interfaces, record, TEST_TIME_NS } from '../helpers/records.js';

// Held L3/L4 records reach clients as the store's shared responses, written from the records:
// whatever the request (filters decided on the records or not, a field mask, since/until), each
// response must be the bytes proto-loader writes for the flow built from the same record.

const responseCodec = messageCodec<object>('observer.GetFlowsResponse');
const SECOND_NS = 1_000_000_000n;
const START_SECONDS = Number(TEST_TIME_NS / SECOND_NS);
const POD: Endpoint = Object.freeze({ namespace: 'shop', pod_name: 'cart-1', identity: 4242, labels: Object.freeze(['k8s:app=cart']) as string[] });
const WORLD: Endpoint = Object.freeze({ identity: 2, labels: Object.freeze(['reserved:world']) as string[] });

describe('the observer serving held records', () => {
  let h: ObserverHarness;
  let builds = 0;
  const builder = new FlowBuilder({ nodeName: TEST_NODE_NAME, dropReasonNames: new Map([[3, 'NO_SOCKET']]) });
  const encoder = new SlotFlowEncoder({ nodeName: TEST_NODE_NAME, dropReasonNames: new Map([[3, 'NO_SOCKET']]) });
  /** The flows held, oldest first, as built from the store. */
  let held: Flow[];

  beforeEach(async () => {
    h = await startObserver({ dropReasonNames: new Map([[3, 'NO_SOCKET']]) });
    h.store.setBuilder(
      (slot) => {
        builds += 1;
        return builder.build(slot);
      },
      (slot) => encoder.encodeResponse(slot),
    );
    const ingest = new RecordIngest({
      store: h.store,
      builder,
      interfaces: interfaces({ index: 7, name: 'lxc-cart', role: 'endpoint' }, { index: 9, name: 'eth0', role: 'network' }),
      endpoints: { resolve: (ip) => (ip === '198.18.0.1' ? POD : WORLD), enrich: () => undefined },
      names: { namesOf: (ip) => (ip === '198.18.0.2' ? ['api.example.com'] : []) },
    });
    const records = [
      record({ tcpFlags: 0x02 }),
      record({ protocol: 17, ifindex: 9, direction: 'egress', sourcePort: 5353, destinationPort: 53 }),
      record({ kind: 'drop', dropReason: 3, tcpFlags: 0x02, destinationPort: 81 }),
      record({ family: 6, source: 'fd00::1', destination: 'fd00::2', protocol: 58, icmpType: 128, sourcePort: 0, destinationPort: 0 }),
      record({ source: '198.18.0.2', destination: '198.18.0.1', sourcePort: 80, destinationPort: 40000, tcpFlags: 0x12, ifindex: 12 }),
    ];
    records.forEach((drawn, i) => {
      const bytes = encodeRecord({ ...drawn, timeNs: TEST_TIME_NS + BigInt(i) * SECOND_NS });
      ingest.ingest(bytes, bytes.length);
    });
    h.store.pushFlow(makeFlow({ timeMs: (START_SECONDS + 2) * 1000 + 500, Type: 'L7', Summary: 'an L7 flow held as an object' }));
    h.store.publish(records.length);
    held = [];
    for (let seq = h.store.oldestSequence; seq < h.store.nextSequence; seq++) {
      const read = h.store.read(seq);
      if (read.kind === 'event' && 'flow' in read.event) held.push(read.event.flow);
    }
    builds = 0;
  });
  afterEach(async () => {
    await h.close();
  });

  const expected = (flows: Flow[]): string[] =>
    flows.map((flow) => responseCodec.serialize({ flow, node_name: flow.node_name, time: flow.time }).toString('hex'));
  const hex = (messages: Buffer[]): string[] => messages.map((message) => message.toString('hex'));

  it('sends every held flow as proto-loader writes it, building no record when the filters are decided on records', async () => {
    expect(hex(await getFlowsBytes(h.client, { first: true }))).toEqual(expected(held));
    expect(hex(await getFlowsBytes(h.client, { number: 2 }))).toEqual(expected(held.slice(-2)));
    const tcp = await getFlowsBytes(h.client, { first: true, whitelist: [{ protocol: ['tcp'] }], blacklist: [{ verdict: ['DROPPED'] }] });
    expect(hex(tcp)).toEqual(expected(held.filter((flow) => flow.l4?.TCP !== undefined && flow.verdict !== 'DROPPED')));
    // From the second record to the fourth exactly, with the L7 flow between them.
    const window = await getFlowsBytes(h.client, { since: { seconds: START_SECONDS + 1, nanos: 0 }, until: { seconds: START_SECONDS + 3, nanos: 123_456_789 } });
    const ns = (flow: Flow): bigint => BigInt(flow.time!.seconds!) * SECOND_NS + BigInt(flow.time!.nanos!);
    const inWindow = (flow: Flow): boolean => ns(flow) >= (TEST_TIME_NS / SECOND_NS + 1n) * SECOND_NS && ns(flow) <= TEST_TIME_NS + 3n * SECOND_NS;
    expect(window.length).toBe(4);
    expect(hex(window)).toEqual(expected(held.filter(inWindow)));
    expect(builds).toBe(0);
  });

  it('sends the same bytes when a filter needs the built flow', async () => {
    const messages = await getFlowsBytes(h.client, { first: true, whitelist: [{ source_pod: ['shop/'] }] });
    expect(hex(messages)).toEqual(expected(held.filter((flow) => flow.source?.namespace === 'shop')));
    expect(builds).toBeGreaterThan(0);
  });

  it('sends a field-masked flow built and trimmed for the request', async () => {
    const messages = await getFlowsBytes(h.client, { first: true, field_mask: { paths: ['verdict', 'IP.source'] } });
    const masked = held.map((flow) => ({ flow: { verdict: flow.verdict, IP: { source: flow.IP?.source } }, node_name: flow.node_name, time: flow.time }));
    expect(hex(messages)).toEqual(masked.map((response) => responseCodec.serialize(response).toString('hex')));
  });
});
