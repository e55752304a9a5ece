// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Commands that touch devices: attach/detach of the underlay programs
 * (xdp_vxlan_rx, and tc_host_rx behind it), of a kernel vxlan device
 * (tc_host_tx: the host's own traffic) and port add/del (ports map +
 * xdp_port_rx). Map changes are committed first so a program never sees
 * a device it does not know, and rolled back if the attachment fails.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "cfg.h"
#include "cmd.h"
#include "veth.h"
#include "sysctl.h"
#include "nl.h"
#include "tc.h"

/* The ports map entry of ifindex: 1 found, 0 none, -errno. */
static int port_get(struct vx_maps *m, int ifindex, struct vxbpf_port_val *v)
{
	__u32 key = ifindex;
	int err = bpf_map_lookup_elem(m->fd[M_PORTS], &key, v);

	if (err == -ENOENT)
		return 0;
	return err ? err : 1;
}

/*
 * The underlay map: the encap program redirects only to devices recorded
 * there, and XDP hands frames to the host's vxlan devices only where
 * tc_host_rx stands behind it. bits 0: remove the entry.
 */
static int underlay_set(struct vx_maps *m, int ifindex, __u32 bits)
{
	__u32 key = ifindex;
	int err;

	err = bits ? bpf_map_update_elem(m->fd[M_UNDERLAY], &key, &bits, BPF_ANY)
		   : bpf_map_delete_elem(m->fd[M_UNDERLAY], &key);
	if (err && !(errno == ENOENT && !bits)) {
		err = -errno;
		vx_err("cannot update the underlay map: %s", vx_strerror(err));
		return err;
	}
	return 0;
}

/* The hostdevs entry of ifindex: 1 found, 0 none, -errno. */
static int hostdev_get(struct vx_maps *m, int ifindex, struct vxbpf_hostdev *v)
{
	__u32 key = ifindex;
	int err = bpf_map_lookup_elem(m->fd[M_HOSTDEVS], &key, v);

	if (err == -ENOENT)
		return 0;
	return err ? err : 1;
}

/* Put hostdevs back as it was: had, the old entry; else none. */
static void hostdev_restore(struct vx_maps *m, int ifindex, int had, const struct vxbpf_hostdev *old)
{
	__u32 key = ifindex;

	if (had)
		bpf_map_update_elem(m->fd[M_HOSTDEVS], &key, old, BPF_ANY);
	else
		bpf_map_delete_elem(m->fd[M_HOSTDEVS], &key);
}

/*
 * A kernel vxlan device: the host's traffic routed into it is sent by
 * tc_host_tx, and what arrives for its MAC is handed to it by the
 * underlay's programs (an fdb entry marked HOST). Attaching again
 * replaces the program; a failure leaves what was there.
 *
 * The hostdevs entry goes in before the fdb entry that sends frames to
 * it: tc_host_rx hands a frame over only to a device in hostdevs, so an
 * fdb entry without one (a kill between the two) would have every frame
 * for the device's MAC decapsulated and lost. The entry alone is no harm:
 * nothing points at it yet, and tc_host_tx is not there.
 */
