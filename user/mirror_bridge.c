// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Keeping the kernel's bridge in step with the fast path. A VM's frames
 * that vxbpf carries never cross the bridge, which then ages the VM's MAC
 * out of its FDB: an EVPN control plane reading the bridge (zebra)
 * withdraws the MAC's route, every other VTEP floods towards it from then
 * on, and mirror drops the local entry (mirror_local).
 *
 * The fast path carries a port's frames only once the bridge has learned
 * their source on that port (the first ones go through the bridge,
 * bpf/port.h), and notes in the active map each such MAC it carries;
 * once a second this replays them to the bridge as RTM_NEWNEIGH with
 * NTF_USE, which the bridge takes as a frame from that MAC on that port
 * (br_fdb_update(): refreshed, or created again after ageing out).
 *
 * A note can be stale by the time it is drained: the VM moved on and the
 * control plane already put its MAC behind a VTEP. Replayed, it would pull
 * the MAC back to the old port (and make zebra see a flapping MAC), so
 * only a MAC vxbpf's fdb still has on that port is replayed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "mirror.h"

struct drain {
	struct vxbpf_active_key *keys;
	size_t n;
};

static int collect_cb(const void *key, const void *val, void *ctx)
{
	struct drain *d = ctx;

	(void)val;
	if (d->n >= VXBPF_MAX_ACTIVE)
		return 0;
	memcpy(&d->keys[d->n++], key, sizeof(*d->keys));
	return 0;
}

/* Is mac (of the note's VNI) still a local MAC of the note's port? */
static bool still_here(int fdb_fd, const struct vxbpf_active_key *k, __u32 vni)
{
	struct vxbpf_fdb_key fk = { .vni = vni };
	struct vxbpf_fdb_val v;

	memcpy(fk.mac, k->mac, sizeof(fk.mac));
	return !bpf_map_lookup_elem(fdb_fd, &fk, &v) && (v.flags & VXBPF_FDB_LOCAL) &&
	       v.ifindex == k->ifindex;
}

static const struct mport *port_of(const struct mport *ports, size_t n, __u32 ifindex)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ports[i].ifindex == ifindex)
			return &ports[i];
	return NULL;
}

/* RTM_NEWNEIGH NTF_MASTER|NTF_USE for MAC on port; 0 or -errno. */
static int touch_one(struct mnl_socket *nl, unsigned *seq, const struct vxbpf_active_key *k)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *ndm;
	int len;

	/* What an earlier request left would pass for this one's answer. */
	while (recv(mnl_socket_get_fd(nl), buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	nlh->nlmsg_type = RTM_NEWNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++*seq;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_BRIDGE;
	ndm->ndm_ifindex = k->ifindex;
	ndm->ndm_flags = NTF_MASTER | NTF_USE;
	ndm->ndm_state = NUD_REACHABLE; /* the bridge insists on a valid one */
	mnl_attr_put(nlh, NDA_LLADDR, 6, k->mac);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	len = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (len < 0)
		return -errno;
	if (mnl_cb_run(buf, len, *seq, mnl_socket_get_portid(nl), NULL, NULL) < 0)
		return -errno;
	return 0;
}

int mirror_touch(struct mnl_socket *nl, unsigned *seq, int active_fd, int fdb_fd,
		 const struct mport *ports, size_t n_ports, bool verbose, size_t *touched)
{
	struct drain d = { 0 };
	size_t i;
	int err;

	*touched = 0;
	d.keys = malloc(VXBPF_MAX_ACTIVE * sizeof(*d.keys));
	if (!d.keys)
		return -ENOMEM;
	err = map_walk(active_fd, sizeof(*d.keys), sizeof(__u32), collect_cb, &d);
	for (i = 0; i < d.n && !err; i++) {
		const struct vxbpf_active_key *k = &d.keys[i];
		const struct mport *p;
		char m[VX_MACSTRLEN];
		int r;

		/* First: a frame from now on notes the MAC again. */
		bpf_map_delete_elem(active_fd, k);
		p = port_of(ports, n_ports, k->ifindex);
		if (!p || !still_here(fdb_fd, k, p->vni))
			continue;
		r = touch_one(nl, seq, k);
		if (!r) {
			++*touched;
			continue;
		}
		/* The port left its bridge or went away meanwhile: nothing to
		 * keep. Anything else is the socket's trouble. */
		if (r == -ENODEV || r == -EINVAL || r == -EOPNOTSUPP || r == -ENOENT) {
			mirror_log(verbose, "bridge: %s on ifindex %u not refreshed: %s",
				   mac_fmt(k->mac, m), k->ifindex, vx_strerror(r));
			continue;
		}
		err = r;
	}
	free(d.keys);
	return err;
}
