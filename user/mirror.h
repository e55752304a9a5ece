/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * vxbpf mirror: the kernel's vxlan tables (link attributes, FDB, neigh,
 * the bridge's entries for local ports) copied live into vxbpf's maps.
 *
 * mirror_nl.c turns rtnetlink messages into the plain structs below (every
 * attribute length checked, unknown attributes ignored); mirror_apply.c
 * turns them into changes of a struct vx_cfg under the origin rule
 * (include/vxbpf.h); mirror.c runs the sockets, the dumps, the
 * mark-and-sweep resync and the daemon loop.
 */
#ifndef VX_MIRROR_H
#define VX_MIRROR_H

#include <stdbool.h>
#include <net/if.h>
#include <linux/types.h>
#include <linux/netlink.h>

#include "cfg.h"

/* An RTM_NEWLINK/RTM_DELLINK, reduced to what mirror needs. */
struct mlink {
	int type; /* RTM_NEWLINK or RTM_DELLINK */
	int ifindex;
	unsigned ifi_flags; /* IFF_UP ... */
	char name[IF_NAMESIZE];
	char kind[16]; /* IFLA_INFO_KIND, "" if none */
	bool has_master;
	int master;
	/* IFLA_INFO_DATA of a vxlan device (kind "vxlan") */
	bool has_id;
	__u32 id;
	int family; /* of local: AF_INET, AF_INET6, 0 = none */
	struct vxbpf_addr local;
	__u16 port; /* host order, 0 = not given */
	__u16 port_min, port_max;
	__u8 ttl, tos, df;
	bool ttl_inherit;
	bool learning, proxy, l2miss, l3miss;
	bool has_udp_csum, udp_csum;
	bool udp6zerocsumtx, udp6zerocsumrx;
	bool has_ageing;
	__u32 ageing;
	__u32 limit; /* IFLA_VXLAN_LIMIT, `maxaddress`: 0 = none */
	bool external, vnifilter, gbp, gpe, remcsum, rsc;
	__u32 label;
	/* As a bridge port (IFLA_INFO_SLAVE_DATA, or IFLA_PROTINFO of an
	 * AF_BRIDGE message: port_msg, which carries nothing else). */
	bool port_msg;
	bool has_brport, neigh_suppress, brport_learning;
};

/* An RTM_NEWNEIGH/RTM_DELNEIGH of any family. */
struct mneigh {
	int type; /* RTM_NEWNEIGH or RTM_DELNEIGH */
	__u8 family;
	int ifindex;
	__u16 state;
	__u8 flags; /* ndm_flags: NTF_SELF, NTF_MASTER, NTF_ROUTER */
	bool has_lladdr;
	__u8 lladdr[6];
	bool has_dst; /* AF_BRIDGE: the remote VTEP; else the neighbour IP */
	int dst_family;
	struct vxbpf_addr dst;
	bool has_port;
	__u16 port; /* host order */
	bool has_vni;
	__u32 vni;
	bool has_master;
	int master;
	bool has_nh_id; /* nexthop-group entry: no single dst */
	bool has_src_vni;
	__u32 flags_ext; /* NDA_FLAGS_EXT: NTF_EXT_LOCKED ... */
};

#ifndef NTF_EXT_LOCKED
#define NTF_EXT_LOCKED (1 << 1) /* Linux 6.2 uapi: a MAC a locked port has not authorised */
#endif

/*
 * Parse one message. 0: filled; 1: not a message of that kind (other
 * type, family of no interest); -EINVAL: malformed (short header, an
 * attribute of the wrong length or shape) and nothing may be used.
 */
int mirror_parse_link(const struct nlmsghdr *nlh, struct mlink *l);
int mirror_parse_neigh(const struct nlmsghdr *nlh, struct mneigh *n);

/*
 * The vni command that reproduces a vxlan link in vxbpf, or -EINVAL with
 * the reason in err (external, vnifilter, no local address, options the
 * fast path cannot reproduce on the wire).
 */
int mirror_link_cmd(const struct mlink *l, struct vx_cmd *cmd, char *err,
		    size_t errlen);

/* ---- applying (mirror_apply.c) ----------------------------------------- */

struct mirror_dev;

/* What mirror keeps track of: a remote of a MAC, a MAC on a local port of
 * the bridge, an IP neighbour. */
enum { MIRROR_REMOTE = 1, MIRROR_LOCAL, MIRROR_NEIGH };

/* The kernel's answer about one entry (struct mirror_apply.confirm). */
enum mirror_has {
	MIRROR_GONE = 0,   /* it has no such entry */
	MIRROR_HAS = 1,	   /* it has exactly that one */
	MIRROR_UNSURE = 2, /* it cannot tell (a MAC with several remotes) */
	MIRROR_ELSEWHERE = 3, /* MIRROR_LOCAL: the bridge has it on another port */
};

