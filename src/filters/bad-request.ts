import { FlowlensError } from '../errors.js';

/** The error every filter throws for a value it cannot accept; the observer maps it to INVALID_ARGUMENT. */
export function badFilter(field: string, value: unknown, expected: string): FlowlensError {
  return new FlowlensError('FL_BAD_REQUEST', `invalid ${field} filter ${JSON.stringify(value)}: expected ${expected}`);
}
