/* Tracer mode's periodic report of the flow table, run in the kernel: the fl_sweep program
 * (flowlens.bpf.c) walks every entry and reports what is due into the ring buffer, exchanging
 * counts atomically with the packet path, so that no packet counted meanwhile is lost. */
#ifndef FLOWLENS_SWEEP_H
#define FLOWLENS_SWEEP_H

/* The sweep leaves entries for its next run while less than 1/FL_SWEEP_RING_SHARE of the ring
 * is free. */
#define FL_SWEEP_RING_SHARE 4

/* What a run did (the program's context, written back by BPF_PROG_TEST_RUN). */
struct fl_sweep_result {
	__u32 reported;  /* records written */
	__u32 deferred;  /* entries due but left for the next run: the ring was short of room */
	__u32 live;      /* entries in the table */
	__u32 pad;
};

#ifndef __bpf__
struct fl_sweep {
	int prog_fd;
	int counters_fd;   /* fl_counters: entries started, to tell evictions */
	int possible_cpus;
	__u64 period_ns;
	__u64 next_ns;
	int incomplete;  /* the last run deferred entries: run again soon */
	struct fl_sweep_result last;
	__u64 runs;
	__u64 evictions;   /* entries the LRU took back from a connection: started minus alive */
};

void fl_sweep_init(struct fl_sweep *s, int prog_fd, int counters_fd, __u64 report_interval_ns);
/* Called by the capture loop on every drain (now: CLOCK_MONOTONIC): runs the sweep every half
 * report interval (at least every FL_SWEEP_MIN_PERIOD_NS), and again 10 ms after a run that left
 * entries behind. Returns 0 or -errno. */
int fl_sweep_tick(struct fl_sweep *s, __u64 now);
#endif

#endif
