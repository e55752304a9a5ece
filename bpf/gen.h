/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The generation of what user space wrote, for the per-CPU caches of its
 * maps (vtep.h, port.h): the gen map's value + 1. Every writer raises it
 * after its last map write, rollback included (user/cfg.c
 * maps_written()); a cache reads it before it reads the map it caches, so
 * a slot filled from the map as it was before a write carries a gen
 * already old once the write is done. 0: no entry, no slot ever holds (an
 * empty slot's gen is 0).
 */
#ifndef VXBPF_GEN_H
#define VXBPF_GEN_H

static __always_inline __u64 maps_gen(void)
{
	__u32 zero = 0;
	__u64 *g = bpf_map_lookup_elem(&vxbpf_gen, &zero);

	return g ? *g + 1 : 0;
}

/*
 * Between reading the generation and reading the map a slot is filled
 * from. x86 keeps loads in order; elsewhere an atomic on the slot (this
 * CPU's own line), on a miss only. Its result is used: only the fetching
 * form is a full barrier in the JITs (arm64 LDADDAL or a DMB, riscv
 * .aqrl); unused, clang emits the plain form, which orders nothing.
 */
static __always_inline void gen_then_map(__u64 *slot_gen)
{
#ifndef __TARGET_ARCH_x86
	__u64 old = __sync_fetch_and_add(slot_gen, 0);

	asm volatile("" : : "r"(old));
#endif
}

/*
 * Which slot of a set of two a new entry takes, given the slots' gen
 * fields (NULL: no slot): 0 (the first), 1 or -1 (neither; and never
 * under explain, nor while the gen map is missing): a stale or empty one. An entry of the current generation is
 * never evicted; every commit makes them all stale, and the busiest
 * entries come back first. Evicting on a miss instead, whatever chose the
 * victim (at random, the first slot, one filled over 250 jiffies ago),
 * cost 140-190 ns per packet with traffic spread over 1,000,000 fdb
 * entries, where the cache can only miss (bench/cost.md §13).
 */
static __always_inline int gen_victim(const __u64 *a_gen, const __u64 *b_gen, __u64 gen)
{
	if (!a_gen || !b_gen || !gen || explain)
		return -1;
	if (*a_gen != gen)
		return 0;
	if (*b_gen != gen)
		return 1;
	return -1;
}

/*
 * The data path's own raise, after it replaced or deleted an fdb entry by
 * key: it checked that the entry was learned, but a commit may have put a
 * static one there since, which another CPU may have cached at the new
 * generation; this makes that copy stale. Moves and ageing are rare; a
 * new learned entry (inserted only where none is) needs none.
 */
static __always_inline void gen_raise(void)
{
	__u32 zero = 0;
	__u64 *g = bpf_map_lookup_elem(&vxbpf_gen, &zero);

	if (g)
		__sync_fetch_and_add(g, 1);
}

#endif /* VXBPF_GEN_H */
