import { anyOf, type FilterKind } from './flow-predicate.js';
import { compileRegex } from './regex.js';

// Patterns are unanchored, as upstream: `kube.*local` matches anywhere in the query.
export const dnsQueryFilter: FilterKind = (filter) => {
  const patterns = filter.dns_query?.map((p) => compileRegex('dns_query', p));
  return anyOf(patterns, (pattern, flow) => {
    const query = flow.l7?.dns?.query;
    return query !== undefined && pattern.test(query);
  });
};
