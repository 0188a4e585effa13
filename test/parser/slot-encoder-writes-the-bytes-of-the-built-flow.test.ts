import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CapturedInterface } from '../../src/capture/source.js';
import { OFFSET_ICMP_CODE, OFFSET_IFINDEX, OFFSET_TIME_NS, RECORD_BYTES } from '../../src/native/records.js';
import { FlowBuilder } from '../../src/parser/flow-builder.js';
import { SlotFlowEncoder } from '../../src/parser/slot-flow-encoder.js';
import type { Endpoint } from '../../src/proto/flow.js';
import { encodeFlow } from '../../src/proto/flow-encoder.js';
import { flowOfResponse, flowResponseBytes } from '../../src/proto/get-flows-response.js';
import type { RecordSlot } from '../../src/store/flow-store.js';
import { heldRecords } from '../helpers/held-records.js';
import { DROP_REASON_NAMES, heldSlots, INTERFACES } from '../helpers/held-slots.js';

// A held L3/L4 record is served from bytes written straight from its slot: they must be the
// bytes encodeFlow writes for the flow FlowBuilder builds from the same slot (and the response
// framed around them), for every record kind ingest holds and any facts ingest may have
// recorded beside it. One encoder serves every run, so its caches of shared fields meet many slots.

const NODE_NAMES = ['node-a', 'default/nöde-b', ''];
const builders = NODE_NAMES.map((nodeName) => new FlowBuilder({ nodeName, dropReasonNames: DROP_REASON_NAMES }));
const encoders = NODE_NAMES.map((nodeName) => new SlotFlowEncoder({ nodeName, dropReasonNames: DROP_REASON_NAMES }));

const POD: Endpoint = Object.freeze({
  ID: 7,
  identity: 1234,
  cluster_name: 'default',
  namespace: 'shop',
  labels: Object.freeze(['k8s:app=web', 'k8s:io.kubernetes.pod.namespace=shop']) as string[],
  pod_name: 'web-5d9f7c-x2x9z',
  workloads: Object.freeze([Object.freeze({ name: 'web', kind: 'Deployment' })]) as Endpoint['workloads'],
});
const WORLD: Endpoint = Object.freeze({ identity: 2, labels: Object.freeze(['reserved:world']) as string[] });
// Unfrozen, and long enough that its encoding passes 128 bytes.
const mutablePod = (): Endpoint => ({ identity: 77, namespace: 'x'.repeat(60), pod_name: 'ünïcode-pod-'.repeat(6), labels: ['k8s:a=b'] });
const OTHER_INTERFACES: readonly CapturedInterface[] = [
  { index: 11, name: 'lxc0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', role: 'endpoint' },
  { index: 300, name: '', role: 'network' },
];

const facts = fc.record({
  sequence: fc.oneof(fc.nat(5000), fc.nat(2 ** 53 - 1)),
  isReply: fc.boolean(),
  iface: fc.constantFrom<CapturedInterface | undefined>(undefined, ...INTERFACES, ...OTHER_INTERFACES),
  source: fc.constantFrom<Endpoint | 'mutable' | undefined>(undefined, POD, WORLD, 'mutable'),
  destination: fc.constantFrom<Endpoint | 'mutable' | undefined>(undefined, POD, WORLD, 'mutable'),
  sourceNames: fc.constantFrom<readonly string[] | undefined>(undefined, [], ['web.example.com'], ['a.example.com', 'b.exämple.com']),
  destinationNames: fc.constantFrom<readonly string[] | undefined>(undefined, [], ['api.example.com']),
  summary: fc.constantFrom<string | undefined>(undefined, 'TCP Flags: ACK, PSH, TLS ClientHello server_name=shop.example', 'ü'.repeat(200)),
  timeNs: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  icmpCode: fc.nat(255),
  ifindex: fc.oneof(fc.constantFrom(2, 5, 9), fc.nat(2 ** 32 - 1)),
});

type FactsValue = typeof facts extends fc.Arbitrary<infer T> ? T : never;

/** The slot with its record copied out and the drawn facts and record fields in place of ingest's. */
function variant(slot: RecordSlot, drawn: FactsValue): RecordSlot {
  const records = Buffer.alloc(RECORD_BYTES);
  slot.records.copy(records, 0, slot.recordAt, slot.recordAt + RECORD_BYTES);
  records.writeBigUInt64LE(drawn.timeNs, OFFSET_TIME_NS);
  records[OFFSET_ICMP_CODE] = drawn.icmpCode;
  records.writeUInt32LE(drawn.ifindex, OFFSET_IFINDEX);
  const endpoint = (side: Endpoint | 'mutable' | undefined) => (side === 'mutable' ? mutablePod() : side);
  return {
    ...slot,
    records,
    recordAt: 0,
    sequence: drawn.sequence,
    isReply: drawn.isReply,
    iface: drawn.iface,
    source: endpoint(drawn.source),
    destination: endpoint(drawn.destination),
    sourceNames: drawn.sourceNames,
    destinationNames: drawn.destinationNames,
    summary: drawn.summary,
  };
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('the slot encoder', () => {
  it('writes what encodeFlow writes for the flow built from a slot as ingest held it', () => {
    fc.assert(
      fc.property(heldRecords, (drawn) => {
        for (const { slot } of heldSlots(drawn)) {
          expect(hex(flowOfResponse(encoders[0]!.encodeResponse(slot)))).toBe(hex(encodeFlow(builders[0]!.build(slot))));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('writes what encodeFlow writes for the built flow whatever the slot facts and record fields', () => {
    fc.assert(
      fc.property(heldRecords, fc.array(facts, { minLength: 1, maxLength: 8 }), fc.nat(NODE_NAMES.length - 1), (drawn, factList, node) => {
        const slots = heldSlots(drawn);
        factList.forEach((drawnFacts, i) => {
          const slot = variant(slots[i % slots.length]!.slot, drawnFacts);
          const built = builders[node]!.build(slot);
          const response = encoders[node]!.encodeResponse(slot);
          expect(hex(flowOfResponse(response)), JSON.stringify(built)).toBe(hex(encodeFlow(built)));
          expect(hex(response)).toBe(hex(flowResponseBytes(encodeFlow(built), built.node_name!, built.time!)));
        });
      }),
      { numRuns: 1500 },
    );
  });
});
