#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "flow_table.h"

#define FL_FLOW_TABLE_PROBE 8u
#define FL_FLOW_TABLE_MAX_ENTRIES (1u << 24)
#define FL_FNV_OFFSET 2166136261u
#define FL_FNV_PRIME 16777619u

int fl_flow_table_init(struct fl_flow_table *t, __u32 min_entries)
{
	__u32 size = FL_FLOW_TABLE_PROBE;

	while (size < min_entries && size < FL_FLOW_TABLE_MAX_ENTRIES)
		size <<= 1;
	t->entries = calloc(size, sizeof(*t->entries));
	if (!t->entries)
		return -ENOMEM;
	t->mask = size - 1;
	return 0;
}

void fl_flow_table_free(struct fl_flow_table *t)
{
	free(t->entries);
	t->entries = NULL;
}

static __u32 fl_flow_hash(const struct fl_conn_key *key)
{
	const __u8 *p = (const __u8 *)key;
	__u32 h = FL_FNV_OFFSET;
	size_t i;

	for (i = 0; i < sizeof(*key); i++)
		h = (h ^ p[i]) * FL_FNV_PRIME;
	return h;
}

struct fl_flow_entry *fl_flow_table_slot(struct fl_flow_table *t, const struct fl_conn_key *key, int *found)
{
	__u32 start = fl_flow_hash(key);
	struct fl_flow_entry *victim = NULL;
	__u32 i;

	for (i = 0; i < FL_FLOW_TABLE_PROBE; i++) {
		struct fl_flow_entry *e = &t->entries[(start + i) & t->mask];

		if (!e->used) {
			if (!victim || victim->used)
				victim = e;
			continue;
		}
		if (memcmp(&e->key, key, sizeof(*key)) == 0) {
			*found = 1;
			return e;
		}
		if (!victim || (victim->used && e->state.last_seen_ns < victim->state.last_seen_ns))
			victim = e;
	}
	*found = 0;
	return victim;
}
