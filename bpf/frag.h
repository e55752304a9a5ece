/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Outer fragmentation: what the kernel's vxlan device gets from
 * ip_fragment() when a frame without DF does not fit the underlay once
 * encapsulated (its outer DF is clear, `df unset`): the VXLAN datagram is
 * cut into IPv4 fragments of (MTU - 20) & ~7 payload bytes, all with the
 * outer header's ID, the receiver reassembles. Over an IPv6 underlay the
 * kernel sends nothing (ip6_fragment refuses a tunnel packet over the
 * MTU), and neither does vxbpf.
 *
 * BPF cannot make new skbs, so the one skb becomes each fragment in turn
 * (bpf_skb_change_tail, bpf_skb_store_bytes from a per-CPU copy of the
 * datagram) and each is sent as a clone (bpf_clone_redirect); the last
 * fragment of the last copy takes the original. A copy that is not the
 * last puts the datagram back for the next one.
 *
 * Never for a frame whose inner checksum a device is still to finish
 * (CHECKSUM_PARTIAL, which BPF cannot clear): the device would finish it
 * over one fragment only, and look for it in the others. Such a frame
 * holds the pseudo-header seed in its TCP/UDP checksum (inner.h); the
 * caller leaves it alone (frag_allowed), as SCTP, whose CRC may be the
 * device's too.
 */
#ifndef VXBPF_FRAG_H
#define VXBPF_FRAG_H

#define FRAG_IP_OFF (ETH_HLEN + sizeof(struct iphdr))
#define FRAG_MAX_N 32 /* fragments of one datagram: 9232 bytes at MTU 576 is 17 */
_Static_assert(VXBPF_FRAG_MAX >= CSUM_MAX + 16, "frag_buf holds what flood_prepare takes");

/*
 * A length, checked to be 1..VXBPF_FRAG_MAX by the caller, as the verifier
 * must see it at a helper's size argument: the 6.1 verifier does not
 * always carry a check done on another copy of the register to the one
 * the call uses. The mask changes nothing; the barrier keeps the compiler
 * from knowing that.
 */
#define FRAG_LEN(x)                                                            \
	({                                                                     \
		__u64 v_ = (x);                                                \
		barrier_var(v_);                                               \
		1 + ((v_ - 1) & (VXBPF_FRAG_SPAN - 1));                        \
	})
#define FRAG_OFF(x)                                                            \
	({                                                                     \
		__u64 v_ = (x);                                                \
		barrier_var(v_);                                               \
		v_ & (VXBPF_FRAG_SPAN - 1);                                    \
	})


/*
 * May this inner frame be carried in outer fragments? Not IP (ARP...), or
 * IPv4 without DF whose checksum is final: see above. IPv6 never (the
 * kernel answers it with "packet too big", pmtu.h).
 */
static __always_inline bool frag_allowed(void *data, void *end, const struct inner_view *v)
{
	struct iphdr *iph = data + (v->l3_off & 0x3f); /* 14 or 18: masked for the verifier */

	if (!v->ip)
		return true;
	if (v->ip != 4 || (void *)(iph + 1) > end)
		return false;
	if (iph->frag_off & bpf_htons(IP_DF))
		return false;
	if (v->proto == IPPROTO_SCTP)
		return false;
	return !inner_seed_maybe(v, end);
}

/*
 * xdp_port_rx, for a frame too big for the underlay that the VM sent
 * without DF but with its TCP/UDP checksum left to offload (ii->fix: the
 * seed is there and the sum is not complete): as an skb it would keep
 * CHECKSUM_PARTIAL, which frag_allowed() refuses. Through the CPU map it
 * becomes a new skb (CHECKSUM_NONE) on this CPU, and reaches tc_port_rx
 * as any passed frame, its checksum finished here. Without an entry for
 * this CPU, passed as it is (and not fragmented). Returns a verdict, or
 * -1 where this is not such a frame.
 */
static __always_inline int frag_handover(struct xdp_md *ctx, const struct vxbpf_vni_cfg *cfg,
					 const struct inner_info *ii)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct iphdr *iph = data + (ii->v.l3_off & 0x3f);
	int act;

	if (explain || !ii->fix || ii->v.ip != 4 || (cfg->flags & VXBPF_VNI_KERNEL_BUM))
		return -1;
	if ((void *)(iph + 1) > end || (iph->frag_off & bpf_htons(IP_DF)))
		return -1;
	act = bpf_redirect_map(&vxbpf_cpumap, bpf_get_smp_processor_id(), XDP_PASS);
	if (act == XDP_REDIRECT)
		inner_fix(ctx, ii);
	return verdict(ctx, VXBPF_R_TX_MTU, act);
}

