import { describe, expect, it } from 'vitest';
import { isIdentityLabel, mergeSortedLabels, namespaceIdentityLabels, podIdentityLabels } from '../../src/enrich/identity-labels.js';

describe('endpoint labels', () => {
  it('drops per-instance and Kubernetes-internal labels, keeps the rest and app.kubernetes.io', () => {
    for (const key of ['pod-template-hash', 'controller-revision-hash', 'pod-template-generation', 'statefulset.kubernetes.io/pod-name',
      'apps.kubernetes.io/pod-index', 'batch.kubernetes.io/job-completion-index', 'kubernetes.io/os', 'io.kubernetes.container.name',
      'failure-domain.beta.kubernetes.io/zone', 'k8s.io/foo', 'annotation.x', 'etcd_node']) {
      expect(isIdentityLabel(key), key).toBe(false);
    }
    for (const key of ['app', 'k8s-app', 'tier', 'app.kubernetes.io/name', 'io.kubernetes.pod.namespace', 'io.cilium.k8s.policy.cluster', 'batch.kubernetes.io/job-name']) {
      expect(isIdentityLabel(key), key).toBe(true);
    }
  });

  it('adds namespace, cluster and service account the way Cilium does, sorted', () => {
    expect(podIdentityLabels({ namespace: 'ns', labels: { b: '2', a: '1', 'pod-template-hash': 'h' }, serviceAccount: 'sa', clusterName: 'c1' })).toEqual([
      'k8s:a=1',
      'k8s:b=2',
      'k8s:io.cilium.k8s.policy.cluster=c1',
      'k8s:io.cilium.k8s.policy.serviceaccount=sa',
      'k8s:io.kubernetes.pod.namespace=ns',
    ]);
  });

  it('carries every namespace label under io.cilium.k8s.namespace.labels and merges sorted', () => {
    const ns = namespaceIdentityLabels({ 'kubernetes.io/metadata.name': 'ns', team: 'x' });
    expect(ns).toEqual(['k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=ns', 'k8s:io.cilium.k8s.namespace.labels.team=x']);
    const merged = mergeSortedLabels(['k8s:app=a', 'k8s:io.kubernetes.pod.namespace=ns'], ns);
    expect(merged).toEqual([...merged].sort());
    expect(merged).toHaveLength(4);
  });
});
