import type { Workload } from '../proto/flow.js';
import { podIdentityLabels } from './identity-labels.js';
import { canonicalIp } from '../ip-text.js';
import { workloadsOf, type OwnerReference } from './workloads.js';

// What enrichment keeps of a Pod: a few strings instead of the whole object, so watching
// every pod of a large cluster stays small.

/** A Pod as it arrives from a list (typed client) or a watch (raw JSON): the fields read here. */
export interface PodObject {
  metadata?: {
    name?: string;
    namespace?: string;
    generateName?: string;
    labels?: Record<string, string>;
    ownerReferences?: OwnerReference[];
  };
  spec?: { nodeName?: string; hostNetwork?: boolean; serviceAccountName?: string };
  status?: { phase?: string; podIP?: string; podIPs?: { ip?: string }[] };
}

export interface PodRecord {
  namespace: string;
  name: string;
  nodeName: string;
  ips: string[];
  /** Sorted, without the namespace's labels (those change on their own). */
  labels: string[];
  workloads: Workload[];
}

const TERMINAL_PHASES = new Set(['Succeeded', 'Failed']);

/**
 * The record of a pod that owns its addresses, or undefined: a pod without addresses, one
 * that has finished (its address may already belong to a new pod), or a hostNetwork pod
 * (its address is the node's, which the node enricher describes).
 */
export function toPodRecord(pod: PodObject, clusterName: string): PodRecord | undefined {
  const meta = pod.metadata ?? {};
  if (!meta.name || !meta.namespace) return undefined;
  if (pod.spec?.hostNetwork === true) return undefined;
  if (TERMINAL_PHASES.has(pod.status?.phase ?? '')) return undefined;
  const listed = (pod.status?.podIPs ?? []).map((entry) => entry.ip ?? '').filter((ip) => ip !== '');
  const ips = (listed.length > 0 ? listed : pod.status?.podIP ? [pod.status.podIP] : []).map(canonicalIp);
  if (ips.length === 0) return undefined;
  const labels = meta.labels ?? {};
  return {
    namespace: meta.namespace,
    name: meta.name,
    nodeName: pod.spec?.nodeName ?? '',
    ips,
    labels: podIdentityLabels({
      namespace: meta.namespace,
      labels,
      serviceAccount: pod.spec?.serviceAccountName ?? '',
      clusterName,
    }),
    workloads: workloadsOf({ generateName: meta.generateName, labels, ownerReferences: meta.ownerReferences ?? [] }),
  };
}
