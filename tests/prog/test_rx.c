// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdp_vxlan_rx: validation and decapsulation on the underlay NIC.
 *
 * We are host B of tests/fixtures/README.md: VNI 100, local 192.0.2.2 (or
 * 2001:db8::2 for the IPv6-underlay cases), remote VTEP 192.0.2.1 /
 * 2001:db8::1 known in the vtep map, 02:00:00:00:bb:01 (VM2) a local fdb
 * entry on vm0. So the fixture frames themselves are valid input.
 *
 *   A (192.0.2.1) ──VXLAN 100──▶ [ul0 xdp_vxlan_rx] B (192.0.2.2) ──▶ vm0 (bb:01)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "harness.h"

#define LOCAL4	"192.0.2.2"
#define LOCAL6	"2001:db8::2"
#define REMOTE4 "192.0.2.1"
#define REMOTE6 "2001:db8::1"

enum inner_kind {
	IN_ICMP4 = 0, /* fixture encap-v4-icmp4 inner: aa:01 → bb:01 echo */
	IN_ICMP6,     /* fixture encap-v4-icmp6 inner */
	IN_TCP4,      /* TCP SYN, checksum complete */
	IN_TCP4_SEED, /* TCP SYN, checksum = CHECKSUM_PARTIAL seed */
	IN_TCP6_SEED,
	IN_UDP4_SEED,	/* UDP 12345 → 9, 301 bytes payload (odd), seed */
	IN_ETH_ONLY,	/* exactly 14 bytes: an Ethernet header, no payload */
	IN_SHORT,	/* 13 bytes: less than an Ethernet header */
	IN_EMPTY,	/* nothing after the VXLAN header */
	IN_MCAST_SRC,	/* source 01:00:5e:00:00:01 */
	IN_ZERO_SRC,	/* source 00:00:00:00:00:00 */
	IN_BCAST_DST,	/* dst ff:ff:ff:ff:ff:ff */
	IN_MCAST_DST,	/* dst 33:33:00:00:00:01 */
	IN_UNKNOWN_DST, /* dst 02:00:00:00:cc:01, in no table */
};

/* The inner frame, and what the port must receive (differs for seeds). */
static void make_inner(enum inner_kind k, struct pkt *in, struct pkt *want)
{
	static const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0, 0, 1};
	static const uint8_t mcast6[6] = {0x33, 0x33, 0, 0, 0, 1};
	static const uint8_t zero[6];
	struct pkt f;
	size_t off;

	if (k == IN_ICMP6) {
		cr_assert_eq(fixture_read("encap-v4-icmp6.pcap", &f), 0, "fixture");
	} else {
		cr_assert_eq(fixture_read("encap-v4-icmp4.pcap", &f), 0, "fixture");
	}
	off = fixture_inner_off(&f);
	in->len = 0;
	pkt_put(in, f.b + off, f.len - off);

	switch (k) {
	case IN_TCP4:
	case IN_TCP4_SEED:
		build_tcp4(in, MAC_VM2, MAC_VM1, 40000, 0);
		break;
	case IN_TCP6_SEED:
		build_tcp6(in, MAC_VM2, MAC_VM1, 40000);
		break;
	case IN_UDP4_SEED:
		build_udp4(in, MAC_VM2, MAC_VM1, "10.0.0.2", 9, 301);
		break;
	case IN_ETH_ONLY:
		in->len = 14;
		break;
	case IN_SHORT:
		in->len = 13;
		break;
	case IN_EMPTY:
		in->len = 0;
		break;
	case IN_MCAST_SRC:
		memcpy(in->b + 6, mcast, 6);
		break;
	case IN_ZERO_SRC:
		memcpy(in->b + 6, zero, 6);
		break;
	case IN_BCAST_DST:
		memcpy(in->b, MAC_BCAST, 6);
		break;
	case IN_MCAST_DST:
		memcpy(in->b, mcast6, 6);
		break;
	case IN_UNKNOWN_DST:
		memcpy(in->b, MAC_OTHER, 6);
		break;
	default:
		break;
	}
	pkt_copy(want, in); /* complete checksum: what arrives at the port */
	if (k == IN_TCP4_SEED || k == IN_TCP6_SEED || k == IN_UDP4_SEED)
		l4_make_seed(in);
}

/* The inner IP header's TOS / traffic class byte, its checksum made anew. */
static void inner_set_tos(struct pkt *p, uint8_t tos)
{
	if (get16(p->b + 12) == 0x0800) {
		ip4_set_tos(p, 14, tos);
	} else {
		cr_assert_eq(get16(p->b + 12), 0x86dd);
		put32(p->b + 14, (get32(p->b + 14) & 0xf00fffff) | (uint32_t)tos << 20);
	}
}

/* No pointers in here: see struct vx_opts. */
struct rx_case {
	char name[48];
	char desc[256]; /* the packet, scapy style */
	struct vx_opts o;
	enum inner_kind inner;
	uint32_t vni_flags; /* extra flags for VNI 100 */
	bool no_vtep;	    /* the sender is not in the vtep map */
	int verdict;
	int reason;
};

#define E_IP4 "Ether(dst=B,src=A)/IP(src=" REMOTE4 ",dst=" LOCAL4 ")"
#define E_IP6 "Ether(dst=B,src=A)/IPv6(src=" REMOTE6 ",dst=" LOCAL6 ")"
#define VX    "/UDP(sport=49152,dport=4789)/VXLAN(flags=0x08,vni=100)"
#define ICMP4 "/Ether(src=aa:01,dst=bb:01)/IP(10.0.0.1>10.0.0.2)/ICMP() [fixture]"

