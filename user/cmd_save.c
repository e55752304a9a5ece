// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vxbpf save [FILE]: the user's configuration as `vxbpf load` lines, so
 * that a boot (or another host) gets it back with `vxbpf load FILE`:
 *   vni replace ...    every VNI not copied from a kernel device, with all
 *                      its options spelled out (the namespace's defaults
 *                      at `vni add` time included, so nothing shifts);
 *   attach DEV         the underlays, then the kernel vxlan devices;
 *   port add DEV ...   the ports;
 *   fdb replace/append, neigh replace
 *                      the user's entries: not mirrored, not learned, not
 *                      the ones `attach` of a vxlan device makes.
 * In that order: each line only needs what the lines before it made.
 * replace and append, not add: loading the file twice changes nothing.
 * Devices are saved by name; a device that is gone is skipped with a
 * warning (its entries cannot be loaded without it).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "attach.h"
#include "cmd.h"
#include "table.h"

struct save {
	FILE *f;
	struct vx_maps *m;
	int skipped;
};

static bool vni_mirrored(struct save *s, __u32 vni)
{
	struct vxbpf_vni_cfg c;

	return !bpf_map_lookup_elem(s->m->fd[M_VNI], &vni, &c) && (c.flags & VXBPF_VNI_MIRRORED);
}

static bool dev_name(struct save *s, __u32 ifindex, char *name)
{
	if (if_indextoname(ifindex, name))
		return true;
	vx_warn("save: ifindex %u is gone; what uses it is not saved", ifindex);
	s->skipped++;
	return false;
}

static int vni_cb(const void *key, const void *val, void *ctx)
{
	const struct vxbpf_vni_cfg *c = val;
	struct save *s = ctx;
	char a[VX_ADDRSTRLEN];
	bool v6 = c->flags & VXBPF_VNI_IPV6;

	if (c->flags & VXBPF_VNI_MIRRORED)
		return 0;
	fprintf(s->f, "vni replace %u local %s dstport %u srcport %u %u", *(const __u32 *)key,
		addr_fmt(&c->local, a), ntohs(c->be_dstport), c->srcport_min, c->srcport_max);
	if (c->flags & VXBPF_VNI_TTL_SET)
		fprintf(s->f, " ttl %u", c->ttl);
	else
		fputs(" ttl auto", s->f);
	fprintf(s->f, " tos %u ageing %u", c->tos, c->ageing);
	if (c->maxaddr)
		fprintf(s->f, " maxaddress %u", c->maxaddr);
	fprintf(s->f, "%s%s%s%s", c->flags & VXBPF_VNI_PROXY ? " proxy" : "",
		c->flags & VXBPF_VNI_LEARNING ? " learning" : "", c->flags & VXBPF_VNI_L2MISS ? " l2miss" : "",
		c->flags & VXBPF_VNI_L3MISS ? " l3miss" : "");
	if (!v6)
		fputs(c->flags & VXBPF_VNI_NOUDPCSUM ? " noudpcsum" : " udpcsum", s->f);
	fprintf(s->f, "%s%s\n", c->flags & VXBPF_VNI_UDP6ZEROCSUMTX ? " udp6zerocsumtx" : "",
		c->flags & VXBPF_VNI_UDP6ZEROCSUMRX ? " udp6zerocsumrx" : "");
	return 0;
}

static int port_cb(const void *key, const void *val, void *ctx)
{
	const struct vxbpf_port_val *p = val;
	struct save *s = ctx;
	char name[IF_NAMESIZE];
	struct xdp_att a;

	if (!dev_name(s, *(const __u32 *)key, name))
		return 0;
	fprintf(s->f, "port add %s vni %u", name, p->vni);
	if (xdp_attached(s->m, *(const __u32 *)key, &a) > 0 && !strcmp(a.mode, "generic"))
		fputs(" mode generic", s->f);
	fputc('\n', s->f);
	return 0;
}

/* The underlays: attached, and no port. */
static int underlay_cb(const struct xdp_att *a, void *ctx)
{
	struct vxbpf_port_val pv;
	struct save *s = ctx;
	__u32 key = a->ifindex;
	char name[IF_NAMESIZE];

	if (!bpf_map_lookup_elem(s->m->fd[M_PORTS], &key, &pv) || !dev_name(s, key, name))
		return 0;
	fprintf(s->f, "attach %s%s\n", name, !strcmp(a->mode, "generic") ? " mode generic" : "");
	return 0;
}

static int hostdev_cb(const void *key, const void *val, void *ctx)
{
	struct save *s = ctx;
	char name[IF_NAMESIZE];

	if (dev_name(s, *(const __u32 *)key, name))
		fprintf(s->f, "attach %s\n", name);
	return 0;
}

static void dst_words(FILE *f, const struct vxbpf_addr *dst, __be16 be_port)
{
	char a[VX_ADDRSTRLEN];

	fprintf(f, " dst %s", addr_fmt(dst, a));
	if (be_port)
		fprintf(f, " port %u", ntohs(be_port));
}

