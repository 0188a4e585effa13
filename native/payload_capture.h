/* L7 payload capture decisions shared by the TC programs and the AF_PACKET capture.
 * Include after packet.h, record.h and flow_aggregate.h.
 *
 * A TCP segment or UDP datagram on a payload port (either end) whose first bytes can start
 * a message we parse (any UDP datagram; a TCP segment opening an HTTP/1.x request or
 * response or a TLS ClientHello) becomes exactly one FL_REC_PAYLOAD record: packets = 1,
 * bytes = its frame, its TCP flags, and the first FL_PAYLOAD_MAX bytes of its L4 payload.
 * Such a packet is not added to the flow table, so that the packet and byte sums over all
 * records stay exact. Everything else, including payload packets over the rate limit or
 * whose record cannot be reserved, goes through aggregation as usual. */
#ifndef FLOWLENS_PAYLOAD_CAPTURE_H
#define FLOWLENS_PAYLOAD_CAPTURE_H

/* Payload records per second per CPU (tracer) or per session (base) unless the session says
 * otherwise; a burst of a tenth of a second's worth is allowed. */
#define FL_PAYLOAD_DEFAULT_RATE 10000u
#define FL_PAYLOAD_BURST_DIVISOR 10u
/* Bytes of the payload start looked at to decide whether a TCP segment starts a message. */
#define FL_PAYLOAD_HEAD_BYTES 8

#define FL_TLS_RECORD_HANDSHAKE 0x16
#define FL_TLS_HANDSHAKE_CLIENT_HELLO 0x01

/* A token bucket counted in nanoseconds of credit: each record costs cost_ns, and the bucket
 * holds bucket_ns of credit. */
struct fl_payload_budget {
	__u64 credit_ns;
	__u64 last_ns;
};

struct fl_payload_rate {
	__u64 cost_ns;
	__u64 bucket_ns;
};

static __always_inline struct fl_payload_rate fl_payload_rate_of(__u32 records_per_sec)
{
	__u32 rate = records_per_sec ? records_per_sec : FL_PAYLOAD_DEFAULT_RATE;
	__u32 burst = rate / FL_PAYLOAD_BURST_DIVISOR ? rate / FL_PAYLOAD_BURST_DIVISOR : 1;
	struct fl_payload_rate r = { .cost_ns = 1000000000ULL / rate };

	r.bucket_ns = r.cost_ns * burst;
	return r;
}

static __always_inline int fl_payload_port(const volatile __u16 *ports, __u32 count, const struct fl_packet *pkt)
{
	int i;

	if (!pkt->has_ports || !pkt->payload_len)
		return 0;
	for (i = 0; i < FL_MAX_PAYLOAD_PORTS; i++) {
		if ((__u32)i >= count)
			break;
		if (ports[i] == pkt->sport || ports[i] == pkt->dport)
			return 1;
	}
	return 0;
}

static __always_inline __u32 fl_word(const __u8 *b)
{
	return (__u32)b[0] << 24 | (__u32)b[1] << 16 | (__u32)b[2] << 8 | b[3];
}

#define FL_WORD(a, b, c, d) ((__u32)(a) << 24 | (__u32)(b) << 16 | (__u32)(c) << 8 | (__u32)(d))

/* Whether a payload starting with head (n valid bytes) can start a message worth parsing. */
static __always_inline int fl_payload_plausible(__u8 protocol, const __u8 *head, __u32 n)
{
	if (protocol == FL_IPPROTO_UDP)
		return 1;
	if (n < 4)
		return 0;
	if (head[0] == FL_TLS_RECORD_HANDSHAKE && head[1] == 3)
		return n < 6 || head[5] == FL_TLS_HANDSHAKE_CLIENT_HELLO;
	switch (fl_word(head)) {
	case FL_WORD('G', 'E', 'T', ' '):
	case FL_WORD('P', 'O', 'S', 'T'):
	case FL_WORD('P', 'U', 'T', ' '):
	case FL_WORD('H', 'E', 'A', 'D'):
	case FL_WORD('D', 'E', 'L', 'E'):
	case FL_WORD('O', 'P', 'T', 'I'):
	case FL_WORD('P', 'A', 'T', 'C'):
	case FL_WORD('C', 'O', 'N', 'N'):
	case FL_WORD('T', 'R', 'A', 'C'):
	case FL_WORD('H', 'T', 'T', 'P'):
		return 1;
	default:
		return 0;
	}
}

/* Takes one record's worth of credit; 0 when the rate limit is reached. Times may arrive out of
 * order (base mode drains one interface's ring after another): an earlier time adds nothing. */
static __always_inline int fl_payload_take(struct fl_payload_budget *b, __u64 cost_ns, __u64 bucket_ns, __u64 now)
{
	__u64 elapsed = now > b->last_ns ? now - b->last_ns : 0;

	if (now > b->last_ns)
		b->last_ns = now;
	if (elapsed >= bucket_ns || b->credit_ns + elapsed >= bucket_ns)
		b->credit_ns = bucket_ns;
	else
		b->credit_ns += elapsed;
	if (b->credit_ns < cost_ns)
		return 0;
	b->credit_ns -= cost_ns;
	return 1;
}

/* min(n, FL_PAYLOAD_MAX) for n >= 1, in a form the verifier can bound (FL_PAYLOAD_MAX is a power of two). */
static __always_inline __u32 fl_payload_bytes(__u64 n)
{
	__u32 capped = n < FL_PAYLOAD_MAX ? (__u32)n : FL_PAYLOAD_MAX;

	return ((capped - 1) & (FL_PAYLOAD_MAX - 1)) + 1;
}

/* The header of a payload record carrying n bytes of this packet's payload. */
static __always_inline void fl_payload_fill(struct fl_record *r, __u64 time_ns, const struct fl_flow_key *key,
					    const struct fl_packet *pkt, __u64 frame_bytes, __u32 n)
{
	struct fl_flow_report rep = { .packets = 1, .bytes = frame_bytes, .tcp_flags = pkt->tcp_flags };

	fl_record_fill(r, FL_EMIT_PACKET, time_ns, key, &rep);
	r->kind = FL_REC_PAYLOAD;
	r->size = (__u16)(FL_RECORD_BYTES + ((n + 7) & ~7u));
	r->payload_len = (__u16)n;
	r->payload_total = pkt->payload_len;
	r->aux = pkt->ident;
}

#endif
