// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vxbpf mirror: parsing of recorded rtnetlink messages (mirror_msgs.h),
 * malformed variants of them, and what applying them does to memory-only
 * tables (the same cfg code that writes the maps), including the origin
 * rule and the sweep.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "mirror.h"
#include "mirror_msgs.h"

/* A writable, aligned copy of a recorded message. */
static struct nlmsghdr *copy(const __u8 *b, size_t len)
{
	static __u32 buf[1024];

	cr_assert_leq(len, sizeof(buf));
	memset(buf, 0, sizeof(buf));
	memcpy(buf, b, len);
	return (struct nlmsghdr *)buf;
}
#define MSG(a) copy(a, sizeof(a))

static struct vxbpf_addr A(const char *s)
{
	struct vxbpf_addr a;
	int fam;

	cr_assert_eq(parse_ip(s, &a, &fam), 0);
	return a;
}

/* 0 when a holds ip (addr_cmp style). */
static int same(const struct vxbpf_addr *a, const char *ip)
{
	struct vxbpf_addr b = A(ip);

	return addr_cmp(a, &b);
}

static void M(const char *s, __u8 *mac)
{
	cr_assert_eq(parse_mac(s, mac), 0);
}

/* The first attribute of type t after the fixed header of hdrlen. */
static struct nlattr *find_attr(struct nlmsghdr *nlh, size_t hdrlen, int t)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);

	while (off + sizeof(struct nlattr) <= nlh->nlmsg_len) {
		struct nlattr *a = (struct nlattr *)((char *)nlh + off);

		if ((a->nla_type & NLA_TYPE_MASK) == t)
			return a;
		if (a->nla_len < sizeof(*a))
			break;
		off += NLA_ALIGN(a->nla_len);
	}
	cr_assert_fail("attribute %d not found", t);
	return NULL;
}

/* The first attribute of type t nested in attribute nest. */
static struct nlattr *find_nested(struct nlattr *nest, int t)
{
	size_t off = NLA_HDRLEN;

	while (off + sizeof(struct nlattr) <= nest->nla_len) {
		struct nlattr *a = (struct nlattr *)((char *)nest + off);

		if ((a->nla_type & NLA_TYPE_MASK) == t)
			return a;
		if (a->nla_len < sizeof(*a))
			break;
		off += NLA_ALIGN(a->nla_len);
	}
	cr_assert_fail("nested attribute %d not found", t);
	return NULL;
}

/* IFLA_INFO_DATA of a link message: the vxlan attributes. */
static struct nlattr *vxlan_data(struct nlmsghdr *h)
{
	return find_nested(find_attr(h, sizeof(struct ifinfomsg), IFLA_LINKINFO), IFLA_INFO_DATA);
}

/* ---- parsing --------------------------------------------------------- */

