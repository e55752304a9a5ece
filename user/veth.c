// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The veth delivery rule. The peer may live in another network namespace
 * (IFLA_LINK_NETNSID); we find a file for that namespace by asking the
 * kernel which nsid each candidate has (RTM_GETNSID with NETNSA_FD),
 * enter it only for the ethtool calls, and always come back.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>

#include "common.h"
#include "netns.h"
#include "nl.h"
#include "veth.h"

/* An ioctl on dev: SIOCETHTOOL with data, or SIOCGIFFLAGS into *flags. */
static int dev_ioctl(const char *dev, unsigned long req, void *data, short *flags)
{
	struct ifreq ifr = {};
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = data;
	if (ioctl(fd, req, &ifr) < 0)
		err = -errno;
	else if (flags)
		*flags = ifr.ifr_flags;
	close(fd);
	return err;
}

static int ethtool(const char *dev, void *data)
{
	return dev_ioctl(dev, SIOCETHTOOL, data, NULL);
}

static bool is_veth(const struct nl_link *l)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };

	if (!strcmp(l->kind, "veth"))
		return true;
	return !ethtool(l->name, &di) && !strcmp(di.driver, "veth");
}

/*
 * In the peer's namespace: GRO or XDP already? Else turn GRO on.
 * 1 changed, 2 changed on a peer that is down, 0 nothing to do, -errno.
 */
static int peer_fix(int peer, char *name, size_t len)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_GGRO };
	struct nl_link pl;
	short ifflags;
	int err;

	err = nl_link_get(peer, &pl);
	if (err)
		return err;
	snprintf(name, len, "%s", pl.name);
	if (pl.xdp_attached != XDP_ATTACHED_NONE)
		return 0;
	err = ethtool(pl.name, &ev);
	if (err)
		return err;
	if (ev.data)
		return 0;
	ev.cmd = ETHTOOL_SGRO;
	ev.data = 1;
	err = ethtool(pl.name, &ev);
	if (err)
		return err;
	/* veth_set_features() only makes its peer (our port) a redirect
	 * target on a running device; veth_open() does not catch up (6.18
	 * measured): redirects then fail with EOPNOTSUPP. */
	if (!dev_ioctl(pl.name, SIOCGIFFLAGS, NULL, &ifflags) && !(ifflags & IFF_UP))
		return 2;
	return 1;
}

int veth_ensure_delivery(int ifindex, const char *dev)
{
	char label[64] = "", peer_name[IF_NAMESIZE] = "?", where[96] = "";
	int self_fd = -1, ns_fd = -1, ret = 0, err;
	struct nl_link l;

	err = nl_link_get(ifindex, &l);
	if (err) {
		vx_warn("cannot read link %s: %s", dev, vx_strerror(err));
		return 0;
	}
	if (!is_veth(&l))
		return 0;
	if (!l.has_link || !l.link) {
		vx_warn("cannot find the veth peer of %s; frames redirected into it "
			"are dropped unless the peer has GRO or XDP on",
			dev);
		return 0;
	}
	if (l.has_link_nsid && l.link_nsid >= 0) {
		ns_fd = netns_find_nsid(l.link_nsid, label, sizeof(label));
		self_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (ns_fd < 0 || self_fd < 0) {
			vx_warn("cannot find the netns (nsid %d) of %s's veth peer; "
				"turn GRO on there (ethtool -K PEER gro on) or "
				"redirected frames are dropped",
				l.link_nsid, dev);
			goto out;
		}
		if (setns(ns_fd, CLONE_NEWNET) < 0) {
			vx_warn("cannot enter netns %s: %s", label,
				vx_strerror(-errno));
			goto out;
		}
		snprintf(where, sizeof(where), " (netns %s)", label);
	}
	err = peer_fix(l.link, peer_name, sizeof(peer_name));
	if (self_fd >= 0 && setns(self_fd, CLONE_NEWNET) < 0) {
		/* We would act on the wrong namespace from here on. */
		ret = -errno;
		vx_err("cannot return to the original netns: %s",
		       vx_strerror(ret));
		goto out;
	}
	if (err < 0)
		vx_warn("cannot turn GRO on at %s's veth peer %s%s: %s; "
			"redirected frames are dropped until it has GRO or XDP",
			dev, peer_name, where, vx_strerror(err));
	else if (err == 2) {
		vx_warn("%s's veth peer %s%s is down: GRO is on, but the kernel delivers "
			"redirected frames to a veth that comes up later only once GRO is "
			"set again while it is up (ethtool -K %s gro off; ethtool -K %s gro on); "
			"until then they are dropped",
			dev, peer_name, where, peer_name, peer_name);
		ret = 1;
	} else if (err > 0) {
		printf("vxbpf: enabled GRO on %s's peer %s%s so redirected frames are delivered\n",
		       dev, peer_name, where);
		ret = 1;
	}
out:
	if (ns_fd >= 0)
		close(ns_fd);
	if (self_fd >= 0)
		close(self_fd);
	return ret;
}
