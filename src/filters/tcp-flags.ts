import type { TCPFlags } from '../proto/flow.js';
import { anyOf, type FilterKind } from './flow-predicate.js';

const FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR', 'NS'] as const;

// A flow matches one TCPFlags value when every flag set in it is also set on the flow.
export const tcpFlagsFilter: FilterKind = (filter) =>
  anyOf(filter.tcp_flags, (wanted: TCPFlags, flow) => {
    const flags = flow.l4?.TCP?.flags;
    if (flags === undefined) return false;
    return FLAG_NAMES.every((name) => wanted[name] !== true || flags[name] === true);
  });
