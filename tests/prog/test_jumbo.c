// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Jumbo frames: the XDP programs are multi-buffer (xdp.frags), and
 * BPF_PROG_TEST_RUN puts what goes past the first page of such a
 * program's frame into fragments, as veth and NIC drivers do. So every
 * frame here of more than ~3,500 bytes reaches the program in several
 * buffers, and what is checked is that lengths, checksums and rewrites take
 * the whole frame: decapsulation and encapsulation byte-exact against the
 * frames pkt.c builds, outer checksums verified and computed over the
 * fragments, and the limits (9216 bytes summed, the path MTU) by the whole
 * frame's length.
 *
 * Before Linux 6.3 XDP cannot redirect a multi-buffer frame (bpf/stats.h),
 * nor to a device whose driver cannot send one (no XMIT_SG flag from
 * `attach` / `port add`): there decapsulation hands it to tc_host_rx (PORT
 * note in the metadata) and encapsulation passes it to tc_port_rx
 * (tx_frags); the expectations follow the running kernel and the flags.
 *
 *   rx: A (192.0.2.1) ══VXLAN 100, ~9000 bytes══▶ [ul0 xdp_vxlan_rx] B ──▶ vm0 (bb:01)
 *   tx: VM1 ──▶ [vm0 xdp_port_rx] A ══ul0 mtu 9000══▶ 192.0.2.2
 */
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <criterion/criterion.h>

#include "harness.h"
#include "pins.h"

/* Multi-buffer XDP came with Linux 5.18. */
static void jumbo_setup(void)
{
	h_setup();
	if (!xdp_frags_supported())
		cr_skip_test("no multi-buffer XDP before Linux 5.18");
}

/* A TCP segment of a VM with MTU 8950: 8950 - 40 bytes of payload over an
 * IPv4 inner header. */
#define SEG_PAYLOAD 8850

/* Whether the devices take multi-buffer frames from XDP (XMIT_SG): the
 * kernel must, and the device must say so. */
static bool sg = true;

static bool redirects(void)
{
	return sg && kernel_redirects_frags();
}

static void rx_setup(bool v6)
{

	map_vni(100, v6 ? "2001:db8::2" : "192.0.2.2", 0);
	map_vtep(100, v6 ? "2001:db8::1" : "192.0.2.1");
	map_fdb_local(100, MAC_VM2, H.if_vm0);
	/* vm0 a port, as `port add` leaves it on a driver that has NDO_XMIT_SG. */
	map_port_flags(H.if_vm0, 100, sg ? VXBPF_PORT_XMIT_SG : 0);
	/* As `vxbpf attach ul0` leaves it: tc_host_rx behind XDP. */
	map_underlay(H.if_ul0, VXBPF_UNDERLAY_XDP | VXBPF_UNDERLAY_TC_RX);
}

static void tx_setup(bool v6, uint32_t flags, const char *mtu)
{
	char cmd[64];

	map_vni(100, v6 ? "2001:db8::1" : "192.0.2.1", flags);
	map_fdb_remote(100, MAC_VM2, v6 ? "2001:db8::2" : "192.0.2.2", 0);
	map_port(H.if_vm0, 100);
	map_underlay(H.if_ul0, VXBPF_UNDERLAY_XDP | (sg ? VXBPF_UNDERLAY_XMIT_SG : 0));
	snprintf(cmd, sizeof(cmd), "link set ul0 mtu %s\n", mtu);
	h_ip(cmd);
}

/*
 * Decapsulated: redirected to vm0 as want (6.3+), or handed to tc_host_rx
 * for vm0 with the inner frame behind the note (before).
 */
static void expect_decap(const char *name, const struct pkt *in, const struct pkt *want)
{
	static struct pkt out, noted;
	struct vxbpf_host_meta m = { .magic = VXBPF_PORT_META_MAGIC, .ifindex = H.if_vm0 };

	if (redirects()) {
		expect_run(name, H.rx_fd, H.if_ul0, in, XDP_REDIRECT, VXBPF_R_RX_DECAP, want, &out);
		return;
	}
	noted.len = 0;
	pkt_put(&noted, &m, sizeof(m));
	pkt_put(&noted, want->b, want->len);
	expect_run(name, H.rx_fd, H.if_ul0, in, XDP_PASS, VXBPF_R_RX_DECAP, &noted, &out);
}

