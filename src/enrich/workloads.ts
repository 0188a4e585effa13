import type { Workload } from '../proto/flow.js';

// The workload behind a pod, by Hubble's heuristic (Cilium pkg/k8s/utils/workload.go, after
// Istio): a generated pod's controller; a ReplicaSet whose name ends in the pod's
// pod-template-hash is its Deployment; a Job named `<name>-<8 to 10 digits>` is a CronJob's.

const CRON_JOB_NAME = /^(.+)-\d{8,10}$/;

export interface OwnerReference {
  kind?: string;
  name?: string;
  controller?: boolean;
}

export function workloadsOf(pod: {
  generateName?: string;
  labels: Readonly<Record<string, string>>;
  ownerReferences: readonly OwnerReference[];
}): Workload[] {
  if (!pod.generateName) return [];
  const owner = pod.ownerReferences.find((ref) => ref.controller === true);
  if (!owner?.kind || !owner.name) return [];
  const hash = pod.labels['pod-template-hash'] ?? '';
  if (owner.kind === 'ReplicaSet' && hash !== '' && owner.name.endsWith(`-${hash}`)) {
    return [{ name: owner.name.slice(0, -(hash.length + 1)), kind: 'Deployment' }];
  }
  if (owner.kind === 'ReplicationController' && pod.labels.deploymentconfig) {
    return [{ name: pod.labels.deploymentconfig, kind: 'DeploymentConfig' }];
  }
  if (owner.kind === 'Job') {
    const cron = CRON_JOB_NAME.exec(owner.name);
    if (cron) return [{ name: cron[1]!, kind: 'CronJob' }];
  }
  return [{ name: owner.name, kind: owner.kind }];
}
