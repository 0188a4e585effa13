import type { Endpoint, Flow } from '../proto/flow.js';
import type { Namespace } from '../proto/observer.js';
import { moduleLogger } from '../log.js';
import type { FlowEnricher } from './flow-enricher.js';
import { mergeSortedLabels, namespaceIdentityLabels } from './identity-labels.js';
import { createKubeClient, type KubeClient } from './kube-client.js';
import { KubeReflector, type KubeListPage, type ReflectorChange, type ReflectorStats } from './kube-reflector.js';
import { PodIpIndex } from './pod-ip-index.js';
import { toPodRecord, type PodObject, type PodRecord } from './pod-record.js';

const log = moduleLogger('enrich-kubernetes');

export interface KubernetesEnricherOptions {
  /** kubeconfig file; empty: in-cluster. */
  kubeconfig: string;
  clusterName: string;
  /** How long start() waits for the first lists before capture goes on without them. */
  initialSyncWaitMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
}

export interface KubernetesEnricherStats {
  /** Pods that own addresses (running, not hostNetwork) across the cluster. */
  podsKnown: number;
  namespacesKnown: number;
  /** Watches re-established after they ended (timeouts, disconnects, 410 Gone). */
  watchRestarts: number;
  /** Complete lists (the first one, and one after each 410 Gone). */
  relists: number;
  /** Failed list or watch attempts (API server away or erroring). */
  failures: number;
  synced: boolean;
}

interface NamespaceRecord {
  name: string;
  labels: string[];
}

interface NamespaceObject {
  metadata?: { name?: string; labels?: Record<string, string> };
}

interface CachedEndpoint {
  namespaceLabels: readonly string[] | undefined;
  endpoint: Endpoint;
}

const NO_LABELS: readonly string[] = [];

/**
 * Pod and namespace metadata from the API server, by IP: fills each flow's source and
 * destination namespace, pod name, labels, workloads and cluster. Watches every pod of the
 * cluster (remote endpoints too). While the API server is away, the last known state keeps
 * serving and the watches retry in the background; nothing here throws into the pipeline.
 */
export class KubernetesEnricher implements FlowEnricher {
  private readonly client: KubeClient;
  private readonly index = new PodIpIndex();
  private readonly namespaceRecords = new Map<string, NamespaceRecord>();
  private readonly endpoints = new WeakMap<PodRecord, CachedEndpoint>();
  private readonly pods: KubeReflector<PodRecord>;
  private readonly namespaceReflector: KubeReflector<NamespaceRecord>;
  private enrichFailures = 0;

  constructor(private readonly options: KubernetesEnricherOptions) {
    this.client = createKubeClient({ kubeconfig: options.kubeconfig });
    const common = {
      watch: this.client.watch,
      backoffInitialMs: options.backoffInitialMs,
      backoffMaxMs: options.backoffMaxMs,
      initialSyncWaitMs: options.initialSyncWaitMs,
    };
    this.pods = new KubeReflector<PodRecord>({
      ...common,
      resource: 'pods',
      path: '/api/v1/pods',
      listPage: (limit, token) =>
        this.client.core.listPodForAllNamespaces({ limit, _continue: token }) as Promise<KubeListPage>,
      toValue: (object) => toPodRecord(object as PodObject, options.clusterName),
      onChange: (change) => this.onPodChange(change),
    });
    this.namespaceReflector = new KubeReflector<NamespaceRecord>({
      ...common,
      resource: 'namespaces',
      path: '/api/v1/namespaces',
      listPage: (limit, token) => this.client.core.listNamespace({ limit, _continue: token }) as Promise<KubeListPage>,
      toValue: (object) => toNamespaceRecord(object as NamespaceObject),
      onChange: (change) => this.onNamespaceChange(change),
    });
  }

  /** Resolves once both first lists are in, or after the initial wait: never throws. */
  async start(): Promise<void> {
    log.info({ server: this.client.server }, 'watching pods and namespaces');
    await Promise.all([this.namespaceReflector.start(), this.pods.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.pods.stop(), this.namespaceReflector.stop()]);
  }

  enrich(flow: Flow): void {
    try {
      const ip = flow.IP;
      if (!ip) return;
      if (ip.source) {
        const endpoint = this.endpointOf(ip.source);
        if (endpoint) flow.source = { ...flow.source, ...endpoint };
      }
      if (ip.destination) {
        const endpoint = this.endpointOf(ip.destination);
        if (endpoint) flow.destination = { ...flow.destination, ...endpoint };
      }
    } catch (err) {
      if (this.enrichFailures++ === 0) log.error({ err: (err as Error).message }, 'enriching a flow failed');
    }
  }

  /** The pod at an address, as the endpoint fields Hubble shows. */
  endpointOf(ip: string): Endpoint | undefined {
    const pod = this.index.lookup(ip);
    if (!pod) return undefined;
    const namespaceLabels = this.namespaceRecords.get(pod.namespace)?.labels;
    const cached = this.endpoints.get(pod);
    if (cached && cached.namespaceLabels === namespaceLabels) return cached.endpoint;
    const endpoint: Endpoint = {
      namespace: pod.namespace,
      pod_name: pod.name,
      labels: mergeSortedLabels(pod.labels, namespaceLabels ?? NO_LABELS),
      workloads: pod.workloads,
      cluster_name: this.options.clusterName,
    };
    this.endpoints.set(pod, { namespaceLabels, endpoint });
    return endpoint;
  }

  /** Every namespace of the cluster, for GetNamespaces. */
  namespaces(): Namespace[] {
    return [...this.namespaceRecords.keys()]
      .sort()
      .map((namespace) => ({ cluster: this.options.clusterName, namespace }));
  }

  stats(): KubernetesEnricherStats {
    const pods: ReflectorStats = this.pods.stats();
    const namespaces: ReflectorStats = this.namespaceReflector.stats();
    return {
      podsKnown: pods.objects,
      namespacesKnown: namespaces.objects,
      watchRestarts: pods.watchRestarts + namespaces.watchRestarts,
      relists: pods.lists + namespaces.lists,
      failures: pods.failures + namespaces.failures,
      synced: pods.synced && namespaces.synced,
    };
  }

  private onPodChange(change: ReflectorChange<PodRecord>): void {
    if (change.type !== 'added') this.index.remove(change.previous);
    if (change.type !== 'deleted') this.index.add(change.value);
  }

  private onNamespaceChange(change: ReflectorChange<NamespaceRecord>): void {
    if (change.type === 'deleted') this.namespaceRecords.delete(change.previous.name);
    else this.namespaceRecords.set(change.value.name, change.value);
  }
}

function toNamespaceRecord(namespace: NamespaceObject): NamespaceRecord | undefined {
  const name = namespace.metadata?.name;
  if (!name) return undefined;
  return { name, labels: namespaceIdentityLabels(namespace.metadata?.labels ?? {}) };
}
