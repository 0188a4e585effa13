import { badFilter } from './bad-request.js';

// FQDN patterns as upstream Hubble reads them: `*` stands for any run of name characters,
// dots included. Upstream's class for it is `[-a-zA-Z0-9_.]*`; names are lowercased before
// they are matched here, so the lowercase half of it is the same class.
const FQDN_WILDCARD_SOURCE = '[-._0-9a-z]*';

// Any FQDN, underscores allowed (what an empty cluster or node pattern stands for).
export const ANY_FQDN_REGEX_SOURCE = '(?:[-0-9_a-z]+(?:\\.[-0-9_a-z]+)*)';

/** Lowercase, without surrounding space and without one trailing dot. */
export function canonicalFqdn(name: string): string {
  const trimmed = name.trim();
  return (trimmed.endsWith('.') ? trimmed.slice(0, -1) : trimmed).toLowerCase();
}

/**
 * The RE2 source for an FQDN pattern: letters, digits, `-`, `_` and `.` match themselves,
 * `*` matches any run of name characters including dots.
 */
export function fqdnPatternRegexSource(field: string, pattern: string): string {
  const canonical = canonicalFqdn(pattern);
  if (canonical === '') throw badFilter(field, pattern, 'a non-empty name pattern');
  if (canonical.endsWith('.')) throw badFilter(field, pattern, 'at most one trailing dot');
  let source = '';
  for (const ch of canonical) {
    if (ch === '.') source += '\\.';
    else if (ch === '*') source += FQDN_WILDCARD_SOURCE;
    else if (/[-0-9_a-z]/.test(ch)) source += ch;
    else throw badFilter(field, pattern, 'letters, digits, "-", "_", "." and "*" only');
  }
  return source;
}
