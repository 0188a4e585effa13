import type { CompletenessResult, CompletenessRun } from './completeness.js';
import type { LimitRun } from './limit.js';
import type { OverheadRun, OverheadSample } from './overhead.js';
import type { IngestCostRun } from './ingest-cost.js';
import type { ServingRun } from './serving.js';
import type { ServingCostRun } from './serving-cost.js';

// What `npm run bench` prints: the goals (issue 11), each with its figure, its target and
// whether it is met, then every measurement with its absolute figures.

export interface BenchResults {
  startedAt: string;
  durationSeconds: number;
  command: string;
  quick: boolean;
  machine: { cpus: number; kernel: string; node: string; loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  commit: string;
  completeness: CompletenessRun[];
  overhead: OverheadRun[];
  limit: LimitRun[];
  serving?: ServingRun;
  /** In-process CPU per record: ingest, the default metric list, a flow log. */
  costs?: IngestCostRun;
  /** In-process CPU per flow of serving a full store, by a first and a second reader. */
  servingCost?: ServingCostRun;
  goals: GoalCheck[];
  /** Measurements that could not be completed, with the reason. */
  failures?: string[];
}

export interface GoalCheck {
  goal: string;
  mode: string;
  measured: number;
  /** How measured compares with target when the goal is met. */
  comparison: '≥' | '≤' | '=';
  target: number;
  unit: string;
  met: boolean;
  /** The figures behind the measured value. */
  detail: string;
}

const MIB = 2 ** 20;
const MILLION = 1e6;
const CPU_PER_MILLION_GOAL_S = 1;
const RATE_KEPT_GOAL = 0.95;
const COMPLETENESS_GOAL = 1;
const CLIENT_SHARE_GOAL = 0.5;
const SERVING_GOAL_PER_S = 100_000;
const RSS_EMPTY_GOAL_MIB = 80;
const RSS_FULL_GOAL_MIB = 120;

/** A share of a whole: never rounded up to 1.000 when something is missing. */
function share(part: number, whole: number): string {
  const value = whole === 0 ? 0 : part / whole;
  return value > 0.999 && value < 1 ? value.toFixed(5) : value.toFixed(3);
}

function rate(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)}k` : String(Math.round(value));
}

function mib(bytes: number): string {
  return (bytes / MIB).toFixed(0);
}

function lostText(lost: Record<string, number>): string {
  const entries = Object.entries(lost).filter(([, count]) => count > 0);
  return entries.length === 0 ? 'none' : entries.map(([source, count]) => `${count} ${source}`).join(', ');
}

function lostTotal(lost: Record<string, number>): number {
  return Object.values(lost).reduce((total, count) => total + count, 0);
}

function goal(fields: Omit<GoalCheck, 'met'>): GoalCheck {
  const { measured, target, comparison } = fields;
  const met = comparison === '≥' ? measured >= target : comparison === '≤' ? measured <= target : measured === target;
  return { ...fields, met };
}

/** The step at the generator's maximum rate for a protocol. */
function maxStep(run: CompletenessRun, protocol: 'tcp' | 'udp'): CompletenessResult | undefined {
  return run.steps.find((step) => step.protocol === protocol && step.targetRate === 'max');
}

export function checkGoals(results: Pick<BenchResults, 'completeness' | 'overhead' | 'limit' | 'serving'>): GoalCheck[] {
  const goals: GoalCheck[] = [];
  for (const run of results.limit) {
    for (const [what, flood] of [
      ['with 1 follow client', run.withClient],
      ['ingest only, no client', run.ingestOnly],
    ] as const) {
      goals.push(
        goal({
          goal: `agent CPU per million flows, one record per packet, ${what}`,
          mode: run.mode,
          measured: flood.cpuSecondsPerMillionFlows,
          comparison: '≤',
          target: CPU_PER_MILLION_GOAL_S,
          unit: 's',
          detail: `${flood.agentCpuSeconds.toFixed(2)} CPU s for ${(flood.flowsIngested / MILLION).toFixed(2)}M flows (${rate(flood.offeredPerSecond)} datagrams/s offered)`,
        }),
      );
    }
  }
  for (const run of results.overhead) {
    goals.push(
      goal({
        goal: 'short-connection rate, agent attached ÷ nothing attached',
        mode: run.mode,
        measured: run.connectionsRatio,
        comparison: '≥',
        target: RATE_KEPT_GOAL,
        unit: '',
        detail: `${rate(run.connectionsWith)} vs ${rate(run.connectionsWithout)} conn/s`,
      }),
      goal({
        goal: 'short-connection rate, kernel side alone (native-only consumer) ÷ nothing',
        mode: run.mode,
        measured: run.connectionsNativeRatio,
        comparison: '≥',
        target: RATE_KEPT_GOAL,
        unit: '',
        detail: `${rate(run.connectionsNative)} vs ${rate(run.connectionsWithout)} conn/s`,
      }),
    );
  }
  for (const run of results.completeness) {
    for (const protocol of ['tcp', 'udp'] as const) {
      const step = maxStep(run, protocol);
      if (step === undefined) continue;
      const lost = lostTotal(step.agentLostEvents) + lostTotal(step.lostEventsToClient);
      goals.push({
        goal: `completeness at the generator's maximum, ${protocol.toUpperCase()}, 0 lost`,
        mode: run.mode,
        measured: step.agentFraction,
        comparison: '≥',
        target: COMPLETENESS_GOAL,
        unit: '',
        met: step.agentFraction >= COMPLETENESS_GOAL && lost === 0,
        detail:
          `${step.agentDelivered}/${step.opened} at ${rate(step.achievedRate)}/s; lost in the agent: ${lostText(step.agentLostEvents)}, ` +
          `to the client: ${lostText(step.lostEventsToClient)}`,
      });
    }
  }
  for (const run of results.limit) {
    const flood = run.withClient;
    const accounted = flood.client.eventsTotal + flood.reportedMissed;
    goals.push(
      goal({
        goal: 'a follow client during the flood: flows received ÷ flows ingested, while the load ran',
        mode: run.mode,
        measured: flood.clientShare,
        comparison: '≥',
        target: CLIENT_SHARE_GOAL,
        unit: '',
        detail: `${flood.client.eventsDuringLoad} of ${flood.ingestedDuringLoad} in ${flood.loadSeconds.toFixed(1)} s`,
      }),
      goal({
        goal: 'a follow client during the flood: flows it missed, reported to it as lost_events (after the backlog)',
        mode: run.mode,
        measured: flood.flowsIngested - accounted,
        comparison: '=',
        target: 0,
        unit: 'unaccounted',
        detail: `received ${flood.client.eventsTotal} + lost reported ${flood.reportedMissed} = ${accounted} vs ingested ${flood.flowsIngested}; ` +
          `lost_events to it: ${lostText(flood.client.lostToClient)}`,
      }),
    );
  }
  const serving = results.serving;
  if (serving !== undefined) {
    goals.push(
      goal({
        goal: `serving over mTLS from a store of ${serving.capacity}: to 1 client`,
        mode: 'tracer',
        measured: serving.oneClientFlowsPerSecond,
        comparison: '≥',
        target: SERVING_GOAL_PER_S,
        unit: 'flows/s',
        detail: `runs ${serving.oneClientRuns.map(rate).join(', ')} flows/s`,
      }),
      goal({
        goal: `serving over mTLS from a store of ${serving.capacity}: to ${serving.followClients} follow clients in all`,
        mode: 'tracer',
        measured: serving.followClientsFlowsPerSecond,
        comparison: '≥',
        target: SERVING_GOAL_PER_S,
        unit: 'flows/s',
        detail: `${rate(serving.followClientsFlowsPerSecond / serving.followClients)} flows/s each`,
      }),
      goal({
        goal: 'agent RSS empty (default store of 4,095)',
        mode: 'tracer',
        measured: Math.round(serving.rssBytes.smallIdle / MIB),
        comparison: '≤',
        target: RSS_EMPTY_GOAL_MIB,
        unit: 'MiB',
        detail: `${mib(serving.rssBytes.fullIdle)} MiB empty with a store of ${serving.capacity}`,
      }),
      goal({
        goal: `agent RSS with ${serving.capacity} flows held`,
        mode: 'tracer',
        measured: Math.round(serving.rssBytes.fullFull / MIB),
        comparison: '≤',
        target: RSS_FULL_GOAL_MIB,
        unit: 'MiB',
        detail: `${mib(serving.rssBytes.smallFull)} MiB with 4,095 held`,
      }),
    );
  }
  return goals;
}

