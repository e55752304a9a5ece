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
 * Which slot of a set of two a new entry takes: a stale or empty one, else
 * either (the set's two entries are both in use; a random one goes, so
 * that no key of three that share a set is always the one evicted).
 */
static __always_inline bool gen_victim_is_b(__u64 a_gen, __u64 b_gen, __u64 gen)
{
	if (a_gen != gen)
		return false;
	if (b_gen != gen)
		return true;
	return bpf_get_prandom_u32() & 1;
}

#endif /* VXBPF_GEN_H */
