// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Entering and finding network namespaces. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "netns.h"
#include "nl.h"

int netns_enter_name(const char *name)
{
	char path[256];
	int fd, err = 0;

	if (!*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, "..")) {
		vx_err("invalid netns name \"%s\"", name);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		vx_err("cannot open netns \"%s\" (%s): %s", name, path,
		       err == -ENOENT ? "no such namespace (ip netns add?)" :
					vx_strerror(err));
		return err;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		err = -errno;
		vx_err("cannot enter netns \"%s\": %s", name, vx_strerror(err));
	}
	close(fd);
	return err;
}

ino_t netns_ino(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	return st.st_ino;
}

/* Try one namespace file; on a match return its fd (and skip seen inodes). */
static int try_ns(const char *path, int nsid, ino_t *seen, size_t *nseen,
		  size_t maxseen)
{
	struct stat st;
	int fd, id;
	size_t i;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto no;
	for (i = 0; i < *nseen; i++)
		if (seen[i] == st.st_ino)
			goto no;
	if (*nseen < maxseen)
		seen[(*nseen)++] = st.st_ino;
	if (nl_nsid_of_fd(fd, &id) == 0 && id == nsid)
		return fd;
no:
	close(fd);
	return -1;
}

int netns_find_nsid(int nsid, char *label, size_t len)
{
	ino_t seen[1024];
	size_t nseen = 0;
	char path[300];
	struct dirent *de;
	DIR *d;
	int fd = -1;

	d = opendir(NETNS_RUN_DIR);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR,
			 de->d_name);
		fd = try_ns(path, nsid, seen, &nseen, ARRAY_SIZE(seen));
		if (fd >= 0) {
			snprintf(label, len, "%s", de->d_name);
			break;
		}
	}
	if (d)
		closedir(d);
	if (fd >= 0)
		return fd;
	d = opendir("/proc");
	while (d && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", de->d_name);
		fd = try_ns(path, nsid, seen, &nseen, ARRAY_SIZE(seen));
		if (fd >= 0) {
			snprintf(label, len, "pid %s", de->d_name);
			break;
		}
	}
	if (d)
		closedir(d);
	return fd >= 0 ? fd : -ENOENT;
}
