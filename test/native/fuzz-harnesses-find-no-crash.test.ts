import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

// A short pass of each libFuzzer harness (native/fuzz) from the corpus kept in the repo, which
// holds every input that once crashed one: a regression in the C shared by the capture paths
// fails here. `npm run fuzz` runs them for longer.
const FUZZ = resolve(dirname(fileURLToPath(import.meta.url)), '../../native/fuzz');
const HARNESSES = ['packet_parse', 'payload_capture', 'flow_aggregate'];
const SECONDS = 3;
const MAX_RUNS = 2_000_000;
// Far below what a harness does in SECONDS on a slow machine: fewer means it hardly ran.
const MIN_RUNS = 2_000;

beforeAll(() => {
  execFileSync('make', ['-s', '-C', FUZZ], { stdio: 'inherit' });
}, 120_000);

describe.each(HARNESSES)('%s harness', (harness) => {
  it(`fuzzes for ${SECONDS} s from the seed corpus with no crash, sanitizer report or broken invariant`, () => {
    const corpus = join(FUZZ, 'corpus', harness);
    const scratch = mkdtempSync(join(tmpdir(), `flowlens-fuzz-${harness}-`));
    try {
      // New inputs go to the first directory, the scratch one; the repo's corpus is only read.
      const run = spawnSync(
        join(FUZZ, 'build', `${harness}_fuzz`),
        [`-max_total_time=${SECONDS}`, `-runs=${MAX_RUNS}`, `-artifact_prefix=${scratch}/`, scratch, corpus],
        { encoding: 'utf8', timeout: 60_000 },
      );
      const log = run.stderr;
      expect(run.status, log.slice(-4000)).toBe(0);
      // Every seed was executed, the crash reproducers among them.
      const seeds = readdirSync(corpus).length;
      expect(log).toMatch(new RegExp(`^INFO: +${seeds} files found in ${corpus}$`, 'm'));
      const done = /^Done (\d+) runs in \d+ second/m.exec(log);
      expect(done, log.slice(-2000)).not.toBeNull();
      expect(Number(done![1])).toBeGreaterThanOrEqual(MIN_RUNS);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
