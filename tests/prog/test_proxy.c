// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdp_port_rx as ARP / IPv6 ND proxy (vxlan `proxy`): a request from a
 * port for an address in the VNI's neigh table is answered on that port;
 * nothing crosses the underlay. The reply leaves by bpf_redirect() to the
 * ingress port, not XDP_TX: on a veth, XDP_TX frames are flushed only to
 * a peer that runs XDP itself (see bpf/vxbpf.bpf.c). The test run cannot
 * see the redirect target; the reason and the bytes say it is the reply.
 *
 *   VM1 (aa:01, 10.0.0.1, fd00::1) ──ARP/NS──▶ [vm0 xdp_port_rx]
 *        ◀──reply as 10.0.0.2 / fd00::2 = bb:01 (neigh map, VNI 100)──
 */
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "frames.h"
#include "harness.h"

enum proxy_setup {
	PS_NO_PROXY = 1 << 0, /* VNI 100 without VXBPF_VNI_PROXY */
	PS_ROUTER = 1 << 1,   /* fd00::2 has VXBPF_NEIGH_ROUTER */
	PS_LOCAL = 1 << 2,    /* bb:01 (10.0.0.2, fd00::2) is on a local port */
	PS_FDB_ROUTER = 1 << 3, /* bb:01's fdb entry has VXBPF_FDB_ROUTER */
	PS_SUPPRESS = 1 << 4, /* a mirrored VNI with neigh_suppress, no proxy */
	PS_NO_FDB = 1 << 5,   /* bb:01 has no fdb entry at all */
};

#define NONE {0}, 0 /* no exact output: PASS/DROP keep the input */

/* No pointers: see struct vx_opts in pkt.h. */
struct proxy_case {
	char name[48];
	uint8_t in[96];
	size_t in_len;
	uint32_t setup;
	int verdict;
	int reason;
	uint8_t out[96];
	size_t out_len;
};

