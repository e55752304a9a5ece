/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The receive allow-list and the VNI's configuration it carries, for a
 * frame from (vni, ip): from this CPU's vtep_cache when a slot of the
 * current generation (gen.h) holds it, else from the vtep map (and the slot then
 * filled), else from the vni map alone (not listed). Slots are written by
 * this CPU only, and never while it reads one (XDP runs to its end).
 */
#ifndef VXBPF_VTEP_H
#define VXBPF_VTEP_H

static __always_inline struct vxbpf_vtep_slot *vtep_slot(__u32 i)
{
	return bpf_map_lookup_elem(&vxbpf_vtep_cache, &i);
}

/* Compared as one expression, as nh_key_is(). */
static __always_inline bool vtep_slot_is(const struct vxbpf_vtep_slot *s, __u32 vni,
					 const struct vxbpf_addr *ip, __u64 gen)
{
	const __u32 *x = (const __u32 *)&s->key.ip, *a = (const __u32 *)ip;

	return !((s->key.vni ^ vni) | (x[0] ^ a[0]) | (x[1] ^ a[1]) | (x[2] ^ a[2]) |
		 (x[3] ^ a[3]) | (s->gen ^ gen));
}

static __always_inline void vtep_fill(__u32 set, __u32 vni, const struct vxbpf_addr *ip, __u64 gen,
				      const struct vxbpf_vni_cfg *cfg)
{
	struct vxbpf_vtep_slot *a = vtep_slot(set), *b = vtep_slot(set | 1), *s;
	int v = gen_victim(a ? &a->gen : NULL, b ? &b->gen : NULL, gen);

	if (v < 0)
		return;
	s = v ? b : a;
	s->key.vni = vni;
	s->key.ip = *ip;
	s->cfg = *cfg;
	s->gen = gen;
}

/*
 * The configuration of vni for a frame from ip, or NULL (no such VNI);
 * *listed: ip is in the VNI's allow-list (named by one of its fdb or
 * flood entries). A listed entry whose copy is not derived yet (be_dstport
 * 0) is not cached: the vni map answers for it.
 */
static __always_inline const struct vxbpf_vni_cfg *vtep_cfg(__u32 vni, const struct vxbpf_addr *ip,
							    bool *listed)
{
	__u32 set = vxbpf_vtep_slot0(vni, ip);
	__u64 gen = maps_gen();
	struct vxbpf_vtep_slot *s;
	struct vxbpf_vtep_val *v;
	struct vxbpf_vtep_key k;

	s = vtep_slot(set);
	if (s && vtep_slot_is(s, vni, ip, gen))
		goto hit;
	s = vtep_slot(set | 1);
	if (s && vtep_slot_is(s, vni, ip, gen))
		goto hit;
	if (s)
		gen_then_map(&s->gen);
	k.vni = vni;
	k.ip = *ip;
	v = bpf_map_lookup_elem(&vxbpf_vtep, &k);
	*listed = v != NULL;
	if (v && v->cfg.be_dstport) {
		vtep_fill(set, vni, ip, gen, &v->cfg);
		return &v->cfg;
	}
	return bpf_map_lookup_elem(&vxbpf_vni, &vni);
hit:
	*listed = true;
	return &s->cfg;
}

#endif /* VXBPF_VTEP_H */
