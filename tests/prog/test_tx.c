// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdp_port_rx: switching and encapsulation of frames from a local port.
 *
 * We are host A of tests/fixtures/README.md: VNI 100 local 192.0.2.1 (or
 * 2001:db8::1), fdb 02:00:00:00:bb:01 → 192.0.2.2 (2001:db8::2), port vm0
 * in VNI 100. The fixtures are what Linux sent for the same frames.
 *
 *   VM1 ──▶ [vm0 xdp_port_rx] A ══ul0 192.0.2.1══▶ 192.0.2.2 (neigh 02:00:00:00:02:01)
 */
#include <arpa/inet.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "harness.h"

#define REMOTE4 "192.0.2.2"
#define REMOTE6 "2001:db8::2"

static void tx_config(bool v6, uint32_t flags)
{
	map_vni(100, v6 ? "2001:db8::1" : "192.0.2.1", flags);
	map_fdb_remote(100, MAC_VM2, v6 ? REMOTE6 : REMOTE4, 0);
	map_port(H.if_vm0, 100);
}

/* ---- the fixtures: Linux's own encapsulation of the same frames -------- */


ParameterizedTestParameters(tx, fixture)
{
	return cr_make_param_array(struct fixture_name, fixtures, N_FIXTURES);
}

ParameterizedTest(struct fixture_name *f, tx, fixture, .init = h_setup, .fini = h_teardown)
{
	static struct pkt golden, inner, out;
	struct vxbpf_vni_stats s;
	size_t off;

	cr_assert_eq(fixture_read(f->s, &golden), 0, "read %s", f->s);
	tx_config(get16(golden.b + 12) == 0x86dd, 0);
	off = fixture_inner_off(&golden);
	inner.len = 0;
	pkt_put(&inner, golden.b + off, golden.len - off);
	expect_run(f->s, H.port_fd, H.if_vm0, &inner, XDP_REDIRECT, VXBPF_R_TX_ENCAP, NULL, &out);
	expect_encap(f->s, &out, &golden, false, 32768, 61000);
	s = vni_stats(0);
	cr_expect_eq(s.tx_packets, 1, "%s: vni tx_packets %llu", f->s,
		     (unsigned long long)s.tx_packets);
	cr_expect_eq(s.tx_bytes, inner.len, "%s: vni tx_bytes %llu, want %zu", f->s,
		     (unsigned long long)s.tx_bytes, inner.len);
}

/* ---- the table --------------------------------------------------------- */

enum tx_inner {
	TI_TCP4 = 0,	/* Ether(aa:01→bb:01)/IP(10.0.0.1→10.0.0.2)/TCP(40000→5001,S) */
	TI_TCP4_SEED,	/* same, TCP chksum = CHECKSUM_PARTIAL pseudo-header seed */
	TI_TCP6_SEED,	/* Ether()/IPv6(fd00::1→fd00::2)/TCP(S), seed */
	TI_TCP6_CE,	/* Ether()/IPv6(tc=0x03)/TCP(S) */
	TI_UDP4_SEED,	/* Ether()/IP()/UDP(12345→9)/Raw(301), UDP chksum = seed */
	TI_TCP4_ECT0,	/* IP(tos=0x02) */
	TI_TCP4_ECT1,	/* IP(tos=0x01) */
	TI_TCP4_CE,	/* IP(tos=0x03) */
	TI_UNKNOWN_DST, /* Ether(dst=02:00:00:00:cc:01) */
	TI_BCAST_UDP,	/* Ether(dst=ff:..:ff)/IP(dst=10.0.0.255)/UDP(dport=9) */
	TI_MCAST_UDP,	/* Ether(dst=01:00:5e:00:00:fb)/IP(dst=224.0.0.251)/UDP(5353) */
	TI_UDP_FIT,	/* Ether()/IP()/UDP()/Raw(n): outer exactly the small MTU */
	TI_UDP_OVER,	/* one byte more */
	TI_BIG,		/* the encap-v4-icmp4-big fixture's inner frame, 1414 bytes */
};

