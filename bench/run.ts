// `npm run bench`: the benchmark suite (issues 8 and 11), on this machine only (namespaces and
// veth pairs it creates itself, every load bounded in count and time). Prints the goals, each
// with its figure beside it and whether it is met, then every measurement with its absolute
// figures, all measured side by side in the same run, and writes them to bench/results.json.
//
//   npm run bench -- [--quick] [--only completeness,overhead,limit,serving,costs] [--profile]
//
// --quick runs every measurement briefly (a smoke test of a few minutes; figures indicative).
// --profile records where the agent's CPU time goes during measurement 3 (perf).
// The whole run stops (and cleans up) after MAX_MINUTES (QUICK_MAX_MINUTES with --quick).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchMode } from './agent-process.js';
import { atCleanup, cleanupAll, cleanupOnSignals, isStopping, stopAfter } from './cleanup.js';
import { measureCompleteness, type CompletenessRun } from './completeness.js';
import { measureIngestCost, type IngestCostRun } from './ingest-cost.js';
import { measureLimit, type LimitRun } from './limit.js';
import { buildLoadgen } from './loadgen.js';
import { measureOverhead, type OverheadRun } from './overhead.js';
import { assertPerfInstalled } from './perf-profile.js';
import { progress } from './progress.js';
import { checkGoals, formatTable, type BenchResults } from './report.js';
import { measureServing, type ServingRun } from './serving.js';
import { measureServingCost, type ServingCostRun } from './serving-cost.js';
import { createPodPair } from './topology.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS_FILE = resolve(REPO_ROOT, 'bench/results.json');
const MEASUREMENTS = ['completeness', 'overhead', 'limit', 'serving', 'costs'] as const;
const MODES: readonly BenchMode[] = ['tracer', 'base'];
// Above this share of the CPUs already busy, the figures say more about the other load.
const BUSY_LOAD_PER_CPU = 0.5;
const MAX_MINUTES = 20;
const QUICK_MAX_MINUTES = 8;

function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['-C', REPO_ROOT, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty === '' ? commit : `${commit} with uncommitted changes`;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, profile: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false } },
  });
  const quick = values.quick;
  const selected = new Set(values.only?.split(',') ?? MEASUREMENTS);
  for (const name of selected) {
    if (!(MEASUREMENTS as readonly string[]).includes(name)) throw new Error(`unknown measurement "${name}": choose from ${MEASUREMENTS.join(', ')}`);
  }
  if (process.getuid?.() !== 0) throw new Error('the benchmarks need root: namespaces, veth pairs, eBPF, tcpdump');
  if (values.profile) assertPerfInstalled();

  const startedMs = Date.now();
  stopAfter((quick ? QUICK_MAX_MINUTES : MAX_MINUTES) * 60_000);
  const loadAverageAtStart = loadavg();
  if (loadAverageAtStart[0]! > cpus().length * BUSY_LOAD_PER_CPU) {
    progress(`warning: the machine is already busy (load average ${loadAverageAtStart[0]!.toFixed(2)} on ${cpus().length} CPUs); figures will be lower`);
  }
  buildLoadgen();
  const pair = createPodPair();
  atCleanup(() => pair.cleanup());
  progress(`pod pair ${pair.nsA} (${pair.ipA}) <-> ${pair.nsB} (${pair.ipB}) via ${pair.hostIfA}, ${pair.hostIfB}`);

  const completeness: CompletenessRun[] = [];
  const overhead: OverheadRun[] = [];
  const limit: LimitRun[] = [];
  let serving: ServingRun | undefined;
  let costs: IngestCostRun | undefined;
  let servingCost: ServingCostRun | undefined;
  const failures: string[] = [];
  const attempt = async (what: string, run: () => Promise<void>): Promise<void> => {
    if (isStopping()) return;
    try {
      await run();
    } catch (err) {
      if (isStopping()) return;
      failures.push(`${what}: ${(err as Error).message}`);
      progress(`FAILED ${what}: ${(err as Error).stack ?? String(err)}`);
    }
  };

  for (const mode of MODES) {
    if (selected.has('completeness')) await attempt(`completeness ${mode}`, async () => void completeness.push(await measureCompleteness(pair, mode, { quick })));
  }
  for (const mode of MODES) {
    if (selected.has('overhead')) await attempt(`overhead ${mode}`, async () => void overhead.push(await measureOverhead(pair, mode, { quick })));
  }
  for (const mode of MODES) {
    if (selected.has('limit')) await attempt(`limit ${mode}`, async () => void limit.push(await measureLimit(pair, mode, { quick, profile: values.profile })));
  }
  if (selected.has('serving')) await attempt('serving', async () => void (serving = await measureServing(pair, { quick })));
  if (selected.has('costs')) await attempt('costs', async () => void (costs = await measureIngestCost({ quick })));
  if (selected.has('costs')) await attempt('serving costs', async () => void (servingCost = measureServingCost({ quick })));

  const results: BenchResults = {
    startedAt: new Date(startedMs).toISOString(),
    durationSeconds: (Date.now() - startedMs) / 1000,
    command: ['node', 'dist/bench/run.js', ...process.argv.slice(2)].join(' '),
    quick,
    machine: { cpus: cpus().length, kernel: release(), node: process.version, loadAverageAtStart, loadAverageAtEnd: loadavg() },
    commit: gitCommit(),
    completeness,
    overhead,
    limit,
    ...(serving ? { serving } : {}),
    ...(costs ? { costs } : {}),
    ...(servingCost ? { servingCost } : {}),
    goals: checkGoals({ completeness, overhead, limit, ...(serving ? { serving } : {}) }),
    ...(failures.length > 0 ? { failures } : {}),
  };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\n${formatTable(results)}\n\nwritten to bench/results.json\n`);
  for (const failure of failures) process.stdout.write(`FAILED ${failure}\n`);
  return failures.length > 0 ? 1 : 0;
}

cleanupOnSignals();
let status = 1;
try {
  status = await main();
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
} finally {
  await cleanupAll();
}
process.exit(status);
