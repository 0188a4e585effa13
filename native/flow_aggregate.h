/* Flow aggregation shared by the TC programs (LRU hash map, updated from every CPU at once) and
 * the AF_PACKET capture (user-space table): one entry per connection and interface, and when a
 * packet of it becomes a record, with which counts. Include after packet.h and record.h. */
#ifndef FLOWLENS_FLOW_AGGREGATE_H
#define FLOWLENS_FLOW_AGGREGATE_H

/* A connection restarts (reports "new" again) after this long without packets. */
#define FL_FLOW_IDLE_NS (120ULL * 1000000000ULL)

/* Updates of an entry: atomic in the kernel, where every CPU may update the same entry at once;
 * plain in user space, where one thread owns the table. Each returns the value before. */
#ifdef __bpf__
#define FL_ADD(p, v) __sync_fetch_and_add(p, v)
#define FL_OR(p, v) __sync_fetch_and_or(p, v)
#define FL_XCHG(p, v) __sync_lock_test_and_set(p, v)
#define FL_CAS(p, old, new) __sync_val_compare_and_swap(p, old, new)
#else
#define FL_ADD(p, v) ({ __typeof__(*(p)) fl_was_ = *(p); *(p) = fl_was_ + (v); fl_was_; })
#define FL_OR(p, v) ({ __typeof__(*(p)) fl_was_ = *(p); *(p) = fl_was_ | (v); fl_was_; })
#define FL_XCHG(p, v) ({ __typeof__(*(p)) fl_was_ = *(p); *(p) = (v); fl_was_; })
#define FL_CAS(p, old, new) ({ __typeof__(*(p)) fl_was_ = *(p); if (fl_was_ == (old)) *(p) = (new); fl_was_; })
#endif
#define FL_READ(x) (*(volatile __typeof__(x) *)&(x))

/* TCP events, each reported once per slot (observation point and orientation). */
#define FL_EV_SYN 0x01
#define FL_EV_SYNACK 0x02
#define FL_EV_FIN 0x04
#define FL_EV_RST 0x08
#define FL_EV_SEEN 0x10   /* any packet: the first one of a slot is reported ("new") */
#define FL_SLOT_BITS 8
/* An event in either hook's slots of one orientation (slot = egress << 1 | reverse). */
#define FL_EV_FORWARD(ev) ((__u32)(ev) | (__u32)(ev) << (2 * FL_SLOT_BITS))
#define FL_EV_REVERSE(ev) (FL_EV_FORWARD(ev) << FL_SLOT_BITS)
#define FL_EV_ANY(ev) (FL_EV_FORWARD(ev) | FL_EV_REVERSE(ev))
#define FL_PENDING 0x100  /* in fl_flow_state.pending, with the slot of the deferred close */

/* A packet's flow at an observation point (interface and hook), as its records carry it. */
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

/* A connection at one interface: the 5-tuple with its lower end (address, then port) first,
 * so that both directions of the connection, seen by both hooks of the interface, share it. */
struct fl_conn_key {
	__u8 addr_low[16];
	__u8 addr_high[16];
	__u16 port_low;   /* ICMP: type or code, as in fl_flow_key */
	__u16 port_high;
	__u32 ifindex;
	__u8 family;
	__u8 protocol;
	__u8 pad[2];
};

/* Where a packet of a connection was seen: its hook (egress or ingress) and whether it goes
 * from the high end to the low end (reverse). Each of the four has its own TCP events. */
#define FL_SLOT_EGRESS 0x2
#define FL_SLOT_REVERSE 0x1

struct fl_flow_state {
	__u64 packets;        /* since the last record, every slot */
	__u64 bytes;
	__u64 last_seen_ns;
	__u64 last_record_ns;
	__u64 pending_ns;     /* time of the deferred close */
	__u32 events;         /* FL_EV_* seen so far, FL_SLOT_BITS per slot */
	__u32 pending;        /* FL_PENDING | slot: a close whose record waits for the last ACK; 0: none */
	__u32 tcp_flags;      /* union since the last record */
	__u32 first_slot;     /* the slot of the connection's first packet: periodic reports use it */
};

/* What a record reports for a connection: the counts of all its packets at the interface since
 * its previous record, and the packet (slot, time) the record is about. */
