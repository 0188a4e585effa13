import { allOf, type FilterKind } from './flow-predicate.js';
import { namespacedNamePredicate } from './namespaced-name.js';

export const podFilter: FilterKind = (filter) =>
  allOf([
    namespacedNamePredicate('source_pod', filter.source_pod, (flow) => ({ namespace: flow.source?.namespace, name: flow.source?.pod_name })),
    namespacedNamePredicate('destination_pod', filter.destination_pod, (flow) => ({
      namespace: flow.destination?.namespace,
      name: flow.destination?.pod_name,
    })),
  ]);
