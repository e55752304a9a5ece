/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Parsing of user input into a struct vx_cmd. Pure functions (no maps, no
 * devices touched) so that `load` can validate a whole file before it
 * writes anything and so that unit tests cover every word.
 */
#ifndef VX_PARSE_H
#define VX_PARSE_H

#include <net/if.h>
#include "common.h"

enum vx_obj {
	OBJ_NONE,
	OBJ_FDB,
	OBJ_NEIGH,
	OBJ_VNI,
	OBJ_PORT,
	OBJ_ATTACH,
	OBJ_DETACH,
	OBJ_LOAD,
	OBJ_STATS,
	OBJ_STATUS,
	OBJ_MONITOR,
	OBJ_HELP,
	OBJ_VERSION,
	OBJ_MIRROR,
	OBJ_FSCK,
	OBJ_METRICS,
	OBJ_SAVE,
	OBJ_EXPLAIN,
};

enum vx_verb {
	VERB_NONE,
	VERB_ADD,
	VERB_APPEND,
	VERB_REPLACE,
	VERB_DEL,
	VERB_SHOW,
	VERB_FLUSH,
};

enum vx_xdp_mode {
	XDP_MODE_NATIVE,
	XDP_MODE_GENERIC,
};

#define MIRROR_DEVS_MAX 16 /* mirror DEV... */

struct vx_cmd {
	enum vx_obj obj;
	enum vx_verb verb;
	bool has_vni;
	__u32 vni;
	bool has_mac;
	__u8 mac[6];	      /* fdb MAC, neigh lladdr */
	bool has_ip;
	int family;	      /* AF_INET or AF_INET6 of ip */
	struct vxbpf_addr ip; /* fdb dst, neigh IP, vni local */
	bool has_port;
	__u16 port;	      /* fdb port, vni dstport */
	bool has_dev;
	char dev[IF_NAMESIZE]; /* fdb dev, port/attach/detach DEV */
	bool has_srcport;
	__u16 srcport_min, srcport_max;
	bool has_ttl;
	__u8 ttl;
	__u8 tos;
	__u32 ageing; /* seconds, 0 = default */
	__u32 maxaddr; /* learned entries at most, 0 = no limit of its own */
	__u32 vni_flags;      /* enum vxbpf_vni_flags given by words */
	bool router;	      /* neigh ... router */
	bool all;	      /* detach --all */
	enum vx_xdp_mode mode;
	const char *file;     /* load FILE, save [FILE] (points into argv) */
	const char *exec;     /* monitor --exec PROG (points into argv) */
	__u32 count;	      /* monitor --count N: exit after N events */
	__u32 max_children;   /* monitor --max-children N: PROGs running at once, 0 = default */
	bool reset;	      /* stats reset */
	bool dry_run;	      /* fsck --dry-run */
	const char *listen;   /* metrics --listen ADDR:PORT */
	char **devs;	      /* mirror DEV... (points into argv) */
	int n_devs;
	bool once;	      /* mirror --once */
	bool verbose;	      /* mirror -v */
};

/*
 * Value parsers: 0 on success, -EINVAL on bad input. They accept exactly
 * the whole string (no trailing garbage, no leading blanks or signs).
 */
int parse_mac(const char *s, __u8 *mac);
int parse_ip(const char *s, struct vxbpf_addr *a, int *family);
int parse_vni(const char *s, __u32 *vni);
int parse_u32(const char *s, __u32 max, __u32 *out);
int parse_port(const char *s, __u16 *port);

/*
 * Split a line in place into words. '#' starts a comment up to the end of
 * the line; blanks are spaces, tabs, CR and LF. Returns the number of
 * words (0 for a blank or comment line) or -E2BIG beyond max.
 */
int tokenize(char *line, char **argv, int max);

/*
 * Parse a command (argv without the program name and options). On error
 * returns -EINVAL and writes one message (no "vxbpf: " prefix) to err.
 */
int cmd_parse(int argc, char **argv, struct vx_cmd *c, char *err,
	      size_t errlen);

/* True for commands that only change maps (allowed in `load`). */
bool cmd_is_map_change(const struct vx_cmd *c);

const char *obj_name(enum vx_obj o);
const char *verb_name(enum vx_verb v);

extern const char vx_usage[];

#endif
