// The `peer` package messages as src/proto/load.ts converts them with PROTO_CONVERSION_OPTIONS.

export const CHANGE_NOTIFICATION_TYPES = ['UNKNOWN', 'PEER_ADDED', 'PEER_DELETED', 'PEER_UPDATED'] as const;
export type ChangeNotificationType = (typeof CHANGE_NOTIFICATION_TYPES)[number];

export interface ChangeNotification {
  /** Node name, `cluster/node` when the cluster is not `default`. */
  name?: string;
  /** host:port of the peer's Hubble gRPC service. */
  address?: string;
  type?: ChangeNotificationType;
  /** Present exactly when the peer serves TLS. */
  tls?: { server_name?: string };
}
