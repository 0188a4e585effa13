import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../../src/proto/flow.js';
import { interfaces, record, reverse, TEST_TIME_NS } from '../helpers/records.js';
import { RecordFlows } from '../helpers/record-flows.js';

// The binary slot round trip: what a record and ingest's knowledge at capture time put into a
// slot comes back as the same Flow every time it is read, whoever reads it.

const POD_A: Endpoint = Object.freeze({ ID: 0, namespace: 'shop', pod_name: 'cart-1', labels: ['k8s:app=cart'], identity: 4242, cluster_name: 'test' });
const POD_A_RELABELLED: Endpoint = Object.freeze({ ...POD_A, labels: ['k8s:app=cart', 'k8s:tier=new'], identity: 4243 });
const WORLD: Endpoint = Object.freeze({ identity: 2, labels: ['reserved:world'] });

function pipeline(endpointOf: Map<string, Endpoint>) {
  return new RecordFlows({
    nodeName: 'test/node-a',
    interfaces: interfaces({ index: 7, name: 'veth-cart', role: 'endpoint' }, { index: 9, name: 'eth0', role: 'network' }),
    dropReasonNames: new Map([[2, 'NO_SOCKET']]),
    netnsInode: 77,
    names: { namesOf: (ip) => (ip === '198.18.0.2' ? ['api.example.com'] : []) },
    endpoints: {
      resolve: (ip) => endpointOf.get(ip) ?? WORLD,
      enrich: () => undefined,
    },
  });
}

describe('a held record builds the flow ingest saw', () => {
  it('carries every L3/L4 field of a forwarded TCP record with its endpoints, names and interface', () => {
    const flows = pipeline(new Map([['198.18.0.1', POD_A]]));
    const flow = flows.parse(record({ tcpFlags: 0x02, direction: 'ingress' }));
    expect(flow).toStrictEqual({
      time: { seconds: 1_700_000_000, nanos: 123_456_789 },
      uuid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      verdict: 'FORWARDED',
      IP: { source: '198.18.0.1', destination: '198.18.0.2', ipVersion: 'IPv4' },
      l4: { TCP: { source_port: 40000, destination_port: 80, flags: { SYN: true } } },
      source: POD_A,
      destination: WORLD,
      destination_names: ['api.example.com'],
      Type: 'L3_L4',
      node_name: 'test/node-a',
      reply: false,
      event_type: { type: 4, sub_type: 5 },
      traffic_direction: 'EGRESS',
      trace_observation_point: 'FROM_ENDPOINT',
      is_reply: { value: false },
      interface: { index: 7, name: 'veth-cart' },
      Summary: 'TCP Flags: SYN',
    });
  });

  it('carries IPv6 addresses, UDP ports, ICMP types and drops with their reason', () => {
    const flows = pipeline(new Map());
    const v6 = flows.parse(record({ family: 6, source: 'fd00::1', destination: 'fd00:1::2', protocol: 17, ifindex: 9 }));
    expect(v6?.IP).toStrictEqual({ source: 'fd00::1', destination: 'fd00:1::2', ipVersion: 'IPv6' });
    expect(v6?.l4).toStrictEqual({ UDP: { source_port: 40000, destination_port: 80 } });
    expect(v6?.trace_observation_point).toBe('FROM_NETWORK');
    const echo = flows.parse(record({ protocol: 1, sourcePort: 0, destinationPort: 0, icmpType: 8 }));
    expect(echo?.l4).toStrictEqual({ ICMPv4: { type: 8, code: 0 } });
    expect(echo?.Summary).toBe('ICMPv4 EchoRequest');
    const drop = flows.parse(record({ kind: 'drop', reason: 'none', protocol: 17, dropReason: 2, aux: 77, ifindex: 9 }));
    expect(drop).toMatchObject({
      verdict: 'DROPPED',
      drop_reason: 178,
      drop_reason_desc: 'SOCKET_LOOKUP_FAILED',
      event_type: { type: 1, sub_type: 178 },
      interface: { index: 9, name: 'eth0' },
      Summary: 'UDP, kernel drop reason NO_SOCKET',
    });
    // A drop in another network namespace names none of the agent's interfaces.
    const foreign = flows.parse(record({ kind: 'drop', reason: 'none', protocol: 17, dropReason: 2, aux: 78, ifindex: 9 }));
    expect(foreign && 'interface' in foreign).toBe(false);
  });

  it('reads back the same flow, uuid included, on every read; each slot has its own uuid', () => {
    const flows = pipeline(new Map());
    const first = flows.parse(record({ tcpFlags: 0x02 }));
    const again = flows.store.read(0);
    expect(again.kind === 'event' && 'flow' in again.event ? again.event.flow : undefined).toStrictEqual(first);
    const second = flows.parse(reverse(record(), { tcpFlags: 0x12 }));
    expect(second?.uuid).not.toBe(first?.uuid);
    expect(second?.is_reply).toStrictEqual({ value: true });
  });

  it('keeps the endpoint as it was when the record was captured, not as the index has it now', () => {
    const endpointOf = new Map([['198.18.0.1', POD_A]]);
    const flows = pipeline(endpointOf);
    flows.parse(record());
    endpointOf.set('198.18.0.1', POD_A_RELABELLED);
    const later = flows.parse(record({ timeNs: TEST_TIME_NS + 1n }));
    const earlier = flows.store.read(0);
    expect(earlier.kind === 'event' && 'flow' in earlier.event ? earlier.event.flow.source : undefined).toBe(POD_A);
    expect(later?.source).toBe(POD_A_RELABELLED);
  });

  it('tells a reader of an overwritten slot what it missed instead of the newer record', () => {
    const flows = new RecordFlows({ nodeName: 'n', interfaces: interfaces(), dropReasonNames: new Map(), netnsInode: 1, capacity: 2 });
    for (let port = 1; port <= 5; port++) flows.parse(record({ sourcePort: port }));
    expect(flows.store.read(1)).toStrictEqual({ kind: 'overtaken', missed: 2, resumeAt: 3 });
    const held = flows.store.read(3);
    expect(held.kind === 'event' && 'flow' in held.event ? held.event.flow.l4?.TCP?.source_port : undefined).toBe(4);
  });
});
