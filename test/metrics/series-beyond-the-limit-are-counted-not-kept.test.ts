import { describe, expect, it } from 'vitest';
import { AgentMetrics } from '../../src/metrics/registry.js';
import { MONITOR_EVENT_TYPE, type Flow } from '../../src/proto/flow.js';
import { findSamples, sampleValue } from '../helpers/exposition.js';

describe('the series bound of a flow metric', () => {
  it('keeps counting known series and counts increments for new ones in flowlens_metric_series_limited_total', async () => {
    const metrics = new AgentMetrics({ version: 'test', agentState: {}, flowMetrics: ['flow:sourceContext=ip'], maxSeriesPerMetric: 50 });
    // A scan from 1000 forged addresses: each would be a series of its own.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 1000; i++) {
        metrics.processFlow({
          verdict: 'FORWARDED',
          event_type: { type: MONITOR_EVENT_TYPE.TRACE },
          IP: { source: `198.18.${i >> 8}.${i & 255}`, destination: '198.19.0.1', ipVersion: 'IPv4' },
          l4: { UDP: { source_port: 1, destination_port: 2 } },
        } satisfies Flow);
      }
    }
    const text = await metrics.registry.metrics();
    const series = findSamples(text, 'hubble_flows_processed_total');
    expect(series).toHaveLength(50);
    expect(series.every((s) => s.value === 2)).toBe(true);
    expect(sampleValue(text, 'flowlens_metric_series_limited_total', { metric: 'hubble_flows_processed_total' })).toBe(2 * 1000 - 2 * 50);
  });
});