/* clang-format off */
static struct rx_case rx_cases[] = {
	/* name, desc, opts, inner, vni flags, no_vtep, verdict, reason */
	{ "valid v4", E_IP4 VX ICMP4, {}, IN_ICMP4, 0, false, XDP_REDIRECT, VXBPF_R_RX_DECAP },
	{ "valid v6", E_IP6 VX ICMP4, { .v6 = true }, IN_ICMP4, 0, false, XDP_REDIRECT,
	  VXBPF_R_RX_DECAP },
	{ "valid v4, inner ICMPv6", E_IP4 VX "/Ether()/IPv6()/ICMPv6EchoRequest() [fixture]", {},
	  IN_ICMP6, 0, false, XDP_REDIRECT, VXBPF_R_RX_DECAP },
	{ "valid v4, inner TCP complete", E_IP4 VX "/Ether()/IP()/TCP(flags=S) chksum ok", {},
	  IN_TCP4, 0, false, XDP_REDIRECT, VXBPF_R_RX_DECAP },
	{ "802.1Q v4", "Ether()/Dot1Q(vlan=10)/IP()" VX ICMP4, { .vlan = true }, IN_ICMP4, 0,
	  false, XDP_REDIRECT, VXBPF_R_RX_DECAP },
	{ "802.1Q v6", "Ether()/Dot1Q(vlan=10)/IPv6()" VX ICMP4, { .v6 = true, .vlan = true },
	  IN_ICMP4, 0, false, XDP_REDIRECT, VXBPF_R_RX_DECAP },
	{ "I flag clear", E_IP4 "/UDP()/VXLAN(flags=0x00,vni=100)" ICMP4,
	  { .flags_xor = 0x08000000 }, IN_ICMP4, 0, false, XDP_DROP, VXBPF_R_RX_BAD_FLAGS },
	/* Options and extension headers are read past, as ip_rcv() and
	 * ipv6_rcv() do; what the kernel acts on is left to it. */
	{ "IPv4 options", "IP(ihl=6,options=[NOP]*4)" VX ICMP4, { .ip_opts = 1 }, IN_ICMP4, 0,
	  false, XDP_REDIRECT, VXBPF_R_RX_DECAP },
	{ "IPv4 options 40 bytes", "IP(ihl=15,options=[NOP]*40)" VX ICMP4, { .ip_opts = 10 },
	  IN_ICMP4, 0, false, XDP_REDIRECT, VXBPF_R_RX_DECAP },
	{ "IPv4 record route", "IP(options=[RR(7)]+[NOP])" VX ICMP4, { .ip_opts = 2, .ip_opt = 7 },
	  IN_ICMP4, 0, false, XDP_PASS, VXBPF_R_RX_IP_OPTIONS },
	{ "IPv4 record route, unknown VTEP", "IP(src=192.0.2.3,options=[RR(7)]+[NOP])" VX ICMP4,
	  { .ip_opts = 2, .ip_opt = 7, .src = "192.0.2.3" }, IN_ICMP4, 0, false, XDP_DROP,
	  VXBPF_R_RX_UNKNOWN_VTEP },
	{ "IPv4 loose source route", "IP(options=[LSRR(7)]+[NOP])" VX ICMP4,
	  { .ip_opts = 2, .ip_opt = 0x83 }, IN_ICMP4, 0, false, XDP_PASS, VXBPF_R_RX_IP_OPTIONS },
	{ "IPv4 options, bad header csum", "IP(ihl=6,chksum=good^1)" VX ICMP4,
	  { .ip_opts = 1, .ip_ck_xor = 1 }, IN_ICMP4, 0, false, XDP_PASS, VXBPF_R_RX_MALFORMED },
	/* The allow-list holds whatever the outer layout (it did not when
	 * such packets went to the kernel untouched). */
	{ "IPv4 options, unknown VTEP", "IP(src=192.0.2.3,ihl=6)" VX ICMP4,
	  { .ip_opts = 1, .src = "192.0.2.3" }, IN_ICMP4, 0, false, XDP_DROP,
	  VXBPF_R_RX_UNKNOWN_VTEP },
	{ "fragment MF", "IP(flags=MF,frag=0)" VX ICMP4, { .frag = 0x2000 }, IN_ICMP4, 0, false,
	  XDP_PASS, VXBPF_R_RX_FRAGMENT },
	{ "first fragment, unknown VTEP", "IP(src=192.0.2.3,flags=MF,frag=0)" VX ICMP4,
	  { .frag = 0x2000, .src = "192.0.2.3" }, IN_ICMP4, 0, false, XDP_DROP,
	  VXBPF_R_RX_UNKNOWN_VTEP },
	{ "fragment offset", "IP(frag=185)" VX ICMP4, { .frag = 185 }, IN_ICMP4, 0, false,
	  XDP_PASS, VXBPF_R_RX_FRAGMENT },
	{ "fragment MF+offset", "IP(flags=MF,frag=1)" VX ICMP4, { .frag = 0x2001 }, IN_ICMP4, 0,
	  false, XDP_PASS, VXBPF_R_RX_FRAGMENT },
	{ "DF only is not a fragment", "IP(flags=DF)" VX ICMP4, { .frag = 0x4000 }, IN_ICMP4, 0,
	  false, XDP_REDIRECT, VXBPF_R_RX_DECAP },
	{ "IPv6 hop-by-hop, padding", E_IP6 "/IPv6ExtHdrHopByHop()" VX ICMP4,
	  { .v6 = true, .ext = 0 + 1 }, IN_ICMP4, 0, false, XDP_REDIRECT, VXBPF_R_RX_DECAP },
	{ "IPv6 hop-by-hop, router alert", E_IP6 "/IPv6ExtHdrHopByHop(RouterAlert)" VX ICMP4,
	  { .v6 = true, .ext = 0 + 1, .ext_b = { 5, 2, 0, 0, 1, 0 } }, IN_ICMP4, 0, false,
	  XDP_REDIRECT, VXBPF_R_RX_DECAP },
	{ "IPv6 hop-by-hop, option to act on", E_IP6 "/IPv6ExtHdrHopByHop(type 0xc2)" VX ICMP4,
	  { .v6 = true, .ext = 0 + 1, .ext_b = { 0xc2, 4, 0, 0, 0, 0 } }, IN_ICMP4, 0, false,
	  XDP_PASS, VXBPF_R_RX_IPV6_EXT },
	{ "IPv6 option to act on, unknown VTEP", "IPv6(src=2001:db8::3)/IPv6ExtHdrHopByHop(0xc2)"
	  VX ICMP4, { .v6 = true, .ext = 0 + 1, .ext_b = { 0xc2, 4 }, .src = "2001:db8::3" },
	  IN_ICMP4, 0, false, XDP_DROP, VXBPF_R_RX_UNKNOWN_VTEP },
	{ "IPv6 fragment header", E_IP6 "/IPv6ExtHdrFragment(offset=0,m=0)" VX ICMP4,
	  { .v6 = true, .ext = 44 + 1 }, IN_ICMP4, 0, false, XDP_PASS, VXBPF_R_RX_FRAGMENT },
	{ "IPv6 later fragment", E_IP6 "/IPv6ExtHdrFragment(offset=8)" VX ICMP4,
	  { .v6 = true, .ext = 44 + 1, .ext_b = { 0, 0x40 } }, IN_ICMP4, 0, false, XDP_PASS,
	  VXBPF_R_RX_FRAGMENT },
	{ "IPv6 routing header, done", E_IP6 "/IPv6ExtHdrRouting(segleft=0)" VX ICMP4,
	  { .v6 = true, .ext = 43 + 1 }, IN_ICMP4, 0, false, XDP_REDIRECT, VXBPF_R_RX_DECAP },
	{ "IPv6 routing header, segments left", E_IP6 "/IPv6ExtHdrRouting(segleft=1)" VX ICMP4,
	  { .v6 = true, .ext = 43 + 1, .ext_b = { 0, 1 } }, IN_ICMP4, 0, false, XDP_PASS,
	  VXBPF_R_RX_IPV6_EXT },
	{ "IPv6 segment routing header, done", E_IP6 "/IPv6ExtHdrSegmentRouting(segleft=0)" VX ICMP4,
	  { .v6 = true, .ext = 43 + 1, .ext_b = { 4, 0 } }, IN_ICMP4, 0, false, XDP_PASS,
	  VXBPF_R_RX_IPV6_EXT },
	{ "IPv6 dest options, PadN with data", E_IP6 "/IPv6ExtHdrDestOpt(PadN(4, nonzero))" VX ICMP4,
	  { .v6 = true, .ext = 60 + 1, .ext_b = { 1, 4, 0, 0, 0, 9 } }, IN_ICMP4, 0, false,
	  XDP_PASS, VXBPF_R_RX_IPV6_EXT },
	{ "IPv6 dest options", E_IP6 "/IPv6ExtHdrDestOpt()" VX ICMP4,
	  { .v6 = true, .ext = 60 + 1 }, IN_ICMP4, 0, false, XDP_REDIRECT, VXBPF_R_RX_DECAP },
	{ "IPv6 dest options, unknown VTEP", "IPv6(src=2001:db8::3)/IPv6ExtHdrDestOpt()" VX ICMP4,
	  { .v6 = true, .ext = 60 + 1, .src = "2001:db8::3" }, IN_ICMP4, 0, false, XDP_DROP,
	  VXBPF_R_RX_UNKNOWN_VTEP },
	{ "IPv6 ESP", E_IP6 "/ESP()" VX ICMP4, { .v6 = true, .ext = 50 + 1 }, IN_ICMP4, 0, false,
	  XDP_PASS, VXBPF_R_RX_IPV6_EXT },
	{ "not local v4", "IP(dst=192.0.2.99)" VX ICMP4, { .dst = "192.0.2.99" }, IN_ICMP4, 0,
	  false, XDP_PASS, VXBPF_R_RX_NOT_LOCAL },
	{ "not local v6", "IPv6(dst=2001:db8::99)" VX ICMP4,
	  { .v6 = true, .dst = "2001:db8::99" }, IN_ICMP4, 0, false, XDP_PASS,
	  VXBPF_R_RX_NOT_LOCAL },
	{ "unknown VNI", E_IP4 "/UDP()/VXLAN(vni=200)" ICMP4, { .vni = 200 }, IN_ICMP4, 0, false,
	  XDP_PASS, VXBPF_R_RX_UNKNOWN_VNI },
	{ "VNI 0xffffff", E_IP4 "/UDP()/VXLAN(vni=0xffffff)" ICMP4, { .vni = 0xffffff },
	  IN_ICMP4, 0, false, XDP_PASS, VXBPF_R_RX_UNKNOWN_VNI },
	{ "VNI on another VNI's port", E_IP4 "/UDP(dport=8472)/VXLAN(vni=100)" ICMP4,
	  { .dport = 8472 }, IN_ICMP4, 0, false, XDP_PASS, VXBPF_R_RX_UNKNOWN_VNI },
	{ "unknown VTEP v4", "IP(src=192.0.2.3)" VX ICMP4, { .src = "192.0.2.3" }, IN_ICMP4, 0,
	  false, XDP_DROP, VXBPF_R_RX_UNKNOWN_VTEP },
	{ "unknown VTEP v6", "IPv6(src=2001:db8::3)" VX ICMP4,
	  { .v6 = true, .src = "2001:db8::3" }, IN_ICMP4, 0, false, XDP_DROP,
	  VXBPF_R_RX_UNKNOWN_VTEP },
	{ "known VTEP of another VNI", E_IP4 VX ICMP4 " (vtep only in VNI 101)", {}, IN_ICMP4, 0,
	  true, XDP_DROP, VXBPF_R_RX_UNKNOWN_VTEP },
	/* A learning VNI accepts any VTEP (and learns: test_learn.c). */
	{ "unknown VTEP, learning", "IP(src=192.0.2.3)" VX ICMP4 " (VNI learning)",
	  { .src = "192.0.2.3" }, IN_ICMP4, VXBPF_VNI_LEARNING, false, XDP_REDIRECT,
	  VXBPF_R_RX_DECAP },
	{ "inner 13 bytes", E_IP4 VX "/Raw(13 bytes)", {}, IN_SHORT, 0, false, XDP_DROP,
	  VXBPF_R_RX_SHORT_INNER },
	{ "inner empty", E_IP4 VX, {}, IN_EMPTY, 0, false, XDP_DROP, VXBPF_R_RX_SHORT_INNER },
	{ "inner 14 bytes", E_IP4 VX "/Ether(src=aa:01,dst=bb:01,type=0x0800)", {}, IN_ETH_ONLY,
	  0, false, XDP_REDIRECT, VXBPF_R_RX_DECAP },
	{ "inner multicast source", E_IP4 VX "/Ether(src=01:00:5e:00:00:01)/...", {},
	  IN_MCAST_SRC, 0, false, XDP_DROP, VXBPF_R_RX_BAD_SMAC },
	{ "inner zero source", E_IP4 VX "/Ether(src=00:00:00:00:00:00)/...", {}, IN_ZERO_SRC, 0,
	  false, XDP_DROP, VXBPF_R_RX_BAD_SMAC },
	/* Where a kernel vxlan device and bridge carry the VNI (mirrored),
	 * they flood; else vxbpf does (test_flood.c), and with no port in
	 * the VNI there is nobody to flood to. */
	{ "inner broadcast, kernel", E_IP4 VX "/Ether(dst=ff:ff:ff:ff:ff:ff)/...", {}, IN_BCAST_DST,
	  VXBPF_VNI_MIRRORED, false, XDP_PASS, VXBPF_R_RX_INNER_BUM },
	{ "inner multicast, kernel", E_IP4 VX "/Ether(dst=33:33:00:00:00:01)/...", {}, IN_MCAST_DST,
	  VXBPF_VNI_MIRRORED, false, XDP_PASS, VXBPF_R_RX_INNER_BUM },
	{ "inner unknown dst, kernel", E_IP4 VX "/Ether(dst=02:00:00:00:cc:01)/...", {},
	  IN_UNKNOWN_DST, VXBPF_VNI_MIRRORED, false, XDP_PASS, VXBPF_R_RX_INNER_UNKNOWN },
	{ "inner broadcast, no port", E_IP4 VX "/Ether(dst=ff:ff:ff:ff:ff:ff)/...", {},
	  IN_BCAST_DST, 0, false, XDP_DROP, VXBPF_R_RX_FLOOD_NONE },
	{ "inner multicast, no port", E_IP4 VX "/Ether(dst=33:33:00:00:00:01)/...", {},
	  IN_MCAST_DST, 0, false, XDP_DROP, VXBPF_R_RX_FLOOD_NONE },
	{ "inner unknown dst, no port", E_IP4 VX "/Ether(dst=02:00:00:00:cc:01)/...", {},
	  IN_UNKNOWN_DST, 0, false, XDP_DROP, VXBPF_R_RX_FLOOD_NONE },
	{ "bad UDP checksum v4", E_IP4 "/UDP(chksum=good+1)/VXLAN()" ICMP4, { .ck = CK_BAD },
	  IN_ICMP4, 0, false, XDP_DROP, VXBPF_R_RX_BAD_CSUM },
	{ "bad UDP checksum v6", E_IP6 "/UDP(chksum=good+1)/VXLAN()" ICMP4,
	  { .v6 = true, .ck = CK_BAD }, IN_ICMP4, 0, false, XDP_DROP, VXBPF_R_RX_BAD_CSUM },
	/* The allow-list first: a spoofed VTEP's packet costs no checksum. */
	{ "bad UDP checksum, unknown VTEP", "IP(src=192.0.2.3)/UDP(chksum=good+1)/VXLAN()" ICMP4,
	  { .ck = CK_BAD, .src = "192.0.2.3" }, IN_ICMP4, 0, false, XDP_DROP,
	  VXBPF_R_RX_UNKNOWN_VTEP },
	{ "zero UDP checksum v4", E_IP4 "/UDP(chksum=0)/VXLAN()" ICMP4, { .ck = CK_ZERO },
	  IN_ICMP4, 0, false, XDP_REDIRECT, VXBPF_R_RX_DECAP },
	{ "zero UDP checksum v6", E_IP6 "/UDP(chksum=0)/VXLAN()" ICMP4,
	  { .v6 = true, .ck = CK_ZERO }, IN_ICMP4, 0, false, XDP_DROP, VXBPF_R_RX_ZERO_CSUM6 },
	{ "zero UDP checksum v6, udp6zerocsumrx", E_IP6 "/UDP(chksum=0)/VXLAN()" ICMP4,
	  { .v6 = true, .ck = CK_ZERO }, IN_ICMP4, VXBPF_VNI_UDP6ZEROCSUMRX, false, XDP_REDIRECT,
	  VXBPF_R_RX_DECAP },
	/*
	 * A sender on this machine (veth, checksum offload) hands over the
	 * outer UDP checksum as the CHECKSUM_PARTIAL seed; accepted by
	 * design (commit b4314bb). The price: a frame whose checksum field
	 * holds the seed is never checked against its contents.
	 */
	{ "outer UDP csum = seed v4", E_IP4 "/UDP(chksum=pseudo seed)/VXLAN()" ICMP4,
	  { .ck = CK_SEED }, IN_ICMP4, 0, false, XDP_REDIRECT, VXBPF_R_RX_DECAP },
	{ "outer UDP csum = seed v6", E_IP6 "/UDP(chksum=pseudo seed)/VXLAN()" ICMP4,
	  { .v6 = true, .ck = CK_SEED }, IN_ICMP4, 0, false, XDP_REDIRECT, VXBPF_R_RX_DECAP },
	/* ip_rcv() drops these before vxlan_rcv() ever sees them; the
	 * fast path must not decapsulate them but leave them to it. */
	{ "bad outer IPv4 header checksum", "IP(chksum=good^0x0100)" VX ICMP4,
	  { .ip_ck_xor = 0x0100 }, IN_ICMP4, 0, false, XDP_PASS, VXBPF_R_RX_MALFORMED },
	{ "bad IPv4 header csum, UDP csum 0", "IP(chksum=good^1)/UDP(chksum=0)" VX ICMP4,
	  { .ip_ck_xor = 1, .ck = CK_ZERO }, IN_ICMP4, 0, false, XDP_PASS, VXBPF_R_RX_MALFORMED },
	{ "IP version 5 in an IPv4 frame", "Ether(type=0x0800)/IP(version=5)" VX ICMP4,
	  { .ip_ver = 5 }, IN_ICMP4, 0, false, XDP_PASS, VXBPF_R_RX_MALFORMED },
	{ "IP version 4 in an IPv6 frame", "Ether(type=0x86dd)/IPv6(version=4)" VX ICMP4,
	  { .v6 = true, .ip_ver = 4 }, IN_ICMP4, 0, false, XDP_PASS, VXBPF_R_RX_MALFORMED },
	{ "not a VXLAN port", E_IP4 "/UDP(dport=4790)/Raw(VXLAN...)", { .dport = 4790 },
	  IN_ICMP4, 0, false, XDP_PASS, VXBPF_R_RX_NOT_VXLAN },
	/* RFC 6040 (ecn_cases below): outer CE on a Not-ECT inner packet. */
	{ "outer CE, inner Not-ECT v4", "IP(tos=0x03)" VX ICMP4, { .tos = 0x03 }, IN_ICMP4, 0,
	  false, XDP_DROP, VXBPF_R_RX_ECN_DROP },
	{ "outer CE, inner Not-ECT v6", "IPv6(tc=0x03)" VX ICMP4, { .v6 = true, .tos = 0x03 },
	  IN_ICMP4, 0, false, XDP_DROP, VXBPF_R_RX_ECN_DROP },
	{ "outer ECT(0) + DSCP is fine", "IP(tos=0xba)" VX ICMP4, { .tos = 0xba }, IN_ICMP4, 0,
	  false, XDP_REDIRECT, VXBPF_R_RX_DECAP },
	{ "LCO inner TCP4 seed, v4", E_IP4 "/UDP(chksum=as if inner complete)" VX
	  "/Ether()/IP()/TCP(chksum=pseudo seed)", { .ck = CK_LCO }, IN_TCP4_SEED, 0, false,
	  XDP_REDIRECT, VXBPF_R_RX_DECAP },
	{ "LCO inner TCP4 seed, v6", E_IP6 "/UDP(chksum=as if inner complete)" VX
	  "/Ether()/IP()/TCP(chksum=pseudo seed)", { .v6 = true, .ck = CK_LCO }, IN_TCP4_SEED, 0,
	  false, XDP_REDIRECT, VXBPF_R_RX_DECAP },
	{ "LCO inner TCP6 seed, v4", E_IP4 "/UDP(chksum=as if inner complete)" VX
	  "/Ether()/IPv6()/TCP(chksum=pseudo seed)", { .ck = CK_LCO }, IN_TCP6_SEED, 0, false,
	  XDP_REDIRECT, VXBPF_R_RX_DECAP },
	{ "LCO inner UDP4 seed (odd length), v6", E_IP6 "/UDP(chksum=as if inner complete)" VX
	  "/Ether()/IP()/UDP(chksum=pseudo seed)/Raw(301)", { .v6 = true, .ck = CK_LCO },
	  IN_UDP4_SEED, 0, false, XDP_REDIRECT, VXBPF_R_RX_DECAP },
	{ "LCO inner UDP4 seed (odd length), v4", E_IP4 "/UDP(chksum=as if inner complete)" VX
	  "/Ether()/IP()/UDP(chksum=pseudo seed)/Raw(301)", { .ck = CK_LCO }, IN_UDP4_SEED, 0,
	  false, XDP_REDIRECT, VXBPF_R_RX_DECAP },
	{ "LCO with a wrong outer csum", E_IP4 "/UDP(chksum=LCO+1)" VX
	  "/Ether()/IP()/TCP(chksum=pseudo seed)", { .ck = CK_BAD }, IN_TCP4_SEED, 0, false,
	  XDP_DROP, VXBPF_R_RX_BAD_CSUM },
	{ "inner TCP seed, outer over the seed", E_IP4 "/UDP(chksum=over bytes as sent)" VX
	  "/Ether()/IP()/TCP(chksum=pseudo seed)", {}, IN_TCP4_SEED, 0, false, XDP_REDIRECT,
	  VXBPF_R_RX_DECAP },
	{ "inner TCP seed, zero outer csum", E_IP4 "/UDP(chksum=0)" VX
	  "/Ether()/IP()/TCP(chksum=pseudo seed)", { .ck = CK_ZERO }, IN_TCP4_SEED, 0, false,
	  XDP_REDIRECT, VXBPF_R_RX_DECAP },
};
/* clang-format on */

