import { describe, expect, it } from 'vitest';
import { protoRoot } from '../../src/proto/load.js';

// Field numbers read from upstream cilium/cilium api/v1 (flow, observer, peer, relay) and
// grpc/grpc-proto health.proto: a wrong number here breaks every upstream client silently.
const EXPECTED: Record<string, Record<string, number>> = {
  'flow.Flow': {
    time: 1, verdict: 2, drop_reason: 3, ethernet: 4, IP: 5, l4: 6, source: 8, destination: 9, Type: 10,
    node_name: 11, source_names: 13, destination_names: 14, l7: 15, reply: 16, event_type: 19,
    source_service: 20, destination_service: 21, traffic_direction: 22, trace_observation_point: 24,
    drop_reason_desc: 25, is_reply: 26, interface: 28, trace_context: 30, socket_cookie: 32, cgroup_id: 33, uuid: 34, Summary: 100000,
  },
  'flow.TraceContext': { parent: 1 },
  'flow.TraceParent': { trace_id: 1 },
  'flow.Layer4': { TCP: 1, UDP: 2, ICMPv4: 3, ICMPv6: 4, SCTP: 5 },
  'flow.Layer7': { type: 1, latency_ns: 2, dns: 100, http: 101 },
  'flow.Endpoint': { ID: 1, identity: 2, namespace: 3, labels: 4, pod_name: 5, workloads: 6, cluster_name: 7 },
  'flow.IP': { source: 1, destination: 2, ipVersion: 3, encrypted: 4 },
  'flow.TCP': { source_port: 1, destination_port: 2, flags: 3 },
  'flow.TCPFlags': { FIN: 1, SYN: 2, RST: 3, PSH: 4, ACK: 5, URG: 6, ECE: 7, CWR: 8, NS: 9 },
  'flow.DNS': { query: 1, ips: 2, ttl: 3, cnames: 4, observation_source: 5, rcode: 6, qtypes: 7, rrtypes: 8 },
  'flow.HTTP': { code: 1, method: 2, url: 3, protocol: 4, headers: 5 },
  'flow.LostEvent': { source: 1, num_events_lost: 2, cpu: 3 },
  'flow.NetworkInterface': { index: 1, name: 2 },
  'flow.CiliumEventType': { type: 1, sub_type: 2 },
  'flow.EventTypeFilter': { type: 1, match_sub_type: 2, sub_type: 3 },
  'flow.FlowFilter': {
    source_ip: 1, source_pod: 2, destination_ip: 3, destination_pod: 4, verdict: 5, event_type: 6, source_fqdn: 7,
    destination_fqdn: 8, http_status_code: 9, source_label: 10, destination_label: 11, protocol: 12, source_port: 13,
    destination_port: 14, reply: 15, source_service: 16, destination_service: 17, dns_query: 18, source_identity: 19,
    destination_identity: 20, http_method: 21, http_path: 22, tcp_flags: 23, node_name: 24, ip_version: 25,
    source_workload: 26, destination_workload: 27, uuid: 29, traffic_direction: 30, http_url: 31, http_header: 32,
    drop_reason_desc: 33, interface: 35,
  },
  'observer.GetFlowsRequest': {
    number: 1, follow: 3, blacklist: 5, whitelist: 6, since: 7, until: 8, first: 9, field_mask: 10, experimental: 999,
  },
  'observer.GetFlowsResponse': { flow: 1, node_status: 2, lost_events: 3, node_name: 1000, time: 1001 },
  'observer.ServerStatusResponse': {
    num_flows: 1, max_flows: 2, seen_flows: 3, uptime_ns: 4, num_connected_nodes: 5, num_unavailable_nodes: 6,
    version: 8, flows_rate: 9,
  },
  'observer.Namespace': { cluster: 1, namespace: 2 },
  'relay.NodeStatusEvent': { state_change: 1, node_names: 2, message: 3 },
  'peer.ChangeNotification': { name: 1, address: 2, type: 3, tls: 4 },
  'peer.TLS': { server_name: 1 },
  'grpc.health.v1.HealthCheckResponse': { status: 1 },
};

const EXPECTED_ENUMS: Record<string, Record<string, number>> = {
  'flow.Verdict': { VERDICT_UNKNOWN: 0, FORWARDED: 1, DROPPED: 2, ERROR: 3, AUDIT: 4, REDIRECTED: 5, TRACED: 6, TRANSLATED: 7 },
  'flow.TraceObservationPoint': { UNKNOWN_POINT: 0, TO_PROXY: 1, TO_STACK: 3, FROM_ENDPOINT: 5, FROM_NETWORK: 10, TO_NETWORK: 11, TO_ENDPOINT: 101 },
  'flow.DropReason': { DROP_REASON_UNKNOWN: 0, POLICY_DENIED: 133, SOCKET_LOOKUP_FAILED: 178, NO_EGRESS_GATEWAY: 194, DROP_PUNT_PROXY: 205 },
  'flow.LostEventSource': { HUBBLE_RING_BUFFER: 3 },
  'peer.ChangeNotificationType': { UNKNOWN: 0, PEER_ADDED: 1, PEER_DELETED: 2, PEER_UPDATED: 3 },
  'relay.NodeState': { NODE_CONNECTED: 1, NODE_UNAVAILABLE: 2, NODE_GONE: 3, NODE_ERROR: 4 },
};

describe('protos keep upstream field numbers', () => {
  for (const [typeName, fields] of Object.entries(EXPECTED)) {
    it(`${typeName} fields`, () => {
      const type = protoRoot.lookupType(typeName);
      const actual = Object.fromEntries(Object.keys(fields).map((name) => [name, type.fields[name]?.id]));
      expect(actual).toEqual(fields);
    });
  }
  for (const [enumName, values] of Object.entries(EXPECTED_ENUMS)) {
    it(`${enumName} values`, () => {
      const enumType = protoRoot.lookupEnum(enumName);
      const actual = Object.fromEntries(Object.keys(values).map((name) => [name, enumType.values[name]]));
      expect(actual).toEqual(values);
    });
  }
});