static int fdb_cb(const void *key, const void *val, void *ctx)
{
	const struct vxbpf_fdb_key *k = key;
	const struct vxbpf_fdb_val *v = val;
	struct save *s = ctx;
	char m[VX_MACSTRLEN], name[IF_NAMESIZE];

	if ((v->flags & (VXBPF_FDB_MIRRORED | VXBPF_FDB_LEARNED | VXBPF_FDB_HOST)) ||
	    vni_mirrored(s, k->vni))
		return 0;
	if (v->flags & VXBPF_FDB_LOCAL) {
		if (dev_name(s, v->ifindex, name))
			fprintf(s->f, "fdb replace %s vni %u dev %s\n", mac_fmt(k->mac, m), k->vni, name);
		return 0;
	}
	fprintf(s->f, "fdb replace %s vni %u", mac_fmt(k->mac, m), k->vni);
	dst_words(s->f, &v->dst, v->be_port);
	fprintf(s->f, "%s\n", v->flags & VXBPF_FDB_ROUTER ? " router" : "");
	return 0;
}

/* The flood map: the extra remotes of a MAC, and the flood lists. */
static int flood_cb(const void *key, const void *val, void *ctx)
{
	const struct vxbpf_flood_key *k = key;
	const struct vxbpf_flood_val *v = val;
	struct save *s = ctx;
	char m[VX_MACSTRLEN];

	if ((v->flags & VXBPF_FDB_MIRRORED) || vni_mirrored(s, k->vni))
		return 0;
	fprintf(s->f, "fdb append %s vni %u", mac_fmt(k->mac, m), k->vni);
	dst_words(s->f, &k->dst, v->be_port);
	fputc('\n', s->f);
	return 0;
}

static int neigh_cb(const void *key, const void *val, void *ctx)
{
	const struct vxbpf_neigh_key *k = key;
	const struct vxbpf_neigh_val *v = val;
	struct save *s = ctx;
	char a[VX_ADDRSTRLEN], m[VX_MACSTRLEN];

	if ((v->flags & VXBPF_NEIGH_MIRRORED) || vni_mirrored(s, k->vni))
		return 0;
	fprintf(s->f, "neigh replace %s lladdr %s vni %u%s\n", addr_fmt(&k->ip, a), mac_fmt(v->mac, m),
		k->vni, v->flags & VXBPF_NEIGH_ROUTER ? " router" : "");
	return 0;
}

static int save_all(struct save *s)
{
	struct vx_maps *m = s->m;
	int err;

	fputs("# vxbpf save: restore with `vxbpf load FILE`\n", s->f);
	err = map_walk(m->fd[M_VNI], sizeof(__u32), sizeof(struct vxbpf_vni_cfg), vni_cb, s);
	if (!err)
		err = xdp_walk(m, underlay_cb, s);
	if (!err)
		err = map_walk(m->fd[M_PORTS], sizeof(__u32), sizeof(struct vxbpf_port_val), port_cb, s);
	if (!err)
		err = map_walk(m->fd[M_HOSTDEVS], sizeof(__u32), sizeof(struct vxbpf_hostdev),
			       hostdev_cb, s);
	if (!err)
		err = map_walk(m->fd[M_FDB], sizeof(struct vxbpf_fdb_key), sizeof(struct vxbpf_fdb_val),
			       fdb_cb, s);
	if (!err)
		err = map_walk(m->fd[M_FLOOD], sizeof(struct vxbpf_flood_key),
			       sizeof(struct vxbpf_flood_val), flood_cb, s);
	if (!err)
		err = map_walk(m->fd[M_NEIGH], sizeof(struct vxbpf_neigh_key),
			       sizeof(struct vxbpf_neigh_val), neigh_cb, s);
	if (err)
		vx_err("cannot read the maps: %s", vx_strerror(err));
	return err;
}

int run_save(const struct vx_cmd *c)
{
	struct vx_maps m;
	struct save s = { .m = &m };
	char tmp[4096];
	int err;

	err = maps_open_existing(&m);
	if (err)
		return err;
	if (!c->file || !strcmp(c->file, "-")) {
		s.f = stdout;
		err = save_all(&s);
		fflush(stdout);
		goto out;
	}
	/* Written beside FILE and renamed over it: a save cut short never
	 * leaves half a configuration for the next boot. */
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", c->file, (int)getpid());
	s.f = fopen(tmp, "we");
	if (!s.f) {
		err = -errno;
		vx_err("cannot write %s: %s", tmp, vx_strerror(err));
		goto out;
	}
	err = save_all(&s);
	if (fclose(s.f) && !err) {
		err = -errno;
		vx_err("cannot write %s: %s", tmp, vx_strerror(err));
	}
	if (!err && rename(tmp, c->file)) {
		err = -errno;
		vx_err("cannot write %s: %s", c->file, vx_strerror(err));
	}
	if (err)
		unlink(tmp);
out:
	maps_close(&m);
	return err;
}
