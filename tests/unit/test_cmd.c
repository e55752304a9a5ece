// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Whole command lines into struct vx_cmd: what `load` validates before it
 * touches a map.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <criterion/criterion.h>

#include "parse.h"

static char err[256];
static char buf[512];

/* Parse a line as `load` does; returns cmd_parse's result. */
static int P(const char *line, struct vx_cmd *c)
{
	char *argv[64];
	int argc;

	snprintf(buf, sizeof(buf), "%s", line);
	argc = tokenize(buf, argv, 64);
	cr_assert_geq(argc, 0);
	return cmd_parse(argc, argv, c, err, sizeof(err));
}

static void bad(const char *line, const char *msg_part)
{
	struct vx_cmd c;

	cr_assert_eq(P(line, &c), -EINVAL, "accepted: %s", line);
	cr_assert(strstr(err, msg_part), "\"%s\": message \"%s\" lacks \"%s\"",
		  line, err, msg_part);
}

Test(cmd, fdb_add_remote)
{
	struct vx_cmd c;
	const __u8 mac[6] = { 0x52, 0x54, 0, 0, 0, 1 };

	cr_assert_eq(P("fdb add 52:54:00:00:00:01 vni 100 dst 192.0.2.2 port 8472", &c), 0, "%s", err);
	cr_assert_eq(c.obj, OBJ_FDB);
	cr_assert_eq(c.verb, VERB_ADD);
	cr_assert_arr_eq(c.mac, mac, 6);
	cr_assert(c.has_vni);
	cr_assert_eq(c.vni, 100);
	cr_assert(c.has_ip);
	cr_assert_eq(c.family, AF_INET);
	cr_assert_eq(vxbpf_addr_w(&c.ip)[3], htonl(0xc0000202));
	cr_assert(c.has_port);
	cr_assert_eq(c.port, 8472);
	cr_assert_not(c.has_dev);
}

Test(cmd, fdb_words_any_order_and_verbs)
{
	struct vx_cmd c;

	cr_assert_eq(P("fdb append 00:00:00:00:00:00 dst 2001:db8::2 vni 7", &c), 0, "%s", err);
	cr_assert_eq(c.verb, VERB_APPEND);
	cr_assert_eq(c.family, AF_INET6);
	cr_assert_eq(c.vni, 7);
	cr_assert_eq(P("fdb replace 52:54:00:00:00:01 vni 1 dst 10.0.0.1", &c), 0);
	cr_assert_eq(c.verb, VERB_REPLACE);
	cr_assert_eq(P("fdb del 52:54:00:00:00:01 vni 1", &c), 0);
	cr_assert_eq(c.verb, VERB_DEL);
	cr_assert_not(c.has_ip);
	cr_assert_eq(P("fdb del 52:54:00:00:00:01 vni 1 dst 10.0.0.1", &c), 0);
	cr_assert(c.has_ip);
	cr_assert_eq(P("fdb add 52:54:00:00:00:01 vni 1 dev vm0", &c), 0);
	cr_assert(c.has_dev);
	cr_assert_str_eq(c.dev, "vm0");
	cr_assert_eq(P("fdb show", &c), 0);
	cr_assert_eq(c.verb, VERB_SHOW);
	cr_assert_not(c.has_vni);
	cr_assert_eq(P("fdb show vni 5", &c), 0);
	cr_assert_eq(c.vni, 5);
	cr_assert_eq(P("fdb flush vni 5", &c), 0);
	cr_assert_eq(c.verb, VERB_FLUSH);
	cr_assert_eq(P("fdb", &c), 0);
	cr_assert_eq(c.verb, VERB_SHOW);
}

