/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ARP and IPv6 neighbour proxy, as the kernel's vxlan `proxy` does
 * (arp_reduce, neigh_reduce): a request for an address in the VNI's neigh
 * table is answered on the port it came from, nothing crosses the underlay.
 *
 * With suppress, as the kernel's bridge does for a vxlan port with
 * neigh_suppress on (br_do_proxy_suppress_arp, br_do_suppress_nd): the
 * neigh table holds the bridge's neighbours, a request is answered only
 * for a neighbour whose MAC is behind a VTEP, and everything else is left
 * to the bridge (VXBPF_R_TX_SUPPRESS_PASS), which floods or keeps it.
 */
#ifndef VXBPF_PROXY_H
#define VXBPF_PROXY_H

/* Not a request the proxy answers: the frame goes on its way. */
#define PROXY_NOT_REQUEST VXBPF_R_MAX

struct arp_eth {
	struct arphdr hdr;
	__u8 sha[ETH_ALEN];
	__be32 spa;
	__u8 tha[ETH_ALEN];
	__be32 tpa;
} __attribute__((packed));

/* ARP, or an IPv6 neighbour solicitation: all that a `proxy` VNI keeps
 * from the underlay, as vxlan_xmit() hands both to the proxy. */
static __always_inline bool is_arp_or_ns(struct ethhdr *eth, void *end)
{
	struct ipv6hdr *ip6h = (void *)(eth + 1);
	struct icmp6hdr *icmp = (void *)(ip6h + 1);

	if ((void *)(eth + 1) > end)
		return false;
	if (eth->h_proto == bpf_htons(ETH_P_ARP))
		return true;
	if (eth->h_proto != bpf_htons(ETH_P_IPV6) || (void *)(icmp + 1) > end)
		return false;
	return ip6h->nexthdr == IPPROTO_ICMPV6 && icmp->icmp6_type == NDISC_NEIGHBOUR_SOLICITATION &&
	       icmp->icmp6_code == 0;
}

/*
 * The fdb entry of a neighbour's MAC. One whose MAC lives on a local port
 * answers for itself, as the kernel's arp_reduce()/neigh_reduce() leave a
 * "bridge-local neighbor" to the bridge; a remote one's NTF_ROUTER is the
 * NA's R flag.
 */
static __always_inline struct vxbpf_fdb_val *neigh_fdb(__u32 vni, const __u8 *mac)
{
	struct vxbpf_fdb_key k;

	fdb_key(&k, vni, mac);
	return bpf_map_lookup_elem(&vxbpf_fdb, &k);
}

/* Returns a reason; VXBPF_R_TX_ARP_REPLY means the frame is now the reply. */
/* On VXBPF_R_TX_PROXY_MISS, *miss is the address nobody could answer for. */
static __always_inline enum vxbpf_reason proxy_arp(struct xdp_md *ctx, __u32 vni,
						   struct vxbpf_addr *miss, bool suppress)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct arp_eth *arp = (void *)(eth + 1);
	struct vxbpf_neigh_key key = { .vni = vni };
	struct vxbpf_neigh_val *n;
	struct vxbpf_fdb_val *f;
	__be32 sip, tip;

	if ((void *)(arp + 1) > end)
		return VXBPF_R_TX_MALFORMED;
	if (arp->hdr.ar_hrd != bpf_htons(ARPHRD_ETHER) || arp->hdr.ar_pro != bpf_htons(ETH_P_IP) ||
	    arp->hdr.ar_hln != ETH_ALEN || arp->hdr.ar_pln != 4 ||
	    arp->hdr.ar_op != bpf_htons(ARPOP_REQUEST))
		return PROXY_NOT_REQUEST;
	sip = arp->spa;
	tip = arp->tpa;
	/* As arp_reduce(): probes (sender 0.0.0.0) and gratuitous requests
	 * are answered like any other, loopback and multicast targets never.
	 * The bridge answers neither probes nor gratuitous ones (and keeps
	 * them off the vxlan port). */
	if ((tip & bpf_htonl(0xff000000)) == bpf_htonl(0x7f000000) ||
	    (tip & bpf_htonl(0xf0000000)) == bpf_htonl(0xe0000000))
		return suppress ? VXBPF_R_TX_SUPPRESS_PASS : VXBPF_R_TX_PROXY_SKIP;
	if (suppress && ((sip & bpf_htonl(0xff000000)) == 0 || sip == tip))
		return VXBPF_R_TX_SUPPRESS_PASS;
	addr_from_v4(&key.ip, tip);
	n = bpf_map_lookup_elem(&vxbpf_neigh, &key);
	if (!n) {
		*miss = key.ip;
		return suppress ? VXBPF_R_TX_SUPPRESS_PASS : VXBPF_R_TX_PROXY_MISS;
	}
	f = neigh_fdb(vni, n->mac);
	/* The bridge answers for a MAC behind its vxlan port only. */
	if (suppress && (!f || (f->flags & VXBPF_FDB_LOCAL)))
		return VXBPF_R_TX_SUPPRESS_PASS;
	if (f && (f->flags & VXBPF_FDB_LOCAL))
		return VXBPF_R_TX_PROXY_LOCAL;

	arp->hdr.ar_op = bpf_htons(ARPOP_REPLY);
	mac_copy(arp->tha, arp->sha);
	arp->tpa = sip;
	mac_copy(arp->sha, n->mac);
	arp->spa = tip;
	/* To the asker's sha (now in tha), as arp_reduce() does. */
	mac_copy(eth->h_dest, arp->tha);
	mac_copy(eth->h_source, n->mac);
	return VXBPF_R_TX_ARP_REPLY;
}

