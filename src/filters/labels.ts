import type { Endpoint, Flow } from '../proto/flow.js';
import { allOf, anyOf, type FilterKind, type FlowPredicate } from './flow-predicate.js';
import { parseLabelSelector } from './label-selector.js';

function labelPredicate(field: string, selectors: string[] | undefined, pick: (flow: Flow) => Endpoint | undefined): FlowPredicate | undefined {
  const parsed = selectors?.map((s) => parseLabelSelector(field, s));
  return anyOf(parsed, (selector, flow) => selector(pick(flow)?.labels ?? []));
}

export const labelFilter: FilterKind = (filter) =>
  allOf([
    labelPredicate('source_label', filter.source_label, (flow) => flow.source),
    labelPredicate('destination_label', filter.destination_label, (flow) => flow.destination),
  ]);
