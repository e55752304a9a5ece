/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Path MTU for bridged frames, as the kernel's vxlan device does it since
 * 5.9 (skb_tunnel_check_pmtu -> iptunnel_pmtud_build_icmp[v6]): a VM's
 * frame that does not fit the underlay once encapsulated is answered with
 * an ICMP "fragmentation needed" (IPv4 with DF) or ICMPv6 "packet too big"
 * carrying the MTU the VM can use (the underlay's minus 50, or 70 over
 * IPv6), sourced from the inner destination so that the VM accepts it,
 * and sent straight back out of the port (XDP_TX here; the caller makes
 * it a redirect to the port, which a veth peer without XDP is also sent). The same bytes as the
 * kernel's: IPv4 ID 0, TOS 0, DF, the TTL / hop limit of the frame, and as
 * much of it as fits 576 (IPv4) or 1280 (IPv6) bytes.
 *
 * No reply (the caller passes the frame as before, tx_mtu) where the
 * kernel sends none: IPv4 without DF or a fragment, an MTU below 576 /
 * 1280, broadcast, multicast, zero or loopback addresses, an ICMP error;
 * and where vxbpf is more careful: an IPv6 extension header, a VLAN tag.
 * The kernel does not limit these replies; vxbpf sends at most PMTU_BURST,
 * then one a second, per VM and destination (port, source MAC, inner
 * destination), as icmp_ratelimit limits the host's own errors per
 * destination: a VM with many flows to many places learns every path MTU
 * at once, and one VM can make vxbpf answer, not flood.
 */
#ifndef VXBPF_PMTU_H
#define VXBPF_PMTU_H

#define PMTU_V4_MAX 576	 /* bytes of an ICMP error at most (RFC 1812) */
#define PMTU_V6_MIN 1280 /* IPV6_MIN_MTU */
#define PMTU_BURST 6	 /* XRLIM_BURST_FACTOR */
#define PMTU_EVERY_NS 1000000000ULL

struct pmtu_rl_key {
	__u32 ifindex;
	__u8 mac[6];
	__u16 pad;
	struct vxbpf_addr dst; /* the frame's destination (IPv4 mapped) */
};

struct pmtu_rl_val {
	__u64 last_ns;
	__u64 tokens;
};

/* VMs and destinations that were sent a reply lately (LRU: bounded). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct pmtu_rl_key);
	__type(value, struct pmtu_rl_val);
} vxbpf_pmtu_rl SEC(".maps");

/* A token of the (VM, destination) bucket, if there is one. */
static __always_inline bool pmtu_allow(__u32 ifindex, const __u8 *mac, const struct vxbpf_addr *dst)
{
	struct pmtu_rl_key k = { .ifindex = ifindex, .dst = *dst };
	struct pmtu_rl_val *v, nv;
	__u64 now = bpf_ktime_get_coarse_ns();

	mac_copy(k.mac, mac);
	v = bpf_map_lookup_elem(&vxbpf_pmtu_rl, &k);
	if (!v) {
		nv.last_ns = now;
		nv.tokens = PMTU_BURST - 1;
		bpf_map_update_elem(&vxbpf_pmtu_rl, &k, &nv, BPF_ANY);
		return true;
	}
	return bucket_take(&v->tokens, &v->last_ns, now, PMTU_BURST, PMTU_EVERY_NS);
}

/* Addresses the kernel sends no ICMP error for (iptunnel_pmtud_check_icmp). */
static __always_inline bool pmtu_v4_skip(const struct iphdr *iph)
{
	__u32 s = bpf_ntohl(iph->saddr), d = bpf_ntohl(iph->daddr);

	return d == 0xffffffff || (d >> 28) == 0xe || s == 0xffffffff || (s >> 28) == 0xe ||
	       (s >> 24) == 0 || (s >> 24) == 127;
}

