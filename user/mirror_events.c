// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vxbpf mirror: what a notification means for the daemon. No sockets
 * here (mirror.c reads them), so that every rule can be run on recorded
 * messages (tests/unit/test_mirror.c):
 *
 *   - a change of one of our devices (VNI, addresses, options, up/down,
 *     rename, delete, its bridge port's neigh_suppress) or the device
 *     appearing: resync at once, also during a back-off;
 *   - an FDB or neighbour change of our devices: applied to the batch;
 *     one that cannot be applied (a full map, say): resync;
 *   - a message that does not parse: what it said is unknown, so is what
 *     changed: resync at once. It is never dropped quietly.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "mirror.h"

struct mirror_dev *mirror_dev_by_index(struct mirror_dev *dev, int n, int ifindex)
{
	int i;

	for (i = 0; i < n; i++)
		if (dev[i].ifindex == ifindex)
			return &dev[i];
	return NULL;
}

struct mirror_dev *mirror_dev_by_name(struct mirror_dev *dev, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(dev[i].name, name))
			return &dev[i];
	return NULL;
}

/* Everything that makes up the vni entry, and up/down. */
static bool link_changed(const struct mirror_dev *d, const struct mlink *l)
{
	const struct mlink *o = &d->link;

	if (d->bridge)
		return (o->ifi_flags ^ l->ifi_flags) & IFF_UP;
	return ((o->ifi_flags ^ l->ifi_flags) & IFF_UP) || o->id != l->id ||
	       o->has_master != l->has_master || o->master != l->master ||
	       o->neigh_suppress != l->neigh_suppress ||
	       addr_cmp(&o->local, &l->local) || o->family != l->family ||
	       o->port != l->port || o->port_min != l->port_min ||
	       o->port_max != l->port_max || o->ttl != l->ttl ||
	       o->tos != l->tos || o->df != l->df ||
	       o->ttl_inherit != l->ttl_inherit || o->learning != l->learning ||
	       o->proxy != l->proxy || o->l2miss != l->l2miss ||
	       o->l3miss != l->l3miss || o->udp_csum != l->udp_csum ||
	       o->udp6zerocsumtx != l->udp6zerocsumtx ||
	       o->udp6zerocsumrx != l->udp6zerocsumrx ||
	       o->ageing != l->ageing || o->limit != l->limit || o->external != l->external ||
	       o->vnifilter != l->vnifilter || o->label != l->label ||
	       o->gbp != l->gbp || o->gpe != l->gpe || o->remcsum != l->remcsum || o->rsc != l->rsc ||
	       strcmp(o->kind, l->kind);
}

static void resync_now(struct mirror_events *e, const char *name, const char *what)
{
	mirror_log(e->verbose, "%s %s: resync", name, what);
	e->resync = true;
	e->now = true;
}

static void link_event(struct mirror_events *e, const struct mlink *l)
{
	struct mirror_dev *d = mirror_dev_by_index(e->dev, e->n, l->ifindex);

	if (l->port_msg) {
		/* A bridge port's flags: neigh_suppress is ours. */
		if (d && !d->bridge && l->type == RTM_NEWLINK && l->has_brport &&
		    l->neigh_suppress != d->link.neigh_suppress)
			resync_now(e, d->name, l->neigh_suppress ? "neigh_suppress on" :
							       "neigh_suppress off");
		return;
	}
	if (d && l->type == RTM_DELLINK)
		resync_now(e, d->name, "deleted");
	else if (d && (strcmp(l->name, d->name) || link_changed(d, l)))
		resync_now(e, d->name, "changed");
	else if (!d && l->type == RTM_NEWLINK &&
		 (d = mirror_dev_by_name(e->dev, e->n, l->name)) && !d->ifindex)
		resync_now(e, d->name, "appeared");
}

static int neigh_event(struct mirror_events *e, const struct mneigh *n)
{
	struct mirror_dev *d;
	int i, err = 0;

	/* The bridge's own entries carry NDA_MASTER, not NTF_SELF. */
	if (n->family == AF_BRIDGE && !(n->flags & NTF_SELF)) {
		if (n->has_master && (d = mirror_dev_by_index(e->dev, e->n, n->master)) &&
		    d->bridge && d->up)
			return mirror_local(e->a, n);
		return 0;
	}
	if (n->family == AF_BRIDGE) {
		if ((d = mirror_dev_by_index(e->dev, e->n, n->ifindex)) && d->usable && d->up)
			return mirror_fdb(e->a, d->vni, n);
		return 0;
	}
	/* Several VNIs may share a bridge's neighbours. */
	for (i = 0; i < e->n && !err; i++) {
		d = &e->dev[i];
		if (d->usable && d->up && d->neigh_if == n->ifindex)
			err = mirror_neigh(e->a, d->vni, n);
	}
	return err;
}

/* What it said is unknown, so is what changed, a device of ours perhaps:
 * start over at once, also during a back-off (which is for full maps). */
static void malformed(struct mirror_events *e)
{
	vx_warn("mirror: a notification could not be parsed; resync");
	e->resync = true;
	e->now = true;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct mirror_events *e = data;
	struct mlink l;
	struct mneigh n;
	int err;

	e->msgs++;
	if (nlh->nlmsg_type == RTM_NEWLINK || nlh->nlmsg_type == RTM_DELLINK) {
		err = mirror_parse_link(nlh, &l);
		if (err < 0)
			malformed(e);
		else if (!err)
			link_event(e, &l);
		return MNL_CB_OK;
	}
	/* A resync to come redoes everything; one that waits out a back-off
	 * (a full map) may wait a minute: meanwhile what fits is applied. */
	if (e->resync_pending || e->now || (e->resync && !e->backing_off))
		return MNL_CB_OK;
	err = mirror_parse_neigh(nlh, &n);
	if (err < 0) {
		malformed(e);
		return MNL_CB_OK;
	}
	if (err)
		return MNL_CB_OK;
	err = neigh_event(e, &n);
	if (err) {
		vx_warn("mirror: event not applied: %s; resync", vx_strerror(err));
		e->resync = true;
	}
	return MNL_CB_OK;
}

void mirror_events_read(struct mirror_events *e, const void *buf, size_t len)
{
	size_t fit = len > INT_MAX ? 0 : mirror_msgs_len(buf, len);

	/* A read that ends inside a message, or a length beyond the read
	 * (libmnl would stop there and say nothing, or for one above
	 * INT_MAX read past the buffer): the rest is unknown, so is what
	 * changed. The whole messages before it are still read. */
	if (fit < len)
		malformed(e);
	/* Notifications: seq 0, from the kernel (portid 0). */
	if (fit && mnl_cb_run(buf, fit, 0, 0, event_cb, e) < 0 && errno != ESRCH &&
	    errno != EPROTO)
		malformed(e);
}

double mirror_backoff(double prev, int err)
{
	if (err != -E2BIG)
		return 1;
	if (!prev)
		return 2;
	return prev * 2 > 60 ? 60 : prev * 2;
}
