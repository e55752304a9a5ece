// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Replication on a VNI that vxbpf runs alone (bpf/flood.h): which ports
 * and which VTEPs get a copy, split horizon, the allow-list.
 *
 * tx: tc_port_rx on vm0 (host A, 192.0.2.1) with three ports in VNI 100
 * and a flood list of two VTEPs. The test run really sends the clones
 * (bpf_clone_redirect transmits at once); packet sockets on the veth
 * peers catch them. The last copy takes the original skb, whose
 * redirect the test run does not perform: it is the output frame.
 *
 *        vm0p ──veth── vm0  ──┐  [tc_port_rx]  copies ──▶ vm1 ──veth── vm1p  (socket)
 *                             │                        ──▶ vm2 ──veth── vm2p  (socket)
 *                             └──▶ encapsulated ──▶ ul0 ──veth── ulp  (socket)
 *   VTEPs: 192.0.2.2 (02:00:00:00:02:01), 192.0.2.3 (02:00:00:00:03:01)
 *
 * rx: xdp_vxlan_rx on ul0 (host B, 192.0.2.2): what it hands to
 * tc_host_rx (a FLOOD note in the metadata), what it drops.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "frames.h"
#include "harness.h"
#include "vxbpf.skel.h"

#define VTEP2 "192.0.2.2"
#define VTEP3 "192.0.2.3"

static int if_vm1, if_vm2;

static void flood_setup(void)
{
	h_setup();
	h_ip("link add vm1 type veth peer name vm1p\n"
	     "link add vm2 type veth peer name vm2p\n"
	     "link set vm1 up\nlink set vm1p up\nlink set vm2 up\nlink set vm2p up\n"
	     "neigh add 192.0.2.3 lladdr 02:00:00:00:03:01 dev ul0 nud permanent\n"
	     "neigh add 2001:db8::3 lladdr 02:00:00:00:03:01 dev ul0 nud permanent\n");
	if_vm1 = if_nametoindex("vm1");
	if_vm2 = if_nametoindex("vm2");
	cr_assert(if_vm1 && if_vm2, "veths missing");
}

static void ports_list(uint32_t vni, const int *ifs, int n)
{
	struct vxbpf_vni_ports v = {.n = n};

	for (int i = 0; i < n; i++) {
		v.ifindex[i] = ifs[i];
		map_port(ifs[i], vni);
	}
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(H.skel->maps.vxbpf_vni_ports), &vni, &v, 0),
		     0, "vni_ports");
}

static void remotes_list(uint32_t vni, const uint8_t *mac, const char *a, const char *b)
{
	static struct vxbpf_remotes r;
	struct vxbpf_fdb_key k = {.vni = vni};

	memset(&r, 0, sizeof(r));
	if (mac)
		memcpy(k.mac, mac, 6);
	addr_parse(a, &r.r[r.n++].dst);
	if (b)
		addr_parse(b, &r.r[r.n++].dst);
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(H.skel->maps.vxbpf_remotes), &k, &r, 0), 0,
		     "remotes");
}

/* VNI 100 on A: ports vm0 vm1 vm2, the flood list .2 .3. */
static void tx_config(uint32_t flags, bool v6)
{
	int ifs[] = {H.if_vm0, if_vm1, if_vm2};

	map_vni(100, v6 ? "2001:db8::1" : "192.0.2.1", flags);
	ports_list(100, ifs, 3);
	remotes_list(100, NULL, v6 ? "2001:db8::2" : VTEP2, v6 ? "2001:db8::3" : VTEP3);
	/* Every remote of a list is a VTEP of the VNI (user space counts it
	 * in the allow-list); the replication checks that. */
	map_vtep(100, v6 ? "2001:db8::2" : VTEP2);
	map_vtep(100, v6 ? "2001:db8::3" : VTEP3);
}

/* ---- what arrived where ------------------------------------------------- */

static int sniff_open(const char *dev)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));

	cr_assert(fd >= 0, "packet socket: %s", strerror(errno));
	sll.sll_ifindex = if_nametoindex(dev);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0, "bind %s", dev);
	return fd;
}

/* The frames of interest that reached a socket within 200 ms: copies of
 * the inner frame itself, or VXLAN around it. */
