import type { ChildProcess } from 'node:child_process';

// Everything the bench starts or creates is registered here, so that a normal end, an error
// or Ctrl-C all leave the machine as it was: children killed, namespaces and links deleted.

const children = new Set<ChildProcess>();
const actions: (() => void | Promise<void>)[] = [];
const CHILD_EXIT_WAIT_MS = 5_000;

/** Kills the child at cleanup if it is still running then. */
export function trackChild<T extends ChildProcess>(child: T): T {
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

/** Ctrl-C and SIGTERM clean up, then exit with the conventional status. */
export function cleanupOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}, cleaning up\n`);
      void cleanupAll().finally(() => process.exit(128 + (signal === 'SIGINT' ? 2 : 15)));
    });
  }
}
