// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vxbpf's XDP programs:
 *   xdp_vxlan_rx  on the underlay NIC: VXLAN in, decapsulate, to a port;
 *   xdp_port_rx   on each local port: proxy ARP/ND, switch to another
 *                 port, or encapsulate towards a remote VTEP.
 * and the TC programs for the host's own traffic (host.h) and for
 * replication (flood.h):
 *   tc_host_tx    on a kernel vxlan device's egress;
 *   tc_host_rx    on the underlay NIC's ingress, after xdp_vxlan_rx: the
 *                 host's frames, and broadcast copies to the VNI's ports;
 *   tc_port_rx    on each local port's ingress, after xdp_port_rx: copies
 *                 of broadcast and unknown unicast to ports and VTEPs.
 * What none of them can finish goes to the kernel untouched (XDP_PASS,
 * TC_ACT_UNSPEC): a kernel vxlan device, where there is one, does it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "vxbpf.h"
#include "defs.h"
#include "maps.h"
#include "csum.h"
#include "parse.h"
#include "stats.h"
#include "ecn.h"
#include "inner.h"
#include "learn.h"
#include "events.h"
#include "sweep.h"
#include "outer.h"
#include "decap.h"
#include "encap.h"
#include "pmtu.h"
#include "proxy.h"
#include "port.h"
#include "flood.h"
#include "host.h"

/*
 * Sum the packet from off to its end. A global function so the verifier
 * checks its chunk loop once, not once per caller and path: the tail
 * pieces make many states. Returns the 32-bit sum, or CSUM_ERR. One body
 * for both contexts (XDP, and the linear data of an skb).
 */
#define CSUM_TO_END(name, ctx_type)                                            \
	__noinline __u64 name(ctx_type *ctx, __u32 off)                        \
	{                                                                      \
		void *p = (void *)(long)ctx->data;                             \
		void *end = (void *)(long)ctx->data_end;                       \
		__u32 sum = 0, len;                                            \
		int i;                                                         \
                                                                               \
		/* Regions start within the headers; the small bound keeps    \
		 * every pointer below the verifier's MAX_PACKET_OFF. */       \
		if (off > 1024)                                                \
			return CSUM_ERR;                                       \
		p += off;                                                      \
		if (p > end)                                                   \
			return CSUM_ERR;                                       \
		len = end - p;                                                 \
		if (len > 512 * 18)                                            \
			return CSUM_ERR;                                       \
		for (i = 0; i < 18; i++) {                                     \
			if (p + 512 > end)                                     \
				break;                                         \
			sum = csum_add(sum, (__u32)bpf_csum_diff(0, 0, p, 512, 0)); \
			p += 512;                                              \
		}                                                              \
		CSUM_TAIL(256)                                                 \
		CSUM_TAIL(128)                                                 \
		CSUM_TAIL(64)                                                  \
		CSUM_TAIL(32)                                                  \
		CSUM_TAIL(16)                                                  \
		CSUM_TAIL(8)                                                   \
		CSUM_TAIL(4)                                                   \
		if (p + 2 <= end) {                                            \
			sum = csum_add(sum, *(__u16 *)p);                      \
			p += 2;                                                \
		}                                                              \
		/* A lone last byte is the first byte of a zero-padded word. */ \
		if (p + 1 <= end)                                              \
			sum = csum_add(sum, bpf_ntohs((__u16)(*(__u8 *)p) << 8)); \
		return sum;                                                    \
	}

#define CSUM_TAIL(n)                                                           \
	if (p + (n) <= end) {                                                  \
		sum = csum_add(sum, (__u32)bpf_csum_diff(0, 0, p, (n), 0));    \
		p += (n);                                                      \
	}

CSUM_TO_END(csum_to_end, struct xdp_md)
CSUM_TO_END(skb_csum_to_end, struct __sk_buff)

SEC("xdp")
int xdp_vxlan_rx(struct xdp_md *ctx)
{
	return vxlan_rx(ctx);
}

SEC("xdp")
int xdp_port_rx(struct xdp_md *ctx)
{
	return port_rx(ctx);
}

SEC("tc")
int tc_host_tx(struct __sk_buff *skb)
{
	return host_tx(skb);
}

SEC("tc")
int tc_host_rx(struct __sk_buff *skb)
{
	return host_rx(skb);
}

SEC("tc")
int tc_port_rx(struct __sk_buff *skb)
{
	return port_tc_rx(skb);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
