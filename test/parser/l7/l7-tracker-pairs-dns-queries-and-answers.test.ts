import { describe, expect, it } from 'vitest';
import { DnsNameCache } from '../../../src/parser/l7/dns-name-cache.js';
import { L7Tracker } from '../../../src/parser/l7/l7-tracker.js';
import { TYPE, buildDnsMessage, withTcpLengthPrefix } from './dns-message-builder.js';
import { MS, fromClient, fromServer } from './payloads.js';

const toServer = { protocol: 'UDP' as const, destinationPort: 53 };
const toClient = { protocol: 'UDP' as const, sourcePort: 53 };

function query(id: number, name: string): Buffer {
  return buildDnsMessage({ id, questions: [{ name, type: TYPE.A }] });
}

function answer(id: number, name: string, ips: string[], rcode = 0): Buffer {
  return buildDnsMessage({
    id,
    response: true,
    rcode,
    questions: [{ name, type: TYPE.A }],
    answers:
      rcode !== 0
        ? []
        : [
            { name, type: TYPE.CNAME, ttl: 900, cname: `lb.${name}` },
            ...ips.map((ip) => ({ name: `lb.${name}`, type: TYPE.A, ttl: 120, ip })),
          ],
  });
}

describe('L7 tracker, DNS', () => {
  it('makes a request flow and a response flow with the latency between them', () => {
    const tracker = new L7Tracker({ names: new DnsNameCache() });
    const request = tracker.observe(fromClient(1_000n * MS, query(0x42, 'api.example.com'), toServer));
    expect(request).toEqual({
      kind: 'l7',
      flow: {
        Type: 'L7',
        l7: { type: 'REQUEST', latency_ns: 0, record: 'dns', dns: { query: 'api.example.com.', observation_source: '', qtypes: ['A'] } },
        Summary: 'DNS Query api.example.com. A',
        is_reply: { value: false },
        reply: false,
        event_type: { type: 129, sub_type: 0 },
        source_names: [],
        destination_names: [],
      },
    });

    const response = tracker.observe(fromServer(1_012n * MS, answer(0x42, 'api.example.com', ['10.0.9.1', '10.0.9.2']), toClient));
    expect(response?.kind).toBe('l7');
    if (response?.kind !== 'l7') return;
    expect(response.flow.l7).toEqual({
      type: 'RESPONSE',
      latency_ns: 12_000_000,
      record: 'dns',
      dns: {
        query: 'api.example.com.',
        ips: ['10.0.9.1', '10.0.9.2'],
        ttl: 120,
        cnames: ['lb.api.example.com.'],
        observation_source: '',
        rcode: 0,
        qtypes: ['A'],
        rrtypes: ['CNAME', 'A', 'A'],
      },
    });
    expect(response.flow.Summary).toBe('DNS Answer "10.0.9.1,10.0.9.2" CNAMEs: "lb.api.example.com." TTL: 120 (Query api.example.com. A)');
    expect(response.flow.is_reply).toEqual({ value: true });
    expect(tracker.tableStats().find((t) => t.table === 'dns_pending')?.entries).toBe(0);
  });

  it('pairs by transaction id, not by order', () => {
    const tracker = new L7Tracker({ names: new DnsNameCache() });
    tracker.observe(fromClient(0n, query(1, 'one.test'), toServer));
    tracker.observe(fromClient(1n * MS, query(2, 'two.test'), toServer));
    const second = tracker.observe(fromServer(3n * MS, answer(2, 'two.test', ['10.0.0.2']), toClient));
    const first = tracker.observe(fromServer(10n * MS, answer(1, 'one.test', ['10.0.0.1']), toClient));
    expect(second?.kind === 'l7' && second.flow.l7.latency_ns).toBe(2_000_000);
    expect(first?.kind === 'l7' && first.flow.l7.latency_ns).toBe(10_000_000);
  });

  it('gives an unpaired answer zero latency, and summarizes an error by its code', () => {
    const tracker = new L7Tracker({ names: new DnsNameCache() });
    const nx = tracker.observe(fromServer(5n * MS, answer(9, 'missing.test', [], 3), toClient));
    if (nx?.kind !== 'l7') throw new Error('no flow');
    expect(nx.flow.l7.latency_ns).toBe(0);
    expect(nx.flow.Summary).toBe('DNS Answer RCode: Non-Existent Domain TTL: 0 (Query missing.test. A)');
  });

  it('learns IP → names from answers and puts them on later flows to and from those IPs', () => {
    const names = new DnsNameCache();
    const tracker = new L7Tracker({ names });
    tracker.observe(fromClient(0n, query(5, 'shop.example.com'), toServer));
    tracker.observe(fromServer(2n * MS, answer(5, 'shop.example.com', ['10.0.2.7']), toClient));
    expect(names.namesOf('10.0.2.7')).toEqual(['shop.example.com']);

    const http = tracker.observe(fromClient(3n * MS, Buffer.from('GET / HTTP/1.1\r\nHost: shop.example.com\r\n\r\n')));
    expect(http?.kind === 'l7' && http.flow.destination_names).toEqual(['shop.example.com']);
    expect(http?.kind === 'l7' && http.flow.source_names).toEqual([]);
  });

  it('reads DNS over TCP on the DNS port', () => {
    const tracker = new L7Tracker({ names: new DnsNameCache() });
    tracker.observe(fromClient(0n, withTcpLengthPrefix(query(77, 'tcp.test')), { destinationPort: 53 }));
    const response = tracker.observe(
      fromServer(4n * MS, withTcpLengthPrefix(answer(77, 'tcp.test', ['10.7.7.7'])), { sourcePort: 53 }),
    );
    expect(response?.kind === 'l7' && response.flow.l7.latency_ns).toBe(4_000_000);
    expect(response?.kind === 'l7' && response.flow.l7.dns?.ips).toEqual(['10.7.7.7']);
  });

  it('pairs a query seen at two observation points with its answer seen at both', () => {
    const tracker = new L7Tracker({ names: new DnsNameCache() });
    tracker.observe(fromClient(0n, query(3, 'twice.test'), toServer));
    tracker.observe(fromClient(1n * MS, query(3, 'twice.test'), toServer));
    const a = tracker.observe(fromServer(5n * MS, answer(3, 'twice.test', ['10.1.1.1']), toClient));
    const b = tracker.observe(fromServer(6n * MS, answer(3, 'twice.test', ['10.1.1.1']), toClient));
    expect(a?.kind === 'l7' && a.flow.l7.latency_ns).toBe(5_000_000);
    expect(b?.kind === 'l7' && b.flow.l7.latency_ns).toBe(5_000_000);
    expect(tracker.tableStats().find((t) => t.table === 'dns_pending')?.entries).toBe(0);
  });

  it('uses the configured DNS ports', () => {
    const tracker = new L7Tracker({ names: new DnsNameCache(), dnsPorts: [5353] });
    expect(tracker.observe(fromClient(0n, query(1, 'a.test'), toServer))).toBeUndefined();
    const flow = tracker.observe(fromClient(0n, query(1, 'a.test'), { protocol: 'UDP', destinationPort: 5353 }));
    expect(flow?.kind).toBe('l7');
  });
});