enum tx_setup {
	TS_V6 = 1 << 0,		/* IPv6 underlay */
	TS_NOUDPCSUM = 1 << 1,	/* VNI noudpcsum */
	TS_UDP6ZEROTX = 1 << 2, /* VNI udp6zerocsumtx */
	TS_TTL_TOS = 1 << 3,	/* VNI ttl 17, tos 0x2b (ECN bits must not leak) */
	TS_MTU_SMALL = 1 << 4,	/* ul0 mtu 1000 (IPv4) / 1300 (IPv6, min 1280) */
	TS_NO_NEIGH = 1 << 5,	/* bb:01 → 192.0.2.3 / 2001:db8::3: no neighbour */
	TS_NO_ROUTE = 1 << 6,	/* bb:01 → 198.51.100.1 / 2001:db8:99::1 */
	TS_LOCAL = 1 << 7,	/* bb:01 is a local fdb entry on ulp */
	TS_HAIRPIN = 1 << 8,	/* bb:01 is a local fdb entry on vm0 itself */
	TS_MULTI = 1 << 9,	/* bb:01 has VXBPF_FDB_MULTI */
	TS_NOT_PORT = 1 << 10,	/* ingress vm0p, not in the ports map */
	TS_NO_VNI = 1 << 11,	/* vm0 is a port of VNI 300, not configured */
	TS_REMOTE = 1 << 12,	/* bb:01 → remote_vni 5000, port 8472 */
	TS_RANGE = 1 << 13,	/* VNI srcport 1000..1001 */
	TS_PROXY = 1 << 14,	/* VNI proxy */
	TS_KERNEL = 1 << 15,	/* VNI mirrored: a kernel device and bridge behind */
};

/* No pointers: see struct vx_opts. */
struct tx_case {
	char name[48];
	enum tx_inner inner;
	uint32_t setup;
	int verdict;
	int reason;
	/* XDP_REDIRECT of an encap: the outer headers Linux would send
	 * (.v6, .ttl, .tos, .vni, .dport), and whether the UDP checksum is 0. */
	struct vx_opts want;
	bool zero_csum;
};

