import type { Endpoint } from '../proto/flow.js';
import type { Namespace } from '../proto/observer.js';
import { moduleLogger } from '../log.js';
import { API_SERVER_NAMESPACE, API_SERVER_SLICE_SELECTOR, apiServerAddresses, type EndpointSliceObject } from './api-server-endpoints.js';
import { mergeSortedLabels, namespaceIdentityLabels } from './identity-labels.js';
import { createKubeClient, type KubeClient } from './kube-client.js';
import { KubeReflector, type KubeListPage, type ReflectorChange, type ReflectorStats } from './kube-reflector.js';
import { LabelSetIdentities, labelSetText } from './label-set-identities.js';
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
  /** Distinct label sets of those pods: the pod identities in use. */
  identities: number;
  /** Pod identities that are not their label set's home number (a collision moved them). */
  identitiesDisplaced: number;
  /** Addresses of the API server (backends of default/kubernetes). */
  apiServerAddresses: number;
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

/** A known pod with its full endpoint labels (its own and its namespace's) and their identity text. */
interface PodEntry {
  record: PodRecord;
  labels: readonly string[];
  labelSet: string;
  /** Built on first lookup; rebuilt when the label set's number changes. */
  endpoint: Endpoint | undefined;
}

const NO_LABELS: readonly string[] = [];

function podKey(pod: { namespace: string; name: string }): string {
  return `${pod.namespace}/${pod.name}`;
}

/**
 * What enrichment learns from the API server: the pod at an address, as a shared, frozen
 * endpoint (namespace, pod name, labels, workloads, cluster and its numeric identity), and the
 * addresses of the API server. Watches every pod of the cluster (remote endpoints too). While
 * the API server is away, the last known state keeps serving and the watches retry in the
 * background; nothing here throws into the pipeline.
 */
export class KubernetesEnricher {
  private readonly client: KubeClient;
  private readonly index = new PodIpIndex();
  private readonly pods = new Map<string, PodEntry>();
  private readonly podsByNamespace = new Map<string, Set<string>>();
  private readonly namespaceRecords = new Map<string, NamespaceRecord>();
  private readonly identities = new LabelSetIdentities();
  private readonly apiServerSlices = new Map<string, string[]>();
  private apiServer: ReadonlySet<string> = new Set();
  private readonly reflectors: { pods: KubeReflector<PodRecord>; namespaces: KubeReflector<NamespaceRecord>; apiServer: KubeReflector<string[]> };
  private changes = 0;

  constructor(private readonly options: KubernetesEnricherOptions) {
    this.client = createKubeClient({ kubeconfig: options.kubeconfig });
    const common = {
      watch: this.client.watch,
      backoffInitialMs: options.backoffInitialMs,
      backoffMaxMs: options.backoffMaxMs,
      initialSyncWaitMs: options.initialSyncWaitMs,
    };
    this.reflectors = {
      pods: new KubeReflector<PodRecord>({
        ...common,
        resource: 'pods',
        path: '/api/v1/pods',
        listPage: (limit, token) =>
          this.client.core.listPodForAllNamespaces({ limit, _continue: token }) as Promise<KubeListPage>,
        toValue: (object) => toPodRecord(object as PodObject, options.clusterName),
        onChange: (change) => this.onPodChange(change),
      }),
      namespaces: new KubeReflector<NamespaceRecord>({
        ...common,
        resource: 'namespaces',
        path: '/api/v1/namespaces',
        listPage: (limit, token) => this.client.core.listNamespace({ limit, _continue: token }) as Promise<KubeListPage>,
        toValue: (object) => toNamespaceRecord(object as NamespaceObject),
        onChange: (change) => this.onNamespaceChange(change),
      }),
      apiServer: new KubeReflector<string[]>({
        ...common,
        resource: 'endpointslices',
        path: `/apis/discovery.k8s.io/v1/namespaces/${API_SERVER_NAMESPACE}/endpointslices`,
        labelSelector: API_SERVER_SLICE_SELECTOR,
        listPage: (limit, token) =>
          this.client.discovery.listNamespacedEndpointSlice({
            namespace: API_SERVER_NAMESPACE,
            labelSelector: API_SERVER_SLICE_SELECTOR,
            limit,
            _continue: token,
          }) as Promise<KubeListPage>,
        toValue: (object) => apiServerAddresses(object as EndpointSliceObject),
        onChange: (change) => this.onApiServerChange(change),
      }),
    };
  }

