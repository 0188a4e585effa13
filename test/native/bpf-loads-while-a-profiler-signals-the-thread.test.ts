import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CAPABILITY_NAMES, type CapabilityResults } from '../../src/native/binding.js';

// node --cpu-prof sends SIGPROF to the main thread every interval; at 10 µs the verifier was
// interrupted (EAGAIN) on every attempt before the load blocked signals.
const PROFILER_INTERVAL_US = 10;
const ATTEMPTS = 3;
const CHILD_TIMEOUT_MS = 60_000;
const HERE = dirname(fileURLToPath(import.meta.url));

function runProfiled(script: string): string {
  const profiles = mkdtempSync(join(tmpdir(), 'fl-cpu-prof-'));
  try {
    return execFileSync(
      process.execPath,
      ['--cpu-prof', '--cpu-prof-interval', String(PROFILER_INTERVAL_US), '--cpu-prof-dir', profiles, resolve(HERE, script)],
      { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS },
    );
  } finally {
    rmSync(profiles, { recursive: true, force: true });
  }
}

describe('BPF loading under a profiler sending SIGPROF', () => {
  it('the probe reports every capability working on each attempt', () => {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const caps = JSON.parse(runProfiled('print-capabilities.mjs')) as CapabilityResults;
      for (const name of CAPABILITY_NAMES) expect({ attempt, name, result: caps[name] }).toEqual({ attempt, name, result: 0 });
    }
  });

  it('a tracer session with drops and socket states opens on each attempt', () => {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      expect({ attempt, outcome: runProfiled('open-tracer-session.mjs') }).toEqual({ attempt, outcome: 'opened' });
    }
  });
});