Test(jumbo, rx_decap, .init = jumbo_setup, .fini = h_teardown)
{
	static struct pkt inner, in, seed;
	struct vxbpf_vni_stats s;
	size_t sent = 0;

	for (int v6 = 0; v6 < 2; v6++) {
		struct vx_opts o = { .v6 = v6 };
		char name[64];

		rx_setup(v6);
		/* Even and odd lengths: an odd one leaves the last byte of the
		 * sum alone in its word, wherever the buffers split. */
		for (size_t pay = SEG_PAYLOAD; pay <= SEG_PAYLOAD + 1; pay++) {
			build_tcp_data(&inner, v6, MAC_VM2, MAC_VM1, pay);
			build_vxlan(&in, &o, &inner);
			cr_assert_gt(in.len, 8900, "a jumbo frame");
			snprintf(name, sizeof(name), "v6=%d payload %zu", v6, pay);
			expect_decap(name, &in, &inner);
			sent += inner.len;

			/* A sender on this machine with checksum offload: the
			 * seed, finished over the fragments by the fast path;
			 * the outer checksum as Linux computes it then (LCO). */
			pkt_copy(&seed, &inner);
			l4_make_seed(&seed);
			o.ck = CK_LCO;
			build_vxlan(&in, &o, &seed);
			o.ck = CK_OK;
			snprintf(name, sizeof(name), "v6=%d payload %zu, seed", v6, pay);
			expect_decap(name, &in, &inner);
			sent += inner.len;
		}
	}
	s = vni_stats(0);
	cr_expect_eq(s.rx_packets, 8);
	cr_expect_eq(s.rx_bytes, sent, "vni rx_bytes %llu, want %zu (whole frames)",
		     (unsigned long long)s.rx_bytes, sent);
}

/*
 * The outer checksum covers the fragments: one wrong byte in the last
 * buffer of a frame that is summed whole (ICMP) is a wrong checksum. A
 * TCP/UDP inner frame is verified from its headers (decap.h): a wrong
 * outer checksum field is still dropped, a changed payload byte breaks
 * the inner checksum too and goes to the VM, which drops it.
 */
Test(jumbo, rx_checksum, .init = jumbo_setup, .fini = h_teardown)
{
	static struct pkt inner, in, want;
	struct vx_opts o = {};

	rx_setup(false);
	build_tcp_data(&inner, false, MAC_VM2, MAC_VM1, SEG_PAYLOAD);
	o.ck = CK_BAD;
	build_vxlan(&in, &o, &inner);
	expect_run("checksum + 1", H.rx_fd, H.if_ul0, &in, XDP_DROP, VXBPF_R_RX_BAD_CSUM, NULL, NULL);

	o.ck = CK_OK;
	build_vxlan(&in, &o, &inner);
	in.b[in.len - 2] ^= 0x01; /* the payload, not the checksum field */
	pkt_copy(&want, &inner);
	want.b[want.len - 2] ^= 0x01;
	cr_assert(!ck_l4_ok(want.b + 14, false, want.b + 34, want.len - 34, 6));
	expect_decap("tcp, last buffer changed: the VM's to drop", &in, &want);

	build_icmp4(&inner, MAC_VM2, MAC_VM1, SEG_PAYLOAD);
	o.ck = CK_BAD;
	build_vxlan(&in, &o, &inner);
	expect_run("icmp, checksum + 1", H.rx_fd, H.if_ul0, &in, XDP_DROP, VXBPF_R_RX_BAD_CSUM, NULL,
		   NULL);
	o.ck = CK_OK;
	build_vxlan(&in, &o, &inner);
	in.b[in.len - 2] ^= 0x01;
	expect_run("icmp, last buffer changed", H.rx_fd, H.if_ul0, &in, XDP_DROP, VXBPF_R_RX_BAD_CSUM,
		   NULL, NULL);

	o.ck = CK_ZERO;
	build_vxlan(&in, &o, &inner);
	expect_decap("no checksum", &in, &inner);
}

/*
 * Lengths are the whole frame's: a datagram that does not fill it exactly
 * is the kernel's (padding past the first buffer included), and what is
 * summed stops at 9216 bytes, enough for a 9216-byte underlay MTU; beyond,
 * the kernel checks the checksum (rx_frags). A TCP/UDP inner frame with a
 * valid checksum is not summed (decap.h): no limit. Without a checksum
 * there is nothing to sum, and any length is carried.
 */
