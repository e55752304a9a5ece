// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vxbpf explain DEV FILE.pcap: every frame of a capture through the
 * program vxbpf runs on DEV (xdp_vxlan_rx on an underlay, xdp_port_rx on a
 * port), against the live tables, changing nothing.
 *
 * A second instance of the program is loaded for it, with `explain` set
 * in its read-only data: the tables (vni, fdb, neigh, vtep, ports, ...)
 * are the pinned ones, but the program writes none of them (no learning,
 * no ageing), and the maps it would write as a side effect (counters,
 * events, dedup and rate-limit memory, the next-hop cache) are its own,
 * fresh and private. BPF_PROG_TEST_RUN sends nothing anywhere. What the
 * verdict was comes back as the return value, the reason as the one
 * counter of the private stats map that moved, the target of a redirect
 * in a global variable the explain instance records it in.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "attach.h"
#include "cmd.h"
#include "counters.h"
#include "decode.h"
#include "json.h"
#include "pcap.h"
#include "vxbpf.skel.h"

struct explain {
	struct vx_maps *m;
	struct vxbpf *skel;
	int prog_fd, stats_fd, ifindex, ncpu;
	bool port;
	__u32 port_vni; /* a port's VNI: every frame from it is of that VNI */
	struct vxbpf_counter *vals;
	__u64 before[VXBPF_R_MAX];
};

static const char *verdict_word(__u32 v)
{
	switch (v) {
	case XDP_ABORTED:
		return "aborted";
	case XDP_DROP:
		return "drop";
	case XDP_PASS:
		return "pass";
	case XDP_TX:
		return "reply";
	case XDP_REDIRECT:
		return "redirect";
	default:
		return "?";
	}
}

/* Summed private counters; the reason whose count moved, or -1. */
static int reason_of(struct explain *x)
{
	__u64 now;
	int r, which = -1;

	for (r = 0; r < VXBPF_R_MAX; r++) {
		__u32 k = r;

		now = 0;
		if (!bpf_map_lookup_elem(x->stats_fd, &k, x->vals))
			for (int c = 0; c < x->ncpu; c++)
				now += x->vals[c].packets;
		if (now != x->before[r])
			which = r;
		x->before[r] = now;
	}
	return which;
}

static bool vxlan_port(__u16 port, void *ctx)
{
	struct explain *x = ctx;
	__u32 k = port, users = 0;

	return !bpf_map_lookup_elem(x->m->fd[M_DSTPORTS], &k, &users) && users;
}

/*
 * Where a frame XDP passed goes next. On a port: tc_port_rx, which
 * finishes what XDP could not (flooding, a missing neighbour, ...), unless
 * a kernel vxlan device carries the VNI (VXBPF_VNI_KERNEL_BUM: mirrored or
 * attached); then, as for a port of no configured VNI, the kernel's bridge
 * and device. On an underlay: tc_host_rx takes what xdp_handover() marked
 * for it (a flood to the ports, a frame for the host's vxlan device or one
 * XDP cannot redirect) and a reassembled datagram; the kernel the rest.
 */
static const char *slow_path(const struct explain *x, int reason)
{
	struct vxbpf_vni_cfg vc;
	__u32 vni = x->port_vni;

	if (x->port) {
		/* As tc_port_rx decides (bpf/flood.h), on the live entry. */
		if (bpf_map_lookup_elem(x->m->fd[M_VNI], &vni, &vc) || (vc.flags & VXBPF_VNI_KERNEL_BUM))
			return "kernel";
		return "tc";
	}
	switch (reason) {
	case VXBPF_R_RX_DECAP:
	case VXBPF_R_RX_HOST:
	case VXBPF_R_RX_FLOOD:
	case VXBPF_R_RX_REASM:
		return "tc";
	default:
		return "kernel";
	}
}

