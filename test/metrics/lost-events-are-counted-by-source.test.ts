import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LostEventsMetric } from '../../src/metrics/lost-events.js';
import { sampleValue } from '../helpers/exposition.js';

describe('hubble_lost_events_total', () => {
  it('adds lost counts under the lower-case source name Hubble agents use, every source from 0', async () => {
    const registry = new Registry();
    const lost = new LostEventsMetric(registry);
    lost.add('PERF_EVENT_RING_BUFFER', 7);
    lost.add('PERF_EVENT_RING_BUFFER', 3);
    lost.add('HUBBLE_RING_BUFFER', 1);
    lost.add('OBSERVER_EVENTS_QUEUE', 0);
    const text = await registry.metrics();
    expect(sampleValue(text, 'hubble_lost_events_total', { source: 'perf_event_ring_buffer' })).toBe(10);
    expect(sampleValue(text, 'hubble_lost_events_total', { source: 'hubble_ring_buffer' })).toBe(1);
    expect(sampleValue(text, 'hubble_lost_events_total', { source: 'observer_events_queue' })).toBe(0);
    expect(sampleValue(text, 'hubble_lost_events_total', { source: 'unknown_lost_event_source' })).toBeUndefined();
  });
});
