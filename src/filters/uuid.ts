import { anyOf, type FilterKind } from './flow-predicate.js';

export const uuidFilter: FilterKind = (filter) => anyOf(filter.uuid, (uuid, flow) => flow.uuid === uuid);
