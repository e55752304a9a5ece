/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the fast path needs to know about an inner (overlay) frame: a flow
 * hash for the UDP source port, its ECN bits, and whether its TCP/UDP
 * checksum is still the pseudo-header seed of CHECKSUM_PARTIAL.
 *
 * Why the last one: a local sender with checksum offload (any veth, virtio
 * with csum) hands over frames whose L4 checksum holds only the folded
 * pseudo-header sum; the device is meant to finish it. XDP sees the bytes
 * without the skb's ip_summed, and a redirected xdp_frame reaches the
 * receiver as CHECKSUM_NONE, so the fast path must finish the checksum
 * itself, as the NIC would. A complete checksum is never touched: the test
 * is "invalid AND equal to the seed".
 *
 * Local checksum offload (the kernel's lco_csum()): a TCP/UDP segment with
 * a valid checksum sums to the complement of its pseudo-header, so the sum
 * of a whole frame follows from its headers without reading the payload.
 * Encapsulation uses that for the outer UDP checksum; for a frame whose L4
 * checksum was wrong to begin with, the outer checksum is then wrong too
 * and the receiver drops it, as it would have dropped the inner segment.
 */
#ifndef VXBPF_INNER_H
#define VXBPF_INNER_H

static __always_inline __u32 hash_mix(__u32 h, __u32 v)
{
	h ^= v;
	h *= 0x9e3779b1U;
	return h ^ (h >> 15);
}

/*
 * What the headers of an inner frame say, read by the XDP programs and
 * by the TC replication alike, so both hash a flow to the same UDP source
 * port and sum a frame the same way. Never writes.
 */
struct inner_view {
	void *l4;	 /* TCP/UDP header, when seedable */
	__u16 *check;	 /* its checksum field, when seedable */
	__u32 pseudo;	 /* its pseudo-header sum, when seedable */
	__u32 frame_sum; /* lco: the frame's sum from its headers */
	__u32 hash;	 /* flow hash: addresses, protocol, ports */
	__u8 ecn;	 /* ECN bits of the inner IP header, 0 if not IP */
	__u8 ip;	 /* 4 or 6: an IP packet (proto is its next header) */
	__u8 l3_off;	 /* its header's offset from the frame start */
	__u8 proto;	 /* IP protocol (next header of IPv6) */
	__u8 lco;	 /* frame_sum is valid */
	__u8 seedable;	 /* a TCP/UDP checksum that may be a CHECKSUM_PARTIAL
			  * seed: the segment ends the frame, checksum not 0 */
};

/*
 * inner_view plus what the XDP programs do with it: the checksum to
 * finish, the ECN bits to write. The view is filled in place (a copy of
 * it cost decap 2-7 ns, bench/cost.md section 10).
 */
struct inner_info {
	struct inner_view v;
	__u32 fix_off;	 /* offset of the L4 checksum from the frame start */
	__u16 old_check; /* memory order */
	__u16 new_check;
	__u8 ecn_set;	 /* decap: 1 + the ECN bits to write (ecn.h), 0 none */
	__u8 fix;	 /* the L4 checksum must be rewritten before sending */
};

#define INNER_HASH 1	 /* the flow hash (encap's UDP source port) */
/* An inner IPv4 header's own checksum is its receiver's to verify (decap:
 * a redirected frame reaches a stack that always checks it), so a valid
 * one sums to zero and frame_sum need not read it, options included. */
#define INNER_IP4_TRUSTED 2

/*
 * eth: the inner Ethernet header, bounds-checked by the caller; end: the
 * end of the buffer it is in; len: the frame's length from eth on, which
 * goes past end when the frame has fragments (multi-buffer XDP): the
 * headers are all in the first buffer, the end of the segment may not be.
 */
static __always_inline void inner_view_as(struct ethhdr *eth, void *end, __u32 len, const __u32 flags,
					  struct inner_view *v)
{
	/* Zeroed once, then each field stored where it becomes known, and
	 * every test that fails simply returns (see inner_view below). */
	__u32 l4_off, l4_len, hdr_sum = 0, hash = 0, *e = (void *)eth;
	const bool want_hash = flags & INNER_HASH;
	void *l3 = eth + 1, *l4;
	__u64 l2_sum, addr_sum;
	__u16 *check;
	__be16 l3_proto;
	__u8 proto;
	bool hdr_ok;

	__builtin_memset(v, 0, sizeof(*v));
	if ((void *)(eth + 1) > end)
		return;
	/* The Ethernet header's sum, for local checksum offload; one 802.1Q
	 * tag (a VM's VLAN sub-interface) is looked through. */
	l2_sum = (__u64)e[0] + e[1] + e[2];
	l3_proto = eth->h_proto;
	if (l3_proto == bpf_htons(ETH_P_8021Q) || l3_proto == bpf_htons(ETH_P_8021AD)) {
		struct vlan_hdr *vh = l3;

		if ((void *)(vh + 1) > end)
			return;
		l2_sum += *(__u32 *)((void *)eth + 12);
		l3_proto = vh->h_vlan_encapsulated_proto;
		l3 = vh + 1;
	}
	l2_sum += l3_proto;

	/* The addresses are summed and hashed where they are, in the
	 * packet: no copy into a struct vxbpf_addr to read back. */
	if (l3_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = l3;

		if ((void *)(iph + 1) > end)
			goto l2_hash;
		proto = iph->protocol;
		if (want_hash) {
			hash = hash_mix(hash_mix(hash_mix(0, iph->saddr), iph->daddr), proto);
			v->hash = hash;
		}
		v->ecn = iph->tos & INET_ECN_MASK;
		v->ip = 4;
		v->l3_off = l3 - (void *)eth;
		v->proto = proto;
		if (iph->ihl < 5 || (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET)))
			return;
		l4 = (void *)iph + iph->ihl * 4;
		l4_off = v->l3_off + iph->ihl * 4;
		l4_len = bpf_ntohs(iph->tot_len);
		if (l4_len < iph->ihl * 4)
			return;
		l4_len -= iph->ihl * 4;
		addr_sum = (__u64)iph->saddr + iph->daddr;
		if (flags & INNER_IP4_TRUSTED) {
			hdr_ok = true;
		} else {
			hdr_ok = iph->ihl == 5; /* options: not summed */
			if (hdr_ok)
				hdr_sum = ip4_hdr_sum(iph);
		}
	} else if (l3_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = l3;
		const __u32 *w = (const void *)ip6h, *s = w + 2, *d = w + 6;

		if ((void *)(ip6h + 1) > end)
			goto l2_hash;
		proto = ip6h->nexthdr;
		if (want_hash) {
			hash = hash_mix(hash_mix(hash_mix(0, s[0] ^ s[1] ^ s[2] ^ s[3]),
						 d[0] ^ d[1] ^ d[2] ^ d[3]),
					proto);
			v->hash = hash;
		}
		v->ecn = (bpf_ntohl(w[0]) >> 20) & INET_ECN_MASK;
		v->ip = 6;
		v->l3_off = l3 - (void *)eth;
		v->proto = proto;
		l4 = ip6h + 1;
		l4_off = v->l3_off + sizeof(*ip6h);
		l4_len = bpf_ntohs(ip6h->payload_len);
		addr_sum = (__u64)s[0] + s[1] + s[2] + s[3] + d[0] + d[1] + d[2] + d[3];
		hdr_sum = csum64_fold(addr_sum + w[0] + w[1]);
		hdr_ok = true;
	} else {
		goto l2_hash;
	}

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return;
	if (l4 + 4 > end)
		return;
	if (want_hash)
		v->hash = hash_mix(hash, *(__u32 *)l4);

	/* The checksum seed test needs the segment to end the frame. */
	if (l4_off + l4_len != len)
		return;
	check = l4 + (proto == IPPROTO_TCP ? 16 : 6);
	if ((void *)(check + 1) > end)
		return;
	/* UDP without checksum (legal over IPv4, and for tunnels over
	 * IPv6): no seed to finish, and no sum to derive from it. */
	if (proto == IPPROTO_UDP && *check == 0)
		return;
	v->pseudo = csum64_fold(addr_sum + bpf_htonl(l4_len) + bpf_htonl(proto));
	/* Ethernet header, IP header, and the segment as its checksum
	 * (valid, or made valid by whoever finishes it) says it sums. */
	if (hdr_ok) {
		v->frame_sum = csum64_fold(l2_sum + hdr_sum + csum_fold(v->pseudo));
		v->lco = 1;
	}
	v->l4 = l4;
	v->check = check;
	v->seedable = 1;
	return;

l2_hash:
	if (want_hash)
		v->hash = hash_mix(hash_mix(0, *(__u32 *)eth->h_dest), *(__u32 *)eth->h_source);
}