static int sniff(int fd, const struct pkt *inner, struct pkt *got, int max)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	static struct pkt f;
	int n = 0;

	while (poll(&p, 1, 200) > 0) {
		ssize_t len = recv(fd, f.b, sizeof(f.b), 0);

		if (len <= 0)
			break;
		f.len = len;
		if ((f.len == inner->len && !memcmp(f.b, inner->b, f.len)) ||
		    (f.len >= inner->len + 50 &&
		     !memcmp(f.b + f.len - inner->len, inner->b, inner->len))) {
			if (n < max)
				pkt_copy(&got[n], &f);
			n++;
		}
	}
	return n;
}

struct sniffers {
	int vm0p, vm1p, vm2p, ulp;
};

static void sniffers_open(struct sniffers *s)
{
	s->vm0p = sniff_open("vm0p");
	s->vm1p = sniff_open("vm1p");
	s->vm2p = sniff_open("vm2p");
	s->ulp = sniff_open("ulp");
}

static void sniffers_close(struct sniffers *s)
{
	close(s->vm0p);
	close(s->vm1p);
	close(s->vm2p);
	close(s->ulp);
}

static uint64_t delta(const uint64_t *a, const uint64_t *b, int r)
{
	return b[r] - a[r];
}

/* The encapsulation of inner towards vtep, as the XDP path sends it. */
static void expect_vxlan(const char *name, const struct pkt *f, const struct pkt *inner,
			 const char *vtep, bool v6)
{
	uint8_t dst[16];
	size_t ip = 14, udp = v6 ? 54 : 34;

	cr_assert_eq(f->len, inner->len + (v6 ? 70 : 50), "%s: %zu bytes", name, f->len);
	cr_expect(!memcmp(f->b, vtep[strlen(vtep) - 1] == '2' ? MAC_UL_B : (uint8_t[]){2, 0, 0, 0, 3, 1},
			  6),
		  "%s: outer dst MAC", name);
	if (v6) {
		ip6_parse(vtep, dst);
		cr_expect(!memcmp(f->b + ip + 24, dst, 16), "%s: outer dst not %s", name, vtep);
	} else {
		ip4_parse(vtep, dst);
		cr_expect(!memcmp(f->b + ip + 16, dst, 4), "%s: outer dst not %s", name, vtep);
		cr_expect(ck_ip4_ok(f->b + ip), "%s: IPv4 header checksum", name);
	}
	cr_expect_eq(get16(f->b + udp + 2), 4789, "%s: dport", name);
	cr_expect_eq(get32(f->b + udp + 12) >> 8, 100, "%s: VNI", name);
	cr_expect(get16(f->b + udp + 6) && ck_l4_ok(f->b + ip, v6, f->b + udp, f->len - udp, 17),
		  "%s: outer UDP checksum 0x%04x wrong", name, get16(f->b + udp + 6));
	cr_expect(!memcmp(f->b + udp + 16, inner->b, inner->len), "%s: inner frame changed", name);
}

/* One frame from vm0 through tc_port_rx; returns the verdict. */
static uint32_t tx_run(const struct pkt *in, struct pkt *out, uint64_t *before, uint64_t *after)
{
	uint32_t ret = ~0U;

	stats_read(before);
	cr_assert_eq(prog_run(H.port_tc_fd, H.if_vm0, in, out, &ret), 0, "test run: %s",
		     strerror(errno));
	stats_read(after);
	return ret;
}

