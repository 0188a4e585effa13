import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilterLists } from '../../src/filters/flow-filter.js';
import { compileSlotPrefilter, slotPrefilterDecides } from '../../src/filters/slot-prefilter.js';
import type { NativeRecord } from '../../src/native/records.js';
import { FlowBuilder } from '../../src/parser/flow-builder.js';
import { RecordIngest } from '../../src/parser/record-ingest.js';
import { SlotFlowEncoder } from '../../src/parser/slot-flow-encoder.js';
import type { FlowFilter, Timestamp } from '../../src/proto/flow.js';
import { FlowReader, type FlowReadRequest, type ServedStep } from '../../src/store/flow-reader.js';
import { FlowStore } from '../../src/store/flow-store.js';
import { makeFlow } from '../helpers/flows.js';
import { heldRecords, V4 } from '../helpers/held-records.js';
import { DROP_REASON_NAMES, HOST_NETNS, INTERFACES, NODE_NAME } from '../helpers/held-slots.js';
import { encodeRecord } from '../helpers/record-flows.js';
import { interfaces, record, TEST_TIME_NS } from '../helpers/records.js';

// When a request's filters are all decided on held records, the reader selects records on
// their bytes and hands them out unbuilt: it must select exactly what it selects through the
// built flows (same events, same order, the same number/first/follow/since/until behaviour),
// and build none of them.

const SECOND_NS = 1_000_000_000n;
const START_SECONDS = Number(TEST_TIME_NS / SECOND_NS);

interface Held {
  store: FlowStore;
  /** Holds one more record. */
  push(record: NativeRecord): void;
  /** How many flows the store has built so far. */
  builds(): number;
}

/** The records through the real ingest, half a second apart, with an L7 flow and a lost-event report among them. */
function hold(records: readonly NativeRecord[], capacity: number): Held {
  let builds = 0;
  const builder = new FlowBuilder({ nodeName: NODE_NAME, dropReasonNames: DROP_REASON_NAMES });
  const encoder = new SlotFlowEncoder({ nodeName: NODE_NAME, dropReasonNames: DROP_REASON_NAMES });
  const store = new FlowStore({
    capacity,
    build: (slot) => {
      builds += 1;
      return builder.build(slot);
    },
    respond: (slot) => encoder.encodeResponse(slot),
  });
  const ingest = new RecordIngest({ store, builder, interfaces: interfaces(...INTERFACES), netnsInode: HOST_NETNS, connectionTableSize: 1024 });
  const push = (record: NativeRecord): void => {
    const bytes = encodeRecord(record);
    ingest.ingest(bytes, bytes.length);
  };
  records.forEach((record, i) => {
    push({ ...record, timeNs: TEST_TIME_NS + BigInt(i) * (SECOND_NS / 2n) });
    if (i % 7 === 3) store.holdFlow(makeFlow({ Type: 'L7', timeMs: START_SECONDS * 1000 + i * 500, l7: { type: 'REQUEST', dns: { query: 'shop.example.' } } }));
    if (i % 11 === 5) store.holdLostEvent({ source: 'PERF_EVENT_RING_BUFFER', num_events_lost: i }, { seconds: START_SECONDS, nanos: 0 });
  });
  return { store, push, builds: () => builds };
}

const someOf = <T>(...values: T[]): fc.Arbitrary<T[]> => fc.array(fc.constantFrom(...values), { minLength: 1, maxLength: 2 });
const l3l4Filter: fc.Arbitrary<FlowFilter> = fc.oneof(
  fc.record({ source_ip: someOf(...V4, '198.18.0.0/24', 'fd00::/16') }),
  fc.record({ protocol: someOf('tcp', 'udp', 'icmpv4', 'icmpv6') }),
  fc.record({ verdict: someOf('FORWARDED' as const, 'DROPPED' as const) }),
  fc.record({ reply: someOf(true, false) }),
  fc.record({ traffic_direction: someOf('INGRESS' as const, 'EGRESS' as const) }),
  fc.record({ destination_port: someOf('80', '443', '53'), interface: fc.constant([{ name: 'lxc-web' }]).map((list) => [...list]) }, { requiredKeys: ['destination_port'] }),
);
const timestamp: fc.Arbitrary<Timestamp> = fc.record({ seconds: fc.integer({ min: START_SECONDS - 1, max: START_SECONDS + 25 }), nanos: fc.constantFrom(0, 250_000_000, 500_000_000, 999_999_999) });
const request = fc.record(
  {
    number: fc.nat(12),
    first: fc.boolean(),
    follow: fc.boolean(),
    since: timestamp,
    until: timestamp,
    whitelist: fc.array(l3l4Filter, { maxLength: 2 }),
    blacklist: fc.array(l3l4Filter, { maxLength: 2 }),
  },
  { requiredKeys: ['number', 'first', 'follow', 'whitelist', 'blacklist'] },
);
type DrawnRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

function readRequest(drawn: DrawnRequest, decides: boolean): FlowReadRequest {
  const { whitelist, blacklist, ...rest } = drawn;
  return {
    ...rest,
    first: rest.first && !rest.follow,
    matches: compileFilterLists(whitelist, blacklist),
    prefilter: compileSlotPrefilter(whitelist, blacklist, { nodeName: NODE_NAME, dropReasonNames: DROP_REASON_NAMES }),
    prefilterDecides: decides,
    passStoredLostEvents: whitelist.length === 0,
  };
}

/** What a reader hands out until it waits or is done, each event named by its sequence number. */
function drain(next: () => ServedStep): string[] {
  const out: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    const step = next();
    if (step === 'wait' || step === 'done') return [...out, step];
    if ('heldRecord' in step) out.push(`#${step.heldRecord}`);
    else if ('flow' in step) out.push(`#${step.sequence}`);
    else out.push(`lost ${step.lost_events.source} ${step.lost_events.num_events_lost}`);
  }
  throw new Error('the reader never stopped');
}

describe('a reader whose prefilter decides', () => {
  it('hands out what it selects through built flows, building none of the records', () => {
    fc.assert(
      fc.property(heldRecords, request, (records, drawn) => {
        expect(slotPrefilterDecides(drawn.whitelist, drawn.blacklist)).toBe(true);
        const { store, builds } = hold(records, 4096);
        const built = new FlowReader(store, readRequest(drawn, false));
        const expected = drain(() => built.next());
        const before = builds();
        const served = new FlowReader(store, readRequest(drawn, true));
        expect(drain(() => served.nextServed())).toStrictEqual(expected);
        expect(builds()).toBe(before);
      }),
      { numRuns: 400 },
    );
  });

  it('reports the events it missed when the store overtakes it, then goes on unbuilt', () => {
    const { store, push, builds } = hold([record({ ifindex: 5 })], 8);
    const reader = new FlowReader(store, readRequest({ number: 0, first: false, follow: true, whitelist: [], blacklist: [] }, true));
    expect(reader.nextServed()).toBe('wait');
    push(record({ ifindex: 5, tcpFlags: 0x10 }));
    for (let i = 0; i < 12; i++) push(record({ ifindex: 5, sourcePort: 40001 + i }));
    const before = builds();
    const steps = drain(() => reader.nextServed());
    expect(steps[0]).toMatch(/^lost HUBBLE_RING_BUFFER [1-9]/);
    expect(steps.slice(1, -1).every((step) => step.startsWith('#'))).toBe(true);
    expect(steps.at(-1)).toBe('wait');
    expect(builds()).toBe(before);
  });
});
