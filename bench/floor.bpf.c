// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The floor (bench/cost.md, "The floor on this machine"): what any XDP
 * program doing vxbpf's job must pay here, as a ladder of programs that
 * each add one piece of the irreducible work, measured by `vxbench floor`
 * through the same BPF_PROG_RUN harness as `vxbench cost` measures vxbpf.
 * Not part of vxbpf: built only into the bench tool.
 *
 * The maps are vxbpf's own declarations (bpf/maps.h: same type, key and
 * value, max_entries and flags); vxbench creates only those used here.
 *
 * Decap (the frames `make bench` sends: outer Eth/IPv4 or IPv6/UDP/VXLAN
 * + inner Eth/IPv4/UDP):
 *   d_a  return, frame untouched
 *   d_b  + bounds-checked parse: outer Ethernet, IPv4 (version/IHL 5, not
 *        a fragment, UDP, to the local address) or IPv6 (next header UDP,
 *        to the local address), UDP (port 4789, length = the packet),
 *        VXLAN (I flag, reserved bits zero), inner Ethernet
 *   d_c  + bpf_xdp_adjust_head() stripping the outer headers
 *   d_d  + the allow-list lookup (vxbpf_vtep: VNI + sender, 20 bytes)
 *   d_e  + the fdb lookup (vxbpf_fdb: VNI + MAC)
 *   d_f  + one per-CPU counter (vxbpf_stats: packets, bytes)
 *   d_g  + bpf_redirect() to the fdb entry's port
 * and, beyond the job's minimum, what vxbpf also does on this path:
 *   d_h  + vxbpf's bookkeeping: the UDP port's vxbpf_dstports entry,
 *        bpf_xdp_get_buff_len(), the VNI's counter (vxbpf_vni_stats)
 *   d_i  + the outer UDP checksum verified from the headers (as vxbpf's
 *        rx_csum_from_headers: inner Ethernet/IPv4/UDP with a checksum),
 *        summed as vxbpf does (csum_add: the carry added back per step)
 *   d_i_wide  the same sum in a 64-bit accumulator, folded once
 * Encap (IPv4 outer, UDP checksum 0; the inner frames `make bench` sends):
 *   e_a  return, frame untouched
 *   e_b  + inner Ethernet parse (bounds, destination not multicast)
 *   e_c  + the port lookup (vxbpf_ports: ingress ifindex)
 *   e_d  + the fdb lookup (VNI + MAC)
 *   e_e  + the next-hop cache lookup (vxbpf_nh_cache: the key's set, two slots)
 *   e_f  + bpf_xdp_adjust_head(-50) and the outer Eth/IPv4/UDP/VXLAN
 *        headers written, IPv4 header checksum included
 *   e_g  + one per-CPU counter
 *   e_h  + bpf_redirect() to the next hop's device
 * and what vxbpf also does:
 *   e_i  + the next-hop entry's expiry (bpf_jiffies64) and length check,
 *        bpf_xdp_get_buff_len(), the VNI's counter
 *   e_j  + the outer UDP checksum from the headers and the inner frame's
 *        sum (vxbpf's default, udpcsum), summed as vxbpf does
 *   e_j_wide  the same sum in a 64-bit accumulator, folded once
 * Toward vxbpf's own paths (bench/cost.md, "Result: where vxbpf's time
 * over the floor goes"), its code, pieces put back one at a time:
 *   d_x0  what d_i_wide does, written as vxbpf does it: its outer_parse
 *         (cursor, struct outer), its vxlan_rx_udp inlined, the VNI's
 *         configuration from the allow-list through its per-CPU cache
 *         (vtep_cfg), verdict()'s counters
 *   d_x1  + the outer IPv4 header checksum test
 *   d_x2  + vxlan_rx_udp out of line (the BPF-to-BPF call)
 *   d_x3  + the tests of the outer headers no bench frame fails
 *   d_x3m + the tests of the inner frame (source MAC, multicast, fdb flags)
 *   d_x3c + the code of the paths those tests lead to (learning, flood,
 *         handover, reassembly, the full checksum), never run here
 *   d_x4a + inner_view (instead of the floor's inner sum)
 *   d_x4b + inner_parse's seed test
 *   d_x4  + inner_parse itself (its struct inner_info)
 *   d_x5  + ECN (ecn_decap, inner_fix)
 *   d_x6  + fdb_find (its cache, the expiry test): vxbpf's path, copied
 *   d_v   vxbpf's vxlan_rx itself
 *   d_x0w what-if on d_x0: struct outer's IPv4 addresses stored as 64-bit
 *         words (a store the allow-list key's 64-bit loads can forward from)
 *   d_x6n what-if on d_x6: the first buffer's length instead of
 *         bpf_xdp_get_buff_len (linear frames only)
 *   e_y0  what e_j_wide does, written as vxbpf does it (port_rx, the plan)
 *   e_y0p + encap_push (outer_write, outer_csum) for the floor's writing
 *   e_y0r + outer_fib/outer_route for the floor's next-hop lookup
 *   e_y1  + the tests no bench frame fails
 *   e_y2  + inner_parse (flow hash, ECN, seed test) for the floor's hash/sum
 *   e_y3  + fdb_find (its cache, the expiry test)
 *   e_y4  + inner_fix: vxbpf's path, copied
 *   e_v   vxbpf's port_rx itself
 *   e_y4l what-if on e_y4: the frame's length asked after the fdb lookup
 *   e_y4n what-if on e_y4: the first buffer's length, no helper
 * (d_x*, d_v, e_y*, e_v need all of vxbpf's maps: vxbench creates them
 * when one is asked for; e_y* and e_v also encapsulate in IPv6.)
 * The *_spread variants (d_e_spread, e_d_spread) take the fdb key's MAC
 * from a counter instead of the frame: run n looks up entry
 * (n * fdb_stride) mod fdb_n, so consecutive runs hit different entries
 * (the harness runs one frame). With fdb_n 1 they look up the frame's
 * own entry every time: against d_e / e_d, the price of the counter.
 *
 * Every rung returns XDP_REDIRECT (what the harness expects; in a
 * non-live BPF_PROG_RUN the return value is only recorded). A run that
 * does not take the full path counts in floor_fail and returns
 * XDP_ABORTED.
 */
/*
 * vxbpf's own program text, compiled into this object: its maps, headers,
 * global functions (csum_to_end, outer_slow, vxlan_rx_udp, ...) and
 * programs (xdp_vxlan_rx etc., which vxbench never loads from here). The
 * d_x / e_y rungs below call its functions; d_v / e_v are its receive
 * paths themselves (vxlan_rx, port_rx) on the floor's maps.
 */
#include "vxbpf.bpf.c"

const volatile __u8 local_addr[16] = {};   /* this VTEP (IPv4: ::ffff:a.b.c.d) */
const volatile __u32 fdb_n = 1;		   /* spread: entries cycled over */
const volatile __u32 fdb_stride = 1;	   /* spread: step, coprime with fdb_n */
const volatile __u16 be_dstport = 0xb512;  /* 4789 */

__u32 fdb_cur;
__u64 floor_fail;

#define RUNG_A 0
#define RUNG_B 1
#define RUNG_C 2
#define RUNG_D 3
#define RUNG_E 4
#define RUNG_F 5
#define RUNG_G 6
#define RUNG_H 7
#define RUNG_I 8
#define RUNG_J 9

static __always_inline int floor_out(void)
{
	floor_fail++;
	return XDP_ABORTED;
}

/* The fdb key's MAC from the counter: 02:be:00 + the entry's index, as
 * `make bench` (and vxbench floor) fill the fdb. */
static __always_inline void spread_key(struct vxbpf_fdb_key *k)
{
	__u32 cur = fdb_cur + fdb_stride;

	if (cur >= fdb_n)
		cur -= fdb_n;
	fdb_cur = cur;
	k->mac[3] = cur >> 16;
	k->mac[4] = cur >> 8;
	k->mac[5] = cur;
}

/*
 * Ones' complement sums two ways: wide 0 as vxbpf's csum_add (a 32-bit
 * sum, the carry added back at every step), wide 1 in a 64-bit
 * accumulator folded once at the end (no carry per step).
 */
static __always_inline __u64 cadd(__u64 s, __u32 x, const int wide)
{
	return wide ? s + x : csum_add((__u32)s, x);
}

static __always_inline __u16 cfold(__u64 s, const int wide)
{
	if (wide) {
		s = (s & 0xffffffff) + (s >> 32);
		s = (s & 0xffffffff) + (s >> 32);
	}
	return csum_fold((__u32)s);
}

/*
 * The ones' complement sum of an inner Ethernet/IPv4/UDP frame whose UDP
 * checksum is valid, from its headers alone (vxbpf's frame_sum, change 1
 * of bench/cost.md): Ethernet + IPv4 header + (the UDP segment, which sums
 * to minus the inner pseudo-header). false if the frame is not that.
 */
static __always_inline bool inner_sum(struct ethhdr *ieth, void *end, __u64 *sum, const int wide)
{
	struct iphdr *iph = (void *)(ieth + 1);
	struct udphdr *udph = (void *)(iph + 1);
	__u16 *e = (__u16 *)ieth;
	__u32 *w = (__u32 *)iph;
	__u64 s = *sum;

	if ((void *)(udph + 1) > end || ieth->h_proto != bpf_htons(ETH_P_IP) ||
	    *(__u8 *)iph != 0x45 || iph->protocol != IPPROTO_UDP || !udph->check)
		return false;
	s = cadd(s, e[0], wide);
	s = cadd(s, e[1], wide);
	s = cadd(s, e[2], wide);
	s = cadd(s, e[3], wide);
	s = cadd(s, e[4], wide);
	s = cadd(s, e[5], wide);
	s = cadd(s, e[6], wide);
	s = cadd(s, w[0], wide);
	s = cadd(s, w[1], wide);
	s = cadd(s, w[2], wide);
	/* the addresses are in the header and in the pseudo-header: they
	 * cancel; what is left of the pseudo-header is subtracted */
	s = cadd(s, ~(__u32)(bpf_htonl(IPPROTO_UDP)), wide);
	s = cadd(s, ~(__u32)udph->len, wide);
	*sum = s;
	return true;
}

static __always_inline bool local_v4(__be32 a)
{
	return a == *(const volatile __be32 *)&local_addr[12];
}

static __always_inline int floor_decap(struct xdp_md *ctx, const int rung, const int spread,
				       const int wide)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data, *ieth;
	struct vxbpf_vtep_key vk = {};
	struct vxbpf_fdb_key fk = {};
	struct vxbpf_vxlanhdr *vxh;
	struct vxbpf_fdb_val *fdb;
	struct udphdr *udph;
	__u32 olen, zero = 0, port;
	__u64 asum = 0;
	bool csum_ok = true;

	if (rung == RUNG_A)
		return XDP_REDIRECT;
	if ((void *)(eth + 1) > end)
		return floor_out();
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = (void *)(eth + 1);

		udph = (void *)(iph + 1);
		if ((void *)(udph + 1) > end)
			return floor_out();
		if (*(__u8 *)iph != 0x45 || (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET)) ||
		    iph->protocol != IPPROTO_UDP || !local_v4(iph->daddr) ||
		    bpf_ntohs(iph->tot_len) != end - (void *)iph)
			return floor_out();
		addr_from_v4(&vk.ip, iph->saddr);
		if (rung >= RUNG_I)
			asum = cadd(cadd(0, iph->saddr, wide), iph->daddr, wide);
		olen = ETH_HLEN + sizeof(*iph) + sizeof(*udph) + VXLAN_HLEN;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = (void *)(eth + 1);
		const volatile __u32 *l = (const volatile __u32 *)local_addr;
		__u32 *d;

		udph = (void *)(ip6h + 1);
		if ((void *)(udph + 1) > end)
			return floor_out();
		d = (__u32 *)&ip6h->daddr;
		if (ip6h->nexthdr != IPPROTO_UDP ||
		    ((d[0] ^ l[0]) | (d[1] ^ l[1]) | (d[2] ^ l[2]) | (d[3] ^ l[3])) ||
		    bpf_ntohs(ip6h->payload_len) != end - (void *)udph)
			return floor_out();
		addr_from_v6(&vk.ip, &ip6h->saddr);
		if (rung >= RUNG_I) {
			__u32 *a = (__u32 *)&ip6h->saddr;

			__u64 t = 0;
			int k;

			for (k = 0; k < 8; k++)
				t = cadd(t, a[k], wide);
			asum = t;
		}
		olen = ETH_HLEN + sizeof(*ip6h) + sizeof(*udph) + VXLAN_HLEN;
	} else {
		return floor_out();
	}
	vxh = (void *)(udph + 1);
	ieth = (void *)(vxh + 1);
	if ((void *)(ieth + 1) > end)
		return floor_out();
	if (udph->dest != be_dstport || bpf_ntohs(udph->len) != end - (void *)udph ||
	    vxh->vx_flags != bpf_htonl(VXLAN_HF_VNI) || (vxh->vx_vni & bpf_htonl(0xff)))
		return floor_out();
	vk.vni = fk.vni = bpf_ntohl(vxh->vx_vni) >> 8;
	mac_copy(fk.mac, ieth->h_dest);
	port = bpf_ntohs(udph->dest);
	if (rung >= RUNG_I) {
		/* The outer UDP checksum verified from the headers (vxbpf's
		 * rx_csum_from_headers): pseudo-header, UDP, VXLAN, and the
		 * inner frame's sum. */
		__u32 *u = (__u32 *)udph;
		__u64 s = asum;

		s = cadd(s, bpf_htonl(IPPROTO_UDP), wide);
		s = cadd(s, udph->len, wide);
		s = cadd(s, u[0], wide);
		s = cadd(s, u[1], wide);
		s = cadd(s, u[2], wide);
		s = cadd(s, u[3], wide);
		if (!inner_sum(ieth, end, &s, wide))
			return floor_out();
		csum_ok = cfold(s, wide) == 0;
	}
	if (rung == RUNG_B)
		return XDP_REDIRECT;

	if (bpf_xdp_adjust_head(ctx, olen))
		return floor_out();
	if (rung == RUNG_C)
		return XDP_REDIRECT;

	if (!bpf_map_lookup_elem(&vxbpf_vtep, &vk))
		return floor_out();
	if (rung == RUNG_D)
		return XDP_REDIRECT;

	if (spread)
		spread_key(&fk);
	fdb = bpf_map_lookup_elem(&vxbpf_fdb, &fk);
	if (!fdb)
		return floor_out();
	if (rung == RUNG_E)
		return XDP_REDIRECT;

	{
		struct vxbpf_counter *c = bpf_map_lookup_elem(&vxbpf_stats, &zero);

		if (c) {
			c->packets++;
			c->bytes += ctx->data_end - ctx->data;
		}
	}
	if (rung == RUNG_F)
		return XDP_REDIRECT;
	if (rung == RUNG_G)
		return bpf_redirect(fdb->ifindex, 0);

	/* H: vxbpf's bookkeeping: the UDP port's array entry, the whole
	 * frame's length by helper, the VNI's counter besides the reason's. */
	{
		__u32 *users = bpf_map_lookup_elem(&vxbpf_dstports, &port);
		struct vxbpf_vni_stats *vs;

		if (!users || !*users)
			return floor_out();
		vs = bpf_map_lookup_elem(&vxbpf_vni_stats, &zero);
		if (vs) {
			vs->rx_packets++;
			vs->rx_bytes += bpf_xdp_get_buff_len(ctx);
		}
	}
	if (!csum_ok)
		return floor_out();
	return bpf_redirect(fdb->ifindex, 0);
}

static __always_inline int floor_encap(struct xdp_md *ctx, const int rung, const int spread,
				       const int wide)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct vxbpf_fdb_key fk = {};
	struct vxbpf_port_val *port;
	struct vxbpf_fdb_val *fdb;
	struct vxbpf_nh_key nk;
	struct vxbpf_nh_slot *slot;
	struct vxbpf_nh_val *nh;
	__u32 ifindex, len, hash, zero = 0;
	__u64 isum = 0;
	__u16 ip_id;

	if (rung == RUNG_A)
		return XDP_REDIRECT;
	if ((void *)(eth + 1) > end)
		return floor_out();
	if (mac_is_multicast(eth->h_dest))
		return floor_out();
	mac_copy(fk.mac, eth->h_dest);
	len = end - data;
	/* The outer source port's entropy, from what was parsed: the
	 * Ethernet header (a flow hash over inner L3/L4 would need more). */
	hash = (((__u32 *)eth)[0] ^ ((__u32 *)eth)[1] ^ ((__u32 *)eth)[2]) * 2654435761U;
	if (rung >= RUNG_J) {
		if (!inner_sum(eth, end, &isum, wide))
			return floor_out();
	}
	if (rung == RUNG_B)
		return XDP_REDIRECT;

	ifindex = ctx->ingress_ifindex;
	port = bpf_map_lookup_elem(&vxbpf_ports, &ifindex);
	if (!port)
		return floor_out();
	if (rung == RUNG_C)
		return XDP_REDIRECT;

	fk.vni = port->vni;
	if (spread == 1)
		spread_key(&fk);
	fdb = bpf_map_lookup_elem(&vxbpf_fdb, &fk);
	if (!fdb)
		return floor_out();
	if (rung == RUNG_D)
		return XDP_REDIRECT;

	nk.src = port->cfg.local;
	nk.dst = fdb->dst;
	slot = nh_find(&nk.src, &nk.dst, vxbpf_nh_slot0(&nk.src, &nk.dst));
	if (!slot)
		return floor_out();
	nh = &slot->val;
	/* I: the cache entry's expiry, as vxbpf's outer_route */
	if (rung >= RUNG_I && !(bpf_jiffies64() < nh->expires && len <= nh->max_len))
		return floor_out();
	ip_id = nh->ip_id++;
	if (rung == RUNG_E)
		return XDP_REDIRECT;

	if (bpf_xdp_adjust_head(ctx, -(int)(ETH_HLEN + sizeof(struct iphdr) + sizeof(struct udphdr) +
					    VXLAN_HLEN)))
		return floor_out();
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	{
		struct ethhdr *oeth = data;
		struct iphdr *iph = (void *)(oeth + 1);
		struct udphdr *udph = (void *)(iph + 1);
		struct vxbpf_vxlanhdr *vxh = (void *)(udph + 1);
		__u32 *w = (void *)iph, w0, w1, w2, sum, ulen = len + sizeof(*udph) + VXLAN_HLEN;
		__be32 s = vxbpf_addr_w(&port->cfg.local)[3], d = vxbpf_addr_w(&fdb->dst)[3];

		if ((void *)(vxh + 1) > end)
			return floor_out();
		__builtin_memcpy(oeth->h_dest, nh->dmac, ETH_ALEN);
		__builtin_memcpy(oeth->h_source, nh->smac, ETH_ALEN);
		oeth->h_proto = bpf_htons(ETH_P_IP);
		/* As vxbpf's outer_write (3g): five words composed and summed
		 * in registers, stored whole. */
		w0 = bpf_htonl(0x45U << 24 | ((ulen + sizeof(*iph)) & 0xffff));
		w1 = bpf_htonl((__u32)ip_id << 16);
		w2 = (__u32)port->cfg.ttl << 24 | IPPROTO_UDP << 16;
		sum = csum_add(csum_add(csum_add(w0, w1), csum_add(bpf_htonl(w2), s)), d);
		w[0] = w0;
		w[1] = w1;
		w[2] = bpf_htonl(w2 | bpf_ntohs(csum_fold(sum)));
		w[3] = s;
		w[4] = d;
		udph->source = bpf_htons(49152 | (hash >> 18));
		udph->dest = port->cfg.be_dstport;
		udph->len = bpf_htons(ulen);
		udph->check = 0;
		vxh->vx_flags = bpf_htonl(VXLAN_HF_VNI);
		vxh->vx_vni = bpf_htonl(fk.vni << 8);
		if (rung >= RUNG_J) {
			/* J: the outer UDP checksum from the headers, as
			 * vxbpf's outer_csum (its default: udpcsum) */
			__u64 c = isum;

			c = cadd(c, s, wide);
			c = cadd(c, d, wide);
			c = cadd(c, bpf_htonl(IPPROTO_UDP), wide);
			c = cadd(c, bpf_htonl(ulen), wide);
			c = cadd(c, ((__u32 *)udph)[0], wide);
			c = cadd(c, ((__u32 *)udph)[1], wide);
			c = cadd(c, vxh->vx_flags, wide);
			c = cadd(c, vxh->vx_vni, wide);
			udph->check = cfold(c, wide) ?: 0xffff;
		}
	}
	if (rung == RUNG_F)
		return XDP_REDIRECT;

	{
		struct vxbpf_counter *c = bpf_map_lookup_elem(&vxbpf_stats, &zero);

		if (c) {
			c->packets++;
			c->bytes += ctx->data_end - ctx->data;
		}
	}
	if (rung == RUNG_G)
		return XDP_REDIRECT;
	if (rung >= RUNG_I) {
		/* I: vxbpf's bookkeeping: the whole frame's length by helper,
		 * the VNI's counter besides the reason's */
		struct vxbpf_vni_stats *vs = bpf_map_lookup_elem(&vxbpf_vni_stats, &zero);

		if (vs) {
			vs->tx_packets++;
			vs->tx_bytes += bpf_xdp_get_buff_len(ctx);
		}
	}
	return bpf_redirect(nh->ifindex, 0);
}