struct nd_msg6 {
	struct icmp6hdr icmp;
	struct in6_addr target;
};

struct nd_opt_lladdr {
	__u8 type;
	__u8 len; /* in units of 8 bytes */
	__u8 mac[ETH_ALEN];
};

#define NA_FRAME_LEN (ETH_HLEN + sizeof(struct ipv6hdr) + sizeof(struct nd_msg6) + \
		      sizeof(struct nd_opt_lladdr))

static __always_inline enum vxbpf_reason proxy_ns(struct xdp_md *ctx, __u32 vni,
						  struct vxbpf_addr *miss, bool suppress)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6h = (void *)(eth + 1);
	struct nd_msg6 *ns = (void *)(ip6h + 1);
	struct vxbpf_neigh_key key = { .vni = vni };
	struct vxbpf_neigh_val *n;
	struct vxbpf_fdb_val *f;
	struct nd_opt_lladdr *opt;
	struct vxbpf_addr src, tgt;
	__u8 req_mac[ETH_ALEN], mac[ETH_ALEN], prio;
	__u16 nflags;
	__u32 sum;
	__u64 s;
	int delta;

	if ((void *)(ns + 1) > end)
		return PROXY_NOT_REQUEST;
	if (ip6h->nexthdr != IPPROTO_ICMPV6 || ip6h->hop_limit != 255 ||
	    ns->icmp.icmp6_type != NDISC_NEIGHBOUR_SOLICITATION || ns->icmp.icmp6_code != 0)
		return PROXY_NOT_REQUEST;
	addr_from_v6(&src, &ip6h->saddr);
	addr_from_v6(&tgt, &ns->target);
	/* As neigh_reduce(): never for a multicast target or a loopback
	 * destination. DAD probes (source ::) are not answered either: the
	 * NA would go to ::; nor, by the bridge, an NS to its own source. */
	if (tgt.b[0] == 0xff || (ip6h->daddr.in6_u.u6_addr32[0] == 0 &&
				 ip6h->daddr.in6_u.u6_addr32[1] == 0 &&
				 ip6h->daddr.in6_u.u6_addr32[2] == 0 &&
				 ip6h->daddr.in6_u.u6_addr32[3] == bpf_htonl(1)) ||
	    addr_is_zero(&src))
		return suppress ? VXBPF_R_TX_SUPPRESS_PASS : VXBPF_R_TX_PROXY_SKIP;
	if (suppress && vxbpf_addr_w(&src)[0] == ip6h->daddr.in6_u.u6_addr32[0] &&
	    vxbpf_addr_w(&src)[1] == ip6h->daddr.in6_u.u6_addr32[1] &&
	    vxbpf_addr_w(&src)[2] == ip6h->daddr.in6_u.u6_addr32[2] &&
	    vxbpf_addr_w(&src)[3] == ip6h->daddr.in6_u.u6_addr32[3])
		return VXBPF_R_TX_SUPPRESS_PASS;
	key.ip = tgt;
	n = bpf_map_lookup_elem(&vxbpf_neigh, &key);
	if (!n) {
		*miss = tgt;
		return suppress ? VXBPF_R_TX_SUPPRESS_PASS : VXBPF_R_TX_PROXY_MISS;
	}
	f = neigh_fdb(vni, n->mac);
	if (suppress && (!f || (f->flags & VXBPF_FDB_LOCAL)))
		return VXBPF_R_TX_SUPPRESS_PASS;
	if (f && (f->flags & VXBPF_FDB_LOCAL))
		return VXBPF_R_TX_PROXY_LOCAL;
	mac_copy(mac, n->mac);
	/* R from the fdb entry of the neighbour's MAC (NTF_ROUTER), as
	 * vxlan_na_create() is told; or from the neigh entry, vxbpf's own
	 * `neigh ... router`. The bridge's br_nd_send() takes it from the
	 * neighbour alone. */
	nflags = n->flags;
	if (!suppress && f && (f->flags & VXBPF_FDB_ROUTER))
		nflags |= VXBPF_NEIGH_ROUTER;
	mac_copy(req_mac, eth->h_source);
	/* vxlan_na_create() copies the request's priority (the traffic
	 * class's high nibble), nothing else of it. */
	prio = *(__u8 *)ip6h & 0x0f;
	/* As vxlan_na_create(): to the source link-layer option if the NS
	 * has one. Only the first option is looked at: it is where every
	 * stack puts it. */
	opt = (void *)(ns + 1);
	if ((void *)(opt + 1) <= end && opt->type == ND_OPT_SOURCE_LL_ADDR && opt->len == 1)
		mac_copy(req_mac, opt->mac);

	/* Decided. The NA is built in place, sized exactly. (No tailroom to
	 * grow a short NS into it: the frame is untouched, see port_rx.) */
	delta = (int)NA_FRAME_LEN - (int)(end - data);
	if (delta && bpf_xdp_adjust_tail(ctx, delta))
		return VXBPF_R_TX_NO_ROOM;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + NA_FRAME_LEN > end)
		return VXBPF_R_TX_NO_ROOM;
	eth = data;
	ip6h = (void *)(eth + 1);
	ns = (void *)(ip6h + 1);
	opt = (void *)(ns + 1);

	mac_copy(eth->h_dest, req_mac);
	mac_copy(eth->h_source, mac);
	*(__be32 *)ip6h = bpf_htonl(6U << 28 | (__u32)prio << 24);
	ip6h->payload_len = bpf_htons(sizeof(*ns) + sizeof(*opt));
	ip6h->nexthdr = IPPROTO_ICMPV6;
	ip6h->hop_limit = 255;
	__builtin_memcpy(&ip6h->saddr, &tgt, 16);
	__builtin_memcpy(&ip6h->daddr, &src, 16);
	ns->icmp.icmp6_type = NDISC_NEIGHBOUR_ADVERTISEMENT;
	ns->icmp.icmp6_code = 0;
	ns->icmp.icmp6_cksum = 0;
	/* R (router) from the entry, S (solicited) and O (override) set, as
	 * vxlan_na_create() does. */
	ns->icmp.icmp6_dataun.un_data32[0] =
		bpf_htonl((nflags & VXBPF_NEIGH_ROUTER ? 0x80000000U : 0) | 0x60000000U);
	opt->type = ND_OPT_TARGET_LL_ADDR;
	opt->len = 1;
	mac_copy(opt->mac, mac);

	/* One buffer: port_neigh() leaves multi-buffer frames alone. */
	s = csum_to_end(ctx, ETH_HLEN + sizeof(*ip6h), xdp_len(ctx));
	if (s & CSUM_ERR)
		return VXBPF_R_TX_NO_ROOM;
	sum = csum_pseudo(&tgt, &src, sizeof(*ns) + sizeof(*opt), IPPROTO_ICMPV6, true);
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	ns = data + ETH_HLEN + sizeof(*ip6h);
	if ((void *)(ns + 1) > end)
		return VXBPF_R_TX_NO_ROOM;
	ns->icmp.icmp6_cksum = csum_fold(csum_add(sum, (__u32)s));
	return VXBPF_R_TX_NA_REPLY;
}

#endif /* VXBPF_PROXY_H */
