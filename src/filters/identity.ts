import { allOf, anyOf, type FilterKind } from './flow-predicate.js';

export const identityFilter: FilterKind = (filter) =>
  allOf([
    anyOf(filter.source_identity, (identity, flow) => (flow.source?.identity ?? 0) === identity),
    anyOf(filter.destination_identity, (identity, flow) => (flow.destination?.identity ?? 0) === identity),
  ]);