/*
 * Toward vxbpf's own receive path (bench/cost.md, "Result: where vxbpf's
 * time over the floor goes"). fx_rx_udp is vxlan_rx_udp (bpf/decap.h)
 * copied line for line, and fx_outer_parse outer_parse (bpf/outer.h),
 * calling vxbpf's own functions (frame_len, inner_parse,
 * rx_csum_from_headers, ecn_decap, fdb_find, vni_count, reason_count,
 * inner_fix, redirect...); the bits of P put vxbpf's pieces back one at a
 * time. Without any (d_x0) it does what d_i_wide does, in vxbpf's way
 * (cursor, struct outer, the VNI's configuration from the allow-list
 * through its per-CPU cache, vtep_cfg, verdict()'s counters); with all
 * (d_x6) it is vxbpf's path, and must cost what d_v (vxbpf's vxlan_rx
 * itself, compiled here) costs.
 */
#define X_IPSUM (1 << 0)  /* outer_ipv4's header checksum test */
#define X_CALL (1 << 1)	  /* vxlan_rx_udp out of line: a BPF-to-BPF call to
			   * a global function, struct outer by pointer */
#define X_CHECKS (1 << 2) /* the tests no bench frame fails, of the outer
			   * headers: the learning and allow-list flags
			   * (the vni map fallback is vtep_cfg's, in every
			   * rung), the deferred reasons, frags,
			   * the short inner frame, the reassembly return;
			   * what they lead to, a verdict only (X_COLD:
			   * vxbpf's) */
#define X_CHECKS2 (1 << 9) /* and of the inner frame: the source MAC
			    * (multicast, zero, learning), the destination
			    * multicast, the fdb entry's flags (local, host,
			    * frags) */
