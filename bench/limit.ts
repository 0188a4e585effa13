import { setTimeout as delay } from 'node:timers/promises';
import { counterDelta, scrapeAgentCounters, type AgentCounters } from './agent-metrics.js';
import { startAgent, type AgentProcess, type BenchMode } from './agent-process.js';
import { FlowStream, observerClient } from './flow-stream.js';
import { runUdpLoad, startLoadServer, type UdpResult } from './loadgen.js';
import { startDrain, type DrainTotals } from './native-drain-process.js';
import { PERF_NODE_FLAGS, startPerf, type PerfProfile } from './perf-profile.js';
import { CpuWindow, processCpuSeconds } from './process-stats.js';
import { progress } from './progress.js';
import type { PodPair } from './topology.js';

// Measurement 3: the agent under a UDP flood, one record per packet (--capture-aggregate
// false), so flows = packets seen per interface (plus the kernel's drop events, which the
// drop tracepoint reports machine-wide). Two floods on one agent:
//  - with a GetFlows follow client, next to two native-only consumers of identical sessions
//    on the same interfaces (one only counting records, one decoding them): how much of what
//    the agent ingests reaches the client, whether every flow the client misses is reported
//    to it as lost_events, and the agent's CPU per million flows with one client served;
//  - with no client attached: the agent's CPU per million flows for ingest alone.

const PORT_BASE = 40_000;
const PORTS = 32;
const SOCKETS = 1_024;
const MAX_DATAGRAMS = 2_000_000;
const BUFFER_CAPACITY = 65_535;
const SETTLE_QUIET_MS = 1_500;
const SETTLE_MAX_MS = 30_000;
// Each poll is a metrics scrape, which costs the agent CPU too: not too often.
const SETTLE_POLL_MS = 500;
const SERVER_MAX_MS = 600_000;
const MILLION = 1e6;
// lost_events sources for flows the agent had ingested: the store overtook the reader, or
// the server's queue to it was full. Losses before ingest (kernel ring, native queue) are
// reported too, but they are not flows the client could have received.
const LOST_AFTER_INGEST = ['HUBBLE_RING_BUFFER', 'OBSERVER_EVENTS_QUEUE'];

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

export interface FloodFigures {
  offeredDatagrams: number;
  offeredPerSecond: number;
  loadSeconds: number;
  /** Records the agent read from the kernel while the load ran, per second: its ingest. */
  ingestPerSecond: number;
  recordsRead: number;
  /** Flows the agent ingested into its store (hubble_flows_processed_total), load and backlog. */
  flowsIngested: number;
  /** Of those, the ones ingested by the time the load ended. */
  ingestedDuringLoad: number;
  /** hubble_lost_events_total growth, by source. */
  lostInAgent: Record<string, number>;
  /** Agent CPU seconds from the load's start until its counters (and client) went quiet. */
  agentCpuSeconds: number;
  cpuSecondsPerMillionFlows: number;
  cores: Record<string, number>;
}

