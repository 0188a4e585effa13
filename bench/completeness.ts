import { setTimeout as delay } from 'node:timers/promises';
import { counterDelta, scrapeAgentCounters } from './agent-metrics.js';
import { startAgent, type BenchMode } from './agent-process.js';
import { FlowStream, flowTuple, observerClient } from './flow-stream.js';
import { runTcpLoad, runUdpLoad, startLoadServer } from './loadgen.js';
import { CpuWindow } from './process-stats.js';
import { progress } from './progress.js';
import { openingsFilter, startTcpdump, tupleKey } from './tcpdump-capture.js';
import type { PodPair } from './topology.js';

// Measurement 1: of the connections (and datagrams) the generator opened, how many reached a
// GetFlows follow client as flows, next to how many tcpdump captured on the same interface
// in the same run. Every step uses its own destination ports, so late flows of one step
// never count for another, and every connection is its own 5-tuple.

export interface CompletenessStep {
  protocol: 'tcp' | 'udp';
  /** Per second; 0 = as fast as the generator goes. */
  targetRate: number;
  seconds: number;
}

const COMPLETENESS_STEPS: readonly CompletenessStep[] = [
  { protocol: 'tcp', targetRate: 1_000, seconds: 3 },
  { protocol: 'tcp', targetRate: 5_000, seconds: 3 },
  { protocol: 'tcp', targetRate: 20_000, seconds: 3 },
  { protocol: 'tcp', targetRate: 0, seconds: 3 },
  { protocol: 'udp', targetRate: 20_000, seconds: 2 },
  { protocol: 'udp', targetRate: 0, seconds: 2 },
];
// --quick: the two steps the goals are about, briefly.
const QUICK_STEPS: readonly CompletenessStep[] = [
  { protocol: 'tcp', targetRate: 0, seconds: 1 },
  { protocol: 'udp', targetRate: 0, seconds: 1 },
];

export interface CompletenessResult {
  protocol: 'tcp' | 'udp';
  targetRate: number | 'max';
  /** Connections (datagrams) per second the generator achieved. */
  achievedRate: number;
  /** Distinct 5-tuples the generator opened (each a connection or a datagram). */
  opened: number;
  agentDelivered: number;
  agentFraction: number;
  tcpdumpCaptured: number;
  tcpdumpFraction: number;
  tcpdumpKernelDrops: number;
  /** agentFraction / tcpdumpFraction. */
  ratio: number;
  /** lost_events the follow client received during the step, by source. */
  lostEventsToClient: Record<string, number>;
  /** The agent's hubble_lost_events_total growth during the step, by source. */
  agentLostEvents: Record<string, number>;
  /** Records the agent read from the kernel during the step. */
  agentRecordsRead: number;
  /** Records the capture produced per connection (datagram): read plus lost in the kernel ring. */
  recordsPerOpened: number;
  /** Cores busy during the load, per process and for the machine. */
  cores: Record<string, number>;
}

export interface CompletenessRun {
  mode: BenchMode;
  bufferCapacity: number;
  steps: CompletenessResult[];
}

const PORT_BASE = 20_000;
const PORTS_PER_STEP = 32;
const UDP_SOCKETS = 16_384;
const MAX_TCP_PER_SECOND = 60_000;
const MAX_UDP_PER_SECOND = 250_000;
// Room for every flow of the largest step (~10 per connection), so a follower that falls
// behind during a step still catches up afterwards; about 0.5 KB of memory per flow held.
const BUFFER_CAPACITY = 524_287;
const SETTLE_QUIET_MS = 2_000;
// tcpdump (libpcap's TPACKET_V3 ring) hands over a block of packets only when it is full or
// its timeout (1 s in tcpdump) expires: it stops no sooner than this after the load.
const TCPDUMP_FLUSH_MS = 2_000;
const SETTLE_MAX_MS = 30_000;
const SETTLE_POLL_MS = 100;
const SERVER_MAX_MS = 600_000;

