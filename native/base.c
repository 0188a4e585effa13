/* Base mode: no eBPF of any kind. One AF_PACKET socket for every interface of the session
 * (ETH_P_ALL, bound to none), one TPACKET_V3 ring, and a classic BPF filter that passes the
 * attached interfaces' packets, cut to a snap length, and nothing else (rebuilt on attach and
 * detach); the shared parser, payload capture and aggregation run here in user space and
 * produce the same records as the kernel programs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include "internal.h"
#include "flow_table.h"
#include "payload_capture.h"

/* Small blocks, many of them: a block retires after FL_BASE_BLOCK_TIMEOUT_MS even when it holds a
 * single packet, so sparse traffic needs many blocks to ride out a slow reader. */
#define FL_BASE_BLOCK_BYTES (128u << 10)
#define FL_BASE_MIN_BLOCKS 8u
#define FL_BASE_MAX_BLOCKS 1024u
#define FL_BASE_FRAME_BYTES 2048u
#define FL_BASE_BLOCK_TIMEOUT_MS 10u
/* Enough for Ethernet, two VLAN tags, IPv6 with extension headers and a TCP header. */
#define FL_BASE_SNAP_BYTES 256u
/* The same headers and FL_PAYLOAD_MAX bytes of payload, when payload ports are set. */
#define FL_BASE_SNAP_PAYLOAD_BYTES (FL_BASE_SNAP_BYTES + FL_PAYLOAD_MAX)
#define FL_MIN_SWEEP_PERIOD_NS 100000000ULL

/* Two instructions per interface (compare, accept) around a load and a final reject. */
#define FL_BASE_MAX_INTERFACES ((BPF_MAXINSNS - 2) / 2)

struct fl_packet_ring {
	int fd;
	__u8 *map;
	__u32 block_bytes;
	__u32 block_count;
	__u32 block;                /* the block read next */
	struct tpacket3_hdr *next;  /* the next packet in a block read part-way, else NULL */
	__u32 packets_left;
	__u64 drops;                /* PACKET_STATISTICS, accumulated (it resets when read) */
};

struct fl_base {
	struct fl_packet_ring *ring;
	__u32 *attached;            /* ifindexes the filter passes */
	__u32 attached_count;
	__u32 attached_cap;
	__u32 snap_bytes;
	int aggregate;
	__u64 report_interval_ns;
	__u16 skip_ports[FL_MAX_SKIP_PORTS];
	__u32 skip_port_count;
	__u16 payload_ports[FL_MAX_PAYLOAD_PORTS];
	__u32 payload_port_count;
	struct fl_payload_budget payload_budget;
	struct fl_payload_rate payload_rate;
	__u64 payload_limited;
	__u64 flow_evictions;
	struct fl_flow_table flows;
	__u32 sweep_cursor;         /* next entry of a sweep in progress; > mask when none is */
	__u64 next_sweep_ns;
	__u64 packets;
	__u64 skipped;
	__u64 malformed;
};

struct fl_frame {
	const __u8 *data;
	__u32 len;
};

static __always_inline int fl_frame_load(const struct fl_frame *f, __u32 off, void *dst, __u32 n)
{
	if (off > f->len || n > f->len - off)
		return -1;
	memcpy(dst, f->data + off, n);
	return 0;
}

#define FL_PARSE_PREFIX fl_parse_frame
#define FL_PARSE_CTX const struct fl_frame
#define FL_LOAD(ctx, off, dst, n) fl_frame_load(ctx, off, dst, n)
#include "packet_parse.h"

