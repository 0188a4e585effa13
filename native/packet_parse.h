/* Header parsing shared by the TC programs, the drop tracepoint and the AF_PACKET capture.
 * A template: before each inclusion define
 *   FL_PARSE_PREFIX          name prefix of the generated functions (<prefix>_l2, <prefix>_l3)
 *   FL_PARSE_CTX             the packet source type
 *   FL_LOAD(ctx, off, dst, n) copies n bytes at offset off, returns < 0 when out of bounds
 * Every read is bounds-checked by FL_LOAD; lengths are checked against the IP headers. */
#include "packet.h"

#define FL_PARSE_CAT2(a, b) a##b
#define FL_PARSE_CAT(a, b) FL_PARSE_CAT2(a, b)

static __always_inline int FL_PARSE_CAT(FL_PARSE_PREFIX, _l4)(FL_PARSE_CTX *ctx, __u32 off, __u32 l3_end,
							      struct fl_packet *pkt)
{
	__u8 h[14];
	__u32 header;

	switch (pkt->protocol) {
	case FL_IPPROTO_TCP:
		if (off + 14 > l3_end || FL_LOAD(ctx, off, h, 14) < 0)
			return FL_PARSE_MALFORMED;
		header = (__u32)(h[12] >> 4) * 4;
		if (header < 20)
			return FL_PARSE_MALFORMED;
		pkt->sport = (__u16)(h[0] << 8 | h[1]);
		pkt->dport = (__u16)(h[2] << 8 | h[3]);
		pkt->tcp_flags = h[13];
		pkt->has_ports = 1;
		pkt->ident = (__u32)h[4] << 24 | (__u32)h[5] << 16 | (__u32)h[6] << 8 | h[7];
		break;
	case FL_IPPROTO_UDP:
		if (off + 8 > l3_end || FL_LOAD(ctx, off, h, 8) < 0)
			return FL_PARSE_MALFORMED;
		header = 8;
		pkt->sport = (__u16)(h[0] << 8 | h[1]);
		pkt->dport = (__u16)(h[2] << 8 | h[3]);
		pkt->has_ports = 1;
		pkt->ident |= (__u32)(h[6] << 8 | h[7]);
		break;
	case FL_IPPROTO_ICMP:
	case FL_IPPROTO_ICMPV6:
		if (off + 2 > l3_end || FL_LOAD(ctx, off, h, 2) < 0)
			return FL_PARSE_MALFORMED;
		pkt->icmp_type = h[0];
		pkt->icmp_code = h[1];
		return FL_PARSE_OK;
	default:
		return FL_PARSE_OK;
	}
	if (off + header < l3_end) {
		pkt->payload_off = off + header;
		pkt->payload_len = l3_end - (off + header);
	}
	return FL_PARSE_OK;
}

static __always_inline int FL_PARSE_CAT(FL_PARSE_PREFIX, _ipv4)(FL_PARSE_CTX *ctx, __u32 off, struct fl_packet *pkt)
{
	__u8 h[20];
	__u32 ihl, total;

	if (FL_LOAD(ctx, off, h, 20) < 0)
		return FL_PARSE_MALFORMED;
	ihl = (__u32)(h[0] & 0x0f) * 4;
	total = (__u32)(h[2] << 8 | h[3]);
	if ((h[0] >> 4) != 4 || ihl < 20 || total < ihl)
		return FL_PARSE_MALFORMED;
	pkt->family = 4;
	pkt->protocol = h[9];
	pkt->ident = (__u32)(h[4] << 8 | h[5]) << 16;
	__builtin_memcpy(pkt->saddr, &h[12], 4);
	__builtin_memcpy(pkt->daddr, &h[16], 4);
	/* A later fragment carries no transport header: the flow gets protocol only. */
	if ((h[6] & 0x1f) | h[7])
		return FL_PARSE_OK;
	return FL_PARSE_CAT(FL_PARSE_PREFIX, _l4)(ctx, off + ihl, off + total, pkt);
}

static __always_inline int FL_PARSE_CAT(FL_PARSE_PREFIX, _ipv6)(FL_PARSE_CTX *ctx, __u32 off, struct fl_packet *pkt)
{
	__u8 h[40];
	__u8 e[4];
	__u32 end;
	__u8 next;
	int i;

	if (FL_LOAD(ctx, off, h, 40) < 0)
		return FL_PARSE_MALFORMED;
	if ((h[0] >> 4) != 6)
		return FL_PARSE_MALFORMED;
	pkt->family = 6;
	__builtin_memcpy(pkt->saddr, &h[8], 16);
	__builtin_memcpy(pkt->daddr, &h[24], 16);
	end = off + 40 + (__u32)(h[4] << 8 | h[5]);
	next = h[6];
	off += 40;
	for (i = 0; i < FL_IPV6_MAX_EXT_HEADERS; i++) {
		if (next != FL_IPV6_HOPOPTS && next != FL_IPV6_ROUTING && next != FL_IPV6_DSTOPTS &&
		    next != FL_IPV6_FRAGMENT && next != FL_IPV6_AH)
			break;
		if (off + 8 > end || FL_LOAD(ctx, off, e, 4) < 0)
			return FL_PARSE_MALFORMED;
		if (next == FL_IPV6_FRAGMENT) {
			next = e[0];
			off += 8;
			if ((e[2] << 8 | e[3]) & 0xfff8) {
				pkt->protocol = next;
				return FL_PARSE_OK;
			}
		} else if (next == FL_IPV6_AH) {
			next = e[0];
			off += ((__u32)e[1] + 2) * 4;
		} else {
			next = e[0];
			off += ((__u32)e[1] + 1) * 8;
		}
	}
	pkt->protocol = next;
	return FL_PARSE_CAT(FL_PARSE_PREFIX, _l4)(ctx, off, end, pkt);
}

/* From the network header at off; ethertype in host order. */
static __always_inline int FL_PARSE_CAT(FL_PARSE_PREFIX, _l3)(FL_PARSE_CTX *ctx, __u32 off, __u16 ethertype,
							      struct fl_packet *pkt)
{
	if (ethertype == FL_ETH_P_IP)
		return FL_PARSE_CAT(FL_PARSE_PREFIX, _ipv4)(ctx, off, pkt);
	if (ethertype == FL_ETH_P_IPV6)
		return FL_PARSE_CAT(FL_PARSE_PREFIX, _ipv6)(ctx, off, pkt);
	return FL_PARSE_NOT_IP;
}

/* From the Ethernet header at offset 0, through up to two VLAN tags (802.1Q / 802.1AD). */
static __always_inline int FL_PARSE_CAT(FL_PARSE_PREFIX, _l2)(FL_PARSE_CTX *ctx, struct fl_packet *pkt)
{
	__u8 h[4];
	__u32 off = 14;
	__u16 type;
	int i;

	if (FL_LOAD(ctx, 12, h, 2) < 0)
		return FL_PARSE_MALFORMED;
	type = (__u16)(h[0] << 8 | h[1]);
	for (i = 0; i < 2; i++) {
		if (type != FL_ETH_P_8021Q && type != FL_ETH_P_8021AD)
			break;
		if (FL_LOAD(ctx, off, h, 4) < 0)
			return FL_PARSE_MALFORMED;
		type = (__u16)(h[2] << 8 | h[3]);
		off += 4;
	}
	return FL_PARSE_CAT(FL_PARSE_PREFIX, _l3)(ctx, off, type, pkt);
}

#undef FL_PARSE_CAT
#undef FL_PARSE_CAT2
