import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { DaemonSet } from 'kubernetes-models/apps/v1';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { manifestDocuments, type KubeDocument } from './manifest.js';

// Each kind's model class from kubernetes-models, which carries the Kubernetes OpenAPI schema.
type ModelClass = new (data: KubeDocument) => { validate(): void };

const MODELS: Record<string, ModelClass> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/DaemonSet': DaemonSet,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  // Its constructor's type requires roleRef and subjects; validate() is what checks them.
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding as unknown as ModelClass,
};

function modelOf(object: KubeDocument): ModelClass {
  const model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  return model;
}

describe('daemonset.yaml', () => {
  const objects = manifestDocuments();

  it('holds the objects a deployment needs, once each', () => {
    expect(objects.map((o) => o.kind).sort()).toEqual(
      ['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'DaemonSet', 'Namespace', 'Service', 'ServiceAccount'].sort(),
    );
  });

  for (const object of objects) {
    it(`${object.kind} ${object.metadata?.name} validates against the Kubernetes schema`, () => {
      const Model = modelOf(object);
      expect(() => new Model(object).validate()).not.toThrow();
    });
  }

  it('the schemas really bite: a broken copy of the DaemonSet and of the Service is rejected', () => {
    const daemonSet = structuredClone(objects.find((o) => o.kind === 'DaemonSet')!);
    daemonSet.spec.template.spec.containers[0].ports[0].containerPort = 'four-two-four-four';
    expect(() => new DaemonSet(daemonSet).validate()).toThrow();
    const service = structuredClone(objects.find((o) => o.kind === 'Service')!);
    service.spec.internalTrafficPolicy = 'Nearby';
    expect(() => new Service(service).validate()).toThrow();
  });
});
