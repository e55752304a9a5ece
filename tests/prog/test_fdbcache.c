// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The per-CPU cache in front of the fdb map (bpf/fdb.h, fdb_find): an
 * entry user space wrote comes from a slot while the slot's generation is
 * the gen map's, which every writer raises after its writes. So a remote
 * moved or a local entry removed shows on the next frame after the
 * commit; a learned entry, which the data path moves without a commit, is
 * never cached; and a MAC is never taken for another of its set.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "pkt.h"
#include "vxbpf.skel.h"

/* ul0 is 192.0.2.1/24 with a neighbour at .2 (harness.c); three more. */
static void fc_neighbours(void)
{
	h_ip("neigh add 192.0.2.3 lladdr 02:00:00:00:02:03 dev ul0 nud permanent\n"
	     "neigh add 192.0.2.4 lladdr 02:00:00:00:02:04 dev ul0 nud permanent\n"
	     "neigh add 192.0.2.5 lladdr 02:00:00:00:02:05 dev ul0 nud permanent\n");
}

/* Encap of a frame from the VM on vm0 to dmac; the outer destination
 * address's last byte, or -1 when not encapsulated. */
static int fc_encap(const char *name, const uint8_t *dmac, int verdict, int reason)
{
	static struct pkt in, out;

	build_udp4(&in, dmac, MAC_VM1, "10.0.0.2", 9, 10);
	expect_run(name, H.port_fd, H.if_vm0, &in, verdict, reason, NULL, &out);
	return verdict == XDP_REDIRECT ? out.b[14 + 19] : -1;
}

static void fdb_put(uint32_t vni, const uint8_t *mac, const struct vxbpf_fdb_val *v)
{
	struct vxbpf_fdb_key k = { .vni = vni };

	memcpy(k.mac, mac, 6);
	cr_assert_eq(bpf_map_update_elem(H.fdb_fd, &k, v, BPF_ANY), 0, "fdb update");
}

Test(fdbcache, remote_moved_once_committed, .init = h_setup, .fini = h_teardown)
{
	struct vxbpf_fdb_val v = {};

	h_pin_cpu();
	fc_neighbours();
	map_vni(100, "192.0.2.1", 0);
	map_port(H.if_vm0, 100);
	map_fdb_remote(100, MAC_VM2, "192.0.2.2", 0);
	cr_assert_eq(fc_encap("first: from the map, cached", MAC_VM2, XDP_REDIRECT, VXBPF_R_TX_ENCAP), 2);
	cr_assert_eq(fc_encap("second: from the cache", MAC_VM2, XDP_REDIRECT, VXBPF_R_TX_ENCAP), 2);
	addr_parse("192.0.2.3", &v.dst);
	fdb_put(100, MAC_VM2, &v);
	/* Until the generation moves, the cache answers (so it is read). */
	cr_assert_eq(fc_encap("moved, not yet committed", MAC_VM2, XDP_REDIRECT, VXBPF_R_TX_ENCAP), 2);
	maps_written();
	cr_expect_eq(fc_encap("after the commit", MAC_VM2, XDP_REDIRECT, VXBPF_R_TX_ENCAP), 3);
}

/* Decap to a local port's MAC: its entry removed shows after the commit. */
Test(fdbcache, local_entry_removed_seen, .init = h_setup, .fini = h_teardown)
{
	static struct pkt inner, in, out;
	struct vxbpf_fdb_key k = { .vni = 100 };
	struct vx_opts o = {};

	h_pin_cpu();
	map_vni(100, "192.0.2.2", VXBPF_VNI_KERNEL_BUM);
	map_vtep(100, "192.0.2.1");
	map_fdb_local(100, MAC_VM2, H.if_vm0);
	build_tcp4(&inner, MAC_VM2, MAC_VM1, 40000, 0);
	build_vxlan(&in, &o, &inner);
	expect_run("cached", H.rx_fd, 0, &in, XDP_REDIRECT, VXBPF_R_RX_DECAP, &inner, &out);
	expect_run("from the cache", H.rx_fd, 0, &in, XDP_REDIRECT, VXBPF_R_RX_DECAP, &inner, &out);
	memcpy(k.mac, MAC_VM2, 6);
	cr_assert_eq(bpf_map_delete_elem(H.fdb_fd, &k), 0, "fdb delete");
	expect_run("deleted, not yet committed", H.rx_fd, 0, &in, XDP_REDIRECT, VXBPF_R_RX_DECAP,
		   &inner, &out);
	maps_written();
	expect_run("after the commit", H.rx_fd, 0, &in, XDP_PASS, VXBPF_R_RX_INNER_UNKNOWN, NULL,
		   &out);
}