/* clang-format off */
static struct tx_case tx_cases[] = {
	/* name, inner, setup, verdict, reason, expected outer, zero UDP csum */
	{ "tcp4 over v4", TI_TCP4, 0, XDP_REDIRECT, VXBPF_R_TX_ENCAP, {}, false },
	{ "tcp4 over v6", TI_TCP4, TS_V6, XDP_REDIRECT, VXBPF_R_TX_ENCAP, { .v6 = true }, false },
	{ "noudpcsum v4", TI_TCP4, TS_NOUDPCSUM, XDP_REDIRECT, VXBPF_R_TX_ENCAP, {}, true },
	{ "noudpcsum is IPv4 only", TI_TCP4, TS_V6 | TS_NOUDPCSUM, XDP_REDIRECT, VXBPF_R_TX_ENCAP,
	  { .v6 = true }, false },
	{ "udp6zerocsumtx v6", TI_TCP4, TS_V6 | TS_UDP6ZEROTX, XDP_REDIRECT, VXBPF_R_TX_ENCAP,
	  { .v6 = true }, true },
	{ "udp6zerocsumtx is IPv6 only", TI_TCP4, TS_UDP6ZEROTX, XDP_REDIRECT, VXBPF_R_TX_ENCAP,
	  {}, false },
	{ "ttl/tos from config v4", TI_TCP4, TS_TTL_TOS, XDP_REDIRECT, VXBPF_R_TX_ENCAP,
	  { .ttl = 17, .tos = 0x28 }, false },
	{ "ttl/tos from config v6", TI_TCP4, TS_V6 | TS_TTL_TOS, XDP_REDIRECT, VXBPF_R_TX_ENCAP,
	  { .v6 = true, .ttl = 17, .tos = 0x28 }, false },
	{ "inner ECT(0) → outer ECT(0)", TI_TCP4_ECT0, 0, XDP_REDIRECT, VXBPF_R_TX_ENCAP,
	  { .tos = 0x02 }, false },
	{ "inner ECT(1) → outer ECT(1)", TI_TCP4_ECT1, 0, XDP_REDIRECT, VXBPF_R_TX_ENCAP,
	  { .tos = 0x01 }, false },
	{ "inner CE → outer ECT(0)", TI_TCP4_CE, 0, XDP_REDIRECT, VXBPF_R_TX_ENCAP,
	  { .tos = 0x02 }, false },
	{ "inner CE + tos → v6 tc 0x2a", TI_TCP4_CE, TS_V6 | TS_TTL_TOS, XDP_REDIRECT,
	  VXBPF_R_TX_ENCAP, { .v6 = true, .ttl = 17, .tos = 0x2a }, false },
	{ "inner ECT(0) + tos v4", TI_TCP4_ECT0, TS_TTL_TOS, XDP_REDIRECT, VXBPF_R_TX_ENCAP,
	  { .ttl = 17, .tos = 0x2a }, false },
	{ "inner TCP4 seed over v4", TI_TCP4_SEED, 0, XDP_REDIRECT, VXBPF_R_TX_ENCAP, {}, false },
	{ "inner TCP4 seed over v6", TI_TCP4_SEED, TS_V6, XDP_REDIRECT, VXBPF_R_TX_ENCAP,
	  { .v6 = true }, false },
	{ "inner TCP6 seed over v4", TI_TCP6_SEED, 0, XDP_REDIRECT, VXBPF_R_TX_ENCAP, {}, false },
	{ "inner TCP6 CE → outer ECT(0)", TI_TCP6_CE, 0, XDP_REDIRECT, VXBPF_R_TX_ENCAP,
	  { .tos = 0x02 }, false },
	{ "inner UDP4 seed (odd) over v4", TI_UDP4_SEED, 0, XDP_REDIRECT, VXBPF_R_TX_ENCAP, {},
	  false },
	{ "inner UDP4 seed (odd) over v6", TI_UDP4_SEED, TS_V6, XDP_REDIRECT, VXBPF_R_TX_ENCAP,
	  { .v6 = true }, false },
	{ "inner TCP seed, noudpcsum", TI_TCP4_SEED, TS_NOUDPCSUM, XDP_REDIRECT, VXBPF_R_TX_ENCAP,
	  {}, true },
	{ "remote VNI and port from fdb", TI_TCP4, TS_REMOTE, XDP_REDIRECT, VXBPF_R_TX_ENCAP,
	  { .vni = 5000, .dport = 8472 }, false },
	{ "srcport range 1000..1001", TI_TCP4, TS_RANGE, XDP_REDIRECT, VXBPF_R_TX_ENCAP, {}, false },
	{ "mtu: exactly fits v4", TI_UDP_FIT, TS_MTU_SMALL, XDP_REDIRECT, VXBPF_R_TX_ENCAP, {},
	  false },
	/* DF set: answered with ICMP frag needed (test_pmtu.c checks it). */
	{ "mtu: one byte over v4", TI_UDP_OVER, TS_MTU_SMALL, XDP_REDIRECT, VXBPF_R_TX_PMTU_REPLY, {},
	  false },
	{ "mtu: exactly fits v6", TI_UDP_FIT, TS_V6 | TS_MTU_SMALL, XDP_REDIRECT, VXBPF_R_TX_ENCAP,
	  { .v6 = true }, false },
	{ "mtu: one byte over v6", TI_UDP_OVER, TS_V6 | TS_MTU_SMALL, XDP_REDIRECT, VXBPF_R_TX_PMTU_REPLY,
	  {}, false },
	{ "mtu: big frame v4", TI_BIG, TS_MTU_SMALL, XDP_REDIRECT, VXBPF_R_TX_PMTU_REPLY, {}, false },
	{ "mtu: big frame v6", TI_BIG, TS_V6 | TS_MTU_SMALL, XDP_REDIRECT, VXBPF_R_TX_PMTU_REPLY, {},
	  false },
	{ "no neighbour v4", TI_TCP4, TS_NO_NEIGH, XDP_PASS, VXBPF_R_TX_FIB_MISS, {}, false },
	{ "no neighbour v6", TI_TCP4, TS_V6 | TS_NO_NEIGH, XDP_PASS, VXBPF_R_TX_FIB_MISS, {},
	  false },
	{ "no route v4", TI_TCP4, TS_NO_ROUTE, XDP_PASS, VXBPF_R_TX_FIB_MISS, {}, false },
	{ "no route v6", TI_TCP4, TS_V6 | TS_NO_ROUTE, XDP_PASS, VXBPF_R_TX_FIB_MISS, {}, false },
	{ "unknown dst MAC", TI_UNKNOWN_DST, 0, XDP_PASS, VXBPF_R_TX_UNKNOWN_DST, {}, false },
	{ "broadcast UDP", TI_BCAST_UDP, 0, XDP_PASS, VXBPF_R_TX_BUM, {}, false },
	{ "broadcast UDP, proxy VNI", TI_BCAST_UDP, TS_PROXY, XDP_PASS, VXBPF_R_TX_BUM, {}, false },
	{ "multicast UDP", TI_MCAST_UDP, 0, XDP_PASS, VXBPF_R_TX_BUM, {}, false },
	{ "local fdb entry", TI_TCP4, TS_LOCAL, XDP_REDIRECT, VXBPF_R_TX_LOCAL, {}, false },
	{ "local fdb entry, TCP seed", TI_TCP4_SEED, TS_LOCAL, XDP_REDIRECT, VXBPF_R_TX_LOCAL, {},
	  false },
	{ "hairpin: not sent back", TI_TCP4, TS_HAIRPIN, XDP_DROP, VXBPF_R_TX_HAIRPIN, {}, false },
	{ "hairpin, kernel bridge", TI_TCP4, TS_HAIRPIN | TS_KERNEL, XDP_PASS, VXBPF_R_TX_HAIRPIN,
	  {}, false },
	{ "not a port", TI_TCP4, TS_NOT_PORT, XDP_PASS, VXBPF_R_TX_NOT_PORT, {}, false },
	{ "port of an unconfigured VNI", TI_TCP4, TS_NO_VNI, XDP_PASS, VXBPF_R_TX_NO_VNI, {},
	  false },
	{ "multi-remote MAC", TI_TCP4, TS_MULTI, XDP_PASS, VXBPF_R_TX_MULTI_DST, {}, false },
};
/* clang-format on */

