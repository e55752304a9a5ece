// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "resolve.h"

struct route_hop {
	int oif;
	int family;
	__u8 gw[16];
	bool has_gw;
};

static int route_attr_cb(const struct nlattr *attr, void *data)
{
	struct route_hop *hop = data;
	int type = mnl_attr_get_type(attr);
	size_t alen = hop->family == AF_INET ? 4 : 16;

	if (type == RTA_OIF) {
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		hop->oif = mnl_attr_get_u32(attr);
	} else if (type == RTA_GATEWAY) {
		if (mnl_attr_get_payload_len(attr) != alen)
			return MNL_CB_ERROR;
		memcpy(hop->gw, mnl_attr_get_payload(attr), alen);
		hop->has_gw = true;
	}
	return MNL_CB_OK;
}

static int neigh_state_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type == RTM_NEWNEIGH &&
	    mnl_nlmsg_get_payload_len(nlh) >= sizeof(*ndm))
		*(int *)data = ndm->ndm_state;
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	return mnl_attr_parse(nlh, sizeof(struct rtmsg), route_attr_cb, data);
}

/* One request, one answer (or an ack), on a fresh socket. */
static int nl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	unsigned int portid, seq;
	int ret, err = 0;

	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	seq = nlh->nlmsg_seq = time(NULL);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (ret < 0) {
		err = -errno;
		goto out;
	}
	if (mnl_cb_run(buf, ret, seq, portid, cb, data) < 0)
		err = -errno;
out:
	mnl_socket_close(nl);
	return err;
}

int underlay_resolve(const struct vxbpf_addr *vtep, const struct vxbpf_addr *local)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct route_hop hop = { 0 };
	bool v4 = addr_is_v4(vtep);
	const void *dst = v4 ? &vtep->b[12] : vtep->b;
	size_t alen = v4 ? 4 : 16;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	struct ndmsg *ndm;
	int err, state = 0;

	hop.family = v4 ? AF_INET : AF_INET6;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = hop.family;
	rtm->rtm_dst_len = alen * 8;
	mnl_attr_put(nlh, RTA_DST, alen, dst);
	if (local && addr_is_v4(local) == v4) {
		rtm->rtm_src_len = alen * 8;
		mnl_attr_put(nlh, RTA_SRC, alen, v4 ? (const void *)&local->b[12] : local->b);
	}
	err = nl_talk(nlh, route_cb, &hop);
	if (err)
		return err;
	if (!hop.oif)
		return -ENETUNREACH;

	/* An entry that is usable, or that someone pinned, stays as it is:
	 * NTF_USE on an existing entry is an update, and would turn a
	 * permanent entry into one being resolved. */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = hop.family;
	ndm->ndm_ifindex = hop.oif;
	mnl_attr_put(nlh, NDA_DST, alen, hop.has_gw ? hop.gw : dst);
	err = nl_talk(nlh, neigh_state_cb, &state);
	if (!err && (state & ~(NUD_INCOMPLETE | NUD_FAILED)))
		return 0;
	if (err && err != -ENOENT)
		return err;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = hop.family;
	ndm->ndm_ifindex = hop.oif;
	/* NTF_USE: "as if a packet was sent" - starts ARP/ND for an entry
	 * that is not valid, leaves a valid one alone. */
	ndm->ndm_flags = NTF_USE;
	mnl_attr_put(nlh, NDA_DST, alen, hop.has_gw ? hop.gw : dst);
	return nl_talk(nlh, NULL, NULL);
}
