import { describe, expect, it } from 'vitest';
import { CONFIG_BYTES, CONFIG_OFFSETS, STATS_BYTES, STATS_OFFSETS, structLayouts } from '../../src/native/binding.js';
import * as records from '../../src/native/records.js';

// Every structure TypeScript shares with libflowlens, as the C compiler laid it out
// (fl_struct_layout), against the offsets the TypeScript side reads and writes: a field moved,
// resized, added or removed on either side fails here. struct fl_record is mirrored by
// records.ts's OFFSET_ constants, fl_session_config and fl_stats by binding.ts.

const recordOffsets = Object.fromEntries(
  Object.entries(records)
    .filter(([name]) => name.startsWith('OFFSET_'))
    .map(([name, value]) => [name.slice('OFFSET_'.length).toLowerCase(), value as number]),
);

const MIRRORS: { structure: string; bytes: number; offsets: Readonly<Record<string, number>> }[] = [
  { structure: 'record', bytes: records.RECORD_BYTES, offsets: recordOffsets },
  { structure: 'session_config', bytes: CONFIG_BYTES, offsets: CONFIG_OFFSETS },
  { structure: 'stats', bytes: STATS_BYTES, offsets: STATS_OFFSETS },
];

const layouts = structLayouts();

describe.each(MIRRORS)('struct layout $structure', ({ structure, bytes, offsets }) => {
  const layout = layouts.get(structure) ?? new Map();
  const fields = [...layout].filter(([name]) => name !== '*');

  /** The width the TypeScript offsets imply for a field: up to the next distinct offset, or the end. */
  function impliedSize(offset: number): number {
    return Math.min(...[...Object.values(offsets), bytes].filter((other) => other > offset)) - offset;
  }

  it('has the size TypeScript uses', () => {
    expect(layout.get('*')).toEqual({ offset: 0, size: bytes });
  });

  it('has a TypeScript offset for every C field and a C field for every offset', () => {
    expect(Object.keys(offsets).sort()).toEqual(fields.map(([name]) => name).sort());
  });

  it.each(fields)('places %s where TypeScript reads or writes it, at its width', (name, field) => {
    expect(offsets[name]).toBe(field.offset);
    expect(impliedSize(field.offset)).toBe(field.size);
  });
});
