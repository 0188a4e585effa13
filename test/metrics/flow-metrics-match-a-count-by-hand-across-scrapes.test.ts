import { describe, expect, it } from 'vitest';
import { AgentMetrics } from '../../src/metrics/registry.js';
import { MONITOR_EVENT_TYPE, type Flow } from '../../src/proto/flow.js';
import { makeFlow } from '../helpers/flows.js';
import { parseExposition } from '../helpers/exposition.js';

// The flow metrics cache a series per label combination and hand increments to prom-client
// when read. Many flows of many kinds, scraped now and then, must read exactly as a count by
// hand: no increment lost or doubled across scrapes, no two label combinations merged.

type Labels = Record<string, string>;

interface FlowKind {
  flow: Flow;
  /** Every series this flow adds one to: [metric name, labels]. */
  counts: [string, Labels][];
}

const FLOWS = 'hubble_flows_processed_total';
const DROPS = 'hubble_drop_total';
const TCP_FLAGS = 'hubble_tcp_flags_total';
const DNS_QUERIES = 'hubble_dns_queries_total';
const DNS_RESPONSES = 'hubble_dns_responses_total';
const DNS_TYPES = 'hubble_dns_response_types_total';
const HTTP_REQUESTS = 'hubble_http_requests_total';
const HTTP_RESPONSES = 'hubble_http_responses_total';
const HTTP_DURATIONS = 'hubble_http_request_duration_seconds_count';
const COUNTED = new Set([FLOWS, DROPS, TCP_FLAGS, DNS_QUERIES, DNS_RESPONSES, DNS_TYPES, HTTP_REQUESTS, HTTP_RESPONSES, HTTP_DURATIONS]);

const TRACE = MONITOR_EVENT_TYPE.TRACE;
const TO_ENDPOINT = 0;
const TO_NETWORK = 11;
const V4 = { source: '198.18.0.1', destination: '198.18.0.2', ipVersion: 'IPv4' } as const;
const V6 = { source: 'fd00::1', destination: 'fd00::2', ipVersion: 'IPv6' } as const;

function trace(subType: number, fields: Partial<Flow>): Flow {
  return makeFlow({ event_type: { type: TRACE, sub_type: subType }, ...fields });
}

function dns(fields: Partial<Flow>): Flow {
  return makeFlow({ Type: 'L7', event_type: { type: MONITOR_EVENT_TYPE.L7 }, l4: { UDP: { source_port: 40001, destination_port: 53 } }, ...fields });
}

function http(fields: Partial<Flow>): Flow {
  const l4 = { TCP: { source_port: 40002, destination_port: 80, flags: { ACK: true, PSH: true } } };
  return makeFlow({ Type: 'L7', event_type: { type: MONITOR_EVENT_TYPE.L7 }, l4, ...fields });
}