function fraction(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

export async function measureCompleteness(pair: PodPair, mode: BenchMode, options: { quick: boolean }): Promise<CompletenessRun> {
  const plan = options.quick ? QUICK_STEPS : COMPLETENESS_STEPS;
  const ports = plan.length * PORTS_PER_STEP;
  const server = await startLoadServer(pair, PORT_BASE, ports, SERVER_MAX_MS);
  const agent = await startAgent({ mode, interfaces: [pair.hostIfA, pair.hostIfB], bufferCapacity: BUFFER_CAPACITY });
  const client = observerClient(`127.0.0.1:${agent.grpcPort}`);
  const delivered = plan.map(() => new Set<string>());
  let lastDeliveryMs = performance.now();
  const stream = new FlowStream(
    client,
    {
      follow: true,
      whitelist: [
        { source_ip: [pair.ipA], tcp_flags: [{ SYN: true }] },
        { source_ip: [pair.ipA], protocol: ['udp'] },
      ],
    },
    (flow) => {
      const tuple = flowTuple(flow);
      if (tuple === undefined || tuple.source !== pair.ipA || (tuple.protocol === 'TCP' && (!tuple.syn || tuple.ack))) return;
      const step = Math.floor((tuple.destinationPort - PORT_BASE) / PORTS_PER_STEP);
      const set = delivered[step];
      if (set === undefined) return;
      set.add(tupleKey(tuple.protocol, tuple.source, tuple.sourcePort, tuple.destination, tuple.destinationPort));
      lastDeliveryMs = performance.now();
    },
  );
  const steps: CompletenessResult[] = [];
  try {
    for (const [index, step] of plan.entries()) {
      const portBase = PORT_BASE + index * PORTS_PER_STEP;
      const tcpdump = await startTcpdump(pair.hostIfA, openingsFilter(pair.ipA));
      const lostBefore = { ...stream.lost };
      const countersBefore = await scrapeAgentCounters(agent.metricsPort);
      const cpu = new CpuWindow({ agent: agent.pid, server: server.pid, tcpdump: tcpdump.pid });
      const perSecond = step.targetRate > 0 ? step.targetRate : step.protocol === 'tcp' ? MAX_TCP_PER_SECOND : MAX_UDP_PER_SECOND;
      const count = perSecond * step.seconds;
      const maxMs = step.seconds * 1000;
      let opened: number;
      let achievedRate: number;
      let generatorCores: number;
      if (step.protocol === 'tcp') {
        const load = await runTcpLoad(pair, { portBase, ports: PORTS_PER_STEP, rate: step.targetRate, count, maxMs });
        [opened, achievedRate, generatorCores] = [load.distinct_tuples, load.rate, load.cpu_seconds / load.open_seconds];
      } else {
        const load = await runUdpLoad(pair, { portBase, ports: PORTS_PER_STEP, rate: step.targetRate, count, maxMs, sockets: UDP_SOCKETS });
        [opened, achievedRate, generatorCores] = [load.distinct_tuples, load.rate, load.cpu_seconds / load.send_seconds];
      }
      const loadEndMs = performance.now();
      const cores: Record<string, number> = { ...cpu.finish(), generator: Math.round(generatorCores * 100) / 100 };
      const stepSet = delivered[index]!;
      const settleStart = performance.now();
      // Done when every connection arrived, or nothing arrived for a while since the load ended.
      while (
        stepSet.size < opened &&
        performance.now() - settleStart < SETTLE_MAX_MS &&
        performance.now() - Math.max(lastDeliveryMs, settleStart) < SETTLE_QUIET_MS
      ) {
        await delay(SETTLE_POLL_MS);
      }
      // tcpdump stops once the agent had its chance to deliver, and not before its last block is out.
      await delay(Math.max(0, loadEndMs + TCPDUMP_FLUSH_MS - performance.now()));
      const captured = await tcpdump.stop();
      const counters = counterDelta(await scrapeAgentCounters(agent.metricsPort), countersBefore);
      const lostEventsToClient: Record<string, number> = {};
      for (const [source, total] of Object.entries(stream.lost)) {
        const during = total - (lostBefore[source] ?? 0);
        if (during > 0) lostEventsToClient[source] = during;
      }
      const stepTuples = [...captured.tuples].filter((key) => {
        const port = Number(key.slice(key.lastIndexOf(':') + 1));
        return port >= portBase && port < portBase + PORTS_PER_STEP;
      });
      const agentFraction = fraction(stepSet.size, opened);
      const tcpdumpFraction = fraction(stepTuples.length, opened);
      const result: CompletenessResult = {
        protocol: step.protocol,
        targetRate: step.targetRate > 0 ? step.targetRate : 'max',
        achievedRate: Math.round(achievedRate),
        opened,
        agentDelivered: stepSet.size,
        agentFraction,
        tcpdumpCaptured: stepTuples.length,
        tcpdumpFraction,
        tcpdumpKernelDrops: captured.droppedByKernel,
        ratio: fraction(agentFraction, tcpdumpFraction),
        lostEventsToClient,
        agentLostEvents: Object.fromEntries(Object.entries(counters.lost).filter(([, value]) => value > 0)),
        agentRecordsRead: counters.recordsRead,
        recordsPerOpened: opened === 0 ? 0 : Math.round(((counters.recordsRead + (counters.lost.perf_event_ring_buffer ?? 0)) / opened) * 10) / 10,
        cores,
      };
      steps.push(result);
      progress(
        `completeness ${mode} ${step.protocol} ${result.targetRate}/s: achieved ${result.achievedRate}/s, ` +
          `agent ${agentFraction.toFixed(3)}, tcpdump ${tcpdumpFraction.toFixed(3)} (${opened} opened)`,
      );
    }
  } finally {
    stream.cancel();
    client.close();
    await agent.stop();
    await server.stop();
  }
  return { mode, bufferCapacity: BUFFER_CAPACITY, steps };
}
