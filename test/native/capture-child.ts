import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), 'capture-child.mjs');
const ATTACH_TIMEOUT_MS = 20_000;

export interface CaptureChild {
  process: ChildProcess;
  /** Everything the child printed after "attached". */
  output(): string;
  exited: Promise<number | null>;
}

/** Starts capture-child.mjs (through `wrapper`, e.g. setpriv) and resolves once it has attached. */
export async function startCaptureChild(wrapper: readonly string[], args: readonly string[]): Promise<CaptureChild> {
  const argv = [...wrapper, process.execPath, CHILD_SCRIPT, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  const deadline = Date.now() + ATTACH_TIMEOUT_MS;
  while (!out.startsWith('attached\n')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`capture child did not attach: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { process: child, output: () => out.slice('attached\n'.length), exited };
}