/* clang-format off */
static struct proxy_case proxy_cases[] = {
	/* name, input, setup, verdict, reason, expected output */
	{ "ARP request, known IP", ARP_REQ, 0, XDP_REDIRECT, VXBPF_R_TX_ARP_REPLY, ARP_REP },
	/* A frame padded to the Ethernet minimum keeps its length and pad. */
	{ "ARP request padded to 60", ARP_REQ_PAD, 0, XDP_REDIRECT, VXBPF_R_TX_ARP_REPLY,
	  ARP_REP_PAD },
	/* The reply goes to the sender hardware address (sha), as the
	 * kernel's arp_reduce() sends it, whatever the Ethernet source. */
	{ "ARP request, Ethernet source != sha", ARP_REQ_VIA_A2, 0, XDP_REDIRECT,
	  VXBPF_R_TX_ARP_REPLY, ARP_REP },
	{ "ARP request, unknown IP", ARP_REQ_UNKNOWN, 0, XDP_PASS, VXBPF_R_TX_PROXY_MISS, NONE },
	{ "ARP request, IP of another VNI", ARP_REQ_OTHER_VNI, 0, XDP_PASS, VXBPF_R_TX_PROXY_MISS,
	  NONE },
	/* As arp_reduce(): a request is a request, whoever sends it; the
	 * answer to a probe goes to 0.0.0.0 at the asker's MAC, the one to a
	 * gratuitous request for someone else's address says whose it is. */
	{ "gratuitous ARP for a known IP", ARP_GRAT, 0, XDP_REDIRECT, VXBPF_R_TX_ARP_REPLY,
	  ARP_REP_GRAT },
	{ "ARP probe (sender 0.0.0.0)", ARP_PROBE, 0, XDP_REDIRECT, VXBPF_R_TX_ARP_REPLY,
	  ARP_REP_PROBE },
	{ "ARP request, loopback target", ARP_REQ_LOOPBACK, 0, XDP_PASS, VXBPF_R_TX_PROXY_SKIP,
	  NONE },
	{ "ARP request, multicast target", ARP_REQ_MCAST, 0, XDP_PASS, VXBPF_R_TX_PROXY_SKIP,
	  NONE },
	/* Every other ARP stays off the underlay too (to TC or the kernel's
	 * bridge, which deliver it locally). */
	{ "broadcast ARP reply", ARP_BCAST_REPLY, 0, XDP_PASS, VXBPF_R_TX_PROXY_SKIP, NONE },
	{ "ARP request, VNI without proxy", ARP_REQ, PS_NO_PROXY, XDP_PASS, VXBPF_R_TX_BUM, NONE },
	/* Unicast ARP (a NUD re-probe) is proxied too, as the kernel's
	 * arp_reduce() runs for any destination MAC: nothing crosses. */
	{ "unicast ARP request", ARP_REQ_UNICAST, 0, XDP_REDIRECT, VXBPF_R_TX_ARP_REPLY, ARP_REP },
	{ "NS with source lladdr", NS_SLL, 0, XDP_REDIRECT, VXBPF_R_TX_NA_REPLY, NA },
	{ "NS without source lladdr", NS, 0, XDP_REDIRECT, VXBPF_R_TX_NA_REPLY, NA },
	/* Longer than the NA: the frame shrinks to exactly 86 bytes. */
	{ "NS with lladdr and nonce options", NS_SLL_NONCE, 0, XDP_REDIRECT, VXBPF_R_TX_NA_REPLY,
	  NA },
	/* The NA goes to the source link-layer option when there is one, as
	 * the kernel's vxlan_na_create() does. */
	{ "NS, Ethernet source != lladdr option", NS_SLL_VIA_A2, 0, XDP_REDIRECT,
	  VXBPF_R_TX_NA_REPLY, NA },
	{ "NS for a router", NS_SLL, PS_ROUTER, XDP_REDIRECT, VXBPF_R_TX_NA_REPLY, NA_R },
	{ "NS for a router, no lladdr", NS, PS_ROUTER, XDP_REDIRECT, VXBPF_R_TX_NA_REPLY, NA_R },
	/* The kernel's R flag: NTF_ROUTER on the fdb entry of the MAC. */
	{ "NS, fdb entry says router", NS_SLL, PS_FDB_ROUTER, XDP_REDIRECT, VXBPF_R_TX_NA_REPLY,
	  NA_R },
	{ "DAD NS (source ::)", NS_DAD, 0, XDP_PASS, VXBPF_R_TX_PROXY_SKIP, NONE },
	{ "NS, unknown target", NS_UNKNOWN, 0, XDP_PASS, VXBPF_R_TX_PROXY_MISS, NONE },
	{ "NS with hop limit 64", NS_HLIM64, 0, XDP_PASS, VXBPF_R_TX_PROXY_SKIP, NONE },
	{ "NS for a multicast target", NS_MCAST_TGT, 0, XDP_PASS, VXBPF_R_TX_PROXY_SKIP, NONE },
	{ "NS to ::1", NS_TO_LOOPBACK, 0, XDP_PASS, VXBPF_R_TX_PROXY_SKIP, NONE },
	{ "NS, VNI without proxy", NS_SLL, PS_NO_PROXY, XDP_PASS, VXBPF_R_TX_BUM, NONE },
	{ "multicast echo request", MLD_ECHO, 0, XDP_PASS, VXBPF_R_TX_BUM, NONE },
	/* A neighbour on a local port answers for itself (the kernel's
	 * "bridge-local neighbor"): passed, no reply, no miss. */
	{ "ARP request, neighbour on a local port", ARP_REQ, PS_LOCAL, XDP_PASS,
	  VXBPF_R_TX_PROXY_LOCAL, NONE },
	{ "NS, neighbour on a local port", NS_SLL, PS_LOCAL, XDP_PASS, VXBPF_R_TX_PROXY_LOCAL, NONE },