function goalValue(value: number, unit: string): string {
  const text = unit === 'flows/s' ? rate(value) : unit === 's' ? value.toFixed(2) : unit === '' ? share(value, 1) : String(value);
  return unit === '' || unit === 'unaccounted' ? text : `${text} ${unit}`;
}

/** Rows of: what, mode, ratio, absolute figures. */
function measurementRows(results: BenchResults): string[][] {
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
    const spread = (attached: OverheadSample['attached'], pick: (sample: OverheadSample) => number, format: (value: number) => string): string => {
      const values = run.samples.filter((sample) => sample.attached === attached).map(pick);
      return `${format(Math.min(...values))}–${format(Math.max(...values))}`;
    };
    const gbits = (bps: number): string => (bps / 1e9).toFixed(1);
    const rounds = run.samples.length / 3;
    const iperf = (sample: OverheadSample): number => sample.iperfBitsPerSecond;
    const connections = (sample: OverheadSample): number => sample.connectionsPerSecond;
    rows.push(
      [
        '2 overhead iperf3 throughput (agent ÷ nothing)',
        run.mode,
        share(run.iperfWith, run.iperfWithout),
        `medians of ${rounds}: ${gbits(run.iperfWith)} vs ${gbits(run.iperfWithout)} Gbit/s (range ${spread('agent', iperf, gbits)} vs ${spread('nothing', iperf, gbits)})`,
      ],
      ['2 overhead iperf3 throughput (kernel side ÷ nothing)', run.mode, share(run.iperfNative, run.iperfWithout), `${gbits(run.iperfNative)} Gbit/s (range ${spread('native', iperf, gbits)})`],
      [
        '2 overhead connection rate (agent ÷ nothing)',
        run.mode,
        share(run.connectionsWith, run.connectionsWithout),
        `${rate(run.connectionsWith)} vs ${rate(run.connectionsWithout)} conn/s (range ${spread('agent', connections, rate)} vs ${spread('nothing', connections, rate)})`,
      ],
      ['2 overhead connection rate (kernel side ÷ nothing)', run.mode, share(run.connectionsNative, run.connectionsWithout), `${rate(run.connectionsNative)} conn/s (range ${spread('native', connections, rate)})`],
    );
  }
  for (const run of results.limit) {
    const flood = run.withClient;
    const native = `native-only ${rate(flood.nativeRaw.eventsPerSecond)}/s`;
    rows.push(
      [
        '3 limit: agent ingest ÷ native-only',
        run.mode,
        share(flood.ingestPerSecond, flood.nativeRaw.eventsPerSecond),
        `agent read ${rate(flood.ingestPerSecond)}/s, ${native} (offered ${rate(flood.offeredPerSecond)} datagrams/s); lost in the agent: ${lostText(flood.lostInAgent)}`,
      ],
      [
        '3 limit: to the follow client ÷ ingested',
        run.mode,
        share(flood.client.eventsTotal, flood.flowsIngested),
        `client ${rate(flood.client.eventsPerSecond)}/s while the load ran, ${flood.client.eventsTotal} in all with the backlog; ` +
          `lost_events to it: ${lostText(flood.client.lostToClient)}`,
      ],
      ['3 limit: native+decode ÷ native-only', run.mode, share(flood.nativeDecode.eventsPerSecond, flood.nativeRaw.eventsPerSecond), `native+decode ${rate(flood.nativeDecode.eventsPerSecond)}/s`],
      [
        '3 limit: agent CPU s per million flows (client / ingest only)',
        run.mode,
        `${flood.cpuSecondsPerMillionFlows.toFixed(2)} / ${run.ingestOnly.cpuSecondsPerMillionFlows.toFixed(2)}`,
        `ingest only: read ${rate(run.ingestOnly.ingestPerSecond)}/s (offered ${rate(run.ingestOnly.offeredPerSecond)}/s), ${run.ingestOnly.flowsIngested} flows; ` +
          `lost: ${lostText(run.ingestOnly.lostInAgent)}`,
      ],
    );
  }
  const serving = results.serving;
  if (serving !== undefined) {
    rows.push(
      [
        `4 serving mTLS: ${serving.followClients} follow clients ÷ 1 client`,
        'tracer',
        share(serving.followClientsFlowsPerSecond, serving.oneClientFlowsPerSecond),
        `${rate(serving.oneClientFlowsPerSecond)} flows/s to 1 client, ${rate(serving.followClientsFlowsPerSecond)} flows/s to ${serving.followClients} in all ` +
          `(store of ${serving.capacity}); agent cores ${serving.coresOneClient.agent ?? '?'} / ${serving.coresFollowClients.agent ?? '?'}`,
      ],
      [
        `4 agent RSS: ${serving.capacity} ÷ 4,095 flows held`,
        'tracer',
        share(serving.rssBytes.fullFull, serving.rssBytes.smallFull),
        `${mib(serving.rssBytes.fullFull)} MiB vs ${mib(serving.rssBytes.smallFull)} MiB (${mib(serving.rssBytes.fullIdle)} / ${mib(serving.rssBytes.smallIdle)} MiB empty)`,
      ],
    );
  }
  if (results.costs) {
    const { costs } = results;
    rows.push(
      ['5 in-process ingest, no flow metrics', '-', '', `${costs.ingestNanos.toFixed(0)} ns CPU per record (${costs.records} synthetic records into a store of 65,535)`],
      [
        '5 in-process default metric list (--hubble-metrics)',
        '-',
        '',
        `${costs.ingestWithMetricsNanos.toFixed(0)} ns CPU per record with it: ${costs.metricsCpuSecondsPerMillion.toFixed(2)} CPU s per million flows for the metrics`,
      ],
      [
        '5 in-process flow log (protobuf JSON to a file)',
        '-',
        '',
        `${costs.flowLog.cpuSecondsPerMillion.toFixed(2)} CPU s per million flows (${costs.flowLog.written} of ${costs.flowLog.flows} lines written, ${costs.flowLog.dropped} dropped)`,
      ],
    );
  }
  if (results.servingCost) {
    const { unbuilt, built, flows } = results.servingCost;
    const readers = (costs: typeof unbuilt): string => `${costs.firstNanos.toFixed(0)} ns CPU per flow for a first reader, ${costs.secondNanos.toFixed(0)} ns for a second`;
    rows.push(
      ['5 in-process serving, flows never built', '-', '', `${readers(unbuilt)} (GetFlows response bytes of a store of ${flows} synthetic records)`],
      ['5 in-process serving through built flows', '-', '', `${readers(built)} (filters that need the flow)`],
    );
  }
  return rows;
}

