import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServerStatusResponse } from '../../src/proto/observer.js';
import { makeFlow } from '../helpers/flows.js';
import { startObserver, TEST_VERSION, unary, type ObserverHarness } from '../helpers/observer-server.js';

const CAPACITY = 7;
const STARTED_AT_MS = 1_000_000;
const NOW_MS = STARTED_AT_MS + 90_000;

describe('ServerStatus reports the buffer, uptime, version and flow rate as an agent does', () => {
  let h: ObserverHarness;
  beforeEach(async () => {
    h = await startObserver({ capacity: CAPACITY, startedAtMs: STARTED_AT_MS, now: () => NOW_MS });
  });
  afterEach(async () => h.close());

  it('counts held, maximum and seen flows, and leaves node counts unset', async () => {
    for (let i = 0; i < 10; i += 1) h.store.pushFlow(makeFlow());
    const status = await unary<ServerStatusResponse>(h.client, 'ServerStatus');
    expect(status.num_flows).toBe(CAPACITY);
    expect(status.max_flows).toBe(CAPACITY);
    expect(status.seen_flows).toBe(10);
    expect(status.uptime_ns).toBe(90_000 * 1_000_000);
    expect(status.version).toBe(TEST_VERSION);
    expect(status.flows_rate).toBeCloseTo(10 / 60, 6);
    expect(status.num_connected_nodes).toBeUndefined();
    expect(status.num_unavailable_nodes).toBeUndefined();
  });

  it('reports an empty buffer as zeros', async () => {
    const status = await unary<ServerStatusResponse>(h.client, 'ServerStatus');
    expect(status.num_flows ?? 0).toBe(0);
    expect(status.seen_flows ?? 0).toBe(0);
    expect(status.max_flows).toBe(CAPACITY);
  });
});