Test(cmd, fdb_errors)
{
	bad("fdb add 52:54:00:00:00:01 vni 16777216 dst 192.0.2.2", "invalid VNI");
	bad("fdb add 52:54:00:00:00:01 vni 0 dst 192.0.2.2", "invalid VNI");
	bad("fdb add 52:54:00:00:00:01 dst 192.0.2.2", "needs \"vni VNI\"");
	bad("fdb add 52:54:00:00:00:01 vni 1", "needs \"dst IP\" or \"dev PORT\"");
	bad("fdb add 52:54:00:00:0:0:1 vni 1 dst 192.0.2.2", "invalid MAC");
	bad("fdb add vni 1 dst 192.0.2.2", "invalid MAC");
	bad("fdb add", "needs a MAC address");
	bad("fdb add 52:54:00:00:00:01 vni 1 dst 192.0.2.300", "invalid IP");
	bad("fdb add 52:54:00:00:00:01 vni 1 dst", "\"dst\" needs an argument");
	bad("fdb add 52:54:00:00:00:01 vni 1 dst 192.0.2.2 color red", "unknown word \"color\"");
	bad("fdb add 52:54:00:00:00:01 vni 1 dst 192.0.2.2 port 70000", "invalid port");
	bad("fdb add 52:54:00:00:00:01 vni 1 dst 192.0.2.2 dev vm0", "not both");
	bad("fdb append 52:54:00:00:00:01 vni 1 dev vm0", "append needs");
	bad("fdb add 00:00:00:00:00:00 vni 1 dev vm0", "all-zero MAC");
	bad("fdb add 52:54:00:00:00:01 vni 1 vni 2 dst 192.0.2.2", "given twice");
	bad("fdb add 52:54:00:00:00:01 vni 1 dst 0.0.0.0", "unspecified");
	bad("fdb add 52:54:00:00:00:01 vni 1 dst ::", "unspecified");
	bad("fdb frob", "unknown word \"frob\"");
	bad("fdb add 52:54:00:00:00:01 vni 1 dev abcdefghijklmnopq", "invalid device");
}

Test(cmd, neigh)
{
	struct vx_cmd c;

	cr_assert_eq(P("neigh add 10.0.0.1 lladdr 52:54:00:00:00:01 vni 100 router", &c), 0, "%s", err);
	cr_assert_eq(c.obj, OBJ_NEIGH);
	cr_assert(c.router);
	cr_assert(c.has_mac);
	cr_assert_eq(c.family, AF_INET);
	cr_assert_eq(P("neigh replace 2001:db8::5 lladdr 52:54:00:00:00:01 vni 100", &c), 0);
	cr_assert_eq(c.family, AF_INET6);
	cr_assert_not(c.router);
	cr_assert_eq(P("neigh del 10.0.0.1 vni 100", &c), 0);
	cr_assert_eq(P("neigh flush", &c), 0);
	bad("neigh add 10.0.0.1 vni 100", "needs \"lladdr MAC\"");
	bad("neigh add 10.0.0.1 lladdr ff:ff:ff:ff:ff:ff vni 100", "unicast");
	bad("neigh add 10.0.0.1 lladdr 00:00:00:00:00:00 vni 100", "unicast");
	bad("neigh append 10.0.0.1 lladdr 52:54:00:00:00:01 vni 1", "unknown word \"append\"");
	bad("neigh add 10.0.0.1 lladdr 52:54:00:00:00:01", "needs \"vni VNI\"");
	bad("neigh add 10.0.0.1 lladdr 52:54:00:00:00:01 vni 1 dst 1.2.3.4", "unknown word \"dst\"");
}

Test(cmd, vni_defaults)
{
	struct vx_cmd c;

	cr_assert_eq(P("vni add 100 local 192.0.2.1", &c), 0, "%s", err);
	cr_assert_eq(c.obj, OBJ_VNI);
	cr_assert_eq(c.vni, 100);
	cr_assert_eq(c.port, 4789);
	cr_assert_not(c.has_srcport);
	cr_assert_not(c.has_ttl);
	cr_assert_eq(c.tos, 0);
	cr_assert_eq(c.vni_flags, 0);
}

Test(cmd, vni_all_options)
{
	struct vx_cmd c;

	cr_assert_eq(P("vni add 16777215 local 2001:db8::1 dstport 8472 srcport 1000 2000 "
		       "ttl 255 tos 0x10 proxy learning l2miss l3miss noudpcsum "
		       "udp6zerocsumtx udp6zerocsumrx", &c), 0, "%s", err);
	cr_assert_eq(c.vni, 16777215);
	cr_assert_eq(c.family, AF_INET6);
	cr_assert_eq(c.port, 8472);
	cr_assert(c.has_srcport);
	cr_assert_eq(c.srcport_min, 1000);
	cr_assert_eq(c.srcport_max, 2000);
	cr_assert(c.has_ttl);
	cr_assert_eq(c.ttl, 255);
	cr_assert_eq(c.tos, 16);
	cr_assert_eq(c.vni_flags,
		     VXBPF_VNI_PROXY | VXBPF_VNI_LEARNING | VXBPF_VNI_L2MISS |
			     VXBPF_VNI_L3MISS | VXBPF_VNI_NOUDPCSUM |
			     VXBPF_VNI_UDP6ZEROCSUMTX | VXBPF_VNI_UDP6ZEROCSUMRX);
	/* The last of udpcsum/noudpcsum wins, as in `ip link`. */
	cr_assert_eq(P("vni replace 5 local 192.0.2.1 noudpcsum udpcsum", &c), 0);
	cr_assert_eq(c.verb, VERB_REPLACE);
	cr_assert_eq(c.vni_flags & VXBPF_VNI_NOUDPCSUM, 0);
}