static void rx_config(bool v6, uint32_t flags, bool vtep)
{
	map_vni(100, v6 ? LOCAL6 : LOCAL4, flags);
	if (vtep)
		map_vtep(100, v6 ? REMOTE6 : REMOTE4);
	else
		map_vtep(101, v6 ? REMOTE6 : REMOTE4);
	map_fdb_local(100, MAC_VM2, H.if_vm0);
	/* A second VNI on 8472, so that port is VXLAN but not VNI 100's. */
	map_vni(101, v6 ? LOCAL6 : LOCAL4, 0);
	{
		struct vxbpf_vni_cfg c;

		map_vni_get(101, &c);
		c.be_dstport = htons(8472);
		c.slot = 1;
		map_vni_put(101, &c);
		map_dstport(8472, 1);
	}
}

/* ecn_in, ecn_out: the inner TOS / traffic class byte as sent and as the
 * port must get it, each 1 + the byte; 0: the inner frame's own. */
static void rx_check_tos(const struct rx_case *c, uint8_t tos_in, uint8_t tos_out)
{
	static struct pkt inner, want, in, out;
	struct vxbpf_vni_stats s;

	rx_config(c->o.v6, c->vni_flags, !c->no_vtep);
	make_inner(c->inner, &inner, &want);
	if (tos_in) {
		inner_set_tos(&inner, tos_in - 1);
		inner_set_tos(&want, (tos_out ?: tos_in) - 1);
	}
	build_vxlan(&in, &c->o, &inner);
	expect_run(c->name, H.rx_fd, 0, &in, c->verdict, c->reason,
		   c->verdict == XDP_REDIRECT ? &want : NULL, &out);

	s = vni_stats(0);
	if (c->verdict == XDP_REDIRECT) {
		cr_expect_eq(s.rx_packets, 1, "%s: vni rx_packets %llu", c->name,
			     (unsigned long long)s.rx_packets);
		cr_expect_eq(s.rx_bytes, inner.len, "%s: vni rx_bytes %llu want %zu", c->name,
			     (unsigned long long)s.rx_bytes, inner.len);
	} else {
		cr_expect_eq(s.rx_packets, 0, "%s: vni rx counted a %s", c->name,
			     verdict_name(c->verdict));
	}
	if (c->verdict == XDP_REDIRECT &&
	    (c->inner == IN_TCP4_SEED || c->inner == IN_TCP6_SEED || c->inner == IN_UDP4_SEED)) {
		/* Independent check of the finished inner L4 checksum. */
		bool v6 = get16(out.b + 12) == 0x86dd;
		size_t l4 = v6 ? 54 : 34;
		uint8_t proto = v6 ? out.b[20] : out.b[23];

		cr_expect(ck_l4_ok(out.b + 14, v6, out.b + l4, out.len - l4, proto),
			  "%s: inner L4 checksum not completed", c->name);
	}
	if (c->verdict == XDP_REDIRECT && tos_in && get16(out.b + 12) == 0x0800)
		cr_expect(ck_ip4_ok(out.b + 14), "%s: inner IPv4 header checksum", c->name);
}

