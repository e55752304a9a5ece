/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Receive on the underlay NIC: validate VXLAN as the kernel's vxlan_rcv
 * does, decapsulate, redirect to the local port that holds the inner
 * destination MAC. Everything is decided before the first write, so a
 * passed packet reaches the kernel exactly as it arrived.
 */
#ifndef VXBPF_DECAP_H
#define VXBPF_DECAP_H

__noinline int reasm_first(struct xdp_md *ctx, __u32 l4_off); /* reasm.h */
__noinline int reasm_more(struct xdp_md *ctx);

/* vxlan_rx_udp(): a first fragment for reasm_first(), which the caller
 * calls (one call less deep). Never an XDP action. */
#define RX_REASM_FIRST 0x7e57

/*
 * Learning, as the kernel's vxlan_snoop(): the inner source MAC lives
 * behind the outer source VTEP. Learned entries move and are refreshed;
 * static remote ones (user or mirrored) never move, and traffic claiming
 * such a MAC from elsewhere is dropped. Returns VXBPF_R_RX_DECAP to carry
 * on, VXBPF_R_RX_STATIC_MOVED to drop, VXBPF_R_RX_LEARN when the learn is
 * refused (the VNI's maxaddress, VXBPF_LEARN_MAX, a full fdb map) and VXBPF_R_RX_LOCAL_MOVED for a local port's MAC (both passed: the
 * kernel may learn it itself).
 */
static __always_inline enum vxbpf_reason fdb_learn(struct xdp_md *ctx, __u32 vni,
						   const struct vxbpf_vni_cfg *cfg, const __u8 *smac,
						   const struct vxbpf_addr *vtep)
{
	struct vxbpf_fdb_key key;
	struct vxbpf_fdb_val nv = {}, *f;
	__u64 now = bpf_ktime_get_ns();

	fdb_key(&key, vni, smac);
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
			if (now - f->updated_ns > 1000000000ULL && !explain)
				f->updated_ns = now;
			return VXBPF_R_RX_DECAP;
		}
	}
	/* explain: learned, as far as the frame's way goes; nothing kept. */
	if (explain)
		return VXBPF_R_RX_DECAP;
	/* New, moved or expired: a whole new value, so that a reader on
	 * another CPU never sees half an address. */
	nv.dst = *vtep;
	nv.flags = VXBPF_FDB_LEARNED;
	nv.updated_ns = now;
	/* A learned entry moves or comes back in its place, counted
	 * already; if it went meanwhile (the sweep), it is a new one. */
	if (!f || bpf_map_update_elem(&vxbpf_fdb, &key, &nv, BPF_EXIST)) {
		if (!learn_reserve(cfg)) {
			learn_refused(cfg->slot);
			return VXBPF_R_RX_LEARN;
		}
		if (bpf_map_update_elem(&vxbpf_fdb, &key, &nv, BPF_NOEXIST)) {
			learn_release(cfg->slot);
			learn_refused(cfg->slot);
			return VXBPF_R_RX_LEARN;
		}
	} else {
		gen_raise(); /* moved */
	}
	sweep_arm();
	event_send(VXBPF_EV_LEARN, vni, cfg->slot, ctx->ingress_ifindex, smac, vtep, now);
	return VXBPF_R_RX_DECAP;
}

/*
 * Hand a decapsulated frame to tc_host_rx, which does what XDP cannot:
 * deliver to a device without ndo_xdp_xmit (the host's own vxlan device,
 * magic HOST, arg its ifindex) or to several ports at once (a broadcast of
 * a VNI without a kernel device, magic FLOOD, arg the VNI). Validation,
 * learning and counters stay here, in one place; the inner frame goes up
 * with {magic, arg} in the metadata. Without metadata support, or without
 * tc_host_rx on this device, the frame goes up untouched instead (the
 * kernel's vxlan socket takes it, if there is one).
 */
static __always_inline int xdp_handover(struct xdp_md *ctx, const struct vxbpf_vni_cfg *cfg, __u32 magic,
					__u32 arg, enum vxbpf_reason reason, __u32 outer_len, __u32 ulen,
					__u32 total, struct inner_info *ii)
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
	meta->magic = magic;
	meta->ifindex = arg;
	vni_count(cfg->slot, true, ulen - sizeof(struct udphdr) - VXLAN_HLEN);
	reason_count(reason, total);
	if (bpf_xdp_adjust_head(ctx, outer_len))
		return XDP_DROP;
	inner_fix(ctx, ii);
	return XDP_PASS;
}

