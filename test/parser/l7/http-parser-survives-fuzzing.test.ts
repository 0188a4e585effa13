import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HTTP_HEADERS,
  HTTP_METHODS,
  HTTP_REJECT_REASONS,
  parseHttpHead,
  type HttpParseResult,
} from '../../../src/parser/l7/http.js';
import { mutated } from './mutate.js';

const RUNS = 2000;
const options = { headers: DEFAULT_HTTP_HEADERS };

const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,12}$/);
const value = fc.stringMatching(/^[ -~]{0,30}$/);
const headerLines = fc.array(fc.tuple(token, value), { maxLength: 6 }).map((hs) => hs.map(([k, v]) => `${k}: ${v}\r\n`).join(''));
const request = fc
  .tuple(fc.constantFrom(...HTTP_METHODS), fc.stringMatching(/^\/[!-~]{0,40}$/), fc.constantFrom('HTTP/1.0', 'HTTP/1.1'), headerLines)
  .map(([m, t, v, h]) => `${m} ${t} ${v}\r\n${h}\r\n`);
const response = fc
  .tuple(fc.constantFrom('HTTP/1.0', 'HTTP/1.1'), fc.integer({ min: 100, max: 599 }), fc.stringMatching(/^[ -~]{0,20}$/), headerLines)
  .map(([v, c, r, h]) => `${v} ${c} ${r}\r\n${h}\r\n`);
const validMessage = fc.oneof(request, response).map((text) => new Uint8Array(Buffer.from(text, 'latin1')));

function expectTyped(result: HttpParseResult): void {
  if (result.ok) {
    if (result.message.kind === 'request') expect(HTTP_METHODS).toContain(result.message.method);
    else expect(result.message.code).toBeGreaterThanOrEqual(100);
  } else {
    expect(HTTP_REJECT_REASONS).toContain(result.reason);
  }
}

describe('HTTP/1.x head parser under fuzzing', () => {
  it('parses every well-formed head it is given', () => {
    fc.assert(
      fc.property(validMessage, (bytes) => {
        const result = parseHttpHead(bytes, options);
        if (!result.ok) throw new Error(`${result.reason}: ${Buffer.from(bytes).toString('latin1')}`);
        expect(result.message.headersComplete).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws on random bytes or on random bytes after a method', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.constantFrom(...HTTP_METHODS, 'HTTP/1.'), (bytes, prefix) => {
        expectTyped(parseHttpHead(bytes, options));
        expectTyped(parseHttpHead(Buffer.concat([Buffer.from(prefix + ' '), bytes]), options));
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on damaged well-formed heads', () => {
    fc.assert(
      fc.property(mutated(validMessage), (bytes) => expectTyped(parseHttpHead(bytes, options))),
      { numRuns: RUNS },
    );
  });
});
