import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { AgentMetrics } from '../../src/metrics/registry.js';
import { MONITOR_EVENT_TYPE, type Flow } from '../../src/proto/flow.js';

const FLOWS: Flow[] = [
  {
    verdict: 'FORWARDED',
    event_type: { type: MONITOR_EVENT_TYPE.TRACE, sub_type: 0 },
    traffic_direction: 'EGRESS',
    is_reply: { value: false },
    IP: { source: '198.18.0.1', destination: '198.18.0.2', ipVersion: 'IPv4' },
    l4: { TCP: { source_port: 40000, destination_port: 80, flags: { SYN: true } } },
  },
  {
    verdict: 'DROPPED',
    event_type: { type: MONITOR_EVENT_TYPE.DROP },
    IP: { source: '198.18.0.1', destination: '198.18.0.2', ipVersion: 'IPv4' },
    l4: { UDP: { source_port: 40000, destination_port: 9 } },
    drop_reason_desc: 'SOCKET_LOOKUP_FAILED',
    Summary: 'UDP, kernel drop reason NO_SOCKET',
  },
  {
    verdict: 'FORWARDED',
    event_type: { type: MONITOR_EVENT_TYPE.L7 },
    is_reply: { value: true },
    l7: { type: 'RESPONSE', dns: { query: 'a.example.', qtypes: ['A'], rcode: 0, ips: ['198.19.1.1'], rrtypes: ['A'] } },
  },
  {
    verdict: 'FORWARDED',
    event_type: { type: MONITOR_EVENT_TYPE.L7 },
    traffic_direction: 'INGRESS',
    l7: { type: 'REQUEST', http: { method: 'GET', url: '/', protocol: 'HTTP/1.1' } },
  },
  {
    verdict: 'FORWARDED',
    event_type: { type: MONITOR_EVENT_TYPE.L7 },
    traffic_direction: 'INGRESS',
    l7: { type: 'RESPONSE', latency_ns: 1_500_000, http: { method: 'GET', code: 200, url: '/', protocol: 'HTTP/1.1' } },
  },
];

const EVERY_METRIC_V1 = ['dns:query', 'drop:sourceContext=pod|ip', 'tcp', 'flow:destinationContext=dns|ip', 'port-distribution', 'icmp', 'flows-to-world:port', 'http:labelsContext=source_ip,traffic_direction'];
const DEFAULT_HTTP_V2 = ['hubble_http_requests_total', 'hubble_http_request_duration_seconds_bucket', 'hubble_port_distribution_total'];
const WITH_HTTP_V1 = ['hubble_http_requests_total', 'hubble_http_responses_total', 'hubble_http_request_duration_seconds_bucket', 'hubble_port_distribution_total'];

describe.each([
  ['the default metrics', undefined, DEFAULT_HTTP_V2],
  ['every metric with http and context options', EVERY_METRIC_V1, WITH_HTTP_V1],
])('exposition of %s', (_name, flowMetrics, httpFamilies) => {
  it('passes promtool check metrics with every family populated', async () => {
    const metrics = new AgentMetrics({
      version: '0.1.0',
      ...(flowMetrics ? { flowMetrics } : {}),
      agentState: {
        captureMode: () => 'tracer',
        tlsParseEnabled: () => false,
        capabilities: () => ({ btf: true, bpf_prog_load: true, uprobe: false }),
        records: () => ({ read: 100, decoded: 98, malformed: 2 }),
        flowStore: () => ({ events: 98, capacity: 4095 }),
        attachedInterfaces: () => 2,
        grpcOpenStreams: () => ({ '/observer.Observer/GetFlows': 1, '/peer.Peer/Notify': 1 }),
        peersKnown: () => 3,
        certificates: () => [
          { role: 'certificate', path: 'tls/server.crt', valid: true, notAfter: new Date('2031-05-01T12:00:00Z') },
          { role: 'key', path: 'tls/server.key', valid: true },
        ],
      },
    });
    for (const flow of FLOWS) metrics.processFlow(flow);
    metrics.lostEvents.add('PERF_EVENT_RING_BUFFER', 4);
    const text = await metrics.registry.metrics();
    for (const family of [
      'hubble_flows_processed_total', 'hubble_drop_total', 'hubble_tcp_flags_total', 'hubble_lost_events_total',
      'hubble_dns_responses_total', ...httpFamilies, 'flowlens_build_info', 'flowlens_capture_mode',
      'flowlens_tls_certificate_valid', 'process_cpu_seconds_total',
    ]) {
      expect(text, family).toMatch(new RegExp(`^${family}[{ ]`, 'm'));
    }

    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
    expect(promtool.error).toBeUndefined();
    expect(`${promtool.stdout}${promtool.stderr}`).toBe('');
    expect(promtool.status).toBe(0);
  });
});
