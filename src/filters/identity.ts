import { allOf, anyOf, type FilterKind } from './flow-predicate.js';

// As Hubble's identity filter (cilium pkg/hubble/filters/identity.go): a flow matches when the
// endpoint is there and its numeric identity is one of those asked for; a flow without that
// endpoint matches none, not even 0.
export const identityFilter: FilterKind = (filter) =>
  allOf([
    anyOf(filter.source_identity, (identity, flow) => flow.source !== undefined && (flow.source.identity ?? 0) === identity),
    anyOf(filter.destination_identity, (identity, flow) => flow.destination !== undefined && (flow.destination.identity ?? 0) === identity),
  ]);
