/* Declarations shared by the files of libflowlens.so (not part of the C API). */
#ifndef FLOWLENS_INTERNAL_H
#define FLOWLENS_INTERNAL_H

#include <pthread.h>
#include <time.h>
#include "flowlens.h"

/* Fixed identity of our clsact filters, so that stale ones left by a killed agent can be
 * found and removed. Priority 1 runs first, before filters that may redirect or drop. */
#define FL_TC_PRIORITY 1
#define FL_TC_HANDLE 0x464c        /* sessions */
#define FL_TC_PROBE_HANDLE 0x464d  /* the capability probe, on lo */
#define FL_TC_PROG_NAME_PREFIX "fl_tc_"

/* clock.c */
__u64 fl_clock_ns(clockid_t clock);
/* CLOCK_REALTIME minus CLOCK_MONOTONIC, to turn kernel (monotonic) times into wall clock. */
__s64 fl_wall_minus_mono_ns(void);

/* tc_attach.c: return 0 / a link fd, or -errno */
int fl_tcx_attach(int prog_fd, __u32 ifindex, int egress);
int fl_clsact_attach(int prog_fd, __u32 ifindex, int egress, __u32 handle, int *created_qdisc);
int fl_clsact_detach(__u32 ifindex, int egress, __u32 handle);
int fl_clsact_destroy_qdisc(__u32 ifindex);

/* tracer.c: which programs of the BPF object to load */
#define FL_PROG_TC 0x1
#define FL_PROG_DROPS 0x2
#define FL_PROG_UPROBE 0x8
#define FL_PROG_TLS 0x10  /* OpenSSL uprobes and the socket tracepoints that place their plaintext */
struct flowlens_bpf;
int fl_bpf_load(const struct fl_session_config *cfg, unsigned programs, struct flowlens_bpf **out);

/* A capture backend behind a session. attach, detach, drain and lost run with the session
 * lock held (drain and lost on the capture thread); stats runs without it, concurrently with
 * them, and reads only what stays valid (atomics, map lookups). */
struct fl_backend_ops {
	int (*attach)(void *backend, __u32 ifindex);
	int (*detach)(void *backend, __u32 ifindex);
	/* Copies whole records into buf (wall-clock times); returns bytes written. */
	__u32 (*drain)(void *backend, __u8 *buf, __u32 len);
	/* Cumulative records the capture ring lost (kernel ring buffer, AF_PACKET ring), into *lost. */
	void (*lost)(void *backend, __u64 *lost);
	/* An fd that becomes readable when records are likely waiting. */
	int (*wait_fd)(void *backend);
	void (*stats)(void *backend, struct fl_stats *out);
	void (*close)(void *backend);
	__u32 lost_stage;  /* enum fl_lost_stage of what lost() counts */
};

/* link_events.c: an rtnetlink socket on RTMGRP_LINK (fd or -errno), and FL_REC_LINK records
 * of what it has to say (returns their bytes). */
int fl_link_events_open(void);
__u32 fl_link_events_read(int fd, __u8 *buf, __u32 len);

/* capture_thread.c: a session's capture thread and queue of records. */
struct fl_capture;
int fl_capture_start(const struct fl_backend_ops *ops, void *backend, pthread_mutex_t *backend_lock,
		     __u32 queue_bytes, struct fl_capture **out);
/* Joins the thread after its last drain; idempotent. */
void fl_capture_stop(struct fl_capture *c);
int fl_capture_take(struct fl_capture *c, __u8 *buf, __u32 len);
/* records, produced, lost (the ring stage) and lost_queue. */
void fl_capture_stats(struct fl_capture *c, struct fl_stats *out);
void fl_capture_free(struct fl_capture *c);

/* Single writer, any reader: a counter only one thread updates, published without a locked add. */
static inline void fl_publish_add(__u64 *counter, __u64 n)
{
	__atomic_store_n(counter, __atomic_load_n(counter, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

int fl_tracer_open(const struct fl_session_config *cfg, void **backend);
extern const struct fl_backend_ops fl_tracer_ops;
int fl_base_open(const struct fl_session_config *cfg, void **backend);
extern const struct fl_backend_ops fl_base_ops;

#endif
