/* Tracer mode: the BPF object (embedded skeleton) loaded with the session's settings, its TC
 * programs attached per interface (tcx or clsact), the OpenSSL uprobes when TLS plaintext is
 * asked for, records drained from the ring buffer, and a sweep that reports the last counts
 * of flows that went idle (both on the session's capture thread). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "internal.h"
#include "packet.h"
#include "flow_aggregate.h"
#include "payload_capture.h"
#include "bpf_counters.h"
#include "tls_probes.h"
#include "sweep.h"
#include "flowlens.skel.h"

#define FL_MIN_RING_BYTES 4096u
#define FL_MAX_RING_BYTES (1u << 30)
/* Wake user space once this fraction of the ring is queued. */
#define FL_WAKEUP_RING_DIVISOR 8

struct fl_tc_attachment {
	__u32 ifindex;
	int clsact;      /* 1: clsact filters with FL_TC_HANDLE; 0: tcx links */
	int link_fd[2];  /* tcx: ingress, egress */
};

struct fl_tracer {
	struct flowlens_bpf *skel;
	struct ring_buffer *ring;
	struct bpf_link *drops;
	struct bpf_link *tls_send;
	struct bpf_link *tls_recv;
	struct fl_tls_probes *tls;
	__u32 tc_attach;
	int aggregate;
	__u64 report_interval_ns;
	struct fl_sweep sweep;
	int possible_cpus;
	struct fl_tc_attachment *attached;
	__u32 attached_count;
	__u32 attached_cap;
	/* the drain in progress */
	__u8 *out;
	__u32 out_len;
	__u32 written;
	__s64 wall_offset_ns;
};

static __u32 fl_ring_bytes(__u32 requested)
{
	__u32 size = FL_MIN_RING_BYTES;

	while (size < requested && size < FL_MAX_RING_BYTES)
		size <<= 1;
	return size;
}

/* The agent's own process, so that the TLS programs leave its gRPC traffic alone. */
static void fl_set_self(struct flowlens_bpf *skel)
{
	struct stat st;

	if (stat("/proc/self/ns/pid", &st))
		return;
	skel->rodata->fl_self_pidns_dev = st.st_dev;
	skel->rodata->fl_self_pidns_ino = st.st_ino;
	skel->rodata->fl_self_pid = (__u32)getpid();
}

/* Maps only the TLS programs use: one entry each when those programs are not loaded. */
static int fl_size_tls_maps(struct flowlens_bpf *skel, int tls)
{
	int err = 0;

	if (tls)
		return 0;
	err = err ? err : bpf_map__set_max_entries(skel->maps.fl_tls_calls, 1);
	err = err ? err : bpf_map__set_max_entries(skel->maps.fl_tls_threads, 1);
	err = err ? err : bpf_map__set_max_entries(skel->maps.fl_tls_pending, 1);
	return err;
}

/* The verifier gives up with EAGAIN when a signal is pending for the loading thread, and
 * libbpf's own retries (5) do not outlast a profiler's SIGPROF every few microseconds (node
 * --cpu-prof): so no signal reaches this thread while it loads. Thread-directed signals wait
 * until the mask is restored; process-directed ones go to another thread. Faults stay
 * deliverable (a blocked synchronous fault would kill the process). */
static int fl_load_without_signals(struct flowlens_bpf *skel)
{
	static const int faults[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS };
	sigset_t blocked, previous;
	unsigned i;
	int err;

	sigfillset(&blocked);
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		sigdelset(&blocked, faults[i]);
	pthread_sigmask(SIG_BLOCK, &blocked, &previous);
	err = flowlens_bpf__load(skel);
	pthread_sigmask(SIG_SETMASK, &previous, NULL);
	return err;
}