/* in: what VM1 sends; done: the same with every checksum complete. */
#define MTU_SMALL(v6) ((v6) ? 1300 : 1000)
#define OUTER_L3(v6)  ((v6) ? 40 + 16 : 20 + 16) /* counted against the MTU */

static void make_tx_inner(enum tx_inner k, bool v6, struct pkt *in, struct pkt *done)
{
	size_t fit = MTU_SMALL(v6) - OUTER_L3(v6);

	static const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0, 0, 0xfb};
	struct pkt f;

	switch (k) {
	case TI_TCP4:
	case TI_TCP4_SEED:
	case TI_UNKNOWN_DST:
		build_tcp4(in, k == TI_UNKNOWN_DST ? MAC_OTHER : MAC_VM2, MAC_VM1, 40000, 0);
		break;
	case TI_TCP6_SEED:
		build_tcp6(in, MAC_VM2, MAC_VM1, 40000);
		break;
	case TI_TCP6_CE:
		build_tcp6(in, MAC_VM2, MAC_VM1, 40000);
		in->b[14] = 0x60;
		in->b[15] = 0x30; /* traffic class 0x03: CE */
		break;
	case TI_UDP4_SEED:
		build_udp4(in, MAC_VM2, MAC_VM1, "10.0.0.2", 9, 301);
		break;
	case TI_TCP4_ECT0:
	case TI_TCP4_ECT1:
	case TI_TCP4_CE:
		build_tcp4(in, MAC_VM2, MAC_VM1, 40000,
			   k == TI_TCP4_ECT0   ? 0x02
			   : k == TI_TCP4_ECT1 ? 0x01
					       : 0x03);
		break;
	case TI_BCAST_UDP:
		build_udp4(in, MAC_BCAST, MAC_VM1, "10.0.0.255", 9, 12);
		break;
	case TI_MCAST_UDP:
		build_udp4(in, mcast, MAC_VM1, "224.0.0.251", 5353, 12);
		break;
	case TI_UDP_FIT:
	case TI_UDP_OVER:
		build_udp4(in, MAC_VM2, MAC_VM1, "10.0.0.2", 9, fit + (k == TI_UDP_OVER) - 42);
		break;
	case TI_BIG:
		cr_assert_eq(fixture_read("encap-v4-icmp4-big.pcap", &f), 0, "fixture");
		in->len = 0;
		pkt_put(in, f.b + fixture_inner_off(&f), f.len - fixture_inner_off(&f));
		break;
	}
	pkt_copy(done, in);
	if (k == TI_TCP4_SEED || k == TI_TCP6_SEED || k == TI_UDP4_SEED)
		l4_make_seed(in);
}

