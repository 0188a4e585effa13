import { describe, expect, it } from 'vitest';
import { RECORD_BYTES } from '../../src/native/records.js';
import { FlowStore, type SlotFacts } from '../../src/store/flow-store.js';

// pushRecord copies 4-byte-aligned records word by word and others with Buffer.copy: both
// must hold exactly the record's bytes, and a later record from the same buffer must not
// see an earlier one's.

const FACTS: SlotFacts = { isReply: false, iface: undefined, source: undefined, destination: undefined, sourceNames: undefined, destinationNames: undefined };

function heldBytes(store: FlowStore, sequence: number): Buffer {
  const slot = store.heldRecord(sequence);
  if (slot === undefined) throw new Error(`no record held at ${sequence}`);
  return Buffer.from(slot.records.subarray(slot.recordAt, slot.recordAt + RECORD_BYTES));
}

function patterned(length: number, seed: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (i * 37 + seed) & 0xff));
}

describe('a held record', () => {
  it.each([0, 1, 2, 4])('holds the bytes of a record from a buffer starting %i bytes into its memory', (shift) => {
    const memory = Buffer.alloc(shift + 3 * RECORD_BYTES);
    const batch = memory.subarray(shift);
    patterned(3 * RECORD_BYTES, shift).copy(batch);
    const store = new FlowStore({ capacity: 2 });
    for (let i = 0; i < 3; i++) store.pushRecord(batch, i * RECORD_BYTES, FACTS);
    // Capacity 2: the third record took the first one's slot.
    expect(heldBytes(store, 1)).toStrictEqual(batch.subarray(RECORD_BYTES, 2 * RECORD_BYTES));
    expect(heldBytes(store, 2)).toStrictEqual(batch.subarray(2 * RECORD_BYTES, 3 * RECORD_BYTES));
  });

  it('holds each batch’s own bytes when the capture buffer changes between batches', () => {
    const store = new FlowStore({ capacity: 4 });
    const first = patterned(RECORD_BYTES, 1);
    const second = patterned(RECORD_BYTES, 2);
    store.pushRecord(first, 0, FACTS);
    store.pushRecord(second, 0, FACTS);
    first.fill(0);
    expect(heldBytes(store, 0)).toStrictEqual(patterned(RECORD_BYTES, 1));
    expect(heldBytes(store, 1)).toStrictEqual(second);
  });
});
