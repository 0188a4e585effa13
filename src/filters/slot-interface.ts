import { OFFSET_IFINDEX } from '../native/records.js';
import { isDropSlot, setValues, type SlotCheckKind } from './slot-check.js';

// A forwarded flow always names its interface (by the record's ifindex alone when the
// interface is not one of ours); a drop only when the interface is one of ours.
export const interfaceSlotCheck: SlotCheckKind = (filter) => {
  const wanted = setValues(filter.interface);
  if (wanted === undefined) return undefined;
  return (slot) => {
    const iface = slot.iface;
    if (iface === undefined && isDropSlot(slot)) return false;
    const index = iface === undefined ? slot.records.readUInt32LE(slot.recordAt + OFFSET_IFINDEX) : iface.index;
    for (const { name, index: wantedIndex } of wanted) {
      if (name !== undefined && name !== '' && name !== iface?.name) continue;
      if (wantedIndex !== undefined && wantedIndex !== 0 && wantedIndex !== index) continue;
      return true;
    }
    return false;
  };
};
