import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHUNK_BYTES, LineQueue, type QueuedLines } from '../../src/export/line-queue.js';

// The queue packs lines into shared buffers; what comes out must be the lines' UTF-8 bytes,
// each with its newline, in push order, split only between lines.

function drain(queue: LineQueue): QueuedLines[] {
  const taken: QueuedLines[] = [];
  for (let lines = queue.take(); lines !== undefined; lines = queue.take()) taken.push(lines);
  return taken;
}

function linesOf(runs: readonly QueuedLines[]): string[] {
  return runs.flatMap((run) => {
    let start = 0;
    return run.ends.map((end) => {
      const line = Buffer.from(run.bytes.subarray(start, end)).toString();
      start = end;
      return line;
    });
  });
}

const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 400 }),
  fc.string({ unit: 'binary', maxLength: 400 }), // lone surrogates too
  // Long enough to fill a buffer in a few lines, or to need one of its own.
  fc.tuple(fc.constantFrom('a', 'é', '✓', '😀'), fc.integer({ min: 50_000, max: 400_000 })).map(([c, n]) => c.repeat(n / c.length)),
);

describe('the flow-log line queue', () => {
  it('hands out the bytes Buffer.from gives each line, newline-terminated, in order, across buffer boundaries', () => {
    fc.assert(
      fc.property(fc.array(text, { maxLength: 60 }), fc.integer({ min: 1, max: 20 }), (texts, takeEvery) => {
        const queue = new LineQueue(64 * CHUNK_BYTES);
        const runs: QueuedLines[] = [];
        texts.forEach((t, i) => {
          expect(queue.push(t)).toBe(true);
          // Runs taken (and written) while later lines are pushed, as the exporter does.
          if (i % takeEvery === 0) runs.push(...drain(queue));
        });
        runs.push(...drain(queue));
        const expected = Buffer.concat(texts.map((t) => Buffer.from(`${t}\n`)));
        expect(Buffer.concat(runs.map((r) => r.bytes)).equals(expected)).toBe(true);
        expect(linesOf(runs)).toEqual(texts.map((t) => Buffer.from(`${t}\n`).toString()));
        expect(queue.queuedBytes).toBe(expected.length);
        for (const run of runs) queue.release(run);
        expect(queue.queuedBytes).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('fills many buffers and reuses them once written, without mixing lines up', () => {
    const queue = new LineQueue(2 * CHUNK_BYTES);
    const written: string[] = [];
    const pushed: string[] = [];
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 600; i++) {
        const line = `{"round":${round},"i":${i},"pad":"${'é'.repeat(i % 300)}"}`;
        expect(queue.push(line)).toBe(true);
        pushed.push(line);
      }
      const runs = drain(queue);
      written.push(...linesOf(runs).map((l) => l.slice(0, -1)));
      for (const run of runs) queue.release(run);
    }
    expect(written).toEqual(pushed);
  });

  it('refuses a line that would take it past its limit, and takes lines again once released', () => {
    const line = 'x'.repeat(99);
    const queue = new LineQueue(1000);
    for (let i = 0; i < 10; i++) expect(queue.push(line)).toBe(true);
    expect(queue.full).toBe(true);
    expect(queue.push('')).toBe(false);
    expect(queue.queuedBytes).toBe(1000);
    const runs = drain(queue);
    expect(runs.reduce((n, r) => n + r.ends.length, 0)).toBe(10);
    for (const run of runs) queue.release(run);
    expect(queue.full).toBe(false);
    expect(queue.push(line)).toBe(true);
    expect(queue.push('y'.repeat(900))).toBe(false);
    expect(queue.queuedBytes).toBe(100);
  });
});