/* Fragment k of the datagram in the per-CPU buffer into the skb, and send it. */
__noinline int frag_one(struct __sk_buff *skb, __u32 k)
{
	struct vxbpf_frag_buf *f;
	__u64 off, len; /* 64 bits: the checks and the calls see one register */
	__u32 zero = 0;
	bool more;

	f = bpf_map_lookup_elem(&vxbpf_frag_buf, &zero);
	if (!f || k >= FRAG_MAX_N)
		return -1;
	off = (__u64)k * f->step;
	if (off >= f->payload || off >= VXBPF_FRAG_MAX)
		return -1;
	len = (__u64)f->payload - off;
	more = len > f->step;
	if (more)
		len = f->step;
	if (len < 1 || len > VXBPF_FRAG_MAX)
		return -1;
	if (bpf_skb_change_tail(skb, FRAG_IP_OFF + len, 0))
		return -1;
	/* The first fragment's payload is already where it goes. */
	if (k && bpf_skb_store_bytes(skb, FRAG_IP_OFF, f->b + FRAG_OFF(off), FRAG_LEN(len), 0))
		return -1;
	f->hdr = f->ip;
	f->hdr.tot_len = bpf_htons(sizeof(f->hdr) + len);
	f->hdr.frag_off = bpf_htons((off >> 3) | (more ? IP_MF : 0));
	f->hdr.check = 0;
	f->hdr.check = csum_fold(ip4_hdr_sum(&f->hdr));
	if (bpf_skb_store_bytes(skb, ETH_HLEN, &f->hdr, sizeof(f->hdr), 0))
		return -1;
	if (!more && f->take_orig)
		return bpf_redirect(f->ifindex, 0) == TC_ACT_REDIRECT ? 0 : -1;
	return bpf_clone_redirect(skb, f->ifindex, 0) < 0 ? -1 : 0;
}

/*
 * Send the encapsulated IPv4 datagram in the skb as fragments that fit
 * the MTU, to the device, that the buffer holds (flood_vtep_copy put them
 * there). take_orig: the last one takes the original skb (the caller
 * returns TC_ACT_REDIRECT); else the datagram is put back. Returns 0 once
 * every fragment went.
 */
__noinline int frag_send(struct __sk_buff *skb, __u32 take_orig)
{
	__u64 len = skb->len, payload; /* 64 bits: one register the verifier follows */
	struct vxbpf_frag_buf *f;
	__u32 zero = 0, k, n, step, mtu;
	int err = 0;

	f = bpf_map_lookup_elem(&vxbpf_frag_buf, &zero);
	if (!f)
		return -1;
	mtu = f->mtu;
	if (mtu < 68 || mtu > 0xffff || len <= FRAG_IP_OFF)
		return -1;
	payload = len - FRAG_IP_OFF;
	if (payload < 1 || payload > VXBPF_FRAG_MAX)
		return -1;
	step = (mtu - sizeof(struct iphdr)) & ~7U;
	n = (payload + step - 1) / step;
	if (n < 2 || n > FRAG_MAX_N)
		return -1;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &f->ip, sizeof(f->ip)) ||
	    bpf_skb_load_bytes(skb, FRAG_IP_OFF, f->b, FRAG_LEN(payload)))
		return -1;
	f->payload = payload;
	f->step = step;
	f->take_orig = take_orig;
	for (k = 0; k < FRAG_MAX_N && k < n; k++) {
		err = frag_one(skb, k);
		if (err)
			break;
	}
	if (take_orig && !err)
		return 0;
	/* For the next copy (which writes its own outer headers), or for
	 * the caller to drop. */
	if (bpf_skb_change_tail(skb, FRAG_IP_OFF + payload, 0) ||
	    bpf_skb_store_bytes(skb, FRAG_IP_OFF, f->b, FRAG_LEN(payload), 0))
		return -1;
	return err;
}

#endif /* VXBPF_FRAG_H */
