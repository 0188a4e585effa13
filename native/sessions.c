/* The session table behind the C API. Each session's capture thread drains its backend
 * under the session lock, which attach and detach take too; take and stats never take it.
 * A use count keeps a session alive until every call in flight has returned. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define FL_MAX_SESSIONS 64

struct fl_session {
	pthread_mutex_t lock;
	const struct fl_backend_ops *ops;
	void *backend;
	struct fl_capture *capture;
	int users;    /* guarded by fl_sessions_lock */
	int closing;  /* guarded by fl_sessions_lock */
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
	if (!err) {
		err = fl_capture_start(s->ops, s->backend, &s->lock, cfg->queue_bytes, &s->capture);
		if (err)
			s->ops->close(s->backend);
	}
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
		fl_capture_free(s->capture);
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

FL_EXPORT int fl_session_take(int id, __u8 *buf, __u32 buf_len)
{
	struct fl_session *s;
	int n;

	if (buf_len < FL_MAX_RECORD_BYTES)
		return -EINVAL;
	if (buf_len > 0x7fffffff)
		buf_len = 0x7fffffff;
	s = fl_session_get(id);
	if (!s)
		return -EBADF;
	n = fl_capture_take(s->capture, buf, buf_len);
	fl_session_put(s);
	return n;
}

FL_EXPORT int fl_session_stop(int id)
{
	struct fl_session *s = fl_session_get(id);

	if (!s)
		return -EBADF;
	fl_capture_stop(s->capture);
	fl_session_put(s);
	return 0;
}

FL_EXPORT int fl_session_stats(int id, struct fl_stats *out)
{
	struct fl_session *s = fl_session_get(id);

	if (!s)
		return -EBADF;
	memset(out, 0, sizeof(*out));
	s->ops->stats(s->backend, out);
	fl_capture_stats(s->capture, out);
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
	s->closing = 1;
	while (s->users > 0)
		pthread_cond_wait(&fl_sessions_idle, &fl_sessions_lock);
	fl_sessions[id] = NULL;
	pthread_mutex_unlock(&fl_sessions_lock);
	fl_capture_free(s->capture);
	s->ops->close(s->backend);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return 0;
}
