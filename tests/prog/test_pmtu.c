// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdp_port_rx: a VM's frame too big for the underlay once encapsulated is
 * answered as the kernel's vxlan device answers it (bpf/pmtu.h): ICMP
 * "fragmentation needed" / ICMPv6 "packet too big" back out of the port.
 * Every field of the reply is checked here against what
 * iptunnel_pmtud_build_icmp[v6]() writes, the checksums summed anew;
 * tests/net/pmtu.sh compares the bytes with a Linux host's.
 *
 *   VM1 (aa:01, 10.0.0.1) ──▶ [vm0 xdp_port_rx] A ══ul0 (mtu 1000 / 1300)══▶ VM2 behind 192.0.2.2
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "harness.h"
#include "vxbpf.skel.h"

static void setup(bool v6, const char *ul_mtu)
{
	char cmd[64];

	map_vni(100, v6 ? "2001:db8::1" : "192.0.2.1", 0);
	map_fdb_remote(100, MAC_VM2, v6 ? "2001:db8::2" : "192.0.2.2", 0);
	map_port(H.if_vm0, 100);
	snprintf(cmd, sizeof(cmd), "link set ul0 mtu %s\n", ul_mtu);
	h_ip(cmd);
}

/* Ethernet + IPv4 (frag_off, TTL 61, protocol proto) + len bytes of payload. */
static void frame4(struct pkt *p, size_t len, uint16_t frag_off, uint8_t proto, const char *dst)
{
	uint8_t h[20] = { 0x45, 0x00 };

	p->len = 0;
	pkt_put(p, MAC_VM2, 6);
	pkt_put(p, MAC_VM1, 6);
	pkt_put(p, "\x08\x00", 2);
	put16(h + 2, 20 + len);
	put16(h + 4, 0x5151);
	put16(h + 6, frag_off);
	h[8] = 61;
	h[9] = proto;
	ip4_parse("10.0.0.1", h + 12);
	ip4_parse(dst, h + 16);
	put16(h + 10, ck_fold(ck_add(0, h, 20)));
	pkt_put(p, h, 20);
	for (size_t i = 0; i < len; i++) {
		uint8_t b = (uint8_t)(i * 7);

		pkt_put(p, &b, 1);
	}
}

/* Ethernet + IPv6 (hop limit 33, next header nh) + len bytes of payload. */
static void frame6(struct pkt *p, size_t len, uint8_t nh, const char *src)
{
	uint8_t h[40] = { 0x60, 0x0a, 0xbc, 0xde };

	p->len = 0;
	pkt_put(p, MAC_VM2, 6);
	pkt_put(p, MAC_VM1, 6);
	pkt_put(p, "\x86\xdd", 2);
	put16(h + 4, len);
	h[6] = nh;
	h[7] = 33;
	ip6_parse(src, h + 8);
	ip6_parse("fd00::2", h + 24);
	pkt_put(p, h, 40);
	for (size_t i = 0; i < len; i++) {
		uint8_t b = (uint8_t)(i * 5 + 1);

		pkt_put(p, &b, 1);
	}
	if (nh == 58 && len)
		p->b[54] = 128; /* an echo request */
}

/* The reply to in, checked field by field; mtu: what it must announce. */
static void check_reply4(const struct pkt *in, const struct pkt *out, uint16_t mtu)
{
	const uint8_t *ip = out->b + 14, *icmp = ip + 20;
	size_t quoted = in->len - 14 > 548 ? 548 : in->len - 14;

	cr_assert_eq(out->len, 14 + 20 + 8 + quoted, "length %zu", out->len);
	cr_expect(!memcmp(out->b, MAC_VM1, 6) && !memcmp(out->b + 6, MAC_VM2, 6),
		  "Ethernet: back to the VM, from its destination");
	cr_expect_eq(get16(out->b + 12), 0x0800);
	cr_expect_eq(ip[0], 0x45);
	cr_expect_eq(ip[1], 0, "TOS");
	cr_expect_eq(get16(ip + 2), 20 + 8 + quoted, "tot_len");
	cr_expect_eq(get16(ip + 4), 0, "ID");
	cr_expect_eq(get16(ip + 6), 0x4000, "DF");
	cr_expect_eq(ip[8], 61, "TTL: the frame's");
	cr_expect_eq(ip[9], 1, "ICMP");
	cr_expect(!memcmp(ip + 12, in->b + 14 + 16, 4) && !memcmp(ip + 16, in->b + 14 + 12, 4),
		  "addresses swapped");
	cr_expect(ck_ip4_ok(ip), "IPv4 header checksum");
	cr_expect_eq(icmp[0], 3);
	cr_expect_eq(icmp[1], 4);
	cr_expect_eq(get16(icmp + 4), 0, "unused");
	cr_expect_eq(get16(icmp + 6), mtu, "mtu %u, want %u", get16(icmp + 6), mtu);
	cr_expect_eq(ck_fold(ck_add(0, icmp, 8 + quoted)), 0, "ICMP checksum");
	cr_expect(!memcmp(icmp + 8, in->b + 14, quoted), "the frame's IP packet quoted");
}

