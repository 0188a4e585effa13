import { nodeNameFilter } from './node-name.js';
import { PatternCompiler } from './regex.js';
import type { SlotCheckKind } from './slot-check.js';

// Every flow of this agent carries the same node name: the patterns are matched once.
export const nodeNameSlotCheck: SlotCheckKind = (filter, { nodeName }) => {
  const predicate = nodeNameFilter(filter, new PatternCompiler());
  if (predicate === undefined) return undefined;
  const matches = predicate({ node_name: nodeName });
  return () => matches;
};
