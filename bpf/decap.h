/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Receive on the underlay NIC: validate VXLAN as the kernel's vxlan_rcv
 * does, decapsulate, redirect to the local port that holds the inner
 * destination MAC. Everything is decided before the first write, so a
 * passed packet reaches the kernel exactly as it arrived.
 */
#ifndef VXBPF_DECAP_H
#define VXBPF_DECAP_H

/*
 * Learning, as the kernel's vxlan_snoop(): the inner source MAC lives
 * behind the outer source VTEP. Learned entries move and are refreshed;
 * static remote ones (user or mirrored) never move, and traffic claiming
 * such a MAC from elsewhere is dropped. Returns VXBPF_R_RX_DECAP to carry
 * on, VXBPF_R_RX_STATIC_MOVED to drop, VXBPF_R_RX_LEARN when the fdb is
 * full and VXBPF_R_RX_LOCAL_MOVED for a local port's MAC (both passed: the
 * kernel may learn it itself).
 */
static __always_inline enum vxbpf_reason fdb_learn(struct xdp_md *ctx, __u32 vni,
						   const struct vxbpf_vni_cfg *cfg, const __u8 *smac,
						   const struct vxbpf_addr *vtep)
{
	struct vxbpf_fdb_key key = { .vni = vni };
	struct vxbpf_fdb_val nv = {}, *f;
	__u64 now = bpf_ktime_get_ns();

	mac_copy(key.mac, smac);
	f = bpf_map_lookup_elem(&vxbpf_fdb, &key);
	if (f) {
		if (!(f->flags & VXBPF_FDB_LEARNED)) {
			/* A MAC of a local port now behind a VTEP: the VM may
			 * have moved; the kernel's bridge decides. */
			if (f->flags & VXBPF_FDB_LOCAL)
				return VXBPF_R_RX_LOCAL_MOVED;
			if (addr_equal(&f->dst, vtep))
				return VXBPF_R_RX_DECAP;
			return VXBPF_R_RX_STATIC_MOVED;
		}
		if (addr_equal(&f->dst, vtep) && !fdb_expired(f, cfg)) {
			/* Refresh at most once a second: a write per packet
			 * would bounce the entry's cache line between CPUs. */
			if (now - f->updated_ns > 1000000000ULL)
				f->updated_ns = now;
			return VXBPF_R_RX_DECAP;
		}
	}
	/* New, moved or expired: a whole new value, so that a reader on
	 * another CPU never sees half an address. */
	nv.dst = *vtep;
	nv.flags = VXBPF_FDB_LEARNED;
	nv.updated_ns = now;
	if (bpf_map_update_elem(&vxbpf_fdb, &key, &nv, BPF_ANY))
		return VXBPF_R_RX_LEARN;
	event_send(VXBPF_EV_LEARN, vni, ctx->ingress_ifindex, smac, vtep, now);
	return VXBPF_R_RX_DECAP;
}

/*
 * For the host's own vxlan device: XDP cannot hand a frame to a device
 * without ndo_xdp_xmit, so decapsulate here (validation, learning and
 * counters stay in one place) and pass the inner frame up with a note in
 * the metadata; tc_host_rx on this device moves it to the vxlan device's
 * ingress. Without metadata support, or without tc_host_rx on this device,
 * the frame goes up untouched, and the kernel's vxlan socket takes it.
 */
static __always_inline int host_deliver(struct xdp_md *ctx, const struct vxbpf_vni_cfg *cfg, __u32 host,
					__u32 outer_len, __u32 ulen, struct inner_info *ii)
{
	__u32 ifindex = ctx->ingress_ifindex, *ul = bpf_map_lookup_elem(&vxbpf_underlay, &ifindex);
	struct vxbpf_host_meta *meta;

	/* Only where `attach` put tc_host_rx: else the inner frame would
	 * land on this device, for a MAC it does not have. */
	if (!ul || !(*ul & VXBPF_UNDERLAY_TC_RX))
		return verdict(ctx, VXBPF_R_RX_HOST_NO_TC, XDP_PASS);
	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*meta)))
		return verdict(ctx, VXBPF_R_RX_HOST_NO_TC, XDP_PASS);
	meta = (void *)(long)ctx->data_meta;
	/* (Never true after adjust_meta; the verifier wants to see it.) The
	 * area holds no magic yet, so tc_host_rx leaves the frame alone. */
	if ((void *)(meta + 1) > (void *)(long)ctx->data)
		return verdict(ctx, VXBPF_R_RX_HOST_NO_TC, XDP_PASS);
	meta->magic = VXBPF_HOST_META_MAGIC;
	meta->ifindex = host;
	vni_count(cfg->slot, true, ulen - sizeof(struct udphdr) - VXLAN_HLEN);
	verdict(ctx, VXBPF_R_RX_HOST, 0);
	if (bpf_xdp_adjust_head(ctx, outer_len))
		return XDP_DROP;
	inner_fix(ctx, ii);
	return XDP_PASS;
}

