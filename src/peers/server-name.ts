import { isIPv6 } from 'node:net';

// Naming rules a Hubble relay relies on, as upstream's peer service applies them
// (cilium/cilium pkg/hubble/peer/handler.go: TLSServerName, and the node's Fullname as
// the notification's name).

const HUBBLE_GRPC_DOMAIN = 'hubble-grpc.cilium.io';
const DEFAULT_CLUSTER = 'default';

/** A DNS label may not hold a dot: every `.` in a node or cluster name becomes `-`. */
function asLabel(name: string): string {
  return name.replaceAll('.', '-');
}

/** `<node>.<cluster>.hubble-grpc.cilium.io`, the TLS server name a relay dials a node with. */
export function tlsServerName(nodeName: string, clusterName: string): string {
  return `${asLabel(nodeName)}.${asLabel(clusterName || DEFAULT_CLUSTER)}.${HUBBLE_GRPC_DOMAIN}`;
}

/** The name the relay dials the peer service with, through the `hubble-peer` Service. */
export function peerServiceServerName(clusterName: string): string {
  return tlsServerName('hubble-peer', clusterName);
}

/** The wildcard that covers both names above; the agent's certificate carries it. */
export function clusterWildcardServerName(clusterName: string): string {
  return `*.${asLabel(clusterName || DEFAULT_CLUSTER)}.${HUBBLE_GRPC_DOMAIN}`;
}

/** The node's name in peer notifications: `cluster/node`, or just `node` in the default cluster. */
export function peerName(nodeName: string, clusterName: string): string {
  return clusterName === '' || clusterName === DEFAULT_CLUSTER ? nodeName : `${clusterName}/${nodeName}`;
}

/** `ip:port`, with IPv6 addresses in brackets. */
export function joinHostPort(ip: string, port: number): string {
  return isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`;
}
