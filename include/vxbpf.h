/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The kernel-user contract of vxbpf: every struct stored in a BPF map, the
 * verdict reasons and the flags. Included by the BPF programs (after
 * vmlinux.h) and by user space (after <linux/types.h>). One source of truth: change a
 * layout here and both sides follow; the _Static_asserts catch padding
 * surprises.
 *
 * Byte order: fields named be_* or typed __be* are network order, all
 * other integers are host order. Addresses are always 16 bytes; IPv4 is
 * stored IPv4-mapped (::ffff:a.b.c.d) so one key type serves both families.
 */
#ifndef VXBPF_H
#define VXBPF_H

#define VXBPF_VNI_MAX 0xffffffU	    /* VNIs are 24 bits */
#define VXBPF_MAX_VNIS 16384	    /* configured VNIs (slots in vni_stats) */
#define VXBPF_MAX_FDB (1U << 20)    /* MAC entries over all VNIs */
#define VXBPF_MAX_NEIGH (1U << 20)  /* IP entries over all VNIs */
#define VXBPF_MAX_FLOOD 65536	    /* extra remotes (flood lists, multi-dst) */
#define VXBPF_MAX_VTEPS 65536	    /* (VNI, VTEP) pairs */
#define VXBPF_MAX_PORTS 4096	    /* local ports */
#define VXBPF_DEFAULT_PORT 4789	    /* IANA VXLAN port, as `ip link` defaults */
#define VXBPF_FLOOD_REMOTES 256	    /* remotes in one flood list (per MAC) */
#define VXBPF_FLOOD_PORTS 256	    /* local ports of one VNI */
#define VXBPF_MAX_ACTIVE 65536	    /* local MACs active between two drains */

/* A plain byte array so bpftool prints it as the address's bytes. */
struct vxbpf_addr {
	__u8 b[16];
} __attribute__((aligned(4)));

/* Word views of an address (both sides build with -fno-strict-aliasing). */
#define vxbpf_addr_w(a) ((__be32 *)(a)->b)
#define vxbpf_addr_h(a) ((__be16 *)(a)->b)

/* vni map: VNI (host order) -> configuration. */
enum vxbpf_vni_flags {
	VXBPF_VNI_LEARNING = 1 << 0,	   /* accept unknown VTEPs (kernel learns) */
	VXBPF_VNI_PROXY = 1 << 1,	   /* answer ARP/NS from the neigh table */
	VXBPF_VNI_L2MISS = 1 << 2,
	VXBPF_VNI_L3MISS = 1 << 3,
	VXBPF_VNI_NOUDPCSUM = 1 << 4,	   /* IPv4 outer: send UDP checksum 0 */
	VXBPF_VNI_UDP6ZEROCSUMTX = 1 << 5, /* IPv6 outer: send UDP checksum 0 */
	VXBPF_VNI_UDP6ZEROCSUMRX = 1 << 6, /* IPv6 outer: accept checksum 0 */
	VXBPF_VNI_TTL_SET = 1 << 7,	   /* ttl given by the user (else auto) */
	VXBPF_VNI_IPV6 = 1 << 8,	   /* local is an IPv6 address */
	VXBPF_VNI_MIRRORED = 1 << 9,	   /* copied from a kernel vxlan device */
	VXBPF_VNI_HOSTDEV = 1 << 10,	   /* a kernel vxlan device of this VNI is
					    * attached (the host's traffic) */
	VXBPF_VNI_SUPPRESS = 1 << 11,	   /* mirrored: neigh_suppress on the
					    * vxlan device's bridge port */
};

/*
 * A kernel vxlan device (and bridge) carries the VNI's broadcast, multicast
 * and unknown unicast: the fast path passes them to it. Without one, vxbpf
 * replicates them itself (bpf/flood.h).
 */
#define VXBPF_VNI_KERNEL_BUM (VXBPF_VNI_MIRRORED | VXBPF_VNI_HOSTDEV)

#define VXBPF_DEFAULT_AGEING 300 /* seconds, as the kernel's vxlan */

