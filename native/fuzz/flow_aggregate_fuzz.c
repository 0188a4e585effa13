/* Fuzzes base mode's flow aggregation (flow_aggregate.h over flow_table.c) with sequences of
 * packets and sweeps, checking that every packet and byte fed is accounted for exactly, per
 * connection: reported in a record or still pending in the table; that each TCP event is
 * reported at most once per slot; and that a record names the connection's own addresses.
 * Input: a settings byte (report interval, table size), then 4-byte operations: connection
 * (bit 7 set: a sweep instead of a packet; bit 6: the packet goes the other way; bit 5: seen
 * by the egress hook), TCP flags or ICMP type (echo request when bit 3 is set, else reply),
 * length, clock step. */
#include <string.h>
#include "check.h"
#include "input.h"
#include "flow_table.h"

/* Within the settings' range: 100 ms to an hour (src/config/settings.ts). */
static const __u64 report_interval_ms[8] = { 100, 300, 1000, 5000, 30000, 60000, 600000, 3600000 };
static const __u16 source_ports[4] = { 40000, 40001, 53, 443 };
static const __u8 protocols[4] = { FL_IPPROTO_TCP, FL_IPPROTO_TCP, FL_IPPROTO_UDP, FL_IPPROTO_ICMP };

/* Connections are numbered by the low 5 bits of the operation's first byte and, for ICMP, the
 * echo type's bit; the number, plus one, is also the connection's ifindex, so an entry's key
 * tells it. */
#define FLOW_COUNT 64

struct counts {
	__u64 packets;
	__u64 bytes;
};

struct run {
	struct fl_flow_table table;
	__u64 interval_ns;
	struct counts fed[FLOW_COUNT];
	struct counts reported[FLOW_COUNT];
};

static void packet_of(struct fl_packet *pkt, __u8 flow, __u8 flags_or_type)
{
	__u8 protocol = protocols[flow & 3];
	__u8 low = flow & 0x40 ? 1 : 0; /* which of the two ends sends */

	memset(pkt, 0, sizeof(*pkt));
	pkt->family = flow & 4 ? 6 : 4;
	pkt->saddr[0] = pkt->daddr[0] = 198; /* 198.18.0.1 <-> 198.18.0.2, or the same as IPv6 bytes */
	pkt->saddr[1] = pkt->daddr[1] = 18;
	pkt->saddr[3] = 1 + low;
	pkt->daddr[3] = 2 - low;
	if (protocol == FL_IPPROTO_ICMP) {
		pkt->protocol = pkt->family == 6 ? FL_IPPROTO_ICMPV6 : FL_IPPROTO_ICMP;
		pkt->icmp_type = flags_or_type & 8 ? 8 : 0;
		return;
	}
	pkt->protocol = protocol;
	pkt->has_ports = 1;
	pkt->sport = low ? 80 : source_ports[flow >> 3 & 3];
	pkt->dport = low ? source_ports[flow >> 3 & 3] : 80;
	if (protocol == FL_IPPROTO_TCP)
		pkt->tcp_flags = flags_or_type;
}

static __u32 flow_number(const struct fl_packet *pkt, __u8 flow)
{
	return (flow & 0x1f) | (pkt->icmp_type ? 0x20u : 0);
}

/* A record of connection `flow`: its counts, and the flow it names is one of the connection's. */
static void record(struct run *run, const struct fl_conn_key *ck, const struct fl_flow_report *rep)
{
	__u32 flow = ck->ifindex - 1;
	struct fl_flow_key key;
	struct fl_conn_key again;
	struct fl_record r;

	FUZZ_CHECK(flow < FLOW_COUNT);
	FUZZ_CHECK(rep->bytes >= rep->packets);
	FUZZ_CHECK(rep->packets >= 1 || rep->reason != FL_EMIT_REPORT);
	FUZZ_CHECK(rep->reason == FL_EMIT_NEW || rep->reason == FL_EMIT_FLAGS || rep->reason == FL_EMIT_REPORT);
	fl_flow_key_of_conn(&key, ck, rep->slot);
	FUZZ_CHECK(fl_conn_key_of(&again, &key) == rep->slot && memcmp(&again, ck, sizeof(again)) == 0);
	fl_record_fill_conn(&r, ck, rep);
	FUZZ_CHECK(r.ifindex == ck->ifindex && r.packets == rep->packets && r.time_ns == rep->time_ns);
	run->reported[flow].packets += rep->packets;
	run->reported[flow].bytes += rep->bytes;
}

