import { moduleLogger } from '../log.js';
import type { Endpoint, Flow } from '../proto/flow.js';
import type { FlowEnricher } from './flow-enricher.js';
import {
  HOST_ENDPOINT,
  HOST_KUBE_APISERVER_ENDPOINT,
  REMOTE_NODE_ENDPOINT,
  REMOTE_NODE_KUBE_APISERVER_ENDPOINT,
  WORLD_ENDPOINT,
  WORLD_KUBE_APISERVER_ENDPOINT,
} from './reserved-identities.js';

const log = moduleLogger('enrich-endpoints');

/** Pods by address (Kubernetes enrichment). */
export interface PodEndpoints {
  endpointOf(ip: string): Endpoint | undefined;
  isApiServer(ip: string): boolean;
  readonly version: number;
}

/** Other nodes' addresses. */
export interface RemoteNodes {
  has(ip: string): boolean;
  readonly version: number;
}

export interface EndpointResolverOptions {
  /** This node's own addresses, canonical. */
  hostAddresses: Iterable<string>;
  remoteNodes?: RemoteNodes;
  /** Without it (no Kubernetes enrichment) every endpoint is host, remote-node or world. */
  pods?: PodEndpoints;
}

/**
 * The endpoint of an address, as Hubble shows it: a known pod (with its pod identity), else
 * this node (host), else another node (remote-node), else the world. A backend of the
 * `kubernetes` Service that is not a pod also carries the kube-apiserver label. Every answer
 * is a shared, frozen object; `version` changes whenever an answer may change, so callers can
 * cache answers by address. As a flow enricher it sets both ends of every flow.
 */
export class EndpointResolver implements FlowEnricher {
  private readonly hostAddresses: ReadonlySet<string>;
  private failures = 0;

  constructor(private readonly options: EndpointResolverOptions) {
    this.hostAddresses = new Set(options.hostAddresses);
  }

  resolve(ip: string): Endpoint {
    const { pods, remoteNodes } = this.options;
    const pod = pods?.endpointOf(ip);
    if (pod) return pod;
    const apiServer = pods?.isApiServer(ip) ?? false;
    if (this.hostAddresses.has(ip)) return apiServer ? HOST_KUBE_APISERVER_ENDPOINT : HOST_ENDPOINT;
    if (remoteNodes?.has(ip)) return apiServer ? REMOTE_NODE_KUBE_APISERVER_ENDPOINT : REMOTE_NODE_ENDPOINT;
    return apiServer ? WORLD_KUBE_APISERVER_ENDPOINT : WORLD_ENDPOINT;
  }

  get version(): number {
    return (this.options.pods?.version ?? 0) + (this.options.remoteNodes?.version ?? 0);
  }

  enrich(flow: Flow): void {
    try {
      const ip = flow.IP;
      if (ip?.source) flow.source = this.resolve(ip.source);
      if (ip?.destination) flow.destination = this.resolve(ip.destination);
    } catch (err) {
      if (this.failures++ === 0) log.error({ err: (err as Error).message }, 'resolving a flow\'s endpoints failed');
    }
  }
}
