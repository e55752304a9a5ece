// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The per-CPU outer next-hop cache in front of bpf_fib_lookup (bpf/encap.h,
 * outer_route): a fresh entry answers frames up to the longest the FIB
 * accepted, so the MTU check stays the FIB's; a changed neighbour shows
 * once the entry expires (NH_CACHE_JIFFIES, at most 100 ms).
 */
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "vxbpf.skel.h"

static const uint8_t NEW_MAC[6] = { 0x02, 0, 0, 0, 0x02, 0x99 };

static void nh_config(void)
{
	h_pin_cpu();
	map_vni(100, "192.0.2.1", 0);
	map_port(H.if_vm0, 100);
	map_fdb_remote(100, MAC_VM2, "192.0.2.2", 0);
}

Test(nhcache, longer_frame_still_meets_the_mtu, .init = h_setup, .fini = h_teardown)
{
	static struct pkt small, big, out;

	nh_config();
	h_ip("link set ul0 mtu 1000");
	build_udp4(&small, MAC_VM2, MAC_VM1, "10.0.0.2", 9, 10);
	build_udp4(&big, MAC_VM2, MAC_VM1, "10.0.0.2", 9, 1100);
	expect_run("small", H.port_fd, H.if_vm0, &small, XDP_REDIRECT, VXBPF_R_TX_ENCAP, NULL, &out);
	/* Cached for the small frame; the big one must still be refused
	 * (with DF set: answered with ICMP frag needed, test_pmtu.c). */
	expect_run("big", H.port_fd, H.if_vm0, &big, XDP_REDIRECT, VXBPF_R_TX_PMTU_REPLY, NULL, &out);
	expect_run("small again", H.port_fd, H.if_vm0, &small, XDP_REDIRECT, VXBPF_R_TX_ENCAP, NULL,
		   &out);
}

Test(nhcache, neighbour_change_shows_after_expiry, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, out;
	/* 25 jiffies: 250 ms at the smallest HZ (100). */
	struct timespec ts = { 0, 300 * 1000 * 1000 };

	struct timespec t0, t1;

	nh_config();
	build_udp4(&in, MAC_VM2, MAC_VM1, "10.0.0.2", 9, 10);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	expect_run("first", H.port_fd, H.if_vm0, &in, XDP_REDIRECT, VXBPF_R_TX_ENCAP, NULL, &out);
	cr_assert_eq(memcmp(out.b, MAC_UL_B, 6), 0, "outer dst MAC");
	h_ip("neigh replace 192.0.2.2 lladdr 02:00:00:00:02:99 dev ul0 nud permanent");
	/* Still fresh: the cached answer, proof that the cache is used. Only
	 * asserted when less than 20 ms passed (25 jiffies are at least
	 * 25 ms): a loaded machine may take longer to run `ip`. */
	expect_run("cached", H.port_fd, H.if_vm0, &in, XDP_REDIRECT, VXBPF_R_TX_ENCAP, NULL, &out);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if ((t1.tv_sec - t0.tv_sec) * 1000000000LL + t1.tv_nsec - t0.tv_nsec < 20000000LL)
		cr_expect_eq(memcmp(out.b, MAC_UL_B, 6), 0, "a fresh entry was not used");
	nanosleep(&ts, NULL);
	expect_run("after", H.port_fd, H.if_vm0, &in, XDP_REDIRECT, VXBPF_R_TX_ENCAP, NULL, &out);
	cr_expect_eq(memcmp(out.b, NEW_MAC, 6), 0, "outer dst MAC not updated after expiry");
}

Test(nhcache, no_route_is_not_cached, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, out;

	nh_config();
	build_udp4(&in, MAC_VM2, MAC_VM1, "10.0.0.2", 9, 10);
	h_ip("neigh del 192.0.2.2 dev ul0");
	expect_run("no neigh", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_FIB_MISS, NULL, &out);
	h_ip("neigh add 192.0.2.2 lladdr 02:00:00:00:02:01 dev ul0 nud permanent");
	expect_run("neigh back", H.port_fd, H.if_vm0, &in, XDP_REDIRECT, VXBPF_R_TX_ENCAP, NULL,
		   &out);
}

/* A route out of a device vxbpf is not attached to (a bridge, a bond...)
 * cannot take an XDP frame: the kernel gets it, untouched. */
Test(nhcache, route_not_via_an_attached_device, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, out;
	__u32 ifi = H.if_ul0;

	nh_config();
	build_udp4(&in, MAC_VM2, MAC_VM1, "10.0.0.2", 9, 10);
	cr_assert_eq(bpf_map_delete_elem(bpf_map__fd(H.skel->maps.vxbpf_underlay), &ifi), 0);
	expect_run("not attached", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_NOT_UNDERLAY, NULL,
		   &out);
}

/*
 * The cache's sets (bpf/nh.h): a per-CPU array of two-slot sets. Remote
 * VTEPs whose keys share a set each keep their own next hop, two of them
 * stay cached together, and a third takes the slot filled longest ago.
 * Remotes in 10.99.0.0/16 through ul0: via 192.0.2.2, 192.0.2.3 and
 * 192.0.2.4 (three MACs), so a mixed-up slot shows in the outer MAC.
 */
static const uint8_t MAC_NH2[6] = { 0x02, 0, 0, 0, 0x02, 0x01 };
static const uint8_t MAC_NH3[6] = { 0x02, 0, 0, 0, 0x02, 0x03 };
static const uint8_t MAC_NH4[6] = { 0x02, 0, 0, 0, 0x02, 0x04 };

