// What serving costs per flow in-process (no gRPC, no kernel): a full store of synthetic records
// read from oldest to newest as GetFlows reads it, each flow turned into its response bytes, by
// a first reader (nothing encoded yet) and a second (the store's shared responses). Once as the
// observer serves a request whose filters are decided on the records (none here: the flows are
// never built), once through built flows (a request that needs them, as before that path existed).
import { createFlowPipeline } from '../src/flow-pipeline.js';
import { AgentMetrics } from '../src/metrics/registry.js';
import { getFlowsResponseBytes } from '../src/server/flow-response.js';
import { FlowReader } from '../src/store/flow-reader.js';
import { FlowStore } from '../src/store/flow-store.js';
import { median } from './median.js';
import { cpuNanos } from './process-stats.js';
import { SYNTHETIC_ENDPOINT, SYNTHETIC_INTERFACES, syntheticRecords } from './synthetic-records.js';

const NODE_NAME = 'default/node-a';
const STORE_CAPACITY = 65_535;
const BATCH_RECORDS = 1000;

export interface ReaderCosts {
  /** CPU per flow of the first reader of a freshly filled store, and of a second one. */
  firstNanos: number;
  secondNanos: number;
}

export interface ServingCostRun {
  /** Flows read per reader (a full store). */
  flows: number;
  rounds: number;
  /** Flows never built: the store's responses written from the records. */
  unbuilt: ReaderCosts;
  /** Every flow built for the request's filters. */
  built: ReaderCosts;
}

/** CPU per flow of one reader over the whole store, responses included. */
function readNanos(store: FlowStore, unbuilt: boolean): number {
  const reader = new FlowReader(store, { number: 0, first: true, follow: false, matches: () => true, prefilterDecides: unbuilt, passStoredLostEvents: true });
  const started = cpuNanos();
  let flows = 0;
  for (;;) {
    const step = unbuilt ? reader.nextServed() : reader.next();
    if (step === 'done' || step === 'wait') break;
    getFlowsResponseBytes(step, store, undefined, NODE_NAME);
    flows += 1;
  }
  return (cpuNanos() - started) / flows;
}

function readerCosts(unbuilt: boolean, rounds: number): ReaderCosts {
  const store = new FlowStore({ capacity: STORE_CAPACITY });
  const pipeline = createFlowPipeline({
    nodeName: NODE_NAME,
    dropReasonNames: new Map(),
    interfaces: { lookupInterface: (ifindex) => SYNTHETIC_INTERFACES[ifindex - 1] },
    store,
    metrics: new AgentMetrics({ version: 'bench', agentState: {}, flowMetrics: [] }),
    netnsInode: 1,
    endpoints: { resolve: () => SYNTHETIC_ENDPOINT, enrich: () => undefined },
  });
  const batch = syntheticRecords(BATCH_RECORDS);
  const first: number[] = [];
  const second: number[] = [];
  // Round 0 warms up; each round refills the store with records nobody has read.
  for (let round = 0; round <= rounds; round++) {
    for (let pushed = 0; pushed < STORE_CAPACITY; pushed += BATCH_RECORDS) pipeline.handlers.onRecords(batch, batch.length);
    const a = readNanos(store, unbuilt);
    const b = readNanos(store, unbuilt);
    if (round > 0) {
      first.push(a);
      second.push(b);
    }
  }
  return { firstNanos: median(first), secondNanos: median(second) };
}

export function measureServingCost(options: { quick: boolean }): ServingCostRun {
  const rounds = options.quick ? 3 : 9;
  return { flows: STORE_CAPACITY, rounds, unbuilt: readerCosts(true, rounds), built: readerCosts(false, rounds) };
}