/*
 * Subprograms of their own, not inlined: inlined into the receive paths,
 * the view's values competed for the callers' registers, and the compiler
 * stored all of them again before every test the frame passed (decap
 * 4-6 ns; bench/cost.md, section 10). Called with registers to itself,
 * the view costs a call and its own small frame.
 */
static __noinline void inner_view(struct ethhdr *eth, void *end, __u32 len, struct inner_view *v)
{
	inner_view_as(eth, end, len, INNER_HASH, v);
}

/* Decap's: no flow hash, and the inner IPv4 header trusted (see above). */
static __noinline void inner_view_rx(struct ethhdr *eth, void *end, __u32 len, struct inner_view *v)
{
	inner_view_as(eth, end, len, INNER_IP4_TRUSTED, v);
}

/* Is the checksum at v->check the CHECKSUM_PARTIAL seed? (Only "could
 * be": the caller sums the segment to tell a seed from a coincidence.) */
static __always_inline bool inner_seed_maybe(const struct inner_view *v, void *end)
{
	__u16 *check = v->check;

	if (!v->seedable || !check || (void *)(check + 1) > end)
		return false;
	return *check == (__u16)~csum_fold(v->pseudo);
}

/*
 * eth: the inner Ethernet header, already bounds-checked by the caller;
 * total: the whole frame's length from ctx->data, len: from eth (both
 * with fragments; passed as numbers, which the verifier follows better
 * than a difference of packet pointers); flags: INNER_HASH for encap, 0
 * for decap (inner_view_rx). Never writes.
 */
