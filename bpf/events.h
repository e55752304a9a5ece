/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Events for user space (vxbpf monitor): l2miss, l3miss, learn. A miss is
 * sent at most once per key per VXBPF_MISS_INTERVAL_NS: a VM hammering an
 * unknown address must not flood the ring buffer or the resolver behind
 * it, as the kernel's vxlan rate-limits its netlink misses.
 */
#ifndef VXBPF_EVENTS_H
#define VXBPF_EVENTS_H

/* A token of the VNI's event budget on this CPU (include/vxbpf.h). */
static __always_inline bool event_allow(__u32 slot, __u64 now)
{
	struct vxbpf_ev_budget *b = bpf_map_lookup_elem(&vxbpf_ev_budget, &slot);

	if (!b)
		return false;
	if (bucket_take(&b->tokens, &b->last_ns, now, VXBPF_EV_BUDGET,
			1000000000ULL / VXBPF_EV_BUDGET))
		return true;
	b->suppressed++;
	return false;
}

/* slot: the VNI's vxbpf_vni_cfg.slot, whose budget the event takes. */
static __always_inline void event_send(__u32 type, __u32 vni, __u32 slot, __u32 ifindex,
				       const __u8 *mac, const struct vxbpf_addr *ip, __u64 now)
{
	struct vxbpf_event *ev;

	if (!event_allow(slot, now))
		return;
	ev = bpf_ringbuf_reserve(&vxbpf_events, sizeof(*ev), 0);
	if (!ev)
		return; /* ring full: user space is behind, the miss recurs */
	ev->type = type;
	ev->vni = vni;
	ev->ifindex = ifindex;
	if (mac)
		mac_copy(ev->mac, mac);
	else
		__builtin_memset(ev->mac, 0, sizeof(ev->mac));
	ev->pad = 0;
	if (ip)
		ev->ip = *ip;
	else
		__builtin_memset(&ev->ip, 0, sizeof(ev->ip));
	ev->ts_ns = now;
	bpf_ringbuf_submit(ev, 0);
}

static __always_inline void event_miss(__u32 type, __u32 vni, __u32 slot, __u32 ifindex,
				       const __u8 *mac, const struct vxbpf_addr *ip)
{
	struct vxbpf_miss_key key = { .type = type, .vni = vni };
	__u64 now = bpf_ktime_get_ns(), *seen;

	if (mac)
		mac_copy(key.mac, mac);
	if (ip)
		key.ip = *ip;
	seen = bpf_map_lookup_elem(&vxbpf_miss_seen, &key);
	if (seen && now - *seen < VXBPF_MISS_INTERVAL_NS)
		return;
	bpf_map_update_elem(&vxbpf_miss_seen, &key, &now, BPF_ANY);
	event_send(type, vni, slot, ifindex, mac, ip, now);
}

#endif /* VXBPF_EVENTS_H */