static void fl_ring_read_drops(struct fl_packet_ring *r)
{
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);

	if (getsockopt(r->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
		r->drops += st.tp_drops;
}

static void fl_ring_close(struct fl_packet_ring *r)
{
	if (r->map)
		munmap(r->map, (size_t)r->block_bytes * r->block_count);
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

/* Passes the packets of the attached interfaces, cut to the snap length; drops the others. */
static int fl_base_set_filter(struct fl_base *b, int fd)
{
	struct sock_filter code[2 + 2 * FL_BASE_MAX_INTERFACES];
	struct sock_fprog filter = { .filter = code };
	__u32 i, n = 0;

	code[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_IFINDEX);
	for (i = 0; i < b->attached_count; i++) {
		code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, b->attached[i], 0, 1);
		code[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, b->snap_bytes);
	}
	code[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	filter.len = (unsigned short)n;
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &filter, sizeof(filter)) ? -errno : 0;
}

static int fl_ring_open(struct fl_base *b, __u32 ring_bytes, struct fl_packet_ring **out)
{
	struct fl_packet_ring *r = calloc(1, sizeof(*r));
	struct tpacket_req3 req;
	struct sockaddr_ll addr;
	int version = TPACKET_V3;
	__u32 blocks = ring_bytes / FL_BASE_BLOCK_BYTES;
	int err;

	if (!r)
		return -ENOMEM;
	/* Protocol 0: nothing is queued before bind() starts the capture, filter in place. */
	r->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (r->fd < 0) {
		err = -errno;
		free(r);
		return err;
	}
	if (blocks < FL_BASE_MIN_BLOCKS)
		blocks = FL_BASE_MIN_BLOCKS;
	if (blocks > FL_BASE_MAX_BLOCKS)
		blocks = FL_BASE_MAX_BLOCKS;
	memset(&req, 0, sizeof(req));
	req.tp_block_size = FL_BASE_BLOCK_BYTES;
	req.tp_block_nr = blocks;
	req.tp_frame_size = FL_BASE_FRAME_BYTES;
	req.tp_frame_nr = FL_BASE_BLOCK_BYTES / FL_BASE_FRAME_BYTES * blocks;
	req.tp_retire_blk_tov = FL_BASE_BLOCK_TIMEOUT_MS;
	memset(&addr, 0, sizeof(addr));
	addr.sll_family = AF_PACKET;
	addr.sll_protocol = htons(ETH_P_ALL);
	addr.sll_ifindex = 0;
	if (setsockopt(r->fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) ||
	    fl_base_set_filter(b, r->fd) ||
	    setsockopt(r->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)))
		goto fail;
	r->block_bytes = FL_BASE_BLOCK_BYTES;
	r->block_count = blocks;
	r->map = mmap(NULL, (size_t)r->block_bytes * blocks, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		goto fail;
	}
	if (bind(r->fd, (struct sockaddr *)&addr, sizeof(addr)))
		goto fail;
	*out = r;
	return 0;
fail:
	err = -errno;
	fl_ring_close(r);
	return err;
}

static __u32 fl_base_emit(__u8 *out, __u8 reason, __u64 time_ns, const struct fl_flow_key *key,
			  const struct fl_flow_report *rep)
{
	fl_record_fill((struct fl_record *)out, reason, time_ns, key, rep);
	return FL_RECORD_BYTES;
}

/* A packet on a payload port as one payload record written to out (payload_capture.h);
 * returns its size, or 0 when the packet is to be aggregated instead. */
static __u32 fl_base_payload(struct fl_base *b, const struct fl_frame *frame, const struct fl_packet *pkt, __u64 now,
			     const struct fl_flow_key *key, __u64 frame_bytes, __u8 *out)
{
	struct fl_payload_record *r = (struct fl_payload_record *)out;
	__u32 n;

	if (!fl_payload_port(b->payload_ports, b->payload_port_count, pkt) || pkt->payload_off >= frame->len)
		return 0;
	n = frame->len - pkt->payload_off;
	if (n > pkt->payload_len)
		n = pkt->payload_len;
	if (n > FL_PAYLOAD_MAX)
		n = FL_PAYLOAD_MAX;
	if (!fl_payload_plausible(pkt->protocol, frame->data + pkt->payload_off, n < FL_PAYLOAD_HEAD_BYTES ? n : FL_PAYLOAD_HEAD_BYTES))
		return 0;
	if (!fl_payload_take(&b->payload_budget, b->payload_rate.cost_ns, b->payload_rate.bucket_ns, now)) {
		fl_publish_add(&b->payload_limited, 1);
		return 0;
	}
	fl_payload_fill(&r->rec, now, key, pkt, frame_bytes, n);
	memcpy(r->payload, frame->data + pkt->payload_off, n);
	memset(r->payload + n, 0, r->rec.size - FL_RECORD_BYTES - n);
	return r->rec.size;
}

_Static_assert(2 * FL_RECORD_BYTES <= FL_MAX_RECORD_BYTES, "the drain leaves room for one record per packet");

/* One captured packet: at most two records, written to out (an earlier connection's last counts
 * when its entry is taken over, then this packet's connection; see fl_flow_packet). */
