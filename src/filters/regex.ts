import { badFilter } from './bad-request.js';

/** Compiles a user-supplied regular expression, rejecting invalid ones as a bad request. */
export function compileRegex(field: string, source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (err) {
    throw badFilter(field, source, `a valid regular expression (${(err as Error).message})`);
  }
}
