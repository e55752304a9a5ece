/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Receive on a local port (a VM's tap, a container's veth): answer ARP/ND
 * for the proxy, switch to another local port, or encapsulate towards the
 * remote VTEP of the destination MAC. What needs copies (broadcast,
 * unknown unicast, several remotes) or the kernel's help (no outer
 * neighbour yet) is passed: to tc_port_rx (flood.h) on a VNI that vxbpf
 * runs alone, to the kernel's bridge where a kernel device carries it.
 */
#ifndef VXBPF_PORT_H
#define VXBPF_PORT_H

/*
 * On a mirrored VNI the kernel's bridge owns the local MACs: an EVPN
 * control plane (zebra) reads them there. A source the bridge has not
 * learned on this port yet (a new VM, one that moved here) goes to the
 * bridge, which learns it from the frame as always; mirror copies that
 * learn and the next frames take the fast path. Those frames never cross
 * the bridge, which would age the MAC out: the fast path notes the MAC at
 * most once a second for mirror to refresh it there (mirror_bridge.c).
 * False: the frame goes to the bridge.
 */
static __always_inline bool port_src_known(__u32 ifindex, __u32 vni, const __u8 *src)
{
	struct vxbpf_fdb_key k;
	struct vxbpf_active_key a = { .ifindex = ifindex };
	struct vxbpf_fdb_val *f;
	__u64 now;

	/* Not a station's address: the bridge drops it (br_handle_frame). */
	if (mac_is_multicast(src) || mac_is_zero(src))
		return false;
	fdb_key(&k, vni, src);
	f = bpf_map_lookup_elem(&vxbpf_fdb, &k);
	if (!f || !(f->flags & VXBPF_FDB_LOCAL) || f->ifindex != ifindex)
		return false;
	/* Once a second, not per frame: the write bounces the entry's cache
	 * line between CPUs. A full active map only delays the refresh. The
	 * coarse clock (a tick's resolution, the same CLOCK_MONOTONIC) is a
	 * load where bpf_ktime_get_ns() reads the clock source: encap on a
	 * mirrored VNI took 135 ns with it, 114 with this (93 on a user VNI,
	 * which has no such lookup; BPF_PROG_RUN, this machine's VM). */
	now = bpf_ktime_get_coarse_ns();
	if (now - f->updated_ns > 1000000000ULL && !explain) {
		f->updated_ns = now;
		mac_copy(a.mac, src);
		bpf_map_update_elem(&vxbpf_active, &a, &vni, BPF_ANY);
	}
	return true;
}

/*
 * ARP and NS on a VNI with the proxy or neigh_suppress: the verdict, or -1
 * for a frame that goes on its way untouched.
 */
