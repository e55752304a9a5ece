// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "sysctl.h"

/* 1 if changed, 0 if it already was "1", -errno. */
static int sysctl_set_one(const char *path)
{
	char cur[16] = "";
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, cur, sizeof(cur) - 1);
	if (n > 0 && cur[0] == '1') {
		close(fd);
		return 0;
	}
	if (pwrite(fd, "1\n", 2, 0) != 2)
		err = -errno;
	close(fd);
	return err ? err : 1;
}

int fib_lookup_enable(void)
{
	static const char *const paths[] = {
		"/proc/sys/net/ipv4/conf/lo/forwarding",
		"/proc/sys/net/ipv6/conf/lo/forwarding",
	};
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		ret = sysctl_set_one(paths[i]);
		if (ret == -ENOENT && i == 1)
			continue; /* no IPv6 in this kernel */
		if (ret < 0) {
			vx_err("cannot enable forwarding on lo (%s): %s; encapsulation "
			       "will pass every frame to the kernel", paths[i], vx_strerror(ret));
			return ret;
		}
		if (ret > 0)
			printf("vxbpf: set %s = 1 (bpf_fib_lookup needs forwarding on lo)\n",
			       paths[i] + strlen("/proc/sys/"));
	}
	return 0;
}
