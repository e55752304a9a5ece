/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Reassembly of outer IPv4 fragments, for VNIs that vxbpf runs alone: a
 * peer's vxlan device sends a frame without DF that does not fit its
 * underlay in fragments (frag.h does the same), and only a kernel vxlan
 * device would take the datagram the kernel reassembles. So vxbpf keeps
 * the pieces itself:
 *
 *  - XDP, the first fragment (it holds the UDP and VXLAN headers and the
 *    inner Ethernet header): past the allow-list as any packet, and
 *    decided as any packet would be (learning, the ECN rule, the port or
 *    the flood), then kept, with the decision, in an entry (source,
 *    destination, ID) of vxbpf_reasm;
 *  - XDP, a later fragment with an entry: kept too. One without (another
 *    protocol's, a VNI the kernel carries, one ahead of its first piece)
 *    goes to the kernel as before (rx_fragment);
 *  - the fragment that completes the datagram goes up to TC (metadata, as
 *    the other handovers), where an skb can grow: tc_host_rx checks the
 *    UDP length and checksum over the whole, makes the skb the inner
 *    frame and sends it where the first piece was to go.
 *
 * Reassembly in XDP alone would need the last piece's buffer to grow to
 * the datagram (bpf_xdp_adjust_tail), which a veth's are not (sized to
 * the data). The kernel's ECN rule for fragments (ip_frag_ecn_table) is
 * kept to its common case: CE on any piece is CE on the whole. Unfinished
 * entries go with the LRU. Not over IPv6: Linux's vxlan device does not
 * fragment there.
 */
#ifndef VXBPF_REASM_H
#define VXBPF_REASM_H

/* The IPv4 header of a fragment: after the Ethernet header and at most one
 * VLAN tag, without options. NULL if not that. */
static __always_inline struct iphdr *reasm_ip(void *data, void *end)
{
	struct ethhdr *eth = data;
	struct iphdr *iph;
	__u32 l3 = sizeof(*eth);

	if ((void *)(eth + 1) > end)
		return NULL;
	if (eth->h_proto == bpf_htons(ETH_P_8021Q) || eth->h_proto == bpf_htons(ETH_P_8021AD))
		l3 += sizeof(struct vlan_hdr);
	iph = data + l3;
	if ((void *)(iph + 1) > end || iph->version != 4 || iph->ihl != 5 ||
	    iph->protocol != IPPROTO_UDP)
		return NULL;
	return iph;
}

static __always_inline void reasm_key(struct vxbpf_reasm_key *k, const struct iphdr *iph)
{
	k->saddr = iph->saddr;
	k->daddr = iph->daddr;
	k->id = iph->id;
	k->pad = 0;
}

/* Copy the fragment's IP payload into e at its offset; its length, or 0. */
static __always_inline __u32 reasm_put(struct xdp_md *ctx, struct vxbpf_reasm *e, struct iphdr *iph,
				       __u32 l4_off)
{
	__u64 off = (__u64)(bpf_ntohs(iph->frag_off) & IP_OFFSET) << 3;
	__u64 len = bpf_ntohs(iph->tot_len);
	bool more = iph->frag_off & bpf_htons(IP_MF);

	if (len <= sizeof(*iph))
		return 0;
	len -= sizeof(*iph);
	/* Every piece but the last is a multiple of 8 (RFC 791). */
	if ((more && (len & 7)) || off >= VXBPF_FRAG_MAX || len > VXBPF_FRAG_MAX ||
	    off + len > VXBPF_FRAG_MAX)
		return 0;
	if ((iph->tos & INET_ECN_MASK) == INET_ECN_CE)
		e->ce = 1;
	if (!more)
		e->total = off + len;
	if (bpf_xdp_load_bytes(ctx, l4_off, e->b + FRAG_OFF(off), FRAG_LEN(len)))
		return 0;
	return len;
}

/*
 * The first fragment of a datagram vxlan_rx_udp() found to be VXLAN for
 * a VNI vxbpf runs alone, its VTEP allowed; l4_off: its UDP header, ieth
 * the inner Ethernet header at l4_off + 16. Decided here as vxlan_rx_udp()
 * decides a whole packet, then kept.
 */
