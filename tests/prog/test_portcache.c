// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The per-CPU cache of the ports map in front of it (bpf/port.h,
 * port_find): one slot per ifindex modulo VXBPF_PORT_SLOTS, valid while
 * its generation is the gen map's. A port removed or a VNI reconfigured
 * shows on the next frame after the commit, and a device whose ifindex
 * shares a cached port's slot is never taken for that port.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <net/if.h>

#include "harness.h"
#include "pkt.h"
#include "vxbpf.skel.h"

static void pc_config(void)
{
	h_pin_cpu();
	map_vni(100, "192.0.2.1", 0);
	map_port(H.if_vm0, 100);
	map_fdb_remote(100, MAC_VM2, "192.0.2.2", 0);
}

/* A frame from the VM on ifindex to the remote MAC; out: what was sent. */
static void pc_run(const char *name, int ifindex, int verdict, int reason, struct pkt *out)
{
	static struct pkt in;

	build_udp4(&in, MAC_VM2, MAC_VM1, "10.0.0.2", 9, 10);
	expect_run(name, H.port_fd, ifindex, &in, verdict, reason, NULL, out);
}

Test(portcache, port_removed_seen, .init = h_setup, .fini = h_teardown)
{
	static struct pkt out;
	__u32 k;

	pc_config();
	pc_run("first: from the map, cached", H.if_vm0, XDP_REDIRECT, VXBPF_R_TX_ENCAP, &out);
	pc_run("second: from the cache", H.if_vm0, XDP_REDIRECT, VXBPF_R_TX_ENCAP, &out);
	k = H.if_vm0;
	cr_assert_eq(bpf_map_delete_elem(bpf_map__fd(H.skel->maps.vxbpf_ports), &k), 0, "delete");
	/* Until the generation moves, the cache answers (so it is read). */
	pc_run("deleted, not yet committed", H.if_vm0, XDP_REDIRECT, VXBPF_R_TX_ENCAP, &out);
	maps_written();
	pc_run("after the commit", H.if_vm0, XDP_PASS, VXBPF_R_TX_NOT_PORT, &out);
}

Test(portcache, configuration_change_seen, .init = h_setup, .fini = h_teardown)
{
	static struct pkt out;
	struct vxbpf_vni_cfg cfg;

	pc_config();
	pc_run("cached", H.if_vm0, XDP_REDIRECT, VXBPF_R_TX_ENCAP, &out);
	cr_assert_eq(out.b[22], 64, "ttl %u", out.b[22]);
	pc_run("from the cache", H.if_vm0, XDP_REDIRECT, VXBPF_R_TX_ENCAP, &out);
	/* The VNI's TTL changes: the port's copy (map_vni_put derives it). */
	map_vni_get(100, &cfg);
	cfg.ttl = 9;
	map_vni_put(100, &cfg);
	pc_run("new ttl", H.if_vm0, XDP_REDIRECT, VXBPF_R_TX_ENCAP, &out);
	cr_expect_eq(out.b[22], 9, "outer ttl %u after the change, want 9", out.b[22]);
}

/*
 * A device whose ifindex is the cached port's + VXBPF_PORT_SLOTS takes the
 * same slot: not a port, it is told so; made a port of another VNI, it gets
 * that VNI's configuration, and the first port its own again.
 */
Test(portcache, shared_slot, .init = h_setup, .fini = h_teardown)
{
	static struct pkt out;
	char script[256];
	int other;

	pc_config();
	other = H.if_vm0 + VXBPF_PORT_SLOTS;
	snprintf(script, sizeof(script),
		 "link add name vmx index %d type veth peer name vmxp\n"
		 "link set vmx up\nlink set vmxp up\n", other);
	h_ip(script);
	cr_assert_eq((int)if_nametoindex("vmx"), other, "vmx ifindex");
	pc_run("port, cached", H.if_vm0, XDP_REDIRECT, VXBPF_R_TX_ENCAP, &out);
	pc_run("same slot, no port", other, XDP_PASS, VXBPF_R_TX_NOT_PORT, &out);
	map_vni(200, "192.0.2.1", 0);
	{
		struct vxbpf_vni_cfg cfg;

		map_vni_get(200, &cfg);
		cfg.ttl = 7;
		map_vni_put(200, &cfg);
	}
	map_port(other, 200);
	map_fdb_remote(200, MAC_VM2, "192.0.2.2", 0);
	pc_run("same slot, a port of VNI 200", other, XDP_REDIRECT, VXBPF_R_TX_ENCAP, &out);
	cr_expect_eq(out.b[22], 7, "VNI 200's ttl, got %u", out.b[22]);
	pc_run("the first port again", H.if_vm0, XDP_REDIRECT, VXBPF_R_TX_ENCAP, &out);
	cr_expect_eq(out.b[22], 64, "VNI 100's ttl, got %u", out.b[22]);
	pc_run("and the other", other, XDP_REDIRECT, VXBPF_R_TX_ENCAP, &out);
	cr_expect_eq(out.b[22], 7, "VNI 200's ttl again, got %u", out.b[22]);
}