#define X_INNER (1 << 3)  /* inner_parse (flow hash, ECN bits, the
			   * CHECKSUM_PARTIAL seed test, the frame's sum
			   * with the addresses) instead of the floor's
			   * inner sum (addresses cancelled) */
#define X_ECN (1 << 4)	  /* ecn_decap and inner_fix (RFC 6040, the seed) */
#define X_FDBX (1 << 5)	  /* fdb_find: its cache (§13), the learned entry's expiry test */
/* Half of X_INNER: inner_view alone (d_x4a), the fields inner_parse
 * copies from it set here; without inner_parse's memset of its result,
 * the copy, and the seed test. With X_SEED (d_x4b) the seed test too (the
 * tail of inner_parse, copied): what is left of X_INNER is its memset
 * and copy of struct inner_info. */
#define X_VIEW (1 << 6)
#define X_SEED (1 << 8)
#define X_ALL (X_IPSUM | X_CALL | X_CHECKS | X_CHECKS2 | X_COLD | X_INNER | X_ECN | X_FDBX)
/* Not vxbpf (d_x0w, a what-if on d_x0): struct outer's IPv4 addresses
 * stored as two 64-bit words each instead of addr_from_v4's 32-bit ones.
 * Inlined (d_x0, d_x1), the allow-list key was copied from them by 64-bit
 * loads, each over two 32-bit stores, which the CPU cannot forward from;
 * out of line (d_x2 on) the copy was by 32-bit loads. So measured before
 * the allow-list cache (bench/cost.md §11); vtep_cfg now compares a
 * slot's key by 32-bit words and builds the map's key only on a miss. */