struct vxbpf_vni_cfg {
	struct vxbpf_addr local; /* this VTEP's underlay address */
	__be16 be_dstport;	 /* UDP destination port */
	__u16 srcport_min;	 /* UDP source port range, inclusive min */
	__u16 srcport_max;	 /* exclusive max, as the kernel's hash uses */
	__u8 ttl;		 /* outer TTL / hop limit actually sent */
	__u8 tos;		 /* outer TOS (DSCP); ECN is copied from inner */
	__u32 flags;		 /* enum vxbpf_vni_flags */
	__u32 slot;		 /* index into vni_stats, < VXBPF_MAX_VNIS */
	__u32 ageing;		 /* seconds a learned fdb entry lives unrefreshed */
	__u32 mirror_ifindex;	 /* the kernel vxlan device mirrored, 0 = none */
	__u32 maxaddr;		 /* learned fdb entries at most, 0 = no limit
				  * of its own (VXBPF_LEARN_MAX still holds) */
	__u32 pad;
};
_Static_assert(sizeof(struct vxbpf_vni_cfg) == 48, "vni_cfg layout");

/* fdb map: (VNI, MAC) -> a remote VTEP or a local port. */
struct vxbpf_fdb_key {
	__u32 vni;
	__u8 mac[6];
	__u16 pad; /* always zero: hash keys compare all bytes */
};
_Static_assert(sizeof(struct vxbpf_fdb_key) == 12, "fdb_key layout");

/*
 * Who may write which entry (the origin rule, docs/ARCHITECTURE.md):
 *   user     (no origin flag) vxbpf fdb/neigh commands; never touched by
 *            mirror or the fast path's learning.
 *   MIRRORED copied from a kernel table by `vxbpf mirror`; mirror adds,
 *            replaces and deletes only these.
 *   LEARNED  written by the fast path on a learning VNI; ages out.
 * Flood entries and neigh entries carry the same bits in their flags.
 */
enum vxbpf_fdb_flags {
	VXBPF_FDB_LOCAL = 1 << 0,   /* ifindex is a local port, dst unused */
	VXBPF_FDB_MULTI = 1 << 1,   /* more remotes in the flood map: the kernel
				     * replicates, so the fast path passes */
	VXBPF_FDB_LEARNED = 1 << 2, /* learned from traffic (ages) */
	VXBPF_FDB_MIRRORED = 1 << 3, /* copied from a kernel table by mirror */
	VXBPF_FDB_HOST = 1 << 4,     /* with LOCAL: ifindex is a kernel vxlan
				      * device attached by vxbpf, the MAC its
				      * own (the host's traffic, through TC) */
	VXBPF_FDB_ROUTER = 1 << 5    /* `router`: the proxy's NA for an IPv6
				      * neighbour with this MAC sets R, as
				      * the kernel's NTF_ROUTER on the entry */
};

struct vxbpf_fdb_val {
	struct vxbpf_addr dst; /* remote VTEP */
	__be16 be_port;	       /* remote UDP port, 0 = the VNI's dstport */
	__u16 flags;	       /* enum vxbpf_fdb_flags */
	__u32 ifindex;	       /* local port (VXBPF_FDB_LOCAL) */
	__u32 remote_vni;      /* VNI sent to this remote, 0 = same VNI */
	__u32 pad;
	__u64 updated_ns;      /* bpf_ktime_get_ns() of the last learn */
};
_Static_assert(sizeof(struct vxbpf_fdb_val) == 40, "fdb_val layout");

/*
 * flood map: every remote beyond the first one of a MAC. The all-zero MAC
 * holds the VNI's flood list (`fdb append 00:00:00:00:00:00 ... dst`).
 * The source of truth for the allow-list and `fdb show`; what the data
 * path replicates to is the remotes map below, derived from it.
 */
struct vxbpf_flood_key {
	__u32 vni;
	__u8 mac[6];
	__u16 pad;
	struct vxbpf_addr dst;
};
_Static_assert(sizeof(struct vxbpf_flood_key) == 28, "flood_key layout");

struct vxbpf_flood_val {
	__be16 be_port;
	__u16 flags;
	__u32 remote_vni;
};
_Static_assert(sizeof(struct vxbpf_flood_val) == 8, "flood_val layout");

/*
 * remotes map: (VNI, MAC) -> every remote of a MAC that has several (the
 * fdb entry's remote first, then the flood map's), and for the all-zero
 * MAC the VNI's flood list. Written by user space from the fdb and flood
 * maps on every change, as one value, so the replication never sees half
 * a list. Keyed like the fdb (struct vxbpf_fdb_key).
 */
struct vxbpf_remote {
	struct vxbpf_addr dst;
	__be16 be_port;	  /* 0 = the VNI's dstport */
	__u16 pad;
	__u32 remote_vni; /* 0 = the same VNI */
};
_Static_assert(sizeof(struct vxbpf_remote) == 24, "remote layout");

