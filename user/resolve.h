/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Outer neighbour priming. XDP's bpf_fib_lookup reads the kernel's
 * neighbour table but cannot start a resolution; on a host where no
 * kernel vxlan device ever sends to a VTEP, nothing else would. So when a
 * VTEP is first named, vxbpf asks the kernel to resolve the next hop
 * towards it (RTM_NEWNEIGH with NTF_USE), as a first packet would.
 */
#ifndef VX_RESOLVE_H
#define VX_RESOLVE_H

#include "common.h"

/* Best effort: 0, or -errno (no route, no netlink). Never blocks. local:
 * the VNI's VTEP address, the route's source as the fast path asks the FIB
 * (policy routing may choose by it); NULL if unknown. */
int underlay_resolve(const struct vxbpf_addr *vtep, const struct vxbpf_addr *local);

#endif
