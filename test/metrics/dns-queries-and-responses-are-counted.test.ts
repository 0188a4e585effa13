import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { meteredFlowOf } from '../../src/metrics/metered-flow.js';
import { SeriesLimit } from '../../src/metrics/series-limit.js';
import { DnsHandler } from '../../src/metrics/dns-handler.js';
import { MONITOR_EVENT_TYPE, type DNS, type Flow } from '../../src/proto/flow.js';
import { sampleValue } from '../helpers/exposition.js';

function dnsFlow(dns: DNS, reply: boolean, verdict: Flow['verdict'] = 'FORWARDED'): Flow {
  return {
    verdict,
    Type: 'L7',
    event_type: { type: MONITOR_EVENT_TYPE.L7 },
    is_reply: reply ? { value: true } : {},
    l7: { type: reply ? 'RESPONSE' : 'REQUEST', dns },
  };
}

describe('hubble_dns_queries_total and hubble_dns_responses_total', () => {
  it('counts queries, responses by rcode and answer count, and dropped queries as policy denied', async () => {
    const registry = new Registry();
    const handler = new DnsHandler();
    handler.init(registry, new SeriesLimit(registry, 10_000));
    handler.processFlow(meteredFlowOf(dnsFlow({ query: 'example.com.', qtypes: ['A'] }, false)));
    handler.processFlow(meteredFlowOf(dnsFlow({ query: 'example.com.', qtypes: ['A'], rcode: 0, ips: ['198.19.1.1', '198.19.1.2'], rrtypes: ['A', 'A'] }, true)));
    handler.processFlow(meteredFlowOf(dnsFlow({ query: 'nope.example.', qtypes: ['AAAA'], rcode: 3 }, true)));
    handler.processFlow(meteredFlowOf(dnsFlow({ query: 'blocked.example.', qtypes: ['A'] }, false, 'DROPPED')));
    const text = await registry.metrics();
    expect(sampleValue(text, 'hubble_dns_queries_total', { rcode: '', qtypes: 'A', ips_returned: '0' })).toBe(1);
    expect(sampleValue(text, 'hubble_dns_queries_total', { rcode: 'Policy denied', qtypes: 'A', ips_returned: '0' })).toBe(1);
    expect(sampleValue(text, 'hubble_dns_responses_total', { rcode: 'No Error', qtypes: 'A', ips_returned: '2' })).toBe(1);
    expect(sampleValue(text, 'hubble_dns_responses_total', { rcode: 'Non-Existent Domain', qtypes: 'AAAA', ips_returned: '0' })).toBe(1);
    expect(sampleValue(text, 'hubble_dns_response_types_total', { type: 'A', qtypes: 'A' })).toBe(2);
    expect(text).not.toContain('example.com');
  });
});
