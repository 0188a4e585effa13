// CPU cost of a flow log: synthetic flows pushed into a real flow store, followed by the
// flow-log exporter writing protobuf JSON lines to a real file, against the same pushes with
// no flow log. Pushes are paced to the disk so that every line is written. Bounded: --flows
// flows in batches, a deadline for the file to catch up.
//
//   node dist/bench/flow-log-export.js [--flows 1000000]   (npm run bench measures it too)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { FlowLogExporter } from '../src/export/flow-log-exporter.js';
import { FlowLogMetrics } from '../src/export/flow-log-metrics.js';
import type { Flow } from '../src/proto/flow.js';
import { FlowStore } from '../src/store/flow-store.js';

const BATCH = 1024;
const PACE_BYTES = 2 * 1024 * 1024;
const CATCH_UP_DEADLINE_MS = 120_000;

function syntheticFlow(i: number): Flow {
  const seconds = 1_700_000_000 + Math.floor(i / 1000);
  return {
    time: { seconds, nanos: (i % 1000) * 1_000_123 },
    uuid: `6c1a0f4e-5d3b-4a8e-9a53-${String(i).padStart(12, '0')}`,
    verdict: 'FORWARDED',
    IP: { source: `198.18.${(i >> 8) & 255}.${i & 255}`, destination: '198.18.0.2', ipVersion: 'IPv4' },
    l4: { TCP: { source_port: 30000 + (i % 30000), destination_port: 8080, flags: { ACK: true, PSH: i % 2 === 0 } }, protocol: 'TCP' },
    source: { identity: 12345, namespace: 'default', labels: ['k8s:app=client', 'k8s:io.kubernetes.pod.namespace=default'], pod_name: `client-${i % 50}`, workloads: [{ name: 'client', kind: 'Deployment' }] },
    destination: { identity: 23456, namespace: 'default', labels: ['k8s:app=server'], pod_name: 'server-1' },
    Type: 'L3_L4',
    node_name: 'default/node-a',
    event_type: { type: 4 },
    traffic_direction: 'EGRESS',
    trace_observation_point: 'TO_STACK',
    is_reply: { value: false },
    interface: { index: 7, name: 'veth1234' },
    Summary: 'TCP Flags: ACK, PSH',
  };
}

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function run(flows: readonly Flow[], withLog: boolean): Promise<{ cpuUs: number; wallMs: number; written: number; dropped: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'flowlens-bench-flowlog-'));
  const store = new FlowStore({ capacity: 65_535 });
  const registry = new Registry();
  const metrics = new FlowLogMetrics(registry);
  const path = join(dir, 'events.log');
  const exporter = withLog
    ? new FlowLogExporter(
        { name: 'bench', filePath: path, fileMaxSizeMb: 100, fileMaxBackups: 2, fileCompress: false, allowList: [], denyList: [], fieldMask: [] },
        { store, nodeName: 'default/node-a', metrics },
      )
    : undefined;
  exporter?.start();
  const counts = async (): Promise<Record<string, number>> => {
    const metric = await registry.getSingleMetric('flowlens_flowlog_lines_total')!.get();
    return Object.fromEntries(metric.values.map((v) => [v.labels.outcome, v.value]));
  };
  try {
    const startedCpu = cpuMicros();
    const startedWall = performance.now();
    for (let i = 0; i < flows.length; i += BATCH) {
      for (let j = i; j < Math.min(i + BATCH, flows.length); j++) store.pushFlow(flows[j]!);
      await nextTurn();
      // Paced to the disk, so every line is formatted and written (none dropped): the full cost.
      while (exporter !== undefined && exporter.state().queuedBytes > PACE_BYTES) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const deadline = Date.now() + CATCH_UP_DEADLINE_MS;
    while (withLog) {
      const c = await counts();
      if ((c.written ?? 0) + (c.dropped ?? 0) + (c.failed ?? 0) >= flows.length || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await exporter?.stop();
    const cpuUs = cpuMicros() - startedCpu;
    const wallMs = performance.now() - startedWall;
    const c = await counts();
    return { cpuUs, wallMs, written: c.written ?? 0, dropped: c.dropped ?? 0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface FlowLogCost {
  flows: number;
  /** CPU of the store alone, and of the store with a flow log writing every flow, per flow. */
  storeOnlyMicros: number;
  withLogMicros: number;
  /** CPU seconds per million flows the flow log adds. */
  cpuSecondsPerMillion: number;
  written: number;
  dropped: number;
}

/** The CPU a flow log costs per flow, over `count` synthetic flows written to a real file. */
export async function measureFlowLogCost(count: number): Promise<FlowLogCost> {
  const flows = Array.from({ length: count }, (_, i) => syntheticFlow(i));
  await run(flows.slice(0, Math.min(50_000, count)), true); // warm-up: compile the hot paths
  const without = await run(flows, false);
  const withLog = await run(flows, true);
  return {
    flows: count,
    storeOnlyMicros: without.cpuUs / count,
    withLogMicros: withLog.cpuUs / count,
    cpuSecondsPerMillion: (withLog.cpuUs - without.cpuUs) / count,
    written: withLog.written,
    dropped: withLog.dropped,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { flows: { type: 'string', default: '1000000' } } });
  const count = Number(values.flows);
  if (!Number.isSafeInteger(count) || count < BATCH || count > 10_000_000) throw new Error('--flows: expected an integer from 1024 to 10000000');
  const cost = await measureFlowLogCost(count);
  console.log(`flows: ${count}`);
  console.log(`store only:        ${cost.storeOnlyMicros.toFixed(2)} µs CPU/flow`);
  console.log(`store + flow log:  ${cost.withLogMicros.toFixed(2)} µs CPU/flow`);
  console.log(`flow log cost:     ${cost.cpuSecondsPerMillion.toFixed(2)} CPU s per million flows`);
  console.log(`lines written ${cost.written}, dropped ${cost.dropped}`);
}

// Run as a script; `npm run bench` imports measureFlowLogCost.
if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
