/* Fuzzes base mode's flow aggregation (flow_aggregate.h over flow_table.c) with sequences of
 * packets and sweeps, checking that every packet and byte fed is accounted for exactly, per
 * flow: reported in a record or still pending in the table. Input: a settings byte (report
 * interval, table size), then 4-byte operations: flow (bit 7 set: a sweep instead of a
 * packet), TCP flags or ICMP type (echo request when bit 3 is set, else reply), length, clock
 * step. */
#include <string.h>
#include "check.h"
#include "input.h"
#include "flow_table.h"

/* Within the settings' range: 100 ms to an hour (src/config/settings.ts). */
static const __u64 report_interval_ms[8] = { 100, 300, 1000, 5000, 30000, 60000, 600000, 3600000 };
static const __u16 source_ports[4] = { 40000, 40001, 53, 443 };
static const __u8 protocols[4] = { FL_IPPROTO_TCP, FL_IPPROTO_TCP, FL_IPPROTO_UDP, FL_IPPROTO_ICMP };

/* Flows are numbered by the 7 bits of the operation's first byte and, for ICMP, the echo
 * type's bit; the number, plus one, is also the flow's ifindex, so an entry's key tells it. */
#define FLOW_COUNT 256

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

	memset(pkt, 0, sizeof(*pkt));
	pkt->family = flow & 4 ? 6 : 4;
	pkt->saddr[0] = pkt->daddr[0] = 198; /* 198.18.0.1 -> 198.18.0.2, or the same as IPv6 bytes */
	pkt->saddr[1] = pkt->daddr[1] = 18;
	pkt->saddr[3] = 1;
	pkt->daddr[3] = 2;
	if (protocol == FL_IPPROTO_ICMP) {
		pkt->protocol = pkt->family == 6 ? FL_IPPROTO_ICMPV6 : FL_IPPROTO_ICMP;
		pkt->icmp_type = flags_or_type & 8 ? 8 : 0;
		return;
	}
	pkt->protocol = protocol;
	pkt->has_ports = 1;
	pkt->sport = source_ports[flow >> 3 & 3];
	pkt->dport = 80;
	if (protocol == FL_IPPROTO_TCP)
		pkt->tcp_flags = flags_or_type;
}

static __u32 flow_number(const struct fl_packet *pkt, __u8 flow)
{
	return (flow & 0x7f) | (pkt->icmp_type ? 0x80u : 0);
}

static void record(struct run *run, __u32 flow, const struct fl_flow_report *rep)
{
	FUZZ_CHECK(rep->packets >= 1 && rep->bytes >= rep->packets);
	run->reported[flow].packets += rep->packets;
	run->reported[flow].bytes += rep->bytes;
}

/* A packet through the aggregation of fl_base_packet (base.c): keep in step with it. */
static void packet(struct run *run, __u32 flow, const struct fl_packet *pkt, __u64 len, __u64 now)
{
	struct fl_flow_key key;
	struct fl_flow_report rep;
	struct fl_flow_entry *e;
	int found;
	__u8 reason, events;

	run->fed[flow].packets++;
	run->fed[flow].bytes += len;
	fl_flow_key_of(&key, pkt, flow + 1, FL_DIR_INGRESS);
	e = fl_flow_table_slot(&run->table, &key, &found);
	FUZZ_CHECK(e >= run->table.entries && e <= run->table.entries + run->table.mask);
	FUZZ_CHECK(!found || (e->used && memcmp(&e->key, &key, sizeof(key)) == 0));
	if (found && !fl_flow_restarts(&e->state, pkt, now)) {
		events = e->state.events_seen;
		reason = fl_flow_account(&e->state, pkt, len, now, run->interval_ns, &rep);
		FUZZ_CHECK(reason == 0 || reason == FL_EMIT_FLAGS || reason == FL_EMIT_REPORT);
		/* FLAGS: a TCP event not reported before on this flow; nothing else adds events. */
		if (reason == FL_EMIT_FLAGS)
			FUZZ_CHECK(pkt->protocol == FL_IPPROTO_TCP && (e->state.events_seen & ~events));
		else
			FUZZ_CHECK(e->state.events_seen == events);
		if (reason)
			record(run, flow, &rep);
		return;
	}
	/* A restart: idle for long going forward in time, or a new connection after FIN or RST. */
	if (found)
		FUZZ_CHECK(now > e->state.last_seen_ns ||
			   (pkt->tcp_flags & (FL_TCP_SYN | FL_TCP_ACK)) == FL_TCP_SYN);
	if (e->used && fl_flow_flush(&e->state, now, &rep))
		record(run, e->key.ifindex - 1, &rep);
	e->key = key;
	e->used = 1;
	fl_flow_start(&e->state, pkt, len, now, &rep);
	FUZZ_CHECK(rep.packets == 1 && rep.bytes == len && !e->state.packets && !e->state.bytes);
	record(run, flow, &rep);
}

/* A whole sweep of fl_base_sweep (base.c); afterwards no entry holds counts that are due. */
static void sweep(struct run *run, __u64 now)
{
	struct fl_flow_report rep;
	__u32 i;

	for (i = 0; i <= run->table.mask; i++) {
		struct fl_flow_entry *e = &run->table.entries[i];

		if (e->used && fl_flow_sweep(&e->state, now, run->interval_ns, &rep))
			record(run, e->key.ifindex - 1, &rep);
	}
	for (i = 0; i <= run->table.mask; i++) {
		const struct fl_flow_state *st = &run->table.entries[i].state;

		if (run->table.entries[i].used && st->packets)
			FUZZ_CHECK(now < st->last_seen_ns || now - st->last_seen_ns < run->interval_ns);
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
		packet(run, flow_number(&pkt, flow), &pkt, len, now);
	}
	check_counts(run);
	/* A sweep a report interval after the last packet reports whatever is left. */
	sweep(run, latest + run->interval_ns);
	check_counts(run);
	for (__u32 i = 0; i <= run->table.mask; i++)
		FUZZ_CHECK(!run->table.entries[i].state.packets);
	fl_flow_table_free(&run->table);
	return 0;
}
