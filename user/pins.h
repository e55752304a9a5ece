/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Where vxbpf keeps its state: BPF maps pinned in a directory of the BPF
 * filesystem, one directory per network namespace, so that instances in
 * different namespaces never share maps.
 */
#ifndef VX_PINS_H
#define VX_PINS_H

#include <limits.h>
#include <stdbool.h>

enum vx_map_id {
	M_VNI,
	M_FDB,
	M_FLOOD,
	M_NEIGH,
	M_VTEP,
	M_PORTS,
	M_STATS,
	M_VNI_STATS,
	M_DSTPORTS,
	M_EVENTS,
	M_MISS_SEEN,
	M_UNDERLAY,
	M_META,
	M_HOSTDEVS,
	M_REMOTES,
	M_VNI_PORTS,
	M_VNI_FLOOD,
	M_ACTIVE,
	M_EV_BUDGET,
	M_SWEEP,
	M_LEARNED,
	M_CPUMAP,
	M_GEN,
	M__NR
};

/* The CPU map of xdp_port_rx copies that are not multi-buffer (behind a
 * libxdp dispatcher that is not) where the kernel has multi-buffer XDP:
 * a second pin of vxbpf_cpumap (user/pins.c, cpumap_pick). */
#define CPUMAP_SINGLE_BUF_PIN "cpumap_single_buf"

/* Pin names: the map names without the "vxbpf_" prefix. */
extern const char *const vx_map_names[M__NR];

struct vx_maps {
	char dir[512];
	int fd[M__NR];
	unsigned max_entries[M__NR];
	__s64 *learned; /* the learned map, mapped (maps_learned) */
	__u64 *gen;	/* the gen map, mapped (maps_gen) */
};

enum vx_prog_id {
	P_VXLAN_RX, /* xdp_vxlan_rx: underlay NIC */
	P_PORT_RX,  /* xdp_port_rx: local ports */
	P_HOST_TX,  /* tc_host_tx: a kernel vxlan device's egress */
	P_HOST_RX,  /* tc_host_rx: underlay NIC's ingress */
	P_PORT_TC,  /* tc_port_rx: local ports' ingress (replication) */
	P__NR
};

/* The pin directory of the current netns (VXBPF_PIN_DIR overrides). */
int pins_dir(char *dir, size_t len);

/*
 * Make sure dir is on a BPF filesystem (mounting /sys/fs/bpf when nothing
 * is mounted there and we are in the init mount namespace) and exists.
 */
int pins_prepare(const char *dir);

/*
 * Open the pinned maps, creating missing pins through the skeleton so they
 * carry BTF. Prints its own error. create=false: fail with -ENOENT and no
 * message when nothing is pinned yet (for show/stats/status).
 */
int maps_open(struct vx_maps *m, bool create);
void maps_close(struct vx_maps *m);
/* The same without creating: for the commands that only read or repair
 * (prints "nothing configured" when there are no pins). */
int maps_open_existing(struct vx_maps *m);

/*
 * The learned counts (include/vxbpf.h), mapped shared so that user space
 * changes them with atomic adds, as the fast path does; NULL (error
 * printed) if the map cannot be mapped.
 */
__s64 *maps_learned(struct vx_maps *m);
/*
 * The generation of what user space wrote (bpf/gen.h), mapped; raise it
 * after the last map write of a change, so that the data path's cached
 * copies of the old entries are not read again. -EIO (printed) if the
 * map cannot be mapped.
 */
__u64 *maps_gen(struct vx_maps *m);
int maps_gen_raise(struct vx_maps *m);

/* Whether the kernel loads multi-buffer XDP programs (5.18 and later). */
bool xdp_frags_supported(void);
/* uname -r */
const char *kernel_release(void);

/*
 * Load one program with every map reused from the pins; returns a program
 * fd (caller closes) or -errno with the error printed.
 */
int prog_load(struct vx_maps *m, enum vx_prog_id which);
/*
 * For vxbpf explain: program `which` loaded with explain set, sharing the
 * pinned tables but with its own counters, events and caches (every map it
 * writes); NULL with the error printed. The program fd is the skeleton's.
 */
struct vxbpf;
struct vxbpf *explain_open(struct vx_maps *m, enum vx_prog_id which, int *prog_fd);
/* The same, after making sure <pin dir>/links exists for its link. */
int prog_load_for_link(struct vx_maps *m, enum vx_prog_id which);

/*
 * Program `which`, maps reused from the pins, added by libxdp to the
 * dispatcher on ifindex (xdp_disp.h); its fd or -errno with the error printed.
 */
int prog_load_disp(struct vx_maps *m, enum vx_prog_id which, const char *dev, int ifindex,
		   bool skb, bool frags);

/* The program's name in the object: "xdp_vxlan_rx", ... */
const char *prog_name(enum vx_prog_id which);

#endif
