// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rtnetlink messages of the kernel's vxlan tables, reduced to plain
 * structs. Every attribute we read is length-checked first (libmnl's
 * validators, or an exact payload length for addresses); one bad
 * attribute rejects the whole message, since a half-read FDB entry is
 * worse than none. Unknown attributes are ignored: newer kernels add them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "mirror.h"

/* Address attribute: exactly 4 or 16 bytes, stored as a vxbpf_addr. */
static int get_addr(const struct nlattr *a, struct vxbpf_addr *out,
		    int *family)
{
	__u16 len = mnl_attr_get_payload_len(a);

	memset(out, 0, sizeof(*out));
	if (len == 4) {
		vxbpf_addr_w(out)[2] = htonl(0xffff);
		memcpy(&vxbpf_addr_w(out)[3], mnl_attr_get_payload(a), 4);
		*family = AF_INET;
		return 0;
	}
	if (len == 16) {
		memcpy(out->b, mnl_attr_get_payload(a), 16);
		*family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/*
 * libmnl stops quietly at an attribute that claims more bytes than are
 * left; we want to know, so walk the attributes first: every one at least
 * a header long and inside the buffer, nothing but padding after them.
 */
static bool attrs_fit(const void *start, size_t len)
{
	const struct nlattr *a = start;

	while (len >= sizeof(*a)) {
		if (a->nla_len < sizeof(*a) || a->nla_len > len)
			return false;
		if ((size_t)MNL_ALIGN(a->nla_len) >= len)
			return true;
		len -= MNL_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a + MNL_ALIGN(a->nla_len));
	}
	return len == 0;
}

static bool msg_attrs_fit(const struct nlmsghdr *nlh, size_t hdrlen)
{
	size_t off = MNL_ALIGN(hdrlen);

	if (mnl_nlmsg_get_payload_len(nlh) < off)
		return true; /* no attributes */
	return attrs_fit((const char *)mnl_nlmsg_get_payload(nlh) + off,
			 mnl_nlmsg_get_payload_len(nlh) - off);
}

static bool nest_fits(const struct nlattr *a)
{
	return attrs_fit(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
}

static int check(const struct nlattr *a, enum mnl_attr_data_type t)
{
	return mnl_attr_validate(a, t) < 0 ? -EINVAL : 0;
}

/* ---- links ------------------------------------------------------------- */

#define U8(attr, field)                                                        \
	case attr:                                                             \
		if (check(a, MNL_TYPE_U8))                                     \
			return MNL_CB_ERROR;                                   \
		l->field = mnl_attr_get_u8(a);                                 \
		break

static int vxlan_data_cb(const struct nlattr *a, void *data)
{
	struct mlink *l = data;
	const struct ifla_vxlan_port_range *pr;
	int fam;

	switch (mnl_attr_get_type(a)) {
	case IFLA_VXLAN_ID:
		if (check(a, MNL_TYPE_U32))
			return MNL_CB_ERROR;
		l->has_id = true;
		l->id = mnl_attr_get_u32(a);
		break;
	case IFLA_VXLAN_LOCAL:
		if (mnl_attr_get_payload_len(a) != 4 ||
		    get_addr(a, &l->local, &fam))
			return MNL_CB_ERROR;
		l->family = AF_INET;
		break;
	case IFLA_VXLAN_LOCAL6:
		if (mnl_attr_get_payload_len(a) != 16 ||
		    get_addr(a, &l->local, &fam))
			return MNL_CB_ERROR;
		l->family = AF_INET6;
		break;
	case IFLA_VXLAN_PORT:
		if (check(a, MNL_TYPE_U16))
			return MNL_CB_ERROR;
		l->port = ntohs(mnl_attr_get_u16(a));
		break;
	case IFLA_VXLAN_PORT_RANGE:
		if (mnl_attr_get_payload_len(a) != sizeof(*pr))
			return MNL_CB_ERROR;
		pr = mnl_attr_get_payload(a);
		l->port_min = ntohs(pr->low);
		l->port_max = ntohs(pr->high);
		break;
	case IFLA_VXLAN_AGEING:
		if (check(a, MNL_TYPE_U32))
			return MNL_CB_ERROR;
		l->has_ageing = true;
		l->ageing = mnl_attr_get_u32(a);
		break;
	case IFLA_VXLAN_LIMIT:
		if (check(a, MNL_TYPE_U32))
			return MNL_CB_ERROR;
		l->limit = mnl_attr_get_u32(a);
		break;
	case IFLA_VXLAN_LABEL:
		if (check(a, MNL_TYPE_U32))
			return MNL_CB_ERROR;
		l->label = ntohl(mnl_attr_get_u32(a));
		break;
	case IFLA_VXLAN_UDP_CSUM:
		if (check(a, MNL_TYPE_U8))
			return MNL_CB_ERROR;
		l->has_udp_csum = true;
		l->udp_csum = mnl_attr_get_u8(a);
		break;
	U8(IFLA_VXLAN_TTL, ttl);
	U8(IFLA_VXLAN_TOS, tos);
	U8(IFLA_VXLAN_DF, df);
	U8(IFLA_VXLAN_LEARNING, learning);
	U8(IFLA_VXLAN_PROXY, proxy);
	U8(IFLA_VXLAN_L2MISS, l2miss);
	U8(IFLA_VXLAN_L3MISS, l3miss);
	U8(IFLA_VXLAN_UDP_ZERO_CSUM6_TX, udp6zerocsumtx);
	U8(IFLA_VXLAN_UDP_ZERO_CSUM6_RX, udp6zerocsumrx);
	U8(IFLA_VXLAN_COLLECT_METADATA, external);
	U8(IFLA_VXLAN_VNIFILTER, vnifilter);
	U8(IFLA_VXLAN_TTL_INHERIT, ttl_inherit);
	U8(IFLA_VXLAN_RSC, rsc);
	case IFLA_VXLAN_REMCSUM_TX:
	case IFLA_VXLAN_REMCSUM_RX:
		if (check(a, MNL_TYPE_U8))
			return MNL_CB_ERROR;
		l->remcsum |= mnl_attr_get_u8(a) != 0;
		break;
	case IFLA_VXLAN_GBP: /* flags: present = on */
		l->gbp = true;
		break;
	case IFLA_VXLAN_GPE:
		l->gpe = true;
		break;
	}
	return MNL_CB_OK;
}
#undef U8

/* IFLA_BRPORT_*: a bridge port's flags, of which neigh_suppress and learning. */
static int brport_cb(const struct nlattr *a, void *data)
{
	struct mlink *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_BRPORT_NEIGH_SUPPRESS:
		if (check(a, MNL_TYPE_U8))
			return MNL_CB_ERROR;
		l->neigh_suppress = mnl_attr_get_u8(a);
		break;
	case IFLA_BRPORT_LEARNING:
		if (check(a, MNL_TYPE_U8))
			return MNL_CB_ERROR;
		l->brport_learning = mnl_attr_get_u8(a);
		break;
	}
	return MNL_CB_OK;
}

static int brport_parse(const struct nlattr *nest, struct mlink *l)
{
	if (!nest_fits(nest) || mnl_attr_parse_nested(nest, brport_cb, l) < 0)
		return -EINVAL;
	l->has_brport = true;
	return 0;
}

struct linkinfo {
	const struct nlattr *kind, *data, *slave_kind, *slave_data;
};

/* Keep a in *slot if it has type t's shape. */
static int keep(const struct nlattr *a, enum mnl_attr_data_type t, const struct nlattr **slot)
{
	if (check(a, t))
		return MNL_CB_ERROR;
	*slot = a;
	return MNL_CB_OK;
}

static int linkinfo_cb(const struct nlattr *a, void *data)
{
	struct linkinfo *li = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_INFO_KIND:
		return keep(a, MNL_TYPE_NUL_STRING, &li->kind);
	case IFLA_INFO_DATA:
		return keep(a, MNL_TYPE_NESTED, &li->data);
	case IFLA_INFO_SLAVE_KIND:
		return keep(a, MNL_TYPE_NUL_STRING, &li->slave_kind);
	case IFLA_INFO_SLAVE_DATA:
		return keep(a, MNL_TYPE_NESTED, &li->slave_data);
	}
	return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *a, void *data)
{
	struct mlink *l = data;
	struct linkinfo li = {};

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (check(a, MNL_TYPE_NUL_STRING) ||
		    mnl_attr_get_payload_len(a) > IF_NAMESIZE)
			return MNL_CB_ERROR;
		snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(a));
		break;
	case IFLA_MASTER:
		if (check(a, MNL_TYPE_U32))
			return MNL_CB_ERROR;
		l->has_master = true;
		l->master = mnl_attr_get_u32(a);
		break;
	case IFLA_LINKINFO:
		if (check(a, MNL_TYPE_NESTED) || !nest_fits(a) ||
		    mnl_attr_parse_nested(a, linkinfo_cb, &li) < 0)
			return MNL_CB_ERROR;
		if (li.kind)
			snprintf(l->kind, sizeof(l->kind), "%s",
				 mnl_attr_get_str(li.kind));
		/* The data's meaning depends on the kind: vxlan only. */
		if (li.data && !strcmp(l->kind, "vxlan") &&
		    (!nest_fits(li.data) ||
		     mnl_attr_parse_nested(li.data, vxlan_data_cb, l) < 0))
			return MNL_CB_ERROR;
		if (li.slave_kind && li.slave_data &&
		    !strcmp(mnl_attr_get_str(li.slave_kind), "bridge") &&
		    brport_parse(li.slave_data, l))
			return MNL_CB_ERROR;
		break;
	}
	return MNL_CB_OK;
}

