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
#include "tc.h"
#include "cmd.h"
#include "json.h"
#include "mirror.h"
#include "pins.h"
#include "table.h"

static const struct {
	const char *name, *help;
} reasons[] = {
#define VXBPF_X_NAME(e, name, help) { name, help },
	VXBPF_REASONS(VXBPF_X_NAME)
#undef VXBPF_X_NAME
};

/* Sum a per-CPU value of n __u64 counters. */
static int percpu_sum(int fd, __u32 key, __u64 *sum, size_t n)
{
	int ncpu = libbpf_num_possible_cpus(), i, err;
	size_t j, stride = (n * sizeof(__u64) + 7) / 8;
	__u64 *buf;

	if (ncpu < 1)
		return ncpu;
	buf = calloc((size_t)ncpu * stride, sizeof(__u64));
	if (!buf)
		return -ENOMEM;
	err = bpf_map_lookup_elem(fd, &key, buf);
	memset(sum, 0, n * sizeof(*sum));
	for (i = 0; !err && i < ncpu; i++)
		for (j = 0; j < n; j++)
			sum[j] += buf[i * stride + j];
	free(buf);
	return err;
}

struct vni_slot {
	__u32 vni, slot;
};

static int vni_slot_cb(const void *key, const void *val, void *ctx)
{
	struct vni_slot **v = ctx;
	const struct vxbpf_vni_cfg *c = val;
	size_t n = 0;

	while ((*v)[n].vni)
		n++;
	if (n + 1 >= VXBPF_MAX_VNIS + 1)
		return 0;
	(*v)[n].vni = *(const __u32 *)key;
	(*v)[n].slot = c->slot;
	(*v)[n + 1].vni = 0;
	return 0;
}

static int slot_cmp(const void *a, const void *b)
{
	const struct vni_slot *x = a, *y = b;

	return x->vni < y->vni ? -1 : x->vni > y->vni;
}

/* Learned fdb entries of a VNI slot (or VXBPF_LEARN_ALL); a count a race
 * took below zero reads as 0. */
static __u64 learned_get(struct vx_maps *m, __u32 slot)
{
	__s64 v = 0;

	if (bpf_map_lookup_elem(m->fd[M_LEARNED], &slot, &v) || v < 0)
		return 0;
	return v;
}

