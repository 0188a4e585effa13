import { describe, expect, it } from 'vitest';
import { requestUriPath } from '../../src/filters/request-uri-path.js';

// What Go's url.ParseRequestURI(url).Path is (upstream matches http_path against it), or
// undefined where it returns an error.
const CASES: [string, string | undefined][] = [
  ['http://shop/api/v1/items?x=1', '/api/v1/items'],
  ['https://shop:8443/a/b', '/a/b'],
  ['http://user:pw@shop/a', '/a'],
  ['http://[fd00::1]:80/a', '/a'],
  ['http://shop', ''],
  ['/just/a/path?q', '/just/a/path'],
  ['http://shop/a%20b/%2Fc', '/a b//c'],
  ['http://shop/caf%C3%A9', '/café'],
  ['http://shop/a/../b', '/a/../b'],
  ['http://shop/a+b', '/a+b'],
  ['http://shop/a#frag', '/a#frag'],
  ['*', '*'],
  ['shop:443', ''],
  ['mailto:someone', ''],
  ['relative/path', undefined],
  ['', undefined],
  [':no-scheme', undefined],
  ['http://shop/a%zz', undefined],
  ['http://shop/a%2', undefined],
  ['http://shop:http/a', undefined],
  ['http://[fd00::1/a', undefined],
  ['http://shop/a\u0001b', undefined],
];

describe('http_path patterns see the path Go parses from the URL', () => {
  for (const [url, path] of CASES) {
    it(`${JSON.stringify(url)} -> ${JSON.stringify(path)}`, () => {
      expect(requestUriPath(url)).toBe(path);
    });
  }
});
