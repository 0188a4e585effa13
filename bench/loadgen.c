/* The benchmark's load generator: one single-threaded epoll process per role.
 *
 *   loadgen serve --addr IP --port-base P --ports N --max-ms D
 *       listens on TCP and UDP ports P..P+N-1; accepts and closes TCP connections,
 *       drains datagrams; exits on SIGTERM/SIGINT or after D ms.
 *   loadgen tcp --dst IP --port-base P --ports N --rate R --count C --max-ms D [--send-byte] [--inflight K]
 *       opens C short TCP connections at R per second (0: as fast as K in flight allow);
 *       connection i goes from source port S+i%(65536-S) to port P+(i/(65536-S))%N, bound
 *       explicitly so no 5-tuple repeats before N*(65536-S) connections (S: --src-port-base,
 *       default 10000); each one connects, optionally sends a byte, and closes with a reset
 *       (SO_LINGER 0) so no TIME_WAIT holds its port.
 *   loadgen udp --dst IP --port-base P --ports N --rate R --count C --max-ms D [--sockets K] [--src-port-base S]
 *       sends C datagrams at R per second (0: as fast as possible) from K sockets bound to
 *       source ports S..S+K-1, datagram i from socket i%K to port P+(i/K)%N: every datagram is
 *       its own 5-tuple until K*N of them were sent.
 *
 * Every role stops at its count or its time limit, whichever comes first, and prints one JSON
 * line with what it achieved. Distinct 5-tuples are counted exactly (a bit per source port and
 * destination port), so a consumer can be checked against the number of connections. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS 256
#define EPOLL_BATCH 512
#define DEFAULT_INFLIGHT 512
#define DEFAULT_UDP_SOCKETS 1024
#define DEFAULT_UDP_SRC_PORT_BASE 20000
#define DEFAULT_TCP_SRC_PORT_BASE 10000
#define LISTEN_BACKLOG 65535
#define UDP_PAYLOAD_BYTES 32
#define RECV_BATCH 64
#define SOCKET_BUFFER_BYTES (4 << 20)
/* After the last connection is opened, wait this long for the ones still in flight. */
#define DRAIN_MS 3000
#define PORT_SPACE 65536

static volatile sig_atomic_t stop_requested;

struct options {
	const char *role;
	const char *addr;
	const char *dst;
	int port_base;
	int ports;
	double rate;
	long count;
	long max_ms;
	int send_byte;
	int inflight;
	int sockets;
	int src_port_base;
};

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* User plus system CPU seconds this process used: who saturates first is measured, not guessed. */
static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Room for thousands of sockets at once. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void die(const char *what)
{
	fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: loadgen serve|tcp|udp --port-base P --ports N [--addr IP] [--dst IP] [--rate R] "
			"[--count C] [--max-ms D] [--send-byte] [--inflight K] [--sockets K] [--src-port-base S]\n");
	exit(2);
}

static struct options parse_options(int argc, char **argv)
{
	struct options o = { .port_base = 0, .ports = 1, .count = 0, .max_ms = 10000, .inflight = DEFAULT_INFLIGHT,
			     .sockets = DEFAULT_UDP_SOCKETS, .src_port_base = -1 };
	int i;

	if (argc < 2)
		usage();
	o.role = argv[1];
	for (i = 2; i < argc; i++) {
		const char *key = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(key, "--send-byte")) {
			o.send_byte = 1;
			continue;
		}
		if (!value)
			usage();
		i++;
		if (!strcmp(key, "--addr"))
			o.addr = value;
		else if (!strcmp(key, "--dst"))
			o.dst = value;
		else if (!strcmp(key, "--port-base"))
			o.port_base = atoi(value);
		else if (!strcmp(key, "--ports"))
			o.ports = atoi(value);
		else if (!strcmp(key, "--rate"))
			o.rate = atof(value);
		else if (!strcmp(key, "--count"))
			o.count = atol(value);
		else if (!strcmp(key, "--max-ms"))
			o.max_ms = atol(value);
		else if (!strcmp(key, "--inflight"))
			o.inflight = atoi(value);
		else if (!strcmp(key, "--sockets"))
			o.sockets = atoi(value);
		else if (!strcmp(key, "--src-port-base"))
			o.src_port_base = atoi(value);
		else
			usage();
	}
	if (o.port_base <= 0 || o.ports < 1 || o.ports > MAX_PORTS || o.port_base + o.ports > PORT_SPACE)
		usage();
	if (o.src_port_base < 0)
		o.src_port_base = strcmp(o.role, "udp") ? DEFAULT_TCP_SRC_PORT_BASE : DEFAULT_UDP_SRC_PORT_BASE;
	if (o.max_ms <= 0 || o.inflight < 1 || o.sockets < 1 || o.src_port_base < 1 || o.src_port_base + o.sockets > PORT_SPACE)
		usage();
	return o;
}

static struct sockaddr_in address(const char *ip, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	if (!ip || inet_pton(AF_INET, ip, &sa.sin_addr) != 1) {
		fprintf(stderr, "loadgen: bad IPv4 address %s\n", ip ? ip : "(none)");
		exit(2);
	}
	return sa;
}

