/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The next-hop cache: this CPU's slots of vxbpf_nh_cache, a per-CPU array
 * of sets of two slots (include/vxbpf.h). The set is a hash of (local,
 * remote); either slot of it may hold the key. Two ways rather than one,
 * so that two busy VTEPs whose keys share a set do not evict each other
 * on every frame (each eviction costs a FIB lookup).
 */
#ifndef VXBPF_NH_H
#define VXBPF_NH_H

static __always_inline struct vxbpf_nh_slot *nh_slot(__u32 i)
{
	return bpf_map_lookup_elem(&vxbpf_nh_cache, &i);
}

/* Compared as one expression: a single branch, taken on a hit. */
static __always_inline bool nh_key_is(const struct vxbpf_nh_key *k, const struct vxbpf_addr *src,
				      const struct vxbpf_addr *dst)
{
	const __u32 *x = (const __u32 *)k, *s = (const __u32 *)src, *d = (const __u32 *)dst;

	return !((x[0] ^ s[0]) | (x[1] ^ s[1]) | (x[2] ^ s[2]) | (x[3] ^ s[3]) | (x[4] ^ d[0]) |
		 (x[5] ^ d[1]) | (x[6] ^ d[2]) | (x[7] ^ d[3]));
}

/* (src, dst)'s slot on this CPU (set: vxbpf_nh_slot0()), fresh or not; NULL if none. */
static __always_inline struct vxbpf_nh_slot *nh_find(const struct vxbpf_addr *src,
						     const struct vxbpf_addr *dst, __u32 set)
{
	struct vxbpf_nh_slot *s = nh_slot(set);

	if (s && nh_key_is(&s->key, src, dst))
		return s;
	s = nh_slot(set | 1);
	if (s && nh_key_is(&s->key, src, dst))
		return s;
	return NULL;
}

/*
 * The slot a new answer takes when its key is not in the set: an empty or expired
 * one, else the one that expires first, which was filled longest ago.
 */
static __always_inline struct vxbpf_nh_slot *nh_victim(__u32 set, __u64 now)
{
	struct vxbpf_nh_slot *a = nh_slot(set), *b = nh_slot(set | 1);

	if (!a || !b)
		return a ? a : b;
	if (now >= a->val.expires)
		return a;
	if (now >= b->val.expires)
		return b;
	return a->val.expires <= b->val.expires ? a : b;
}

#endif /* VXBPF_NH_H */