export interface LimitRun {
  mode: BenchMode;
  /** The flood with one follow client and the native-only consumers beside the agent. */
  withClient: FloodFigures & {
    /** Flows the follow client received (load and backlog). */
    client: ConsumerFigures & { lostToClient: Record<string, number> };
    /** Flows the client was told it missed after they were ingested (LOST_AFTER_INGEST). */
    reportedMissed: number;
    /** Flows the client received while the load ran ÷ flows ingested while it ran. */
    clientShare: number;
    nativeRaw: ConsumerFigures;
    nativeDecode: ConsumerFigures;
    /** agent ingest/s ÷ native-only (no decode) events/s, both while the load ran. */
    ingestRatio: number;
    /** native with decode events/s ÷ native-only events/s. */
    decodeRatio: number;
  };
  /** The flood with no client: ingest alone. */
  ingestOnly: FloodFigures;
  agentProfile?: PerfProfile;
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

function sum(values: Record<string, number>, keys?: readonly string[]): number {
  return Object.entries(values).reduce((total, [key, value]) => (keys === undefined || keys.includes(key) ? total + value : total), 0);
}

/** Waits until the agent's ingest (and the client, if any) stopped moving for a while. */
async function settle(agent: AgentProcess, stream: FlowStream | undefined): Promise<AgentCounters> {
  const start = performance.now();
  let last = await scrapeAgentCounters(agent.metricsPort);
  let lastChangeMs = start;
  let lastFlows = stream?.flows ?? 0;
  while (performance.now() - start < SETTLE_MAX_MS && performance.now() - lastChangeMs < SETTLE_QUIET_MS) {
    await delay(SETTLE_POLL_MS);
    const now = await scrapeAgentCounters(agent.metricsPort);
    const flows = stream?.flows ?? 0;
    if (now.flowsProcessed !== last.flowsProcessed || now.recordsRead !== last.recordsRead || flows !== lastFlows) lastChangeMs = performance.now();
    [last, lastFlows] = [now, flows];
  }
  return last;
}

async function flood(pair: PodPair, agent: AgentProcess, loadSeconds: number, cpu: CpuWindow, stream?: FlowStream) {
  const countersBefore = await scrapeAgentCounters(agent.metricsPort);
  const cpuBefore = processCpuSeconds(agent.pid);
  const loadStart = Date.now();
  const load: UdpResult = await runUdpLoad(pair, { portBase: PORT_BASE, ports: PORTS, rate: 0, count: MAX_DATAGRAMS, maxMs: loadSeconds * 1000, sockets: SOCKETS });
  const loadEnd = Date.now();
  const clientDuringLoad = stream?.flows ?? 0;
  const atLoadEnd = counterDelta(await scrapeAgentCounters(agent.metricsPort), countersBefore);
  const counters = counterDelta(await settle(agent, stream), countersBefore);
  const agentCpuSeconds = processCpuSeconds(agent.pid) - cpuBefore;
  const cores: Record<string, number> = { ...cpu.finish(), generator: Math.round((load.cpu_seconds / load.send_seconds) * 100) / 100 };
  const seconds = (loadEnd - loadStart) / 1000;
  const figures: FloodFigures = {
    offeredDatagrams: load.sent,
    offeredPerSecond: Math.round(load.rate),
    loadSeconds: seconds,
    ingestPerSecond: perSecond(atLoadEnd.recordsRead, seconds),
    ingestedDuringLoad: atLoadEnd.flowsProcessed,
    recordsRead: counters.recordsRead,
    flowsIngested: counters.flowsProcessed,
    lostInAgent: Object.fromEntries(Object.entries(counters.lost).filter(([, value]) => value > 0)),
    agentCpuSeconds,
    cpuSecondsPerMillionFlows: counters.flowsProcessed > 0 ? agentCpuSeconds / (counters.flowsProcessed / MILLION) : 0,
    cores,
  };
  return { figures, loadStart, loadEnd, clientDuringLoad };
}

/** With profile: where the agent's CPU time went during the first flood and its backlog (perf). */
export async function measureLimit(pair: PodPair, mode: BenchMode, options: { quick: boolean; profile?: boolean }): Promise<LimitRun> {
  const loadSeconds = options.quick ? 2 : 4;
  const interfaces = [pair.hostIfA, pair.hostIfB];
  const server = await startLoadServer(pair, PORT_BASE, PORTS, SERVER_MAX_MS);
  const agent = await startAgent({ mode, interfaces, bufferCapacity: BUFFER_CAPACITY, aggregate: false, nodeFlags: options.profile === true ? PERF_NODE_FLAGS : [] });
  try {
    const raw = await startDrain(mode, 'raw', interfaces);
    const decode = await startDrain(mode, 'decode', interfaces);
    const client = observerClient(`127.0.0.1:${agent.grpcPort}`);
    const stream = new FlowStream(client, { follow: true });
    let withClient: LimitRun['withClient'];
    let agentProfile: PerfProfile | undefined;
    try {
      const lostAtStart = { ...stream.lost };
      const flowsAtStart = stream.flows;
      const cpu = new CpuWindow({ agent: agent.pid, nativeRaw: raw.pid, nativeDecode: decode.pid, server: server.pid });
      const perf = options.profile === true ? startPerf(agent.pid) : undefined;
      const { figures, loadStart, loadEnd, clientDuringLoad } = await flood(pair, agent, loadSeconds, cpu, stream);
      agentProfile = await perf?.stop();
      const received = stream.flows - flowsAtStart;
      const lostToClient: Record<string, number> = {};
      for (const [source, total] of Object.entries(stream.lost)) {
        if (total - (lostAtStart[source] ?? 0) > 0) lostToClient[source] = total - (lostAtStart[source] ?? 0);
      }
      const rawTotals = await raw.stop();
      const decodeTotals = await decode.stop();
      const nativeRaw = drainFigures(rawTotals, loadStart, loadEnd, figures.cores.nativeRaw);
      const nativeDecode = drainFigures(decodeTotals, loadStart, loadEnd, figures.cores.nativeDecode);
      withClient = {
        ...figures,
        client: {
          eventsDuringLoad: clientDuringLoad - flowsAtStart,
          eventsPerSecond: perSecond(clientDuringLoad - flowsAtStart, figures.loadSeconds),
          eventsTotal: received,
          lost: sum(lostToClient),
          cores: figures.cores.agent,
          lostToClient,
        },
        reportedMissed: sum(lostToClient, LOST_AFTER_INGEST),
        clientShare: figures.ingestedDuringLoad > 0 ? (clientDuringLoad - flowsAtStart) / figures.ingestedDuringLoad : 0,
        nativeRaw,
        nativeDecode,
        ingestRatio: nativeRaw.eventsPerSecond > 0 ? figures.ingestPerSecond / nativeRaw.eventsPerSecond : 0,
        decodeRatio: nativeRaw.eventsPerSecond > 0 ? nativeDecode.eventsPerSecond / nativeRaw.eventsPerSecond : 0,
      };
    } finally {
      stream.cancel();
      client.close();
    }
    progress(
      `limit ${mode} with a client: ingested ${withClient.flowsIngested}, client ${withClient.client.eventsTotal} + ${withClient.reportedMissed} reported lost; ` +
        `${withClient.cpuSecondsPerMillionFlows.toFixed(2)} CPU s per million flows`,
    );
    const { figures: ingestOnly } = await flood(pair, agent, loadSeconds, new CpuWindow({ agent: agent.pid, server: server.pid }));
    progress(`limit ${mode} ingest only: ${ingestOnly.flowsIngested} flows, ${ingestOnly.cpuSecondsPerMillionFlows.toFixed(2)} CPU s per million flows`);
    return { mode, withClient, ingestOnly, ...(agentProfile ? { agentProfile } : {}) };
  } finally {
    await agent.stop();
    await server.stop();
  }
}
