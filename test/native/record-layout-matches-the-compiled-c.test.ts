import { describe, expect, it } from 'vitest';
import { recordLayout } from '../../src/native/binding.js';
import * as records from '../../src/native/records.js';

// struct fl_record as the C compiler laid it out (fl_record_layout) against the offsets the
// TypeScript side reads and writes: a field moved, resized, added or removed on either side
// fails here.

const layout = recordLayout();
const fields = [...layout].filter(([name]) => name !== 'record');
const offsets = new Map(
  Object.entries(records)
    .filter(([name]) => name.startsWith('OFFSET_'))
    .map(([name, value]) => [name.slice('OFFSET_'.length).toLowerCase(), value as number]),
);

/** The width records.ts implies for a field: up to the next distinct offset, or the record's end. */
function impliedSize(offset: number): number {
  const next = [...offsets.values(), records.RECORD_BYTES].filter((other) => other > offset);
  return Math.min(...next) - offset;
}

describe('struct fl_record layout', () => {
  it('has the size records.ts uses', () => {
    expect(layout.get('record')).toEqual({ offset: 0, size: records.RECORD_BYTES });
  });

  it('has an OFFSET_ constant for every C field and a C field for every constant', () => {
    expect([...offsets.keys()].sort()).toEqual(fields.map(([name]) => name).sort());
  });

  it.each(fields)('places %s where records.ts reads it, at its width', (name, field) => {
    expect(offsets.get(name)).toBe(field.offset);
    expect(impliedSize(field.offset)).toBe(field.size);
  });
});
