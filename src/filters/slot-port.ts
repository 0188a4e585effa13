import { OFFSET_DPORT, OFFSET_PROTOCOL, OFFSET_SPORT } from '../native/records.js';
import { IPPROTO_TCP, IPPROTO_UDP } from '../parser/ip-protocols.js';
import type { FlowFilter } from '../proto/flow.js';
import { badFilter } from './bad-request.js';
import { allSlotChecks, setValues, type SlotCheck, type SlotCheckKind } from './slot-check.js';

const MAX_PORT = 65535;

// Only TCP and UDP flows carry ports; the others never match a port filter.
function portCheck(field: 'source_port' | 'destination_port', filter: FlowFilter, offset: number): SlotCheck | undefined {
  const values = setValues(filter[field]);
  if (values === undefined) return undefined;
  const wanted = new Uint32Array((MAX_PORT + 1) / 32);
  for (const value of values) {
    const port = Number(value);
    if (!/^\d{1,5}$/.test(value) || port > MAX_PORT) throw badFilter(field, value, `a port number 0-${MAX_PORT}`);
    wanted[port >>> 5]! |= 1 << (port & 31);
  }
  return (slot) => {
    const { records, recordAt } = slot;
    const protocol = records[recordAt + OFFSET_PROTOCOL];
    if (protocol !== IPPROTO_TCP && protocol !== IPPROTO_UDP) return false;
    const port = records[recordAt + offset]! | (records[recordAt + offset + 1]! << 8);
    return (wanted[port >>> 5]! & (1 << (port & 31))) !== 0;
  };
}

export const portSlotCheck: SlotCheckKind = (filter) =>
  allSlotChecks([portCheck('source_port', filter, OFFSET_SPORT), portCheck('destination_port', filter, OFFSET_DPORT)]);