Test(pmtu, v4_frag_needed, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, out;

	setup(false, "1000");
	/* 1000 - 50 = 950 fits; 951 does not. */
	frame4(&in, 950 - 20, 0x4000, 17, "10.0.0.2");
	expect_run("fits", H.port_fd, H.if_vm0, &in, XDP_REDIRECT, VXBPF_R_TX_ENCAP, NULL, &out);
	frame4(&in, 951 - 20, 0x4000, 17, "10.0.0.2");
	expect_run("one over", H.port_fd, H.if_vm0, &in, XDP_REDIRECT, VXBPF_R_TX_PMTU_REPLY, NULL, &out);
	check_reply4(&in, &out, 950);
}

/* Where the kernel sends nothing, vxbpf sends nothing: the frame goes on
 * as before (tx_mtu, to the kernel or TC). */
Test(pmtu, v4_no_reply, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, out;

	setup(false, "1000");
	frame4(&in, 1200, 0, 17, "10.0.0.2");
	expect_run("no DF", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_MTU, NULL, &out);
	frame4(&in, 1200, 0x4000 | 0x2000, 17, "10.0.0.2");
	expect_run("DF + MF", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_MTU, NULL, &out);
	frame4(&in, 1200, 0x4000, 17, "224.0.0.9");
	expect_run("multicast dst", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_MTU, NULL, &out);
	frame4(&in, 1200, 0x4000, 1, "10.0.0.2");
	in.b[34] = 3; /* an ICMP error itself */
	expect_run("ICMP error", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_MTU, NULL, &out);
	in.b[34] = 8; /* an echo request gets one */
	expect_run("ICMP echo", H.port_fd, H.if_vm0, &in, XDP_REDIRECT, VXBPF_R_TX_PMTU_REPLY, NULL, &out);
}

/* No DF, too big, its UDP checksum left to offload (the seed): XDP cannot
 * hand TC an skb without CHECKSUM_PARTIAL, so it sends the frame through
 * the CPU map, checksum finished, to be fragmented in TC (frag.h). With
 * no entry for the CPU, passed as it came. */
Test(pmtu, v4_no_df_offloaded_checksum, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, done, out;
	struct bpf_cpumap_val v = {.qsize = 64};
	int fd = bpf_map__fd(H.skel->maps.vxbpf_cpumap), n = libbpf_num_possible_cpus();

	setup(false, "1000");
	build_udp4(&in, MAC_VM2, MAC_VM1, "10.0.0.2", 9, 1200);
	put16(in.b + 20, 0); /* no DF */
	put16(in.b + 24, 0);
	put16(in.b + 24, ck_fold(ck_add(0, in.b + 14, 20)));
	pkt_copy(&done, &in);
	l4_make_seed(&in);
	expect_run("no entry", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_MTU, &in, &out);
	for (uint32_t cpu = 0; cpu < (uint32_t)n; cpu++)
		cr_assert_eq(bpf_map_update_elem(fd, &cpu, &v, BPF_ANY), 0, "cpumap entry %u", cpu);
	expect_run("via the CPU map", H.port_fd, H.if_vm0, &in, XDP_REDIRECT, VXBPF_R_TX_MTU, &done,
		   &out);
	/* A complete checksum, or DF: not this way. */
	expect_run("complete", H.port_fd, H.if_vm0, &done, XDP_PASS, VXBPF_R_TX_MTU, &done, &out);
	put16(in.b + 20, 0x4000);
	put16(in.b + 24, 0);
	put16(in.b + 24, ck_fold(ck_add(0, in.b + 14, 20)));
	expect_run("DF, rate limit aside", H.port_fd, H.if_vm0, &in, XDP_REDIRECT,
		   VXBPF_R_TX_PMTU_REPLY, NULL, &out);
}

/* An MTU under 576 is not announced (the kernel's rule). */
Test(pmtu, v4_mtu_under_576, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, out;

	setup(false, "625"); /* 575 left */
	frame4(&in, 1000, 0x4000, 17, "10.0.0.2");
	expect_run("575 < 576", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_MTU, NULL, &out);
	h_ip("link set ul0 mtu 626\n");
	expect_run("576", H.port_fd, H.if_vm0, &in, XDP_REDIRECT, VXBPF_R_TX_PMTU_REPLY, NULL, &out);
	check_reply4(&in, &out, 576);
}