int fl_bpf_load(const struct fl_session_config *cfg, unsigned programs, struct flowlens_bpf **out)
{
	struct flowlens_bpf *skel;
	__u32 ring = fl_ring_bytes(cfg->ring_bytes);
	__u32 skip = cfg->skip_port_count < FL_MAX_SKIP_PORTS ? cfg->skip_port_count : FL_MAX_SKIP_PORTS;
	__u32 payload = cfg->payload_port_count < FL_MAX_PAYLOAD_PORTS ? cfg->payload_port_count : FL_MAX_PAYLOAD_PORTS;
	__u32 interval_ms = cfg->report_interval_ms ? cfg->report_interval_ms : 1;
	int tls = (programs & FL_PROG_TLS) != 0;
	__u32 i;
	int err;

	skel = flowlens_bpf__open();
	if (!skel)
		return -errno;
	for (i = 0; i < skip; i++)
		skel->rodata->fl_skip_ports[i] = cfg->skip_ports[i];
	skel->rodata->fl_skip_port_count = skip;
	for (i = 0; i < payload; i++)
		skel->rodata->fl_payload_ports[i] = cfg->payload_ports[i];
	skel->rodata->fl_payload_port_count = payload;
	skel->rodata->fl_payload_cost_ns = fl_payload_rate_of(cfg->payload_rate).cost_ns;
	skel->rodata->fl_payload_bucket_ns = fl_payload_rate_of(cfg->payload_rate).bucket_ns;
	fl_set_self(skel);
	skel->rodata->fl_aggregate = cfg->aggregate ? 1 : 0;
	skel->rodata->fl_report_interval_ns = (__u64)interval_ms * 1000000ULL;
	skel->rodata->fl_wakeup_bytes = ring / FL_WAKEUP_RING_DIVISOR;
	err = bpf_map__set_max_entries(skel->maps.fl_events, ring);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.fl_flows, cfg->flow_table_size ? cfg->flow_table_size : 1);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.fl_tc_ingress, programs & FL_PROG_TC);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.fl_tc_egress, programs & FL_PROG_TC);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.fl_sweep, programs & FL_PROG_TC);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.fl_kfree_skb, programs & FL_PROG_DROPS);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.fl_probe_uprobe, programs & FL_PROG_UPROBE);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.fl_ssl_enter, tls);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.fl_ssl_return, tls);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.fl_tls_sock_send, tls);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.fl_tls_sock_recv, tls);
	if (!err)
		err = fl_size_tls_maps(skel, tls);
	if (!err)
		err = fl_load_without_signals(skel);
	if (err) {
		flowlens_bpf__destroy(skel);
		return err < 0 ? err : -EINVAL;
	}
	*out = skel;
	return 0;
}

static int fl_tracer_sample(void *ctx, void *data, size_t size)
{
	struct fl_tracer *t = ctx;
	struct fl_record *rec;
	__u32 used;

	if (size < FL_RECORD_BYTES || size > FL_MAX_RECORD_BYTES)
		return 0;
	/* Payload records are reserved at full size; only what they use is handed on. */
	used = ((const struct fl_record *)data)->size;
	if (used < FL_RECORD_BYTES || used > size || used % 8)
		return 0;
	rec = (struct fl_record *)(t->out + t->written);
	memcpy(rec, data, used);
	rec->time_ns = (__u64)((__s64)rec->time_ns + t->wall_offset_ns);
	t->written += used;
	/* Stop while every next record still fits: a sample is consumed even when the callback fails. */
	return t->out_len - t->written < FL_MAX_RECORD_BYTES ? -ENOSPC : 0;
}

static void fl_tracer_sweep(struct fl_tracer *t, __u64 now)
{
	fl_sweep_tick(&t->sweep, now);
}

static __u32 fl_tracer_drain(void *backend, __u8 *buf, __u32 len)
{
	struct fl_tracer *t = backend;
	__u64 now;

	t->out = buf;
	t->out_len = len;
	t->written = 0;
	t->wall_offset_ns = fl_wall_minus_mono_ns();
	if (len >= FL_MAX_RECORD_BYTES)
		ring_buffer__consume(t->ring);
	now = fl_clock_ns(CLOCK_MONOTONIC);
	if (t->aggregate)
		fl_tracer_sweep(t, now);
	return t->written;
}

static struct fl_tc_attachment *fl_tracer_find(struct fl_tracer *t, __u32 ifindex)
{
	__u32 i;

