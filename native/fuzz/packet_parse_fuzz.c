/* Fuzzes the shared packet parser (packet_parse.h) on arbitrary frames through both entries:
 * the Ethernet header (TC programs and AF_PACKET) and the network header (the drop tracepoint
 * parses from there). The two must agree on every frame, and what they extract must be
 * consistent with the bytes of the frame. */
#include <stddef.h>
#include <stdint.h>
#include "check.h"
#include "frame_parse.h"

/* The network header's offset and ethertype past up to two VLAN tags, as the L2 entry walks
 * them; 0 when the frame ends before. */
static int network_header(const struct fl_frame *f, __u32 *off, __u16 *type)
{
	__u32 i;

	*off = 14;
	if (f->len < 14)
		return 0;
	*type = (__u16)(f->data[12] << 8 | f->data[13]);
	for (i = 0; i < 2 && (*type == FL_ETH_P_8021Q || *type == FL_ETH_P_8021AD); i++) {
		if (f->len < *off + 4)
			return 0;
		*type = (__u16)(f->data[*off + 2] << 8 | f->data[*off + 3]);
		*off += 4;
	}
	return 1;
}

static __u32 be16_at(const struct fl_frame *f, __u32 off)
{
	return (__u32)f->data[off] << 8 | f->data[off + 1];
}

/* A packet parsed from the network header at l3 of f. */
static void check_packet(const struct fl_packet *pkt, const struct fl_frame *f, __u32 l3)
{
	static const __u8 zero[16];
	__u32 ip_header = pkt->family == 4 ? 20 : 40;

	FUZZ_CHECK(pkt->family == 4 || pkt->family == 6);
	/* The parser read the fixed IP header, so the frame holds it. */
	FUZZ_CHECK(f->len >= l3 + ip_header);
	if (pkt->family == 4) {
		FUZZ_CHECK(memcmp(pkt->saddr, f->data + l3 + 12, 4) == 0 && memcmp(pkt->saddr + 4, zero, 12) == 0);
		FUZZ_CHECK(memcmp(pkt->daddr, f->data + l3 + 16, 4) == 0 && memcmp(pkt->daddr + 4, zero, 12) == 0);
		FUZZ_CHECK(pkt->protocol == f->data[l3 + 9]);
	} else {
		FUZZ_CHECK(memcmp(pkt->saddr, f->data + l3 + 8, 16) == 0);
		FUZZ_CHECK(memcmp(pkt->daddr, f->data + l3 + 24, 16) == 0);
	}
	if (pkt->has_ports)
		FUZZ_CHECK(pkt->protocol == FL_IPPROTO_TCP || pkt->protocol == FL_IPPROTO_UDP);
	else
		FUZZ_CHECK(!pkt->sport && !pkt->dport && !pkt->payload_len && !pkt->payload_off);
	if (pkt->protocol != FL_IPPROTO_TCP)
		FUZZ_CHECK(!pkt->tcp_flags);
	if (pkt->icmp_type || pkt->icmp_code)
		FUZZ_CHECK(pkt->protocol == FL_IPPROTO_ICMP || pkt->protocol == FL_IPPROTO_ICMPV6);
	if (pkt->payload_len) {
		/* The payload is what follows the transport header up to where the IP header says the
		 * packet ends (the frame itself may be cut short by the snap length). */
		__u32 ip_end = pkt->family == 4 ? l3 + be16_at(f, l3 + 2) : l3 + 40 + be16_at(f, l3 + 4);

		FUZZ_CHECK(pkt->payload_off + pkt->payload_len == ip_end);
		FUZZ_CHECK(pkt->payload_off >= l3 + ip_header + 8);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fl_frame frame = { .data = data, .len = (__u32)size };
	struct fl_frame from_l3;
	struct fl_packet l2, l3;
	int r2, r3;
	__u32 off;
	__u16 type;

	if (size > 0xffff)
		return -1;
	memset(&l2, 0, sizeof(l2));
	r2 = fl_parse_frame_l2(&frame, &l2);
	FUZZ_CHECK(r2 == FL_PARSE_OK || r2 == FL_PARSE_NOT_IP || r2 == FL_PARSE_MALFORMED);
	if (!network_header(&frame, &off, &type)) {
		FUZZ_CHECK(r2 == FL_PARSE_MALFORMED);
		return 0;
	}
	if (r2 == FL_PARSE_OK)
		check_packet(&l2, &frame, off);

	/* The tracepoint's view: a buffer that starts at the network header. */
	from_l3.data = data + off;
	from_l3.len = (__u32)size - off;
	memset(&l3, 0, sizeof(l3));
	r3 = fl_parse_frame_l3(&from_l3, 0, type, &l3);
	FUZZ_CHECK(r3 == r2);
	if (r3 != FL_PARSE_OK)
		return 0;
	check_packet(&l3, &from_l3, 0);
	if (l3.payload_len)
		l3.payload_off += off;
	FUZZ_CHECK(memcmp(&l2, &l3, sizeof(l2)) == 0);
	return 0;
}
