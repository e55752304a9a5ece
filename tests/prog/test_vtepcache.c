// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The per-CPU cache of the receive allow-list in front of the vtep map
 * (bpf/vtep.h): a sender's entry and its VNI's configuration come from a
 * slot while the slot's generation is the gen map's, which every writer
 * raises after its writes. So a VTEP that leaves the list, or a VNI whose
 * configuration changes, shows on the next frame after the commit, and a
 * stranger is never taken for a cached sender.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "pkt.h"
#include "vxbpf.skel.h"

#define LOCAL4 "192.0.2.2"
#define REMOTE4 "192.0.2.1"

static void vc_config(void)
{
	h_pin_cpu();
	map_vni(100, LOCAL4, 0);
	map_vtep(100, REMOTE4);
	map_fdb_local(100, MAC_VM2, H.if_vm0);
}

/* A frame from src (the allow-listed remote when NULL) to a local port. */
static void vc_run(const char *name, const char *src, int verdict, int reason)
{
	static struct pkt inner, in, out;
	struct vx_opts o = {};

	if (src)
		snprintf(o.src, sizeof(o.src), "%s", src);
	build_tcp4(&inner, MAC_VM2, MAC_VM1, 40000, 0);
	build_vxlan(&in, &o, &inner);
	expect_run(name, H.rx_fd, 0, &in, verdict, reason, verdict == XDP_REDIRECT ? &inner : NULL,
		   &out);
}

Test(vtepcache, refused_once_the_vtep_goes, .init = h_setup, .fini = h_teardown)
{
	struct vxbpf_vtep_key k = { .vni = 100 };

	vc_config();
	vc_run("first: from the map, cached", NULL, XDP_REDIRECT, VXBPF_R_RX_DECAP);
	vc_run("second: from the cache", NULL, XDP_REDIRECT, VXBPF_R_RX_DECAP);
	addr_parse(REMOTE4, &k.ip);
	cr_assert_eq(bpf_map_delete_elem(H.vtep_fd, &k), 0, "vtep delete");
	/* Until the generation moves, the cache answers (so it is read). */
	vc_run("deleted, not yet committed", NULL, XDP_REDIRECT, VXBPF_R_RX_DECAP);
	maps_written();
	vc_run("after the commit", NULL, XDP_DROP, VXBPF_R_RX_UNKNOWN_VTEP);
}

Test(vtepcache, configuration_change_seen, .init = h_setup, .fini = h_teardown)
{
	struct vxbpf_vni_cfg cfg;

	vc_config();
	vc_run("cached", NULL, XDP_REDIRECT, VXBPF_R_RX_DECAP);
	vc_run("from the cache", NULL, XDP_REDIRECT, VXBPF_R_RX_DECAP);
	/* The VNI's local address moves: frames to the old one are not ours. */
	map_vni_get(100, &cfg);
	addr_parse("192.0.2.9", &cfg.local);
	map_vni_put(100, &cfg);
	vc_run("new local address", NULL, XDP_PASS, VXBPF_R_RX_NOT_LOCAL);
}

/* IPv4 addresses 198.51.x.y whose (VNI 100, address) keys share one set. */
static int same_set(char out[][16], int n)
{
	struct vxbpf_addr a;
	__u32 want = 0;
	char s[16];
	int found = 0, i;

	for (i = 1; i < 65535 && found < n; i++) {
		snprintf(s, sizeof(s), "198.51.%d.%d", i >> 8, i & 0xff);
		addr_parse(s, &a);
		if (!found)
			want = vxbpf_vtep_slot0(100, &a);
		if (vxbpf_vtep_slot0(100, &a) == want)
			snprintf(out[found++], 16, "%s", s);
	}
	return found;
}

/*
 * Three senders whose keys share a set of two slots, and a stranger of the
 * same set: each sender's frames go through however the slots turn over,
 * and the stranger's never, cached neighbours or not.
 */
Test(vtepcache, set_shared_by_three_senders, .init = h_setup, .fini = h_teardown)
{
	char addr[4][16], name[96];
	int round, i;

	vc_config();
	cr_assert_eq(same_set(addr, 4), 4, "four addresses of one set");
	for (i = 0; i < 3; i++)
		map_vtep(100, addr[i]);
	for (round = 0; round < 4; round++) {
		for (i = 0; i < 3; i++) {
			snprintf(name, sizeof(name), "round %d, %s", round, addr[i]);
			vc_run(name, addr[i], XDP_REDIRECT, VXBPF_R_RX_DECAP);
			vc_run(name, addr[i], XDP_REDIRECT, VXBPF_R_RX_DECAP);
		}
		snprintf(name, sizeof(name), "round %d, stranger %s", round, addr[3]);
		vc_run(name, addr[3], XDP_DROP, VXBPF_R_RX_UNKNOWN_VTEP);
	}
}
