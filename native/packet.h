/* What the shared parser extracts from one packet; used by the kernel programs and the
 * AF_PACKET capture alike. Include after the kernel types (vmlinux.h or linux/types.h). */
#ifndef FLOWLENS_PACKET_H
#define FLOWLENS_PACKET_H

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define FL_ETH_P_IP 0x0800
#define FL_ETH_P_IPV6 0x86DD
#define FL_ETH_P_8021Q 0x8100
#define FL_ETH_P_8021AD 0x88A8

#define FL_IPPROTO_ICMP 1
#define FL_IPPROTO_TCP 6
#define FL_IPPROTO_UDP 17
#define FL_IPPROTO_ICMPV6 58

/* IPv6 extension headers walked over before the transport header. */
#define FL_IPV6_HOPOPTS 0
#define FL_IPV6_ROUTING 43
#define FL_IPV6_FRAGMENT 44
#define FL_IPV6_AH 51
#define FL_IPV6_DSTOPTS 60
#define FL_IPV6_MAX_EXT_HEADERS 6

enum fl_parse_result {
	FL_PARSE_OK = 0,
	FL_PARSE_NOT_IP = 1,     /* ARP, LLDP, ...: counted as a packet, never a record */
	FL_PARSE_MALFORMED = 2,  /* truncated or inconsistent headers */
};

struct fl_packet {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;      /* ICMP: 0 */
	__u16 dport;
	__u8 family;      /* 4 or 6 */
	__u8 protocol;
	__u8 tcp_flags;
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 has_ports;   /* TCP or UDP header parsed: skip ports apply */
	__u8 pad[2];
	__u32 payload_off; /* TCP/UDP: where the L4 payload starts, from the start of the parsed buffer */
	__u32 payload_len; /* TCP/UDP: L4 payload bytes, per the IP header lengths */
	__u32 ident;       /* TCP: sequence number; UDP: IPv4 id << 16 | UDP checksum */
};

#endif
