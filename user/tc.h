/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The TC programs (host traffic through a kernel vxlan device): a tcx link
 * pinned at <pin dir>/links/tc_{in,out}_<ifindex> where the kernel has tcx
 * (6.6), else a cls_bpf filter in direct-action mode on the clsact hook at
 * a fixed handle and priority. Either one outlives the vxbpf process, as
 * the XDP links do, and re-attaching replaces the program in place.
 */
#ifndef VX_TC_H
#define VX_TC_H

#include <stdbool.h>

#include "pins.h"

int tc_attach(struct vx_maps *m, const char *dev, int ifindex, enum vx_prog_id which, bool egress);
/* quiet: no error when nothing is attached. */
int tc_detach(struct vx_maps *m, const char *dev, int ifindex, bool egress, bool quiet);
/* "tcx", "cls_bpf" or NULL: how vxbpf's program is attached there. tidy:
 * remove a pin whose link is gone (attach/detach; not for status). */
const char *tc_attached(struct vx_maps *m, int ifindex, bool egress, bool tidy);

#endif