Test(cmd, vni_ttl)
{
	struct vx_cmd c;

	cr_assert_eq(P("vni add 1 local 192.0.2.1 ttl 1", &c), 0);
	cr_assert(c.has_ttl);
	cr_assert_eq(c.ttl, 1);
	/* ttl 0 and auto: the namespace default, as the kernel's vxlan. */
	cr_assert_eq(P("vni add 1 local 192.0.2.1 ttl 0", &c), 0);
	cr_assert_not(c.has_ttl);
	cr_assert_eq(P("vni add 1 local 192.0.2.1 ttl auto", &c), 0);
	cr_assert_not(c.has_ttl);
	bad("vni add 1 local 192.0.2.1 ttl 256", "invalid ttl");
	bad("vni add 1 local 192.0.2.1 ttl -1", "invalid ttl");
	bad("vni add 1 local 192.0.2.1 ttl inherit", "not supported");
	bad("vni add 1 local 192.0.2.1 tos 256", "invalid tos");
}

/* Found by fuzz_cmd: explain took any word as the device. */
Test(cmd, explain_words)
{
	struct vx_cmd c;

	cr_assert_eq(P("explain eth0 in.pcap", &c), 0, "%s", err);
	cr_assert_eq(c.obj, OBJ_EXPLAIN);
	cr_assert_str_eq(c.dev, "eth0");
	cr_assert_str_eq(c.file, "in.pcap");
	bad("explain eth0", "needs a FILE.pcap");
	bad("explain", "needs a DEV");
	bad("explain a/b in.pcap", "invalid device name");
	bad("explain 0123456789abcdef in.pcap", "invalid device name");
}

Test(cmd, fsck_words)
{
	struct vx_cmd c;

	cr_assert_eq(P("fsck", &c), 0, "%s", err);
	cr_assert_eq(c.obj, OBJ_FSCK);
	cr_assert_not(c.dry_run);
	cr_assert_eq(P("fsck --dry-run", &c), 0, "%s", err);
	cr_assert(c.dry_run);
	cr_assert_eq(P("fsck dry-run", &c), 0, "%s", err);
	cr_assert(c.dry_run);
	bad("fsck --repair", "unknown word");
	bad("fsck --dry-run --dry-run", "unknown word");
}

/* As `ip link ... maxaddress`: a count, 0 or "unlimited" for none. */
Test(cmd, vni_maxaddress)
{
	struct vx_cmd c;

	cr_assert_eq(P("vni add 1 local 192.0.2.1 learning maxaddress 1000", &c), 0, "%s", err);
	cr_assert_eq(c.maxaddr, 1000);
	cr_assert_eq(P("vni add 1 local 192.0.2.1 maxaddress unlimited", &c), 0, "%s", err);
	cr_assert_eq(c.maxaddr, 0);
	cr_assert_eq(P("vni add 1 local 192.0.2.1 maxaddress 4294967295", &c), 0, "%s", err);
	cr_assert_eq(c.maxaddr, 4294967295U);
	cr_assert_eq(P("vni add 1 local 192.0.2.1", &c), 0, "%s", err);
	cr_assert_eq(c.maxaddr, 0);
	bad("vni add 1 local 192.0.2.1 maxaddress -1", "invalid maxaddress");
	bad("vni add 1 local 192.0.2.1 maxaddress 4294967296", "invalid maxaddress");
	bad("vni add 1 local 192.0.2.1 maxaddress lots", "invalid maxaddress");
	bad("vni add 1 local 192.0.2.1 maxaddress", "maxaddress");
}

Test(cmd, vni_srcport)
{
	struct vx_cmd c;

	cr_assert_eq(P("vni add 1 local 192.0.2.1 srcport 0 65535", &c), 0);
	cr_assert_eq(c.srcport_min, 0);
	cr_assert_eq(c.srcport_max, 65535);
	bad("vni add 1 local 192.0.2.1 srcport 2000 1000", "empty");
	bad("vni add 1 local 192.0.2.1 srcport 2000 2000", "empty");
	bad("vni add 1 local 192.0.2.1 srcport 2000", "needs MIN and MAX");
	bad("vni add 1 local 192.0.2.1 srcport 1 70000", "invalid srcport");
}

