// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What each map-changing command means, following `bridge fdb` and
 * `ip neigh`:
 *  - fdb: the first remote of a MAC lives in the fdb map; each further
 *    distinct remote (append) in the flood map keyed (vni, mac, dst) with
 *    VXBPF_FDB_MULTI on the fdb value; the all-zero MAC lives only in the
 *    flood map (the VNI's flood list).
 *  - vtep: refs = number of fdb + flood entries naming (vni, dst); the
 *    receive allow-list. Every fdb change keeps it exact.
 *  - vni: a slot in vni_stats, the lowest free one, zeroed on add.
 * Everything is checked here, before any write: cfg_commit only writes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/file.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cfg.h"
#include "resolve.h"
#include "tc.h"

int cfg_init(struct vx_cfg *c, struct vx_maps *m)
{
#define FD(i) (m ? m->fd[i] : -1)
#define MAX(i, d) (m && m->max_entries[i] ? m->max_entries[i] : (d))
	memset(c, 0, sizeof(*c));
	c->maps = m;
	c->lock_fd = -1;
	if (m) {
		c->lock_fd = open(m->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (c->lock_fd >= 0 && flock(c->lock_fd, LOCK_EX) < 0) {
			close(c->lock_fd);
			c->lock_fd = -1;
		}
	}
	tbl_init(&c->vni, "vni", FD(M_VNI), sizeof(__u32),
		 sizeof(struct vxbpf_vni_cfg), MAX(M_VNI, VXBPF_MAX_VNIS));
	tbl_init(&c->fdb, "fdb", FD(M_FDB), sizeof(struct vxbpf_fdb_key),
		 sizeof(struct vxbpf_fdb_val), MAX(M_FDB, VXBPF_MAX_FDB));
	tbl_init(&c->flood, "flood", FD(M_FLOOD),
		 sizeof(struct vxbpf_flood_key), sizeof(struct vxbpf_flood_val),
		 MAX(M_FLOOD, VXBPF_MAX_FLOOD));
	tbl_init(&c->neigh, "neigh", FD(M_NEIGH),
		 sizeof(struct vxbpf_neigh_key), sizeof(struct vxbpf_neigh_val),
		 MAX(M_NEIGH, VXBPF_MAX_NEIGH));
	tbl_init(&c->vtep, "vtep", FD(M_VTEP), sizeof(struct vxbpf_vtep_key),
		 sizeof(struct vxbpf_vtep_val), MAX(M_VTEP, VXBPF_MAX_VTEPS));
	tbl_init(&c->ports, "ports", FD(M_PORTS), sizeof(__u32),
		 sizeof(struct vxbpf_port_val), MAX(M_PORTS, VXBPF_MAX_PORTS));
	tbl_init(&c->dstports, "dstports", FD(M_DSTPORTS), sizeof(__u32),
		 sizeof(__u32), MAX(M_DSTPORTS, 65536));
	tbl_init(&c->remotes, "remotes", FD(M_REMOTES), sizeof(struct vxbpf_fdb_key),
		 sizeof(struct vxbpf_remotes), MAX(M_REMOTES, VXBPF_MAX_FLOOD));
	tbl_init(&c->vni_ports, "vni_ports", FD(M_VNI_PORTS), sizeof(__u32),
		 sizeof(struct vxbpf_vni_ports), MAX(M_VNI_PORTS, VXBPF_MAX_VNIS));
#undef FD
#undef MAX
	return 0;
}

void cfg_free(struct vx_cfg *c)
{
	if (c->lock_fd >= 0)
		close(c->lock_fd); /* releases the flock */
	c->lock_fd = -1;
	tbl_free(&c->vni);
	tbl_free(&c->fdb);
	tbl_free(&c->flood);
	tbl_free(&c->neigh);
	tbl_free(&c->vtep);
	tbl_free(&c->ports);
	tbl_free(&c->dstports);
	tbl_free(&c->remotes);
	tbl_free(&c->vni_ports);
	free(c->new_slots);
	c->new_slots = NULL;
}

/* A failed map read: one line, and pass the error up. */
static int terr(struct tbl *t, int err)
{
	if (err < 0)
		vx_err("cannot read the %s map: %s", t->name, vx_strerror(err));
	return err;
}

#define CHK(t, expr)                                                           \
	do {                                                                   \
		int __e = (expr);                                              \
		if (__e < 0)                                                   \
			return terr(t, __e);                                   \
	} while (0)

/* ---- defaults of the namespace ----------------------------------------- */

static int read_ints(const char *path, unsigned *a, unsigned *b)
{
	FILE *f = fopen(path, "re");
	int n;

	if (!f)
		return 0;
	n = b ? fscanf(f, "%u %u", a, b) : fscanf(f, "%u", a);
	fclose(f);
	return n;
}

void cfg_default_srcport(__u16 *min, __u16 *max)
{
	unsigned lo, hi;

	/* The kernel's vxlan: udp_flow_src_port() with the local range. */
	if (read_ints("/proc/sys/net/ipv4/ip_local_port_range", &lo, &hi) ==
		    2 &&
	    lo < hi && hi <= 65535) {
		*min = lo;
		*max = hi;
	} else {
		*min = 32768;
		*max = 60999;
	}
}

__u8 cfg_default_ttl(bool ipv6)
{
	unsigned v;

	if (read_ints(ipv6 ? "/proc/sys/net/ipv6/conf/all/hop_limit" :
			     "/proc/sys/net/ipv4/ip_default_ttl",
		      &v, NULL) == 1 &&
	    v > 0 && v <= 255)
		return v;
	return 64;
}

/* ---- helpers ----------------------------------------------------------- */

static int vni_need(struct vx_cfg *c, __u32 vni, struct vxbpf_vni_cfg *v)
{
	int have = tbl_get(&c->vni, &vni, v);

	if (have < 0)
		return terr(&c->vni, have);
	if (!have) {
		vx_err("vni %u not found; vni add %u local IP first", vni, vni);
		return -ENOENT;
	}
	return 0;
}

static bool family_ok(const struct vxbpf_vni_cfg *v,
		      const struct vxbpf_addr *a)
{
	return !(v->flags & VXBPF_VNI_IPV6) == addr_is_v4(a);
}

static int vtep_ref(struct vx_cfg *c, __u32 vni, const struct vxbpf_addr *ip,
		    int delta)
{
	struct vxbpf_vtep_key k;
	struct vxbpf_vtep_val v = {};
	int have;

	memset(&k, 0, sizeof(k));
	k.vni = vni;
	k.ip = *ip;
	have = tbl_get(&c->vtep, &k, &v);
	if (have < 0)
		return terr(&c->vtep, have);
	if (delta > 0) {
		v.refs = have ? v.refs + 1 : 1;
		CHK(&c->vtep, tbl_put(&c->vtep, &k, &v));
		return 0;
	}
	if (!have)
		return 0; /* not counted (learned entry): nothing to drop */
	if (v.refs <= 1) {
		CHK(&c->vtep, tbl_del(&c->vtep, &k));
	} else {
		v.refs--;
		CHK(&c->vtep, tbl_put(&c->vtep, &k, &v));
	}
	return 0;
}

int cfg_vtep_ref(struct vx_cfg *c, __u32 vni, const struct vxbpf_addr *ip,
		 int delta)
{
	return vtep_ref(c, vni, ip, delta);
}

/* An fdb entry's primary remote counts in vtep, unless the fast path
 * learned it (learning VNIs accept every VTEP; it was never counted). */
static int fdb_unref(struct vx_cfg *c, __u32 vni, const struct vxbpf_fdb_val *v)
{
	if (v->flags & (VXBPF_FDB_LEARNED | VXBPF_FDB_LOCAL))
		return 0;
	return vtep_ref(c, vni, &v->dst, -1);
}

static void fdb_key(struct vxbpf_fdb_key *k, __u32 vni, const __u8 *mac)
{
	memset(k, 0, sizeof(*k));
	k->vni = vni;
	memcpy(k->mac, mac, 6);
}

static void flood_key(struct vxbpf_flood_key *k, __u32 vni, const __u8 *mac,
		      const struct vxbpf_addr *dst)
{
	memset(k, 0, sizeof(*k));
	k->vni = vni;
	memcpy(k->mac, mac, 6);
	k->dst = *dst;
}

/*
 * The flood-map remotes of (vni, mac): how many, and the one with the
 * lowest address (the one promoted when the primary goes away).
 */
static int flood_scan(struct vx_cfg *c, __u32 vni, const __u8 *mac,
		      struct tbl_ent **lowest)
{
	struct tbl *t = &c->flood;
	size_t i;
	int n = 0;

	CHK(t, tbl_load_all(t));
	if (lowest)
		*lowest = NULL;
	for (i = 0; i < t->n; i++) {
		struct tbl_ent *e = t->list[i];
		const struct vxbpf_flood_key *k = tbl_key(t, e);

		if (!e->cur_present || k->vni != vni || memcmp(k->mac, mac, 6))
			continue;
		n++;
		if (lowest &&
		    (!*lowest ||
		     addr_cmp(&k->dst,
			      &((const struct vxbpf_flood_key *)tbl_key(t, *lowest))
				       ->dst) < 0))
			*lowest = e;
	}
	return n;
}

/* Drop every flood remote of (vni, mac), with their vtep refs. */
static int flood_drop_mac(struct vx_cfg *c, __u32 vni, const __u8 *mac)
{
	struct tbl *t = &c->flood;
	size_t i;
	int err;

	CHK(t, tbl_load_all(t));
	for (i = 0; i < t->n; i++) {
		struct tbl_ent *e = t->list[i];
		const struct vxbpf_flood_key *k = tbl_key(t, e);

		if (!e->cur_present || k->vni != vni || memcmp(k->mac, mac, 6))
			continue;
		e->cur_present = 0;
		err = vtep_ref(c, vni, &k->dst, -1);
		if (err)
			return err;
	}
	return 0;
}

/* ---- fdb --------------------------------------------------------------- */

static int fdb_exists(const struct vx_cmd *cmd, bool with_dst)
{
	char m[VX_MACSTRLEN], a[VX_ADDRSTRLEN];

	if (with_dst)
		vx_err("fdb entry %s vni %u dst %s exists; use append or replace",
		       mac_fmt(cmd->mac, m), cmd->vni, addr_fmt(&cmd->ip, a));
	else
		vx_err("fdb entry %s vni %u exists; use replace",
		       mac_fmt(cmd->mac, m), cmd->vni);
	return -EEXIST;
}

static int fdb_missing(const struct vx_cmd *cmd)
{
	char m[VX_MACSTRLEN], a[VX_ADDRSTRLEN];

	if (cmd->has_ip)
		vx_err("fdb entry %s vni %u dst %s not found",
		       mac_fmt(cmd->mac, m), cmd->vni, addr_fmt(&cmd->ip, a));
	else
		vx_err("fdb entry %s vni %u not found", mac_fmt(cmd->mac, m),
		       cmd->vni);
	return -ENOENT;
}

/* add/append/replace of the all-zero MAC: the VNI's flood list. */
/* A remote into the flood map; a new one counts in the vtep allow-list. */
static int flood_put(struct vx_cfg *c, const struct vxbpf_flood_key *k, __u16 port, bool have)
{
	struct vxbpf_flood_val v = { .be_port = htons(port) };
	int err;

	if (!have) {
		err = vtep_ref(c, k->vni, &k->dst, +1);
		if (err)
			return err;
	}
	CHK(&c->flood, tbl_put(&c->flood, k, &v));
	return 0;
}

static int fdb_flood_set(struct vx_cfg *c, const struct vx_cmd *cmd)
{
	struct vxbpf_flood_key k;
	int have;

	flood_key(&k, cmd->vni, cmd->mac, &cmd->ip);
	have = tbl_get(&c->flood, &k, NULL);
	if (have < 0)
		return terr(&c->flood, have);
	if (have && cmd->verb == VERB_ADD)
		return fdb_exists(cmd, true);
	return flood_put(c, &k, cmd->port, have);
}

static int fdb_local_set(struct vx_cfg *c, const struct vx_cmd *cmd)
{
	struct vxbpf_fdb_key k;
	struct vxbpf_fdb_val v = {}, old;
	unsigned ifindex;
	int have, err;

	ifindex = if_nametoindex(cmd->dev);
	if (!ifindex) {
		vx_err("device \"%s\" not found", cmd->dev);
		return -ENODEV;
	}
	/* Decapsulated frames of this VNI go there: it must be one of the
	 * VNI's ports, or VNIs would leak into each other. */
	{
		struct vxbpf_port_val pv;
		__u32 pk = ifindex;

		have = tbl_get(&c->ports, &pk, &pv);
		if (have < 0)
			return terr(&c->ports, have);
		if (!have || pv.vni != cmd->vni) {
			vx_err("%s is not a port of vni %u (vxbpf port add %s vni %u)", cmd->dev,
			       cmd->vni, cmd->dev, cmd->vni);
			return -EINVAL;
		}
	}
	fdb_key(&k, cmd->vni, cmd->mac);
	have = tbl_get(&c->fdb, &k, &old);
	if (have < 0)
		return terr(&c->fdb, have);
	if (have && cmd->verb == VERB_ADD)
		return fdb_exists(cmd, false);
	if (have && !(old.flags & VXBPF_FDB_LOCAL)) {
		/* A local port replaces the remote and all its extras. */
		err = fdb_unref(c, cmd->vni, &old);
		if (!err && (old.flags & VXBPF_FDB_MULTI))
			err = flood_drop_mac(c, cmd->vni, cmd->mac);
		if (err)
			return err;
	}
	v.flags = VXBPF_FDB_LOCAL;
	v.ifindex = ifindex;
	CHK(&c->fdb, tbl_put(&c->fdb, &k, &v));
	return 0;
}

static int fdb_remote_set(struct vx_cfg *c, const struct vx_cmd *cmd)
{
	struct vxbpf_fdb_key k;
	struct vxbpf_fdb_val v = {}, old;
	struct vxbpf_flood_key fk;
	char m[VX_MACSTRLEN];
	int have, fhave, err;

	fdb_key(&k, cmd->vni, cmd->mac);
	have = tbl_get(&c->fdb, &k, &old);
	if (have < 0)
		return terr(&c->fdb, have);
	if (!have) {
		err = vtep_ref(c, cmd->vni, &cmd->ip, +1);
		if (err)
			return err;
		v.dst = cmd->ip;
		v.be_port = htons(cmd->port);
		v.flags = cmd->router ? VXBPF_FDB_ROUTER : 0;
		CHK(&c->fdb, tbl_put(&c->fdb, &k, &v));
		return 0;
	}
	if (cmd->verb == VERB_ADD)
		return fdb_exists(cmd, false);

	flood_key(&fk, cmd->vni, cmd->mac, &cmd->ip);
	if (cmd->verb == VERB_APPEND) {
		if (old.flags & VXBPF_FDB_LOCAL) {
			vx_err("fdb entry %s vni %u is local (dev); cannot append a remote",
			       mac_fmt(cmd->mac, m), cmd->vni);
			return -EINVAL;
		}
		if (cmd->router)
			old.flags |= VXBPF_FDB_ROUTER;
		if (!addr_cmp(&old.dst, &cmd->ip)) {
			/* The primary already: only the port may change. */
			old.be_port = htons(cmd->port);
			CHK(&c->fdb, tbl_put(&c->fdb, &k, &old));
			return 0;
		}
		fhave = tbl_get(&c->flood, &fk, NULL);
		if (fhave < 0)
			return terr(&c->flood, fhave);
		err = flood_put(c, &fk, cmd->port, fhave);
		if (err)
			return err;
		old.flags |= VXBPF_FDB_MULTI;
		CHK(&c->fdb, tbl_put(&c->fdb, &k, &old));
		return 0;
	}

	/* replace: a new primary remote; other remotes stay. */
	v = old;
	if (old.flags & VXBPF_FDB_LOCAL) {
		memset(&v, 0, sizeof(v));
		err = vtep_ref(c, cmd->vni, &cmd->ip, +1);
	} else if (addr_cmp(&old.dst, &cmd->ip) || (old.flags & VXBPF_FDB_LEARNED)) {
		/* A learned entry was never counted: now it is the user's. */
		err = fdb_unref(c, cmd->vni, &old);
		if (!err)
			err = vtep_ref(c, cmd->vni, &cmd->ip, +1);
	} else {
		err = 0;
	}
	if (err)
		return err;
	if (v.flags & VXBPF_FDB_MULTI) {
		/* The new primary may have been an extra remote: not twice. */
		fhave = tbl_get(&c->flood, &fk, NULL);
		if (fhave < 0)
			return terr(&c->flood, fhave);
		if (fhave) {
			CHK(&c->flood, tbl_del(&c->flood, &fk));
			err = vtep_ref(c, cmd->vni, &cmd->ip, -1);
			if (err)
				return err;
			err = flood_scan(c, cmd->vni, cmd->mac, NULL);
			if (err < 0)
				return err;
			if (!err)
				v.flags &= ~VXBPF_FDB_MULTI;
		}
	}
	v.dst = cmd->ip;
	v.be_port = htons(cmd->port);
	v.ifindex = 0;
	v.updated_ns = 0;
	v.flags &= ~(VXBPF_FDB_LOCAL | VXBPF_FDB_LEARNED | VXBPF_FDB_MIRRORED | VXBPF_FDB_ROUTER);
	if (cmd->router)
		v.flags |= VXBPF_FDB_ROUTER;
	CHK(&c->fdb, tbl_put(&c->fdb, &k, &v));
	return 0;
}

static int fdb_del(struct vx_cfg *c, const struct vx_cmd *cmd)
{
	struct vxbpf_fdb_key k;
	struct vxbpf_fdb_val v;
	struct vxbpf_flood_key fk;
	struct tbl_ent *low;
	int have, n, err;

	if (mac_is_zero(cmd->mac)) {
		if (!cmd->has_ip) {
			n = flood_scan(c, cmd->vni, cmd->mac, NULL);
			if (n < 0)
				return n;
			if (!n)
				return fdb_missing(cmd);
			return flood_drop_mac(c, cmd->vni, cmd->mac);
		}
		flood_key(&fk, cmd->vni, cmd->mac, &cmd->ip);
		have = tbl_get(&c->flood, &fk, NULL);
		if (have < 0)
			return terr(&c->flood, have);
		if (!have)
			return fdb_missing(cmd);
		CHK(&c->flood, tbl_del(&c->flood, &fk));
		return vtep_ref(c, cmd->vni, &cmd->ip, -1);
	}

	fdb_key(&k, cmd->vni, cmd->mac);
	have = tbl_get(&c->fdb, &k, &v);
	if (have < 0)
		return terr(&c->fdb, have);
	if (!have)
		return fdb_missing(cmd);
	if (!cmd->has_ip) {
		/* Without dst: the MAC with all its remotes. */
		CHK(&c->fdb, tbl_del(&c->fdb, &k));
		if (v.flags & VXBPF_FDB_LOCAL)
			return 0;
		err = fdb_unref(c, cmd->vni, &v);
		if (!err && (v.flags & VXBPF_FDB_MULTI))
			err = flood_drop_mac(c, cmd->vni, cmd->mac);
		return err;
	}
	if (!(v.flags & VXBPF_FDB_LOCAL) && !addr_cmp(&v.dst, &cmd->ip)) {
		/* The primary goes: promote an extra remote if there is one. */
		err = fdb_unref(c, cmd->vni, &v);
		if (err)
			return err;
		n = (v.flags & VXBPF_FDB_MULTI) ?
			    flood_scan(c, cmd->vni, cmd->mac, &low) :
			    0;
		if (n < 0)
			return n;
		if (!n) {
			CHK(&c->fdb, tbl_del(&c->fdb, &k));
			return 0;
		}
		{
			const struct vxbpf_flood_key *lk = tbl_key(&c->flood, low);
			const struct vxbpf_flood_val *lv = tbl_cur(&c->flood, low);

			/* The ref moves from the flood entry to the fdb entry. */
			v.dst = lk->dst;
			v.be_port = lv->be_port;
			v.remote_vni = lv->remote_vni;
			low->cur_present = 0;
		}
		if (n == 1)
			v.flags &= ~VXBPF_FDB_MULTI;
		CHK(&c->fdb, tbl_put(&c->fdb, &k, &v));
		return 0;
	}
	flood_key(&fk, cmd->vni, cmd->mac, &cmd->ip);
	have = tbl_get(&c->flood, &fk, NULL);
	if (have < 0)
		return terr(&c->flood, have);
	if (!have)
		return fdb_missing(cmd);
	CHK(&c->flood, tbl_del(&c->flood, &fk));
	err = vtep_ref(c, cmd->vni, &cmd->ip, -1);
	if (err)
		return err;
	n = flood_scan(c, cmd->vni, cmd->mac, NULL);
	if (n < 0)
		return n;
	if (!n) {
		v.flags &= ~VXBPF_FDB_MULTI;
		CHK(&c->fdb, tbl_put(&c->fdb, &k, &v));
	}
	return 0;
}

/* Drop every entry of t whose key starts with vni (all of them if !vni). */
static int drop_vni(struct tbl *t, bool all, __u32 vni)
{
	size_t i;

	CHK(t, tbl_load_all(t));
	for (i = 0; i < t->n; i++) {
		struct tbl_ent *e = t->list[i];

		if (all || *(const __u32 *)tbl_key(t, e) == vni)
			e->cur_present = 0;
	}
	return 0;
}

/* Every fdb and flood entry of the VNI, and so every vtep of it. */
static int fdb_flush(struct vx_cfg *c, bool all, __u32 vni)
{
	int err;

	err = drop_vni(&c->fdb, all, vni);
	if (!err)
		err = drop_vni(&c->flood, all, vni);
	if (!err)
		err = drop_vni(&c->vtep, all, vni);
	return err;
}

static int fdb_cmd(struct vx_cfg *c, const struct vx_cmd *cmd)
{
	struct vxbpf_vni_cfg vc;
	char a[VX_ADDRSTRLEN];
	int err;

	if (cmd->verb == VERB_FLUSH)
		return fdb_flush(c, !cmd->has_vni, cmd->vni);
	err = vni_need(c, cmd->vni, &vc);
	if (err)
		return err;
	if (cmd->has_ip && !family_ok(&vc, &cmd->ip)) {
		vx_err("mixed address families: dst %s is %s but vni %u's local is %s",
		       addr_fmt(&cmd->ip, a), addr_is_v4(&cmd->ip) ? "IPv4" : "IPv6",
		       cmd->vni,
		       (vc.flags & VXBPF_VNI_IPV6) ? "IPv6" : "IPv4");
		return -EINVAL;
	}
	if (cmd->verb == VERB_DEL)
		return fdb_del(c, cmd);
	if (cmd->has_dev)
		return fdb_local_set(c, cmd);
	if (mac_is_zero(cmd->mac))
		return fdb_flood_set(c, cmd);
	return fdb_remote_set(c, cmd);
}

/* ---- neigh ------------------------------------------------------------- */

static int neigh_cmd(struct vx_cfg *c, const struct vx_cmd *cmd)
{
	struct vxbpf_neigh_key k;
	struct vxbpf_neigh_val v = {};
	struct vxbpf_vni_cfg vc;
	char a[VX_ADDRSTRLEN];
	int have, err;

	if (cmd->verb == VERB_FLUSH)
		return drop_vni(&c->neigh, !cmd->has_vni, cmd->vni);
	err = vni_need(c, cmd->vni, &vc);
	if (err)
		return err;
	memset(&k, 0, sizeof(k));
	k.vni = cmd->vni;
	k.ip = cmd->ip;
	have = tbl_get(&c->neigh, &k, NULL);
	if (have < 0)
		return terr(&c->neigh, have);
	if (cmd->verb == VERB_DEL) {
		if (!have) {
			vx_err("neigh entry %s vni %u not found",
			       addr_fmt(&cmd->ip, a), cmd->vni);
			return -ENOENT;
		}
		CHK(&c->neigh, tbl_del(&c->neigh, &k));
		return 0;
	}
	if (have && cmd->verb == VERB_ADD) {
		vx_err("neigh entry %s vni %u exists; use replace",
		       addr_fmt(&cmd->ip, a), cmd->vni);
		return -EEXIST;
	}
	memcpy(v.mac, cmd->mac, 6);
	v.flags = cmd->router ? VXBPF_NEIGH_ROUTER : 0;
	CHK(&c->neigh, tbl_put(&c->neigh, &k, &v));
	return 0;
}

/* ---- vni --------------------------------------------------------------- */

/* dstports[port] counts the VNIs on a UDP port: the decap's first test. */
static int dstport_ref(struct vx_cfg *c, __u16 port, int delta)
{
	__u32 key = port, v = 0;
	int have;

	have = tbl_get(&c->dstports, &key, &v);
	if (have < 0)
		return terr(&c->dstports, have);
	if (!have)
		v = 0;
	if (delta < 0 && !v)
		return 0;
	v += delta;
	CHK(&c->dstports, tbl_put(&c->dstports, &key, &v));
	return 0;
}

static int slot_alloc(struct vx_cfg *c, __u32 *slot)
{
	static __u8 used[VXBPF_MAX_VNIS];
	struct tbl *t = &c->vni;
	size_t i;

	CHK(t, tbl_load_all(t));
	memset(used, 0, sizeof(used));
	for (i = 0; i < t->n; i++) {
		const struct vxbpf_vni_cfg *v = tbl_cur(t, t->list[i]);

		if (t->list[i]->cur_present && v->slot < VXBPF_MAX_VNIS)
			used[v->slot] = 1;
	}
	for (i = 0; i < VXBPF_MAX_VNIS; i++) {
		if (!used[i]) {
			*slot = i;
			return 0;
		}
	}
	vx_err("vni map is full (%u entries)", VXBPF_MAX_VNIS);
	return -E2BIG;
}

/*
 * The first fdb entry of vni whose flags under mask are want and, unless
 * ifindex is 0 (no device's), that points at ifindex: 1 (*found set, when
 * asked for), 0 if none, or a negative error.
 */
static int vni_fdb_with(struct vx_cfg *c, __u32 vni, __u16 mask, __u16 want, __u32 ifindex,
			struct tbl_ent **found)
{
	size_t i;

	CHK(&c->fdb, tbl_load_all(&c->fdb));
	for (i = 0; i < c->fdb.n; i++) {
		struct tbl_ent *e = c->fdb.list[i];
		const struct vxbpf_fdb_key *k = tbl_key(&c->fdb, e);
		const struct vxbpf_fdb_val *v = tbl_cur(&c->fdb, e);

		if (e->cur_present && k->vni == vni && (v->flags & mask) == want &&
		    (!ifindex || v->ifindex == ifindex)) {
			if (found)
				*found = e;
			return 1;
		}
	}
	return 0;
}

/* Does the VNI have remotes (of the other family, when it changes)? */
static int vni_has_remotes(struct vx_cfg *c, __u32 vni)
{
	size_t i;
	int err;

	err = vni_fdb_with(c, vni, VXBPF_FDB_LOCAL, 0, 0, NULL);
	if (err)
		return err;
	CHK(&c->flood, tbl_load_all(&c->flood));
	for (i = 0; i < c->flood.n; i++) {
		struct tbl_ent *e = c->flood.list[i];
		const struct vxbpf_flood_key *k = tbl_key(&c->flood, e);

		if (e->cur_present && k->vni == vni)
			return 1;
	}
	return 0;
}

static int vni_set(struct vx_cfg *c, const struct vx_cmd *cmd)
{
	struct vxbpf_vni_cfg v, old;
	bool ipv6 = cmd->family == AF_INET6;
	__u32 *ns;
	int have, err;

	have = tbl_get(&c->vni, &cmd->vni, &old);
	if (have < 0)
		return terr(&c->vni, have);
	if (have && cmd->verb == VERB_ADD) {
		vx_err("vni %u exists; use vni replace", cmd->vni);
		return -EEXIST;
	}
	memset(&v, 0, sizeof(v));
	v.local = cmd->ip;
	v.be_dstport = htons(cmd->port ? cmd->port : VXBPF_DEFAULT_PORT);
	if (cmd->has_srcport) {
		v.srcport_min = cmd->srcport_min;
		v.srcport_max = cmd->srcport_max;
	} else {
		cfg_default_srcport(&v.srcport_min, &v.srcport_max);
	}
	v.ttl = cmd->has_ttl ? cmd->ttl : cfg_default_ttl(ipv6);
	v.tos = cmd->tos;
	v.ageing = cmd->ageing ? cmd->ageing : VXBPF_DEFAULT_AGEING;
	v.maxaddr = cmd->maxaddr;
	v.flags = cmd->vni_flags | (ipv6 ? VXBPF_VNI_IPV6 : 0) |
		  (cmd->has_ttl ? VXBPF_VNI_TTL_SET : 0);
	if (have && old.be_dstport != v.be_dstport) {
		err = dstport_ref(c, ntohs(old.be_dstport), -1);
		if (!err)
			err = dstport_ref(c, ntohs(v.be_dstport), +1);
		if (err)
			return err;
	} else if (!have) {
		err = dstport_ref(c, ntohs(v.be_dstport), +1);
		if (err)
			return err;
	}
	if (have) {
		v.slot = old.slot;
		/* Not the user's to set: `attach` of a vxlan device says it. */
		v.flags |= old.flags & VXBPF_VNI_HOSTDEV;
		if ((old.flags ^ v.flags) & VXBPF_VNI_IPV6) {
			err = vni_has_remotes(c, cmd->vni);
			if (err < 0)
				return err;
			if (err) {
				vx_err("mixed address families: vni %u has %s remotes; fdb flush vni %u first",
				       cmd->vni, ipv6 ? "IPv4" : "IPv6",
				       cmd->vni);
				return -EINVAL;
			}
		}
	} else {
		err = slot_alloc(c, &v.slot);
		if (err)
			return err;
		if (c->n_new_slots == c->cap_new_slots) {
			size_t nc = c->cap_new_slots ? c->cap_new_slots * 2 : 16;

			ns = realloc(c->new_slots, nc * sizeof(*ns));
			if (!ns)
				return -ENOMEM;
			c->new_slots = ns;
			c->cap_new_slots = nc;
		}
		c->new_slots[c->n_new_slots++] = v.slot;
	}
	CHK(&c->vni, tbl_put(&c->vni, &cmd->vni, &v));
	return 0;
}

/* ---- kernel vxlan devices attached to a VNI (hostdevs) ------------------ */

#define HOST_FDB (VXBPF_FDB_LOCAL | VXBPF_FDB_HOST)

int cfg_vni_hostdevs(struct vx_cfg *c, __u32 vni, cfg_hostdev_fn fn, void *ctx)
{
	struct vxbpf_hostdev hd;
	__u32 key, next, *prev = NULL;
	int ret;

	if (!c->maps || c->maps->fd[M_HOSTDEVS] < 0)
		return 0;
	while (!bpf_map_get_next_key(c->maps->fd[M_HOSTDEVS], prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(c->maps->fd[M_HOSTDEVS], &key, &hd) || hd.vni != vni)
			continue;
		ret = fn(key, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

struct hostdev_other {
	struct vx_cfg *c;
	__u32 except, found;
};

static int hostdev_other_cb(__u32 ifindex, void *ctx)
{
	struct hostdev_other *o = ctx;
	size_t i;

	if (ifindex == o->except)
		return 0;
	/* Gone in this batch: its entry stays only until the commit. */
	for (i = 0; i < o->c->n_hostdevs_gone; i++)
		if (o->c->hostdevs_gone[i] == ifindex)
			return 0;
	o->found = ifindex;
	return 1;
}

/*
 * A vxlan device of vni that stays attached, other than except (0: none
 * excepted): 1 (*ifindex set) or 0.
 */
static int vni_hostdev_other(struct vx_cfg *c, __u32 vni, __u32 except, __u32 *ifindex)
{
	struct hostdev_other o = { .c = c, .except = except };

	if (!cfg_vni_hostdevs(c, vni, hostdev_other_cb, &o))
		return 0;
	*ifindex = o.found;
	return 1;
}

/*
 * A kernel vxlan device attached to vni (`attach VXLANDEV`): the host's
 * fdb entry of its MAC (LOCAL|HOST) and, with the maps, its hostdevs
 * entry. 1 (ifindex set) or 0.
 */
static int vni_hostdev(struct vx_cfg *c, __u32 vni, __u32 *ifindex)
{
	struct tbl_ent *e;
	int err;

	err = vni_fdb_with(c, vni, HOST_FDB, HOST_FDB, 0, &e);
	if (err < 0)
		return err;
	if (err) {
		*ifindex = ((const struct vxbpf_fdb_val *)tbl_cur(&c->fdb, e))->ifindex;
		return 1;
	}
	return vni_hostdev_other(c, vni, 0, ifindex);
}

int cfg_vni_hostdev_clear(struct vx_cfg *c, __u32 vni)
{
	struct vxbpf_vni_cfg vc;

	if (tbl_get(&c->vni, &vni, &vc) <= 0 || !(vc.flags & VXBPF_VNI_HOSTDEV))
		return 0;
	vc.flags &= ~VXBPF_VNI_HOSTDEV;
	return tbl_put(&c->vni, &vni, &vc);
}

int cfg_hostdev_drop(struct vx_cfg *c, const char *dev, __u32 ifindex, __u32 vni)
{
	char name[IF_NAMESIZE];
	struct tbl_ent *e;
	__u32 other;
	int err;

	snprintf(name, sizeof(name), "%u", ifindex);
	/* Program first: it must not outlive its map entry. Of a device that
	 * went only the pin is left, and nothing for it to hold up. */
	err = tc_detach(c->maps, dev ? dev : name, ifindex, true, true);
	if (err && dev)
		return err;
	/* Every such entry: the device's MAC may have changed between two
	 * attachments, each leaving its own. */
	while ((err = vni_fdb_with(c, vni, HOST_FDB, HOST_FDB, ifindex, &e)) > 0) {
		err = tbl_del(&c->fdb, tbl_key(&c->fdb, e));
		if (err)
			return err;
	}
	if (err)
		return err;
	if (vni_hostdev_other(c, vni, ifindex, &other))
		return 0;
	return cfg_vni_hostdev_clear(c, vni);
}

static int vni_del(struct vx_cfg *c, const struct vx_cmd *cmd)
{
	struct vxbpf_vni_cfg vc;
	char name[IF_NAMESIZE];
	__u32 hd_ifindex;
	size_t i;
	int err;

	err = vni_need(c, cmd->vni, &vc);
	if (err)
		return err;
	CHK(&c->ports, tbl_load_all(&c->ports));
	for (i = 0; i < c->ports.n; i++) {
		struct tbl_ent *e = c->ports.list[i];
		const __u32 *ifindex = tbl_key(&c->ports, e);
		const struct vxbpf_port_val *pv = tbl_cur(&c->ports, e);

		if (!e->cur_present || pv->vni != cmd->vni)
			continue;
		if (!if_indextoname(*ifindex, name))
			snprintf(name, sizeof(name), "ifindex %u", *ifindex);
		vx_err("port %s still in vni %u; port del %s first", name,
		       cmd->vni, name);
		return -EBUSY;
	}
	/* Its hostdevs entry and tc_host_tx would outlive the VNI. */
	err = vni_hostdev(c, cmd->vni, &hd_ifindex);
	if (err < 0)
		return err;
	if (err) {
		if (if_indextoname(hd_ifindex, name))
			vx_err("vxlan device %s is attached to vni %u; vxbpf detach %s first", name,
			       cmd->vni, name);
		else
			vx_err("vxlan device ifindex %u (gone) is attached to vni %u; vxbpf detach %u first",
			       hd_ifindex, cmd->vni, hd_ifindex);
		return -EBUSY;
	}
	err = fdb_flush(c, false, cmd->vni);
	if (!err)
		err = drop_vni(&c->neigh, false, cmd->vni);
	if (!err)
		err = dstport_ref(c, ntohs(vc.be_dstport), -1);
	if (err)
		return err;
	CHK(&c->vni, tbl_del(&c->vni, &cmd->vni));
	return 0;
}

int cfg_apply(struct vx_cfg *c, const struct vx_cmd *cmd)
{
	int err;

	switch (cmd->obj) {
	case OBJ_FDB:
		err = fdb_cmd(c, cmd);
		break;
	case OBJ_NEIGH:
		err = neigh_cmd(c, cmd);
		break;
	case OBJ_VNI:
		err = cmd->verb == VERB_DEL ? vni_del(c, cmd) : vni_set(c, cmd);
		break;
	default:
		vx_err("%s %s does not change maps", obj_name(cmd->obj),
		       verb_name(cmd->verb));
		err = -EINVAL;
	}
	if (!err)
		c->changes++;
	return err;
}

/* ---- recount ----------------------------------------------------------- */

static int count_vtep(struct tbl *want, __u32 vni, const struct vxbpf_addr *ip)
{
	struct vxbpf_vtep_key k;
	__u32 n = 0;
	int have;

	memset(&k, 0, sizeof(k));
	k.vni = vni;
	k.ip = *ip;
	have = tbl_get(want, &k, &n);
	if (have < 0)
		return have;
	n = have ? n + 1 : 1;
	return tbl_put(want, &k, &n);
}

/* Set t's counter at key to n (0: no entry); 1 if it changed. */
static int count_fix(struct tbl *t, const void *key, __u32 n, bool vtep)
{
	struct vxbpf_vtep_val vv = { .refs = n };
	__u32 cur = 0, v = n;
	int have;

	have = tbl_get(t, key, vtep ? (void *)&vv : (void *)&cur);
	if (have < 0)
		return have;
	if (vtep)
		cur = have ? vv.refs : 0;
	else if (!have)
		cur = 0;
	if (cur == n)
		return 0;
	if (!n && vtep)
		return tbl_del(t, key) ?: 1;
	vv.refs = n;
	return tbl_put(t, key, vtep ? (void *)&vv : (void *)&v) ?: 1;
}

int cfg_recount(struct vx_cfg *c)
{
	struct tbl want;
	size_t i;
	int err, fixed = 0, r;

	if ((err = tbl_load_all(&c->fdb)) || (err = tbl_load_all(&c->flood)) ||
	    (err = tbl_load_all(&c->vtep)) || (err = tbl_load_all(&c->vni)) ||
	    (err = tbl_load_all(&c->dstports)))
		return err;
	tbl_init(&want, "want", -1, sizeof(struct vxbpf_vtep_key), sizeof(__u32), 0xffffffffU);
	for (i = 0; !err && i < c->fdb.n; i++) {
		struct tbl_ent *e = c->fdb.list[i];
		const struct vxbpf_fdb_val *v = tbl_cur(&c->fdb, e);

		/* Learned entries are never counted: a learning VNI takes
		 * every VTEP. */
		if (e->cur_present && !(v->flags & (VXBPF_FDB_LOCAL | VXBPF_FDB_LEARNED)))
			err = count_vtep(&want, *(const __u32 *)tbl_key(&c->fdb, e), &v->dst);
	}
	for (i = 0; !err && i < c->flood.n; i++) {
		struct tbl_ent *e = c->flood.list[i];
		const struct vxbpf_flood_key *k = tbl_key(&c->flood, e);

		if (e->cur_present)
			err = count_vtep(&want, k->vni, &k->dst);
	}
	for (i = 0; !err && i < want.n; i++) {
		r = count_fix(&c->vtep, tbl_key(&want, want.list[i]),
			      *(__u32 *)tbl_cur(&want, want.list[i]), true);
		err = r < 0 ? r : 0;
		fixed += r > 0;
	}
	for (i = 0; !err && i < c->vtep.n; i++) {
		struct tbl_ent *e = c->vtep.list[i];
		int have;

		if (!e->cur_present)
			continue;
		have = tbl_get(&want, tbl_key(&c->vtep, e), NULL);
		if (have < 0) {
			err = have;
		} else if (!have) {
			err = tbl_del(&c->vtep, tbl_key(&c->vtep, e));
			fixed++;
		}
	}
	tbl_free(&want);
	if (err)
		return err;

	/* dstports: an array, every port present; the VNIs on each. */
	{
		static __u32 users[65536];
		__u32 port;

		memset(users, 0, sizeof(users));
		for (i = 0; i < c->vni.n; i++) {
			const struct vxbpf_vni_cfg *v = tbl_cur(&c->vni, c->vni.list[i]);

			if (c->vni.list[i]->cur_present)
				users[ntohs(v->be_dstport)]++;
		}
		for (i = 0; !err && i < c->dstports.n; i++) {
			port = *(const __u32 *)tbl_key(&c->dstports, c->dstports.list[i]);
			if (port < 65536) {
				r = count_fix(&c->dstports, &port, users[port], false);
				err = r < 0 ? r : 0;
				fixed += r > 0;
			}
		}
	}
	return err ? err : fixed;
}

/* ---- commit ------------------------------------------------------------ */

/*
 * Ask the kernel to resolve the next hop of every VTEP that just became
 * known (bpf_fib_lookup can read a neighbour but not start a resolution).
 * Best effort and bounded: beyond the cap the kernel resolves on the first
 * slow-path packet, as it would without vxbpf.
 */
#define RESOLVE_MAX 4096

static void resolve_new_vteps(struct vx_cfg *c)
{
	struct tbl *t = &c->vtep;
	size_t i, n = 0;

	if (!c->maps)
		return;
	for (i = 0; i < t->n && n < RESOLVE_MAX; i++) {
		struct tbl_ent *e = t->list[i];
		const struct vxbpf_vtep_key *k = tbl_key(t, e);

		struct vxbpf_vni_cfg vc;

		if (e->orig_present || !e->cur_present)
			continue;
		underlay_resolve(&k->ip, tbl_get(&c->vni, &k->vni, &vc) > 0 ? &vc.local : NULL);
		n++;
	}
}

/* A new VNI starts from zero counters, whatever its slot counted before. */
static int zero_slots(struct vx_cfg *c)
{
	int ncpu = libbpf_num_possible_cpus();
	__s64 *cnt;
	void *zero;
	size_t i;
	int err = 0;

	if (!c->maps || !c->n_new_slots)
		return 0;
	if (ncpu < 1)
		return ncpu;
	/* Big enough for either per-CPU value. */
	_Static_assert(sizeof(struct vxbpf_ev_budget) <= sizeof(struct vxbpf_vni_flood),
		       "the zero value must be big enough");
	zero = calloc(ncpu, (sizeof(struct vxbpf_vni_flood) + 7) & ~7UL);
	if (!zero)
		return -ENOMEM;
	for (i = 0; i < c->n_new_slots && !err; i++) {
		err = bpf_map_update_elem(c->maps->fd[M_VNI_STATS],
					  &c->new_slots[i], zero, BPF_ANY);
		if (!err)
			err = bpf_map_update_elem(c->maps->fd[M_VNI_FLOOD], &c->new_slots[i], zero,
						  BPF_ANY);
		if (!err)
			err = bpf_map_update_elem(c->maps->fd[M_EV_BUDGET], &c->new_slots[i], zero,
						  BPF_ANY);
	}
	free(zero);
	if (err) {
		vx_err("cannot reset the vni_stats map: %s", vx_strerror(err));
		return err;
	}
	/* Nothing of this VNI is learned yet; what the slot's last VNI
	 * left was counted out of the total when it was deleted. */
	cnt = maps_learned(c->maps);
	if (!cnt)
		return -EIO;
	for (i = 0; i < c->n_new_slots; i++)
		if (c->new_slots[i] < VXBPF_LEARN_ALL)
			__atomic_store_n(&cnt[c->new_slots[i]], 0, __ATOMIC_RELAXED);
	return 0;
}

/* ---- learned counts (include/vxbpf.h) --------------------------------- */

static int learned_in(struct tbl *t, struct tbl_ent *e, bool orig)
{
	const struct vxbpf_fdb_val *v = orig ? tbl_orig(t, e) : tbl_cur(t, e);

	if (!(orig ? e->orig_present : e->cur_present))
		return 0;
	return !!(v->flags & VXBPF_FDB_LEARNED);
}

/*
 * What a commit did to learned entries, into the counts the fast path
 * bounds learning by: a user's delete or replace of a learned entry, the
 * kernel's learned entries mirror writes. A delete that found nothing
 * (the fast path aged the entry out) was counted out by the fast path.
 */
static void learned_account(struct vx_cfg *c)
{
	struct tbl *t = &c->fdb;
	struct vxbpf_vni_cfg vc;
	__s64 *cnt, all = 0;
	size_t i;
	int d;

	if (!c->maps)
		return;
	for (i = 0; i < t->n; i++) {
		struct tbl_ent *e = t->list[i];

		if (!e->written || e->gone || e->counted)
			continue;
		d = learned_in(t, e, false) - learned_in(t, e, true);
		e->counted = 1;
		if (!d || !(cnt = maps_learned(c->maps)))
			continue;
		if (tbl_get(&c->vni, tbl_key(t, e), &vc) > 0 && vc.slot < VXBPF_LEARN_ALL)
			__atomic_fetch_add(&cnt[vc.slot], d, __ATOMIC_RELAXED);
		all += d;
	}
	if (all && (cnt = maps_learned(c->maps)))
		__atomic_fetch_add(&cnt[VXBPF_LEARN_ALL], all, __ATOMIC_RELAXED);
}

int cfg_drop_port(struct vx_cfg *c, __u32 ifindex)
{
	struct tbl *t = &c->fdb;
	size_t i;
	int err;

	err = tbl_load_all(t);
	if (err)
		return terr(t, err);
	for (i = 0; i < t->n; i++) {
		struct tbl_ent *e = t->list[i];
		const struct vxbpf_fdb_val *v;

		if (!e->cur_present)
			continue;
		v = tbl_cur(t, e);
		if ((v->flags & VXBPF_FDB_LOCAL) && v->ifindex == ifindex)
			CHK(t, tbl_del(t, tbl_key(t, e)));
	}
	CHK(&c->ports, tbl_del(&c->ports, &ifindex));
	return 0;
}

static bool map_empty(struct vx_cfg *c, enum vx_map_id id)
{
	__u8 key[64];

	return bpf_map_get_next_key(c->maps->fd[id], NULL, key) == -ENOENT;
}

/*
 * The derived maps are missing what their sources hold (maps pinned by a
 * vxbpf that had none): compute them in full. Every flood entry is in a
 * list, every port in one, unless a kernel device replicates for its VNI.
 */
static bool derived_missing(struct vx_cfg *c)
{
	if (!c->maps)
		return false;
	return (map_empty(c, M_REMOTES) && !map_empty(c, M_FLOOD)) ||
	       (map_empty(c, M_VNI_PORTS) && !map_empty(c, M_PORTS));
}

/*
 * Crash consistency: a writer notes its pid in the meta map before its
 * first map write and clears it after its last (or after a complete
 * rollback). Writers hold the pin directory's lock, so a pid found there
 * by the next writer is one killed half way (kill -9, the OOM killer): the
 * next commit recomputes the counts and the derived lists it may have
 * left wrong, before its own writes. Returns the pid found, or 0.
 */
static __u32 writer_mark(struct vx_cfg *c, __u32 pid)
{
	struct vxbpf_meta meta;
	__u32 key = 0, was;

	if (!c->maps || bpf_map_lookup_elem(c->maps->fd[M_META], &key, &meta))
		return 0;
	was = meta.writer;
	meta.writer = pid;
	bpf_map_update_elem(c->maps->fd[M_META], &key, &meta, BPF_ANY);
	return was;
}

/*
 * After a writer's last map write, rollback included, whether or not it
 * succeeded: what the data path cached from the maps before is stale
 * (bpf/gen.h). An atomic add on the mapped counter, so that no two
 * writers (one without the lock) can lose a raise.
 */
static void maps_written(struct vx_cfg *c)
{
	if (c->maps && maps_gen_raise(c->maps))
		vx_warn("the data path may keep reading its cached copy of the old entries "
			"until the next change");
}

/* Referenced before referencing: vni and vtep first, ports last; a MAC's
 * list before the fdb entry that says it has one (deletes go in reverse:
 * the entry first, then its list). */
#define COMMIT_ORDER(c)                                                                        \
	{ &(c)->vni, &(c)->dstports, &(c)->vtep,  &(c)->flood,	   &(c)->remotes,                  \
	  &(c)->fdb, &(c)->neigh,    &(c)->ports, &(c)->vni_ports }

int cfg_undo(struct vx_cfg *c)
{
	struct tbl *order[] = COMMIT_ORDER(c);
	int i, failed = 0;

	writer_mark(c, getpid());
	for (i = ARRAY_SIZE(order) - 1; i >= 0; i--)
		failed += tbl_rollback(order[i]);
	maps_written(c);
	if (!failed)
		writer_mark(c, 0); /* else the next writer repairs */
	return failed;
}

int cfg_commit(struct vx_cfg *c)
{
	struct tbl *order[] = COMMIT_ORDER(c);
	struct tbl *bad = NULL;
	int i, n = ARRAY_SIZE(order), err, failed = 0, fixed;
	__u32 killed = writer_mark(c, getpid());

	if (killed) {
		vx_warn("a vxbpf writer (pid %u) was killed in the middle of its writes; "
			"repairing the counts and lists it may have left", killed);
		/* Its writes are in the maps, its raise never came. */
		maps_written(c);
		fixed = cfg_recount(c);
		if (fixed < 0) {
			writer_mark(c, killed); /* the next writer tries again */
			return fixed;
		}
	}
	err = cfg_derive(c, killed || derived_missing(c));
	if (!err)
		err = zero_slots(c);
	if (err) {
		writer_mark(c, killed); /* nothing written: as it was */
		return err;
	}
	/* The leaves' deletes first: nothing refers to an fdb or neigh
	 * entry, and what they free makes room for what this commit adds to
	 * a map near its limit (a MAC that moved is a delete and an add). */
	if ((err = tbl_commit_deletes(&c->fdb)))
		bad = &c->fdb;
	else if ((err = tbl_commit_deletes(&c->neigh)))
		bad = &c->neigh;
	for (i = 0; i < n && !bad; i++) {
		err = tbl_commit_updates(order[i]);
		if (err)
			bad = order[i];
	}
	for (i = n - 1; i >= 0 && !bad; i--) {
		err = tbl_commit_deletes(order[i]);
		if (err)
			bad = order[i];
	}
	if (!bad) {
		learned_account(c);
		maps_written(c);
		writer_mark(c, 0);
		resolve_new_vteps(c);
		return 0;
	}
	c->full = err == -E2BIG ? bad : NULL;
	if (err == -E2BIG && c->quiet_full)
		;
	else if (err == -E2BIG)
		vx_err("%s map is full (%u entries)", bad->name,
		       bad->max_entries);
	else
		vx_err("cannot write the %s map: %s", bad->name,
		       vx_strerror(err));
	for (i = n - 1; i >= 0; i--)
		failed += tbl_rollback(order[i]);
	maps_written(c);
	if (failed)
		vx_err("rollback incomplete: %d entries could not be restored",
		       failed);
	else
		writer_mark(c, 0); /* else the next writer repairs */
	return err;
}
