// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Attaching and detaching the XDP programs as pinned BPF links. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "attach.h"

int dev_index(const char *dev)
{
	unsigned idx = if_nametoindex(dev);
	__u32 v;

	if (idx)
		return idx;
	/* A device that is gone can still be named by its old ifindex. */
	if (!parse_u32(dev, 0x7fffffff, &v) && v)
		return v;
	vx_err("device \"%s\" not found", dev);
	return -ENODEV;
}

static void link_path(struct vx_maps *m, int ifindex, char *buf, size_t len)
{
	snprintf(buf, len, "%s/links/xdp_%d", m->dir, ifindex);
}

static const char *mode_name(__u8 attach_mode)
{
	switch (attach_mode) {
	case XDP_ATTACHED_DRV:
		return "native";
	case XDP_ATTACHED_SKB:
		return "generic";
	case XDP_ATTACHED_HW:
		return "offload";
	default:
		return "?";
	}
}

/* Fill a from a link fd; 1 if it is a live XDP link, 0 if stale. */
static int link_fill(int lfd, struct xdp_att *a)
{
	struct bpf_link_info li = {};
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(li);
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int pfd;

	memset(a, 0, sizeof(*a));
	a->mode = "?";
	if (bpf_obj_get_info_by_fd(lfd, &li, &len) ||
	    li.type != BPF_LINK_TYPE_XDP || !li.xdp.ifindex)
		return 0;
	a->ifindex = li.xdp.ifindex;
	a->link_id = li.id;
	a->prog_id = li.prog_id;
	pfd = bpf_prog_get_fd_by_id(li.prog_id);
	if (pfd >= 0) {
		len = sizeof(pi);
		if (!bpf_obj_get_info_by_fd(pfd, &pi, &len))
			snprintf(a->prog, sizeof(a->prog), "%s", pi.name);
		close(pfd);
	}
	if (!bpf_xdp_query(a->ifindex, 0, &q))
		a->mode = mode_name(q.attach_mode);
	return 1;
}

int xdp_attached(struct vx_maps *m, int ifindex, struct xdp_att *a)
{
	char path[PATH_MAX];
	int lfd, ret;

	link_path(m, ifindex, path, sizeof(path));
	lfd = bpf_obj_get(path);
	if (lfd < 0)
		return errno == ENOENT ? 0 : -errno;
	ret = link_fill(lfd, a);
	close(lfd);
	return ret && a->ifindex == ifindex;
}

/* The device's MTU, 0 if unknown. */
static int dev_mtu(const char *dev)
{
	struct ifreq ifr = {};
	int fd, mtu = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (!ioctl(fd, SIOCGIFMTU, &ifr))
		mtu = ifr.ifr_mtu;
	close(fd);
	return mtu;
}

/*
 * The largest MTU single-buffer XDP takes on a veth (its peer's MTU:
 * a page, less XDP's headroom and the skb's shared info, less the
 * Ethernet header); drivers of NICs have limits of the same order.
 */
#define XDP_ONE_PAGE_MTU 3498

static int attach_err(const char *dev, int err, enum vx_xdp_mode mode,
		      __u32 foreign_id)
{
	char id[32] = "";
	int mtu = dev_mtu(dev);

	if (foreign_id)
		snprintf(id, sizeof(id), " (prog id %u)", foreign_id);
	/* veth says ERANGE for its peer's MTU; NIC drivers say EINVAL or
	 * EOPNOTSUPP for their own. */
	if (!foreign_id &&
	    (err == -ERANGE || (mtu > XDP_ONE_PAGE_MTU && !xdp_frags_supported() &&
				(err == -EINVAL || err == -EOPNOTSUPP)))) {
		if (!xdp_frags_supported())
			vx_err("cannot attach XDP to %s: an MTU above %d (%s's or, on a veth, its peer's) "
			       "needs multi-buffer XDP, which this kernel (%s) lacks: Linux 5.18 or later",
			       dev, XDP_ONE_PAGE_MTU, dev, kernel_release());
		else
			vx_err("cannot attach XDP to %s: its MTU (%d) or, on a veth, its peer's is larger "
			       "than its driver takes multi-buffer XDP for",
			       dev, mtu);
		return err;
	}
	if (foreign_id || err == -EBUSY || err == -EEXIST)
		vx_err("%s already has an XDP program that vxbpf did not attach%s; "
		       "remove it first (ip link set dev %s xdp off)",
		       dev, id, dev);
	else if (mode == XDP_MODE_NATIVE &&
		 (err == -EOPNOTSUPP || err == -EINVAL))
		vx_err("%s does not support native XDP; use mode generic", dev);
	else
		vx_err("cannot attach XDP to %s: %s", dev, vx_strerror(err));
	return err ? err : -EBUSY;
}

