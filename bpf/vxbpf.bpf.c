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
#include <bpf/bpf_core_read.h>
#include "vxbpf.h"
#include "defs.h"
#include "maps.h"
#include "explain.h"
#include "bucket.h"
#include "csum.h"
#include "parse.h"
#include "stats.h"
#include "ecn.h"
#include "inner.h"
#include "learn.h"
#include "events.h"
#include "gen.h"
#include "fdb.h"
#include "sweep.h"
#include "outer.h"
#include "vtep.h"
#include "decap.h"
#include "nh.h"
#include "encap.h"
#include "pmtu.h"
#include "proxy.h"
#include "frag.h"
#include "port.h"
#include "flood.h"
#include "reasm.h"
#include "host.h"

/*
 * Sum the linear data from off to its end. A global function so the
 * verifier checks its chunk loop once, not once per caller and path: the
 * tail pieces make many states. Returns the 32-bit sum, or CSUM_ERR. One
 * body for both contexts (the first buffer of an XDP frame, and the linear
 * data of an skb).
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
		if (len > CSUM_MAX)                                            \
			return CSUM_ERR;                                       \
		for (i = 0; i < CSUM_CHUNKS; i++) {                            \
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

CSUM_TO_END(csum_linear, struct xdp_md)
CSUM_TO_END(skb_csum_to_end, struct __sk_buff)

/*
 * A multi-buffer frame (xdp.frags): ctx->data..data_end is its first
 * buffer only, the rest is in fragments the program cannot point into.
 * bpf_xdp_load_bytes copies from off on, across the buffers, 512 bytes at
 * a time into a per-CPU scratch buffer, and bpf_csum_diff sums each piece
 * (512 bytes: the most it takes on 6.1); then power-of-two tails, as the
 * linear sum does (constant sizes: the verifier checks each copy against
 * the buffer without a range to track). Every piece but a lone last byte
 * is even, so the 16-bit words stay in memory order. Up to CSUM_MAX bytes,
 * as the linear sum: enough for a 9216-byte underlay MTU.
 */
#define FRAG_TAIL(n)                                                           \
	if (len >= (n)) {                                                      \
		if (bpf_xdp_load_bytes(ctx, off, s->b, (n)))                   \
			return CSUM_ERR;                                       \
		sum = csum_add(sum, (__u32)bpf_csum_diff(0, 0, (void *)s->b, (n), 0)); \
		off += (n);                                                    \
		len -= (n);                                                    \
	}

static __always_inline __u64 csum_frags(struct xdp_md *ctx, __u32 off, __u32 total)
{
	struct vxbpf_csum_scratch *s;
	__u32 zero = 0, sum = 0, len;
	int i;

	s = bpf_map_lookup_elem(&vxbpf_csum_scratch, &zero);
	if (!s || off > total)
		return CSUM_ERR;
	len = total - off;
	if (len > CSUM_MAX)
		return CSUM_ERR;
	for (i = 0; i < CSUM_CHUNKS && len >= 512; i++)
		FRAG_TAIL(512)
	FRAG_TAIL(256)
	FRAG_TAIL(128)
	FRAG_TAIL(64)
	FRAG_TAIL(32)
	FRAG_TAIL(16)
	FRAG_TAIL(8)
	FRAG_TAIL(4)
	if (len >= 2) {
		if (bpf_xdp_load_bytes(ctx, off, s->b, 2))
			return CSUM_ERR;
		sum = csum_add(sum, *(__u16 *)s->b);
		off += 2;
		len -= 2;
	}
	/* A lone last byte is the first byte of a zero-padded word. */
	if (len) {
		if (bpf_xdp_load_bytes(ctx, off, s->b, 1))
			return CSUM_ERR;
		sum = csum_add(sum, bpf_ntohs((__u16)s->b[0] << 8));
	}
	return sum;
}

/*
 * The sum of an XDP frame from off to its end, fragments included; len is
 * the whole frame's (frame_len() in stats.h), passed in because every
 * caller has it: one helper call per frame, not one per use.
 */
__noinline __u64 csum_to_end(struct xdp_md *ctx, __u32 off, __u32 len)
{
	if (XDP_HAVE_FRAGS && len != xdp_len(ctx))
		return csum_frags(ctx, off, len);
	return csum_linear(ctx, off);
}

/*
 * Multi-buffer XDP (BPF_F_XDP_HAS_FRAGS, 5.18): the programs attach to
 * devices whose MTU (a veth's: its peer's) is larger than a page, jumbo
 * underlays and ports; every length and checksum takes the whole frame.
 * The loader sets the flag where the kernel has it (user/pins.c); not by
 * SEC("xdp.frags"), which libbpf turns into the flag at load time whatever
 * the loader says, so a kernel without it could not load them at all.
 * There the code that reads fragments is dead (XDP_HAVE_FRAGS).
 */
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