static void rx_check(const struct rx_case *c)
{
	rx_check_tos(c, 0, 0);
}

ParameterizedTestParameters(rx, table)
{
	return cr_make_param_array(struct rx_case, rx_cases,
				   sizeof(rx_cases) / sizeof(rx_cases[0]));
}

ParameterizedTest(struct rx_case *c, rx, table, .init = h_setup, .fini = h_teardown)
{
	rx_check(c);
}

/* One option word (four NOPs) into the IPv4 header of a frame from
 * build_tcp4(): its length and checksum follow; the TCP checksum does
 * not cover the IP header's options. */
static void ip4_add_nops(struct pkt *p)
{
	static struct pkt q;

	q.len = 0;
	pkt_put(&q, p->b, 34);
	pkt_put(&q, (const uint8_t *)"\x01\x01\x01\x01", 4);
	pkt_put(&q, p->b + 34, p->len - 34);
	q.b[14] = 0x46;
	put16(q.b + 16, get16(q.b + 16) + 4);
	put16(q.b + 24, 0);
	put16(q.b + 24, ck_fold(ck_add(0, q.b + 14, 24)));
	pkt_copy(p, &q);
}

/*
 * An inner IPv4 header is its receiver's to verify, as its TCP checksum
 * is (inner.h, INNER_IP4_TRUSTED): the outer UDP checksum is shown valid
 * from the headers as if that header were valid, options included. A
 * frame whose inner header is corrupt is delivered as it came, for the
 * port's stack to drop (ip_rcv() always checks it). Its outer checksum,
 * summed over the bytes as sent, is valid too: delivered all the same.
 */
