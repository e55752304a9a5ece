/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The host's own overlay traffic, through a kernel vxlan device that
 * `vxbpf attach` was given (the seed's "vxlan in practice": routes via
 * the vxlan device). XDP never sees it, so two TC programs carry it:
 *   tc_host_tx  on the vxlan device's egress: encapsulate what the host
 *               sends and hand it straight to the underlay device,
 *               skipping the vxlan driver and the UDP/IP output path;
 *   tc_host_rx  on the underlay device's ingress: move what XDP
 *               decapsulated for the vxlan device (host_deliver()) to
 *               that device's ingress.
 * Anything else goes on untouched (TC_ACT_UNSPEC: to the next program or
 * filter): the kernel's vxlan device does what it always did.
 */
#ifndef VXBPF_HOST_H
#define VXBPF_HOST_H

/* Inner headers read before encapsulating: Ethernet, IPv4 with options
 * or IPv6, and a TCP header with options for a GSO skb's segment size. */
#define HOST_PULL_LEN (ETH_HLEN + 60 + 60)

static __always_inline int host_rx(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	struct vxbpf_host_meta *meta = (void *)(long)skb->data_meta;

	__u32 ifindex;

	/* Not counted: every frame of the underlay passes here. */
	if ((void *)(meta + 1) > data)
		return TC_ACT_UNSPEC;
	if (meta->magic == VXBPF_FLOOD_META_MAGIC) {
		meta->magic = 0; /* spent, as below */
		return flood_rx(skb, meta->ifindex);
	}
	if (meta->magic == VXBPF_REASM_META_MAGIC) {
		meta->magic = 0;
		return reasm_finish(skb);
	}
	if (meta->magic == VXBPF_PORT_META_MAGIC) {
		/* A multi-buffer frame XDP decapsulated (and counted) but
		 * could not redirect: to the port's egress, into the VM,
		 * as a flood copy goes; only to a port. */
		meta->magic = 0;
		ifindex = meta->ifindex;
		if (!bpf_map_lookup_elem(&vxbpf_ports, &ifindex))
			return tc_verdict(skb, VXBPF_R_RX_COPY_ERR, TC_ACT_SHOT);
		bpf_csum_level(skb, BPF_CSUM_LEVEL_DEC);
		return bpf_redirect(ifindex, 0);
	}
	if (meta->magic != VXBPF_HOST_META_MAGIC)
		return TC_ACT_UNSPEC;
	/* The note outlives the redirect (metadata stays in the headroom):
	 * spend it, and trust only devices attached here. */
	meta->magic = 0;
	ifindex = meta->ifindex;
	if (!bpf_map_lookup_elem(&vxbpf_hostdevs, &ifindex))
		return TC_ACT_UNSPEC;
	/* A NIC's CHECKSUM_UNNECESSARY vouched for the outer UDP checksum
	 * only; the inner checksums are the host's to verify. */
	bpf_csum_level(skb, BPF_CSUM_LEVEL_DEC);
	return bpf_redirect(ifindex, BPF_F_INGRESS);
}

/* What host_tx needs to know of the inner frame. */
struct host_inner {
	__u32 seg_len;	 /* GSO: the IP length of one segment */
	__u32 frame_sum; /* lco: the frame's sum, from its headers */
	__u8 ecn;
	__u8 l4; /* IP protocol */
	bool lco;
};

/*
 * The inner IP header: ECN bits, the segment length of a GSO skb (TCP
 * only), and, for a TCP/UDP frame whose headers are all in view, its sum
 * as local checksum offload has it (inner.h): the L4 checksum, finished
 * or still the CHECKSUM_PARTIAL seed, will be valid on the wire, so the
 * frame sums to what its headers say. false: leave it to the kernel.
 */
static __always_inline bool host_inner(void *end, struct ethhdr *eth, __u32 len, __u32 gso_size,
				       struct host_inner *hi)
{
	__u32 *e = (void *)eth, l3_len, l4_len, hdr_sum, pseudo;
	struct vxbpf_addr src, dst;
	void *l3 = eth + 1;
	bool v6, whole;
	__u16 *check;

	__builtin_memset(hi, 0, sizeof(*hi));
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = l3;

		if ((void *)(iph + 1) > end)
			return false;
		hi->ecn = iph->tos & INET_ECN_MASK;
		hi->l4 = iph->protocol;
		l3_len = iph->ihl * 4;
		l4_len = bpf_ntohs(iph->tot_len) - l3_len;
		/* Options are not summed here, fragments have no L4 sum. */
		whole = iph->ihl == 5 && !(iph->frag_off & bpf_htons(IP_MF | IP_OFFSET));
		hdr_sum = ip4_hdr_sum(iph);
		addr_from_v4(&src, iph->saddr);
		addr_from_v4(&dst, iph->daddr);
		v6 = false;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = l3;