/* A broadcast: a copy to every other port, one per VTEP, none back. */
static void bcast_case(const char *name, const struct pkt *in, bool v6)
{
	uint64_t b[VXBPF_R_MAX], a[VXBPF_R_MAX];
	static struct pkt out, got[4];
	struct sniffers s;
	uint32_t ret;

	tx_config(0, v6);
	sniffers_open(&s);
	ret = tx_run(in, &out, b, a);
	cr_expect_eq(ret, TC_ACT_REDIRECT, "%s: verdict %u", name, ret);
	cr_expect_eq(sniff(s.vm1p, in, got, 4), 1, "%s: vm1 copies", name);
	cr_expect_eq(sniff(s.vm2p, in, got, 4), 1, "%s: vm2 copies", name);
	cr_expect_eq(sniff(s.vm0p, in, got, 4), 0, "%s: a copy back to the sender", name);
	cr_assert_eq(sniff(s.ulp, in, got, 4), 1, "%s: clones to the underlay", name);
	expect_vxlan(name, &got[0], in, v6 ? "2001:db8::2" : VTEP2, v6);
	/* The last copy is the original, still to be redirected. */
	expect_vxlan(name, &out, in, v6 ? "2001:db8::3" : VTEP3, v6);
	cr_expect_eq(delta(b, a, VXBPF_R_TX_COPY_PORT), 2, "%s: tx_copy_port", name);
	cr_expect_eq(delta(b, a, VXBPF_R_TX_COPY_VTEP), 2, "%s: tx_copy_vtep", name);
	sniffers_close(&s);
}

Test(flood, tx_broadcast_arp, .init = flood_setup, .fini = h_teardown)
{
	static const struct {
		uint8_t b[96];
		size_t len;
	} arp = {ARP_REQ};
	static struct pkt in;

	in.len = 0;
	pkt_put(&in, arp.b, arp.len);
	bcast_case("ARP who-has", &in, false);
}

Test(flood, tx_broadcast_udp_v6_underlay, .init = flood_setup, .fini = h_teardown)
{
	static struct pkt in;

	build_udp4(&in, MAC_BCAST, MAC_VM1, "10.0.0.255", 67, 300);
	bcast_case("UDP broadcast, IPv6 underlay", &in, true);
}

/* Unknown unicast: flooded as a broadcast is. A TCP segment whose checksum
 * is the CHECKSUM_PARTIAL seed keeps it (the device finishes it); the
 * outer checksum is the one of the finished frame. */
Test(flood, tx_unknown_unicast_seed, .init = flood_setup, .fini = h_teardown)
{
	static struct pkt in, done, out, got[4];
	uint64_t b[VXBPF_R_MAX], a[VXBPF_R_MAX];
	struct sniffers s;
	size_t udp = 34;

	tx_config(0, false);
	build_tcp4(&in, MAC_OTHER, MAC_VM1, 40000, 0);
	pkt_copy(&done, &in);
	l4_make_seed(&in);
	sniffers_open(&s);
	cr_expect_eq(tx_run(&in, &out, b, a), TC_ACT_REDIRECT);
	cr_expect_eq(sniff(s.vm1p, &in, got, 4), 1, "vm1 copies");
	cr_expect_eq(sniff(s.vm2p, &in, got, 4), 1, "vm2 copies");
	cr_assert_eq(out.len, in.len + 50);
	cr_expect(!memcmp(out.b + 50, in.b, in.len), "the seed was touched");
	/* Finish the inner checksum as the device will: then the outer
	 * one must be right. */
	memcpy(out.b + 50, done.b, done.len);
	cr_expect(ck_l4_ok(out.b + 14, false, out.b + udp, out.len - udp, 17),
		  "outer checksum not that of the finished frame");
	sniffers_close(&s);
}

/* A MAC with several remotes: one copy per remote, no local copy. */
Test(flood, tx_multi_remote_mac, .init = flood_setup, .fini = h_teardown)
{
	static struct pkt in, out, got[4];
	uint64_t b[VXBPF_R_MAX], a[VXBPF_R_MAX];
	struct sniffers s;

	tx_config(0, false);
	map_fdb_remote(100, MAC_VM2, VTEP2, VXBPF_FDB_MULTI);
	remotes_list(100, MAC_VM2, VTEP2, VTEP3);
	build_tcp4(&in, MAC_VM2, MAC_VM1, 40000, 0);
	sniffers_open(&s);
	cr_expect_eq(tx_run(&in, &out, b, a), TC_ACT_REDIRECT);
	cr_expect_eq(sniff(s.vm1p, &in, got, 4) + sniff(s.vm2p, &in, got, 4), 0, "local copies");
	cr_assert_eq(sniff(s.ulp, &in, got, 4), 1, "clones to the underlay");
	expect_vxlan("multi .2", &got[0], &in, VTEP2, false);
	expect_vxlan("multi .3", &out, &in, VTEP3, false);
	cr_expect_eq(delta(b, a, VXBPF_R_TX_COPY_VTEP), 2);
	cr_expect_eq(delta(b, a, VXBPF_R_TX_COPY_PORT), 0);
	sniffers_close(&s);
}

