// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Kernel table entries -> changes of a struct vx_cfg, under the origin rule
 * (include/vxbpf.h): mirror adds, replaces and deletes only entries that
 * carry the MIRRORED flag; a key that holds a user entry is left alone.
 *
 * Every change is expressed as the vxbpf command that means it (fdb
 * replace/append/del, neigh replace/del, vni add/replace/del) and run
 * through cfg_apply(), so the vtep reference counts, flood lists, dstports
 * and VNI slots follow exactly the rules of the user commands; only the
 * origin bits (and remote_vni, which has no command word) are set on the
 * resulting cache entry afterwards. Nothing here writes a map: the caller
 * commits the cfg in one batch.
 *
 * Kernel semantics followed:
 *  - a unicast MAC has one remote (the kernel ignores append on an
 *    existing unicast entry and `replace` changes the remote without an
 *    RTM_DELNEIGH for the old one), so RTM_NEWNEIGH of a unicast MAC is a
 *    replace; the all-zero MAC and multicast MACs have lists (append).
 *  - a dynamic kernel entry (learned: not NUD_PERMANENT/NUD_NOARP) on a
 *    learning VNI is marked LEARNED too, so the fast path may move it as
 *    vxlan_snoop() moves the kernel's; static ones never move.
 *  - the proxy uses neighbours in NUD_PERMANENT|NUD_NOARP|NUD_REACHABLE
 *    (NUD_CONNECTED); any other state is "not there".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <bpf/bpf.h>

#include "mirror.h"
#include "nl.h"

enum { SEEN_REMOTE = MIRROR_REMOTE, SEEN_LOCAL = MIRROR_LOCAL, SEEN_NEIGH = MIRROR_NEIGH };

struct seen_key {
	__u32 kind;
	__u32 vni;
	__u8 mac[6];
	__u16 pad;
	struct vxbpf_addr ip;
};

void mirror_seen_init(struct tbl *t)
{
	tbl_init(t, "seen", -1, sizeof(struct seen_key), sizeof(__u32), 0);
}

static void skey(struct seen_key *k, __u32 kind, __u32 vni, const __u8 *mac,
		 const struct vxbpf_addr *ip)
{
	memset(k, 0, sizeof(*k));
	k->kind = kind;
	k->vni = vni;
	if (mac)
		memcpy(k->mac, mac, 6);
	if (ip)
		k->ip = *ip;
}

static int mark(struct mirror_apply *a, __u32 kind, __u32 vni,
		const __u8 *mac, const struct vxbpf_addr *ip)
{
	struct seen_key k;
	__u32 one = 1;

	if (!a->seen)
		return 0;
	skey(&k, kind, vni, mac, ip);
	return tbl_put(a->seen, &k, &one);
}

static bool seen(struct mirror_apply *a, __u32 kind, __u32 vni,
		 const __u8 *mac, const struct vxbpf_addr *ip)
{
	struct seen_key k;

	skey(&k, kind, vni, mac, ip);
	return tbl_get(a->seen, &k, NULL) == 1;
}

