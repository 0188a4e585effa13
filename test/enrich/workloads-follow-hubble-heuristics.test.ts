import { describe, expect, it } from 'vitest';
import { workloadsOf } from '../../src/enrich/workloads.js';

const controlledBy = (kind: string, name: string) => [{ kind, name, controller: true }];

describe('workloadsOf', () => {
  it('names the Deployment behind a ReplicaSet by trimming the pod-template-hash', () => {
    expect(workloadsOf({ generateName: 'web-5d8f7b9c4-', labels: { 'pod-template-hash': '5d8f7b9c4' }, ownerReferences: controlledBy('ReplicaSet', 'web-5d8f7b9c4') })).toEqual([{ name: 'web', kind: 'Deployment' }]);
  });

  it('keeps a bare ReplicaSet (no hash label, or a name the hash does not end)', () => {
    expect(workloadsOf({ generateName: 'rs-', labels: {}, ownerReferences: controlledBy('ReplicaSet', 'rs') })).toEqual([{ name: 'rs', kind: 'ReplicaSet' }]);
    expect(workloadsOf({ generateName: 'rs-', labels: { 'pod-template-hash': 'abc' }, ownerReferences: controlledBy('ReplicaSet', 'rs-xyz') })).toEqual([{ name: 'rs-xyz', kind: 'ReplicaSet' }]);
  });

  it('names StatefulSets and DaemonSets as they are', () => {
    expect(workloadsOf({ generateName: 'db-', labels: {}, ownerReferences: controlledBy('StatefulSet', 'db') })).toEqual([{ name: 'db', kind: 'StatefulSet' }]);
    expect(workloadsOf({ generateName: 'agent-', labels: {}, ownerReferences: controlledBy('DaemonSet', 'agent') })).toEqual([{ name: 'agent', kind: 'DaemonSet' }]);
  });

  it('names the CronJob behind a Job named <cronjob>-<8 to 10 digits>, and a plain Job otherwise', () => {
    expect(workloadsOf({ generateName: 'backup-28391040-', labels: {}, ownerReferences: controlledBy('Job', 'backup-28391040') })).toEqual([{ name: 'backup', kind: 'CronJob' }]);
    expect(workloadsOf({ generateName: 'migrate-', labels: {}, ownerReferences: controlledBy('Job', 'migrate-42') })).toEqual([{ name: 'migrate-42', kind: 'Job' }]);
  });

  it('has no workload for a pod created by hand or without a controlling owner', () => {
    expect(workloadsOf({ labels: {}, ownerReferences: controlledBy('ReplicaSet', 'x') })).toEqual([]);
    expect(workloadsOf({ generateName: 'x-', labels: {}, ownerReferences: [{ kind: 'ReplicaSet', name: 'x' }] })).toEqual([]);
  });
});
