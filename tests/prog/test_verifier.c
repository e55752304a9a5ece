// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Verifier headroom: each program, loaded alone as vxbpf loads it
 * (user/pins.c), verifies within 750,000 processed instructions on the
 * running kernel, a quarter below its limit of 1,000,000. Older verifiers
 * prune less: an unbounded ladder of paths that takes 580,000 here took
 * over 1,000,000 on 6.1, so a program near the limit on one kernel is a
 * load failure on another. Run on 6.1 by `make vmtest` too, where the
 * vxlan module is not loaded yet: a CO-RE relocation against one of its
 * types would fail there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "vxbpf.skel.h"
#include "pins.h"

#define VERIFIER_BUDGET 750000

static char vlog[1 << 20];

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

/* Load program idx of a fresh object alone; its processed instruction
 * count, or -1 (the log's tail printed) if it did not load. */
static long load_one(int idx, char *name, size_t name_len)
{
	struct bpf_program *prog, *want = NULL;
	struct vxbpf *skel = vxbpf__open();
	long processed = -1;
	const char *p;
	int i = 0, err;

	cr_assert(skel, "vxbpf__open failed");
	bpf_object__for_each_program(prog, skel->obj) {
		bpf_program__set_autoload(prog, i == idx);
		if (i++ == idx)
			want = prog;
	}
	if (!want) {
		vxbpf__destroy(skel);
		return -2;
	}
	snprintf(name, name_len, "%s", bpf_program__name(want));
	if (bpf_program__type(want) == BPF_PROG_TYPE_XDP && xdp_frags_supported())
		bpf_program__set_flags(want, bpf_program__flags(want) | BPF_F_XDP_HAS_FRAGS);
	vlog[0] = '\0';
	bpf_program__set_log_level(want, 4); /* statistics only */
	bpf_program__set_log_buf(want, vlog, sizeof(vlog));
	err = vxbpf__load(skel);
	p = strstr(vlog, "processed ");
	if (!err && p)
		processed = strtol(p + strlen("processed "), NULL, 10);
	else
		cr_log_error("%s: load failed (%d): %s", name, err,
			     vlog + (strlen(vlog) > 2000 ? strlen(vlog) - 2000 : 0));
	vxbpf__destroy(skel);
	return processed;
}

Test(verifier, headroom)
{
	char name[64];
	int idx, loaded = 0;
	long n;

	libbpf_set_print(quiet);
	for (idx = 0; (n = load_one(idx, name, sizeof(name))) != -2; idx++) {
		cr_expect_geq(n, 0, "%s did not load", name);
		cr_expect_leq(n, VERIFIER_BUDGET, "%s: %ld instructions processed, budget %d",
			      name, n, VERIFIER_BUDGET);
		if (n >= 0)
			loaded++;
		fprintf(stderr, "verifier: %-14s %7ld instructions processed\n", name, n);
	}
	cr_assert_eq(loaded, idx, "%d of %d programs loaded", loaded, idx);
	cr_assert_geq(idx, 5, "the object has %d programs", idx);
}