struct fl_flow_report {
	__u64 packets;
	__u64 bytes;
	__u64 time_ns;
	__u32 pending;    /* the deferred close it reports, put back when no record can be written */
	__u8 tcp_flags;
	__u8 reason;
	__u8 slot;
	__u8 pad;
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

static __always_inline __u8 fl_slot_of(__u8 direction, __u8 reverse)
{
	return (direction == FL_DIR_EGRESS ? FL_SLOT_EGRESS : 0) | (reverse ? FL_SLOT_REVERSE : 0);
}

/* The connection of a packet's flow; returns the packet's slot. */
static __always_inline __u8 fl_conn_key_of(struct fl_conn_key *ck, const struct fl_flow_key *key)
{
	int order = 0, i;
	__u8 reverse;

	for (i = 0; i < 16; i++) {
		if (order == 0 && key->saddr[i] != key->daddr[i])
			order = key->saddr[i] < key->daddr[i] ? -1 : 1;
	}
	reverse = order > 0 || (order == 0 && key->sport > key->dport);
	__builtin_memset(ck, 0, sizeof(*ck));
	__builtin_memcpy(ck->addr_low, reverse ? key->daddr : key->saddr, 16);
	__builtin_memcpy(ck->addr_high, reverse ? key->saddr : key->daddr, 16);
	ck->port_low = reverse ? key->dport : key->sport;
	ck->port_high = reverse ? key->sport : key->dport;
	ck->ifindex = key->ifindex;
	ck->family = key->family;
	ck->protocol = key->protocol;
	return fl_slot_of(key->direction, reverse);
}

/* The flow of a connection's packets in one slot: the inverse of fl_conn_key_of. */
static __always_inline void fl_flow_key_of_conn(struct fl_flow_key *key, const struct fl_conn_key *ck, __u8 slot)
{
	int reverse = slot & FL_SLOT_REVERSE;

	__builtin_memset(key, 0, sizeof(*key));
	__builtin_memcpy(key->saddr, reverse ? ck->addr_high : ck->addr_low, 16);
	__builtin_memcpy(key->daddr, reverse ? ck->addr_low : ck->addr_high, 16);
	key->sport = reverse ? ck->port_high : ck->port_low;
	key->dport = reverse ? ck->port_low : ck->port_high;
	key->ifindex = ck->ifindex;
	key->family = ck->family;
	key->protocol = ck->protocol;
	key->direction = slot & FL_SLOT_EGRESS ? FL_DIR_EGRESS : FL_DIR_INGRESS;
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

/* An existing entry describes an earlier connection: idle too long, or a fresh SYN after FIN
 * or RST. A packet stamped before the entry's last one (times of one ring or of two CPUs are
 * not strictly ordered) is no sign of idleness. */
static __always_inline int fl_flow_restarts(const struct fl_flow_state *st, __u32 seen, __u8 protocol, __u8 tcp_flags,
					    __u64 now)
{
	__u64 last = FL_READ(st->last_seen_ns);

	if (!seen)
		return 0;
	if (now > last && now - last > FL_FLOW_IDLE_NS)
		return 1;
	return fl_tcp_events(protocol, tcp_flags) == FL_EV_SYN && (seen & FL_EV_ANY(FL_EV_FIN | FL_EV_RST));
}

/* Takes the entry's counts (and a deferred close, when one waits) into a record about `slot`
 * at `now`; returns 1, or 0 when there is nothing to report. */
static __always_inline int fl_flow_take(struct fl_flow_state *st, __u8 reason, __u8 slot, __u64 now,
					struct fl_flow_report *out)
{
	__u32 pending = FL_READ(st->pending) ? FL_XCHG(&st->pending, 0) : 0;

	out->packets = FL_XCHG(&st->packets, 0);
	out->bytes = FL_XCHG(&st->bytes, 0);
	out->tcp_flags = (__u8)FL_XCHG(&st->tcp_flags, 0);
	out->pending = pending;
	out->reason = reason;
	out->slot = slot;
	out->time_ns = now;
	if (pending) {
		out->reason = FL_EMIT_FLAGS;
		out->slot = pending & 0xff;
		out->time_ns = FL_READ(st->pending_ns);
	}
	st->last_record_ns = now;
	return out->packets || pending || reason != FL_EMIT_REPORT;
}

/* A record that could not be written: its counts (and deferred close) go back to the entry, to
 * be reported by a later one. */
static __always_inline void fl_flow_give_back(struct fl_flow_state *st, const struct fl_flow_report *rep)
{
	FL_ADD(&st->packets, rep->packets);
	FL_ADD(&st->bytes, rep->bytes);
	if (rep->tcp_flags)
		FL_OR(&st->tcp_flags, rep->tcp_flags);
	if (rep->pending)
		FL_CAS(&st->pending, 0, rep->pending);
}

static __always_inline void fl_flow_add(struct fl_flow_state *st, __u8 tcp_flags, __u64 len, __u64 now)
{
	FL_ADD(&st->packets, 1);
	FL_ADD(&st->bytes, len);
	if (tcp_flags & ~FL_READ(st->tcp_flags))
		FL_OR(&st->tcp_flags, tcp_flags);
	st->last_seen_ns = now;
}

/* What an entry holds when another connection takes it over (it restarts, or base mode evicts
 * it): a record with its counts, or 0 when it holds none. */
static __always_inline int fl_flow_flush(struct fl_flow_state *st, __u64 now, struct fl_flow_report *out)
{
	return fl_flow_take(st, FL_EMIT_REPORT, (__u8)st->first_slot, now, out);
}

/*
 * A packet of a connection (a zeroed entry for a new one): counts it, and returns how many
 * records (0 to 2) are due in out[], in order:
 * - the counts of the earlier connection, when this packet starts the entry again;
 * - "new" for the first packet of a slot, "flags" for a TCP event new to its slot;
 * - a periodic report, when the last record is a report interval old.
 * The close that ends the connection both ways (the second FIN) is reported with the packet
 * after it the other way (the last ACK), so that its counts need no record of their own; a
 * sweep reports it when that packet does not come.
 */
static __always_inline int fl_flow_packet(struct fl_flow_state *st, __u8 slot, __u8 protocol, __u8 tcp_flags, __u64 len,
					  __u64 now, __u64 report_interval_ns, struct fl_flow_report out[2])
{
	__u32 shift = (__u32)slot * FL_SLOT_BITS;
	__u32 mine = (__u32)(FL_EV_SEEN | fl_tcp_events(protocol, tcp_flags)) << shift;
	__u32 seen = FL_READ(st->events);
	__u32 fresh, pending, before;
	__u64 last;
	int n = 0;

	if (fl_flow_restarts(st, seen, protocol, tcp_flags, now)) {
		n += fl_flow_flush(st, now, &out[0]);
		FL_XCHG(&st->events, 0);
		seen = 0;
	}
	fresh = mine & ~seen;
	if (fresh) {
		before = FL_OR(&st->events, fresh);
		if (!before)
			st->first_slot = slot;
		fresh &= ~before;
		seen = before | fresh;
	}
	pending = FL_READ(st->pending);
	if (pending && ((pending ^ slot) & FL_SLOT_REVERSE)) {
		/* The packet after a deferred close, the other way: the close's record, with this
		 * packet's counts unless it has a record of its own. */
		if (!fresh)
			fl_flow_add(st, tcp_flags, len, now);
		n += fl_flow_take(st, FL_EMIT_REPORT, slot, now, &out[n]);
		if (!fresh)
			return n;
	}
	fl_flow_add(st, tcp_flags, len, now);
	if (fresh) {
		if ((fresh & (FL_EV_FIN << shift)) && !(fresh & (FL_EV_SEEN << shift)) &&
		    (seen & FL_EV_FORWARD(FL_EV_FIN)) && (seen & FL_EV_REVERSE(FL_EV_FIN)) &&
		    !(seen & FL_EV_ANY(FL_EV_RST)) && !FL_READ(st->pending)) {
			st->pending_ns = now;
			if (FL_CAS(&st->pending, 0, FL_PENDING | slot) == 0)
				return n;
		}
		n += fl_flow_take(st, fresh & (FL_EV_SEEN << shift) ? FL_EMIT_NEW : FL_EMIT_FLAGS, slot, now, &out[n]);
		return n;
	}
	last = FL_READ(st->last_record_ns);
	if (now > last && now - last >= report_interval_ns && FL_CAS(&st->last_record_ns, last, now) == last)
		n += fl_flow_take(st, FL_EMIT_REPORT, slot, now, &out[n]);
	return n;
}

/* For a sweep: whether the entry holds counts (or a deferred close) a report interval after
 * its last record. */
static __always_inline int fl_flow_due(const struct fl_flow_state *st, __u64 now, __u64 report_interval_ns)
{
	__u64 last = FL_READ(st->last_record_ns);

	return (FL_READ(st->packets) || FL_READ(st->pending)) && now > last && now - last >= report_interval_ns;
}

/* A sweep's report of an entry that is due: 1 and the record in *out, else 0. */
static __always_inline int fl_flow_sweep(struct fl_flow_state *st, __u64 now, __u64 report_interval_ns,
					 struct fl_flow_report *out)
{
	__u64 last = FL_READ(st->last_record_ns);

	if (!fl_flow_due(st, now, report_interval_ns) || FL_CAS(&st->last_record_ns, last, now) != last)
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

/* A record about a connection: its flow in the report's slot. */
static __always_inline void fl_record_fill_conn(struct fl_record *r, const struct fl_conn_key *ck,
						const struct fl_flow_report *rep)
{
	struct fl_flow_key key;

	fl_flow_key_of_conn(&key, ck, rep->slot);
	fl_record_fill(r, rep->reason, rep->time_ns, &key, rep);
}

#endif