Test(mirror_parse, link_vxlan_v4)
{
	struct mlink l;
	struct vx_cmd c;
	struct vxbpf_addr local = A("192.0.2.1");
	char err[256];

	cr_assert_eq(mirror_parse_link(MSG(link_vxlan100), &l), 0);
	cr_assert_eq(l.type, RTM_NEWLINK);
	cr_assert_str_eq(l.name, "vxlan100");
	cr_assert_str_eq(l.kind, "vxlan");
	cr_assert(l.has_master);
	cr_assert(l.has_id);
	cr_assert_eq(l.id, 100);
	cr_assert_eq(l.family, AF_INET);
	cr_assert_eq(addr_cmp(&l.local, &local), 0);
	cr_assert_eq(l.port, 4789);
	cr_assert(l.proxy);
	cr_assert_not(l.learning);
	cr_assert(l.udp_csum);
	cr_assert_eq(l.ageing, 300);
	cr_assert_eq(mirror_link_cmd(&l, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c.obj, OBJ_VNI);
	cr_assert_eq(c.vni, 100);
	cr_assert_eq(c.port, 4789);
	cr_assert_not(c.has_srcport); /* 0 0: the namespace's range */
	cr_assert(c.has_ttl); /* recorded after `ip link set ... ttl 9` */
	cr_assert_eq(c.ttl, 9);
	cr_assert_eq(c.vni_flags, VXBPF_VNI_PROXY);
	cr_assert_eq(c.maxaddr, 0); /* IFLA_VXLAN_LIMIT 0: no maxaddress */
}

/* `bridge link set ... neigh_suppress on` is told as AF_BRIDGE only. */
Test(mirror_parse, brport_neigh_suppress)
{
	struct mlink l;

	cr_assert_eq(mirror_parse_link(MSG(brport_suppress), &l), 0);
	cr_assert(l.port_msg);
	cr_assert_eq(l.type, RTM_NEWLINK);
	cr_assert_eq(l.ifindex, 3);
	cr_assert(l.has_master);
	cr_assert_eq(l.master, 2);
	cr_assert(l.has_brport);
	cr_assert(l.neigh_suppress);
	cr_assert_str_eq(l.kind, ""); /* nothing of the link itself */
}

/* The link itself says it too, as a bridge port (IFLA_INFO_SLAVE_DATA). */
Test(mirror_parse, link_slave_neigh_suppress)
{
	struct mlink l;
	struct vx_cmd c;
	char err[256];

	cr_assert_eq(mirror_parse_link(MSG(link_vxlan100_sup), &l), 0);
	cr_assert_not(l.port_msg);
	cr_assert(l.has_brport);
	cr_assert(l.neigh_suppress);
	cr_assert_eq(mirror_link_cmd(&l, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c.vni_flags, VXBPF_VNI_SUPPRESS);
	/* Without a bridge there are no neighbours to answer from. */
	l.has_master = false;
	cr_assert_eq(mirror_link_cmd(&l, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c.vni_flags, 0);

	cr_assert_eq(mirror_parse_link(MSG(link_vxlan100), &l), 0);
	cr_assert(l.has_brport);
	cr_assert_not(l.neigh_suppress);
}

Test(mirror_parse, link_vxlan_v6_options)
{
	struct mlink l;
	struct vx_cmd c;
	struct vxbpf_addr local = A("2001:db8::1");
	char err[256];

	cr_assert_eq(mirror_parse_link(MSG(link_vxlan6), &l), 0);
	cr_assert_eq(l.id, 600);
	cr_assert_eq(l.family, AF_INET6);
	cr_assert_eq(addr_cmp(&l.local, &local), 0);
	cr_assert_eq(mirror_link_cmd(&l, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c.family, AF_INET6);
	cr_assert_eq(c.port, 8472);
	cr_assert(c.has_srcport);
	cr_assert_eq(c.srcport_min, 40000);
	cr_assert_eq(c.srcport_max, 50000);
	cr_assert(c.has_ttl);
	cr_assert_eq(c.ttl, 16);
	cr_assert_eq(c.ageing, 120);
	cr_assert_eq(c.vni_flags,
		     VXBPF_VNI_LEARNING | VXBPF_VNI_L2MISS | VXBPF_VNI_L3MISS |
			     VXBPF_VNI_UDP6ZEROCSUMTX | VXBPF_VNI_UDP6ZEROCSUMRX);
}

Test(mirror_parse, link_external_refused)
{
	struct mlink l;
	struct vx_cmd c;
	char err[256];

	cr_assert_eq(mirror_parse_link(MSG(link_vxext), &l), 0);
	cr_assert(l.external);
	cr_assert_eq(mirror_link_cmd(&l, &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "external"), "%s", err);
}

Test(mirror_parse, link_refusals)
{
	struct mlink l;
	struct vx_cmd c;
	char err[256];

	cr_assert_eq(mirror_parse_link(MSG(link_vxlan100), &l), 0);
	l.family = 0;
	cr_assert_eq(mirror_link_cmd(&l, &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "local"), "%s", err);
	mirror_parse_link(MSG(link_vxlan100), &l);
	l.vnifilter = true;
	cr_assert_eq(mirror_link_cmd(&l, &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "vnifilter"), "%s", err);
	mirror_parse_link(MSG(link_vxlan100), &l);
	l.tos = 1;
	cr_assert_eq(mirror_link_cmd(&l, &c, err, sizeof(err)), -EINVAL);
	mirror_parse_link(MSG(link_vxlan100), &l);
	strcpy(l.kind, "bridge");
	cr_assert_eq(mirror_link_cmd(&l, &c, err, sizeof(err)), -EINVAL);
}

/* rsc rewrites inner MACs of routed frames in the kernel's xmit: refused. */
Test(mirror_parse, link_rsc)
{
	struct nlmsghdr *h = MSG(link_vxlan100);
	struct mlink l;
	struct vx_cmd c;
	char err[256];

	cr_assert_eq(mirror_parse_link(h, &l), 0);
	cr_assert(!l.rsc, "the recorded device has rsc off");
	*((__u8 *)find_nested(vxlan_data(h), IFLA_VXLAN_RSC) + NLA_HDRLEN) = 1;
	cr_assert_eq(mirror_parse_link(h, &l), 0);
	cr_assert(l.rsc, "IFLA_VXLAN_RSC 1 not seen");
	cr_assert_eq(mirror_link_cmd(&l, &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "rsc"), "%s", err);
}

Test(mirror_parse, fdb_entries)
{
	struct mneigh n;
	struct vxbpf_addr d3 = A("192.0.2.3"), d2 = A("192.0.2.2");
	__u8 mac[6];

	cr_assert_eq(mirror_parse_neigh(MSG(fdb_2), &n), 0);
	cr_assert_eq(n.type, RTM_NEWNEIGH);
	cr_assert_eq(n.family, AF_BRIDGE);
	cr_assert(n.flags & NTF_SELF);
	cr_assert(n.has_lladdr && mac_is_zero(n.lladdr));
	cr_assert(n.has_dst);
	cr_assert_eq(addr_cmp(&n.dst, &d3), 0);
	cr_assert(n.has_port);
	cr_assert_eq(n.port, 8472);
	cr_assert(n.has_vni);
	cr_assert_eq(n.vni, 200);

	cr_assert_eq(mirror_parse_neigh(MSG(del_bb01), &n), 0);
	cr_assert_eq(n.type, RTM_DELNEIGH);
	M("02:00:00:00:bb:01", mac);
	cr_assert_arr_eq(n.lladdr, mac, 6);
	cr_assert_eq(addr_cmp(&n.dst, &d2), 0);
	cr_assert_not(n.has_port);
	cr_assert_not(n.has_vni);

	/* The bridge's entry on a port: NDA_MASTER, no NTF_SELF. */
	cr_assert_eq(mirror_parse_neigh(MSG(brfdb_0), &n), 0);
	cr_assert_not(n.flags & NTF_SELF);
	cr_assert(n.has_master);
	cr_assert_eq(n.master, 3);
	cr_assert_eq(n.ifindex, 5);
	cr_assert_eq(n.state, NUD_NOARP);

	cr_assert_eq(mirror_parse_neigh(MSG(fdb6_0), &n), 0);
	cr_assert_eq(n.dst_family, AF_INET6);
}

Test(mirror_parse, neigh_v6_router)
{
	struct mneigh n;
	struct vxbpf_addr ip = A("fd00::2");

	cr_assert_eq(mirror_parse_neigh(MSG(nb6_2), &n), 0);
	cr_assert_eq(n.family, AF_INET6);
	cr_assert(n.flags & NTF_ROUTER);
	cr_assert_eq(n.state, NUD_PERMANENT);
	cr_assert_eq(addr_cmp(&n.dst, &ip), 0);
}

Test(mirror_parse, other_messages_ignored)
{
	struct mneigh n;
	struct mlink l;

	cr_assert_eq(mirror_parse_neigh(MSG(link_vxlan100), &n), 1);
	cr_assert_eq(mirror_parse_link(MSG(fdb_1), &l), 1);
}

/* ---- malformed --------------------------------------------------------- */

Test(mirror_malformed, short_header)
{
	struct nlmsghdr *h = MSG(fdb_1);
	struct mneigh n;
	struct mlink l;

	h->nlmsg_len = NLMSG_HDRLEN + sizeof(struct ndmsg) - 1;
	cr_assert_eq(mirror_parse_neigh(h, &n), -EINVAL);
	h = MSG(link_vxlan100);
	h->nlmsg_len = NLMSG_HDRLEN + 4;
	cr_assert_eq(mirror_parse_link(h, &l), -EINVAL);
}

Test(mirror_malformed, wrong_attribute_lengths)
{
	struct nlmsghdr *h;
	struct nlattr *a;
	struct mneigh n;
	struct mlink l;

	/* NDA_DST of 5 bytes: neither IPv4 nor IPv6. */
	h = MSG(fdb_1);
	a = find_attr(h, sizeof(struct ndmsg), NDA_DST);
	a->nla_len = NLA_HDRLEN + 5;
	cr_assert_eq(mirror_parse_neigh(h, &n), -EINVAL);
	cr_assert_not(n.has_dst); /* nothing half-filled */

	/* NDA_VNI of 2 bytes (wrong type). */
	h = MSG(fdb_2);
	a = find_attr(h, sizeof(struct ndmsg), NDA_VNI);
	a->nla_len = NLA_HDRLEN + 2;
	cr_assert_eq(mirror_parse_neigh(h, &n), -EINVAL);

	/* NDA_PORT as 4 bytes. */
	h = MSG(fdb_2);
	a = find_attr(h, sizeof(struct ndmsg), NDA_PORT);
	a->nla_len = NLA_HDRLEN + 4;
	cr_assert_eq(mirror_parse_neigh(h, &n), -EINVAL);

	/* An attribute claiming more bytes than the message has. */
	h = MSG(fdb_1);
	a = find_attr(h, sizeof(struct ndmsg), NDA_LLADDR);
	a->nla_len = 200;
	cr_assert_eq(mirror_parse_neigh(h, &n), -EINVAL);

	/* An IPv6 neighbour whose NDA_DST is an IPv4 address. */
	h = MSG(nb6_2);
	a = find_attr(h, sizeof(struct ndmsg), NDA_DST);
	a->nla_len = NLA_HDRLEN + 4;
	cr_assert_eq(mirror_parse_neigh(h, &n), -EINVAL);

	/* IFLA_IFNAME without its NUL. */
	h = MSG(link_vxlan100);
	a = find_attr(h, sizeof(struct ifinfomsg), IFLA_IFNAME);
	memset((char *)a + NLA_HDRLEN, 'x', a->nla_len - NLA_HDRLEN);
	cr_assert_eq(mirror_parse_link(h, &l), -EINVAL);

	/* IFLA_LINKINFO whose nested length overruns. */
	h = MSG(link_vxlan100);
	a = find_attr(h, sizeof(struct ifinfomsg), IFLA_LINKINFO);
	((struct nlattr *)((char *)a + NLA_HDRLEN))->nla_len = 0xfff0;
	cr_assert_eq(mirror_parse_link(h, &l), -EINVAL);
	cr_assert_eq(l.id, 0);
}

Test(mirror_malformed, vxlan_id_wrong_type)
{
	struct nlmsghdr *h = MSG(link_vxlan100);
	struct nlattr *a;
	struct mlink l;

	/* IFLA_VXLAN_ID is the first attribute of IFLA_INFO_DATA. */
	a = (struct nlattr *)((char *)vxlan_data(h) + NLA_HDRLEN);
	cr_assert_eq(a->nla_type & NLA_TYPE_MASK, IFLA_VXLAN_ID);
	a->nla_len = NLA_HDRLEN + 1; /* a u8 where a u32 belongs */
	cr_assert_eq(mirror_parse_link(h, &l), -EINVAL);
}

Test(mirror_malformed, unknown_attributes_ignored)
{
	struct nlmsghdr *h = MSG(fdb_1);
	struct nlattr *a;
	struct mneigh n;

	a = find_attr(h, sizeof(struct ndmsg), NDA_CACHEINFO);
	a->nla_type = 200; /* a kernel from the future */
	cr_assert_eq(mirror_parse_neigh(h, &n), 0);
	cr_assert(n.has_dst && n.has_lladdr);
}

/* Every truncation of every recorded message: parsed or refused, never a
 * crash or a read beyond nlmsg_len (the buffer is zero-padded). */
Test(mirror_malformed, every_truncation)
{
	static const struct {
		const __u8 *b;
		size_t len;
		bool link;
	} msgs[] = {
		{ link_vxlan100, sizeof(link_vxlan100), true },
		{ link_vxlan6, sizeof(link_vxlan6), true },
		{ link_vxext, sizeof(link_vxext), true },
		{ fdb_0, sizeof(fdb_0), false },
		{ fdb_1, sizeof(fdb_1), false },
		{ fdb_2, sizeof(fdb_2), false },
		{ brfdb_0, sizeof(brfdb_0), false },
		{ fdb6_0, sizeof(fdb6_0), false },
		{ nb6_2, sizeof(nb6_2), false },
		{ del_bb01, sizeof(del_bb01), false },
		{ brport_suppress, sizeof(brport_suppress), true },
		{ link_vxlan100_sup, sizeof(link_vxlan100_sup), true },
		{ svi_nb4, sizeof(svi_nb4), false },
		{ svi_nb6r, sizeof(svi_nb6r), false },
	};
	size_t i, len;

	for (i = 0; i < ARRAY_SIZE(msgs); i++) {
		for (len = 0; len < msgs[i].len; len++) {
			struct nlmsghdr *h = copy(msgs[i].b, msgs[i].len);
			struct mlink l;
			struct mneigh n;
			int r;

			h->nlmsg_len = len;
			r = msgs[i].link ? mirror_parse_link(h, &l) :
					   mirror_parse_neigh(h, &n);
			cr_assert(r == 0 || r == -EINVAL, "msg %zu len %zu: %d", i,
				  len, r);
		}
	}
}

/* ---- applying ----------------------------------------------------------- */

static struct vx_cfg C;
static struct tbl W;
static struct mirror_apply AP;

static void setup(void)
{
	cfg_init(&C, NULL);
	tbl_init(&W, "warned", -1, 32, 4, 0);
	memset(&AP, 0, sizeof(AP));
	AP.cfg = &C;
	AP.warned = &W;
	AP.verbose = true;
	cr_redirect_stderr();
}

static void teardown(void)
{
	cfg_free(&C);
	tbl_free(&W);
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

static struct mneigh N(const __u8 *b, size_t len)
{
	struct mneigh n;

	cr_assert_eq(mirror_parse_neigh(copy(b, len), &n), 0);
	return n;
}
#define NB(a) N(a, sizeof(a))

static int fdb(const char *mac, struct vxbpf_fdb_val *v)
{
	struct vxbpf_fdb_key k = { .vni = 100 };

	M(mac, k.mac);
	return tbl_get(&C.fdb, &k, v);
}

static int vtep_refs(__u32 vni, const char *ip)
{
	struct vxbpf_vtep_key k = { .vni = vni, .ip = A(ip) };
	struct vxbpf_vtep_val v;

	return tbl_get(&C.vtep, &k, &v) == 1 ? (int)v.refs : 0;
}

static void vni100(void)
{
	struct mlink l;
	struct vxbpf_vni_cfg v;
	__u32 k = 100;

	cr_assert_eq(mirror_parse_link(MSG(link_vxlan100), &l), 0);
	cr_assert_eq(mirror_vni(&AP, &l), 0);
	cr_assert_eq(tbl_get(&C.vni, &k, &v), 1);
	cr_assert(v.flags & VXBPF_VNI_MIRRORED);
	cr_assert(v.flags & VXBPF_VNI_PROXY);
	cr_assert_eq(v.mirror_ifindex, 2);
}

TestSuite(mirror_apply, .init = setup, .fini = teardown);

Test(mirror_apply, fdb_flood_neigh_and_delete)
{
	struct mneigh n;
	struct vxbpf_fdb_val v;
	struct vxbpf_flood_key fk = { .vni = 100, .dst = A("192.0.2.3") };
	struct vxbpf_flood_val fv;
	struct vxbpf_neigh_key nk = { .vni = 100, .ip = A("fd00::2") };
	struct vxbpf_neigh_val nv;

	vni100();
	n = NB(fdb_1);
	cr_assert_eq(mirror_fdb(&AP, 100, &n), 0);
	n = NB(fdb_2);
	cr_assert_eq(mirror_fdb(&AP, 100, &n), 0);
	n = NB(nb6_2);
	cr_assert_eq(mirror_neigh(&AP, 100, &n), 0);
	n = NB(nb6_0); /* multicast lladdr: not for the proxy */
	cr_assert_eq(mirror_neigh(&AP, 100, &n), 0);

	cr_assert_eq(fdb("02:00:00:00:bb:01", &v), 1);
	cr_assert_eq(v.flags, VXBPF_FDB_MIRRORED);
	cr_assert_eq(same(&v.dst, "192.0.2.2"), 0);
	cr_assert_eq(tbl_get(&C.flood, &fk, &fv), 1);
	cr_assert_eq(fv.flags, VXBPF_FDB_MIRRORED);
	cr_assert_eq(ntohs(fv.be_port), 8472);
	cr_assert_eq(fv.remote_vni, 200);
	cr_assert_eq(vtep_refs(100, "192.0.2.2"), 1);
	cr_assert_eq(vtep_refs(100, "192.0.2.3"), 1);
	cr_assert_eq(tbl_get(&C.neigh, &nk, &nv), 1);
	/* NTF_ROUTER of a neighbour is not the proxy's (that of the fdb
	 * entry is): the kernel ignores it, so does the copy. */
	cr_assert_eq(nv.flags, VXBPF_NEIGH_MIRRORED);
	cr_assert_eq(tbl_count(&C.neigh), 1);

	/* The same again changes nothing. */
	AP.changes = 0;
	n = NB(fdb_1);
	cr_assert_eq(mirror_fdb(&AP, 100, &n), 0);
	cr_assert_eq(AP.changes, 0);

	n = NB(del_bb01);
	cr_assert_eq(mirror_fdb(&AP, 100, &n), 0);
	cr_assert_eq(fdb("02:00:00:00:bb:01", NULL), 0);
	cr_assert_eq(vtep_refs(100, "192.0.2.2"), 0);
}

/*
 * neigh_suppress: the bridge's neighbours, as br_do_proxy_suppress_arp()
 * takes them: any NUD_VALID state (a stale one too), NTF_ROUTER the NA's
 * R. The vxlan proxy takes neither.
 */
Test(mirror_apply, suppress_neighbours)
{
	struct mlink l;
	struct mneigh n;
	struct vxbpf_vni_cfg v;
	struct vxbpf_neigh_key k4 = { .vni = 100, .ip = A("10.100.0.2") };
	struct vxbpf_neigh_key k6 = { .vni = 100, .ip = A("fd00:100::2") };
	struct vxbpf_neigh_key ks = { .vni = 100, .ip = A("10.100.0.3") };
	struct vxbpf_neigh_val nv;
	__u32 vni = 100;

	cr_assert_eq(mirror_parse_link(MSG(link_vxlan100_sup), &l), 0);
	cr_assert_eq(mirror_vni(&AP, &l), 0);
	cr_assert_eq(tbl_get(&C.vni, &vni, &v), 1);
	cr_assert_eq(v.flags & (VXBPF_VNI_SUPPRESS | VXBPF_VNI_PROXY), VXBPF_VNI_SUPPRESS);
	n = NB(svi_nb4);
	cr_assert_eq(mirror_neigh(&AP, 100, &n), 0);
	n = NB(svi_nb6r);
	cr_assert_eq(mirror_neigh(&AP, 100, &n), 0);
	n = NB(svi_nb4_stale);
	cr_assert_eq(mirror_neigh(&AP, 100, &n), 0);
	cr_assert_eq(tbl_get(&C.neigh, &k4, &nv), 1);
	cr_assert_eq(nv.flags, VXBPF_NEIGH_MIRRORED);
	cr_assert_eq(tbl_get(&C.neigh, &k6, &nv), 1);
	cr_assert_eq(nv.flags, VXBPF_NEIGH_MIRRORED | VXBPF_NEIGH_ROUTER);
	cr_assert_eq(tbl_get(&C.neigh, &ks, &nv), 1);

	/* The proxy: a stale neighbour is none, NTF_ROUTER not its R. */
	cfg_free(&C);
	cfg_init(&C, NULL);
	vni100();
	n = NB(svi_nb4_stale);
	cr_assert_eq(mirror_neigh(&AP, 100, &n), 0);
	cr_assert_eq(tbl_get(&C.neigh, &ks, &nv), 0);
	n = NB(svi_nb6r);
	cr_assert_eq(mirror_neigh(&AP, 100, &n), 0);
	cr_assert_eq(tbl_get(&C.neigh, &k6, &nv), 1);
	cr_assert_eq(nv.flags, VXBPF_NEIGH_MIRRORED);
}

Test(mirror_apply, origin_rule)
{
	struct mneigh n;
	struct vxbpf_fdb_val v;

	vni100();
	/* A user entry holds the key: mirror leaves it alone. */
	cr_assert_eq(run("fdb add 02:00:00:00:bb:01 vni 100 dst 192.0.2.9"), 0);
	n = NB(fdb_1);
	cr_assert_eq(mirror_fdb(&AP, 100, &n), 0);
	cr_assert_eq(AP.skipped_user, 1);
	cr_assert_eq(fdb("02:00:00:00:bb:01", &v), 1);
	cr_assert_eq(v.flags, 0);
	cr_assert_eq(same(&v.dst, "192.0.2.9"), 0);
	n = NB(del_bb01);
	cr_assert_eq(mirror_fdb(&AP, 100, &n), 0);
	cr_assert_eq(fdb("02:00:00:00:bb:01", NULL), 1);
	cr_assert_eq(run("fdb del 02:00:00:00:bb:01 vni 100"), 0);

	/* Over a mirrored key: add fails, replace makes it the user's. */
	n = NB(fdb_1);
	cr_assert_eq(mirror_fdb(&AP, 100, &n), 0);
	cr_assert_eq(run("fdb add 02:00:00:00:bb:01 vni 100 dst 192.0.2.9"),
		     -EEXIST);
	cr_assert_eq(run("fdb replace 02:00:00:00:bb:01 vni 100 dst 192.0.2.9"), 0);
	cr_assert_eq(fdb("02:00:00:00:bb:01", &v), 1);
	cr_assert_eq(v.flags & VXBPF_FDB_MIRRORED, 0);
	n = NB(del_bb01);
	cr_assert_eq(mirror_fdb(&AP, 100, &n), 0);
	cr_assert_eq(fdb("02:00:00:00:bb:01", NULL), 1);
	cr_assert_eq(vtep_refs(100, "192.0.2.9"), 1);
	cr_assert_eq(vtep_refs(100, "192.0.2.2"), 0);

	/* A user VNI is not taken over. */
	{
		struct mlink l;

		cr_assert_eq(run("vni add 600 local 2001:db8::1"), 0);
		cr_assert_eq(mirror_parse_link(MSG(link_vxlan6), &l), 0);
		cr_assert_eq(mirror_vni(&AP, &l), -EEXIST);
	}
}

Test(mirror_apply, local_port_entries)
{
	struct mport p = { .ifindex = 1, .vni = 100 }; /* lo: exists */
	struct mneigh n;
	struct vxbpf_fdb_val v;

	struct vxbpf_port_val pv = { .vni = 100 };
	__u32 lo = 1;

	vni100();
	cr_assert_eq(tbl_put(&C.ports, &lo, &pv), 0);
	AP.ports = &p;
	AP.n_ports = 1;
	n = NB(brfdb_0);
	n.ifindex = 1;
	cr_assert_eq(mirror_local(&AP, &n), 0);
	cr_assert_eq(fdb("02:00:00:00:aa:01", &v), 1);
	cr_assert_eq(v.flags, VXBPF_FDB_LOCAL | VXBPF_FDB_MIRRORED);
	cr_assert_eq(v.ifindex, 1);
	/* Gone from the bridge (aged out: the fast path refreshes what it
	 * carries): the bridge floods the MAC's frames, vxbpf hands them
	 * to it. */
	n.type = RTM_DELNEIGH;
	cr_assert_eq(mirror_local(&AP, &n), 0);
	cr_assert_eq(fdb("02:00:00:00:aa:01", &v), 0, "an entry the bridge dropped kept");
	n.type = RTM_NEWNEIGH;
	cr_assert_eq(mirror_local(&AP, &n), 0);
	cr_assert_eq(fdb("02:00:00:00:aa:01", &v), 1);
	/* The port's own MAC (permanent) is not a VM. */
	n = NB(brfdb_1);
	n.ifindex = 1;
	cr_assert_eq(mirror_local(&AP, &n), 0);
	cr_assert_eq(tbl_count(&C.fdb), 1);
	/* The MAC moves to a port that is not vxbpf's: ours goes. */
	n = NB(brfdb_0);
	n.ifindex = 77;
	cr_assert_eq(mirror_local(&AP, &n), 0);
	cr_assert_eq(fdb("02:00:00:00:aa:01", NULL), 0);
}

Test(mirror_apply, learned_on_learning_vni)
{
	struct mneigh n;
	struct vxbpf_fdb_val v;

	cr_assert_eq(run("vni add 100 local 192.0.2.1 learning"), 0);
	n = NB(fdb_1);
	n.state = NUD_REACHABLE; /* learned by the kernel */
	cr_assert_eq(mirror_fdb(&AP, 100, &n), 0);
	cr_assert_eq(fdb("02:00:00:00:bb:01", &v), 1);
	cr_assert_eq(v.flags, VXBPF_FDB_MIRRORED | VXBPF_FDB_LEARNED);
	cr_assert_neq(v.updated_ns, 0);
	cr_assert_eq(vtep_refs(100, "192.0.2.2"), 0); /* learned: uncounted */
	/* It turns static (bridge fdb replace ... permanent): counted. */
	n.state = NUD_PERMANENT;
	cr_assert_eq(mirror_fdb(&AP, 100, &n), 0);
	cr_assert_eq(fdb("02:00:00:00:bb:01", &v), 1);
	cr_assert_eq(v.flags, VXBPF_FDB_MIRRORED);
	cr_assert_eq(vtep_refs(100, "192.0.2.2"), 1);
	n = NB(del_bb01);
	cr_assert_eq(mirror_fdb(&AP, 100, &n), 0);
	cr_assert_eq(vtep_refs(100, "192.0.2.2"), 0);
}

Test(mirror_apply, sweep_removes_only_unseen_mirrored)
{
	struct tbl seen;
	struct mneigh n;
	struct vxbpf_flood_key fk = { .vni = 100, .dst = A("192.0.2.3") };

	vni100();
	n = NB(fdb_1);
	mirror_fdb(&AP, 100, &n);
	n = NB(fdb_2);
	mirror_fdb(&AP, 100, &n);
	n = NB(nb6_2);
	mirror_neigh(&AP, 100, &n);
	cr_assert_eq(run("fdb add 02:00:00:00:cc:01 vni 100 dst 192.0.2.7"), 0);

	/* A resync that sees only the flood entry. */
	mirror_seen_init(&seen);
	AP.seen = &seen;
	n = NB(fdb_2);
	cr_assert_eq(mirror_fdb(&AP, 100, &n), 0);
	cr_assert_eq(mirror_sweep(&AP, 100), 2);
	AP.seen = NULL;
	tbl_free(&seen);

	cr_assert_eq(fdb("02:00:00:00:bb:01", NULL), 0);
	cr_assert_eq(fdb("02:00:00:00:cc:01", NULL), 1); /* the user's */
	cr_assert_eq(tbl_get(&C.flood, &fk, NULL), 1);
	cr_assert_eq(tbl_count(&C.neigh), 0);
	cr_assert_eq(vtep_refs(100, "192.0.2.2"), 0);
	cr_assert_eq(vtep_refs(100, "192.0.2.7"), 1);

	/* Dropping the VNI: user entries keep it. */
	cr_assert_eq(mirror_vni_drop(&AP, 100, 2), 0);
	cr_assert_eq(tbl_get(&C.flood, &fk, NULL), 0);
	cr_assert_eq(fdb("02:00:00:00:cc:01", NULL), 1);
	cr_assert_eq(tbl_count(&C.vni), 1);
	cr_assert_eq(run("fdb del 02:00:00:00:cc:01 vni 100"), 0);
	cr_assert_eq(mirror_vni_drop(&AP, 100, 2), 0);
	cr_assert_eq(tbl_count(&C.vni), 0);
}

/*
 * A dump is no snapshot: what it did not show is asked of the kernel key by
 * key before it goes. The stub answers as the kernel would after churn:
 * bb:01 is still there (the dump skipped it), the neighbour is gone, and of
 * the flood list the kernel's answer names another remote first (unsure).
 */
static int confirm_stub(void *ctx, int kind, __u32 vni, const __u8 *mac,
			const struct vxbpf_addr *ip, __u32 port)
{
	int *asked = ctx;

	(*asked)++;
	if (kind == MIRROR_NEIGH)
		return MIRROR_GONE;
	if (mac_is_zero(mac))
		return MIRROR_UNSURE;
	return MIRROR_HAS;
}

Test(mirror_apply, sweep_asks_the_kernel)
{
	struct tbl seen, suspects, next;
	struct mneigh n;
	struct vxbpf_flood_key fk = { .vni = 100, .dst = A("192.0.2.3") };
	int asked = 0, round;

	vni100();
	n = NB(fdb_1);
	mirror_fdb(&AP, 100, &n);
	n = NB(fdb_2);
	mirror_fdb(&AP, 100, &n);
	n = NB(nb6_2);
	mirror_neigh(&AP, 100, &n);
	mirror_seen_init(&suspects);
	AP.confirm = confirm_stub;
	AP.confirm_ctx = &asked;
	for (round = 1; round <= 2; round++) {
		/* A resync whose dumps showed nothing of VNI 100. */
		mirror_seen_init(&seen);
		mirror_seen_init(&next);
		AP.seen = &seen;
		AP.suspects = &suspects;
		AP.next_suspects = &next;
		AP.recheck = false;
		AP.confirmed = 0;
		cr_assert_eq(mirror_sweep(&AP, 100), round == 1 ? 1 : 1, "round %d", round);
		cr_assert_eq(AP.confirmed, 1, "round %d: bb:01 kept", round);
		cr_assert_eq(fdb("02:00:00:00:bb:01", NULL), 1, "round %d: a live entry deleted",
			     round);
		if (round == 1) {
			/* The neighbour goes; the unsure flood remote stays,
			 * and the next resync is asked for. */
			cr_assert_eq(tbl_count(&C.neigh), 0);
			cr_assert_eq(tbl_get(&C.flood, &fk, NULL), 1);
			cr_assert(AP.recheck);
		} else {
			/* Unsure twice in a row: gone. */
			cr_assert_eq(tbl_get(&C.flood, &fk, NULL), 0);
			cr_assert_not(AP.recheck);
		}
		tbl_free(&suspects);
		suspects = next;
		tbl_free(&seen);
	}
	tbl_free(&suspects);
	cr_assert_eq(asked, 5);
	AP.seen = NULL;
	AP.confirm = NULL;
	cr_assert_eq(vtep_refs(100, "192.0.2.2"), 1);
	cr_assert_eq(vtep_refs(100, "192.0.2.3"), 0);
}

/*
 * The bridge and the vxlan device disagree about a MAC. zebra leaves a
 * moved-in MAC's remote entry in the vxlan device's table while the bridge
 * has learned the MAC on a local port; the kernel sends its frames to the
 * port. The stub is the kernel: where the bridge has aa:01, and the
 * vxlan device's entry `self` for it.
 */
struct kernel_stub {
	int where; /* the bridge has aa:01: 0 nowhere, 1 on port 1, 2 elsewhere */
	struct mneigh self;
	int asked_local, asked_remote;
};

static int kernel_stub(void *ctx, int kind, __u32 vni, const __u8 *mac,
		       const struct vxbpf_addr *ip, __u32 port)
{
	static const int local[] = { MIRROR_GONE, MIRROR_HAS, MIRROR_ELSEWHERE };
	struct kernel_stub *k = ctx;
	int err;

	(void)ip;
	if (kind == MIRROR_LOCAL) {
		k->asked_local++;
		return port == 1 ? local[k->where] : MIRROR_ELSEWHERE;
	}
	k->asked_remote++;
	if (kind != MIRROR_REMOTE || memcmp(mac, k->self.lladdr, 6))
		return MIRROR_GONE;
	/* As mirror.c's confirm(): what the kernel has is applied. */
	err = mirror_fdb(&AP, vni, &k->self);
	return err < 0 ? err : MIRROR_HAS;
}

/* VNI 100 with port 1 (lo), and the kernel answering from k. */
static void port1_with_kernel(struct mport *p, struct kernel_stub *k)
{
	static const struct vxbpf_port_val pv = { .vni = 100 };
	__u32 lo = 1;

	vni100();
	cr_assert_eq(tbl_put(&C.ports, &lo, &pv), 0);
	*p = (struct mport){ .ifindex = 1, .vni = 100 };
	AP.ports = p;
	AP.n_ports = 1;
	AP.confirm = kernel_stub;
	AP.confirm_ctx = k;
}

Test(mirror_apply, bridge_port_beats_vxlan_entry)
{
	struct kernel_stub k = { .where = 1 };
	struct mneigh self, br;
	struct vxbpf_fdb_val v;
	struct mport p;

	port1_with_kernel(&p, &k);
	/* aa:01 behind 192.0.2.2 (the vxlan device's entry), then the VM
	 * moves in: the bridge learns it on port 1. */
	self = NB(fdb_1);
	M("02:00:00:00:aa:01", self.lladdr);
	k.self = self;
	cr_assert_eq(mirror_fdb(&AP, 100, &self), 0);
	br = NB(brfdb_0);
	br.ifindex = 1;
	cr_assert_eq(mirror_local(&AP, &br), 0);
	cr_assert_eq(fdb("02:00:00:00:aa:01", &v), 1);
	cr_assert(v.flags & VXBPF_FDB_LOCAL);

	/* The stale vxlan entry again (a resync's dump, a refresh): the
	 * bridge still has the MAC on the port, which stays. */
	cr_assert_eq(mirror_fdb(&AP, 100, &self), 0);
	cr_assert_eq(fdb("02:00:00:00:aa:01", &v), 1);
	cr_assert(v.flags & VXBPF_FDB_LOCAL, "a stale vxlan entry took a local MAC");
	/* The bridge cannot tell (aged out, VLAN filtering): it would flood
	 * to the port, which stays too. */
	k.where = 0;
	cr_assert_eq(mirror_fdb(&AP, 100, &self), 0);
	cr_assert_eq(fdb("02:00:00:00:aa:01", &v), 1);
	cr_assert(v.flags & VXBPF_FDB_LOCAL, "a MAC the bridge does not know left the port");
	cr_assert_eq(k.asked_local, 2);

	/* The VM moves on to 192.0.2.9: zebra writes the vxlan entry first,
	 * while the bridge still has the MAC here: kept... */
	k.where = 1;
	self.dst = A("192.0.2.9");
	k.self = self;
	cr_assert_eq(mirror_fdb(&AP, 100, &self), 0);
	cr_assert_eq(fdb("02:00:00:00:aa:01", &v), 1);
	cr_assert(v.flags & VXBPF_FDB_LOCAL);
	/* ...then the bridge's entry moves onto the vxlan device (ifindex
	 * 2): the local entry goes and the vxlan device's, passed over
	 * above and not notified again, is copied. */
	k.where = 2;
	br.ifindex = 2;
	cr_assert_eq(mirror_local(&AP, &br), 0);
	cr_assert_eq(fdb("02:00:00:00:aa:01", &v), 1, "the MAC lost");
	cr_assert_not(v.flags & VXBPF_FDB_LOCAL);
	cr_assert_eq(same(&v.dst, "192.0.2.9"), 0);
	cr_assert_eq(k.asked_remote, 1);

	/* Back on port 1, then the vxlan entry comes while the bridge has
	 * the MAC elsewhere (its move not notified yet): the vxlan entry. */
	br.ifindex = 1;
	k.where = 1;
	cr_assert_eq(mirror_local(&AP, &br), 0);
	k.where = 2;
	self.dst = A("192.0.2.2");
	cr_assert_eq(mirror_fdb(&AP, 100, &self), 0);
	cr_assert_eq(fdb("02:00:00:00:aa:01", &v), 1);
	cr_assert_not(v.flags & VXBPF_FDB_LOCAL);
	cr_assert_eq(same(&v.dst, "192.0.2.2"), 0);
	AP.confirm = NULL;
}

/*
 * The MAC moves away and zebra deletes the bridge's entry on the port
 * first (RTM_DELNEIGH), then adds it on the vxlan device: the vxlan
 * device's entry, passed over while the bridge still had the MAC on the
 * port, is copied when the port's entry goes. Before, neither event
 * brought it back, and vxbpf lacked the MAC until the next resync (seen
 * in the EVPN churn test).
 */
Test(mirror_apply, port_entry_deleted_before_the_move)
{
	struct kernel_stub k = { .where = 1 };
	struct mneigh self, br;
	struct vxbpf_fdb_val v;
	struct mport p;

	port1_with_kernel(&p, &k);
	self = NB(fdb_1);
	M("02:00:00:00:aa:01", self.lladdr);
	br = NB(brfdb_0);
	br.ifindex = 1;
	cr_assert_eq(mirror_local(&AP, &br), 0);
	/* The vxlan entry while the bridge has the MAC here: kept local. */
	self.dst = A("192.0.2.9");
	k.self = self;
	cr_assert_eq(mirror_fdb(&AP, 100, &self), 0);
	cr_assert_eq(fdb("02:00:00:00:aa:01", &v), 1);
	cr_assert(v.flags & VXBPF_FDB_LOCAL);
	/* The port's entry is deleted: the device's entry is the way now. */
	k.where = 0;
	br.type = RTM_DELNEIGH;
	cr_assert_eq(mirror_local(&AP, &br), 0);
	cr_assert_eq(fdb("02:00:00:00:aa:01", &v), 1, "the MAC lost after the port's entry went");
	cr_assert_not(v.flags & VXBPF_FDB_LOCAL);
	cr_assert_eq(same(&v.dst, "192.0.2.9"), 0);
	/* The bridge's entry on the vxlan device then: nothing more to ask. */
	br.type = RTM_NEWNEIGH;
	br.ifindex = 2;
	k.asked_remote = 0;
	cr_assert_eq(mirror_local(&AP, &br), 0);
	cr_assert_eq(k.asked_remote, 0, "asked the kernel again for a MAC already copied");
	cr_assert_eq(fdb("02:00:00:00:aa:01", &v), 1);
	AP.confirm = NULL;
}

/* ---- the command line --------------------------------------------------- */

Test(mirror_cmd, words)
{
	char buf[128], err[256], *argv[16];
	struct vx_cmd c;
	int argc;

	snprintf(buf, sizeof(buf), "mirror vxlan100 --once br0 -v");
	argc = tokenize(buf, argv, 16);
	cr_assert_eq(cmd_parse(argc, argv, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c.obj, OBJ_MIRROR);
	cr_assert_eq(c.n_devs, 2);
	cr_assert_str_eq(c.devs[0], "vxlan100");
	cr_assert_str_eq(c.devs[1], "br0");
	cr_assert(c.once);
	cr_assert(c.verbose);
	cr_assert_not(cmd_is_map_change(&c));

	snprintf(buf, sizeof(buf), "mirror --once");
	argc = tokenize(buf, argv, 16);
	cr_assert_eq(cmd_parse(argc, argv, &c, err, sizeof(err)), -EINVAL);
	snprintf(buf, sizeof(buf), "mirror vx0 --daemon");
	argc = tokenize(buf, argv, 16);
	cr_assert_eq(cmd_parse(argc, argv, &c, err, sizeof(err)), -EINVAL);
	snprintf(buf, sizeof(buf), "mirror vx0 vx0");
	argc = tokenize(buf, argv, 16);
	cr_assert_eq(cmd_parse(argc, argv, &c, err, sizeof(err)), -EINVAL);
}
