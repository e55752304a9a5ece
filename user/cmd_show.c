// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fdb/neigh/vni/port show. Entries are read straight from the maps in
 * batches, sorted (hash order is meaningless to a reader) and printed
 * through one path per object type for text and JSON.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "tc.h"
#include "cmd.h"
#include "json.h"
#include "pins.h"
#include "table.h"

struct vec {
	void *v;
	size_t n, cap, sz;
	bool has_vni;
	__u32 vni;
	bool flood; /* rows from the flood map */
};

static void *vec_push(struct vec *v)
{
	void *nv;

	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 256;
		nv = realloc(v->v, v->cap * v->sz);
		if (!nv)
			return NULL;
		v->v = nv;
	}
	return (char *)v->v + v->n++ * v->sz;
}

/* ---- fdb --------------------------------------------------------------- */

struct fdb_row {
	__u32 vni;
	__u8 mac[6];
	bool extra; /* from the flood map */
	struct vxbpf_fdb_val val;
};

static int fdb_cb(const void *key, const void *val, void *ctx)
{
	struct vec *v = ctx;
	struct fdb_row *r;

	if (v->has_vni && *(const __u32 *)key != v->vni)
		return 0;
	r = vec_push(v);
	if (!r)
		return -ENOMEM;
	memset(r, 0, sizeof(*r));
	if (v->flood) {
		const struct vxbpf_flood_key *k = key;
		const struct vxbpf_flood_val *fv = val;

		r->vni = k->vni;
		memcpy(r->mac, k->mac, 6);
		r->extra = true;
		r->val.dst = k->dst;
		r->val.be_port = fv->be_port;
		r->val.flags = fv->flags;
		r->val.remote_vni = fv->remote_vni;
	} else {
		const struct vxbpf_fdb_key *k = key;

		r->vni = k->vni;
		memcpy(r->mac, k->mac, 6);
		r->val = *(const struct vxbpf_fdb_val *)val;
	}
	return 0;
}

static int fdb_row_cmp(const void *a, const void *b)
{
	const struct fdb_row *x = a, *y = b;
	int d;

	if (x->vni != y->vni)
		return x->vni < y->vni ? -1 : 1;
	d = memcmp(x->mac, y->mac, 6);
	if (d)
		return d;
	if (x->extra != y->extra)
		return x->extra ? 1 : -1;
	return addr_cmp(&x->val.dst, &y->val.dst);
}

static void fdb_print(const struct fdb_row *r)
{
	char m[VX_MACSTRLEN], a[VX_ADDRSTRLEN], dev[IF_NAMESIZE];
	const struct vxbpf_fdb_val *v = &r->val;

	out_open_obj(NULL);
	out_str("mac", "%s", mac_fmt(r->mac, m));
	out_u64("vni", " vni %llu", r->vni);
	if (v->flags & VXBPF_FDB_LOCAL) {
		if (!if_indextoname(v->ifindex, dev))
			snprintf(dev, sizeof(dev), "if%u", v->ifindex);
		out_str("ifname", " dev %s", dev);
		out_u64("ifindex", NULL, v->ifindex);
	} else {
		out_str("dst", " dst %s", addr_fmt(&v->dst, a));
		if (v->be_port)
			out_u64("port", " port %llu", ntohs(v->be_port));
		if (v->remote_vni)
			out_u64("remote_vni", " via vni %llu", v->remote_vni);
	}
	out_open_array("flags");
	if (v->flags & VXBPF_FDB_LOCAL)
		out_elem(" local", "local");
	if (v->flags & VXBPF_FDB_HOST)
		out_elem(" host", "host");
	if (v->flags & VXBPF_FDB_MULTI)
		out_elem(NULL, "multi");
	if (v->flags & VXBPF_FDB_ROUTER)
		out_elem(" router", "router");
	if (v->flags & VXBPF_FDB_MIRRORED)
		out_elem(" mirrored", "mirrored");
	out_close_array();
	out_str("state", " %s",
		(v->flags & VXBPF_FDB_LEARNED) ? "learned" : "permanent");
	out_close_obj();
	out_nl();
}

static int show_fdb(struct vx_maps *m, const struct vx_cmd *c)
{
	struct vec v = { .sz = sizeof(struct fdb_row), .has_vni = c->has_vni,
			 .vni = c->vni };
	size_t i;
	int err;

	err = map_walk(m->fd[M_FDB], sizeof(struct vxbpf_fdb_key),
		       sizeof(struct vxbpf_fdb_val), fdb_cb, &v);
	v.flood = true;
	if (!err)
		err = map_walk(m->fd[M_FLOOD], sizeof(struct vxbpf_flood_key),
			       sizeof(struct vxbpf_flood_val), fdb_cb, &v);
	if (err) {
		vx_err("cannot read the fdb maps: %s", vx_strerror(err));
		goto out;
	}
	if (v.n) /* v.v is NULL when empty */
		qsort(v.v, v.n, v.sz, fdb_row_cmp);
	out_open_array(NULL);
	for (i = 0; i < v.n; i++)
		fdb_print((struct fdb_row *)v.v + i);
	out_close_array();
out:
	free(v.v);
	return err;
}

