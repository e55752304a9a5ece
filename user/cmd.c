// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Dispatch from a parsed command to the code that runs it. */
#include <errno.h>
#include <stdio.h>

#include "cmd.h"
#include "version.h"

int cmd_run(const struct vx_cmd *c)
{
	switch (c->obj) {
	case OBJ_FDB:
	case OBJ_NEIGH:
	case OBJ_VNI:
		return c->verb == VERB_SHOW ? run_show(c) : run_change(c);
	case OBJ_PORT:
		if (c->verb == VERB_SHOW)
			return run_show(c);
		return c->verb == VERB_ADD ? run_port_add(c) : run_port_del(c);
	case OBJ_ATTACH:
		return run_attach(c);
	case OBJ_DETACH:
		return run_detach(c);
	case OBJ_LOAD:
		return run_load(c->file);
	case OBJ_STATS:
		return c->reset ? run_stats_reset() : run_stats();
	case OBJ_MONITOR:
		return run_monitor(c);
	case OBJ_STATUS:
		return run_status();
	case OBJ_EXPLAIN:
		return run_explain(c);
	case OBJ_SAVE:
		return run_save(c);
	case OBJ_METRICS:
		return run_metrics(c);
	case OBJ_FSCK:
		return run_fsck(c);
	case OBJ_MIRROR:
		return run_mirror(c);
	case OBJ_HELP:
		fputs(vx_usage, stdout);
		return 0;
	case OBJ_VERSION:
		printf("vxbpf " VXBPF_VERSION "\n");
		return 0;
	default:
		return -EINVAL;
	}
}
