/* Flow aggregation decisions shared by the TC programs (LRU hash map) and the AF_PACKET
 * capture (user-space table): when a packet of a flow becomes a record, and with which counts.
 * Include after packet.h and record.h. */
#ifndef FLOWLENS_FLOW_AGGREGATE_H
#define FLOWLENS_FLOW_AGGREGATE_H

/* A flow restarts (emits "new" again) after this long without packets. */
#define FL_FLOW_IDLE_NS (120ULL * 1000000000ULL)

/* TCP events each reported once per flow. */
#define FL_EV_SYN 0x01
#define FL_EV_SYNACK 0x02
#define FL_EV_FIN 0x04
#define FL_EV_RST 0x08

struct fl_flow_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;      /* ICMP: type */
	__u16 dport;      /* ICMP: code */
	__u32 ifindex;
	__u8 family;
	__u8 protocol;
	__u8 direction;
	__u8 pad;
};

struct fl_flow_state {
	__u64 last_seen_ns;
	__u64 last_record_ns;
	__u64 packets;    /* since the last record */
	__u64 bytes;
	__u8 tcp_flags;   /* union since the last record */
	__u8 events_seen; /* FL_EV_* reported so far */
	__u8 pad[6];
};

/* What a record reports for a flow: the counts since the previous record. */
struct fl_flow_report {
	__u64 packets;
	__u64 bytes;
	__u8 tcp_flags;
};

static __always_inline void fl_flow_key_of(struct fl_flow_key *key, const struct fl_packet *pkt, __u32 ifindex,
					   __u8 direction)
{
	__builtin_memset(key, 0, sizeof(*key));
	__builtin_memcpy(key->saddr, pkt->saddr, 16);
	__builtin_memcpy(key->daddr, pkt->daddr, 16);
	if (pkt->protocol == FL_IPPROTO_ICMP || pkt->protocol == FL_IPPROTO_ICMPV6) {
		key->sport = pkt->icmp_type;
		key->dport = pkt->icmp_code;
	} else {
		key->sport = pkt->sport;
		key->dport = pkt->dport;
	}
	key->ifindex = ifindex;
	key->family = pkt->family;
	key->protocol = pkt->protocol;
	key->direction = direction;
}

static __always_inline __u8 fl_tcp_events(__u8 protocol, __u8 flags)
{
	__u8 ev = 0;

	if (protocol != FL_IPPROTO_TCP)
		return 0;
	if (flags & FL_TCP_SYN)
		ev |= (flags & FL_TCP_ACK) ? FL_EV_SYNACK : FL_EV_SYN;
	if (flags & FL_TCP_FIN)
		ev |= FL_EV_FIN;
	if (flags & FL_TCP_RST)
		ev |= FL_EV_RST;
	return ev;
}

/* An existing entry describes an earlier flow: idle too long, or a fresh SYN after FIN/RST.
 * A packet stamped before the flow's last one (times of one ring or of two CPUs are not
 * strictly ordered) is no sign of idleness. */
static __always_inline int fl_flow_restarts(const struct fl_flow_state *st, const struct fl_packet *pkt, __u64 now)
{
	if (now > st->last_seen_ns && now - st->last_seen_ns > FL_FLOW_IDLE_NS)
		return 1;
	return fl_tcp_events(pkt->protocol, pkt->tcp_flags) == FL_EV_SYN &&
	       (st->events_seen & (FL_EV_FIN | FL_EV_RST));
}

/* What an entry still holds when another flow takes it over (the flow restarts, or base mode
 * evicts it): FL_EMIT_REPORT with those counts, so that none is lost, or 0 when it holds none. */
static __always_inline __u8 fl_flow_flush(struct fl_flow_state *st, __u64 now, struct fl_flow_report *out)
{
	if (!st->packets)
		return 0;
	out->packets = st->packets;
	out->bytes = st->bytes;
	out->tcp_flags = st->tcp_flags;
	st->packets = 0;
	st->bytes = 0;
	st->tcp_flags = 0;
	st->last_record_ns = now;
	return FL_EMIT_REPORT;
}