/* One known remote that XDP passed (no neighbour yet, say): a list of one,
 * the original encapsulated, no clone. */
Test(flood, tx_single_remote, .init = flood_setup, .fini = h_teardown)
{
	static struct pkt in, out, got[4];
	uint64_t b[VXBPF_R_MAX], a[VXBPF_R_MAX];
	struct sniffers s;

	tx_config(0, false);
	map_fdb_remote(100, MAC_VM2, VTEP3, 0);
	build_tcp4(&in, MAC_VM2, MAC_VM1, 40000, 0);
	sniffers_open(&s);
	cr_expect_eq(tx_run(&in, &out, b, a), TC_ACT_REDIRECT);
	cr_expect_eq(sniff(s.ulp, &in, got, 4), 0, "clones");
	expect_vxlan("single", &out, &in, VTEP3, false);
	cr_expect_eq(delta(b, a, VXBPF_R_TX_COPY_VTEP), 1);
	sniffers_close(&s);
}

/* A list element can be reused for another list while it is read: a
 * remote that is not a VTEP of the VNI, or a port of another VNI, gets no
 * copy. */
Test(flood, tx_only_to_the_vni, .init = flood_setup, .fini = h_teardown)
{
	static struct pkt in, out, got[4];
	uint64_t b[VXBPF_R_MAX], a[VXBPF_R_MAX];
	struct vxbpf_vtep_key vk = {.vni = 100};
	struct sniffers s;

	tx_config(0, false);
	addr_parse(VTEP2, &vk.ip);
	cr_assert_eq(bpf_map_delete_elem(H.vtep_fd, &vk), 0);
	map_port(if_vm2, 200);
	build_udp4(&in, MAC_BCAST, MAC_VM1, "10.0.0.255", 67, 100);
	sniffers_open(&s);
	cr_expect_eq(tx_run(&in, &out, b, a), TC_ACT_REDIRECT);
	cr_expect_eq(sniff(s.vm1p, &in, got, 4), 1, "vm1 copies");
	cr_expect_eq(sniff(s.vm2p, &in, got, 4), 0, "a copy into VNI 200");
	cr_expect_eq(sniff(s.ulp, &in, got, 4), 0, "a copy to a VTEP not of the VNI");
	expect_vxlan("to .3", &out, &in, VTEP3, false);
	cr_expect_eq(delta(b, a, VXBPF_R_TX_COPY_ERR), 1);
	sniffers_close(&s);
}

/* Nowhere to go: counted and dropped, as vxlan_xmit() without a default
 * destination. */
Test(flood, tx_nowhere, .init = flood_setup, .fini = h_teardown)
{
	static struct pkt in, out;
	uint64_t b[VXBPF_R_MAX], a[VXBPF_R_MAX];
	int ifs[] = {H.if_vm0};

	map_vni(100, "192.0.2.1", 0);
	ports_list(100, ifs, 1);
	build_udp4(&in, MAC_BCAST, MAC_VM1, "10.0.0.255", 67, 100);
	cr_expect_eq(tx_run(&in, &out, b, a), TC_ACT_SHOT);
	cr_expect_eq(delta(b, a, VXBPF_R_TX_FLOOD_NONE), 1);
}

/* A proxy VNI keeps every ARP off the underlay: the other ports get it,
 * no VTEP does; with no other port it is consumed. */