Test(rx, inner_ip4_header_trusted, .init = h_setup, .fini = h_teardown)
{
	static struct pkt inner, in, out;
	const size_t ick = 50 + 14 + 10; /* outer Eth+IPv4+UDP+VXLAN, inner Eth, IP check */
	struct vx_opts o = {};
	char name[80];
	int opts, bad, over_bytes;

	rx_config(false, 0, true);
	for (opts = 0; opts < 2; opts++)
		for (bad = 0; bad < 2; bad++)
			for (over_bytes = 0; over_bytes < 2; over_bytes++) {
				build_tcp4(&inner, MAC_VM2, MAC_VM1, 40000, 0);
				if (opts)
					ip4_add_nops(&inner);
				if (bad && over_bytes)
					put16(inner.b + 24, get16(inner.b + 24) ^ 0x0100);
				build_vxlan(&in, &o, &inner);
				/* After the outer checksum: summed as if right. */
				if (bad && !over_bytes) {
					put16(in.b + ick, get16(in.b + ick) ^ 0x0100);
					put16(inner.b + 24, get16(inner.b + 24) ^ 0x0100);
				}
				snprintf(name, sizeof(name), "inner IPv4%s, header csum %s, outer %s",
					 opts ? " with options" : "", bad ? "bad" : "good",
					 over_bytes ? "over the bytes" : "as if the header were right");
				expect_run(name, H.rx_fd, 0, &in, XDP_REDIRECT, VXBPF_R_RX_DECAP, &inner,
					   &out);
			}
}

