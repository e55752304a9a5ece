// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Map changes: one command, or a `load` file applied as one transaction
 * (every line parsed, then every line validated against the maps, then
 * one commit that rolls back if any write fails).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cmd.h"

int run_change(const struct vx_cmd *c)
{
	struct vx_maps m;
	struct vx_cfg cfg;
	int err;

	err = maps_open(&m, true);
	if (err)
		return err;
	cfg_init(&cfg, &m);
	err = cfg_apply(&cfg, c);
	if (!err)
		err = cfg_commit(&cfg);
	cfg_free(&cfg);
	maps_close(&m);
	return err;
}

#define LOAD_MAX_WORDS 64

/* The lines of `vxbpf save` that are no map change: each runs as its own
 * command, between the map transactions before and after it. */
static bool is_device_line(const struct vx_cmd *c)
{
	return c->obj == OBJ_ATTACH || (c->obj == OBJ_PORT && c->verb == VERB_ADD);
}

int load_parse(FILE *f, const char *name, struct load_line **out, size_t *n)
{
	struct load_line *v = NULL, *nv;
	size_t cap = 0, len = 0, lsz = 0;
	char *line = NULL, *argv[LOAD_MAX_WORDS], err[256];
	unsigned lineno = 0;
	int argc, ret = 0;

	while (getline(&line, &lsz, f) >= 0) {
		lineno++;
		argc = tokenize(line, argv, LOAD_MAX_WORDS);
		if (argc < 0) {
			vx_err("%s:%u: too many words", name, lineno);
			ret = -E2BIG;
			goto out;
		}
		if (argc && !strcmp(argv[0], "vxbpf")) {
			memmove(argv, argv + 1, --argc * sizeof(argv[0]));
		}
		if (!argc)
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 1024;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				ret = -ENOMEM;
				vx_err("out of memory");
				goto out;
			}
			v = nv;
		}
		if (cmd_parse(argc, argv, &v[len].cmd, err, sizeof(err))) {
			vx_err("%s:%u: %s", name, lineno, err);
			ret = -EINVAL;
			goto out;
		}
		if (!cmd_is_map_change(&v[len].cmd) && !is_device_line(&v[len].cmd)) {
			vx_err("%s:%u: \"%s%s%s\" is not allowed in load (only vni, fdb and neigh changes, attach and port add)",
			       name, lineno, argv[0], argc > 1 ? " " : "",
			       argc > 1 ? argv[1] : "");
			ret = -EINVAL;
			goto out;
		}
		v[len++].line = lineno;
	}
	if (ferror(f)) {
		ret = -errno;
		vx_err("cannot read %s: %s", name, vx_strerror(ret));
	}
out:
	free(line);
	if (ret) {
		free(v);
		v = NULL;
		len = 0;
	}
	*out = v;
	*n = len;
	return ret;
}

/* Lines [from, to), all map changes: one transaction. */
static int load_maps(const char *name, const struct load_line *lines, size_t from, size_t to)
{
	struct vx_maps m;
	struct vx_cfg cfg;
	size_t i;
	int err;

	err = maps_open(&m, true);
	if (err)
		return err;
	cfg_init(&cfg, &m);
	for (i = from; i < to && !err; i++) {
		snprintf(vx_err_prefix, sizeof(vx_err_prefix), "%s:%u: ", name, lines[i].line);
		err = cfg_apply(&cfg, &lines[i].cmd);
	}
	vx_err_prefix[0] = 0;
	if (!err)
		err = cfg_commit(&cfg);
	cfg_free(&cfg);
	maps_close(&m);
	return err;
}

/*
 * The map changes of a file are one transaction: all or nothing. An
 * attach or port add line (what `vxbpf save` writes besides) splits the
 * file: the changes before it are written, then it runs, then the rest;
 * the first failure stops the load, and says what was already applied.
 */
int run_load(const char *file)
{
	struct load_line *lines = NULL;
	const char *name = strcmp(file, "-") ? file : "<stdin>";
	size_t n, i, from = 0;
	int err, done = 0;
	FILE *f;

	f = strcmp(file, "-") ? fopen(file, "re") : stdin;
	if (!f) {
		err = -errno;
		vx_err("cannot open %s: %s", file, vx_strerror(err));
		return err;
	}
	err = load_parse(f, name, &lines, &n);
	if (f != stdin)
		fclose(f);
	if (err)
		return err;
	for (i = 0; i <= n && !err; i++) {
		if (i < n && !is_device_line(&lines[i].cmd))
			continue;
		if (i > from) {
			err = load_maps(name, lines, from, i);
			if (err)
				break;
			done = lines[i - 1].line;
		}
		if (i == n)
			break;
		snprintf(vx_err_prefix, sizeof(vx_err_prefix), "%s:%u: ", name, lines[i].line);
		err = lines[i].cmd.obj == OBJ_ATTACH ? run_attach(&lines[i].cmd) :
						       run_port_add(&lines[i].cmd);
		vx_err_prefix[0] = 0;
		if (!err)
			done = lines[i].line;
		from = i + 1;
	}
	if (err && done)
		vx_err("%s: stopped; the lines up to line %d were applied", name, done);
	if (!err && vx_verbose)
		vx_info("%s: %zu commands applied", name, n);
	free(lines);
	return err;
}