		if ((void *)(ip6h + 1) > end)
			return false;
		hi->ecn = (bpf_ntohs(*(__be16 *)ip6h) >> 4) & INET_ECN_MASK;
		hi->l4 = ip6h->nexthdr;
		l3_len = sizeof(*ip6h);
		l4_len = bpf_ntohs(ip6h->payload_len);
		whole = true;
		hdr_sum = (__u32)bpf_csum_diff(0, 0, (void *)ip6h, sizeof(*ip6h), 0);
		addr_from_v6(&src, &ip6h->saddr);
		addr_from_v6(&dst, &ip6h->daddr);
		v6 = true;
	} else {
		return false; /* bpf_skb_adjust_room() takes IP only */
	}
	if (hi->l4 != IPPROTO_TCP && hi->l4 != IPPROTO_UDP)
		return !gso_size;
	if (l3_len < sizeof(struct iphdr) || l3_len > 60)
		return false;
	if (gso_size) {
		struct tcphdr *th = l3 + l3_len;

		if (hi->l4 != IPPROTO_TCP || (void *)(th + 1) > end)
			return false;
		hi->seg_len = l3_len + th->doff * 4 + gso_size;
		return true;
	}
	check = l3 + l3_len + (hi->l4 == IPPROTO_TCP ? 16 : 6);
	if ((void *)(check + 1) > end)
		return false;
	/* The segment must end the frame (no padding), and a UDP checksum
	 * of 0 says nothing about the sum. */
	if (!whole || ETH_HLEN + l3_len + l4_len != len || (hi->l4 == IPPROTO_UDP && !*check))
		return true;
	pseudo = csum_pseudo(&src, &dst, l4_len, hi->l4, v6);
	hi->frame_sum =
	    csum_add(csum_add(csum_add(csum_add(e[0], e[1]), e[2]), eth->h_proto), hdr_sum);
	hi->frame_sum = csum_add(hi->frame_sum, csum_fold(pseudo));
	hi->lco = true;
	return true;
}

/*
 * The inner frame's sum for the outer UDP checksum. An skb cannot hand a
 * CHECKSUM_PARTIAL outer checksum made in BPF to the device, so it is
 * computed here: from the headers for TCP/UDP (local checksum offload),
 * over the whole frame for ICMP (small, and summed by the stack already).
 * A GSO skb would need one per segment: the kernel's.
 */
static __always_inline bool host_inner_sum(struct __sk_buff *skb, const struct host_inner *hi,
					   __u32 *sum)
{
	__u32 len = skb->len;
	__u64 s;

	if (hi->seg_len)
		return false;
	if (hi->lco) {
		*sum = hi->frame_sum;
		return true;
	}
	/* Anything but ICMP may hold a CHECKSUM_PARTIAL seed (TCP/UDP with
	 * IPv4 options, behind IPv6 extension headers, padded) that a device
	 * finishes later: the sum would be wrong. ICMP is summed by the stack. */
	if ((hi->l4 != IPPROTO_ICMP && hi->l4 != IPPROTO_ICMPV6) || len > 512 * 18)
		return false;
	if (bpf_skb_pull_data(skb, len))
		return false;
	s = skb_csum_to_end(skb, 0);
	if (s & CSUM_ERR)
		return false;
	*sum = (__u32)s;
	return true;
}