/* ---- neigh ------------------------------------------------------------- */

struct neigh_row {
	struct vxbpf_neigh_key k;
	struct vxbpf_neigh_val v;
};

static int neigh_cb(const void *key, const void *val, void *ctx)
{
	struct vec *v = ctx;
	struct neigh_row *r;

	if (v->has_vni && *(const __u32 *)key != v->vni)
		return 0;
	r = vec_push(v);
	if (!r)
		return -ENOMEM;
	memcpy(&r->k, key, sizeof(r->k));
	memcpy(&r->v, val, sizeof(r->v));
	return 0;
}

static int neigh_row_cmp(const void *a, const void *b)
{
	const struct neigh_row *x = a, *y = b;

	if (x->k.vni != y->k.vni)
		return x->k.vni < y->k.vni ? -1 : 1;
	/* IPv4 (::ffff:0:0/96) sorts after IPv6 by bytes; fine for reading. */
	return addr_cmp(&x->k.ip, &y->k.ip);
}

static void neigh_print(const struct neigh_row *r)
{
	char m[VX_MACSTRLEN], a[VX_ADDRSTRLEN];

	out_open_obj(NULL);
	out_str("dst", "%s", addr_fmt(&r->k.ip, a));
	out_u64("vni", " vni %llu", r->k.vni);
	out_str("lladdr", " lladdr %s", mac_fmt(r->v.mac, m));
	out_open_array("flags");
	if (r->v.flags & VXBPF_NEIGH_ROUTER)
		out_elem(" router", "router");
	if (r->v.flags & VXBPF_NEIGH_MIRRORED)
		out_elem(" mirrored", "mirrored");
	out_close_array();
	out_open_array("state");
	out_elem(" PERMANENT", "PERMANENT");
	out_close_array();
	out_close_obj();
	out_nl();
}

static int show_neigh(struct vx_maps *m, const struct vx_cmd *c)
{
	struct vec v = { .sz = sizeof(struct neigh_row), .has_vni = c->has_vni,
			 .vni = c->vni };
	size_t i;
	int err;

	err = map_walk(m->fd[M_NEIGH], sizeof(struct vxbpf_neigh_key),
		       sizeof(struct vxbpf_neigh_val), neigh_cb, &v);
	if (err) {
		vx_err("cannot read the neigh map: %s", vx_strerror(err));
		goto out;
	}
	if (v.n) /* v.v is NULL when empty */
		qsort(v.v, v.n, v.sz, neigh_row_cmp);
	out_open_array(NULL);
	for (i = 0; i < v.n; i++)
		neigh_print((struct neigh_row *)v.v + i);
	out_close_array();
out:
	free(v.v);
	return err;
}

/* ---- vni --------------------------------------------------------------- */

struct vni_row {
	__u32 vni;
	struct vxbpf_vni_cfg cfg;
};

static int vni_cb(const void *key, const void *val, void *ctx)
{
	struct vec *v = ctx;
	struct vni_row *r;

	if (v->has_vni && *(const __u32 *)key != v->vni)
		return 0;
	r = vec_push(v);
	if (!r)
		return -ENOMEM;
	r->vni = *(const __u32 *)key;
	memcpy(&r->cfg, val, sizeof(r->cfg));
	return 0;
}

