import type { NativeRecord } from '../native/records.js';
import type { IP, Layer4 } from '../proto/flow.js';
import { icmpSummary } from './icmp-summary.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from './ip-protocols.js';
import { tcpFlagsObject, tcpFlagsSummary } from './tcp-flags.js';

// The L3 and L4 parts of a flow and the Summary text Hubble's L3/L4 parser gives them:
// "TCP Flags: SYN", "UDP", "ICMPv4 EchoRequest", and the IP version for anything else.

export function ipOf(record: NativeRecord): IP {
  return {
    source: record.source,
    destination: record.destination,
    ipVersion: record.family === 4 ? 'IPv4' : 'IPv6',
  };
}

/** The L4 oneof, or undefined for protocols the capture does not parse. */
export function layer4Of(record: NativeRecord): Layer4 | undefined {
  switch (record.protocol) {
    case IPPROTO_TCP:
      return {
        TCP: {
          source_port: record.sourcePort,
          destination_port: record.destinationPort,
          flags: tcpFlagsObject(record.tcpFlags),
        },
      };
    case IPPROTO_UDP:
      return { UDP: { source_port: record.sourcePort, destination_port: record.destinationPort } };
    case IPPROTO_ICMP:
      return { ICMPv4: { type: record.icmpType, code: record.icmpCode } };
    case IPPROTO_ICMPV6:
      return { ICMPv6: { type: record.icmpType, code: record.icmpCode } };
    default:
      return undefined;
  }
}

export function l3l4Summary(record: NativeRecord): string {
  switch (record.protocol) {
    case IPPROTO_TCP:
      return tcpFlagsSummary(record.tcpFlags);
    case IPPROTO_UDP:
      return 'UDP';
    case IPPROTO_ICMP:
      return icmpSummary(4, record.icmpType, record.icmpCode);
    case IPPROTO_ICMPV6:
      return icmpSummary(6, record.icmpType, record.icmpCode);
    default:
      return record.family === 4 ? 'IPv4' : 'IPv6';
  }
}
