import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LabelTree } from '../../src/metrics/label-tree.js';

// Whatever order combinations come in (repeats, alternations, shared prefixes), each one has
// one entry, made from its labels on first sight, and no more than maxEntries are made.

describe('a label tree', () => {
  it('hands out one entry per combination of values, up to its bound', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('x', 'y'), fc.constantFrom('', 'a', '1')), { maxLength: 80 }),
        fc.integer({ min: 1, max: 20 }),
        (combinations, maxEntries) => {
          const tree = new LabelTree(['one', 'two', 'three'], (labels) => ({ labels }), maxEntries);
          const made = new Map<string, { labels: Record<string, string> } | undefined>();
          for (const values of combinations) {
            const key = values.join('\u0000');
            const entry = tree.get(values);
            if (!made.has(key)) made.set(key, made.size < maxEntries ? entry : undefined);
            expect(entry).toBe(made.get(key));
            if (entry !== undefined) expect(entry.labels).toStrictEqual({ one: values[0], two: values[1], three: values[2] });
            expect(tree.find(values)).toBe(entry);
          }
          expect(tree.size).toBe(Math.min(made.size, maxEntries));
        },
      ),
      { numRuns: 300 },
    );
  });
});