#define X_W64 (1 << 10)
/* Not vxbpf (d_x6n, a what-if on d_x6): the frame's length not asked
 * (bpf_xdp_get_buff_len), the first buffer's taken (the bench's frames
 * are linear): the helper's price with the spills around it. */
#define X_NOLEN (1 << 11)
/* The code of the paths no bench frame takes, as vxbpf has it (with
 * X_CHECKS): fdb_learn, rx_flood and xdp_handover, reassembly, the full
 * checksum when the headers do not show it (csum_to_end); without it
 * those paths end in a verdict. Never run here: what it costs is its
 * weight on the compiled code of the path that runs (register
 * pressure, spills, layout). */
#define X_COLD (1 << 7)

/* outer_ipv4, the header checksum test a piece. */
static __always_inline enum vxbpf_reason fx_ipv4(struct cursor *c, struct outer *o, const int P)
{
	struct iphdr *iph = cursor_pull(c, struct iphdr);

	if (!iph || iph->protocol != IPPROTO_UDP)
		return VXBPF_R_RX_NOT_VXLAN;
	if (iph->version != 4 || iph->ihl < 5)
		return VXBPF_R_RX_MALFORMED;
	if (iph->ihl != 5)
		return OUTER_SLOW;
	if ((P & X_IPSUM) && csum_fold(ip4_hdr_sum(iph)) != 0)
		return VXBPF_R_RX_MALFORMED;
	if (iph->frag_off & bpf_htons(IP_OFFSET))
		return VXBPF_R_RX_FRAGMENT;
	if (iph->frag_off & bpf_htons(IP_MF))
		o->defer = VXBPF_R_RX_FRAGMENT;
	if (P & X_W64) {
		__u64 *s = (__u64 *)&o->saddr, *d = (__u64 *)&o->daddr;

		s[0] = d[0] = 0;
		s[1] = (__u64)iph->saddr << 32 | bpf_htonl(0xffff);
		d[1] = (__u64)iph->daddr << 32 | bpf_htonl(0xffff);
	} else {
		addr_from_v4(&o->saddr, iph->saddr);
		addr_from_v4(&o->daddr, iph->daddr);
	}
	o->ip_len = bpf_ntohs(iph->tot_len);
	if (o->ip_len < sizeof(*iph))
		return VXBPF_R_RX_MALFORMED;
	o->ip_len -= sizeof(*iph);
	o->tos = iph->tos;
	o->v6 = false;
	return OUTER_OK;
}

/* outer_parse, with fx_ipv4. */
static __always_inline enum vxbpf_reason fx_outer_parse(struct xdp_md *ctx, struct cursor *c,
							struct outer *o, __u32 *off, const int P)
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
		r = fx_ipv4(c, o, P);
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