const KINDS: FlowKind[] = [
  {
    flow: trace(TO_NETWORK, { IP: V4, l4: { TCP: { source_port: 1, destination_port: 80, flags: { SYN: true } } } }),
    counts: [[FLOWS, { protocol: 'TCP', type: 'Trace', subtype: 'to-network', verdict: 'FORWARDED' }], [TCP_FLAGS, { flag: 'SYN', family: 'IPv4' }]],
  },
  {
    flow: trace(TO_ENDPOINT, { IP: V4, l4: { TCP: { source_port: 80, destination_port: 1, flags: { SYN: true, ACK: true } } } }),
    counts: [[FLOWS, { protocol: 'TCP', type: 'Trace', subtype: 'to-endpoint', verdict: 'FORWARDED' }], [TCP_FLAGS, { flag: 'SYN-ACK', family: 'IPv4' }]],
  },
  {
    flow: trace(TO_NETWORK, { IP: V6, l4: { TCP: { source_port: 1, destination_port: 80, flags: { SYN: true, ACK: true } } } }),
    counts: [[FLOWS, { protocol: 'TCP', type: 'Trace', subtype: 'to-network', verdict: 'FORWARDED' }], [TCP_FLAGS, { flag: 'SYN-ACK', family: 'IPv6' }]],
  },
  {
    flow: trace(TO_NETWORK, { IP: V4, l4: { TCP: { source_port: 1, destination_port: 80, flags: { ACK: true, PSH: true } } } }),
    counts: [[FLOWS, { protocol: 'TCP', type: 'Trace', subtype: 'to-network', verdict: 'FORWARDED' }]],
  },
  {
    flow: trace(3, { verdict: 'REDIRECTED', IP: V4, l4: { TCP: { source_port: 1, destination_port: 80, flags: { FIN: true, RST: true } } } }),
    counts: [
      [FLOWS, { protocol: 'TCP', type: 'Trace', subtype: 'to-stack', verdict: 'REDIRECTED' }],
      [TCP_FLAGS, { flag: 'FIN', family: 'IPv4' }],
      [TCP_FLAGS, { flag: 'RST', family: 'IPv4' }],
    ],
  },
  {
    flow: trace(TO_ENDPOINT, { IP: V4, l4: { UDP: { source_port: 5000, destination_port: 5001 } } }),
    counts: [[FLOWS, { protocol: 'UDP', type: 'Trace', subtype: 'to-endpoint', verdict: 'FORWARDED' }]],
  },
  {
    flow: trace(TO_NETWORK, { IP: V4, l4: { ICMPv4: { type: 8, code: 0 } } }),
    counts: [[FLOWS, { protocol: 'ICMPv4', type: 'Trace', subtype: 'to-network', verdict: 'FORWARDED' }]],
  },
  {
    flow: trace(TO_NETWORK, { IP: V6, l4: { ICMPv6: { type: 128, code: 0 } } }),
    counts: [[FLOWS, { protocol: 'ICMPv6', type: 'Trace', subtype: 'to-network', verdict: 'FORWARDED' }]],
  },
  {
    flow: makeFlow({ event_type: { type: MONITOR_EVENT_TYPE.TRACE_SOCK }, IP: V4, l4: { UDP: { source_port: 1, destination_port: 2 } } }),
    counts: [[FLOWS, { protocol: 'Unknown flow', type: 'Unknown', subtype: '131', verdict: 'FORWARDED' }]],
  },
  {
    flow: makeFlow({
      verdict: 'DROPPED',
      event_type: { type: MONITOR_EVENT_TYPE.DROP },
      l4: { UDP: { source_port: 5000, destination_port: 9 } },
      drop_reason_desc: 'DROP_REASON_UNKNOWN',
      Summary: 'UDP, kernel drop reason NO_SOCKET',
    }),
    counts: [[FLOWS, { protocol: 'UDP', type: 'Drop', subtype: '', verdict: 'DROPPED' }], [DROPS, { reason: 'NO_SOCKET', protocol: 'UDP' }]],
  },
  {
    flow: makeFlow({
      verdict: 'DROPPED',
      event_type: { type: MONITOR_EVENT_TYPE.DROP },
      Summary: 'TCP Flags: SYN, kernel drop reason NETFILTER_DROP',
    }),
    counts: [[FLOWS, { protocol: 'TCP', type: 'Drop', subtype: '', verdict: 'DROPPED' }], [DROPS, { reason: 'NETFILTER_DROP', protocol: 'TCP' }]],
  },
  {
    flow: makeFlow({ verdict: 'DROPPED', event_type: { type: MONITOR_EVENT_TYPE.DROP }, drop_reason_desc: 'POLICY_DENIED', Summary: 'TCP Flags: SYN' }),
    counts: [[FLOWS, { protocol: 'TCP', type: 'Drop', subtype: '', verdict: 'DROPPED' }], [DROPS, { reason: 'POLICY_DENIED', protocol: 'TCP' }]],
  },
  {
    flow: dns({ l7: { type: 'REQUEST', dns: { query: 'a.example.', qtypes: ['A'] } } }),
    counts: [[FLOWS, { protocol: 'DNS', type: 'L7', subtype: 'DNS', verdict: 'FORWARDED' }], [DNS_QUERIES, { rcode: '', qtypes: 'A', ips_returned: '0' }]],
  },
  {
    flow: dns({ verdict: 'DROPPED', l7: { type: 'REQUEST', dns: { query: 'a.example.', qtypes: ['A'] } } }),
    counts: [
      [FLOWS, { protocol: 'DNS', type: 'L7', subtype: 'DNS', verdict: 'DROPPED' }],
      [DNS_QUERIES, { rcode: 'Policy denied', qtypes: 'A', ips_returned: '0' }],
      [DROPS, { reason: 'DROP_REASON_UNKNOWN', protocol: 'DNS' }],
    ],
  },
  {
    flow: dns({
      is_reply: { value: true },
      l7: { type: 'RESPONSE', dns: { query: 'a.example.', qtypes: ['A'], ips: ['198.19.1.1', '198.19.1.2'], rcode: 0, rrtypes: ['A', 'A'] } },
    }),
    counts: [
      [FLOWS, { protocol: 'DNS', type: 'L7', subtype: 'DNS', verdict: 'FORWARDED' }],
      [DNS_RESPONSES, { rcode: 'No Error', qtypes: 'A', ips_returned: '2' }],
      [DNS_TYPES, { type: 'A', qtypes: 'A' }],
      [DNS_TYPES, { type: 'A', qtypes: 'A' }],
    ],
  },
  // The next two carry values the DNS labels' closed sets replace: a type name the parser does
  // not have ("A,AAAA") is counted as "Unknown", and several question types as "other".
  {
    flow: dns({ is_reply: { value: true }, l7: { type: 'RESPONSE', dns: { query: 'b.example.', qtypes: ['A'], rcode: 3, rrtypes: ['A,AAAA'] } } }),
    counts: [
      [FLOWS, { protocol: 'DNS', type: 'L7', subtype: 'DNS', verdict: 'FORWARDED' }],
      [DNS_RESPONSES, { rcode: 'Non-Existent Domain', qtypes: 'A', ips_returned: '0' }],
      [DNS_TYPES, { type: 'Unknown', qtypes: 'A' }],
    ],
  },
  {
    flow: dns({ is_reply: { value: true }, l7: { type: 'RESPONSE', dns: { query: 'c.example.', qtypes: ['AAAA', 'A'], rcode: 0, rrtypes: ['A'] } } }),
    counts: [
      [FLOWS, { protocol: 'DNS', type: 'L7', subtype: 'DNS', verdict: 'FORWARDED' }],
      [DNS_RESPONSES, { rcode: 'No Error', qtypes: 'other', ips_returned: '0' }],
      [DNS_TYPES, { type: 'A', qtypes: 'other' }],
    ],
  },
  {
    flow: http({ traffic_direction: 'EGRESS', l7: { type: 'REQUEST', http: { code: 0, method: 'GET', url: '/x', protocol: 'HTTP/1.1' } } }),
    counts: [
      [FLOWS, { protocol: 'HTTP', type: 'L7', subtype: 'HTTP', verdict: 'FORWARDED' }],
      [HTTP_REQUESTS, { method: 'GET', protocol: 'HTTP/1.1', reporter: 'client' }],
    ],
  },
  {
    flow: http({
      traffic_direction: 'EGRESS',
      l7: { type: 'RESPONSE', latency_ns: 2_000_000, http: { code: 200, method: 'GET', url: '/x', protocol: 'HTTP/1.1' } },
    }),
    counts: [
      [FLOWS, { protocol: 'HTTP', type: 'L7', subtype: 'HTTP', verdict: 'FORWARDED' }],
      [HTTP_RESPONSES, { method: 'GET', protocol: 'HTTP/1.1', status: '200', reporter: 'client' }],
      [HTTP_DURATIONS, { method: 'GET', reporter: 'client' }],
    ],
  },
  {
    flow: http({
      traffic_direction: 'INGRESS',
      l7: { type: 'RESPONSE', latency_ns: 40_000_000, http: { code: 503, method: 'POST', url: '/y', protocol: 'HTTP/2' } },
    }),
    counts: [
      [FLOWS, { protocol: 'HTTP', type: 'L7', subtype: 'HTTP', verdict: 'FORWARDED' }],
      [HTTP_RESPONSES, { method: 'POST', protocol: 'HTTP/2', status: '503', reporter: 'server' }],
      [HTTP_DURATIONS, { method: 'POST', reporter: 'server' }],
    ],
  },
];

