// What a GetFlows filter costs per held flow: the slot prefilter on the record bytes, against
// building every flow and running the full predicate on it, over a full store of 65,535
// synthetic TCP records (no kernel). A typical request: --to-ip 198.18.0.2 --port 80 --protocol tcp.
//
//   node dist/bench/filter-cost.js
import * as layout from '../src/native/records.js';
import { compileFilterLists } from '../src/filters/flow-filter.js';
import { compileSlotPrefilter } from '../src/filters/slot-prefilter.js';
import { FlowBuilder } from '../src/parser/flow-builder.js';
import { RecordIngest } from '../src/parser/record-ingest.js';
import type { FlowFilter } from '../src/proto/flow.js';
import { FlowStore } from '../src/store/flow-store.js';

const SLOTS = 65_535;
const ROUNDS = 50;
const NODE_NAME = 'node-a';
const DROP_REASON_NAMES = new Map<number, string>();
const WHITELIST: FlowFilter[] = [{ destination_ip: ['198.18.0.2'], destination_port: ['80'], protocol: ['tcp'] }];
const PORTS = [80, 443, 53, 8080];

function records(): Buffer {
  const buf = Buffer.alloc(SLOTS * layout.RECORD_BYTES);
  for (let i = 0; i < SLOTS; i++) {
    const at = i * layout.RECORD_BYTES;
    buf.writeUInt16LE(layout.RECORD_BYTES, at + layout.OFFSET_SIZE);
    buf[at + layout.OFFSET_KIND] = layout.KIND_FLOW;
    buf[at + layout.OFFSET_REASON] = 2;
    buf.writeUInt32LE(1 + (i % 4), at + layout.OFFSET_IFINDEX);
    buf.writeBigUInt64LE(1_700_000_000_000_000_000n + BigInt(i), at + layout.OFFSET_TIME_NS);
    buf.set([198, 18, 1, i % 200], at + layout.OFFSET_SADDR);
    buf.set([198, 18, 0, 1 + (i % 16)], at + layout.OFFSET_DADDR);
    buf.writeUInt16LE(32768 + (i % 28000), at + layout.OFFSET_SPORT);
    buf.writeUInt16LE(PORTS[(i >> 4) % PORTS.length]!, at + layout.OFFSET_DPORT);
    buf[at + layout.OFFSET_FAMILY] = 4;
    buf[at + layout.OFFSET_PROTOCOL] = 6;
    buf[at + layout.OFFSET_DIRECTION] = i % 2 === 0 ? layout.DIRECTION_INGRESS : layout.DIRECTION_EGRESS;
    buf[at + layout.OFFSET_TCP_FLAGS] = i % 3 === 0 ? 0x02 : 0x10;
  }
  return buf;
}

function nsPerSlot(run: () => number): { ns: number; passed: number } {
  let passed = run(); // warm-up
  const start = process.hrtime.bigint();
  for (let round = 0; round < ROUNDS; round++) passed = run();
  return { ns: Number(process.hrtime.bigint() - start) / (ROUNDS * SLOTS), passed };
}

const builder = new FlowBuilder({ nodeName: NODE_NAME, dropReasonNames: DROP_REASON_NAMES });
const store = new FlowStore({ capacity: SLOTS, build: (slot) => builder.build(slot) });
const ifaces = [1, 2, 3, 4].map((index) => ({ index, name: `lxc${index}`, role: index === 1 ? ('network' as const) : ('endpoint' as const) }));
const ingest = new RecordIngest({ store, builder, interfaces: { lookupInterface: (ifindex) => ifaces[ifindex - 1] } });
const buffer = records();
ingest.ingest(buffer, buffer.length);

const full = compileFilterLists(WHITELIST, []);
const prefilter = compileSlotPrefilter(WHITELIST, [], { nodeName: NODE_NAME, dropReasonNames: DROP_REASON_NAMES });
const first = store.oldestSequence;

const builtAndChecked = nsPerSlot(() => {
  let passed = 0;
  for (let s = first; s < first + SLOTS; s++) if (full(builder.build(store.recordSlot(s)))) passed++;
  return passed;
});
const prefiltered = nsPerSlot(() => {
  let passed = 0;
  for (let s = first; s < first + SLOTS; s++) if (prefilter(store.recordSlot(s))) passed++;
  return passed;
});
const slotsRead = nsPerSlot(() => {
  let passed = 0;
  for (let s = first; s < first + SLOTS; s++) if (store.recordSlot(s).isReply) passed++;
  return passed;
});
const prefilteredThenBuilt = nsPerSlot(() => {
  let passed = 0;
  for (let s = first; s < first + SLOTS; s++) {
    const slot = store.recordSlot(s);
    if (prefilter(slot) && full(builder.build(slot))) passed++;
  }
  return passed;
});

console.log(`slots: ${SLOTS}, request: ${JSON.stringify(WHITELIST)}`);
console.log(`build + full predicate:           ${builtAndChecked.ns.toFixed(1)} ns/slot (${builtAndChecked.passed} pass)`);
console.log(`slot prefilter only:              ${prefiltered.ns.toFixed(1)} ns/slot (${prefiltered.passed} pass)`);
console.log(`  of which store.recordSlot:        ${slotsRead.ns.toFixed(1)} ns/slot`);
console.log(`prefilter, then build + predicate: ${prefilteredThenBuilt.ns.toFixed(1)} ns/slot (${prefilteredThenBuilt.passed} pass)`);
