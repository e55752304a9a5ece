// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The next-hop cache (bpf/nh.h): a per-CPU array of two-slot sets. Remote
 * VTEPs whose keys share a set must each keep their own next hop, two of
 * them stay cached together, and a third takes the slot filled longest ago.
 *
 * Remotes in 10.99.0.0/16, routed through ul0: via 192.0.2.2 (the
 * harness's neighbour, 02:00:00:00:02:01), one of them via 192.0.2.3
 * (02:00:00:00:02:03), so a mixed-up slot shows in the outer MAC.
 */
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "harness.h"
#include "vxbpf.skel.h"

static const uint8_t MAC_NH2[6] = { 0x02, 0, 0, 0, 0x02, 0x01 };
static const uint8_t MAC_NH3[6] = { 0x02, 0, 0, 0, 0x02, 0x03 };

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

Test(nh, set_shared_by_three_remotes, .init = h_setup, .fini = h_teardown)
{
	static const uint8_t mac[3][6] = { { 2, 0, 0, 0, 0xdd, 1 }, { 2, 0, 0, 0, 0xdd, 2 },
					   { 2, 0, 0, 0, 0xdd, 3 } };
	struct vxbpf_addr held[2];
	char r[3][32], script[256];
	uint32_t set = 0;
	cpu_set_t one;
	int cpu;

	three_in_a_set(r, &set);
	/* The slots are per CPU: run every frame on one. */
	cpu = sched_getcpu();
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	cr_assert_eq(sched_setaffinity(0, sizeof(one), &one), 0, "pin to CPU %d", cpu);

	snprintf(script, sizeof(script),
		 "neigh add 192.0.2.3 lladdr 02:00:00:00:02:03 dev ul0 nud permanent\n"
		 "route add 10.99.0.0/16 via 192.0.2.2 dev ul0\n"
		 "route add %s/32 via 192.0.2.3 dev ul0\n",
		 r[1]);
	h_ip(script);
	map_vni(100, "192.0.2.1", 0);
	map_port(H.if_vm0, 100);
	for (int i = 0; i < 3; i++)
		map_fdb_remote(100, mac[i], r[i], 0);

	/* Two remotes in one set, each with its own next hop, both kept:
	 * every frame after the first two is a hit of its own slot. */
	for (int n = 0; n < 4; n++) {
		send_to(mac[0], r[0], MAC_NH2);
		send_to(mac[1], r[1], MAC_NH3);
	}
	set_keys(set, cpu, held);
	cr_expect(holds(held, r[0]) && holds(held, r[1]), "set %u does not hold %s and %s", set, r[0],
		  r[1]);

	/* A third takes one slot; both others still get their own. */
	send_to(mac[2], r[2], MAC_NH2);
	set_keys(set, cpu, held);
	cr_expect(holds(held, r[2]), "set %u does not hold %s", set, r[2]);
	send_to(mac[1], r[1], MAC_NH3);
	send_to(mac[0], r[0], MAC_NH2);
	send_to(mac[2], r[2], MAC_NH2);
}
