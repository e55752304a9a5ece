// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The maps the replication reads, derived from the ones the user writes:
 *   remotes    (vni, mac) -> every remote of a MAC with several (the fdb
 *              entry's first, then the flood map's by address), and for
 *              the all-zero MAC the VNI's flood list;
 *   vni_ports  vni -> its local ports, by ifindex;
 *   ports,     (the cfg field of each value only) a copy of the VNI's
 *   vtep       vni map entry, which encapsulation (ports) and
 *              decapsulation (vtep, the allow-list) read there.
 * One value per list, so the data path reads a whole list or the previous
 * one, never half of each. Recomputed for what a commit changes; nothing
 * else writes them.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "cfg.h"

/* A memory-only set of keys (a tbl without a map behind it). */
static void keyset_init(struct tbl *s, __u32 ksz)
{
	tbl_init(s, "dirty", -1, ksz, 0, 0xffffffffU);
}

static int keyset_add(struct tbl *s, const void *key)
{
	static const __u8 none;

	return tbl_put(s, key, &none);
}

/* A derived list: written when it has members, else gone. */
static int derived_set(struct tbl *t, const void *key, const void *val, __u32 n)
{
	int have;

	if (n)
		return tbl_put(t, key, val);
	have = tbl_get(t, key, NULL);
	return have <= 0 ? have : tbl_del(t, key);
}

/* Does a kernel vxlan device replicate for vni (VXBPF_VNI_KERNEL_BUM)? */
static bool vni_kernel_bum(struct vx_cfg *c, __u32 vni)
{
	struct vxbpf_vni_cfg v;

	return tbl_get(&c->vni, &vni, &v) == 1 && (v.flags & VXBPF_VNI_KERNEL_BUM);
}

/* A flood-map remote of a dirty list, while the lists are built. */
struct member {
	struct vxbpf_fdb_key k;
	struct vxbpf_remote r;
};

static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int d = memcmp(&x->k, &y->k, sizeof(x->k));

	return d ? d : addr_cmp(&x->r.dst, &y->r.dst);
}

static int too_many(__u32 vni, const __u8 *mac, size_t n, unsigned max)
{
	char m[VX_MACSTRLEN];

	if (!mac)
		vx_err("vni %u has %zu ports; vxbpf replicates to at most %u", vni, n, max);
	else if (mac_is_zero(mac))
		vx_err("vni %u: the flood list has %zu remotes; vxbpf replicates to at most %u",
		       vni, n, max);
	else
		vx_err("vni %u: %s has %zu remotes; vxbpf replicates to at most %u", vni,
		       mac_fmt(mac, m), n, max);
	return -E2BIG;
}

/*
 * The list of (vni, mac) into rl (rl->n 0: none): the fdb entry's remote,
 * then the flood map's (mem[0..n), sorted by address: the same
 * configuration gives the same order).
 */
static int remotes_build(struct vx_cfg *c, const struct vxbpf_fdb_key *k, const struct member *mem,
			 size_t n, struct vxbpf_remotes *rl)
{
	struct vxbpf_fdb_val fv;
	size_t i, first = 0;
	int have;

	memset(rl, 0, sizeof(*rl));
	if (!mac_is_zero(k->mac)) {
		have = tbl_get(&c->fdb, k, &fv);
		if (have < 0)
			return have;
		/* Only a MAC with several remotes has a list: one remote is
		 * the fdb entry itself. */
		if (!have || (fv.flags & VXBPF_FDB_LOCAL) || !(fv.flags & VXBPF_FDB_MULTI))
			return 0;
		rl->r[0].dst = fv.dst;
		rl->r[0].be_port = fv.be_port;
		rl->r[0].remote_vni = fv.remote_vni;
		first = 1;
	}
	if (first + n > VXBPF_FLOOD_REMOTES) {
		/* A kernel device replicates for such a VNI: no list needed,
		 * and no limit to impose on what it mirrors. */
		if (vni_kernel_bum(c, k->vni)) {
			rl->n = 0;
			return 0;
		}
		return too_many(k->vni, k->mac, first + n, VXBPF_FLOOD_REMOTES);
	}
	for (i = 0; i < n; i++)
		rl->r[first + i] = mem[i].r;
	rl->n = first + n;
	return 0;
}

/* The (vni, mac) lists that the changes in the fdb and flood caches touch. */
#define KERNEL_CHANGED_MAX 64

