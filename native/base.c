#include <errno.h>
#include "internal.h"

int fl_base_open(const struct fl_session_config *cfg, void **backend)
{
	(void)cfg;
	(void)backend;
	return -EOPNOTSUPP;
}

const struct fl_backend_ops fl_base_ops;
