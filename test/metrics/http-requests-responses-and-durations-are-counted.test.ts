import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { meteredFlowOf } from '../../src/metrics/metered-flow.js';
import { SeriesLimit } from '../../src/metrics/series-limit.js';
import { HttpHandler } from '../../src/metrics/http-handler.js';
import { MONITOR_EVENT_TYPE, type Flow, type HTTP, type Layer7 } from '../../src/proto/flow.js';
import { sampleValue } from '../helpers/exposition.js';

function httpFlow(type: Layer7['type'], http: HTTP, direction: Flow['traffic_direction'], latencyNs?: number): Flow {
  return {
    verdict: 'FORWARDED',
    Type: 'L7',
    event_type: { type: MONITOR_EVENT_TYPE.L7 },
    traffic_direction: direction,
    l7: { type, http, ...(latencyNs === undefined ? {} : { latency_ns: latencyNs }) },
  };
}

describe('hubble_http_* metrics', () => {
  it('counts requests and responses with method, protocol, status and reporter, and observes durations', async () => {
    const registry = new Registry();
    const handler = new HttpHandler();
    handler.init(registry, new SeriesLimit(registry, 10_000));
    handler.processFlow(meteredFlowOf(httpFlow('REQUEST', { method: 'GET', url: 'http://a/x?id=1', protocol: 'HTTP/1.1' }, 'EGRESS')));
    handler.processFlow(meteredFlowOf(httpFlow('RESPONSE', { method: 'GET', code: 200, url: 'http://a/x?id=1', protocol: 'HTTP/1.1' }, 'EGRESS', 30_000_000)));
    handler.processFlow(meteredFlowOf(httpFlow('RESPONSE', { method: 'POST', code: 503, protocol: 'HTTP/1.1' }, 'INGRESS', 2_000_000_000)));
    handler.processFlow(meteredFlowOf(httpFlow('REQUEST', { method: 'G\u0000ARBAGE', protocol: 'NOT-HTTP' }, undefined)));
    const text = await registry.metrics();
    expect(sampleValue(text, 'hubble_http_requests_total', { method: 'GET', protocol: 'HTTP/1.1', reporter: 'client' })).toBe(1);
    expect(sampleValue(text, 'hubble_http_requests_total', { method: 'other', protocol: 'other', reporter: 'unknown' })).toBe(1);
    expect(sampleValue(text, 'hubble_http_responses_total', { method: 'GET', protocol: 'HTTP/1.1', status: '200', reporter: 'client' })).toBe(1);
    expect(sampleValue(text, 'hubble_http_responses_total', { method: 'POST', protocol: 'HTTP/1.1', status: '503', reporter: 'server' })).toBe(1);
    const duration = 'hubble_http_request_duration_seconds';
    expect(sampleValue(text, `${duration}_count`, { method: 'GET', reporter: 'client' })).toBe(1);
    expect(sampleValue(text, `${duration}_sum`, { method: 'GET', reporter: 'client' })).toBeCloseTo(0.03, 9);
    expect(sampleValue(text, `${duration}_bucket`, { method: 'POST', reporter: 'server', le: '1' })).toBe(0);
    expect(sampleValue(text, `${duration}_bucket`, { method: 'POST', reporter: 'server', le: '2.5' })).toBe(1);
    expect(text).not.toContain('id=1');
  });
});
