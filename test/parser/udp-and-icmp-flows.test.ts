import { describe, expect, it } from 'vitest';
import { RecordFlows } from '../helpers/record-flows.js';
import { interfaces, record, reverse } from '../helpers/records.js';

function parser(): RecordFlows {
  return new RecordFlows({
    nodeName: 'node-a',
    interfaces: interfaces({ index: 7, name: 'eth0', role: 'network' }),
    dropReasonNames: new Map(),
    netnsInode: 1,
  });
}

describe('UDP and ICMP flows', () => {
  it('UDP: ports in l4, "UDP" summary, the first direction seen is the request', () => {
    const p = parser();
    const query = record({ protocol: 17, sourcePort: 51000, destinationPort: 53 });
    const first = p.parse(query);
    expect(first?.l4).toStrictEqual({ UDP: { source_port: 51000, destination_port: 53 } });
    expect(first?.Summary).toBe('UDP');
    expect(first?.is_reply).toStrictEqual({ value: false });
    expect(first?.traffic_direction).toBe('INGRESS');

    const answer = p.parse(reverse(query, { direction: 'egress' }));
    expect(answer?.is_reply).toStrictEqual({ value: true });
    expect(answer?.reply).toBe(true);
    expect(answer?.traffic_direction).toBe('INGRESS');
    expect(answer?.trace_observation_point).toBe('TO_NETWORK');
    expect(answer?.event_type).toStrictEqual({ type: 4, sub_type: 11 });
  });

  it('ICMPv4 echo: type and code in l4, request and reply by type', () => {
    const p = parser();
    const ping = record({ protocol: 1, sourcePort: 0, destinationPort: 0, icmpType: 8 });
    const request = p.parse(ping);
    expect(request?.l4).toStrictEqual({ ICMPv4: { type: 8, code: 0 } });
    expect(request?.Summary).toBe('ICMPv4 EchoRequest');
    expect(request?.is_reply).toStrictEqual({ value: false });

    const pong = p.parse(reverse(ping, { icmpType: 0, direction: 'egress' }));
    expect(pong?.Summary).toBe('ICMPv4 EchoReply');
    expect(pong?.is_reply).toStrictEqual({ value: true });
  });

  it('ICMPv6 echo and port unreachable', () => {
    const p = parser();
    const base = { family: 6 as const, source: 'fd00::1', destination: 'fd00::2', protocol: 58, sourcePort: 0, destinationPort: 0 };
    const request = p.parse(record({ ...base, icmpType: 128 }));
    expect(request?.l4).toStrictEqual({ ICMPv6: { type: 128, code: 0 } });
    expect(request?.Summary).toBe('ICMPv6 EchoRequest');
    expect(request?.is_reply).toStrictEqual({ value: false });
    expect(p.parse(record({ ...base, icmpType: 129 }))?.is_reply).toStrictEqual({ value: true });

    const unreachable = p.parse(record({ ...base, icmpType: 1, icmpCode: 4 }));
    expect(unreachable?.Summary).toBe('ICMPv6 DestinationUnreachable(PortUnreachable)');
    expect(unreachable?.is_reply).toStrictEqual({ value: true });
  });

  it('other IP protocols: no l4, the IP version as summary', () => {
    const flow = parser().parse(record({ protocol: 47, sourcePort: 0, destinationPort: 0 }));
    expect(flow?.l4).toBeUndefined();
    expect('l4' in (flow ?? {})).toBe(false);
    expect(flow?.Summary).toBe('IPv4');
  });
});