static void tx_case_setup(const struct tx_case *c)
{
	bool v6 = c->setup & TS_V6;
	struct vxbpf_vni_cfg cfg;
	uint32_t flags = 0;

	if (c->setup & TS_NOUDPCSUM)
		flags |= VXBPF_VNI_NOUDPCSUM;
	if (c->setup & TS_UDP6ZEROTX)
		flags |= VXBPF_VNI_UDP6ZEROCSUMTX;
	if (c->setup & TS_PROXY)
		flags |= VXBPF_VNI_PROXY;
	if (c->setup & TS_KERNEL)
		flags |= VXBPF_VNI_MIRRORED;
	tx_config(v6, flags);
	/* The bridge has learned the sender (src_* below for when not). */
	if (c->setup & TS_KERNEL)
		map_fdb_local(100, MAC_VM1, H.if_vm0);
	map_vni_get(100, &cfg);
	if (c->setup & TS_TTL_TOS) {
		cfg.ttl = 17;
		cfg.tos = 0x2b;
		cfg.flags |= VXBPF_VNI_TTL_SET;
	}
	if (c->setup & TS_RANGE) {
		cfg.srcport_min = 1000;
		cfg.srcport_max = 1001;
	}
	map_vni_put(100, &cfg);
	if (c->setup & TS_MTU_SMALL)
		h_ip(v6 ? "link set ul0 mtu 1300\n" : "link set ul0 mtu 1000\n");
	if (c->setup & TS_NO_NEIGH)
		map_fdb_remote(100, MAC_VM2, v6 ? "2001:db8::3" : "192.0.2.3", 0);
	if (c->setup & TS_NO_ROUTE)
		map_fdb_remote(100, MAC_VM2, v6 ? "2001:db8:99::1" : "198.51.100.1", 0);
	if (c->setup & TS_LOCAL)
		map_fdb_local(100, MAC_VM2, H.if_ulp);
	if (c->setup & TS_HAIRPIN)
		map_fdb_local(100, MAC_VM2, H.if_vm0);
	if (c->setup & TS_MULTI)
		map_fdb_remote(100, MAC_VM2, v6 ? REMOTE6 : REMOTE4, VXBPF_FDB_MULTI);
	if (c->setup & TS_NO_VNI)
		map_port(H.if_vm0, 300);
	if (c->setup & TS_REMOTE) {
		struct vxbpf_fdb_key k = {.vni = 100};
		struct vxbpf_fdb_val v = {.be_port = htons(8472), .remote_vni = 5000};

		memcpy(k.mac, MAC_VM2, 6);
		addr_parse(v6 ? REMOTE6 : REMOTE4, &v.dst);
		cr_assert_eq(bpf_map_update_elem(H.fdb_fd, &k, &v, BPF_ANY), 0, "fdb");
		maps_written();
	}
}

ParameterizedTestParameters(tx, table)
{
	return cr_make_param_array(struct tx_case, tx_cases,
				   sizeof(tx_cases) / sizeof(tx_cases[0]));
}