struct vxbpf_remotes {
	__u32 n;
	__u32 pad;
	struct vxbpf_remote r[VXBPF_FLOOD_REMOTES];
};

/*
 * vni_ports map: VNI -> its local ports, where broadcast, multicast and
 * unknown unicast of the VNI are delivered. Derived from the ports map.
 */
struct vxbpf_vni_ports {
	__u32 n;
	__u32 ifindex[VXBPF_FLOOD_PORTS];
};

/* neigh map: (VNI, IP) -> MAC. */
struct vxbpf_neigh_key {
	__u32 vni;
	struct vxbpf_addr ip;
};
_Static_assert(sizeof(struct vxbpf_neigh_key) == 20, "neigh_key layout");

enum vxbpf_neigh_flags {
	VXBPF_NEIGH_ROUTER = 1 << 0,   /* NA with the R flag */
	VXBPF_NEIGH_MIRRORED = 1 << 1,
};

struct vxbpf_neigh_val {
	__u8 mac[6];
	__u16 flags; /* enum vxbpf_neigh_flags */
};
_Static_assert(sizeof(struct vxbpf_neigh_val) == 8, "neigh_val layout");

/*
 * vtep map: (VNI, remote VTEP) -> how many fdb/flood entries name it. The
 * receive allow-list: a VTEP is known while refs > 0. Maintained by user
 * space on every fdb change.
 */
struct vxbpf_vtep_key {
	__u32 vni;
	struct vxbpf_addr ip;
};
_Static_assert(sizeof(struct vxbpf_vtep_key) == 20, "vtep_key layout");

/*
 * cfg: a copy of the VNI's vni map entry, derived as the ports' copy is
 * (cfg_derive(), user/cfg_derive.c): decapsulation takes the VNI's
 * configuration from the allow-list entry it looks up anyway, one hash
 * lookup less per frame. A copy not derived yet has be_dstport 0: the data
 * path then asks the vni map.
 */
struct vxbpf_vtep_val {
	__u32 refs;
	__u32 pad;
	struct vxbpf_vni_cfg cfg;
};
_Static_assert(sizeof(struct vxbpf_vtep_val) == 56, "vtep_val layout");

/* underlay map: ifindex -> these bits (an entry means XDP is attached). */
enum vxbpf_underlay_flags {
	VXBPF_UNDERLAY_XDP = 1 << 0,	/* encapsulated frames may go there */
	VXBPF_UNDERLAY_TC_RX = 1 << 1,	/* tc_host_rx is behind XDP there */
	VXBPF_UNDERLAY_XMIT_SG = 1 << 2, /* takes multi-buffer frames from XDP */
};

/*
 * active map: (local port, source MAC) -> VNI, for the local MACs whose
 * frames the fast path took from a port of a mirrored VNI since `vxbpf
 * mirror` last drained it (noted at most once a second per MAC, through
 * the fdb entry's updated_ns). The kernel's bridge never saw those frames:
 * mirror replays each MAC to it (NTF_USE, as if one had crossed it) so
 * the bridge keeps the MAC, and an EVPN control plane reading the bridge
 * keeps advertising it.
 */
struct vxbpf_active_key {
	__u32 ifindex;
	__u8 mac[6];
	__u16 pad;
};
_Static_assert(sizeof(struct vxbpf_active_key) == 12, "active_key layout");

/*
 * ports map: ifindex -> the VNI this local (access) port belongs to, and a
 * copy of that VNI's vni map entry. The copy is derived (cfg_derive(),
 * user/cfg_derive.c, on every commit that changes the port or the VNI;
 * fsck checks it): xdp_port_rx reads it here, so encapsulation makes one
 * hash lookup less per frame. The vni map stays the source of truth.
 */
struct vxbpf_port_val {
	__u32 vni;
	__u32 flags;
	struct vxbpf_vni_cfg cfg;
};
_Static_assert(sizeof(struct vxbpf_port_val) == 56, "port_val layout");

/*
 * XMIT_SG (ports' flags, underlay bits): the device's driver takes
 * multi-buffer frames redirected by XDP (NETDEV_XDP_ACT_NDO_XMIT_SG, Linux
 * 6.3+), as `attach` and `port add` found it; else such frames go by TC.
 */
enum vxbpf_port_flags {
	VXBPF_PORT_XMIT_SG = 1 << 0,
};