static __always_inline int port_neigh(struct xdp_md *ctx, const struct vxbpf_vni_cfg *cfg, __u32 vni,
				      __u32 ifindex, __u32 total)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 flags = cfg->flags;
	/* The bridge sees the frame before its vxlan device's proxy: its
	 * suppression first, the rest is the kernel's. */
	bool suppress = flags & VXBPF_VNI_SUPPRESS;
	struct vxbpf_addr miss;
	enum vxbpf_reason r;

	if ((void *)(eth + 1) > end)
		return verdict(ctx, VXBPF_R_TX_MALFORMED, XDP_PASS);
	/* A request padded past its first buffer (multi-buffer XDP) is not
	 * rewritten into a reply here: as it came, to TC or the kernel. */
	if (total != xdp_len(ctx)) {
		if (!is_arp_or_ns(eth, end))
			return -1;
		return verdict(ctx, suppress ? VXBPF_R_TX_SUPPRESS_PASS : VXBPF_R_TX_PROXY_SKIP,
			       XDP_PASS);
	}
	/* A unicast request the bridge answers and forwards all the same
	 * (br_forward() has no eye for suppression): here it is only
	 * forwarded, and the target answers it. */
	if (suppress && !mac_is_multicast(eth->h_dest))
		return -1;
	/* Like the kernel's vxlan `proxy` (arp_reduce, neigh_reduce): every
	 * ARP request and NS is the proxy's, broadcast or unicast (NUD
	 * probes); what it cannot answer goes to the kernel, never over the
	 * underlay. */
	r = PROXY_NOT_REQUEST;
	if (eth->h_proto == bpf_htons(ETH_P_ARP))
		r = proxy_arp(ctx, vni, &miss, suppress);
	else if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		r = proxy_ns(ctx, vni, &miss, suppress);
	/* l3miss: the control plane may answer with `neigh add`; the asker
	 * retries, as with the kernel's vxlan_ip_miss(). */
	if (r == VXBPF_R_TX_PROXY_MISS && (flags & VXBPF_VNI_L3MISS))
		event_miss(VXBPF_EV_L3MISS, vni, cfg->slot, ifindex, NULL, &miss);
	/* Back out of the port by redirect, not XDP_TX: on a veth, XDP_TX
	 * frames are only flushed to a peer that runs XDP itself, while a
	 * redirect also reaches a peer that merely has GRO
	 * (veth_xdp_flush()). */
	if (r == VXBPF_R_TX_ARP_REPLY || r == VXBPF_R_TX_NA_REPLY) {
		verdict(ctx, r, 0);
		return redirect(ifindex, 0);
	}
	/* The NS could not be grown into the NA (no tailroom): still as it
	 * came, so the kernel's proxy answers it. */
	if (r != PROXY_NOT_REQUEST)
		return verdict(ctx, r, XDP_PASS);
	if (suppress)
		return -1;
	/* Nothing was written. Any other ARP or NS is the proxy's too, never
	 * a VTEP's: to the local ports only, by TC or by the kernel's bridge
	 * (where its proxy consumes it). */
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > end)
		return verdict(ctx, VXBPF_R_TX_MALFORMED, XDP_PASS);
	if (is_arp_or_ns(eth, end))
		return verdict(ctx, VXBPF_R_TX_PROXY_SKIP, XDP_PASS);
	return -1;
}

/*
 * The port's entry: from this CPU's slot for ifindex while it is of the
 * current generation (gen.h), else from the ports map, the slot then
 * filled (an entry whose copy of the VNI's is derived only). A slot is
 * written by this CPU only, never while it reads one.
 */
static __always_inline const struct vxbpf_port_val *port_find(__u32 ifindex)
{
	__u32 i = ifindex & (VXBPF_PORT_SLOTS - 1);
	struct vxbpf_port_slot *s = bpf_map_lookup_elem(&vxbpf_port_cache, &i);
	__u64 gen = maps_gen();
	struct vxbpf_port_val *v;

	if (s && s->ifindex == ifindex && s->gen == gen)
		return &s->val;
	if (s)
		gen_then_map(&s->gen);
	v = bpf_map_lookup_elem(&vxbpf_ports, &ifindex);
	if (v && s && gen && v->cfg.be_dstport && !explain) {
		s->ifindex = ifindex;
		s->val = *v;
		s->gen = gen;
	}
	return v;
}