	/* neigh_suppress (the bridge's br_do_proxy_suppress_arp() and
	 * br_do_suppress_nd()): the same replies for a neighbour behind a
	 * VTEP; everything else is the bridge's to flood or keep. */
	{ "suppress: ARP request", ARP_REQ, PS_SUPPRESS, XDP_REDIRECT, VXBPF_R_TX_ARP_REPLY,
	  ARP_REP },
	{ "suppress: ARP request, unknown IP", ARP_REQ_UNKNOWN, PS_SUPPRESS, XDP_PASS,
	  VXBPF_R_TX_SUPPRESS_PASS, NONE },
	{ "suppress: gratuitous ARP", ARP_GRAT, PS_SUPPRESS, XDP_PASS, VXBPF_R_TX_SUPPRESS_PASS,
	  NONE },
	{ "suppress: ARP probe", ARP_PROBE, PS_SUPPRESS, XDP_PASS, VXBPF_R_TX_SUPPRESS_PASS, NONE },
	{ "suppress: loopback target", ARP_REQ_LOOPBACK, PS_SUPPRESS, XDP_PASS,
	  VXBPF_R_TX_SUPPRESS_PASS, NONE },
	{ "suppress: neighbour on a local port", ARP_REQ, PS_SUPPRESS | PS_LOCAL, XDP_PASS,
	  VXBPF_R_TX_SUPPRESS_PASS, NONE },
	{ "suppress: neighbour's MAC unknown", ARP_REQ, PS_SUPPRESS | PS_NO_FDB, XDP_PASS,
	  VXBPF_R_TX_SUPPRESS_PASS, NONE },
	/* The bridge answers a unicast request and forwards it all the
	 * same: here it is forwarded, and its target answers. */
	{ "suppress: unicast ARP request", ARP_REQ_UNICAST, PS_SUPPRESS, XDP_REDIRECT,
	  VXBPF_R_TX_ENCAP, NONE },
	{ "suppress: broadcast ARP reply", ARP_BCAST_REPLY, PS_SUPPRESS, XDP_PASS,
	  VXBPF_R_TX_BUM, NONE },
	{ "suppress: NS", NS_SLL, PS_SUPPRESS, XDP_REDIRECT, VXBPF_R_TX_NA_REPLY, NA },
	{ "suppress: NS for a router", NS_SLL, PS_SUPPRESS | PS_ROUTER, XDP_REDIRECT,
	  VXBPF_R_TX_NA_REPLY, NA_R },
	/* br_nd_send(): R from the neighbour, never the fdb entry. */
	{ "suppress: NS, only the fdb says router", NS_SLL, PS_SUPPRESS | PS_FDB_ROUTER,
	  XDP_REDIRECT, VXBPF_R_TX_NA_REPLY, NA },
	{ "suppress: DAD NS", NS_DAD, PS_SUPPRESS, XDP_PASS, VXBPF_R_TX_SUPPRESS_PASS, NONE },
	{ "suppress: NS, unknown target", NS_UNKNOWN, PS_SUPPRESS, XDP_PASS,
	  VXBPF_R_TX_SUPPRESS_PASS, NONE },
	{ "suppress: NS, neighbour on a local port", NS_SLL, PS_SUPPRESS | PS_LOCAL, XDP_PASS,
	  VXBPF_R_TX_SUPPRESS_PASS, NONE },
	/* Not ours to answer: the bridge takes it as it is. */
	{ "suppress: NS with hop limit 64", NS_HLIM64, PS_SUPPRESS, XDP_PASS, VXBPF_R_TX_BUM,
	  NONE },
};
/* clang-format on */

ParameterizedTestParameters(proxy, table)
{
	return cr_make_param_array(struct proxy_case, proxy_cases,
				   sizeof(proxy_cases) / sizeof(proxy_cases[0]));
}