/* An AF_BRIDGE link message: a bridge port's state, flags in PROTINFO. */
static int bridge_attr_cb(const struct nlattr *a, void *data)
{
	struct mlink *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_MASTER:
		if (check(a, MNL_TYPE_U32))
			return MNL_CB_ERROR;
		l->has_master = true;
		l->master = mnl_attr_get_u32(a);
		break;
	case IFLA_PROTINFO:
		if (check(a, MNL_TYPE_NESTED) || brport_parse(a, l))
			return MNL_CB_ERROR;
		break;
	}
	return MNL_CB_OK;
}

int mirror_parse_link(const struct nlmsghdr *nlh, struct mlink *l)
{
	const struct ifinfomsg *ifi;

	memset(l, 0, sizeof(*l));
	if (nlh->nlmsg_len < sizeof(*nlh))
		return -EINVAL;
	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return 1;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return -EINVAL;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_family != AF_UNSPEC && ifi->ifi_family != AF_BRIDGE)
		return 1;
	l->type = nlh->nlmsg_type;
	l->ifindex = ifi->ifi_index;
	l->ifi_flags = ifi->ifi_flags;
	/* `bridge link set ... neigh_suppress on` is told as AF_BRIDGE only. */
	l->port_msg = ifi->ifi_family == AF_BRIDGE;
	if (!msg_attrs_fit(nlh, sizeof(*ifi)) ||
	    mnl_attr_parse(nlh, sizeof(*ifi), l->port_msg ? bridge_attr_cb : link_attr_cb,
			   l) < 0) {
		memset(l, 0, sizeof(*l));
		return -EINVAL;
	}
	if (l->ifindex <= 0)
		return -EINVAL;
	return 0;
}