ParameterizedTest(struct tx_case *c, tx, table, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, done, want, out;
	int ifindex = c->setup & TS_NOT_PORT ? H.if_vm0p : H.if_vm0;
	bool encap = c->reason == VXBPF_R_TX_ENCAP;
	struct vxbpf_vni_stats s;

	tx_case_setup(c);
	make_tx_inner(c->inner, c->setup & TS_V6, &in, &done);
	/* tx_local: the frame as is, with a seed checksum completed (the
	 * receiving port sees CHECKSUM_NONE, see bpf/inner.h). */
	expect_run(c->name, H.port_fd, ifindex, &in, c->verdict, c->reason,
		   c->reason == VXBPF_R_TX_LOCAL ? &done : NULL, &out);
	if (encap) {
		build_vxlan(&want, &c->want, &done);
		expect_encap(c->name, &out, &want, c->zero_csum, c->setup & TS_RANGE ? 1000 : 32768,
			     c->setup & TS_RANGE ? 1001 : 61000);
	}
	if (c->inner == TI_TCP4_SEED || c->inner == TI_TCP6_SEED || c->inner == TI_UDP4_SEED) {
		size_t eth = encap ? out.len - done.len : 0;
		bool v6 = get16(out.b + eth + 12) == 0x86dd;
		size_t l4 = eth + 14 + (v6 ? 40 : 20);
		uint8_t proto = out.b[eth + 14 + (v6 ? 6 : 9)];

		cr_expect(ck_l4_ok(out.b + eth + 14, v6, out.b + l4, out.len - l4, proto),
			  "%s: inner L4 checksum not completed", c->name);
	}
	s = vni_stats(0);
	cr_expect_eq(s.tx_packets, encap ? 1 : 0, "%s: vni tx_packets %llu", c->name,
		     (unsigned long long)s.tx_packets);
	cr_expect_eq(s.rx_packets, 0, "%s: vni rx_packets counted on tx", c->name);
}

/* ---- the UDP source port ------------------------------------------------ */

static uint16_t sport_of(const struct pkt *in)
{
	static struct pkt out;
	uint32_t ret;

	cr_assert_eq(prog_run(H.port_fd, H.if_vm0, in, &out, &ret), 0, "test run");
	cr_assert_eq(ret, XDP_REDIRECT, "verdict %s", verdict_name(ret));
	return get16(out.b + 14 + 20);
}

/* The same inner flow always gets the same port: the same frame twice,
 * and a later segment of the flow (other seq, flags, payload). */
Test(tx, srcport_stable_per_flow, .init = h_setup, .fini = h_teardown)
{
	static struct pkt a, b;
	uint16_t p1, p2, p3;

	tx_config(false, 0);
	build_tcp4(&a, MAC_VM2, MAC_VM1, 40000, 0);
	p1 = sport_of(&a);
	p2 = sport_of(&a);
	pkt_copy(&b, &a);
	put32(b.b + 34 + 4, 0xdeadbeef); /* seq */
	b.b[34 + 13] = 0x10;		 /* ACK */
	pkt_put(&b, "payload!", 8);
	put16(b.b + 16, 20 + 24 + 8);
	ip4_set_tos(&b, 14, 0);
	p3 = sport_of(&b);
	cr_expect_eq(p1, p2, "same frame: ports %u and %u", p1, p2);
	cr_expect_eq(p1, p3, "same flow, other segment: ports %u and %u", p1, p3);
}

/* 64 flows (TCP source ports 40000..40063) spread over the range. */
Test(tx, srcport_spread, .init = h_setup, .fini = h_teardown)
{
	static struct pkt a;
	uint16_t ports[64];
	int distinct = 0;

	tx_config(false, 0);
	for (int i = 0; i < 64; i++) {
		build_tcp4(&a, MAC_VM2, MAC_VM1, 40000 + i, 0);
		ports[i] = sport_of(&a);
		cr_expect(ports[i] >= 32768 && ports[i] < 61000, "port %u out of range", ports[i]);
	}
	for (int i = 0; i < 64; i++) {
		int j;

		for (j = 0; j < i && ports[j] != ports[i]; j++)
			;
		distinct += j == i;
	}
	/* 64 draws from 28232 ports: a fair hash collides about once. */
	cr_expect_geq(distinct, 48, "only %d distinct source ports for 64 flows", distinct);
}