/* One bit per (destination port index, source port): exact distinct 5-tuple counting. */
struct tuple_set {
	uint8_t *bits;
	long distinct;
};

static void tuple_set_init(struct tuple_set *s, int ports)
{
	s->bits = calloc((size_t)ports, PORT_SPACE / 8);
	if (!s->bits)
		die("calloc");
	s->distinct = 0;
}

static void tuple_set_add(struct tuple_set *s, int port_index, int src_port)
{
	size_t bit = (size_t)port_index * PORT_SPACE + (size_t)src_port;
	uint8_t mask = (uint8_t)(1u << (bit & 7));

	if (!(s->bits[bit >> 3] & mask)) {
		s->bits[bit >> 3] |= mask;
		s->distinct++;
	}
}

/* How many of `count` should have started by now at `rate` per second (rate 0: all). */
static long due_by(double rate, long count, double elapsed)
{
	double due;

	if (rate <= 0)
		return count;
	due = rate * elapsed + 1;
	return due < (double)count ? (long)due : count;
}

static int serve(const struct options *o)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event events[EPOLL_BATCH];
	long accepted = 0, datagrams = 0;
	double deadline = now_s() + (double)o->max_ms / 1000.0;
	char bufs[RECV_BATCH][UDP_PAYLOAD_BYTES * 4];
	struct mmsghdr msgs[RECV_BATCH];
	struct iovec iov[RECV_BATCH];
	int one = 1, size = SOCKET_BUFFER_BYTES;
	int i;

	if (ep < 0)
		die("epoll_create1");
	for (i = 0; i < RECV_BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	for (i = 0; i < o->ports; i++) {
		struct sockaddr_in sa = address(o->addr, o->port_base + i);
		int t = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		int u = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		struct epoll_event tev = { .events = EPOLLIN, .data.u64 = (uint64_t)t };
		struct epoll_event uev = { .events = EPOLLIN, .data.u64 = (1ULL << 32) | (uint64_t)u };

		if (t < 0 || u < 0)
			die("socket");
		setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(u, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
		if (bind(t, (struct sockaddr *)&sa, sizeof(sa)) || listen(t, LISTEN_BACKLOG))
			die("tcp listen");
		if (bind(u, (struct sockaddr *)&sa, sizeof(sa)))
			die("udp bind");
		if (epoll_ctl(ep, EPOLL_CTL_ADD, t, &tev) || epoll_ctl(ep, EPOLL_CTL_ADD, u, &uev))
			die("epoll_ctl");
	}
	printf("{\"ready\":true}\n");
	fflush(stdout);
	while (!stop_requested && now_s() < deadline) {
		int n = epoll_wait(ep, events, EPOLL_BATCH, 100);

		for (i = 0; i < n; i++) {
			int fd = (int)(events[i].data.u64 & 0xffffffffu);

			if (events[i].data.u64 >> 32) {
				int got;

				while ((got = recvmmsg(fd, msgs, RECV_BATCH, MSG_DONTWAIT, NULL)) > 0)
					datagrams += got;
				continue;
			}
			for (;;) {
				int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

				if (c < 0)
					break;
				accepted++;
				close(c);
			}
		}
	}
	printf("{\"role\":\"serve\",\"accepted\":%ld,\"datagrams\":%ld,\"cpu_seconds\":%.3f}\n", accepted, datagrams,
	       cpu_seconds());
	return 0;
}

static int tcp_client(const struct options *o)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event events[EPOLL_BATCH];
	struct sockaddr_in dsts[MAX_PORTS];
	struct linger reset = { .l_onoff = 1, .l_linger = 0 };
	struct tuple_set tuples;
	long attempted = 0, established = 0, failed = 0, open_errors = 0, slot = 0;
	long src_ports = PORT_SPACE - o->src_port_base;
	int inflight = 0, i;
	double start = now_s(), deadline = start + (double)o->max_ms / 1000.0, last_open = start, drain_until;
	long count = o->count > 0 ? o->count : 1L << 40;

	if (ep < 0)
		die("epoll_create1");
	tuple_set_init(&tuples, o->ports);
	for (i = 0; i < o->ports; i++)
		dsts[i] = address(o->dst, o->port_base + i);
	for (;;) {
		double t = now_s();
		long due = due_by(o->rate, count, t - start);
		int n;

		if (stop_requested || t >= deadline)
			break;
		if (attempted >= count && inflight == 0)
			break;
		while (attempted < due && inflight < o->inflight) {
			int port_index = (int)((slot / src_ports) % o->ports);
			int src_port = o->src_port_base + (int)(slot % src_ports);
			struct sockaddr_in local = { .sin_family = AF_INET, .sin_port = htons((uint16_t)src_port) };
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			struct epoll_event ev = { .events = EPOLLOUT };

			if (fd < 0) {
				open_errors++;
				break;
			}
			slot++;
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
			/* A port still held by an earlier connection is skipped, not waited for. */
			if (bind(fd, (struct sockaddr *)&local, sizeof(local)) ||
			    (connect(fd, (struct sockaddr *)&dsts[port_index], sizeof(dsts[port_index])) && errno != EINPROGRESS)) {
				open_errors++;
				close(fd);
				continue;
			}
			attempted++;
			last_open = now_s();
			tuple_set_add(&tuples, port_index, src_port);
			ev.data.u64 = (uint64_t)fd;
			if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
				die("epoll_ctl");
			inflight++;
		}
		n = epoll_wait(ep, events, EPOLL_BATCH, attempted < due ? 0 : 1);
		for (i = 0; i < n; i++) {
			int fd = (int)events[i].data.u64;
			int err = 0;
			socklen_t len = sizeof(err);

			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
			if (err == 0 && !(events[i].events & (EPOLLERR | EPOLLHUP))) {
				established++;
				if (o->send_byte && send(fd, "x", 1, MSG_NOSIGNAL) != 1)
					failed++;
			} else {
				failed++;
			}
			close(fd);
			inflight--;
		}
	}
	/* Connections still in flight (a SYN retransmitted after a drop) get a little longer. */
	drain_until = now_s() + DRAIN_MS / 1000.0;
	while (inflight > 0 && !stop_requested && now_s() < drain_until) {
		int n = epoll_wait(ep, events, EPOLL_BATCH, 10);

		for (i = 0; i < n; i++) {
			int err = 0;
			socklen_t len = sizeof(err);

			getsockopt((int)events[i].data.u64, SOL_SOCKET, SO_ERROR, &err, &len);
			if (err == 0 && !(events[i].events & (EPOLLERR | EPOLLHUP)))
				established++;
			else
				failed++;
			close((int)events[i].data.u64);
			inflight--;
		}
	}
	printf("{\"role\":\"tcp\",\"attempted\":%ld,\"established\":%ld,\"failed\":%ld,\"unfinished\":%d,"
	       "\"open_errors\":%ld,\"distinct_tuples\":%ld,\"open_seconds\":%.6f,\"rate\":%.1f,\"cpu_seconds\":%.3f}\n",
	       attempted, established, failed, inflight, open_errors, tuples.distinct, last_open - start,
	       attempted / (last_open - start > 0 ? last_open - start : 1e-9), cpu_seconds());
	return 0;
}

