/* The kernel side of tracer mode: TC classifiers that turn packets into flow records
 * (aggregated in an LRU flow table) and L7 payload records, the drop tracepoint and the
 * OpenSSL uprobes (tls_plaintext.bpf.h), all writing fixed-layout
 * records (record.h) into one ring buffer. Never alters traffic. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "record.h"
#include "flowlens.h"
#include "packet.h"
#include "flow_aggregate.h"
#include "payload_capture.h"
#include "bpf_counters.h"
#include "tls_plaintext.h"
#include "sweep.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define TC_ACT_UNSPEC (-1)
#define AF_INET 2
#define AF_INET6 10
#define TRANSPORT_HEADER_UNSET 0xffff

/* Set by the loader before load (read-only afterwards). */
const volatile __u16 fl_skip_ports[FL_MAX_SKIP_PORTS] = {};
const volatile __u32 fl_skip_port_count = 0;
const volatile __u16 fl_payload_ports[FL_MAX_PAYLOAD_PORTS] = {};
const volatile __u32 fl_payload_port_count = 0;
const volatile __u64 fl_payload_cost_ns = 100000;
const volatile __u64 fl_payload_bucket_ns = 100000000;
const volatile __u32 fl_aggregate = 1;
const volatile __u64 fl_report_interval_ns = 5000000000ULL;
const volatile __u64 fl_wakeup_bytes = 65536;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} fl_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct fl_conn_key);
	__type(value, struct fl_flow_state);
} fl_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FL_COUNTER_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} fl_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fl_payload_budget);
} fl_payload_budgets SEC(".maps");

static __always_inline void fl_count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&fl_counters, &which);

	/* Atomic: a tracepoint in process context can be interrupted by a TC program on the same CPU. */
	if (v)
		__sync_fetch_and_add(v, 1);
}

/* Batched wake-ups: user space drains on its own schedule and is only woken once
 * enough data is queued. */
