/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef VXBPF_STATS_H
#define VXBPF_STATS_H

static __always_inline void reason_count(enum vxbpf_reason reason, __u64 bytes)
{
	__u32 key = reason;
	struct vxbpf_counter *c = bpf_map_lookup_elem(&vxbpf_stats, &key);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

/*
 * The frame's length. The loads are spelled out: clang may otherwise form
 * the address of a field from a register that happens to hold its offset
 * (a reason code of 4 on another path), and the verifier refuses any
 * context access that is not base + constant.
 */
static __always_inline __u32 xdp_len(struct xdp_md *ctx)
{
	__u32 data, end;

	asm volatile("%0 = *(u32 *)(%1 + 0)" : "=r"(data) : "r"(ctx)); /* ctx->data */
	asm volatile("%0 = *(u32 *)(%1 + 4)" : "=r"(end) : "r"(ctx));  /* ctx->data_end */
	return end - data;
}

/* Every program exit goes through here: one reason, one per-CPU counter. */
static __always_inline int verdict(struct xdp_md *ctx, enum vxbpf_reason reason, int action)
{
	reason_count(reason, xdp_len(ctx));
	return action;
}

/* The same for the TC programs; bytes are the skb's, paged part included. */
static __always_inline int tc_verdict(struct __sk_buff *skb, enum vxbpf_reason reason, int action)
{
	reason_count(reason, skb->len);
	return action;
}

static __always_inline void vni_count(__u32 slot, bool rx, __u64 bytes)
{
	struct vxbpf_vni_stats *s = bpf_map_lookup_elem(&vxbpf_vni_stats, &slot);

	if (!s)
		return;
	if (rx) {
		s->rx_packets++;
		s->rx_bytes += bytes;
	} else {
		s->tx_packets++;
		s->tx_bytes += bytes;
	}
}

#endif /* VXBPF_STATS_H */
