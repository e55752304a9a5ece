/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The maps of vxbpf. Hash maps are BPF_F_NO_PREALLOC so that a million-entry
 * capacity costs memory only for entries that exist. The loader pins every
 * map under the namespace's pin directory with the "vxbpf_" prefix dropped
 * (vxbpf_fdb -> <dir>/fdb).
 */
#ifndef VXBPF_MAPS_H
#define VXBPF_MAPS_H

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXBPF_MAX_VNIS);
	__type(key, __u32);
	__type(value, struct vxbpf_vni_cfg);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} vxbpf_vni SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXBPF_MAX_FDB);
	__type(key, struct vxbpf_fdb_key);
	__type(value, struct vxbpf_fdb_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} vxbpf_fdb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXBPF_MAX_FLOOD);
	__type(key, struct vxbpf_flood_key);
	__type(value, struct vxbpf_flood_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} vxbpf_flood SEC(".maps");

/* Flood lists and multi-remote MACs as one value each (include/vxbpf.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXBPF_MAX_FLOOD); /* every list holds a flood entry */
	__type(key, struct vxbpf_fdb_key);
	__type(value, struct vxbpf_remotes);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} vxbpf_remotes SEC(".maps");

/* The local ports of each VNI, for replication. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXBPF_MAX_VNIS);
	__type(key, __u32);
	__type(value, struct vxbpf_vni_ports);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} vxbpf_vni_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXBPF_MAX_NEIGH);
	__type(key, struct vxbpf_neigh_key);
	__type(value, struct vxbpf_neigh_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} vxbpf_neigh SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXBPF_MAX_VTEPS);
	__type(key, struct vxbpf_vtep_key);
	__type(value, struct vxbpf_vtep_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} vxbpf_vtep SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXBPF_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct vxbpf_port_val);
} vxbpf_ports SEC(".maps");

/* Drained by `vxbpf mirror` every second: at most what one second sees. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXBPF_MAX_ACTIVE);
	__type(key, struct vxbpf_active_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} vxbpf_active SEC(".maps");

/* Where csum_to_end() copies a multi-buffer frame, 512 bytes at a time,
 * to sum it. */
struct vxbpf_csum_scratch {
	__u8 b[512];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vxbpf_csum_scratch);
} vxbpf_csum_scratch SEC(".maps");

/* A copy of the datagram frag.h cuts into outer fragments: the inner
 * frames it takes are those csum_to_end() can sum, plus the outer UDP and
 * VXLAN headers. The room after it is for the verifier: an offset below
 * VXBPF_FRAG_MAX plus a length it knows only as 1..VXBPF_FRAG_SPAN
 * (FRAG_LEN in frag.h) stays inside. */
#define VXBPF_FRAG_MAX 9280 /* CSUM_MAX (csum.h) + 64 */
#define VXBPF_FRAG_SPAN 0x4000
struct vxbpf_frag_buf {
	/* The job, here rather than on a stack already deep (tc_port_rx,
	 * flood_list, flood_vtep_copy, frag_send, frag_one). */
	struct iphdr ip;  /* the outer header as outer_write wrote it */
	struct iphdr hdr; /* one fragment's, built here */
	__u32 payload;	  /* IP payload: UDP + VXLAN + inner frame */
	__u32 step;	  /* payload bytes per fragment but the last: 8 | step */
	__u32 mtu;	  /* the route's, that the fragments must fit */
	__u32 ifindex;	  /* where they go */
	__u32 take_orig;  /* the final fragment takes the original skb */
	__u8 b[VXBPF_FRAG_MAX + VXBPF_FRAG_SPAN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vxbpf_frag_buf);
} vxbpf_frag_buf SEC(".maps");

/* Where xdp_port_rx sends a frame for outer fragments whose checksum the
 * VM left to offload (frag.h): a CPU map makes a new skb of it, one with
 * no partial checksum. Entries (one per CPU) are made by `port add`. */
struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, VXBPF_CPUMAP_MAX);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
} vxbpf_cpumap SEC(".maps");

/* Reassembly (reasm.h): a datagram's pieces, by outer source,
 * destination and ID. */
struct vxbpf_reasm_key {
	__be32 saddr;
	__be32 daddr;
	__be16 id;
	__u16 pad;
};