static __always_inline void fl_submit(void *rec)
{
	__u64 queued = bpf_ringbuf_query(&fl_events, BPF_RB_AVAIL_DATA);

	bpf_ringbuf_submit(rec, queued >= fl_wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

static __always_inline void fl_emit_flow(__u8 reason, __u64 now, const struct fl_flow_key *key,
					 const struct fl_flow_report *rep)
{
	struct fl_record *r = bpf_ringbuf_reserve(&fl_events, sizeof(*r), 0);

	if (!r) {
		fl_count(FL_COUNTER_LOST);
		return;
	}
	fl_record_fill(r, reason, now, key, rep);
	fl_submit(r);
}

/* A record about a connection; when the ring is full its counts stay in the entry for a later
 * record (the record itself is lost and counted). Returns 0, or -1 when it was not written. */
static __always_inline int fl_emit_conn(struct fl_flow_state *st, const struct fl_conn_key *ck,
					const struct fl_flow_report *rep)
{
	struct fl_record *r = bpf_ringbuf_reserve(&fl_events, sizeof(*r), 0);

	if (!r) {
		fl_flow_give_back(st, rep);
		return -1;
	}
	fl_record_fill_conn(r, ck, rep);
	fl_submit(r);
	return 0;
}

#define FL_PARSE_PREFIX fl_parse_skb
#define FL_PARSE_CTX struct __sk_buff
#define FL_LOAD(ctx, off, dst, n) bpf_skb_load_bytes(ctx, off, dst, n)
#include "packet_parse.h"
#undef FL_PARSE_PREFIX
#undef FL_PARSE_CTX
#undef FL_LOAD

/* A kernel buffer [base, base + limit) read with bpf_probe_read_kernel. */
struct fl_kernel_bytes {
	const unsigned char *base;
	__u32 limit;
};

static __always_inline int fl_kernel_load(struct fl_kernel_bytes *ctx, __u32 off, void *dst, __u32 n)
{
	if (off > ctx->limit || n > ctx->limit - off)
		return -1;
	return bpf_probe_read_kernel(dst, n, ctx->base + off);
}

#define FL_PARSE_PREFIX fl_parse_kernel
#define FL_PARSE_CTX struct fl_kernel_bytes
#define FL_LOAD(ctx, off, dst, n) fl_kernel_load(ctx, off, dst, n)
#include "packet_parse.h"
#undef FL_PARSE_PREFIX
#undef FL_PARSE_CTX
#undef FL_LOAD

/* A packet on a payload port as one payload record (payload_capture.h); 0 when it is to be
 * aggregated instead. */
static __always_inline int fl_payload_capture(struct __sk_buff *skb, const struct fl_packet *pkt,
					      const struct fl_flow_key *key, __u64 now)
{
	__u8 head[FL_PAYLOAD_HEAD_BYTES] = {};
	struct fl_payload_budget *budget;
	struct fl_payload_record *r;
	__u32 zero = 0, n, head_len = 0;

	if (!fl_payload_port(fl_payload_ports, fl_payload_port_count, pkt))
		return 0;
	n = fl_payload_bytes(pkt->payload_len);
	if (pkt->protocol == FL_IPPROTO_TCP) {
		if (n >= FL_PAYLOAD_HEAD_BYTES && !bpf_skb_load_bytes(skb, pkt->payload_off, head, FL_PAYLOAD_HEAD_BYTES))
			head_len = FL_PAYLOAD_HEAD_BYTES;
		else if (n >= 4 && !bpf_skb_load_bytes(skb, pkt->payload_off, head, 4))
			head_len = 4;
	}
	if (!fl_payload_plausible(pkt->protocol, head, head_len))
		return 0;
	budget = bpf_map_lookup_elem(&fl_payload_budgets, &zero);
	if (!budget)
		return 0;
	if (!fl_payload_take(budget, fl_payload_cost_ns, fl_payload_bucket_ns, now)) {
		fl_count(FL_COUNTER_PAYLOAD_LIMITED);
		return 0;
	}
	r = bpf_ringbuf_reserve(&fl_events, sizeof(*r), 0);
	if (!r) {
		fl_count(FL_COUNTER_LOST);
		return 0;
	}
	if (bpf_skb_load_bytes(skb, pkt->payload_off, r->payload, n)) {
		bpf_ringbuf_discard(r, BPF_RB_NO_WAKEUP);
		return 0;
	}
	fl_payload_fill(&r->rec, now, key, pkt, skb->len, n);
	fl_submit(r);
	return 1;
}

static __always_inline int fl_tc(struct __sk_buff *skb, __u8 direction)
{
	struct fl_packet pkt = {};
	struct fl_flow_key key;
	struct fl_conn_key ck;
	struct fl_flow_report rep[2];
	struct fl_flow_state *st;
	__u64 now = bpf_ktime_get_ns();
	__u8 slot;
	int res, n, i;

	fl_count(FL_COUNTER_PACKETS);
	res = fl_parse_skb_l2(skb, &pkt);
	if (res == FL_PARSE_MALFORMED) {
		fl_count(FL_COUNTER_MALFORMED);
		return TC_ACT_UNSPEC;
	}
	if (res != FL_PARSE_OK)
		return TC_ACT_UNSPEC;
	if (fl_port_skipped(fl_skip_ports, fl_skip_port_count, &pkt)) {
		fl_count(FL_COUNTER_SKIPPED);
		return TC_ACT_UNSPEC;
	}
	fl_flow_key_of(&key, &pkt, skb->ifindex, direction);
	if (fl_payload_port_count && fl_payload_capture(skb, &pkt, &key, now))
		return TC_ACT_UNSPEC;
	rep[0].packets = 1;
	rep[0].bytes = skb->len;
	rep[0].tcp_flags = pkt.tcp_flags;
	if (!fl_aggregate) {
		fl_emit_flow(FL_EMIT_PACKET, now, &key, &rep[0]);
		return TC_ACT_UNSPEC;
	}
	slot = fl_conn_key_of(&ck, &key);
	st = bpf_map_lookup_elem(&fl_flows, &ck);
	if (!st) {
		struct fl_flow_state zero = {};

		/* Another CPU may start the same connection at the same moment: the entry made first
		 * is kept, and both packets are counted in it. */
		if (!bpf_map_update_elem(&fl_flows, &ck, &zero, BPF_NOEXIST))
			fl_count(FL_COUNTER_FLOWS_STARTED);
		st = bpf_map_lookup_elem(&fl_flows, &ck);
		if (!st) {
			/* No entry to count it in (evicted at once): the packet is its own record. */
			fl_emit_flow(FL_EMIT_PACKET, now, &key, &rep[0]);
			return TC_ACT_UNSPEC;
		}
	}
	n = fl_flow_packet(st, slot, pkt.protocol, pkt.tcp_flags, skb->len, now, fl_report_interval_ns, rep);
	for (i = 0; i < 2; i++) {
		if (i < n && fl_emit_conn(st, &ck, &rep[i]))
			fl_count(FL_COUNTER_LOST);
	}
	return TC_ACT_UNSPEC;
}

SEC("tc")
int fl_tc_ingress(struct __sk_buff *skb)
{
	return fl_tc(skb, FL_DIR_INGRESS);
}

SEC("tc")
int fl_tc_egress(struct __sk_buff *skb)
{
	return fl_tc(skb, FL_DIR_EGRESS);
}

/* Whether the running kernel knows this drop reason and it is `reason`; values differ between
 * kernels, so they come from its BTF (CO-RE), never from our vmlinux.h. */
#define FL_DROP_REASON_IS(reason, name)                                   \
	(bpf_core_enum_value_exists(enum skb_drop_reason, name) &&         \
	 (reason) == bpf_core_enum_value(enum skb_drop_reason, name))

/* Frees that are not drops on the network path: packets delivered or not dropped yet, the
 * untyped kfree_skb(), and socket queues freed in bulk when their owner closes them
 * (QUEUE_PURGE, e.g. unaccepted connections of a closed listener; SOCKET_CLOSE, "socket is
 * close()d"). Kept: every reason for a packet arriving or leaving and being refused. */
static __always_inline int fl_drop_ignored(enum skb_drop_reason reason)
{
	return FL_DROP_REASON_IS(reason, SKB_NOT_DROPPED_YET) ||
	       FL_DROP_REASON_IS(reason, SKB_CONSUMED) ||
	       FL_DROP_REASON_IS(reason, SKB_DROP_REASON_NOT_SPECIFIED) ||
	       FL_DROP_REASON_IS(reason, SKB_DROP_REASON_QUEUE_PURGE) ||
	       FL_DROP_REASON_IS(reason, SKB_DROP_REASON_SOCKET_CLOSE);
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(fl_kfree_skb, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	struct fl_kernel_bytes bytes;
	struct fl_packet pkt = {};
	struct fl_record *r;
	struct net_device *dev;
	__u16 network_header;

	if (fl_drop_ignored(reason))
		return 0;
	network_header = BPF_CORE_READ(skb, network_header);
	bytes.base = BPF_CORE_READ(skb, head) + network_header;
	bytes.limit = BPF_CORE_READ(skb, tail) - network_header;
	if (bytes.limit > 0xffff)
		return 0;
	if (fl_parse_kernel_l3(&bytes, 0, bpf_ntohs(BPF_CORE_READ(skb, protocol)), &pkt) != FL_PARSE_OK)
		return 0;
	if (fl_port_skipped(fl_skip_ports, fl_skip_port_count, &pkt))
		return 0;
	r = bpf_ringbuf_reserve(&fl_events, sizeof(*r), 0);
	if (!r) {
		fl_count(FL_COUNTER_LOST);
		return 0;
	}
	__builtin_memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	r->kind = FL_REC_DROP;
	r->time_ns = bpf_ktime_get_ns();
	r->packets = 1;
	r->bytes = BPF_CORE_READ(skb, len);
	__builtin_memcpy(r->saddr, pkt.saddr, 16);
	__builtin_memcpy(r->daddr, pkt.daddr, 16);
	r->sport = pkt.sport;
	r->dport = pkt.dport;
	r->family = pkt.family;
	r->protocol = pkt.protocol;
	r->icmp_type = pkt.icmp_type;
	r->icmp_code = pkt.icmp_code;
	r->tcp_flags = pkt.tcp_flags;
	r->drop_reason = reason;
	dev = BPF_CORE_READ(skb, dev);
	if (dev) {
		r->ifindex = BPF_CORE_READ(dev, ifindex);
		r->aux = BPF_CORE_READ(dev, nd_net.net, ns.inum);
	}
	r->direction = BPF_CORE_READ(skb, skb_iif) ? FL_DIR_INGRESS : FL_DIR_EGRESS;
	fl_submit(r);
	return 0;
}

static __always_inline int fl_v4_mapped(const __u8 *a)
{
	return !(a[0] | a[1] | a[2] | a[3] | a[4] | a[5] | a[6] | a[7] | a[8] | a[9]) && a[10] == 0xff && a[11] == 0xff;
}

/* Attached by the capability probe to a function of this library: proves uprobes work
 * (TLS plaintext capture needs them). */
SEC("uprobe")
int fl_probe_uprobe(struct pt_regs *ctx)
{
	return 0;
}

#include "tls_plaintext.bpf.h"

/* The sweep (sweep.c runs it through BPF_PROG_TEST_RUN): every entry of the flow table that
 * holds counts a report interval after its last record is reported, its counts exchanged
 * atomically with the packet path's. Entries are left for the next run, counts intact, while
 * the ring is short of room, so that the packet path keeps its share. */
struct fl_sweep_run {
	__u64 now;
	__u32 reported;
	__u32 deferred;
	__u32 live;
};

static long fl_sweep_entry(struct bpf_map *map, struct fl_conn_key *ck, struct fl_flow_state *st,
			   struct fl_sweep_run *run)
{
	struct fl_flow_report rep;
	__u64 size = bpf_ringbuf_query(&fl_events, BPF_RB_RING_SIZE);

	run->live++;
	if (!fl_flow_due(st, run->now, fl_report_interval_ns))
		return 0;
	if (size - bpf_ringbuf_query(&fl_events, BPF_RB_AVAIL_DATA) < size / FL_SWEEP_RING_SHARE) {
		run->deferred++;
		return 0;
	}
	if (!fl_flow_sweep(st, run->now, fl_report_interval_ns, &rep))
		return 0;
	if (fl_emit_conn(st, ck, &rep)) {
		/* Due again at once: the next run reports it. */
		st->last_record_ns = 0;
		run->deferred++;
		return 0;
	}
	run->reported++;
	return 0;
}

SEC("syscall")
int fl_sweep(struct fl_sweep_result *result)
{
	struct fl_sweep_run run = { .now = bpf_ktime_get_ns() };

	bpf_for_each_map_elem(&fl_flows, fl_sweep_entry, &run, 0);
	result->reported = run.reported;
	result->deferred = run.deferred;
	result->live = run.live;
	return 0;
}
