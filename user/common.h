/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Things every part of vxbpf needs: the one error path (a single
 * "vxbpf: ..." line on stderr), the verbose switch and address helpers.
 */
#ifndef VX_COMMON_H
#define VX_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "vxbpf.h"


#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

extern bool vx_verbose;
/* -j: errors and warnings are JSON objects on stderr, one a line. */
extern bool vx_json_err;

/*
 * load sets a prefix ("FILE:LINE: ") so that an error found while
 * validating a line names the line; empty otherwise.
 */
extern char vx_err_prefix[128];

void vx_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vx_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* What -v asks to be told: under -j {"info": "..."}, so that standard
 * error stays one JSON object a line. */
void vx_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A library's message (libbpf, libxdp), shown with -v only: as the
 * library wrote it, or under -j one {"info": "..."} object. */
int vx_lib_print(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Errno in words a user understands, for the few errnos vxbpf expects. */
const char *vx_strerror(int err);

/* Text forms. IPv4-mapped addresses print as IPv4. */
#define VX_ADDRSTRLEN 46
#define VX_MACSTRLEN 18
char *addr_fmt(const struct vxbpf_addr *a, char *buf);
char *mac_fmt(const __u8 *mac, char *buf);
bool addr_is_v4(const struct vxbpf_addr *a);
bool mac_is_zero(const __u8 *mac);
int addr_cmp(const struct vxbpf_addr *a, const struct vxbpf_addr *b);

#endif