/*
 * hostdevs map: kernel vxlan device ifindex -> its VNI. `vxbpf attach` of a
 * vxlan device puts it here; the TC program on its egress encapsulates what
 * the host itself sends through it (routes via the device).
 */
struct vxbpf_hostdev {
	__u32 vni;
	__u32 flags;
};

/*
 * XDP -> TC handover for frames to the host (VXBPF_FDB_HOST): XDP validates
 * and decapsulates, then passes the inner frame with this in the metadata
 * area; the TC ingress program of the underlay moves it to the vxlan
 * device's ingress. An skb has no device to be redirected to from XDP.
 */
#define VXBPF_HOST_META_MAGIC 0x76786268U /* "vxbh" */
/* The same handover for broadcast, multicast and unknown unicast of a
 * VNI: the TC program replicates the inner frame to the VNI's ports,
 * which XDP cannot (one frame, one destination). */
#define VXBPF_FLOOD_META_MAGIC 0x76786266U /* "vxbf" */
/* And for a decapsulated multi-buffer frame to one port, where XDP cannot
 * redirect such frames (before Linux 6.3): the TC program redirects it. */
#define VXBPF_PORT_META_MAGIC 0x76786270U /* "vxbp" */
/* And for the last piece of a fragmented datagram (bpf/reasm.h): the TC
 * program makes the whole of it, which XDP cannot grow a frame to. */
#define VXBPF_REASM_META_MAGIC 0x76786272U /* "vxbr" */

struct vxbpf_host_meta {
	__u32 magic;
	__u32 ifindex; /* HOST: the kernel vxlan device; FLOOD: the VNI; PORT: the port */
};

/*
 * meta: one entry. The cookie of the network namespace the pins belong
 * to: namespace inodes are reused once a namespace is gone, cookies never
 * are, so a new namespace does not inherit a dead one's configuration.
 * And the layout of the pinned maps, VXBPF_LAYOUT of the vxbpf that made
 * them: a vxbpf never reads maps of another layout (user/pins.c), even
 * where the sizes happen to match.
 */
struct vxbpf_meta {
	__u64 netns_cookie;
	__u32 layout;
	__u32 writer; /* pid of a writer in the middle of its map writes
		       * (user/cfg.c): non-zero under the next writer's
		       * lock means that one was killed half way */
};
/* Kept at this size: a vxbpf of any layout reads it before it knows the
 * pins' layout (user/pins.c pins_claim), to name theirs; a meta of another
 * size it refuses unread. */
_Static_assert(sizeof(struct vxbpf_meta) == 16, "meta layout");

/*
 * Raise by one whenever any pinned map changes: a field added, moved or
 * read differently, a map added or resized, a reason appended (the stats
 * map is indexed by them). 1 was every vxbpf before the number existed.
 */
#define VXBPF_LAYOUT 8

/* cpumap: CPUs it has an entry for at most (bpf/frag.h). */
#define VXBPF_CPUMAP_MAX 256

/* vni_stats: per-CPU array indexed by vxbpf_vni_cfg.slot. */
struct vxbpf_vni_stats {
	__u64 rx_packets; /* decapsulated by the fast path */
	__u64 rx_bytes;	  /* inner frame bytes */
	__u64 tx_packets; /* encapsulated by the fast path */
	__u64 tx_bytes;	  /* inner frame bytes */
	__u64 learn_refused; /* learns refused: maxaddress, VXBPF_LEARN_MAX
			      * or a full fdb map (the frame still goes) */
};

/* vni_flood: per-CPU array indexed by vxbpf_vni_cfg.slot, the replication. */
struct vxbpf_vni_flood {
	__u64 tx_frames;       /* frames from local ports replicated */
	__u64 tx_port_copies;  /* ... copies delivered to other local ports */
	__u64 tx_vtep_copies;  /* ... copies encapsulated to VTEPs */
	__u64 rx_frames;       /* decapsulated frames replicated */
	__u64 rx_port_copies;  /* ... copies delivered to local ports */
};

/* stats: per-CPU array indexed by enum vxbpf_reason. */
struct vxbpf_counter {
	__u64 packets;
	__u64 bytes;
};

/*
 * events ring buffer: what the fast path tells user space. Misses are
 * deduplicated in the fast path (one per key per VXBPF_MISS_INTERVAL_NS),
 * so a flood of misses for one address costs one event.
 */
