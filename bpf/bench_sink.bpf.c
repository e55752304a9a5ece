// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Benchmark sink: count every frame (per-CPU packets and bytes) and drop it
 * in XDP. Attached to the far end of every benchmark topology, so all
 * contenders are measured at the same place. Not part of vxbpf's data path.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct sink_count {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sink_count);
} bench_count SEC(".maps");

SEC("xdp")
int bench_sink(struct xdp_md *ctx)
{
	__u32 k = 0;
	struct sink_count *c = bpf_map_lookup_elem(&bench_count, &k);

	if (c) {
		c->packets++;
		c->bytes += ctx->data_end - ctx->data;
	}
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
