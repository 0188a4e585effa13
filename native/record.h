/* Fixed-layout records shared by the kernel programs, the AF_PACKET capture and
 * the TypeScript binding (src/native/records.ts mirrors this file; keep them in step).
 * Fixed-width fields, explicit padding, little-endian host order for numbers,
 * network order for addresses. Every record size is a multiple of 8. */
#ifndef FLOWLENS_RECORD_H
#define FLOWLENS_RECORD_H

#define FL_PAYLOAD_MAX 512

enum fl_record_kind {
	FL_REC_FLOW = 1,    /* an L3/L4 flow report (aggregated or per packet) */
	FL_REC_DROP = 2,    /* a packet freed by the kernel with a drop reason */
	FL_REC_PAYLOAD = 4, /* one packet on a payload port, followed by the first bytes of its L4 payload */
	FL_REC_TLS = 5,     /* plaintext read or written through OpenSSL (uprobes) */
	FL_REC_LOST = 6,    /* user space only: records lost at a stage, where they were lost in the
	                     * stream (aux: enum fl_lost_stage, packets: how many, time_ns: when seen) */
	FL_REC_LINK = 7,    /* user space only: an interface appeared or vanished (ifindex; aux: enum
	                     * fl_link_event), followed by its name (payload_len bytes, padded to 8) */
};

enum fl_link_event {
	FL_LINK_NEW = 1,     /* RTM_NEWLINK: created, or changed */
	FL_LINK_DEL = 2,     /* RTM_DELLINK */
	FL_LINK_RESCAN = 3,  /* events were missed: look at every interface again */
};

/* Where on the way to TypeScript records were lost. */
enum fl_lost_stage {
	FL_LOST_KERNEL_RING = 1,  /* tracer: ring buffer reservations that failed (per-CPU counter) */
	FL_LOST_PACKET_RING = 2,  /* base: frames the AF_PACKET ring dropped (PACKET_STATISTICS) */
	FL_LOST_QUEUE = 3,        /* records that did not fit in the session's native queue */
};

enum fl_emit_reason {
	FL_EMIT_NONE = 0,   /* drops and socket events: not a flow-table decision */
	FL_EMIT_NEW = 1,    /* first packet of a flow */
	FL_EMIT_FLAGS = 2,  /* a TCP flag not seen before on this flow (SYN, SYN-ACK, FIN, RST) */
	FL_EMIT_REPORT = 3, /* periodic byte/packet report */
	FL_EMIT_PACKET = 4, /* aggregation off: one record per packet */
};

enum fl_direction {
	FL_DIR_INGRESS = 1,
	FL_DIR_EGRESS = 2,
};

/* TCP flag bits as on the wire (byte 13 of the TCP header). */
#define FL_TCP_FIN 0x01
#define FL_TCP_SYN 0x02
#define FL_TCP_RST 0x04
#define FL_TCP_PSH 0x08
#define FL_TCP_ACK 0x10
#define FL_TCP_URG 0x20
#define FL_TCP_ECE 0x40
#define FL_TCP_CWR 0x80

struct fl_record {
	__u16 size;        /* bytes of this record including any payload */
	__u8 kind;         /* enum fl_record_kind */
	__u8 reason;       /* enum fl_emit_reason */
	__u32 ifindex;     /* FL_REC_DROP: the device in the namespace where the packet was freed (0 if none) */
	__u64 time_ns;     /* wall clock, ns since the epoch (the loader converts kernel time) */
	__u64 packets;     /* FL_REC_FLOW: packets of the connection at this interface (both ways) since its last record */
	__u64 bytes;       /* the same in bytes (whole frames, L2 included) */
	__u8 saddr[16];    /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	__u16 sport;       /* host order */
	__u16 dport;
	__u8 family;       /* 4 or 6 */
	__u8 protocol;     /* IPPROTO_* */
	__u8 direction;    /* enum fl_direction */
	__u8 tcp_flags;    /* union of TCP flags counted in packets */
	__u8 icmp_type;
	__u8 icmp_code;
	__u16 payload_len; /* FL_REC_PAYLOAD / FL_REC_TLS: valid bytes after the record */
	union {
		__u32 drop_reason;   /* FL_REC_DROP: kernel enum skb_drop_reason */
		__u32 payload_total; /* FL_REC_PAYLOAD: L4 payload bytes of the packet; FL_REC_TLS: bytes of the call */
	};
	__u32 pid;         /* FL_REC_TLS: process (host PID namespace); otherwise 0 */
	__u32 aux;         /* FL_REC_DROP: network namespace inode;
	                    * FL_REC_LOST: enum fl_lost_stage;
	                    * FL_REC_PAYLOAD: packet identity (TCP sequence number; UDP: IPv4 id << 16 | checksum),
	                    * the same at every observation point; FL_REC_TLS: FL_TLS_READ or FL_TLS_WRITE */
};

enum fl_tls_direction {
	FL_TLS_READ = 1,
	FL_TLS_WRITE = 2,
};

/* FL_REC_PAYLOAD and FL_REC_TLS: struct fl_record, then payload_len bytes, padded to 8 (size says how much). */
struct fl_payload_record {
	struct fl_record rec;
	__u8 payload[FL_PAYLOAD_MAX];
};

#define FL_RECORD_BYTES 88
#define FL_MAX_RECORD_BYTES (FL_RECORD_BYTES + FL_PAYLOAD_MAX)

_Static_assert(sizeof(struct fl_record) == FL_RECORD_BYTES, "src/native/records.ts mirrors this layout");
_Static_assert((FL_PAYLOAD_MAX & (FL_PAYLOAD_MAX - 1)) == 0, "payload_capture.h bounds lengths with a mask");

#endif