static __always_inline void inner_parse(struct xdp_md *ctx, struct ethhdr *eth, __u32 total,
					__u32 len, __u32 flags, struct inner_info *ii)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct inner_view *v = &ii->v;
	__u64 seg;

	if (flags & INNER_HASH)
		inner_view(eth, end, len, v);
	else
		inner_view_rx(eth, end, len, v);
	ii->ecn_set = 0;
	ii->fix = 0;
	ii->fix_off = 0;
	ii->old_check = 0;
	ii->new_check = 0;
	if (!inner_seed_maybe(v, end))
		return; /* not the seed: leave it alone */
	ii->fix_off = (void *)v->check - (void *)eth;
	ii->old_check = *v->check;
	seg = csum_to_end(ctx, v->l4 - data, total);
	if (seg & CSUM_ERR)
		return;
	if (csum_fold(csum_add(v->pseudo, (__u32)seg)) == 0)
		return; /* complete after all, by coincidence */
	ii->fix = 1;
	/* Finish what the device would: sum from the L4 header, seed
	 * included, to the end. */
	ii->new_check = csum_fold((__u32)seg);
	if (v->proto == IPPROTO_UDP && ii->new_check == 0)
		ii->new_check = 0xffff;
}

/*
 * Write the finished checksum, and on decap the ECN bits the outer header
 * gave (ecn.h); the inner frame now starts at ctx->data.
 */
static __always_inline void inner_fix(struct xdp_md *ctx, const struct inner_info *ii)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u16 *check;

	if (ii->ecn_set)
		ecn_write(data, end, ii->v.ip, ii->v.l3_off, ii->ecn_set);
	if (!ii->fix)
		return;
	/* The mask is for the verifier: fix_off is below 128 by construction
	 * (Ethernet + VLAN tag + IPv4 with options + TCP offset 16). */
	check = data + (ii->fix_off & 0x7f);
	if ((void *)(check + 1) > end)
		return;
	*check = ii->new_check;
}

#endif /* VXBPF_INNER_H */
