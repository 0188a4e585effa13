/* Reading a fuzz input as a sequence of small fields; past the end every field reads as 0 and
 * fuzz_more() turns false. */
#ifndef FLOWLENS_FUZZ_INPUT_H
#define FLOWLENS_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

struct fuzz_input {
	const uint8_t *p;
	size_t n;
};

static inline int fuzz_more(const struct fuzz_input *in)
{
	return in->n > 0;
}

static inline __u8 fuzz_u8(struct fuzz_input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static inline __u16 fuzz_u16(struct fuzz_input *in)
{
	__u16 hi = fuzz_u8(in);

	return (__u16)(hi << 8 | fuzz_u8(in));
}

static inline __u32 fuzz_u32(struct fuzz_input *in)
{
	__u32 hi = fuzz_u16(in);

	return hi << 16 | fuzz_u16(in);
}

/* Up to want bytes, fewer at the end of the input; returns how many. */
static inline size_t fuzz_bytes(struct fuzz_input *in, const uint8_t **out, size_t want)
{
	size_t n = want < in->n ? want : in->n;

	*out = in->p;
	in->p += n;
	in->n -= n;
	return n;
}

/* A wall-clock time (ns) the fuzzed clock starts at. */
#define FUZZ_START_NS 1700000000000000000ULL

/* Moves the clock by a step coded in one byte: the low 6 bits times a unit the top 2 bits
 * choose (1 us, 1 ms, 10 s), or back by up to 63 us (packets of one ring and a sweep's own
 * clock reading are not strictly ordered). */
static inline void fuzz_clock_step(__u64 *now, __u8 code)
{
	static const __u64 unit_ns[3] = { 1000ULL, 1000000ULL, 10000000000ULL };
	__u64 m = code & 0x3f;

	if (code >> 6 == 3)
		*now -= m * 1000ULL;
	else
		*now += m * unit_ns[code >> 6];
}

#endif