int xdp_attach(struct vx_maps *m, const char *dev, int ifindex,
	       enum vx_prog_id which, enum vx_xdp_mode mode)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char path[PATH_MAX];
	struct xdp_att a;
	int prog_fd, lfd = -1, err;

	prog_fd = prog_load_for_link(m, which);
	if (prog_fd < 0)
		return prog_fd;
	link_path(m, ifindex, path, sizeof(path));
	lfd = bpf_obj_get(path);
	if (lfd >= 0) {
		if (link_fill(lfd, &a) && a.ifindex == ifindex) {
			bool same = !strcmp(a.mode, mode == XDP_MODE_GENERIC ?
							    "generic" :
							    "native");
			if (same) {
				/* Swap the program; maps and link stay. */
				err = bpf_link_update(lfd, prog_fd, NULL);
				if (err)
					vx_err("cannot replace the XDP program on %s: %s",
					       dev, vx_strerror(err));
				goto out;
			}
			/* A link cannot change mode: detach, then attach. */
			bpf_link_detach(lfd);
		}
		/* Stale pin (device gone, ifindex reused) or mode change. */
		close(lfd);
		lfd = -1;
		unlink(path);
	}
	if (!bpf_xdp_query(ifindex, 0, &q) && q.prog_id) {
		err = attach_err(dev, 0, mode, q.prog_id);
		goto out;
	}
	opts.flags = mode == XDP_MODE_GENERIC ? XDP_FLAGS_SKB_MODE :
						XDP_FLAGS_DRV_MODE;
	lfd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
	if (lfd < 0) {
		err = attach_err(dev, lfd, mode, 0);
		lfd = -1;
		goto out;
	}
	err = bpf_obj_pin(lfd, path);
	if (err) {
		vx_err("cannot pin the XDP link at %s: %s", path,
		       vx_strerror(err));
		bpf_link_detach(lfd);
	}
out:
	if (lfd >= 0)
		close(lfd);
	close(prog_fd);
	return err;
}

int xdp_detach(struct vx_maps *m, const char *dev, int ifindex, bool quiet)
{
	char path[PATH_MAX];
	int lfd, err;

	link_path(m, ifindex, path, sizeof(path));
	lfd = bpf_obj_get(path);
	if (lfd < 0) {
		err = -errno;
		if (quiet && err == -ENOENT)
			return 0;
		if (err == -ENOENT)
			vx_err("%s has no XDP program attached by vxbpf", dev);
		else
			vx_err("cannot open %s: %s", path, vx_strerror(err));
		return err;
	}
	/* Detach even if someone else holds the link open. */
	err = bpf_link_detach(lfd);
	close(lfd);
	if (err && err != -ENOLINK && err != -EINVAL) {
		vx_err("cannot detach XDP from %s: %s", dev, vx_strerror(err));
		return err;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		err = -errno;
		vx_err("cannot remove %s: %s", path, vx_strerror(err));
		return err;
	}
	return 0;
}

int xdp_walk(struct vx_maps *m, int (*cb)(const struct xdp_att *a, void *ctx),
	     void *ctx)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct xdp_att a;
	int ifindex, ret = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/links", m->dir);
	d = opendir(path);
	if (!d)
		return 0;
	while (!ret && (de = readdir(d))) {
		if (sscanf(de->d_name, "xdp_%d", &ifindex) != 1)
			continue;
		if (xdp_attached(m, ifindex, &a) <= 0) {
			memset(&a, 0, sizeof(a));
			a.ifindex = ifindex;
			a.mode = "stale";
		}
		ret = cb(&a, ctx);
	}
	closedir(d);
	return ret;
}