/* A local port of vxbpf: ifindex -> VNI (from the ports map). */
struct mport {
	__u32 ifindex, vni;
};

struct mirror_apply {
	struct vx_cfg *cfg;
	bool verbose;
	struct tbl *seen;   /* non-NULL during a resync: what the dump saw */
	struct tbl *warned; /* user-entry keys already warned about */
	const struct mport *ports;
	size_t n_ports;
	const struct mirror_dev *devs; /* the daemon's devices, if known */
	int n_devs;
	size_t changes, skipped_user;
	/*
	 * Asked by the sweep before it deletes an entry the dumps did not
	 * show: a dump is no snapshot (a vxlan FDB dump resumes by index and
	 * skips an entry when one before it goes, without NLM_F_DUMP_INTR),
	 * so only the kernel's word for that key deletes it. kind is a
	 * MIRROR_*; port the local entry's port. Returns enum mirror_has or
	 * -errno (taken as unsure). NULL: the dump is trusted.
	 */
	int (*confirm)(void *ctx, int kind, __u32 vni, const __u8 *mac,
		       const struct vxbpf_addr *ip, __u32 port);
	void *confirm_ctx;
	/*
	 * Unsure candidates: deleted when the previous resync found them
	 * unsure too (suspects), else kept and remembered in next_suspects
	 * for the next resync, which recheck asks for soon.
	 */
	struct tbl *suspects, *next_suspects;
	bool recheck;
	size_t confirmed; /* candidates the kernel still had */
	/* hostdevs entries of vxlan devices that went (mirror_vni_drop), to
	 * delete once the batch that removed their fdb entries is committed. */
	__u32 *hostdevs_gone;
	size_t n_hostdevs_gone;
};

/* A neighbour the proxy can use: NUD_PERMANENT/NOARP/REACHABLE (with
 * bridge, neigh_suppress's: any NUD_VALID), a unicast lladdr. */
bool mirror_neigh_usable(const struct mneigh *n, bool bridge);

/* A kernel FDB entry of the vxlan device mirrored as vni (add or delete). */
int mirror_fdb(struct mirror_apply *a, __u32 vni, const struct mneigh *n);
/* A bridge FDB entry (NDA_MASTER = the bridge, no NTF_SELF). */
int mirror_local(struct mirror_apply *a, const struct mneigh *n);
/* An IPv4/IPv6 neighbour of the vxlan device, or of its bridge where the
 * VNI has neigh_suppress (VXBPF_VNI_SUPPRESS). */
int mirror_neigh(struct mirror_apply *a, __u32 vni, const struct mneigh *n);
/* The vni entry of a vxlan link; -EEXIST when a user VNI holds it. */
int mirror_vni(struct mirror_apply *a, const struct mlink *l);
/*
 * Delete every MIRRORED fdb/flood/neigh entry of vni not in a->seen (all
 * of them when a->seen is NULL). Returns the number deleted or -errno.
 */
int mirror_sweep(struct mirror_apply *a, __u32 vni);
/*
 * When the kernel holds more than vxbpf's fdb or neigh map takes: the
 * entries this batch would add beyond the map's room are taken out of it
 * again (remote ones before this host's own), so that the rest (deletes,
 * changes, what fits) can be written. The kernel carries the traffic of
 * what was left out: the fast path passes a frame it has no entry for.
 * reserve: entries of room kept free (a NO_PREALLOC hash, counting per
 * CPU, may refuse a little before max_entries). Returns how many were
 * left out, or -errno.
 */
long mirror_fit(struct mirror_apply *a, size_t reserve);
/* Remove a mirrored VNI (its entries first); kept if ports or an attached
 * vxlan device that is still there use it. The attachment of a vxlan
 * device that is gone goes with it (a->hostdevs_gone: its hostdevs entry,
 * for mirror_hostdevs_gone after the commit). */
int mirror_vni_drop(struct mirror_apply *a, __u32 vni, int ifindex);
/* After the commit of mirror_vni_drop's batch: delete a->hostdevs_gone. */
void mirror_hostdevs_gone(struct mirror_apply *a);

/* The seen-set table for mirror_apply.seen (memory only). */
void mirror_seen_init(struct tbl *t);

/* ---- the daemon's devices and its notifications (mirror_events.c) ------ */

/* A device named on the command line: a vxlan device, or a bridge. */
struct mirror_dev {
	char name[IF_NAMESIZE];
	int ifindex; /* 0: not present */
	bool bridge;
	bool usable; /* a vxlan device we mirror now */
	bool up;
	__u32 vni;   /* the VNI mirrored from it, 0 = none */
	/* Where the VNI's neighbours are: the vxlan device (its proxy), or
	 * with neigh_suppress on its bridge port, the bridge (suppress). */
	int neigh_if;
	bool suppress;
	struct mlink link; /* as last dumped */
};