/* The VNIs whose VXBPF_VNI_KERNEL_BUM state this commit changes (at most
 * KERNEL_CHANGED_MAX; beyond, all of them are rebuilt: -E2BIG). */
static int kernel_changed(struct vx_cfg *c, __u32 *vnis, size_t *n)
{
	size_t i;

	*n = 0;
	for (i = 0; i < c->vni.n; i++) {
		struct tbl_ent *e = c->vni.list[i];
		const struct vxbpf_vni_cfg *o = tbl_orig(&c->vni, e), *v = tbl_cur(&c->vni, e);
		bool was = e->orig_present && (o->flags & VXBPF_VNI_KERNEL_BUM);
		bool is = e->cur_present && (v->flags & VXBPF_VNI_KERNEL_BUM);

		if (was == is)
			continue;
		if (*n == KERNEL_CHANGED_MAX)
			return -E2BIG;
		vnis[(*n)++] = *(const __u32 *)tbl_key(&c->vni, e);
	}
	return 0;
}

static bool vni_in(const __u32 *vnis, size_t n, __u32 vni)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (vnis[i] == vni)
			return true;
	return false;
}

/*
 * The VNIs that gain or lose their kernel device in this commit need every
 * list of theirs again (one over the limit is left out while the kernel
 * replicates for them).
 */
struct vni_set {
	__u32 vni[KERNEL_CHANGED_MAX];
	size_t n;
};

static int dirty_lists(struct vx_cfg *c, struct tbl *dirty, bool all, const struct vni_set *ch)
{
	const __u32 *changed_vnis = ch->vni;
	size_t i, n_changed = ch->n;
	struct vxbpf_fdb_key k;
	int err;

	if (all || n_changed) {
		err = tbl_load_all(&c->flood);
		if (!err && all)
			err = tbl_load_all(&c->remotes);
		if (err)
			return err;
	}
	for (i = 0; i < c->flood.n; i++) {
		struct tbl_ent *e = c->flood.list[i];
		const struct vxbpf_flood_key *fk = tbl_key(&c->flood, e);

		if (!all && !tbl_changed(&c->flood, e) && !vni_in(changed_vnis, n_changed, fk->vni))
			continue;
		memset(&k, 0, sizeof(k));
		k.vni = fk->vni;
		memcpy(k.mac, fk->mac, 6);
		err = keyset_add(dirty, &k);
		if (err)
			return err;
	}
	for (i = 0; i < c->fdb.n; i++) {
		struct tbl_ent *e = c->fdb.list[i];
		const struct vxbpf_fdb_val *o = tbl_orig(&c->fdb, e), *v = tbl_cur(&c->fdb, e);
		bool multi = (e->orig_present && (o->flags & VXBPF_FDB_MULTI)) ||
			     (e->cur_present && (v->flags & VXBPF_FDB_MULTI));

		if (multi && tbl_changed(&c->fdb, e)) {
			err = keyset_add(dirty, tbl_key(&c->fdb, e));
			if (err)
				return err;
		}
	}
	/* A list whose sources all went is stale: look again at every one. */
	for (i = 0; all && i < c->remotes.n; i++) {
		err = keyset_add(dirty, tbl_key(&c->remotes, c->remotes.list[i]));
		if (err)
			return err;
	}
	return 0;
}

/* The flood-map remotes of the dirty lists, sorted by list and address. */
static int members_collect(struct vx_cfg *c, struct tbl *dirty, struct member **out, size_t *n_out)
{
	struct member *mem = NULL, *nm;
	size_t i, n = 0, cap = 0;
	struct vxbpf_fdb_key k;
	int err, in;

	*out = NULL;
	*n_out = 0;
	if (!dirty->n)
		return 0;
	err = tbl_load_all(&c->flood);
	if (err)
		return err;
	for (i = 0; i < c->flood.n; i++) {
		struct tbl_ent *e = c->flood.list[i];
		const struct vxbpf_flood_key *fk = tbl_key(&c->flood, e);
		const struct vxbpf_flood_val *v = tbl_cur(&c->flood, e);

		if (!e->cur_present)
			continue;
		memset(&k, 0, sizeof(k));
		k.vni = fk->vni;
		memcpy(k.mac, fk->mac, 6);
		in = tbl_get(dirty, &k, NULL);
		if (in < 0) {
			free(mem);
			return in;
		}
		if (!in)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			nm = realloc(mem, cap * sizeof(*mem));
			if (!nm) {
				free(mem);
				return -ENOMEM;
			}
			mem = nm;
		}
		memset(&mem[n], 0, sizeof(mem[n]));
		mem[n].k = k;
		mem[n].r.dst = fk->dst;
		mem[n].r.be_port = v->be_port;
		mem[n].r.remote_vni = v->remote_vni;
		n++;
	}
	/* None at all (the dirty lists lost every remote): mem is NULL,
	 * which qsort must not be given even for 0 members. */
	if (n)
		qsort(mem, n, sizeof(*mem), member_cmp);
	*out = mem;
	*n_out = n;
	return 0;
}

