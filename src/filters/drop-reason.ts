import { anyOf, type FilterKind } from './flow-predicate.js';

export const dropReasonFilter: FilterKind = (filter) =>
  anyOf(filter.drop_reason_desc, (reason, flow) => (flow.drop_reason_desc ?? 'DROP_REASON_UNKNOWN') === reason);
