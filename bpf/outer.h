/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The outer headers of a received packet, up to its UDP header: Ethernet,
 * one VLAN tag, IPv4 with its options or IPv6 with its extension headers,
 * as ip_rcv()/ipv6_rcv() would accept them before vxlan_rcv() runs.
 * Padding options and extension headers that only need skipping are read
 * past, so such packets are decapsulated like any other; what the kernel
 * itself validates or acts on (real IPv4 options, extension headers it
 * processes) is left to it, after the allow-list (o->defer). A first
 * fragment is parsed too, so the allow-list can refuse it: without it the
 * others are never reassembled.
 */
#ifndef VXBPF_OUTER_H
#define VXBPF_OUTER_H

struct outer {
	struct vxbpf_addr saddr, daddr;
	__u32 ip_len;		 /* from the UDP header to the end of the IP packet */
	__u8 tos;		 /* TOS / traffic class: ECN bits */
	bool v6;
	__u8 pad[2];
	/* Not for the fast path, but its UDP header is in view: the allow-
	 * list is checked, then the packet passed with this reason (a first
	 * fragment, IPv4 options or IPv6 headers the kernel acts on). 0:
	 * none. Without the check, an unlisted VTEP could get past the list
	 * by adding an option. */
	__u32 defer;
};

/* Carry on: the parse reached the UDP header. */
#define OUTER_OK VXBPF_R_MAX

#define IPOPT_END 0
#define IPOPT_NOOP 1

/*
 * An IPv4 header with options at off: its checksum over all ihl words, and
 * options that are only padding (no-ops up to an end-of-list; what follows
 * it, ip_options_compile() ignores). 0: fine; 1: bad checksum; 2: a real
 * option (record route, timestamps, a source route...): the kernel's, it
 * validates and acts on them. Real options on a tunnel are rare; checking
 * each kind here would cost the verifier a state per layout.
 */
__noinline int ip4_opts_check(struct xdp_md *ctx, __u32 off)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct iphdr *iph;
	__u32 sum = 0, words, i;
	__u8 *opt;

	if (off > 64)
		return 1;
	asm volatile("%0 &= 0x7f" : "+r"(off)); /* for the verifier: see ipv6_opts_check */
	iph = data + off;
	if ((void *)(iph + 1) > end)
		return 1;
	words = iph->ihl;
	if (words < 5)
		return 1;
	for (i = 0; i < 15; i++) {
		__u32 *w = (void *)iph + i * 4;

		if (i >= words || (void *)(w + 1) > end)
			break;
		sum = csum_add(sum, *w);
	}
	if (i < words || csum_fold(sum) != 0)
		return 1;
	opt = (void *)(iph + 1);
	for (i = 0; i < 40; i++) {
		if (i >= (words - 5) * 4 || (void *)(opt + i + 1) > end)
			break;
		if (opt[i] == IPOPT_END)
			break;
		if (opt[i] != IPOPT_NOOP)
			return 2;
	}
	return 0;
}

/*
 * The options of an 8-byte IPv6 hop-by-hop or destination options header
 * at off (the usual one: padding, a router alert): 0 if ipv6_rcv() would
 * skip them all (padding, or an unknown type whose two high bits say
 * "skip", RFC 8200 4.2), 1 if it would act on one. Longer headers are the
 * kernel's.
 */
__noinline int ipv6_opts_check(struct xdp_md *ctx, __u32 off)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *p;
	__u32 at = 2, i;

	if (off > 1024)
		return 1;
	/* The compiler tests a copy of off and drops a plain mask as
	 * redundant; the verifier then sees no bound. Bound it here. */
	asm volatile("%0 &= 0x7ff" : "+r"(off));
	p = data + off;
	if ((void *)(p + 8) > end)
		return 1;
	for (i = 0; i < 6; i++) {
		__u32 a = at, j;
		__u8 *q;

		if (at >= 8)
			break;
		asm volatile("%0 &= 7" : "+r"(a)); /* as above */
		q = p + a;
		if ((void *)(q + 2) > end)
			return 1;
		if (q[0] == 0) { /* Pad1 */
			at++;
			continue;
		}
		if (at + 1 >= 8)
			return 1;
		if (q[0] != 1 && (q[0] & 0xc0))
			return 1;
		/* PadN carries zeros only (ip6_parse_tlv(), after RFC 4942). */
		for (j = 0; q[0] == 1 && j < 4; j++) {
			if (j >= q[1])
				break;
			if ((void *)(q + 3 + j) > end || q[2 + j])
				return 1;
		}
		at += 2 + q[1];
	}
	return at == 8 ? 0 : 1;
}