__noinline int reasm_first(struct xdp_md *ctx, __u32 l4_off)
{
	struct vxbpf_reasm_key k = {};
	struct vxbpf_fdb_key fkey = {};
	struct vxbpf_reasm *e, *init;
	struct vxbpf_vni_cfg *cfg;
	const struct vxbpf_fdb_val *fdb;
	struct vxbpf_addr vtep;
	struct inner_view v;
	struct ethhdr *ieth;
	struct iphdr *iph;
	__u32 zero = 0, len, to = 0, vni;
	struct vxbpf_vxlanhdr *vxh;
	void *data, *end;
	__u8 outer_tos;
	int ecn;

	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	iph = reasm_ip(data, end);
	if (!iph || (void *)(iph + 1) - data != l4_off || l4_off > 64)
		return verdict(ctx, VXBPF_R_RX_FRAGMENT, XDP_PASS);
	outer_tos = iph->tos;
	vxh = data + (l4_off & 0x3f) + sizeof(struct udphdr);
	if ((void *)(vxh + 1) > end)
		return verdict(ctx, VXBPF_R_RX_FRAGMENT, XDP_PASS);
	vni = bpf_ntohl(vxh->vx_vni) >> 8;
	cfg = bpf_map_lookup_elem(&vxbpf_vni, &vni);
	if (!cfg)
		return verdict(ctx, VXBPF_R_RX_FRAGMENT, XDP_PASS);
	ieth = data + (l4_off & 0x3f) + sizeof(struct udphdr) + VXLAN_HLEN;
	if ((void *)(ieth + 1) > end)
		return verdict(ctx, VXBPF_R_RX_SHORT_INNER, XDP_DROP);
	if (mac_is_multicast(ieth->h_source) || mac_is_zero(ieth->h_source))
		return verdict(ctx, VXBPF_R_RX_BAD_SMAC, XDP_DROP);
	if (cfg->flags & VXBPF_VNI_LEARNING) {
		enum vxbpf_reason lr;

		addr_from_v4(&vtep, iph->saddr);
		lr = fdb_learn(ctx, vni, cfg, ieth->h_source, &vtep);
		if (lr == VXBPF_R_RX_STATIC_MOVED || lr == VXBPF_R_RX_LOCAL_MOVED)
			return verdict(ctx, lr, XDP_DROP);
		data = (void *)(long)ctx->data;
		end = (void *)(long)ctx->data_end;
		ieth = data + (l4_off & 0x3f) + sizeof(struct udphdr) + VXLAN_HLEN;
		if ((void *)(ieth + 1) > end)
			return verdict(ctx, VXBPF_R_RX_SHORT_INNER, XDP_DROP);
	}
	inner_view_rx(ieth, end, end - (void *)ieth, &v);
	ecn = ecn_decap(outer_tos, v.ip, v.ecn);
	if (ecn == ECN_DROP)
		return verdict(ctx, VXBPF_R_RX_ECN_DROP, XDP_DROP);
	if (!mac_is_multicast(ieth->h_dest)) {
		fdb_key(&fkey, vni, ieth->h_dest);
		fdb = fdb_find(&fkey, cfg);
		if (fdb && !(fdb->flags & VXBPF_FDB_LOCAL))
			return verdict(ctx, VXBPF_R_RX_REMOTE_DST, XDP_DROP);
		if (fdb && (fdb->flags & VXBPF_FDB_HOST))
			return verdict(ctx, VXBPF_R_RX_FRAGMENT, XDP_PASS);
		if (fdb)
			to = fdb->ifindex;
	}

	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	iph = reasm_ip(data, end);
	if (!iph)
		return verdict(ctx, VXBPF_R_RX_FRAGMENT, XDP_PASS);
	reasm_key(&k, iph);
	/* A value this size is never on a stack: a per-CPU one is the model
	 * of the new entry (which replaces a stale one with the same ID). */
	init = bpf_map_lookup_elem(&vxbpf_reasm_init, &zero);
	if (!init)
		return verdict(ctx, VXBPF_R_RX_FRAGMENT, XDP_PASS);
	init->have = 0;
	init->total = 0;
	init->ce = 0;
	init->vni = vni;
	init->slot = cfg->slot;
	init->ifindex = to;
	init->ecn_set = ecn;
	if (bpf_map_update_elem(&vxbpf_reasm, &k, init, BPF_ANY))
		return verdict(ctx, VXBPF_R_RX_FRAGMENT, XDP_PASS);
	e = bpf_map_lookup_elem(&vxbpf_reasm, &k);
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	iph = reasm_ip(data, end);
	if (!e || !iph)
		return verdict(ctx, VXBPF_R_RX_FRAGMENT, XDP_PASS);
	len = reasm_put(ctx, e, iph, l4_off);
	if (!len) {
		bpf_map_delete_elem(&vxbpf_reasm, &k);
		return verdict(ctx, VXBPF_R_RX_FRAGMENT, XDP_PASS);
	}
	/* Alone so far: later pieces with no entry went to the kernel. */
	__sync_fetch_and_add(&e->have, len);
	return verdict(ctx, VXBPF_R_RX_FRAG_HELD, XDP_DROP);
}