Test(jumbo, rx_lengths, .init = jumbo_setup, .fini = h_teardown)
{
	static struct pkt inner, in;
	struct vx_opts o = {};

	rx_setup(false);
	build_tcp_data(&inner, false, MAC_VM2, MAC_VM1, SEG_PAYLOAD);
	build_vxlan(&in, &o, &inner);
	pkt_put(&in, "\0\0\0\0\0\0\0\0", 8);
	expect_run("8 bytes of padding", H.rx_fd, H.if_ul0, &in, XDP_PASS, VXBPF_R_RX_MALFORMED, NULL,
		   NULL);

	/* UDP length 9216: the longest that is summed. */
	build_tcp_data(&inner, false, MAC_VM2, MAC_VM1, 9216 - 16 - 14 - 40);
	build_vxlan(&in, &o, &inner);
	cr_assert_eq(get16(in.b + 14 + 20 + 4), 9216);
	expect_decap("UDP length 9216", &in, &inner);

	build_tcp_data(&inner, false, MAC_VM2, MAC_VM1, 9217 - 16 - 14 - 40);
	build_vxlan(&in, &o, &inner);
	expect_decap("UDP length 9217, tcp: from the headers", &in, &inner);

	/* ICMP: summed whole, so the limit holds. */
	build_icmp4(&inner, MAC_VM2, MAC_VM1, 9216 - 16 - 14 - 28);
	build_vxlan(&in, &o, &inner);
	cr_assert_eq(get16(in.b + 14 + 20 + 4), 9216);
	expect_decap("UDP length 9216, icmp", &in, &inner);
	build_icmp4(&inner, MAC_VM2, MAC_VM1, 9217 - 16 - 14 - 28);
	build_vxlan(&in, &o, &inner);
	expect_run("UDP length 9217, icmp", H.rx_fd, H.if_ul0, &in, XDP_PASS, VXBPF_R_RX_FRAGS, NULL,
		   NULL);

	o.ck = CK_ZERO;
	build_vxlan(&in, &o, &inner);
	expect_decap("UDP length 9217, no checksum", &in, &inner);
}

/*
 * Encapsulated: redirected as Linux would send it (6.3+: field by field,
 * expect_encap, which sums the outer checksum anew over the whole frame),
 * or passed untouched to tc_port_rx (before).
 */
static void expect_tx(const char *name, const struct pkt *in, const struct pkt *done, bool v6,
		      bool zero_csum)
{
	static struct pkt out, want;
	struct vx_opts o = { .v6 = v6 };

	if (!redirects()) {
		expect_run(name, H.port_fd, H.if_vm0, in, XDP_PASS, VXBPF_R_TX_FRAGS, NULL, &out);
		return;
	}
	expect_run(name, H.port_fd, H.if_vm0, in, XDP_REDIRECT, VXBPF_R_TX_ENCAP, NULL, &out);
	build_vxlan(&want, &o, done);
	expect_encap(name, &out, &want, zero_csum, 32768, 61000);
}

Test(jumbo, tx_encap, .init = jumbo_setup, .fini = h_teardown)
{
	static struct pkt inner, seed;
	struct vxbpf_vni_stats s;
	size_t sent = 0;

	for (int v6 = 0; v6 < 2; v6++) {
		char name[64];

		tx_setup(v6, 0, "9000");
		for (size_t pay = SEG_PAYLOAD; pay <= SEG_PAYLOAD + 1; pay++) {
			/* TCP: the outer checksum from the headers (LCO). */
			build_tcp_data(&inner, false, MAC_VM2, MAC_VM1, pay);
			snprintf(name, sizeof(name), "tcp v6=%d payload %zu", v6, pay);
			expect_tx(name, &inner, &inner, v6, false);
			sent += inner.len;
			/* The seed, finished over the fragments. */
			pkt_copy(&seed, &inner);
			l4_make_seed(&seed);
			snprintf(name, sizeof(name), "tcp seed v6=%d payload %zu", v6, pay);
			expect_tx(name, &seed, &inner, v6, false);
			sent += inner.len;
			/* ICMP: the whole frame summed, fragments included. */
			build_icmp4(&inner, MAC_VM2, MAC_VM1, pay);
			snprintf(name, sizeof(name), "icmp v6=%d payload %zu", v6, pay);
			expect_tx(name, &inner, &inner, v6, false);
			sent += inner.len;
		}
	}
	s = vni_stats(0);
	if (redirects()) {
		cr_expect_eq(s.tx_packets, 12);
		cr_expect_eq(s.tx_bytes, sent, "vni tx_bytes %llu, want %zu (whole frames)",
			     (unsigned long long)s.tx_bytes, sent);
	}
}

