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
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "vxbpf.h"
#include "defs.h"
#include "maps.h"
#include "csum.h"
#include "parse.h"
#include "nh.h"

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

char LICENSE[] SEC("license") = "Dual BSD/GPL";
