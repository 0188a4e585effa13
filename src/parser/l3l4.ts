import {
  OFFSET_DPORT,
  OFFSET_FAMILY,
  OFFSET_ICMP_CODE,
  OFFSET_ICMP_TYPE,
  OFFSET_PROTOCOL,
  OFFSET_SPORT,
  OFFSET_TCP_FLAGS,
} from '../native/records.js';
import type { IPVersion, Layer4 } from '../proto/flow.js';
import { icmpSummary } from './icmp-summary.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from './ip-protocols.js';
import { tcpFlagsObject, tcpFlagsSummary } from './tcp-flags.js';

// The L3 and L4 parts of a held record's flow and the Summary text Hubble's L3/L4 parser gives
// them: "TCP Flags: SYN", "UDP", "ICMPv4 EchoRequest", and the IP version for anything else.
// Read from the record's bytes at `at`.

export function ipVersionOf(buf: Buffer, at: number): IPVersion {
  return buf[at + OFFSET_FAMILY] === 4 ? 'IPv4' : 'IPv6';
}

/** The L4 oneof, or undefined for protocols the capture does not parse. */
export function layer4Of(buf: Buffer, at: number): Layer4 | undefined {
  switch (buf[at + OFFSET_PROTOCOL]) {
    case IPPROTO_TCP:
      return {
        TCP: {
          source_port: buf.readUInt16LE(at + OFFSET_SPORT),
          destination_port: buf.readUInt16LE(at + OFFSET_DPORT),
          flags: tcpFlagsObject(buf[at + OFFSET_TCP_FLAGS]!),
        },
      };
    case IPPROTO_UDP:
      return { UDP: { source_port: buf.readUInt16LE(at + OFFSET_SPORT), destination_port: buf.readUInt16LE(at + OFFSET_DPORT) } };
    case IPPROTO_ICMP:
      return { ICMPv4: { type: buf[at + OFFSET_ICMP_TYPE]!, code: buf[at + OFFSET_ICMP_CODE]! } };
    case IPPROTO_ICMPV6:
      return { ICMPv6: { type: buf[at + OFFSET_ICMP_TYPE]!, code: buf[at + OFFSET_ICMP_CODE]! } };
    default:
      return undefined;
  }
}

export function l3l4Summary(buf: Buffer, at: number): string {
  switch (buf[at + OFFSET_PROTOCOL]) {
    case IPPROTO_TCP:
      return tcpFlagsSummary(buf[at + OFFSET_TCP_FLAGS]!);
    case IPPROTO_UDP:
      return 'UDP';
    case IPPROTO_ICMP:
      return icmpSummary(4, buf[at + OFFSET_ICMP_TYPE]!, buf[at + OFFSET_ICMP_CODE]!);
    case IPPROTO_ICMPV6:
      return icmpSummary(6, buf[at + OFFSET_ICMP_TYPE]!, buf[at + OFFSET_ICMP_CODE]!);
    default:
      return buf[at + OFFSET_FAMILY] === 4 ? 'IPv4' : 'IPv6';
  }
}
