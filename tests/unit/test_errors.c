// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Errors and warnings on stderr: text, or JSON objects under -j. */
#include <stdio.h>
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include "common.h"

Test(errors, text, .init = cr_redirect_stderr)
{
	vx_json_err = false;
	vx_err("cannot open %s: %s", "x", "gone");
	vx_warn("careful");
	fflush(stderr);
	cr_assert_stderr_eq_str("vxbpf: cannot open x: gone\nvxbpf: warning: careful\n");
}

/* As bpftool -j: {"error": "..."}, one object a line, escaped. */
Test(errors, json, .init = cr_redirect_stderr)
{
	vx_json_err = true;
	snprintf(vx_err_prefix, sizeof(vx_err_prefix), "%s", "f:3: ");
	vx_err("unknown word \"%s\"", "x\ty");
	vx_err_prefix[0] = 0;
	vx_warn("careful");
	fflush(stderr);
	cr_assert_stderr_eq_str("{\"error\":\"f:3: unknown word \\\"x\\ty\\\"\"}\n"
				"{\"warning\":\"careful\"}\n");
}