function columns(rows: string[][], aligned: number): string[] {
  const widths = Array.from({ length: aligned }, (_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column < aligned ? cell.padEnd(widths[column]!) : cell)).join('  '));
}

export function formatTable(results: BenchResults): string {
  const goalRows = [
    ['', 'mode', 'goal', 'measured', 'target', 'figures'],
    ...results.goals.map((check) => [
      check.met ? 'met' : 'NOT MET',
      check.mode,
      check.goal,
      goalValue(check.measured, check.unit),
      `${check.comparison} ${goalValue(check.target, check.unit)}`,
      check.detail,
    ]),
  ];
  const measurements = measurementRows(results);
  const met = results.goals.filter((check) => check.met).length;
  return [
    `goals${results.quick ? ' (--quick: short runs, figures are indicative)' : ''}: ${met} of ${results.goals.length} met`,
    ...columns(goalRows, 5),
    '',
    'measurements:',
    ...columns([['measurement', 'mode', 'ratio', 'absolute figures'], ...measurements], 3),
    '',
    `load average at start ${results.machine.loadAverageAtStart.map((v) => v.toFixed(2)).join(' ')}, at end ${results.machine.loadAverageAtEnd
      .map((v) => v.toFixed(2))
      .join(' ')} (${results.machine.cpus} CPUs); ${results.durationSeconds.toFixed(0)} s; commit ${results.commit}`,
  ].join('\n');
}
