// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * stats (per-reason and per-VNI counters, per-CPU values summed) and
 * status (pin directory, attachments, ports, map fill).
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "counters.h"
#include "tc.h"
#include "cmd.h"
#include "json.h"
#include "mirror.h"
#include "pins.h"
#include "table.h"

static void print_reasons(const struct vx_counters *c)
{
	bool any = false;
	size_t i;

	for (i = 0; i < VXBPF_R_MAX; i++)
		any |= c->reason[i].packets != 0;
	out_open_array("reasons");
	if (!any)
		out_text("no packets counted yet\n");
	else
		out_text("%-18s %12s %14s  %s\n", "reason", "packets", "bytes", "meaning");
	for (i = 0; i < VXBPF_R_MAX; i++) {
		/* Text lists what happened; JSON lists every reason. */
		if (!out_json() && !c->reason[i].packets)
			continue;
		out_open_obj(NULL);
		out_str("reason", "%-18s", vx_reasons[i].name);
		out_u64("packets", " %12llu", c->reason[i].packets);
		out_u64("bytes", " %14llu", c->reason[i].bytes);
		out_text("  %s", vx_reasons[i].help);
		out_close_obj();
		out_nl();
	}
	out_close_array();
}

static void print_vni(const struct vx_vni_counters *v)
{
	out_open_obj(NULL);
	out_u64("vni", "%-9llu", v->vni);
	out_u64("rx_packets", " %12llu", v->s.rx_packets);
	out_u64("rx_bytes", " %14llu", v->s.rx_bytes);
	out_u64("tx_packets", " %12llu", v->s.tx_packets);
	out_u64("tx_bytes", " %14llu", v->s.tx_bytes);
	out_u64("flood_tx_frames", NULL, v->f.tx_frames);
	out_u64("flood_tx_port_copies", NULL, v->f.tx_port_copies);
	out_u64("flood_tx_vtep_copies", NULL, v->f.tx_vtep_copies);
	out_u64("flood_rx_frames", NULL, v->f.rx_frames);
	out_u64("flood_rx_port_copies", NULL, v->f.rx_port_copies);
	out_u64("events_suppressed", v->events_suppressed ?
		"  (%llu events over the budget not sent)" : NULL, v->events_suppressed);
	out_u64("learned", v->learned ? "  learned %llu" : NULL, v->learned);
	out_u64("learn_refused", v->s.learn_refused ? " (%llu refused)" : NULL,
		v->s.learn_refused);
	out_close_obj();
	out_nl();
}

/* Replication (broadcast, multicast, unknown unicast, several remotes) of
 * the VNIs vxbpf floods itself, where anything was: text only. */
static void print_flood(const struct vx_counters *c)
{
	bool flooded = false;
	size_t i;

	for (i = 0; i < c->n_vni; i++)
		flooded |= c->vni[i].f.tx_frames || c->vni[i].f.rx_frames;
	if (out_json() || !flooded)
		return;
	out_text("\n%-9s %12s %12s %12s %12s %12s\n", "flood", "tx_frames", "port_copies",
		 "vtep_copies", "rx_frames", "port_copies");
	for (i = 0; i < c->n_vni; i++) {
		const struct vxbpf_vni_flood *f = &c->vni[i].f;

		if (f->tx_frames || f->rx_frames)
			out_text("%-9u %12llu %12llu %12llu %12llu %12llu\n", c->vni[i].vni,
				 (unsigned long long)f->tx_frames, (unsigned long long)f->tx_port_copies,
				 (unsigned long long)f->tx_vtep_copies, (unsigned long long)f->rx_frames,
				 (unsigned long long)f->rx_port_copies);
	}
}

int run_stats(void)
{
	struct vx_counters c;
	struct vx_maps m;
	size_t i;
	int err;

	err = maps_open_existing(&m);
	if (err)
		return err;
	err = counters_read(&m, &c);
	if (err)
		goto out;
	out_open_obj(NULL);
	print_reasons(&c);
	out_open_array("vnis");
	if (c.n_vni)
		out_text("\n%-9s %12s %14s %12s %14s\n", "vni", "rx_packets", "rx_bytes",
			 "tx_packets", "tx_bytes");
	for (i = 0; i < c.n_vni; i++)
		print_vni(&c.vni[i]);
	out_close_array();
	if (c.swept)
		out_text("\nlearned entries aged out by the sweep: %llu\n", (unsigned long long)c.swept);
	out_u64("swept", NULL, c.swept);
	out_u64("learned", NULL, c.learned);
	print_flood(&c);
	out_close_obj();
	counters_free(&c);
out:
	maps_close(&m);
	return err;
}

static int att_cb(const struct xdp_att *a, void *ctx)
{
	char name[IF_NAMESIZE];

	if (!if_indextoname(a->ifindex, name))
		snprintf(name, sizeof(name), "if%d", a->ifindex);
	out_open_obj(NULL);
	out_str("ifname", "  %s", name);
	out_u64("ifindex", " (ifindex %llu)", a->ifindex);
	out_str("program", " %s", a->prog[0] ? a->prog : "?");
	out_str("mode", " %s", a->mode);
	if (a->dispatcher)
		out_bool("dispatcher", " via libxdp dispatcher", true);
	else
		out_u64("link_id", " link %llu", a->link_id);
	out_u64("prog_id", " prog %llu", a->prog_id);
	/* Underlay devices carry tc_host_rx behind XDP. */
	if (a->prog[0] && !strcmp(a->prog, "xdp_vxlan_rx")) {
		const char *tc = tc_attached(ctx, a->ifindex, false, false);

		out_str("tc", ", tc_host_rx %s", tc ? tc : "missing");
	}
	out_close_obj();
	out_nl();
	return 0;
}