/* DF is clear, so the IPv4 ID must not be a constant (RFC 6864). */
Test(tx, ipv4_id_varies, .init = h_setup, .fini = h_teardown)
{
	static struct pkt a, out;
	uint16_t ids[8];
	uint32_t ret;
	bool varies = false;

	tx_config(false, 0);
	build_tcp4(&a, MAC_VM2, MAC_VM1, 40000, 0);
	for (int i = 0; i < 8; i++) {
		cr_assert_eq(prog_run(H.port_fd, H.if_vm0, &a, &out, &ret), 0, "test run");
		ids[i] = get16(out.b + 14 + 4);
		cr_expect_eq(get16(out.b + 14 + 6), 0, "DF or offset set: 0x%04x",
			     get16(out.b + 14 + 6));
		varies |= ids[i] != ids[0];
	}
	cr_expect(varies, "IPv4 ID constant 0x%04x over 8 packets", ids[0]);
}

/*
 * Every inner length from 14 to 1400 bytes, both underlays: the outer
 * IPv4 header and UDP checksums are right (independent recomputation),
 * lengths add up, the inner frame is carried unchanged.
 */
static void tx_sweep(bool v6)
{
	static struct pkt in, want, out;
	uint32_t ret;

	tx_config(v6, 0);
	for (size_t len = 14; len <= 1400; len++) {
		struct vx_opts o = {.v6 = v6};

		in.len = 0;
		pkt_put(&in, MAC_VM2, 6);
		pkt_put(&in, MAC_VM1, 6);
		pkt_put(&in, "\x88\xb5", 2);
		for (size_t i = 14; i < len; i++)
			in.b[in.len++] = (uint8_t)(i * 13 + 5);
		cr_assert_eq(prog_run(H.port_fd, H.if_vm0, &in, &out, &ret), 0, "test run");
		cr_assert_eq(ret, XDP_REDIRECT, "inner %zu bytes: %s", len, verdict_name(ret));
		build_vxlan(&want, &o, &in);
		expect_encap("sweep", &out, &want, false, 32768, 61000);
	}
}

Test(tx, inner_length_sweep_v4, .init = h_setup, .fini = h_teardown)
{
	tx_sweep(false);
}

Test(tx, inner_length_sweep_v6, .init = h_setup, .fini = h_teardown)
{
	tx_sweep(true);
}

/*
 * On a mirrored VNI the kernel's bridge owns the local MACs: a source it
 * has not learned on the port goes to it first; one it has (mirror copied
 * it into the fdb as local on that port) is carried, and noted in the
 * active map at most once a second for mirror to refresh in the bridge.
 * On a VNI that vxbpf runs alone there is no bridge to tell. A multicast
 * source is no MAC of the port's.
 */
static int active_vni(int ifindex, const uint8_t *mac, uint32_t *vni)
{
	struct vxbpf_active_key k = {.ifindex = ifindex};

	memcpy(k.mac, mac, 6);
	return bpf_map_lookup_elem(H.active_fd, &k, vni);
}

static unsigned active_count(void)
{
	struct vxbpf_active_key k, next;
	unsigned n = 0;

	for (int err = bpf_map_get_next_key(H.active_fd, NULL, &k); !err;
	     err = bpf_map_get_next_key(H.active_fd, &k, &next), k = next)
		n++;
	return n;
}

static void tx_frame(struct pkt *in, const uint8_t *src)
{
	in->len = 0;
	pkt_put(in, MAC_VM2, 6);
	pkt_put(in, src, 6);
	pkt_put(in, "\x88\xb5", 2);
	pkt_put(in, "0123456789abcdef0123456789abcdef0123456789ab", 46);
}

