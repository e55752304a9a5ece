// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The fast path's counters, read and summed over CPUs (counters.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common.h"
#include "counters.h"
#include "table.h"

const struct vx_reason_desc vx_reasons[] = {
#define VXBPF_X_NAME(e, name, help) { name, help },
	VXBPF_REASONS(VXBPF_X_NAME)
#undef VXBPF_X_NAME
};

/* Sum a per-CPU value of n __u64 counters into sum. */
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

#define N64(type) (sizeof(type) / sizeof(__u64))

struct vni_walk {
	struct vx_vni_counters *v;
	size_t n, cap;
};

static int vni_cb(const void *key, const void *val, void *ctx)
{
	struct vni_walk *w = ctx;
	const struct vxbpf_vni_cfg *c = val;

	if (w->n == w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 64;
		struct vx_vni_counters *nv = realloc(w->v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		w->v = nv;
		w->cap = nc;
	}
	memset(&w->v[w->n], 0, sizeof(w->v[w->n]));
	w->v[w->n].vni = *(const __u32 *)key;
	w->v[w->n].slot = c->slot;
	w->v[w->n].maxaddr = c->maxaddr;
	w->n++;
	return 0;
}

static int vni_cmp(const void *a, const void *b)
{
	const struct vx_vni_counters *x = a, *y = b;

	return x->vni < y->vni ? -1 : x->vni > y->vni;
}

/* A learned count (a race may take it below zero for a moment: 0). */
static __u64 learned_get(struct vx_maps *m, __u32 slot)
{
	__s64 v = 0;

	if (bpf_map_lookup_elem(m->fd[M_LEARNED], &slot, &v) || v < 0)
		return 0;
	return v;
}

static int read_err(const char *map, int err)
{
	vx_err("cannot read the %s map: %s", map, vx_strerror(err));
	return err;
}

static int vni_read(struct vx_maps *m, struct vx_vni_counters *v)
{
	__u64 ev[N64(struct vxbpf_ev_budget)];
	int err;

	err = percpu_sum(m->fd[M_VNI_STATS], v->slot, (__u64 *)&v->s, N64(v->s));
	if (err)
		return read_err("vni_stats", err);
	err = percpu_sum(m->fd[M_VNI_FLOOD], v->slot, (__u64 *)&v->f, N64(v->f));
	if (err)
		return read_err("vni_flood", err);
	err = percpu_sum(m->fd[M_EV_BUDGET], v->slot, ev, N64(struct vxbpf_ev_budget));
	if (err)
		return read_err("ev_budget", err);
	v->events_suppressed = ev[offsetof(struct vxbpf_ev_budget, suppressed) / sizeof(__u64)];
	v->learned = learned_get(m, v->slot);
	return 0;
}

int counters_read(struct vx_maps *m, struct vx_counters *c)
{
	struct vni_walk w = {};
	struct vxbpf_sweeper sw = {};
	__u32 zero = 0;
	size_t i;
	int err;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < VXBPF_R_MAX; i++) {
		err = percpu_sum(m->fd[M_STATS], i, (__u64 *)&c->reason[i], N64(c->reason[i]));
		if (err)
			return read_err("stats", err);
	}
	err = map_walk(m->fd[M_VNI], sizeof(__u32), sizeof(struct vxbpf_vni_cfg), vni_cb, &w);
	if (err) {
		free(w.v);
		return read_err("vni", err);
	}
	qsort(w.v, w.n, sizeof(*w.v), vni_cmp);
	c->vni = w.v;
	c->n_vni = w.n;
	for (i = 0; i < c->n_vni; i++) {
		err = vni_read(m, &c->vni[i]);
		if (err) {
			counters_free(c);
			return err;
		}
	}
	/* Learned entries aged out without being met (bpf/sweep.h). */
	if (!bpf_map_lookup_elem(m->fd[M_SWEEP], &zero, &sw))
		c->swept = sw.swept;
	c->learned = learned_get(m, VXBPF_LEARN_ALL);
	return 0;
}

void counters_free(struct vx_counters *c)
{
	free(c->vni);
	c->vni = NULL;
	c->n_vni = 0;
}

static int count_cb(const void *key, const void *val, void *ctx)
{
	(*(size_t *)ctx)++;
	return 0;
}

int map_entries(struct vx_maps *m, enum vx_map_id id, size_t *n)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int err;

	*n = 0;
	err = bpf_obj_get_info_by_fd(m->fd[id], &info, &len);
	if (err)
		return -errno;
	return map_walk(m->fd[id], info.key_size, info.value_size, count_cb, n);
}
