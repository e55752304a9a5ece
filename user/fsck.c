// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vxbpf fsck: the pinned maps checked against their own rules, and
 * repaired. A writer killed between two map writes (kill -9, the OOM
 * killer, a crash) leaves what it had written: a vtep reference count
 * raised for fdb entries that never went in keeps that VTEP on the
 * allow-list for good, a derived list may miss its last change. Each
 * check recomputes what the maps' sources say:
 *   - fdb, flood, neigh and vtep entries of a VNI that does not exist;
 *   - local fdb entries of a device that is no port of their VNI;
 *   - flood entries of a MAC without an fdb entry, and the fdb entry's
 *     MULTI bit against its flood entries;
 *   - the reference counts: vtep (the allow-list), dstports;
 *   - the derived lists: remotes, vni_ports, and the copies of a VNI's
 *     configuration in its ports' and its allow-list entries;
 *   - the learned counts against the learned entries;
 *   - the devices: hostdevs entries of kernel vxlan devices that are gone
 *     or not of that VNI, the host's fdb entries of devices not in
 *     hostdevs, each VNI's hostdev flag against hostdevs; underlay entries
 *     of devices that are gone, are ports or have no xdp_vxlan_rx of
 *     vxbpf, that say tc_host_rx stands behind XDP where it does not, and
 *     an xdp_vxlan_rx attachment without its entry;
 *   - the mark of a writer killed half way (meta.writer), which would
 *     otherwise make the next writer recount and warn again after fsck.
 * Every problem is one line (one JSON object); the repair is one commit
 * (the device maps' changes just before it), under the pin directory's
 * lock as every writer's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <bpf/bpf.h>

#include "attach.h"
#include "cfg.h"
#include "cmd.h"
#include "json.h"
#include "nl.h"
#include "tc.h"

struct problem {
	const char *map;
	char entry[96];
	char what[160];
};

struct fsck {
	struct vx_cfg *c;
	/* Written by cmd_dev.c outside cfg_commit: checked and repaired here. */
	struct tbl hostdevs, underlay;
	struct problem *p;
	size_t n, cap;
};

static int report(struct fsck *f, const char *map, const char *entry, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int report(struct fsck *f, const char *map, const char *entry, const char *fmt, ...)
{
	struct problem *p;
	va_list ap;

	if (f->n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 32;

		p = realloc(f->p, nc * sizeof(*p));
		if (!p)
			return -ENOMEM;
		f->p = p;
		f->cap = nc;
	}
	p = &f->p[f->n++];
	p->map = map;
	snprintf(p->entry, sizeof(p->entry), "%s", entry);
	va_start(ap, fmt);
	vsnprintf(p->what, sizeof(p->what), fmt, ap);
	va_end(ap);
	return 0;
}

static bool vni_exists(struct vx_cfg *c, __u32 vni)
{
	return tbl_get(&c->vni, &vni, NULL) == 1;
}

static const char *mac_entry(char *buf, size_t len, __u32 vni, const __u8 *mac)
{
	char m[VX_MACSTRLEN];

	snprintf(buf, len, "%s vni %u", mac_fmt(mac, m), vni);
	return buf;
}

static const char *ip_entry(char *buf, size_t len, __u32 vni, const struct vxbpf_addr *ip)
{
	char a[VX_ADDRSTRLEN];

	snprintf(buf, len, "%s vni %u", addr_fmt(ip, a), vni);
	return buf;
}

/* Drop e from t with a problem line; NULL what: "of a VNI that does not exist". */
static int drop(struct fsck *f, struct tbl *t, struct tbl_ent *e, const char *entry,
		const char *what)
{
	int err = report(f, t->name, entry, "%s", what ? what : "of a VNI that does not exist");

	return err ?: tbl_del(t, tbl_key(t, e));
}

/* Entries of VNIs that are gone: every map keyed by VNI first. */
static int check_orphans(struct fsck *f)
{
	struct vx_cfg *c = f->c;
	char buf[96];
	size_t i;
	int err = 0;

	for (i = 0; !err && i < c->fdb.n; i++) {
		struct tbl_ent *e = c->fdb.list[i];
		const struct vxbpf_fdb_key *k = tbl_key(&c->fdb, e);

		if (e->cur_present && !vni_exists(c, k->vni))
			err = drop(f, &c->fdb, e, mac_entry(buf, sizeof(buf), k->vni, k->mac), NULL);
	}
	for (i = 0; !err && i < c->flood.n; i++) {
		struct tbl_ent *e = c->flood.list[i];
		const struct vxbpf_flood_key *k = tbl_key(&c->flood, e);
		char a[VX_ADDRSTRLEN], m[VX_MACSTRLEN];

		if (!e->cur_present || vni_exists(c, k->vni))
			continue;
		snprintf(buf, sizeof(buf), "%s vni %u dst %s", mac_fmt(k->mac, m), k->vni,
			 addr_fmt(&k->dst, a));
		err = drop(f, &c->flood, e, buf, NULL);
	}
	for (i = 0; !err && i < c->neigh.n; i++) {
		struct tbl_ent *e = c->neigh.list[i];
		const struct vxbpf_neigh_key *k = tbl_key(&c->neigh, e);

		if (e->cur_present && !vni_exists(c, k->vni))
			err = drop(f, &c->neigh, e, ip_entry(buf, sizeof(buf), k->vni, &k->ip), NULL);
	}
	for (i = 0; !err && i < c->vtep.n; i++) {
		struct tbl_ent *e = c->vtep.list[i];
		const struct vxbpf_vtep_key *k = tbl_key(&c->vtep, e);

		if (e->cur_present && !vni_exists(c, k->vni))
			err = drop(f, &c->vtep, e, ip_entry(buf, sizeof(buf), k->vni, &k->ip), NULL);
	}
	return err;
}

/* Local entries must point at a port of their own VNI (the host's vxlan
 * devices, HOST, are no ports and are left alone). */
static int check_local(struct fsck *f)
{
	struct vx_cfg *c = f->c;
	struct vxbpf_port_val pv;
	char buf[96], what[96];
	size_t i;
	int err = 0;

	for (i = 0; !err && i < c->fdb.n; i++) {
		struct tbl_ent *e = c->fdb.list[i];
		const struct vxbpf_fdb_key *k = tbl_key(&c->fdb, e);
		const struct vxbpf_fdb_val *v = tbl_cur(&c->fdb, e);
		int have;

		if (!e->cur_present || (v->flags & (VXBPF_FDB_LOCAL | VXBPF_FDB_HOST)) !=
					       VXBPF_FDB_LOCAL)
			continue;
		have = tbl_get(&c->ports, &v->ifindex, &pv);
		if (have < 0)
			return have;
		if (have && pv.vni == k->vni)
			continue;
		snprintf(what, sizeof(what), "local on ifindex %u, which is %s", v->ifindex,
			 have ? "a port of another VNI" : "no port");
		err = drop(f, &c->fdb, e, mac_entry(buf, sizeof(buf), k->vni, k->mac), what);
	}
	return err;
}

/* A MAC's extra remotes (flood map, non-zero MAC) hang off its fdb entry,
 * whose MULTI bit says they exist. */
static int check_multi(struct fsck *f)
{
	struct vx_cfg *c = f->c;
	struct vxbpf_fdb_key fk;
	struct vxbpf_fdb_val fv;
	struct tbl multi;
	char buf[96];
	size_t i;
	int err = 0, have;

	tbl_init(&multi, "multi", -1, sizeof(fk), 0, 0xffffffffU);
	for (i = 0; !err && i < c->flood.n; i++) {
		struct tbl_ent *e = c->flood.list[i];
		const struct vxbpf_flood_key *k = tbl_key(&c->flood, e);
		static const __u8 none;

		if (!e->cur_present || mac_is_zero(k->mac))
			continue;
		memset(&fk, 0, sizeof(fk));
		fk.vni = k->vni;
		memcpy(fk.mac, k->mac, 6);
		have = tbl_get(&c->fdb, &fk, &fv);
		if (have < 0) {
			err = have;
		} else if (!have || (fv.flags & VXBPF_FDB_LOCAL)) {
			char a[VX_ADDRSTRLEN], m[VX_MACSTRLEN];

			snprintf(buf, sizeof(buf), "%s vni %u dst %s", mac_fmt(k->mac, m), k->vni,
				 addr_fmt(&k->dst, a));
			err = drop(f, &c->flood, e, buf, have ? "an extra remote of a local MAC" :
								  "an extra remote of a MAC without an fdb entry");
		} else {
			err = tbl_put(&multi, &fk, &none);
		}
	}
	for (i = 0; !err && i < c->fdb.n; i++) {
		struct tbl_ent *e = c->fdb.list[i];
		const struct vxbpf_fdb_key *k = tbl_key(&c->fdb, e);
		struct vxbpf_fdb_val v = *(const struct vxbpf_fdb_val *)tbl_cur(&c->fdb, e);
		bool want;

		if (!e->cur_present || (v.flags & VXBPF_FDB_LOCAL))
			continue;
		have = tbl_get(&multi, k, NULL);
		if (have < 0) {
			err = have;
			break;
		}
		want = have;
		if (want == !!(v.flags & VXBPF_FDB_MULTI))
			continue;
		err = report(f, "fdb", mac_entry(buf, sizeof(buf), k->vni, k->mac),
			     want ? "has extra remotes but no multi flag" : "multi flag without extra remotes");
		v.flags ^= VXBPF_FDB_MULTI;
		if (!err)
			err = tbl_put(&c->fdb, k, &v);
	}
	tbl_free(&multi);
	return err;
}

/* The device of ifindex in this namespace: 1 (l filled), 0 gone, -errno. */
static int dev_get(int ifindex, struct nl_link *l)
{
	int err = nl_link_get(ifindex, l);

	if (err == -ENODEV)
		return 0;
	if (err)
		vx_err("cannot query ifindex %d: %s", ifindex, vx_strerror(err));
	return err ? err : 1;
}

static const char *if_entry(char *buf, size_t len, __u32 ifindex, const struct nl_link *l)
{
	if (l && l->name[0])
		snprintf(buf, len, "ifindex %u (%s)", ifindex, l->name);
	else
		snprintf(buf, len, "ifindex %u", ifindex);
	return buf;
}

/* Does the host's fdb entry of the device (LOCAL|HOST, of its VNI) point
 * at ifindex? */
static bool host_fdb_of(struct vx_cfg *c, __u32 ifindex, __u32 vni)
{
	size_t i;

	for (i = 0; i < c->fdb.n; i++) {
		struct tbl_ent *e = c->fdb.list[i];
		const struct vxbpf_fdb_key *k = tbl_key(&c->fdb, e);
		const struct vxbpf_fdb_val *v = tbl_cur(&c->fdb, e);

		if (e->cur_present && k->vni == vni && v->ifindex == ifindex &&
		    (v->flags & (VXBPF_FDB_LOCAL | VXBPF_FDB_HOST)) ==
			    (VXBPF_FDB_LOCAL | VXBPF_FDB_HOST))
			return true;
	}
	return false;
}

/*
 * hostdevs: the kernel vxlan devices `attach` gave vxbpf (cmd_dev.c), by
 * ifindex, with their VNI. An entry must name a vxlan device of this
 * namespace whose VNI it is, of a VNI that exists. Else tc_host_rx hands
 * the frames XDP decapsulated for the host to an ifindex that is gone (or
 * that another device has taken), and tc_host_tx sends a device's traffic
 * in a VNI that is not its own. (An entry whose tc_host_tx is missing is
 * an attach or detach cut short, which the fast path takes as it should:
 * the kernel sends the host's traffic; `status` shows it.)
 *
 * An entry with neither the host's fdb entry nor tc_host_tx is what an
 * attach killed after its first write, or a detach killed before its
 * last, leaves: the device is not attached, and nothing uses the entry
 * but the VNI's hostdev flag (check_hostdev_flag), which would pass the
 * VNI's broadcast to the kernel instead of its ports. The repair finishes
 * the detach (attach again to have the device back).
 */
static int check_hostdevs(struct fsck *f)
{
	struct tbl *t = &f->hostdevs;
	char buf[96], what[160];
	struct nl_link l;
	size_t i;
	int have, err = 0;

	for (i = 0; !err && i < t->n; i++) {
		struct tbl_ent *e = t->list[i];
		__u32 ifindex = *(const __u32 *)tbl_key(t, e);
		const struct vxbpf_hostdev *hd = tbl_cur(t, e);

		if (!e->cur_present)
			continue;
		have = dev_get(ifindex, &l);
		if (have < 0)
			return have;
		if (!have)
			snprintf(what, sizeof(what), "vni %u, but no such device", hd->vni);
		else if (strcmp(l.kind, "vxlan") || !l.has_vxlan_id)
			snprintf(what, sizeof(what), "vni %u, but not a vxlan device", hd->vni);
		else if (l.vxlan_id != hd->vni)
			snprintf(what, sizeof(what), "vni %u, but the device is vni %u's", hd->vni,
				 l.vxlan_id);
		else if (!vni_exists(f->c, hd->vni))
			snprintf(what, sizeof(what), "vni %u, which does not exist", hd->vni);
		else if (!host_fdb_of(f->c, ifindex, hd->vni) &&
			 !tc_attached(f->c->maps, ifindex, true, false))
			snprintf(what, sizeof(what),
				 "vni %u, but neither the host's fdb entry nor tc_host_tx: an attach or detach cut short",
				 hd->vni);
		else
			continue;
		err = drop(f, t, e, if_entry(buf, sizeof(buf), ifindex, have ? &l : NULL), what);
	}
	return err;
}

/*
 * The host's fdb entry (LOCAL|HOST: a vxlan device's own MAC) sends what
 * arrives for it to tc_host_rx, which hands it over only to a device in
 * hostdevs: without one of its VNI there, every such frame would be
 * decapsulated and then lost. What an attach killed after its commit, or
 * a detach killed before its own, leaves; the repair finishes the detach
 * (attach again to have the device back).
 */
static int check_host_fdb(struct fsck *f)
{
	struct vx_cfg *c = f->c;
	struct vxbpf_hostdev hd;
	char buf[96], what[160];
	size_t i;
	int have, err = 0;

	for (i = 0; !err && i < c->fdb.n; i++) {
		struct tbl_ent *e = c->fdb.list[i];
		const struct vxbpf_fdb_key *k = tbl_key(&c->fdb, e);
		const struct vxbpf_fdb_val *v = tbl_cur(&c->fdb, e);

		if (!e->cur_present || (v->flags & (VXBPF_FDB_LOCAL | VXBPF_FDB_HOST)) !=
					       (VXBPF_FDB_LOCAL | VXBPF_FDB_HOST))
			continue;
		have = tbl_get(&f->hostdevs, &v->ifindex, &hd);
		if (have < 0)
			return have;
		if (have && hd.vni == k->vni)
			continue;
		snprintf(what, sizeof(what),
			 "the host's, on ifindex %u, which is no attached vxlan device of vni %u",
			 v->ifindex, k->vni);
		err = drop(f, &c->fdb, e, mac_entry(buf, sizeof(buf), k->vni, k->mac), what);
	}
	return err;
}

/*
 * A VNI's hostdev flag says a kernel vxlan device of it is attached, and
 * so carries its broadcast: the fast path passes such frames to the
 * kernel instead of replicating them to the VNI's ports. Set with no such
 * device, the ports get no broadcast (no ARP) from the fast path; clear
 * with one, the device gets none.
 */
static int check_hostdev_flag(struct fsck *f)
{
	struct vx_cfg *c = f->c;
	struct tbl *hd = &f->hostdevs;
	char buf[32];
	size_t i, j;
	int err = 0;

	for (i = 0; !err && i < c->vni.n; i++) {
		struct tbl_ent *e = c->vni.list[i];
		__u32 vni = *(const __u32 *)tbl_key(&c->vni, e);
		struct vxbpf_vni_cfg v;
		bool want = false;

		if (!e->cur_present)
			continue;
		v = *(const struct vxbpf_vni_cfg *)tbl_cur(&c->vni, e);
		for (j = 0; !want && j < hd->n; j++)
			want = hd->list[j]->cur_present &&
			       ((const struct vxbpf_hostdev *)tbl_cur(hd, hd->list[j]))->vni == vni;
		if (want == !!(v.flags & VXBPF_VNI_HOSTDEV))
			continue;
		snprintf(buf, sizeof(buf), "%u", vni);
		err = report(f, "vni", buf, "%s",
			     want ? "a vxlan device of it is attached, but no hostdev flag: its broadcast is not passed to it"
				  : "hostdev flag, but no vxlan device of it attached: its broadcast is passed to none");
		v.flags ^= VXBPF_VNI_HOSTDEV;
		if (!err)
			err = tbl_put(&c->vni, &vni, &v);
	}
	return err;
}

/* An attachment in the walk below that is an underlay without its entry. */
static int underlay_missing(const struct xdp_att *a, void *ctx)
{
	struct fsck *f = ctx;
	struct vx_cfg *c = f->c;
	__u32 ifindex = a->ifindex, bits;
	char buf[96], name[IF_NAMESIZE];
	int have, err;

	/* Stale links (the device went) and ports are not underlays. */
	if (!a->link_id && !a->dispatcher)
		return 0;
	if (strcmp(a->prog, prog_name(P_VXLAN_RX)))
		return 0;
	have = tbl_get(&c->ports, &ifindex, NULL);
	if (have)
		return have < 0 ? have : 0;
	have = tbl_get(&f->underlay, &ifindex, NULL);
	if (have)
		return have < 0 ? have : 0;
	if (!if_indextoname(ifindex, name))
		snprintf(name, sizeof(name), "?");
	snprintf(buf, sizeof(buf), "ifindex %u (%s)", ifindex, name);
	err = report(f, "underlay", buf, "%s",
		     "xdp_vxlan_rx attached, but no entry: no frame is encapsulated to it");
	bits = VXBPF_UNDERLAY_XDP;
	if (tc_attached(c->maps, ifindex, false, false))
		bits |= VXBPF_UNDERLAY_TC_RX;
	if (dev_xmit_sg(ifindex))
		bits |= VXBPF_UNDERLAY_XMIT_SG;
	return err ?: tbl_put(&f->underlay, &ifindex, &bits);
}

/*
 * underlay: the devices `attach` put xdp_vxlan_rx (and tc_host_rx behind
 * it) on, where the fast path redirects what it encapsulates. An entry of
 * a device that is gone, of a port, or of a device without vxbpf's
 * xdp_vxlan_rx (detached behind vxbpf's back, or taken off a libxdp
 * dispatcher) sends encapsulated frames where vxbpf does not run, which
 * drivers that need an XDP program of their own to transmit drop; one
 * whose TC_RX bit says tc_host_rx is behind XDP where it is not makes XDP
 * hand over frames (to the host's vxlan devices, floods, reassembled
 * datagrams) that no one moves on, and they are lost. The reverse, an
 * xdp_vxlan_rx of vxbpf without its entry (an attach killed between the
 * two), only sends to the kernel what vxbpf would encapsulate; the entry
 * is written as attach would.
 */
static int check_underlay(struct fsck *f)
{
	struct vx_cfg *c = f->c;
	struct tbl *t = &f->underlay;
	struct vxbpf_port_val pv;
	char buf[96], what[160];
	struct xdp_att a;
	struct nl_link l;
	size_t i;
	int have, att, err = 0;

	for (i = 0; !err && i < t->n; i++) {
		struct tbl_ent *e = t->list[i];
		__u32 ifindex = *(const __u32 *)tbl_key(t, e);
		__u32 bits = *(const __u32 *)tbl_cur(t, e);

		if (!e->cur_present)
			continue;
		have = dev_get(ifindex, &l);
		if (have < 0)
			return have;
		if_entry(buf, sizeof(buf), ifindex, have ? &l : NULL);
		if (!have) {
			err = drop(f, t, e, buf, "no such device");
			continue;
		}
		have = tbl_get(&c->ports, &ifindex, &pv);
		if (have < 0)
			return have;
		if (have) {
			snprintf(what, sizeof(what), "a port of vni %u, not an underlay", pv.vni);
			err = drop(f, t, e, buf, what);
			continue;
		}
		att = xdp_attached(c->maps, ifindex, &a);
		if (att < 0)
			return att;
		if (!att || (a.prog[0] && strcmp(a.prog, prog_name(P_VXLAN_RX)))) {
			snprintf(what, sizeof(what),
				 "no xdp_vxlan_rx of vxbpf on it%s%s: encapsulated frames would be sent where vxbpf does not run",
				 att ? ", but " : "", att ? a.prog : "");
			err = drop(f, t, e, buf, what);
			continue;
		}
		if ((bits & VXBPF_UNDERLAY_TC_RX) && !tc_attached(c->maps, ifindex, false, false)) {
			err = report(f, "underlay", buf, "%s",
				     "no tc_host_rx on it: frames XDP hands over to it would be lost");
			bits &= ~VXBPF_UNDERLAY_TC_RX;
			if (!err)
				err = tbl_put(t, &ifindex, &bits);
		}
	}
	return err ?: xdp_walk(c->maps, underlay_missing, f);
}

/*
 * The repair of hostdevs and underlay: their updates before cfg_commit and
 * their deletes after it (deletes true), as attach and detach order them:
 * a vxlan device's hostdevs entry exists whenever its fdb entry does, so
 * no frame for the device is decapsulated to be dropped in between.
 */
static int commit_devs(struct fsck *f, bool deletes)
{
	struct tbl *t[] = { &f->hostdevs, &f->underlay };
	size_t i;
	int err = 0;

	for (i = 0; !err && i < ARRAY_SIZE(t); i++) {
		err = deletes ? tbl_commit_deletes(t[i]) : tbl_commit_updates(t[i]);
		if (err)
			vx_err("cannot write the %s map: %s", t[i]->name, vx_strerror(err));
	}
	return err;
}

/* What cfg_recount and cfg_derive changed, one line each. */
static int report_counts(struct fsck *f)
{
	struct vx_cfg *c = f->c;
	struct tbl *lists[] = { &c->remotes, &c->vni_ports };
	char buf[96];
	size_t i, l;
	int err = 0;

	for (i = 0; !err && i < c->vtep.n; i++) {
		struct tbl_ent *e = c->vtep.list[i];
		const struct vxbpf_vtep_key *k = tbl_key(&c->vtep, e);
		const struct vxbpf_vtep_val *o = tbl_orig(&c->vtep, e), *n = tbl_cur(&c->vtep, e);

		if (!tbl_changed(&c->vtep, e) || !vni_exists(c, k->vni))
			continue;
		if (e->orig_present && e->cur_present && o->refs == n->refs) {
			err = report(f, "vtep", ip_entry(buf, sizeof(buf), k->vni, &k->ip),
				     "copy of vni %u's configuration differs", k->vni);
			continue;
		}
		err = report(f, "vtep", ip_entry(buf, sizeof(buf), k->vni, &k->ip),
			     "refs %u, but %u entries name it%s", e->orig_present ? o->refs : 0,
			     e->cur_present ? n->refs : 0,
			     e->cur_present ? "" : " (allowed for nothing)");
	}
	for (i = 0; !err && i < c->dstports.n; i++) {
		struct tbl_ent *e = c->dstports.list[i];

		if (!tbl_changed(&c->dstports, e))
			continue;
		snprintf(buf, sizeof(buf), "port %u", *(const __u32 *)tbl_key(&c->dstports, e));
		err = report(f, "dstports", buf, "%u VNIs, but %u use it",
			     e->orig_present ? *(__u32 *)tbl_orig(&c->dstports, e) : 0,
			     e->cur_present ? *(__u32 *)tbl_cur(&c->dstports, e) : 0);
	}
	/* The copy of its VNI's entry a port carries (cfg_derive). */
	for (i = 0; !err && i < c->ports.n; i++) {
		struct tbl_ent *e = c->ports.list[i];
		const struct vxbpf_port_val *o = tbl_orig(&c->ports, e);

		if (!tbl_changed(&c->ports, e) || !e->orig_present || !e->cur_present)
			continue;
		snprintf(buf, sizeof(buf), "ifindex %u", *(const __u32 *)tbl_key(&c->ports, e));
		err = report(f, "ports", buf, "copy of vni %u's configuration differs", o->vni);
	}
	for (l = 0; l < ARRAY_SIZE(lists); l++) {
		struct tbl *t = lists[l];

		for (i = 0; !err && i < t->n; i++) {
			struct tbl_ent *e = t->list[i];

			if (!tbl_changed(t, e))
				continue;
			if (t == &c->remotes) {
				const struct vxbpf_fdb_key *k = tbl_key(t, e);

				mac_entry(buf, sizeof(buf), k->vni, k->mac);
			} else {
				snprintf(buf, sizeof(buf), "vni %u", *(const __u32 *)tbl_key(t, e));
			}
			err = report(f, t->name, buf, "%s",
				     !e->orig_present ? "list missing" :
				     !e->cur_present  ? "list of nothing" :
							"list differs from its sources");
		}
	}
	return err;
}

/* Learned entries of each VNI slot and in all, as the map held them
 * when loaded (orig) or as the repair leaves them (cur). */
static __s64 *learned_want(struct vx_cfg *c, bool orig)
{
	__s64 *want = calloc(VXBPF_LEARN_ALL + 1, sizeof(*want));
	struct vxbpf_vni_cfg vc;
	size_t i;

	if (!want)
		return NULL;
	for (i = 0; i < c->fdb.n; i++) {
		struct tbl_ent *e = c->fdb.list[i];
		const struct vxbpf_fdb_val *v = orig ? tbl_orig(&c->fdb, e) : tbl_cur(&c->fdb, e);

		if (!(orig ? e->orig_present : e->cur_present) || !(v->flags & VXBPF_FDB_LEARNED))
			continue;
		/* An entry of a VNI that is gone counts in the total only. */
		if (tbl_get(&c->vni, tbl_key(&c->fdb, e), &vc) == 1 && vc.slot < VXBPF_LEARN_ALL)
			want[vc.slot]++;
		want[VXBPF_LEARN_ALL]++;
	}
	return want;
}

static void learned_read(struct vx_cfg *c, __s64 *out)
{
	const __s64 *cnt = c->maps->learned;
	size_t i;

	for (i = 0; i <= VXBPF_LEARN_ALL; i++)
		out[i] = __atomic_load_n(&cnt[i], __ATOMIC_RELAXED);
}

/*
 * The learned counts against the learned entries, which the fast path
 * changes while we look. A count that moved while the fdb map was read
 * (b0: before, b1: after) is busy and left alone. One that was wrong is
 * set, after the repair's commit, to what the entries then say, by a
 * compare-exchange, so a learn in between is never overwritten.
 */
struct learned_check {
	__s64 b0[VXBPF_LEARN_ALL + 1], b1[VXBPF_LEARN_ALL + 1];
	bool wrong[VXBPF_LEARN_ALL + 1];
};

static int check_learned(struct fsck *f, struct learned_check *lc)
{
	struct vx_cfg *c = f->c;
	__s64 *want = learned_want(c, true);
	char buf[64];
	size_t i;
	int err = 0;

	if (!want)
		return -ENOMEM;
	for (i = 0; !err && i <= c->vni.n; i++) {
		struct tbl_ent *e = i < c->vni.n ? c->vni.list[i] : NULL;
		__u32 s = e ? ((const struct vxbpf_vni_cfg *)tbl_cur(&c->vni, e))->slot : VXBPF_LEARN_ALL;

		if ((e && !e->orig_present) || s > VXBPF_LEARN_ALL || lc->b1[s] == want[s])
			continue;
		if (e)
			snprintf(buf, sizeof(buf), "vni %u", *(const __u32 *)tbl_key(&c->vni, e));
		else
			snprintf(buf, sizeof(buf), "all VNIs");
		if (lc->b0[s] != lc->b1[s])
			continue; /* learning or ageing right now: not a fact */
		lc->wrong[s] = true;
		err = report(f, "learned", buf, "count %lld, but %lld learned entries",
			     (long long)lc->b1[s], (long long)want[s]);
	}
	free(want);
	return err;
}

static int repair_learned(struct fsck *f, struct learned_check *lc)
{
	struct vx_cfg *c = f->c;
	__s64 *want = learned_want(c, false), old;
	size_t s;
	int busy = 0;

	if (!want)
		return -ENOMEM;
	for (s = 0; s <= VXBPF_LEARN_ALL; s++) {
		if (!lc->wrong[s])
			continue;
		old = __atomic_load_n(&c->maps->learned[s], __ATOMIC_RELAXED);
		if (!__atomic_compare_exchange_n(&c->maps->learned[s], &old, want[s], false,
						 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			busy++;
	}
	free(want);
	if (busy)
		vx_warn("%d learned counts changed while being repaired; run vxbpf fsck again", busy);
	return 0;
}

static void print_problems(const struct fsck *f)
{
	size_t i;

	out_open_array("problems");
	for (i = 0; i < f->n; i++) {
		out_open_obj(NULL);
		out_str("map", "%s", f->p[i].map);
		out_str("entry", " %s", f->p[i].entry);
		out_str("problem", ": %s", f->p[i].what);
		out_close_obj();
		out_nl();
	}
	out_close_array();
}

static int load_all(struct fsck *f)
{
	struct vx_cfg *c = f->c;
	struct tbl *t[] = { &c->vni,	&c->fdb,       &c->flood,     &c->neigh,
			    &c->vtep,	&c->ports,     &c->dstports,  &c->remotes,
			    &c->vni_ports, &f->hostdevs, &f->underlay };
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		err = tbl_load_all(t[i]);
		if (err) {
			vx_err("cannot read the %s map: %s", t[i]->name, vx_strerror(err));
			return err;
		}
	}
	return 0;
}

/*
 * A writer's pid in meta.writer, read under the pin directory's lock
 * (cfg_init), is one that died between its first and last map write.
 * What it left is whatever the checks below find, possibly nothing (it
 * died before its first change or after its last); the mark itself is
 * reported so that a dry run says a writer died there, and the repair's
 * commit clears it.
 */
static int check_writer(struct fsck *f)
{
	struct vxbpf_meta meta;
	__u32 key = 0;

	if (bpf_map_lookup_elem(f->c->maps->fd[M_META], &key, &meta) || !meta.writer)
		return 0;
	return report(f, "meta", "writer", "pid %u was killed in the middle of its writes",
		      meta.writer);
}

static int fsck_run(struct fsck *f, bool repair)
{
	struct vx_cfg *c = f->c;
	struct learned_check *lc;
	int err, fixed;

	if (!maps_learned(c->maps))
		return -EIO;
	lc = calloc(1, sizeof(*lc));
	if (!lc)
		return -ENOMEM;
	learned_read(c, lc->b0);
	err = load_all(f);
	learned_read(c, lc->b1);
	if (!err)
		err = check_writer(f);
	if (!err)
		err = check_learned(f, lc);
	if (!err)
		err = check_orphans(f);
	if (!err)
		err = check_hostdevs(f);
	if (!err)
		err = check_local(f);
	if (!err)
		err = check_host_fdb(f);
	if (!err)
		err = check_hostdev_flag(f);
	if (!err)
		err = check_underlay(f);
	if (!err)
		err = check_multi(f);
	if (!err) {
		fixed = cfg_recount(c);
		err = fixed < 0 ? fixed : 0;
	}
	if (!err)
		err = cfg_derive(c, true);
	if (!err)
		err = report_counts(f);
	/* The tables first: the counts then follow what the repair left. */
	if (!err && repair && f->n)
		err = commit_devs(f, false);
	if (!err && repair && f->n)
		err = cfg_commit(c);
	if (!err && repair && f->n)
		err = commit_devs(f, true);
	if (!err && repair)
		err = repair_learned(f, lc);
	free(lc);
	return err;
}

int run_fsck(const struct vx_cmd *cmd)
{
	struct vx_maps m;
	struct vx_cfg cfg;
	struct fsck f = { .c = &cfg };
	bool repair = !cmd->dry_run;
	int err;

	err = maps_open_existing(&m);
	if (err)
		return err;
	cfg_init(&cfg, &m);
	tbl_init(&f.hostdevs, "hostdevs", m.fd[M_HOSTDEVS], sizeof(__u32),
		 sizeof(struct vxbpf_hostdev), m.max_entries[M_HOSTDEVS] ?: 256);
	tbl_init(&f.underlay, "underlay", m.fd[M_UNDERLAY], sizeof(__u32), sizeof(__u32),
		 m.max_entries[M_UNDERLAY] ?: 256);
	err = fsck_run(&f, repair);
	if (!err) {
		out_open_obj(NULL);
		print_problems(&f);
		out_u64("found", NULL, f.n);
		out_bool("repaired", NULL, repair && f.n);
		if (!f.n)
			out_text("%s: consistent", m.dir);
		else if (repair)
			out_text("%zu problem%s found and repaired", f.n, f.n == 1 ? "" : "s");
		else
			out_text("%zu problem%s found; run vxbpf fsck without --dry-run to repair",
				 f.n, f.n == 1 ? "" : "s");
		out_close_obj();
		out_nl();
		/* As fsck -n: what was found and left is a failure. */
		if (f.n && !repair)
			err = -EUCLEAN;
	}
	free(f.p);
	tbl_free(&f.hostdevs);
	tbl_free(&f.underlay);
	cfg_free(&cfg);
	maps_close(&m);
	return err;
}