/* ---- neighbours and FDB entries ---------------------------------------- */

static int neigh_attr_cb(const struct nlattr *a, void *data)
{
	struct mneigh *n = data;

	switch (mnl_attr_get_type(a)) {
	case NDA_DST:
		if (get_addr(a, &n->dst, &n->dst_family))
			return MNL_CB_ERROR;
		n->has_dst = true;
		break;
	case NDA_LLADDR:
		/* 6 bytes on Ethernet-like devices; anything else is not
		 * a MAC we can use (the caller skips has_lladdr == false). */
		if (mnl_attr_get_payload_len(a) == 6) {
			memcpy(n->lladdr, mnl_attr_get_payload(a), 6);
			n->has_lladdr = true;
		} else if (mnl_attr_get_payload_len(a) > 32) {
			return MNL_CB_ERROR; /* MAX_ADDR_LEN */
		}
		break;
	case NDA_PORT:
		if (check(a, MNL_TYPE_U16))
			return MNL_CB_ERROR;
		n->has_port = true;
		n->port = ntohs(mnl_attr_get_u16(a));
		break;
	case NDA_VNI:
		if (check(a, MNL_TYPE_U32) || mnl_attr_get_u32(a) > VXBPF_VNI_MAX)
			return MNL_CB_ERROR;
		n->has_vni = true;
		n->vni = mnl_attr_get_u32(a);
		break;
	case NDA_MASTER:
		if (check(a, MNL_TYPE_U32))
			return MNL_CB_ERROR;
		n->has_master = true;
		n->master = mnl_attr_get_u32(a);
		break;
	case NDA_NH_ID:
		if (check(a, MNL_TYPE_U32))
			return MNL_CB_ERROR;
		n->has_nh_id = true;
		break;
	case NDA_SRC_VNI:
		if (check(a, MNL_TYPE_U32))
			return MNL_CB_ERROR;
		n->has_src_vni = true;
		break;
	case NDA_FLAGS_EXT:
		if (check(a, MNL_TYPE_U32))
			return MNL_CB_ERROR;
		n->flags_ext = mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

int mirror_parse_neigh(const struct nlmsghdr *nlh, struct mneigh *n)
{
	const struct ndmsg *ndm;

	memset(n, 0, sizeof(*n));
	if (nlh->nlmsg_len < sizeof(*nlh))
		return -EINVAL;
	if (nlh->nlmsg_type != RTM_NEWNEIGH && nlh->nlmsg_type != RTM_DELNEIGH)
		return 1;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ndm))
		return -EINVAL;
	ndm = mnl_nlmsg_get_payload(nlh);
	if (ndm->ndm_family != AF_BRIDGE && ndm->ndm_family != AF_INET &&
	    ndm->ndm_family != AF_INET6)
		return 1;
	n->type = nlh->nlmsg_type;
	n->family = ndm->ndm_family;
	n->ifindex = ndm->ndm_ifindex;
	n->state = ndm->ndm_state;
	n->flags = ndm->ndm_flags;
	if (!msg_attrs_fit(nlh, sizeof(*ndm)) ||
	    mnl_attr_parse(nlh, sizeof(*ndm), neigh_attr_cb, n) < 0) {
		memset(n, 0, sizeof(*n));
		return -EINVAL;
	}
	/* A neighbour's NDA_DST is an address of its own family. */
	if (n->has_dst && n->family != AF_BRIDGE && n->dst_family != n->family) {
		memset(n, 0, sizeof(*n));
		return -EINVAL;
	}
	return 0;
}