enum vxbpf_event_type {
	VXBPF_EV_L2MISS = 1, /* no fdb entry for mac (vni has l2miss) */
	VXBPF_EV_L3MISS = 2, /* no neigh entry for ip (vni has l3miss) */
	VXBPF_EV_LEARN = 3,  /* mac learned (or moved) behind VTEP ip */
	VXBPF_EV_RESOLVE = 4, /* no outer neighbour for VTEP ip: resolve it */
};

#define VXBPF_MISS_INTERVAL_NS 1000000000ULL

/*
 * ev_budget: per-CPU array indexed by vxbpf_vni_cfg.slot. Besides the
 * per-key dedup, each VNI may send at most VXBPF_EV_BUDGET events a second
 * on each CPU (and as many at once): a VM sending to thousands of unknown
 * addresses, or a peer sending from thousands of MACs, costs a bounded
 * number of events and of work in user space. What is not sent is counted.
 */
struct vxbpf_ev_budget {
	__u64 tokens;
	__u64 last_ns;
	__u64 suppressed; /* events not sent: over the budget */
};

#define VXBPF_EV_BUDGET 512

/*
 * sweep: one entry, the timer that deletes expired learned entries
 * (bpf/sweep.h). The timer is opaque to user space.
 */
struct vxbpf_sweeper {
#ifdef __VMLINUX_H__
	struct bpf_timer timer;
#else
	__u64 timer[2];
#endif
	__u64 period_ns; /* 0: VXBPF_SWEEP_NS (tests make it short) */
	__u64 armed;
	__u64 swept;	 /* learned entries the sweep deleted */
};
_Static_assert(sizeof(struct vxbpf_sweeper) == 40, "sweeper layout");

#define VXBPF_SWEEP_NS (10ULL * 1000000000ULL)

/*
 * learned: an mmap-able array of signed 64-bit counts, indexed by
 * vxbpf_vni_cfg.slot, plus VXBPF_LEARN_ALL for every VNI: how many fdb
 * entries carry VXBPF_FDB_LEARNED. Every writer keeps it: the fast path
 * adds one before it learns a new MAC and takes it back when it deletes
 * (ageing, the sweep); user space adjusts it, with atomic adds on the
 * mapped memory, for what its commits replace or delete. A VNI learns no
 * more than its maxaddr, and all VNIs together no more than
 * VXBPF_LEARN_MAX, so learning never takes the room of the entries users
 * and mirror write.
 */
#define VXBPF_LEARN_ALL VXBPF_MAX_VNIS
#define VXBPF_LEARN_MAX (VXBPF_MAX_FDB / 2)

struct vxbpf_event {
	__u32 type;    /* enum vxbpf_event_type */
	__u32 vni;
	__u32 ifindex; /* where it was seen: a port, or the underlay NIC */
	__u8 mac[6];   /* l2miss: the unknown MAC; learn: the learned MAC */
	__u16 pad;
	struct vxbpf_addr ip; /* l3miss: the unknown IP; learn: the VTEP */
	__u64 ts_ns;	      /* bpf_ktime_get_ns() */
};
_Static_assert(sizeof(struct vxbpf_event) == 48, "event layout");

/* miss_seen LRU: the dedup memory, keyed like the event it stands for. */
struct vxbpf_miss_key {
	__u32 type;
	__u32 vni;
	__u8 mac[6];
	__u16 pad;
	struct vxbpf_addr ip;
};
_Static_assert(sizeof(struct vxbpf_miss_key) == 32, "miss_key layout");

/*
 * Every verdict of every program has exactly one reason. Stable order:
 * append only, the numbers are visible through bpftool. X(enum, name, help).
 */
