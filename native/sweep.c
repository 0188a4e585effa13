#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "sweep.h"
#include "bpf_counters.h"

#define FL_SWEEP_MIN_PERIOD_NS 100000000ULL
/* After a run that left entries for want of ring room: long enough for the drain to make room,
 * short against the report interval. */
#define FL_SWEEP_RETRY_NS 10000000ULL

void fl_sweep_init(struct fl_sweep *s, int prog_fd, int counters_fd, __u64 report_interval_ns)
{
	memset(s, 0, sizeof(*s));
	s->prog_fd = prog_fd;
	s->counters_fd = counters_fd;
	s->possible_cpus = libbpf_num_possible_cpus();
	s->period_ns = report_interval_ns / 2 > FL_SWEEP_MIN_PERIOD_NS ? report_interval_ns / 2 : FL_SWEEP_MIN_PERIOD_NS;
}

static __u64 fl_sweep_started(struct fl_sweep *s)
{
	__u32 which = FL_COUNTER_FLOWS_STARTED;
	__u64 values[s->possible_cpus > 0 ? s->possible_cpus : 1];
	__u64 sum = 0;
	int i;

	if (s->possible_cpus <= 0 || bpf_map_lookup_elem(s->counters_fd, &which, values))
		return 0;
	for (i = 0; i < s->possible_cpus; i++)
		sum += values[i];
	return sum;
}

int fl_sweep_tick(struct fl_sweep *s, __u64 now)
{
	struct fl_sweep_result result = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &result, .ctx_size_in = sizeof(result));
	__u64 started;

	if (s->prog_fd < 0 || now < s->next_ns)
		return 0;
	/* Every entry started before the run is either alive (the run counts it) or evicted. */
	started = fl_sweep_started(s);
	if (bpf_prog_test_run_opts(s->prog_fd, &opts))
		return -errno;
	s->last = result;
	s->runs++;
	if (started > result.live && started - result.live > s->evictions)
		s->evictions = started - result.live;
	s->incomplete = result.deferred != 0;
	s->next_ns = now + (s->incomplete ? FL_SWEEP_RETRY_NS : s->period_ns);
	return 0;
}