  /** Resolves once every first list is in, or after the initial wait: never throws. */
  async start(): Promise<void> {
    log.info({ server: this.client.server }, 'watching pods, namespaces and the API server\'s endpoints');
    await Promise.all(Object.values(this.reflectors).map((reflector) => reflector.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(Object.values(this.reflectors).map((reflector) => reflector.stop()));
  }

  /** The pod at an address, as the endpoint Hubble shows; shared and frozen. */
  endpointOf(ip: string): Endpoint | undefined {
    const pod = this.index.lookup(ip);
    const entry = pod && this.pods.get(podKey(pod));
    if (!entry) return undefined;
    const identity = this.identities.identityOf(entry.labelSet);
    if (entry.endpoint?.identity !== identity) entry.endpoint = this.podEndpoint(entry, identity);
    return entry.endpoint;
  }

  /** Whether the address is one of the API server's. */
  isApiServer(ip: string): boolean {
    return this.apiServer.has(ip);
  }

  /** Changes whenever an answer of endpointOf or isApiServer may have changed. */
  get version(): number {
    return this.changes;
  }

  /** Every namespace of the cluster, for GetNamespaces. */
  namespaces(): Namespace[] {
    return [...this.namespaceRecords.keys()]
      .sort()
      .map((namespace) => ({ cluster: this.options.clusterName, namespace }));
  }

  stats(): KubernetesEnricherStats {
    const all: ReflectorStats[] = Object.values(this.reflectors).map((reflector) => reflector.stats());
    const sum = (field: 'watchRestarts' | 'lists' | 'failures'): number => all.reduce((total, stats) => total + stats[field], 0);
    return {
      podsKnown: this.pods.size,
      namespacesKnown: this.namespaceRecords.size,
      identities: this.identities.size,
      identitiesDisplaced: this.identities.displaced(),
      apiServerAddresses: this.apiServer.size,
      watchRestarts: sum('watchRestarts'),
      relists: sum('lists'),
      failures: sum('failures'),
      synced: all.every((stats) => stats.synced),
    };
  }

  private podEndpoint(entry: PodEntry, identity: number): Endpoint {
    const pod = entry.record;
    return Object.freeze({
      identity,
      cluster_name: this.options.clusterName,
      namespace: pod.namespace,
      labels: entry.labels as string[],
      pod_name: pod.name,
      workloads: Object.freeze(pod.workloads.map((workload) => Object.freeze(workload))) as Endpoint['workloads'],
    });
  }

  private onPodChange(change: ReflectorChange<PodRecord>): void {
    if (change.type !== 'added') this.index.remove(change.previous);
    if (change.type !== 'deleted') this.index.add(change.value);
    if (change.type === 'deleted') this.forget(change.previous);
    else this.remember(change.value);
    this.changes++;
  }

  private onNamespaceChange(change: ReflectorChange<NamespaceRecord>): void {
    const name = change.type === 'deleted' ? change.previous.name : change.value.name;
    if (change.type === 'deleted') this.namespaceRecords.delete(name);
    else this.namespaceRecords.set(name, change.value);
    for (const key of this.podsByNamespace.get(name) ?? []) this.remember(this.pods.get(key)!.record);
    this.changes++;
  }

  private onApiServerChange(change: ReflectorChange<string[]>): void {
    if (change.type === 'deleted') this.apiServerSlices.delete(change.key);
    else this.apiServerSlices.set(change.key, change.value);
    this.apiServer = new Set([...this.apiServerSlices.values()].flat());
    this.changes++;
  }

  /** Adds or replaces a pod's entry, counting its new label set before letting go of the old. */
  private remember(record: PodRecord): void {
    const key = podKey(record);
    const previous = this.pods.get(key);
    this.pods.set(key, this.entryOf(record));
    if (previous) {
      this.identities.remove(previous.labelSet);
      return;
    }
    let keys = this.podsByNamespace.get(record.namespace);
    if (!keys) this.podsByNamespace.set(record.namespace, (keys = new Set()));
    keys.add(key);
  }

  private forget(record: PodRecord): void {
    const key = podKey(record);
    const entry = this.pods.get(key);
    if (!entry) return;
    this.identities.remove(entry.labelSet);
    this.pods.delete(key);
    const keys = this.podsByNamespace.get(record.namespace);
    keys?.delete(key);
    if (keys?.size === 0) this.podsByNamespace.delete(record.namespace);
  }

  /** A pod's entry with its namespace's current labels; counts its label set as in use. */
  private entryOf(record: PodRecord): PodEntry {
    const namespaceLabels = this.namespaceRecords.get(record.namespace)?.labels ?? NO_LABELS;
    const labels = Object.freeze(mergeSortedLabels(record.labels, namespaceLabels));
    const labelSet = labelSetText(labels);
    this.identities.add(labelSet);
    return { record, labels, labelSet, endpoint: undefined };
  }
}

function toNamespaceRecord(namespace: NamespaceObject): NamespaceRecord | undefined {
  const name = namespace.metadata?.name;
  if (!name) return undefined;
  return { name, labels: namespaceIdentityLabels(namespace.metadata?.labels ?? {}) };
}
