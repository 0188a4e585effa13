// Progress lines go to stderr, so stdout carries only the results table.
const startedMs = performance.now();

export function progress(message: string): void {
  const seconds = ((performance.now() - startedMs) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${seconds}s] ${message}\n`);
}
