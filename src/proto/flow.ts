// The `flow` package messages as src/proto/load.ts converts them with PROTO_CONVERSION_OPTIONS
// (keepCase names, enums as their names, 64-bit integers as numbers, unset fields absent,
// the name of the set oneof member in a virtual field). These are the in-memory flow
// representation for the whole pipeline: the parser produces them, the store, filters,
// metrics and observer consume them, and grpc-js encodes them unchanged.

export const VERDICTS = [
  'VERDICT_UNKNOWN', 'FORWARDED', 'DROPPED', 'ERROR', 'AUDIT', 'REDIRECTED', 'TRACED', 'TRANSLATED',
] as const;
export type Verdict = (typeof VERDICTS)[number];

export const DROP_REASONS = [
  'DROP_REASON_UNKNOWN', 'INVALID_SOURCE_MAC', 'INVALID_DESTINATION_MAC', 'INVALID_SOURCE_IP',
  'POLICY_DENIED', 'INVALID_PACKET_DROPPED', 'CT_TRUNCATED_OR_INVALID_HEADER', 'CT_MISSING_TCP_ACK_FLAG',
  'CT_UNKNOWN_L4_PROTOCOL', 'CT_CANNOT_CREATE_ENTRY_FROM_PACKET', 'UNSUPPORTED_L3_PROTOCOL',
  'MISSED_TAIL_CALL', 'ERROR_WRITING_TO_PACKET', 'UNKNOWN_L4_PROTOCOL', 'UNKNOWN_ICMPV4_CODE',
  'UNKNOWN_ICMPV4_TYPE', 'UNKNOWN_ICMPV6_CODE', 'UNKNOWN_ICMPV6_TYPE', 'ERROR_RETRIEVING_TUNNEL_KEY',
  'ERROR_RETRIEVING_TUNNEL_OPTIONS', 'INVALID_GENEVE_OPTION', 'UNKNOWN_L3_TARGET_ADDRESS',
  'STALE_OR_UNROUTABLE_IP', 'NO_MATCHING_LOCAL_CONTAINER_FOUND', 'ERROR_WHILE_CORRECTING_L3_CHECKSUM',
  'ERROR_WHILE_CORRECTING_L4_CHECKSUM', 'CT_MAP_INSERTION_FAILED', 'INVALID_IPV6_EXTENSION_HEADER',
  'IP_FRAGMENTATION_NOT_SUPPORTED', 'SERVICE_BACKEND_NOT_FOUND', 'NO_TUNNEL_OR_ENCAPSULATION_ENDPOINT',
  'FAILED_TO_INSERT_INTO_PROXYMAP', 'REACHED_EDT_RATE_LIMITING_DROP_HORIZON',
  'UNKNOWN_CONNECTION_TRACKING_STATE', 'LOCAL_HOST_IS_UNREACHABLE',
  'NO_CONFIGURATION_AVAILABLE_TO_PERFORM_POLICY_DECISION', 'UNSUPPORTED_L2_PROTOCOL',
  'NO_MAPPING_FOR_NAT_MASQUERADE', 'UNSUPPORTED_PROTOCOL_FOR_NAT_MASQUERADE', 'FIB_LOOKUP_FAILED',
  'ENCAPSULATION_TRAFFIC_IS_PROHIBITED', 'INVALID_IDENTITY', 'UNKNOWN_SENDER', 'NAT_NOT_NEEDED',
  'IS_A_CLUSTERIP', 'FIRST_LOGICAL_DATAGRAM_FRAGMENT_NOT_FOUND', 'FORBIDDEN_ICMPV6_MESSAGE',
  'DENIED_BY_LB_SRC_RANGE_CHECK', 'SOCKET_LOOKUP_FAILED', 'SOCKET_ASSIGN_FAILED',
  'PROXY_REDIRECTION_NOT_SUPPORTED_FOR_PROTOCOL', 'POLICY_DENY', 'VLAN_FILTERED', 'INVALID_VNI',
  'INVALID_TC_BUFFER', 'NO_SID', 'MISSING_SRV6_STATE', 'NAT46', 'NAT64', 'AUTH_REQUIRED',
  'CT_NO_MAP_FOUND', 'SNAT_NO_MAP_FOUND', 'INVALID_CLUSTER_ID', 'UNSUPPORTED_PROTOCOL_FOR_DSR_ENCAP',
  'NO_EGRESS_GATEWAY', 'UNENCRYPTED_TRAFFIC', 'TTL_EXCEEDED', 'NO_NODE_ID', 'DROP_RATE_LIMITED',
  'IGMP_HANDLED', 'IGMP_SUBSCRIBED', 'MULTICAST_HANDLED', 'DROP_HOST_NOT_READY', 'DROP_EP_NOT_READY',
  'DROP_NO_EGRESS_IP', 'DROP_PUNT_PROXY', 'DROP_NO_DEVICE', 'DROP_FRAG_NOT_FOUND_WORLD',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export const TRAFFIC_DIRECTIONS = ['TRAFFIC_DIRECTION_UNKNOWN', 'INGRESS', 'EGRESS'] as const;
export type TrafficDirection = (typeof TRAFFIC_DIRECTIONS)[number];

export const TRACE_OBSERVATION_POINTS = [
  'UNKNOWN_POINT', 'TO_PROXY', 'TO_HOST', 'TO_STACK', 'TO_OVERLAY', 'TO_ENDPOINT', 'FROM_ENDPOINT',
  'FROM_PROXY', 'FROM_HOST', 'FROM_STACK', 'FROM_OVERLAY', 'FROM_NETWORK', 'TO_NETWORK',
] as const;
export type TraceObservationPoint = (typeof TRACE_OBSERVATION_POINTS)[number];

export const FLOW_TYPES = ['UNKNOWN_TYPE', 'L3_L4', 'L7', 'SOCK'] as const;
export type FlowType = (typeof FLOW_TYPES)[number];

export const L7_FLOW_TYPES = ['UNKNOWN_L7_TYPE', 'REQUEST', 'RESPONSE', 'SAMPLE'] as const;
export type L7FlowType = (typeof L7_FLOW_TYPES)[number];

export const IP_VERSIONS = ['IP_NOT_USED', 'IPv4', 'IPv6'] as const;
export type IPVersion = (typeof IP_VERSIONS)[number];

export const LOST_EVENT_SOURCES = [
  'UNKNOWN_LOST_EVENT_SOURCE', 'PERF_EVENT_RING_BUFFER', 'OBSERVER_EVENTS_QUEUE', 'HUBBLE_RING_BUFFER',
] as const;
export type LostEventSource = (typeof LOST_EVENT_SOURCES)[number];

// Monitor event numbering used in CiliumEventType.type (what the hubble CLI prints).
export const MONITOR_EVENT_TYPE = {
  DROP: 1,
  DEBUG: 2,
  CAPTURE: 3,
  TRACE: 4,
  POLICY_VERDICT: 5,
  L7: 129,
  AGENT: 130,
  TRACE_SOCK: 131,
} as const;

/** google.protobuf.Timestamp */
export interface Timestamp {
  seconds?: number;
  nanos?: number;
}

/** google.protobuf.BoolValue: present-but-false (`{ value: false }`) differs from absent. */
export interface BoolValue {
  value?: boolean;
}

/** google.protobuf.Int32Value */
export interface Int32Value {
  value?: number;
}

export interface Ethernet {
  source?: string;
  destination?: string;
}

export interface IP {
  source?: string;
  destination?: string;
  ipVersion?: IPVersion;
  encrypted?: boolean;
}

export interface TCPFlags {
  FIN?: boolean;
  SYN?: boolean;
  RST?: boolean;
  PSH?: boolean;
  ACK?: boolean;
  URG?: boolean;
  ECE?: boolean;
  CWR?: boolean;
  NS?: boolean;
}

export interface TCP {
  source_port?: number;
  destination_port?: number;
  flags?: TCPFlags;
}

export interface UDP {
  source_port?: number;
  destination_port?: number;
}

export interface SCTP {
  source_port?: number;
  destination_port?: number;
}

export interface ICMPv4 {
  type?: number;
  code?: number;
}

export interface ICMPv6 {
  type?: number;
  code?: number;
}

/** oneof protocol: exactly one of the members is set. */
export interface Layer4 {
  TCP?: TCP;
  UDP?: UDP;
  ICMPv4?: ICMPv4;
  ICMPv6?: ICMPv6;
  SCTP?: SCTP;
  /** Virtual oneof field, present on decoded messages. */
  protocol?: 'TCP' | 'UDP' | 'ICMPv4' | 'ICMPv6' | 'SCTP';
}

export interface DNS {
  query?: string;
  ips?: string[];
  ttl?: number;
  cnames?: string[];
  observation_source?: string;
  rcode?: number;
  qtypes?: string[];
  rrtypes?: string[];
}

export interface HTTPHeader {
  key?: string;
  value?: string;
}

export interface HTTP {
  code?: number;
  method?: string;
  url?: string;
  protocol?: string;
  headers?: HTTPHeader[];
}

export interface Layer7 {
  type?: L7FlowType;
  latency_ns?: number;
  dns?: DNS;
  http?: HTTP;
  /** Virtual oneof field, present on decoded messages. */
  record?: 'dns' | 'http';
}

/** W3C trace context of the request a flow belongs to. */
export interface TraceContext {
  parent?: { trace_id?: string };
}

export interface Workload {
  name?: string;
  kind?: string;
}

export interface Endpoint {
  ID?: number;
  identity?: number;
  cluster_name?: string;
  namespace?: string;
  /** `key=value` */
  labels?: string[];
  pod_name?: string;
  workloads?: Workload[];
}

export interface Service {
  name?: string;
  namespace?: string;
}

export interface CiliumEventType {
  type?: number;
  sub_type?: number;
}

export interface NetworkInterface {
  index?: number;
  name?: string;
}

export interface Flow {
  time?: Timestamp;
  uuid?: string;
  verdict?: Verdict;
  drop_reason?: number;
  ethernet?: Ethernet;
  IP?: IP;
  l4?: Layer4;
  source?: Endpoint;
  destination?: Endpoint;
  Type?: FlowType;
  node_name?: string;
  source_names?: string[];
  destination_names?: string[];
  l7?: Layer7;
  reply?: boolean;
  event_type?: CiliumEventType;
  source_service?: Service;
  destination_service?: Service;
  traffic_direction?: TrafficDirection;
  trace_observation_point?: TraceObservationPoint;
  drop_reason_desc?: DropReason;
  is_reply?: BoolValue;
  interface?: NetworkInterface;
  trace_context?: TraceContext;
  socket_cookie?: number;
  cgroup_id?: number;
  Summary?: string;
}

export interface LostEvent {
  source?: LostEventSource;
  num_events_lost?: number;
  cpu?: Int32Value;
}

export interface EventTypeFilter {
  type?: number;
  match_sub_type?: boolean;
  sub_type?: number;
}

/** Every set field must match; within a repeated field any value may. */
export interface FlowFilter {
  uuid?: string[];
  source_ip?: string[];
  source_pod?: string[];
  source_fqdn?: string[];
  source_label?: string[];
  source_service?: string[];
  source_workload?: Workload[];
  destination_ip?: string[];
  destination_pod?: string[];
  destination_fqdn?: string[];
  destination_label?: string[];
  destination_service?: string[];
  destination_workload?: Workload[];
  traffic_direction?: TrafficDirection[];
  verdict?: Verdict[];
  drop_reason_desc?: DropReason[];
  interface?: NetworkInterface[];
  event_type?: EventTypeFilter[];
  http_status_code?: string[];
  protocol?: string[];
  source_port?: string[];
  destination_port?: string[];
  reply?: boolean[];
  dns_query?: string[];
  source_identity?: number[];
  destination_identity?: number[];
  http_method?: string[];
  http_path?: string[];
  http_url?: string[];
  http_header?: HTTPHeader[];
  tcp_flags?: TCPFlags[];
  node_name?: string[];
  ip_version?: IPVersion[];
}
