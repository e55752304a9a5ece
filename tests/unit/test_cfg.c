// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The fdb/neigh/vni semantics and the vtep reference counts, on memory-only
 * tables (no BPF maps): the same code `load` runs before it writes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include "cfg.h"

static struct vx_cfg C;

static void setup(void)
{
	cfg_init(&C, NULL);
	cr_redirect_stderr();
}

static void teardown(void)
{
	cfg_free(&C);
}

static int run(const char *line)
{
	char buf[256], err[256], *argv[64];
	struct vx_cmd c;
	int argc;

	snprintf(buf, sizeof(buf), "%s", line);
	argc = tokenize(buf, argv, 64);
	cr_assert_eq(cmd_parse(argc, argv, &c, err, sizeof(err)), 0, "%s: %s",
		     line, err);
	return cfg_apply(&C, &c);
}

static void ok(const char *line)
{
	cr_assert_eq(run(line), 0, "failed: %s", line);
}

static struct vxbpf_addr A(const char *s)
{
	struct vxbpf_addr a;
	int fam;

	cr_assert_eq(parse_ip(s, &a, &fam), 0);
	return a;
}

static bool same(const struct vxbpf_addr *a, const char *ip)
{
	struct vxbpf_addr b = A(ip);

	return addr_cmp(a, &b) == 0;
}

static int vtep_refs(__u32 vni, const char *ip)
{
	struct vxbpf_vtep_key k = { .vni = vni, .ip = A(ip) };
	struct vxbpf_vtep_val v;

	return tbl_get(&C.vtep, &k, &v) == 1 ? (int)v.refs : 0;
}

static int fdb(__u32 vni, const char *mac, struct vxbpf_fdb_val *v)
{
	struct vxbpf_fdb_key k = { .vni = vni };

	parse_mac(mac, k.mac);
	return tbl_get(&C.fdb, &k, v);
}

static int flood(__u32 vni, const char *mac, const char *dst)
{
	struct vxbpf_flood_key k = { .vni = vni, .dst = A(dst) };

	parse_mac(mac, k.mac);
	return tbl_get(&C.flood, &k, NULL);
}

static __u32 dstport_users(__u16 port)
{
	__u32 k = port, v = 0;

	return tbl_get(&C.dstports, &k, &v) == 1 ? v : 0;
}

#define MAC1 "52:54:00:00:00:01"

TestSuite(cfg, .init = setup, .fini = teardown);

Test(cfg, vni_slots_and_defaults)
{
	struct vxbpf_vni_cfg v;
	__u32 k;

	ok("vni add 100 local 192.0.2.1");
	ok("vni add 200 local 2001:db8::1 ttl 9 dstport 8472");
	ok("vni add 300 local 192.0.2.1");
	k = 100;
	cr_assert_eq(tbl_get(&C.vni, &k, &v), 1);
	cr_assert_eq(v.slot, 0);
	cr_assert_eq(ntohs(v.be_dstport), 4789);
	cr_assert_eq(v.flags & (VXBPF_VNI_TTL_SET | VXBPF_VNI_IPV6), 0);
	cr_assert_eq(v.ttl, cfg_default_ttl(false));
	cr_assert_lt(v.srcport_min, v.srcport_max);
	k = 200;
	tbl_get(&C.vni, &k, &v);
	cr_assert_eq(v.slot, 1);
	cr_assert_eq(v.ttl, 9);
	cr_assert_eq(v.flags & (VXBPF_VNI_TTL_SET | VXBPF_VNI_IPV6),
		     VXBPF_VNI_TTL_SET | VXBPF_VNI_IPV6);
	cr_assert_eq(dstport_users(4789), 2);
	cr_assert_eq(dstport_users(8472), 1);

	/* The lowest free slot is reused; replace keeps the slot. */
	ok("vni del 100");
	cr_assert_eq(dstport_users(4789), 1);
	ok("vni add 400 local 192.0.2.1");
	k = 400;
	tbl_get(&C.vni, &k, &v);
	cr_assert_eq(v.slot, 0);
	ok("vni replace 200 local 2001:db8::2 dstport 4789");
	k = 200;
	tbl_get(&C.vni, &k, &v);
	cr_assert_eq(v.slot, 1);
	cr_assert_eq(dstport_users(8472), 0);
	cr_assert_eq(dstport_users(4789), 3);

	cr_assert_eq(run("vni add 300 local 192.0.2.9"), -EEXIST);
	cr_assert_eq(run("vni del 999"), -ENOENT);
}

