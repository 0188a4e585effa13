import { describe, expect, it } from 'vitest';
import { parseProtoJson, ProtoJsonParseError } from '../../src/export/protojson-parser.js';
import { writeGetFlowsResponse } from '../../src/export/protojson-writer.js';
import type { Flow } from '../../src/proto/flow.js';
import { protoRoot } from '../../src/proto/load.js';
import { makeFlow } from '../helpers/flows.js';
import { proto3Canonical } from './proto3-canonical.js';

// Written, then read back with the project's parser, a line is exactly what a gRPC client
// decodes from the same response on the wire (same loader options as the agent's protos),
// as proto3 messages: a field sent at its default value counts as unset.

const RESPONSE = protoRoot.lookupType('observer.GetFlowsResponse');

function overTheWire(response: object): unknown {
  const decoded = RESPONSE.decode(RESPONSE.encode(RESPONSE.fromObject(response)).finish());
  return proto3Canonical('observer.GetFlowsResponse', RESPONSE.toObject(decoded, { enums: String, longs: Number, defaults: false, oneofs: true }));
}

const FLOWS: Flow[] = [
  makeFlow(),
  makeFlow({ verdict: 'DROPPED', drop_reason: 133, drop_reason_desc: 'POLICY_DENIED', event_type: { type: 1, sub_type: 133 }, is_reply: { value: true } }),
  makeFlow({ l4: { ICMPv6: { type: 128 } }, IP: { source: 'fd00::1', destination: 'fd00::2', ipVersion: 'IPv6' }, socket_cookie: 2 ** 40 }),
  makeFlow({
    Type: 'L7',
    l7: { type: 'RESPONSE', latency_ns: 1_234_567, dns: { query: 'a.example.', ips: ['198.18.0.9'], ttl: 30, rcode: 0, qtypes: ['A'], rrtypes: ['A'] } },
    source_names: ['a.example'],
  }),
  makeFlow({
    Type: 'L7',
    l7: { type: 'REQUEST', http: { method: 'GET', url: 'http://h/p?q=<x>&y', protocol: 'HTTP/1.1', headers: [{ key: 'a', value: 'b' }] } },
    source: { ID: 7, identity: 12_345, cluster_name: 'c', namespace: 'ns', workloads: [{ name: 'w', kind: 'Deployment' }] },
    destination_service: { name: 'svc', namespace: 'ns' },
  }),
  makeFlow({ time: { seconds: 0, nanos: 0 }, l4: { UDP: {} }, is_reply: {}, Summary: 'line\nbreak \u2028' }),
];

describe('a flow-log line read back', () => {
  it.each(FLOWS.map((flow, i) => [i, flow] as const))('equals the gRPC decode of the same response (flow %i)', (_, flow) => {
    const response = { flow, node_name: 'default/node-a', time: flow.time };
    expect(parseProtoJson('observer.GetFlowsResponse', writeGetFlowsResponse(response))).toEqual(overTheWire(response));
  });

  it('equals the gRPC decode of a lost-events response', () => {
    const response = { lost_events: { source: 'HUBBLE_RING_BUFFER', num_events_lost: 3 }, node_name: 'n', time: { seconds: 5, nanos: 7 } };
    expect(parseProtoJson('observer.GetFlowsResponse', writeGetFlowsResponse(response))).toEqual(overTheWire(response));
  });

  it('accepts what protojson accepts: JSON names, enum numbers, integers as numbers or strings, offsets, null', () => {
    const parsed = parseProtoJson<Flow>(
      'flow.Flow',
      '{"time":"2023-11-14T23:13:20.5+01:00","verdict":2,"l4":{"TCP":{"sourcePort":"40000","flags":null}},"traceObservationPoint":"TO_STACK","socket_cookie":7,"isReply":true}',
    );
    expect(parsed).toEqual({
      time: { seconds: 1_700_000_000, nanos: 500_000_000 },
      verdict: 'DROPPED',
      l4: { TCP: { source_port: 40000 }, protocol: 'TCP' },
      trace_observation_point: 'TO_STACK',
      socket_cookie: 7,
      is_reply: { value: true },
    });
  });

  it('rejects, naming the place, unknown fields, unknown enum names, two oneof members and bad timestamps', () => {
    const bad: [string, RegExp][] = [
      ['{"nope":1}', /Flow\.nope: Flow has no field "nope"/],
      ['{"verdict":"MAYBE"}', /Flow\.verdict: "MAYBE" is not a Verdict/],
      ['{"l4":{"TCP":{},"UDP":{}}}', /Flow\.l4\.UDP: only one of TCP, UDP/],
      ['{"time":"2023-02-30T00:00:00Z"}', /Flow\.time: no such instant/],
      ['{"l4":{"TCP":{"source_port":70000.5}}}', /source_port: expected an integer/],
      ['{"event_type":{"type":4294967296}}', /out of range for int32/],
      ['not json', /not JSON/],
    ];
    for (const [text, message] of bad) expect(() => parseProtoJson('flow.Flow', text), text).toThrow(message);
    expect(() => parseProtoJson('flow.Flow', '[]')).toThrow(ProtoJsonParseError);
  });
});