static __always_inline int port_rx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct vxbpf_fdb_key fkey;
	const struct vxbpf_port_val *port;
	const struct vxbpf_vni_cfg *cfg;
	const struct vxbpf_fdb_val *fdb;
	struct encap_plan plan;
	struct inner_info ii;
	enum vxbpf_reason r;
	__u32 ifindex = ctx->ingress_ifindex, vni, slot, total;

	if ((void *)(eth + 1) > end)
		return verdict(ctx, VXBPF_R_TX_MALFORMED, XDP_PASS);
	port = port_find(ifindex);
	if (!port)
		return verdict(ctx, VXBPF_R_TX_NOT_PORT, XDP_PASS);
	vni = port->vni;
	/* The port's copy of its VNI's entry (include/vxbpf.h): no vni map
	 * lookup per frame. A configured VNI always has a destination port:
	 * without one the copy was never derived. */
	cfg = &port->cfg;
	if (!cfg->be_dstport)
		return verdict(ctx, VXBPF_R_TX_NO_VNI, XDP_PASS);
	if ((cfg->flags & VXBPF_VNI_MIRRORED) && !port_src_known(ifindex, vni, eth->h_source))
		return verdict(ctx, VXBPF_R_TX_SRC_LEARN, XDP_PASS);
	/* The whole frame's length, fragments included: asked once. */
	total = frame_len(ctx);

	if (cfg->flags & (VXBPF_VNI_PROXY | VXBPF_VNI_SUPPRESS)) {
		int v = port_neigh(ctx, cfg, vni, ifindex, total);

		if (v >= 0)
			return v;
		data = (void *)(long)ctx->data;
		end = (void *)(long)ctx->data_end;
		eth = data;
		if ((void *)(eth + 1) > end)
			return verdict(ctx, VXBPF_R_TX_MALFORMED, XDP_PASS);
	}
	if (mac_is_multicast(eth->h_dest))
		return verdict(ctx, VXBPF_R_TX_BUM, XDP_PASS);

	fdb_key(&fkey, vni, eth->h_dest);
	fdb = fdb_find(&fkey, cfg);
	if (!fdb) {
		/* As vxlan_xmit(): a miss only where no default destination
		 * (the all-zero MAC's entry) would take the frame. */
		if (cfg->flags & VXBPF_VNI_L2MISS) {
			struct vxbpf_fdb_key zkey = { .vni = vni };

			/* The all-zero MAC's remotes live in the flood map
			 * and, as one list, in remotes. */
			if (!bpf_map_lookup_elem(&vxbpf_remotes, &zkey))
				event_miss(VXBPF_EV_L2MISS, vni, cfg->slot, ifindex, fkey.mac, NULL);
		}
		return verdict(ctx, VXBPF_R_TX_UNKNOWN_DST, XDP_PASS);
	}
	if (fdb->flags & VXBPF_FDB_MULTI)
		return verdict(ctx, VXBPF_R_TX_MULTI_DST, XDP_PASS);
	inner_parse(ctx, eth, total, total, INNER_HASH, &ii);

	if (fdb->flags & VXBPF_FDB_LOCAL) {
		/* The host's vxlan device takes no XDP frames. */
		if (fdb->flags & VXBPF_FDB_HOST)
			return verdict(ctx, VXBPF_R_TX_HOST_LOCAL, XDP_PASS);
		/* Not sent back where it came from, as by a bridge (whose
		 * job it is where a kernel device carries the VNI). */
		if (fdb->ifindex == ifindex)
			return verdict(ctx, VXBPF_R_TX_HAIRPIN,
				       (cfg->flags & VXBPF_VNI_KERNEL_BUM) ? XDP_PASS : XDP_DROP);
		/* A multi-buffer frame bpf_redirect() cannot carry (before
		 * 6.3, or a driver without it): tc_port_rx switches it. */
		if (total != xdp_len(ctx) && !port_takes_frags(fdb->ifindex))
			return verdict(ctx, VXBPF_R_TX_FRAGS, XDP_PASS);
		inner_fix(ctx, &ii);
		reason_count(VXBPF_R_TX_LOCAL, total);
		return redirect(fdb->ifindex, 0);
	}

	r = encap_plan(ctx, cfg, fdb, vni, &ii, total, &plan);
	if (r == VXBPF_R_TX_MTU) {
		/* The FIB said how much fits (mtu_result): tell the VM, back
		 * out of the port by redirect, as the ARP reply above. */
		int v = pmtu_reply(ctx, ifindex, plan.fib.mtu_result, plan.v6);

		if (v == XDP_TX) {
			verdict(ctx, VXBPF_R_TX_PMTU_REPLY, 0);
			return redirect(ifindex, 0);
		}
		if (v >= 0)
			return verdict(ctx, r, v);
		/* No DF: TC sends it in fragments (frag.h). */
		if (!plan.v6) {
			v = frag_handover(ctx, cfg, &ii);
			if (v >= 0)
				return v;
		}
	}
	if (r != VXBPF_R_TX_ENCAP)
		return verdict(ctx, r, XDP_PASS);
	/* Likewise: tc_port_rx encapsulates what XDP cannot redirect. */
	if (total != xdp_len(ctx) && !plan.xmit_sg)
		return verdict(ctx, VXBPF_R_TX_FRAGS, XDP_PASS);
	slot = cfg->slot;
	inner_fix(ctx, &ii);
	if (encap_push(ctx, cfg, &ii, &plan))
		return verdict(ctx, VXBPF_R_TX_NO_ROOM, XDP_DROP);
	vni_count(slot, false, total);
	reason_count(VXBPF_R_TX_ENCAP, total + plan.hdr_len); /* as sent */
	return redirect(plan.fib.ifindex, 0);
}

#endif /* VXBPF_PORT_H */
