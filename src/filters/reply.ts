import { anyOf, type FilterKind } from './flow-predicate.js';

// Flows whose reply direction is unknown (no is_reply) match no reply filter.
export const replyFilter: FilterKind = (filter) =>
  anyOf(filter.reply, (reply, flow) => flow.is_reply !== undefined && (flow.is_reply.value ?? false) === reply);
