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
#include "xdp_disp.h"

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

/* Whether a pinned object is a program (a dispatcher component's pin)
 * rather than a link: both answer BPF_OBJ_GET_INFO_BY_FD. */
static bool fd_is_prog(int fd)
{
	char p[64], t[64];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, t, sizeof(t) - 1);
	if (n < 0)
		return false;
	t[n] = 0;
	return !strcmp(t, "anon_inode:bpf-prog");
}

/* Fill a from a pinned component; 1 if the dispatcher on ifindex still
 * runs it, 0 if stale. */
static int comp_fill(int pfd, int ifindex, struct xdp_att *a)
{
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(pi);
	bool skb = false;

	memset(a, 0, sizeof(*a));
	a->mode = "?";
	if (bpf_obj_get_info_by_fd(pfd, &pi, &len) || pi.type != BPF_PROG_TYPE_EXT ||
	    disp_has(ifindex, pi.id, &skb) <= 0)
		return 0;
	a->ifindex = ifindex;
	a->prog_id = pi.id;
	snprintf(a->prog, sizeof(a->prog), "%s", pi.name);
	a->mode = skb ? "generic" : "native";
	a->dispatcher = true;
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
	ret = fd_is_prog(lfd) ? comp_fill(lfd, ifindex, a) : link_fill(lfd, a);
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

/* The name of program id, "?" if unknown. */
static const char *prog_id_name(__u32 id, char *buf, size_t len)
{
	struct bpf_prog_info pi = {};
	__u32 plen = sizeof(pi);
	int fd = bpf_prog_get_fd_by_id(id);

	snprintf(buf, len, "?");
	if (fd >= 0) {
		if (!bpf_obj_get_info_by_fd(fd, &pi, &plen) && pi.name[0])
			snprintf(buf, len, "%s", pi.name);
		close(fd);
	}
	return buf;
}

/*
 * Join the libxdp dispatcher on the device (foreign_id) at the pin path;
 * old_id: vxbpf's component to replace (upgrade), removed once the new one
 * runs, so no frame misses vxbpf in between.
 */
static int disp_join(struct vx_maps *m, const char *dev, int ifindex, enum vx_prog_id which,
		     enum vx_xdp_mode mode, __u32 foreign_id, __u32 old_id, const char *path)
{
	char name[BPF_OBJ_NAME_LEN];
	bool skb, frags;
	int fd, err;

	if (disp_probe(ifindex, &skb, &frags) <= 0) {
		vx_err("%s already has an XDP program that vxbpf did not attach (prog id %u, %s) "
		       "and that is not a libxdp dispatcher vxbpf could join; a libxdp tool (xdp-filter, "
		       "xdp-loader) loads its program alone where libxdp's dispatcher does not work, "
		       "as with libxdp 1.3.1 on kernel 6.18 (this kernel: %s); remove it first "
		       "(ip link set dev %s xdp off)",
		       dev, foreign_id, prog_id_name(foreign_id, name, sizeof(name)), kernel_release(),
		       dev);
		return -EBUSY;
	}
	if (skb != (mode == XDP_MODE_GENERIC)) {
		vx_err("the libxdp dispatcher on %s runs in %s mode; attach with mode %s", dev,
		       skb ? "generic (skb)" : "native", skb ? "generic" : "native");
		return -EINVAL;
	}
	fd = prog_load_disp(m, which, dev, ifindex, skb, frags);
	if (fd < 0)
		return fd;
	unlink(path);
	err = bpf_obj_pin(fd, path);
	if (err) {
		struct bpf_prog_info pi = {};
		__u32 len = sizeof(pi);

		vx_err("cannot pin the XDP program at %s: %s", path, vx_strerror(err));
		if (!bpf_obj_get_info_by_fd(fd, &pi, &len))
			disp_remove(ifindex, pi.id);
	}
	close(fd);
	if (!err && old_id && disp_remove(ifindex, old_id))
		vx_warn("could not remove vxbpf's previous program (prog id %u) from the "
			"libxdp dispatcher on %s",
			old_id, dev);
	return err;
}

int xdp_attach(struct vx_maps *m, const char *dev, int ifindex,
	       enum vx_prog_id which, enum vx_xdp_mode mode)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char path[PATH_MAX];
	struct xdp_att a;
	int prog_fd, lfd = -1, err;

	link_path(m, ifindex, path, sizeof(path));
	lfd = bpf_obj_get(path);
	if (lfd >= 0 && fd_is_prog(lfd)) {
		/* vxbpf in a libxdp dispatcher: upgrade in it while it lasts. */
		bool live = comp_fill(lfd, ifindex, &a);

		close(lfd);
		lfd = -1;
		if (live && !bpf_xdp_query(ifindex, 0, &q) && q.prog_id)
			return disp_join(m, dev, ifindex, which, mode, q.prog_id, a.prog_id,
					 path);
		unlink(path);
	}
	if (lfd >= 0)
		close(lfd);
	prog_fd = prog_load_for_link(m, which);
	if (prog_fd < 0)
		return prog_fd;
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
		err = disp_join(m, dev, ifindex, which, mode, q.prog_id, 0, path);
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
	if (fd_is_prog(lfd)) {
		struct xdp_att a;

		/* A dispatcher component: only it goes, the others stay. */
		err = comp_fill(lfd, ifindex, &a) ? disp_remove(ifindex, a.prog_id) : 0;
		close(lfd);
		if (err && err != -ENOENT) {
			vx_err("cannot remove vxbpf's program from the libxdp dispatcher on %s: %s",
			       dev, vx_strerror(err));
			return err;
		}
		goto unpin;
	}
	/* Detach even if someone else holds the link open. */
	err = bpf_link_detach(lfd);
	close(lfd);
	if (err && err != -ENOLINK && err != -EINVAL) {
		vx_err("cannot detach XDP from %s: %s", dev, vx_strerror(err));
		return err;
	}
unpin:
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
