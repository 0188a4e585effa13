import type { Namespace } from '../proto/observer.js';

// GetNamespaces lists, like upstream Hubble, the namespaces flows have named in the last
// hour: upstream records each flow's source and destination namespace with the node's
// cluster name and forgets it an hour after the last flow that named it
// (cilium/cilium pkg/hubble/observer/namespace/manager.go and trackNamespaces in
// pkg/hubble/observer/local_observer.go).

const HOUR_MS = 3_600_000;
/** A namespace seen again within this is not moved in the order: no map writes per flow. */
const REFRESH_MS = 1_000;
/** Above the number of namespaces Kubernetes is tested with in one cluster (10,000). */
const DEFAULT_MAX_NAMESPACES = 16_384;

export interface SeenNamespacesOptions {
  /** The cluster every recorded namespace belongs to (this node's). */
  clusterName: string;
  /** How long a namespace is kept after the last flow that named it; default one hour. */
  keepMs?: number;
  /** At most this many are kept; beyond it the longest unseen goes first. */
  maxNamespaces?: number;
  now?: () => number;
}

/** The namespaces flows named recently, each kept for an hour after it was last seen. */
export class SeenNamespaces {
  /** Namespace -> when last seen (ms); in order of last sight, the longest unseen first. */
  private readonly lastSeen = new Map<string, number>();
  private readonly keepMs: number;
  private readonly maxNamespaces: number;
  private readonly now: () => number;
  private evicted = 0;

  constructor(private readonly options: SeenNamespacesOptions) {
    this.keepMs = options.keepMs ?? HOUR_MS;
    this.maxNamespaces = options.maxNamespaces ?? DEFAULT_MAX_NAMESPACES;
    this.now = options.now ?? Date.now;
  }

  /** Records one flow endpoint's namespace (nothing for an endpoint without one). */
  see(namespace: string | undefined, nowMs = this.now()): void {
    if (!namespace) return;
    const last = this.lastSeen.get(namespace);
    if (last !== undefined && nowMs - last < REFRESH_MS) return;
    this.lastSeen.delete(namespace);
    this.lastSeen.set(namespace, nowMs);
    this.forgetExpired(nowMs);
    for (const oldest of this.lastSeen.keys()) {
      if (this.lastSeen.size <= this.maxNamespaces) break;
      this.lastSeen.delete(oldest);
      this.evicted += 1;
    }
  }

  /** The namespaces seen within the last hour, longest unseen first. */
  namespaces(nowMs = this.now()): Namespace[] {
    this.forgetExpired(nowMs);
    return [...this.lastSeen.keys()].map((namespace) => ({ cluster: this.options.clusterName, namespace }));
  }

  /** Namespaces dropped to stay within maxNamespaces (expired ones are not counted). */
  get evictions(): number {
    return this.evicted;
  }

  private forgetExpired(nowMs: number): void {
    for (const [namespace, seenAt] of this.lastSeen) {
      if (nowMs - seenAt <= this.keepMs) break;
      this.lastSeen.delete(namespace);
    }
  }
}
