/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Encapsulation: what the Linux vxlan device puts on the wire for the same
 * configuration. Outer route and neighbour come from the kernel's FIB
 * (bpf_fib_lookup); the UDP source port from a hash of the inner flow in
 * the VNI's range; TTL/TOS from the VNI, ECN copied from the inner header
 * (INET_ECN_encapsulate); DF clear, as the kernel's default `df unset`.
 */
#ifndef VXBPF_ENCAP_H
#define VXBPF_ENCAP_H

struct encap_plan {
	struct bpf_fib_lookup fib;
	struct vxbpf_addr dst;
	__u32 hdr_len; /* outer Ethernet + IP + UDP + VXLAN */
	__u32 inner_len;
	__u32 inner_sum; /* sum of the inner frame, if a UDP checksum is sent */
	__be16 be_port;
	__be16 be_sport;
	__u32 vni;
	__u32 ul; /* underlay flags of fib.ifindex (nh_cache), 0: ask the map */
	__u16 ip_id; /* outer IPv4 ID (nh_cache) */
	bool v6;
	bool csum;
	bool xmit_sg; /* the underlay device takes multi-buffer frames */
};

/* The question for bpf_fib_lookup: local -> p->dst, len bytes. */
static __always_inline void outer_fib_ask(struct encap_plan *p, const struct vxbpf_addr *local,
					  __u32 len)
{
	__builtin_memset(&p->fib, 0, sizeof(p->fib));
	p->fib.ifindex = LOOPBACK_IFINDEX;
	p->fib.l4_protocol = IPPROTO_UDP;
	p->fib.tot_len = len;
	if (p->v6) {
		p->fib.family = AF_INET6;
		__builtin_memcpy(p->fib.ipv6_src, local, 16);
		__builtin_memcpy(p->fib.ipv6_dst, &p->dst, 16);
	} else {
		p->fib.family = AF_INET;
		p->fib.ipv4_src = vxbpf_addr_w(local)[3];
		p->fib.ipv4_dst = vxbpf_addr_w(&p->dst)[3];
	}
}

/*
 * The FIB asked, and its answer kept in nh (the key's stale slot) or in a
 * slot of the key's set.
 */