static int derive_remotes(struct vx_cfg *c, bool all, const struct vni_set *ch)
{
	struct vxbpf_remotes *rl = malloc(sizeof(*rl));
	struct member *mem = NULL;
	size_t i, n_mem = 0, at;
	struct tbl dirty;
	int err;

	if (!rl)
		return -ENOMEM;
	keyset_init(&dirty, sizeof(struct vxbpf_fdb_key));
	err = dirty_lists(c, &dirty, all, ch);
	if (!err)
		err = members_collect(c, &dirty, &mem, &n_mem);
	for (i = 0; !err && i < dirty.n; i++) {
		const struct vxbpf_fdb_key *k = tbl_key(&dirty, dirty.list[i]);
		size_t lo = 0, hi = n_mem;

		/* A lookup leaves an absent key in the set's cache. */
		if (!dirty.list[i]->cur_present)
			continue;

		/* The first member of k: a binary search over the sorted run. */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (memcmp(&mem[mid].k, k, sizeof(*k)) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (at = lo; at < n_mem && !memcmp(&mem[at].k, k, sizeof(*k)); at++)
			;
		/* No member (mem NULL when there are none): no pointer. */
		err = remotes_build(c, k, at > lo ? mem + lo : NULL, at - lo, rl);
		if (!err)
			err = derived_set(&c->remotes, k, rl, rl->n);
	}
	tbl_free(&dirty);
	free(mem);
	free(rl);
	return err;
}

static int u32_cmp(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static int ports_build(struct vx_cfg *c, __u32 vni, struct vxbpf_vni_ports *pl)
{
	size_t i, n = 0;

	memset(pl, 0, sizeof(*pl));
	for (i = 0; i < c->ports.n; i++) {
		struct tbl_ent *e = c->ports.list[i];
		const struct vxbpf_port_val *v = tbl_cur(&c->ports, e);

		if (!e->cur_present || v->vni != vni)
			continue;
		if (n >= VXBPF_FLOOD_PORTS) {
			if (vni_kernel_bum(c, vni)) {
				pl->n = 0;
				return 0;
			}
			return too_many(vni, NULL, n + 1, VXBPF_FLOOD_PORTS);
		}
		pl->ifindex[n++] = *(const __u32 *)tbl_key(&c->ports, e);
	}
	qsort(pl->ifindex, n, sizeof(pl->ifindex[0]), u32_cmp);
	pl->n = n;
	return 0;
}

static int derive_ports(struct vx_cfg *c, bool all, const struct vni_set *ch)
{
	struct vxbpf_vni_ports *pl = malloc(sizeof(*pl));
	struct tbl dirty;
	size_t i;
	int err;

	if (!pl)
		return -ENOMEM;
	keyset_init(&dirty, sizeof(__u32));
	/* Nothing to do unless a port changed (the cache holds every entry
	 * a command touched). */
	for (i = 0; !all && i < c->ports.n; i++)
		if (tbl_changed(&c->ports, c->ports.list[i]))
			break;
	if (!all && !ch->n && i == c->ports.n) {
		free(pl);
		return 0;
	}
	err = 0;
	for (i = 0; i < ch->n && !err; i++)
		err = keyset_add(&dirty, &ch->vni[i]);
	if (!err)
		err = tbl_load_all(&c->ports);
	if (!err && all)
		err = tbl_load_all(&c->vni_ports);
	for (i = 0; !err && i < c->ports.n; i++) {
		struct tbl_ent *e = c->ports.list[i];
		const struct vxbpf_port_val *o = tbl_orig(&c->ports, e), *v = tbl_cur(&c->ports, e);

		if (!all && !tbl_changed(&c->ports, e))
			continue;
		if (e->orig_present)
			err = keyset_add(&dirty, &o->vni);
		if (!err && e->cur_present)
			err = keyset_add(&dirty, &v->vni);
	}
	for (i = 0; !err && all && i < c->vni_ports.n; i++)
		err = keyset_add(&dirty, tbl_key(&c->vni_ports, c->vni_ports.list[i]));
	for (i = 0; !err && i < dirty.n; i++) {
		const __u32 *vni = tbl_key(&dirty, dirty.list[i]);

		if (!dirty.list[i]->cur_present)
			continue;
		err = ports_build(c, *vni, pl);
		if (!err)
			err = derived_set(&c->vni_ports, vni, pl, pl->n);
	}
	tbl_free(&dirty);
	free(pl);
	return err;
}

/*
 * The copies of a VNI's vni map entry that the data path reads instead of
 * looking it up: in each port's value and in each allow-list (vtep) entry.
 * Rewritten for the entries a commit changes and for every entry of a VNI
 * whose configuration it changes (with all, for every entry). The vni map
 * is written before both in a commit, so the data path sees the new entry
 * there no later than in a copy.
 */
static int copy_cfg(struct vx_cfg *c, struct tbl *t, bool all, struct tbl *vnis, bool any)
{
	struct vxbpf_vni_cfg vc;
	__u8 key[sizeof(struct vxbpf_vtep_key)];
	__u8 val[sizeof(struct vxbpf_port_val)];
	/* Both values: vni or refs, a second word, then the copy. */
	struct vxbpf_vni_cfg *copy = (void *)(val + 8);
	size_t i;
	int err = 0;

	_Static_assert(offsetof(struct vxbpf_port_val, cfg) == 8 &&
			       offsetof(struct vxbpf_vtep_val, cfg) == 8 &&
			       sizeof(struct vxbpf_port_val) == sizeof(struct vxbpf_vtep_val),
		       "the copies sit at the same place");
	if (any)
		err = tbl_load_all(t);
	for (i = 0; !err && i < t->n; i++) {
		struct tbl_ent *e = t->list[i];
		__u32 vni;
		int have;

		if (!e->cur_present)
			continue;
		memcpy(val, tbl_cur(t, e), sizeof(val));
		memcpy(key, tbl_key(t, e), t->ksz);
		/* The VNI: the port's value, the allow-list's key. */
		vni = t == &c->ports ? ((struct vxbpf_port_val *)val)->vni
				     : ((struct vxbpf_vtep_key *)key)->vni;
		if (!all && !tbl_changed(t, e) && tbl_get(vnis, &vni, NULL) <= 0)
			continue;
		have = tbl_get(&c->vni, &vni, &vc);
		if (have <= 0) {
			/* An entry of no VNI: fsck's to find. */
			err = have;
			continue;
		}
		if (!memcmp(copy, &vc, sizeof(vc)))
			continue;
		*copy = vc;
		err = tbl_put(t, key, val);
	}
	return err;
}

static int derive_cfg_copies(struct vx_cfg *c, bool all)
{
	struct tbl vnis;
	bool any = all;
	size_t i;
	int err = 0;

	keyset_init(&vnis, sizeof(__u32));
	for (i = 0; !err && i < c->vni.n; i++) {
		struct tbl_ent *e = c->vni.list[i];

		if (e->cur_present && tbl_changed(&c->vni, e)) {
			err = keyset_add(&vnis, tbl_key(&c->vni, e));
			any = true;
		}
	}
	if (!err)
		err = copy_cfg(c, &c->ports, all, &vnis, any);
	if (!err)
		err = copy_cfg(c, &c->vtep, all, &vnis, any);
	tbl_free(&vnis);
	return err;
}

int cfg_derive(struct vx_cfg *c, bool all)
{
	struct vni_set ch;
	int err;

	/* Beyond a few VNIs changing at once, rebuild everything. */
	if (kernel_changed(c, ch.vni, &ch.n) == -E2BIG) {
		all = true;
		ch.n = 0;
	}
	err = derive_remotes(c, all, &ch);
	if (!err)
		err = derive_ports(c, all, &ch);
	if (!err)
		err = derive_cfg_copies(c, all);
	if (err && err != -E2BIG)
		vx_err("cannot derive the replication lists: %s", vx_strerror(err));
	return err;
}