/* ---- link -> vni command ------------------------------------------------ */

int mirror_link_cmd(const struct mlink *l, struct vx_cmd *c, char *err,
		    size_t errlen)
{
	const char *why = NULL;

	memset(c, 0, sizeof(*c));
	if (strcmp(l->kind, "vxlan"))
		why = "is not a vxlan device";
	else if (l->external)
		why = "is an external (collect_metadata) device: no fixed VNI to mirror";
	else if (l->vnifilter)
		why = "filters VNIs (vnifilter): not supported";
	else if (!l->has_id || !l->id || l->id > VXBPF_VNI_MAX)
		why = "has no VNI";
	else if (!l->family)
		why = "has no local address; vxbpf needs \"local IP\" to know its VTEP";
	else if (l->gbp || l->gpe || l->remcsum)
		why = "uses gbp, gpe or remcsum, which the fast path does not speak";
	else if (l->rsc)
		why = "has rsc (route short-circuit), which the fast path does not do";
	else if (l->ttl_inherit)
		why = "has ttl inherit, which the fast path does not reproduce";
	else if (l->tos == 1)
		why = "has tos inherit, which the fast path does not reproduce";
	else if (l->df)
		why = "has df set/inherit; the fast path sends DF clear as \"df unset\"";
	else if (l->label)
		why = "has a flow label; the fast path sends label 0";
	if (why) {
		snprintf(err, errlen, "%s %s", l->name[0] ? l->name : "device",
			 why);
		return -EINVAL;
	}
	c->obj = OBJ_VNI;
	c->verb = VERB_REPLACE;
	c->has_vni = true;
	c->vni = l->id;
	c->has_ip = true;
	c->family = l->family;
	c->ip = l->local;
	c->has_port = true;
	c->port = l->port ? l->port : VXBPF_DEFAULT_PORT;
	/* 0 0 (or an empty range) is the namespace's range, as the kernel. */
	if (l->port_min < l->port_max) {
		c->has_srcport = true;
		c->srcport_min = l->port_min;
		c->srcport_max = l->port_max;
	}
	c->has_ttl = l->ttl != 0; /* ttl 0 = auto */
	c->ttl = l->ttl;
	c->tos = l->tos;
	/* The kernel's 0 means "never age": the longest vxbpf knows. */
	c->ageing = !l->has_ageing ? 0 : !l->ageing || l->ageing > 86400 ? 86400 : l->ageing;
	c->maxaddr = l->limit;
	if (l->learning)
		c->vni_flags |= VXBPF_VNI_LEARNING;
	if (l->proxy)
		c->vni_flags |= VXBPF_VNI_PROXY;
	/* Answered from the bridge's neighbours: it needs a bridge. */
	if (l->neigh_suppress && l->has_master)
		c->vni_flags |= VXBPF_VNI_SUPPRESS;
	if (l->l2miss)
		c->vni_flags |= VXBPF_VNI_L2MISS;
	if (l->l3miss)
		c->vni_flags |= VXBPF_VNI_L3MISS;
	if (l->has_udp_csum && !l->udp_csum)
		c->vni_flags |= VXBPF_VNI_NOUDPCSUM;
	if (l->udp6zerocsumtx)
		c->vni_flags |= VXBPF_VNI_UDP6ZEROCSUMTX;
	if (l->udp6zerocsumrx)
		c->vni_flags |= VXBPF_VNI_UDP6ZEROCSUMRX;
	return 0;
}