void mirror_log(bool verbose, const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	fputs("vxbpf mirror: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A user entry holds the key: one warning per key (with -v). */
static void user_owned(struct mirror_apply *a, __u32 kind, __u32 vni,
		       const __u8 *mac, const struct vxbpf_addr *ip,
		       const char *what)
{
	struct seen_key k;
	__u32 one = 1;

	a->skipped_user++;
	if (!a->verbose || !a->warned)
		return;
	skey(&k, kind, vni, mac, ip);
	if (tbl_get(a->warned, &k, NULL) == 1)
		return;
	tbl_put(a->warned, &k, &one);
	vx_warn("mirror: %s vni %u is a user entry (vxbpf fdb/neigh); left alone",
		what, vni);
}

static void cmd_fdb(struct vx_cmd *c, enum vx_verb verb, __u32 vni,
		    const __u8 *mac)
{
	memset(c, 0, sizeof(*c));
	c->obj = OBJ_FDB;
	c->verb = verb;
	c->has_vni = true;
	c->vni = vni;
	c->has_mac = true;
	memcpy(c->mac, mac, 6);
}

static void cmd_dst(struct vx_cmd *c, const struct vxbpf_addr *dst,
		    __u16 port)
{
	c->has_ip = true;
	c->ip = *dst;
	c->family = addr_is_v4(dst) ? AF_INET : AF_INET6;
	c->has_port = port != 0;
	c->port = port;
}

static int apply(struct mirror_apply *a, const struct vx_cmd *c)
{
	int err = cfg_apply(a->cfg, c);

	if (!err)
		a->changes++;
	return err;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	/* bpf_ktime_get_ns() is CLOCK_MONOTONIC. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static bool vni_learning(struct mirror_apply *a, __u32 vni)
{
	struct vxbpf_vni_cfg v;

	return tbl_get(&a->cfg->vni, &vni, &v) == 1 &&
	       (v.flags & VXBPF_VNI_LEARNING);
}

static int fdb_get(struct mirror_apply *a, __u32 vni, const __u8 *mac,
		   struct vxbpf_fdb_val *v)
{
	struct vxbpf_fdb_key k = { .vni = vni };

	memcpy(k.mac, mac, 6);
	return tbl_get(&a->cfg->fdb, &k, v);
}

static int fdb_put(struct mirror_apply *a, __u32 vni, const __u8 *mac,
		   const struct vxbpf_fdb_val *v)
{
	struct vxbpf_fdb_key k = { .vni = vni };

	memcpy(k.mac, mac, 6);
	return tbl_put(&a->cfg->fdb, &k, v);
}

static int flood_get(struct mirror_apply *a, __u32 vni, const __u8 *mac,
		     const struct vxbpf_addr *dst, struct vxbpf_flood_val *v)
{
	struct vxbpf_flood_key k;

	memset(&k, 0, sizeof(k));
	k.vni = vni;
	memcpy(k.mac, mac, 6);
	k.dst = *dst;
	return tbl_get(&a->cfg->flood, &k, v);
}

static int flood_put(struct mirror_apply *a, __u32 vni, const __u8 *mac,
		     const struct vxbpf_addr *dst,
		     const struct vxbpf_flood_val *v)
{
	struct vxbpf_flood_key k;

	memset(&k, 0, sizeof(k));
	k.vni = vni;
	memcpy(k.mac, mac, 6);
	k.dst = *dst;
	return tbl_put(&a->cfg->flood, &k, v);
}

static const char *dst_words(const struct vxbpf_addr *dst, __u16 port,
			     __u32 rvni, char *buf, size_t len)
{
	char s[VX_ADDRSTRLEN];
	int n;

	n = snprintf(buf, len, "dst %s", addr_fmt(dst, s));
	if (port && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, " port %u", port);
	if (rvni && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " via vni %u", rvni);
	return buf;
}

/* ---- fdb: remote entries of the vxlan device ---------------------------- */

static const struct mport *port_of(struct mirror_apply *a, __u32 ifindex);

/*
 * Is our local entry v of mac still the one? The bridge sends a MAC's
 * frames to the port it has it on, whatever the vxlan device's own table
 * holds: zebra leaves a moved-in MAC's remote entry in it. Only the
 * bridge's word that the MAC is on another port (the vxlan device's,
 * another port's) gives it up: a MAC the bridge has aged out, or that it
 * cannot be asked about (a VLAN-filtering bridge, an error), the bridge
 * would flood to the port, so the port keeps it.
 */
static bool bridge_holds(struct mirror_apply *a, __u32 vni, const __u8 *mac,
			 const struct vxbpf_fdb_val *v)
{
	const struct mport *p;

	if ((v->flags & (VXBPF_FDB_LOCAL | VXBPF_FDB_MIRRORED)) !=
	    (VXBPF_FDB_LOCAL | VXBPF_FDB_MIRRORED) || !a->confirm)
		return false;
	p = port_of(a, v->ifindex);
	if (!p || p->vni != vni)
		return false;
	return a->confirm(a->confirm_ctx, MIRROR_LOCAL, vni, mac, NULL, v->ifindex) !=
	       MIRROR_ELSEWHERE;
}

/* Delete remote dst of (vni, mac) if it is ours, with the cfg's rules. */
static int remote_del(struct mirror_apply *a, __u32 vni, const __u8 *mac,
		      const struct vxbpf_addr *dst, bool whole_mac)
{
	struct vxbpf_fdb_val v;
	struct vxbpf_flood_val fv;
	struct vx_cmd c;
	char m[VX_MACSTRLEN], d[VX_ADDRSTRLEN];
	int have;

	if (mac_is_zero(mac)) {
		have = flood_get(a, vni, mac, dst, &fv);
		if (have <= 0 || !(fv.flags & VXBPF_FDB_MIRRORED))
			return have < 0 ? have : 0;
	} else {
		have = fdb_get(a, vni, mac, &v);
		if (have <= 0 || !(v.flags & VXBPF_FDB_MIRRORED))
			return have < 0 ? have : 0;
		if ((v.flags & VXBPF_FDB_LOCAL) || addr_cmp(&v.dst, dst)) {
			/* Not the primary: an extra remote of ours? */
			if (whole_mac)
				return 0;
			have = flood_get(a, vni, mac, dst, &fv);
			if (have <= 0 || !(fv.flags & VXBPF_FDB_MIRRORED))
				return have < 0 ? have : 0;
		}
	}
	cmd_fdb(&c, VERB_DEL, vni, mac);
	if (!whole_mac)
		cmd_dst(&c, dst, 0);
	mirror_log(a->verbose, "fdb del %s vni %u dst %s", mac_fmt(mac, m), vni,
	     addr_fmt(dst, d));
	return apply(a, &c);
}

int mirror_fdb(struct mirror_apply *a, __u32 vni, const struct mneigh *n)
{
	struct vxbpf_fdb_val v, old;
	struct vxbpf_flood_val fv;
	struct vx_cmd c;
	char m[VX_MACSTRLEN], w[128];
	bool unicast, dynamic;
	__u16 port, flags;
	__u32 rvni;
	int have, err;

	if (!n->has_lladdr || !n->has_dst || n->has_nh_id)
		return 0; /* nexthop groups, entries without a remote */
	if (vni_learning(a, vni) && n->type == RTM_NEWNEIGH &&
	    !(n->state & (NUD_PERMANENT | NUD_NOARP)))
		dynamic = true;
	else
		dynamic = false;
	unicast = !mac_is_zero(n->lladdr) && !(n->lladdr[0] & 1);
	port = n->has_port ? n->port : 0;
	rvni = n->has_vni && n->vni != vni ? n->vni : 0;
	flags = VXBPF_FDB_MIRRORED | (dynamic && unicast ? VXBPF_FDB_LEARNED : 0) |
		(unicast && (n->flags & NTF_ROUTER) ? VXBPF_FDB_ROUTER : 0);

	if (n->type == RTM_DELNEIGH)
		return remote_del(a, vni, n->lladdr, &n->dst, unicast);

	if (mac_is_zero(n->lladdr)) {
		have = flood_get(a, vni, n->lladdr, &n->dst, &fv);
		if (have < 0)
			return have;
		if (have && !(fv.flags & VXBPF_FDB_MIRRORED)) {
			user_owned(a, SEEN_REMOTE, vni, n->lladdr, &n->dst,
				   "fdb 00:00:00:00:00:00");
			return 0;
		}
		if (!have || fv.be_port != htons(port) || fv.remote_vni != rvni) {
			cmd_fdb(&c, VERB_APPEND, vni, n->lladdr);
			cmd_dst(&c, &n->dst, port);
			err = apply(a, &c);
			if (err)
				return err;
			fv.be_port = htons(port);
			fv.flags = VXBPF_FDB_MIRRORED;
			fv.remote_vni = rvni;
			err = flood_put(a, vni, n->lladdr, &n->dst, &fv);
			if (err)
				return err;
			mirror_log(a->verbose, "fdb append 00:00:00:00:00:00 vni %u %s", vni,
			     dst_words(&n->dst, port, rvni, w, sizeof(w)));
		}
		return mark(a, SEEN_REMOTE, vni, n->lladdr, &n->dst);
	}

	have = fdb_get(a, vni, n->lladdr, &old);
	if (have < 0)
		return have;
	if (have && !(old.flags & (VXBPF_FDB_MIRRORED | VXBPF_FDB_LEARNED))) {
		user_owned(a, SEEN_REMOTE, vni, n->lladdr, &n->dst,
			   mac_fmt(n->lladdr, m));
		return 0;
	}
	if (have && unicast && bridge_holds(a, vni, n->lladdr, &old)) {
		mirror_log(a->verbose, "fdb %s vni %u dst %s: the bridge has it on if%u, kept there",
			   mac_fmt(n->lladdr, m), vni, addr_fmt(&n->dst, w), old.ifindex);
		return mark(a, SEEN_REMOTE, vni, n->lladdr, &n->dst);
	}
	if (have && !(old.flags & VXBPF_FDB_LOCAL) &&
	    !addr_cmp(&old.dst, &n->dst)) {
		if ((old.flags & VXBPF_FDB_MIRRORED) &&
		    old.be_port == htons(port) && old.remote_vni == rvni &&
		    (old.flags & (VXBPF_FDB_MIRRORED | VXBPF_FDB_LEARNED | VXBPF_FDB_ROUTER)) ==
			    flags)
			return mark(a, SEEN_REMOTE, vni, n->lladdr, &n->dst);
	} else if (have && !unicast) {
		have = flood_get(a, vni, n->lladdr, &n->dst, &fv);
		if (have < 0)
			return have;
		if (have && !(fv.flags & VXBPF_FDB_MIRRORED)) {
			user_owned(a, SEEN_REMOTE, vni, n->lladdr, &n->dst,
				   mac_fmt(n->lladdr, m));
			return 0;
		}
		if (have && fv.be_port == htons(port) && fv.remote_vni == rvni)
			return mark(a, SEEN_REMOTE, vni, n->lladdr, &n->dst);
	}

	cmd_fdb(&c, unicast ? VERB_REPLACE : VERB_APPEND, vni, n->lladdr);
	cmd_dst(&c, &n->dst, port);
	err = apply(a, &c);
	if (err)
		return err;
	mirror_log(a->verbose, "fdb %s %s vni %u %s", unicast ? "replace" : "append",
	     mac_fmt(n->lladdr, m), vni,
	     dst_words(&n->dst, port, rvni, w, sizeof(w)));

	/* The origin bits on whatever the command made. */
	if (fdb_get(a, vni, n->lladdr, &v) != 1)
		return -ENOENT;
	if (!(v.flags & VXBPF_FDB_LOCAL) && !addr_cmp(&v.dst, &n->dst)) {
		v.flags = (v.flags & VXBPF_FDB_MULTI) | flags;
		v.remote_vni = rvni;
		if (flags & VXBPF_FDB_LEARNED) {
			v.updated_ns = now_ns();
			/* fdb replace always leaves the primary counted;
			 * a learned entry is never counted. */
			err = cfg_vtep_ref(a->cfg, vni, &n->dst, -1);
			if (err)
				return err;
		}
		err = fdb_put(a, vni, n->lladdr, &v);
	} else {
		fv.be_port = htons(port);
		fv.flags = VXBPF_FDB_MIRRORED;
		fv.remote_vni = rvni;
		err = flood_put(a, vni, n->lladdr, &n->dst, &fv);
	}
	if (err)
		return err;
	return mark(a, SEEN_REMOTE, vni, n->lladdr, &n->dst);
}

/* ---- fdb: the bridge's entries on local ports --------------------------- */

static const struct mport *port_of(struct mirror_apply *a, __u32 ifindex)
{
	size_t i;

	for (i = 0; i < a->n_ports; i++)
		if (a->ports[i].ifindex == ifindex)
			return &a->ports[i];
	return NULL;
}

static bool vni_mirrored(struct mirror_apply *a, __u32 vni)
{
	struct vxbpf_vni_cfg v;

	return tbl_get(&a->cfg->vni, &vni, &v) == 1 &&
	       (v.flags & VXBPF_VNI_MIRRORED);
}

/* Our local entry of mac in vni goes (if it is ours and on ifindex):
 * 1 if it went, 0 if there was none, -errno. */
static int local_del(struct mirror_apply *a, __u32 vni, const __u8 *mac,
		     __u32 ifindex)
{
	struct vxbpf_fdb_val v;
	struct vx_cmd c;
	char m[VX_MACSTRLEN];
	int have;

	have = fdb_get(a, vni, mac, &v);
	if (have <= 0)
		return have;
	if ((v.flags & (VXBPF_FDB_MIRRORED | VXBPF_FDB_LOCAL)) !=
		    (VXBPF_FDB_MIRRORED | VXBPF_FDB_LOCAL) ||
	    (ifindex && v.ifindex != ifindex))
		return 0;
	cmd_fdb(&c, VERB_DEL, vni, mac);
	mirror_log(a->verbose, "fdb del %s vni %u dev if%u", mac_fmt(mac, m), vni, v.ifindex);
	have = apply(a, &c);
	return have ? have : 1;
}

/*
 * The bridge's entry for mac left our local port. If it went onto the
 * VNI's vxlan device, the MAC is behind a VTEP now: the vxlan device's own
 * entry for it, passed over while the bridge had the MAC here
 * (bridge_holds()) and perhaps not notified again, is the one to copy.
 */
/*
 * Is vni one of bridge master's? Its vxlan device is in that bridge. A MAC
 * may live in two VNIs behind two bridges: a move in one is not the
 * other's. Without the devices (a caller that does not know them): yes.
 */
static bool vni_in_bridge(const struct mirror_apply *a, __u32 vni, int master)
{
	int i;

	for (i = 0; i < a->n_devs; i++)
		if (a->devs[i].usable && a->devs[i].vni == vni)
			return !a->devs[i].link.has_master || a->devs[i].link.master == master;
	return true;
}

/*
 * A local entry of mac went: whatever remote the VNI's vxlan device has
 * for it is the MAC's way now (the bridge floods to the device, which
 * sends to its entry), and it may never be notified again: it came while
 * the bridge still had the MAC here (bridge_holds()). Asked for.
 */
static int remote_refetch(struct mirror_apply *a, __u32 vni, const __u8 *mac)
{
	static const struct vxbpf_addr none;
	int err;

	if (!a->confirm)
		return 0;
	/* none matches no remote: whatever the kernel has is applied. */
	err = a->confirm(a->confirm_ctx, MIRROR_REMOTE, vni, mac, &none, 0);
	return err < 0 ? err : 0;
}

static int local_moved(struct mirror_apply *a, __u32 vni, const struct mneigh *n)
{
	struct vxbpf_vni_cfg vc;
	int err;

	err = local_del(a, vni, n->lladdr, 0);
	if (err < 0)
		return err;
	/* Nothing here to move (the port's entry was deleted first, as
	 * zebra does when a MAC moves away), and nothing copied since: the
	 * device's entry is still to be asked for. */
	if (!err && fdb_get(a, vni, n->lladdr, NULL) != 0)
		return 0;
	if (tbl_get(&a->cfg->vni, &vni, &vc) != 1 || vc.mirror_ifindex != (__u32)n->ifindex)
		return 0;
	return remote_refetch(a, vni, n->lladdr);
}

int mirror_local(struct mirror_apply *a, const struct mneigh *n)
{
	const struct mport *p;
	struct vxbpf_fdb_val v;
	struct vx_cmd c;
	char m[VX_MACSTRLEN];
	size_t i;
	int have, err;

	if (!n->has_lladdr || mac_is_zero(n->lladdr) || (n->lladdr[0] & 1))
		return 0;
	/* The ports' (and the bridge's) own addresses are not VMs. */
	if (n->state & NUD_PERMANENT)
		return 0;
	p = port_of(a, n->ifindex);
	if (!p) {
		/* The MAC now lives elsewhere (another port, the vxlan
		 * device): a local entry of ours for it is stale. */
		if (n->type != RTM_NEWNEIGH)
			return 0;
		for (i = 0; i < a->n_ports; i++) {
			if (!vni_in_bridge(a, a->ports[i].vni, n->master))
				continue;
			err = local_moved(a, a->ports[i].vni, n);
			if (err)
				return err;
		}
		return 0;
	}
	if (!vni_mirrored(a, p->vni))
		return 0;
	/*
	 * Gone from the bridge (aged out, deleted, the port flushed): the
	 * bridge floods the MAC's frames now, and vxbpf hands them to it. The
	 * fast path keeps a VM it carries in the bridge (mirror_bridge.c),
	 * and a VM that speaks again is learned from its next frame
	 * (port_src_known()).
	 *
	 * A locked entry (a port with `locked on`, MAC authentication
	 * bypass) is a MAC the bridge drops until user space authorises it:
	 * never on the fast path either.
	 */
	if (n->type == RTM_DELNEIGH || (n->flags_ext & NTF_EXT_LOCKED)) {
		err = local_del(a, p->vni, n->lladdr, p->ifindex);
		if (err > 0 && !(n->flags_ext & NTF_EXT_LOCKED))
			err = remote_refetch(a, p->vni, n->lladdr);
		return err < 0 ? err : 0;
	}

	have = fdb_get(a, p->vni, n->lladdr, &v);
	if (have < 0)
		return have;
	if (have && !(v.flags & (VXBPF_FDB_MIRRORED | VXBPF_FDB_LEARNED))) {
		user_owned(a, SEEN_LOCAL, p->vni, n->lladdr, NULL,
			   mac_fmt(n->lladdr, m));
		return 0;
	}
	if (!have || !(v.flags & VXBPF_FDB_MIRRORED) ||
	    !(v.flags & VXBPF_FDB_LOCAL) || v.ifindex != p->ifindex) {
		cmd_fdb(&c, VERB_REPLACE, p->vni, n->lladdr);
		if (!if_indextoname(p->ifindex, c.dev))
			return 0; /* the port is going away */
		c.has_dev = true;
		err = apply(a, &c);
		if (err)
			return err;
		if (fdb_get(a, p->vni, n->lladdr, &v) != 1)
			return -ENOENT;
		v.flags |= VXBPF_FDB_MIRRORED;
		err = fdb_put(a, p->vni, n->lladdr, &v);
		if (err)
			return err;
		mirror_log(a->verbose, "fdb replace %s vni %u dev %s", mac_fmt(n->lladdr, m),
		     p->vni, c.dev);
	}
	return mark(a, SEEN_LOCAL, p->vni, n->lladdr, NULL);
}

/* ---- neigh --------------------------------------------------------------- */

bool mirror_neigh_usable(const struct mneigh *n, bool bridge)
{
	/* arp_reduce() wants NUD_CONNECTED, the bridge's suppression
	 * NUD_VALID (a stale neighbour is still one). */
	__u16 ok = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE;

	if (bridge)
		ok |= NUD_PROBE | NUD_STALE | NUD_DELAY; /* the kernel's NUD_VALID */

	return n->type == RTM_NEWNEIGH && (n->state & ok) && n->has_lladdr &&
	       !mac_is_zero(n->lladdr) && !(n->lladdr[0] & 1);
}

int mirror_neigh(struct mirror_apply *a, __u32 vni, const struct mneigh *n)
{
	struct vxbpf_neigh_key k;
	struct vxbpf_neigh_val v;
	struct vx_cmd c;
	char ip[VX_ADDRSTRLEN], m[VX_MACSTRLEN];
	bool usable, router, suppress;
	struct vxbpf_vni_cfg vc;
	int have, err;

	if (!n->has_dst)
		return 0;
	suppress = tbl_get(&a->cfg->vni, &vni, &vc) == 1 && (vc.flags & VXBPF_VNI_SUPPRESS);
	usable = mirror_neigh_usable(n, suppress);
	/* The kernel's proxy takes the NA's router flag from the fdb entry
	 * of the neighbour's MAC, never from the neighbour: neither do we.
	 * The bridge's suppression takes it from the neighbour (NTF_ROUTER,
	 * which zebra sets from the EVPN route's router flag). */
	router = suppress && (n->flags & NTF_ROUTER);
	memset(&k, 0, sizeof(k));
	k.vni = vni;
	k.ip = n->dst;
	have = tbl_get(&a->cfg->neigh, &k, &v);
	if (have < 0)
		return have;
	memset(&c, 0, sizeof(c));
	c.obj = OBJ_NEIGH;
	c.has_vni = true;
	c.vni = vni;
	c.has_ip = true;
	c.ip = n->dst;
	c.family = n->family;
	if (!usable) {
		if (!have || !(v.flags & VXBPF_NEIGH_MIRRORED))
			return 0;
		c.verb = VERB_DEL;
		mirror_log(a->verbose, "neigh del %s vni %u", addr_fmt(&n->dst, ip), vni);
		return apply(a, &c);
	}
	if (have && !(v.flags & VXBPF_NEIGH_MIRRORED)) {
		user_owned(a, SEEN_NEIGH, vni, NULL, &n->dst,
			   addr_fmt(&n->dst, ip));
		return 0;
	}
	if (!have || memcmp(v.mac, n->lladdr, 6) ||
	    !(v.flags & VXBPF_NEIGH_ROUTER) != !router) {
		c.verb = VERB_REPLACE;
		c.has_mac = true;
		memcpy(c.mac, n->lladdr, 6);
		c.router = router;
		err = apply(a, &c);
		if (err)
			return err;
		if (tbl_get(&a->cfg->neigh, &k, &v) != 1)
			return -ENOENT;
		v.flags |= VXBPF_NEIGH_MIRRORED;
		err = tbl_put(&a->cfg->neigh, &k, &v);
		if (err)
			return err;
		mirror_log(a->verbose, "neigh replace %s lladdr %s vni %u%s",
		     addr_fmt(&n->dst, ip), mac_fmt(n->lladdr, m), vni,
		     router ? " router" : "");
	}
	return mark(a, SEEN_NEIGH, vni, NULL, &n->dst);
}

/* ---- vni ----------------------------------------------------------------- */

int mirror_vni(struct mirror_apply *a, const struct mlink *l)
{
	struct vxbpf_vni_cfg old, v;
	struct vx_cmd c;
	char err[256], s[VX_ADDRSTRLEN];
	int have, ret;

	ret = mirror_link_cmd(l, &c, err, sizeof(err));
	if (ret) {
		vx_err("%s", err);
		return ret;
	}
	have = tbl_get(&a->cfg->vni, &c.vni, &old);
	if (have < 0)
		return have;
	if (have && !(old.flags & VXBPF_VNI_MIRRORED)) {
		vx_err("vni %u was configured with vxbpf vni add; mirror will not take it over (vxbpf vni del %u first)",
		       c.vni, c.vni);
		return -EEXIST;
	}
	if (have && old.mirror_ifindex && old.mirror_ifindex != (__u32)l->ifindex) {
		char name[IF_NAMESIZE];

		/* Another (live) vxlan device holds this VNI. */
		if (if_indextoname(old.mirror_ifindex, name) &&
		    strcmp(name, l->name)) {
			vx_err("vni %u is mirrored from %s already; one device per VNI",
			       c.vni, name);
			return -EEXIST;
		}
	}
	c.verb = have ? VERB_REPLACE : VERB_ADD;
	ret = apply(a, &c);
	if (ret)
		return ret;
	if (tbl_get(&a->cfg->vni, &c.vni, &v) != 1)
		return -ENOENT;
	v.flags |= VXBPF_VNI_MIRRORED;
	v.mirror_ifindex = l->ifindex;
	ret = tbl_put(&a->cfg->vni, &c.vni, &v);
	if (ret)
		return ret;
	if (have && !memcmp(&old, &v, sizeof(v)))
		a->changes--; /* the same as before: not a change */
	else
		mirror_log(a->verbose, "vni %s %u local %s dstport %u%s%s (from %s)",
		     have ? "replace" : "add", c.vni, addr_fmt(&v.local, s),
		     ntohs(v.be_dstport),
		     (v.flags & VXBPF_VNI_LEARNING) ? " learning" : "",
		     (v.flags & VXBPF_VNI_PROXY) ? " proxy" : "", l->name);
	return 0;
}

/* ---- sweep --------------------------------------------------------------- */

struct doomed {
	__u8 kind; /* SEEN_* */
	__u32 vni;
	__u32 port; /* SEEN_LOCAL: the port */
	__u8 mac[6];
	struct vxbpf_addr ip;
};

static int doomed_push(struct doomed **v, size_t *n, size_t *cap, __u8 kind, __u32 vni,
		       const __u8 *mac, const struct vxbpf_addr *ip, __u32 port)
{
	struct doomed *nv, d = { .kind = kind, .vni = vni, .port = port };

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		nv = realloc(*v, *cap * sizeof(**v));
		if (!nv)
			return -ENOMEM;
		*v = nv;
	}
	if (mac)
		memcpy(d.mac, mac, 6);
	if (ip)
		d.ip = *ip;
	(*v)[(*n)++] = d;
	return 0;
}

/*
 * Must the sweep keep a candidate the dumps did not show? Only the
 * kernel's word for its key deletes it; where the kernel cannot tell
 * (another remote of the MAC comes first in its answer), two resyncs in a
 * row must find it missing. 1 keep, 0 delete, -errno.
 */
static int sweep_keep(struct mirror_apply *a, const struct doomed *d)
{
	struct seen_key k;
	__u32 one = 1;
	int has, in;

	if (!a->confirm || !a->seen)
		return 0;
	has = a->confirm(a->confirm_ctx, d->kind, d->vni, d->mac, &d->ip, d->port);
	if (has == MIRROR_HAS) {
		a->confirmed++;
		return 1;
	}
	if (has == MIRROR_GONE || has == MIRROR_ELSEWHERE)
		return 0;
	skey(&k, d->kind, d->vni, d->kind == SEEN_NEIGH ? NULL : d->mac,
	     d->kind == SEEN_LOCAL ? NULL : &d->ip);
	in = a->suspects ? tbl_get(a->suspects, &k, NULL) : 0;
	if (in < 0)
		return in;
	if (in)
		return 0; /* unsure twice in a row: gone */
	a->recheck = true;
	if (a->next_suspects && (in = tbl_put(a->next_suspects, &k, &one)) < 0)
		return in;
	return 1;
}

int mirror_sweep(struct mirror_apply *a, __u32 vni)
{
	struct vx_cfg *c = a->cfg;
	struct doomed *v = NULL;
	size_t n = 0, cap = 0, i, deleted = 0;
	int err;

	if ((err = tbl_load_all(&c->flood)) || (err = tbl_load_all(&c->fdb)) ||
	    (err = tbl_load_all(&c->neigh)))
		return err;
	/* Extra remotes first, so deleting a primary rarely promotes one. */
	for (i = 0; i < c->flood.n && !err; i++) {
		struct tbl_ent *e = c->flood.list[i];
		const struct vxbpf_flood_key *k = tbl_key(&c->flood, e);
		const struct vxbpf_flood_val *fv = tbl_cur(&c->flood, e);

		if (!e->cur_present || k->vni != vni ||
		    !(fv->flags & VXBPF_FDB_MIRRORED) ||
		    (a->seen && seen(a, SEEN_REMOTE, vni, k->mac, &k->dst)))
			continue;
		err = doomed_push(&v, &n, &cap, SEEN_REMOTE, vni, k->mac, &k->dst, 0);
	}
	for (i = 0; i < c->fdb.n && !err; i++) {
		struct tbl_ent *e = c->fdb.list[i];
		const struct vxbpf_fdb_key *k = tbl_key(&c->fdb, e);
		const struct vxbpf_fdb_val *fv = tbl_cur(&c->fdb, e);
		bool local = fv->flags & VXBPF_FDB_LOCAL;

		if (!e->cur_present || k->vni != vni ||
		    !(fv->flags & VXBPF_FDB_MIRRORED))
			continue;
		if (a->seen && (local ? seen(a, SEEN_LOCAL, vni, k->mac, NULL) :
					seen(a, SEEN_REMOTE, vni, k->mac, &fv->dst)))
			continue;
		err = doomed_push(&v, &n, &cap, local ? SEEN_LOCAL : SEEN_REMOTE, vni, k->mac,
				  &fv->dst, local ? fv->ifindex : 0);
	}
	for (i = 0; i < c->neigh.n && !err; i++) {
		struct tbl_ent *e = c->neigh.list[i];
		const struct vxbpf_neigh_key *k = tbl_key(&c->neigh, e);
		const struct vxbpf_neigh_val *nv = tbl_cur(&c->neigh, e);

		if (!e->cur_present || k->vni != vni ||
		    !(nv->flags & VXBPF_NEIGH_MIRRORED) ||
		    (a->seen && seen(a, SEEN_NEIGH, vni, NULL, &k->ip)))
			continue;
		err = doomed_push(&v, &n, &cap, SEEN_NEIGH, vni, NULL, &k->ip, 0);
	}
	for (i = 0; i < n && !err; i++) {
		struct mneigh ne;
		int keep = sweep_keep(a, &v[i]);

		if (keep < 0) {
			err = keep;
			break;
		}
		if (keep)
			continue;
		deleted++;
		memset(&ne, 0, sizeof(ne));
		ne.type = RTM_DELNEIGH;
		ne.has_lladdr = true;
		memcpy(ne.lladdr, v[i].mac, 6);
		ne.has_dst = true;
		ne.dst = v[i].ip;
		if (v[i].kind == SEEN_REMOTE)
			err = remote_del(a, vni, v[i].mac, &v[i].ip, false);
		else if (v[i].kind == SEEN_LOCAL) {
			err = local_del(a, vni, v[i].mac, 0);
			if (err > 0)
				err = 0;
		} else
			err = mirror_neigh(a, vni, &ne);
	}
	free(v);
	return err ? err : (int)deleted;
}

struct hostdevs_walk {
	struct mirror_apply *a;
	__u32 vni;
	__u32 still; /* an attached device of the VNI that is still there */
};

/* One attached device of the VNI: still its vxlan device, or gone. */
static int hostdev_gone_cb(__u32 ifindex, void *ctx)
{
	struct hostdevs_walk *w = ctx;
	struct mirror_apply *a = w->a;
	struct nl_link l;
	__u32 *g;
	int err;

	err = nl_link_get(ifindex, &l);
	if (err && err != -ENODEV)
		return err;
	if (!err && !strcmp(l.kind, "vxlan") && l.has_vxlan_id && l.vxlan_id == w->vni) {
		w->still = ifindex;
		return 0;
	}
	mirror_log(a->verbose, "vxlan device ifindex %u of vni %u is gone: detached", ifindex,
		   w->vni);
	err = cfg_hostdev_drop(a->cfg, NULL, ifindex, w->vni);
	if (err)
		return err;
	g = realloc(a->hostdevs_gone, (a->n_hostdevs_gone + 1) * sizeof(*g));
	if (!g)
		return -ENOMEM;
	a->hostdevs_gone = g;
	g[a->n_hostdevs_gone++] = ifindex;
	/* No longer attached, for vni del and for cfg_hostdev_drop's "other
	 * device of the VNI" of the next one. */
	a->cfg->hostdevs_gone = g;
	a->cfg->n_hostdevs_gone = a->n_hostdevs_gone;
	a->changes++;
	return 0;
}

/*
 * The kernel vxlan devices attached to vni (`vxbpf attach VXLANDEV`: a
 * hostdevs entry) that are gone, or are no vxlan device of vni any more
 * (the ifindex taken by another): their attachment went with them. What
 * cfg_hostdev_drop drops goes now, in this batch; the hostdevs entry after
 * its commit (a->hostdevs_gone), as detach orders them. Returns the ifindex
 * of one attached device that is still there, 0 if none, or -errno.
 */
static int hostdevs_drop_gone(struct mirror_apply *a, __u32 vni)
{
	struct hostdevs_walk w = { .a = a, .vni = vni };
	int err;

	/* No hostdevs map (memory only): nothing known attached; the flag
	 * is left as it is. */
	if (!a->cfg->maps || a->cfg->maps->fd[M_HOSTDEVS] < 0)
		return 0;
	err = cfg_vni_hostdevs(a->cfg, vni, hostdev_gone_cb, &w);
	if (err)
		return err;
	/* No device of it left: vxbpf replicates the VNI's broadcast again.
	 * cfg_hostdev_drop did so with the last one; this is for a flag that
	 * had no device to drop (what fsck reports as a flag without one). */
	if (!w.still && (err = cfg_vni_hostdev_clear(a->cfg, vni)))
		return err;
	return w.still;
}

void mirror_hostdevs_gone(struct mirror_apply *a)
{
	size_t i;

	for (i = 0; a->cfg->maps && i < a->n_hostdevs_gone; i++)
		if (bpf_map_delete_elem(a->cfg->maps->fd[M_HOSTDEVS], &a->hostdevs_gone[i]) &&
		    errno != ENOENT)
			vx_warn("mirror: cannot delete the hostdevs entry of ifindex %u: %s",
				a->hostdevs_gone[i], vx_strerror(-errno));
	free(a->hostdevs_gone);
	a->hostdevs_gone = NULL;
	a->n_hostdevs_gone = 0;
	a->cfg->hostdevs_gone = NULL;
	a->cfg->n_hostdevs_gone = 0;
}

int mirror_vni_drop(struct mirror_apply *a, __u32 vni, int ifindex)
{
	struct vx_cfg *c = a->cfg;
	struct vxbpf_vni_cfg v;
	struct tbl *saved = a->seen;
	struct vx_cmd cmd;
	size_t i;
	int have, err;

	have = tbl_get(&c->vni, &vni, &v);
	if (have <= 0)
		return have;
	if (!(v.flags & VXBPF_VNI_MIRRORED) ||
	    (ifindex && v.mirror_ifindex && v.mirror_ifindex != (__u32)ifindex))
		return 0;
	a->seen = NULL;
	err = mirror_sweep(a, vni);
	a->seen = saved;
	if (err < 0)
		return err;
	/* A vxlan device attached to the VNI: gone, its attachment goes too;
	 * still there, it keeps the VNI (vni del would refuse). */
	err = hostdevs_drop_gone(a, vni);
	if (err < 0)
		return err;
	if (err) {
		char name[IF_NAMESIZE];

		if (!if_indextoname(err, name))
			snprintf(name, sizeof(name), "%d", err);
		vx_warn("mirror: vni %u still has vxlan device %s attached; kept (vxbpf detach %s)",
			vni, name, name);
		return 0;
	}
	/* Whatever else lives in the VNI (ports, user entries) keeps it. */
	if ((err = tbl_load_all(&c->ports)))
		return err;
	for (i = 0; i < c->ports.n; i++) {
		const struct vxbpf_port_val *pv = tbl_cur(&c->ports, c->ports.list[i]);

		if (c->ports.list[i]->cur_present && pv->vni == vni) {
			vx_warn("mirror: vni %u still has ports; kept (without its mirrored entries)",
				vni);
			return 0;
		}
	}
	if (tbl_count(&c->fdb) || tbl_count(&c->flood) ||
	    tbl_count(&c->neigh)) {
		struct tbl *ts[] = { &c->fdb, &c->flood, &c->neigh };
		size_t t;

		for (t = 0; t < ARRAY_SIZE(ts); t++)
			for (i = 0; i < ts[t]->n; i++)
				if (ts[t]->list[i]->cur_present &&
				    *(const __u32 *)tbl_key(ts[t], ts[t]->list[i]) == vni) {
					vx_warn("mirror: vni %u still has user entries; kept",
						vni);
					return 0;
				}
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.obj = OBJ_VNI;
	cmd.verb = VERB_DEL;
	cmd.has_vni = true;
	cmd.vni = vni;
	mirror_log(a->verbose, "vni del %u", vni);
	return apply(a, &cmd);
}

/* ---- what does not fit ---------------------------------------------------- */

/*
 * The entries of t this batch adds (not in the map before) beyond the
 * map's room, taken out again with del(); local ones (this host's VMs)
 * last. Returns how many, or -errno.
 */
static long fit_one(struct mirror_apply *a, struct tbl *t, size_t reserve,
		    int (*del)(struct mirror_apply *, struct tbl_ent *), bool (*local)(const struct tbl *, struct tbl_ent *))
{
	size_t n = tbl_count(t), i, out = 0, room;
	int pass, err;

	if (!t->max_entries)
		return 0;
	room = t->max_entries > reserve ? t->max_entries - reserve : 0;
	for (pass = 0; pass < 2 && n - out > room; pass++)
		for (i = t->n; i-- > 0 && n - out > room;) {
			struct tbl_ent *e = t->list[i];

			if (e->orig_present || !e->cur_present || (local && local(t, e) != pass))
				continue;
			err = del(a, e); /* one entry of t (a MAC's extra remotes are in flood) */
			if (err)
				return err;
			out++;
		}
	return out;
}

static int fit_fdb_del(struct mirror_apply *a, struct tbl_ent *e)
{
	const struct vxbpf_fdb_key *k = tbl_key(&a->cfg->fdb, e);
	struct vx_cmd c;
	int err;

	cmd_fdb(&c, VERB_DEL, k->vni, k->mac);
	err = cfg_apply(a->cfg, &c);
	/* A MAC with several remotes got its list from the first derive;
	 * with the MAC gone from the batch, nothing marks the list stale. */
	if (!err && tbl_get(&a->cfg->remotes, k, NULL) == 1)
		err = tbl_del(&a->cfg->remotes, k);
	return err;
}

static bool fit_fdb_local(const struct tbl *t, struct tbl_ent *e)
{
	return ((const struct vxbpf_fdb_val *)tbl_cur(t, e))->flags & VXBPF_FDB_LOCAL;
}

static int fit_neigh_del(struct mirror_apply *a, struct tbl_ent *e)
{
	const struct vxbpf_neigh_key *k = tbl_key(&a->cfg->neigh, e);

	return tbl_del(&a->cfg->neigh, k);
}

long mirror_fit(struct mirror_apply *a, size_t reserve)
{
	long fdb, neigh;
	int err;

	if ((err = tbl_load_all(&a->cfg->fdb)) || (err = tbl_load_all(&a->cfg->neigh)))
		return err;
	fdb = fit_one(a, &a->cfg->fdb, reserve, fit_fdb_del, fit_fdb_local);
	if (fdb < 0)
		return fdb;
	neigh = fit_one(a, &a->cfg->neigh, reserve, fit_neigh_del, NULL);
	if (neigh < 0)
		return neigh;
	return fdb + neigh;
}
