import { anyOf, type FilterKind } from './flow-predicate.js';

// Patterns are unanchored, as upstream: `kube.*local` matches anywhere in the query.
export const dnsQueryFilter: FilterKind = (filter, patterns) => {
  const compiled = filter.dns_query?.map((p) => patterns.regex('dns_query', p));
  return anyOf(compiled, (pattern, flow) => {
    const query = flow.l7?.dns?.query;
    return query !== undefined && pattern.test(query);
  });
};
