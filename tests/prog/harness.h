/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The program-test harness: a private network namespace per test, a fresh
 * unpinned skeleton, map fillers in the include/vxbpf.h structs, and one
 * runner that asserts verdict, output bytes and the reason counter.
 *
 * Topology built inside the test's own netns (criterion forks each test,
 * so unshare(CLONE_NEWNET) in .init touches nobody else):
 *
 *     vm0p ──veth── vm0  (port, VNI 100)    [xdp_port_rx ingress]
 *     ulp  ──veth── ul0  192.0.2.1/24, 2001:db8::1/64   [underlay]
 *                   ul0 MAC 02:00:00:00:01:01
 *                   neigh 192.0.2.2, 2001:db8::2 → 02:00:00:00:02:01 (permanent)
 */
#ifndef VXBPF_TEST_HARNESS_H
#define VXBPF_TEST_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include <linux/bpf.h>

#include "vxbpf.h"
#include "pkt.h"

struct vxbpf;

struct harness {
	struct vxbpf *skel;
	int rx_fd, port_fd, host_tx_fd, host_rx_fd, port_tc_fd;
	int vni_fd, fdb_fd, vtep_fd, neigh_fd, ports_fd, stats_fd, vni_stats_fd, dstports_fd;
	int active_fd;
	int if_ul0, if_ulp, if_vm0, if_vm0p;
};
extern struct harness H;

/* criterion .init / .fini: netns + topology + skeleton. */
void h_setup(void);
void h_teardown(void);
/* Run an `ip -batch` script in the test's netns; asserts success. */
void h_ip(const char *script);
/* The per-CPU caches (next hop, allow-list, ports): every run of a test
 * on the CPU it runs on now. */
void h_pin_cpu(void);

/* ---- maps -------------------------------------------------------------- */
void addr_parse(const char *s, struct vxbpf_addr *a); /* v4 → ::ffff:a.b.c.d */
/* VNI with the README defaults (port 4789, 32768..61000, ttl 64, slot 0). */
/* Tell the data path the maps changed (the gen map), as a commit does;
 * map_vni_put, map_vtep and map_port_flags do it themselves. */
void maps_written(void);
void map_vni(uint32_t vni, const char *local, uint32_t flags);
struct vxbpf_vni_cfg *map_vni_get(uint32_t vni, struct vxbpf_vni_cfg *cfg);
void map_vni_put(uint32_t vni, const struct vxbpf_vni_cfg *cfg);
void map_fdb_remote(uint32_t vni, const uint8_t *mac, const char *dst, uint16_t flags);
void map_fdb_local(uint32_t vni, const uint8_t *mac, int ifindex);
void map_vtep(uint32_t vni, const char *ip);
void map_neigh(uint32_t vni, const char *ip, const uint8_t *mac, uint16_t flags);
void map_port_flags(int ifindex, uint32_t vni, uint32_t flags);
void map_port(int ifindex, uint32_t vni);
void map_dstport(uint16_t port, uint32_t users);
struct vxbpf_vni_stats vni_stats(uint32_t slot);
/* The underlay map's flags for a device (VXBPF_UNDERLAY_*). */
void map_underlay(int ifindex, uint32_t flags);
/* Whether bpf_redirect() carries multi-buffer frames here (Linux 6.3+). */
bool kernel_redirects_frags(void);

/* ---- running ----------------------------------------------------------- */
/* Every reason's packet counter, summed over CPUs. */
void stats_read(uint64_t out[VXBPF_R_MAX]);
void stats_read_bytes(uint64_t out[VXBPF_R_MAX], uint64_t bytes[VXBPF_R_MAX]);
const char *reason_name(int r);
const char *verdict_name(int v);

/* One BPF_PROG_TEST_RUN (an skb for the TC programs: ifindex is then its
 * device); returns the bpf() result (0 or -errno). */
int prog_run(int prog_fd, int ifindex, const struct pkt *in, struct pkt *out, uint32_t *retval);

/*
 * Run and assert: exactly one reason counted, and it is `reason`; the
 * verdict; the output (NULL expect: for PASS/DROP the input unchanged,
 * else not checked here). out receives the output for further checks.
 */
void expect_run(const char *name, int prog_fd, int ifindex, const struct pkt *in, int verdict,
		int reason, const struct pkt *expect, struct pkt *out);

/*
 * An encapsulation compared with Linux's (want), field by field: the
 * fields that legitimately differ (IPv4 ID and header checksum, UDP source
 * port and checksum) are checked for validity instead. See harness.c.
 */
void expect_encap(const char *name, const struct pkt *out, const struct pkt *want,
		  bool zero_csum, uint16_t pmin, uint16_t pmax);

#endif
