/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Everything the fast path counts, read once from the maps (per-CPU
 * values summed): what `vxbpf stats` prints and `vxbpf metrics` exposes.
 */
#ifndef VX_COUNTERS_H
#define VX_COUNTERS_H

#include <stddef.h>
#include <linux/types.h>

#include "pins.h"
#include "vxbpf.h"

struct vx_reason_desc {
	const char *name, *help;
};
extern const struct vx_reason_desc vx_reasons[];

struct vx_vni_counters {
	__u32 vni, slot;
	__u32 maxaddr;
	struct vxbpf_vni_stats s;
	struct vxbpf_vni_flood f;
	__u64 events_suppressed;
	__u64 learned; /* fdb entries learned, now */
};

struct vx_counters {
	struct vxbpf_counter reason[VXBPF_R_MAX];
	struct vx_vni_counters *vni; /* by VNI */
	size_t n_vni;
	__u64 swept;   /* learned entries the sweep aged out */
	__u64 learned; /* learned entries of all VNIs */
};

/* 0, or -errno with the error printed. */
int counters_read(struct vx_maps *m, struct vx_counters *c);
void counters_free(struct vx_counters *c);

/* Entries in one of the maps (walked: hash maps keep no count). */
int map_entries(struct vx_maps *m, enum vx_map_id id, size_t *n);

#endif