/*
 * XDP, a later fragment (the outer parse found no UDP header in it): kept
 * if its datagram has an entry; the one that completes it goes to TC.
 */
__noinline int reasm_more(struct xdp_md *ctx)
{
	__u32 ifindex = ctx->ingress_ifindex, *ul;
	struct vxbpf_reasm_key k = {};
	struct vxbpf_host_meta *meta;
	struct vxbpf_reasm *e;
	struct iphdr *iph;
	__u64 total, have;
	__u32 len, l4_off;

	iph = reasm_ip((void *)(long)ctx->data, (void *)(long)ctx->data_end);
	if (!iph)
		return verdict(ctx, VXBPF_R_RX_FRAGMENT, XDP_PASS);
	reasm_key(&k, iph);
	e = bpf_map_lookup_elem(&vxbpf_reasm, &k);
	if (!e)
		return verdict(ctx, VXBPF_R_RX_FRAGMENT, XDP_PASS);
	l4_off = (void *)(iph + 1) - (void *)(long)ctx->data;
	len = reasm_put(ctx, e, iph, l4_off);
	if (!len)
		return verdict(ctx, VXBPF_R_RX_FRAGMENT, XDP_PASS);
	/* Whoever brings the count to the total (known once the last piece
	 * came, written before its count) finishes; pieces may come on
	 * several CPUs at once. */
	have = __sync_fetch_and_add(&e->have, len) + len;
	total = READ_ONCE(e->total);
	if (!total || have != total)
		return verdict(ctx, VXBPF_R_RX_FRAG_HELD, XDP_DROP);
	/* To tc_host_rx, which can grow an skb to the whole datagram. */
	ul = bpf_map_lookup_elem(&vxbpf_underlay, &ifindex);
	if (!ul || !(*ul & VXBPF_UNDERLAY_TC_RX) || bpf_xdp_adjust_meta(ctx, -(int)sizeof(*meta))) {
		bpf_map_delete_elem(&vxbpf_reasm, &k);
		return verdict(ctx, VXBPF_R_RX_REASM_BAD, XDP_DROP);
	}
	meta = (void *)(long)ctx->data_meta;
	if ((void *)(meta + 1) > (void *)(long)ctx->data)
		return verdict(ctx, VXBPF_R_RX_REASM_BAD, XDP_DROP);
	meta->magic = VXBPF_REASM_META_MAGIC;
	meta->ifindex = 0;
	return verdict(ctx, VXBPF_R_RX_REASM, XDP_PASS);
}

/* The ones' complement sum of the first len bytes of e->b: chunks of up
 * to 512 bytes (the most bpf_csum_diff takes), each a multiple of 4 so the
 * 16-bit words stay in memory order, then the last 0-3 bytes. One size per
 * chunk rather than a ladder of power-of-two tails: the offset is precise
 * (it moves a pointer), so every tail would be a path of its own to the
 * verifier, 2,400 of them, too many for 6.1's one million instructions. */
static __always_inline __u32 reasm_sum(const struct vxbpf_reasm *e, __u32 len)
{
	__u32 off = 0, i, n, sum = 0;

	for (i = 0; i < CSUM_CHUNKS; i++) {
		n = len & ~3U;
		if (n > 512)
			n = 512;
		/* For the verifier: a bound it keeps (clang may compute the
		 * clamp after the call's argument). 512 is within the mask. */
		barrier_var(n);
		n &= 0x3fc;
		if (!n)
			break;
		sum = csum_add(sum, (__u32)bpf_csum_diff(0, 0, (void *)(e->b + FRAG_OFF(off)), n, 0));
		off += n;
		len -= n;
	}
	if (len >= 2) {
		sum = csum_add(sum, *(__u16 *)(e->b + FRAG_OFF(off)));
		off += 2;
		len -= 2;
	}
	if (len)
		sum = csum_add(sum, bpf_ntohs((__u16)e->b[FRAG_OFF(off)] << 8));
	return sum;
}

