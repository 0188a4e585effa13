/* The capability probe: tries each thing the agent may need, for real, and undoes it. */
#include <dlfcn.h>
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "internal.h"
#include "flowlens.skel.h"

#define FL_PROBE_RING_BYTES 4096u
#define FL_PROBE_FLOW_ENTRIES 64u

static int fl_probe_btf(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int err = libbpf_get_error(btf);

	if (err)
		return err < 0 ? err : -ENOENT;
	btf__free(btf);
	return 0;
}

static int fl_probe_ringbuf(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "fl_probe_ring", 0, 0, FL_PROBE_RING_BYTES, NULL);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int fl_probe_af_packet(void)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int fl_probe_clsact(int prog_fd, __u32 ifindex)
{
	int created = 0;
	int err = fl_clsact_attach(prog_fd, ifindex, 0, FL_TC_PROBE_HANDLE, &created);

	if (!err)
		err = fl_clsact_detach(ifindex, 0, FL_TC_PROBE_HANDLE);
	if (created)
		fl_clsact_destroy_qdisc(ifindex);
	return err;
}

static int fl_probe_tcx(int prog_fd, __u32 ifindex)
{
	int fd = fl_tcx_attach(prog_fd, ifindex, 0);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/* The real TC program attached both ways on lo. */
static void fl_probe_tc(struct flowlens_bpf *skel, __s32 *results)
{
	__u32 lo = if_nametoindex("lo");
	int prog_fd = bpf_program__fd(skel->progs.fl_tc_ingress);

	results[FL_CAP_TC_ATTACH] = lo ? fl_probe_clsact(prog_fd, lo) : -ENODEV;
	results[FL_CAP_TCX_ATTACH] = lo ? fl_probe_tcx(prog_fd, lo) : -ENODEV;
}

static int fl_probe_tracepoint(struct flowlens_bpf *skel)
{
	struct bpf_link *link = bpf_program__attach(skel->progs.fl_kfree_skb);
	int err = link ? 0 : -errno;

	bpf_link__destroy(link);
	return err;
}

/* A uprobe on fl_probe itself, in this library, for this process only. */
static int fl_probe_uprobe(struct flowlens_bpf *skel)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = "fl_probe");
	struct bpf_link *link;
	Dl_info self;
	int err;

	if (!dladdr((void *)fl_probe, &self) || !self.dli_fname)
		return -ENOENT;
	link = bpf_program__attach_uprobe_opts(skel->progs.fl_probe_uprobe, getpid(), self.dli_fname, 0, &opts);
	err = link ? 0 : -errno;
	bpf_link__destroy(link);
	return err;
}

/* Loads the programs and runs check on them; a load failure is the result. */
static int fl_probe_loaded(const struct fl_session_config *cfg, unsigned programs, int (*check)(struct flowlens_bpf *))
{
	struct flowlens_bpf *skel;
	int err = fl_bpf_load(cfg, programs, &skel);

	if (err)
		return err;
	err = check(skel);
	flowlens_bpf__destroy(skel);
	return err;
}

/* All programs in one load when the verifier takes them; otherwise each on its own, so that
 * one rejected program does not hide whether the others work. */
static void fl_probe_programs(const struct fl_session_config *cfg, __s32 *results)
{
	struct flowlens_bpf *skel;
	int err = fl_bpf_load(cfg, FL_PROG_TC | FL_PROG_DROPS | FL_PROG_UPROBE, &skel);

	if (!err) {
		results[FL_CAP_BPF_PROG_LOAD] = 0;
		fl_probe_tc(skel, results);
		results[FL_CAP_TRACEPOINT] = fl_probe_tracepoint(skel);
		results[FL_CAP_UPROBE] = fl_probe_uprobe(skel);
		flowlens_bpf__destroy(skel);
		return;
	}
	err = fl_bpf_load(cfg, FL_PROG_TC, &skel);
	results[FL_CAP_BPF_PROG_LOAD] = err;
	if (err) {
		results[FL_CAP_TC_ATTACH] = err;
		results[FL_CAP_TCX_ATTACH] = err;
	} else {
		fl_probe_tc(skel, results);
		flowlens_bpf__destroy(skel);
	}
	results[FL_CAP_TRACEPOINT] = fl_probe_loaded(cfg, FL_PROG_DROPS, fl_probe_tracepoint);
	results[FL_CAP_UPROBE] = fl_probe_loaded(cfg, FL_PROG_UPROBE, fl_probe_uprobe);
}

FL_EXPORT int fl_probe(__s32 *results)
{
	struct fl_session_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.mode = FL_MODE_TRACER;
	cfg.aggregate = 1;
	cfg.report_interval_ms = 1000;
	cfg.flow_table_size = FL_PROBE_FLOW_ENTRIES;
	cfg.ring_bytes = FL_PROBE_RING_BYTES;

	results[FL_CAP_BTF] = fl_probe_btf();
	results[FL_CAP_RINGBUF] = fl_probe_ringbuf();
	fl_probe_programs(&cfg, results);
	results[FL_CAP_AF_PACKET] = fl_probe_af_packet();
	return 0;
}
