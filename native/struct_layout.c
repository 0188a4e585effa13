/* The layout of every structure the TypeScript binding reads or writes, as this compiler laid
 * it out, for the tests that hold src/native/records.ts and src/native/binding.ts to it. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include "internal.h"

#define FL_FIELD(type, prefix, name) { prefix, #name, offsetof(struct type, name), sizeof(((struct type *)0)->name) }
#define FL_RECORD(name) FL_FIELD(fl_record, "record", name)
#define FL_CONFIG(name) FL_FIELD(fl_session_config, "session_config", name)
#define FL_STATS(name) FL_FIELD(fl_stats, "stats", name)

static const struct {
	const char *structure;
	const char *name;
	size_t offset;
	size_t size;
} fl_fields[] = {
	FL_RECORD(size),        FL_RECORD(kind),        FL_RECORD(reason),        FL_RECORD(ifindex),
	FL_RECORD(time_ns),     FL_RECORD(packets),     FL_RECORD(bytes),         FL_RECORD(saddr),
	FL_RECORD(daddr),       FL_RECORD(sport),       FL_RECORD(dport),         FL_RECORD(family),
	FL_RECORD(protocol),    FL_RECORD(direction),   FL_RECORD(tcp_flags),     FL_RECORD(icmp_type),
	FL_RECORD(icmp_code),   FL_RECORD(payload_len), FL_RECORD(drop_reason),   FL_RECORD(payload_total),
	FL_RECORD(pid),         FL_RECORD(aux),
	{ "record", "*", 0, sizeof(struct fl_record) },

	FL_CONFIG(mode),              FL_CONFIG(aggregate),         FL_CONFIG(report_interval_ms),
	FL_CONFIG(flow_table_size),   FL_CONFIG(ring_bytes),        FL_CONFIG(skip_port_count),
	FL_CONFIG(skip_ports),        FL_CONFIG(payload_port_count), FL_CONFIG(payload_ports),
	FL_CONFIG(capture_drops),     FL_CONFIG(tc_attach),         FL_CONFIG(tls_plaintext),
	FL_CONFIG(payload_rate),      FL_CONFIG(queue_bytes),
	{ "session_config", "*", 0, sizeof(struct fl_session_config) },

	FL_STATS(records),         FL_STATS(lost),            FL_STATS(malformed),     FL_STATS(packets),
	FL_STATS(skipped),         FL_STATS(attached),        FL_STATS(tls_files),     FL_STATS(payload_limited),
	FL_STATS(tls_unmatched),   FL_STATS(flow_evictions),  FL_STATS(produced),      FL_STATS(lost_queue),
	{ "stats", "*", 0, sizeof(struct fl_stats) },
};

FL_EXPORT int fl_struct_layout(char *buf, __u32 len)
{
	__u32 used = 0;
	size_t i;

	for (i = 0; i < sizeof(fl_fields) / sizeof(fl_fields[0]); i++) {
		int n = snprintf(buf + used, len - used, "%s %s %zu %zu\n", fl_fields[i].structure, fl_fields[i].name,
				 fl_fields[i].offset, fl_fields[i].size);

		if (n < 0 || (__u32)n >= len - used)
			return -ENOSPC;
		used += (__u32)n;
	}
	return (int)used;
}