	for (i = 0; i < t->attached_count; i++)
		if (t->attached[i].ifindex == ifindex)
			return &t->attached[i];
	return NULL;
}

static int fl_attach_tcx(struct fl_tracer *t, struct fl_tc_attachment *a)
{
	int in = fl_tcx_attach(bpf_program__fd(t->skel->progs.fl_tc_ingress), a->ifindex, 0);
	int out;

	if (in < 0)
		return in;
	out = fl_tcx_attach(bpf_program__fd(t->skel->progs.fl_tc_egress), a->ifindex, 1);
	if (out < 0) {
		close(in);
		return out;
	}
	a->clsact = 0;
	a->link_fd[0] = in;
	a->link_fd[1] = out;
	return 0;
}

static int fl_attach_clsact(struct fl_tracer *t, struct fl_tc_attachment *a)
{
	int err = fl_clsact_attach(bpf_program__fd(t->skel->progs.fl_tc_ingress), a->ifindex, 0, FL_TC_HANDLE, NULL);

	if (err)
		return err;
	err = fl_clsact_attach(bpf_program__fd(t->skel->progs.fl_tc_egress), a->ifindex, 1, FL_TC_HANDLE, NULL);
	if (err) {
		fl_clsact_detach(a->ifindex, 0, FL_TC_HANDLE);
		return err;
	}
	a->clsact = 1;
	a->link_fd[0] = a->link_fd[1] = -1;
	return 0;
}

static int fl_tracer_attach(void *backend, __u32 ifindex)
{
	struct fl_tracer *t = backend;
	struct fl_tc_attachment a = { .ifindex = ifindex };
	int err;

	if (fl_tracer_find(t, ifindex))
		return 0;
	if (t->attached_count == t->attached_cap) {
		__u32 cap = t->attached_cap ? t->attached_cap * 2 : 16;
		struct fl_tc_attachment *grown = realloc(t->attached, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		t->attached = grown;
		t->attached_cap = cap;
	}
	if (t->tc_attach == FL_TC_CLSACT) {
		err = fl_attach_clsact(t, &a);
	} else {
		err = fl_attach_tcx(t, &a);
		if (err && t->tc_attach == FL_TC_AUTO && err != -ENODEV)
			err = fl_attach_clsact(t, &a);
	}
	if (err)
		return err;
	t->attached[t->attached_count] = a;
	__atomic_store_n(&t->attached_count, t->attached_count + 1, __ATOMIC_RELAXED);
	return 0;
}

/* Detaching from a vanished interface succeeds: its filters went with it. */
static int fl_release(struct fl_tc_attachment *a)
{
	int err = 0;
	int dir;

	for (dir = 0; dir <= 1; dir++) {
		if (a->clsact) {
			int e = fl_clsact_detach(a->ifindex, dir, FL_TC_HANDLE);

			if (e && e != -ENOENT && e != -ENODEV && e != -EINVAL)
				err = e;
		} else {
			close(a->link_fd[dir]);
		}
	}
	return err;
}

static int fl_tracer_detach(void *backend, __u32 ifindex)
{
	struct fl_tracer *t = backend;
	struct fl_tc_attachment *a = fl_tracer_find(t, ifindex);
	int err;

	if (!a)
		return 0;
	err = fl_release(a);
	*a = t->attached[t->attached_count - 1];
	__atomic_store_n(&t->attached_count, t->attached_count - 1, __ATOMIC_RELAXED);
	return err;
}

static int fl_tracer_wait_fd(void *backend)
{
	return ring_buffer__epoll_fd(((struct fl_tracer *)backend)->ring);
}

static __u64 fl_counter_sum(struct fl_tracer *t, __u32 which)
{
	__u64 values[t->possible_cpus];
	__u64 sum = 0;
	int i;

	if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.fl_counters), &which, values))
		return 0;
	for (i = 0; i < t->possible_cpus; i++)
		sum += values[i];
	return sum;
}