/* vxlan_rx_udp, pieces in P. */
static __always_inline int fx_rx_udp(struct xdp_md *ctx, __u32 off, struct outer *op, const int P)
{
	struct vxbpf_fdb_key fkey = {};
	const struct vxbpf_vni_cfg *cfg;
	const struct vxbpf_fdb_val *fdb;
	struct inner_info ii;
	const struct outer *o;
	struct cursor c;
	struct ethhdr *ieth;
	struct udphdr *udph;
	struct vxbpf_vxlanhdr *vxh;
	__u32 *port_users, port, vni, outer_len, ulen, pseudo, total;
	bool kernel, frags = false, listed;
	int ecn = 0;

	if (!op || off > 1100)
		return verdict(ctx, VXBPF_R_RX_MALFORMED, XDP_PASS);
	o = op;
	asm volatile("%0 &= 0x7ff" : "+r"(off));
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
	cfg = vtep_cfg(vni, &o->saddr, &listed);
	if (!cfg || cfg->be_dstport != udph->dest)
		return verdict(ctx, VXBPF_R_RX_UNKNOWN_VNI, XDP_PASS);
	if (vxh->vx_flags != bpf_htonl(VXLAN_HF_VNI) || (vxh->vx_vni & bpf_htonl(0xff)))
		return verdict(ctx, VXBPF_R_RX_BAD_FLAGS, XDP_DROP);
	if (!addr_equal(&o->daddr, &cfg->local))
		return verdict(ctx, VXBPF_R_RX_NOT_LOCAL, XDP_PASS);
	if (P & X_CHECKS) {
		if (!(cfg->flags & VXBPF_VNI_LEARNING) && !listed)
			return verdict(ctx, VXBPF_R_RX_UNKNOWN_VTEP, XDP_DROP);
		if (o->defer == VXBPF_R_RX_FRAGMENT && XDP_HAVE_FRAGS && !o->v6 &&
		    !(cfg->flags & VXBPF_VNI_KERNEL_BUM)) {
			if (!(P & X_COLD))
				return verdict(ctx, o->defer, XDP_PASS);
			if (explain)
				return verdict(ctx, VXBPF_R_RX_FRAG_HELD, XDP_DROP);
			return RX_REASM_FIRST;
		}
		if (o->defer)
			return verdict(ctx, o->defer, XDP_PASS);
	}

	outer_len = c.pos - (void *)(long)ctx->data;
	total = (P & X_NOLEN) ? xdp_len(ctx) : frame_len(ctx);
	if (P & X_CHECKS)
		frags = total != xdp_len(ctx);
	ulen = bpf_ntohs(udph->len);
	asm volatile("%0 &= 0xffff" : "+r"(ulen));
	if (ulen != o->ip_len || (void *)udph - (void *)(long)ctx->data + ulen != total)
		return verdict(ctx, VXBPF_R_RX_MALFORMED, XDP_PASS);
	if ((P & X_CHECKS) && ulen < sizeof(*udph) + VXLAN_HLEN + ETH_HLEN)
		return verdict(ctx, VXBPF_R_RX_SHORT_INNER, XDP_DROP);

	ieth = cursor_pull(&c, struct ethhdr);
	if (!ieth)
		return verdict(ctx, VXBPF_R_RX_SHORT_INNER, XDP_DROP);
	if (P & X_INNER) {
		inner_parse(ctx, ieth, total, ulen - sizeof(*udph) - VXLAN_HLEN, 0, &ii);
	} else if (P & X_VIEW) {
		struct inner_view v;

		inner_view_rx(ieth, c.end, ulen - sizeof(*udph) - VXLAN_HLEN, &v);
		ii.fix = ii.ecn_set = 0;
		ii.v.ecn = v.ecn;
		ii.v.ip = v.ip;
		ii.v.l3_off = v.l3_off;
		ii.v.lco = v.lco;
		ii.v.frame_sum = v.frame_sum;
		/* inner_parse's tail: the seed test */
		if ((P & X_SEED) && inner_seed_maybe(&v, c.end)) {
			void *data = (void *)(long)ctx->data;
			__u64 seg;

			ii.fix_off = (void *)v.check - (void *)ieth;
			ii.old_check = *v.check;
			seg = csum_to_end(ctx, v.l4 - data, total);
			if (!(seg & CSUM_ERR) && csum_fold(csum_add(v.pseudo, (__u32)seg)) != 0) {
				ii.fix = 1;
				ii.new_check = csum_fold((__u32)seg);
				if (v.proto == IPPROTO_UDP && ii.new_check == 0)
					ii.new_check = 0xffff;
			}
		}
	} else {
		/* The floor's inner sum (d_i_wide), as the frame's sum. */
		__u64 s = 0;

		ii.v.ip = ii.v.ecn = ii.fix = ii.ecn_set = 0;
		ii.v.lco = inner_sum(ieth, c.end, &s, 1);
		ii.v.frame_sum = csum64_fold(s);
	}

	if (udph->check == 0) {
		if (o->v6 && !(cfg->flags & VXBPF_VNI_UDP6ZEROCSUMRX))
			return verdict(ctx, VXBPF_R_RX_ZERO_CSUM6, XDP_DROP);
	} else if (!rx_csum_from_headers(o, ulen, udph, vxh, &ii)) {
		__u64 sum;
		__u32 s;

		if (!(P & X_COLD))
			return verdict(ctx, VXBPF_R_RX_BAD_CSUM, XDP_DROP);
		sum = csum_to_end(ctx, (void *)udph - (void *)(long)ctx->data, total);

		if (sum & CSUM_ERR)
			return verdict(ctx, frags ? VXBPF_R_RX_FRAGS : VXBPF_R_RX_MALFORMED, XDP_PASS);
		pseudo = csum_pseudo(&o->saddr, &o->daddr, ulen, IPPROTO_UDP, o->v6);
		s = csum_add(pseudo, (__u32)sum);
		if (csum_fold(s) != 0 && ii.fix)
			s = csum_add(csum_sub(s, ii.old_check), ii.new_check);
		if (csum_fold(s) != 0 && udph->check != (__u16)~csum_fold(pseudo))
			return verdict(ctx, VXBPF_R_RX_BAD_CSUM, XDP_DROP);
	}

	kernel = cfg->flags & VXBPF_VNI_KERNEL_BUM;
	if (P & X_CHECKS2) {
		if (mac_is_multicast(ieth->h_source) || mac_is_zero(ieth->h_source))
			return verdict(ctx, VXBPF_R_RX_BAD_SMAC, XDP_DROP);
		if (!(P & X_COLD) && (cfg->flags & VXBPF_VNI_LEARNING))
			return verdict(ctx, VXBPF_R_RX_LEARN, XDP_PASS);
		if (cfg->flags & VXBPF_VNI_LEARNING) {
			enum vxbpf_reason lr = fdb_learn(ctx, vni, cfg, ieth->h_source, &o->saddr);

			if (lr == VXBPF_R_RX_STATIC_MOVED)
				return verdict(ctx, lr, XDP_DROP);
			if (kernel && (lr == VXBPF_R_RX_LEARN || lr == VXBPF_R_RX_LOCAL_MOVED))
				return verdict(ctx, lr, XDP_PASS);
			if (lr == VXBPF_R_RX_LOCAL_MOVED)
				return verdict(ctx, lr, XDP_DROP);
		}
	}
	if (P & X_ECN) {
		ecn = ecn_decap(o->tos, ii.v.ip, ii.v.ecn);
		if (ecn == ECN_DROP)
			return verdict(ctx, VXBPF_R_RX_ECN_DROP, XDP_DROP);
	}
	if ((P & X_CHECKS2) && mac_is_multicast(ieth->h_dest)) {
		if (kernel || !(P & X_COLD))
			return verdict(ctx, VXBPF_R_RX_INNER_BUM, XDP_PASS);
		ii.ecn_set = ecn;
		return rx_flood(ctx, cfg, vni, outer_len, ulen, total, &ii);
	}
	ii.ecn_set = ecn;

	fkey.vni = vni;
	mac_copy(fkey.mac, ieth->h_dest);
	if (P & X_FDBX)
		fdb = fdb_find(&fkey, cfg);
	else
		fdb = bpf_map_lookup_elem(&vxbpf_fdb, &fkey);
	if (!fdb) {
		if (kernel || !(P & X_COLD))
			return verdict(ctx, VXBPF_R_RX_INNER_UNKNOWN, XDP_PASS);
		return rx_flood(ctx, cfg, vni, outer_len, ulen, total, &ii);
	}
	if (P & X_CHECKS2) {
		if (!(fdb->flags & VXBPF_FDB_LOCAL))
			return verdict(ctx, kernel ? VXBPF_R_RX_INNER_UNKNOWN : VXBPF_R_RX_REMOTE_DST,
				       kernel ? XDP_PASS : XDP_DROP);
		if (!(P & X_COLD) && ((fdb->flags & VXBPF_FDB_HOST) || frags))
			return verdict(ctx, VXBPF_R_RX_HOST, XDP_PASS);
		if (fdb->flags & VXBPF_FDB_HOST)
			return xdp_handover(ctx, cfg, VXBPF_HOST_META_MAGIC, fdb->ifindex, VXBPF_R_RX_HOST,
					    outer_len, ulen, total, &ii);
		if (frags && !port_takes_frags(fdb->ifindex))
			return xdp_handover(ctx, cfg, VXBPF_PORT_META_MAGIC, fdb->ifindex,
					    VXBPF_R_RX_DECAP, outer_len, ulen, total, &ii);
	}

	vni_count(cfg->slot, true, ulen - sizeof(*udph) - VXLAN_HLEN);
	reason_count(VXBPF_R_RX_DECAP, total);
	if (bpf_xdp_adjust_head(ctx, outer_len))
		return XDP_DROP;
	if (P & X_ECN)
		inner_fix(ctx, &ii);
	return redirect(fdb->ifindex, 0);
}