static int host_attach(struct vx_maps *m, struct vx_cfg *cfg, const char *dev, int ifindex,
		       const struct nl_link *nl)
{
	struct vxbpf_fdb_key fkey = {};
	struct vxbpf_fdb_val fval = {}, old;
	struct vxbpf_hostdev hd = {}, old_hd;
	struct vxbpf_vni_cfg vc;
	__u32 key = ifindex;
	int have, had_hd, err;

	if (!nl->has_vxlan_id || !nl->has_mac) {
		vx_err("%s: the kernel did not report its VNI and MAC", dev);
		return -EINVAL;
	}
	have = tbl_get(&cfg->vni, &nl->vxlan_id, &vc);
	if (have <= 0) {
		if (!have)
			vx_err("vni %u of %s is not configured; run vxbpf mirror %s (or vni add) first",
			       nl->vxlan_id, dev, dev);
		return have ? have : -ENOENT;
	}
	fkey.vni = nl->vxlan_id;
	memcpy(fkey.mac, nl->mac, 6);
	have = tbl_get(&cfg->fdb, &fkey, &old);
	if (have < 0)
		return have;
	if (have && !((old.flags & VXBPF_FDB_HOST) && old.ifindex == (__u32)ifindex)) {
		vx_err("vni %u already has an fdb entry for %s's MAC; fdb del it first",
		       nl->vxlan_id, dev);
		return -EEXIST;
	}
	had_hd = hostdev_get(m, ifindex, &old_hd);
	if (had_hd < 0)
		return had_hd;
	hd.vni = nl->vxlan_id;
	if (bpf_map_update_elem(m->fd[M_HOSTDEVS], &key, &hd, BPF_ANY)) {
		err = -errno;
		vx_err("cannot update the hostdevs map: %s", vx_strerror(err));
		return err;
	}
	fval.flags = VXBPF_FDB_LOCAL | VXBPF_FDB_HOST;
	fval.ifindex = ifindex;
	err = tbl_put(&cfg->fdb, &fkey, &fval);
	/* The device carries the VNI's broadcast: the fast path passes it
	 * there instead of replicating it itself. */
	vc.flags |= VXBPF_VNI_HOSTDEV;
	if (!err)
		err = tbl_put(&cfg->vni, &nl->vxlan_id, &vc);
	if (!err)
		err = cfg_commit(cfg);
	if (err) {
		hostdev_restore(m, ifindex, had_hd, &old_hd);
		return err;
	}
	err = tc_attach(m, dev, ifindex, P_HOST_TX, true);
	if (err) {
		/* The fdb entry before the hostdevs entry it needs. */
		if (cfg_undo(cfg))
			vx_err("could not restore %s's fdb entry", dev);
		else
			hostdev_restore(m, ifindex, had_hd, &old_hd);
		return err;
	}
	fib_lookup_enable();
	return 0;
}

/*
 * The reverse of host_attach: the program, then the fdb entry and the
 * VNI's flag, then the hostdevs entry, which the fdb entry needs as long
 * as it is there.
 */
static int host_detach(struct vx_maps *m, struct vx_cfg *cfg, const char *dev, int ifindex)
{
	struct vxbpf_hostdev hd = {};
	__u32 key = ifindex;
	int err, had;

	had = hostdev_get(m, ifindex, &hd);
	/* No hostdevs entry to read, no VNI: only the program goes here,
	 * its fdb entries with cfg_drop_port below. */
	err = had > 0 ? cfg_hostdev_drop(cfg, dev, ifindex, hd.vni)
		      : tc_detach(m, dev, ifindex, true, true);
	if (err)
		return err;
	/* The device is here, its ifindex its own: whatever else still names
	 * it (host entries an attachment to another VNI left, a port) goes
	 * too; what cfg_hostdev_drop took out of the batch is not there to
	 * delete twice. Mirror cannot: the ifindex of a device that went may
	 * be another device's by now. */
	err = cfg_drop_port(cfg, ifindex);
	if (!err)
		err = cfg_commit(cfg);
	if (err)
		return err;
	if (bpf_map_delete_elem(m->fd[M_HOSTDEVS], &key) && errno != ENOENT) {
		err = -errno;
		vx_err("cannot update the hostdevs map: %s", vx_strerror(err));
	}
	return err;
}

/*
 * Whether XDP may redirect multi-buffer frames to the device: its driver
 * says so in its XDP features (NDO_XMIT_SG; Linux 6.3+, before which no
 * such redirect works). A veth has it when its peer has XDP or GRO, so
 * this is asked after veth_ensure_delivery(). Else the fast path sends
 * such frames through TC (bpf/stats.h).
 */
bool dev_xmit_sg(int ifindex)
{
	__u64 f;

	return !nl_xdp_features(ifindex, &f) && (f & NL_XDP_ACT_NDO_XMIT_SG);
}

/*
 * The underlay: tc_host_rx first, then XDP, then the map entry that lets
 * XDP hand frames to tc_host_rx, so XDP never marks a frame nobody moves.
 * A failure removes only what this call added.
 */
static int underlay_attach(struct vx_maps *m, const struct vx_cmd *c, int ifindex)
{
	bool had_tc = tc_attached(m, ifindex, false, false);
	struct xdp_att a;
	bool had_xdp = xdp_attached(m, ifindex, &a) > 0;
	int err;

	err = tc_attach(m, c->dev, ifindex, P_HOST_RX, false);
	if (err)
		return err;
	err = xdp_attach(m, c->dev, ifindex, P_VXLAN_RX, c->mode);
	if (!err)
		err = underlay_set(m, ifindex, VXBPF_UNDERLAY_XDP | VXBPF_UNDERLAY_TC_RX);
	if (err) {
		if (!had_xdp)
			xdp_detach(m, c->dev, ifindex, true);
		if (!had_tc)
			tc_detach(m, c->dev, ifindex, false, true);
		return err;
	}
	veth_ensure_delivery(ifindex, c->dev);
	if (dev_xmit_sg(ifindex))
		return underlay_set(m, ifindex,
				    VXBPF_UNDERLAY_XDP | VXBPF_UNDERLAY_TC_RX | VXBPF_UNDERLAY_XMIT_SG);
	return 0;
}