#define VXBPF_REASONS(X)                                                       \
	X(RX_DECAP, "rx_decap", "decapsulated and redirected to a port")      \
	X(RX_NOT_VXLAN, "rx_not_vxlan", "not VXLAN for a vxbpf port: passed") \
	X(RX_MALFORMED, "rx_malformed", "truncated outer headers: passed")    \
	X(RX_IP_OPTIONS, "rx_ip_options", "outer IPv4 options, not padding: passed")\
	X(RX_FRAGMENT, "rx_fragment", "outer fragment: passed for reassembly")\
	X(RX_IPV6_EXT, "rx_ipv6_ext", "outer IPv6 ext. header for the kernel: passed")\
	X(RX_UNKNOWN_VNI, "rx_unknown_vni", "VNI not configured: passed")     \
	X(RX_NOT_LOCAL, "rx_not_local", "outer dst is not the VTEP: passed")  \
	X(RX_BAD_FLAGS, "rx_bad_flags", "I flag clear or reserved bits: drop")\
	X(RX_BAD_CSUM, "rx_bad_csum", "outer UDP checksum wrong: drop")       \
	X(RX_ZERO_CSUM6, "rx_zero_csum6", "IPv6 UDP checksum 0: drop")        \
	X(RX_UNKNOWN_VTEP, "rx_unknown_vtep", "source VTEP unknown: drop")    \
	X(RX_LEARN, "rx_learn", "learn refused (maxaddress, fdb full): to the kernel")\
	X(RX_SHORT_INNER, "rx_short_inner", "inner frame < 14 bytes: drop")   \
	X(RX_BAD_SMAC, "rx_bad_smac", "inner source MAC not unicast: drop")   \
	X(RX_INNER_BUM, "rx_inner_bum", "inner broadcast/multicast: to the kernel")\
	X(RX_INNER_UNKNOWN, "rx_inner_unknown", "inner dst unknown: to the kernel")\
	X(RX_ECN_DROP, "rx_ecn_drop", "outer ECN CE on a not-ECT inner packet: drop (RFC 6040)") \
	X(TX_ENCAP, "tx_encap", "encapsulated and redirected to underlay")    \
	X(TX_LOCAL, "tx_local", "switched to another local port")             \
	X(TX_ARP_REPLY, "tx_arp_reply", "ARP request answered (proxy, neigh_suppress)") \
	X(TX_NA_REPLY, "tx_na_reply", "neighbour solicitation answered")      \
	X(TX_NOT_PORT, "tx_not_port", "ingress is not a vxbpf port: passed")  \
	X(TX_MALFORMED, "tx_malformed", "truncated frame: passed")            \
	X(TX_BUM, "tx_bum", "broadcast/multicast: to TC or the kernel")\
	X(TX_UNKNOWN_DST, "tx_unknown_dst", "no fdb entry: to TC or the kernel")\
	X(TX_MULTI_DST, "tx_multi_dst", "MAC with several remotes: to TC or the kernel")\
	X(TX_HAIRPIN, "tx_hairpin", "dst on the ingress port: not sent back")\
	X(TX_NO_VNI, "tx_no_vni", "port's VNI not configured: passed")        \
	X(TX_FIB_MISS, "tx_fib_miss", "no outer route or neigh: to TC or the kernel")\
	X(TX_MTU, "tx_mtu", "too big for the underlay MTU: to TC or the kernel")\
	X(TX_NO_ROOM, "tx_no_room", "no headroom for the outer headers")      \
	X(TX_PROXY_MISS, "tx_proxy_miss", "ARP/NS target unknown: passed")    \
	X(RX_STATIC_MOVED, "rx_static_moved", "static MAC from another VTEP: drop") \
	X(RX_LOCAL_MOVED, "rx_local_moved", "local port's MAC from a VTEP: to the kernel, else drop") \
	X(TX_NOT_UNDERLAY, "tx_not_underlay", "route not via an attached dev: to TC or the kernel") \
	X(RX_HOST, "rx_host", "decapsulated for the host's vxlan device")  \
	X(TX_HOST_ENCAP, "tx_host_encap", "host traffic encapsulated (TC)")  \
	X(TX_HOST_CSUM, "tx_host_csum", "host traffic needs an outer UDP checksum: passed") \
	X(TX_HOST_PROTO, "tx_host_proto", "host frame not IP, or GSO not TCP: passed") \
	X(TX_HOST_LOCAL, "tx_host_local", "between the host and a local port: passed") \
	X(RX_HOST_NO_TC, "rx_host_no_tc", "handover without metadata or tc_host_rx: passed") \
	X(TX_HOST_VLAN, "tx_host_vlan", "host frame with an offloaded VLAN tag: passed") \
	X(TX_PROXY_LOCAL, "tx_proxy_local", "ARP/NS for a local port's address: passed") \
	X(RX_FLOOD, "rx_flood", "broadcast/unknown decapsulated for the VNI's ports (TC)") \
	X(RX_FLOOD_NONE, "rx_flood_none", "broadcast/unknown, the VNI has no port: drop") \
	X(RX_REMOTE_DST, "rx_remote_dst", "inner dst is behind a VTEP (split horizon): drop") \
	X(RX_COPY_PORT, "rx_copy_port", "flood copy delivered to a local port (TC)") \
	X(TX_COPY_PORT, "tx_copy_port", "flood copy to another local port (TC)") \
	X(TX_COPY_VTEP, "tx_copy_vtep", "copy encapsulated to a VTEP (TC)") \
	X(TX_FLOOD_NONE, "tx_flood_none", "no flood list and no other port: drop") \
	X(TX_PROXY_CONSUMED, "tx_proxy_consumed", "ARP/NS on a proxy VNI, never to a VTEP: drop") \
	X(TX_COPY_FIB, "tx_copy_fib", "copy to a VTEP: no outer route or neigh: drop") \
	X(TX_COPY_MTU, "tx_copy_mtu", "copy to a VTEP too big for the underlay: drop") \
	X(TX_COPY_GSO, "tx_copy_gso", "copy to a VTEP of a GSO frame: drop") \
	X(TX_COPY_ERR, "tx_copy_err", "copy failed (no room, too long, no memory): drop") \
	X(RX_COPY_ERR, "rx_copy_err", "flood copy to a port failed: drop") \
	X(TX_PROXY_SKIP, "tx_proxy_skip", "ARP/NS the proxy never answers: to TC or the kernel") \
	X(TX_COPY_VLAN, "tx_copy_vlan", "copy to a VTEP of a frame with an offloaded VLAN tag: drop") \
	X(TX_SUPPRESS_PASS, "tx_suppress_pass", "ARP/NS neigh_suppress does not answer here: to the bridge") \
	X(TX_SRC_LEARN, "tx_src_learn", "source MAC not yet the bridge's on this port: to the bridge") \
	X(TX_PMTU_REPLY, "tx_pmtu_reply", "too big for the underlay: ICMP frag needed / packet too big sent back") \
	X(RX_FRAGS, "rx_frags", "multi-buffer frame over 9216 bytes to checksum: passed") \
	X(TX_FRAGS, "tx_frags", "multi-buffer frame XDP cannot send (redirect: Linux 6.3+ and the driver; checksum: 9216 bytes): to TC or the kernel") \
	X(TX_COPY_FRAGS, "tx_copy_frags", "copy too big for the underlay, no DF: sent as outer IPv4 fragments (TC)") \
	X(RX_FRAG_HELD, "rx_frag_held", "outer fragment kept for reassembly (VNI without a kernel device)") \
	X(RX_REASM, "rx_reasm", "outer fragment completing a datagram: to TC, to decapsulate it") \
	X(RX_REASM_BAD, "rx_reasm_bad", "reassembled datagram: bad UDP length or checksum, or gone: drop (TC)")

