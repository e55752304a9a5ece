/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The fdb as the data path reads it: through this CPU's fdb_cache when a
 * slot of the current generation (gen.h) holds the key, else from the fdb
 * map, the slot then filled. A hash lookup of the 12-byte key (jhash, a
 * bucket walk, a compare) cost as much as the rest of a lookup's users
 * together (bench/cost.md §13); a slot is a multiply, an array load and a
 * compare.
 *
 * Only what user space alone writes is cached, so that its raise of the
 * generation after every commit covers every change: not a learned entry,
 * which the data path itself moves (fdb_learn), refreshes and deletes
 * (fdb_find, the sweep) without one. Slots are written by this CPU only,
 * never while it reads one.
 */
#ifndef VXBPF_FDB_H
#define VXBPF_FDB_H

/*
 * (vni, mac) as an fdb key, stored as the three 32-bit words it is read as
 * (the set hash, the slot compare, the map's jhash2). Copied byte by byte,
 * each word read back spanned several narrower stores, which the CPU
 * cannot forward: 3-5 ns per key (bench/cost.md §14). mac: in the packet
 * or a map value, its six bytes known to be there; loaded as a word and a
 * half-word whatever their alignment, as XDP allows on this hardware.
 */
static __always_inline void fdb_key(struct vxbpf_fdb_key *k, __u32 vni, const __u8 *mac)
{
	__u32 *w = (__u32 *)k, lo = *(const __u16 *)(mac + 4);

	w[0] = vni;
	w[1] = *(const __u32 *)mac;
	/* The last two bytes of the MAC, then the zero pad. */
	w[2] = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? lo : lo << 16;
}

/* A learned entry not refreshed for the VNI's ageing time is gone, as in
 * the kernel's vxlan_cleanup(). */
static __always_inline bool fdb_expired(const struct vxbpf_fdb_val *f, const struct vxbpf_vni_cfg *cfg)
{
	__u64 ageing = (cfg->ageing ? cfg->ageing : VXBPF_DEFAULT_AGEING) * 1000000000ULL;

	return (f->flags & VXBPF_FDB_LEARNED) && bpf_ktime_get_ns() - f->updated_ns > ageing;
}

static __always_inline struct vxbpf_fdb_slot *fdb_slot(__u32 i)
{
	return bpf_map_lookup_elem(&vxbpf_fdb_cache, &i);
}

/* Compared as one expression, as nh_key_is(). The key's pad is zero, as
 * the map's keys are. */
static __always_inline bool fdb_slot_is(const struct vxbpf_fdb_slot *s, const struct vxbpf_fdb_key *key,
					__u64 gen)
{
	const __u32 *x = (const __u32 *)&s->key, *k = (const __u32 *)key;

	return !((x[0] ^ k[0]) | (x[1] ^ k[1]) | (x[2] ^ k[2]) | (s->gen ^ gen));
}

static __always_inline void fdb_fill(__u32 set, const struct vxbpf_fdb_key *key, __u64 gen,
				     const struct vxbpf_fdb_val *f)
{
	struct vxbpf_fdb_slot *a = fdb_slot(set), *b = fdb_slot(set | 1), *s;
	int v = gen_victim(a ? &a->gen : NULL, b ? &b->gen : NULL, gen);

	if (v < 0)
		return;
	s = v ? b : a;
	s->key = *key;
	s->val = *f;
	s->gen = gen;
}

/*
 * The fdb entry of key, or NULL; an aged-out one is deleted where met
 * (and by the sweep, bpf/sweep.h, if never met). Read only: it may be
 * this CPU's copy.
 */
static __always_inline const struct vxbpf_fdb_val *fdb_find(const struct vxbpf_fdb_key *key,
							    const struct vxbpf_vni_cfg *cfg)
{
	__u32 set = vxbpf_fdb_slot0(key);
	__u64 gen = maps_gen();
	struct vxbpf_fdb_slot *s;
	struct vxbpf_fdb_val *f;

	s = fdb_slot(set);
	if (s && fdb_slot_is(s, key, gen))
		return &s->val;
	s = fdb_slot(set | 1);
	if (s && fdb_slot_is(s, key, gen))
		return &s->val;
	if (s)
		gen_then_map(&s->gen);
	f = bpf_map_lookup_elem(&vxbpf_fdb, key);
	if (!f)
		return NULL;
	if (!(f->flags & VXBPF_FDB_LEARNED)) {
		fdb_fill(set, key, gen, f);
		return f;
	}
	if (fdb_expired(f, cfg)) {
		if (!explain && !bpf_map_delete_elem(&vxbpf_fdb, key)) {
			learn_release(cfg->slot);
			gen_raise();
		}
		return NULL;
	}
	return f;
}

#endif /* VXBPF_FDB_H */
