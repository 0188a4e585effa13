import { anyOf, type FilterKind } from './flow-predicate.js';

// sub_type is compared only when match_sub_type is set, because 0 is a valid sub type.
export const eventTypeFilter: FilterKind = (filter) =>
  anyOf(filter.event_type, (wanted, flow) => {
    const eventType = flow.event_type;
    if (eventType === undefined) return false;
    if ((eventType.type ?? 0) !== (wanted.type ?? 0)) return false;
    return wanted.match_sub_type !== true || (eventType.sub_type ?? 0) === (wanted.sub_type ?? 0);
  });