int run_attach(const struct vx_cmd *c)
{
	struct vxbpf_port_val pv;
	struct nl_link nl;
	struct vx_maps m;
	struct vx_cfg cfg;
	int ifindex, err;

	ifindex = dev_index(c->dev);
	if (ifindex < 0)
		return ifindex;
	err = nl_link_get(ifindex, &nl);
	if (err) {
		vx_err("cannot query %s: %s", c->dev, vx_strerror(err));
		return err;
	}
	err = maps_open(&m, true);
	if (err)
		return err;
	cfg_init(&cfg, &m); /* the pin-dir lock, for every map written here */
	err = port_get(&m, ifindex, &pv);
	if (err > 0) {
		vx_err("%s is a vxbpf port (vni %u); port del %s first", c->dev,
		       pv.vni, c->dev);
		err = -EBUSY;
	} else if (!strcmp(nl.kind, "vxlan")) {
		err = host_attach(&m, &cfg, c->dev, ifindex, &nl);
	} else {
		/* Nothing to write, unless the replication lists are missing
		 * (maps of an older vxbpf): then they are computed now. */
		err = cfg_commit(&cfg);
		if (!err)
			err = underlay_attach(&m, c, ifindex);
	}
	cfg_free(&cfg);
	maps_close(&m);
	return err;
}

static int underlay_detach(struct vx_maps *m, const char *dev, int ifindex, bool quiet)
{
	/* The entry first: XDP must not mark frames nobody will move. */
	int err = underlay_set(m, ifindex, 0);

	if (!err)
		err = xdp_detach(m, dev, ifindex, quiet);
	if (!err)
		err = tc_detach(m, dev, ifindex, false, true);
	return err;
}

static int detach_one(const struct xdp_att *a, void *ctx)
{
	char name[IF_NAMESIZE];

	if (!if_indextoname(a->ifindex, name))
		snprintf(name, sizeof(name), "%d", a->ifindex);
	return underlay_detach(ctx, name, a->ifindex, true);
}

/* Every kernel vxlan device attached (detach --all). */
static int host_detach_all(struct vx_maps *m, struct vx_cfg *cfg)
{
	__u32 key, next;
	char name[IF_NAMESIZE];
	int err;

	/* Deleting while walking: always restart from the first key. */
	while (!bpf_map_get_next_key(m->fd[M_HOSTDEVS], NULL, &next)) {
		key = next;
		if (!if_indextoname(key, name))
			snprintf(name, sizeof(name), "%u", key);
		err = host_detach(m, cfg, name, key);
		if (err)
			return err;
	}
	return 0;
}

int run_detach(const struct vx_cmd *c)
{
	struct vxbpf_port_val pv;
	struct vxbpf_hostdev hd;
	struct vx_maps m;
	struct vx_cfg cfg;
	int ifindex, err;

	err = maps_open(&m, false);
	if (err == -ENOENT) {
		if (c->all)
			return 0;
		vx_err("%s has no XDP program attached by vxbpf", c->dev);
		return err;
	}
	if (err)
		return err;
	cfg_init(&cfg, &m);
	if (c->all) {
		/* Underlay and vxlan devices: ports go with port del. */
		err = xdp_walk(&m, detach_one, &m);
		if (!err)
			err = host_detach_all(&m, &cfg);
		goto out;
	}
	ifindex = dev_index(c->dev);
	if (ifindex < 0) {
		err = ifindex;
		goto out;
	}
	if (port_get(&m, ifindex, &pv) > 0) {
		vx_err("%s is a vxbpf port (vni %u); use port del %s", c->dev,
		       pv.vni, c->dev);
		err = -EBUSY;
		goto out;
	}
	if (hostdev_get(&m, ifindex, &hd) > 0) {
		err = host_detach(&m, &cfg, c->dev, ifindex);
		goto out;
	}
	err = underlay_detach(&m, c->dev, ifindex, false);
out:
	cfg_free(&cfg);
	maps_close(&m);
	return err;
}

