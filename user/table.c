// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The cache behind every map change. An open-addressing hash of entries
 * (never removed, only marked absent, so no tombstones are needed), entries
 * allocated from an arena because a `load` of 200,000 lines makes 200,000
 * of them, and commits through bpf_map_update_batch/delete_batch so a big
 * load costs a handful of syscalls.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "table.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* kernel-internal, seen from BPF syscalls */
#endif

/* The fuzz build (tests/fuzz) makes it small: a table per input there. */
#ifndef ARENA_CHUNK
#define ARENA_CHUNK (1 << 20)
#endif
#define BATCH 16384

struct tbl_arena {
	struct tbl_arena *next;
	size_t used, size;
	char mem[];
};

static void *arena_alloc(struct tbl *t, size_t len)
{
	struct tbl_arena *a = t->arena;
	size_t size;

	len = (len + 7) & ~(size_t)7;
	if (!a || a->used + len > a->size) {
		size = len > ARENA_CHUNK ? len : ARENA_CHUNK;
		a = malloc(sizeof(*a) + size);
		if (!a)
			return NULL;
		a->next = t->arena;
		a->used = 0;
		a->size = size;
		t->arena = a;
	}
	a->used += len;
	return a->mem + a->used - len;
}

void tbl_init(struct tbl *t, const char *name, int fd, __u32 ksz, __u32 vsz,
	      __u32 max_entries)
{
	memset(t, 0, sizeof(*t));
	t->name = name;
	t->fd = fd;
	t->ksz = ksz;
	t->vsz = vsz;
	t->max_entries = max_entries;
	if (fd < 0)
		t->checked = t->full = true;
}

void tbl_free(struct tbl *t)
{
	struct tbl_arena *a, *next;

	for (a = t->arena; a; a = next) {
		next = a->next;
		free(a);
	}
	free(t->slots);
	free(t->list);
	t->arena = NULL;
	t->slots = t->list = NULL;
	t->n = t->cap = t->list_cap = 0;
}