static int hostdevs_cb(const void *key, const void *val, void *ctx)
{
	__u32 ifindex = *(const __u32 *)key;
	const char *tc = tc_attached(ctx, ifindex, true, false);
	char name[IF_NAMESIZE];

	if (!if_indextoname(ifindex, name))
		snprintf(name, sizeof(name), "if%u", ifindex);
	out_open_obj(NULL);
	out_str("ifname", "  %s", name);
	out_u64("ifindex", " (ifindex %llu)", ifindex);
	out_u64("vni", " vni %llu", ((const struct vxbpf_hostdev *)val)->vni);
	out_str("tc", " tc_host_tx %s", tc ? tc : "missing");
	out_close_obj();
	out_nl();
	return 0;
}

static int ports_cb(const void *key, const void *val, void *ctx)
{
	port_print(ctx, *(const __u32 *)key,
		   ((const struct vxbpf_port_val *)val)->vni, "  ");
	return 0;
}

int run_status(void)
{
	static const enum vx_map_id hashes[] = { M_VNI,	 M_FDB,	  M_FLOOD,   M_NEIGH,
						 M_VTEP, M_PORTS, M_REMOTES, M_VNI_PORTS };
	struct vx_maps m;
	size_t i, cnt;
	int err;

	err = maps_open(&m, false);
	out_open_obj(NULL);
	out_str("pin_dir", "pin dir: %s", m.dir);
	if (err == -ENOENT) {
		out_bool("configured", NULL, false);
		out_text(" (nothing configured yet)\n");
		out_close_obj();
		return 0;
	}
	if (err)
		return err;
	out_bool("configured", NULL, true);
	out_nl();
	out_text("attached:\n");
	out_open_array("attached");
	xdp_walk(&m, att_cb, &m);
	out_close_array();
	out_text("vxlan devices (host traffic):\n");
	out_open_array("vxlan_devices");
	map_walk(m.fd[M_HOSTDEVS], sizeof(__u32), sizeof(struct vxbpf_hostdev), hostdevs_cb, &m);
	out_close_array();
	out_text("ports:\n");
	out_open_array("ports");
	map_walk(m.fd[M_PORTS], sizeof(__u32), sizeof(struct vxbpf_port_val),
		 ports_cb, &m);
	out_close_array();
	mirror_state_show();
	out_text("maps:\n");
	out_open_array("maps");
	for (i = 0; i < ARRAY_SIZE(hashes); i++) {
		map_entries(&m, hashes[i], &cnt);
		out_open_obj(NULL);
		out_str("name", "  %-9s", vx_map_names[hashes[i]]);
		out_u64("entries", " %8llu", cnt);
		out_u64("max_entries", " / %llu", m.max_entries[hashes[i]]);
		/* Said where it is looked for: a write beyond this fails
		 * (E2BIG), and mirror backs off until there is room. */
		out_bool("full", NULL, cnt >= m.max_entries[hashes[i]]);
		if (cnt >= m.max_entries[hashes[i]])
			out_text("  FULL: further entries are refused (the kernel carries what mirror cannot copy)");
		out_close_obj();
		out_nl();
	}
	out_close_array();
	out_close_obj();
	maps_close(&m);
	return 0;
}

/* Zero every per-CPU counter: a percpu array element is written whole. */
static int percpu_zero(int fd, __u32 n, size_t val_size)
{
	int ncpu = libbpf_num_possible_cpus(), err = 0;
	size_t stride = (val_size + 7) / 8 * 8;
	void *zero;
	__u32 k;

	if (ncpu < 1)
		return ncpu;
	zero = calloc(ncpu, stride);
	if (!zero)
		return -ENOMEM;
	for (k = 0; k < n && !err; k++)
		if (bpf_map_update_elem(fd, &k, zero, BPF_EXIST))
			err = -errno;
	free(zero);
	return err;
}

int run_stats_reset(void)
{
	struct vx_maps m;
	int err;

	err = maps_open_existing(&m);
	if (err)
		return err;
	err = percpu_zero(m.fd[M_STATS], VXBPF_R_MAX, sizeof(struct vxbpf_counter));
	if (!err)
		err = percpu_zero(m.fd[M_VNI_STATS], VXBPF_MAX_VNIS, sizeof(struct vxbpf_vni_stats));
	if (!err)
		err = percpu_zero(m.fd[M_VNI_FLOOD], VXBPF_MAX_VNIS, sizeof(struct vxbpf_vni_flood));
	if (!err)
		err = percpu_zero(m.fd[M_EV_BUDGET], VXBPF_MAX_VNIS, sizeof(struct vxbpf_ev_budget));
	if (err)
		vx_err("cannot reset the counters: %s", vx_strerror(err));
	maps_close(&m);
	return err;
}