/* The outer ECN rule, decided on the first piece, on the inner header. */
static __always_inline void reasm_ecn(struct vxbpf_reasm *e, __u32 inner_len)
{
	__u8 *f = e->b + sizeof(struct udphdr) + VXLAN_HLEN;
	__u8 set = e->ecn_set - 1;

	if (!e->ecn_set || inner_len < ETH_HLEN + sizeof(struct ipv6hdr))
		return;
	if (f[12] == 0x08 && f[13] == 0x00) {
		struct iphdr *iph = (void *)(f + ETH_HLEN);

		iph->tos = (iph->tos & ~INET_ECN_MASK) | set;
		iph->check = 0;
		iph->check = csum_fold(ip4_hdr_sum(iph));
	} else if (f[12] == 0x86 && f[13] == 0xdd) {
		__u8 *tc = f + ETH_HLEN + 1; /* traffic class low nibble: byte 1's top */

		*tc = (*tc & ~(INET_ECN_MASK << 4)) | (set << 4);
	}
}

/*
 * TC, tc_host_rx: the fragment that completed a datagram. The skb becomes
 * the inner frame and goes where the first piece was to go.
 */
__noinline int reasm_finish(struct __sk_buff *skb)
{
	struct vxbpf_reasm_key k = {};
	struct vxbpf_addr s, d;
	struct vxbpf_reasm *e;
	struct iphdr *iph;
	__u64 total, inner;
	__u32 sent, ifindex;
	void *data, *end;
	__u16 ulen;

	if (bpf_skb_pull_data(skb, ETH_HLEN + 4 + sizeof(*iph)))
		return tc_verdict(skb, VXBPF_R_RX_REASM_BAD, TC_ACT_SHOT);
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	iph = reasm_ip(data, end);
	if (!iph)
		return tc_verdict(skb, VXBPF_R_RX_REASM_BAD, TC_ACT_SHOT);
	reasm_key(&k, iph);
	addr_from_v4(&s, iph->saddr);
	addr_from_v4(&d, iph->daddr);
	e = bpf_map_lookup_elem(&vxbpf_reasm, &k);
	if (!e)
		return tc_verdict(skb, VXBPF_R_RX_REASM_BAD, TC_ACT_SHOT);
	total = e->total;
	if (total < sizeof(struct udphdr) + VXLAN_HLEN + ETH_HLEN || total > VXBPF_FRAG_MAX)
		goto bad;
	/* The checks vxlan_rx_udp() makes on a whole packet: the UDP length
	 * fills it, the checksum (0: none, over IPv4) holds. */
	ulen = bpf_ntohs(*(__be16 *)(e->b + 4));
	if (ulen != total)
		goto bad;
	if (*(__u16 *)(e->b + 6)) {
		__u32 sum = csum_add(csum_pseudo(&s, &d, total, IPPROTO_UDP, false),
				     reasm_sum(e, total));

		if (csum_fold(sum) != 0)
			goto bad;
	}
	inner = total - sizeof(struct udphdr) - VXLAN_HLEN;
	reasm_ecn(e, inner);
	if (bpf_skb_change_tail(skb, inner, 0) ||
	    bpf_skb_store_bytes(skb, 0, e->b + sizeof(struct udphdr) + VXLAN_HLEN, FRAG_LEN(inner), 0))
		goto bad;
	ifindex = e->ifindex;
	vni_count(e->slot, true, inner);
	k.pad = 0;
	if (ifindex) {
		bpf_map_delete_elem(&vxbpf_reasm, &k);
		if (!bpf_map_lookup_elem(&vxbpf_ports, &ifindex))
			return tc_verdict(skb, VXBPF_R_RX_COPY_ERR, TC_ACT_SHOT);
		return bpf_redirect(ifindex, 0);
	}
	sent = e->vni;
	bpf_map_delete_elem(&vxbpf_reasm, &k);
	sent = flood_ports(skb, sent, 0, 1, 1);
	if (!sent)
		return tc_verdict(skb, VXBPF_R_RX_FLOOD_NONE, TC_ACT_SHOT);
	return TC_ACT_REDIRECT;
bad:
	bpf_map_delete_elem(&vxbpf_reasm, &k);
	return tc_verdict(skb, VXBPF_R_RX_REASM_BAD, TC_ACT_SHOT);
}

#endif /* VXBPF_REASM_H */
