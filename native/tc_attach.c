/* TC attachment through tcx links (vanish with the process) or clsact filters (survive it,
 * so they carry a fixed handle and priority and can be found again). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "internal.h"

/* libbpf 1.1 and the 6.1 uapi headers predate tcx; the kernel knows these attach types. */
#define FL_BPF_TCX_INGRESS 46
#define FL_BPF_TCX_EGRESS 47

int fl_tcx_attach(int prog_fd, __u32 ifindex, int egress)
{
	int fd = bpf_link_create(prog_fd, (int)ifindex,
				 (enum bpf_attach_type)(egress ? FL_BPF_TCX_EGRESS : FL_BPF_TCX_INGRESS), NULL);

	return fd < 0 ? -errno : fd;
}

int fl_clsact_attach(int prog_fd, __u32 ifindex, int egress, __u32 handle, int *created_qdisc)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
		    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = FL_TC_PRIORITY, .prog_fd = prog_fd,
		    .flags = BPF_TC_F_REPLACE);
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST)
		return err;
	if (created_qdisc)
		*created_qdisc = !err;
	return bpf_tc_attach(&hook, &opts);
}

int fl_clsact_detach(__u32 ifindex, int egress, __u32 handle)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
		    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = FL_TC_PRIORITY);

	return bpf_tc_detach(&hook, &opts);
}

int fl_clsact_destroy_qdisc(__u32 ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex, .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

	return bpf_tc_hook_destroy(&hook);
}

/* 1 when the clsact filter with this handle runs one of our programs. */
static int fl_clsact_is_ours(__u32 ifindex, int egress, __u32 handle)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
		    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = FL_TC_PRIORITY);
	struct bpf_prog_info info;
	__u32 info_len = sizeof(info);
	int fd, err;

	err = bpf_tc_query(&hook, &opts);
	if (err)
		return err == -ENOENT || err == -EINVAL || err == -ENODEV ? 0 : err;
	fd = bpf_prog_get_fd_by_id(opts.prog_id);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &info_len);
	close(fd);
	if (err)
		return err;
	return strncmp(info.name, FL_TC_PROG_NAME_PREFIX, strlen(FL_TC_PROG_NAME_PREFIX)) == 0;
}

FL_EXPORT int fl_remove_stale(__u32 ifindex)
{
	static const __u32 handles[] = { FL_TC_HANDLE, FL_TC_PROBE_HANDLE };
	int removed = 0;
	unsigned h;
	int egress;

	for (h = 0; h < sizeof(handles) / sizeof(handles[0]); h++) {
		for (egress = 0; egress <= 1; egress++) {
			int ours = fl_clsact_is_ours(ifindex, egress, handles[h]);
			int err;

			if (ours < 0)
				return ours;
			if (!ours)
				continue;
			err = fl_clsact_detach(ifindex, egress, handles[h]);
			if (err && err != -ENOENT)
				return err;
			removed++;
		}
	}
	return removed;
}
