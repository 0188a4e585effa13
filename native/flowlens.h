/* The C API of libflowlens.so, called from TypeScript through ffi-rs
 * (src/native/binding.ts is its only caller). Every function returns 0 or a
 * non-negative count on success and -errno on failure. Structures cross the
 * boundary as byte buffers owned by the caller, with the layouts below
 * (src/native/binding.ts mirrors the offsets). */
#ifndef FLOWLENS_H
#define FLOWLENS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#include "record.h"

/* Capabilities the probe tries for real; each slot gets 0 or -errno. */
enum fl_capability {
	FL_CAP_BTF = 0,           /* /sys/kernel/btf/vmlinux readable */
	FL_CAP_BPF_PROG_LOAD,     /* the agent's real BPF object loads (verifier passes) */
	FL_CAP_RINGBUF,           /* a BPF ring buffer map can be created */
	FL_CAP_TC_ATTACH,         /* the real TC program attaches through clsact */
	FL_CAP_TCX_ATTACH,        /* the real TC program attaches through tcx */
	FL_CAP_TRACEPOINT,        /* the drop tracepoint (tp_btf/kfree_skb) attaches */
	FL_CAP_UPROBE,            /* a uprobe attaches (needed for TLS plaintext) */
	FL_CAP_AF_PACKET,         /* an AF_PACKET socket opens */
	FL_CAP_COUNT
};

enum fl_mode {
	FL_MODE_TRACER = 1,
	FL_MODE_BASE = 2,
};

enum fl_tc_attach {
	FL_TC_AUTO = 0,   /* tcx, falling back to clsact */
	FL_TC_TCX = 1,
	FL_TC_CLSACT = 2,
};

#define FL_MAX_SKIP_PORTS 64
#define FL_MAX_PAYLOAD_PORTS 32

struct fl_session_config {
	__u32 mode;                   /* enum fl_mode */
	__u32 aggregate;              /* 1: one record per flow event and report interval; 0: per packet */
	__u32 report_interval_ms;     /* periodic flow report */
	__u32 flow_table_size;        /* LRU entries */
	__u32 ring_bytes;             /* BPF ring buffer size; base mode: TPACKET ring per interface */
	__u32 skip_port_count;
	__u16 skip_ports[FL_MAX_SKIP_PORTS];   /* TCP/UDP ports never turned into records (either end) */
	__u32 payload_port_count;
	__u16 payload_ports[FL_MAX_PAYLOAD_PORTS]; /* ports whose payload start is carried (L7) */
	__u32 capture_drops;          /* tracer: attach tp_btf/kfree_skb */
	__u32 tc_attach;              /* tracer: enum fl_tc_attach */
	__u32 tls_plaintext;          /* tracer: OpenSSL uprobes on every binary and library that carries it */
	__u32 payload_rate;           /* payload records per second, per CPU (tracer) or session (base); 0: default */
	__u32 queue_bytes;            /* the session's queue of records for fl_session_take; 0: 16 MiB */
};

struct fl_stats {
	__u64 records;        /* records handed out by fl_session_take (loss records not counted) */
	__u64 lost;           /* records lost: failed ring reservations (tracer) or PACKET_STATISTICS drops (base) */
	__u64 malformed;      /* packets too short or inconsistent to parse */
	__u64 packets;        /* packets seen by the capture */
	__u64 skipped;        /* packets on skip ports */
	__u32 attached;       /* interfaces attached */
	__u32 tls_files;      /* binaries and libraries with OpenSSL uprobes attached */
	__u64 payload_limited; /* payload packets over the rate limit, aggregated instead */
	__u64 tls_unmatched;  /* TLS plaintext dropped: its TCP connection was not seen */
	__u64 flow_evictions; /* flow-table entries taken from a connection for another (table full) */
	__u64 produced;       /* records the capture thread made: queued, or lost at the queue */
	__u64 lost_queue;     /* records that did not fit in the session's queue */
};

/* src/native/binding.ts writes and reads these layouts byte by byte; fl_struct_layout
 * reports them to the test that holds the two in step. */

#define FL_EXPORT __attribute__((visibility("default")))

FL_EXPORT int fl_probe(__s32 *results /* [FL_CAP_COUNT] */);
/* Returns a session id; its capture thread runs until fl_session_stop or fl_session_close. */
FL_EXPORT int fl_session_open(const struct fl_session_config *cfg);
FL_EXPORT int fl_session_attach(int session, __u32 ifindex);              /* ingress and egress */
FL_EXPORT int fl_session_detach(int session, __u32 ifindex);
/* Never waits: copies the whole records queued that fit in buf (buf_len >= FL_MAX_RECORD_BYTES),
 * FL_REC_LOST records among them where records were lost; returns the bytes. */
FL_EXPORT int fl_session_take(int session, __u8 *buf, __u32 buf_len);
/* Stops the capture thread after a last drain; what it queued can still be taken. */
FL_EXPORT int fl_session_stop(int session);
/* Never waits for the capture thread. */
FL_EXPORT int fl_session_stats(int session, struct fl_stats *out);
FL_EXPORT int fl_session_close(int session);
FL_EXPORT int fl_remove_stale(__u32 ifindex);                             /* our clsact filters left by a killed agent */
/* "<value> <NAME>\n" per kernel enum skb_drop_reason value (BTF), names without SKB_DROP_REASON_;
 * returns the bytes written (no terminating NUL), -ENOSPC when buf is too small. */
FL_EXPORT int fl_drop_reason_names(char *buf, __u32 len);
/* "<struct> <field> <offset> <size>\n" per field of struct fl_record ("record"),
 * fl_session_config ("session_config") and fl_stats ("stats"), each followed by
 * "<struct> * 0 <sizeof>\n"; returns the bytes written (no terminating NUL), -ENOSPC when buf
 * is too small. */
FL_EXPORT int fl_struct_layout(char *buf, __u32 len);

#endif
