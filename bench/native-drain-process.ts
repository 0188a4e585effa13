import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BenchMode } from './agent-process.js';
import { trackChild } from './cleanup.js';

// A native-only consumer (bench/native-drain.ts) in its own process: the agent's capture
// programs attached and drained, nothing else. The kernel side of the agent's cost alone.

const DRAIN_SCRIPT = fileURLToPath(new URL('./native-drain.js', import.meta.url));
const READY_TIMEOUT_MS = 15_000;

export interface DrainTotals {
  records: number;
  lost: number;
  /** Records drained by each wall-clock time (ms since the epoch). */
  samples: { t: number; records: number }[];
}

export interface DrainProcess {
  pid: number;
  stop(): Promise<DrainTotals>;
}

export async function startDrain(mode: BenchMode, decoding: 'raw' | 'decode', interfaces: readonly string[]): Promise<DrainProcess> {
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