static __u64 hash(const void *key, __u32 len)
{
	const __u8 *p = key;
	__u64 h = 0xcbf29ce484222325ULL;
	__u32 i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

static struct tbl_ent **slot_of(struct tbl *t, const void *key)
{
	size_t i = hash(key, t->ksz) & (t->cap - 1);

	while (t->slots[i] && memcmp(t->slots[i]->data, key, t->ksz))
		i = (i + 1) & (t->cap - 1);
	return &t->slots[i];
}

static int grow(struct tbl *t)
{
	struct tbl_ent **old = t->slots;
	size_t i, ocap = t->cap;

	t->cap = ocap ? ocap * 2 : 1024;
	t->slots = calloc(t->cap, sizeof(*t->slots));
	if (!t->slots) {
		t->slots = old;
		t->cap = ocap;
		return -ENOMEM;
	}
	for (i = 0; i < ocap; i++)
		if (old[i])
			*slot_of(t, old[i]->data) = old[i];
	free(old);
	return 0;
}

static struct tbl_ent *find(struct tbl *t, const void *key)
{
	if (!t->cap)
		return NULL;
	return *slot_of(t, key);
}

/* A new cache entry; orig NULL means absent from the kernel. */
static struct tbl_ent *insert(struct tbl *t, const void *key,
			      const void *orig)
{
	struct tbl_ent *e, **s;

	if ((t->n + 1) * 2 > t->cap && grow(t))
		return NULL;
	if (t->n == t->list_cap) {
		size_t nc = t->list_cap ? t->list_cap * 2 : 1024;
		struct tbl_ent **nl = realloc(t->list, nc * sizeof(*nl));

		if (!nl)
			return NULL;
		t->list = nl;
		t->list_cap = nc;
	}
	e = arena_alloc(t, sizeof(*e) + t->ksz + 2 * t->vsz);
	if (!e)
		return NULL;
	memset(e, 0, sizeof(*e));
	memcpy(e->data, key, t->ksz);
	if (orig) {
		memcpy(tbl_orig(t, e), orig, t->vsz);
		memcpy(tbl_cur(t, e), orig, t->vsz);
		e->orig_present = e->cur_present = 1;
	} else {
		memset(tbl_orig(t, e), 0, 2 * t->vsz);
	}
	s = slot_of(t, key);
	*s = e;
	t->list[t->n++] = e;
	return e;
}

/* The cache entry of key, fetching it from the kernel on a miss. */
static int lookup(struct tbl *t, const void *key, struct tbl_ent **ep)
{
	__u8 kbuf[64], small[256], *val = small;
	struct tbl_ent *e;
	int err;

	e = find(t, key);
	if (e) {
		*ep = e;
		return 0;
	}
	if (!t->checked) {
		/* An empty map needs no lookups at all (fresh load). */
		t->checked = true;
		err = bpf_map_get_next_key(t->fd, NULL, kbuf);
		if (err == -ENOENT)
			t->full = true;
		else if (err)
			return err;
	}
	if (t->full) {
		e = insert(t, key, NULL);
	} else {
		/* The replication lists are kilobytes long. */
		if (t->vsz > sizeof(small) && !(val = malloc(t->vsz)))
			return -ENOMEM;
		err = bpf_map_lookup_elem(t->fd, key, val);
		if (err && err != -ENOENT) {
			if (val != small)
				free(val);
			return err;
		}
		e = insert(t, key, err ? NULL : val);
		if (val != small)
			free(val);
	}
	if (!e)
		return -ENOMEM;
	*ep = e;
	return 0;
}

int tbl_get(struct tbl *t, const void *key, void *val)
{
	struct tbl_ent *e;
	int err = lookup(t, key, &e);

	if (err)
		return err;
	if (e->cur_present && val)
		memcpy(val, tbl_cur(t, e), t->vsz);
	return e->cur_present;
}

int tbl_put(struct tbl *t, const void *key, const void *val)
{
	struct tbl_ent *e;
	int err = lookup(t, key, &e);

	if (err)
		return err;
	memcpy(tbl_cur(t, e), val, t->vsz);
	e->cur_present = 1;
	return 0;
}

int tbl_del(struct tbl *t, const void *key)
{
	struct tbl_ent *e;
	int err = lookup(t, key, &e);

	if (err)
		return err;
	e->cur_present = 0;
	return 0;
}

static int load_cb(const void *key, const void *val, void *ctx)
{
	struct tbl *t = ctx;

	if (find(t, key))
		return 0;
	return insert(t, key, val) ? 0 : -ENOMEM;
}

int tbl_load_all(struct tbl *t)
{
	int err;

	if (t->full)
		return 0;
	err = map_walk(t->fd, t->ksz, t->vsz, load_cb, t);
	if (!err)
		t->full = t->checked = true;
	return err;
}

size_t tbl_count(const struct tbl *t)
{
	size_t i, n = 0;

	for (i = 0; i < t->n; i++)
		n += t->list[i]->cur_present;
	return n;
}

static bool needs_update(struct tbl *t, struct tbl_ent *e)
{
	return e->cur_present &&
	       (!e->orig_present ||
		memcmp(tbl_orig(t, e), tbl_cur(t, e), t->vsz));
}

static bool needs_delete(struct tbl_ent *e)
{
	return e->orig_present && !e->cur_present;
}

bool tbl_changed(struct tbl *t, struct tbl_ent *e)
{
	return needs_update(t, e) || needs_delete(e);
}

/*
 * Write ents[0..n) with one batch call per BATCH entries; what the kernel
 * processed is marked written even when the call fails part way.
 */
static int write_batch(struct tbl *t, struct tbl_ent **ents, size_t n,
		       bool del, __u8 *keys, __u8 *vals)
{
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = 0,
			    .flags = 0);
	static bool no_batch;
	__u32 count;
	size_t i;
	int err = 0;

	for (i = 0; i < n; i++) {
		memcpy(keys + i * t->ksz, tbl_key(t, ents[i]), t->ksz);
		if (!del)
			memcpy(vals + i * t->vsz, tbl_cur(t, ents[i]), t->vsz);
	}
	if (!no_batch) {
		count = n;
		if (del)
			err = bpf_map_delete_batch(t->fd, keys, &count, &opts);
		else
			err = bpf_map_update_batch(t->fd, keys, vals, &count,
						   &opts);
		if (count > n)
			count = 0;
		for (i = 0; i < count; i++)
			ents[i]->written = 1;
		if (!err)
			return 0;
		if ((err == -EINVAL || err == -EOPNOTSUPP || err == -ENOTSUPP) &&
		    count == 0) {
			no_batch = true; /* old kernel: one by one */
		} else if (del && err == -ENOENT) {
			/* Already gone (aged out): skip it and go on. */
			ents[count]->written = 1;
			ents[count]->gone = 1;
			return write_batch(t, ents + count + 1, n - count - 1,
					   del, keys, vals);
		} else {
			return err;
		}
	}
	for (i = 0; i < n; i++) {
		if (del)
			err = bpf_map_delete_elem(t->fd, tbl_key(t, ents[i]));
		else
			err = bpf_map_update_elem(t->fd, tbl_key(t, ents[i]),
						  tbl_cur(t, ents[i]), BPF_ANY);
		if (err && !(del && err == -ENOENT))
			return err;
		ents[i]->written = 1;
		ents[i]->gone = err == -ENOENT;
	}
	return 0;
}

