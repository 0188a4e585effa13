/* The capture thread of a session: waits on the backend's fd (the BPF ring buffer, or the
 * AF_PACKET rings' epoll), drains it under the session lock into a scratch buffer (base mode
 * parses and aggregates there, both modes sweep there), and pushes the records into the
 * session's queue, from which fl_session_take copies them without ever waiting.
 *
 * Loss is counted per stage: the capture ring's own (the kernel ring buffer's failed
 * reservations, AF_PACKET drops) when the backend reports it, the queue's when a record
 * does not fit. Either way a FL_REC_LOST record with the exact count goes into the queue
 * where the loss was seen, as soon as there is room for it. Counters for fl_session_stats
 * are published with atomic stores: reading them never waits for a drain. Interfaces that
 * appear or vanish (rtnetlink) are queued as FL_REC_LINK records among the others. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include "internal.h"
#include "record_queue.h"

#define FL_DEFAULT_QUEUE_BYTES (16u << 20)
/* Room for a loss record and the largest record behind it. */
#define FL_MIN_QUEUE_BYTES (FL_RECORD_BYTES + FL_MAX_RECORD_BYTES)
#define FL_SCRATCH_BYTES (256u << 10)
/* Longest sleep: sparse ring buffer records (no wake-up below a fill level) and periodic
 * sweeps are handled at least this often. */
#define FL_WAIT_MS 10
#define FL_LOSS_CHECK_NS 10000000ULL
/* Drains per wake-up before the loss counters are looked at again. */
#define FL_DRAINS_PER_PASS 16
#define FL_STAGE_COUNT 3

struct fl_capture {
	const struct fl_backend_ops *ops;
	void *backend;
	pthread_mutex_t *backend_lock;
	__u32 ring_stage;            /* where the backend's own losses happen */
	struct fl_record_queue queue;
	__u8 *scratch;
	int epfd;
	int stop_fd;
	int link_fd;
	pthread_t thread;
	int running;                 /* the thread was started and not joined yet */
	pthread_mutex_t take_lock;   /* one consumer at a time; also orders stop against take */
	int stopped;                 /* guarded by take_lock: the thread is joined, take owns pending */
	__u64 next_loss_check_ns;
	__u64 ring_lost_seen;        /* the backend's cumulative count when last read */
	__u64 pending[FL_STAGE_COUNT + 1]; /* lost, not written in-band yet, by enum fl_lost_stage */
	/* published for stats (atomic) */
	__u64 produced;
	__u64 taken;
	__u64 lost[FL_STAGE_COUNT + 1];
};

static void fl_lost_record(struct fl_record *rec, __u32 stage, __u64 count)
{
	memset(rec, 0, sizeof(*rec));
	rec->size = FL_RECORD_BYTES;
	rec->kind = FL_REC_LOST;
	rec->time_ns = fl_clock_ns(CLOCK_REALTIME);
	rec->packets = count;
	rec->aux = stage;
}

/* Writes the losses not reported yet into the queue, in stage order; 0 when one did not fit. */
static int fl_flush_lost(struct fl_capture *c)
{
	__u32 stage;

	for (stage = 1; stage <= FL_STAGE_COUNT; stage++) {
		struct fl_record rec;

		if (!c->pending[stage])
			continue;
		fl_lost_record(&rec, stage, c->pending[stage]);
		if (fl_queue_push(&c->queue, &rec, sizeof(rec)))
			return 0;
		c->pending[stage] = 0;
	}
	return 1;
}

static void fl_push_records(struct fl_capture *c, const __u8 *buf, __u32 len)
{
	__u32 off, size;
	__u64 queued = 0, lost = 0;

	for (off = 0; off < len; off += size) {
		size = ((const struct fl_record *)(buf + off))->size;
		if (fl_flush_lost(c) && !fl_queue_push(&c->queue, buf + off, size)) {
			queued++;
		} else {
			c->pending[FL_LOST_QUEUE]++;
			lost++;
		}
	}
	fl_publish_add(&c->produced, queued + lost);
	fl_publish_add(&c->lost[FL_LOST_QUEUE], lost);
}

static void fl_check_ring_lost(struct fl_capture *c, int force)
{
	__u64 now = fl_clock_ns(CLOCK_MONOTONIC);
	__u64 lost = c->ring_lost_seen;

	if (!force && now < c->next_loss_check_ns)
		return;
	c->next_loss_check_ns = now + FL_LOSS_CHECK_NS;
	pthread_mutex_lock(c->backend_lock);
	c->ops->lost(c->backend, &lost);
	pthread_mutex_unlock(c->backend_lock);
	if (lost > c->ring_lost_seen) {
		c->pending[c->ring_stage] += lost - c->ring_lost_seen;
		fl_publish_add(&c->lost[c->ring_stage], lost - c->ring_lost_seen);
		c->ring_lost_seen = lost;
	}
}

/* Drains until the backend has little left, a bounded number of times. */
static void fl_capture_pass(struct fl_capture *c, int final)
{
	int i;

	fl_check_ring_lost(c, final);
	for (i = 0; i < FL_DRAINS_PER_PASS; i++) {
		__u32 n;

		pthread_mutex_lock(c->backend_lock);
		n = c->ops->drain(c->backend, c->scratch, FL_SCRATCH_BYTES);
		pthread_mutex_unlock(c->backend_lock);
		fl_push_records(c, c->scratch, n);
		if (n < FL_SCRATCH_BYTES / 2)
			break;
	}
	fl_flush_lost(c);
}

