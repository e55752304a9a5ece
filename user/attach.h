/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * XDP attachment through BPF links pinned at <pin dir>/links/xdp_<ifindex>:
 * the pin keeps the program attached after vxbpf exits, and re-attaching
 * swaps the program in place with bpf_link_update.
 *
 * On a device where another tool put a libxdp dispatcher (xdp-filter),
 * vxbpf's program joins it as a component instead (xdp_disp.h); then the
 * pin is the program itself, the dispatcher's freplace link is libxdp's.
 */
#ifndef VX_ATTACH_H
#define VX_ATTACH_H

#include "parse.h"
#include "pins.h"

struct xdp_att {
	int ifindex;
	__u32 link_id, prog_id;
	char prog[16];	 /* program name, "" if unknown */
	const char *mode; /* "native", "generic", "?" */
	bool dispatcher;  /* a component of a libxdp dispatcher (link_id 0) */
};

/* Resolve a device name (or a bare ifindex); prints the error. */
int dev_index(const char *dev);

int xdp_attach(struct vx_maps *m, const char *dev, int ifindex,
	       enum vx_prog_id which, enum vx_xdp_mode mode);
/* quiet: no error when nothing is attached (port del of a stale port). */
int xdp_detach(struct vx_maps *m, const char *dev, int ifindex, bool quiet);

/* The vxbpf attachment of ifindex: 1 found (a filled), 0 none, -errno. */
int xdp_attached(struct vx_maps *m, int ifindex, struct xdp_att *a);

/* Every pinned link, by ifindex; cb returns nonzero to stop. */
int xdp_walk(struct vx_maps *m, int (*cb)(const struct xdp_att *a, void *ctx),
	     void *ctx);

#endif
