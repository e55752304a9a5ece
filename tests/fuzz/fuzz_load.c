// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A `vxbpf load` file: the input is the file, read by load_parse() from a
 * memory stream. What it accepts is applied as `load` does, to
 * memory-only tables (cfg_init without maps), and the derived lists
 * computed: a hostile file reaches the configuration rules too.
 */
#include <errno.h>

#include "fuzz.h"
#include "cfg.h"
#include "cmd.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct load_line *lines = (void *)1;
	struct vx_cfg cfg;
	size_t n = 1, i;
	char *buf;
	FILE *f;
	int ret, err = 0;

	if (!size)
		return 0;
	/* A copy: fmemopen wants a writable buffer even to read. */
	buf = fuzz_str(data, size);
	f = fmemopen(buf, size, "r");
	if (!f)
		abort();
	ret = load_parse(f, "fuzz", &lines, &n);
	fclose(f);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -E2BIG, "load_parse = %d", ret);
	if (ret) {
		FUZZ_CHECK(!lines && !n, "a failed parse left %zu lines", n);
		goto out;
	}
	FUZZ_CHECK(n == 0 || lines, "%zu lines and no array", n);
	for (i = 0; i < n; i++) {
		/* Map changes, and the device lines `vxbpf save` writes. */
		FUZZ_CHECK(cmd_is_map_change(&lines[i].cmd) || lines[i].cmd.obj == OBJ_ATTACH ||
				   (lines[i].cmd.obj == OBJ_PORT && lines[i].cmd.verb == VERB_ADD),
			   "line %u is neither a map change nor attach or port add", lines[i].line);
		FUZZ_CHECK(lines[i].line >= 1 && (!i || lines[i].line > lines[i - 1].line),
			   "line numbers");
	}
	cfg_init(&cfg, NULL);
	for (i = 0; i < n && !err; i++)
		if (cmd_is_map_change(&lines[i].cmd))
			err = cfg_apply(&cfg, &lines[i].cmd);
	FUZZ_CHECK(err <= 0, "cfg_apply = %d", err);
	if (!err)
		cfg_derive(&cfg, false);
	cfg_free(&cfg);
out:
	free(lines);
	free(buf);
	return 0;
}
