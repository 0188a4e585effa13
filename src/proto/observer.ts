// The `observer` and `relay` package messages as src/proto/load.ts converts them with
// PROTO_CONVERSION_OPTIONS (see ./flow.ts).
import type { FlowFilter, Flow, LostEvent, Timestamp } from './flow.js';

/** google.protobuf.FieldMask */
export interface FieldMask {
  paths?: string[];
}

/** google.protobuf.UInt32Value */
export interface UInt32Value {
  value?: number;
}

export interface GetFlowsRequest {
  number?: number;
  first?: boolean;
  follow?: boolean;
  blacklist?: FlowFilter[];
  whitelist?: FlowFilter[];
  since?: Timestamp;
  until?: Timestamp;
  field_mask?: FieldMask;
  /** Older hubble CLIs put the field mask here. */
  experimental?: { field_mask?: FieldMask };
}

export const NODE_STATES = ['UNKNOWN_NODE_STATE', 'NODE_CONNECTED', 'NODE_UNAVAILABLE', 'NODE_GONE', 'NODE_ERROR'] as const;
export type NodeState = (typeof NODE_STATES)[number];

export interface NodeStatusEvent {
  state_change?: NodeState;
  node_names?: string[];
  message?: string;
}

/** oneof response_types: exactly one of flow, node_status, lost_events. */
export interface GetFlowsResponse {
  flow?: Flow;
  node_status?: NodeStatusEvent;
  lost_events?: LostEvent;
  node_name?: string;
  time?: Timestamp;
  /** Virtual oneof field, present on decoded messages. */
  response_types?: 'flow' | 'node_status' | 'lost_events';
}

export interface ServerStatusResponse {
  num_flows?: number;
  max_flows?: number;
  seen_flows?: number;
  uptime_ns?: number;
  num_connected_nodes?: UInt32Value;
  num_unavailable_nodes?: UInt32Value;
  version?: string;
  flows_rate?: number;
}

export interface EventsRequest {
  number?: number;
  first?: boolean;
  follow?: boolean;
  since?: Timestamp;
  until?: Timestamp;
}

export type GetAgentEventsRequest = EventsRequest;
export type GetDebugEventsRequest = EventsRequest;

export interface GetAgentEventsResponse {
  node_name?: string;
  time?: Timestamp;
}

export type GetDebugEventsResponse = GetAgentEventsResponse;

export interface Namespace {
  cluster?: string;
  namespace?: string;
}

export interface GetNamespacesResponse {
  namespaces?: Namespace[];
}
