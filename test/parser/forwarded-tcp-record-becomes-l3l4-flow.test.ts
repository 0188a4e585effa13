import { describe, expect, it } from 'vitest';
import { RecordFlows } from '../helpers/record-flows.js';
import { TCP_SYN } from '../../src/parser/tcp-flags.js';
import { interfaces, record } from '../helpers/records.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function parser(): RecordFlows {
  return new RecordFlows({
    nodeName: 'node-a',
    interfaces: interfaces({ index: 7, name: 'vethpod1', role: 'endpoint' }),
    dropReasonNames: new Map(),
    netnsInode: 1,
  });
}

describe('forwarded TCP record', () => {
  it('fills every L3/L4 field Hubble clients print and filter on', () => {
    const flow = parser().parse(record({ tcpFlags: TCP_SYN }));
    expect(flow?.uuid).toMatch(UUID_V4);
    expect({ ...flow, uuid: undefined }).toStrictEqual({
      time: { seconds: 1_700_000_000, nanos: 123_456_789 },
      uuid: undefined,
      verdict: 'FORWARDED',
      IP: { source: '198.18.0.1', destination: '198.18.0.2', ipVersion: 'IPv4' },
      l4: { TCP: { source_port: 40000, destination_port: 80, flags: { SYN: true } } },
      Type: 'L3_L4',
      node_name: 'node-a',
      reply: false,
      event_type: { type: 4, sub_type: 5 },
      traffic_direction: 'EGRESS',
      trace_observation_point: 'FROM_ENDPOINT',
      is_reply: { value: false },
      interface: { index: 7, name: 'vethpod1' },
      Summary: 'TCP Flags: SYN',
    });
  });

  it('gives every flow its own uuid', () => {
    const p = parser();
    const uuids = new Set(Array.from({ length: 1000 }, () => p.parse(record())?.uuid));
    expect(uuids.size).toBe(1000);
  });

  it('carries IPv6 addresses and version', () => {
    const flow = parser().parse(record({ family: 6, source: 'fd00::1', destination: 'fd00::2', tcpFlags: TCP_SYN }));
    expect(flow?.IP).toStrictEqual({ source: 'fd00::1', destination: 'fd00::2', ipVersion: 'IPv6' });
  });

  it('names the interface by index alone when it is not one of ours', () => {
    const flow = parser().parse(record({ ifindex: 99 }));
    expect(flow?.interface).toStrictEqual({ index: 99 });
    expect(flow?.trace_observation_point).toBe('FROM_NETWORK');
  });

  it('treats payload records as forwarded L3/L4 flows too', () => {
    const flow = parser().parse(record({ kind: 'payload', payload: Buffer.from('GET / HTTP/1.1\r\n') }));
    expect(flow?.verdict).toBe('FORWARDED');
    expect(flow?.Type).toBe('L3_L4');
  });

  it('yields no L3/L4 flow for TLS records, and counts them', () => {
    const p = parser();
    expect(p.parse(record({ kind: 'tls', reason: 'none', pid: 42, aux: 1 }))).toBeUndefined();
    expect(p.parse(record())).toBeDefined();
    expect(p.ingest.stats()).toStrictEqual({ forwarded: 1, dropped: 0, ignored: 1, l7: 0, malformedBytes: 0 });
  });
});
