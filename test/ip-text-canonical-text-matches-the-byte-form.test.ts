import fc from 'fast-check';
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { canonicalIp, formatIPv6 } from '../src/ip-text.js';

const group = fc.oneof(fc.constant(0), fc.constant(0xffff), fc.nat(0xffff));
const groups = fc.array(group, { minLength: 8, maxLength: 8 });
const bytesOf = (gs: number[]): Uint8Array => new Uint8Array(gs.flatMap((g) => [g >> 8, g & 0xff]));

describe('canonical IP text', () => {
  it('spells every IPv6 address as the byte formatter does, whatever spelling it is given', () => {
    fc.assert(
      fc.property(groups, (gs) => {
        const expected = formatIPv6(bytesOf(gs), 0);
        const full = gs.map((g) => g.toString(16).padStart(4, '0')).join(':');
        expect(isIP(expected)).toBe(6);
        expect(canonicalIp(full)).toBe(expected);
        expect(canonicalIp(full.toUpperCase())).toBe(expected);
        expect(canonicalIp(expected)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('writes IPv4-mapped addresses with a dotted tail and leaves IPv4 text as it is', () => {
    expect(canonicalIp('::FFFF:c612:1')).toBe('::ffff:198.18.0.1');
    expect(canonicalIp('0:0:0:0:0:ffff:198.18.0.1')).toBe('::ffff:198.18.0.1');
    expect(canonicalIp('fd00:0:0::10')).toBe('fd00::10');
    expect(canonicalIp('198.19.0.5')).toBe('198.19.0.5');
  });
});