Test(cfg, fdb_needs_vni_and_family)
{
	cr_assert_eq(run("fdb add " MAC1 " vni 100 dst 192.0.2.2"), -ENOENT);
	ok("vni add 100 local 192.0.2.1");
	cr_assert_eq(run("fdb add " MAC1 " vni 100 dst 2001:db8::2"), -EINVAL);
	ok("vni add 200 local 2001:db8::1");
	cr_assert_eq(run("fdb add " MAC1 " vni 200 dst 192.0.2.2"), -EINVAL);
	ok("fdb add " MAC1 " vni 200 dst 2001:db8::2");
	/* A VNI with IPv6 remotes cannot become IPv4. */
	cr_assert_eq(run("vni replace 200 local 192.0.2.1"), -EINVAL);
}

Test(cfg, add_replace_and_vtep_refs)
{
	struct vxbpf_fdb_val v;

	ok("vni add 100 local 192.0.2.1");
	ok("fdb add " MAC1 " vni 100 dst 192.0.2.2");
	cr_assert_eq(run("fdb add " MAC1 " vni 100 dst 192.0.2.3"), -EEXIST);
	cr_assert_eq(vtep_refs(100, "192.0.2.2"), 1);
	ok("fdb add 52:54:00:00:00:02 vni 100 dst 192.0.2.2 port 8472");
	cr_assert_eq(vtep_refs(100, "192.0.2.2"), 2);
	fdb(100, "52:54:00:00:00:02", &v);
	cr_assert_eq(ntohs(v.be_port), 8472);

	ok("fdb replace " MAC1 " vni 100 dst 192.0.2.3");
	cr_assert_eq(vtep_refs(100, "192.0.2.2"), 1);
	cr_assert_eq(vtep_refs(100, "192.0.2.3"), 1);
	cr_assert_eq(fdb(100, MAC1, &v), 1);
	cr_assert(same(&v.dst, "192.0.2.3"));
	/* replace creates */
	ok("fdb replace 52:54:00:00:00:03 vni 100 dst 192.0.2.3");
	cr_assert_eq(vtep_refs(100, "192.0.2.3"), 2);
}

Test(cfg, append_del_promote)
{
	struct vxbpf_fdb_val v;

	ok("vni add 100 local 192.0.2.1");
	ok("fdb append " MAC1 " vni 100 dst 192.0.2.2");	/* first: fdb */
	cr_assert_eq(fdb(100, MAC1, &v), 1);
	cr_assert_eq(v.flags & VXBPF_FDB_MULTI, 0);
	ok("fdb append " MAC1 " vni 100 dst 192.0.2.4");
	ok("fdb append " MAC1 " vni 100 dst 192.0.2.3");
	ok("fdb append " MAC1 " vni 100 dst 192.0.2.3");	/* idempotent */
	cr_assert_eq(fdb(100, MAC1, &v), 1);
	cr_assert(v.flags & VXBPF_FDB_MULTI);
	cr_assert_eq(flood(100, MAC1, "192.0.2.3"), 1);
	cr_assert_eq(flood(100, MAC1, "192.0.2.4"), 1);
	cr_assert_eq(flood(100, MAC1, "192.0.2.2"), 0);
	cr_assert_eq(vtep_refs(100, "192.0.2.3"), 1);

	/* Deleting the primary promotes the lowest extra remote. */
	ok("fdb del " MAC1 " vni 100 dst 192.0.2.2");
	cr_assert_eq(vtep_refs(100, "192.0.2.2"), 0);
	cr_assert_eq(fdb(100, MAC1, &v), 1);
	cr_assert(same(&v.dst, "192.0.2.3"));
	cr_assert(v.flags & VXBPF_FDB_MULTI);
	cr_assert_eq(flood(100, MAC1, "192.0.2.3"), 0);
	cr_assert_eq(vtep_refs(100, "192.0.2.3"), 1);

	/* Deleting the last extra clears MULTI. */
	ok("fdb del " MAC1 " vni 100 dst 192.0.2.4");
	cr_assert_eq(fdb(100, MAC1, &v), 1);
	cr_assert_eq(v.flags & VXBPF_FDB_MULTI, 0);
	cr_assert_eq(vtep_refs(100, "192.0.2.4"), 0);
	cr_assert_eq(run("fdb del " MAC1 " vni 100 dst 192.0.2.4"), -ENOENT);

	/* Without dst: every remote. */
	ok("fdb append " MAC1 " vni 100 dst 192.0.2.5");
	ok("fdb del " MAC1 " vni 100");
	cr_assert_eq(fdb(100, MAC1, &v), 0);
	cr_assert_eq(flood(100, MAC1, "192.0.2.5"), 0);
	cr_assert_eq(vtep_refs(100, "192.0.2.3"), 0);
	cr_assert_eq(vtep_refs(100, "192.0.2.5"), 0);
	cr_assert_eq(tbl_count(&C.vtep), 0);
	cr_assert_eq(run("fdb del " MAC1 " vni 100"), -ENOENT);
}