/*
 * An entry per CPU in the CPU map through which xdp_port_rx sends frames
 * for outer fragments whose checksum the VM left to offload (bpf/frag.h):
 * each is a kernel thread that makes skbs, so only where ports are. Kept
 * once made. Without them such frames are not fragmented; a warning only.
 */
int run_port_add(const struct vx_cmd *c)
{
	struct vxbpf_port_val pv = {}, old;
	struct vxbpf_vni_cfg vc;
	struct vx_maps m;
	struct vx_cfg cfg;
	struct xdp_att a;
	bool had_tc;
	__u32 key;
	int ifindex, have, err;

	ifindex = dev_index(c->dev);
	if (ifindex < 0)
		return ifindex;
	err = maps_open(&m, true);
	if (err)
		return err;
	cfg_init(&cfg, &m);
	have = tbl_get(&cfg.vni, &c->vni, &vc);
	if (have <= 0) {
		if (!have)
			vx_err("vni %u not found; vni add %u local IP first",
			       c->vni, c->vni);
		err = have ? have : -ENOENT;
		goto out;
	}
	key = ifindex;
	have = tbl_get(&cfg.ports, &key, &old);
	if (have < 0) {
		err = have;
		goto out;
	}
	if (have && old.vni != c->vni) {
		vx_err("port %s is in vni %u; port del %s first", c->dev,
		       old.vni, c->dev);
		err = -EBUSY;
		goto out;
	}
	if (!have && xdp_attached(&m, ifindex, &a) > 0) {
		vx_err("%s has vxbpf attached as an underlay device; detach %s first",
		       c->dev, c->dev);
		err = -EBUSY;
		goto out;
	}
	pv.vni = c->vni;
	err = tbl_put(&cfg.ports, &key, &pv);
	if (!err)
		err = cfg_commit(&cfg);
	if (err)
		goto out;
	/* TC first: what XDP passes, TC replicates (flood.h). */
	had_tc = tc_attached(&m, ifindex, false, false);
	err = tc_attach(&m, c->dev, ifindex, P_PORT_TC, false);
	if (!err) {
		err = xdp_attach(&m, c->dev, ifindex, P_PORT_RX, c->mode);
		if (err && !had_tc)
			tc_detach(&m, c->dev, ifindex, false, true);
	}
	if (err) {
		if (cfg_undo(&cfg))
			vx_err("could not remove %s from the ports map", c->dev);
		goto out;
	}
	veth_ensure_delivery(ifindex, c->dev);
	/* As committed (with the derived copy of the VNI's entry), one flag
	 * more. */
	if (dev_xmit_sg(ifindex) && port_get(&m, ifindex, &pv) > 0) {
		pv.flags |= VXBPF_PORT_XMIT_SG;
		if (bpf_map_update_elem(m.fd[M_PORTS], &key, &pv, BPF_EXIST))
			vx_warn("%s: cannot note that it takes multi-buffer frames (%s); "
				"they go through TC", c->dev, vx_strerror(-errno));
		else
			maps_gen_raise(&m); /* the cached copy of the entry */
	}
	fib_lookup_enable();
out:
	cfg_free(&cfg);
	maps_close(&m);
	return err;
}

int run_port_del(const struct vx_cmd *c)
{
	struct vxbpf_port_val pv;
	struct vx_maps m;
	struct vx_cfg cfg;
	int ifindex, err;

	ifindex = dev_index(c->dev);
	if (ifindex < 0)
		return ifindex;
	err = maps_open(&m, false);
	if (err == -ENOENT) {
		vx_err("%s is not a vxbpf port", c->dev);
		return err;
	}
	if (err)
		return err;
	err = port_get(&m, ifindex, &pv);
	if (err <= 0) {
		if (!err)
			vx_err("%s is not a vxbpf port", c->dev);
		err = err ? err : -ENOENT;
		goto out;
	}
	/* Detach first: the programs must not outlive their port entry. */
	err = xdp_detach(&m, c->dev, ifindex, true);
	if (!err)
		err = tc_detach(&m, c->dev, ifindex, false, true);
	if (err)
		goto out;
	cfg_init(&cfg, &m);
	err = cfg_drop_port(&cfg, ifindex);
	if (!err)
		err = cfg_commit(&cfg);
	cfg_free(&cfg);
out:
	maps_close(&m);
	return err;
}
