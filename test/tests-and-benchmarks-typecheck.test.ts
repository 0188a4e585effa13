import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// vitest strips types without checking them, and the build compiles src/ and bench/ only:
// this runs the compiler over the tests too (test/tsconfig.json), so a test helper whose types
// drifted from the code it drives fails here rather than going unnoticed.

const root = fileURLToPath(new URL('..', import.meta.url));

describe('the TypeScript sources', () => {
  it('typecheck, tests included, with the project compiler options', async () => {
    const run = await promisify(execFile)(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'test/tsconfig.json'], { cwd: root }).then(
      () => ({ failed: false, output: '' }),
      (err: { stdout?: string; stderr?: string }) => ({ failed: true, output: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
    );
    expect(run.output).toBe('');
    expect(run.failed).toBe(false);
  }, 120_000);
});
