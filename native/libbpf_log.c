/* libbpf's messages (verifier logs, feature probes) go to stderr only when
 * FLOWLENS_NATIVE_DEBUG is set: the agent reports failures through return codes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <bpf/libbpf.h>

static int fl_libbpf_print(enum libbpf_print_level level, const char *format, va_list args)
{
	(void)level;
	return vfprintf(stderr, format, args);
}

__attribute__((constructor)) static void fl_libbpf_log_init(void)
{
	libbpf_set_print(getenv("FLOWLENS_NATIVE_DEBUG") ? fl_libbpf_print : NULL);
}