static __always_inline int host_tx(struct __sk_buff *skb)
{
	struct vxbpf_fdb_key fkey;
	struct vxbpf_hostdev *hd;
	struct vxbpf_vni_cfg *cfg;
	const struct vxbpf_fdb_val *fdb;
	struct encap_plan plan;
	struct host_inner hi;
	struct ethhdr *eth, ieth;
	struct udphdr *udph;
	enum vxbpf_reason r;
	__u32 ifindex = skb->ifindex, len = skb->len, vni, pull, ulen;
	__u64 flags;
	void *data, *end;

	hd = bpf_map_lookup_elem(&vxbpf_hostdevs, &ifindex);
	if (!hd)
		return tc_verdict(skb, VXBPF_R_TX_NOT_PORT, TC_ACT_UNSPEC);
	vni = hd->vni;
	cfg = bpf_map_lookup_elem(&vxbpf_vni, &vni);
	if (!cfg)
		return tc_verdict(skb, VXBPF_R_TX_NO_VNI, TC_ACT_UNSPEC);

	pull = len < HOST_PULL_LEN ? len : HOST_PULL_LEN;
	if (bpf_skb_pull_data(skb, pull))
		return tc_verdict(skb, VXBPF_R_TX_MALFORMED, TC_ACT_UNSPEC);
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	eth = data;
	if ((void *)(eth + 1) > end)
		return tc_verdict(skb, VXBPF_R_TX_MALFORMED, TC_ACT_UNSPEC);
	if (mac_is_multicast(eth->h_dest))
		return tc_verdict(skb, VXBPF_R_TX_BUM, TC_ACT_UNSPEC);
	/* A tag the device would insert after TC egress: it would end up on
	 * the outer frame. */
	if (skb->vlan_present)
		return tc_verdict(skb, VXBPF_R_TX_HOST_VLAN, TC_ACT_UNSPEC);

	fdb_key(&fkey, vni, eth->h_dest);
	fdb = fdb_find(&fkey, cfg);
	/* No l2miss here: the vxlan device raises its own. */
	if (!fdb)
		return tc_verdict(skb, VXBPF_R_TX_UNKNOWN_DST, TC_ACT_UNSPEC);
	if (fdb->flags & VXBPF_FDB_MULTI)
		return tc_verdict(skb, VXBPF_R_TX_MULTI_DST, TC_ACT_UNSPEC);
	if (fdb->flags & VXBPF_FDB_LOCAL)
		return tc_verdict(skb, VXBPF_R_TX_HOST_LOCAL, TC_ACT_UNSPEC);
	if (!host_inner(end, eth, len, skb->gso_size, &hi))
		return tc_verdict(skb, VXBPF_R_TX_HOST_PROTO, TC_ACT_UNSPEC);
	__builtin_memcpy(&ieth, eth, sizeof(ieth));

	plan.dst = fdb->dst;
	plan.v6 = !addr_is_v4(&plan.dst);
	plan.hdr_len = ETH_HLEN + (plan.v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr)) +
		       sizeof(struct udphdr) + VXLAN_HLEN;
	plan.inner_len = len;
	plan.be_port = fdb->be_port ? fdb->be_port : cfg->be_dstport;
	plan.vni = fdb->remote_vni ? fdb->remote_vni : vni;
	plan.csum = plan.v6 ? !(cfg->flags & VXBPF_VNI_UDP6ZEROCSUMTX)
			    : !(cfg->flags & VXBPF_VNI_NOUDPCSUM);
	if (plan.csum && !host_inner_sum(skb, &hi, &plan.inner_sum))
		return tc_verdict(skb, VXBPF_R_TX_HOST_CSUM, TC_ACT_UNSPEC);

	/* A GSO skb is checked by the size of the segments it becomes. */
	r = outer_fib(skb, cfg, &plan, vni,
		      plan.hdr_len + (hi.seg_len ? hi.seg_len : len - ETH_HLEN), ifindex, false);
	if (r != VXBPF_R_TX_ENCAP)
		return tc_verdict(skb, r, TC_ACT_UNSPEC);
	/* The kernel's own choice: udp_flow_src_port() of skb_get_hash(). */
	plan.be_sport = encap_sport(cfg, bpf_get_hash_recalc(skb));

	/* Room after the MAC header: the old Ethernet header becomes the
	 * outer one and a copy goes behind VXLAN. FIXED_GSO: the segments
	 * already fit the vxlan device's MTU, which leaves room for us. */
	flags = BPF_F_ADJ_ROOM_FIXED_GSO | BPF_F_ADJ_ROOM_ENCAP_L4_UDP |
		BPF_F_ADJ_ROOM_ENCAP_L2(ETH_HLEN) | BPF_F_ADJ_ROOM_ENCAP_L2_ETH |
		(plan.v6 ? BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 : BPF_F_ADJ_ROOM_ENCAP_L3_IPV4);
	if (bpf_skb_adjust_room(skb, plan.hdr_len, BPF_ADJ_ROOM_MAC, flags))
		return tc_verdict(skb, VXBPF_R_TX_NO_ROOM, TC_ACT_UNSPEC);

	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	ulen = sizeof(struct udphdr) + VXLAN_HLEN + len;
	udph = outer_write(data, end, cfg, &plan, hi.ecn, ulen);
	if (!udph)
		return tc_verdict(skb, VXBPF_R_TX_NO_ROOM, TC_ACT_SHOT);
	eth = data + plan.hdr_len;
	if ((void *)(eth + 1) > end)
		return tc_verdict(skb, VXBPF_R_TX_NO_ROOM, TC_ACT_SHOT);
	__builtin_memcpy(eth, &ieth, sizeof(ieth));
	if (plan.csum)
		outer_csum(cfg, &plan, udph, ulen);

	vni_count(cfg->slot, false, len);
	tc_verdict(skb, VXBPF_R_TX_HOST_ENCAP, 0);
	return bpf_redirect(plan.fib.ifindex, 0);
}

#endif /* VXBPF_HOST_H */
