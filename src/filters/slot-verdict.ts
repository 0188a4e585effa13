import { isDropSlot, setValues, type SlotCheckKind } from './slot-check.js';

export const verdictSlotCheck: SlotCheckKind = (filter) => {
  const verdicts = setValues(filter.verdict);
  if (verdicts === undefined) return undefined;
  const forwarded = verdicts.includes('FORWARDED');
  const dropped = verdicts.includes('DROPPED');
  return (slot) => (isDropSlot(slot) ? dropped : forwarded);
};
