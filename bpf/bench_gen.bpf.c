// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Benchmark traffic generator (tools/bench/vxbench.c runs it with
 * BPF_PROG_RUN and BPF_F_TEST_XDP_LIVE_FRAMES). Not part of vxbpf's data
 * path.
 *
 * Live-frame pages are recycled: the receiver (vxbpf, Linux, the sink) may
 * have changed the headers of a page we sent before, so every run rewrites
 * every header byte and checksum of the frame. The payload is zero (the
 * driver's data_in) and nobody writes it, so it adds nothing to any sum.
 *
 * MODE_DECAP: a whole VXLAN packet (outer Ethernet, IPv4 or IPv6, UDP with
 * checksum, VXLAN, inner Ethernet/IPv4/UDP), as a remote VTEP sends it.
 * MODE_ENCAP: only the inner frame, as a VM sends it.
 * The inner flow (source IP, UDP source port) cycles over nflows values, the
 * inner destination MAC over nmacs, the VNI over nvnis.
 * Returns XDP_TX: live mode sends it out of ingress_ifindex, i.e. into the
 * veth peer, where the contender runs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "defs.h"

#define MODE_DECAP 0
#define MODE_ENCAP 1

const volatile __u32 mode = MODE_DECAP;
const volatile __u32 v6 = 0;
const volatile __u32 nflows = 1;
const volatile __u32 nmacs = 1;
const volatile __u32 nvnis = 1;
const volatile __u32 vni_base = 100;
const volatile __u16 be_dstport = 0xb512; /* 4789 */
const volatile __u8 o_dmac[6] = {}, o_smac[6] = {};
const volatile __u8 o_src[16] = {}, o_dst[16] = {}; /* IPv4: first 4 bytes */
const volatile __u8 i_dmac[6] = {}, i_smac[6] = {}; /* i_dmac: base, + index in the low 24 bits */
const volatile __u32 i_dst = 0x0100000a;	    /* 10.0.0.1, network order */

__u64 seq;

static __always_inline __u32 add32(__u32 s, __u32 a)
{
	s += a;
	return s + (s < a);
}

static __always_inline __u16 fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/* Sum n (even, constant) bytes at p, 16 bits at a time. */
static __always_inline __u32 sum16(__u32 s, const void *p, int n)
{
	const __u16 *w = p;
	int i;

#pragma unroll
	for (i = 0; i < n / 2; i++)
		s = add32(s, w[i]);
	return s;
}

static __always_inline void cp6(__u8 *d, const volatile __u8 *s)
{
	d[0] = s[0], d[1] = s[1], d[2] = s[2], d[3] = s[3], d[4] = s[4], d[5] = s[5];
}

/* Inner Ethernet + IPv4 + UDP for flow f, MAC index m; returns -1 if short. */
static __always_inline int inner_write(struct ethhdr *eth, void *end, __u32 f, __u32 m)
{
	struct iphdr *iph = (void *)(eth + 1);
	struct udphdr *udph = (void *)(iph + 1);
	__u32 len = end - (void *)eth, s;

	if ((void *)(udph + 1) > end)
		return -1;
	cp6(eth->h_dest, i_dmac);
	eth->h_dest[3] = i_dmac[3] + (m >> 16);
	eth->h_dest[4] = i_dmac[4] + (m >> 8);
	eth->h_dest[5] = i_dmac[5] + m;
	cp6(eth->h_source, i_smac);
	eth->h_proto = bpf_htons(ETH_P_IP);

	*(__u16 *)iph = bpf_htons(0x4500);
	iph->tot_len = bpf_htons(len - ETH_HLEN);
	iph->id = 0;
	iph->frag_off = 0;
	iph->ttl = 64;
	iph->protocol = IPPROTO_UDP;
	iph->check = 0;
	iph->saddr = bpf_htonl(0x0a800000 + f); /* 10.128.0.0 + f */
	iph->daddr = i_dst;
	iph->check = fold(sum16(0, iph, sizeof(*iph)));

	udph->source = bpf_htons(10000 + f % 50000);
	udph->dest = bpf_htons(5201);
	udph->len = bpf_htons(len - ETH_HLEN - sizeof(*iph));
	udph->check = 0;
	/* Pseudo header + UDP header; the zero payload adds nothing. */
	s = add32(add32(iph->saddr, iph->daddr), bpf_htonl(IPPROTO_UDP) + udph->len);
	s = sum16(s, udph, sizeof(*udph));
	udph->check = fold(s) ?: 0xffff;
	return 0;
}

SEC("xdp")
int bench_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u64 n = seq++;
	__u32 f = nflows > 1 ? n % nflows : 0;
	__u32 m = nmacs > 1 ? n % nmacs : 0;
	__u32 vni = vni_base + (nvnis > 1 ? n % nvnis : 0);
	struct ethhdr *eth = data;
	struct udphdr *udph;
	struct vxbpf_vxlanhdr *vxh;
	struct ethhdr *ieth;
	__u32 s, ulen;
	int i;

	if (mode == MODE_ENCAP)
		return inner_write(eth, end, f, m) ? XDP_ABORTED : XDP_TX;

	if ((void *)(eth + 1) > end)
		return XDP_ABORTED;
	cp6(eth->h_dest, o_dmac);
	cp6(eth->h_source, o_smac);
	if (v6) {
		struct ipv6hdr *ip6h = (void *)(eth + 1);

		udph = (void *)(ip6h + 1);
		if ((void *)(udph + 1) > end)
			return XDP_ABORTED;
		ulen = end - (void *)udph;
		eth->h_proto = bpf_htons(ETH_P_IPV6);
		*(__be32 *)ip6h = bpf_htonl(6U << 28);
		ip6h->payload_len = bpf_htons(ulen);
		ip6h->nexthdr = IPPROTO_UDP;
		ip6h->hop_limit = 64;
		for (i = 0; i < 16; i++) {
			ip6h->saddr.in6_u.u6_addr8[i] = o_src[i];
			ip6h->daddr.in6_u.u6_addr8[i] = o_dst[i];
		}
		s = sum16(0, &ip6h->saddr, 32);
	} else {
		struct iphdr *iph = (void *)(eth + 1);

		udph = (void *)(iph + 1);
		if ((void *)(udph + 1) > end)
			return XDP_ABORTED;
		ulen = end - (void *)udph;
		eth->h_proto = bpf_htons(ETH_P_IP);
		*(__u16 *)iph = bpf_htons(0x4500);
		iph->tot_len = bpf_htons(ulen + sizeof(*iph));
		iph->id = 0;
		iph->frag_off = 0;
		iph->ttl = 64;
		iph->protocol = IPPROTO_UDP;
		iph->check = 0;
		for (i = 0; i < 4; i++) {
			((__u8 *)&iph->saddr)[i] = o_src[i];
			((__u8 *)&iph->daddr)[i] = o_dst[i];
		}
		iph->check = fold(sum16(0, iph, sizeof(*iph)));
		s = add32(iph->saddr, iph->daddr);
	}
	vxh = (void *)(udph + 1);
	ieth = (void *)(vxh + 1);
	if ((void *)(ieth + 1) > end)
		return XDP_ABORTED;
	/* Outer source port: as a sending VTEP hashes the inner flow. */
	udph->source = bpf_htons(49152 + ((f * 2654435761U) >> 18));
	udph->dest = be_dstport;
	udph->len = bpf_htons(ulen);
	udph->check = 0;
	vxh->vx_flags = bpf_htonl(VXLAN_HF_VNI);
	vxh->vx_vni = bpf_htonl(vni << 8);
	if (inner_write(ieth, end, f, m))
		return XDP_ABORTED;
	/* Outer checksum: pseudo header, UDP + VXLAN + inner headers; the
	 * payload is zero. */
	s = add32(s, bpf_htonl(IPPROTO_UDP));
	s = add32(s, bpf_htonl(ulen));
	if ((void *)ieth + ETH_HLEN + 28 > end)
		return XDP_ABORTED;
	s = sum16(s, udph, 16 + ETH_HLEN + 28);
	udph->check = fold(s) ?: 0xffff;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
