import { describe, expect, it } from 'vitest';
import { AgentMetrics } from '../../src/metrics/registry.js';
import { startMetricsServer } from '../../src/metrics/server.js';
import { MONITOR_EVENT_TYPE } from '../../src/proto/flow.js';

// What Prometheus sends: OpenMetrics first, the text format as a fallback.
const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';

describe('the metrics server', () => {
  it('answers OpenMetrics with exemplars to a scraper that asks for it, the text format to others', async () => {
    const metrics = new AgentMetrics({ version: 'test', agentState: {}, flowMetrics: ['httpV2:exemplars=true'] });
    metrics.processFlow({
      verdict: 'FORWARDED',
      event_type: { type: MONITOR_EVENT_TYPE.L7 },
      traffic_direction: 'EGRESS',
      l7: { type: 'RESPONSE', latency_ns: 1_000_000, http: { method: 'GET', code: 200, protocol: 'HTTP/1.1' } },
      trace_context: { parent: { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' } },
    });
    const server = await startMetricsServer({ address: { host: '127.0.0.1', port: 0 }, registry: metrics.registry });
    try {
      const url = `http://127.0.0.1:${server.port}/metrics`;
      const open = await fetch(url, { headers: { accept: PROMETHEUS_ACCEPT } });
      expect(open.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
      const openText = await open.text();
      expect(openText).toContain('# TYPE hubble_http_requests counter');
      expect(openText).toContain('# {traceID="4bf92f3577b34da6a3ce929d0e0e4736"} 1 ');
      expect(openText.endsWith('# EOF\n')).toBe(true);

      const plain = await fetch(url);
      expect(plain.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const plainText = await plain.text();
      expect(plainText).toContain('# TYPE hubble_http_requests_total counter');
      expect(plainText).not.toContain('traceID');
      // Serving OpenMetrics first leaves the text format's counter names alone.
      expect((await (await fetch(url)).text())).toMatch(/^hubble_http_requests_total\{/m);
    } finally {
      await server.close();
    }
  });
});