Test(flood, tx_proxy_arp_stays_local, .init = flood_setup, .fini = h_teardown)
{
	static const struct {
		uint8_t b[96];
		size_t len;
	} arp = {ARP_REQ_UNKNOWN};
	static struct pkt in, out, got[4];
	uint64_t b[VXBPF_R_MAX], a[VXBPF_R_MAX];
	struct sniffers s;
	int one[] = {H.if_vm0};

	in.len = 0;
	pkt_put(&in, arp.b, arp.len);
	tx_config(VXBPF_VNI_PROXY, false);
	sniffers_open(&s);
	cr_expect_eq(tx_run(&in, &out, b, a), TC_ACT_REDIRECT);
	cr_expect_eq(sniff(s.vm1p, &in, got, 4), 1, "vm1 copies");
	cr_expect_eq(sniff(s.ulp, &in, got, 4), 0, "ARP sent to a VTEP");
	cr_expect_eq(delta(b, a, VXBPF_R_TX_COPY_VTEP), 0);
	cr_expect_eq(delta(b, a, VXBPF_R_TX_COPY_PORT), 2);
	sniffers_close(&s);

	ports_list(100, one, 1);
	cr_expect_eq(tx_run(&in, &out, b, a), TC_ACT_SHOT);
	cr_expect_eq(delta(b, a, VXBPF_R_TX_PROXY_CONSUMED), 1);
}

/* Where a kernel device and bridge carry the VNI, TC leaves everything to
 * them, uncounted (XDP counted it). */
Test(flood, tx_kernel_vni_untouched, .init = flood_setup, .fini = h_teardown)
{
	static struct pkt in, out;
	uint64_t b[VXBPF_R_MAX], a[VXBPF_R_MAX];

	tx_config(VXBPF_VNI_MIRRORED, false);
	build_udp4(&in, MAC_BCAST, MAC_VM1, "10.0.0.255", 67, 100);
	cr_expect_eq(tx_run(&in, &out, b, a), (uint32_t)TC_ACT_UNSPEC);
	for (int r = 0; r < VXBPF_R_MAX; r++)
		cr_expect_eq(delta(b, a, r), 0, "%s counted", reason_name(r));
	cr_expect(out.len == in.len && !memcmp(out.b, in.b, in.len), "frame changed");
}

/* ---- rx: what xdp_vxlan_rx hands to tc_host_rx -------------------------- */

static void rx_config(uint32_t flags, bool ports)
{
	int ifs[] = {H.if_vm0, if_vm1};
	__u32 ul = H.if_ul0, bits = VXBPF_UNDERLAY_XDP | VXBPF_UNDERLAY_TC_RX;

	map_vni(100, "192.0.2.2", flags);
	map_vtep(100, "192.0.2.1");
	map_dstport(4789, 1);
	map_fdb_local(100, MAC_VM2, H.if_vm0);
	if (ports) {
		ports_list(100, ifs, 2);
	} else {
		__u32 vni = 100;

		bpf_map_delete_elem(bpf_map__fd(H.skel->maps.vxbpf_vni_ports), &vni);
	}
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(H.skel->maps.vxbpf_underlay), &ul, &bits, 0),
		     0);
}

/* Broadcast from a VTEP: decapsulated, and handed over with the VNI. */
Test(flood, rx_broadcast_handover, .init = flood_setup, .fini = h_teardown)
{
	static struct pkt inner, in, out, want;
	struct vxbpf_host_meta m = {.magic = VXBPF_FLOOD_META_MAGIC, .ifindex = 100};
	struct vx_opts o = {};

	rx_config(0, true);
	build_udp4(&inner, MAC_BCAST, MAC_VM1, "10.0.0.255", 67, 100);
	build_vxlan(&in, &o, &inner);
	want.len = 0;
	pkt_put(&want, (const uint8_t *)&m, sizeof(m));
	pkt_put(&want, inner.b, inner.len);
	expect_run("broadcast", H.rx_fd, H.if_ul0, &in, XDP_PASS, VXBPF_R_RX_FLOOD, &want, &out);
	cr_expect_eq(vni_stats(0).rx_packets, 1);

	/* Unknown unicast alike. */
	memcpy(inner.b, MAC_OTHER, 6);
	build_vxlan(&in, &o, &inner);
	want.len = sizeof(m);
	pkt_put(&want, inner.b, inner.len);
	expect_run("unknown unicast", H.rx_fd, H.if_ul0, &in, XDP_PASS, VXBPF_R_RX_FLOOD, &want,
		   &out);
}

/* Split horizon: a frame from a VTEP to a MAC behind a VTEP goes nowhere;
 * with no port in the VNI, a broadcast has nowhere to go either. */
