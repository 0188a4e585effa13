import fc from 'fast-check';

// Arbitrary damage to a valid message: overwritten bytes, a cut, an insertion.
export function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      valid,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      fc.option(fc.nat()),
      fc.option(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }))),
    )
    .map(([bytes, writes, cut, insertion]) => {
      let out = Buffer.from(bytes);
      for (const [at, value] of writes) if (out.length > 0) out[at % out.length] = value;
      if (insertion !== null) {
        const at = insertion[0] % (out.length + 1);
        out = Buffer.concat([out.subarray(0, at), insertion[1], out.subarray(at)]);
      }
      if (cut !== null) out = out.subarray(0, cut % (out.length + 1));
      return out;
    });
}
