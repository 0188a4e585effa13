import { anyOf, type FilterKind } from './flow-predicate.js';

export const verdictFilter: FilterKind = (filter) =>
  anyOf(filter.verdict, (verdict, flow) => (flow.verdict ?? 'VERDICT_UNKNOWN') === verdict);
