import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atCleanup, trackChild } from './cleanup.js';

// Where a process's CPU time goes, from `perf record` on its pid (all its threads, kernel
// included). node's own --cpu-prof cannot be used on the agent: its SIGPROF ticks interrupt
// the BPF verifier, which then fails the program load with EAGAIN. perf sends no signals;
// the agent runs with --perf-basic-prof so JIT-compiled JavaScript has names.

export const PERF_NODE_FLAGS = ['--perf-basic-prof-only-functions'];
const SAMPLE_HZ = 999;
const STOP_TIMEOUT_MS = 15_000;
const TOP_ENTRIES = 15;
const REPORT_MAX_BYTES = 64 << 20;
// "    12.34%    1423  node  [.] Builtins_...": share, samples, then what they were in.
const REPORT_LINE = /^\s+(\d+\.\d+)%\s+(\d+)\s+(.+?)\s*$/;
// --children: "    45.67%     1.23%   88  [.] JS:*deliver file:///.../native-source.js:120:12"
const CHILDREN_LINE = /^\s+(\d+\.\d+)%\s+\d+\.\d+%\s+\d+\s+\[\.\]\s+JS:[*~^]?(.+?)\s*$/;

export interface ProfileShare {
  name: string;
  /** Percent of the process's samples. */
  percent: number;
}

export interface PerfProfile {
  samples: number;
  /** Self time. */
  topSymbols: ProfileShare[];
  byObject: ProfileShare[];
  /** Time in a JavaScript function and everything it called: the pipeline's stages. */
  inclusiveJavaScript: ProfileShare[];
}

export interface PerfRecording {
  stop(): Promise<PerfProfile>;
}

function report(file: string, sort: string): { samples: number; top: ProfileShare[] } {
  const text = execFileSync('perf', ['report', '-i', file, '--no-children', '--sort', sort, '--stdio', '-g', 'none', '--show-nr-samples'], {
    encoding: 'utf8',
    maxBuffer: REPORT_MAX_BYTES,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const top: ProfileShare[] = [];
  let samples = 0;
  for (const line of text.split('\n')) {
    const match = REPORT_LINE.exec(line);
    if (match === null) continue;
    samples += Number(match[2]);
    if (top.length < TOP_ENTRIES) top.push({ name: match[3]!.replace(/\s+/g, ' '), percent: Number(match[1]) });
  }
  return { samples, top };
}

function inclusiveJavaScript(file: string): ProfileShare[] {
  const text = execFileSync('perf', ['report', '-i', file, '--children', '--sort', 'sym', '--stdio', '-g', 'none', '--show-nr-samples'], {
    encoding: 'utf8',
    maxBuffer: REPORT_MAX_BYTES,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const shares = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = CHILDREN_LINE.exec(line);
    if (match === null) continue;
    // The same function compiled at several tiers appears once per tier: keep the largest.
    const name = match[2]!.replace(/file:\/\/\S*\/(dist\/|node_modules\/)/, '$1').replace(/\S*\/node_modules\//, 'node_modules/');
    shares.set(name, Math.max(shares.get(name) ?? 0, Number(match[1])));
  }
  return [...shares.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP_ENTRIES * 2)
    .map(([name, percent]) => ({ name, percent }));
}

/** perf comes with Debian's linux-perf, which the set-up does not install (only --profile needs it). */
export function assertPerfInstalled(): void {
  try {
    execFileSync('perf', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('--profile needs perf: apt-get install linux-perf');
  }
}

export function startPerf(pid: number): PerfRecording {
  assertPerfInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'flowlens-bench-perf-'));
  atCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'perf.data');
  const child = trackChild(spawn('perf', ['record', '-e', 'cpu-clock', '-F', String(SAMPLE_HZ), '-g', '-p', String(pid), '-o', file], { stdio: 'ignore' }));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    stop: async () => {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
      const byObject = report(file, 'dso');
      const profile = { samples: byObject.samples, topSymbols: report(file, 'dso,sym').top, byObject: byObject.top, inclusiveJavaScript: inclusiveJavaScript(file) };
      rmSync(dir, { recursive: true, force: true });
      return profile;
    },
  };
}
