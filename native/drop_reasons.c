/* The kernel's own drop reason names, read from BTF: the values of enum skb_drop_reason
 * differ between kernels, so they are never compiled in. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "internal.h"

#define FL_DROP_REASON_PREFIX "SKB_DROP_REASON_"

FL_EXPORT int fl_drop_reason_names(char *buf, __u32 len)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const struct btf_type *t;
	const struct btf_enum *e;
	__u32 written = 0;
	int id, i, err = 0;

	if (libbpf_get_error(btf))
		return (int)libbpf_get_error(btf);
	id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);
	if (id < 0) {
		btf__free(btf);
		return id;
	}
	t = btf__type_by_id(btf, (__u32)id);
	e = btf_enum(t);
	for (i = 0; i < btf_vlen(t); i++, e++) {
		const char *name = btf__name_by_offset(btf, e->name_off);
		int n;

		if (!name)
			continue;
		if (strncmp(name, FL_DROP_REASON_PREFIX, strlen(FL_DROP_REASON_PREFIX)) == 0)
			name += strlen(FL_DROP_REASON_PREFIX);
		n = snprintf(buf + written, len - written, "%u %s\n", (__u32)e->val, name);
		if (n < 0 || (__u32)n >= len - written) {
			err = -ENOSPC;
			break;
		}
		written += (__u32)n;
	}
	btf__free(btf);
	return err ? err : (int)written;
}
