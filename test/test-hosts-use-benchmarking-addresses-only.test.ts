import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Test and benchmark hosts take their IPv4 addresses from 198.18.0.0/15, the range set
// aside for benchmarking (RFC 2544), and their IPv6 addresses from fd00::/8. A private
// range (10/8, 172.16/12, 192.168/16) could be a real network of the machine running the
// tests, so no literal of one may appear in test/ or bench/ sources.

const ROOTS = ['test', 'bench'];

// An octet is digits or a template placeholder (`${subnet}`); a dot may be
// escaped as in a regular expression. A preceding letter, digit or dot means a version
// or a longer number, not an address.
const OCTET = String.raw`(?:\d{1,3}|\$\{[^}]*\})`;
const DOT = String.raw`\\?\.`;
const PRIVATE_IPV4 = new RegExp(
  String.raw`(?<![\w.\\])(?:10${DOT}${OCTET}|172${DOT}(?:1[6-9]|2\d|3[01])|192${DOT}168)${DOT}${OCTET}(?:${DOT}${OCTET}){0,2}`,
  'g',
);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs|js|c|h)$/.test(entry.name) ? [path] : [];
  });
}

function privateAddressesIn(text: string): { line: number; literal: string }[] {
  return text.split('\n').flatMap((content, i) => [...content.matchAll(PRIVATE_IPV4)].map((m) => ({ line: i + 1, literal: m[0] })));
}

describe('test and benchmark sources', () => {
  it('recognise private-range literals in the forms the sources write them', () => {
    // Built from parts, so that this file holds no literal itself.
    const dotted = (...parts: (number | string)[]) => parts.join('.');
    const found = privateAddressesIn(
      [
        `ip: '${dotted(10, 0, 0, 1)}'`,
        `ipA: \`${dotted(10, 213, '${subnet}', 1)}\``,
        `{ source: '${dotted(172, 16, 4, 2)}', destination: '${dotted(172, 31, 0, 9)}' }`,
        `address: ${dotted(192, 168, 5, 10)}:4244`,
        `/source_ip.*${[10, 0, 0, 0].join('\\.')}\\/33/`,
      ].join('\n'),
    ).map((f) => `${f.line}:${f.literal}`);
    expect(found).toEqual([
      `1:${dotted(10, 0, 0, 1)}`,
      `2:${dotted(10, 213, '${subnet}', 1)}`,
      `3:${dotted(172, 16, 4, 2)}`,
      `3:${dotted(172, 31, 0, 9)}`,
      `4:${dotted(192, 168, 5, 10)}`,
      `5:${[10, 0, 0, 0].join('\\.')}`,
    ]);
    const notPrivate = ['198.18.0.1', '198.19.255.254', '172.15.0.1', '172.32.0.1', '192.169.0.1', '110.0.0.1', 'v10.2.3', '1.10.0.1', 'timeout 10.5'];
    expect(privateAddressesIn(notPrivate.join(' '))).toEqual([]);
  });

  it('give test hosts no private-range IPv4 address', () => {
    const files = ROOTS.flatMap((root) => sourceFiles(root));
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((file) => privateAddressesIn(readFileSync(file, 'utf8')).map((f) => `${file}:${f.line}: ${f.literal}`));
    expect(found, 'use 198.18.0.0/15 or fd00::/8 instead').toEqual([]);
  });
});
