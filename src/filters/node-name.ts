import { badFilter } from './bad-request.js';
import { ANY_FQDN_REGEX_SOURCE, fqdnPatternRegexSource } from './fqdn-pattern.js';
import { type FilterKind } from './flow-predicate.js';

const DEFAULT_CLUSTER = 'default';

// `[cluster/]node`, each part an FQDN pattern; an empty part matches any name, and a pattern
// without `/` matches that node in every cluster.
function nodePatternRegexSource(pattern: string): string {
  if (pattern === '') throw badFilter('node_name', pattern, 'a [cluster/]node pattern');
  const parts = pattern.split('/');
  if (parts.length > 2) throw badFilter('node_name', pattern, 'at most one "/" between cluster and node');
  const [cluster, node] = parts.length === 2 ? [parts[0] ?? '', parts[1] ?? ''] : ['', parts[0] ?? ''];
  const clusterSource = cluster === '' ? ANY_FQDN_REGEX_SOURCE : fqdnPatternRegexSource('node_name', cluster);
  const nodeSource = node === '' ? ANY_FQDN_REGEX_SOURCE : fqdnPatternRegexSource('node_name', node);
  return `${clusterSource}/${nodeSource}`;
}

// Flows name their node `cluster/node`; a bare node name belongs to the default cluster.
export const nodeNameFilter: FilterKind = (filter, compiler) => {
  const patterns = filter.node_name;
  if (patterns === undefined || patterns.length === 0) return undefined;
  const regex = compiler.derived('node_name', patterns, `\\A(?:${patterns.map(nodePatternRegexSource).join('|')})\\z`);
  return (flow) => {
    const name = flow.node_name ?? '';
    if (name === '') return false;
    return regex.test(name.includes('/') ? name : `${DEFAULT_CLUSTER}/${name}`);
  };
};