static int udp_client(const struct options *o)
{
	int *socks = calloc((size_t)o->sockets, sizeof(int));
	struct sockaddr_in dsts[MAX_PORTS];
	struct tuple_set tuples;
	char payload[UDP_PAYLOAD_BYTES];
	long sent = 0, retries = 0;
	double start, deadline, last_send;
	long count = o->count > 0 ? o->count : 1L << 40;
	int size = SOCKET_BUFFER_BYTES;
	int i;

	if (!socks)
		die("calloc");
	memset(payload, 'u', sizeof(payload));
	tuple_set_init(&tuples, o->ports);
	for (i = 0; i < o->ports; i++)
		dsts[i] = address(o->dst, o->port_base + i);
	for (i = 0; i < o->sockets; i++) {
		struct sockaddr_in src = { .sin_family = AF_INET, .sin_port = htons((uint16_t)(o->src_port_base + i)) };

		socks[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (socks[i] < 0)
			die("socket");
		setsockopt(socks[i], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
		if (bind(socks[i], (struct sockaddr *)&src, sizeof(src)))
			die("udp bind (source port)");
	}
	/* The time limit is for sending: opening thousands of sockets on a busy machine takes a while. */
	start = now_s();
	deadline = start + (double)o->max_ms / 1000.0;
	last_send = start;
	while (sent < count && !stop_requested) {
		double t = now_s();
		long due = due_by(o->rate, count, t - start);

		if (t >= deadline)
			break;
		if (sent >= due) {
			struct timespec nap = { 0, 50000 };

			nanosleep(&nap, NULL);
			continue;
		}
		while (sent < due) {
			int s = (int)(sent % o->sockets);
			int port_index = (int)((sent / o->sockets) % o->ports);

			if (sendto(socks[s], payload, sizeof(payload), MSG_DONTWAIT, (struct sockaddr *)&dsts[port_index],
				   sizeof(dsts[port_index])) != (ssize_t)sizeof(payload)) {
				retries++;
				break;
			}
			tuple_set_add(&tuples, port_index, o->src_port_base + s);
			sent++;
			if ((sent & 1023) == 0 && now_s() >= deadline)
				break;
		}
		last_send = now_s();
	}
	printf("{\"role\":\"udp\",\"sent\":%ld,\"retries\":%ld,\"distinct_tuples\":%ld,\"send_seconds\":%.6f,\"rate\":%.1f,"
	       "\"cpu_seconds\":%.3f}\n",
	       sent, retries, tuples.distinct, last_send - start, sent / (last_send - start > 0 ? last_send - start : 1e-9),
	       cpu_seconds());
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = parse_options(argc, argv);
	struct sigaction sa = { .sa_handler = on_signal };

	raise_fd_limit();
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(o.role, "serve"))
		return serve(&o);
	if (!strcmp(o.role, "tcp"))
		return tcp_client(&o);
	if (!strcmp(o.role, "udp"))
		return udp_client(&o);
	usage();
	return 2;
}