static void *fl_capture_run(void *arg)
{
	struct fl_capture *c = arg;

	for (;;) {
		struct epoll_event events[3];
		int i, n = epoll_wait(c->epfd, events, 3, FL_WAIT_MS);

		for (i = 0; i < n; i++) {
			if (events[i].data.fd == c->stop_fd)
				goto stop;
			if (events[i].data.fd == c->link_fd)
				fl_push_records(c, c->scratch, fl_link_events_read(c->link_fd, c->scratch, FL_SCRATCH_BYTES));
		}
		fl_capture_pass(c, 0);
	}
stop:
	/* What arrived until now, and every loss seen until now. */
	fl_capture_pass(c, 1);
	return NULL;
}

void fl_capture_free(struct fl_capture *c)
{
	fl_capture_stop(c);
	if (c->epfd >= 0)
		close(c->epfd);
	if (c->stop_fd >= 0)
		close(c->stop_fd);
	if (c->link_fd >= 0)
		close(c->link_fd);
	fl_queue_free(&c->queue);
	free(c->scratch);
	pthread_mutex_destroy(&c->take_lock);
	free(c);
}

static int fl_epoll_add(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int fl_capture_start(const struct fl_backend_ops *ops, void *backend, pthread_mutex_t *backend_lock,
		     __u32 queue_bytes, struct fl_capture **out)
{
	struct fl_capture *c = calloc(1, sizeof(*c));
	sigset_t all, previous;
	int err;

	if (!c)
		return -ENOMEM;
	c->ops = ops;
	c->backend = backend;
	c->backend_lock = backend_lock;
	c->ring_stage = ops->lost_stage;
	c->epfd = c->stop_fd = c->link_fd = -1;
	pthread_mutex_init(&c->take_lock, NULL);
	if (!queue_bytes)
		queue_bytes = FL_DEFAULT_QUEUE_BYTES;
	if (queue_bytes < FL_MIN_QUEUE_BYTES) {
		err = -EINVAL;
		goto fail;
	}
	c->scratch = malloc(FL_SCRATCH_BYTES);
	err = fl_queue_init(&c->queue, queue_bytes);
	if (!err && !c->scratch)
		err = -ENOMEM;
	if (err)
		goto fail;
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	c->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->epfd < 0 || c->stop_fd < 0) {
		err = -errno;
		goto fail;
	}
	c->link_fd = fl_link_events_open();
	if (c->link_fd < 0) {
		err = c->link_fd;
		goto fail;
	}
	err = fl_epoll_add(c->epfd, ops->wait_fd(backend));
	if (!err)
		err = fl_epoll_add(c->epfd, c->stop_fd);
	if (!err)
		err = fl_epoll_add(c->epfd, c->link_fd);
	if (err)
		goto fail;
	/* Signals go to the other threads (the thread inherits this mask). */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &previous);
	err = -pthread_create(&c->thread, NULL, fl_capture_run, c);
	pthread_sigmask(SIG_SETMASK, &previous, NULL);
	if (err)
		goto fail;
	pthread_setname_np(c->thread, "fl-capture");
	c->running = 1;
	*out = c;
	return 0;
fail:
	fl_capture_free(c);
	return err;
}

void fl_capture_stop(struct fl_capture *c)
{
	__u64 one = 1;

	pthread_mutex_lock(&c->take_lock);
	if (c->running) {
		if (write(c->stop_fd, &one, sizeof(one)) < 0) {
			/* an eventfd write only fails on overflow: a stop is already signalled */
		}
		pthread_join(c->thread, NULL);
		c->running = 0;
	}
	c->stopped = 1;
	pthread_mutex_unlock(&c->take_lock);
}

int fl_capture_take(struct fl_capture *c, __u8 *buf, __u32 len)
{
	__u64 records = 0;
	__u32 n;

	pthread_mutex_lock(&c->take_lock);
	n = fl_queue_take(&c->queue, buf, len, &records);
	/* Stopped with losses the full queue could not take: they follow the last records. */
	if (c->stopped && c->queue.tail == c->queue.head) {
		__u32 stage;

		for (stage = 1; stage <= FL_STAGE_COUNT; stage++) {
			if (!c->pending[stage] || len - n < FL_RECORD_BYTES)
				continue;
			fl_lost_record((struct fl_record *)(buf + n), stage, c->pending[stage]);
			c->pending[stage] = 0;
			n += FL_RECORD_BYTES;
		}
	}
	fl_publish_add(&c->taken, records);
	pthread_mutex_unlock(&c->take_lock);
	return (int)n;
}

void fl_capture_stats(struct fl_capture *c, struct fl_stats *out)
{
	out->records = __atomic_load_n(&c->taken, __ATOMIC_RELAXED);
	out->produced = __atomic_load_n(&c->produced, __ATOMIC_RELAXED);
	out->lost = __atomic_load_n(&c->lost[c->ring_stage], __ATOMIC_RELAXED);
	out->lost_queue = __atomic_load_n(&c->lost[FL_LOST_QUEUE], __ATOMIC_RELAXED);
}
