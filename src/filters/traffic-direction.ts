import { anyOf, type FilterKind } from './flow-predicate.js';

export const trafficDirectionFilter: FilterKind = (filter) =>
  anyOf(filter.traffic_direction, (direction, flow) => (flow.traffic_direction ?? 'TRAFFIC_DIRECTION_UNKNOWN') === direction);
