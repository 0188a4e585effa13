import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MEGABYTE, RotatingFile, type PackedLines } from '../../src/export/rotating-file.js';

// Real files in a temporary directory: sizes, names and contents as lumberjack leaves them.

const LUMBERJACK_BACKUP = /^flows-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}\.log(\.gz)?$/;

function lines(count: number, from = 0): Buffer[] {
  // Every line the same length, so file sizes can be checked in whole lines.
  return Array.from({ length: count }, (_, i) => Buffer.from(`${JSON.stringify({ n: from + i, pad: 'x'.repeat(990 - String(from + i).length) })}\n`));
}

/** Lines as the flow log's queue hands them to the file: back to back, with where each ends. */
function packed(lines: readonly Buffer[]): PackedLines {
  let end = 0;
  return { bytes: Buffer.concat(lines), ends: lines.map((line) => (end += line.length)) };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowlens-rotate-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function numbersIn(text: string): number[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { n: number }).n);
}

describe('a rotating flow-log file', () => {
  it('rotates before a line would pass the maximum size and keeps the newest backups, whole lines only', async () => {
    const path = join(dir, 'flows.log');
    let clock = Date.UTC(2026, 11, 2, 5, 0, 0);
    const file = new RotatingFile({ path, maxSizeBytes: MEGABYTE, maxBackups: 2, compress: false, now: () => new Date((clock += 1000)) });
    const all = lines(5000);
    for (let i = 0; i < all.length; i += 700) expect(await file.write(packed(all.slice(i, i + 700)))).toEqual({ written: Math.min(700, all.length - i), tooLong: 0 });
    await file.close();

    const lineBytes = all[0]!.length;
    const perFile = Math.floor(MEGABYTE / lineBytes);
    expect(file.rotations).toBe(Math.ceil(5000 / perFile) - 1);
    const backups = readdirSync(dir).filter((n) => n !== 'flows.log').sort();
    expect(backups).toHaveLength(2);
    for (const name of backups) expect(name).toMatch(LUMBERJACK_BACKUP);
    expect(backups[0]).toBe('flows-2026-12-02T05-00-0' + String(file.rotations - 1) + '.000.log');
    for (const name of [...backups, 'flows.log']) {
      const size = statSync(join(dir, name)).size;
      expect(size).toBeLessThanOrEqual(MEGABYTE);
      expect(size % lineBytes).toBe(0);
    }
    for (const name of backups) expect(statSync(join(dir, name)).size).toBe(perFile * lineBytes);
    // Oldest kept backup, newer backup, current file: the newest lines, in order, none torn.
    const kept = [...backups, 'flows.log'].flatMap((name) => numbersIn(readFileSync(join(dir, name), 'utf8')));
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 5000 - kept.length + i));
    expect(kept.length).toBe(2 * perFile + (5000 - (file.rotations) * perFile));
  });

  it('gzips the backups it keeps when asked to', async () => {
    const path = join(dir, 'flows.log');
    const file = new RotatingFile({ path, maxSizeBytes: MEGABYTE, maxBackups: 3, compress: true });
    await file.write(packed(lines(3000)));
    await file.close();
    const backups = readdirSync(dir).filter((n) => n !== 'flows.log').sort();
    expect(backups).toHaveLength(2);
    for (const name of backups) expect(name).toMatch(/\.log\.gz$/);
    const kept = [...backups.map((n) => gunzipSync(readFileSync(join(dir, n))).toString()), readFileSync(path, 'utf8')].flatMap(numbersIn);
    expect(kept).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });

  it('appends to an existing file that has room, starts anew when it has none, and refuses a line larger than a file', async () => {
    const path = join(dir, 'flows.log');
    writeFileSync(path, Buffer.concat(lines(10, 100)));
    const first = new RotatingFile({ path, maxSizeBytes: MEGABYTE, maxBackups: 1, compress: false });
    expect(await first.write(packed([...lines(2, 200), Buffer.from(`${'y'.repeat(MEGABYTE)}\n`), ...lines(1, 202)]))).toEqual({ written: 3, tooLong: 1 });
    await first.close();
    expect(numbersIn(readFileSync(path, 'utf8'))).toEqual([...Array.from({ length: 10 }, (_, i) => 100 + i), 200, 201, 202]);
    expect(readdirSync(dir)).toEqual(['flows.log']);

    writeFileSync(path, 'z'.repeat(MEGABYTE - 10) + '\n');
    const second = new RotatingFile({ path, maxSizeBytes: MEGABYTE, maxBackups: 1, compress: false });
    await second.write(packed(lines(1, 300)));
    await second.close();
    expect(numbersIn(readFileSync(path, 'utf8'))).toEqual([300]);
    expect(readdirSync(dir).filter((n) => n !== 'flows.log')).toHaveLength(1);
  });
});