/* The first packet of a flow: always a record (FL_EMIT_NEW) with this packet alone. */
static __always_inline void fl_flow_start(struct fl_flow_state *st, const struct fl_packet *pkt, __u64 len, __u64 now,
					  struct fl_flow_report *out)
{
	__builtin_memset(st, 0, sizeof(*st));
	st->last_seen_ns = now;
	st->last_record_ns = now;
	st->events_seen = fl_tcp_events(pkt->protocol, pkt->tcp_flags);
	out->packets = 1;
	out->bytes = len;
	out->tcp_flags = pkt->tcp_flags;
}

/* A packet of a known flow: returns FL_EMIT_FLAGS, FL_EMIT_REPORT or 0 (no record), and the
 * counts to report in *out when a record is due. */
static __always_inline __u8 fl_flow_account(struct fl_flow_state *st, const struct fl_packet *pkt, __u64 len,
					    __u64 now, __u64 report_interval_ns, struct fl_flow_report *out)
{
	__u8 fresh = fl_tcp_events(pkt->protocol, pkt->tcp_flags) & ~st->events_seen;
	__u8 reason;

	st->packets++;
	st->bytes += len;
	st->tcp_flags |= pkt->tcp_flags;
	st->last_seen_ns = now;
	if (fresh)
		reason = FL_EMIT_FLAGS;
	else if (now - st->last_record_ns >= report_interval_ns)
		reason = FL_EMIT_REPORT;
	else
		return 0;
	st->events_seen |= fresh;
	out->packets = st->packets;
	out->bytes = st->bytes;
	out->tcp_flags = st->tcp_flags;
	st->packets = 0;
	st->bytes = 0;
	st->tcp_flags = 0;
	st->last_record_ns = now;
	return reason;
}

/* An idle flow with unreported counts, for a sweep: FL_EMIT_REPORT when due, else 0. A packet
 * seen after `now` was taken makes the flow busy, not idle: the sweep must not write back
 * counts the packet path is still adding to. */
static __always_inline __u8 fl_flow_sweep(struct fl_flow_state *st, __u64 now, __u64 report_interval_ns,
					  struct fl_flow_report *out)
{
	if (now < st->last_seen_ns || now - st->last_seen_ns < report_interval_ns)
		return 0;
	return fl_flow_flush(st, now, out);
}

/* TCP and UDP packets with either port in the skip list never become records. */
static __always_inline int fl_port_skipped(const volatile __u16 *ports, __u32 count, const struct fl_packet *pkt)
{
	int i;

	if (!pkt->has_ports)
		return 0;
	for (i = 0; i < FL_MAX_SKIP_PORTS; i++) {
		if ((__u32)i >= count)
			break;
		if (ports[i] == pkt->sport || ports[i] == pkt->dport)
			return 1;
	}
	return 0;
}

static __always_inline void fl_record_fill(struct fl_record *r, __u8 reason, __u64 time_ns,
					   const struct fl_flow_key *key, const struct fl_flow_report *rep)
{
	__builtin_memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	r->kind = FL_REC_FLOW;
	r->reason = reason;
	r->ifindex = key->ifindex;
	r->time_ns = time_ns;
	r->packets = rep->packets;
	r->bytes = rep->bytes;
	__builtin_memcpy(r->saddr, key->saddr, 16);
	__builtin_memcpy(r->daddr, key->daddr, 16);
	if (key->protocol == FL_IPPROTO_ICMP || key->protocol == FL_IPPROTO_ICMPV6) {
		r->icmp_type = (__u8)key->sport;
		r->icmp_code = (__u8)key->dport;
	} else {
		r->sport = key->sport;
		r->dport = key->dport;
	}
	r->family = key->family;
	r->protocol = key->protocol;
	r->direction = key->direction;
	r->tcp_flags = rep->tcp_flags;
}

#endif
