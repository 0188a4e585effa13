import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OFFSET_TIME_NS, RECORD_BYTES } from '../../src/native/records.js';
import { recordTimestamp } from '../../src/parser/record-fields.js';
import { timestampFromNs } from '../../src/proto/timestamp.js';

// A record's time is a 64-bit nanosecond count: its Timestamp, computed without BigInt, must
// be the exact quotient and remainder by 10^9 for every value the field can hold.

function timestampOf(ns: bigint) {
  const buf = Buffer.alloc(RECORD_BYTES);
  buf.writeBigUInt64LE(ns, OFFSET_TIME_NS);
  return recordTimestamp(buf, 0);
}

describe('a record timestamp', () => {
  it('is the exact seconds and nanoseconds of any 64-bit nanosecond count', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (ns) => {
        expect(timestampOf(ns)).toStrictEqual(timestampFromNs(ns));
      }),
      { numRuns: 20_000 },
    );
  });

  it('is exact at the edges of a second and of the 32-bit halves', () => {
    const edges = [0n, 1n, 999_999_999n, 1_000_000_000n, 2n ** 32n - 1n, 2n ** 32n, 1_700_000_000_123_456_789n, 2n ** 64n - 1n];
    for (const second of [1n, 4_294_967_295n, 18_446_744_073n]) edges.push(second * 1_000_000_000n - 1n, second * 1_000_000_000n);
    for (const ns of edges) expect(timestampOf(ns), String(ns)).toStrictEqual(timestampFromNs(ns));
  });
});