enum vxbpf_reason {
#define VXBPF_X_ENUM(e, name, help) VXBPF_R_##e,
	VXBPF_REASONS(VXBPF_X_ENUM)
#undef VXBPF_X_ENUM
	VXBPF_R_MAX
};

/*
 * The next-hop cache (bpf/maps.h, bpf/nh.h): a per-CPU array of
 * VXBPF_NH_SETS sets of two slots, the set chosen by a hash of the key.
 * An array slot is found without a hash table's helper call, bucket walk
 * and LRU bookkeeping (12-13 ns per frame as an LRU per-CPU hash,
 * bench/cost.md). Here for the bench tools that fill it.
 */
#define VXBPF_NH_SET_BITS 11
#define VXBPF_NH_SETS (1U << VXBPF_NH_SET_BITS)

struct vxbpf_nh_key {
	struct vxbpf_addr src, dst;
};

struct vxbpf_nh_val {
	__u8 dmac[6];
	__u8 smac[6];
	__u32 ifindex;
	__u32 max_len;	/* outer IP length the FIB accepted */
	__u16 ul;	/* the underlay map's flags for ifindex when the entry
			 * was made, 0 if none (then asked every time) */
	__u16 ip_id;	/* the next outer IPv4 ID towards dst, this CPU */
	__u64 expires;	/* jiffies; 0: an empty slot */
};

/* One slot: 64 bytes, key and value. */
struct vxbpf_nh_slot {
	struct vxbpf_nh_key key;
	struct vxbpf_nh_val val;
};
_Static_assert(sizeof(struct vxbpf_nh_slot) == 64, "nh_cache slot layout");

/* The first slot of a set of two, from a weighted sum h of a key's words:
 * mixed, and its top bits name the set. */
static inline __attribute__((always_inline)) __u32 vxbpf_set_first(__u32 h, unsigned int bits)
{
	h ^= h >> 16;
	return ((h * 0x9e3779b1U) >> (32 - bits)) << 1;
}

