// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The rtnetlink questions vxbpf asks: what is this link (kind, peer, XDP)
 * and which nsid names that namespace; and the netdev generic netlink
 * question: what XDP can this device do. Every attribute is checked with
 * mnl_attr_validate before its payload is read.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>

#include "nl.h"

/* Send one request on a socket of proto and run cb over the reply (or the
 * error). */
static int nl_talk_proto(int proto, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	unsigned int portid, seq;
	int ret;

	nl = mnl_socket_open(proto);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	seq = nlh->nlmsg_seq = time(NULL);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret < 0) {
			ret = -errno;
			break;
		}
		ret = mnl_cb_run(buf, ret, seq, portid, cb, data);
		if (ret <= MNL_CB_STOP) {
			ret = ret < 0 ? -errno : 0;
			break;
		}
	}
out:
	mnl_socket_close(nl);
	return ret;
}

static int nl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	return nl_talk_proto(NETLINK_ROUTE, nlh, cb, data);
}

static int vxlan_info_cb(const struct nlattr *a, void *data)
{
	struct nl_link *l = data;

	if (mnl_attr_get_type(a) == IFLA_VXLAN_ID && mnl_attr_validate(a, MNL_TYPE_U32) >= 0) {
		l->has_vxlan_id = true;
		l->vxlan_id = mnl_attr_get_u32(a);
	}
	return MNL_CB_OK;
}

static int link_info_cb(const struct nlattr *a, void *data)
{
	struct nl_link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_INFO_KIND:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
			snprintf(l->kind, sizeof(l->kind), "%s", mnl_attr_get_str(a));
		break;
	case IFLA_INFO_DATA:
		/* The kernel sends the kind first; the data is the kind's. */
		if (!strcmp(l->kind, "vxlan") && mnl_attr_validate(a, MNL_TYPE_NESTED) >= 0)
			mnl_attr_parse_nested(a, vxlan_info_cb, l);
		break;
	}
	return MNL_CB_OK;
}

static int xdp_cb(const struct nlattr *a, void *data)
{
	struct nl_link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_XDP_ATTACHED:
		if (mnl_attr_validate(a, MNL_TYPE_U8) >= 0)
			l->xdp_attached = mnl_attr_get_u8(a);
		break;
	case IFLA_XDP_PROG_ID:
		if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
			l->xdp_prog_id = mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *a, void *data)
{
	struct nl_link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
			snprintf(l->name, sizeof(l->name), "%s",
				 mnl_attr_get_str(a));
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(a) == 6) {
			l->has_mac = true;
			memcpy(l->mac, mnl_attr_get_payload(a), 6);
		}
		break;
	case IFLA_LINK:
		if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0) {
			l->has_link = true;
			l->link = mnl_attr_get_u32(a);
		}
		break;
	case IFLA_LINK_NETNSID:
		if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0) {
			l->has_link_nsid = true;
			l->link_nsid = (int)mnl_attr_get_u32(a);
		}
		break;
	case IFLA_LINKINFO:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) >= 0)
			mnl_attr_parse_nested(a, link_info_cb, l);
		break;
	case IFLA_XDP:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) >= 0)
			mnl_attr_parse_nested(a, xdp_cb, l);
		break;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_link *l = data;
	struct ifinfomsg *ifi;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	ifi = mnl_nlmsg_get_payload(nlh);
	l->ifindex = ifi->ifi_index;
	mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, l);
	return MNL_CB_STOP;
}

int nl_link_get(int ifindex, struct nl_link *l)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int err;

	memset(l, 0, sizeof(*l));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	err = nl_talk(nlh, link_cb, l);
	if (err)
		return err;
	return l->ifindex == ifindex ? 0 : -ENODEV;
}

static int nsid_attr_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == NETNSA_NSID &&
	    mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
		*(int *)data = (int)mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int nsid_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != RTM_NEWNSID ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct rtgenmsg))
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(struct rtgenmsg), nsid_attr_cb, data);
	return MNL_CB_STOP;
}

int nl_nsid_of_fd(int nsfd, int *nsid)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct rtgenmsg *g;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETNSID;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, nsfd);
	*nsid = -1;
	return nl_talk(nlh, nsid_cb, nsid);
}

/*
 * The netdev generic netlink family (Linux 6.3, include/uapi/linux/netdev.h;
 * the headers vxbpf builds against may predate it, hence the numbers).
 */
#define NETDEV_FAMILY "netdev"
#define NETDEV_CMD_DEV_GET 1
#define NETDEV_A_DEV_IFINDEX 1
#define NETDEV_A_DEV_XDP_FEATURES 3

struct genl_q {
	__u16 family;
	bool has_features;
	__u64 features;
};

static int family_attr_cb(const struct nlattr *a, void *data)
{
	struct genl_q *q = data;

	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID && mnl_attr_validate(a, MNL_TYPE_U16) >= 0)
		q->family = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
	return MNL_CB_STOP; /* the one answer */
}

static int dev_attr_cb(const struct nlattr *a, void *data)
{
	struct genl_q *q = data;

	if (mnl_attr_get_type(a) == NETDEV_A_DEV_XDP_FEATURES &&
	    mnl_attr_validate(a, MNL_TYPE_U64) >= 0) {
		q->has_features = true;
		q->features = mnl_attr_get_u64(a);
	}
	return MNL_CB_OK;
}

static int dev_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), dev_attr_cb, data);
	return MNL_CB_STOP;
}

static struct nlmsghdr *genl_msg(char *buf, __u16 type, __u8 cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = 1;
	return nlh;
}

int nl_xdp_features(int ifindex, __u64 *features)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct genl_q q = {};
	struct nlmsghdr *nlh;
	int err;

	nlh = genl_msg(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NETDEV_FAMILY);
	err = nl_talk_proto(NETLINK_GENERIC, nlh, family_cb, &q);
	if (err == -ENOENT || (!err && !q.family))
		return -EOPNOTSUPP; /* before 6.3 */
	if (err)
		return err;
	nlh = genl_msg(buf, q.family, NETDEV_CMD_DEV_GET);
	mnl_attr_put_u32(nlh, NETDEV_A_DEV_IFINDEX, ifindex);
	err = nl_talk_proto(NETLINK_GENERIC, nlh, dev_cb, &q);
	if (err)
		return err;
	if (!q.has_features)
		return -EOPNOTSUPP;
	*features = q.features;
	return 0;
}
