/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Joining a libxdp dispatcher that another tool (xdp-filter, xdp-loader)
 * put on a device: vxbpf's program becomes one of its components, loaded
 * by libxdp as freplace and kept attached by libxdp's pins in bpffs.
 * Apart from the rest of vxbpf: libxdp.h and parse.h both name XDP_MODE_*.
 */
#ifndef VX_XDP_DISP_H
#define VX_XDP_DISP_H

#include <stdbool.h>
#include <linux/types.h>

struct bpf_object;

/* Run priority of vxbpf's component: after xdp-filter's (10) and the
 * default (50), so what those pass reaches vxbpf. */
#define VX_DISP_PRIO 100

/* The program on ifindex: 1 a libxdp dispatcher (*skb: its mode is skb,
 * *frags: it takes multi-buffer frames), 0 something else or nothing. */
int disp_probe(int ifindex, bool *skb, bool *frags);

/* Add program `name` of obj (opened, not loaded: libxdp loads it) to the
 * dispatcher on ifindex. Returns a new fd of the loaded program, or
 * -errno: -EOPNOTSUPP when the kernel refuses the dispatcher more
 * programs. Prints nothing. */
int disp_add(struct bpf_object *obj, const char *name, int ifindex, bool skb);

/* 1 if prog_id is a component of the dispatcher on ifindex. */
int disp_has(int ifindex, __u32 prog_id, bool *skb);

/* Remove component prog_id; the other components stay. 0 or -errno. */
int disp_remove(int ifindex, __u32 prog_id);

#endif
