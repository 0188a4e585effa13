/* struct fl_record's layout as this compiler laid it out, for the test that holds
 * src/native/records.ts to it. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include "internal.h"

#define FL_FIELD(name) { #name, offsetof(struct fl_record, name), sizeof(((struct fl_record *)0)->name) }

static const struct {
	const char *name;
	size_t offset;
	size_t size;
} fl_record_fields[] = {
	FL_FIELD(size),        FL_FIELD(kind),      FL_FIELD(reason),        FL_FIELD(ifindex),
	FL_FIELD(time_ns),     FL_FIELD(packets),   FL_FIELD(bytes),         FL_FIELD(saddr),
	FL_FIELD(daddr),       FL_FIELD(sport),     FL_FIELD(dport),         FL_FIELD(family),
	FL_FIELD(protocol),    FL_FIELD(direction), FL_FIELD(tcp_flags),     FL_FIELD(icmp_type),
	FL_FIELD(icmp_code),   FL_FIELD(payload_len), FL_FIELD(drop_reason), FL_FIELD(payload_total),
	FL_FIELD(pid),         FL_FIELD(aux),
	{ "record", 0, sizeof(struct fl_record) },
};

FL_EXPORT int fl_record_layout(char *buf, __u32 len)
{
	__u32 used = 0;
	size_t i;

	for (i = 0; i < sizeof(fl_record_fields) / sizeof(fl_record_fields[0]); i++) {
		int n = snprintf(buf + used, len - used, "%s %zu %zu\n", fl_record_fields[i].name,
				 fl_record_fields[i].offset, fl_record_fields[i].size);

		if (n < 0 || (__u32)n >= len - used)
			return -ENOSPC;
		used += (__u32)n;
	}
	return (int)used;
}
