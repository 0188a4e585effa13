import { describe, expect, it } from 'vitest';
import { openMetricsText } from '../../src/metrics/openmetrics-exposition.js';
import { AgentMetrics } from '../../src/metrics/registry.js';
import { DnsNameCache } from '../../src/parser/l7/dns-name-cache.js';
import { L7Tracker } from '../../src/parser/l7/l7-tracker.js';
import { MONITOR_EVENT_TYPE, type Flow } from '../../src/proto/flow.js';
import { fromClient, fromServer, MS, text } from '../parser/l7/payloads.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('exemplars', () => {
  it('an HTTP response carries the trace id of its request\'s traceparent header', () => {
    const tracker = new L7Tracker({ names: new DnsNameCache() });
    const request = tracker.observe(fromClient(1n * MS, text(`GET /x HTTP/1.1\r\nHost: a\r\ntraceparent: 00-${TRACE_ID}-00f067aa0ba902b7-01\r\n\r\n`)));
    const response = tracker.observe(fromServer(31n * MS, text('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')));
    expect(request?.kind === 'l7' && request.flow.trace_context).toEqual({ parent: { trace_id: TRACE_ID } });
    expect(response?.kind === 'l7' && response.flow.trace_context).toEqual({ parent: { trace_id: TRACE_ID } });
    const untraced = tracker.observe(fromClient(40n * MS, text('GET /y HTTP/1.1\r\nHost: a\r\ntraceparent: 00-00000000000000000000000000000000-00f067aa0ba902b7-01\r\n\r\n')));
    expect(untraced?.kind === 'l7' && untraced.flow.trace_context).toBeUndefined();
  });

  it('httpV2:exemplars=true writes the trace id on the request counter and the duration bucket in OpenMetrics only', async () => {
    const metrics = new AgentMetrics({ version: 'test', agentState: {}, flowMetrics: ['httpV2:exemplars=true', 'flow'] });
    const response: Flow = {
      verdict: 'FORWARDED',
      Type: 'L7',
      event_type: { type: MONITOR_EVENT_TYPE.L7 },
      traffic_direction: 'INGRESS',
      is_reply: { value: true },
      l7: { type: 'RESPONSE', latency_ns: 30_000_000, http: { method: 'GET', code: 200, protocol: 'HTTP/1.1' } },
      trace_context: { parent: { trace_id: TRACE_ID } },
    };
    metrics.processFlow(response);
    metrics.processFlow({ ...response, trace_context: undefined });
    const open = await openMetricsText(metrics.registry);
    expect(open).toMatch(new RegExp(`^hubble_http_requests_total\\{method="GET",protocol="HTTP/1.1",status="200",reporter="server"\\} 2 # \\{traceID="${TRACE_ID}"\\} 1 \\d+\\.\\d{3}$`, 'm'));
    expect(open).toMatch(new RegExp(`^hubble_http_request_duration_seconds_bucket\\{le="0.05",method="GET",reporter="server"\\} 2 # \\{traceID="${TRACE_ID}"\\} 0.03 `, 'm'));
    expect(open.match(/traceID=/g)).toHaveLength(2);
    expect(open).toMatch(/^# TYPE hubble_flows_processed counter$/m);
    expect(open.endsWith('# EOF\n')).toBe(true);
    expect(await metrics.registry.metrics()).not.toContain('traceID');
  });
});
