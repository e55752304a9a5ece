/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The commands. Each returns 0 or -errno, its error already printed. */
#ifndef VX_CMD_H
#define VX_CMD_H

#include <stdio.h>
#include "parse.h"

int cmd_run(const struct vx_cmd *c);

int run_change(const struct vx_cmd *c);
int run_load(const char *file);
int run_show(const struct vx_cmd *c);
int run_stats(void);
int run_stats_reset(void);
int run_monitor(const struct vx_cmd *c);
int run_status(void);
int run_fsck(const struct vx_cmd *c);
int run_metrics(const struct vx_cmd *c);
int run_save(const struct vx_cmd *c);
int run_explain(const struct vx_cmd *c);
int run_attach(const struct vx_cmd *c);
/* Whether XDP may redirect multi-buffer frames to the device (its driver's
 * XDP features; the underlay map's XMIT_SG bit). */
bool dev_xmit_sg(int ifindex);
int run_detach(const struct vx_cmd *c);
int run_port_add(const struct vx_cmd *c);
int run_port_del(const struct vx_cmd *c);
int run_mirror(const struct vx_cmd *c);

struct vx_maps;
/* One port line/object, shared by port show and status. */
void port_print(struct vx_maps *m, __u32 ifindex, __u32 vni,
		const char *indent);

/* Parse a whole load file into cmds (no maps touched). */
struct load_line {
	struct vx_cmd cmd;
	unsigned line;
};
int load_parse(FILE *f, const char *name, struct load_line **out,
	       size_t *n);

#endif
