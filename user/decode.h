/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What a frame is, in one line: MACs, IP addresses and protocol, and for
 * VXLAN the VNI and the inner frame the same way. For `vxbpf explain`,
 * which decodes the frames it feeds the programs and what comes out.
 */
#ifndef VX_DECODE_H
#define VX_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct l2l3 {
	uint8_t dmac[6], smac[6];
	uint16_t vlan;	     /* the first 802.1Q/802.1ad tag's VID, 0 none */
	const char *proto;   /* "IPv4", "IPv6", "ARP", or NULL: see ethertype */
	uint16_t ethertype;
	char src[48], dst[48]; /* IP addresses, or ARP's sender and target */
	const char *l4;	     /* "UDP", "TCP", "ICMP", "ICMPv6", ... or NULL */
	uint16_t sport, dport;
	bool truncated;
};

struct frame_info {
	struct l2l3 outer;
	bool vxlan;
	uint32_t vni;
	struct l2l3 inner; /* when vxlan */
};

/* is_vxlan(port, ctx): is UDP to port VXLAN here? NULL: 4789 only. */
void frame_decode(const uint8_t *p, size_t len, bool (*is_vxlan)(uint16_t port, void *ctx),
		  void *ctx, struct frame_info *fi);

/* "02:..:01 > 02:..:02 IPv4 192.0.2.1 > 192.0.2.2 UDP 50000 > 4789 vxlan
 * vni 100 [02:..:aa > ... ICMP]" */
void frame_line(const struct frame_info *fi, char *buf, size_t len);

#endif