struct vxbpf_reasm {
	__u64 have;	 /* payload bytes kept so far (atomic) */
	__u64 total;	 /* payload bytes in all: known once the last piece came */
	__u32 vni;	 /* what the first piece decided: */
	__u32 slot;	 /*   its VNI's counters */
	__u32 ifindex;	 /*   the port; 0: the VNI's ports (flood) */
	__u8 ecn_set;	 /*   as inner_info.ecn_set */
	__u8 ce;	 /* a piece came marked CE */
	__u8 pad[2];
	__u8 b[VXBPF_FRAG_MAX + VXBPF_FRAG_SPAN]; /* see vxbpf_frag_buf */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 128); /* datagrams in the middle of reassembly */
	__type(key, struct vxbpf_reasm_key);
	__type(value, struct vxbpf_reasm);
} vxbpf_reasm SEC(".maps");

/* The model of a new entry: the value is too big for a stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vxbpf_reasm);
} vxbpf_reasm_init SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VXBPF_R_MAX);
	__type(key, __u32);
	__type(value, struct vxbpf_counter);
} vxbpf_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VXBPF_MAX_VNIS);
	__type(key, __u32);
	__type(value, struct vxbpf_vni_stats);
} vxbpf_vni_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VXBPF_MAX_VNIS);
	__type(key, __u32);
	__type(value, struct vxbpf_vni_flood);
} vxbpf_vni_flood SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VXBPF_MAX_VNIS);
	__type(key, __u32);
	__type(value, struct vxbpf_ev_budget);
} vxbpf_ev_budget SEC(".maps");

/* Learned entries per VNI slot and in all (include/vxbpf.h): mmap-able,
 * so user space adjusts the counts with atomics as the fast path does. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, VXBPF_LEARN_ALL + 1);
	__type(key, __u32);
	__type(value, __s64);
} vxbpf_learned SEC(".maps");

/*
 * UDP destination ports in use by some VNI (value: how many VNIs), indexed
 * by port in host order. An array so that the first question asked of every
 * UDP packet on the underlay, "could this be ours?", is one inlined load.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u32);
} vxbpf_dstports SEC(".maps");

/*
 * Outer next hops, per CPU, for NH_CACHE_JIFFIES: bpf_fib_lookup is the
 * dearest step of encapsulation (the IPv6 FIB most), and a VTEP's route
 * changes rarely. An entry serves frames up to the longest that the FIB
 * has passed (max_len), so the MTU check stays the FIB's.
 */

#define NH_CACHE_JIFFIES 25 /* 25 ms to 100 ms, with HZ 1000 to 250 */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * VXBPF_NH_SETS); /* 256 KiB per CPU */
	__type(key, __u32);
	__type(value, struct vxbpf_nh_slot);
} vxbpf_nh_cache SEC(".maps");

/* The generation of what user space wrote (gen.h): one counter, raised
 * by every writer after its last map write; mmap-able, so that it is
 * raised with an atomic add (user/cfg.c maps_written()). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} vxbpf_gen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * VXBPF_VTEP_SETS); /* 160 KiB per CPU */
	__type(key, __u32);
	__type(value, struct vxbpf_vtep_slot);
} vxbpf_vtep_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VXBPF_PORT_SLOTS); /* 18 KiB per CPU */
	__type(key, __u32);
	__type(value, struct vxbpf_port_slot);
} vxbpf_port_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * VXBPF_FDB_SETS); /* 128 KiB per CPU */
	__type(key, __u32);
	__type(value, struct vxbpf_fdb_slot);
} vxbpf_fdb_cache SEC(".maps");

/*
 * The devices vxbpf is attached to (ifindex -> 1), filled by `attach`.
 * Encapsulated frames are redirected only there: a route through a bridge,
 * bond or VLAN device cannot take an XDP frame, so it goes to the kernel.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u32);
} vxbpf_underlay SEC(".maps");

/* Kernel vxlan devices whose host traffic the TC program carries. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct vxbpf_hostdev);
} vxbpf_hostdevs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vxbpf_meta);
} vxbpf_meta SEC(".maps");

/* Miss and learn events for `vxbpf monitor`. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} vxbpf_events SEC(".maps");

/* When each miss was last sent: the dedup memory (LRU: bounded). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct vxbpf_miss_key);
	__type(value, __u64);
} vxbpf_miss_seen SEC(".maps");

#endif /* VXBPF_MAPS_H */
