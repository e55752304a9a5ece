/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Replication: what the kernel's bridge and vxlan device do with broadcast,
 * multicast and unknown unicast, for the VNIs that vxbpf runs on its own
 * (no kernel vxlan device: VXBPF_VNI_KERNEL_BUM clear). An XDP frame has
 * one destination, and a devmap broadcast cannot give each copy its own
 * outer headers, so XDP passes such frames up and TC replicates them with
 * bpf_clone_redirect:
 *
 *   tc_port_rx  (a port's ingress) a frame from a VM that XDP passed: a
 *               copy to every other local port of the VNI, then one
 *               encapsulated copy per remote VTEP of the list that
 *               vxlan_xmit() would use (the MAC's own, else the flood list
 *               of the all-zero MAC). Also what XDP could not finish for
 *               one remote (no neighbour yet, a route via a device without
 *               XDP): a list of one.
 *   tc_host_rx  (the underlay's ingress) a frame xdp_vxlan_rx decapsulated
 *               and marked: a copy to every local port of the VNI, never
 *               to a VTEP (split horizon).
 *
 * The last copy takes the original skb (bpf_redirect), as vxlan_xmit()
 * sends the original to its first remote: n copies cost n-1 clones. Each
 * copy is one call of a global function, verified once however long the
 * lists are. Every copy and every loss is counted with its reason.
 */
#ifndef VXBPF_FLOOD_H
#define VXBPF_FLOOD_H

/* What every copy of one frame shares: on the caller's stack. */
struct flood_plan {
	struct vxbpf_vni_cfg cfg;
	__u32 vni;
	__u32 len;	 /* the inner frame */
	__u32 inner_sum; /* its ones' complement sum, when sum_ok */
	__u32 hash;	 /* flow hash: the UDP source port, as for unicast */
	__u32 seen_on;	 /* the ingress port, for resolve events */
	__u32 sent;	 /* copies sent to VTEPs */
	__u8 ecn;
	__u8 sum_ok;
	__u8 pushed;	 /* the outer headers are in place */
	__u8 gso;
	__u8 redirected; /* the last copy took the original (bpf_redirect) */
	__u8 frag_ok;	 /* may go in outer fragments (frag.h) */
	__u8 pad[2];
};

/*
 * One copy to a local port: its egress, i.e. into the VM. last: hand over
 * the original (the caller returns TC_ACT_REDIRECT). Returns 1 if sent.
 */
__noinline int flood_port_copy(struct __sk_buff *skb, __u32 ifindex, __u32 last, __u32 rx)
{
	long err = 0;

	if (last)
		bpf_redirect(ifindex, 0);
	else
		err = bpf_clone_redirect(skb, ifindex, 0);
	/* Positive: the qdisc's congestion notice (NET_XMIT_CN), the copy
	 * was queued all the same. */
	if (err < 0) {
		tc_verdict(skb, rx ? VXBPF_R_RX_COPY_ERR : VXBPF_R_TX_COPY_ERR, 0);
		return 0;
	}
	tc_verdict(skb, rx ? VXBPF_R_RX_COPY_PORT : VXBPF_R_TX_COPY_PORT, 0);
	return 1;
}

/*
 * Room for the outer headers, once for all copies. An IP frame grows
 * after its MAC header with the encapsulation flags, so the kernel knows
 * the inner offsets (a CHECKSUM_PARTIAL inner checksum is then finished
 * where it is, by the device or in software); the Ethernet header is
 * moved behind the new ones. Any other frame (ARP...) has no partial
 * checksum and grows at the head.
 */
static __always_inline int flood_push(struct __sk_buff *skb, __u32 hdr_len, bool v6, bool frag_ok)
{
	struct ethhdr ieth, *eth;
	void *data, *end;
	__u64 flags;

	if (skb->protocol != bpf_htons(ETH_P_IP) && skb->protocol != bpf_htons(ETH_P_IPV6))
		return bpf_skb_change_head(skb, hdr_len, 0) ? -1 : 0;

	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	eth = data;
	if ((void *)(eth + 1) > end)
		return -1;
	__builtin_memcpy(&ieth, eth, sizeof(ieth));
	flags = BPF_F_ADJ_ROOM_ENCAP_L4_UDP | BPF_F_ADJ_ROOM_ENCAP_L2(ETH_HLEN) |
		BPF_F_ADJ_ROOM_ENCAP_L2_ETH |
		(v6 ? BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 : BPF_F_ADJ_ROOM_ENCAP_L3_IPV4);
	/* A frame that may go in fragments has no partial checksum (frag.h),
	 * and bpf_skb_change_tail refuses an skb marked encapsulated. */
	if (frag_ok)
		flags = 0;
	if (bpf_skb_adjust_room(skb, hdr_len, BPF_ADJ_ROOM_MAC, flags))
		return -1;
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	eth = data + (hdr_len & 0x7f); /* 50 or 70: the mask is for the verifier */
	if ((void *)(eth + 1) > end)
		return -1;
	__builtin_memcpy(eth, &ieth, sizeof(ieth));
	return 0;
}

/* flood_vtep_copy(): encapsulated, to go in fragments (frag.h); the MTU
 * and device are in vxbpf_frag_buf. */
#define FLOOD_FRAGMENT 2

/*
 * One copy to a remote VTEP: encapsulated as the XDP path encapsulates
 * unicast (same outer fields, source port and checksums), the outer
 * headers rewritten for each remote. Returns 1 if sent.
 */
__noinline int flood_vtep_copy(struct __sk_buff *skb, struct flood_plan *fp,
			       const struct vxbpf_remote *r, __u32 last)
{
	struct encap_plan plan;
	enum vxbpf_reason why;
	struct udphdr *udph;
	__u32 ulen, frag_mtu = 0;
	void *data, *end;
	long err = 0;

	if (!fp || !r)
		return 0;
	if (fp->gso) {
		/* A GSO skb needs its outer checksums per segment, which
		 * BPF cannot ask for; only a tap without XDP sends them. */
		tc_verdict(skb, VXBPF_R_TX_COPY_GSO, 0);
		return 0;
	}
	/* An offloaded VLAN tag would be inserted by the underlay device,
	 * on the outer frame. (The XDP path never sees one.) */
	if (skb->vlan_present) {
		tc_verdict(skb, VXBPF_R_TX_COPY_VLAN, 0);
		return 0;
	}
	/* Only to a VTEP of the VNI: a list element freed by an update can
	 * be reused for another list while we read it (bpf_mem_alloc). */
	{
		struct vxbpf_vtep_key vk;

		vk.vni = fp->vni;
		vk.ip = r->dst;
		if (!bpf_map_lookup_elem(&vxbpf_vtep, &vk)) {
			tc_verdict(skb, VXBPF_R_TX_COPY_ERR, 0);
			return 0;
		}
	}
	__builtin_memset(&plan, 0, sizeof(plan));
	plan.dst = r->dst;
	plan.v6 = !addr_is_v4(&plan.dst);
	plan.hdr_len = ETH_HLEN + (plan.v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr)) +
		       sizeof(struct udphdr) + VXLAN_HLEN;
	plan.inner_len = fp->len;
	plan.be_port = r->be_port ? r->be_port : fp->cfg.be_dstport;
	plan.vni = r->remote_vni ? r->remote_vni : fp->vni;
	plan.csum = plan.v6 ? !(fp->cfg.flags & VXBPF_VNI_UDP6ZEROCSUMTX)
			    : !(fp->cfg.flags & VXBPF_VNI_NOUDPCSUM);
	plan.inner_sum = fp->inner_sum;
	/* A frame whose sum cannot be known here (a protocol that may still
	 * hold a partial checksum the device finishes later, SCTP's CRC, a
	 * segment behind IPv6 extension headers): over IPv4 a UDP checksum
	 * of 0 is always allowed; over IPv6 the receiver would drop it. */
	if (plan.csum && !fp->sum_ok) {
		if (plan.v6) {
			tc_verdict(skb, VXBPF_R_TX_COPY_ERR, 0);
			return 0;
		}
		plan.csum = false;
	}
	why = outer_fib(skb, &fp->cfg, &plan, fp->vni, plan.hdr_len - ETH_HLEN + fp->len,
			fp->seen_on, false);
	/* Too big, no DF, IPv4 underlay: the kernel's vxlan device sends it
	 * in fragments (frag.h). The route again, for the next hop. */
	if (why == VXBPF_R_TX_MTU && fp->frag_ok && !plan.v6) {
		frag_mtu = plan.fib.mtu_result;
		why = outer_fib(skb, &fp->cfg, &plan, fp->vni, frag_mtu, fp->seen_on, false);
	}
	if (why != VXBPF_R_TX_ENCAP) {
		tc_verdict(skb, why == VXBPF_R_TX_MTU ? VXBPF_R_TX_COPY_MTU : VXBPF_R_TX_COPY_FIB, 0);
		return 0;
	}
	/* Never into one of our own ports: a route through a VM's device
	 * would loop (vxlan_xmit_one() refuses a route via its device). */
	if (bpf_map_lookup_elem(&vxbpf_ports, &plan.fib.ifindex)) {
		tc_verdict(skb, VXBPF_R_TX_COPY_FIB, 0);
		return 0;
	}
	plan.be_sport = encap_sport(&fp->cfg, fp->hash);

	if (!fp->pushed) {
		if (flood_push(skb, plan.hdr_len, plan.v6, fp->frag_ok)) {
			tc_verdict(skb, VXBPF_R_TX_COPY_ERR, 0);
			return 0;
		}
		fp->pushed = 1;
	}
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	ulen = sizeof(struct udphdr) + VXLAN_HLEN + fp->len;
	udph = outer_write(data, end, &fp->cfg, &plan, fp->ecn, ulen);
	if (!udph || (void *)(udph + 1) + VXLAN_HLEN > end) {
		tc_verdict(skb, VXBPF_R_TX_COPY_ERR, 0);
		return 0;
	}
	if (plan.csum)
		outer_csum(&fp->cfg, &plan, udph, ulen);
	if (frag_mtu) {
		/* For vtep_copy: frag_send one call less deep. */
		__u32 zero = 0;
		struct vxbpf_frag_buf *f = bpf_map_lookup_elem(&vxbpf_frag_buf, &zero);

		if (!f) {
			tc_verdict(skb, VXBPF_R_TX_COPY_ERR, 0);
			return 0;
		}
		f->mtu = frag_mtu;
		f->ifindex = plan.fib.ifindex;
		return FLOOD_FRAGMENT;
	}
	if (last) {
		bpf_redirect(plan.fib.ifindex, 0);
		fp->redirected = 1;
	} else {
		err = bpf_clone_redirect(skb, plan.fib.ifindex, 0);
	}
	tc_verdict(skb, err < 0 ? VXBPF_R_TX_COPY_ERR : VXBPF_R_TX_COPY_VTEP, 0);
	fp->sent += err >= 0;
	return err >= 0;
}

/*
 * One copy to a remote VTEP, in outer fragments where flood_vtep_copy
 * says so (frag.h). Returns 1 if sent.
 */
static __always_inline int vtep_copy(struct __sk_buff *skb, struct flood_plan *fp,
				     const struct vxbpf_remote *r, __u32 last)
{
	__u64 len;
	int err;

	if (flood_vtep_copy(skb, fp, r, last) != FLOOD_FRAGMENT)
		return 0;
	len = skb->len; /* counted as the whole datagram, before it is cut */
	err = frag_send(skb, last);
	reason_count(err ? VXBPF_R_TX_COPY_ERR : VXBPF_R_TX_COPY_FRAGS, len);
	fp->redirected = last && !err;
	fp->sent += !err;
	return !err;
}

/*
 * Copies to the ports of a VNI except skip: into the VMs. take_orig: the
 * last one gets the original skb (then returns the count with the
 * original gone if it is nonzero). A global function: its loop is
 * verified once, whatever called it.
 */
__noinline __u32 flood_ports(struct __sk_buff *skb, __u32 vni, __u32 skip, __u32 take_orig, __u32 rx)
{
	struct vxbpf_vni_ports *ports = bpf_map_lookup_elem(&vxbpf_vni_ports, &vni);
	struct vxbpf_port_val *pv;
	__u32 i, n, pending = 0, sent = 0;

	if (!ports)
		return 0;
	n = ports->n;
	for (i = 0; i < VXBPF_FLOOD_PORTS; i++) {
		__u32 p;

		if (i >= n)
			break;
		p = ports->ifindex[i];
		if (p == skip || !p)
			continue;
		/* Still a port of this VNI: a list element freed by an update
		 * can be reused for another VNI's list while we read it. */
		pv = bpf_map_lookup_elem(&vxbpf_ports, &p);
		if (!pv || pv->vni != vni)
			continue;
		/* The kernel's pattern (vxlan_xmit): each copy is sent once
		 * the next is known, so the last can take the original. */
		if (pending)
			sent += flood_port_copy(skb, pending, 0, rx);
		pending = p;
	}
	if (pending)
		sent += flood_port_copy(skb, pending, take_orig, rx);
	return sent;
}

/*
 * Copies to every remote of the list at key, the last one with the
 * original skb. fp->sent counts them, fp->redirected says the original
 * went.
 */
__noinline int flood_list(struct __sk_buff *skb, struct flood_plan *fp, struct vxbpf_fdb_key *key)
{
	struct vxbpf_remotes *rl;
	struct vxbpf_remote r;
	struct vxbpf_fdb_key k;
	__u32 i, n;

	if (!fp || !key)
		return 0;
	k = *key; /* a helper's key must be on the stack (6.1) */
	rl = bpf_map_lookup_elem(&vxbpf_remotes, &k);
	if (!rl)
		return 0;
	n = rl->n;
	if (n > VXBPF_FLOOD_REMOTES)
		n = VXBPF_FLOOD_REMOTES;
	for (i = 0; i < VXBPF_FLOOD_REMOTES; i++) {
		if (i >= n)
			break;
		r = rl->r[i];
		vtep_copy(skb, fp, &r, i + 1 == n);
	}
	return 0;
}

/* The headers of the frame in the skb's linear data; its start, or NULL. */
static __always_inline void *skb_view(struct __sk_buff *skb, struct inner_view *v)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return NULL;
	inner_view(eth, end, end - data, v); /* linear: pulled by the caller */
	return data;
}