Test(cfg, replace_with_an_extra_remote)
{
	struct vxbpf_fdb_val v;

	ok("vni add 100 local 192.0.2.1");
	ok("fdb add " MAC1 " vni 100 dst 192.0.2.2");
	ok("fdb append " MAC1 " vni 100 dst 192.0.2.3");
	ok("fdb replace " MAC1 " vni 100 dst 192.0.2.3");
	cr_assert_eq(fdb(100, MAC1, &v), 1);
	cr_assert_eq(v.flags & VXBPF_FDB_MULTI, 0);
	cr_assert_eq(flood(100, MAC1, "192.0.2.3"), 0);
	cr_assert_eq(vtep_refs(100, "192.0.2.3"), 1);
	cr_assert_eq(vtep_refs(100, "192.0.2.2"), 0);
}

Test(cfg, flood_list)
{
	struct vxbpf_fdb_val v;

	ok("vni add 100 local 192.0.2.1");
	ok("fdb append 00:00:00:00:00:00 vni 100 dst 192.0.2.7");
	ok("fdb append 00:00:00:00:00:00 vni 100 dst 192.0.2.8");
	cr_assert_eq(fdb(100, "00:00:00:00:00:00", &v), 0);
	cr_assert_eq(flood(100, "00:00:00:00:00:00", "192.0.2.7"), 1);
	cr_assert_eq(vtep_refs(100, "192.0.2.8"), 1);
	cr_assert_eq(run("fdb add 00:00:00:00:00:00 vni 100 dst 192.0.2.7"), -EEXIST);
	ok("fdb del 00:00:00:00:00:00 vni 100 dst 192.0.2.7");
	cr_assert_eq(vtep_refs(100, "192.0.2.7"), 0);
	ok("fdb del 00:00:00:00:00:00 vni 100");
	cr_assert_eq(tbl_count(&C.flood), 0);
	cr_assert_eq(tbl_count(&C.vtep), 0);
}

Test(cfg, local_entries)
{
	struct vxbpf_fdb_val v;

	struct vxbpf_port_val pv = { .vni = 200 };
	__u32 lo = 1;

	ok("vni add 100 local 192.0.2.1");
	ok("vni add 200 local 192.0.2.1");
	/* Only a port of the VNI: else decapsulated frames leak across VNIs. */
	cr_assert_eq(run("fdb add " MAC1 " vni 100 dev lo"), -EINVAL);
	cr_assert_eq(tbl_put(&C.ports, &lo, &pv), 0);
	cr_assert_eq(run("fdb add " MAC1 " vni 100 dev lo"), -EINVAL);
	pv.vni = 100;
	cr_assert_eq(tbl_put(&C.ports, &lo, &pv), 0);
	ok("fdb add " MAC1 " vni 100 dev lo");
	cr_assert_eq(fdb(100, MAC1, &v), 1);
	cr_assert_eq(v.flags, VXBPF_FDB_LOCAL);
	cr_assert_eq(v.ifindex, 1);
	cr_assert_eq(tbl_count(&C.vtep), 0);
	cr_assert_eq(run("fdb append " MAC1 " vni 100 dst 192.0.2.2"), -EINVAL);
	cr_assert_eq(run("fdb add 52:54:00:00:00:09 vni 100 dev nosuchdev0"), -ENODEV);
	/* A remote replaces the local entry, and back. */
	ok("fdb replace " MAC1 " vni 100 dst 192.0.2.2");
	cr_assert_eq(vtep_refs(100, "192.0.2.2"), 1);
	ok("fdb append " MAC1 " vni 100 dst 192.0.2.3");
	ok("fdb replace " MAC1 " vni 100 dev lo");
	cr_assert_eq(tbl_count(&C.vtep), 0);
	cr_assert_eq(tbl_count(&C.flood), 0);
}

