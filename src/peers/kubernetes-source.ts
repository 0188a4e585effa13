import { isIPv4, isIP } from 'node:net';
import { createKubeClient, type KubeClient } from '../enrich/kube-client.js';
import { KubeReflector, type KubeListPage, type ReflectorChange, type ReflectorStats } from '../enrich/kube-reflector.js';
import { canonicalIp } from '../ip-text.js';
import { moduleLogger } from '../log.js';
import type { NodeAddresses, PeerChange, PeerChangeType, PeerNode, PeerSource } from './source.js';

const log = moduleLogger('peers-kubernetes');

/** Address types in the order a node is dialled by; Hostname is never dialled. */
const ADDRESS_TYPE_PREFERENCE = ['InternalIP', 'ExternalIP'] as const;

export interface KubernetesPeerSourceOptions {
  /** kubeconfig file; empty: in-cluster. */
  kubeconfig: string;
  clusterName: string;
  /** The gRPC port every agent listens on. */
  grpcPort: number;
  initialSyncWaitMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
}

interface NodeObject {
  metadata?: { name?: string };
  status?: { addresses?: { type?: string; address?: string }[] };
}

/** The address a relay dials a node at: InternalIP before ExternalIP, IPv4 before IPv6. */
export function nodeAddress(node: NodeObject): string | undefined {
  const addresses = node.status?.addresses ?? [];
  for (const type of ADDRESS_TYPE_PREFERENCE) {
    const ips = addresses
      .filter((a) => a.type === type && a.address !== undefined && isIP(a.address) !== 0)
      .map((a) => a.address!);
    const chosen = ips.find((ip) => isIPv4(ip)) ?? ips[0];
    if (chosen) return chosen;
  }
  return undefined;
}

/** Every IP a node lists (InternalIP, ExternalIP, both families), canonical and sorted. */
export function nodeIps(node: NodeObject): string[] {
  const ips = (node.status?.addresses ?? [])
    .filter((a) => a.type !== 'Hostname' && a.address !== undefined && isIP(a.address) !== 0)
    .map((a) => canonicalIp(a.address!));
  return [...new Set(ips)].sort();
}

/** What is kept of a Node: the peer it is, and all its addresses. */
interface KnownNode {
  peer: PeerNode;
  addresses: string[];
}

const CHANGE_TYPE: Record<ReflectorChange<KnownNode>['type'], PeerChangeType> = {
  added: 'PEER_ADDED',
  updated: 'PEER_UPDATED',
  deleted: 'PEER_DELETED',
};

/**
 * Peers from the cluster's Node objects; a node without an address is left out until it has one.
 * A change to a node's other addresses alone is no peer change.
 */
export class KubernetesPeerSource implements PeerSource {
  private readonly client: KubeClient;
  private readonly reflector: KubeReflector<KnownNode>;
  private readonly listeners = new Set<{ listener: (change: PeerChange) => void }>();
  private changes = 0;

  constructor(private readonly options: KubernetesPeerSourceOptions) {
    this.client = createKubeClient({ kubeconfig: options.kubeconfig });
    this.reflector = new KubeReflector<KnownNode>({
      resource: 'nodes',
      path: '/api/v1/nodes',
      watch: this.client.watch,
      listPage: (limit, token) => this.client.core.listNode({ limit, _continue: token }) as Promise<KubeListPage>,
      toValue: (object) => this.toKnownNode(object as NodeObject),
      onChange: (change) => this.publish(change),
      initialSyncWaitMs: options.initialSyncWaitMs,
      backoffInitialMs: options.backoffInitialMs,
      backoffMaxMs: options.backoffMaxMs,
    });
  }

  /** Resolves after the first list of nodes, or after the initial wait; never throws. */
  async start(): Promise<void> {
    log.info({ server: this.client.server }, 'watching nodes for peers');
    await this.reflector.start();
  }

  async stop(): Promise<void> {
    await this.reflector.stop();
  }

  nodes(): readonly PeerNode[] {
    return this.reflector.values().map((node) => node.peer);
  }

  nodeAddresses(): readonly NodeAddresses[] {
    return this.reflector.values().map((node) => ({ name: node.peer.name, addresses: node.addresses }));
  }

  get addressesVersion(): number {
    return this.changes;
  }

  subscribe(listener: (change: PeerChange) => void): () => void {
    const registration = { listener };
    this.listeners.add(registration);
    return () => {
      this.listeners.delete(registration);
    };
  }

  stats(): ReflectorStats {
    return this.reflector.stats();
  }

  private toKnownNode(node: NodeObject): KnownNode | undefined {
    const name = node.metadata?.name;
    const ip = nodeAddress(node);
    if (!name || ip === undefined) return undefined;
    return { peer: { name, cluster: this.options.clusterName, ip, port: this.options.grpcPort }, addresses: nodeIps(node) };
  }

  private publish(change: ReflectorChange<KnownNode>): void {
    this.changes++;
    if (change.type === 'updated' && change.previous.peer.ip === change.value.peer.ip) return;
    const peerChange: PeerChange = {
      type: CHANGE_TYPE[change.type],
      node: change.type === 'deleted' ? change.previous.peer : change.value.peer,
    };
    for (const { listener } of [...this.listeners]) {
      try {
        listener(peerChange);
      } catch (err) {
        log.error({ err, change: peerChange }, 'peer change listener failed');
      }
    }
  }
}
