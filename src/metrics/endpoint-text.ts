import type { Endpoint } from '../proto/flow.js';

/** The context label values an endpoint gives, made once per endpoint object. */
export interface EndpointText {
  /** namespace/pod-name, or the pod name alone without a namespace. */
  readonly pod: string;
  /** namespace/pod-name with the pod name's generated suffixes cut (pod-short, deprecated upstream). */
  readonly podShort: string;
  /** Every identity label, comma-separated. */
  readonly identity: string;
  /** reserved:kube-apiserver when present, else the first reserved: label. */
  readonly reservedIdentity: string;
  /** namespace/workload-name of the first workload. */
  readonly workload: string;
  readonly workloadName: string;
  readonly workloadKind: string;
  /** From app.kubernetes.io/name, else k8s-app, else app. */
  readonly app: string;
}

const EMPTY: EndpointText = { pod: '', podShort: '', identity: '', reservedIdentity: '', workload: '', workloadName: '', workloadKind: '', app: '' };
const KUBE_APISERVER = 'reserved:kube-apiserver';
const RESERVED_PREFIX = 'reserved:';
const APP_LABEL_PREFIXES = ['k8s:app.kubernetes.io/name=', 'k8s:k8s-app=', 'k8s:app='];
// A replica set's and a pod's generated suffixes: "web-7d4b9c8f6-x2x9z" -> "web".
const GENERATED_SUFFIXES = /^(.+?)(-[a-z0-9]+){1,2}$/;

// Endpoint objects are shared by every flow of a pod (the enricher keeps one per pod), so the
// cache turns per-flow string work into one lookup.
const cache = new WeakMap<Endpoint, EndpointText>();

function inNamespace(namespace: string, name: string): string {
  return namespace === '' ? name : `${namespace}/${name}`;
}

function appOf(labels: readonly string[]): string {
  for (const label of labels) {
    for (const prefix of APP_LABEL_PREFIXES) {
      if (label.startsWith(prefix) && label.length > prefix.length) return label.slice(prefix.length);
    }
  }
  return '';
}

function reservedIdentityOf(labels: readonly string[]): string {
  if (labels.includes(KUBE_APISERVER)) return KUBE_APISERVER;
  return labels.find((label) => label.startsWith(RESERVED_PREFIX)) ?? '';
}

function textOf(endpoint: Endpoint): EndpointText {
  const namespace = endpoint.namespace ?? '';
  const podName = endpoint.pod_name ?? '';
  const labels = endpoint.labels ?? [];
  const workload = endpoint.workloads?.[0];
  const workloadName = workload?.name ?? '';
  return {
    pod: podName === '' ? '' : inNamespace(namespace, podName),
    podShort: podName === '' ? '' : inNamespace(namespace, podName.replace(GENERATED_SUFFIXES, '$1')),
    identity: labels.join(','),
    reservedIdentity: reservedIdentityOf(labels),
    workload: workloadName === '' ? '' : inNamespace(namespace, workloadName),
    workloadName,
    workloadKind: workload?.kind ?? '',
    app: appOf(labels),
  };
}

export function endpointText(endpoint: Endpoint | undefined): EndpointText {
  if (endpoint === undefined) return EMPTY;
  let text = cache.get(endpoint);
  if (text === undefined) {
    text = textOf(endpoint);
    cache.set(endpoint, text);
  }
  return text;
}