/* Every bit of the flags word but I, and every bit of the reserved byte
 * after the VNI: Ether()/IP()/UDP()/VXLAN(flags=0x08|bit) → drop. */
/* clang-format off */
#define FBIT(b)                                                                \
	{ "flags bit " #b, "VXLAN(flags word ^= 1<<" #b ")", { .flags_xor = 1U << (b) }, \
	  IN_ICMP4, 0, false, XDP_DROP, VXBPF_R_RX_BAD_FLAGS }
#define RBIT(b)                                                                \
	{ "reserved byte bit " #b, "VXLAN(reserved2=1<<" #b ")", { .rsvd = 1U << (b) }, \
	  IN_ICMP4, 0, false, XDP_DROP, VXBPF_R_RX_BAD_FLAGS }
static struct rx_case rsvd_cases[] = {
	FBIT(0),  FBIT(1),  FBIT(2),  FBIT(3),	FBIT(4),  FBIT(5),  FBIT(6),  FBIT(7),
	FBIT(8),  FBIT(9),  FBIT(10), FBIT(11), FBIT(12), FBIT(13), FBIT(14), FBIT(15),
	FBIT(16), FBIT(17), FBIT(18), FBIT(19), FBIT(20), FBIT(21), FBIT(22), FBIT(23),
	FBIT(24), FBIT(25), FBIT(26), /* 27 is I */ FBIT(28), FBIT(29), FBIT(30), FBIT(31),
	RBIT(0),  RBIT(1),  RBIT(2),  RBIT(3),	RBIT(4),  RBIT(5),  RBIT(6),  RBIT(7),
};
/* clang-format on */

ParameterizedTestParameters(rx, reserved_bits)
{
	return cr_make_param_array(struct rx_case, rsvd_cases,
				   sizeof(rsvd_cases) / sizeof(rsvd_cases[0]));
}

ParameterizedTest(struct rx_case *c, rx, reserved_bits, .init = h_setup, .fini = h_teardown)
{
	rx_check(c);
}

/*
 * ECN on decap, RFC 6040 as the kernel's vxlan_ecn_decapsulate(): outer
 * CE is carried into an ECN-capable inner header (a Not-ECT one is a drop:
 * rx_cases), outer ECT(1) turns inner ECT(0) into ECT(1), the rest stays.
 * The expected inner header is written here from scratch, its IPv4
 * checksum summed anew (the program updates it incrementally).
 */
struct ecn_case {
	struct rx_case rx;
	uint8_t tos_in, tos_out; /* inner TOS byte + 1 as sent, as delivered */
};

/* clang-format off */
#define ECN(name, desc, ov6, otos, kind, verdict, reason, tin, tout) \
	{ { name, desc, { .v6 = ov6, .tos = otos }, kind, 0, false, verdict, reason }, \
	  1 + (tin), 1 + (tout) }
static struct ecn_case ecn_cases[] = {
	ECN("CE, inner ECT(0) -> CE", "IP(tos=0x03)" VX "/Ether()/IP(tos=0x02)/ICMP()",
	    false, 0x03, IN_ICMP4, XDP_REDIRECT, VXBPF_R_RX_DECAP, 0x02, 0x03),
	ECN("CE over v6, DSCP+ECT(1) -> CE", "IPv6(tc=0xbb)" VX "/Ether()/IP(tos=0xb9)/ICMP()",
	    true, 0xbb, IN_ICMP4, XDP_REDIRECT, VXBPF_R_RX_DECAP, 0xb9, 0xbb),
	ECN("CE, inner CE stays", "IP(tos=0x03)" VX "/Ether()/IP(tos=0x03)/ICMP()",
	    false, 0x03, IN_ICMP4, XDP_REDIRECT, VXBPF_R_RX_DECAP, 0x03, 0x03),
	ECN("CE, inner IPv6 ECT(0) -> CE", "IP(tos=0x03)" VX "/Ether()/IPv6(tc=0x02)/ICMPv6()",
	    false, 0x03, IN_ICMP6, XDP_REDIRECT, VXBPF_R_RX_DECAP, 0x02, 0x03),
	ECN("CE, inner IPv6 Not-ECT: drop", "IP(tos=0x03)" VX "/Ether()/IPv6(tc=0x20)/ICMPv6()",
	    false, 0x03, IN_ICMP6, XDP_DROP, VXBPF_R_RX_ECN_DROP, 0x20, 0x20),
	ECN("ECT(1), inner ECT(0) -> ECT(1)", "IP(tos=0x01)" VX "/Ether()/IP(tos=0x02)/ICMP()",
	    false, 0x01, IN_ICMP4, XDP_REDIRECT, VXBPF_R_RX_DECAP, 0x02, 0x01),
	ECN("ECT(0), inner ECT(1) stays", "IP(tos=0x02)" VX "/Ether()/IP(tos=0x01)/ICMP()",
	    false, 0x02, IN_ICMP4, XDP_REDIRECT, VXBPF_R_RX_DECAP, 0x01, 0x01),
	ECN("ECT(0), inner Not-ECT stays", "IP(tos=0x02)" VX "/Ether()/IP(tos=0x48)/ICMP()",
	    false, 0x02, IN_ICMP4, XDP_REDIRECT, VXBPF_R_RX_DECAP, 0x48, 0x48),
	ECN("ECT(1), inner Not-ECT stays", "IP(tos=0x01)" VX "/Ether()/IP(tos=0x00)/ICMP()",
	    false, 0x01, IN_ICMP4, XDP_REDIRECT, VXBPF_R_RX_DECAP, 0x00, 0x00),
};
/* clang-format on */

