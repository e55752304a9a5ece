// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Writing a full map (user/cfg.c: cfg_commit) on real BPF maps: the
 * harness's maps, with the fdb swapped for one of 8 entries. A batch that
 * deletes as much as it adds fits, because the deletes go first (a moved
 * MAC is a delete and an add; the mirror's resync is one batch); a batch
 * that does not fit fails with E2BIG and leaves the maps as they were,
 * reference counts included.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include "harness.h"
#include "vxbpf.skel.h"
#include "cfg.h"
#include "parse.h"

#define SMALL 8

static struct vx_maps MP;

static void setup(void)
{
	struct bpf_map *map;
	int i;

	h_setup();
	memset(&MP, 0, sizeof(MP));
	snprintf(MP.dir, sizeof(MP.dir), "/nonexistent"); /* no lock to take */
	for (i = 0; i < M__NR; i++)
		MP.fd[i] = -1;
	bpf_object__for_each_map(map, H.skel->obj) {
		const char *n = bpf_map__name(map);

		for (i = 0; i < M__NR; i++)
			if (!strncmp(n, "vxbpf_", 6) && !strcmp(n + 6, vx_map_names[i])) {
				MP.fd[i] = bpf_map__fd(map);
				MP.max_entries[i] = bpf_map__max_entries(map);
			}
	}
	MP.fd[M_FDB] = bpf_map_create(BPF_MAP_TYPE_HASH, "fdb_small", sizeof(struct vxbpf_fdb_key),
				      sizeof(struct vxbpf_fdb_val), SMALL, NULL);
	cr_assert_geq(MP.fd[M_FDB], 0, "bpf_map_create: %s", strerror(errno));
	MP.max_entries[M_FDB] = SMALL;
	cr_redirect_stderr();
}

static void teardown(void)
{
	close(MP.fd[M_FDB]);
	h_teardown();
}

TestSuite(commit, .init = setup, .fini = teardown);

static void mac_of(int i, char *buf, size_t len)
{
	snprintf(buf, len, "02:00:00:00:10:%02x", i);
}

/* One batch of commands, committed: 0 or -errno. */
static int batch(const char *const *lines, int n)
{
	struct vx_cfg c;
	int i, err = 0;

	cr_assert_eq(cfg_init(&c, &MP), 0);
	for (i = 0; i < n && !err; i++) {
		char buf[160], msg[256], *argv[32];
		struct vx_cmd cmd;

		snprintf(buf, sizeof(buf), "%s", lines[i]);
		cr_assert_eq(cmd_parse(tokenize(buf, argv, 32), argv, &cmd, msg, sizeof(msg)), 0,
			     "%s: %s", lines[i], msg);
		err = cfg_apply(&c, &cmd);
		cr_assert_eq(err, 0, "%s: %d", lines[i], err);
	}
	err = cfg_commit(&c);
	cfg_free(&c);
	return err;
}

/* fdb add/del lines for MACs [from, to). */
static int fdb_lines(char lines[][96], const char *verb, int from, int to)
{
	char mac[32];
	int i, n = 0;

	for (i = from; i < to; i++) {
		mac_of(i, mac, sizeof(mac));
		if (!strcmp(verb, "add"))
			snprintf(lines[n++], 96, "fdb add %s vni 100 dst 192.0.2.2", mac);
		else
			snprintf(lines[n++], 96, "fdb del %s vni 100", mac);
	}
	return n;
}

static int fdb_count(void)
{
	struct vxbpf_fdb_key k, next;
	int n = 0, err;

	err = bpf_map_get_next_key(MP.fd[M_FDB], NULL, &next);
	while (!err) {
		n++;
		k = next;
		err = bpf_map_get_next_key(MP.fd[M_FDB], &k, &next);
	}
	return n;
}

static int has(int i)
{
	struct vxbpf_fdb_key k = { .vni = 100 };
	struct vxbpf_fdb_val v;
	char mac[32];

	mac_of(i, mac, sizeof(mac));
	cr_assert_eq(parse_mac(mac, k.mac), 0);
	return !bpf_map_lookup_elem(MP.fd[M_FDB], &k, &v);
}

static __u32 vtep_refs(void)
{
	struct vxbpf_vtep_key k = { .vni = 100 };
	struct vxbpf_vtep_val v;
	int fam;

	cr_assert_eq(parse_ip("192.0.2.2", &k.ip, &fam), 0);
	return bpf_map_lookup_elem(MP.fd[M_VTEP], &k, &v) ? 0 : v.refs;
}

Test(commit, full_map_deletes_make_room_first)
{
	static const char *const vni[] = { "vni add 100 local 192.0.2.1" };
	char l[2 * SMALL][96];
	const char *p[2 * SMALL];
	int i, n;

	cr_assert_eq(batch(vni, 1), 0);
	n = fdb_lines(l, "add", 0, SMALL);
	for (i = 0; i < n; i++)
		p[i] = l[i];
	cr_assert_eq(batch(p, n), 0, "8 entries in a map of 8");
	cr_assert_eq(fdb_count(), SMALL);
	cr_assert_eq(vtep_refs(), SMALL);

	/* Half of them go, as many new ones come, in one batch: the adds
	 * come first in the batch, the deletes still make room first. */
	n = fdb_lines(l, "add", SMALL, SMALL + SMALL / 2);
	n += fdb_lines(l + n, "del", 0, SMALL / 2);
	for (i = 0; i < n; i++)
		p[i] = l[i];
	cr_assert_eq(batch(p, n), 0, "a full map refused a batch that frees what it adds");
	cr_assert_eq(fdb_count(), SMALL);
	for (i = 0; i < SMALL + SMALL / 2; i++)
		cr_assert_eq(has(i), i >= SMALL / 2, "MAC %d", i);
	cr_assert_eq(vtep_refs(), SMALL);

	/* One more than fits: refused, and nothing changed. */
	n = fdb_lines(l, "add", 100, 101);
	n += fdb_lines(l + n, "del", SMALL / 2, SMALL / 2 + 1);
	n += fdb_lines(l + n, "add", 101, 103);
	for (i = 0; i < n; i++)
		p[i] = l[i];
	cr_assert_eq(batch(p, n), -E2BIG);
	cr_assert_eq(fdb_count(), SMALL);
	for (i = 0; i < SMALL + SMALL / 2; i++)
		cr_assert_eq(has(i), i >= SMALL / 2, "after the failed batch: MAC %d", i);
	cr_assert_not(has(100) || has(101) || has(102));
	cr_assert_eq(vtep_refs(), SMALL, "reference counts not restored");
}
