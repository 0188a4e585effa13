#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "sweep.h"

#define FL_SWEEP_MIN_PERIOD_NS 100000000ULL

void fl_sweep_init(struct fl_sweep *s, int prog_fd, __u64 report_interval_ns)
{
	memset(s, 0, sizeof(*s));
	s->prog_fd = prog_fd;
	s->period_ns = report_interval_ns / 2 > FL_SWEEP_MIN_PERIOD_NS ? report_interval_ns / 2 : FL_SWEEP_MIN_PERIOD_NS;
}

int fl_sweep_tick(struct fl_sweep *s, __u64 now)
{
	struct fl_sweep_result result = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &result, .ctx_size_in = sizeof(result));

	if (s->prog_fd < 0 || (!s->incomplete && now < s->next_ns))
		return 0;
	if (bpf_prog_test_run_opts(s->prog_fd, &opts))
		return -errno;
	s->last = result;
	s->runs++;
	s->incomplete = result.deferred != 0;
	if (!s->incomplete)
		s->next_ns = now + s->period_ns;
	return 0;
}