ParameterizedTest(struct proxy_case *c, proxy, table, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, want, out;

	if (c->setup & PS_SUPPRESS)
		map_vni(100, "192.0.2.1", VXBPF_VNI_SUPPRESS | VXBPF_VNI_MIRRORED);
	else
		map_vni(100, "192.0.2.1", c->setup & PS_NO_PROXY ? 0 : VXBPF_VNI_PROXY);
	map_port(H.if_vm0, 100);
	/* On a mirrored VNI the bridge has the asker's MAC on its port, or
	 * the frame goes to the bridge first (test_tx: src_*). */
	if (c->setup & PS_SUPPRESS)
		map_fdb_local(100, c->in + 6, H.if_vm0);
	if (c->setup & PS_LOCAL)
		map_fdb_local(100, MAC_VM2, H.if_ulp);
	else if (!(c->setup & PS_NO_FDB))
		map_fdb_remote(100, MAC_VM2, "192.0.2.2",
			       c->setup & PS_FDB_ROUTER ? VXBPF_FDB_ROUTER : 0);
	map_neigh(100, "10.0.0.2", MAC_VM2, 0);
	map_neigh(100, "fd00::2", MAC_VM2, c->setup & PS_ROUTER ? VXBPF_NEIGH_ROUTER : 0);
	map_neigh(101, "10.0.0.3", MAC_OTHER, 0);

	in.len = 0;
	pkt_put(&in, c->in, c->in_len);
	want.len = 0;
	pkt_put(&want, c->out, c->out_len);
	expect_run(c->name, H.port_fd, H.if_vm0, &in, c->verdict, c->reason,
		   c->out_len ? &want : NULL, &out);

	if (c->reason == VXBPF_R_TX_NA_REPLY) {
		/* Beyond the scapy bytes: the rules themselves, checked
		 * independently of both scapy and the program. */
		const uint8_t *ip6 = out.b + 14, *na = out.b + 54;

		cr_assert_eq(out.len, 86, "%s: NA is %zu bytes, want 86", c->name, out.len);
		cr_expect(ck_l4_ok(ip6, true, na, 32, 58), "%s: NA checksum 0x%04x wrong", c->name,
			  get16(na + 2));
		cr_expect_eq(na[0], 136, "%s: ICMPv6 type %u", c->name, na[0]);
		cr_expect_eq(na[4] & 0x60, 0x60, "%s: S and O flags not set (0x%02x)", c->name,
			     na[4]);
		/* The proxy's R: the neighbour or the fdb entry; the
		 * bridge's: the neighbour. */
		uint32_t r = c->setup & PS_SUPPRESS ? PS_ROUTER : PS_ROUTER | PS_FDB_ROUTER;

		cr_expect_eq(!!(na[4] & 0x80), !!(c->setup & r),
			     "%s: R flag 0x%02x",
			     c->name, na[4]);
		cr_expect(na[24] == 2 && na[25] == 1 && !memcmp(na + 26, MAC_VM2, 6),
			  "%s: no target link-layer option for bb:01", c->name);
		cr_expect_eq(ip6[7], 255, "%s: hop limit %u", c->name, ip6[7]);
	}
	if (c->reason == VXBPF_R_TX_ARP_REPLY)
		cr_expect(get16(out.b + 20) == 2 && !memcmp(out.b, c->in + 22, 6),
			  "%s: not an ARP reply to the asker's sha", c->name);
	if (c->reason == VXBPF_R_TX_ENCAP)
		cr_expect(out.len == in.len + 50 && !memcmp(out.b + 50, in.b, in.len),
			  "%s: not the frame encapsulated", c->name);
}

/* The NA carries the request's priority (the high nibble of its traffic
 * class) and nothing else of it, as vxlan_na_create(); the ICMPv6
 * checksum does not cover it. */
Test(proxy, na_priority, .init = h_setup, .fini = h_teardown)
{
	static const struct {
		uint8_t b[96];
		size_t len;
	} ns = { NS_SLL }, na = { NA };
	static struct pkt in, want, out;

	map_vni(100, "192.0.2.1", VXBPF_VNI_PROXY);
	map_port(H.if_vm0, 100);
	map_fdb_remote(100, MAC_VM2, "192.0.2.2", 0);
	map_neigh(100, "fd00::2", MAC_VM2, 0);
	in.len = 0;
	pkt_put(&in, ns.b, ns.len);
	in.b[14] = 0x6b; /* traffic class 0xb8: priority 0xb, low nibble 8 */
	in.b[15] = 0x80;
	want.len = 0;
	pkt_put(&want, na.b, na.len);
	want.b[14] = 0x6b;
	expect_run("NS tc 0xb8", H.port_fd, H.if_vm0, &in, XDP_REDIRECT, VXBPF_R_TX_NA_REPLY, &want,
		   &out);
}