/* vxlan_rx: the outer headers parsed here, the rest in fx_rx_udp, called
 * (X_CALL: fn, a global function as vxlan_rx_udp is) or inlined. */
#define XDECAP(name, P)                                                        \
	__noinline int fx_rx_udp_##name(struct xdp_md *ctx, __u32 off, struct outer *op) \
	{                                                                      \
		return fx_rx_udp(ctx, off, op, (P));                           \
	}                                                                      \
	SEC("xdp") int floor_d_##name(struct xdp_md *ctx)                      \
	{                                                                      \
		enum vxbpf_reason r;                                           \
		struct outer o;                                                \
		struct cursor c;                                               \
		__u32 off;                                                     \
		int act;                                                       \
                                                                               \
		cursor_init(&c, ctx);                                          \
		r = fx_outer_parse(ctx, &c, &o, &off, (P));                    \
		if ((P) & X_COLD && r == VXBPF_R_RX_FRAGMENT && XDP_HAVE_FRAGS && !explain) \
			return reasm_more(ctx);                                \
		if (r != OUTER_OK)                                             \
			return verdict(ctx, r, XDP_PASS);                      \
		if ((P) & X_CALL)                                              \
			act = fx_rx_udp_##name(ctx, off, &o);                  \
		else                                                           \
			act = fx_rx_udp(ctx, off, &o, (P));                    \
		if ((P) & X_COLD && act == RX_REASM_FIRST)                     \
			return reasm_first(ctx, off);                          \
		return act;                                                    \
	}

XDECAP(x0, 0)
XDECAP(x0w, X_W64)
XDECAP(x1, X_IPSUM)
XDECAP(x2, X_IPSUM | X_CALL)
XDECAP(x3, X_IPSUM | X_CALL | X_CHECKS)
XDECAP(x3m, X_IPSUM | X_CALL | X_CHECKS | X_CHECKS2)
XDECAP(x3c, X_IPSUM | X_CALL | X_CHECKS | X_CHECKS2 | X_COLD)
XDECAP(x4a, X_IPSUM | X_CALL | X_CHECKS | X_CHECKS2 | X_COLD | X_VIEW)
XDECAP(x4b, X_IPSUM | X_CALL | X_CHECKS | X_CHECKS2 | X_COLD | X_VIEW | X_SEED)
XDECAP(x4, X_IPSUM | X_CALL | X_CHECKS | X_CHECKS2 | X_COLD | X_INNER)
XDECAP(x5, X_IPSUM | X_CALL | X_CHECKS | X_CHECKS2 | X_COLD | X_INNER | X_ECN)
XDECAP(x6, X_ALL)
XDECAP(x6n, X_ALL | X_NOLEN)

/* vxbpf's receive path itself (xdp_vxlan_rx's body), on the floor's maps. */
SEC("xdp") int floor_d_v(struct xdp_md *ctx)
{
	return vxlan_rx(ctx);
}

/*
 * Toward vxbpf's own encap path, likewise: fy_port_rx is port_rx
 * (bpf/port.h) and fy_plan encap_plan (bpf/encap.h) copied, calling
 * vxbpf's functions (outer_fib with its next-hop cache, encap_sport,
 * encap_push with outer_write and outer_csum, inner_parse, fdb_find,
 * inner_fix, the counters). Without any piece (e_y0) it does what e_j_wide
 * does in vxbpf's way (the port's copy of the VNI's configuration, the
 * plan, the source port from the floor's Ethernet-header hash scaled as
 * encap_sport does, the inner frame's sum as the floor's, the next hop
 * as the floor looks it up, the outer headers as the floor writes them);
 * with all
 * (e_y4) it is vxbpf's path, and must cost what e_v (port_rx itself)
 * costs.
 */
#define Y_CHECKS (1 << 0) /* the tests no bench frame fails: mirrored,
			   * proxy/suppress, l2miss, the fdb entry's flags
			   * (multi, local), the path MTU reply, frags, the
			   * cached underlay flags, the VNI's checksum flags */
#define Y_INNER (1 << 1)  /* inner_parse (flow hash over addresses and
			   * ports, ECN bits, seed test, frame sum) instead
			   * of the floor's Ethernet hash and inner sum */
#define Y_FDBX (1 << 2)	  /* fdb_find: its cache (§13), the learned entry's expiry test */
#define Y_FIX (1 << 3)	  /* inner_fix before the push */
#define Y_ROUTE (1 << 4)  /* outer_fib / outer_route (encap.h) for the next
			   * hop, instead of the floor's own lookup (e_e,
			   * e_i: the same key, expiry and length test) */
#define Y_PUSH (1 << 5)	  /* encap_push (outer_write, outer_csum) instead of
			   * the floor's writing of the IPv4 headers (e_f,
			   * e_j_wide; IPv6 has encap_push always) */
#define Y_ALL (Y_PUSH | Y_ROUTE | Y_CHECKS | Y_INNER | Y_FDBX | Y_FIX)
/* Not vxbpf: what-ifs on e_y4 about the whole frame's length, which
 * port_rx asks for (bpf_xdp_get_buff_len) right after the port lookup,
 * so that everything live then must survive the helper call. Y_LATE
 * (e_y4l): asked after the fdb lookup instead (the proxy's branch asks
 * for itself). Y_NOLEN (e_y4n): not asked, the first buffer's length
 * (the bench's frames are linear): the helper's price with its spills. */
#define Y_LATE (1 << 6)
#define Y_NOLEN (1 << 7)

