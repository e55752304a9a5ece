/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Network namespaces. vxbpf changes only its network namespace (setns
 * CLONE_NEWNET), never its mount namespace, so /sys/fs/bpf stays visible.
 */
#ifndef VX_NETNS_H
#define VX_NETNS_H

#include <stddef.h>
#include <sys/types.h>

#define NETNS_RUN_DIR "/var/run/netns"

/* -n NETNS: enter /var/run/netns/NETNS. 0 or -errno (message printed). */
int netns_enter_name(const char *name);

/* Inode of a namespace file (/proc/self/ns/net); 0 on error. */
ino_t netns_ino(const char *path);

/*
 * Find a namespace file for the netns the current one calls nsid: the
 * named ones in /var/run/netns first, then every /proc/PID/ns/net.
 * Returns an open fd (O_RDONLY) and its label ("vm1" or "pid 123"), or
 * -ENOENT.
 */
int netns_find_nsid(int nsid, char *label, size_t len);

#endif