static __u32 fl_base_packet(struct fl_base *b, const struct tpacket3_hdr *h, __u8 *out)
{
	const struct sockaddr_ll *sll =
		(const struct sockaddr_ll *)((const __u8 *)h + TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));
	struct fl_frame frame = { .data = (const __u8 *)h + h->tp_mac, .len = h->tp_snaplen };
	__u8 direction = sll->sll_pkttype == PACKET_OUTGOING ? FL_DIR_EGRESS : FL_DIR_INGRESS;
	__u64 now = (__u64)h->tp_sec * 1000000000ULL + h->tp_nsec;
	struct fl_packet pkt;
	struct fl_flow_key key;
	struct fl_conn_key ck;
	struct fl_flow_report rep[2];
	struct fl_flow_entry *e;
	int res, found, n, i;
	__u32 payload, written = 0;
	__u8 slot;

	fl_publish_add(&b->packets, 1);
	memset(&pkt, 0, sizeof(pkt));
	res = fl_parse_frame_l2(&frame, &pkt);
	if (res == FL_PARSE_MALFORMED)
		fl_publish_add(&b->malformed, 1);
	if (res != FL_PARSE_OK)
		return 0;
	if (fl_port_skipped(b->skip_ports, b->skip_port_count, &pkt)) {
		fl_publish_add(&b->skipped, 1);
		return 0;
	}
	fl_flow_key_of(&key, &pkt, (__u32)sll->sll_ifindex, direction);
	if (b->payload_port_count) {
		payload = fl_base_payload(b, &frame, &pkt, now, &key, h->tp_len, out);
		if (payload)
			return payload;
	}
	if (!b->aggregate) {
		rep[0].packets = 1;
		rep[0].bytes = h->tp_len;
		rep[0].tcp_flags = pkt.tcp_flags;
		return fl_base_emit(out, FL_EMIT_PACKET, now, &key, &rep[0]);
	}
	slot = fl_conn_key_of(&ck, &key);
	e = fl_flow_table_slot(&b->flows, &ck, &found);
	if (!found) {
		/* Evicted: the connection that held the entry reports what it still holds. */
		b->flow_evictions += e->used;
		if (e->used && fl_flow_flush(&e->state, now, &rep[0])) {
			fl_record_fill_conn((struct fl_record *)out, &e->key, &rep[0]);
			written = FL_RECORD_BYTES;
		}
		memset(e, 0, sizeof(*e));
		e->key = ck;
		e->used = 1;
	}
	n = fl_flow_packet(&e->state, slot, pkt.protocol, pkt.tcp_flags, h->tp_len, now, b->report_interval_ns, rep);
	for (i = 0; i < n; i++) {
		fl_record_fill_conn((struct fl_record *)(out + written), &ck, &rep[i]);
		written += FL_RECORD_BYTES;
	}
	return written;
}

