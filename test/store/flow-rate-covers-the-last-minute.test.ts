import { describe, expect, it } from 'vitest';
import { FlowRateMeter } from '../../src/store/flow-rate.js';
import { FlowStore } from '../../src/store/flow-store.js';
import { makeFlow } from '../helpers/flows.js';

describe('flows rate: flows per second over the last minute', () => {
  it('averages the flows of the last 60 seconds and forgets older ones', () => {
    let nowMs = 1_000_000;
    const meter = new FlowRateMeter({ now: () => nowMs });
    meter.record(120);
    expect(meter.rate()).toBe(2);
    nowMs += 30_000;
    meter.record(60);
    expect(meter.rate()).toBe(3);
    nowMs += 31_000;
    expect(meter.rate()).toBe(1);
    nowMs += 60_000;
    expect(meter.rate()).toBe(0);
  });

  it('reuses a bucket a minute later without carrying its old count', () => {
    let nowMs = 5_000;
    const meter = new FlowRateMeter({ now: () => nowMs });
    meter.record(600);
    nowMs += 60_000;
    meter.record(6);
    expect(meter.rate()).toBe(0.1);
  });

  it('the store counts flows, not lost-event reports', () => {
    const nowMs = 2_000_000;
    const store = new FlowStore({ capacity: 4, now: () => nowMs });
    for (let i = 0; i < 6; i += 1) store.pushFlow(makeFlow());
    store.pushLostEvent({ source: 'PERF_EVENT_RING_BUFFER', num_events_lost: 9 });
    expect(store.flowsRate()).toBe(6 / 60);
    expect({ seen: store.seen, size: store.size, capacity: store.capacity }).toEqual({ seen: 7, size: 4, capacity: 4 });
  });
});