static __always_inline bool icmp4_is_err(__u8 type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/*
 * Turn the frame into the reply's shape: cut it to Ethernet + keep bytes
 * of its IP packet, put hdr bytes (the new IP and ICMP headers) in front,
 * and write the Ethernet header back to the VM (vm) from its destination
 * (peer). The new IP header, or NULL (then the frame is dropped).
 */
static __always_inline void *pmtu_reshape(struct xdp_md *ctx, __u32 keep, __u32 hdr,
					  const __u8 *vm, const __u8 *peer, __be16 proto)
{
	__u32 len = frame_len(ctx); /* a multi-buffer frame's tail goes first */
	struct ethhdr *eth;

	if (len > ETH_HLEN + keep && bpf_xdp_adjust_tail(ctx, -(int)(len - ETH_HLEN - keep)))
		return NULL;
	if (bpf_xdp_adjust_head(ctx, -(int)hdr))
		return NULL;
	eth = (void *)(long)ctx->data;
	if ((void *)(eth + 1) + hdr > (void *)(long)ctx->data_end)
		return NULL;
	mac_copy(eth->h_dest, vm);
	mac_copy(eth->h_source, peer);
	eth->h_proto = proto;
	return eth + 1;
}

/* mtu: what the VM may send. A verdict, or -1 for no reply. */
static __always_inline int pmtu_reply4(struct xdp_md *ctx, __u32 ifindex, __u32 mtu)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1), *niph;
	struct icmphdr *icmp;
	__u8 vm[ETH_ALEN], peer[ETH_ALEN], ttl;
	struct vxbpf_addr to;
	__be32 saddr, daddr;
	__u32 len, ihl;
	__u64 sum;

	if ((void *)(iph + 1) > end || mtu < PMTU_V4_MAX || iph->frag_off != bpf_htons(IP_DF) ||
	    pmtu_v4_skip(iph))
		return -1;
	ihl = iph->ihl * 4;
	if (iph->protocol == IPPROTO_ICMP) {
		__u8 *type = (void *)iph + (ihl & 0x3c);

		if ((void *)(type + 1) > end || icmp4_is_err(*type))
			return -1;
	}
	addr_from_v4(&to, iph->daddr);
	if (!pmtu_allow(ifindex, eth->h_source, &to))
		return -1;
	mac_copy(vm, eth->h_source);
	mac_copy(peer, eth->h_dest);
	saddr = iph->saddr;
	daddr = iph->daddr;
	ttl = iph->ttl;
	niph = pmtu_reshape(ctx, PMTU_V4_MAX - sizeof(*niph) - sizeof(*icmp),
			    sizeof(*niph) + sizeof(*icmp), vm, peer, bpf_htons(ETH_P_IP));
	if (!niph)
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	icmp = (void *)(niph + 1);
	if ((void *)(icmp + 1) > end)
		return XDP_DROP;
	len = end - (void *)icmp; /* ICMP header and what is quoted */
	icmp->type = 3; /* destination unreachable */
	icmp->code = 4; /* fragmentation needed */
	icmp->checksum = 0;
	icmp->un.frag.__unused = 0;
	icmp->un.frag.mtu = bpf_htons(mtu);
	sum = csum_to_end(ctx, (void *)icmp - data, frame_len(ctx));
	if (sum & CSUM_ERR)
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	niph = data + ETH_HLEN;
	icmp = (void *)(niph + 1);
	if ((void *)(icmp + 1) > end)
		return XDP_DROP;
	icmp->checksum = csum_fold((__u32)sum);
	*(__u16 *)niph = bpf_htons(0x4500); /* version 4, ihl 5, TOS 0 */
	niph->tot_len = bpf_htons(len + sizeof(*niph));
	niph->id = 0;
	niph->frag_off = bpf_htons(IP_DF);
	niph->ttl = ttl;
	niph->protocol = IPPROTO_ICMP;
	niph->check = 0;
	niph->saddr = daddr;
	niph->daddr = saddr;
	niph->check = csum_fold(ip4_hdr_sum(niph));
	return XDP_TX;
}