/*
 * What every VTEP copy needs of the inner frame: the flow hash, its ECN
 * bits, and its sum as it will be on the wire, for the outer UDP
 * checksum: from its headers for TCP/UDP (local checksum offload, see
 * inner.h), else summed, with a CHECKSUM_PARTIAL seed finished virtually
 * (the device finishes it in the packet after encapsulation).
 */
__noinline int flood_prepare(struct __sk_buff *skb, struct flood_plan *fp)
{
	__u32 len = skb->len;
	struct inner_view v;
	void *data;
	__u64 s, seg;

	if (!fp)
		return 0;
	fp->len = len;
	fp->gso = skb->gso_size != 0;
	if (len > 512 * 18 || bpf_skb_pull_data(skb, len))
		return 0;
	data = skb_view(skb, &v);
	if (!data)
		return 0;
	fp->frag_ok = frag_allowed(data, (void *)(long)skb->data_end, &v);
	fp->hash = v.hash;
	fp->ecn = v.ecn;
	if (v.lco) {
		fp->inner_sum = v.frame_sum;
		fp->sum_ok = 1;
		return 0;
	}
	/* Summed as they are: frames that are no IP, and IP protocols the
	 * stack always finishes (ICMP, ICMPv6, IGMP), or TCP/UDP right
	 * behind the IP header, whose seed is recognised below. Anything
	 * else may carry a checksum a device finishes later. */
	if (v.ip && v.proto != IPPROTO_ICMP && v.proto != IPPROTO_ICMPV6 && v.proto != 2 &&
	    v.proto != IPPROTO_TCP && v.proto != IPPROTO_UDP)
		return 0;
	s = skb_csum_to_end(skb, 0);
	if (s & CSUM_ERR)
		return 0;
	/* The call changed nothing, but the verifier forgets the packet. */
	data = skb_view(skb, &v);
	if (!data)
		return 0;
	if (inner_seed_maybe(&v, (void *)(long)skb->data_end)) {
		__u16 old = *v.check, new;

		seg = skb_csum_to_end(skb, v.l4 - data);
		if (!(seg & CSUM_ERR) && csum_fold(csum_add(v.pseudo, (__u32)seg)) != 0) {
			new = csum_fold((__u32)seg);
			if (v.proto == IPPROTO_UDP && !new)
				new = 0xffff;
			s = csum_add(csum_sub((__u32)s, old), new);
		}
	}
	fp->inner_sum = (__u32)s;
	fp->sum_ok = 1;
	return 0;
}

