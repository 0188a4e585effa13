import { RE2JS, RE2JSException } from 're2js';
import { badFilter, refusedFilter } from './bad-request.js';

// The regular expressions of one GetFlows request, on RE2 (re2js, a port of RE2/J): matching
// takes time linear in the text, whatever the pattern, and the syntax is RE2's, which is what
// upstream Hubble accepts (Go's regexp package): no backreferences, no lookaround, repeat
// counts up to 1000. Compiling runs on the event loop and its cost grows with the pattern, so
// one request's patterns share a budget of characters (compile time) and of compiled
// instructions (compile time again, and the cost per character of every later match).

export const MAX_REQUEST_PATTERN_CHARACTERS = 65_536;
export const MAX_REQUEST_PATTERN_INSTRUCTIONS = 16_384;

/** A compiled pattern; `test` is true when it matches anywhere in the text (Go's MatchString). */
export interface UserPattern {
  test(text: string): boolean;
}

function syntaxError(err: unknown): string {
  if (err instanceof RE2JSException) return err.message.replace(/^error parsing regexp: /, '');
  throw err;
}

export class PatternCompiler {
  private characters = 0;
  private instructions = 0;

  /** A user's regular expression for `field` (dns_query, http_path, http_url). */
  regex(field: string, pattern: string): UserPattern {
    return this.compile(field, pattern, pattern, 'a regular expression in RE2 syntax');
  }

  /** The regular expression `source` built from `shown`, the user's values of `field` (FQDN and node name patterns). */
  derived(field: string, shown: readonly string[], source: string): UserPattern {
    return this.compile(field, shown.join(','), source, 'name patterns');
  }

  private compile(field: string, shown: string, source: string, what: string): UserPattern {
    this.characters += source.length;
    if (this.characters > MAX_REQUEST_PATTERN_CHARACTERS) {
      throw refusedFilter(field, shown, `the request's patterns are longer than ${MAX_REQUEST_PATTERN_CHARACTERS} characters in all`);
    }
    let compiled: RE2JS;
    try {
      compiled = RE2JS.compile(source);
    } catch (err) {
      throw badFilter(field, shown, `${what} (${syntaxError(err)})`);
    }
    this.instructions += compiled.programSize();
    if (this.instructions > MAX_REQUEST_PATTERN_INSTRUCTIONS) {
      throw refusedFilter(
        field,
        shown,
        `the request's patterns compile to more than ${MAX_REQUEST_PATTERN_INSTRUCTIONS} RE2 instructions in all (this one to ${compiled.programSize()})`,
      );
    }
    return compiled;
  }
}