static void fl_tracer_stats(void *backend, struct fl_stats *out)
{
	struct fl_tracer *t = backend;

	out->packets = fl_counter_sum(t, FL_COUNTER_PACKETS);
	out->skipped = fl_counter_sum(t, FL_COUNTER_SKIPPED);
	out->malformed = fl_counter_sum(t, FL_COUNTER_MALFORMED);
	out->payload_limited = fl_counter_sum(t, FL_COUNTER_PAYLOAD_LIMITED);
	out->tls_unmatched = fl_counter_sum(t, FL_COUNTER_TLS_UNMATCHED);
	out->attached = __atomic_load_n(&t->attached_count, __ATOMIC_RELAXED);
	out->tls_files = fl_tls_probes_files(t->tls);
	out->flow_evictions = __atomic_load_n(&t->sweep.evictions, __ATOMIC_RELAXED);
}

static void fl_tracer_lost(void *backend, __u64 *lost)
{
	*lost = fl_counter_sum(backend, FL_COUNTER_LOST);
}

static void fl_tracer_close(void *backend)
{
	struct fl_tracer *t = backend;
	__u32 i;

	fl_tls_probes_stop(t->tls);
	for (i = 0; i < t->attached_count; i++)
		fl_release(&t->attached[i]);
	bpf_link__destroy(t->drops);
	bpf_link__destroy(t->tls_send);
	bpf_link__destroy(t->tls_recv);
	ring_buffer__free(t->ring);
	flowlens_bpf__destroy(t->skel);
	free(t->attached);
	free(t);
}

static int fl_tracer_open_tls(struct fl_tracer *t)
{
	t->tls_send = bpf_program__attach(t->skel->progs.fl_tls_sock_send);
	if (!t->tls_send)
		return -errno;
	t->tls_recv = bpf_program__attach(t->skel->progs.fl_tls_sock_recv);
	if (!t->tls_recv)
		return -errno;
	return fl_tls_probes_start(t->skel->progs.fl_ssl_enter, t->skel->progs.fl_ssl_return, &t->tls);
}

int fl_tracer_open(const struct fl_session_config *cfg, void **backend)
{
	struct fl_tracer *t = calloc(1, sizeof(*t));
	unsigned programs = FL_PROG_TC;
	int err;

	if (!t)
		return -ENOMEM;
	t->tc_attach = cfg->tc_attach;
	t->aggregate = cfg->aggregate != 0;
	t->report_interval_ns = (__u64)(cfg->report_interval_ms ? cfg->report_interval_ms : 1) * 1000000ULL;
	t->possible_cpus = libbpf_num_possible_cpus();
	if (t->possible_cpus <= 0) {
		err = t->possible_cpus;
		goto fail;
	}
	if (cfg->capture_drops)
		programs |= FL_PROG_DROPS;
	if (cfg->tls_plaintext)
		programs |= FL_PROG_TLS;
	err = fl_bpf_load(cfg, programs, &t->skel);
	if (err)
		goto fail;
	fl_sweep_init(&t->sweep, bpf_program__fd(t->skel->progs.fl_sweep), bpf_map__fd(t->skel->maps.fl_counters),
		      t->report_interval_ns);
	t->ring = ring_buffer__new(bpf_map__fd(t->skel->maps.fl_events), fl_tracer_sample, t, NULL);
	if (!t->ring) {
		err = -errno;
		goto fail;
	}
	if (cfg->capture_drops) {
		t->drops = bpf_program__attach(t->skel->progs.fl_kfree_skb);
		if (!t->drops) {
			err = -errno;
			goto fail;
		}
	}
	if (cfg->tls_plaintext) {
		err = fl_tracer_open_tls(t);
		if (err)
			goto fail;
	}
	*backend = t;
	return 0;
fail:
	fl_tracer_close(t);
	return err;
}

const struct fl_backend_ops fl_tracer_ops = {
	.attach = fl_tracer_attach,
	.detach = fl_tracer_detach,
	.drain = fl_tracer_drain,
	.lost = fl_tracer_lost,
	.wait_fd = fl_tracer_wait_fd,
	.stats = fl_tracer_stats,
	.close = fl_tracer_close,
	.lost_stage = FL_LOST_KERNEL_RING,
};
