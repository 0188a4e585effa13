import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createPodPair, ifindexOf } from '../helpers/netns.js';
import { NativeSession } from '../../src/native/binding.js';
import { TEST_SESSION } from './record-collector.js';

// The capture thread holds the session lock while it drains and sweeps; attach waits for it,
// stats never does. A base-mode flow table of 4M entries, never touched yet, makes the first
// sweep (right after open) hold the lock for a long time: stats read all along must answer
// at once, and an attach afterwards shows the lock was still held.

const FLOW_TABLE_SIZE = 1 << 22;
const SWEEP_STARTED_MS = 50;
const STATS_FOR_MS = 300;
// Far above a scheduling delay, far below the sweep.
const PROMPT_MS = 250;

function elapsedMs(fn: () => unknown): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

describe('session stats', () => {
  it('answer while the capture thread holds the lock for a long sweep', async () => {
    const pair = createPodPair();
    const session = NativeSession.open({ ...TEST_SESSION, mode: 'base', flowTableSize: FLOW_TABLE_SIZE });
    let statsMaxMs = 0;
    let attachMs = 0;
    try {
      await delay(SWEEP_STARTED_MS);
      const until = Date.now() + STATS_FOR_MS;
      while (Date.now() < until) statsMaxMs = Math.max(statsMaxMs, elapsedMs(() => session.stats()));
      attachMs = elapsedMs(() => session.attach(ifindexOf(pair.hostIfA)));
    } finally {
      session.close();
      pair.cleanup();
    }
    // The lock was held from before the stats calls until after them.
    expect(attachMs).toBeGreaterThan(PROMPT_MS);
    expect(statsMaxMs).toBeLessThan(PROMPT_MS);
  });
});
