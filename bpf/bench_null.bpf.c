// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Benchmark ceiling and helpers. Not part of vxbpf's data path.
 *   bench_null  redirect every frame, unchanged, to target_ifindex: the
 *               price of XDP + redirect with no VXLAN work at all.
 *   bench_pass  XDP_PASS: gives a veth NAPI without doing anything.
 *   bench_cost  the harness for per-packet cost with BPF_PROG_RUN repeat
 *               (non-live): the kernel does not reset the frame between
 *               repetitions, so each run first moves ctx->data back by what
 *               the previous run of the measured program moved it (delta),
 *               then tail-calls that program (progs[0]).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

const volatile __u32 target_ifindex = 0;
int delta;	/* bytes the measured program moves data by: +decap, -encap */
__u64 runs;

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} progs SEC(".maps");

SEC("xdp")
int bench_null(struct xdp_md *ctx)
{
	return bpf_redirect(target_ifindex, 0);
}

SEC("xdp")
int bench_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

/* A stand-in for the measured program: moves data as it would, so the
 * harness's own cost (restore + tail call + one adjust_head) is known. */
SEC("xdp")
int bench_move(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_head(ctx, delta))
		return XDP_ABORTED;
	return XDP_REDIRECT;
}

SEC("xdp")
int bench_cost(struct xdp_md *ctx)
{
	if (runs++ && bpf_xdp_adjust_head(ctx, -delta))
		return XDP_ABORTED;
	bpf_tail_call(ctx, &progs, 0);
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
