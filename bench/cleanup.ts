import type { ChildProcess } from 'node:child_process';

// Everything the bench starts or creates is registered here, so that a normal end, an error
// or Ctrl-C all leave the machine as it was: children killed, namespaces and links deleted.

const children = new Set<ChildProcess>();
const actions: (() => void | Promise<void>)[] = [];
const CHILD_EXIT_WAIT_MS = 5_000;
let stopping = false;

/** True once Ctrl-C or SIGTERM arrived: nothing new should start. */
export function isStopping(): boolean {
  return stopping;
}

/** Kills the child at cleanup if it is still running then (at once, when already stopping). */
export function trackChild<T extends ChildProcess>(child: T): T {
  if (stopping) child.kill('SIGTERM');
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Runs at cleanup, last registered first. */
export function atCleanup(action: () => void | Promise<void>): void {
  actions.push(action);
}

export async function cleanupAll(): Promise<void> {
  const exits = [...children].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, CHILD_EXIT_WAIT_MS);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  );
  await Promise.all(exits);
  for (const action of actions.splice(0).reverse()) {
    try {
      await action();
    } catch (err) {
      process.stderr.write(`bench: cleanup step failed: ${(err as Error).message}\n`);
    }
  }
}

function stopAndExit(reason: string, status: number): void {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`\nbench: ${reason}, cleaning up\n`);
  void cleanupAll().finally(() => process.exit(status));
}

/** Bounds the whole run: past the limit, everything is stopped and cleaned up as on Ctrl-C. */
export function stopAfter(ms: number): void {
  setTimeout(() => stopAndExit(`still running after ${Math.round(ms / 60_000)} minutes`, 124), ms).unref();
}

/** Ctrl-C, SIGTERM and anything thrown outside the measurements clean up, then exit. */
export function cleanupOnSignals(): void {
  process.once('SIGINT', () => stopAndExit('SIGINT', 130));
  process.once('SIGTERM', () => stopAndExit('SIGTERM', 143));
  process.on('uncaughtException', (err) => stopAndExit(`uncaught ${err.stack ?? String(err)}`, 1));
  process.on('unhandledRejection', (reason) => stopAndExit(`unhandled rejection ${String(reason)}`, 1));
  // A closed pipe on stdout (`| head`) is not a reason to leave namespaces behind.
  process.stdout.on('error', () => undefined);
}
