import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GetFlowsResponse } from '../../src/proto/observer.js';
import { makeFlow } from '../helpers/flows.js';
import { openGetFlows, startObserver, waitFor, type ObserverHarness } from '../helpers/observer-server.js';

const CAPACITY = 64;
const BATCH = 500;
const MAX_PUSHED = 200_000;
const PUSH_DEADLINE_MS = 20_000;

describe('a follower that falls behind the ring gets lost_events, then continues', () => {
  let h: ObserverHarness;
  beforeEach(async () => {
    h = await startObserver({ capacity: CAPACITY });
  });
  afterEach(async () => h.close());

  it('reports exactly how many events it missed and never reads overwritten ones', async () => {
    const call = openGetFlows(h.client, { follow: true });
    const got: GetFlowsResponse[] = [];
    call.on('data', (r: GetFlowsResponse) => got.push(r));
    call.on('error', () => undefined);
    try {
      await waitFor(() => h.observer.openStreams() === 1, 'the follow stream to open');
      // The client stops reading: transport flow control makes the server's writes push back
      // while the ring keeps being overwritten.
      call.pause();
      let pushed = 0;
      const deadline = Date.now() + PUSH_DEADLINE_MS;
      const serverCall = h.serverCalls[0];
      while (pushed < MAX_PUSHED && Date.now() < deadline) {
        for (let i = 0; i < BATCH; i += 1) h.store.pushFlow(makeFlow({ Summary: String(pushed++) }));
        await nextTurn();
        // Enough once the server is blocked on a full transport and the ring has lapped it several times.
        if (serverCall !== undefined && serverCall.writableNeedDrain && pushed > 20 * CAPACITY) break;
      }
      h.store.pushFlow(makeFlow({ Summary: 'last' }));
      pushed += 1;
      call.resume();
      await waitFor(() => got.at(-1)?.flow?.Summary === 'last', 'the last flow', 20_000);

      const lost = got.filter((r) => r.response_types === 'lost_events');
      expect(lost.length).toBeGreaterThan(0);
      for (const r of lost) {
        expect(r.lost_events?.source).toBe('HUBBLE_RING_BUFFER');
        expect(r.node_name).toBeTruthy();
        expect(r.time?.seconds).toBeGreaterThan(0);
      }
      const flows = got.filter((r) => r.response_types === 'flow').map((r) => r.flow?.Summary);
      const missed = lost.reduce((sum, r) => sum + (r.lost_events?.num_events_lost ?? 0), 0);
      // Every pushed event is either delivered or counted as lost, and delivered ones stay in order.
      expect(flows.length + missed).toBe(pushed);
      const order = flows.filter((s) => s !== 'last').map(Number);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      // After the first loss the follower carried on with newer flows.
      const firstLossIndex = got.findIndex((r) => r.response_types === 'lost_events');
      expect(got.slice(firstLossIndex).some((r) => r.response_types === 'flow')).toBe(true);
    } finally {
      call.cancel();
    }
  });
});