const FLOW_COUNT = 20_000;
const SCRAPE_EVERY = 1_777;

function seriesKey(name: string, labels: Labels): string {
  return JSON.stringify([name, Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))]);
}

/** The flow metric samples of an exposition, by series; each must be there once. */
function countedSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const sample of parseExposition(text)) {
    if (!COUNTED.has(sample.name)) continue;
    const key = seriesKey(sample.name, sample.labels);
    expect(samples.has(key), key).toBe(false);
    samples.set(key, sample.value);
  }
  return samples;
}

// The families whose counts KINDS spells out (http is the one with separate requests and responses).
const COUNTED_METRICS = ['flow', 'drop', 'tcp', 'dns', 'http'];

describe('flow metrics', () => {
  it('read exactly as a count by hand after many flows of many label combinations, scrape after scrape', async () => {
    const metrics = new AgentMetrics({ version: 'test', agentState: {}, flowMetrics: COUNTED_METRICS });
    const expected = new Map<string, number>();
    // A fixed pseudo-random order (32-bit LCG, high bits), so every run sees the same sequence.
    let seed = 12_345;
    let scrapes = 0;
    for (let i = 1; i <= FLOW_COUNT; i++) {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      const kind = KINDS[(seed >>> 16) % KINDS.length]!;
      metrics.processFlow(kind.flow);
      for (const [name, labels] of kind.counts) {
        const key = seriesKey(name, labels);
        expected.set(key, (expected.get(key) ?? 0) + 1);
      }
      if (i % SCRAPE_EVERY === 0 || i === FLOW_COUNT) {
        expect(countedSamples(await metrics.registry.metrics())).toEqual(expected);
        scrapes++;
      }
    }
    expect(scrapes).toBeGreaterThan(10);
    expect(expected.size).toBeGreaterThan(25);
  });

  it('hand every increment to a reader of the metric object, not only to the text exposition', async () => {
    const metrics = new AgentMetrics({ version: 'test', agentState: {}, flowMetrics: COUNTED_METRICS });
    for (const kind of KINDS) metrics.processFlow(kind.flow);
    const flows = await metrics.registry.getSingleMetric(FLOWS)!.get();
    expect(flows.values.reduce((sum, sample) => sum + sample.value, 0)).toBe(KINDS.length);
  });
});
