import fc from 'fast-check';
import type { Flow } from '../../src/proto/flow.js';
import {
  DROP_REASONS,
  FLOW_TYPES,
  IP_VERSIONS,
  L7_FLOW_TYPES,
  TRACE_OBSERVATION_POINTS,
  TRAFFIC_DIRECTIONS,
  VERDICTS,
} from '../../src/proto/flow.js';

// Generated flows for the encoder properties: every field the Flow type has, each present or
// absent, holding defaults (0, '', false, empty arrays and messages) as often as other values,
// short and long strings (so lengths of one and of several varint bytes), any Unicode text.

const text = fc.oneof(
  fc.constant(''),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.string({ minLength: 40, maxLength: 300 }),
);
const texts = fc.array(text, { maxLength: 4 });
const uint32 = fc.oneof(fc.constant(0), fc.nat(0xffff), fc.nat(0xffffffff));
const int32 = fc.oneof(fc.constant(0), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
const uint64 = fc.oneof(fc.constant(0), fc.nat(), fc.maxSafeNat());
const bool = fc.boolean();

function record<T extends object>(fields: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(fields, { requiredKeys: [] }) as unknown as fc.Arbitrary<T>;
}

const ports = record({ source_port: uint32, destination_port: uint32 });
const icmp = record({ type: uint32, code: uint32 });
const tcpFlags = record({ FIN: bool, SYN: bool, RST: bool, PSH: bool, ACK: bool, URG: bool, ECE: bool, CWR: bool, NS: bool });
const endpoint = record({
  ID: uint32,
  identity: uint32,
  cluster_name: text,
  namespace: text,
  labels: fc.array(text, { maxLength: 12 }),
  pod_name: text,
  workloads: fc.array(record({ name: text, kind: text }), { maxLength: 3 }),
});
const service = record({ name: text, namespace: text });

export const flowArbitrary: fc.Arbitrary<Flow> = record<Flow>({
  time: record({ seconds: fc.oneof(fc.nat(2 ** 34), fc.maxSafeInteger()), nanos: int32 }),
  uuid: text,
  verdict: fc.constantFrom(...VERDICTS),
  drop_reason: uint32,
  ethernet: record({ source: text, destination: text }),
  IP: record({ source: text, destination: text, ipVersion: fc.constantFrom(...IP_VERSIONS), encrypted: bool }),
  l4: record({ TCP: record({ source_port: uint32, destination_port: uint32, flags: tcpFlags }), UDP: ports, ICMPv4: icmp, ICMPv6: icmp, SCTP: ports }),
  source: endpoint,
  destination: endpoint,
  Type: fc.constantFrom(...FLOW_TYPES),
  node_name: text,
  source_names: texts,
  destination_names: texts,
  l7: record({
    type: fc.constantFrom(...L7_FLOW_TYPES),
    latency_ns: uint64,
    dns: record({
      query: text,
      ips: texts,
      ttl: uint32,
      cnames: texts,
      observation_source: text,
      rcode: uint32,
      qtypes: texts,
      rrtypes: texts,
    }),
    http: record({
      code: uint32,
      method: text,
      url: text,
      protocol: text,
      headers: fc.array(record({ key: text, value: text }), { maxLength: 8 }),
    }),
  }),
  reply: bool,
  event_type: record({ type: int32, sub_type: int32 }),
  source_service: service,
  destination_service: service,
  traffic_direction: fc.constantFrom(...TRAFFIC_DIRECTIONS),
  trace_observation_point: fc.constantFrom(...TRACE_OBSERVATION_POINTS),
  drop_reason_desc: fc.constantFrom(...DROP_REASONS),
  is_reply: record({ value: bool }),
  interface: record({ index: uint32, name: text }),
  trace_context: record({ parent: record({ trace_id: text }) }),
  socket_cookie: uint64,
  cgroup_id: uint64,
  Summary: text,
});