Test(cfg, flush_and_vni_del)
{
	struct vxbpf_port_val pv = { .vni = 200 };
	__u32 ifindex = 1;

	ok("vni add 100 local 192.0.2.1");
	ok("vni add 200 local 192.0.2.1");
	ok("fdb add " MAC1 " vni 100 dst 192.0.2.2");
	ok("fdb append " MAC1 " vni 100 dst 192.0.2.3");
	ok("fdb add " MAC1 " vni 200 dst 192.0.2.2");
	ok("neigh add 10.0.0.1 lladdr " MAC1 " vni 100");
	ok("neigh add 10.0.0.1 lladdr " MAC1 " vni 200");
	ok("fdb flush vni 100");
	cr_assert_eq(vtep_refs(100, "192.0.2.2"), 0);
	cr_assert_eq(vtep_refs(200, "192.0.2.2"), 1);
	cr_assert_eq(tbl_count(&C.fdb), 1);
	cr_assert_eq(tbl_count(&C.flood), 0);
	cr_assert_eq(tbl_count(&C.neigh), 2);

	tbl_put(&C.ports, &ifindex, &pv);
	cr_assert_eq(run("vni del 200"), -EBUSY);
	tbl_del(&C.ports, &ifindex);
	ok("vni del 200");
	cr_assert_eq(tbl_count(&C.fdb), 0);
	cr_assert_eq(tbl_count(&C.vtep), 0);
	cr_assert_eq(tbl_count(&C.neigh), 1);
	cr_assert_eq(tbl_count(&C.vni), 1);
	ok("neigh flush");
	cr_assert_eq(tbl_count(&C.neigh), 0);
}

/* A kernel vxlan device attached to the VNI (the host's fdb entry of its
 * MAC): vni del refuses, as for a port, and changes nothing. */
Test(cfg, vni_del_hostdev)
{
	struct vxbpf_fdb_key k = { .vni = 200, .mac = { 2, 0, 0, 0, 0, 9 } };
	struct vxbpf_fdb_val v = { .flags = VXBPF_FDB_LOCAL | VXBPF_FDB_HOST, .ifindex = 999999 };

	ok("vni add 200 local 192.0.2.1");
	ok("fdb add " MAC1 " vni 200 dst 192.0.2.2");
	tbl_put(&C.fdb, &k, &v);
	cr_assert_eq(run("vni del 200"), -EBUSY);
	cr_assert_eq(tbl_count(&C.vni), 1);
	cr_assert_eq(tbl_count(&C.fdb), 2);
	cr_assert_eq(vtep_refs(200, "192.0.2.2"), 1);
	tbl_del(&C.fdb, &k);
	ok("vni del 200");
	cr_assert_eq(tbl_count(&C.vni), 0);
	cr_assert_eq(tbl_count(&C.fdb), 0);
}

Test(cfg, neigh)
{
	struct vxbpf_neigh_key k = { .vni = 100, .ip = A("10.0.0.1") };
	struct vxbpf_neigh_val v;

	cr_assert_eq(run("neigh add 10.0.0.1 lladdr " MAC1 " vni 100"), -ENOENT);
	ok("vni add 100 local 192.0.2.1");
	ok("neigh add 10.0.0.1 lladdr " MAC1 " vni 100");
	cr_assert_eq(run("neigh add 10.0.0.1 lladdr " MAC1 " vni 100"), -EEXIST);
	ok("neigh replace 10.0.0.1 lladdr 52:54:00:00:00:02 vni 100 router");
	cr_assert_eq(tbl_get(&C.neigh, &k, &v), 1);
	cr_assert_eq(v.mac[5], 2);
	cr_assert_eq(v.flags, VXBPF_NEIGH_ROUTER);
	/* The inner family is free: an IPv6 neighbour on an IPv4 underlay. */
	ok("neigh add 2001:db8::9 lladdr " MAC1 " vni 100");
	ok("neigh del 10.0.0.1 vni 100");
	cr_assert_eq(run("neigh del 10.0.0.1 vni 100"), -ENOENT);
}

