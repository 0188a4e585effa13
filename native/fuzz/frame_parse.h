/* The shared parser (packet_parse.h) instantiated over a frame buffer exactly as base.c does for
 * AF_PACKET frames: fl_parse_frame_l2 from the Ethernet header, fl_parse_frame_l3 from the network
 * header (the entry the drop tracepoint uses). Keep in step with base.c. */
#ifndef FLOWLENS_FUZZ_FRAME_PARSE_H
#define FLOWLENS_FUZZ_FRAME_PARSE_H

#include <string.h>
#include <linux/types.h>
#include "packet.h"

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
#undef FL_PARSE_PREFIX
#undef FL_PARSE_CTX
#undef FL_LOAD

#endif
