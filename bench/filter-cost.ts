// What a GetFlows filter costs per held flow: the slot prefilter on the record bytes, against
// building every flow and running the full predicate on it, over a full store of 65,535
// synthetic TCP records (no kernel). A typical request: --to-ip 198.18.0.2 --port 80 --protocol tcp.
//
//   node dist/bench/filter-cost.js
import { compileFilterLists } from '../src/filters/flow-filter.js';
import { compileSlotPrefilter } from '../src/filters/slot-prefilter.js';
import { FlowBuilder } from '../src/parser/flow-builder.js';
import { RecordIngest } from '../src/parser/record-ingest.js';
import type { FlowFilter } from '../src/proto/flow.js';
import { FlowStore } from '../src/store/flow-store.js';
import { syntheticRecords } from './synthetic-records.js';

const SLOTS = 65_535;
const ROUNDS = 50;
const NODE_NAME = 'node-a';
const DROP_REASON_NAMES = new Map<number, string>();
const WHITELIST: FlowFilter[] = [{ destination_ip: ['198.18.0.2'], destination_port: ['80'], protocol: ['tcp'] }];

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
const buffer = syntheticRecords(SLOTS);
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
