import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REQUEST_PATTERN_CHARACTERS, MAX_REQUEST_PATTERN_INSTRUCTIONS } from '../../src/filters/regex.js';
import type { GetFlowsRequest } from '../../src/proto/observer.js';
import { makeFlow } from '../helpers/flows.js';
import { collectGetFlows, getFlowsError, startObserver, type ObserverHarness } from '../helpers/observer-server.js';

// Patterns RE2 (and so upstream Hubble's Go regexp) refuses, and patterns over the request's
// budget, sent to a real gRPC server: each is INVALID_ARGUMENT naming the field, the pattern
// and the reason, and the server goes on serving.
const REJECTED: [string, GetFlowsRequest, RegExp][] = [
  ['a backreference', { whitelist: [{ dns_query: ['(a)\\1'] }] }, /dns_query filter "\(a\)\\\\1".*RE2 syntax \(invalid escape sequence: `\\1`\)/],
  ['a lookahead', { whitelist: [{ http_path: ['^/api(?=/v1)'] }] }, /http_path filter "\^\/api\(\?=\/v1\)".*invalid or unsupported Perl syntax: `\(\?=`/],
  ['a negative lookahead', { blacklist: [{ http_url: ['^(?!https)'] }] }, /http_url filter .*unsupported Perl syntax: `\(\?!`/],
  ['a lookbehind', { whitelist: [{ http_url: ['(?<=shop)/api'] }] }, /http_url filter "\(\?<=shop\)\/api".*RE2 syntax \(invalid named capture/],
  ['a possessive repeat', { whitelist: [{ dns_query: ['a++'] }] }, /dns_query filter "a\+\+".*invalid nested repetition operator: `\+\+`/],
  ['a repeat count over 1000', { whitelist: [{ dns_query: ['a{1001}'] }] }, /dns_query filter "a\{1001\}".*invalid repeat count: `\{1001\}`/],
  ['nested repeats over 1000 in all', { whitelist: [{ dns_query: ['(a{100}){100}'] }] }, /dns_query filter .*invalid repeat count/],
  ['\\Z, which Go lacks', { whitelist: [{ dns_query: ['local\\Z'] }] }, /dns_query filter .*invalid escape sequence: `\\Z`/],
  ['an unclosed class', { whitelist: [{ http_path: ['/api/[v1'] }] }, /http_path filter "\/api\/\[v1".*missing closing \]/],
  [
    'patterns that compile to too many instructions',
    { whitelist: Array.from({ length: 20 }, () => ({ dns_query: ['[a-z]{1000}'] })) },
    new RegExp(`dns_query filter "\\[a-z\\]\\{1000\\}": the request's patterns compile to more than ${MAX_REQUEST_PATTERN_INSTRUCTIONS} RE2 instructions`),
  ],
  [
    'patterns longer than the request budget, quoted in part',
    { whitelist: [{ http_url: [`[${'x'.repeat(MAX_REQUEST_PATTERN_CHARACTERS / 2)}]`, `[${'y'.repeat(MAX_REQUEST_PATTERN_CHARACTERS / 2)}]`] }] },
    new RegExp(`^invalid http_url filter "\\[y{198}…: the request's patterns are longer than ${MAX_REQUEST_PATTERN_CHARACTERS} characters in all$`),
  ],
  [
    'FQDN patterns that compile to too many instructions',
    { whitelist: [{ destination_fqdn: Array.from({ length: 1500 }, (_, i) => `host-${i}.*.example.com`) }] },
    /destination_fqdn filter "host-0\.\*\.example\.com,host-1.*compile to more than/,
  ],
];

describe('patterns RE2 refuses are INVALID_ARGUMENT with the field, the pattern and the reason', () => {
  let h: ObserverHarness;
  beforeAll(async () => {
    h = await startObserver();
    h.store.pushFlow(makeFlow({ Type: 'L7', l7: { type: 'REQUEST', dns: { query: 'aa.example.' } } }));
  });
  afterAll(async () => h.close());

  for (const [what, request, reason] of REJECTED) {
    it(`rejects ${what}, then still serves`, async () => {
      const err = await getFlowsError(h.client, request);
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toMatch(reason);
      expect(await collectGetFlows(h.client, { number: 1 })).toHaveLength(1);
    });
  }

  it('serves a request whose patterns RE2 accepts, with the flows they match', async () => {
    const responses = await collectGetFlows(h.client, { whitelist: [{ dns_query: ['^(a|a)*\\.example\\.$', '(?P<x>a)'] }] });
    expect(responses.map((r) => r.flow?.l7?.dns?.query)).toEqual(['aa.example.']);
  });
});
