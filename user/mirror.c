// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vxbpf mirror DEV... [--once] [-v]: the kernel's vxlan tables are the
 * source of truth; this copies them into vxbpf's maps and keeps them so.
 *
 *   1. subscribe (RTMGRP_LINK | RTMGRP_NEIGH) on a socket with a large
 *      receive buffer, so nothing that changes from now on is missed;
 *   2. resync: dump the links, each vxlan device's FDB (AF_BRIDGE,
 *      NTF_SELF), its IPv4/IPv6 neighbours, each bridge's entries on
 *      local ports (NDA_MASTER), apply them to one vx_cfg, then delete
 *      every MIRRORED entry of those VNIs the dump did not see (mark and
 *      sweep), and commit it all in one batch;
 *   3. follow the events, a batch per socket drain. On ENOBUFS (the
 *      kernel dropped events for us) or a notification that does not
 *      parse: resync again. Link changes of our devices (VNI, local,
 *      up/down, delete) and changes of vxbpf's port set (polled once a
 *      second) also resync: they are rare and it is exact.
 *   4. once a second, replay to the bridge the local MACs whose frames
 *      the fast path carried (mirror_bridge.c), as they never crossed it.
 *
 * A dump is no snapshot (docs/ARCHITECTURE.md, Mirror): the sweep deletes
 * only what the kernel, asked for the key itself, no longer has.
 *
 * NETLINK_NO_ENOBUFS is never set: a lost event must be noticed.
 */
#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <net/if.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <systemd/sd-daemon.h>

#include "cmd.h"
#include "mirror.h"

#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

#define EV_RCVBUF (32 << 20) /* bytes: ~40,000 queued events */
#define RECV_BUF (256 << 10)
#define BATCH_MAX 65536	     /* events applied per commit at most */
#define RESYNC_TRIES 5	     /* link dumps interrupted in a row at most */
#define RECHECK_S 2.0	     /* seconds before a resync settles unsure entries */
#define NOLEARN_MAX 64	     /* ports with learning off warned about */