static __u32 fl_ring_drain(struct fl_base *b, struct fl_packet_ring *r, __u8 *out, __u32 len)
{
	__u32 written = 0;

	for (;;) {
		struct tpacket_block_desc *block = (struct tpacket_block_desc *)(r->map + (size_t)r->block * r->block_bytes);

		if (!r->next) {
			if (!(__atomic_load_n(&block->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
				return written;
			r->packets_left = block->hdr.bh1.num_pkts;
			r->next = (struct tpacket3_hdr *)((__u8 *)block + block->hdr.bh1.offset_to_first_pkt);
		}
		while (r->packets_left) {
			if (len - written < FL_MAX_RECORD_BYTES)
				return written;
			written += fl_base_packet(b, r->next, out + written);
			r->next = (struct tpacket3_hdr *)((__u8 *)r->next + r->next->tp_next_offset);
			r->packets_left--;
		}
		__atomic_store_n(&block->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		r->next = NULL;
		r->block = (r->block + 1) % r->block_count;
	}
}

/* Reports the last counts of flows that went idle; resumable when out fills up. */
static __u32 fl_base_sweep(struct fl_base *b, __u8 *out, __u32 len, __u64 now)
{
	__u32 written = 0;

	for (; b->sweep_cursor <= b->flows.mask; b->sweep_cursor++) {
		struct fl_flow_entry *e = &b->flows.entries[b->sweep_cursor];
		struct fl_flow_report rep;

		if (len - written < FL_MAX_RECORD_BYTES)
			return written;
		if (e->used && fl_flow_sweep(&e->state, now, b->report_interval_ns, &rep)) {
			fl_record_fill_conn((struct fl_record *)(out + written), &e->key, &rep);
			written += FL_RECORD_BYTES;
		}
	}
	return written;
}

static __u32 fl_base_drain(void *backend, __u8 *buf, __u32 len)
{
	struct fl_base *b = backend;
	__u32 written = fl_ring_drain(b, b->ring, buf, len);
	__u64 now;

	if (!b->aggregate)
		return written;
	now = fl_clock_ns(CLOCK_REALTIME);
	if (b->sweep_cursor > b->flows.mask && now >= b->next_sweep_ns) {
		b->sweep_cursor = 0;
		b->next_sweep_ns = now + (b->report_interval_ns / 2 > FL_MIN_SWEEP_PERIOD_NS ? b->report_interval_ns / 2
											: FL_MIN_SWEEP_PERIOD_NS);
	}
	if (b->sweep_cursor <= b->flows.mask)
		written += fl_base_sweep(b, buf + written, len - written, now);
	return written;
}

static int fl_base_find(struct fl_base *b, __u32 ifindex)
{
	__u32 i;

	for (i = 0; i < b->attached_count; i++)
		if (b->attached[i] == ifindex)
			return (int)i;
	return -1;
}

/* Packets of an interface no longer attached may still sit in the ring: they are reported. */
static int fl_base_attach(void *backend, __u32 ifindex)
{
	struct fl_base *b = backend;
	char name[IF_NAMESIZE];
	int err;

	if (fl_base_find(b, ifindex) >= 0)
		return 0;
	if (!if_indextoname(ifindex, name))
		return errno == ENXIO ? -ENODEV : -errno;
	if (b->attached_count == FL_BASE_MAX_INTERFACES)
		return -ENOSPC;
	if (b->attached_count == b->attached_cap) {
		__u32 cap = b->attached_cap ? b->attached_cap * 2 : 16;
		__u32 *grown = realloc(b->attached, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		b->attached = grown;
		b->attached_cap = cap;
	}
	b->attached[b->attached_count] = ifindex;
	__atomic_store_n(&b->attached_count, b->attached_count + 1, __ATOMIC_RELAXED);
	err = fl_base_set_filter(b, b->ring->fd);
	if (err)
		__atomic_store_n(&b->attached_count, b->attached_count - 1, __ATOMIC_RELAXED);
	return err;
}

static int fl_base_detach(void *backend, __u32 ifindex)
{
	struct fl_base *b = backend;
	int i = fl_base_find(b, ifindex);

	if (i < 0)
		return 0;
	b->attached[i] = b->attached[b->attached_count - 1];
	__atomic_store_n(&b->attached_count, b->attached_count - 1, __ATOMIC_RELAXED);
	return fl_base_set_filter(b, b->ring->fd);
}

static int fl_base_wait_fd(void *backend)
{
	return ((struct fl_base *)backend)->ring->fd;
}

static void fl_base_lost(void *backend, __u64 *lost)
{
	struct fl_base *b = backend;

	fl_ring_read_drops(b->ring);
	*lost = b->ring->drops;
}

static void fl_base_stats(void *backend, struct fl_stats *out)
{
	struct fl_base *b = backend;

	out->packets = __atomic_load_n(&b->packets, __ATOMIC_RELAXED);
	out->skipped = __atomic_load_n(&b->skipped, __ATOMIC_RELAXED);
	out->malformed = __atomic_load_n(&b->malformed, __ATOMIC_RELAXED);
	out->payload_limited = __atomic_load_n(&b->payload_limited, __ATOMIC_RELAXED);
	out->flow_evictions = __atomic_load_n(&b->flow_evictions, __ATOMIC_RELAXED);
	out->attached = __atomic_load_n(&b->attached_count, __ATOMIC_RELAXED);
}

static void fl_base_close(void *backend)
{
	struct fl_base *b = backend;

	if (b->ring)
		fl_ring_close(b->ring);
	free(b->attached);
	fl_flow_table_free(&b->flows);
	free(b);
}

int fl_base_open(const struct fl_session_config *cfg, void **backend)
{
	struct fl_base *b = calloc(1, sizeof(*b));
	int err;
	__u32 i;

	if (!b)
		return -ENOMEM;
	b->aggregate = cfg->aggregate != 0;
	b->report_interval_ns = (__u64)(cfg->report_interval_ms ? cfg->report_interval_ms : 1) * 1000000ULL;
	b->skip_port_count = cfg->skip_port_count < FL_MAX_SKIP_PORTS ? cfg->skip_port_count : FL_MAX_SKIP_PORTS;
	for (i = 0; i < b->skip_port_count; i++)
		b->skip_ports[i] = cfg->skip_ports[i];
	b->payload_port_count = cfg->payload_port_count < FL_MAX_PAYLOAD_PORTS ? cfg->payload_port_count : FL_MAX_PAYLOAD_PORTS;
	for (i = 0; i < b->payload_port_count; i++)
		b->payload_ports[i] = cfg->payload_ports[i];
	b->payload_rate = fl_payload_rate_of(cfg->payload_rate);
	b->snap_bytes = b->payload_port_count ? FL_BASE_SNAP_PAYLOAD_BYTES : FL_BASE_SNAP_BYTES;
	/* Fails here, not at the first attach, when AF_PACKET is not permitted. */
	err = fl_ring_open(b, cfg->ring_bytes, &b->ring);
	if (err)
		goto fail;
	err = fl_flow_table_init(&b->flows, cfg->aggregate ? cfg->flow_table_size : 1);
	if (err)
		goto fail;
	b->sweep_cursor = b->flows.mask + 1;
	*backend = b;
	return 0;
fail:
	fl_base_close(b);
	return err;
}

const struct fl_backend_ops fl_base_ops = {
	.attach = fl_base_attach,
	.detach = fl_base_detach,
	.drain = fl_base_drain,
	.lost = fl_base_lost,
	.wait_fd = fl_base_wait_fd,
	.stats = fl_base_stats,
	.close = fl_base_close,
	.lost_stage = FL_LOST_PACKET_RING,
};
