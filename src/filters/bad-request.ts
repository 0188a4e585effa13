import { FlowlensError } from '../errors.js';

// Values are quoted in the message up to this many characters: a request may carry long ones.
const MAX_QUOTED_CHARACTERS = 200;

function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_QUOTED_CHARACTERS ? `${text.slice(0, MAX_QUOTED_CHARACTERS)}…` : text;
}

/** The error a filter throws for a value it refuses, and why; the observer maps it to INVALID_ARGUMENT. */
export function refusedFilter(field: string, value: unknown, reason: string): FlowlensError {
  return new FlowlensError('FL_BAD_REQUEST', `invalid ${field} filter ${quoted(value)}: ${reason}`);
}

/** The error every filter throws for a value it cannot accept; the observer maps it to INVALID_ARGUMENT. */
export function badFilter(field: string, value: unknown, expected: string): FlowlensError {
  return refusedFilter(field, value, `expected ${expected}`);
}