/* The floor's outer headers (e_f, e_j_wide), from the plan: IPv4 only. */
static __always_inline int fy_push_floor(struct xdp_md *ctx, const struct vxbpf_vni_cfg *cfg,
					 const struct encap_plan *p)
{
	__u32 *w, w0, w1, w2, sum, ulen = p->inner_len + sizeof(struct udphdr) + VXLAN_HLEN;
	__be32 s = vxbpf_addr_w(&cfg->local)[3], d = vxbpf_addr_w(&p->dst)[3];
	struct vxbpf_vxlanhdr *vxh;
	struct udphdr *udph;
	struct ethhdr *oeth;
	struct iphdr *iph;
	__u64 c;

	if (bpf_xdp_adjust_head(ctx, -(int)(ETH_HLEN + sizeof(*iph) + sizeof(*udph) + VXLAN_HLEN)))
		return -1;
	oeth = (void *)(long)ctx->data;
	iph = (void *)(oeth + 1);
	udph = (void *)(iph + 1);
	vxh = (void *)(udph + 1);
	if ((void *)(vxh + 1) > (void *)(long)ctx->data_end)
		return -1;
	w = (void *)iph;
	__builtin_memcpy(oeth->h_dest, p->fib.dmac, ETH_ALEN);
	__builtin_memcpy(oeth->h_source, p->fib.smac, ETH_ALEN);
	oeth->h_proto = bpf_htons(ETH_P_IP);
	w0 = bpf_htonl(0x45U << 24 | ((ulen + sizeof(*iph)) & 0xffff));
	w1 = bpf_htonl((__u32)p->ip_id << 16);
	w2 = (__u32)cfg->ttl << 24 | IPPROTO_UDP << 16;
	sum = csum_add(csum_add(csum_add(w0, w1), csum_add(bpf_htonl(w2), s)), d);
	w[0] = w0;
	w[1] = w1;
	w[2] = bpf_htonl(w2 | bpf_ntohs(csum_fold(sum)));
	w[3] = s;
	w[4] = d;
	udph->source = p->be_sport;
	udph->dest = p->be_port;
	udph->len = bpf_htons(ulen);
	udph->check = 0;
	vxh->vx_flags = bpf_htonl(VXLAN_HF_VNI);
	vxh->vx_vni = bpf_htonl(p->vni << 8);
	c = p->inner_sum;
	c = cadd(c, s, 1);
	c = cadd(c, d, 1);
	c = cadd(c, bpf_htonl(IPPROTO_UDP), 1);
	c = cadd(c, bpf_htonl(ulen), 1);
	c = cadd(c, ((__u32 *)udph)[0], 1);
	c = cadd(c, ((__u32 *)udph)[1], 1);
	c = cadd(c, vxh->vx_flags, 1);
	c = cadd(c, vxh->vx_vni, 1);
	udph->check = cfold(c, 1) ?: 0xffff;
	return 0;
}

/* encap_plan, pieces in P. */
static __always_inline enum vxbpf_reason fy_plan(struct xdp_md *ctx, const struct vxbpf_vni_cfg *cfg,
						 const struct vxbpf_fdb_val *fdb, __u32 vni,
						 const struct inner_info *ii, __u32 len, struct encap_plan *p,
						 const int P)
{
	enum vxbpf_reason r;

	p->dst = fdb->dst;
	p->v6 = !addr_is_v4(&p->dst);
	p->inner_len = len;
	p->hdr_len = ETH_HLEN + (p->v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr)) +
		     sizeof(struct udphdr) + VXLAN_HLEN;
	p->be_port = fdb->be_port ? fdb->be_port : cfg->be_dstport;
	p->vni = fdb->remote_vni ? fdb->remote_vni : vni;

	if (P & Y_ROUTE) {
		r = outer_fib(ctx, cfg, p, vni, p->hdr_len - ETH_HLEN + p->inner_len,
			      ctx->ingress_ifindex, true);
		if (r != VXBPF_R_TX_ENCAP)
			return r;
	} else {
		/* the floor's (e_e, e_i), into the plan as outer_route's hit */
		struct vxbpf_nh_slot *slot;
		struct vxbpf_nh_val *nh;

		slot = nh_find(&cfg->local, &fdb->dst, vxbpf_nh_slot0(&cfg->local, &fdb->dst));
		if (!slot)
			return VXBPF_R_TX_FIB_MISS;
		nh = &slot->val;
		if (!(bpf_jiffies64() < nh->expires &&
			     p->hdr_len - ETH_HLEN + p->inner_len <= nh->max_len))
			return VXBPF_R_TX_FIB_MISS;
		__builtin_memcpy(p->fib.dmac, nh->dmac, ETH_ALEN);
		__builtin_memcpy(p->fib.smac, nh->smac, ETH_ALEN);
		p->fib.ifindex = nh->ifindex;
		p->ul = nh->ul;
		p->ip_id = nh->ip_id++;
	}
	if (P & Y_CHECKS) {
		if (!p->ul) {
			__u32 *ul = bpf_map_lookup_elem(&vxbpf_underlay, &p->fib.ifindex);

			if (!ul)
				return VXBPF_R_TX_NOT_UNDERLAY;
			p->ul = *ul;
		}
		p->xmit_sg = XDP_REDIRECT_FRAGS && (p->ul & VXBPF_UNDERLAY_XMIT_SG);
	}
	p->be_sport = encap_sport(cfg, ii->v.hash);

	if (!(P & Y_CHECKS)) {
		p->csum = true;
		p->inner_sum = ii->v.frame_sum;
		return VXBPF_R_TX_ENCAP;
	}
	p->csum = p->v6 ? !(cfg->flags & VXBPF_VNI_UDP6ZEROCSUMTX) : !(cfg->flags & VXBPF_VNI_NOUDPCSUM);
	if (p->csum && ii->v.lco) {
		p->inner_sum = ii->v.frame_sum;
	} else if (p->csum) {
		__u64 sum = csum_to_end(ctx, 0, len);

		if (sum & CSUM_ERR)
			return p->inner_len != xdp_len(ctx) ? VXBPF_R_TX_FRAGS : VXBPF_R_TX_MALFORMED;
		p->inner_sum = (__u32)sum;
		if (ii->fix)
			p->inner_sum = csum_add(csum_sub(p->inner_sum, ii->old_check), ii->new_check);
	}
	return VXBPF_R_TX_ENCAP;
}