static int one_frame(struct explain *x, unsigned n, const uint8_t *data, uint32_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, o);
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = x->ifindex };
	static uint8_t out[PCAP_FRAME_MAX + 512];
	struct frame_info in_fi, out_fi;
	char line[768], name[IF_NAMESIZE];
	__u32 target = 0;
	int reason, err;

	o.data_in = data;
	o.data_size_in = len;
	o.data_out = out;
	o.data_size_out = sizeof(out);
	o.ctx_in = &ctx;
	o.ctx_size_in = sizeof(ctx);
	o.repeat = 1;
	x->skel->bss->explain_ifindex = 0;
	err = bpf_prog_test_run_opts(x->prog_fd, &o);
	frame_decode(data, len, vxlan_port, x, &in_fi);
	out_open_obj(NULL);
	out_u64("frame", "frame %llu:", n);
	if (err) {
		/* The kernel takes no frame shorter than an Ethernet header. */
		out_str("verdict", " %s", "error");
		out_str("error", " (%s)", vx_strerror(-errno));
		out_close_obj();
		out_nl();
		return 0;
	}
	reason = reason_of(x);
	target = x->skel->bss->explain_ifindex;
	out_str("verdict", " %s", verdict_word(o.retval));
	out_str("reason", " %s", reason >= 0 ? vx_reasons[reason].name : "none");
	out_str("help", " (%s)", reason >= 0 ? vx_reasons[reason].help : "no reason counted");
	if (o.retval == XDP_REDIRECT && target) {
		if (!if_indextoname(target, name))
			snprintf(name, sizeof(name), "if%u", target);
		out_str("ifname", " to %s", name);
		out_u64("ifindex", NULL, target);
	}
	if (o.retval == XDP_PASS)
		out_str("slow_path", ", handed to %s", slow_path(x, reason));
	if (x->port)
		out_u64("vni", ", vni %llu", x->port_vni);
	else if (in_fi.vxlan)
		out_u64("vni", ", vni %llu", in_fi.vni);
	out_nl();
	frame_line(&in_fi, line, sizeof(line));
	out_str("in", "  in:  %s", line);
	out_nl();
	if ((o.retval == XDP_REDIRECT || o.retval == XDP_TX ||
	     (o.retval == XDP_PASS && (o.data_size_out != len || memcmp(out, data, len)))) &&
	    o.data_size_out) {
		frame_decode(out, o.data_size_out, vxlan_port, x, &out_fi);
		frame_line(&out_fi, line, sizeof(line));
		out_str("out", "  out: %s", line);
		out_nl();
	}
	out_close_obj();
	if (out_json())
		out_nl();
	return 0;
}

/* The whole file, mapped. */
static int file_map(const char *path, const uint8_t **buf, size_t *len)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	*len = st.st_size;
	p = *len ? mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0) : (void *)"";
	close(fd);
	if (p == MAP_FAILED)
		return -errno;
	*buf = p;
	return 0;
}

int run_explain(const struct vx_cmd *c)
{
	struct explain x = {};
	struct vxbpf_port_val pv;
	struct pcap_reader r;
	struct vx_maps m;
	const uint8_t *buf = NULL, *data;
	uint32_t len, orig;
	size_t flen = 0;
	__u32 key, ul;
	char err[160];
	int ret;

	ret = file_map(c->file, &buf, &flen);
	if (ret) {
		vx_err("cannot read %s: %s", c->file, vx_strerror(ret));
		return ret;
	}
	if (pcap_begin(&r, buf, flen, err, sizeof(err))) {
		vx_err("%s: %s", c->file, err);
		ret = -EINVAL;
		goto out_unmap;
	}
	x.ifindex = dev_index(c->dev);
	if (x.ifindex < 0) {
		ret = x.ifindex;
		goto out_unmap;
	}
	ret = maps_open(&m, false);
	if (ret == -ENOENT)
		vx_err("nothing configured in this network namespace (no maps in %s)", m.dir);
	if (ret)
		goto out_unmap;
	x.m = &m;
	key = x.ifindex;
	if (!bpf_map_lookup_elem(m.fd[M_PORTS], &key, &pv)) {
		x.port = true;
		x.port_vni = pv.vni;
	} else if (bpf_map_lookup_elem(m.fd[M_UNDERLAY], &key, &ul)) {
		vx_err("%s is neither a vxbpf port nor an attached underlay (vxbpf attach %s, or vxbpf port add %s vni VNI)",
		       c->dev, c->dev, c->dev);
		ret = -ENODEV;
		goto out_close;
	}
	x.skel = explain_open(&m, x.port ? P_PORT_RX : P_VXLAN_RX, &x.prog_fd);
	if (!x.skel) {
		ret = -EIO;
		goto out_close;
	}
	x.stats_fd = bpf_map__fd(x.skel->maps.vxbpf_stats);
	x.ncpu = libbpf_num_possible_cpus();
	x.vals = calloc(x.ncpu > 0 ? x.ncpu : 1, sizeof(*x.vals));
	if (!x.vals) {
		ret = -ENOMEM;
		goto out_skel;
	}
	reason_of(&x);
	out_open_array(NULL);
	while ((ret = pcap_next(&r, &data, &len, &orig, err, sizeof(err))) == 1)
		one_frame(&x, r.frame, data, len);
	out_close_array();
	if (ret < 0)
		vx_err("%s: %s", c->file, err);
	free(x.vals);
out_skel:
	vxbpf__destroy(x.skel);
out_close:
	maps_close(&m);
out_unmap:
	if (flen)
		munmap((void *)buf, flen);
	return ret;
}
