/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A frame XDP-redirected into a veth is dropped unless the veth's peer
 * has an XDP program or GRO on (veth_xdp_xmit needs the peer's NAPI).
 * veth_ensure_delivery() turns GRO on at the peer when neither holds.
 */
#ifndef VX_VETH_H
#define VX_VETH_H

/*
 * Never fails the command: a peer that cannot be found or changed is a
 * warning. Prints on stdout what it changed. Returns 1 if it changed
 * something, 0 otherwise.
 */
int veth_ensure_delivery(int ifindex, const char *dev);

#endif
