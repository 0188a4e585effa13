import type { InterfaceRole } from '../capture/source.js';
import type { TrafficDirection } from '../proto/flow.js';

// Where a packet was seen, and which way its connection goes.
//
// The TC programs (and AF_PACKET sockets) sit on the node's side of an interface:
// - On an endpoint interface (the host end of a pod's veth pair), TC ingress sees what the
//   pod sends (FROM_ENDPOINT) and TC egress what is delivered to the pod (TO_ENDPOINT).
// - On any other interface (uplinks, bridges, tunnels), TC ingress sees what arrives from
//   the network (FROM_NETWORK) and TC egress what leaves for it (TO_NETWORK).
//
// `traffic_direction` is the direction of the connection, as Cilium reports it, from the
// point of view of the pod (endpoint interfaces) or of the node (other interfaces): a
// request travelling towards the pod or node is INGRESS, one leaving it is EGRESS, and a
// reply has the direction of the request it answers.

export type PacketDirection = 'ingress' | 'egress';
export type ObservationPoint = 'UNKNOWN_POINT' | 'TO_ENDPOINT' | 'FROM_ENDPOINT' | 'FROM_NETWORK' | 'TO_NETWORK';

// Cilium monitor numbering for trace events (event_type.sub_type): TraceToLxc 0,
// TraceFromLxc 5, TraceFromNetwork 10, TraceToNetwork 11.
export const TRACE_SUB_TYPES: Readonly<Record<ObservationPoint, number>> = {
  UNKNOWN_POINT: 0,
  TO_ENDPOINT: 0,
  FROM_ENDPOINT: 5,
  FROM_NETWORK: 10,
  TO_NETWORK: 11,
};

export function observationPoint(role: InterfaceRole, direction: PacketDirection): ObservationPoint {
  if (role === 'endpoint') return direction === 'ingress' ? 'FROM_ENDPOINT' : 'TO_ENDPOINT';
  return direction === 'ingress' ? 'FROM_NETWORK' : 'TO_NETWORK';
}

/** True when the packet travels towards the pod (endpoint interface) or the node (others). */
function packetIsInbound(role: InterfaceRole, direction: PacketDirection): boolean {
  return role === 'endpoint' ? direction === 'egress' : direction === 'ingress';
}

export function trafficDirection(role: InterfaceRole, direction: PacketDirection, isReply: boolean): TrafficDirection {
  return packetIsInbound(role, direction) !== isReply ? 'INGRESS' : 'EGRESS';
}