struct mirror {
	struct mirror_dev dev[MIRROR_DEVS_MAX];
	int n;
	bool once, verbose, started;
	struct vx_maps maps;
	/* Notifications; dumps; single gets and NTF_USE, which may come while
	 * a dump streams (a dump's callback asks the kernel about one key). */
	struct mnl_socket *ev, *dump, *get;
	unsigned dump_portid, get_portid, seq;
	struct mport *ports;
	size_t n_ports;
	struct tbl warned;
	struct tbl suspects; /* unsure sweep candidates of the last resync */
	char *buf;
	bool resync;
	double recheck_at; /* a resync then, to settle the suspects; 0: none */
	double retry_at, backoff; /* after a failed resync: not before then */
	struct mirror_state st;   /* published for `vxbpf status` */
	int nolearn[NOLEARN_MAX]; /* ports warned about: learning off */
	int n_nolearn;
	char devnames[MIRROR_DEVS_MAX * (IF_NAMESIZE + 1)];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- sockets ------------------------------------------------------------- */

static int sockets_open(struct mirror *m)
{
	int one = 1, size = EV_RCVBUF;
	const char *env = getenv("VXBPF_MIRROR_RCVBUF"); /* tests: tiny */

	if (env && atoi(env) > 0)
		size = atoi(env);
	m->ev = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	m->dump = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	m->get = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!m->ev || !m->dump || !m->get)
		goto fail;
	/* As root the limit of rmem_max does not apply; else best effort. */
	if (setsockopt(mnl_socket_get_fd(m->ev), SOL_SOCKET, SO_RCVBUFFORCE,
		       &size, sizeof(size)) < 0)
		setsockopt(mnl_socket_get_fd(m->ev), SOL_SOCKET, SO_RCVBUF,
			   &size, sizeof(size));
	if (mnl_socket_bind(m->ev, RTMGRP_LINK | RTMGRP_NEIGH,
			    MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	/* Strict checking: the kernel filters dumps by ifindex/master. */
	setsockopt(mnl_socket_get_fd(m->dump), SOL_NETLINK,
		   NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	if (mnl_socket_bind(m->dump, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_bind(m->get, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	m->dump_portid = mnl_socket_get_portid(m->dump);
	m->get_portid = mnl_socket_get_portid(m->get);
	m->seq = time(NULL);
	return 0;
fail:
	vx_err("cannot open a netlink socket: %s", strerror(errno));
	return -errno;
}

/*
 * What an earlier request left unread (a dump cut short by an error)
 * would pass for the answer to the next one, and fail it for good: read
 * it away first.
 */
static void sock_drain(struct mnl_socket *nl, char *buf, size_t len)
{
	while (recv(mnl_socket_get_fd(nl), buf, len, MSG_DONTWAIT) > 0)
		;
}

/*
 * One dump request; cb for every message. *intr is set when the kernel
 * says the dump was interrupted by a change (NLM_F_DUMP_INTR).
 */
static int dump(struct mirror *m, struct nlmsghdr *req, mnl_cb_t cb,
		void *data, bool *intr)
{
	unsigned seq = ++m->seq; /* a callback's single get takes the next */
	int len, ret;

	req->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req->nlmsg_seq = seq;
	sock_drain(m->dump, m->buf, RECV_BUF);
	if (mnl_socket_sendto(m->dump, req, req->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		len = mnl_socket_recvfrom(m->dump, m->buf, RECV_BUF);
		if (len < 0)
			return -errno;
		ret = mirror_dump_read(m->buf, len, seq, m->dump_portid, cb, data, intr);
		if (ret < 0)
			return ret;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

/* One message of a single-key get (no NLM_F_DUMP): the parsed neighbour. */
struct get_ctx {
	struct mneigh n;
	bool found;
};

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct get_ctx *g = data;

	if (!mirror_parse_neigh(nlh, &g->n))
		g->found = true;
	return MNL_CB_OK;
}

/*
 * RTM_GETNEIGH for one key: 1 found (*out), 0 the kernel has none, -errno.
 * Its own socket and buffer: a dump may be streaming on m->dump, an event
 * batch being applied may sit in m->buf.
 */
static int kernel_get(struct mirror *m, struct nlmsghdr *req, struct mneigh *out)
{
	struct get_ctx g = { .found = false };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int len, ret;

	req->nlmsg_flags = NLM_F_REQUEST;
	req->nlmsg_seq = ++m->seq;
	sock_drain(m->get, buf, sizeof(buf));
	if (mnl_socket_sendto(m->get, req, req->nlmsg_len) < 0)
		return -errno;
	len = mnl_socket_recvfrom(m->get, buf, sizeof(buf));
	if (len < 0)
		return -errno;
	ret = mnl_cb_run(buf, len, m->seq, m->get_portid, get_cb, &g);
	if (ret < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!g.found)
		return 0;
	*out = g.n;
	return 1;
}

static struct mirror_dev *dev_by_vni(struct mirror *m, __u32 vni)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (m->dev[i].usable && m->dev[i].vni == vni)
			return &m->dev[i];
	return NULL;
}

struct confirm_ctx {
	struct mirror *m;
	struct mirror_apply *a;
};

/*
 * struct mirror_apply.confirm: the kernel's word on one sweep candidate.
 * What the kernel has instead (another remote of a unicast MAC, another
 * lladdr) is applied on the spot: the dump missed it, and no event will
 * bring a change that is already done.
 */
static int confirm(void *ctx, int kind, __u32 vni, const __u8 *mac, const struct vxbpf_addr *ip,
		   __u32 port)
{
	struct confirm_ctx *cc = ctx;
	struct mirror *m = cc->m;
	struct mirror_dev *d = dev_by_vni(m, vni);
	char req[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct ndmsg *ndm;
	struct mneigh n;
	int r;

	if (!d)
		return MIRROR_UNSURE;
	/* A device that is down carries nothing, whatever its table holds
	 * (the kernel keeps permanent entries across down/up). */
	if (!d->up)
		return MIRROR_GONE;
	nlh->nlmsg_type = RTM_GETNEIGH;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	if (kind == MIRROR_NEIGH) {
		ndm->ndm_family = addr_is_v4(ip) ? AF_INET : AF_INET6;
		ndm->ndm_ifindex = d->neigh_if;
		if (addr_is_v4(ip))
			mnl_attr_put(nlh, NDA_DST, 4, &ip->b[12]);
		else
			mnl_attr_put(nlh, NDA_DST, 16, ip->b);
	} else {
		/* NTF_SELF: the vxlan device's own table; NTF_MASTER: the
		 * bridge's entry for the port. */
		ndm->ndm_family = AF_BRIDGE;
		ndm->ndm_ifindex = kind == MIRROR_LOCAL ? port : (__u32)d->ifindex;
		ndm->ndm_flags = kind == MIRROR_LOCAL ? NTF_MASTER : NTF_SELF;
		mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	}
	r = kernel_get(m, nlh, &n);
	if (r < 0)
		return MIRROR_UNSURE; /* a kernel without single gets, say */
	if (!r)
		return MIRROR_GONE;
	if (kind == MIRROR_NEIGH) {
		if (!mirror_neigh_usable(&n, d->suppress))
			return MIRROR_GONE;
		r = mirror_neigh(cc->a, vni, &n);
		return r < 0 ? r : MIRROR_HAS;
	}
	if (kind == MIRROR_LOCAL) {
		if (n.flags_ext & NTF_EXT_LOCKED)
			return MIRROR_GONE; /* not authorised: the bridge drops it */
		return n.ifindex == (int)port ? MIRROR_HAS : MIRROR_ELSEWHERE;
	}
	/* The answer carries the MAC's first remote only. */
	if (n.has_dst && !addr_cmp(&n.dst, ip))
		return MIRROR_HAS;
	if (mac_is_zero(mac) || (mac[0] & 1))
		return MIRROR_UNSURE; /* a list: ip may be further down */
	if (!n.has_dst)
		return MIRROR_GONE;
	/* A unicast MAC has one remote in vxbpf: the kernel's is another. */
	r = mirror_fdb(cc->a, vni, &n);
	return r < 0 ? r : MIRROR_HAS;
}

/* ---- ports --------------------------------------------------------------- */

static int port_cb(const void *key, const void *val, void *ctx)
{
	struct mirror *m = ctx;
	const struct vxbpf_port_val *pv = val;
	struct mport *np;

	np = realloc(m->ports, (m->n_ports + 1) * sizeof(*np));
	if (!np)
		return -ENOMEM;
	m->ports = np;
	np[m->n_ports].ifindex = *(const __u32 *)key;
	np[m->n_ports].vni = pv->vni;
	m->n_ports++;
	return 0;
}

static int mport_cmp(const void *a, const void *b)
{
	const struct mport *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return x->vni < y->vni ? -1 : x->vni > y->vni;
}

/* Re-read vxbpf's ports; 1 when they changed, 0 when not, -errno. */
static int ports_read(struct mirror *m)
{
	struct mport *old = m->ports;
	size_t n_old = m->n_ports;
	int err, changed;

	m->ports = NULL;
	m->n_ports = 0;
	err = map_walk(m->maps.fd[M_PORTS], sizeof(__u32),
		       sizeof(struct vxbpf_port_val), port_cb, m);
	if (err) {
		free(m->ports);
		m->ports = old;
		m->n_ports = n_old;
		return err;
	}
	if (m->n_ports)
		qsort(m->ports, m->n_ports, sizeof(*m->ports), mport_cmp);
	changed = n_old != m->n_ports ||
		  (n_old && memcmp(old, m->ports, n_old * sizeof(*old)));
	free(old);
	return changed;
}

/* ---- resync -------------------------------------------------------------- */

struct sync_ctx {
	struct mirror *m;
	struct mirror_apply *a;
	struct mirror_dev *d; /* the device being dumped */
	int err;
	size_t n;
	struct { int ifindex, master; } nolearn[NOLEARN_MAX]; /* ports, learning off */
	size_t n_nolearn;
};

static bool port_known(const struct mirror *m, int ifindex)
{
	size_t i;

	for (i = 0; i < m->n_ports; i++)
		if (m->ports[i].ifindex == (__u32)ifindex)
			return true;
	return false;
}

static int link_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sync_ctx *s = data;
	struct mlink l;
	struct mirror_dev *d;

	if (mirror_parse_link(nlh, &l) || l.port_msg)
		return MNL_CB_OK;
	if (l.has_brport && !l.brport_learning && l.has_master &&
	    s->n_nolearn < ARRAY_SIZE(s->nolearn) && port_known(s->m, l.ifindex)) {
		s->nolearn[s->n_nolearn].ifindex = l.ifindex;
		s->nolearn[s->n_nolearn++].master = l.master;
	}
	d = mirror_dev_by_name(s->m->dev, s->m->n, l.name);
	if (!d)
		return MNL_CB_OK;
	d->ifindex = l.ifindex;
	d->link = l;
	return MNL_CB_OK;
}

/*
 * A vxbpf port in one of our bridges with `learning off`: the bridge never
 * learns its VMs, so their frames are never known on the fast path and
 * always take the bridge (tx_src_learn). Said once per port.
 */
static void warn_nolearn(struct mirror *m, const struct sync_ctx *s)
{
	struct mirror_dev *br;
	char name[IF_NAMESIZE];
	const char *port;
	size_t i, j;
	int now[NOLEARN_MAX], n_now = 0;

	for (i = 0; i < s->n_nolearn; i++) {
		bool told = false;

		br = mirror_dev_by_index(m->dev, m->n, s->nolearn[i].master);
		if (!br || !br->bridge)
			continue;
		now[n_now++] = s->nolearn[i].ifindex;
		for (j = 0; j < (size_t)m->n_nolearn; j++)
			told |= m->nolearn[j] == s->nolearn[i].ifindex;
		if (told)
			continue;
		/* name is only set when if_indextoname finds the port. */
		port = if_indextoname(s->nolearn[i].ifindex, name) ?: "?";
		vx_warn("mirror: port %s has learning off in %s: the bridge never learns its "
			"MACs, so their frames take the bridge, not the fast path "
			"(bridge link set dev %s learning on)",
			port, br->name, port);
	}
	memcpy(m->nolearn, now, sizeof(now));
	m->n_nolearn = n_now;
}

static void note_err(struct sync_ctx *s, int err)
{
	if (err < 0 && !s->err)
		s->err = err;
}

static int fdb_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sync_ctx *s = data;
	struct mneigh n;

	if (mirror_parse_neigh(nlh, &n))
		return MNL_CB_OK;
	s->n++;
	if (n.family == AF_BRIDGE && (n.flags & NTF_SELF) &&
	    n.ifindex == s->d->ifindex)
		note_err(s, mirror_fdb(s->a, s->d->vni, &n));
	else if (n.family == AF_BRIDGE && !(n.flags & NTF_SELF) &&
		 n.has_master && n.master == s->d->ifindex)
		note_err(s, mirror_local(s->a, &n));
	else if (n.family != AF_BRIDGE && n.ifindex == s->d->neigh_if &&
		 !s->d->bridge)
		note_err(s, mirror_neigh(s->a, s->d->vni, &n));
	return MNL_CB_OK;
}

static struct nlmsghdr *neigh_req(char *buf, __u8 family, int ifindex,
				  int master)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *ndm;

	nlh->nlmsg_type = RTM_GETNEIGH;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = family;
	if (family == AF_BRIDGE) {
		ndm->ndm_ifindex = ifindex; /* the bridge port filter */
	} else if (ifindex) {
		mnl_attr_put_u32(nlh, NDA_IFINDEX, ifindex);
	}
	if (master)
		mnl_attr_put_u32(nlh, NDA_MASTER, master);
	return nlh;
}

/* The VNIs mirrored before this resync that must go now. */
static int drop_stale_vnis(struct mirror *m, struct mirror_apply *a,
			   const __u32 *prev, const int *prev_if, int n_prev)
{
	int i, j, err;

	for (i = 0; i < n_prev; i++) {
		bool keep = false;

		for (j = 0; j < m->n; j++)
			if (m->dev[j].usable && m->dev[j].vni == prev[i])
				keep = true;
		if (keep)
			continue;
		err = mirror_vni_drop(a, prev[i], prev_if[i]);
		if (err)
			return err;
	}
	return 0;
}

/* Mirrored VNIs a previous run left for one of our devices' ifindex. */
static int vni_scan_cb(const void *key, const void *val, void *ctx)
{
	struct sync_ctx *s = ctx;
	const struct vxbpf_vni_cfg *v = val;
	struct mirror_dev *d;

	if (!(v->flags & VXBPF_VNI_MIRRORED))
		return 0;
	d = mirror_dev_by_index(s->m->dev, s->m->n, v->mirror_ifindex);
	if (d && !d->bridge && d->vni != *(const __u32 *)key && !d->usable)
		return 0;
	if (d && !d->bridge && (!d->usable || d->vni != *(const __u32 *)key))
		return mirror_vni_drop(s->a, *(const __u32 *)key,
				       v->mirror_ifindex);
	return 0;
}

/*
 * The link dump: our devices by name. A change of any link interrupts it
 * (NLM_F_DUMP_INTR); only our devices matter, and a few more tries find
 * them whole. Still interrupted after those, the last one is used if it
 * found every device named; else -EAGAIN (a resync to retry): a device
 * such a dump skipped is not gone, and taking it for gone would drop its
 * VNI until it changes again.
 */
static int links_read(struct mirror *m, struct sync_ctx *s, char *req, bool *intr)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int tries, err, i;

	for (tries = 1; tries <= RESYNC_TRIES; tries++) {
		for (i = 0; i < m->n; i++) {
			m->dev[i].ifindex = 0;
			memset(&m->dev[i].link, 0, sizeof(m->dev[i].link));
		}
		nlh = mnl_nlmsg_put_header(req);
		nlh->nlmsg_type = RTM_GETLINK;
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
		*intr = false;
		s->n_nolearn = 0;
		err = dump(m, nlh, link_dump_cb, s, intr);
		if (err) {
			vx_err("cannot list links: %s", vx_strerror(err));
			return err;
		}
		if (!*intr)
			return 0;
		mirror_log(m->verbose, "the link dump was interrupted by a change (try %d of %d)",
			   tries, RESYNC_TRIES);
	}
	for (i = 0; i < m->n; i++)
		if (!m->dev[i].ifindex) {
			vx_err("links keep changing: %d dumps in a row were interrupted", RESYNC_TRIES);
			return -EAGAIN;
		}
	return 0;
}

/*
 * Commit a batch; where the fdb or neigh map is full, leave out what does
 * not fit (mirror_fit) and write the rest: deletes and changes always go
 * in, and the kernel carries what was left out. *left_out: how many.
 */
static int commit_fitting(struct vx_cfg *cfg, struct mirror_apply *a, long *left_out)
{
	static const size_t reserve[] = { 0, 1024, 16384 };
	size_t i;
	long n;
	int err;

	*left_out = 0;
	cfg->quiet_full = true;
	err = cfg_commit(cfg);
	/* Only the fdb and neigh maps can be fitted; another full map (vtep,
	 * flood, a derived list) fails the batch as it is. */
	for (i = 0; err == -E2BIG && (cfg->full == &cfg->fdb || cfg->full == &cfg->neigh) &&
		    i < ARRAY_SIZE(reserve); i++) {
		n = mirror_fit(a, reserve[i]);
		if (n < 0) {
			err = n;
			break;
		}
		*left_out += n;
		cfg->quiet_full = i + 1 < ARRAY_SIZE(reserve);
		err = cfg_commit(cfg);
	}
	if (err == -E2BIG && cfg->quiet_full && cfg->full)
		vx_err("%s map is full (%u entries)", cfg->full->name, cfg->full->max_entries);
	cfg->quiet_full = false;
	return err;
}

static int resync_once(struct mirror *m, bool *intr)
{
	char req[256];
	struct vx_cfg cfg;
	struct tbl seen;
	struct mirror_apply a = { .cfg = &cfg, .verbose = m->verbose,
				  .seen = &seen, .warned = &m->warned,
				  .devs = m->dev, .n_devs = m->n };
	struct sync_ctx s = { .m = m, .a = &a };
	struct confirm_ctx cc = { .m = m, .a = &a };
	struct tbl next_suspects;
	__u32 prev[MIRROR_DEVS_MAX];
	int prev_if[MIRROR_DEVS_MAX], n_prev = 0;
	double t0 = now_s();
	size_t nmsg = 0;
	int i, err, swept = 0, fixed;
	long left_out = 0;
	bool fatal = !m->started;

	*intr = false;
	for (i = 0; i < m->n; i++) {
		if (m->dev[i].vni) {
			prev[n_prev] = m->dev[i].vni;
			prev_if[n_prev++] = m->dev[i].ifindex;
		}
		m->dev[i].ifindex = 0;
		memset(&m->dev[i].link, 0, sizeof(m->dev[i].link));
	}
	err = ports_read(m);
	if (err < 0)
		return err;
	a.ports = m->ports;
	a.n_ports = m->n_ports;

	err = links_read(m, &s, req, intr);
	if (err)
		return err;
	for (i = 0; i < m->n; i++) {
		struct mirror_dev *d = &m->dev[i];
		struct vx_cmd c;
		char why[256];

		d->usable = false;
		d->up = d->link.ifi_flags & IFF_UP;
		d->bridge = !strcmp(d->link.kind, "bridge");
		if (!d->ifindex) {
			if (fatal) {
				vx_err("device \"%s\" not found", d->name);
				return -ENODEV;
			}
			mirror_log(m->verbose, "%s is gone; waiting for it", d->name);
			d->vni = 0;
			continue;
		}
		if (d->bridge) {
			d->vni = 0;
			continue;
		}
		if (mirror_link_cmd(&d->link, &c, why, sizeof(why))) {
			if (fatal) {
				vx_err("cannot mirror %s", why);
				return -EINVAL;
			}
			vx_warn("mirror: %s; not mirrored", why);
			d->vni = 0;
			continue;
		}
		d->vni = c.vni;
		d->usable = true;
		d->suppress = c.vni_flags & VXBPF_VNI_SUPPRESS;
		d->neigh_if = d->suppress ? d->link.master : d->ifindex;
	}
	for (i = 0; i < m->n; i++) {
		int j;

		for (j = 0; j < i; j++)
			if (m->dev[i].usable && m->dev[j].usable &&
			    m->dev[i].vni == m->dev[j].vni) {
				vx_err("%s and %s both have vni %u; vxbpf keeps one device per VNI",
				       m->dev[j].name, m->dev[i].name, m->dev[i].vni);
				if (fatal)
					return -EINVAL;
				m->dev[i].usable = false;
				m->dev[i].vni = 0;
			}
	}

	/* A bridge alone copies nothing: its entries belong to a VNI. */
	for (i = 0; fatal && i < m->n && !m->dev[i].usable; i++)
		;
	if (fatal && i == m->n) {
		vx_err("no vxlan device to mirror among the devices named (a bridge only adds "
		       "the entries of its vxbpf ports to the VNI of its vxlan device)");
		return -EINVAL;
	}
	warn_nolearn(m, &s);
	cfg_init(&cfg, &m->maps);
	mirror_seen_init(&seen);
	mirror_seen_init(&next_suspects);
	a.confirm = confirm;
	a.confirm_ctx = &cc;
	a.suspects = &m->suspects;
	a.next_suspects = &next_suspects;
	/* Every table is walked for the sweep anyway: read them in batches
	 * now rather than key by key while applying. */
	if ((err = tbl_load_all(&cfg.vni)) || (err = tbl_load_all(&cfg.fdb)) ||
	    (err = tbl_load_all(&cfg.flood)) || (err = tbl_load_all(&cfg.neigh)) ||
	    (err = tbl_load_all(&cfg.vtep))) {
		vx_err("cannot read the maps: %s", vx_strerror(err));
		goto out;
	}
	err = map_walk(m->maps.fd[M_VNI], sizeof(__u32),
		       sizeof(struct vxbpf_vni_cfg), vni_scan_cb, &s);
	if (!err)
		err = drop_stale_vnis(m, &a, prev, prev_if, n_prev);
	if (err)
		goto out;
	for (i = 0; i < m->n && !err; i++) {
		struct mirror_dev *d = &m->dev[i];

		if (!d->usable)
			continue;
		err = mirror_vni(&a, &d->link);
		if (err == -EEXIST || err == -EINVAL) {
			if (fatal)
				goto out;
			d->usable = false;
			d->vni = 0;
			err = 0;
		}
	}
	if (err)
		goto out;

	/* Interrupted dumps are used all the same: what they missed comes
	 * as an event, and the sweep deletes only what the kernel confirms
	 * gone. */
	*intr = false;
	for (i = 0; i < m->n && !err; i++) {
		struct mirror_dev *d = &m->dev[i];
		static const __u8 fams[] = { AF_INET, AF_INET6 };
		size_t f;

		s.d = d;
		if (d->bridge && d->ifindex && d->up) {
			size_t p;

			/* Port by port: a dump by master alone would also
			 * walk every port's own table (the vxlan's too). */
			for (p = 0; p < m->n_ports && !err; p++)
				err = dump(m, neigh_req(req, AF_BRIDGE,
							m->ports[p].ifindex,
							d->ifindex),
					   fdb_dump_cb, &s, intr);
			continue;
		}
		if (!d->usable || !d->up)
			continue; /* a down device carries nothing */
		err = dump(m, neigh_req(req, AF_BRIDGE, d->ifindex, 0),
			   fdb_dump_cb, &s, intr);
		for (f = 0; f < ARRAY_SIZE(fams) && !err; f++)
			err = dump(m, neigh_req(req, fams[f], d->neigh_if, 0),
				   fdb_dump_cb, &s, intr);
	}
	nmsg = s.n;
	if (err) {
		vx_err("cannot dump the kernel's tables: %s", vx_strerror(err));
		goto out;
	}
	if (*intr)
		mirror_log(m->verbose, "a dump was interrupted by a change; using it");
	if (s.err) {
		err = s.err;
		goto out;
	}
	for (i = 0; i < m->n; i++) {
		int n;

		if (!m->dev[i].usable)
			continue;
		n = mirror_sweep(&a, m->dev[i].vni);
		if (n < 0) {
			err = n;
			goto out;
		}
		swept += n;
	}
	/* Whatever a killed writer left half done: the counts follow the
	 * entries again. */
	fixed = cfg_recount(&cfg);
	err = fixed < 0 ? fixed : commit_fitting(&cfg, &a, &left_out);
	/* Vxlan devices that went with their VNI: their hostdevs entries
	 * after the commit that removed the host's fdb entries. */
	if (!err)
		mirror_hostdevs_gone(&a);
	if (!err && fixed)
		vx_warn("mirror: %d reference counts were wrong (a writer killed mid-way?); fixed",
			fixed);
	if (!err) {
		m->st.left_out = left_out;
		mirror_log(m->verbose, "resync: %zu kernel entries read, %zu changes, %d stale removed, "
		    "%zu the dump missed kept, %.3f s", nmsg, a.changes, swept, a.confirmed,
		    now_s() - t0);
		/* The unsure ones are settled by the next resync, soon. */
		tbl_free(&m->suspects);
		m->suspects = next_suspects;
		mirror_seen_init(&next_suspects);
		m->recheck_at = a.recheck ? now_s() + RECHECK_S : 0;
	}
out:
	free(a.hostdevs_gone);
	tbl_free(&next_suspects);
	tbl_free(&seen);
	cfg_free(&cfg);
	return err;
}

static int resync(struct mirror *m)
{
	bool intr = false;
	int err = resync_once(m, &intr);

	m->resync = false;
	m->st.resyncs++;
	m->st.last_err = err;
	m->st.retry_in = 0;
	if (err) {
		m->st.failures++;
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		m->st.last_ok = ts.tv_sec + ts.tv_nsec / 1e9;
	}
	return err;
}

static void state_publish(struct mirror *m)
{
	if (m->once)
		return;
	if (mirror_state_publish(&m->st))
		mirror_log(m->verbose, "cannot write the state for vxbpf status under /run/vxbpf");
	/* Under systemd (Type=notify): ready once the first resync is
	 * through, also when a full map left entries to the kernel; the
	 * status line says which (a no-op without NOTIFY_SOCKET). */
	if (m->st.last_err)
		sd_notifyf(0, "STATUS=resync failing: %s", vx_strerror(m->st.last_err));
	else if (m->st.left_out)
		sd_notifyf(0, "READY=1\nSTATUS=map full: %lu kernel entries left to the kernel",
			   m->st.left_out);
	else
		sd_notify(0, "READY=1\nSTATUS=in sync");
}

/*
 * A resync that fails is retried after mirror_backoff(). What did not fit
 * a full map stays with the kernel, which still carries it.
 */
static void resync_done(struct mirror *m, int err)
{
	if (!err && !m->st.left_out) {
		m->backoff = 0;
		m->retry_at = 0;
		state_publish(m);
		return;
	}
	/* What was left out is tried again, as after a full map. */
	m->backoff = mirror_backoff(m->backoff, err ?: -E2BIG);
	if (err)
		vx_warn("mirror: resync failed%s; retrying in %.0f s",
			err == -E2BIG ? " (a vxbpf map is full; see `vxbpf status`)" : "",
			m->backoff);
	else
		vx_warn("mirror: %lu kernel entries do not fit vxbpf's maps and are left to the "
			"kernel, which carries their traffic (see `vxbpf status`); trying again in %.0f s",
			m->st.left_out, m->backoff);
	m->retry_at = now_s() + m->backoff;
	m->st.retry_in = m->backoff;
	m->resync = true;
	state_publish(m);
}

static void resync_or_back_off(struct mirror *m)
{
	resync_done(m, resync(m));
}

/* ---- events -------------------------------------------------------------- */

/* Read every queued event, apply them as one batch. */
static int events(struct mirror *m)
{
	struct vx_cfg cfg;
	struct mirror_apply a = { .cfg = &cfg, .verbose = m->verbose,
				  .warned = &m->warned, .ports = m->ports,
				  .n_ports = m->n_ports, .devs = m->dev, .n_devs = m->n };
	struct mirror_events e = { .dev = m->dev, .n = m->n, .a = &a, .verbose = m->verbose };
	struct confirm_ctx cc = { .m = m, .a = &a };
	int len, err = 0;

	cfg_init(&cfg, &m->maps);
	/* Where the bridge and the vxlan device disagree about a MAC, the
	 * kernel is asked which one holds (mirror_apply.c: bridge_holds). */
	a.confirm = confirm;
	a.confirm_ctx = &cc;
	while (e.msgs < BATCH_MAX) {
		len = mnl_socket_recvfrom(m->ev, m->buf, RECV_BUF);
		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			/* Lost events may have been a change of our devices:
			 * at once, also during a back-off (for full maps). */
			if (errno == ENOBUFS) {
				mirror_log(m->verbose, "event queue overrun (ENOBUFS): resync");
				m->st.overruns++;
				m->resync = true;
				m->retry_at = 0;
				continue;
			}
			if (errno == EINTR)
				continue;
			err = -errno;
			m->retry_at = 0;
			vx_err("netlink receive: %s", strerror(errno));
			break;
		}
		e.resync_pending = m->resync && !m->retry_at;
		e.backing_off = m->retry_at;
		mirror_events_read(&e, m->buf, len);
		if (e.now)
			m->retry_at = 0;
		m->resync |= e.resync;
	}
	/* Not when a resync comes next anyway; during a back-off, yes. */
	if (!err && a.changes && !(m->resync && !m->retry_at)) {
		long left;

		err = commit_fitting(&cfg, &a, &left);
		if (!err && left) {
			vx_warn("mirror: %ld changes do not fit vxbpf's maps; left to the kernel", left);
			m->st.left_out += left;
			if (!m->resync) {
				/* A later resync copies them once there is room. */
				m->backoff = mirror_backoff(m->backoff, -E2BIG);
				m->retry_at = now_s() + m->backoff;
				m->st.retry_in = m->backoff;
				m->resync = true;
			}
			state_publish(m);
		}
	}
	cfg_free(&cfg);
	return err;
}

/* ---- main ---------------------------------------------------------------- */

int run_mirror(const struct vx_cmd *c)
{
	struct mirror *m;
	struct pollfd pfd[2];
	sigset_t mask;
	double last_ports = now_s();
	int sfd = -1, i, err;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->once = c->once;
	m->verbose = c->verbose || vx_verbose;
	m->buf = malloc(RECV_BUF);
	tbl_init(&m->warned, "warned", -1, 32, 4, 0);
	mirror_seen_init(&m->suspects);
	for (i = 0; i < c->n_devs; i++) {
		snprintf(m->dev[m->n++].name, IF_NAMESIZE, "%s", c->devs[i]);
		snprintf(m->devnames + strlen(m->devnames), sizeof(m->devnames) - strlen(m->devnames),
			 "%s%s", i ? " " : "", c->devs[i]);
	}
	m->st.devices = m->devnames;
	if (!m->buf) {
		err = -ENOMEM;
		goto out_free;
	}
	err = maps_open(&m->maps, true);
	if (err)
		goto out_free;
	/* Subscribe before the first dump: nothing falls between them. */
	err = sockets_open(m);
	if (err)
		goto out;
	/* SIGHUP asks a running daemon for a resync: one sent while it
	 * starts (the first resync may take a while) must not kill it. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	if (!m->once)
		sigprocmask(SIG_BLOCK, &mask, NULL);
	/* A daemon whose first resync finds a map full keeps following,
	 * backing off (the kernel carries what does not fit); any other
	 * failure to start is an error. */
	err = resync(m);
	if (m->once || (err && err != -E2BIG))
		goto out;
	resync_done(m, err);
	err = 0;
	m->started = true;

	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		err = -errno;
		vx_err("signalfd: %s", strerror(errno));
		goto out;
	}
	mirror_log(m->verbose, "following changes (SIGTERM or SIGINT to stop, SIGHUP to resync)");
	pfd[0].fd = mnl_socket_get_fd(m->ev);
	pfd[0].events = POLLIN;
	pfd[1].fd = sfd;
	pfd[1].events = POLLIN;
	for (;;) {
		if (m->recheck_at && now_s() >= m->recheck_at) {
			mirror_log(m->verbose, "entries the kernel could not confirm: resync");
			m->resync = true;
		}
		if (m->resync && now_s() >= m->retry_at)
			resync_or_back_off(m);
		if (poll(pfd, 2, m->resync ? 1000 : 500) < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					m->resync = true;
					m->retry_at = 0; /* asked for: now */
				} else {
					mirror_log(m->verbose, "signal %u: exiting, maps stay", si.ssi_signo);
					break;
				}
			}
		}
		if (pfd[0].revents & POLLIN) {
			/* A batch that cannot be written (a full map, a passing
			 * error) is not a reason to stop following: the next
			 * resync starts over from the kernel's tables. */
			err = events(m);
			if (err) {
				vx_warn("mirror: changes not applied; a resync follows%s",
					m->retry_at ? " after the back-off" : "");
				m->resync = true;
				err = 0;
			}
		}
		if (now_s() - last_ports >= 1.0) {
			size_t touched;

			last_ports = now_s();
			if (ports_read(m) > 0) {
				mirror_log(m->verbose, "vxbpf ports changed: resync");
				m->resync = true;
				m->retry_at = 0;
			}
			/* A bridge ages a MAC it has not seen for 300 s by default:
			 * a second is well within any ageing set in practice. */
			if (mirror_touch(m->get, &m->seq, m->maps.fd[M_ACTIVE], m->maps.fd[M_FDB], m->ports,
					 m->n_ports, m->verbose, &touched))
				vx_warn("mirror: cannot refresh the bridge's MACs");
		}
	}
out:
	if (!m->once)
		mirror_state_remove();
	if (sfd >= 0)
		close(sfd);
	if (m->ev)
		mnl_socket_close(m->ev);
	if (m->dump)
		mnl_socket_close(m->dump);
	if (m->get)
		mnl_socket_close(m->get);
	maps_close(&m->maps);
out_free:
	tbl_free(&m->warned);
	tbl_free(&m->suspects);
	free(m->ports);
	free(m->buf);
	free(m);
	return err;
}