/*
 * Broadcast, multicast or unknown unicast of a VNI that vxbpf runs on its
 * own: to every local port of the VNI (tc_host_rx replicates), never back
 * to a VTEP.
 */
static __always_inline int rx_flood(struct xdp_md *ctx, const struct vxbpf_vni_cfg *cfg, __u32 vni,
				    __u32 outer_len, __u32 ulen, __u32 total, struct inner_info *ii)
{
	struct vxbpf_vni_ports *ports = bpf_map_lookup_elem(&vxbpf_vni_ports, &vni);

	if (!ports || !ports->n)
		return verdict(ctx, VXBPF_R_RX_FLOOD_NONE, XDP_DROP);
	return xdp_handover(ctx, cfg, VXBPF_FLOOD_META_MAGIC, vni, VXBPF_R_RX_FLOOD, outer_len, ulen, total,
			    ii);
}

/*
 * The outer UDP checksum from the headers alone, without reading the
 * payload. Ones' complement sums are linear: the outer datagram sums to
 * its UDP and VXLAN headers, the inner Ethernet and IP headers and the
 * inner TCP/UDP segment, and a segment whose own checksum is valid sums
 * to the complement of its pseudo-header (ii->v.frame_sum, inner.h). So for
 * such a frame "outer valid and inner valid" is "this sum valid and inner
 * valid"; the inner checksum is the receiving VM's to verify (a redirected
 * frame arrives CHECKSUM_NONE), as RFC 7348 allows. A Linux sender's
 * local checksum offload computes the outer checksum the same way, so its
 * CHECKSUM_PARTIAL seeds pass here too. False means "not shown valid this
 * way": the whole datagram is summed, as before, so no frame is dropped
 * that the full sum would have taken.
 */
static __always_inline bool rx_csum_from_headers(const struct outer *o, __u32 ulen,
						 const struct udphdr *udph, const struct vxbpf_vxlanhdr *vxh,
						 const struct inner_info *ii)
{
	const __u32 *u = (const void *)udph, *x = (const void *)vxh;
	__u64 s;

	if (!ii->v.lco)
		return false;
	s = csum64_pseudo(&o->saddr, &o->daddr, ulen, IPPROTO_UDP, o->v6);
	s += (__u64)u[0] + u[1] + x[0] + x[1] + ii->v.frame_sum;
	return csum64_check(s) == 0;
}

/*
 * From the UDP header at off on: is it VXLAN for us, then check, learn and
 * deliver. A global function, verified once for every outer layout (a
 * VLAN tag, IPv4 options, IPv6 extension headers move off); inlined, the
 * verifier would walk all of this again for each.
 */
