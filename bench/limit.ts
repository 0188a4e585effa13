import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { counterDelta, scrapeAgentCounters } from './agent-metrics.js';
import { startAgent, type BenchMode } from './agent-process.js';
import { trackChild } from './cleanup.js';
import { FlowStream, observerClient } from './flow-stream.js';
import { runUdpLoad, startLoadServer } from './loadgen.js';
import { PERF_NODE_FLAGS, startPerf, type PerfProfile } from './perf-profile.js';
import { CpuWindow, processCpuSeconds } from './process-stats.js';
import { progress } from './progress.js';
import type { PodPair } from './topology.js';

// Measurement 3: how close the agent's whole path (kernel ring -> decode -> store -> GetFlows
// stream -> client) comes to what a native-only consumer drains from an identical session
// on the same interfaces, in the same run, under the same UDP flood. One record per packet
// (--capture-aggregate false), so events = packets seen per interface (plus the kernel's drop
// events, which the drop tracepoint reports machine-wide).

const DRAIN_SCRIPT = fileURLToPath(new URL('./native-drain.js', import.meta.url));
const PORT_BASE = 40_000;
const PORTS = 32;
const SOCKETS = 1_024;
const LOAD_SECONDS = 4;
const MAX_DATAGRAMS = 2_000_000;
const BUFFER_CAPACITY = 65_535;
const READY_TIMEOUT_MS = 15_000;
const SETTLE_QUIET_MS = 1_500;
const SETTLE_MAX_MS = 30_000;
const SETTLE_POLL_MS = 100;
const SERVER_MAX_MS = 600_000;
const MILLION = 1e6;

export interface ConsumerFigures {
  /** Events received while the load ran. */
  eventsDuringLoad: number;
  /** eventsDuringLoad over the load's duration. */
  eventsPerSecond: number;
  /** Events received in all, including the backlog worked off after the load. */
  eventsTotal: number;
  lost: number;
  cores: number | undefined;
}

export interface LimitRun {
  mode: BenchMode;
  offeredDatagrams: number;
  offeredPerSecond: number;
  loadSeconds: number;
  /** Flows a GetFlows follow client received. */
  agent: ConsumerFigures & {
    /** Records the agent read from the kernel while the load ran, per second: its ingest. */
    ingestPerSecond: number;
    lostToClient: Record<string, number>;
    recordsRead: number;
    flowsProcessed: number;
    /** Agent CPU from the load's start until its client went quiet (ingest, store, metrics and
     * streaming to one follow client) per million flows processed. */
    cpuSecondsPerMillionFlows: number;
  };
  nativeRaw: ConsumerFigures;
  nativeDecode: ConsumerFigures;
  /** agent events/s ÷ native-only (no decode) events/s, both while the load ran. */
  ratio: number;
  /** native with decode events/s ÷ native-only events/s. */
  decodeRatio: number;
  cores: Record<string, number>;
  agentProfile?: PerfProfile;
}

interface DrainTotals {
  records: number;
  lost: number;
  /** Records drained by each wall-clock time (ms since the epoch). */
  samples: { t: number; records: number }[];
}

interface DrainProcess {
  pid: number;
  stop(): Promise<DrainTotals>;
}

async function startDrain(mode: BenchMode, decoding: 'raw' | 'decode', interfaces: readonly string[]): Promise<DrainProcess> {
  const child = trackChild(spawn(process.execPath, [DRAIN_SCRIPT, mode, decoding, interfaces.join(',')], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const lines: Record<string, number>[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`native drain did not start: ${stderr}`)), READY_TIMEOUT_MS);
    createInterface({ input: child.stdout! }).on('line', (text) => {
      const line = JSON.parse(text) as Record<string, number>;
      if ('ready' in line) {
        clearTimeout(timer);
        resolve();
      } else lines.push(line);
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`native drain exited: ${stderr}`));
    });
  });
  return {
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      const totals = lines.find((line) => 'lost' in line);
      if (totals === undefined) throw new Error(`native drain gave no totals: ${stderr}`);
      const samples = lines.filter((line) => 't' in line).map((line) => ({ t: line.t!, records: line.records! }));
      return { records: totals.records!, lost: totals.lost!, samples };
    },
  };
}

/** Records drained by wall-clock time t: the latest sample at or before it. */
function drainedBy(samples: readonly { t: number; records: number }[], t: number): number {
  let records = 0;
  for (const sample of samples) {
    if (sample.t > t) break;
    records = sample.records;
  }
  return records;
}

function perSecond(events: number, seconds: number): number {
  return seconds > 0 ? Math.round(events / seconds) : 0;
}

function drainFigures(totals: DrainTotals, loadStart: number, loadEnd: number, cores: number | undefined): ConsumerFigures {
  const during = drainedBy(totals.samples, loadEnd) - drainedBy(totals.samples, loadStart);
  return { eventsDuringLoad: during, eventsPerSecond: perSecond(during, (loadEnd - loadStart) / 1000), eventsTotal: totals.records, lost: totals.lost, cores };
}

