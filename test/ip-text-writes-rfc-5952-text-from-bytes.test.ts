import fc from 'fast-check';
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { formatIPv4, formatIPv6 } from '../src/ip-text.js';

// The decoder test (test/native/record-decoder-reads-the-native-layout.test.ts) pins the common
// addresses; this one pins offsets, the edges of `::` and of the IPv4-mapped form, and the rules.

const v6 = (...groups: number[]): Uint8Array => new Uint8Array(groups.flatMap((g) => [g >> 8, g & 0xff]));
const urlHost = (ip: string): string => new URL(`http://[${ip}]`).hostname;

describe('IP text from bytes', () => {
  it('writes IPv4 in dotted decimal from the offset it is given', () => {
    expect(formatIPv4(new Uint8Array([9, 198, 18, 0, 255, 9]), 1)).toBe('198.18.0.255');
  });

  it('writes IPv6 from the offset it is given, dotted only for IPv4-mapped addresses', () => {
    const groupsByText: Record<string, number[]> = {
      '1::': [1, 0, 0, 0, 0, 0, 0, 0],
      '0:0:1::': [0, 0, 1, 0, 0, 0, 0, 0],
      '::ffff:0.0.0.1': [0, 0, 0, 0, 0, 0xffff, 0, 1],
      '::fffe:a00:1': [0, 0, 0, 0, 0, 0xfffe, 0x0a00, 1],
      '::1:ffff:a00:1': [0, 0, 0, 0, 1, 0xffff, 0x0a00, 1],
      '64:ff9b::a00:1': [0x64, 0xff9b, 0, 0, 0, 0, 0x0a00, 1],
    };
    for (const [text, groups] of Object.entries(groupsByText)) {
      const shifted = new Uint8Array(3 + 16);
      shifted.set(v6(...groups), 3);
      expect(formatIPv6(shifted, 3)).toBe(text);
    }
  });

  it('follows RFC 5952 for any address', () => {
    const groups = fc.array(fc.oneof(fc.constant(0), fc.nat(0xffff)), { minLength: 8, maxLength: 8 });
    fc.assert(
      fc.property(groups, (gs) => {
        const text = formatIPv6(v6(...gs), 0);
        expect(isIP(text)).toBe(6);
        expect(urlHost(text)).toBe(urlHost(gs.map((g) => g.toString(16)).join(':')));
        expect(text).not.toMatch(/(^|:)0[0-9a-f]|[A-F]|:::/);
        if (text.includes('.')) return;
        // `::` stands for the longest run of zero groups, and only for a run of two or more.
        let longestZeroRun = 0;
        let run = 0;
        for (const g of gs) {
          run = g === 0 ? run + 1 : 0;
          longestZeroRun = Math.max(longestZeroRun, run);
        }
        const written = text.split(':').filter((g) => g !== '').length;
        expect(8 - written).toBe(longestZeroRun >= 2 ? longestZeroRun : 0);
      }),
      { numRuns: 2000 },
    );
  });
});