static __always_inline int vxlan_rx(struct xdp_md *ctx)
{
	struct vxbpf_addr saddr, daddr;
	struct vxbpf_vtep_key vkey;
	struct vxbpf_fdb_key fkey = {};
	struct vxbpf_vni_cfg *cfg;
	struct vxbpf_fdb_val *fdb;
	struct inner_info ii;
	struct cursor c;
	struct ethhdr *eth, *ieth;
	struct udphdr *udph;
	struct vxlanhdr *vxh;
	__u32 *port_users, port, vni, outer_len, ip_len, ulen, pseudo;
	__u16 proto;
	__u8 tos;
	bool v6;

	cursor_init(&c, ctx);
	eth = cursor_pull(&c, struct ethhdr);
	if (!eth)
		return verdict(ctx, VXBPF_R_RX_NOT_VXLAN, XDP_PASS);
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		struct vlan_hdr *vh = cursor_pull(&c, struct vlan_hdr);

		if (!vh)
			return verdict(ctx, VXBPF_R_RX_NOT_VXLAN, XDP_PASS);
		proto = vh->h_vlan_encapsulated_proto;
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = cursor_pull(&c, struct iphdr);

		if (!iph || iph->protocol != IPPROTO_UDP)
			return verdict(ctx, VXBPF_R_RX_NOT_VXLAN, XDP_PASS);
		if (iph->ihl != 5)
			return verdict(ctx, VXBPF_R_RX_IP_OPTIONS, XDP_PASS);
		if (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET))
			return verdict(ctx, VXBPF_R_RX_FRAGMENT, XDP_PASS);
		/* ip_rcv() drops a wrong version or header checksum before
		 * vxlan_rcv() runs; leave such frames to it. */
		if (iph->version != 4 ||
		    csum_fold(csum_add(csum_add(csum_add(((__u32 *)iph)[0], ((__u32 *)iph)[1]),
						csum_add(((__u32 *)iph)[2], ((__u32 *)iph)[3])),
				       ((__u32 *)iph)[4])) != 0)
			return verdict(ctx, VXBPF_R_RX_MALFORMED, XDP_PASS);
		addr_from_v4(&saddr, iph->saddr);
		addr_from_v4(&daddr, iph->daddr);
		ip_len = bpf_ntohs(iph->tot_len);
		if (ip_len < sizeof(*iph))
			return verdict(ctx, VXBPF_R_RX_MALFORMED, XDP_PASS);
		ip_len -= sizeof(*iph);
		tos = iph->tos;
		v6 = false;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = cursor_pull(&c, struct ipv6hdr);

		if (!ip6h)
			return verdict(ctx, VXBPF_R_RX_NOT_VXLAN, XDP_PASS);
		if (ip6h->version != 6) /* ipv6_rcv() drops it */
			return verdict(ctx, VXBPF_R_RX_MALFORMED, XDP_PASS);
		if (ip6h->nexthdr != IPPROTO_UDP)
			return verdict(ctx, ipv6_is_ext(ip6h->nexthdr) ? VXBPF_R_RX_IPV6_EXT
								       : VXBPF_R_RX_NOT_VXLAN,
				       XDP_PASS);
		addr_from_v6(&saddr, &ip6h->saddr);
		addr_from_v6(&daddr, &ip6h->daddr);
		ip_len = bpf_ntohs(ip6h->payload_len);
		tos = (bpf_ntohs(*(__be16 *)ip6h) >> 4) & 0xff;
		v6 = true;
	} else {
		return verdict(ctx, VXBPF_R_RX_NOT_VXLAN, XDP_PASS);
	}

	udph = cursor_pull(&c, struct udphdr);
	if (!udph)
		return verdict(ctx, VXBPF_R_RX_NOT_VXLAN, XDP_PASS);
	port = bpf_ntohs(udph->dest);
	port_users = bpf_map_lookup_elem(&vxbpf_dstports, &port);
	if (!port_users || !*port_users)
		return verdict(ctx, VXBPF_R_RX_NOT_VXLAN, XDP_PASS);

	vxh = cursor_pull(&c, struct vxlanhdr);
	if (!vxh)
		return verdict(ctx, VXBPF_R_RX_MALFORMED, XDP_PASS);
	vni = bpf_ntohl(vxh->vx_vni) >> 8;
	cfg = bpf_map_lookup_elem(&vxbpf_vni, &vni);
	if (!cfg || cfg->be_dstport != udph->dest)
		return verdict(ctx, VXBPF_R_RX_UNKNOWN_VNI, XDP_PASS);
	if (vxh->vx_flags != bpf_htonl(VXLAN_HF_VNI) || (vxh->vx_vni & bpf_htonl(0xff)))
		return verdict(ctx, VXBPF_R_RX_BAD_FLAGS, XDP_DROP);
	if (!addr_equal(&daddr, &cfg->local))
		return verdict(ctx, VXBPF_R_RX_NOT_LOCAL, XDP_PASS);

	/* Lengths: the UDP datagram must fill the packet exactly, so the
	 * checksum below covers what is decapsulated. Padded or truncated
	 * packets are the kernel's to judge. */
	outer_len = c.pos - (void *)(long)ctx->data;
	ulen = bpf_ntohs(udph->len);
	/* The 6.1 verifier forgets the bounds of a value after a byte swap
	 * and refuses it as a packet offset; the mask (which the compiler
	 * would drop as redundant) restores them. */
	asm volatile("%0 &= 0xffff" : "+r"(ulen));
	if (ulen != ip_len || (void *)udph + ulen != c.end)
		return verdict(ctx, VXBPF_R_RX_MALFORMED, XDP_PASS);
	if (ulen < sizeof(*udph) + VXLAN_HLEN + ETH_HLEN)
		return verdict(ctx, VXBPF_R_RX_SHORT_INNER, XDP_DROP);

	ieth = cursor_pull(&c, struct ethhdr);
	if (!ieth)
		return verdict(ctx, VXBPF_R_RX_SHORT_INNER, XDP_DROP);
	inner_parse(ctx, ieth, &ii);

	if (udph->check == 0) {
		if (v6 && !(cfg->flags & VXBPF_VNI_UDP6ZEROCSUMRX))
			return verdict(ctx, VXBPF_R_RX_ZERO_CSUM6, XDP_DROP);
	} else {
		__u64 sum = csum_to_end(ctx, (void *)udph - (void *)(long)ctx->data);
		__u32 s;

		if (sum & CSUM_ERR)
			return verdict(ctx, VXBPF_R_RX_MALFORMED, XDP_PASS);
		pseudo = csum_pseudo(&saddr, &daddr, ulen, IPPROTO_UDP, v6);
		s = csum_add(pseudo, (__u32)sum);
		/* A Linux sender on a veth computes the outer checksum as if
		 * it had finished the inner one (LCO): finish it virtually. */
		if (csum_fold(s) != 0 && ii.fix)
			s = csum_add(csum_sub(s, ii.old_check), ii.new_check);
		/* A sender on this machine (veth) with checksum offload
		 * hands over the CHECKSUM_PARTIAL seed: the frame never
		 * crossed a wire, and the device that would have finished
		 * the checksum is us. Accept the seed, as the kernel trusts
		 * such an skb. */
		if (csum_fold(s) != 0 && udph->check != (__u16)~csum_fold(pseudo))
			return verdict(ctx, VXBPF_R_RX_BAD_CSUM, XDP_DROP);
	}

	/* The allow-list holds on VNIs that do not learn; a learning VNI
	 * accepts any VTEP, as the kernel's does. */
	if (!(cfg->flags & VXBPF_VNI_LEARNING)) {
		vkey.vni = vni;
		vkey.ip = saddr;
		if (!bpf_map_lookup_elem(&vxbpf_vtep, &vkey))
			return verdict(ctx, VXBPF_R_RX_UNKNOWN_VTEP, XDP_DROP);
	}

	if (mac_is_multicast(ieth->h_source) || mac_is_zero(ieth->h_source))
		return verdict(ctx, VXBPF_R_RX_BAD_SMAC, XDP_DROP);
	if (cfg->flags & VXBPF_VNI_LEARNING) {
		enum vxbpf_reason lr = fdb_learn(ctx, vni, cfg, ieth->h_source, &saddr);

		if (lr == VXBPF_R_RX_STATIC_MOVED)
			return verdict(ctx, lr, XDP_DROP);
		if (lr == VXBPF_R_RX_LEARN || lr == VXBPF_R_RX_LOCAL_MOVED)
			return verdict(ctx, lr, XDP_PASS);
	}
	if (mac_is_multicast(ieth->h_dest))
		return verdict(ctx, VXBPF_R_RX_INNER_BUM, XDP_PASS);
	/* Outer CE needs the RFC 6040 dance on the inner header: the
	 * kernel's job, it is rare. */
	if ((tos & INET_ECN_MASK) == INET_ECN_CE)
		return verdict(ctx, VXBPF_R_RX_ECN_CE, XDP_PASS);

	fkey.vni = vni;
	mac_copy(fkey.mac, ieth->h_dest);
	fdb = bpf_map_lookup_elem(&vxbpf_fdb, &fkey);
	if (!fdb || !(fdb->flags & VXBPF_FDB_LOCAL))
		return verdict(ctx, VXBPF_R_RX_INNER_UNKNOWN, XDP_PASS);

	if (fdb->flags & VXBPF_FDB_HOST)
		return host_deliver(ctx, cfg, fdb->ifindex, outer_len, ulen, &ii);

	/* Decided: from here on the packet is ours to rewrite. */
	vni_count(cfg->slot, true, ulen - sizeof(*udph) - VXLAN_HLEN);
	verdict(ctx, VXBPF_R_RX_DECAP, 0);
	if (bpf_xdp_adjust_head(ctx, outer_len))
		return XDP_DROP;
	inner_fix(ctx, &ii);
	return bpf_redirect(fdb->ifindex, 0);
}

#endif /* VXBPF_DECAP_H */