static void check_reply6(const struct pkt *in, const struct pkt *out, uint32_t mtu)
{
	const uint8_t *ip = out->b + 14, *icmp = ip + 40;
	size_t quoted = in->len - 14 > 1232 ? 1232 : in->len - 14;
	uint64_t sum;

	cr_assert_eq(out->len, 14 + 40 + 8 + quoted, "length %zu", out->len);
	cr_expect(!memcmp(out->b, MAC_VM1, 6) && !memcmp(out->b + 6, MAC_VM2, 6));
	cr_expect_eq(get16(out->b + 12), 0x86dd);
	cr_expect_eq(get32(ip), 0x60000000, "version 6, class 0, no flow label");
	cr_expect_eq(get16(ip + 4), 8 + quoted, "payload length");
	cr_expect_eq(ip[6], 58);
	cr_expect_eq(ip[7], 33, "hop limit: the frame's");
	cr_expect(!memcmp(ip + 8, in->b + 14 + 24, 16) && !memcmp(ip + 24, in->b + 14 + 8, 16),
		  "addresses swapped");
	cr_expect_eq(icmp[0], 2);
	cr_expect_eq(icmp[1], 0);
	cr_expect_eq(get32(icmp + 4), mtu, "mtu %u, want %u", get32(icmp + 4), mtu);
	sum = ck_pseudo(ip + 8, ip + 24, true, 8 + quoted, 58);
	cr_expect_eq(ck_fold(ck_add(sum, icmp, 8 + quoted)), 0, "ICMPv6 checksum");
	cr_expect(!memcmp(icmp + 8, in->b + 14, quoted), "the frame's IPv6 packet quoted");
}

Test(pmtu, v6_packet_too_big, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, out;

	/* IPv6 underlay 1400: 1330 for the VM. */
	setup(true, "1400");
	frame6(&in, 1330 - 40, 17, "fd00::1");
	expect_run("fits", H.port_fd, H.if_vm0, &in, XDP_REDIRECT, VXBPF_R_TX_ENCAP, NULL, &out);
	frame6(&in, 1331 - 40, 17, "fd00::1");
	expect_run("one over", H.port_fd, H.if_vm0, &in, XDP_REDIRECT, VXBPF_R_TX_PMTU_REPLY, NULL, &out);
	check_reply6(&in, &out, 1330);
	frame6(&in, 1331 - 40, 58, "fd00::1");
	expect_run("echo request", H.port_fd, H.if_vm0, &in, XDP_REDIRECT, VXBPF_R_TX_PMTU_REPLY, NULL, &out);
	check_reply6(&in, &out, 1330);
}

Test(pmtu, v6_no_reply, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, out;

	setup(false, "1300"); /* IPv4 underlay: 1250 < 1280, no reply */
	frame6(&in, 1300, 17, "fd00::1");
	expect_run("mtu < 1280", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_MTU, NULL, &out);
	h_ip("link set ul0 mtu 1500\n");
	frame6(&in, 1500, 44, "fd00::1");
	expect_run("fragment header", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_MTU, NULL, &out);
	frame6(&in, 1500, 59, "fd00::1");
	expect_run("no next header", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_MTU, NULL, &out);
	frame6(&in, 1500, 17, "::");
	expect_run("unspecified source", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_MTU, NULL, &out);
	frame6(&in, 1500, 58, "fd00::1");
	in.b[54] = 1; /* an ICMPv6 error */
	expect_run("ICMPv6 error", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_MTU, NULL, &out);
}

/* A burst of six per VM and destination, then one a second: the seventh
 * passes as before; another destination, or another VM, has its own. */
Test(pmtu, rate_limited_per_vm_and_destination, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, out;
	int i;

	setup(false, "1000");
	frame4(&in, 1200, 0x4000, 17, "10.0.0.2");
	for (i = 0; i < 6; i++)
		expect_run("burst", H.port_fd, H.if_vm0, &in, XDP_REDIRECT, VXBPF_R_TX_PMTU_REPLY, NULL, &out);
	expect_run("7th", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_MTU, NULL, &out);
	frame4(&in, 1200, 0x4000, 17, "10.0.0.3");
	expect_run("other destination", H.port_fd, H.if_vm0, &in, XDP_REDIRECT,
		   VXBPF_R_TX_PMTU_REPLY, NULL, &out);
	frame4(&in, 1200, 0x4000, 17, "10.0.0.2");
	/* Another VM has its own. */
	memcpy(in.b + 6, "\x02\x00\x00\x00\xaa\x02", 6);
	expect_run("other VM", H.port_fd, H.if_vm0, &in, XDP_REDIRECT, VXBPF_R_TX_PMTU_REPLY, NULL, &out);
}
