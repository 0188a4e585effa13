/* A single-producer single-consumer queue of whole records in one preallocated byte ring:
 * the capture thread pushes, fl_session_take copies out. head and tail only grow (bytes
 * ever written / ever taken); each side publishes its counter with release and reads the
 * other's with acquire, so neither ever waits for the other. Records are multiples of 8 and
 * so is the capacity: a record may wrap around the end, but its size field never does. */
#ifndef FLOWLENS_RECORD_QUEUE_H
#define FLOWLENS_RECORD_QUEUE_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "record.h"

struct fl_record_queue {
	__u8 *data;
	__u64 capacity;
	_Alignas(64) __u64 head;  /* written by the producer */
	_Alignas(64) __u64 tail;  /* written by the consumer */
};

static inline int fl_queue_init(struct fl_record_queue *q, __u64 capacity)
{
	memset(q, 0, sizeof(*q));
	q->capacity = capacity & ~7ULL;
	q->data = malloc(q->capacity);
	return q->data ? 0 : -ENOMEM;
}

static inline void fl_queue_free(struct fl_record_queue *q)
{
	free(q->data);
	q->data = NULL;
}

static inline void fl_queue_copy_in(struct fl_record_queue *q, __u64 at, const void *src, __u32 n)
{
	__u64 off = at % q->capacity;
	__u64 first = q->capacity - off < n ? q->capacity - off : n;

	memcpy(q->data + off, src, first);
	memcpy(q->data, (const __u8 *)src + first, n - first);
}

static inline void fl_queue_copy_out(const struct fl_record_queue *q, __u64 at, void *dst, __u64 n)
{
	__u64 off = at % q->capacity;
	__u64 first = q->capacity - off < n ? q->capacity - off : n;

	memcpy(dst, q->data + off, first);
	memcpy((__u8 *)dst + first, q->data, n - first);
}

/* Producer: appends one whole record (size a multiple of 8), or returns -ENOSPC untouched. */
static inline int fl_queue_push(struct fl_record_queue *q, const void *rec, __u32 size)
{
	__u64 head = q->head;
	__u64 tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);

	if (q->capacity - (head - tail) < size)
		return -ENOSPC;
	fl_queue_copy_in(q, head, rec, size);
	__atomic_store_n(&q->head, head + size, __ATOMIC_RELEASE);
	return 0;
}

/* Consumer: copies the whole records that are queued and fit in len; returns the bytes and
 * adds how many of them were not loss records to *records. */
static inline __u32 fl_queue_take(struct fl_record_queue *q, __u8 *out, __u32 len, __u64 *records)
{
	__u64 tail = q->tail;
	__u64 head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
	__u64 taken = 0;

	while (tail + taken < head) {
		struct { __u16 size; __u8 kind; } start;

		fl_queue_copy_out(q, tail + taken, &start, 3);
		if (taken + start.size > len)
			break;
		taken += start.size;
		*records += start.kind != FL_REC_LOST;
	}
	fl_queue_copy_out(q, tail, out, taken);
	__atomic_store_n(&q->tail, tail + taken, __ATOMIC_RELEASE);
	return (__u32)taken;
}

#endif
