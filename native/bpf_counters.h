/* Per-CPU counters kept by the kernel programs (the fl_counters map), read by the loader. */
#ifndef FLOWLENS_BPF_COUNTERS_H
#define FLOWLENS_BPF_COUNTERS_H

enum fl_counter {
	FL_COUNTER_PACKETS = 0,   /* packets seen by the TC programs */
	FL_COUNTER_SKIPPED,       /* packets on skip ports */
	FL_COUNTER_MALFORMED,     /* packets whose headers did not parse */
	FL_COUNTER_LOST,          /* failed ring buffer reservations = records lost */
	FL_COUNTER_PAYLOAD_LIMITED, /* payload packets over the rate limit (aggregated instead) */
	FL_COUNTER_TLS_UNMATCHED, /* TLS plaintext whose TCP connection was not seen: no record */
	FL_COUNTER_FLOWS_STARTED, /* entries made in the flow table (minus those alive: evicted) */
	FL_COUNTER_COUNT
};

#endif