Test(cmd, vni_errors)
{
	struct vx_cmd c;

	cr_assert_eq(P("vni del 100", &c), 0);
	cr_assert_eq(c.verb, VERB_DEL);
	cr_assert_eq(P("vni show", &c), 0);
	bad("vni add 100", "needs \"local IP\"");
	bad("vni add 0 local 192.0.2.1", "invalid VNI");
	bad("vni add 16777216 local 192.0.2.1", "invalid VNI");
	bad("vni add 100 local 0.0.0.0", "unspecified");
	bad("vni add 100 local 239.1.1.1", "unicast");
	bad("vni add 100 local ff02::1", "unicast");
	bad("vni add 100 local 192.0.2.1 dstport 0", "invalid dstport");
	bad("vni add 100 local 192.0.2.1 local 192.0.2.2", "given twice");
	bad("vni del 100 local 192.0.2.1", "unknown word \"local\"");
	bad("vni append 100 local 192.0.2.1", "unknown word \"append\"");
	bad("vni flush", "unknown word \"flush\"");
}

Test(cmd, port_attach_detach_load)
{
	struct vx_cmd c;

	cr_assert_eq(P("port add vm0 vni 100", &c), 0);
	cr_assert_eq(c.obj, OBJ_PORT);
	cr_assert_str_eq(c.dev, "vm0");
	cr_assert_eq(c.mode, XDP_MODE_NATIVE);
	cr_assert_eq(P("port add vm0 vni 100 mode generic", &c), 0);
	cr_assert_eq(c.mode, XDP_MODE_GENERIC);
	cr_assert_eq(P("port del vm0", &c), 0);
	cr_assert_eq(P("port show vni 3", &c), 0);
	bad("port add vm0", "needs \"vni VNI\"");
	bad("port add vm0 vni 1 mode turbo", "invalid mode");
	bad("port del", "needs a device");

	cr_assert_eq(P("attach eth0", &c), 0);
	cr_assert_eq(c.obj, OBJ_ATTACH);
	cr_assert_eq(c.mode, XDP_MODE_NATIVE);
	cr_assert_eq(P("attach eth0 mode generic", &c), 0);
	cr_assert_eq(c.mode, XDP_MODE_GENERIC);
	bad("attach", "needs a device");
	bad("attach eth0 mode", "needs an argument");
	cr_assert_eq(P("detach eth0", &c), 0);
	cr_assert_eq(c.obj, OBJ_DETACH);
	cr_assert_eq(P("detach --all", &c), 0);
	cr_assert(c.all);

	cr_assert_eq(P("load /tmp/x", &c), 0);
	cr_assert_str_eq(c.file, "/tmp/x");
	cr_assert_eq(P("stats", &c), 0);
	cr_assert_eq(c.obj, OBJ_STATS);
	cr_assert_eq(P("status", &c), 0);
	bad("stats now", "unknown word \"now\"");
	bad("frobnicate", "unknown command");
}

Test(cmd, map_change_classification)
{
	struct vx_cmd c;

	P("fdb add 52:54:00:00:00:01 vni 1 dst 10.0.0.1", &c);
	cr_assert(cmd_is_map_change(&c));
	P("neigh flush", &c);
	cr_assert(cmd_is_map_change(&c));
	P("vni del 3", &c);
	cr_assert(cmd_is_map_change(&c));
	P("fdb show", &c);
	cr_assert_not(cmd_is_map_change(&c));
	P("port add vm0 vni 1", &c);
	cr_assert_not(cmd_is_map_change(&c));
	P("attach eth0", &c);
	cr_assert_not(cmd_is_map_change(&c));
}

Test(cmd, monitor_words)
{
	struct vx_cmd c;

	cr_assert_eq(P("monitor --exec /bin/true --max-children 4 --count 9", &c), 0, "%s", err);
	cr_assert_str_eq(c.exec, "/bin/true");
	cr_assert_eq(c.max_children, 4);
	cr_assert_eq(c.count, 9);
	cr_assert_eq(P("monitor exec /bin/true", &c), 0, "%s", err);
	cr_assert_eq(c.max_children, 0, "default: chosen by monitor");
	bad("monitor --max-children 4", "without exec");
	bad("monitor --exec /bin/true --max-children 0", "invalid max-children");
	bad("monitor --exec /bin/true --max-children 5000", "invalid max-children");
	bad("monitor --exec /bin/true --max-children", "");
	bad("monitor --count 0", "invalid count");
}