Test(flood, rx_split_horizon, .init = flood_setup, .fini = h_teardown)
{
	static struct pkt inner, in, out;
	struct vx_opts o = {};

	rx_config(0, true);
	map_fdb_remote(100, MAC_OTHER, "192.0.2.3", 0);
	build_udp4(&inner, MAC_OTHER, MAC_VM1, "10.0.0.3", 53, 100);
	build_vxlan(&in, &o, &inner);
	expect_run("to a remote MAC", H.rx_fd, H.if_ul0, &in, XDP_DROP, VXBPF_R_RX_REMOTE_DST, NULL,
		   &out);

	rx_config(0, false);
	build_udp4(&inner, MAC_BCAST, MAC_VM1, "10.0.0.255", 67, 100);
	build_vxlan(&in, &o, &inner);
	expect_run("no port", H.rx_fd, H.if_ul0, &in, XDP_DROP, VXBPF_R_RX_FLOOD_NONE, NULL, &out);
}

/* The allow-list holds for broadcast as for unicast: an unknown VTEP's
 * broadcast is dropped before any copy, unless the VNI learns. */
Test(flood, rx_allow_list, .init = flood_setup, .fini = h_teardown)
{
	static struct pkt inner, in, out;
	struct vx_opts o = {.src = "192.0.2.9"};

	rx_config(0, true);
	build_udp4(&inner, MAC_BCAST, MAC_VM1, "10.0.0.255", 67, 100);
	build_vxlan(&in, &o, &inner);
	expect_run("unknown VTEP", H.rx_fd, H.if_ul0, &in, XDP_DROP, VXBPF_R_RX_UNKNOWN_VTEP, NULL,
		   &out);
	rx_config(VXBPF_VNI_LEARNING, true);
	{
		struct vxbpf_host_meta m = {.magic = VXBPF_FLOOD_META_MAGIC, .ifindex = 100};
		static struct pkt want;

		want.len = 0;
		pkt_put(&want, (const uint8_t *)&m, sizeof(m));
		pkt_put(&want, inner.b, inner.len);
		expect_run("unknown VTEP, learning", H.rx_fd, H.if_ul0, &in, XDP_PASS,
			   VXBPF_R_RX_FLOOD, &want, &out);
	}
	{
		struct vxbpf_fdb_key k = {.vni = 100};
		struct vxbpf_fdb_val v;

		memcpy(k.mac, MAC_VM1, 6);
		cr_expect_eq(bpf_map_lookup_elem(H.fdb_fd, &k, &v), 0, "the source was not learned");
		cr_expect(v.flags & VXBPF_FDB_LEARNED);
	}
}

/* ---- outer fragments (bpf/frag.h) ---------------------------------------- */

/* IPv4 fragments to 192.0.2.x that reached fd within 200 ms, in order. */
static int sniff_frags(int fd, struct pkt *got, int max)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int n = 0;

	while (n < max && poll(&p, 1, 200) > 0) {
		ssize_t len = recv(fd, got[n].b, sizeof(got[n].b), 0);

		if (len <= 0)
			break;
		got[n].len = len;
		if (len > 34 && get16(got[n].b + 12) == 0x0800 && (get16(got[n].b + 20) & 0x3fff))
			n++;
	}
	return n;
}

/* Fragments a, b (first, last) of one datagram back into one frame. */
static void reassemble(const char *name, const struct pkt *a, const struct pkt *b, struct pkt *out)
{
	const uint8_t *ha = a->b + 14, *hb = b->b + 14;
	uint8_t h[20];

	cr_expect(ck_ip4_ok(ha) && ck_ip4_ok(hb), "%s: fragment header checksums", name);
	cr_expect_eq(get16(ha + 4), get16(hb + 4), "%s: IDs differ", name);
	cr_expect_eq(get16(ha + 6), 0x2000, "%s: first: MF, offset 0, no DF (0x%04x)", name, get16(ha + 6));
	cr_expect_eq(get16(hb + 6), (a->len - 34) / 8, "%s: last: offset, no MF (0x%04x)", name,
		     get16(hb + 6));
	cr_expect_eq((a->len - 34) % 8, 0, "%s: first payload not 8-aligned", name);
	memcpy(h, ha, 20);
	put16(h + 2, 20 + (a->len - 34) + (b->len - 34));
	put16(h + 6, 0);
	put16(h + 10, 0);
	put16(h + 10, ck_fold(ck_add(0, h, 20)));
	out->len = 0;
	pkt_put(out, a->b, 14);
	pkt_put(out, h, 20);
	pkt_put(out, a->b + 34, a->len - 34);
	pkt_put(out, b->b + 34, b->len - 34);
}

