// Endpoint labels the way Cilium derives identity labels from a pod, as Hubble prints them
// (`k8s:key=value`, sorted): the pod's own labels minus per-instance noise (Cilium's default
// label filter), plus the namespace, service account and cluster, plus every label of the
// pod's namespace under io.cilium.k8s.namespace.labels.

const SOURCE = 'k8s';
const NAMESPACE_KEY = 'io.kubernetes.pod.namespace';
const SERVICE_ACCOUNT_KEY = 'io.cilium.k8s.policy.serviceaccount';
const CLUSTER_KEY = 'io.cilium.k8s.policy.cluster';
const NAMESPACE_LABELS_PREFIX = 'io.cilium.k8s.namespace.labels.';

interface LabelRule {
  pattern: RegExp;
  ignore: boolean;
}

// Cilium's default label prefixes (pkg/labelsfilter): a key is kept unless an ignore rule
// matches at its start and no include rule matches a longer part of it.
const RULES: readonly LabelRule[] = [
  ...[NAMESPACE_KEY, 'io.cilium.k8s.namespace.labels', 'app.kubernetes.io', CLUSTER_KEY].map((prefix) => ({
    pattern: new RegExp(`^${prefix.replace(/\./g, '\\.')}`),
    ignore: false,
  })),
  ...[
    'io\\.kubernetes',
    'kubernetes\\.io',
    'statefulset\\.kubernetes\\.io/pod-name',
    'apps\\.kubernetes\\.io/pod-index',
    'batch\\.kubernetes\\.io/job-completion-index',
    '.*beta\\.kubernetes\\.io',
    'k8s\\.io',
    'pod-template-generation',
    'pod-template-hash',
    'controller-revision-hash',
    'annotation.*',
    'etcd_node',
  ].map((prefix) => ({ pattern: new RegExp(`^${prefix}`), ignore: true })),
];

export function isIdentityLabel(key: string): boolean {
  let included = 0;
  let ignored = 0;
  for (const rule of RULES) {
    const match = rule.pattern.exec(key);
    if (!match) continue;
    const length = match[0].length;
    if (rule.ignore) ignored = ignored === 0 ? length : Math.min(ignored, length);
    else included = Math.max(included, length);
  }
  return ignored === 0 || included > ignored;
}

function label(key: string, value: string): string {
  return `${SOURCE}:${key}=${value}`;
}

/** The pod's part of its endpoint labels (everything but its namespace's labels), sorted. */
export function podIdentityLabels(pod: {
  namespace: string;
  labels: Readonly<Record<string, string>>;
  serviceAccount: string;
  clusterName: string;
}): string[] {
  const labels = Object.entries(pod.labels)
    .filter(([key]) => isIdentityLabel(key))
    .map(([key, value]) => label(key, value));
  labels.push(label(NAMESPACE_KEY, pod.namespace), label(CLUSTER_KEY, pod.clusterName));
  if (pod.serviceAccount !== '') labels.push(label(SERVICE_ACCOUNT_KEY, pod.serviceAccount));
  return labels.sort();
}

/** A namespace's labels as they appear on the endpoints of its pods, sorted. */
export function namespaceIdentityLabels(labels: Readonly<Record<string, string>>): string[] {
  return Object.entries(labels)
    .map(([key, value]) => label(`${NAMESPACE_LABELS_PREFIX}${key}`, value))
    .sort();
}

/** Merges two sorted label lists into one sorted list. */
export function mergeSortedLabels(a: readonly string[], b: readonly string[]): string[] {
  const merged: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) merged.push(a[i]! <= b[j]! ? a[i++]! : b[j++]!);
  while (i < a.length) merged.push(a[i++]!);
  while (j < b.length) merged.push(b[j++]!);
  return merged;
}
