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

/*
 * Multi-buffer XDP (5.18): a frame larger than its first buffer carries the
 * rest in fragments, and ctx->data..data_end is the first buffer only. The
 * kernel's BTF says whether it has the helpers; where it has not, the code
 * behind this is dead and never verified, and every frame is one buffer.
 */
#define XDP_HAVE_FRAGS bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_xdp_get_buff_len)

/*
 * Whether bpf_redirect() may carry a multi-buffer frame. 5.18 to 6.2 refuse
 * it in xdp_do_redirect() for any target but a CPU map (the frame is then
 * dropped); since 6.3 a target whose xdp_features have NDO_XMIT_SG takes
 * it (a veth whose peer has XDP or GRO, which `port add` and `attach` see
 * to), and the enum of those features came with that change. Which
 * devices have it, user space records (VXBPF_PORT_XMIT_SG,
 * VXBPF_UNDERLAY_XMIT_SG): a driver without it drops such a frame.
 */
#define XDP_REDIRECT_FRAGS                                                     \
	bpf_core_enum_value_exists(enum netdev_xdp_act, NETDEV_XDP_ACT_NDO_XMIT_SG)

/* Whether a port takes a multi-buffer frame by redirect: the kernel, and
 * the port's driver as `port add` found it. */
static __always_inline bool port_takes_frags(__u32 ifindex)
{
	struct vxbpf_port_val *p;

	if (!XDP_REDIRECT_FRAGS)
		return false;
	p = bpf_map_lookup_elem(&vxbpf_ports, &ifindex);
	return p && (p->flags & VXBPF_PORT_XMIT_SG);
}

/* The whole frame's length, fragments included. */
static __always_inline __u32 frame_len(struct xdp_md *ctx)
{
	if (XDP_HAVE_FRAGS)
		return bpf_xdp_get_buff_len(ctx);
	return xdp_len(ctx);
}

/* Every program exit goes through here: one reason, one per-CPU counter. */
static __always_inline int verdict(struct xdp_md *ctx, enum vxbpf_reason reason, int action)
{
	reason_count(reason, frame_len(ctx));
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
