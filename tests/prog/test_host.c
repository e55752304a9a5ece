// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The host's own traffic through a kernel vxlan device (bpf/host.h):
 * tc_host_tx at the device's egress, and xdp_vxlan_rx's handover of frames
 * for the device's MAC to tc_host_rx.
 *
 * tx: we are host A of tests/fixtures/README.md (local 192.0.2.1 or
 * 2001:db8::1, fdb 02:00:00:00:bb:01 → 192.0.2.2 / 2001:db8::2); vm0
 * stands in for the vxlan device (hostdevs[vm0] = VNI 100): the program
 * does not care what kind of device it runs on. What it sends must be what
 * Linux's vxlan device sent for the same frames (the fixtures).
 */
#include <arpa/inet.h>
#include <string.h>

#include <linux/pkt_cls.h> /* TC_ACT_UNSPEC: not mine, the next program or filter */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "harness.h"
#include "vxbpf.skel.h"


static void hostdev(int ifindex, uint32_t vni)
{
	struct vxbpf_hostdev v = {.vni = vni};
	__u32 k = ifindex;

	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(H.skel->maps.vxbpf_hostdevs), &k, &v, BPF_ANY),
		     0, "hostdevs update");
}

static void tx_config(bool v6, uint32_t flags)
{
	map_vni(100, v6 ? "2001:db8::1" : "192.0.2.1", flags);
	map_fdb_remote(100, MAC_VM2, v6 ? "2001:db8::2" : "192.0.2.2", 0);
	hostdev(H.if_vm0, 100);
}

ParameterizedTestParameters(host, fixture)
{
	return cr_make_param_array(struct fixture_name, fixtures, N_FIXTURES);
}

/* Linux's own frames, encapsulated by tc_host_tx: the same on the wire. */
ParameterizedTest(struct fixture_name *f, host, fixture, .init = h_setup, .fini = h_teardown)
{
	static struct pkt golden, inner, out;
	struct vxbpf_vni_stats s;
	size_t off;

	cr_assert_eq(fixture_read(f->s, &golden), 0, "read %s", f->s);
	tx_config(get16(golden.b + 12) == 0x86dd, 0);
	off = fixture_inner_off(&golden);
	inner.len = 0;
	pkt_put(&inner, golden.b + off, golden.len - off);
	expect_run(f->s, H.host_tx_fd, H.if_vm0, &inner, TC_ACT_REDIRECT, VXBPF_R_TX_HOST_ENCAP,
		   NULL, &out);
	expect_encap(f->s, &out, &golden, false, 32768, 61000);
	s = vni_stats(0);
	cr_expect_eq(s.tx_packets, 1, "%s: vni tx_packets %llu", f->s,
		     (unsigned long long)s.tx_packets);
}

/* A CHECKSUM_PARTIAL seed is left for the device; the outer checksum is
 * the one the frame has once the device has finished the inner one. */
Test(host, seed_lco, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, out;
	size_t l4;

	for (int v6 = 0; v6 <= 1; v6++) {
		tx_config(v6, 0);
		build_tcp4(&in, MAC_VM2, MAC_VM1, 40000, 0);
		l4_make_seed(&in);
		expect_run("seed", H.host_tx_fd, H.if_vm0, &in, TC_ACT_REDIRECT,
			   VXBPF_R_TX_HOST_ENCAP, NULL, &out);
		l4 = 14 + (v6 ? 40 : 20);
		cr_assert(out.len == in.len + l4 + 16, "seed: output %zu bytes", out.len);
		cr_expect(!memcmp(out.b + l4 + 16, in.b, in.len), "seed: inner frame changed");
		/* Finish the inner checksum as the device would, then the
		 * outer one must hold. */
		{
			static struct pkt inner;

			inner.len = 0;
			pkt_put(&inner, out.b + l4 + 16, in.len);
			l4_complete(&inner);
			memcpy(out.b + l4 + 16, inner.b, inner.len);
		}
		cr_expect(ck_l4_ok(out.b + 14, v6, out.b + l4, out.len - l4, 17),
			  "seed v%d: outer UDP checksum 0x%04x wrong", v6 ? 6 : 4,
			  get16(out.b + l4 + 6));
	}
}

/* The same for an IPv6 inner frame. */
Test(host, seed_lco_inner6, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, out, inner;
	size_t l4 = 14 + 20;

	tx_config(false, 0);
	build_tcp6(&in, MAC_VM2, MAC_VM1, 40000);
	l4_make_seed(&in);
	expect_run("seed6", H.host_tx_fd, H.if_vm0, &in, TC_ACT_REDIRECT, VXBPF_R_TX_HOST_ENCAP,
		   NULL, &out);
	cr_assert(out.len == in.len + l4 + 16, "seed6: output %zu bytes", out.len);
	inner.len = 0;
	pkt_put(&inner, out.b + l4 + 16, in.len);
	l4_complete(&inner);
	memcpy(out.b + l4 + 16, inner.b, inner.len);
	cr_expect(ck_l4_ok(out.b + 14, false, out.b + l4, out.len - l4, 17),
		  "seed6: outer UDP checksum 0x%04x wrong", get16(out.b + l4 + 6));
}

/* A TCP frame whose sum does not follow from its headers (padding after
 * the IP packet) may hold a seed: the kernel must checksum it. */
Test(host, csum_to_kernel, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in;

	tx_config(false, 0);
	build_tcp4(&in, MAC_VM2, MAC_VM1, 40000, 0);
	pkt_put(&in, (const uint8_t[]){ 0, 0, 0, 0 }, 4);
	expect_run("padded TCP", H.host_tx_fd, H.if_vm0, &in, TC_ACT_UNSPEC,
		   VXBPF_R_TX_HOST_CSUM, &in, NULL);
	/* Without an outer checksum nothing needs summing. */
	tx_config(false, VXBPF_VNI_NOUDPCSUM);
	expect_run("padded TCP, noudpcsum", H.host_tx_fd, H.if_vm0, &in, TC_ACT_REDIRECT,
		   VXBPF_R_TX_HOST_ENCAP, NULL, NULL);
}

