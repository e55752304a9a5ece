// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Attaching the TC programs: tcx links, cls_bpf before tcx (see tc.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common.h"
#include "tc.h"

/* Not in every distribution's uapi headers yet (Linux 6.6). */
#define VX_BPF_TCX_INGRESS   46
#define VX_BPF_TCX_EGRESS    47
#define VX_BPF_LINK_TYPE_TCX 11

/* cls_bpf before tcx: one filter of ours per hook, found by these. */
#define VX_TC_HANDLE 0x7862 /* "xb" */
#define VX_TC_PRIO   0x7862

static void tc_link_path(struct vx_maps *m, int ifindex, bool egress, char *buf, size_t len)
{
	snprintf(buf, len, "%s/links/tc_%s_%d", m->dir, egress ? "out" : "in", ifindex);
}

/* 1: a live tcx link on ifindex, 0: none or stale (pin removed if tidy). */
static int tcx_get(struct vx_maps *m, int ifindex, bool egress, int *lfd_out, bool tidy)
{
	struct bpf_link_info li = {};
	__u32 len = sizeof(li);
	char path[PATH_MAX];
	int lfd;

	tc_link_path(m, ifindex, egress, path, sizeof(path));
	lfd = bpf_obj_get(path);
	if (lfd < 0)
		return 0;
	/* The tcx part of the info is newer than these headers: the
	 * ifindex is the first word after the common fields. */
	if (bpf_obj_get_info_by_fd(lfd, &li, &len) || li.type != VX_BPF_LINK_TYPE_TCX ||
	    *(__u32 *)&li.raw_tracepoint != (__u32)ifindex) {
		close(lfd);
		if (tidy)
			unlink(path);
		return 0;
	}
	if (lfd_out)
		*lfd_out = lfd;
	else
		close(lfd);
	return 1;
}

static void hook_init(struct bpf_tc_hook *h, int ifindex, bool egress)
{
	memset(h, 0, sizeof(*h));
	h->sz = sizeof(*h);
	h->ifindex = ifindex;
	h->attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS;
}

static int cls_attach(int prog_fd, const char *dev, int ifindex, bool egress)
{
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = VX_TC_HANDLE, .priority = VX_TC_PRIO,
		    .flags = BPF_TC_F_REPLACE, .prog_fd = prog_fd);
	struct bpf_tc_hook h;
	int err;

	hook_init(&h, ifindex, egress);
	err = bpf_tc_hook_create(&h);
	if (err && err != -EEXIST) {
		vx_err("cannot add a clsact qdisc to %s: %s", dev, vx_strerror(err));
		return err;
	}
	err = bpf_tc_attach(&h, &o);
	if (err)
		vx_err("cannot attach the TC program to %s: %s", dev, vx_strerror(err));
	return err;
}

static bool cls_present(int ifindex, bool egress)
{
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = VX_TC_HANDLE, .priority = VX_TC_PRIO);
	struct bpf_tc_hook h;

	hook_init(&h, ifindex, egress);
	return !bpf_tc_query(&h, &o);
}

int tc_attach(struct vx_maps *m, const char *dev, int ifindex, enum vx_prog_id which, bool egress)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	char path[PATH_MAX];
	int prog_fd, lfd, err;

	prog_fd = prog_load_for_link(m, which);
	if (prog_fd < 0)
		return prog_fd;
	if (tcx_get(m, ifindex, egress, &lfd, true)) {
		/* Swap the program; the link and its place stay. */
		err = bpf_link_update(lfd, prog_fd, NULL);
		if (err)
			vx_err("cannot replace the TC program on %s: %s", dev, vx_strerror(err));
		close(lfd);
		goto out;
	}
	lfd = bpf_link_create(prog_fd, ifindex, egress ? VX_BPF_TCX_EGRESS : VX_BPF_TCX_INGRESS,
			      &opts);
	if (lfd >= 0) {
		tc_link_path(m, ifindex, egress, path, sizeof(path));
		err = bpf_obj_pin(lfd, path);
		if (err) {
			vx_err("cannot pin the TC link at %s: %s", path, vx_strerror(err));
			bpf_link_detach(lfd);
		}
		close(lfd);
		goto out;
	}
	/* Before tcx (Linux 6.6) the kernel does not know the attach type. */
	if (lfd != -EINVAL) {
		err = lfd;
		vx_err("cannot attach the TC program to %s: %s", dev, vx_strerror(err));
		goto out;
	}
	err = cls_attach(prog_fd, dev, ifindex, egress);
out:
	close(prog_fd);
	return err;
}

int tc_detach(struct vx_maps *m, const char *dev, int ifindex, bool egress, bool quiet)
{
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = VX_TC_HANDLE, .priority = VX_TC_PRIO);
	struct bpf_tc_hook h;
	char path[PATH_MAX];
	int lfd, err;

	if (tcx_get(m, ifindex, egress, &lfd, true)) {
		err = bpf_link_detach(lfd);
		close(lfd);
		if (err && err != -ENOLINK && err != -EINVAL) {
			vx_err("cannot detach the TC program from %s: %s", dev, vx_strerror(err));
			return err;
		}
		tc_link_path(m, ifindex, egress, path, sizeof(path));
		unlink(path);
		return 0;
	}
	if (!cls_present(ifindex, egress)) {
		if (quiet)
			return 0;
		vx_err("%s has no TC program attached by vxbpf", dev);
		return -ENOENT;
	}
	hook_init(&h, ifindex, egress);
	err = bpf_tc_detach(&h, &o);
	if (err && err != -ENOENT) {
		vx_err("cannot detach the TC program from %s: %s", dev, vx_strerror(err));
		return err;
	}
	return 0;
}

const char *tc_attached(struct vx_maps *m, int ifindex, bool egress, bool tidy)
{
	if (tcx_get(m, ifindex, egress, NULL, tidy))
		return "tcx";
	return cls_present(ifindex, egress) ? "cls_bpf" : NULL;
}