ParameterizedTestParameters(rx, ecn)
{
	return cr_make_param_array(struct ecn_case, ecn_cases,
				   sizeof(ecn_cases) / sizeof(ecn_cases[0]));
}

ParameterizedTest(struct ecn_case *c, rx, ecn, .init = h_setup, .fini = h_teardown)
{
	rx_check_tos(&c->rx, c->tos_in, c->tos_out);
}

/* Outer CE on a frame that is not IP (nothing to mark): delivered as is. */
Test(rx, ecn_not_ip, .init = h_setup, .fini = h_teardown)
{
	static const struct rx_case c = { "CE, inner not IP", "IP(tos=0x03)" VX "/Ether()",
					  { .tos = 0x03 }, IN_ETH_ONLY, 0, false, XDP_REDIRECT,
					  VXBPF_R_RX_DECAP };

	rx_check(&c);
}

/*
 * The fixture frames exactly as Linux put them on the wire: all of them
 * decapsulate to their inner frame.
 */

ParameterizedTestParameters(rx, fixture)
{
	return cr_make_param_array(struct fixture_name, fixtures, N_FIXTURES);
}

ParameterizedTest(struct fixture_name *f, rx, fixture, .init = h_setup, .fini = h_teardown)
{
	const char *name = f->s;
	static struct pkt in, want, out;
	size_t off;

	cr_assert_eq(fixture_read(name, &in), 0, "read %s", name);
	rx_config(get16(in.b + 12) == 0x86dd, 0, true);
	off = fixture_inner_off(&in);
	want.len = 0;
	pkt_put(&want, in.b + off, in.len - off);
	expect_run(name, H.rx_fd, 0, &in, XDP_REDIRECT, VXBPF_R_RX_DECAP, &want, &out);
}

/*
 * The valid frame cut at every length: never redirected, never changed,
 * one reason each. Below 14 bytes the kernel refuses the test run itself
 * (EINVAL), which is fine: no XDP program ever sees such a frame. Until
 * the UDP header is complete nothing says it is VXLAN (rx_not_vxlan or
 * rx_malformed); after it, the UDP length no longer fits: rx_malformed.
 */
static void truncations(bool v6, bool vlan)
{
	static struct pkt inner, want, full, in, out;
	struct vx_opts o = {.v6 = v6, .vlan = vlan};
	size_t udp_end = 14 + (vlan ? 4 : 0) + (v6 ? 40 : 20) + 8;
	uint64_t before[VXBPF_R_MAX], after[VXBPF_R_MAX];

	rx_config(v6, 0, true);
	make_inner(IN_ICMP4, &inner, &want);
	build_vxlan(&full, &o, &inner);
	for (size_t len = 0; len < full.len; len++) {
		uint32_t ret = ~0U;
		int err, which = -1, counted = 0;

		in.len = 0;
		pkt_put(&in, full.b, len);
		stats_read(before);
		err = prog_run(H.rx_fd, 0, &in, &out, &ret);
		stats_read(after);
		if (len < 14) {
			cr_expect_eq(err, -EINVAL, "len %zu: test run %d", len, err);
			continue;
		}
		cr_assert_eq(err, 0, "len %zu: test run: %s", len, strerror(-err));
		for (int r = 0; r < VXBPF_R_MAX; r++) {
			counted += after[r] - before[r];
			if (after[r] != before[r])
				which = r;
		}
		cr_expect_eq(counted, 1, "len %zu: %d reasons", len, counted);
		cr_expect_eq(ret, XDP_PASS, "len %zu: %s", len, verdict_name(ret));
		if (len < udp_end)
			cr_expect(which == VXBPF_R_RX_NOT_VXLAN || which == VXBPF_R_RX_MALFORMED,
				  "len %zu: reason %s", len, reason_name(which));
		else
			cr_expect_eq(which, VXBPF_R_RX_MALFORMED, "len %zu: reason %s", len,
				     reason_name(which));
		cr_expect(out.len == in.len && !memcmp(out.b, in.b, in.len),
			  "len %zu: output changed", len);
	}
	cr_expect_eq(vni_stats(0).rx_packets, 0, "a truncated frame was decapsulated");
}

Test(rx, truncated_v4, .init = h_setup, .fini = h_teardown)
{
	truncations(false, false);
}

Test(rx, truncated_v6, .init = h_setup, .fini = h_teardown)
{
	truncations(true, false);
}

Test(rx, truncated_vlan_v4, .init = h_setup, .fini = h_teardown)
{
	truncations(false, true);
}

/* One byte of Ethernet padding after a valid datagram: the UDP length no
 * longer ends the frame, the kernel judges. */
Test(rx, trailing_byte, .init = h_setup, .fini = h_teardown)
{
	static struct pkt inner, want, in;
	struct vx_opts o = {};

	rx_config(false, 0, true);
	make_inner(IN_ICMP4, &inner, &want);
	build_vxlan(&in, &o, &inner);
	pkt_put(&in, "", 1);
	expect_run("trailing byte", H.rx_fd, 0, &in, XDP_PASS, VXBPF_R_RX_MALFORMED, NULL, NULL);
}

/*
 * Every inner length from 14 to 1400 bytes (odd and even, every tail of
 * the checksum loop), both underlays: valid frames always decapsulate to
 * exactly their inner frame. Ether()/IP()/UDP()/VXLAN()/Ether(type=0x88b5)/Raw(n)
 */
static void sweep(bool v6)
{
	static struct pkt inner, in, out;
	struct vx_opts o = {.v6 = v6};
	uint32_t ret;

	rx_config(v6, 0, true);
	for (size_t len = 14; len <= 1400; len++) {
		inner.len = 0;
		pkt_put(&inner, MAC_VM2, 6);
		pkt_put(&inner, MAC_VM1, 6);
		pkt_put(&inner, "\x88\xb5", 2);
		for (size_t i = 14; i < len; i++)
			inner.b[inner.len++] = (uint8_t)(i * 7 + 3);
		build_vxlan(&in, &o, &inner);
		cr_assert_eq(prog_run(H.rx_fd, 0, &in, &out, &ret), 0, "test run");
		cr_expect_eq(ret, XDP_REDIRECT, "inner %zu bytes: %s", len, verdict_name(ret));
		cr_expect(out.len == inner.len && !memcmp(out.b, inner.b, len),
			  "inner %zu bytes: %s", len, pkt_diff(out.b, out.len, inner.b, inner.len));
	}
	cr_expect_eq(vni_stats(0).rx_packets, 1400 - 14 + 1, "rx_packets");
}

