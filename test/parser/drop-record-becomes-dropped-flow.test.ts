import { join } from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { RecordFlows } from '../helpers/record-flows.js';
import { KERNEL_TO_HUBBLE_DROP_REASON, HUBBLE_DROP_REASON_NUMBERS } from '../../src/parser/drop-reason.js';
import { DROP_REASONS } from '../../src/proto/flow.js';
import { PROTOS_DIR } from '../../src/proto/load.js';
import { interfaces, record, reverse } from '../helpers/records.js';

const HOST_NETNS = 4026531840;
const POD_NETNS = 4026532999;
const KERNEL_NAMES = new Map([
  [2, 'NOT_SPECIFIED'],
  [3, 'NO_SOCKET'],
  [12, 'NETFILTER_DROP'],
  [64, 'QDISC_DROP'],
]);

function parser(): RecordFlows {
  return new RecordFlows({
    nodeName: 'node-a',
    interfaces: interfaces({ index: 2, name: 'eth0', role: 'network' }),
    dropReasonNames: KERNEL_NAMES,
    netnsInode: HOST_NETNS,
  });
}

const udpToClosedPort = record({
  kind: 'drop',
  reason: 'none',
  protocol: 17,
  sourcePort: 43210,
  destinationPort: 9,
  dropReason: 3,
  ifindex: 2,
  aux: POD_NETNS,
});

describe('drop records', () => {
  it('UDP to a closed port: DROPPED, SOCKET_LOOKUP_FAILED (178), kernel reason in Summary', () => {
    const flow = parser().parse(udpToClosedPort);
    expect({ ...flow, uuid: undefined }).toStrictEqual({
      time: { seconds: 1_700_000_000, nanos: 123_456_789 },
      uuid: undefined,
      verdict: 'DROPPED',
      drop_reason: 178,
      drop_reason_desc: 'SOCKET_LOOKUP_FAILED',
      IP: { source: '198.18.0.1', destination: '198.18.0.2', ipVersion: 'IPv4' },
      l4: { UDP: { source_port: 43210, destination_port: 9 } },
      Type: 'L3_L4',
      node_name: 'node-a',
      reply: false,
      event_type: { type: 1, sub_type: 178 },
      traffic_direction: 'INGRESS',
      trace_observation_point: 'UNKNOWN_POINT',
      is_reply: { value: false },
      Summary: 'UDP, kernel drop reason NO_SOCKET',
    });
  });

  it('a drop in a pod namespace names no interface; one in ours does', () => {
    const p = parser();
    expect(p.parse(udpToClosedPort)?.interface).toBeUndefined();
    expect(p.parse({ ...udpToClosedPort, aux: HOST_NETNS })?.interface).toStrictEqual({ index: 2, name: 'eth0' });
  });

  it('reasons without a Hubble equivalent are DROP_REASON_UNKNOWN, the kernel name kept', () => {
    const flow = parser().parse({ ...udpToClosedPort, dropReason: 64 });
    expect(flow?.drop_reason_desc).toBe('DROP_REASON_UNKNOWN');
    expect(flow?.drop_reason).toBe(0);
    expect(flow?.Summary).toBe('UDP, kernel drop reason QDISC_DROP');
  });

  it('a reason the kernel did not name is kept by number', () => {
    const flow = parser().parse({ ...udpToClosedPort, dropReason: 4000 });
    expect(flow?.drop_reason_desc).toBe('DROP_REASON_UNKNOWN');
    expect(flow?.Summary).toBe('UDP, kernel drop reason REASON_4000');
  });

  it('netfilter drops are policy denials', () => {
    expect(parser().parse({ ...udpToClosedPort, dropReason: 12 })?.drop_reason_desc).toBe('POLICY_DENIED');
  });

  it('a dropped reply of a known connection is a reply', () => {
    const p = parser();
    const request = record({ protocol: 17, sourcePort: 43210, destinationPort: 53 });
    p.parse(request);
    const droppedAnswer = p.parse(reverse(request, { kind: 'drop', reason: 'none', dropReason: 3, aux: POD_NETNS }));
    expect(droppedAnswer?.is_reply).toStrictEqual({ value: true });
  });

  it('maps only onto reasons of the served enum, with its numbers', () => {
    const served = protobuf.loadSync(join(PROTOS_DIR, 'flow', 'flow.proto')).lookupEnum('flow.DropReason').values;
    for (const hubble of KERNEL_TO_HUBBLE_DROP_REASON.values()) expect(DROP_REASONS).toContain(hubble);
    for (const [name, number] of Object.entries(HUBBLE_DROP_REASON_NUMBERS)) expect(served[name]).toBe(number);
  });
});
