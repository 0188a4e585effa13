/* TLS plaintext from OpenSSL, as FL_REC_TLS records. Included into flowlens.bpf.c so that the
 * programs share its ring buffer, counters and skip ports.
 *
 * Uprobes on SSL_read/SSL_write (and the _ex forms) note the buffer at entry and count the
 * bytes at return (an entry probe can fire several times for one message). Which TCP
 * connection the plaintext belongs to is learned from the socket calls of the same thread,
 * seen by the tp_btf sock_send_length/sock_recv_length tracepoints (no kprobes here):
 *  - read: the connection the thread last received from. A socket BIO receives inside
 *    SSL_read (curl, openssl); a memory BIO (Node) receives just before SSL_read is called.
 *  - write: the connection the thread sent to during the call (socket BIO); otherwise the
 *    record waits for the thread's next send (a memory BIO: Node writes the ciphertext
 *    right after SSL_write returns), for at most FL_TLS_PENDING_MAX_NS.
 * Only plaintext that can start an HTTP/1.x message becomes a record. The agent's own process
 * is never traced (its own gRPC TLS would feed back into itself). */

#define FL_TLS_MAX_THREADS 16384
/* Writes waiting for their thread's next send: short-lived, few at a time. */
#define FL_TLS_MAX_PENDING 4096
#define FL_TLS_PENDING_MAX_NS 1000000000ULL

/* The agent itself, in its own PID namespace (set by the loader). */
const volatile __u64 fl_self_pidns_dev = 0;
const volatile __u64 fl_self_pidns_ino = 0;
const volatile __u32 fl_self_pid = 0;

struct fl_tls_call {
	__u64 buf;
	__u64 len_ptr;   /* _ex forms: where the byte count is written */
	__u64 start_ns;
	__u32 function;  /* enum fl_tls_function */
	__u32 pad;
};

struct fl_tcp_conn {
	__u8 local[16];
	__u8 remote[16];
	__u16 local_port;
	__u16 remote_port;
	__u8 family;
	__u8 pad[3];
};

struct fl_tls_thread {
	struct fl_tcp_conn recv;
	struct fl_tcp_conn send;
	__u64 recv_ns;
	__u64 send_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FL_TLS_MAX_THREADS);
	__type(key, __u64);
	__type(value, struct fl_tls_call);
} fl_tls_calls SEC(".maps");