/* port_rx, pieces in P. */
static __always_inline int fy_port_rx(struct xdp_md *ctx, const int P)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct vxbpf_fdb_key fkey = {};
	const struct vxbpf_port_val *port;
	const struct vxbpf_vni_cfg *cfg;
	const struct vxbpf_fdb_val *fdb;
	struct encap_plan plan;
	struct inner_info ii;
	enum vxbpf_reason r;
	__u32 ifindex = ctx->ingress_ifindex, vni, slot, total;

	if ((void *)(eth + 1) > end)
		return verdict(ctx, VXBPF_R_TX_MALFORMED, XDP_PASS);
	/* Through the ports cache, as port_rx (§12). */
	port = port_find(ifindex);
	if (!port)
		return verdict(ctx, VXBPF_R_TX_NOT_PORT, XDP_PASS);
	vni = port->vni;
	cfg = &port->cfg;
	if (!cfg->be_dstport)
		return verdict(ctx, VXBPF_R_TX_NO_VNI, XDP_PASS);
	if ((P & Y_CHECKS) && (cfg->flags & VXBPF_VNI_MIRRORED) &&
	    !port_src_known(ifindex, vni, eth->h_source))
		return verdict(ctx, VXBPF_R_TX_SRC_LEARN, XDP_PASS);
	if (P & Y_NOLEN)
		total = xdp_len(ctx);
	else if (!(P & Y_LATE))
		total = frame_len(ctx);

	if ((P & Y_CHECKS) && (cfg->flags & (VXBPF_VNI_PROXY | VXBPF_VNI_SUPPRESS))) {
		int v = port_neigh(ctx, cfg, vni, ifindex, (P & Y_LATE) ? frame_len(ctx) : total);

		if (v >= 0)
			return v;
		data = (void *)(long)ctx->data;
		end = (void *)(long)ctx->data_end;
		eth = data;
		if ((void *)(eth + 1) > end)
			return verdict(ctx, VXBPF_R_TX_MALFORMED, XDP_PASS);
	}
	if (mac_is_multicast(eth->h_dest))
		return verdict(ctx, VXBPF_R_TX_BUM, XDP_PASS);

	fkey.vni = vni;
	mac_copy(fkey.mac, eth->h_dest);
	if (P & Y_FDBX)
		fdb = fdb_find(&fkey, cfg);
	else
		fdb = bpf_map_lookup_elem(&vxbpf_fdb, &fkey);
	if (!fdb) {
		if ((P & Y_CHECKS) && (cfg->flags & VXBPF_VNI_L2MISS)) {
			struct vxbpf_fdb_key zkey = { .vni = vni };

			if (!bpf_map_lookup_elem(&vxbpf_remotes, &zkey))
				event_miss(VXBPF_EV_L2MISS, vni, cfg->slot, ifindex, fkey.mac, NULL);
		}
		return verdict(ctx, VXBPF_R_TX_UNKNOWN_DST, XDP_PASS);
	}
	if ((P & Y_CHECKS) && (fdb->flags & VXBPF_FDB_MULTI))
		return verdict(ctx, VXBPF_R_TX_MULTI_DST, XDP_PASS);
	if ((P & Y_LATE) && !(P & Y_NOLEN))
		total = frame_len(ctx);
	if (P & Y_INNER) {
		inner_parse(ctx, eth, total, total, INNER_HASH, &ii);
	} else {
		/* The floor's (e_j_wide): hash of the Ethernet header, the
		 * inner sum with the addresses cancelled. */
		__u64 s = 0;

		ii.v.hash = (((__u32 *)eth)[0] ^ ((__u32 *)eth)[1] ^ ((__u32 *)eth)[2]) * 2654435761U;
		ii.v.ip = ii.v.ecn = ii.fix = ii.ecn_set = 0;
		ii.v.lco = inner_sum(eth, end, &s, 1);
		if (!ii.v.lco)
			return floor_out();
		ii.v.frame_sum = csum64_fold(s);
	}

	if ((P & Y_CHECKS) && (fdb->flags & VXBPF_FDB_LOCAL)) {
		if (fdb->flags & VXBPF_FDB_HOST)
			return verdict(ctx, VXBPF_R_TX_HOST_LOCAL, XDP_PASS);
		if (fdb->ifindex == ifindex)
			return verdict(ctx, VXBPF_R_TX_HAIRPIN,
				       (cfg->flags & VXBPF_VNI_KERNEL_BUM) ? XDP_PASS : XDP_DROP);
		if (total != xdp_len(ctx) && !port_takes_frags(fdb->ifindex))
			return verdict(ctx, VXBPF_R_TX_FRAGS, XDP_PASS);
		inner_fix(ctx, &ii);
		reason_count(VXBPF_R_TX_LOCAL, total);
		return redirect(fdb->ifindex, 0);
	}

	r = fy_plan(ctx, cfg, fdb, vni, &ii, total, &plan, P);
	if ((P & Y_CHECKS) && r == VXBPF_R_TX_MTU) {
		int v = pmtu_reply(ctx, ifindex, plan.fib.mtu_result, plan.v6);

		if (v == XDP_TX) {
			verdict(ctx, VXBPF_R_TX_PMTU_REPLY, 0);
			return redirect(ifindex, 0);
		}
		if (v >= 0)
			return verdict(ctx, r, v);
		if (!plan.v6) {
			v = frag_handover(ctx, cfg, &ii);
			if (v >= 0)
				return v;
		}
	}
	if (r != VXBPF_R_TX_ENCAP)
		return verdict(ctx, r, XDP_PASS);
	if ((P & Y_CHECKS) && total != xdp_len(ctx) && !plan.xmit_sg)
		return verdict(ctx, VXBPF_R_TX_FRAGS, XDP_PASS);
	slot = cfg->slot;
	if (P & Y_FIX)
		inner_fix(ctx, &ii);
	if ((P & Y_PUSH) || plan.v6) {
		if (encap_push(ctx, cfg, &ii, &plan))
			return verdict(ctx, VXBPF_R_TX_NO_ROOM, XDP_DROP);
	} else if (fy_push_floor(ctx, cfg, &plan)) {
		return verdict(ctx, VXBPF_R_TX_NO_ROOM, XDP_DROP);
	}
	vni_count(slot, false, total);
	reason_count(VXBPF_R_TX_ENCAP, total + plan.hdr_len);
	return redirect(plan.fib.ifindex, 0);
}

#define YENCAP(name, P)                                                        \
	SEC("xdp") int floor_e_##name(struct xdp_md *ctx)                      \
	{                                                                      \
		return fy_port_rx(ctx, (P));                                   \
	}

YENCAP(y0, 0)
YENCAP(y0p, Y_PUSH)
YENCAP(y0r, Y_PUSH | Y_ROUTE)
YENCAP(y1, Y_PUSH | Y_ROUTE | Y_CHECKS)
YENCAP(y2, Y_PUSH | Y_ROUTE | Y_CHECKS | Y_INNER)
YENCAP(y3, Y_PUSH | Y_ROUTE | Y_CHECKS | Y_INNER | Y_FDBX)
YENCAP(y4, Y_ALL)
YENCAP(y4l, Y_ALL | Y_LATE)
YENCAP(y4n, Y_ALL | Y_NOLEN)

/* vxbpf's encap path itself (xdp_port_rx's body), on the floor's maps. */
SEC("xdp") int floor_e_v(struct xdp_md *ctx)
{
	return port_rx(ctx);
}

#define DECAP(name, rung, spread, wide)                                        \
	SEC("xdp") int floor_d_##name(struct xdp_md *ctx)                      \
	{                                                                      \
		return floor_decap(ctx, rung, spread, wide);                   \
	}
#define ENCAP(name, rung, spread, wide)                                        \
	SEC("xdp") int floor_e_##name(struct xdp_md *ctx)                      \
	{                                                                      \
		return floor_encap(ctx, rung, spread, wide);                   \
	}

DECAP(a, RUNG_A, 0, 0)
DECAP(b, RUNG_B, 0, 0)
DECAP(c, RUNG_C, 0, 0)
DECAP(d, RUNG_D, 0, 0)
DECAP(e, RUNG_E, 0, 0)
DECAP(f, RUNG_F, 0, 0)
DECAP(g, RUNG_G, 0, 0)
DECAP(h, RUNG_H, 0, 0)
DECAP(i, RUNG_I, 0, 0)
DECAP(i_wide, RUNG_I, 0, 1)
DECAP(e_spread, RUNG_E, 1, 0)
ENCAP(a, RUNG_A, 0, 0)
ENCAP(b, RUNG_B, 0, 0)
ENCAP(c, RUNG_C, 0, 0)
ENCAP(d, RUNG_D, 0, 0)
ENCAP(e, RUNG_E, 0, 0)
ENCAP(f, RUNG_F, 0, 0)
ENCAP(g, RUNG_G, 0, 0)
ENCAP(h, RUNG_H, 0, 0)
ENCAP(i, RUNG_I, 0, 0)
ENCAP(j, RUNG_J, 0, 0)
ENCAP(j_wide, RUNG_J, 0, 1)
ENCAP(d_spread, RUNG_D, 1, 0)

/* The license: vxbpf.bpf.c's, included above. */
