import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { meteredFlowOf } from '../../src/metrics/metered-flow.js';
import { SeriesLimit } from '../../src/metrics/series-limit.js';
import { FlowsProcessedHandler } from '../../src/metrics/flows-processed-handler.js';
import { MONITOR_EVENT_TYPE, type Flow } from '../../src/proto/flow.js';
import { sampleValue } from '../helpers/exposition.js';

const TRACE_TO_ENDPOINT = 0;
const TRACE_TO_STACK = 3;

const tcpTrace: Flow = {
  verdict: 'FORWARDED',
  Type: 'L3_L4',
  event_type: { type: MONITOR_EVENT_TYPE.TRACE, sub_type: TRACE_TO_ENDPOINT },
  IP: { source: '198.18.0.1', destination: '198.18.0.2', ipVersion: 'IPv4' },
  l4: { TCP: { source_port: 40000, destination_port: 80, flags: { SYN: true } } },
};

const udpDrop: Flow = {
  verdict: 'DROPPED',
  Type: 'L3_L4',
  event_type: { type: MONITOR_EVENT_TYPE.DROP },
  IP: { source: '198.18.0.1', destination: '198.18.0.2', ipVersion: 'IPv4' },
  l4: { UDP: { source_port: 5353, destination_port: 9 } },
};

const dnsRequest: Flow = {
  verdict: 'FORWARDED',
  Type: 'L7',
  event_type: { type: MONITOR_EVENT_TYPE.L7 },
  l7: { type: 'REQUEST', dns: { query: 'example.com.', qtypes: ['A'] } },
};

async function exposition(flows: Flow[]): Promise<string> {
  const registry = new Registry();
  const handler = new FlowsProcessedHandler();
  handler.init(registry, new SeriesLimit(registry, 10_000));
  for (const flow of flows) handler.processFlow(meteredFlowOf(flow));
  return registry.metrics();
}

describe('hubble_flows_processed_total', () => {
  it('labels a trace by its observation point, a drop, and an L7 flow by its protocol', async () => {
    const text = await exposition([tcpTrace, tcpTrace, udpDrop, dnsRequest]);
    const name = 'hubble_flows_processed_total';
    expect(sampleValue(text, name, { protocol: 'TCP', type: 'Trace', subtype: 'to-endpoint', verdict: 'FORWARDED' })).toBe(2);
    expect(sampleValue(text, name, { protocol: 'UDP', type: 'Drop', subtype: '', verdict: 'DROPPED' })).toBe(1);
    expect(sampleValue(text, name, { protocol: 'DNS', type: 'L7', subtype: 'DNS', verdict: 'FORWARDED' })).toBe(1);
  });

  it('names other observation points and unknown event types as Hubble does', async () => {
    const toStack: Flow = { ...tcpTrace, event_type: { type: MONITOR_EVENT_TYPE.TRACE, sub_type: TRACE_TO_STACK } };
    const sock: Flow = { ...tcpTrace, event_type: { type: MONITOR_EVENT_TYPE.TRACE_SOCK } };
    const text = await exposition([toStack, sock]);
    const name = 'hubble_flows_processed_total';
    expect(sampleValue(text, name, { protocol: 'TCP', type: 'Trace', subtype: 'to-stack', verdict: 'FORWARDED' })).toBe(1);
    expect(sampleValue(text, name, { protocol: 'Unknown flow', type: 'Unknown', subtype: '131', verdict: 'FORWARDED' })).toBe(1);
  });

  it('carries no per-flow labels (addresses, ports)', async () => {
    const text = await exposition([tcpTrace]);
    expect(text).not.toContain('198.18.0.1');
    expect(text).not.toContain('40000');
  });
});
