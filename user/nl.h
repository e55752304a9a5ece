/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* rtnetlink queries through libmnl, in the current network namespace. */
#ifndef VX_NL_H
#define VX_NL_H

#include <net/if.h>
#include <linux/types.h>
#include <stdbool.h>

struct nl_link {
	int ifindex;
	char name[IF_NAMESIZE];
	char kind[32];	    /* IFLA_INFO_KIND, "" if none */
	bool has_link;
	int link;	    /* IFLA_LINK: a veth's peer ifindex */
	bool has_link_nsid;
	int link_nsid;	    /* IFLA_LINK_NETNSID: the peer's netns id */
	bool has_mac;
	__u8 mac[6];	    /* IFLA_ADDRESS of an Ethernet device */
	bool has_vxlan_id;
	__u32 vxlan_id;	    /* IFLA_VXLAN_ID of a vxlan device */
	__u8 xdp_attached;  /* XDP_ATTACHED_* */
	__u32 xdp_prog_id;
};

/* RTM_GETLINK of one ifindex. 0, or -errno (-ENODEV: no such device). */
int nl_link_get(int ifindex, struct nl_link *l);

/* RTM_GETNSID: the id the current netns gives the netns of nsfd (-1 none). */
int nl_nsid_of_fd(int nsfd, int *nsid);

/* The device's XDP features (NETDEV_XDP_ACT_*, netdev generic netlink).
 * 0, -EOPNOTSUPP before Linux 6.3 (no such family), or -errno. */
#define NL_XDP_ACT_NDO_XMIT_SG (1ULL << 6)
int nl_xdp_features(int ifindex, __u64 *features);

#endif
