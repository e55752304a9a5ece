/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Ageing without being met: the kernel's vxlan_cleanup() walks the
 * device's FDB every few seconds and deletes learned entries not refreshed
 * for `ageing` seconds. Here a bpf_timer, armed by the first learn, walks
 * the fdb map every VXBPF_SWEEP_NS and does the same for the entries the
 * fast path learned (LEARNED, not MIRRORED: a mirrored one is the kernel's
 * to age, and mirror follows). Before, an entry was deleted only when a
 * frame met it, so MACs that never came back (a peer sending from random
 * MACs) held their room in the map for good.
 *
 * The timer lives in the pinned sweep map, so it outlives the program that
 * armed it (whose callback it keeps) until the pins go.
 */
#ifndef VXBPF_SWEEP_H
#define VXBPF_SWEEP_H

#define SWEEP_CLOCK_MONOTONIC 1

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vxbpf_sweeper);
} vxbpf_sweep SEC(".maps");

static long sweep_one(struct bpf_map *map, struct vxbpf_fdb_key *key, struct vxbpf_fdb_val *val,
		      __u64 *swept)
{
	struct vxbpf_vni_cfg *cfg;

	if ((val->flags & (VXBPF_FDB_LEARNED | VXBPF_FDB_MIRRORED)) != VXBPF_FDB_LEARNED)
		return 0;
	cfg = bpf_map_lookup_elem(&vxbpf_vni, &key->vni);
	/* The VNI is gone: its learned entries with it. */
	if (cfg && !fdb_expired(val, cfg))
		return 0;
	if (!bpf_map_delete_elem(&vxbpf_fdb, key)) {
		learn_release(cfg ? cfg->slot : VXBPF_LEARN_ALL);
		(*swept)++;
		gen_raise(); /* as fdb_find's delete */
	}
	return 0;
}

static int sweep_run(void *map, __u32 *key, struct vxbpf_sweeper *s)
{
	__u64 swept = 0;

	bpf_for_each_map_elem(&vxbpf_fdb, sweep_one, &swept, 0);
	s->swept += swept;
	bpf_timer_start(&s->timer, s->period_ns ? s->period_ns : VXBPF_SWEEP_NS, 0);
	return 0;
}

/* After a learn: make sure the sweep runs (once armed, it re-arms itself). */
static __always_inline void sweep_arm(void)
{
	__u32 zero = 0;
	struct vxbpf_sweeper *s = bpf_map_lookup_elem(&vxbpf_sweep, &zero);

	if (!s || s->armed)
		return;
	/* Two CPUs may both get here: the second init fails (EBUSY). */
	s->armed = 1;
	if (bpf_timer_init(&s->timer, &vxbpf_sweep, SWEEP_CLOCK_MONOTONIC))
		return;
	bpf_timer_set_callback(&s->timer, sweep_run);
	bpf_timer_start(&s->timer, s->period_ns ? s->period_ns : VXBPF_SWEEP_NS, 0);
}

#endif /* VXBPF_SWEEP_H */