/* ---- reading a dump ------------------------------------------------------ */

/* An error number of the kernel's (1..4095, MAX_ERRNO); EBADMSG for a
 * value that is none (INT_MIN cannot even be negated). */
static int nl_errno(int err)
{
	if (err < 0)
		err = err < -4095 ? EBADMSG : -err;
	return err > 4095 ? EBADMSG : err;
}

/*
 * NLMSG_DONE carries the dump's own status: a dump the kernel cut short
 * (an error while filling a later batch) ends with it negative, and
 * libmnl's default takes any DONE for success.
 */
static int dump_done_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		int status = *(const int *)mnl_nlmsg_get_payload(nlh);

		if (status < 0) {
			errno = nl_errno(status);
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

/* An NLMSG_ERROR: 0 acknowledges, anything else is the request's error.
 * (With a control array, libmnl uses none of its defaults.) */
static int dump_error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	(void)data;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!e->error)
		return MNL_CB_STOP;
	errno = nl_errno(e->error);
	return MNL_CB_ERROR;
}

static int dump_overrun_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh, (void)data;
	errno = ENOSPC;
	return MNL_CB_ERROR;
}

size_t mirror_msgs_len(const void *buf, size_t len)
{
	const struct nlmsghdr *h = buf;
	size_t left = len;

	while (left >= sizeof(*h)) {
		if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > left)
			break;
		/* The last message may lack its padding. */
		if (MNL_ALIGN(h->nlmsg_len) >= left)
			return len;
		left -= MNL_ALIGN(h->nlmsg_len);
		h = (const struct nlmsghdr *)((const char *)h + MNL_ALIGN(h->nlmsg_len));
	}
	return len - left;
}

int mirror_dump_read(void *buf, size_t len, unsigned seq, unsigned portid,
		     int (*cb)(const struct nlmsghdr *, void *), void *data, bool *intr)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = dump_error_cb,
		[NLMSG_DONE] = dump_done_cb,
		[NLMSG_OVERRUN] = dump_overrun_cb,
	};
	struct nlmsghdr *h;
	int left, ret;

	/* What does not end where its length says, libmnl may read past. */
	if (len > INT_MAX || mirror_msgs_len(buf, len) != len)
		return -EBADMSG;
	left = len;
	/*
	 * The kernel flags every message after the change, NLMSG_DONE too.
	 * libmnl would stop at the first flagged message with EINTR, leave
	 * the rest unread and fail the whole resync; the caller decides what
	 * an interruption means, so the flag is noted and cleared.
	 */
	for (h = buf; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left))
		if (h->nlmsg_flags & NLM_F_DUMP_INTR) {
			*intr = true;
			h->nlmsg_flags &= ~NLM_F_DUMP_INTR;
		}
	ret = mnl_cb_run2(buf, len, seq, portid, cb, data, ctl, NLMSG_MIN_TYPE);
	return ret < 0 ? -errno : ret;
}