struct ipv6_ext {
	__u8 nexthdr;
	__u8 hdrlen; /* 8-byte units, not counting the first 8 */
	__u8 type;   /* routing header: routing type */
	__u8 segments_left;
};

/* Up to four extension headers before UDP, each at most 256 bytes. */
#define IPV6_EXT_MAX 4

struct ipv6_frag {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset << 3 | M */
	__be32 id;
};

/*
 * The rare outer packet: IPv4 with options, IPv6 with extension headers.
 * Parsed here, out of line, so the common path keeps fixed offsets and
 * the verifier does not walk the rest of the program once per layout.
 * Returns the offset of the UDP header, or minus the reason to pass with.
 */
__noinline int outer_slow(struct xdp_md *ctx, __u32 l3_off, struct outer *o)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ipv6hdr *ip6h;
	struct iphdr *iph;
	__u32 off, ext_len = 0, i, len;
	__u8 nh;

	if (!o || l3_off > 18)
		return -VXBPF_R_RX_MALFORMED;
	asm volatile("%0 &= 0x1f" : "+r"(l3_off)); /* for the verifier */
	iph = data + l3_off;
	ip6h = data + l3_off;
	if ((void *)(ip6h + 1) > end) {
		if ((void *)(iph + 1) > end)
			return -VXBPF_R_RX_MALFORMED;
	}
	if ((void *)(iph + 1) <= end && iph->version == 4) {
		int r = ip4_opts_check(ctx, l3_off);

		if (r == 1)
			return -VXBPF_R_RX_MALFORMED;
		if (iph->frag_off & bpf_htons(IP_OFFSET))
			return -VXBPF_R_RX_FRAGMENT; /* no UDP header in there */
		if (iph->frag_off & bpf_htons(IP_MF))
			o->defer = VXBPF_R_RX_FRAGMENT;
		else if (r == 2)
			o->defer = VXBPF_R_RX_IP_OPTIONS;
		addr_from_v4(&o->saddr, iph->saddr);
		addr_from_v4(&o->daddr, iph->daddr);
		len = iph->ihl * 4;
		o->ip_len = bpf_ntohs(iph->tot_len);
		if (o->ip_len < len)
			return -VXBPF_R_RX_MALFORMED;
		o->ip_len -= len;
		o->tos = iph->tos;
		o->v6 = false;
		return l3_off + len;
	}
	if ((void *)(ip6h + 1) > end)
		return -VXBPF_R_RX_MALFORMED;
	off = l3_off + sizeof(*ip6h);
	nh = ip6h->nexthdr;
	for (i = 0; i < IPV6_EXT_MAX && nh != IPPROTO_UDP; i++) {
		struct ipv6_ext *eh;

		if (off > 1024)
			return -VXBPF_R_RX_IPV6_EXT;
		asm volatile("%0 &= 0x7ff" : "+r"(off)); /* for the verifier */
		eh = data + off;
		if ((void *)(eh + 1) > end)
			return -VXBPF_R_RX_MALFORMED;
		if (nh == IPPROTO_FRAGMENT) {
			struct ipv6_frag *fh = (void *)eh;

			if ((void *)(fh + 1) > end)
				return -VXBPF_R_RX_MALFORMED;
			if (fh->frag_off & bpf_htons(0xfff8))
				return -VXBPF_R_RX_FRAGMENT; /* no UDP header in there */
			o->defer = VXBPF_R_RX_FRAGMENT;
			len = sizeof(*fh);
		} else if (nh == IPPROTO_HOPOPTS || nh == IPPROTO_DSTOPTS || nh == IPPROTO_ROUTING) {
			len = (eh->hdrlen + 1) * 8;
			/* A route still to follow: forwarded, not ours. */
			if (nh == IPPROTO_ROUTING && eh->segments_left)
				return -VXBPF_R_RX_IPV6_EXT;
			/* The kernel's, read past to check the allow-list: a
			 * routing type it processes or refuses even when done
			 * (2: mobile IPv6, 3: RPL, 4: segment routing);
			 * hop-by-hop other than first (ICMP parameter problem);
			 * options it acts on, or too long to look at here. */
			if (nh == IPPROTO_ROUTING ? eh->type >= 2 && eh->type <= 4
						  : len != 8 || ipv6_opts_check(ctx, off) ||
							    (nh == IPPROTO_HOPOPTS && i))
				o->defer = o->defer ? o->defer : VXBPF_R_RX_IPV6_EXT;
		} else {
			return ipv6_is_ext(nh) ? -VXBPF_R_RX_IPV6_EXT : -VXBPF_R_RX_NOT_VXLAN;
		}
		nh = eh->nexthdr;
		off += len;
		ext_len += len;
	}
	if (nh != IPPROTO_UDP)
		return ipv6_is_ext(nh) ? -VXBPF_R_RX_IPV6_EXT : -VXBPF_R_RX_NOT_VXLAN;
	addr_from_v6(&o->saddr, &ip6h->saddr);
	addr_from_v6(&o->daddr, &ip6h->daddr);
	o->ip_len = bpf_ntohs(ip6h->payload_len);
	if (o->ip_len < ext_len)
		return -VXBPF_R_RX_MALFORMED;
	o->ip_len -= ext_len;
	o->tos = (bpf_ntohs(*(__be16 *)ip6h) >> 4) & 0xff;
	o->v6 = true;
	return off;
}