static int u32_row_cmp(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static void vni_print(__u32 vni, const struct vxbpf_vni_cfg *c)
{
	char a[VX_ADDRSTRLEN];
	bool v6 = c->flags & VXBPF_VNI_IPV6;

	out_open_obj(NULL);
	out_u64("vni", "vni %llu", vni);
	out_str("local", " local %s", addr_fmt(&c->local, a));
	out_u64("dstport", " dstport %llu", ntohs(c->be_dstport));
	out_open_obj("srcport");
	out_u64("min", " srcport %llu", c->srcport_min);
	out_u64("max", " %llu", c->srcport_max);
	out_close_obj();
	out_u64("ttl", " ttl %llu", c->ttl);
	out_bool("ttl_auto", " (auto)", !(c->flags & VXBPF_VNI_TTL_SET));
	out_u64("tos", " tos %llu", c->tos);
	out_u64("ageing", " ageing %llu", c->ageing);
	if (c->maxaddr || out_json())
		out_u64("maxaddress", " maxaddress %llu", c->maxaddr);
	out_bool("proxy", " proxy", c->flags & VXBPF_VNI_PROXY);
	out_bool("neigh_suppress", " neigh_suppress", c->flags & VXBPF_VNI_SUPPRESS);
	out_bool("learning", " learning", c->flags & VXBPF_VNI_LEARNING);
	out_bool("l2miss", " l2miss", c->flags & VXBPF_VNI_L2MISS);
	out_bool("l3miss", " l3miss", c->flags & VXBPF_VNI_L3MISS);
	if (!v6)
		out_text((c->flags & VXBPF_VNI_NOUDPCSUM) ? " noudpcsum" :
							    " udpcsum");
	out_bool("udpcsum", NULL, !(c->flags & VXBPF_VNI_NOUDPCSUM));
	out_bool("udp6zerocsumtx", " udp6zerocsumtx",
		 c->flags & VXBPF_VNI_UDP6ZEROCSUMTX);
	out_bool("udp6zerocsumrx", " udp6zerocsumrx",
		 c->flags & VXBPF_VNI_UDP6ZEROCSUMRX);
	out_u64("slot", " slot %llu", c->slot);
	out_close_obj();
	out_nl();
}

static int show_vni(struct vx_maps *m, const struct vx_cmd *c)
{
	struct vec v = { .sz = sizeof(struct vni_row), .has_vni = c->has_vni,
			 .vni = c->vni };
	size_t i;
	int err;

	err = map_walk(m->fd[M_VNI], sizeof(__u32),
		       sizeof(struct vxbpf_vni_cfg), vni_cb, &v);
	if (err) {
		vx_err("cannot read the vni map: %s", vx_strerror(err));
		goto out;
	}
	if (v.n) /* v.v is NULL when empty */
		qsort(v.v, v.n, v.sz, u32_row_cmp);
	out_open_array(NULL);
	for (i = 0; i < v.n; i++) {
		struct vni_row *r = (struct vni_row *)v.v + i;

		vni_print(r->vni, &r->cfg);
	}
	out_close_array();
out:
	free(v.v);
	return err;
}

/* ---- port -------------------------------------------------------------- */

struct port_row {
	__u32 ifindex;
	struct vxbpf_port_val v;
};

static int port_cb(const void *key, const void *val, void *ctx)
{
	struct vec *v = ctx;
	const struct vxbpf_port_val *pv = val;
	struct port_row *r;

	if (v->has_vni && pv->vni != v->vni)
		return 0;
	r = vec_push(v);
	if (!r)
		return -ENOMEM;
	r->ifindex = *(const __u32 *)key;
	r->v = *pv;
	return 0;
}

void port_print(struct vx_maps *m, __u32 ifindex, __u32 vni,
		const char *indent)
{
	char name[IF_NAMESIZE];
	struct xdp_att a;
	const char *tc;
	bool att;

	if (!if_indextoname(ifindex, name))
		snprintf(name, sizeof(name), "if%u", ifindex);
	att = xdp_attached(m, ifindex, &a) > 0;
	out_open_obj(NULL);
	out_text("%s", indent);
	out_str("ifname", "%s", name);
	out_u64("ifindex", " ifindex %llu", ifindex);
	out_u64("vni", " vni %llu", vni);
	out_bool("attached", NULL, att);
	if (att) {
		out_str("mode", " xdp %s", a.mode);
		if (a.dispatcher)
			out_bool("dispatcher", " via libxdp dispatcher", true);
	} else {
		out_text(" (not attached)");
	}
	/* The replication behind XDP. */
	tc = tc_attached(m, ifindex, false, false);
	out_str("tc", ", tc_port_rx %s", tc ? tc : "missing");
	out_close_obj();
	out_nl();
}

static int show_port(struct vx_maps *m, const struct vx_cmd *c)
{
	struct vec v = { .sz = sizeof(struct port_row), .has_vni = c->has_vni,
			 .vni = c->vni };
	size_t i;
	int err;

	err = map_walk(m->fd[M_PORTS], sizeof(__u32),
		       sizeof(struct vxbpf_port_val), port_cb, &v);
	if (err) {
		vx_err("cannot read the ports map: %s", vx_strerror(err));
		goto out;
	}
	if (v.n) /* v.v is NULL when empty */
		qsort(v.v, v.n, v.sz, u32_row_cmp);
	out_open_array(NULL);
	for (i = 0; i < v.n; i++) {
		struct port_row *r = (struct port_row *)v.v + i;

		port_print(m, r->ifindex, r->v.vni, "");
	}
	out_close_array();
out:
	free(v.v);
	return err;
}

int run_show(const struct vx_cmd *c)
{
	struct vx_maps m;
	int err;

	err = maps_open(&m, false);
	if (err == -ENOENT) {
		/* Nothing configured in this namespace yet: an empty list. */
		out_open_array(NULL);
		out_close_array();
		return 0;
	}
	if (err)
		return err;
	switch (c->obj) {
	case OBJ_FDB:
		err = show_fdb(&m, c);
		break;
	case OBJ_NEIGH:
		err = show_neigh(&m, c);
		break;
	case OBJ_VNI:
		err = show_vni(&m, c);
		break;
	default:
		err = show_port(&m, c);
	}
	maps_close(&m);
	return err;
}
