/* OpenSSL uprobes for tracer mode's TLS plaintext (tls_probes.c). */
#ifndef FLOWLENS_TLS_PROBES_H
#define FLOWLENS_TLS_PROBES_H

#include <linux/types.h>

struct bpf_program;
struct fl_tls_probes;

/* Probes every OpenSSL found now, then keeps looking on a thread of its own; returns 0 or -errno. */
int fl_tls_probes_start(struct bpf_program *enter, struct bpf_program *ret, struct fl_tls_probes **out);
/* Files (binaries, libraries) with probes attached. */
__u32 fl_tls_probes_files(struct fl_tls_probes *p);
/* Stops looking and detaches every probe. */
void fl_tls_probes_stop(struct fl_tls_probes *p);

#endif
