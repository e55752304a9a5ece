/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A write-back cache over one BPF hash map. Commands change the cache;
 * nothing reaches the kernel until commit, which writes in batches and
 * remembers what it wrote so a failure can restore every original value.
 * This is what makes single commands and whole `load` files all or
 * nothing.
 */
#ifndef VX_TABLE_H
#define VX_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct tbl_ent {
	__u8 orig_present; /* in the kernel map before this run */
	__u8 cur_present;  /* in the map after commit */
	__u8 written;	   /* commit wrote it: rollback restores orig */
	__u8 gone : 1;	   /* its delete found nothing (aged out first) */
	__u8 counted : 1;  /* in the learned counts (cfg.c) */
	__u8 data[];	   /* key[ksz], orig[vsz], cur[vsz] */
};

struct tbl_arena;

struct tbl {
	const char *name;
	int fd; /* -1: memory only (unit tests) */
	__u32 ksz, vsz, max_entries;
	bool checked; /* emptiness of the kernel map checked */
	bool full;    /* every kernel entry is cached */
	struct tbl_ent **slots;
	size_t cap;
	struct tbl_ent **list; /* insertion order */
	size_t n, list_cap;
	struct tbl_arena *arena;
};

void tbl_init(struct tbl *t, const char *name, int fd, __u32 ksz, __u32 vsz,
	      __u32 max_entries);
void tbl_free(struct tbl *t);

static inline const void *tbl_key(const struct tbl *t, const struct tbl_ent *e)
{
	return e->data;
}
static inline void *tbl_cur(const struct tbl *t, struct tbl_ent *e)
{
	return e->data + t->ksz + t->vsz;
}
static inline void *tbl_orig(const struct tbl *t, struct tbl_ent *e)
{
	return e->data + t->ksz;
}

/* 1 present (val filled if not NULL), 0 absent, -errno. */
int tbl_get(struct tbl *t, const void *key, void *val);
int tbl_put(struct tbl *t, const void *key, const void *val);
int tbl_del(struct tbl *t, const void *key);
/* Bring every kernel entry into the cache (for flush and scans). */
int tbl_load_all(struct tbl *t);

/* Will commit write or delete e? */
bool tbl_changed(struct tbl *t, struct tbl_ent *e);

/* Entries present after commit, in the cache (after tbl_load_all: all). */
size_t tbl_count(const struct tbl *t);

/*
 * Write the changed/new entries (updates) or remove the deleted ones
 * (deletes). -E2BIG when the map is full. Either way, what was written is
 * recorded for tbl_rollback.
 */
int tbl_commit_updates(struct tbl *t);
int tbl_commit_deletes(struct tbl *t);
/* Restore every written entry to its original value; errors are counted. */
int tbl_rollback(struct tbl *t);

/*
 * Walk a kernel map: cb(key, value, ctx) for every entry, in batches of
 * bpf_map_lookup_batch (per-entry lookups when the kernel lacks them).
 * A nonzero return of cb stops the walk and is returned.
 */
int map_walk(int fd, __u32 ksz, __u32 vsz,
	     int (*cb)(const void *key, const void *val, void *ctx),
	     void *ctx);

#endif
