// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* vxbpf as a component of a libxdp dispatcher (xdp_disp.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "common.h"
#include "xdp_disp.h"

static int libxdp_quiet(enum libxdp_print_level level, const char *fmt,
			va_list ap)
{
	return vx_lib_print(fmt, ap);
}

static struct xdp_multiprog *disp_get(int ifindex)
{
	struct xdp_multiprog *mp;

	libxdp_set_print(libxdp_quiet);
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(mp))
		return NULL;
	if (mp && xdp_multiprog__is_legacy(mp)) {
		xdp_multiprog__close(mp);
		return NULL;
	}
	return mp;
}

int disp_probe(int ifindex, bool *skb, bool *frags)
{
	struct xdp_multiprog *mp = disp_get(ifindex);

	if (!mp)
		return 0;
	*skb = xdp_multiprog__attach_mode(mp) == XDP_MODE_SKB;
	*frags = xdp_multiprog__xdp_frags_support(mp);
	xdp_multiprog__close(mp);
	return 1;
}

int disp_add(struct bpf_object *obj, const char *name, int ifindex, bool skb)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, o, .obj = obj, .prog_name = name);
	struct xdp_program *xp;
	struct bpf_program *p;
	int err, fd;

	libxdp_set_print(libxdp_quiet);
	xp = xdp_program__create(&o);
	err = libxdp_get_error(xp);
	if (err)
		return err < 0 ? err : -err;
	err = xdp_program__set_run_prio(xp, VX_DISP_PRIO);
	if (!err)
		err = xdp_program__set_chain_call_enabled(xp, XDP_PASS, true);
	if (!err)
		err = xdp_program__attach(xp, ifindex, skb ? XDP_MODE_SKB : XDP_MODE_NATIVE, 0);
	if (!err) {
		p = bpf_object__find_program_by_name(obj, name);
		fd = p ? bpf_program__fd(p) : -1;
		err = fd < 0 ? -ENOENT : 0;
		if (!err) {
			fd = dup(fd);
			err = fd < 0 ? -errno : fd;
		}
	}
	xdp_program__close(xp);
	return err;
}

int disp_has(int ifindex, __u32 prog_id, bool *skb)
{
	struct xdp_multiprog *mp = disp_get(ifindex);
	struct xdp_program *p = NULL;
	int found = 0;

	if (!mp)
		return 0;
	while (!found && (p = xdp_multiprog__next_prog(p, mp)))
		found = xdp_program__id(p) == prog_id;
	if (skb)
		*skb = xdp_multiprog__attach_mode(mp) == XDP_MODE_SKB;
	xdp_multiprog__close(mp);
	return found;
}

int disp_remove(int ifindex, __u32 prog_id)
{
	struct xdp_program *xp;
	int err;

	libxdp_set_print(libxdp_quiet);
	xp = xdp_program__from_id(prog_id);
	err = libxdp_get_error(xp);
	if (err)
		return err < 0 ? err : -err;
	err = xdp_program__detach(xp, ifindex, XDP_MODE_UNSPEC, 0);
	xdp_program__close(xp);
	return err;
}
