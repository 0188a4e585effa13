#include "internal.h"

__u64 fl_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

__s64 fl_wall_minus_mono_ns(void)
{
	__u64 best_gap = ~0ULL;
	__s64 best = 0;
	int i;

	/* The tightest of a few mono-real-mono samples. */
	for (i = 0; i < 3; i++) {
		__u64 before = fl_clock_ns(CLOCK_MONOTONIC);
		__u64 wall = fl_clock_ns(CLOCK_REALTIME);
		__u64 after = fl_clock_ns(CLOCK_MONOTONIC);

		if (after - before < best_gap) {
			best_gap = after - before;
			best = (__s64)(wall - (before + (after - before) / 2));
		}
	}
	return best;
}