/* Make the fdb entry's last refresh ms milliseconds old. */
static void fdb_age(uint32_t vni, const uint8_t *mac, unsigned ms)
{
	struct vxbpf_fdb_key k = {.vni = vni};
	struct vxbpf_fdb_val v;
	struct timespec ts;

	memcpy(k.mac, mac, 6);
	cr_assert_eq(bpf_map_lookup_elem(H.fdb_fd, &k, &v), 0, "no fdb entry");
	clock_gettime(CLOCK_MONOTONIC, &ts);
	v.updated_ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec - ms * 1000000ULL;
	cr_assert_eq(bpf_map_update_elem(H.fdb_fd, &k, &v, BPF_EXIST), 0);
}

Test(tx, src_unknown_to_the_bridge, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, out;

	tx_config(false, VXBPF_VNI_MIRRORED);
	tx_frame(&in, MAC_VM1);
	expect_run("new source", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_SRC_LEARN, &in,
		   &out);
	cr_expect_eq(active_count(), 0, "a MAC the bridge does not have was noted");
}

Test(tx, src_on_another_port_to_the_bridge, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, out;

	tx_config(false, VXBPF_VNI_MIRRORED);
	map_fdb_local(100, MAC_VM1, H.if_ulp);
	tx_frame(&in, MAC_VM1);
	expect_run("moved here", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_SRC_LEARN, &in,
		   &out);
	/* Behind a VTEP (the VM came from another host) alike. */
	map_fdb_remote(100, MAC_VM1, "192.0.2.9", 0);
	expect_run("moved from a VTEP", H.port_fd, H.if_vm0, &in, XDP_PASS,
		   VXBPF_R_TX_SRC_LEARN, &in, &out);
	cr_expect_eq(active_count(), 0, "a MAC not on this port was noted");
}

Test(tx, src_known_noted_once_a_second, .init = h_setup, .fini = h_teardown)
{
	static const uint8_t mcast[6] = {0x03, 0, 0, 0, 0, 1};
	static struct pkt in, out;
	struct vxbpf_active_key k = {.ifindex = H.if_vm0};
	uint32_t ret, vni = 0;

	tx_config(false, VXBPF_VNI_MIRRORED);
	map_fdb_local(100, MAC_VM1, H.if_vm0);
	tx_frame(&in, MAC_VM1);
	expect_run("known source", H.port_fd, H.if_vm0, &in, XDP_REDIRECT, VXBPF_R_TX_ENCAP,
		   NULL, &out);
	cr_assert_eq(active_vni(H.if_vm0, MAC_VM1, &vni), 0, "source not noted");
	cr_expect_eq(vni, 100);
	/* Drained, as mirror does: the next frame within the second is
	 * carried without a note. */
	memcpy(k.mac, MAC_VM1, 6);
	cr_assert_eq(bpf_map_delete_elem(H.active_fd, &k), 0);
	cr_assert_eq(prog_run(H.port_fd, H.if_vm0, &in, &out, &ret), 0, "test run");
	cr_expect_eq(ret, XDP_REDIRECT, "%s", verdict_name(ret));
	cr_expect_eq(active_count(), 0, "noted twice within a second");
	/* A second later it is noted again. */
	fdb_age(100, MAC_VM1, 1100);
	cr_assert_eq(prog_run(H.port_fd, H.if_vm0, &in, &out, &ret), 0, "test run");
	cr_expect_eq(active_count(), 1, "not noted again after a second");
	/* A multicast source is not a station: to the bridge, which drops
	 * it (br_handle_frame), never noted. */
	cr_assert_eq(bpf_map_delete_elem(H.active_fd, &k), 0);
	tx_frame(&in, mcast);
	expect_run("multicast source", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_SRC_LEARN,
		   &in, &out);
	cr_expect_eq(active_count(), 0, "multicast source noted");
}

Test(tx, active_not_noted_without_kernel_bridge, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, out;
	uint32_t ret, vni;

	tx_config(false, 0);
	tx_frame(&in, MAC_VM1);
	cr_assert_eq(prog_run(H.port_fd, H.if_vm0, &in, &out, &ret), 0, "test run");
	cr_assert_eq(ret, XDP_REDIRECT, "%s", verdict_name(ret));
	cr_expect_neq(active_vni(H.if_vm0, MAC_VM1, &vni), 0, "noted on a VNI with no bridge");
}
