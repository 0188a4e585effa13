import { networkInterfaces } from 'node:os';
import type { Endpoint, Flow } from '../proto/flow.js';
import type { FlowEnricher } from './flow-enricher.js';
import { canonicalIp } from '../ip-text.js';

// Cilium's reserved identity for the local host: what Hubble shows for traffic from or to
// the node itself (kubelet probes, hostNetwork pods), which has no pod to describe it.
export const HOST_IDENTITY = 1;
const HOST_LABELS: readonly string[] = ['reserved:host'];

export interface NodeEnricherOptions {
  nodeName: string;
  /** This node's addresses; default: every address of every interface of the host. */
  addresses?: readonly string[];
}

/** Marks the node's own addresses as the reserved host endpoint and fills node_name when missing. */
export class NodeEnricher implements FlowEnricher {
  private readonly addresses: ReadonlySet<string>;

  constructor(private readonly options: NodeEnricherOptions) {
    this.addresses = new Set((options.addresses ?? hostAddresses()).map(canonicalIp));
  }

  enrich(flow: Flow): void {
    if (!flow.node_name) flow.node_name = this.options.nodeName;
    const ip = flow.IP;
    if (!ip) return;
    if (ip.source && this.addresses.has(ip.source)) flow.source = hostEndpoint(flow.source);
    if (ip.destination && this.addresses.has(ip.destination)) flow.destination = hostEndpoint(flow.destination);
  }
}

function hostEndpoint(existing: Endpoint | undefined): Endpoint {
  return { ...existing, identity: HOST_IDENTITY, labels: HOST_LABELS as string[] };
}

function hostAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .map((entry) => entry.address.replace(/%.*$/, ''));
}