static __u64 gen_now(void)
{
	__u32 zero = 0;
	__u64 g;

	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(H.skel->maps.vxbpf_gen), &zero, &g), 0, "gen");
	return g;
}

/*
 * A learned entry moves when its MAC is heard from another VTEP, written
 * by the data path with no commit after it: encap follows at once, so the
 * entry was not cached. A move raises the generation (a commit may have
 * put a static entry there that another CPU cached); a new entry and a
 * refresh do not.
 */
Test(fdbcache, learned_entry_never_cached, .init = h_setup, .fini = h_teardown)
{
	static struct pkt inner, in, out;
	struct vx_opts o = {};
	int vtep;
	__u64 g;

	h_pin_cpu();
	fc_neighbours();
	map_vni(100, "192.0.2.1", VXBPF_VNI_LEARNING);
	map_port(H.if_vm0, 100);
	map_fdb_local(100, MAC_VM1, H.if_vm0);
	build_tcp4(&inner, MAC_VM1, MAC_VM2, 40000, 0);
	for (vtep = 3; vtep <= 5; vtep++) {
		char name[64];

		snprintf(o.src, sizeof(o.src), "192.0.2.%d", vtep);
		snprintf(o.dst, sizeof(o.dst), "192.0.2.1");
		build_vxlan(&in, &o, &inner);
		snprintf(name, sizeof(name), "VM2 heard from .%d", vtep);
		g = gen_now();
		expect_run(name, H.rx_fd, 0, &in, XDP_REDIRECT, VXBPF_R_RX_DECAP, &inner, &out);
		cr_expect_eq(gen_now(), g + (vtep > 3), "%s: generation %llu -> %llu", name,
			     (unsigned long long)g, (unsigned long long)gen_now());
		g = gen_now();
		expect_run(name, H.rx_fd, 0, &in, XDP_REDIRECT, VXBPF_R_RX_DECAP, &inner, &out);
		cr_expect_eq(gen_now(), g, "%s again: no move, no raise", name);
		snprintf(name, sizeof(name), "to VM2, learned behind .%d", vtep);
		cr_expect_eq(fc_encap(name, MAC_VM2, XDP_REDIRECT, VXBPF_R_TX_ENCAP), vtep, "%s", name);
		cr_expect_eq(fc_encap(name, MAC_VM2, XDP_REDIRECT, VXBPF_R_TX_ENCAP), vtep, "%s, again",
			     name);
	}
}

/* MACs 02:cc:00:00:x:y whose (VNI 100, MAC) keys share one set. */
static int same_set(uint8_t out[][6], int n)
{
	struct vxbpf_fdb_key k = { .vni = 100, .mac = { 0x02, 0xcc } };
	__u32 want = 0;
	int found = 0, i;

	for (i = 1; i < 65536 && found < n; i++) {
		k.mac[4] = i >> 8;
		k.mac[5] = i & 0xff;
		if (!found)
			want = vxbpf_fdb_slot0(&k);
		if (vxbpf_fdb_slot0(&k) == want)
			memcpy(out[found++], k.mac, 6);
	}
	return found;
}

/*
 * Three MACs whose keys share a set of two slots, each behind its own
 * VTEP, and a stranger of the same set: each goes to its own VTEP however
 * the slots turn over, and the stranger is never sent anywhere.
 */
Test(fdbcache, set_shared_by_three_macs, .init = h_setup, .fini = h_teardown)
{
	static const char *const vteps[] = { "192.0.2.2", "192.0.2.3", "192.0.2.4" };
	uint8_t mac[4][6];
	char name[64];
	int round, i;

	h_pin_cpu();
	fc_neighbours();
	map_vni(100, "192.0.2.1", 0);
	map_port(H.if_vm0, 100);
	cr_assert_eq(same_set(mac, 4), 4, "four MACs of one set");
	for (i = 0; i < 3; i++)
		map_fdb_remote(100, mac[i], vteps[i], 0);
	for (round = 0; round < 4; round++) {
		for (i = 0; i < 3; i++) {
			snprintf(name, sizeof(name), "round %d, MAC %d", round, i);
			cr_expect_eq(fc_encap(name, mac[i], XDP_REDIRECT, VXBPF_R_TX_ENCAP), 2 + i, "%s",
				     name);
			cr_expect_eq(fc_encap(name, mac[i], XDP_REDIRECT, VXBPF_R_TX_ENCAP), 2 + i,
				     "%s, again", name);
		}
		snprintf(name, sizeof(name), "round %d, stranger", round);
		fc_encap(name, mac[3], XDP_PASS, VXBPF_R_TX_UNKNOWN_DST);
	}
}
