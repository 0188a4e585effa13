import { OFFSET_PROTOCOL } from '../native/records.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../parser/ip-protocols.js';
import { badFilter } from './bad-request.js';
import { setValues, type SlotCheckKind } from './slot-check.js';

// The IP protocols each --protocol name matches on an L3/L4 flow: the capture produces no
// SCTP layer, and L3/L4 flows carry no L7 (DNS, HTTP, Kafka) layer.
const PROTOCOL_NUMBERS: Record<string, readonly number[]> = {
  tcp: [IPPROTO_TCP],
  udp: [IPPROTO_UDP],
  sctp: [],
  icmp: [IPPROTO_ICMP, IPPROTO_ICMPV6],
  icmpv4: [IPPROTO_ICMP],
  icmpv6: [IPPROTO_ICMPV6],
  dns: [],
  http: [],
  kafka: [],
};

export const protocolSlotCheck: SlotCheckKind = (filter) => {
  const names = setValues(filter.protocol);
  if (names === undefined) return undefined;
  const wanted = new Uint8Array(256);
  for (const name of names) {
    const numbers = PROTOCOL_NUMBERS[name.toLowerCase()];
    if (numbers === undefined) throw badFilter('protocol', name, `one of ${Object.keys(PROTOCOL_NUMBERS).join(', ')}`);
    for (const number of numbers) wanted[number] = 1;
  }
  return (slot) => wanted[slot.records[slot.recordAt + OFFSET_PROTOCOL]!] === 1;
};
