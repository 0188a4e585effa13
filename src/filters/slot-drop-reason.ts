import { OFFSET_DROP_REASON } from '../native/records.js';
import { isDropSlot, setValues, type SlotCheckKind } from './slot-check.js';

// Forwarded flows carry no drop reason, which reads as DROP_REASON_UNKNOWN.
export const dropReasonSlotCheck: SlotCheckKind = (filter, { dropReasons }) => {
  const reasons = setValues(filter.drop_reason_desc);
  if (reasons === undefined) return undefined;
  const wanted = new Set<string>(reasons);
  const forwarded = wanted.has('DROP_REASON_UNKNOWN');
  return (slot) => {
    if (!isDropSlot(slot)) return forwarded;
    return wanted.has(dropReasons.resolve(slot.records.readUInt32LE(slot.recordAt + OFFSET_DROP_REASON)).desc);
  };
};
