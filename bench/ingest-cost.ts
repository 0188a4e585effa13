// What ingest costs per record in-process (no kernel): synthetic records through the agent's
// pipeline into a full store, with no flow metrics and with the default `--hubble-metrics`
// list, so the metric set's own cost shows; and what a flow log adds (./flow-log-export.ts).
import { createFlowPipeline } from '../src/flow-pipeline.js';
import { AgentMetrics } from '../src/metrics/registry.js';
import { SeenNamespaces } from '../src/server/seen-namespaces.js';
import { FlowStore } from '../src/store/flow-store.js';
import { measureFlowLogCost, type FlowLogCost } from './flow-log-export.js';
import { median } from './median.js';
import { cpuNanos } from './process-stats.js';
import { SYNTHETIC_ENDPOINT, SYNTHETIC_INTERFACES, syntheticRecords } from './synthetic-records.js';

const BATCH_RECORDS = 1000;
// Each figure is the median of this many runs, with and without metrics taking turns, so a
// busy moment of the machine (or the JIT still settling in the first run) moves neither much.
const RUNS = 5;
const STORE_CAPACITY = 65_535;

export interface IngestCostRun {
  /** Records of each run (each figure is the median of RUNS runs). */
  records: number;
  /** CPU per record: ingest into the store, without and with the default flow metrics. */
  ingestNanos: number;
  ingestWithMetricsNanos: number;
  /** CPU seconds per million flows of the default metric list. */
  metricsCpuSecondsPerMillion: number;
  flowLog: FlowLogCost;
}

function ingestNanosPerRecord(records: number, withMetrics: boolean): number {
  const store = new FlowStore({ capacity: STORE_CAPACITY });
  const metrics = new AgentMetrics({ version: 'bench', agentState: {}, ...(withMetrics ? {} : { flowMetrics: [] }) });
  const seenNamespaces = new SeenNamespaces({ clusterName: 'bench' });
  const pipeline = createFlowPipeline({
    nodeName: 'default/node-a',
    dropReasonNames: new Map(),
    interfaces: { lookupInterface: (ifindex) => SYNTHETIC_INTERFACES[ifindex - 1] },
    store,
    metrics,
    netnsInode: 1,
    endpoints: { resolve: () => SYNTHETIC_ENDPOINT, enrich: () => undefined },
    // As the agent wires it (GetNamespaces).
    seeNamespace: (namespace, nowMs) => seenNamespaces.see(namespace, nowMs),
  });
  const batch = syntheticRecords(BATCH_RECORDS);
  const rounds = Math.ceil(records / BATCH_RECORDS);
  for (let round = 0; round < Math.min(rounds, 100); round++) pipeline.handlers.onRecords(batch, batch.length); // warm-up
  const started = cpuNanos();
  for (let round = 0; round < rounds; round++) pipeline.handlers.onRecords(batch, batch.length);
  return (cpuNanos() - started) / (rounds * BATCH_RECORDS);
}

export async function measureIngestCost(options: { quick: boolean }): Promise<IngestCostRun> {
  const records = options.quick ? 200_000 : 2_000_000;
  const without: number[] = [];
  const withMetrics: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    without.push(ingestNanosPerRecord(records, false));
    withMetrics.push(ingestNanosPerRecord(records, true));
  }
  const ingestNanos = median(without);
  const ingestWithMetricsNanos = median(withMetrics);
  return {
    records,
    ingestNanos,
    ingestWithMetricsNanos,
    metricsCpuSecondsPerMillion: (ingestWithMetricsNanos - ingestNanos) / 1000,
    flowLog: await measureFlowLogCost(options.quick ? 50_000 : 300_000),
  };
}
