/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The bound on learning, as the kernel's vxlan `maxaddress` (addrmax):
 * a VNI holds at most maxaddr learned fdb entries, and all VNIs together
 * at most VXBPF_LEARN_MAX, so a peer sending from random inner MACs on a
 * learning VNI cannot take the room that user and mirrored entries need.
 * The kernel counts every entry of the device against addrmax and then
 * refuses `bridge fdb add` too; vxbpf counts only what it learned, so a
 * user's entry always goes in.
 *
 * The counts (the learned map) are reserved before the insert, so two
 * CPUs learning at once never take the last place both: the limit is
 * exact, not "about".
 */
#ifndef VXBPF_LEARN_H
#define VXBPF_LEARN_H

static __always_inline __s64 *learned_count(__u32 idx)
{
	return bpf_map_lookup_elem(&vxbpf_learned, &idx);
}

static __always_inline void learn_refused(__u32 slot)
{
	struct vxbpf_vni_stats *s = bpf_map_lookup_elem(&vxbpf_vni_stats, &slot);

	if (s)
		s->learn_refused++;
}

/* One more learned entry of slot, if its VNI and the total have room. */
static __always_inline bool learn_reserve(const struct vxbpf_vni_cfg *cfg)
{
	__s64 *n = learned_count(cfg->slot), *all = learned_count(VXBPF_LEARN_ALL);
	__s64 max = cfg->maxaddr;

	if (!n || !all)
		return false;
	/* Plain reads first: a flood of refused learns costs no atomic
	 * writes to the shared line. */
	if ((max && READ_ONCE(*n) >= max) || READ_ONCE(*all) >= VXBPF_LEARN_MAX)
		return false;
	if (__sync_fetch_and_add(n, 1) >= max && max) {
		__sync_fetch_and_add(n, -1);
		return false;
	}
	if (__sync_fetch_and_add(all, 1) >= VXBPF_LEARN_MAX) {
		__sync_fetch_and_add(all, -1);
		__sync_fetch_and_add(n, -1);
		return false;
	}
	return true;
}

/* A learned entry is gone (aged out, swept, or its insert failed). slot
 * is VXBPF_LEARN_ALL when the VNI itself is gone: user space counted its
 * entries out when it deleted it. */
static __always_inline void learn_release(__u32 slot)
{
	__s64 *n = learned_count(slot), *all = learned_count(VXBPF_LEARN_ALL);

	if (n && slot != VXBPF_LEARN_ALL)
		__sync_fetch_and_add(n, -1);
	if (all)
		__sync_fetch_and_add(all, -1);
}

#endif /* VXBPF_LEARN_H */