Test(host, noudpcsum, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, out;

	tx_config(false, VXBPF_VNI_NOUDPCSUM);
	build_tcp4(&in, MAC_VM2, MAC_VM1, 40000, 0);
	expect_run("noudpcsum", H.host_tx_fd, H.if_vm0, &in, TC_ACT_REDIRECT, VXBPF_R_TX_HOST_ENCAP,
		   NULL, &out);
	cr_expect_eq(get16(out.b + 14 + 20 + 6), 0, "UDP checksum sent");
}

/* What stays with the kernel's vxlan device: untouched, one reason. */
Test(host, passed, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, arp;
	uint8_t other[6];

	tx_config(false, 0);
	memcpy(other, MAC_OTHER, 6);
	build_udp4(&in, MAC_BCAST, MAC_VM1, "10.0.0.255", 9, 10);
	expect_run("broadcast", H.host_tx_fd, H.if_vm0, &in, TC_ACT_UNSPEC, VXBPF_R_TX_BUM, &in, NULL);
	build_tcp4(&in, other, MAC_VM1, 40000, 0);
	expect_run("unknown dst", H.host_tx_fd, H.if_vm0, &in, TC_ACT_UNSPEC, VXBPF_R_TX_UNKNOWN_DST,
		   &in, NULL);
	build_tcp4(&in, MAC_VM2, MAC_VM1, 40000, 0);
	expect_run("not a host device", H.host_tx_fd, H.if_vm0p, &in, TC_ACT_UNSPEC,
		   VXBPF_R_TX_NOT_PORT, &in, NULL);
	/* A unicast ARP reply: bpf_skb_adjust_room takes IP only. */
	arp.len = 0;
	pkt_put(&arp, MAC_VM2, 6);
	pkt_put(&arp, MAC_VM1, 6);
	pkt_put(&arp, (const uint8_t[]){0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 2}, 10);
	pkt_put(&arp, MAC_VM1, 6);
	pkt_put(&arp, (const uint8_t[]){10, 0, 0, 1}, 4);
	pkt_put(&arp, MAC_VM2, 6);
	pkt_put(&arp, (const uint8_t[]){10, 0, 0, 2}, 4);
	expect_run("unicast ARP", H.host_tx_fd, H.if_vm0, &arp, TC_ACT_UNSPEC, VXBPF_R_TX_HOST_PROTO,
		   &arp, NULL);
	map_fdb_local(100, MAC_VM2, H.if_ulp);
	build_tcp4(&in, MAC_VM2, MAC_VM1, 40000, 0);
	expect_run("to a local port", H.host_tx_fd, H.if_vm0, &in, TC_ACT_UNSPEC, VXBPF_R_TX_HOST_LOCAL,
		   &in, NULL);
}

/*
 * Receive: a frame for the host device's MAC is decapsulated by XDP and
 * passed up with the handover note in front of it (the test run returns
 * the metadata with the frame).
 */
Test(host, rx_handover, .init = h_setup, .fini = h_teardown)
{
	static struct pkt inner, in, out, want;
	struct vxbpf_fdb_key k = {.vni = 100};
	struct vxbpf_fdb_val v = {.flags = VXBPF_FDB_LOCAL | VXBPF_FDB_HOST, .ifindex = 4242};
	struct vx_opts o = {};

	__u32 ul = H.if_ul0, bits = VXBPF_UNDERLAY_XDP;
	int ul_fd = bpf_map__fd(H.skel->maps.vxbpf_underlay);

	map_vni(100, "192.0.2.2", 0);
	map_vtep(100, "192.0.2.1");
	map_dstport(4789, 1);
	memcpy(k.mac, MAC_VM2, 6);
	cr_assert_eq(bpf_map_update_elem(H.fdb_fd, &k, &v, BPF_ANY), 0);
	maps_written();
	build_tcp4(&inner, MAC_VM2, MAC_VM1, 40000, 0);
	build_vxlan(&in, &o, &inner);

	/* No tc_host_rx behind XDP on this device: the kernel's job. */
	cr_assert_eq(bpf_map_update_elem(ul_fd, &ul, &bits, BPF_ANY), 0);
	expect_run("rx host, no tc", H.rx_fd, H.if_ul0, &in, XDP_PASS, VXBPF_R_RX_HOST_NO_TC, NULL,
		   NULL);
	bits |= VXBPF_UNDERLAY_TC_RX;
	cr_assert_eq(bpf_map_update_elem(ul_fd, &ul, &bits, BPF_ANY), 0);
	{
		struct vxbpf_host_meta m = {.magic = VXBPF_HOST_META_MAGIC, .ifindex = 4242};

		want.len = 0;
		pkt_put(&want, (const uint8_t *)&m, sizeof(m));
		pkt_put(&want, inner.b, inner.len);
	}
	expect_run("rx host", H.rx_fd, H.if_ul0, &in, XDP_PASS, VXBPF_R_RX_HOST, &want, &out);

	/* From a port, the host's MAC is the kernel's to deliver. */
	map_port(H.if_vm0, 100);
	build_tcp4(&inner, MAC_VM2, MAC_VM1, 40000, 0);
	expect_run("port to host", H.port_fd, H.if_vm0, &inner, XDP_PASS, VXBPF_R_TX_HOST_LOCAL,
		   NULL, NULL);
}
