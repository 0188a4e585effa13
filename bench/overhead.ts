import { startAgent, type AgentProcess, type BenchMode } from './agent-process.js';
import { runIperf, startIperfServer } from './iperf.js';
import { runTcpLoad, startLoadServer } from './loadgen.js';
import { CpuWindow } from './process-stats.js';
import { progress } from './progress.js';
import type { PodPair } from './topology.js';

// Measurement 2: what the agent costs the traffic it watches. iperf3 throughput (one stream)
// and the short-connection rate across the veth pair, with the agent attached and not,
// alternating within one run; the agent runs with its defaults and no client attached.

const ROUNDS = 5;
const IPERF_SECONDS = 2;
const IPERF_PORT = 5201;
const CONNECT_SECONDS = 2;
const CONNECT_PORT_BASE = 30_000;
const CONNECT_PORTS = 8;
const CONNECT_MAX_COUNT = 200_000;
const SERVER_MAX_MS = 600_000;

export interface OverheadSample {
  agent: boolean;
  iperfBitsPerSecond: number;
  connectionsPerSecond: number;
  /** Cores busy during the iperf3 and the connection runs: the agent's, the machine's, softirq. */
  coresIperf: Record<string, number>;
  coresConnections: Record<string, number>;
}

export interface OverheadRun {
  mode: BenchMode;
  samples: OverheadSample[];
  /** Medians. */
  iperfWithout: number;
  iperfWith: number;
  iperfRatio: number;
  connectionsWithout: number;
  connectionsWith: number;
  connectionsRatio: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function sample(pair: PodPair, agent: AgentProcess | undefined): Promise<OverheadSample> {
  const iperfCpu = new CpuWindow({ agent: agent?.pid });
  const iperfBitsPerSecond = await runIperf(pair, IPERF_PORT, IPERF_SECONDS);
  const iperfCores = iperfCpu.finish();
  const connectCpu = new CpuWindow({ agent: agent?.pid });
  const load = await runTcpLoad(pair, { portBase: CONNECT_PORT_BASE, ports: CONNECT_PORTS, rate: 0, count: CONNECT_MAX_COUNT, maxMs: CONNECT_SECONDS * 1000 });
  const connectCores = connectCpu.finish();
  return {
    agent: agent !== undefined,
    iperfBitsPerSecond,
    connectionsPerSecond: Math.round(load.established / load.open_seconds),
    coresIperf: iperfCores,
    coresConnections: { ...connectCores, generator: Math.round((load.cpu_seconds / load.open_seconds) * 100) / 100 },
  };
}

export async function measureOverhead(pair: PodPair, mode: BenchMode): Promise<OverheadRun> {
  const iperfServer = await startIperfServer(pair, IPERF_PORT);
  const loadServer = await startLoadServer(pair, CONNECT_PORT_BASE, CONNECT_PORTS, SERVER_MAX_MS);
  const samples: OverheadSample[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first, so a drift over the run does not favour one side.
      for (const withAgent of round % 2 === 0 ? [false, true] : [true, false]) {
        if (!withAgent) {
          samples.push(await sample(pair, undefined));
          continue;
        }
        const agent = await startAgent({ mode, interfaces: [pair.hostIfA, pair.hostIfB], bufferCapacity: 4095 });
        try {
          samples.push(await sample(pair, agent));
        } finally {
          await agent.stop();
        }
      }
      progress(`overhead ${mode}: round ${round + 1}/${ROUNDS} done`);
    }
  } finally {
    await loadServer.stop();
    await iperfServer.stop();
  }
  const pick = (withAgent: boolean, key: 'iperfBitsPerSecond' | 'connectionsPerSecond'): number =>
    median(samples.filter((s) => s.agent === withAgent).map((s) => s[key]));
  const iperfWithout = pick(false, 'iperfBitsPerSecond');
  const iperfWith = pick(true, 'iperfBitsPerSecond');
  const connectionsWithout = pick(false, 'connectionsPerSecond');
  const connectionsWith = pick(true, 'connectionsPerSecond');
  return {
    mode,
    samples,
    iperfWithout,
    iperfWith,
    iperfRatio: iperfWith / iperfWithout,
    connectionsWithout,
    connectionsWith,
    connectionsRatio: connectionsWith / connectionsWithout,
  };
}