/* Not a layout read inline: ask outer_slow(). */
#define OUTER_SLOW (VXBPF_R_MAX + 1)

static __always_inline enum vxbpf_reason outer_ipv4(struct cursor *c, struct outer *o)
{
	struct iphdr *iph = cursor_pull(c, struct iphdr);

	if (!iph || iph->protocol != IPPROTO_UDP)
		return VXBPF_R_RX_NOT_VXLAN;
	/* ip_rcv() drops a wrong version or header checksum before
	 * vxlan_rcv() runs; leave such frames to it. */
	if (iph->version != 4 || iph->ihl < 5)
		return VXBPF_R_RX_MALFORMED;
	if (iph->ihl != 5)
		return OUTER_SLOW;
	if (csum_fold(ip4_hdr_sum(iph)) != 0)
		return VXBPF_R_RX_MALFORMED;
	if (iph->frag_off & bpf_htons(IP_OFFSET))
		return VXBPF_R_RX_FRAGMENT; /* no UDP header in there */
	if (iph->frag_off & bpf_htons(IP_MF))
		o->defer = VXBPF_R_RX_FRAGMENT;
	addr_from_v4(&o->saddr, iph->saddr);
	addr_from_v4(&o->daddr, iph->daddr);
	o->ip_len = bpf_ntohs(iph->tot_len);
	if (o->ip_len < sizeof(*iph))
		return VXBPF_R_RX_MALFORMED;
	o->ip_len -= sizeof(*iph);
	o->tos = iph->tos;
	o->v6 = false;
	return OUTER_OK;
}

static __always_inline enum vxbpf_reason outer_ipv6(struct cursor *c, struct outer *o)
{
	struct ipv6hdr *ip6h = cursor_pull(c, struct ipv6hdr);

	if (!ip6h)
		return VXBPF_R_RX_NOT_VXLAN;
	if (ip6h->version != 6) /* ipv6_rcv() drops it */
		return VXBPF_R_RX_MALFORMED;
	if (ip6h->nexthdr != IPPROTO_UDP)
		return OUTER_SLOW;
	addr_from_v6(&o->saddr, &ip6h->saddr);
	addr_from_v6(&o->daddr, &ip6h->daddr);
	o->ip_len = bpf_ntohs(ip6h->payload_len);
	o->tos = (bpf_ntohs(*(__be16 *)ip6h) >> 4) & 0xff;
	o->v6 = true;
	return OUTER_OK;
}

/*
 * Ethernet and one VLAN tag, then IPv4 or IPv6 up to UDP. OUTER_OK with
 * the offset of the UDP header in *off, or the reason to pass with.
 */
static __always_inline enum vxbpf_reason outer_parse(struct xdp_md *ctx, struct cursor *c,
						     struct outer *o, __u32 *off)
{
	struct ethhdr *eth = cursor_pull(c, struct ethhdr);
	enum vxbpf_reason r;
	__u32 l3_off;
	__be16 proto;
	int at;

	__builtin_memset(o, 0, sizeof(*o));
	if (!eth)
		return VXBPF_R_RX_NOT_VXLAN;
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		struct vlan_hdr *vh = cursor_pull(c, struct vlan_hdr);

		if (!vh)
			return VXBPF_R_RX_NOT_VXLAN;
		proto = vh->h_vlan_encapsulated_proto;
	}
	l3_off = c->pos - (void *)(long)ctx->data;
	if (proto == bpf_htons(ETH_P_IP))
		r = outer_ipv4(c, o);
	else if (proto == bpf_htons(ETH_P_IPV6))
		r = outer_ipv6(c, o);
	else
		return VXBPF_R_RX_NOT_VXLAN;
	if (r == OUTER_OK) {
		*off = c->pos - (void *)(long)ctx->data;
		return OUTER_OK;
	}
	if (r != OUTER_SLOW)
		return r;
	at = outer_slow(ctx, l3_off, o);
	if (at < 0)
		return -at;
	*off = at;
	return OUTER_OK;
}

#endif /* VXBPF_OUTER_H */