/* A UDP frame without DF, 1,242 bytes, to a MAC with two remotes, over an
 * underlay of MTU 1000: each copy goes as two outer fragments, the first
 * with (1000 - 20) & ~7 = 976 bytes of payload, as ip_fragment() cuts it;
 * the last fragment of the last copy is the original skb. */
Test(flood, tx_outer_fragments, .init = flood_setup, .fini = h_teardown)
{
	static struct pkt in, out, got[8], whole;
	uint64_t b[VXBPF_R_MAX], a[VXBPF_R_MAX];
	struct sniffers s;
	int n;

	h_ip("link set ul0 mtu 1000\n");
	tx_config(0, false);
	map_fdb_remote(100, MAC_VM2, VTEP2, VXBPF_FDB_MULTI);
	remotes_list(100, MAC_VM2, VTEP2, VTEP3);
	build_udp4(&in, MAC_VM2, MAC_VM1, "10.0.0.2", 9, 1200);
	put16(in.b + 20, 0); /* no DF */
	put16(in.b + 24, 0);
	put16(in.b + 24, ck_fold(ck_add(0, in.b + 14, 20)));
	sniffers_open(&s);
	cr_expect_eq(tx_run(&in, &out, b, a), TC_ACT_REDIRECT);
	n = sniff_frags(s.ulp, got, 8);
	cr_assert_eq(n, 3, "fragments on the underlay: %d", n);
	cr_expect_eq(got[0].len, 14 + 20 + 976, "first fragment: %zu bytes", got[0].len);
	reassemble("to .2", &got[0], &got[1], &whole);
	expect_vxlan("to .2", &whole, &in, VTEP2, false);
	cr_assert_eq(out.len, 14 + 20 + (in.len + 16 - 976), "last fragment, the original: %zu", out.len);
	reassemble("to .3", &got[2], &out, &whole);
	expect_vxlan("to .3", &whole, &in, VTEP3, false);
	cr_expect_eq(delta(b, a, VXBPF_R_TX_COPY_FRAGS), 2, "tx_copy_frags");
	cr_expect_eq(delta(b, a, VXBPF_R_TX_COPY_MTU) + delta(b, a, VXBPF_R_TX_COPY_ERR), 0);
	sniffers_close(&s);
}

/* Never in fragments: DF (the VM gets "fragmentation needed" from XDP;
 * this is one the rate limit held back), or a checksum a device is still
 * to finish (CHECKSUM_PARTIAL). */
Test(flood, tx_no_outer_fragments, .init = flood_setup, .fini = h_teardown)
{
	static struct pkt in, out, got[8];
	uint64_t b[VXBPF_R_MAX], a[VXBPF_R_MAX];
	struct sniffers s;
	int round;

	h_ip("link set ul0 mtu 1000\n");
	tx_config(0, false);
	map_fdb_remote(100, MAC_VM2, VTEP3, 0);
	for (round = 0; round < 2; round++) {
		build_udp4(&in, MAC_VM2, MAC_VM1, "10.0.0.2", 9, 1200);
		if (round) {
			put16(in.b + 20, 0);
			put16(in.b + 24, 0);
			put16(in.b + 24, ck_fold(ck_add(0, in.b + 14, 20)));
			l4_make_seed(&in);
		}
		sniffers_open(&s);
		cr_expect_eq(tx_run(&in, &out, b, a), TC_ACT_SHOT, "round %d", round);
		cr_expect_eq(sniff_frags(s.ulp, got, 8), 0, "round %d: fragments sent", round);
		cr_expect_eq(delta(b, a, VXBPF_R_TX_COPY_MTU), 1, "round %d: tx_copy_mtu", round);
		cr_expect_eq(delta(b, a, VXBPF_R_TX_COPY_FRAGS), 0, "round %d", round);
		sniffers_close(&s);
	}
}
