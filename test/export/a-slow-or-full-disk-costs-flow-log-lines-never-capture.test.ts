import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, readSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseProtoJson } from '../../src/export/protojson-parser.js';
import { makeFlowSeries } from '../helpers/flows.js';
import { waitFor } from '../server/tls-fixture.js';
import { kit, lineCounts } from './flow-log-test-kit.js';

// A disk that does not keep up is a named pipe nobody drains (the writes really block in the
// kernel); a full disk is a 256 KiB tmpfs. In both, pushing flows into the store goes on at
// once, the lines that cannot be written are counted, and writing resumes when the disk does.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowlens-disk-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function pushInBatches(push: () => void, batches: number): Promise<number> {
  let slowestMs = 0;
  for (let i = 0; i < batches; i++) {
    const started = performance.now();
    push();
    slowestMs = Math.max(slowestMs, performance.now() - started);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return slowestMs;
}

describe('flow logs on a disk that cannot keep up', () => {
  it('drop what overflows the bounded queue, count it, and write again once the disk drains', async () => {
    const { store, registry, exporter } = kit();
    const fifo = join(dir, 'events.log');
    execFileSync('mkfifo', [fifo]);
    // The test's end of the pipe, held open so the exporter can open it; read only later.
    const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    const received: string[] = [];
    let partial = '';
    const drainPipe = (): void => {
      const buffer = Buffer.alloc(1 << 16);
      for (;;) {
        let n: number;
        try {
          n = readSync(fd, buffer);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return;
          throw err;
        }
        const text = partial + buffer.subarray(0, n).toString();
        const lines = text.split('\n');
        partial = lines.pop()!;
        received.push(...lines);
      }
    };
    const log = exporter({ filePath: fifo }, 64 * 1024);
    try {
      log.start();
      const total = 4000;
      let next = 0;
      const slowestPushMs = await pushInBatches(() => {
        for (const flow of makeFlowSeries(200)) store.pushFlow({ ...flow, Summary: `flow ${next++}` });
      }, total / 200);
      expect(store.seen).toBe(total);
      expect(slowestPushMs).toBeLessThan(1000);
      const stalled = await lineCounts(registry);
      expect(stalled.dropped).toBeGreaterThan(0);
      expect(stalled.written).toBeLessThan(total);

      await waitFor('every line written or dropped', async () => {
        drainPipe();
        const counts = await lineCounts(registry);
        return counts.written + counts.dropped === total;
      });
      const beforeDrained = (await lineCounts(registry)).written;
      for (const flow of makeFlowSeries(10)) store.pushFlow({ ...flow, Summary: `late ${next++}` });
      await waitFor('the late lines written', async () => {
        drainPipe();
        return (await lineCounts(registry)).written === beforeDrained + 10;
      });
      await log.stop();
      drainPipe();
      const counts = await lineCounts(registry);
      expect(counts.failed).toBe(0);
      expect(received).toHaveLength(counts.written);
      const summaries = received.map((line) => parseProtoJson<{ flow: { Summary: string } }>('observer.GetFlowsResponse', line).flow.Summary);
      expect(summaries.slice(-10)).toEqual(Array.from({ length: 10 }, (_, i) => `late ${total + i}`));
      // What was written is in order, with gaps where lines were dropped.
      const numbers = summaries.map((s) => Number(s.split(' ')[1]));
      expect([...numbers].sort((a, b) => a - b)).toEqual(numbers);
    } finally {
      drainPipe();
      await log.stop();
      closeSync(fd);
    }
  });

  it('count the lines a full disk refuses as failed, and write again once there is room', async () => {
    const { store, registry, exporter } = kit();
    const small = join(dir, 'small');
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', small]);
    try {
      const path = join(small, 'events.log');
      const log = exporter({ filePath: path });
      log.start();
      const slowestPushMs = await pushInBatches(() => {
        for (const flow of makeFlowSeries(200)) store.pushFlow(flow);
      }, 10);
      expect(slowestPushMs).toBeLessThan(1000);
      await waitFor('every line written or failed', async () => {
        const counts = await lineCounts(registry);
        return counts.written + counts.failed === 2000;
      });
      const full = await lineCounts(registry);
      expect(full.failed).toBeGreaterThan(0);
      expect(full.dropped).toBe(0);

      truncateSync(path, 0);
      for (const flow of makeFlowSeries(10)) store.pushFlow(flow);
      await waitFor('10 more lines written', async () => (await lineCounts(registry)).written === full.written + 10);
      await log.stop();
    } finally {
      execFileSync('umount', [small]);
    }
  });
});
