import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CapabilityResults } from '../../src/native/binding.js';

const CHILD_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), 'print-capabilities.mjs');

/** Runs the probe in a child process started through `wrapper` (setpriv, unshare, ...). */
export function probeInChild(wrapper: readonly string[]): CapabilityResults {
  const out = execFileSync(wrapper[0]!, [...wrapper.slice(1), process.execPath, CHILD_SCRIPT], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return JSON.parse(out) as CapabilityResults;
}