static void remote_str(uint32_t host, char *buf, size_t len)
{
	snprintf(buf, len, "10.99.%u.%u", host >> 8 & 0xff, host & 0xff);
}

static uint32_t slot_of(uint32_t host)
{
	struct vxbpf_addr src, dst;
	char buf[32];

	addr_parse("192.0.2.1", &src);
	remote_str(host, buf, sizeof(buf));
	addr_parse(buf, &dst);
	return vxbpf_nh_slot0(&src, &dst);
}

/* Three remotes in 10.99/16 whose (192.0.2.1, remote) keys share a set. */
static void three_in_a_set(char r[3][32], uint32_t *set)
{
	static uint8_t count[VXBPF_NH_SETS * 2];
	uint32_t h, n = 0;

	for (h = 1; h < 0xffff; h++) {
		uint32_t s = slot_of(h);

		cr_assert_lt(s, VXBPF_NH_SETS * 2, "slot %u beyond the map", s);
		cr_assert_eq(s & 1, 0, "slot %u is not the first of its set", s);
		if (++count[s] == 3)
			break;
	}
	cr_assert_lt(h, 0xffff, "no three remotes share a set");
	*set = slot_of(h);
	for (h = 1; n < 3; h++)
		if (slot_of(h) == *set)
			remote_str(h, r[n++], 32);
}

/* The keys held by this CPU's two slots of set. */
static void set_keys(uint32_t set, int cpu, struct vxbpf_addr dst[2])
{
	int fd = bpf_map__fd(H.skel->maps.vxbpf_nh_cache), ncpu = libbpf_num_possible_cpus();
	struct vxbpf_nh_slot v[ncpu];

	for (uint32_t i = 0; i < 2; i++) {
		uint32_t k = set + i;

		cr_assert_eq(bpf_map_lookup_elem(fd, &k, v), 0, "nh_cache lookup");
		dst[i] = v[cpu].key.dst;
	}
}

static bool holds(const struct vxbpf_addr dst[2], const char *ip)
{
	struct vxbpf_addr a;

	addr_parse(ip, &a);
	return !memcmp(&dst[0], &a, sizeof(a)) || !memcmp(&dst[1], &a, sizeof(a));
}

static void send_to(const uint8_t *mac, const char *remote, const uint8_t *nh_mac)
{
	static struct pkt in, out;
	uint32_t ret;
	char got[INET_ADDRSTRLEN];

	build_tcp4(&in, mac, MAC_VM1, 40000, 0);
	cr_assert_eq(prog_run(H.port_fd, H.if_vm0, &in, &out, &ret), 0, "test run");
	cr_assert_eq(ret, XDP_REDIRECT, "to %s: verdict %s", remote, verdict_name(ret));
	inet_ntop(AF_INET, out.b + 14 + 16, got, sizeof(got));
	cr_expect_str_eq(got, remote, "outer destination %s, want %s", got, remote);
	cr_expect_arr_eq(out.b, nh_mac, 6, "to %s: outer destination MAC of another next hop", remote);
}

Test(nhcache, set_shared_by_three_remotes, .init = h_setup, .fini = h_teardown)
{
	static const uint8_t mac[3][6] = { { 2, 0, 0, 0, 0xdd, 1 }, { 2, 0, 0, 0, 0xdd, 2 },
					   { 2, 0, 0, 0, 0xdd, 3 } };
	struct vxbpf_addr held[2];
	char r[3][32], script[512];
	uint32_t set = 0;
	int cpu;

	three_in_a_set(r, &set);
	h_pin_cpu();
	cpu = sched_getcpu();
	snprintf(script, sizeof(script),
		 "neigh add 192.0.2.3 lladdr 02:00:00:00:02:03 dev ul0 nud permanent\n"
		 "neigh add 192.0.2.4 lladdr 02:00:00:00:02:04 dev ul0 nud permanent\n"
		 "route add 10.99.0.0/16 via 192.0.2.2 dev ul0\n"
		 "route add %s/32 via 192.0.2.3 dev ul0\n"
		 "route add %s/32 via 192.0.2.4 dev ul0\n",
		 r[1], r[2]);
	h_ip(script);
	map_vni(100, "192.0.2.1", 0);
	map_port(H.if_vm0, 100);
	for (int i = 0; i < 3; i++)
		map_fdb_remote(100, mac[i], r[i], 0);

	/* Two remotes in one set, each with its own next hop, both kept. */
	for (int n = 0; n < 4; n++) {
		send_to(mac[0], r[0], MAC_NH2);
		send_to(mac[1], r[1], MAC_NH3);
	}
	set_keys(set, cpu, held);
	cr_expect(holds(held, r[0]) && holds(held, r[1]), "set %u does not hold %s and %s", set, r[0],
		  r[1]);

	/* A third takes the slot filled longest ago (r[0]'s: filled first,
	 * so it expires first, or together); every one still gets its own
	 * next hop, whether from its slot or from the FIB again. */
	send_to(mac[2], r[2], MAC_NH4);
	set_keys(set, cpu, held);
	cr_expect(holds(held, r[2]) && holds(held, r[1]) && !holds(held, r[0]),
		  "set %u: want %s and %s, %s evicted", set, r[1], r[2], r[0]);
	send_to(mac[1], r[1], MAC_NH3);
	send_to(mac[0], r[0], MAC_NH2);
	send_to(mac[2], r[2], MAC_NH4);
	send_to(mac[1], r[1], MAC_NH3);
}