__noinline int vxlan_rx_udp(struct xdp_md *ctx, __u32 off, struct outer *op)
{
	struct vxbpf_fdb_key fkey;
	const struct vxbpf_vni_cfg *cfg;
	const struct vxbpf_fdb_val *fdb;
	struct inner_info ii;
	const struct outer *o;
	struct cursor c;
	struct ethhdr *ieth;
	struct udphdr *udph;
	struct vxbpf_vxlanhdr *vxh;
	__u32 *port_users, port, vni, outer_len, ulen, pseudo, total;
	bool kernel, frags, listed;
	int ecn;

	if (!op || off > 1100)
		return verdict(ctx, VXBPF_R_RX_MALFORMED, XDP_PASS);
	/* Read where the caller left it: a copy here cost the 6.1
	 * verifier's combined stack limit (512 bytes over the calls) its
	 * last margin. */
	o = op;
	asm volatile("%0 &= 0x7ff" : "+r"(off)); /* for the verifier */
	cursor_init(&c, ctx);
	c.pos += off;
	udph = cursor_pull(&c, struct udphdr);
	if (!udph)
		return verdict(ctx, VXBPF_R_RX_NOT_VXLAN, XDP_PASS);
	port = bpf_ntohs(udph->dest);
	port_users = bpf_map_lookup_elem(&vxbpf_dstports, &port);
	if (!port_users || !*port_users)
		return verdict(ctx, VXBPF_R_RX_NOT_VXLAN, XDP_PASS);

	vxh = cursor_pull(&c, struct vxbpf_vxlanhdr);
	if (!vxh)
		return verdict(ctx, VXBPF_R_RX_MALFORMED, XDP_PASS);
	vni = bpf_ntohl(vxh->vx_vni) >> 8;
	/* A known sender's allow-list entry holds the VNI's configuration:
	 * one lookup for both, from this CPU's cache of them (vtep.h). The
	 * vni map only for the others (a learning VNI's unknown senders,
	 * strangers, a copy not derived yet). */
	cfg = vtep_cfg(vni, &o->saddr, &listed);
	if (!cfg || cfg->be_dstport != udph->dest)
		return verdict(ctx, VXBPF_R_RX_UNKNOWN_VNI, XDP_PASS);
	if (vxh->vx_flags != bpf_htonl(VXLAN_HF_VNI) || (vxh->vx_vni & bpf_htonl(0xff)))
		return verdict(ctx, VXBPF_R_RX_BAD_FLAGS, XDP_DROP);
	if (!addr_equal(&o->daddr, &cfg->local))
		return verdict(ctx, VXBPF_R_RX_NOT_LOCAL, XDP_PASS);
	/* The allow-list holds on VNIs that do not learn (a learning VNI
	 * accepts any VTEP, as the kernel's does), and before any work: a
	 * flood from a spoofed VTEP costs no checksum, and what is passed to
	 * the kernel (fragments, options) is only what it admits. */
	if (!(cfg->flags & VXBPF_VNI_LEARNING) && !listed)
		return verdict(ctx, VXBPF_R_RX_UNKNOWN_VTEP, XDP_DROP);
	/* The kernel's to finish: a first fragment to reassemble, options
	 * to act on. Unless no kernel device would take the datagram: then
	 * vxbpf reassembles (reasm.h). */
	if (o->defer == VXBPF_R_RX_FRAGMENT && XDP_HAVE_FRAGS && !o->v6 &&
	    !(cfg->flags & VXBPF_VNI_KERNEL_BUM)) {
		/* explain keeps nothing, but says this piece would be kept. */
		if (explain)
			return verdict(ctx, VXBPF_R_RX_FRAG_HELD, XDP_DROP);
		return RX_REASM_FIRST;
	}
	if (o->defer)
		return verdict(ctx, o->defer, XDP_PASS);

	/* Lengths: the UDP datagram must fill the packet exactly, so the
	 * checksum below covers what is decapsulated. Padded or truncated
	 * packets are the kernel's to judge. The packet is the whole frame,
	 * fragments included: its first buffer holds the headers. */
	outer_len = c.pos - (void *)(long)ctx->data;
	total = frame_len(ctx);
	frags = total != xdp_len(ctx);
	ulen = bpf_ntohs(udph->len);
	/* The 6.1 verifier forgets the bounds of a value after a byte swap
	 * and refuses it as a packet offset; the mask (which the compiler
	 * would drop as redundant) restores them. */
	asm volatile("%0 &= 0xffff" : "+r"(ulen));
	if (ulen != o->ip_len || (void *)udph - (void *)(long)ctx->data + ulen != total)
		return verdict(ctx, VXBPF_R_RX_MALFORMED, XDP_PASS);
	if (ulen < sizeof(*udph) + VXLAN_HLEN + ETH_HLEN)
		return verdict(ctx, VXBPF_R_RX_SHORT_INNER, XDP_DROP);

	ieth = cursor_pull(&c, struct ethhdr);
	if (!ieth)
		return verdict(ctx, VXBPF_R_RX_SHORT_INNER, XDP_DROP);
	inner_parse(ctx, ieth, total, ulen - sizeof(*udph) - VXLAN_HLEN, 0, &ii);

	if (udph->check == 0) {
		if (o->v6 && !(cfg->flags & VXBPF_VNI_UDP6ZEROCSUMRX))
			return verdict(ctx, VXBPF_R_RX_ZERO_CSUM6, XDP_DROP);
	} else if (!rx_csum_from_headers(o, ulen, udph, vxh, &ii)) {
		__u64 sum = csum_to_end(ctx, (void *)udph - (void *)(long)ctx->data, total);
		__u32 s;

		/* Only a multi-buffer frame is longer than the sum can go:
		 * the kernel's to check. */
		if (sum & CSUM_ERR)
			return verdict(ctx, frags ? VXBPF_R_RX_FRAGS : VXBPF_R_RX_MALFORMED, XDP_PASS);
		pseudo = csum_pseudo(&o->saddr, &o->daddr, ulen, IPPROTO_UDP, o->v6);
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


	/* Where a kernel vxlan device and bridge carry the VNI, what the fast
	 * path cannot finish is theirs; else vxbpf does it, as the bridge. */
	kernel = cfg->flags & VXBPF_VNI_KERNEL_BUM;
	if (mac_is_multicast(ieth->h_source) || mac_is_zero(ieth->h_source))
		return verdict(ctx, VXBPF_R_RX_BAD_SMAC, XDP_DROP);
	if (cfg->flags & VXBPF_VNI_LEARNING) {
		enum vxbpf_reason lr = fdb_learn(ctx, vni, cfg, ieth->h_source, &o->saddr);

		if (lr == VXBPF_R_RX_STATIC_MOVED)
			return verdict(ctx, lr, XDP_DROP);
		/* With a kernel device, its bridge and its learning decide.
		 * Without: a local port's MAC is static (dropped as any
		 * static one), and a full fdb only means not learning, as
		 * vxlan_snoop() failing still delivers. */
		if (kernel && (lr == VXBPF_R_RX_LEARN || lr == VXBPF_R_RX_LOCAL_MOVED))
			return verdict(ctx, lr, XDP_PASS);
		if (lr == VXBPF_R_RX_LOCAL_MOVED)
			return verdict(ctx, lr, XDP_DROP);
	}
	/* What the kernel's device would do with the outer ECN bits, done
	 * where vxbpf delivers the frame (inner_fix); a frame passed to the
	 * kernel keeps its bytes, which the outer checksum covers. */
	ecn = ecn_decap(o->tos, ii.v.ip, ii.v.ecn);
	if (ecn == ECN_DROP)
		return verdict(ctx, VXBPF_R_RX_ECN_DROP, XDP_DROP);
	if (mac_is_multicast(ieth->h_dest)) {
		if (kernel)
			return verdict(ctx, VXBPF_R_RX_INNER_BUM, XDP_PASS);
		ii.ecn_set = ecn;
		return rx_flood(ctx, cfg, vni, outer_len, ulen, total, &ii);
	}
	ii.ecn_set = ecn;

	fdb_key(&fkey, vni, ieth->h_dest);
	fdb = fdb_find(&fkey, cfg);
	if (!fdb) {
		if (kernel)
			return verdict(ctx, VXBPF_R_RX_INNER_UNKNOWN, XDP_PASS);
		return rx_flood(ctx, cfg, vni, outer_len, ulen, total, &ii);
	}
	/* Behind a VTEP: a bridge does not send a frame back out of the
	 * port it came in by (split horizon). */
	if (!(fdb->flags & VXBPF_FDB_LOCAL))
		return verdict(ctx, kernel ? VXBPF_R_RX_INNER_UNKNOWN : VXBPF_R_RX_REMOTE_DST,
			       kernel ? XDP_PASS : XDP_DROP);

	if (fdb->flags & VXBPF_FDB_HOST)
		return xdp_handover(ctx, cfg, VXBPF_HOST_META_MAGIC, fdb->ifindex, VXBPF_R_RX_HOST,
				    outer_len, ulen, total, &ii);

	/* A multi-buffer frame that bpf_redirect() cannot carry (before 6.3,
	 * or a port whose driver cannot send it; see stats.h): decapsulated
	 * here all the same, and tc_host_rx sends the skb to the port. */
	if (frags && !port_takes_frags(fdb->ifindex))
		return xdp_handover(ctx, cfg, VXBPF_PORT_META_MAGIC, fdb->ifindex, VXBPF_R_RX_DECAP,
				    outer_len, ulen, total, &ii);

	/* Decided: from here on the packet is ours to rewrite. */
	vni_count(cfg->slot, true, ulen - sizeof(*udph) - VXLAN_HLEN);
	reason_count(VXBPF_R_RX_DECAP, total);
	if (bpf_xdp_adjust_head(ctx, outer_len))
		return XDP_DROP;
	inner_fix(ctx, &ii);
	return redirect(fdb->ifindex, 0);
}

static __always_inline int vxlan_rx(struct xdp_md *ctx)
{
	enum vxbpf_reason r;
	struct outer o;
	struct cursor c;
	__u32 off;
	int act;

	cursor_init(&c, ctx);
	r = outer_parse(ctx, &c, &o, &off);
	if (r == VXBPF_R_RX_FRAGMENT && XDP_HAVE_FRAGS && !explain)
		return reasm_more(ctx);
	if (r != OUTER_OK)
		return verdict(ctx, r, XDP_PASS);
	act = vxlan_rx_udp(ctx, off, &o);
	if (act == RX_REASM_FIRST)
		return reasm_first(ctx, off);
	return act;
}

#endif /* VXBPF_DECAP_H */
