import { OFFSET_FAMILY } from '../native/records.js';
import { setValues, type SlotCheckKind } from './slot-check.js';

export const ipVersionSlotCheck: SlotCheckKind = (filter) => {
  const versions = setValues(filter.ip_version);
  if (versions === undefined) return undefined;
  const v4 = versions.includes('IPv4');
  const v6 = versions.includes('IPv6');
  return (slot) => (slot.records[slot.recordAt + OFFSET_FAMILY] === 4 ? v4 : v6);
};
