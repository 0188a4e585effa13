/* Base mode's flow table: fixed size, open addressing over a short probe window, the least
 * recently seen flow of the window evicted when it is full (an approximate LRU, like the
 * kernel's LRU hash in tracer mode). */
#ifndef FLOWLENS_FLOW_TABLE_H
#define FLOWLENS_FLOW_TABLE_H

#include "flowlens.h"
#include "packet.h"
#include "flow_aggregate.h"

struct fl_flow_entry {
	struct fl_conn_key key;
	__u32 used;
	struct fl_flow_state state;
};

struct fl_flow_table {
	struct fl_flow_entry *entries;
	__u32 mask;   /* entries - 1, a power of two minus one */
};

int fl_flow_table_init(struct fl_flow_table *t, __u32 min_entries);
void fl_flow_table_free(struct fl_flow_table *t);
/* The entry holding key (*found = 1), or the slot to start it in (*found = 0; key not yet set). */
struct fl_flow_entry *fl_flow_table_slot(struct fl_flow_table *t, const struct fl_conn_key *key, int *found);

#endif