static int commit(struct tbl *t, bool del)
{
	struct tbl_ent **ents;
	__u8 *keys, *vals;
	size_t i, n = 0;
	int err = 0;

	if (t->fd < 0)
		return 0;
	ents = malloc(BATCH * sizeof(*ents));
	keys = malloc((size_t)BATCH * t->ksz);
	vals = malloc((size_t)BATCH * t->vsz);
	if (!ents || !keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < t->n && !err; i++) {
		struct tbl_ent *e = t->list[i];

		/* A table whose deletes went first (cfg_commit) is not
		 * asked to delete them twice. */
		if (del ? !needs_delete(e) || e->written : !needs_update(t, e))
			continue;
		ents[n++] = e;
		if (n == BATCH) {
			err = write_batch(t, ents, n, del, keys, vals);
			n = 0;
		}
	}
	if (!err && n)
		err = write_batch(t, ents, n, del, keys, vals);
out:
	free(ents);
	free(keys);
	free(vals);
	return err;
}

int tbl_commit_updates(struct tbl *t)
{
	return commit(t, false);
}

int tbl_commit_deletes(struct tbl *t)
{
	return commit(t, true);
}

int tbl_rollback(struct tbl *t)
{
	size_t i;
	int err, failed = 0, pass;

	/* The keys this commit added go first: a full map then has room
	 * again for the ones its deletes (written first) took out. */
	for (pass = 0; pass < 2; pass++) {
		for (i = t->n; i-- > 0;) {
			struct tbl_ent *e = t->list[i];

			if (!e->written || e->orig_present != (pass == 1))
				continue;
			if (e->orig_present)
				err = bpf_map_update_elem(t->fd, tbl_key(t, e),
							  tbl_orig(t, e), BPF_ANY);
			else
				err = bpf_map_delete_elem(t->fd, tbl_key(t, e));
			if (err && err != -ENOENT)
				failed++;
			else
				e->written = e->gone = 0;
		}
	}
	return failed;
}

/* ---- walking a kernel map ---------------------------------------------- */

static int walk_slow(int fd, __u32 ksz, __u32 vsz,
		     int (*cb)(const void *, const void *, void *), void *ctx)
{
	__u8 key[64], next[64], *val = malloc(vsz);
	void *prev = NULL;
	int err;

	if (!val)
		return -ENOMEM;
	for (;;) {
		err = bpf_map_get_next_key(fd, prev, next);
		if (err == -ENOENT) {
			err = 0;
			break;
		}
		if (err)
			break;
		memcpy(key, next, ksz);
		prev = key;
		err = bpf_map_lookup_elem(fd, key, val);
		if (err == -ENOENT)
			continue; /* deleted meanwhile */
		if (err)
			break;
		err = cb(key, val, ctx);
		if (err)
			break;
	}
	free(val);
	return err;
}

int map_walk(int fd, __u32 ksz, __u32 vsz,
	     int (*cb)(const void *key, const void *val, void *ctx), void *ctx)
{
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u8 in[64], out[64];
	__u8 *keys = NULL, *vals = NULL;
	bool first = true;
	__u32 count, i, chunk = 4096;
	int err = 0, err2;

	if (ksz > 64)
		return -EINVAL;
	/* Batches of at most a few MiB: the replication lists are large. */
	if ((size_t)chunk * vsz > (4U << 20))
		chunk = (4U << 20) / vsz;
	keys = malloc((size_t)chunk * ksz);
	vals = malloc((size_t)chunk * vsz);
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		count = chunk;
		err = bpf_map_lookup_batch(fd, first ? NULL : in, out, keys,
					   vals, &count, &opts);
		if (err && err != -ENOENT) {
			if (first && (err == -EINVAL || err == -EOPNOTSUPP ||
				      err == -ENOTSUPP)) {
				err = walk_slow(fd, ksz, vsz, cb, ctx);
			}
			goto out;
		}
		for (i = 0; i < count; i++) {
			err2 = cb(keys + (size_t)i * ksz, vals + (size_t)i * vsz,
				  ctx);
			if (err2) {
				err = err2;
				goto out;
			}
		}
		if (err == -ENOENT) {
			err = 0;
			goto out;
		}
		memcpy(in, out, sizeof(in));
		first = false;
	}
out:
	free(keys);
	free(vals);
	return err;
}
