import { allOf, type FilterKind } from './flow-predicate.js';
import { namespacedNamePredicate } from './namespaced-name.js';

export const serviceFilter: FilterKind = (filter) =>
  allOf([
    namespacedNamePredicate('source_service', filter.source_service, (flow) => flow.source_service),
    namespacedNamePredicate('destination_service', filter.destination_service, (flow) => flow.destination_service),
  ]);
