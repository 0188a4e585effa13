import { describe, expect, it } from 'vitest';
import { icmpSummary } from '../../src/parser/icmp-summary.js';
import {
  TCP_ACK,
  TCP_CWR,
  TCP_ECE,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
  tcpFlagsObject,
  tcpFlagsSummary,
} from '../../src/parser/tcp-flags.js';

describe('Summary text', () => {
  it('lists TCP flags in the order Hubble prints them', () => {
    expect(tcpFlagsSummary(TCP_SYN)).toBe('TCP Flags: SYN');
    expect(tcpFlagsSummary(TCP_SYN | TCP_ACK)).toBe('TCP Flags: SYN, ACK');
    expect(tcpFlagsSummary(TCP_ACK | TCP_PSH)).toBe('TCP Flags: ACK, PSH');
    expect(tcpFlagsSummary(TCP_FIN | TCP_ACK)).toBe('TCP Flags: ACK, FIN');
    expect(tcpFlagsSummary(TCP_RST | TCP_ACK)).toBe('TCP Flags: ACK, RST');
    expect(tcpFlagsSummary(0xff)).toBe('TCP Flags: SYN, ACK, RST, FIN, PSH, URG, ECE, CWR');
    expect(tcpFlagsSummary(0)).toBe('TCP Flags: ');
  });

  it('turns wire bits into the TCPFlags message, set flags only', () => {
    expect(tcpFlagsObject(TCP_SYN | TCP_ACK)).toStrictEqual({ SYN: true, ACK: true });
    expect(tcpFlagsObject(TCP_URG | TCP_ECE | TCP_CWR)).toStrictEqual({ URG: true, ECE: true, CWR: true });
    expect(tcpFlagsObject(0)).toStrictEqual({});
    expect(Object.isFrozen(tcpFlagsObject(TCP_SYN))).toBe(true);
  });

  it('names ICMP types and codes like gopacket', () => {
    expect(icmpSummary(4, 8, 0)).toBe('ICMPv4 EchoRequest');
    expect(icmpSummary(4, 0, 0)).toBe('ICMPv4 EchoReply');
    expect(icmpSummary(4, 3, 3)).toBe('ICMPv4 DestinationUnreachable(Port)');
    expect(icmpSummary(4, 3, 99)).toBe('ICMPv4 DestinationUnreachable(Code: 99)');
    expect(icmpSummary(4, 8, 1)).toBe('ICMPv4 EchoRequest(Code: 1)');
    expect(icmpSummary(4, 11, 0)).toBe('ICMPv4 TimeExceeded(TTLExceeded)');
    expect(icmpSummary(4, 42, 7)).toBe('ICMPv4 42(7)');
    expect(icmpSummary(6, 128, 0)).toBe('ICMPv6 EchoRequest');
    expect(icmpSummary(6, 129, 0)).toBe('ICMPv6 EchoReply');
    expect(icmpSummary(6, 135, 0)).toBe('ICMPv6 NeighborSolicitation');
    expect(icmpSummary(6, 1, 4)).toBe('ICMPv6 DestinationUnreachable(PortUnreachable)');
  });
});
