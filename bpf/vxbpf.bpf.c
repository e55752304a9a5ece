// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vxbpf's XDP programs:
 *   xdp_vxlan_rx  on the underlay NIC: VXLAN in, decapsulate, to a port;
 *   xdp_port_rx   on each local port: proxy ARP/ND, switch to another
 *                 port, or encapsulate towards a remote VTEP.
 * What they cannot finish goes to the kernel untouched (XDP_PASS).
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
#include "inner.h"
#include "decap.h"
#include "encap.h"
#include "proxy.h"

/*
 * Sum the packet from off to its end. A global function so the verifier
 * checks its chunk loop once, not once per caller and path: the tail
 * pieces make many states. Returns the 32-bit sum, or CSUM_ERR.
 */
__noinline __u64 csum_to_end(struct xdp_md *ctx, __u32 off)
{
	void *p = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 sum = 0, len;
	int i;

	/* Regions start within the headers; the small bound keeps every
	 * pointer below the verifier's MAX_PACKET_OFF. */
	if (off > 1024)
		return CSUM_ERR;
	p += off;
	if (p > end)
		return CSUM_ERR;
	len = end - p;
	if (len > 512 * 18)
		return CSUM_ERR;
	for (i = 0; i < 18; i++) {
		if (p + 512 > end)
			break;
		sum = csum_add(sum, (__u32)bpf_csum_diff(0, 0, p, 512, 0));
		p += 512;
	}
#define TAIL(n)                                                                \
	if (p + (n) <= end) {                                                  \
		sum = csum_add(sum, (__u32)bpf_csum_diff(0, 0, p, (n), 0));    \
		p += (n);                                                      \
	}
	TAIL(256)
	TAIL(128)
	TAIL(64)
	TAIL(32)
	TAIL(16)
	TAIL(8)
	TAIL(4)
#undef TAIL
	if (p + 2 <= end) {
		sum = csum_add(sum, *(__u16 *)p);
		p += 2;
	}
	if (p + 1 <= end)
		/* A lone last byte is the first byte of a zero-padded word. */
		sum = csum_add(sum, bpf_ntohs((__u16)(*(__u8 *)p) << 8));
	return sum;
}

SEC("xdp")
int xdp_vxlan_rx(struct xdp_md *ctx)
{
	return vxlan_rx(ctx);
}

static __always_inline int port_rx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct vxbpf_fdb_key fkey = {};
	struct vxbpf_port_val *port;
	struct vxbpf_vni_cfg *cfg;
	struct vxbpf_fdb_val *fdb;
	struct encap_plan plan;
	struct inner_info ii;
	enum vxbpf_reason r;
	__u32 ifindex = ctx->ingress_ifindex, vni, slot, len;

	if ((void *)(eth + 1) > end)
		return verdict(ctx, VXBPF_R_TX_MALFORMED, XDP_PASS);
	port = bpf_map_lookup_elem(&vxbpf_ports, &ifindex);
	if (!port)
		return verdict(ctx, VXBPF_R_TX_NOT_PORT, XDP_PASS);
	vni = port->vni;
	cfg = bpf_map_lookup_elem(&vxbpf_vni, &vni);
	if (!cfg)
		return verdict(ctx, VXBPF_R_TX_NO_VNI, XDP_PASS);

	/* Like the kernel's vxlan `proxy` (arp_reduce, neigh_reduce): every
	 * ARP request and NS is the proxy's, broadcast or unicast (NUD
	 * probes); what it cannot answer goes to the kernel, never over the
	 * underlay. */
	if (cfg->flags & VXBPF_VNI_PROXY) {
		r = PROXY_NOT_REQUEST;
		if (eth->h_proto == bpf_htons(ETH_P_ARP))
			r = proxy_arp(ctx, vni);
		else if (eth->h_proto == bpf_htons(ETH_P_IPV6))
			r = proxy_ns(ctx, vni);
		/* Back out of the port by redirect, not XDP_TX: on a veth,
		 * XDP_TX frames are only flushed to a peer that runs XDP
		 * itself, while a redirect also reaches a peer that merely
		 * has GRO (veth_xdp_flush()). */
		if (r == VXBPF_R_TX_ARP_REPLY || r == VXBPF_R_TX_NA_REPLY) {
			verdict(ctx, r, 0);
			return bpf_redirect(ifindex, 0);
		}
		if (r == VXBPF_R_TX_NO_ROOM)
			return verdict(ctx, r, XDP_DROP);
		if (r != PROXY_NOT_REQUEST)
			return verdict(ctx, r, XDP_PASS);
		/* Not a request: nothing was written, carry on. */
		data = (void *)(long)ctx->data;
		end = (void *)(long)ctx->data_end;
		eth = data;
		if ((void *)(eth + 1) > end)
			return verdict(ctx, VXBPF_R_TX_MALFORMED, XDP_PASS);
	}
	if (mac_is_multicast(eth->h_dest))
		return verdict(ctx, VXBPF_R_TX_BUM, XDP_PASS);

	fkey.vni = vni;
	mac_copy(fkey.mac, eth->h_dest);
	fdb = bpf_map_lookup_elem(&vxbpf_fdb, &fkey);
	if (!fdb)
		return verdict(ctx, VXBPF_R_TX_UNKNOWN_DST, XDP_PASS);
	if (fdb->flags & VXBPF_FDB_MULTI)
		return verdict(ctx, VXBPF_R_TX_MULTI_DST, XDP_PASS);
	inner_parse(ctx, eth, &ii);

	if (fdb->flags & VXBPF_FDB_LOCAL) {
		if (fdb->ifindex == ifindex)
			return verdict(ctx, VXBPF_R_TX_HAIRPIN, XDP_PASS);
		inner_fix(ctx, &ii);
		verdict(ctx, VXBPF_R_TX_LOCAL, 0);
		return bpf_redirect(fdb->ifindex, 0);
	}

	r = encap_plan(ctx, cfg, fdb, vni, &ii, &plan);
	if (r != VXBPF_R_TX_ENCAP)
		return verdict(ctx, r, XDP_PASS);
	slot = cfg->slot;
	len = plan.inner_len;
	inner_fix(ctx, &ii);
	if (encap_push(ctx, cfg, &ii, &plan))
		return verdict(ctx, VXBPF_R_TX_NO_ROOM, XDP_DROP);
	vni_count(slot, false, len);
	verdict(ctx, VXBPF_R_TX_ENCAP, 0);
	return bpf_redirect(plan.fib.ifindex, 0);
}

SEC("xdp")
int xdp_port_rx(struct xdp_md *ctx)
{
	return port_rx(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
