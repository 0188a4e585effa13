import { OFFSET_PROTOCOL, OFFSET_TCP_FLAGS } from '../native/records.js';
import { IPPROTO_TCP } from '../parser/ip-protocols.js';
import { TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG } from '../parser/tcp-flags.js';
import type { TCPFlags } from '../proto/flow.js';
import { setValues, type SlotCheckKind } from './slot-check.js';

const FLAG_BITS: ReadonlyArray<readonly [keyof TCPFlags, number]> = [
  ['FIN', TCP_FIN],
  ['SYN', TCP_SYN],
  ['RST', TCP_RST],
  ['PSH', TCP_PSH],
  ['ACK', TCP_ACK],
  ['URG', TCP_URG],
  ['ECE', TCP_ECE],
  ['CWR', TCP_CWR],
];

// A TCP flow matches one TCPFlags value when it has every flag set in it. Records carry
// byte 13 of the TCP header, which has no NS bit: a value asking for NS matches nothing.
export const tcpFlagsSlotCheck: SlotCheckKind = (filter) => {
  const values = setValues(filter.tcp_flags);
  if (values === undefined) return undefined;
  const masks = values.filter((wanted) => wanted.NS !== true).map((wanted) => FLAG_BITS.reduce((mask, [name, bit]) => (wanted[name] === true ? mask | bit : mask), 0));
  return (slot) => {
    const { records, recordAt } = slot;
    if (records[recordAt + OFFSET_PROTOCOL] !== IPPROTO_TCP) return false;
    const flags = records[recordAt + OFFSET_TCP_FLAGS]!;
    for (const mask of masks) if ((flags & mask) === mask) return true;
    return false;
  };
};
