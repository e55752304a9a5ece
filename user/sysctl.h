/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef VX_SYSCTL_H
#define VX_SYSCTL_H

/*
 * bpf_fib_lookup() answers only for an input interface with forwarding
 * enabled. The encap path asks as the host itself would for a packet it
 * originates (input interface lo), so forwarding is enabled on lo of the
 * current namespace, and nowhere else: it routes nothing new, lo only
 * carries the host's own packets. Prints what it changed. 0 or -errno.
 */
int fib_lookup_enable(void);

#endif
