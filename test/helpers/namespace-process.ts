import { spawn, type ChildProcess } from 'node:child_process';

// Child processes inside a test's own network namespaces (by nsenter), and bounded waits on
// them: a process that outlives its wait is killed, so no test leaves one behind.

/** Starts argv inside the named namespace (under /var/run/netns), stdin, stdout and stderr piped. */
export function spawnInNamespace(ns: string, argv: readonly string[]): ChildProcess {
  return spawn('nsenter', [`--net=/var/run/netns/${ns}`, '--', ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
}

/** The argv that runs an ES module given as text (with this node unless told), its arguments after `--`. */
export function nodeScriptArgv(script: string, args: readonly (string | number)[], nodeBinary = process.execPath): string[] {
  return [nodeBinary, '--input-type=module', '-e', script, '--', ...args.map(String)];
}

/**
 * Resolves to the child's stdout once it exits with 0; rejects on any other exit, or kills it
 * after timeoutMs. Ends its stdin, after writing `input` when given.
 */
export function finished(child: ChildProcess, what: string, timeoutMs: number, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} timed out; stderr: ${err}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${what} exited with ${code}; stderr: ${err}`));
    });
    child.stdin?.end(input);
  });
}

/** Resolves once the child prints "ready"; rejects if it exits first, or kills it after timeoutMs. Ends its stdin. */
export function ready(child: ChildProcess, what: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not get ready; stderr: ${err}`));
    }, timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited early with ${code}; stderr: ${err}`));
    });
    child.stdin?.end();
  });
}