/** With profile: where the agent's CPU time went during the load and its backlog (perf). */
export async function measureLimit(pair: PodPair, mode: BenchMode, options: { profile?: boolean } = {}): Promise<LimitRun> {
  const interfaces = [pair.hostIfA, pair.hostIfB];
  const server = await startLoadServer(pair, PORT_BASE, PORTS, SERVER_MAX_MS);
  const agent = await startAgent({ mode, interfaces, bufferCapacity: BUFFER_CAPACITY, aggregate: false, nodeFlags: options.profile === true ? PERF_NODE_FLAGS : [] });
  const raw = await startDrain(mode, 'raw', interfaces);
  const decode = await startDrain(mode, 'decode', interfaces);
  const client = observerClient(`127.0.0.1:${agent.grpcPort}`);
  const stream = new FlowStream(client, { follow: true });
  try {
    const countersBefore = await scrapeAgentCounters(agent.metricsPort);
    const agentCpuBefore = processCpuSeconds(agent.pid);
    const cpu = new CpuWindow({ agent: agent.pid, nativeRaw: raw.pid, nativeDecode: decode.pid, server: server.pid });
    const perf = options.profile === true ? startPerf(agent.pid) : undefined;
    const loadStart = Date.now();
    const streamedAtStart = stream.flows;
    const load = await runUdpLoad(pair, { portBase: PORT_BASE, ports: PORTS, rate: 0, count: MAX_DATAGRAMS, maxMs: LOAD_SECONDS * 1000, sockets: SOCKETS });
    const loadEnd = Date.now();
    const streamedDuringLoad = stream.flows - streamedAtStart;
    const ingestedDuringLoad = (await scrapeAgentCounters(agent.metricsPort)).recordsRead - countersBefore.recordsRead;
    const loadSeconds = (loadEnd - loadStart) / 1000;
    const settleStart = performance.now();
    while (performance.now() - settleStart < SETTLE_MAX_MS && performance.now() - Math.max(stream.lastMessageAtMs, settleStart) < SETTLE_QUIET_MS) {
      await delay(SETTLE_POLL_MS);
    }
    const cores: Record<string, number> = { ...cpu.finish(), generator: Math.round((load.cpu_seconds / load.send_seconds) * 100) / 100 };
    const agentCpuSeconds = processCpuSeconds(agent.pid) - agentCpuBefore;
    const agentProfile = await perf?.stop();
    const counters = counterDelta(await scrapeAgentCounters(agent.metricsPort), countersBefore);
    const rawTotals = await raw.stop();
    const decodeTotals = await decode.stop();
    const agentFigures = {
      eventsDuringLoad: streamedDuringLoad,
      eventsPerSecond: perSecond(streamedDuringLoad, loadSeconds),
      eventsTotal: stream.flows - streamedAtStart,
      ingestPerSecond: perSecond(ingestedDuringLoad, loadSeconds),
      lost: Object.values(counters.lost).reduce((sum, value) => sum + value, 0),
      cores: cores.agent,
      lostToClient: { ...stream.lost },
      recordsRead: counters.recordsRead,
      flowsProcessed: counters.flowsProcessed,
      cpuSecondsPerMillionFlows: counters.flowsProcessed > 0 ? agentCpuSeconds / (counters.flowsProcessed / MILLION) : 0,
    };
    const nativeRaw = drainFigures(rawTotals, loadStart, loadEnd, cores.nativeRaw);
    const nativeDecode = drainFigures(decodeTotals, loadStart, loadEnd, cores.nativeDecode);
    const run: LimitRun = {
      mode,
      offeredDatagrams: load.sent,
      offeredPerSecond: Math.round(load.rate),
      loadSeconds,
      agent: agentFigures,
      nativeRaw,
      nativeDecode,
      ratio: nativeRaw.eventsPerSecond > 0 ? agentFigures.eventsPerSecond / nativeRaw.eventsPerSecond : 0,
      decodeRatio: nativeRaw.eventsPerSecond > 0 ? nativeDecode.eventsPerSecond / nativeRaw.eventsPerSecond : 0,
      cores,
      ...(agentProfile ? { agentProfile } : {}),
    };
    progress(
      `limit ${mode}: agent ingest ${agentFigures.ingestPerSecond}/s, to client ${agentFigures.eventsPerSecond}/s, native ${nativeRaw.eventsPerSecond}/s, ` +
        `native+decode ${nativeDecode.eventsPerSecond}/s; ${agentFigures.cpuSecondsPerMillionFlows.toFixed(1)} CPU s per million flows`,
    );
    return run;
  } finally {
    stream.cancel();
    client.close();
    await agent.stop();
    await server.stop();
  }
}