int run_stats(void)
{
	__u64 r[VXBPF_R_MAX][2], s[5], ev[3], (*f)[5] = NULL;
	struct vni_slot *vs = NULL;
	struct vx_maps m;
	size_t i, n = 0;
	bool any = false, flooded = false;
	__u64 learned;
	int err;

	err = maps_open(&m, false);
	if (err == -ENOENT) {
		vx_err("nothing configured in this network namespace (no maps in %s)",
		       m.dir);
		return err;
	}
	if (err)
		return err;
	for (i = 0; i < VXBPF_R_MAX; i++) {
		err = percpu_sum(m.fd[M_STATS], i, r[i], 2);
		if (err) {
			vx_err("cannot read the stats map: %s",
			       vx_strerror(err));
			goto out;
		}
		any |= r[i][0] != 0;
	}
	vs = calloc(VXBPF_MAX_VNIS + 2, sizeof(*vs));
	if (!vs) {
		err = -ENOMEM;
		goto out;
	}
	err = map_walk(m.fd[M_VNI], sizeof(__u32), sizeof(struct vxbpf_vni_cfg),
		       vni_slot_cb, &vs);
	if (err) {
		vx_err("cannot read the vni map: %s", vx_strerror(err));
		goto out;
	}
	while (vs[n].vni)
		n++;
	qsort(vs, n, sizeof(*vs), slot_cmp);
	f = calloc(n + 1, sizeof(*f));
	if (!f) {
		err = -ENOMEM;
		goto out;
	}

	out_open_obj(NULL);
	out_open_array("reasons");
	if (!any)
		out_text("no packets counted yet\n");
	else
		out_text("%-18s %12s %14s  %s\n", "reason", "packets", "bytes",
			 "meaning");
	for (i = 0; i < VXBPF_R_MAX; i++) {
		/* Text lists what happened; JSON lists every reason. */
		if (!out_json() && !r[i][0])
			continue;
		out_open_obj(NULL);
		out_str("reason", "%-18s", reasons[i].name);
		out_u64("packets", " %12llu", r[i][0]);
		out_u64("bytes", " %14llu", r[i][1]);
		out_text("  %s", reasons[i].help);
		out_close_obj();
		out_nl();
	}
	out_close_array();
	out_open_array("vnis");
	if (n)
		out_text("\n%-9s %12s %14s %12s %14s\n", "vni", "rx_packets",
			 "rx_bytes", "tx_packets", "tx_bytes");
	for (i = 0; i < n; i++) {
		err = percpu_sum(m.fd[M_VNI_STATS], vs[i].slot, s, 5);
		if (err) {
			vx_err("cannot read the vni_stats map: %s",
			       vx_strerror(err));
			goto out;
		}
		err = percpu_sum(m.fd[M_VNI_FLOOD], vs[i].slot, f[i], 5);
		if (err) {
			vx_err("cannot read the vni_flood map: %s", vx_strerror(err));
			goto out;
		}
		err = percpu_sum(m.fd[M_EV_BUDGET], vs[i].slot, ev, 3);
		if (err) {
			vx_err("cannot read the ev_budget map: %s", vx_strerror(err));
			goto out;
		}
		flooded |= f[i][0] || f[i][3];
		out_open_obj(NULL);
		out_u64("vni", "%-9llu", vs[i].vni);
		out_u64("rx_packets", " %12llu", s[0]);
		out_u64("rx_bytes", " %14llu", s[1]);
		out_u64("tx_packets", " %12llu", s[2]);
		out_u64("tx_bytes", " %14llu", s[3]);
		out_u64("flood_tx_frames", NULL, f[i][0]);
		out_u64("flood_tx_port_copies", NULL, f[i][1]);
		out_u64("flood_tx_vtep_copies", NULL, f[i][2]);
		out_u64("flood_rx_frames", NULL, f[i][3]);
		out_u64("flood_rx_port_copies", NULL, f[i][4]);
		out_u64("events_suppressed", NULL, ev[2]);
		if (ev[2] && !out_json())
			out_text("  (%llu events over the budget not sent)", (unsigned long long)ev[2]);
		learned = learned_get(&m, vs[i].slot);
		out_u64("learned", learned ? "  learned %llu" : NULL, learned);
		out_u64("learn_refused", s[4] ? " (%llu refused)" : NULL, s[4]);
		out_close_obj();
		out_nl();
	}
	out_close_array();
	{
		struct vxbpf_sweeper sw = { 0 };
		__u32 zero = 0;

		/* Learned entries aged out without being met (bpf/sweep.h). */
		if (!bpf_map_lookup_elem(m.fd[M_SWEEP], &zero, &sw) && sw.swept)
			out_text("\nlearned entries aged out by the sweep: %llu\n",
				 (unsigned long long)sw.swept);
		out_u64("swept", NULL, sw.swept);
		out_u64("learned", NULL, learned_get(&m, VXBPF_LEARN_ALL));
	}
	/* Replication (broadcast, multicast, unknown unicast, several
	 * remotes) of the VNIs vxbpf floods itself, where anything was. */
	if (!out_json() && flooded) {
		out_text("\n%-9s %12s %12s %12s %12s %12s\n", "flood", "tx_frames", "port_copies",
			 "vtep_copies", "rx_frames", "port_copies");
		for (i = 0; i < n; i++)
			if (f[i][0] || f[i][3])
				out_text("%-9u %12llu %12llu %12llu %12llu %12llu\n", vs[i].vni,
					 (unsigned long long)f[i][0], (unsigned long long)f[i][1],
					 (unsigned long long)f[i][2], (unsigned long long)f[i][3],
					 (unsigned long long)f[i][4]);
	}
	out_close_obj();
out:
	free(f);
	free(vs);
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

static int count_cb(const void *key, const void *val, void *ctx)
{
	(*(size_t *)ctx)++;
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
	struct bpf_map_info info;
	struct vx_maps m;
	__u32 len;
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
		cnt = 0;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		bpf_obj_get_info_by_fd(m.fd[hashes[i]], &info, &len);
		map_walk(m.fd[hashes[i]], info.key_size, info.value_size,
			 count_cb, &cnt);
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

	err = maps_open(&m, false);
	if (err == -ENOENT) {
		vx_err("nothing configured in this network namespace (no maps in %s)", m.dir);
		return err;
	}
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
