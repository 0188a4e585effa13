/* Fuzzes payload capture (payload_capture.h) with packets parsed from the input, the way base
 * mode decides for each one: payload port, plausible message start, rate limit, then the
 * record. Input: a 4-byte payload rate (records/s, 0: the default), then packets, each a clock
 * step byte (input.h), a 2-byte frame length and the frame. */
#include "check.h"
#include "frame_parse.h"
#include "input.h"
#include "flowlens.h"
#include "flow_aggregate.h"
#include "payload_capture.h"

/* The agent's L7 ports (src/parser/l7/l7-flow-parser.ts). */
static const __u16 payload_ports[] = { 53, 80, 8080, 443 };
#define PAYLOAD_PORT_COUNT (sizeof(payload_ports) / sizeof(payload_ports[0]))

struct budget_run {
	struct fl_payload_budget budget;
	struct fl_payload_rate rate;
	int started;
	__u64 first_ns;  /* the first take's time */
	__u64 latest_ns; /* the latest time a take was called with */
	__u64 taken;
};

/* fl_payload_take with what a token bucket promises: never more credit than the bucket, never
 * more records than the bucket plus the time elapsed pays for, and never a refusal when a
 * record's cost of time has passed since the latest call. */
static int take(struct budget_run *b, __u64 now)
{
	int first = !b->started;
	int ok = fl_payload_take(&b->budget, b->rate.cost_ns, b->rate.bucket_ns, now);

	if (first) {
		b->started = 1;
		b->first_ns = b->latest_ns = now;
		FUZZ_CHECK(ok);
	} else if (now >= b->latest_ns + b->rate.cost_ns) {
		FUZZ_CHECK(ok);
	}
	if (now > b->latest_ns)
		b->latest_ns = now;
	b->taken += (__u64)ok;
	FUZZ_CHECK(b->budget.credit_ns <= b->rate.bucket_ns);
	FUZZ_CHECK(b->taken * b->rate.cost_ns <= b->rate.bucket_ns + (b->latest_ns - b->first_ns));
	return ok;
}

/* A packet through fl_base_payload (base.c): keep in step with it. */
static void payload_packet(struct budget_run *b, const struct fl_frame *frame, __u64 now)
{
	struct fl_payload_record *r;
	struct fl_packet pkt;
	struct fl_flow_key key;
	__u32 n;

	memset(&pkt, 0, sizeof(pkt));
	if (fl_parse_frame_l2(frame, &pkt) != FL_PARSE_OK)
		return;
	fl_flow_key_of(&key, &pkt, 1, FL_DIR_INGRESS);
	if (!fl_payload_port(payload_ports, PAYLOAD_PORT_COUNT, &pkt))
		return;
	FUZZ_CHECK(pkt.has_ports && pkt.payload_len);
	/* The kernel programs' length: the payload, at most FL_PAYLOAD_MAX. */
	n = fl_payload_bytes(pkt.payload_len);
	FUZZ_CHECK(n == (pkt.payload_len < FL_PAYLOAD_MAX ? pkt.payload_len : FL_PAYLOAD_MAX));
	if (pkt.payload_off >= frame->len)
		return;
	n = frame->len - pkt.payload_off;
	if (n > pkt.payload_len)
		n = pkt.payload_len;
	if (n > FL_PAYLOAD_MAX)
		n = FL_PAYLOAD_MAX;
	if (!fl_payload_plausible(pkt.protocol, frame->data + pkt.payload_off, n < FL_PAYLOAD_HEAD_BYTES ? n : FL_PAYLOAD_HEAD_BYTES))
		return;
	if (!take(b, now))
		return;
	r = malloc(sizeof(*r));
	FUZZ_CHECK(r);
	fl_payload_fill(&r->rec, now, &key, &pkt, frame->len, n);
	FUZZ_CHECK(r->rec.size % 8 == 0 && r->rec.size >= FL_RECORD_BYTES + n && r->rec.size < FL_RECORD_BYTES + n + 8);
	FUZZ_CHECK(r->rec.size <= FL_MAX_RECORD_BYTES);
	FUZZ_CHECK(r->rec.kind == FL_REC_PAYLOAD && r->rec.packets == 1 && r->rec.bytes == frame->len);
	FUZZ_CHECK(r->rec.payload_len == n && r->rec.payload_total == pkt.payload_len && r->rec.aux == pkt.ident);
	FUZZ_CHECK(r->rec.sport == pkt.sport && r->rec.dport == pkt.dport && r->rec.tcp_flags == pkt.tcp_flags);
	memcpy(r->payload, frame->data + pkt.payload_off, n);
	memset(r->payload + n, 0, r->rec.size - FL_RECORD_BYTES - n);
	free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { .p = data, .n = size };
	struct budget_run b = { .rate = fl_payload_rate_of(fuzz_u32(&in)) };
	__u64 now = FUZZ_START_NS;

	FUZZ_CHECK(b.rate.cost_ns <= b.rate.bucket_ns);
	while (fuzz_more(&in)) {
		const uint8_t *bytes;
		struct fl_frame frame;
		__u8 step = fuzz_u8(&in);
		size_t len = fuzz_bytes(&in, &bytes, fuzz_u16(&in));
		/* Its own allocation of its exact size, so that any read past the frame is reported. */
		__u8 *copy = malloc(len ? len : 1);

		FUZZ_CHECK(copy);
		memcpy(copy, bytes, len);
		frame.data = copy;
		frame.len = (__u32)len;
		fuzz_clock_step(&now, step);
		payload_packet(&b, &frame, now);
		free(copy);
	}
	return 0;
}
