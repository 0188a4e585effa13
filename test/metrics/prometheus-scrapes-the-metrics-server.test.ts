import { describe, expect, it } from 'vitest';
import { AgentMetrics } from '../../src/metrics/registry.js';
import { startMetricsServer } from '../../src/metrics/server.js';
import { MONITOR_EVENT_TYPE, type Flow } from '../../src/proto/flow.js';
import { startPrometheus, type PrometheusServer } from '../helpers/prometheus.js';

const FLOW: Flow = {
  verdict: 'FORWARDED',
  event_type: { type: MONITOR_EVENT_TYPE.TRACE, sub_type: 0 },
  IP: { source: '198.18.0.1', destination: '198.18.0.2', ipVersion: 'IPv4' },
  l4: { TCP: { source_port: 40000, destination_port: 80, flags: { ACK: true } } },
};
const FIRST_BATCH = 5;
const SECOND_BATCH = 7;
const PROCESSED = 'sum(hubble_flows_processed_total{job="flowlens"})';

describe('a real Prometheus server', () => {
  it('scrapes /metrics, sees the target up, and sees hubble_flows_processed_total grow', async () => {
    const metrics = new AgentMetrics({ version: '0.1.0', agentState: { captureMode: () => 'base' } });
    const server = await startMetricsServer({ address: { host: '127.0.0.1', port: 0 }, registry: metrics.registry });
    let prometheus: PrometheusServer | undefined;
    try {
      for (let i = 0; i < FIRST_BATCH; i += 1) metrics.processFlow(FLOW);
      prometheus = await startPrometheus({ targets: [`127.0.0.1:${server.port}`] });

      const up = await prometheus.waitFor('up{job="flowlens"}', (samples) => samples.length === 1 && samples[0]!.value === 1);
      expect(up[0]!.metric.instance).toBe(`127.0.0.1:${server.port}`);
      await prometheus.waitFor(PROCESSED, (samples) => samples[0]?.value === FIRST_BATCH);
      const mode = await prometheus.waitFor('flowlens_capture_mode{mode="base"}', (samples) => samples.length === 1);
      expect(mode[0]!.value).toBe(1);

      for (let i = 0; i < SECOND_BATCH; i += 1) metrics.processFlow(FLOW);
      await prometheus.waitFor(PROCESSED, (samples) => samples[0]?.value === FIRST_BATCH + SECOND_BATCH);
      const growth = await prometheus.query(`sum(increase(hubble_flows_processed_total{job="flowlens"}[1m]))`);
      expect(growth[0]!.value).toBeGreaterThan(0);
    } finally {
      await prometheus?.stop();
      await server.close();
    }
  });
});
