// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vxbpf: fill the maps of the vxbpf XDP VXLAN fast path, attach its
 * programs and report its counters. Options first, then a command in
 * `ip`/`bridge` words (see parse.c for the grammar, vxbpf(8) for the
 * manual). Exit: 0 ok, 1 error, 2 usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "version.h"
#include "json.h"
#include "netns.h"

int main(int argc, char **argv)
{
	const char *netns = NULL;
	struct vx_cmd cmd;
	char err[256];
	bool json = false;
	int ret;

	argc--;
	argv++;
	/* -j anywhere among the options: every error is JSON, even one
	 * about an option before it. */
	for (int i = 0; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "-json") || !strcmp(argv[i], "--json"))
			vx_json_err = true;
		else if (!strcmp(argv[i], "-n") || !strcmp(argv[i], "-netns") ||
			 !strcmp(argv[i], "--netns"))
			i++; /* its argument */
	}
	while (argc > 0 && argv[0][0] == '-' && argv[0][1]) {
		const char *o = argv[0];

		if (!strcmp(o, "--"))
			break;
		if (!strcmp(o, "-j") || !strcmp(o, "-json") ||
		    !strcmp(o, "--json")) {
			json = true;
		} else if (!strcmp(o, "-v") || !strcmp(o, "--verbose")) {
			vx_verbose = true;
		} else if (!strcmp(o, "-V") || !strcmp(o, "-Version") ||
			   !strcmp(o, "--version")) {
			printf("vxbpf " VXBPF_VERSION "\n");
			return 0;
		} else if (!strcmp(o, "-h") || !strcmp(o, "-help") ||
			   !strcmp(o, "--help")) {
			fputs(vx_usage, stdout);
			return 0;
		} else if (!strcmp(o, "-n") || !strcmp(o, "-netns") ||
			   !strcmp(o, "--netns")) {
			if (argc < 2) {
				vx_err("%s needs a network namespace name", o);
				return 2;
			}
			netns = argv[1];
			argc--;
			argv++;
		} else {
			vx_err("unknown option \"%s\"; see vxbpf help", o);
			return 2;
		}
		argc--;
		argv++;
	}
	if (argc < 1) {
		if (vx_json_err)
			vx_err("no command; see vxbpf help");
		else
			fputs(vx_usage, stderr);
		return 2;
	}
	if (cmd_parse(argc, argv, &cmd, err, sizeof(err))) {
		vx_err("%s", err);
		return 2;
	}
	if (netns && netns_enter_name(netns))
		return 1;
	out_init(stdout, json);
	ret = cmd_run(&cmd);
	out_end();
	return ret ? 1 : 0;
}