static __always_inline int outer_route_fill(void *ctx, struct encap_plan *p, const struct vxbpf_addr *local,
					    __u32 len, struct vxbpf_nh_slot *nh)
{
	__u64 now = bpf_jiffies64(), expires;
	__u32 *ul;
	bool widen;
	int rc;

	outer_fib_ask(p, local, len);
	rc = bpf_fib_lookup(ctx, &p->fib, sizeof(p->fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return rc;
	/* Whether the route leads to an attached device, remembered with
	 * the route: one hash lookup less per frame. Stale for as long as
	 * the route may be (a detach shows within NH_CACHE_JIFFIES). */
	ul = bpf_map_lookup_elem(&vxbpf_underlay, &p->fib.ifindex);
	p->ul = ul ? *ul : 0;
	/* A random start, so CPUs (and restarts) do not count in step. */
	p->ip_id = (__u16)bpf_get_prandom_u32();

	/* The same answer for a longer frame: widen the fresh entry but
	 * keep its expiry, so the route is still asked again soon. */
	widen = nh && now < nh->val.expires && nh->val.ifindex == p->fib.ifindex &&
		mac_equal(nh->val.dmac, p->fib.dmac);
	expires = widen ? nh->val.expires : now + NH_CACHE_JIFFIES;
	if (!nh) {
		nh = nh_victim(vxbpf_nh_slot0(local, &p->dst), now);
		if (!nh)
			return rc;
	}
	/* Expired while it changes, fresh only once whole: a reader of the
	 * slot never pairs a key with another key's next hop. */
	nh->val.expires = 0;
	nh->key.src = *local;
	nh->key.dst = p->dst;
	if (!widen || len > nh->val.max_len)
		nh->val.max_len = len;
	__builtin_memcpy(nh->val.dmac, p->fib.dmac, ETH_ALEN);
	__builtin_memcpy(nh->val.smac, p->fib.smac, ETH_ALEN);
	nh->val.ifindex = p->fib.ifindex;
	nh->val.ul = p->ul;
	nh->val.ip_id = p->ip_id + 1;
	nh->val.expires = expires;
	return rc;
}

/*
 * The same, as a call: xdp_port_rx's own frame then keeps no room for what
 * only a miss needs, which keeps its chain of calls within 6.1's 512 bytes
 * of stack. The TC programs inline it: they call encapsulation from deeper
 * chains, where one more frame would not fit.
 */
static __noinline int outer_route_miss(void *ctx, struct encap_plan *p, const struct vxbpf_addr *local,
				       __u32 len, struct vxbpf_nh_slot *nh)
{
	return outer_route_fill(ctx, p, local, len, nh);
}

/*
 * The FIB's answer for local -> p->dst, len bytes, from this CPU's cache
 * when fresh. A hit fills only what it has (the MACs and the ifindex):
 * the rest of p->fib is the question, written only when it is asked.
 */
static __always_inline int outer_route(void *ctx, struct encap_plan *p, const struct vxbpf_addr *local,
				       __u32 len, bool miss_call)
{
	struct vxbpf_nh_slot *nh = nh_find(local, &p->dst, vxbpf_nh_slot0(local, &p->dst));

	if (nh && bpf_jiffies64() < nh->val.expires && len <= nh->val.max_len) {
		__builtin_memcpy(p->fib.dmac, nh->val.dmac, ETH_ALEN);
		__builtin_memcpy(p->fib.smac, nh->val.smac, ETH_ALEN);
		p->fib.ifindex = nh->val.ifindex;
		p->ul = nh->val.ul;
		/* Per CPU and per remote, so a plain increment: a flow
		 * stays on one CPU, and its IDs repeat only after 65,536
		 * datagrams, where random ones would after a few hundred
		 * (RFC 6864: a non-atomic datagram's ID must vary). */
		p->ip_id = nh->val.ip_id++;
		return BPF_FIB_LKUP_RET_SUCCESS;
	}
	if (miss_call)
		return outer_route_miss(ctx, p, local, len, nh);
	return outer_route_fill(ctx, p, local, len, nh);
}

/*
 * The outer route and next hop towards p->dst for an outer IP packet of
 * ip_len bytes (0: let the helper check the skb itself, for GSO). The
 * lookup of a locally originated packet, as the kernel vxlan device's
 * route lookup is: input interface loopback. (The helper needs forwarding
 * enabled on that interface; `port add` and `attach` see to it for lo.)
 * miss_call: a cache miss as a call (outer_route_miss), for XDP.
 */
static __always_inline enum vxbpf_reason outer_fib(void *ctx, const struct vxbpf_vni_cfg *cfg,
						   struct encap_plan *p, __u32 vni, __u32 ip_len,
						   __u32 seen_on, bool miss_call)
{
	int rc = outer_route(ctx, p, &cfg->local, ip_len, miss_call);

	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return VXBPF_R_TX_MTU;
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		/* XDP cannot start a resolution; `vxbpf monitor` does
		 * (and the kernel, where a vxlan device sends too). */
		event_miss(VXBPF_EV_RESOLVE, vni, cfg->slot, seen_on, NULL, &p->dst);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return VXBPF_R_TX_FIB_MISS;
	return VXBPF_R_TX_ENCAP;
}

/* As udp_flow_src_port(): spread the high bits, scale into the range. */
static __always_inline __be16 encap_sport(const struct vxbpf_vni_cfg *cfg, __u32 hash)
{
	__u32 range = cfg->srcport_max > cfg->srcport_min ? cfg->srcport_max - cfg->srcport_min : 1;

	hash ^= hash << 16;
	return bpf_htons((__u16)((((__u64)hash * range) >> 32) + cfg->srcport_min));
}

/* Plan an encapsulation towards fdb's remote. Reads only. */
static __always_inline enum vxbpf_reason encap_plan(struct xdp_md *ctx, const struct vxbpf_vni_cfg *cfg,
						    const struct vxbpf_fdb_val *fdb, __u32 vni,
						    const struct inner_info *ii, __u32 len, struct encap_plan *p)
{
	enum vxbpf_reason r;

	p->dst = fdb->dst;
	p->v6 = !addr_is_v4(&p->dst);
	p->inner_len = len; /* the whole frame, fragments included */
	p->hdr_len = ETH_HLEN + (p->v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr)) +
		     sizeof(struct udphdr) + VXLAN_HLEN;
	p->be_port = fdb->be_port ? fdb->be_port : cfg->be_dstport;
	p->vni = fdb->remote_vni ? fdb->remote_vni : vni;

	r = outer_fib(ctx, cfg, p, vni, p->hdr_len - ETH_HLEN + p->inner_len, ctx->ingress_ifindex,
		      true);
	if (r != VXBPF_R_TX_ENCAP)
		return r;
	/* Not an underlay when the route was cached: asked anew, so an
	 * attach shows at once. */
	if (!p->ul) {
		__u32 *ul = bpf_map_lookup_elem(&vxbpf_underlay, &p->fib.ifindex);

		if (!ul)
			return VXBPF_R_TX_NOT_UNDERLAY;
		p->ul = *ul;
	}
	p->xmit_sg = XDP_REDIRECT_FRAGS && (p->ul & VXBPF_UNDERLAY_XMIT_SG);
	p->be_sport = encap_sport(cfg, ii->v.hash);

	p->csum = p->v6 ? !(cfg->flags & VXBPF_VNI_UDP6ZEROCSUMTX) : !(cfg->flags & VXBPF_VNI_NOUDPCSUM);
	if (p->csum && ii->v.lco) {
		p->inner_sum = ii->v.frame_sum; /* from the headers: see inner.h */
	} else if (p->csum) {
		__u64 sum = csum_to_end(ctx, 0, len);

		/* Only a multi-buffer frame is longer than the sum goes. */
		if (sum & CSUM_ERR)
			return p->inner_len != xdp_len(ctx) ? VXBPF_R_TX_FRAGS : VXBPF_R_TX_MALFORMED;
		p->inner_sum = (__u32)sum;
		if (ii->fix)
			p->inner_sum = csum_add(csum_sub(p->inner_sum, ii->old_check), ii->new_check);
	}
	return VXBPF_R_TX_ENCAP;
}

/*
 * Write the outer headers at data (p->hdr_len bytes of room before the
 * inner frame), UDP checksum 0. ulen: the UDP length to write (for a GSO
 * skb the segmenter rewrites it per segment). Returns the UDP header, or
 * NULL if the room is not there.
 */
static __always_inline struct udphdr *outer_write(void *data, void *end, const struct vxbpf_vni_cfg *cfg,
						  const struct encap_plan *p, __u8 inner_ecn, __u32 ulen)
{
	struct ethhdr *eth = data;
	struct udphdr *udph;
	struct vxbpf_vxlanhdr *vxh;
	__u8 tos = (cfg->tos & ~INET_ECN_MASK) |
		   (inner_ecn == INET_ECN_CE ? INET_ECN_ECT_0 : inner_ecn);

	if ((void *)(eth + 1) > end)
		return NULL;
	__builtin_memcpy(eth->h_dest, p->fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, p->fib.smac, ETH_ALEN);

	if (p->v6) {
		struct ipv6hdr *ip6h = (void *)(eth + 1);

		if ((void *)(ip6h + 1) > end)
			return NULL;
		eth->h_proto = bpf_htons(ETH_P_IPV6);
		/* Flow label 0: the vxlan device's default `flowlabel 0`
		 * sends it as is (auto flow labels do not apply). */
		*(__be32 *)ip6h = bpf_htonl(6U << 28 | (__u32)tos << 20);
		ip6h->payload_len = bpf_htons(ulen);
		ip6h->nexthdr = IPPROTO_UDP;
		ip6h->hop_limit = cfg->ttl;
		__builtin_memcpy(&ip6h->saddr, &cfg->local, 16);
		__builtin_memcpy(&ip6h->daddr, &p->dst, 16);
		udph = (void *)(ip6h + 1);
	} else {
		struct iphdr *iph = (void *)(eth + 1);
		__u32 *w = (void *)iph, w0, w1, w2, sum;

		if ((void *)(iph + 1) > end)
			return NULL;
		eth->h_proto = bpf_htons(ETH_P_IP);
		/* The header as five words in network order, summed in
		 * registers and stored whole: written field by field and
		 * read back for the sum it cost 6-9 ns more per frame
		 * (bench/cost.md), likely because a word loaded right after
		 * the byte stores that make it cannot be forwarded from them.
		 * Version 4, IHL 5, DF clear: not atomic, so the ID must vary
		 * (RFC 6864). */
		/* The length as the 16-bit field would take it: a GSO skb
		 * (host.h) may be longer, and the segmenter rewrites it. */
		w0 = bpf_htonl(0x45U << 24 | (__u32)tos << 16 | ((ulen + sizeof(*iph)) & 0xffff));
		w1 = bpf_htonl((__u32)p->ip_id << 16);
		w2 = (__u32)cfg->ttl << 24 | IPPROTO_UDP << 16;
		w[3] = vxbpf_addr_w(&cfg->local)[3];
		w[4] = vxbpf_addr_w(&p->dst)[3];
		sum = csum64_fold((__u64)w0 + w1 + bpf_htonl(w2) + vxbpf_addr_w(&cfg->local)[3] +
				  vxbpf_addr_w(&p->dst)[3]);
		w[0] = w0;
		w[1] = w1;
		w[2] = bpf_htonl(w2 | bpf_ntohs(csum_fold(sum)));
		udph = (void *)(iph + 1);
	}

	vxh = (void *)(udph + 1);
	if ((void *)(vxh + 1) > end)
		return NULL;
	udph->source = p->be_sport;
	udph->dest = p->be_port;
	udph->len = bpf_htons(ulen);
	udph->check = 0;
	vxh->vx_flags = bpf_htonl(VXLAN_HF_VNI);
	vxh->vx_vni = bpf_htonl(p->vni << 8);
	return udph;
}

/*
 * The outer UDP checksum, from the headers and the inner frame's sum. The
 * UDP and VXLAN fields are summed as outer_write wrote them, from the
 * plan, not read back: a word loaded right after the two 16-bit stores
 * that make it is not forwarded from them, and that stall was 3-5 ns of
 * encap (bench/cost.md §14). 16-bit fields add as the words they pair
 * into would: the sum is modulo 0xffff.
 */
static __always_inline void outer_csum(const struct vxbpf_vni_cfg *cfg, const struct encap_plan *p,
				       struct udphdr *udph, __u32 ulen)
{
	__u64 sum = csum64_pseudo(&cfg->local, &p->dst, ulen, IPPROTO_UDP, p->v6);
	__u16 check;

	/* The UDP header (check = 0), the VXLAN header, the frame. */
	sum += (__u64)p->be_sport + p->be_port + bpf_htons(ulen) + bpf_htonl(VXLAN_HF_VNI) +
	       bpf_htonl(p->vni << 8) + p->inner_sum;
	check = csum64_check(sum);
	udph->check = check ? check : 0xffff; /* 0 means "no checksum" */
}

/* Push the outer headers. The inner frame is final when this runs. */
static __always_inline int encap_push(struct xdp_md *ctx, const struct vxbpf_vni_cfg *cfg,
				      const struct inner_info *ii, const struct encap_plan *p)
{
	__u32 ulen = sizeof(struct udphdr) + VXLAN_HLEN + p->inner_len;
	struct udphdr *udph;

	if (bpf_xdp_adjust_head(ctx, -(int)p->hdr_len))
		return -1;
	udph = outer_write((void *)(long)ctx->data, (void *)(long)ctx->data_end, cfg, p, ii->v.ecn,
			   ulen);
	if (!udph)
		return -1;
	if (p->csum)
		outer_csum(cfg, p, udph, ulen);
	return 0;
}

#endif /* VXBPF_ENCAP_H */
