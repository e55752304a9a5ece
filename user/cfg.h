/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The configuration semantics (bridge fdb / ip neigh rules, the vtep
 * reference counts, VNI slots) applied to the table caches. One command
 * or a whole `load` file is applied with cfg_apply() and then written with
 * cfg_commit(), which undoes everything it wrote if any write fails.
 */
#ifndef VX_CFG_H
#define VX_CFG_H

#include "parse.h"
#include "pins.h"
#include "table.h"

struct vx_cfg {
	struct vx_maps *maps; /* NULL: memory only (unit tests) */
	struct tbl vni, fdb, flood, neigh, vtep, ports;
	/* Derived by cfg_commit for the replication (cfg_derive.c). */
	struct tbl remotes, vni_ports;
	struct tbl dstports; /* array: UDP port -> number of VNIs on it */
	__u32 *new_slots; /* vni_stats slots to zero before commit */
	size_t n_new_slots, cap_new_slots;
	size_t changes;	  /* commands applied */
	int lock_fd;	  /* the pin directory, flock()ed while we work */
	bool quiet_full;  /* cfg_commit: a full map is the caller's to report */
	struct tbl *full; /* cfg_commit failed with E2BIG: this map is full */
	/* hostdevs entries of vxlan devices that are gone, which the caller
	 * deletes after the commit (mirror): no longer attached for vni del. */
	const __u32 *hostdevs_gone;
	size_t n_hostdevs_gone;
};

/*
 * Writers (commands, load, the mirror daemon) read the maps, decide, and
 * write: cfg_init takes an exclusive flock on the pin directory until
 * cfg_free, so two writers never interleave their read and their write.
 */
int cfg_init(struct vx_cfg *c, struct vx_maps *m);
void cfg_free(struct vx_cfg *c);

/* Validate one map-changing command and apply it to the caches. */
int cfg_apply(struct vx_cfg *c, const struct vx_cmd *cmd);

/* A port goes: its ports entry and every local fdb entry pointing at it,
 * so decapsulated frames are not sent into a device that left the VNI. */
int cfg_drop_port(struct vx_cfg *c, __u32 ifindex);

/*
 * The hostdevs entries of vni (the kernel vxlan devices `attach` gave it),
 * fn called with the ifindex of each; the maps are read, not the batch.
 * Returns the first non-zero fn returned (which stops the walk), else 0;
 * 0 without maps.
 */
typedef int (*cfg_hostdev_fn)(__u32 ifindex, void *ctx);
int cfg_vni_hostdevs(struct vx_cfg *c, __u32 vni, cfg_hostdev_fn fn, void *ctx);

/*
 * The attachment of the vxlan device ifindex to vni leaves the batch (detach,
 * or mirror when the device went): its tc_host_tx link and pin, the host's
 * fdb entry that sends its MAC's frames to it and, when no other device of
 * the VNI stays attached (the maps less c->hostdevs_gone), the VNI's
 * HOSTDEV flag. Its hostdevs entry is the caller's to delete, only after
 * the commit: tc_host_rx hands frames to the device only while it is
 * there. c has its maps. dev: its name, NULL when it is gone (a failure
 * to detach what is left of its link then does not stop the rest).
 */
int cfg_hostdev_drop(struct vx_cfg *c, const char *dev, __u32 ifindex, __u32 vni);
/* No vxlan device of vni attached any more: its HOSTDEV flag goes, and
 * vxbpf replicates the VNI's broadcast itself again. */
int cfg_vni_hostdev_clear(struct vx_cfg *c, __u32 vni);

/* Write everything; on failure restore what was written. Prints errors. */
int cfg_commit(struct vx_cfg *c);
/* Undo a commit that went through (what comes after it failed): every
 * map it wrote, derived copies and lists too, back to what it was. The
 * number of entries that could not be restored. */
int cfg_undo(struct vx_cfg *c);

/*
 * The derived maps for what the caches now say: the remotes list of every
 * (vni, mac) whose fdb or flood entries changed, the port list of every
 * VNI whose ports changed (all of them when `all`). Called by cfg_commit;
 * fails (-E2BIG, printed) on a list longer than the data path replicates.
 */
int cfg_derive(struct vx_cfg *c, bool all);

/*
 * The vtep reference count of (vni, ip), up (+1) or down (-1) by one. For
 * mirror, which turns an entry written through cfg_apply into one the fast
 * path treats as learned (and learned entries are never counted).
 */
int cfg_vtep_ref(struct vx_cfg *c, __u32 vni, const struct vxbpf_addr *ip,
		 int delta);

/*
 * Recompute the reference counts (vtep: fdb and flood entries naming each
 * VTEP; dstports: VNIs on each UDP port) from the entries themselves, and
 * fix every count that differs: what a writer killed between two map
 * writes leaves wrong. Loads the tables whole; returns the number of counts
 * fixed or -errno.
 */
int cfg_recount(struct vx_cfg *c);

/* Default outer parameters of the current netns, as the kernel's vxlan. */
void cfg_default_srcport(__u16 *min, __u16 *max);
__u8 cfg_default_ttl(bool ipv6);

#endif