/* A packet through the aggregation of fl_base_packet (base.c): keep in step with it. */
static void packet(struct run *run, const struct fl_packet *pkt, __u8 direction, __u32 flow, __u64 len, __u64 now)
{
	struct fl_flow_key key;
	struct fl_conn_key ck;
	struct fl_flow_report rep[2];
	struct fl_flow_entry *e;
	int found, n, i;
	__u8 slot;
	__u32 events, mine;

	run->fed[flow].packets++;
	run->fed[flow].bytes += len;
	fl_flow_key_of(&key, pkt, flow + 1, direction);
	slot = fl_conn_key_of(&ck, &key);
	e = fl_flow_table_slot(&run->table, &ck, &found);
	FUZZ_CHECK(e >= run->table.entries && e <= run->table.entries + run->table.mask);
	FUZZ_CHECK(!found || (e->used && memcmp(&e->key, &ck, sizeof(ck)) == 0));
	if (!found) {
		if (e->used && fl_flow_flush(&e->state, now, &rep[0]))
			record(run, &e->key, &rep[0]);
		FUZZ_CHECK(!e->used || (!e->state.packets && !e->state.pending));
		memset(e, 0, sizeof(*e));
		e->key = ck;
		e->used = 1;
	}
	events = e->state.events;
	mine = (__u32)(FL_EV_SEEN | fl_tcp_events(pkt->protocol, pkt->tcp_flags)) << (slot * FL_SLOT_BITS);
	n = fl_flow_packet(&e->state, slot, pkt->protocol, pkt->tcp_flags, len, now, run->interval_ns, rep);
	FUZZ_CHECK(n >= 0 && n <= 2);
	for (i = 0; i < n; i++) {
		record(run, &ck, &rep[i]);
		/* "new" and "flags" name the packet's own slot, or a deferred close's. */
		if (rep[i].reason == FL_EMIT_NEW)
			FUZZ_CHECK(rep[i].slot == slot && (e->state.events & (FL_EV_SEEN << (slot * FL_SLOT_BITS))));
	}
	/* Events only grow, by this packet's, unless the connection started again. */
	if ((e->state.events & events) == events)
		FUZZ_CHECK((e->state.events & ~events & ~mine) == 0);
	else
		FUZZ_CHECK(n >= 1 && (e->state.events & ~mine) == 0);
	/* A deferred close waits for a packet the other way. */
	if (e->state.pending)
		FUZZ_CHECK((e->state.pending & ~0xffu) == FL_PENDING && (e->state.pending & 0xff) < 4);
}

/* A whole sweep of fl_base_sweep (base.c); afterwards no entry holds counts that are due. */
static void sweep(struct run *run, __u64 now)
{
	struct fl_flow_report rep;
	__u32 i;

	for (i = 0; i <= run->table.mask; i++) {
		struct fl_flow_entry *e = &run->table.entries[i];

		if (e->used && fl_flow_sweep(&e->state, now, run->interval_ns, &rep))
			record(run, &e->key, &rep);
	}
	for (i = 0; i <= run->table.mask; i++) {
		const struct fl_flow_entry *e = &run->table.entries[i];

		if (e->used)
			FUZZ_CHECK(!fl_flow_due(&e->state, now, run->interval_ns));
	}
}

/* Per flow: fed = reported + still pending in the table. */
static void check_counts(const struct run *run)
{
	struct counts pending[FLOW_COUNT];
	__u32 i;

	memset(pending, 0, sizeof(pending));
	for (i = 0; i <= run->table.mask; i++) {
		const struct fl_flow_entry *e = &run->table.entries[i];

		if (e->used) {
			pending[e->key.ifindex - 1].packets += e->state.packets;
			pending[e->key.ifindex - 1].bytes += e->state.bytes;
		}
	}
	for (i = 0; i < FLOW_COUNT; i++) {
		FUZZ_CHECK(run->fed[i].packets == run->reported[i].packets + pending[i].packets);
		FUZZ_CHECK(run->fed[i].bytes == run->reported[i].bytes + pending[i].bytes);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { .p = data, .n = size };
	__u8 settings = fuzz_u8(&in);
	__u64 now = FUZZ_START_NS, latest = now;
	/* Reused: a fresh allocation of its size on every input costs more than the run itself. */
	static struct run runs;
	struct run *run = &runs;

	memset(run, 0, sizeof(*run));
	run->interval_ns = report_interval_ms[settings & 7] * 1000000ULL;
	FUZZ_CHECK(fl_flow_table_init(&run->table, 1u << (settings >> 3 & 7)) == 0);
	while (fuzz_more(&in)) {
		struct fl_packet pkt;
		__u8 flow = fuzz_u8(&in);
		__u8 flags_or_type = fuzz_u8(&in);
		__u64 len = 42 + (__u64)fuzz_u8(&in) * 8;

		fuzz_clock_step(&now, fuzz_u8(&in));
		if (now > latest)
			latest = now;
		if (flow & 0x80) {
			sweep(run, now);
			continue;
		}
		packet_of(&pkt, flow, flags_or_type);
		packet(run, &pkt, flow & 0x20 ? FL_DIR_EGRESS : FL_DIR_INGRESS, flow_number(&pkt, flow), len, now);
	}
	check_counts(run);
	/* A sweep a report interval after the last packet reports whatever is left. */
	sweep(run, latest + run->interval_ns);
	check_counts(run);
	for (__u32 i = 0; i <= run->table.mask; i++)
		FUZZ_CHECK(!run->table.entries[i].state.packets && !run->table.entries[i].state.pending);
	fl_flow_table_free(&run->table);
	return 0;
}