struct mirror_dev *mirror_dev_by_index(struct mirror_dev *dev, int n, int ifindex);
struct mirror_dev *mirror_dev_by_name(struct mirror_dev *dev, int n, const char *name);

/* One socket read of notifications, and what it asks of the daemon. */
struct mirror_events {
	struct mirror_dev *dev;
	int n;
	struct mirror_apply *a; /* where FDB and neighbour changes go */
	bool resync_pending;	/* one comes next anyway: FDB/neigh events are moot */
	bool backing_off;	/* the last resync failed; the next waits a while */
	bool verbose;
	size_t msgs;		/* notifications read */
	bool resync;		/* out: start over from the kernel's tables */
	bool now;		/* out: at once, even in a back-off: our devices changed */
};
/*
 * Apply what the notifications in buf say: a change of one of our devices
 * (or its bridge port's neigh_suppress) asks for a resync now; FDB and
 * neighbour changes of our devices go to e->a; one that cannot be applied,
 * or a message that does not parse, asks for a resync.
 */
void mirror_events_read(struct mirror_events *e, const void *buf, size_t len);

/*
 * Seconds before a failed resync is tried again, after prev (0: the first
 * failure). A full map (-E2BIG: the kernel holds more than the map takes)
 * waits longer each time, up to a minute, rather than redoing a whole
 * resync every second for nothing; any other failure, a second.
 */
double mirror_backoff(double prev, int err);

/*
 * How many bytes of buf are whole netlink messages, each nlmsg_len at
 * least a header and inside what is left (the last one may lack its
 * padding); len when all of it is. libmnl's mnl_nlmsg_ok() compares
 * nlmsg_len as an int, so one above INT_MAX would pass it.
 */
size_t mirror_msgs_len(const void *buf, size_t len);

/*
 * One read of a dump's answer (seq, portid: the request's): cb for every
 * message. *intr set when the kernel says the dump was interrupted by a
 * change (NLM_F_DUMP_INTR; the flag is cleared in buf). MNL_CB_STOP at the
 * end of the dump, MNL_CB_OK for more, -errno on an error the kernel
 * returned, -EBADMSG when buf is not whole messages (mirror_msgs_len).
 */
int mirror_dump_read(void *buf, size_t len, unsigned seq, unsigned portid,
		     int (*cb)(const struct nlmsghdr *, void *), void *data, bool *intr);

/*
 * The bridge side (mirror_bridge.c): drain the active map and replay each
 * (port, MAC) the fast path carried to the port's bridge (NTF_USE), for
 * ports in ports whose MAC vxbpf's fdb (fdb_fd) still has on that port.
 * *touched: how many the bridge took. 0 or -errno.
 */
struct mnl_socket;
int mirror_touch(struct mnl_socket *nl, unsigned *seq, int active_fd, int fdb_fd,
		 const struct mport *ports, size_t n_ports, bool verbose, size_t *touched);

/*
 * What a running daemon publishes for `vxbpf status` (mirror_state.c):
 * a file per daemon under /run/vxbpf, rewritten after every resync.
 */
struct mirror_state {
	const char *devices;	/* the devices named, space-separated */
	unsigned resyncs, failures;
	double last_ok;		/* wall-clock seconds of the last good resync, 0 never */
	int last_err;		/* -errno of the last resync, 0 when it worked */
	double retry_in;	/* seconds until the next try after a failure */
	unsigned long left_out;	/* kernel entries that do not fit the maps */
	unsigned overruns;	/* event queue overruns (ENOBUFS): each a resync */
};
int mirror_state_publish(const struct mirror_state *s);
void mirror_state_remove(void);
/* The daemons of this netns, for `vxbpf status` (text or JSON "mirrors"). */
int mirror_state_show(void);
/* Every live daemon's state, to cb (a nonzero return stops the walk). */
int mirror_state_walk(int (*cb)(int pid, const struct mirror_state *s, double retry_at, void *ctx),
		      void *ctx);

/*
 * What a running `vxbpf monitor` publishes for `vxbpf metrics`, the same
 * way (monitor.c): what became of the events given to --exec PROG.
 */
struct monitor_state {
	const char *exec;	/* PROG, "" without --exec */
	unsigned max_children;
	unsigned long events;	/* events = runs + skipped + failed */
	unsigned long runs;	/* PROG started */
	unsigned long skipped;	/* not passed: max_children runs going */
	unsigned long failed;	/* could not start: posix_spawnp() failed */
	unsigned running, peak;	/* runs going now, and the most at once */
};
int monitor_state_publish(const struct monitor_state *s);
void monitor_state_remove(void);
/* Every live monitor of this netns's maps, to cb (nonzero stops). */
int monitor_state_walk(int (*cb)(int pid, const struct monitor_state *s, void *ctx), void *ctx);

/* "vxbpf mirror: ..." on stderr, only with -v. */
void mirror_log(bool verbose, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int run_mirror(const struct vx_cmd *c);

#endif