/* The lists the replication reads, derived from the fdb and flood maps:
 * the flood list by address, a multi-remote MAC's with its primary first. */
Test(cfg, derived_remotes)
{
	static struct vxbpf_remotes r;
	struct vxbpf_fdb_key k = { .vni = 100 };

	ok("vni add 100 local 192.0.2.1");
	ok("fdb append 00:00:00:00:00:00 vni 100 dst 192.0.2.3");
	ok("fdb append 00:00:00:00:00:00 vni 100 dst 192.0.2.2 port 8472");
	ok("fdb add " MAC1 " vni 100 dst 192.0.2.4");
	ok("fdb append " MAC1 " vni 100 dst 192.0.2.3");
	ok("fdb append " MAC1 " vni 100 dst 192.0.2.2");
	ok("fdb add 52:54:00:00:00:02 vni 100 dst 192.0.2.2");
	cr_assert_eq(cfg_derive(&C, false), 0);

	cr_assert_eq(tbl_get(&C.remotes, &k, &r), 1, "no flood list");
	cr_assert_eq(r.n, 2);
	cr_expect(same(&r.r[0].dst, "192.0.2.2") && ntohs(r.r[0].be_port) == 8472);
	cr_expect(same(&r.r[1].dst, "192.0.2.3") && !r.r[1].be_port);
	parse_mac(MAC1, k.mac);
	cr_assert_eq(tbl_get(&C.remotes, &k, &r), 1, "no list for the multi-remote MAC");
	cr_assert_eq(r.n, 3);
	cr_expect(same(&r.r[0].dst, "192.0.2.4"), "the fdb entry's remote first");
	cr_expect(same(&r.r[1].dst, "192.0.2.2") && same(&r.r[2].dst, "192.0.2.3"));
	/* One remote is the fdb entry itself: no list. */
	parse_mac("52:54:00:00:00:02", k.mac);
	cr_expect_eq(tbl_get(&C.remotes, &k, NULL), 0);

	/* Back to one remote: the list goes. (Memory tables never commit,
	 * so every later derivation is the full one, as after an upgrade.) */
	ok("fdb del " MAC1 " vni 100 dst 192.0.2.3");
	ok("fdb del " MAC1 " vni 100 dst 192.0.2.2");
	cr_assert_eq(cfg_derive(&C, true), 0);
	parse_mac(MAC1, k.mac);
	cr_expect_eq(tbl_get(&C.remotes, &k, NULL), 0, "a stale list");
	ok("fdb del 00:00:00:00:00:00 vni 100");
	cr_assert_eq(cfg_derive(&C, true), 0);
	memset(k.mac, 0, 6);
	cr_expect_eq(tbl_get(&C.remotes, &k, NULL), 0, "a stale flood list");
}

/*
 * Found by fuzzing (tests/fuzz/fuzz_events.c, UBSan): a MAC whose every
 * remote went leaves a dirty list with no member at all, and the empty,
 * NULL member array went to qsort (and NULL + 0 to remotes_build), which
 * UBSan reports: this test fails in a sanitizer build of the unit tests
 * without the fix. The list is simply gone.
 */
Test(cfg, derived_list_loses_every_remote)
{
	struct vxbpf_fdb_key k = { .vni = 100 };

	ok("vni add 100 local 192.0.2.1");
	ok("fdb add " MAC1 " vni 100 dst 192.0.2.4");
	ok("fdb append " MAC1 " vni 100 dst 192.0.2.3");
	cr_assert_eq(cfg_derive(&C, false), 0);
	parse_mac(MAC1, k.mac);
	cr_assert_eq(tbl_get(&C.remotes, &k, NULL), 1);
	ok("fdb del " MAC1 " vni 100");
	/* (Memory tables never commit: the full derivation, as above.) */
	cr_assert_eq(cfg_derive(&C, true), 0);
	cr_assert_eq(tbl_get(&C.remotes, &k, NULL), 0);
}

