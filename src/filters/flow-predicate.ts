import type { Flow, FlowFilter } from '../proto/flow.js';
import type { PatternCompiler } from './regex.js';

export type FlowPredicate = (flow: Flow) => boolean;

/**
 * One filter kind: turns the fields of a FlowFilter it is responsible for into a predicate,
 * or returns undefined when none of them is set. Throws FlowlensError('FL_BAD_REQUEST') for
 * values it cannot accept. Regular expressions are compiled by `patterns`, one per request.
 */
export type FilterKind = (filter: FlowFilter, patterns: PatternCompiler) => FlowPredicate | undefined;

/** A predicate matching when any of `values` matches (OR within one repeated field). */
export function anyOf<T>(values: readonly T[] | undefined, test: (value: T, flow: Flow) => boolean): FlowPredicate | undefined {
  if (values === undefined || values.length === 0) return undefined;
  return (flow) => values.some((value) => test(value, flow));
}

/** Combines the predicates that are defined with AND. */
export function allOf(predicates: readonly (FlowPredicate | undefined)[]): FlowPredicate | undefined {
  const defined = predicates.filter((p): p is FlowPredicate => p !== undefined);
  if (defined.length === 0) return undefined;
  if (defined.length === 1) return defined[0];
  return (flow) => defined.every((p) => p(flow));
}
