/* The session table behind the C API. poll runs on a libuv pool thread while attach,
 * detach and stats run on the main thread: a session lock guards the backend, and a use
 * count keeps a session alive until every call in flight has returned. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include "internal.h"

#define FL_MAX_SESSIONS 64
/* Longest single sleep of a poll: the ring is drained at least this often, wake-up or not. */
#define FL_WAIT_SLICE_MS 10
/* Once records are in hand, a poll waits at most this long for more to fill the batch. */
#define FL_BATCH_WAIT_NS 10000000ULL

struct fl_session {
	pthread_mutex_t lock;
	const struct fl_backend_ops *ops;
	void *backend;
	__u64 records;
	int users;    /* guarded by fl_sessions_lock */
	int closing;  /* guarded by fl_sessions_lock; read atomically by poll */
};

static pthread_mutex_t fl_sessions_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fl_sessions_idle = PTHREAD_COND_INITIALIZER;
static struct fl_session *fl_sessions[FL_MAX_SESSIONS];

static struct fl_session *fl_session_get(int id)
{
	struct fl_session *s = NULL;

	if (id < 0 || id >= FL_MAX_SESSIONS)
		return NULL;
	pthread_mutex_lock(&fl_sessions_lock);
	if (fl_sessions[id] && !fl_sessions[id]->closing) {
		s = fl_sessions[id];
		s->users++;
	}
	pthread_mutex_unlock(&fl_sessions_lock);
	return s;
}

static void fl_session_put(struct fl_session *s)
{
	pthread_mutex_lock(&fl_sessions_lock);
	if (--s->users == 0)
		pthread_cond_broadcast(&fl_sessions_idle);
	pthread_mutex_unlock(&fl_sessions_lock);
}

FL_EXPORT int fl_session_open(const struct fl_session_config *cfg)
{
	struct fl_session *s;
	int id, err;

	if (cfg->mode != FL_MODE_TRACER && cfg->mode != FL_MODE_BASE)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	s->ops = cfg->mode == FL_MODE_TRACER ? &fl_tracer_ops : &fl_base_ops;
	err = cfg->mode == FL_MODE_TRACER ? fl_tracer_open(cfg, &s->backend) : fl_base_open(cfg, &s->backend);
	if (err) {
		pthread_mutex_destroy(&s->lock);
		free(s);
		return err;
	}
	pthread_mutex_lock(&fl_sessions_lock);
	for (id = 0; id < FL_MAX_SESSIONS && fl_sessions[id]; id++)
		;
	if (id < FL_MAX_SESSIONS)
		fl_sessions[id] = s;
	pthread_mutex_unlock(&fl_sessions_lock);
	if (id == FL_MAX_SESSIONS) {
		s->ops->close(s->backend);
		pthread_mutex_destroy(&s->lock);
		free(s);
		return -EMFILE;
	}
	return id;
}

FL_EXPORT int fl_session_attach(int id, __u32 ifindex)
{
	struct fl_session *s = fl_session_get(id);
	int err;

	if (!s)
		return -EBADF;
	pthread_mutex_lock(&s->lock);
	err = s->ops->attach(s->backend, ifindex);
	pthread_mutex_unlock(&s->lock);
	fl_session_put(s);
	return err;
}

FL_EXPORT int fl_session_detach(int id, __u32 ifindex)
{
	struct fl_session *s = fl_session_get(id);
	int err;

	if (!s)
		return -EBADF;
	pthread_mutex_lock(&s->lock);
	err = s->ops->detach(s->backend, ifindex);
	pthread_mutex_unlock(&s->lock);
	fl_session_put(s);
	return err;
}

FL_EXPORT int fl_session_poll(int id, __u8 *buf, __u32 buf_len, __u32 timeout_ms)
{
	struct fl_session *s;
	__u64 deadline, first_data = 0;
	__u32 written = 0, off;
	__u64 records = 0;

	if (buf_len < FL_MAX_RECORD_BYTES)
		return -EINVAL;
	if (buf_len > 0x7fffffff)
		buf_len = 0x7fffffff;
	s = fl_session_get(id);
	if (!s)
		return -EBADF;
	deadline = fl_clock_ns(CLOCK_MONOTONIC) + (__u64)timeout_ms * 1000000ULL;
	for (;;) {
		struct epoll_event events[4];
		__u64 now, until;
		int wait_ms;

		pthread_mutex_lock(&s->lock);
		written += s->ops->drain(s->backend, buf + written, buf_len - written);
		pthread_mutex_unlock(&s->lock);
		now = fl_clock_ns(CLOCK_MONOTONIC);
		if (written && !first_data)
			first_data = now;
		if (buf_len - written < FL_MAX_RECORD_BYTES || written >= buf_len / 2)
			break;
		if (__atomic_load_n(&s->closing, __ATOMIC_RELAXED))
			break;
		until = first_data ? first_data + FL_BATCH_WAIT_NS : deadline;
		if (until > deadline)
			until = deadline;
		if (now >= until)
			break;
		wait_ms = (int)((until - now + 999999ULL) / 1000000ULL);
		if (wait_ms > FL_WAIT_SLICE_MS)
			wait_ms = FL_WAIT_SLICE_MS;
		epoll_wait(s->ops->wait_fd(s->backend), events, 4, wait_ms);
	}
	for (off = 0; off < written; off += ((const struct fl_record *)(buf + off))->size)
		records++;
	__atomic_fetch_add(&s->records, records, __ATOMIC_RELAXED);
	fl_session_put(s);
	return (int)written;
}

FL_EXPORT int fl_session_stats(int id, struct fl_stats *out)
{
	struct fl_session *s = fl_session_get(id);

	if (!s)
		return -EBADF;
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&s->lock);
	s->ops->stats(s->backend, out);
	out->records = __atomic_load_n(&s->records, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&s->lock);
	fl_session_put(s);
	return 0;
}

FL_EXPORT int fl_session_close(int id)
{
	struct fl_session *s;

	if (id < 0 || id >= FL_MAX_SESSIONS)
		return -EBADF;
	pthread_mutex_lock(&fl_sessions_lock);
	s = fl_sessions[id];
	if (!s || s->closing) {
		pthread_mutex_unlock(&fl_sessions_lock);
		return -EBADF;
	}
	__atomic_store_n(&s->closing, 1, __ATOMIC_RELAXED);
	while (s->users > 0)
		pthread_cond_wait(&fl_sessions_idle, &fl_sessions_lock);
	fl_sessions[id] = NULL;
	pthread_mutex_unlock(&fl_sessions_lock);
	s->ops->close(s->backend);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return 0;
}
