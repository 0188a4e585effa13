import type { CompletenessRun } from './completeness.js';
import type { LimitRun } from './limit.js';
import type { OverheadRun, OverheadSample } from './overhead.js';
import type { ServingRun } from './serving.js';

// The one table `npm run bench` prints, and the goals of issue 8 checked against it.

export interface BenchResults {
  startedAt: string;
  durationSeconds: number;
  command: string;
  machine: { cpus: number; kernel: string; node: string; loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  commit: string;
  completeness: CompletenessRun[];
  overhead: OverheadRun[];
  limit: LimitRun[];
  serving?: ServingRun;
  goals: GoalCheck[];
  /** Measurements that could not be completed, with the reason. */
  failures?: string[];
}

export interface GoalCheck {
  goal: string;
  mode: string;
  measured: number;
  target: number;
  met: boolean;
}

const COMPLETENESS_GOAL = 1;
const OVERHEAD_GOAL = 0.95;
const MIB = 2 ** 20;

function fixed3(value: number): string {
  return value.toFixed(3);
}

/** A share of a whole: never rounded up to 1.000 when something is missing. */
function share(part: number, whole: number): string {
  const value = whole === 0 ? 0 : part / whole;
  return value > 0.999 && value < 1 ? value.toFixed(5) : value.toFixed(3);
}

function rate(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)}k` : String(Math.round(value));
}

function lostText(lost: Record<string, number>): string {
  const entries = Object.entries(lost).filter(([, count]) => count > 0);
  return entries.length === 0 ? 'none' : entries.map(([source, count]) => `${count} ${source}`).join(', ');
}

export function checkGoals(results: Pick<BenchResults, 'completeness' | 'overhead'>): GoalCheck[] {
  const goals: GoalCheck[] = [];
  for (const run of results.completeness) {
    // The step where the generator got furthest, whichever rate was asked for.
    const top = run.steps.filter((step) => step.protocol === 'tcp').sort((a, b) => b.achievedRate - a.achievedRate)[0];
    if (top === undefined) continue;
    goals.push({
      goal: `connections delivered as flows at the highest rate reached (${rate(top.achievedRate)}/s)`,
      mode: run.mode,
      measured: top.agentFraction,
      target: COMPLETENESS_GOAL,
      met: top.agentFraction >= COMPLETENESS_GOAL,
    });
    const worst = Math.min(...run.steps.map((step) => step.agentFraction));
    goals.push({ goal: 'connections and datagrams delivered as flows, worst step', mode: run.mode, measured: worst, target: COMPLETENESS_GOAL, met: worst >= COMPLETENESS_GOAL });
  }
  for (const run of results.overhead) {
    goals.push({ goal: 'iperf3 throughput kept with the agent attached', mode: run.mode, measured: run.iperfRatio, target: OVERHEAD_GOAL, met: run.iperfRatio >= OVERHEAD_GOAL });
    goals.push({ goal: 'connection rate kept with the agent attached', mode: run.mode, measured: run.connectionsRatio, target: OVERHEAD_GOAL, met: run.connectionsRatio >= OVERHEAD_GOAL });
  }
  return goals;
}

/** Rows of: what, mode, ratio, absolute figures. */
function tableRows(results: BenchResults): string[][] {
  const rows: string[][] = [];
  for (const run of results.completeness) {
    for (const step of run.steps) {
      const target = step.targetRate === 'max' ? 'max' : `${rate(step.targetRate)}/s`;
      rows.push([
        `1 completeness ${step.protocol} ${target} (agent ÷ tcpdump)`,
        run.mode,
        share(step.agentFraction, step.tcpdumpFraction),
        `achieved ${rate(step.achievedRate)}/s; agent ${step.agentDelivered}/${step.opened} = ${share(step.agentDelivered, step.opened)}, ` +
          `tcpdump ${step.tcpdumpCaptured}/${step.opened} = ${share(step.tcpdumpCaptured, step.opened)} ` +
          `(${step.tcpdumpKernelDrops} kernel drops); ${step.recordsPerOpened} records each; lost: ${lostText(step.agentLostEvents)}`,
      ]);
    }
  }
  for (const run of results.overhead) {
    const spread = (withAgent: boolean, pick: (sample: OverheadSample) => number, format: (value: number) => string): string => {
      const values = run.samples.filter((sample) => sample.agent === withAgent).map(pick);
      return `${format(Math.min(...values))}–${format(Math.max(...values))}`;
    };
    const gbits = (bps: number): string => (bps / 1e9).toFixed(1);
    rows.push([
      '2 overhead iperf3 throughput (with ÷ without)',
      run.mode,
      fixed3(run.iperfRatio),
      `medians of ${run.samples.length / 2}: ${gbits(run.iperfWith)} vs ${gbits(run.iperfWithout)} Gbit/s ` +
        `(range ${spread(true, (sample) => sample.iperfBitsPerSecond, gbits)} vs ${spread(false, (sample) => sample.iperfBitsPerSecond, gbits)})`,
    ]);
    rows.push([
      '2 overhead connection rate (with ÷ without)',
      run.mode,
      fixed3(run.connectionsRatio),
      `${rate(run.connectionsWith)} vs ${rate(run.connectionsWithout)} conn/s ` +
        `(range ${spread(true, (sample) => sample.connectionsPerSecond, rate)} vs ${spread(false, (sample) => sample.connectionsPerSecond, rate)})`,
    ]);
  }
  for (const run of results.limit) {
    const native = `native-only ${rate(run.nativeRaw.eventsPerSecond)}/s`;
    rows.push([
      '3 limit: to GetFlows client ÷ native-only',
      run.mode,
      fixed3(run.ratio),
      `client ${rate(run.agent.eventsPerSecond)}/s during the load (${run.agent.eventsTotal} in all), ${native}; ` +
        `lost: ${lostText(run.agent.lostToClient)}`,
    ]);
    rows.push([
      '3 limit: agent ingest ÷ native-only',
      run.mode,
      fixed3(run.nativeRaw.eventsPerSecond > 0 ? run.agent.ingestPerSecond / run.nativeRaw.eventsPerSecond : 0),
      `agent read ${rate(run.agent.ingestPerSecond)}/s, ${native} (offered ${rate(run.offeredPerSecond)} datagrams/s); ` +
        `${run.agent.cpuSecondsPerMillionFlows.toFixed(1)} agent CPU s per million flows`,
    ]);
    rows.push(['3 limit: native+decode ÷ native-only', run.mode, fixed3(run.decodeRatio), `native+decode ${rate(run.nativeDecode.eventsPerSecond)}/s`]);
  }
  const serving = results.serving;
  if (serving !== undefined) {
    rows.push([
      `4 serving mTLS: ${serving.followClients} follow clients ÷ 1 client`,
      'tracer',
      fixed3(serving.scaling),
      `${rate(serving.oneClientFlowsPerSecond)} flows/s to 1 client, ${rate(serving.followClientsFlowsPerSecond)} flows/s to ${serving.followClients} in all ` +
        `(store of ${serving.capacity})`,
    ]);
    rows.push([
      '4 agent RSS: 65,535 ÷ 4,095 flows held',
      'tracer',
      fixed3(serving.rssRatio),
      `${(serving.rssBytes.fullFull / MIB).toFixed(0)} MiB vs ${(serving.rssBytes.smallFull / MIB).toFixed(0)} MiB ` +
        `(${(serving.rssBytes.fullIdle / MIB).toFixed(0)} / ${(serving.rssBytes.smallIdle / MIB).toFixed(0)} MiB empty)`,
    ]);
  }
  return rows;
}

export function formatTable(results: BenchResults): string {
  const header = ['measurement', 'mode', 'ratio', 'absolute figures'];
  const rows = [header, ...tableRows(results)];
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]): string => row.map((cell, column) => (column < 3 ? cell.padEnd(widths[column]!) : cell)).join('  ');
  const goals = results.goals.map(
    (goal) => `  ${goal.met ? 'met    ' : 'NOT MET'}  ${goal.mode.padEnd(6)}  ${goal.goal}: ${share(goal.measured, 1)} (goal ≥ ${goal.target})`,
  );
  return [
    line(rows[0]!),
    ...rows.slice(1).map(line),
    '',
    'goals:',
    ...goals,
    '',
    `load average at start ${results.machine.loadAverageAtStart.map((v) => v.toFixed(2)).join(' ')}, at end ${results.machine.loadAverageAtEnd
      .map((v) => v.toFixed(2))
      .join(' ')} (${results.machine.cpus} CPUs); ${results.durationSeconds.toFixed(0)} s`,
  ].join('\n');
}
