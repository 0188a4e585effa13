// What a peer source tells the peer service: the nodes it knows and how that set changes;
// and enrichment: every address of those nodes. Implemented by the static source (a YAML file) and the Kubernetes source (Node objects).

export interface PeerNode { name: string; cluster: string; ip?: string; port?: number; }
export type PeerChangeType = 'PEER_ADDED' | 'PEER_DELETED' | 'PEER_UPDATED';
export interface PeerChange { type: PeerChangeType; node: PeerNode; }
/** Every address a node has (the one peers dial it at and any other), canonical. */
export interface NodeAddresses { name: string; addresses: readonly string[]; }
export interface PeerSource {
  start(): Promise<void>;
  stop(): Promise<void>;
  nodes(): readonly PeerNode[];
  /** Returns the unsubscribe function; listeners are called synchronously in change order. */
  subscribe(listener: (change: PeerChange) => void): () => void;
  /** Every known node's own addresses, for telling traffic from other nodes apart. */
  nodeAddresses(): readonly NodeAddresses[];
  /** Changes whenever nodeAddresses() may have changed. */
  readonly addressesVersion: number;
}
