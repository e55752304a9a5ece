// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The error path and address helpers shared by every command. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "json.h"

bool vx_verbose;
bool vx_json_err;
char vx_err_prefix[128];

static void json_line(const char *key, const char *text)
{
	fprintf(stderr, "{\"%s\":", key);
	json_escape(stderr, text);
	fputs("}\n", stderr);
}

/* One message to stderr: text, or under -j one JSON object a line, as
 * bpftool's {"error": "..."}. */
static void say(const char *key, const char *text_head, const char *fmt, va_list ap)
{
	char msg[1024], full[1280];

	if (!vx_json_err) {
		fprintf(stderr, "vxbpf: %s", text_head);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	snprintf(full, sizeof(full), "%s%s", text_head, msg);
	json_line(key, full);
}

void vx_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("error", vx_err_prefix, fmt, ap);
	va_end(ap);
}

void vx_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("warning", vx_json_err ? "" : "warning: ", fmt, ap);
	va_end(ap);
}

void vx_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("info", "", fmt, ap);
	va_end(ap);
}

int vx_lib_print(const char *fmt, va_list ap)
{
	char *msg;
	int n;

	if (!vx_verbose)
		return 0;
	if (!vx_json_err)
		return vfprintf(stderr, fmt, ap);
	/* Whole, however long: a verifier log is one message. */
	n = vasprintf(&msg, fmt, ap);
	if (n < 0)
		return n;
	while (n && msg[n - 1] == '\n')
		msg[--n] = 0;
	json_line("info", msg);
	free(msg);
	return n;
}

const char *vx_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case EEXIST:
		return "already exists";
	case EBUSY:
		return "device busy (another XDP program is attached)";
	case E2BIG:
		return "map is full";
	case EOPNOTSUPP:
		return "not supported by the device or kernel";
	case ENOENT:
		return "not found";
	case EPERM:
	case EACCES:
		return "permission denied (run as root with CAP_BPF and CAP_NET_ADMIN)";
	case EINVAL:
		return "invalid argument";
	case ENODEV:
		return "no such device";
	default:
		return strerror(err);
	}
}

bool addr_is_v4(const struct vxbpf_addr *a)
{
	const __be32 *w = vxbpf_addr_w(a);

	return w[0] == 0 && w[1] == 0 && w[2] == htonl(0xffff);
}

char *addr_fmt(const struct vxbpf_addr *a, char *buf)
{
	if (addr_is_v4(a))
		inet_ntop(AF_INET, &vxbpf_addr_w(a)[3], buf, VX_ADDRSTRLEN);
	else
		inet_ntop(AF_INET6, a->b, buf, VX_ADDRSTRLEN);
	return buf;
}

char *mac_fmt(const __u8 *m, char *buf)
{
	snprintf(buf, VX_MACSTRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
		 m[2], m[3], m[4], m[5]);
	return buf;
}

bool mac_is_zero(const __u8 *m)
{
	return !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

int addr_cmp(const struct vxbpf_addr *a, const struct vxbpf_addr *b)
{
	return memcmp(a->b, b->b, sizeof(a->b));
}