Test(cfg, derived_ports)
{
	static struct vxbpf_vni_ports p;
	struct vxbpf_port_val a = { .vni = 100 }, b = { .vni = 200 };
	__u32 i5 = 5, i3 = 3, i7 = 7, vni = 100;

	tbl_put(&C.ports, &i5, &a);
	tbl_put(&C.ports, &i3, &a);
	tbl_put(&C.ports, &i7, &b);
	cr_assert_eq(cfg_derive(&C, false), 0);
	cr_assert_eq(tbl_get(&C.vni_ports, &vni, &p), 1);
	cr_expect(p.n == 2 && p.ifindex[0] == 3 && p.ifindex[1] == 5, "vni 100: %u ports", p.n);
	vni = 200;
	cr_assert_eq(tbl_get(&C.vni_ports, &vni, &p), 1);
	cr_expect(p.n == 1 && p.ifindex[0] == 7);
	tbl_del(&C.ports, &i7);
	cr_assert_eq(cfg_derive(&C, true), 0);
	cr_expect_eq(tbl_get(&C.vni_ports, &vni, NULL), 0, "vni 200 has no port left");
}

/* Longer than the data path replicates: refused, with the numbers. */
Test(cfg, derived_too_many_remotes)
{
	char line[128];

	ok("vni add 100 local 10.0.0.1");
	for (int i = 0; i <= VXBPF_FLOOD_REMOTES; i++) {
		snprintf(line, sizeof(line), "fdb append 00:00:00:00:00:00 vni 100 dst 10.1.%d.%d",
			 i / 250, 1 + i % 250);
		ok(line);
	}
	cr_assert_eq(cfg_derive(&C, false), -E2BIG);
}

/* `router` on a remote entry, as NTF_ROUTER: the proxy's NA says R. */
Test(cfg, fdb_router)
{
	struct vxbpf_fdb_val v;
	char err[256], buf[128], *argv[16];
	struct vx_cmd c;

	ok("vni add 100 local 192.0.2.1");
	ok("fdb add " MAC1 " vni 100 dst 192.0.2.2 router");
	cr_assert_eq(fdb(100, MAC1, &v), 1);
	cr_expect(v.flags & VXBPF_FDB_ROUTER);
	ok("fdb replace " MAC1 " vni 100 dst 192.0.2.2");
	cr_assert_eq(fdb(100, MAC1, &v), 1);
	cr_expect(!(v.flags & VXBPF_FDB_ROUTER), "replace without router keeps it");
	snprintf(buf, sizeof(buf), "fdb add 00:00:00:00:00:00 vni 100 dst 192.0.2.2 router");
	cr_expect_neq(cmd_parse(tokenize(buf, argv, 16), argv, &c, err, sizeof(err)), 0,
		      "router on the flood list accepted");
}

/* A writer killed between two map writes leaves counts that disagree with
 * the entries; the mirror's resync recounts them. */
Test(cfg, recount)
{
	struct vxbpf_vtep_key k = { .vni = 100, .ip = A("192.0.2.2") };
	struct vxbpf_vtep_val v = { .refs = 7 };
	__u32 port = 4789, users = 5, p8 = 8472, zero = 0;

	ok("vni add 100 local 192.0.2.1");
	ok("vni add 200 local 192.0.2.1 dstport 8472");
	ok("fdb add " MAC1 " vni 100 dst 192.0.2.2");
	ok("fdb append 00:00:00:00:00:00 vni 100 dst 192.0.2.2");
	ok("fdb append 00:00:00:00:00:00 vni 100 dst 192.0.2.3");
	cr_assert_eq(cfg_recount(&C), 0, "nothing to fix");
	/* Inflated, stray, missing. */
	tbl_put(&C.vtep, &k, &v);
	k.ip = A("192.0.2.9");
	tbl_put(&C.vtep, &k, &v);
	k.ip = A("192.0.2.3");
	tbl_del(&C.vtep, &k);
	tbl_put(&C.dstports, &port, &users);
	tbl_put(&C.dstports, &p8, &zero);
	cr_assert_eq(cfg_recount(&C), 5);
	cr_assert_eq(vtep_refs(100, "192.0.2.2"), 2);
	cr_assert_eq(vtep_refs(100, "192.0.2.3"), 1);
	cr_assert_eq(vtep_refs(100, "192.0.2.9"), 0);
	cr_assert_eq(dstport_users(4789), 1);
	cr_assert_eq(dstport_users(8472), 1);
}