Test(rx, inner_length_sweep_v4, .init = h_setup, .fini = h_teardown)
{
	sweep(false);
}

Test(rx, inner_length_sweep_v6, .init = h_setup, .fini = h_teardown)
{
	sweep(true);
}

/* ---- reassembly (bpf/reasm.h) --------------------------------------------- */

/* Piece [from, to) of the IP payload of the IPv4 datagram in whole (no
 * VLAN, no options), with its header's fragment fields, ID and checksum
 * made for it. */
static void ip4_piece(const struct pkt *whole, size_t from, size_t to, uint16_t id, struct pkt *out)
{
	uint8_t h[20];
	bool more = to < whole->len - 34;

	memcpy(h, whole->b + 14, 20);
	put16(h + 2, 20 + (to - from));
	put16(h + 4, id);
	put16(h + 6, (more ? 0x2000 : 0) | (from / 8));
	put16(h + 10, 0);
	put16(h + 10, ck_fold(ck_add(0, h, 20)));
	out->len = 0;
	pkt_put(out, whole->b, 14);
	pkt_put(out, h, 20);
	pkt_put(out, whole->b + 34 + from, to - from);
}

/* One frame through xdp_vxlan_rx: its verdict and its one reason. */
static uint32_t rx_once(const struct pkt *in, struct pkt *out, int *reason)
{
	uint64_t b[VXBPF_R_MAX], a[VXBPF_R_MAX];
	uint32_t ret = ~0U;
	int counted = 0;

	stats_read(b);
	cr_assert_eq(prog_run(H.rx_fd, H.if_ul0, in, out, &ret), 0, "test run");
	stats_read(a);
	*reason = -1;
	for (int r = 0; r < VXBPF_R_MAX; r++) {
		counted += a[r] - b[r];
		if (a[r] != b[r])
			*reason = r;
	}
	cr_expect_eq(counted, 1, "%d reasons", counted);
	return ret;
}

#define EXPECT_RX(in, out, verdict, why)                                                       \
	do {                                                                                   \
		int r_;                                                                        \
		uint32_t v_ = rx_once(in, out, &r_);                                           \
		cr_expect(v_ == (verdict) && r_ == (why), "line %d: %s %s, want %s %s",       \
			  __LINE__, verdict_name(v_), reason_name(r_), verdict_name(verdict), \
			  reason_name(why));                                                   \
	} while (0)

/* A peer's vxlan device sends a frame that did not fit its underlay in
 * two fragments: the first is kept, the second completes the datagram and
 * goes up to tc_host_rx (which the network tests see deliver it); three
 * pieces in another order, too. A piece with no first piece before it
 * (another protocol's, or early) goes to the kernel as before. */
Test(rx, reassembly, .init = h_setup, .fini = h_teardown)
{
	static struct pkt inner, want, whole, p1, p2, p3, out;
	struct vx_opts o = {0};
	size_t pay;

	rx_config(false, 0, true);
	map_underlay(H.if_ul0, VXBPF_UNDERLAY_XDP | VXBPF_UNDERLAY_TC_RX);
	build_udp4(&inner, MAC_VM2, MAC_VM1, "10.0.0.2", 9, 1200);
	pkt_copy(&want, &inner);
	build_vxlan(&whole, &o, &inner);
	pay = whole.len - 34;

	ip4_piece(&whole, 0, 800, 0x4242, &p1);
	ip4_piece(&whole, 800, pay, 0x4242, &p2);
	EXPECT_RX(&p1, &out, XDP_DROP, VXBPF_R_RX_FRAG_HELD);
	EXPECT_RX(&p2, &out, XDP_PASS, VXBPF_R_RX_REASM);

	/* First, last, then the middle one completes it. */
	ip4_piece(&whole, 0, 400, 0x4343, &p1);
	ip4_piece(&whole, 400, 800, 0x4343, &p2);
	ip4_piece(&whole, 800, pay, 0x4343, &p3);
	EXPECT_RX(&p1, &out, XDP_DROP, VXBPF_R_RX_FRAG_HELD);
	EXPECT_RX(&p3, &out, XDP_DROP, VXBPF_R_RX_FRAG_HELD);
	EXPECT_RX(&p2, &out, XDP_PASS, VXBPF_R_RX_REASM);

	/* A later piece ahead of its first: the kernel's, and so is the
	 * datagram (the first piece then waits in vain). */
	ip4_piece(&whole, 0, 800, 0x4444, &p1);
	ip4_piece(&whole, 800, pay, 0x4444, &p2);
	EXPECT_RX(&p2, &out, XDP_PASS, VXBPF_R_RX_FRAGMENT);
}

/* What is not reassembled: a first piece from a VTEP off the allow-list
 * (dropped), of a VNI a kernel vxlan device carries (the kernel's); with
 * no tc_host_rx on the underlay, the datagram cannot be finished. */
Test(rx, reassembly_refused, .init = h_setup, .fini = h_teardown)
{
	static struct pkt inner, want, whole, p1, p2, out;
	struct vx_opts o = {0};
	size_t pay;

	rx_config(false, 0, true);
	build_udp4(&inner, MAC_VM2, MAC_VM1, "10.0.0.2", 9, 1200);
	pkt_copy(&want, &inner);

	strcpy(o.src, "192.0.2.3");
	build_vxlan(&whole, &o, &inner);
	pay = whole.len - 34;
	ip4_piece(&whole, 0, 800, 0x5151, &p1);
	EXPECT_RX(&p1, &out, XDP_DROP, VXBPF_R_RX_UNKNOWN_VTEP);

	o.src[0] = 0;
	build_vxlan(&whole, &o, &inner);
	ip4_piece(&whole, 0, 800, 0x5252, &p1);
	ip4_piece(&whole, 800, pay, 0x5252, &p2);
	map_underlay(H.if_ul0, VXBPF_UNDERLAY_XDP);
	EXPECT_RX(&p1, &out, XDP_DROP, VXBPF_R_RX_FRAG_HELD);
	EXPECT_RX(&p2, &out, XDP_DROP, VXBPF_R_RX_REASM_BAD);

	map_vni(100, LOCAL4, VXBPF_VNI_MIRRORED);
	build_vxlan(&whole, &o, &inner);
	ip4_piece(&whole, 0, 800, 0x5353, &p1);
	ip4_piece(&whole, 800, pay, 0x5353, &p2);
	EXPECT_RX(&p1, &out, XDP_PASS, VXBPF_R_RX_FRAGMENT);
	EXPECT_RX(&p2, &out, XDP_PASS, VXBPF_R_RX_FRAGMENT);
}
