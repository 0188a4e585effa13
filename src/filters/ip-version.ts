import { anyOf, type FilterKind } from './flow-predicate.js';

export const ipVersionFilter: FilterKind = (filter) =>
  anyOf(filter.ip_version, (version, flow) => flow.IP !== undefined && (flow.IP.ipVersion ?? 'IP_NOT_USED') === version);