static __always_inline bool pmtu_v6_skip(const struct ipv6hdr *ip6h)
{
	const __u32 *s = (const __u32 *)&ip6h->saddr;

	/* Unspecified, loopback, multicast source (ipv6_addr_type). */
	if (!s[0] && !s[1] && !s[2] && (!s[3] || s[3] == bpf_htonl(1)))
		return true;
	return ip6h->saddr.in6_u.u6_addr8[0] == 0xff;
}

static __always_inline int pmtu_reply6(struct xdp_md *ctx, __u32 ifindex, __u32 mtu)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6h = (void *)(eth + 1), *nip6h;
	struct icmp6hdr *icmp;
	struct vxbpf_addr src, dst;
	__u8 vm[ETH_ALEN], peer[ETH_ALEN], hlim, nh;
	__u32 len;
	__u64 sum;

	if ((void *)(ip6h + 1) > end || mtu < PMTU_V6_MIN || pmtu_v6_skip(ip6h))
		return -1;
	nh = ip6h->nexthdr;
	/* Extension headers (hop-by-hop, routing, fragment, AH, options):
	 * the kernel walks them; here no reply, the frame goes on as before.
	 * No next header (59): none from the kernel either. */
	if (nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 59 || nh == 60)
		return -1;
	if (nh == IPPROTO_ICMPV6) {
		__u8 *type = (void *)(ip6h + 1);

		/* Errors (type < 128) and redirects get none. */
		if ((void *)(type + 1) > end || *type < 128 || *type == 137)
			return -1;
	}
	addr_from_v6(&src, &ip6h->saddr);
	addr_from_v6(&dst, &ip6h->daddr);
	if (!pmtu_allow(ifindex, eth->h_source, &dst))
		return -1;
	mac_copy(vm, eth->h_source);
	mac_copy(peer, eth->h_dest);
	hlim = ip6h->hop_limit;
	nip6h = pmtu_reshape(ctx, PMTU_V6_MIN - sizeof(*nip6h) - sizeof(*icmp),
			     sizeof(*nip6h) + sizeof(*icmp), vm, peer, bpf_htons(ETH_P_IPV6));
	if (!nip6h)
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	icmp = (void *)(nip6h + 1);
	if ((void *)(icmp + 1) > end)
		return XDP_DROP;
	len = end - (void *)icmp;
	icmp->icmp6_type = 2; /* packet too big */
	icmp->icmp6_code = 0;
	icmp->icmp6_cksum = 0;
	icmp->icmp6_dataun.un_data32[0] = bpf_htonl(mtu);
	*(__be32 *)nip6h = bpf_htonl(0x60000000); /* version 6, class 0, no flow label */
	nip6h->payload_len = bpf_htons(len);
	nip6h->nexthdr = IPPROTO_ICMPV6;
	nip6h->hop_limit = hlim;
	__builtin_memcpy(&nip6h->saddr, &dst, 16);
	__builtin_memcpy(&nip6h->daddr, &src, 16);
	sum = csum_to_end(ctx, (void *)icmp - data, frame_len(ctx));
	if (sum & CSUM_ERR)
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	icmp = data + ETH_HLEN + sizeof(*nip6h);
	if ((void *)(icmp + 1) > end)
		return XDP_DROP;
	icmp->icmp6_cksum = csum_fold(csum_add(csum_pseudo(&dst, &src, len, IPPROTO_ICMPV6, true),
					       (__u32)sum));
	return XDP_TX;
}

/* A frame from port ifindex too big for an underlay of ul_mtu (outer v6?). */
static __always_inline int pmtu_reply(struct xdp_md *ctx, __u32 ifindex, __u32 ul_mtu, bool outer_v6)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 headroom = outer_v6 ? 70 : 50; /* VXLAN6_HEADROOM, VXLAN_HEADROOM */

	if ((void *)(eth + 1) > end || ul_mtu <= headroom)
		return -1;
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return pmtu_reply4(ctx, ifindex, ul_mtu - headroom);
	if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		return pmtu_reply6(ctx, ifindex, ul_mtu - headroom);
	return -1;
}

#endif /* VXBPF_PMTU_H */