/*
 * The sum stops at 9216 bytes: a longer frame that needs one (not TCP or
 * UDP) goes to TC or the kernel (tx_frags); TCP does not need it, nor
 * does a VNI without outer checksums.
 */
Test(jumbo, tx_limit, .init = jumbo_setup, .fini = h_teardown)
{
	static struct pkt inner;

	tx_setup(false, 0, "9500");
	build_icmp4(&inner, MAC_VM2, MAC_VM1, 9216 - 14 - 20 - 8);
	expect_tx("icmp 9216 bytes", &inner, &inner, false, false);
	build_icmp4(&inner, MAC_VM2, MAC_VM1, 9217 - 14 - 20 - 8);
	expect_run("icmp 9217 bytes", H.port_fd, H.if_vm0, &inner, XDP_PASS, VXBPF_R_TX_FRAGS, NULL,
		   NULL);
	build_tcp_data(&inner, false, MAC_VM2, MAC_VM1, 9300);
	expect_tx("tcp 9354 bytes", &inner, &inner, false, false);
}

Test(jumbo, tx_limit_noudpcsum, .init = jumbo_setup, .fini = h_teardown)
{
	static struct pkt inner;

	tx_setup(false, VXBPF_VNI_NOUDPCSUM, "9500");
	build_icmp4(&inner, MAC_VM2, MAC_VM1, 9300);
	expect_tx("icmp 9342 bytes, noudpcsum", &inner, &inner, false, true);
}

/*
 * The path MTU is the whole frame's: on a 9000-byte underlay an inner IP
 * packet of 8950 bytes fits, 8951 is answered (frag needed, MTU 8950), the
 * reply cut to 576 bytes from a frame in several buffers.
 */
Test(jumbo, pmtu, .init = jumbo_setup, .fini = h_teardown)
{
	static struct pkt inner, out;
	const uint8_t *ip = out.b + 14, *icmp = ip + 20;

	tx_setup(false, 0, "9000");
	build_tcp_data(&inner, false, MAC_VM2, MAC_VM1, 8950 - 40);
	expect_tx("8950 fits", &inner, &inner, false, false);

	build_tcp_data(&inner, false, MAC_VM2, MAC_VM1, 8951 - 40);
	expect_run("8951: frag needed", H.port_fd, H.if_vm0, &inner, XDP_REDIRECT,
		   VXBPF_R_TX_PMTU_REPLY, NULL, &out);
	cr_assert_eq(out.len, 14 + 576, "reply length %zu", out.len);
	cr_expect(!memcmp(out.b, MAC_VM1, 6), "back to the VM");
	cr_expect_eq(get16(ip + 2), 576, "tot_len");
	cr_expect(ck_ip4_ok(ip), "IPv4 header checksum");
	cr_expect_eq(icmp[0], 3);
	cr_expect_eq(icmp[1], 4);
	cr_expect_eq(get16(icmp + 6), 8950, "mtu %u", get16(icmp + 6));
	cr_expect_eq(ck_fold(ck_add(0, icmp, 576 - 20)), 0, "ICMP checksum");
	cr_expect(!memcmp(icmp + 8, inner.b + 14, 576 - 28), "the frame's start quoted");
}

/* A device whose driver cannot send multi-buffer frames from XDP (no
 * XMIT_SG): they go by TC, whatever the kernel. */
Test(jumbo, no_xmit_sg, .init = jumbo_setup, .fini = h_teardown)
{
	static struct pkt inner, in;
	struct vx_opts o = {};

	sg = false;
	rx_setup(false);
	build_tcp_data(&inner, false, MAC_VM2, MAC_VM1, SEG_PAYLOAD);
	build_vxlan(&in, &o, &inner);
	expect_decap("rx, port without XMIT_SG", &in, &inner);
	tx_setup(false, 0, "9000");
	expect_tx("tx, underlay without XMIT_SG", &inner, &inner, false, false);
	/* A one-buffer frame does not care. */
	build_tcp_data(&inner, false, MAC_VM2, MAC_VM1, 1000);
	expect_run("tx, 1054 bytes", H.port_fd, H.if_vm0, &inner, XDP_REDIRECT, VXBPF_R_TX_ENCAP,
		   NULL, NULL);
}
