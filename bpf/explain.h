/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * `vxbpf explain` (user/cmd_explain.c) runs captured frames through a
 * second instance of a program, loaded with `explain` set: against the
 * live tables, it must change none of them, and it says where a frame
 * would have gone. The maps written only as a side effect (counters,
 * events, caches) are the instance's own; the tables it shares are
 * written nowhere when explain is set (learning, ageing, refreshes).
 * In the data path explain is a constant 0: the verifier and the JIT
 * remove every branch on it.
 */
#ifndef VXBPF_EXPLAIN_H
#define VXBPF_EXPLAIN_H

const volatile __u32 explain = 0;
__u32 explain_ifindex; /* the last redirect's target, with explain */

/* bpf_redirect(), and with explain the target noted. */
static __always_inline long redirect(__u32 ifindex, __u64 flags)
{
	if (explain)
		explain_ifindex = ifindex;
	return bpf_redirect(ifindex, flags);
}

#endif /* VXBPF_EXPLAIN_H */