static __always_inline void vni_flood_count(__u32 slot, bool rx, __u32 ports, __u32 vteps)
{
	struct vxbpf_vni_flood *f = bpf_map_lookup_elem(&vxbpf_vni_flood, &slot);

	if (!f)
		return;
	if (rx) {
		f->rx_frames++;
		f->rx_port_copies += ports;
	} else {
		f->tx_frames++;
		f->tx_port_copies += ports;
		f->tx_vtep_copies += vteps;
	}
}

/*
 * tc_port_rx: what xdp_port_rx passed on a VNI without a kernel device.
 * Frames of a VNI that has one, and of devices that are no ports, go on
 * untouched and uncounted (XDP counted them).
 */
static __always_inline int port_tc_rx(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex, vni, n_remotes = 0, sent_ports = 0;
	struct vxbpf_fdb_key key = {};
	struct vxbpf_remote one = {};
	struct vxbpf_port_val *port;
	struct vxbpf_vni_cfg *cfg;
	const struct vxbpf_fdb_val *f;
	struct vxbpf_remotes *rl;
	struct flood_plan fp;
	struct ethhdr *eth;
	void *data, *end;
	bool proxy_only, to_ports, use_list = false;

	port = bpf_map_lookup_elem(&vxbpf_ports, &ifindex);
	if (!port)
		return TC_ACT_UNSPEC;
	vni = port->vni;
	cfg = bpf_map_lookup_elem(&vxbpf_vni, &vni);
	if (!cfg || (cfg->flags & VXBPF_VNI_KERNEL_BUM))
		return TC_ACT_UNSPEC;
	if (bpf_skb_pull_data(skb, skb->len < 64 ? skb->len : 64))
		return tc_verdict(skb, VXBPF_R_TX_COPY_ERR, TC_ACT_SHOT);
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	eth = data;
	if ((void *)(eth + 1) > end)
		return TC_ACT_UNSPEC;

	/* As the kernel's `proxy` (vxlan_xmit: arp_reduce, neigh_reduce):
	 * no ARP and no NS ever goes to a VTEP; the bridge still delivers
	 * them to the other local ports. */
	proxy_only = (cfg->flags & VXBPF_VNI_PROXY) && is_arp_or_ns(eth, end);
	to_ports = mac_is_multicast(eth->h_dest);

	/* The remotes as vxlan_xmit() finds them: the MAC's own entry (a
	 * list when it has several), else the VNI's flood list. */
	fdb_key(&key, vni, eth->h_dest);
	f = fdb_find(&key, cfg);
	if (f && (f->flags & VXBPF_FDB_LOCAL)) {
		/* Only here without XDP, or for the ingress port's own MAC
		 * (not sent back, as by a bridge). */
		if (f->flags & VXBPF_FDB_HOST)
			return TC_ACT_UNSPEC;
		if (f->ifindex == ifindex)
			return tc_verdict(skb, VXBPF_R_TX_HAIRPIN, TC_ACT_SHOT);
		flood_port_copy(skb, f->ifindex, 1, 0);
		return TC_ACT_REDIRECT;
	}
	if (f && !(f->flags & VXBPF_FDB_MULTI)) {
		one.dst = f->dst;
		one.be_port = f->be_port;
		one.remote_vni = f->remote_vni;
		n_remotes = 1;
	} else {
		if (!f) {
			to_ports = true;
			__builtin_memset(key.mac, 0, sizeof(key.mac));
		}
		rl = bpf_map_lookup_elem(&vxbpf_remotes, &key);
		if (rl && rl->n) {
			use_list = true;
			n_remotes = rl->n;
		}
	}
	if (proxy_only)
		n_remotes = 0;

	__builtin_memset(&fp, 0, sizeof(fp));
	fp.cfg = *cfg;
	fp.vni = vni;
	fp.seen_on = ifindex;
	if (n_remotes)
		flood_prepare(skb, &fp);

	/* Local copies first, while the frame is still the VM's own. */
	if (to_ports)
		sent_ports = flood_ports(skb, vni, ifindex, !n_remotes, 0);
	if (!n_remotes) {
		if (!sent_ports)
			return tc_verdict(skb, proxy_only ? VXBPF_R_TX_PROXY_CONSUMED
							  : VXBPF_R_TX_FLOOD_NONE,
					  TC_ACT_SHOT);
		vni_flood_count(cfg->slot, false, sent_ports, 0);
		return TC_ACT_REDIRECT;
	}
	if (use_list)
		flood_list(skb, &fp, &key);
	else
		vtep_copy(skb, &fp, &one, 1);
	vni_flood_count(cfg->slot, false, sent_ports, fp.sent);
	/* The original went with the last copy; if that one failed
	 * (counted with its reason), it ends here. */
	return fp.redirected ? TC_ACT_REDIRECT : TC_ACT_SHOT;
}

/*
 * tc_host_rx, for a frame xdp_vxlan_rx decapsulated and marked FLOOD:
 * a copy to every local port of the VNI, none to a VTEP.
 */
static __always_inline int flood_rx(struct __sk_buff *skb, __u32 vni)
{
	struct vxbpf_vni_cfg *cfg = bpf_map_lookup_elem(&vxbpf_vni, &vni);
	__u32 sent;

	if (!cfg)
		return tc_verdict(skb, VXBPF_R_RX_FLOOD_NONE, TC_ACT_SHOT);
	/* A NIC's CHECKSUM_UNNECESSARY vouched for the outer checksum only. */
	bpf_csum_level(skb, BPF_CSUM_LEVEL_DEC);
	sent = flood_ports(skb, vni, 0, 1, 1);
	if (!sent)
		return tc_verdict(skb, VXBPF_R_RX_FLOOD_NONE, TC_ACT_SHOT);
	vni_flood_count(cfg->slot, true, sent, 0);
	return TC_ACT_REDIRECT;
}

#endif /* VXBPF_FLOOD_H */