/* Threads that called into OpenSSL: only their socket calls are noted. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FL_TLS_MAX_THREADS);
	__type(key, __u64);
	__type(value, struct fl_tls_thread);
} fl_tls_threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FL_TLS_MAX_PENDING);
	__type(key, __u64);
	__type(value, struct fl_payload_record);
} fl_tls_pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fl_payload_record);
} fl_tls_scratch SEC(".maps");

static __always_inline int fl_tls_is_self(void)
{
	struct bpf_pidns_info ns;

	if (!fl_self_pid)
		return 0;
	if (bpf_get_ns_current_pid_tgid(fl_self_pidns_dev, fl_self_pidns_ino, &ns, sizeof(ns)))
		return 0;
	return ns.tgid == fl_self_pid;
}

static __always_inline int fl_tls_reads(__u32 function)
{
	return function == FL_TLS_FN_READ || function == FL_TLS_FN_READ_EX;
}

/* The addresses of a TCP socket; 0 for anything else. */
static __always_inline int fl_tcp_conn_of(struct sock *sk, struct fl_tcp_conn *c)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	if (BPF_CORE_READ(sk, sk_protocol) != FL_IPPROTO_TCP)
		return 0;
	if (family == AF_INET) {
		c->family = 4;
		bpf_core_read(c->local, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(c->remote, 4, &sk->__sk_common.skc_daddr);
	} else if (family == AF_INET6) {
		c->family = 6;
		bpf_core_read(c->local, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(c->remote, 16, &sk->__sk_common.skc_v6_daddr);
		if (fl_v4_mapped(c->local) && fl_v4_mapped(c->remote)) {
			c->family = 4;
			__builtin_memcpy(c->local, &c->local[12], 4);
			__builtin_memcpy(c->remote, &c->remote[12], 4);
		}
	} else {
		return 0;
	}
	c->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	c->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	return 1;
}

static __always_inline void fl_output(void *data, __u64 size)
{
	__u64 queued = bpf_ringbuf_query(&fl_events, BPF_RB_AVAIL_DATA);

	if (bpf_ringbuf_output(&fl_events, data, size, queued >= fl_wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP))
		fl_count(FL_COUNTER_LOST);
}

/* Gives a TLS record its connection, oriented the way the bytes travelled, and sends it. */
static __always_inline void fl_tls_emit(struct fl_payload_record *r, const struct fl_tcp_conn *c)
{
	struct fl_packet ports = { .has_ports = 1 };
	int reading = r->rec.aux == FL_TLS_READ;

	ports.sport = c->local_port;
	ports.dport = c->remote_port;
	if (fl_port_skipped(fl_skip_ports, fl_skip_port_count, &ports))
		return;
	r->rec.family = c->family;
	if (reading) {
		__builtin_memcpy(r->rec.saddr, c->remote, 16);
		__builtin_memcpy(r->rec.daddr, c->local, 16);
		r->rec.sport = c->remote_port;
		r->rec.dport = c->local_port;
	} else {
		__builtin_memcpy(r->rec.saddr, c->local, 16);
		__builtin_memcpy(r->rec.daddr, c->remote, 16);
		r->rec.sport = c->local_port;
		r->rec.dport = c->remote_port;
	}
	fl_output(r, sizeof(*r));
}

SEC("uprobe")
int fl_ssl_enter(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 function = (__u32)bpf_get_attach_cookie(ctx);
	struct fl_tls_call call = {};

	if (fl_tls_is_self())
		return 0;
	call.buf = PT_REGS_PARM2(ctx);
	if (function == FL_TLS_FN_READ_EX || function == FL_TLS_FN_WRITE_EX)
		call.len_ptr = PT_REGS_PARM4(ctx);
	call.start_ns = bpf_ktime_get_ns();
	call.function = function;
	bpf_map_update_elem(&fl_tls_calls, &id, &call, BPF_ANY);
	if (!bpf_map_lookup_elem(&fl_tls_threads, &id)) {
		struct fl_tls_thread fresh = {};

		bpf_map_update_elem(&fl_tls_threads, &id, &fresh, BPF_NOEXIST);
	}
	return 0;
}

SEC("uprobe")
int fl_ssl_return(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 function = (__u32)bpf_get_attach_cookie(ctx);
	struct fl_tls_call *found = bpf_map_lookup_elem(&fl_tls_calls, &id);
	struct fl_payload_record *r;
	struct fl_tls_thread *th;
	struct fl_tls_call call;
	__u32 zero = 0, len;
	__u64 n = 0;
	int ret;

	if (!found || found->function != function)
		return 0;
	call = *found;
	bpf_map_delete_elem(&fl_tls_calls, &id);
	ret = (int)PT_REGS_RC(ctx);
	if (call.len_ptr) {
		if (ret != 1 || bpf_probe_read_user(&n, sizeof(n), (void *)call.len_ptr))
			return 0;
	} else if (ret > 0) {
		n = (__u64)ret;
	}
	if (!n)
		return 0;
	r = bpf_map_lookup_elem(&fl_tls_scratch, &zero);
	if (!r)
		return 0;
	len = fl_payload_bytes(n);
	if (bpf_probe_read_user(r->payload, len, (void *)call.buf))
		return 0;
	/* Only plaintext that starts an HTTP/1.x message is parsed: bodies, HTTP/2 and other
	 * protocols inside TLS stay in the kernel. */
	if (!fl_payload_plausible(FL_IPPROTO_TCP, r->payload, len < FL_PAYLOAD_HEAD_BYTES ? len : FL_PAYLOAD_HEAD_BYTES))
		return 0;
	__builtin_memset(&r->rec, 0, sizeof(r->rec));
	r->rec.size = (__u16)(FL_RECORD_BYTES + ((len + 7) & ~7u));
	r->rec.kind = FL_REC_TLS;
	r->rec.time_ns = bpf_ktime_get_ns();
	r->rec.packets = 1;
	r->rec.bytes = n;
	r->rec.protocol = FL_IPPROTO_TCP;
	r->rec.payload_len = (__u16)len;
	r->rec.payload_total = n > 0xffffffffULL ? 0xffffffffU : (__u32)n;
	r->rec.pid = (__u32)(id >> 32);
	th = bpf_map_lookup_elem(&fl_tls_threads, &id);
	if (fl_tls_reads(function)) {
		r->rec.aux = FL_TLS_READ;
		r->rec.direction = FL_DIR_INGRESS;
		if (th && th->recv_ns)
			fl_tls_emit(r, &th->recv);
		else
			fl_count(FL_COUNTER_TLS_UNMATCHED);
		return 0;
	}
	r->rec.aux = FL_TLS_WRITE;
	r->rec.direction = FL_DIR_EGRESS;
	if (th && th->send_ns >= call.start_ns) {
		fl_tls_emit(r, &th->send);
		return 0;
	}
	if (bpf_map_lookup_elem(&fl_tls_pending, &id))
		fl_count(FL_COUNTER_TLS_UNMATCHED);
	bpf_map_update_elem(&fl_tls_pending, &id, r, BPF_ANY);
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(fl_tls_sock_send, struct sock *sk, int ret, int flags)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct fl_tls_thread *th = bpf_map_lookup_elem(&fl_tls_threads, &id);
	struct fl_payload_record *pending;
	__u64 now;

	if (!th || ret <= 0 || !fl_tcp_conn_of(sk, &th->send))
		return 0;
	now = bpf_ktime_get_ns();
	th->send_ns = now;
	pending = bpf_map_lookup_elem(&fl_tls_pending, &id);
	if (!pending)
		return 0;
	if (now - pending->rec.time_ns <= FL_TLS_PENDING_MAX_NS)
		fl_tls_emit(pending, &th->send);
	else
		fl_count(FL_COUNTER_TLS_UNMATCHED);
	bpf_map_delete_elem(&fl_tls_pending, &id);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(fl_tls_sock_recv, struct sock *sk, int ret, int flags)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct fl_tls_thread *th = bpf_map_lookup_elem(&fl_tls_threads, &id);

	if (!th || ret <= 0 || !fl_tcp_conn_of(sk, &th->recv))
		return 0;
	th->recv_ns = bpf_ktime_get_ns();
	return 0;
}
