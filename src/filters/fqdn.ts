import type { Flow } from '../proto/flow.js';
import { canonicalFqdn, fqdnPatternRegexSource } from './fqdn-pattern.js';
import { allOf, type FilterKind, type FlowPredicate } from './flow-predicate.js';
import type { PatternCompiler } from './regex.js';

function fqdnPredicate(
  field: string,
  patterns: string[] | undefined,
  names: (flow: Flow) => string[] | undefined,
  compiler: PatternCompiler,
): FlowPredicate | undefined {
  if (patterns === undefined || patterns.length === 0) return undefined;
  const source = `\\A(?:${patterns.map((p) => fqdnPatternRegexSource(field, p)).join('|')})\\z`;
  const regex = compiler.derived(field, patterns, source);
  return (flow) => (names(flow) ?? []).some((name) => regex.test(canonicalFqdn(name)));
}

// Matches against all the names the flow's source or destination IP is known by.
export const fqdnFilter: FilterKind = (filter, patterns) =>
  allOf([
    fqdnPredicate('source_fqdn', filter.source_fqdn, (flow) => flow.source_names, patterns),
    fqdnPredicate('destination_fqdn', filter.destination_fqdn, (flow) => flow.destination_names, patterns),
  ]);
