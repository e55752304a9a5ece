// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The per-CPU outer next-hop cache in front of bpf_fib_lookup (bpf/encap.h,
 * outer_route): a fresh entry answers frames up to the longest the FIB
 * accepted, so the MTU check stays the FIB's; a changed neighbour shows
 * once the entry expires (NH_CACHE_JIFFIES, at most 100 ms).
 */
#include <sched.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "vxbpf.skel.h"

static const uint8_t NEW_MAC[6] = { 0x02, 0, 0, 0, 0x02, 0x99 };

/* The cache is per CPU: every run of a test on one CPU. */
static void pin_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &set);
	cr_assert_eq(sched_setaffinity(0, sizeof(set), &set), 0, "sched_setaffinity");
}

static void nh_config(void)
{
	pin_cpu();
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
