import { startAgent, type BenchMode } from './agent-process.js';
import { runIperf, startIperfServer } from './iperf.js';
import { runTcpLoad, startLoadServer } from './loadgen.js';
import { startDrain } from './native-drain-process.js';
import { CpuWindow } from './process-stats.js';
import { progress } from './progress.js';
import type { PodPair } from './topology.js';

// Measurement 2: what the agent costs the traffic it watches. iperf3 throughput (one stream)
// and the short-connection rate across the veth pair with nothing attached, with the agent
// attached (its defaults, no client), and with the kernel side alone (the same programs or
// AF_PACKET rings, drained by a native-only consumer), in turn within one run.

const ROUNDS = 5;
const QUICK_ROUNDS = 1;
const IPERF_PORT = 5201;
const SAMPLE_SECONDS = 2;
const QUICK_SECONDS = 1;
const CONNECT_PORT_BASE = 30_000;
const CONNECT_PORTS = 8;
const CONNECT_MAX_COUNT = 200_000;
const SERVER_MAX_MS = 600_000;

export type Attached = 'nothing' | 'agent' | 'native';

export interface OverheadSample {
  attached: Attached;
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
  /** With the native-only consumer attached instead of the agent. */
  iperfNative: number;
  iperfNativeRatio: number;
  connectionsNative: number;
  connectionsNativeRatio: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function sample(pair: PodPair, attached: Attached, pid: number | undefined, seconds: number): Promise<OverheadSample> {
  const iperfCpu = new CpuWindow({ [attached]: pid });
  const iperfBitsPerSecond = await runIperf(pair, IPERF_PORT, seconds);
  const iperfCores = iperfCpu.finish();
  const connectCpu = new CpuWindow({ [attached]: pid });
  const load = await runTcpLoad(pair, { portBase: CONNECT_PORT_BASE, ports: CONNECT_PORTS, rate: 0, count: CONNECT_MAX_COUNT, maxMs: seconds * 1000 });
  const connectCores = connectCpu.finish();
  return {
    attached,
    iperfBitsPerSecond,
    connectionsPerSecond: Math.round(load.established / load.open_seconds),
    coresIperf: iperfCores,
    coresConnections: { ...connectCores, generator: Math.round((load.cpu_seconds / load.open_seconds) * 100) / 100 },
  };
}

async function attachedSample(pair: PodPair, mode: BenchMode, attached: Attached, seconds: number): Promise<OverheadSample> {
  const interfaces = [pair.hostIfA, pair.hostIfB];
  if (attached === 'nothing') return sample(pair, attached, undefined, seconds);
  if (attached === 'native') {
    const drain = await startDrain(mode, 'raw', interfaces);
    try {
      return await sample(pair, attached, drain.pid, seconds);
    } finally {
      await drain.stop();
    }
  }
  const agent = await startAgent({ mode, interfaces, bufferCapacity: 4095 });
  try {
    return await sample(pair, attached, agent.pid, seconds);
  } finally {
    await agent.stop();
  }
}

// Each round in another order, so a drift over the run favours none of them.
const ORDERS: readonly Attached[][] = [
  ['nothing', 'agent', 'native'],
  ['agent', 'native', 'nothing'],
  ['native', 'nothing', 'agent'],
];

export async function measureOverhead(pair: PodPair, mode: BenchMode, options: { quick: boolean }): Promise<OverheadRun> {
  const rounds = options.quick ? QUICK_ROUNDS : ROUNDS;
  const seconds = options.quick ? QUICK_SECONDS : SAMPLE_SECONDS;
  const iperfServer = await startIperfServer(pair, IPERF_PORT);
  const loadServer = await startLoadServer(pair, CONNECT_PORT_BASE, CONNECT_PORTS, SERVER_MAX_MS);
  const samples: OverheadSample[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      for (const attached of ORDERS[round % ORDERS.length]!) samples.push(await attachedSample(pair, mode, attached, seconds));
      progress(`overhead ${mode}: round ${round + 1}/${rounds} done`);
    }
  } finally {
    await loadServer.stop();
    await iperfServer.stop();
  }
  const pick = (attached: Attached, key: 'iperfBitsPerSecond' | 'connectionsPerSecond'): number =>
    median(samples.filter((s) => s.attached === attached).map((s) => s[key]));
  const iperfWithout = pick('nothing', 'iperfBitsPerSecond');
  const iperfWith = pick('agent', 'iperfBitsPerSecond');
  const iperfNative = pick('native', 'iperfBitsPerSecond');
  const connectionsWithout = pick('nothing', 'connectionsPerSecond');
  const connectionsWith = pick('agent', 'connectionsPerSecond');
  const connectionsNative = pick('native', 'connectionsPerSecond');
  return {
    mode,
    samples,
    iperfWithout,
    iperfWith,
    iperfRatio: iperfWith / iperfWithout,
    connectionsWithout,
    connectionsWith,
    connectionsRatio: connectionsWith / connectionsWithout,
    iperfNative,
    iperfNativeRatio: iperfNative / iperfWithout,
    connectionsNative,
    connectionsNativeRatio: connectionsNative / connectionsWithout,
  };
}