/*
 * The first of the two slots of (src, dst)'s set. Each of the eight
 * address words is weighted by its own odd constant before they are
 * added: XORed as they are, an IPv4 key would hash as local ^ remote
 * (four locals and 64 remotes of one /24 in 64 sets) and an IPv6
 * address's equal words would cancel. The multiplies are independent, so
 * they overlap; the top bits of the mixed sum name the set.
 */
static inline __attribute__((always_inline)) __u32 vxbpf_nh_slot0(const struct vxbpf_addr *src,
								   const struct vxbpf_addr *dst)
{
	const __u32 *s = (const __u32 *)src, *d = (const __u32 *)dst;
	__u32 h = s[0] * 0x85ebca6bU + s[1] * 0xc2b2ae35U + s[2] * 0x27d4eb2fU + s[3] * 0x165667b1U +
		  d[0] * 0x9e3779b1U + d[1] * 0x7feb352dU + d[2] * 0x846ca68bU + d[3] * 0xcc9e2d51U;

	return vxbpf_set_first(h, VXBPF_NH_SET_BITS);
}

/*
 * The allow-list cache (bpf/maps.h, bpf/vtep.h): per CPU, the vtep map's
 * entries decap found lately, in VXBPF_VTEP_SETS sets of two slots, so
 * that a known sender costs an array slot instead of a hash lookup (jhash
 * of a 20-byte key, a bucket walk, a key compare: bench/cost.md §11). A
 * slot holds while its gen is the gen map's value + 1: every writer raises
 * that after its last map write (user/cfg.c), and 0 is an empty slot.
 */
#define VXBPF_VTEP_SET_BITS 10
#define VXBPF_VTEP_SETS (1U << VXBPF_VTEP_SET_BITS)

struct vxbpf_vtep_slot {
	struct vxbpf_vtep_key key;
	__u32 pad;
	__u64 gen;
	struct vxbpf_vni_cfg cfg; /* the entry's copy of its VNI's */
};
_Static_assert(sizeof(struct vxbpf_vtep_slot) == 80, "vtep_cache slot layout");

/*
 * The ports cache (bpf/port.h): per CPU, the ports map's entries encap
 * read lately, one slot per ifindex modulo VXBPF_PORT_SLOTS (a host's
 * ports have distinct, mostly consecutive ifindexes), valid as a
 * vtep_cache slot is: while its gen is the gen map's value + 1.
 */
#define VXBPF_PORT_SLOTS 256

struct vxbpf_port_slot {
	__u32 ifindex;
	__u32 pad;
	__u64 gen;
	struct vxbpf_port_val val;
};
_Static_assert(sizeof(struct vxbpf_port_slot) == 72, "port_cache slot layout");

/*
 * The fdb cache (bpf/fdb.h): per CPU, the fdb map's entries the data path
 * found lately, in VXBPF_FDB_SETS sets of two slots, valid as a
 * vtep_cache slot is. Only entries the data path never writes are kept:
 * not a learned one, which it moves, refreshes and ages itself.
 */
#define VXBPF_FDB_SET_BITS 10
#define VXBPF_FDB_SETS (1U << VXBPF_FDB_SET_BITS)

struct vxbpf_fdb_slot {
	struct vxbpf_fdb_key key;
	__u32 pad;
	__u64 gen;
	struct vxbpf_fdb_val val;
};
_Static_assert(sizeof(struct vxbpf_fdb_slot) == 64, "fdb_cache slot layout");

/* The first of the two slots of (vni, ip)'s set, as vxbpf_nh_slot0(). */
static inline __attribute__((always_inline)) __u32 vxbpf_vtep_slot0(__u32 vni,
								     const struct vxbpf_addr *ip)
{
	const __u32 *w = (const __u32 *)ip;
	__u32 h = vni * 0x9e3779b1U + w[0] * 0x85ebca6bU + w[1] * 0xc2b2ae35U +
		  w[2] * 0x27d4eb2fU + w[3] * 0x165667b1U;

	return vxbpf_set_first(h, VXBPF_VTEP_SET_BITS);
}

/* The first of the two slots of key's set, as vxbpf_nh_slot0(). */
static inline __attribute__((always_inline)) __u32 vxbpf_fdb_slot0(const struct vxbpf_fdb_key *key)
{
	const __u32 *w = (const __u32 *)key;
	__u32 h = w[0] * 0x9e3779b1U + w[1] * 0x85ebca6bU + w[2] * 0xc2b2ae35U;

	return vxbpf_set_first(h, VXBPF_FDB_SET_BITS);
}

#endif /* VXBPF_H */
