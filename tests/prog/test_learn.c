// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Learning (xdp_vxlan_rx on a `learning` VNI), ageing, and the miss
 * events for `vxbpf monitor` (l2miss, l3miss), read back from the events
 * ring buffer. Topology and helpers: harness.h.
 */
#include <arpa/inet.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "harness.h"
#include "vxbpf.skel.h"

#define LOCAL4 "192.0.2.2"

struct ev_log {
	int n;
	struct vxbpf_event ev[8];
};

static int ev_cb(void *ctx, void *data, size_t len)
{
	struct ev_log *log = ctx;

	cr_assert_eq(len, sizeof(struct vxbpf_event), "event record of %zu bytes", len);
	if (log->n < 8)
		memcpy(&log->ev[log->n], data, sizeof(struct vxbpf_event));
	log->n++;
	return 0;
}

/* Everything the programs have sent so far. */
static void events_read(struct ev_log *log)
{
	struct ring_buffer *rb;

	memset(log, 0, sizeof(*log));
	rb = ring_buffer__new(bpf_map__fd(H.skel->maps.vxbpf_events), ev_cb, log, NULL);
	cr_assert(rb, "ring_buffer__new");
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* bpf_ktime_get_ns's clock */
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static bool fdb_get(const uint8_t *mac, struct vxbpf_fdb_val *v)
{
	struct vxbpf_fdb_key k = { .vni = 100 };

	memcpy(k.mac, mac, 6);
	return bpf_map_lookup_elem(H.fdb_fd, &k, v) == 0;
}

static void fdb_learned(const uint8_t *mac, const char *dst, __u64 updated)
{
	struct vxbpf_fdb_key k = { .vni = 100 };
	struct vxbpf_fdb_val v = { .flags = VXBPF_FDB_LEARNED, .updated_ns = updated };

	memcpy(k.mac, mac, 6);
	addr_parse(dst, &v.dst);
	cr_assert_eq(bpf_map_update_elem(H.fdb_fd, &k, &v, BPF_ANY), 0);
}

/* The fixture's inner ICMP echo (VM1 aa:01 → VM2 bb:01) from outer src. */
static void vxlan_from(const char *src, struct pkt *in, struct pkt *inner)
{
	struct vx_opts o = {};
	struct pkt f;

	cr_assert_eq(fixture_read("encap-v4-icmp4.pcap", &f), 0, "fixture");
	pkt_put(inner, f.b + fixture_inner_off(&f), f.len - fixture_inner_off(&f));
	strcpy(o.src, src);
	build_vxlan(in, &o, inner);
}

/* The learned map: entries of a VNI slot, or VXBPF_LEARN_ALL. */
static __s64 learned(__u32 idx)
{
	__s64 n = -12345;

	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(H.skel->maps.vxbpf_learned), &idx, &n), 0);
	return n;
}

static void learning_config(uint32_t flags)
{
	map_vni(100, LOCAL4, VXBPF_VNI_LEARNING | flags);
	map_fdb_local(100, MAC_VM2, H.if_vm0);
}

Test(learn, new_mac_from_unknown_vtep, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, inner, out;
	struct vxbpf_fdb_val v;
	struct vxbpf_addr want;
	struct ev_log log;

	learning_config(0);
	vxlan_from("192.0.2.3", &in, &inner);
	expect_run("learn new", H.rx_fd, 0, &in, XDP_REDIRECT, VXBPF_R_RX_DECAP, &inner, &out);

	cr_assert(fdb_get(MAC_VM1, &v), "VM1's MAC was not learned");
	addr_parse("192.0.2.3", &want);
	cr_expect_eq(memcmp(&v.dst, &want, sizeof(want)), 0, "learned behind the wrong VTEP");
	cr_expect_eq(v.flags, VXBPF_FDB_LEARNED, "flags %#x", v.flags);
	cr_expect(v.updated_ns > 0 && v.updated_ns <= now_ns(), "updated_ns %llu",
		  (unsigned long long)v.updated_ns);

	events_read(&log);
	cr_assert_eq(log.n, 1, "%d events", log.n);
	cr_expect_eq(log.ev[0].type, VXBPF_EV_LEARN);
	cr_expect_eq(log.ev[0].vni, 100);
	cr_expect_eq(memcmp(log.ev[0].mac, MAC_VM1, 6), 0);
	cr_expect_eq(memcmp(&log.ev[0].ip, &want, sizeof(want)), 0);

	/* Again from the same VTEP: known, no second event. */
	expect_run("learn again", H.rx_fd, 0, &in, XDP_REDIRECT, VXBPF_R_RX_DECAP, &inner, &out);
	events_read(&log);
	cr_expect_eq(log.n, 0, "%d events for a known MAC", log.n);
}

Test(learn, learned_mac_moves, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, inner, out;
	struct vxbpf_fdb_val v;
	struct vxbpf_addr want;
	struct ev_log log;

	learning_config(0);
	fdb_learned(MAC_VM1, "192.0.2.9", now_ns());
	vxlan_from("192.0.2.1", &in, &inner);
	expect_run("moved", H.rx_fd, 0, &in, XDP_REDIRECT, VXBPF_R_RX_DECAP, &inner, &out);
	cr_assert(fdb_get(MAC_VM1, &v));
	addr_parse("192.0.2.1", &want);
	cr_expect_eq(memcmp(&v.dst, &want, sizeof(want)), 0, "the entry did not move");
	events_read(&log);
	cr_expect_eq(log.n, 1, "%d events", log.n);
}

Test(learn, static_mac_never_moves, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, inner, out;
	struct vxbpf_fdb_val v;
	struct vxbpf_addr want;
	struct ev_log log;

	learning_config(0);
	map_fdb_remote(100, MAC_VM1, "192.0.2.9", 0);
	vxlan_from("192.0.2.1", &in, &inner);
	/* As vxlan_snoop(): "Don't migrate static entries, drop packets". */
	expect_run("static moved", H.rx_fd, 0, &in, XDP_DROP, VXBPF_R_RX_STATIC_MOVED, NULL, &out);
	cr_assert(fdb_get(MAC_VM1, &v));
	addr_parse("192.0.2.9", &want);
	cr_expect_eq(memcmp(&v.dst, &want, sizeof(want)), 0, "a static entry moved");
	cr_expect_eq(v.flags, 0, "flags %#x", v.flags);
	events_read(&log);
	cr_expect_eq(log.n, 0);

	/* From where the static entry says: decapsulated. */
	vxlan_from("192.0.2.9", &in, &inner);
	expect_run("static same", H.rx_fd, 0, &in, XDP_REDIRECT, VXBPF_R_RX_DECAP, &inner, &out);
}

/* A local VM's MAC from a VTEP: it may have moved; the bridge decides. */
Test(learn, local_mac_claimed_from_remote, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, inner, out;

	/* The kernel's bridge decides whether the VM moved... */
	learning_config(VXBPF_VNI_MIRRORED);
	map_fdb_local(100, MAC_VM1, H.if_vm0);
	vxlan_from("192.0.2.1", &in, &inner);
	expect_run("local claimed", H.rx_fd, 0, &in, XDP_PASS, VXBPF_R_RX_LOCAL_MOVED, NULL, &out);
	/* ...without one, a local entry is static: not moved, dropped. */
	learning_config(0);
	expect_run("local claimed, vxbpf alone", H.rx_fd, 0, &in, XDP_DROP,
		   VXBPF_R_RX_LOCAL_MOVED, NULL, &out);
}

Test(learn, aged_entry_is_gone, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, out;
	struct vxbpf_vni_cfg c;
	struct vxbpf_fdb_val v;
	struct ev_log log;

	/* The tx side of the harness: we are 192.0.2.1, 192.0.2.2 resolves. */
	map_vni(100, "192.0.2.1", VXBPF_VNI_LEARNING | VXBPF_VNI_L2MISS);
	map_vni_get(100, &c);
	c.ageing = 10;
	map_vni_put(100, &c);
	map_port(H.if_vm0, 100);
	map_dstport(4789, 1);
	/* Learned 11 s ago (or at boot, on a machine up for less). */
	fdb_learned(MAC_VM2, "192.0.2.2", now_ns() > 11000000000ULL ? now_ns() - 11000000000ULL : 1);
	build_tcp4(&in, MAC_VM2, MAC_VM1, 40000, false);
	expect_run("aged", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_UNKNOWN_DST, NULL, &out);
	cr_expect(!fdb_get(MAC_VM2, &v), "the aged entry is still in the map");
	events_read(&log);
	cr_expect_eq(log.n, 1, "an aged MAC is a miss: %d events", log.n);

	/* Fresh: encapsulated. */
	fdb_learned(MAC_VM2, "192.0.2.2", now_ns());
	expect_run("fresh", H.port_fd, H.if_vm0, &in, XDP_REDIRECT, VXBPF_R_TX_ENCAP, NULL, &out);
}

Test(events, l2miss_once_per_interval, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, out;
	struct ev_log log;

	map_vni(100, LOCAL4, VXBPF_VNI_L2MISS);
	map_port(H.if_vm0, 100);
	build_tcp4(&in, MAC_OTHER, MAC_VM1, 40000, false);
	expect_run("miss 1", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_UNKNOWN_DST, NULL, &out);
	expect_run("miss 2", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_UNKNOWN_DST, NULL, &out);
	events_read(&log);
	cr_assert_eq(log.n, 1, "%d events for two misses of one MAC in a second", log.n);
	cr_expect_eq(log.ev[0].type, VXBPF_EV_L2MISS);
	cr_expect_eq(log.ev[0].vni, 100);
	cr_expect_eq(log.ev[0].ifindex, (__u32)H.if_vm0);
	cr_expect_eq(memcmp(log.ev[0].mac, MAC_OTHER, 6), 0);

	/* Another MAC is another key. */
	build_tcp4(&in, MAC_VM2, MAC_VM1, 40000, false);
	expect_run("miss 3", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_UNKNOWN_DST, NULL, &out);
	events_read(&log);
	cr_expect_eq(log.n, 1, "%d events for a second MAC", log.n);
}

/* A default destination (the all-zero MAC's entry) takes unknown unicast:
 * the kernel raises no l2miss then, nor do we. */
Test(events, no_l2miss_with_a_default_destination, .init = h_setup, .fini = h_teardown)
{
	static const uint8_t zero[6];
	static struct pkt in, out;
	struct ev_log log;

	static struct vxbpf_remotes fl;
	struct vxbpf_fdb_key zk = {.vni = 100};

	map_vni(100, LOCAL4, VXBPF_VNI_L2MISS);
	map_port(H.if_vm0, 100);
	/* As `fdb append 00:00:00:00:00:00 ... dst` leaves it: a flood entry
	 * and the VNI's flood list (the fdb map never holds that MAC). */
	fl.n = 1;
	addr_parse("192.0.2.2", &fl.r[0].dst);
	memcpy(zk.mac, zero, 6);
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(H.skel->maps.vxbpf_remotes), &zk, &fl, 0), 0);
	build_tcp4(&in, MAC_OTHER, MAC_VM1, 40000, false);
	expect_run("miss", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_UNKNOWN_DST, NULL, &out);
	events_read(&log);
	cr_expect_eq(log.n, 0, "%d events with a default destination", log.n);
}

Test(events, no_l2miss_without_the_flag, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, out;
	struct ev_log log;

	map_vni(100, LOCAL4, 0);
	map_port(H.if_vm0, 100);
	build_tcp4(&in, MAC_OTHER, MAC_VM1, 40000, false);
	expect_run("miss", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_UNKNOWN_DST, NULL, &out);
	events_read(&log);
	cr_expect_eq(log.n, 0);
}

/* Ether(dst=ff:ff:ff:ff:ff:ff,src=aa:01)/ARP(op=1,hwsrc=aa:01,psrc=10.0.0.1,pdst=10.0.0.77) */
static void arp_request(struct pkt *p, const char *target)
{
	uint8_t f[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *a = f + 14;

	memcpy(f + 6, MAC_VM1, 6);
	put16(f + 12, 0x0806);
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);
	memcpy(a + 8, MAC_VM1, 6);
	ip4_parse("10.0.0.1", a + 14);
	ip4_parse(target, a + 24);
	p->len = 0;
	pkt_put(p, f, sizeof(f));
}

Test(events, l3miss_for_unknown_arp_target, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, out;
	struct vxbpf_addr want;
	struct ev_log log;

	map_vni(100, LOCAL4, VXBPF_VNI_PROXY | VXBPF_VNI_L3MISS);
	map_port(H.if_vm0, 100);
	arp_request(&in, "10.0.0.77");
	expect_run("l3miss", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_PROXY_MISS, NULL, &out);
	expect_run("l3miss again", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_PROXY_MISS, NULL,
		   &out);
	events_read(&log);
	cr_assert_eq(log.n, 1, "%d events", log.n);
	cr_expect_eq(log.ev[0].type, VXBPF_EV_L3MISS);
	addr_parse("10.0.0.77", &want);
	cr_expect_eq(memcmp(&log.ev[0].ip, &want, sizeof(want)), 0, "missed address");

	/* Answered once the control plane has filled the entry. */
	map_neigh(100, "10.0.0.77", MAC_OTHER, 0);
	expect_run("answered", H.port_fd, H.if_vm0, &in, XDP_REDIRECT, VXBPF_R_TX_ARP_REPLY, NULL,
		   &out);
}

/*
 * Each VNI may send VXBPF_EV_BUDGET events a second on each CPU, and as
 * many at once: 600 misses of 600 MACs in a row send 512 and count the
 * rest, plus what the budget refilled while they ran (512 a second: the
 * bound below holds however slow the machine).
 */
Test(events, budget_per_vni, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, out;
	struct vxbpf_ev_budget b[256];
	struct ring_buffer *rb;
	struct ev_log log;
	cpu_set_t one;
	__u64 suppressed = 0;
	__u32 slot = 0;
	int i, ncpu = libbpf_num_possible_cpus();
	__u64 t0, refill;

	/* The budget is per CPU: run every frame on one. */
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	cr_assert_eq(sched_setaffinity(0, sizeof(one), &one), 0);
	cr_assert(ncpu > 0 && ncpu <= 256);
	map_vni(100, LOCAL4, VXBPF_VNI_L2MISS);
	map_port(H.if_vm0, 100);
	t0 = now_ns();
	for (i = 0; i < 600; i++) {
		uint8_t mac[6] = { 0x02, 0xee, 0, 0, (uint8_t)(i >> 8), (uint8_t)i };

		build_tcp4(&in, mac, MAC_VM1, 40000, false);
		expect_run("miss", H.port_fd, H.if_vm0, &in, XDP_PASS, VXBPF_R_TX_UNKNOWN_DST, NULL,
			   &out);
	}
	refill = (now_ns() - t0) * VXBPF_EV_BUDGET / 1000000000ULL + 1;
	memset(&log, 0, sizeof(log));
	rb = ring_buffer__new(bpf_map__fd(H.skel->maps.vxbpf_events), ev_cb, &log, NULL);
	cr_assert(rb);
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(H.skel->maps.vxbpf_ev_budget), &slot, b), 0);
	for (i = 0; i < ncpu; i++)
		suppressed += b[i].suppressed;
	cr_expect_geq(log.n, 512, "%d events sent", log.n);
	cr_expect_leq((__u64)log.n, 512 + refill, "%d events sent: over the budget (+%llu refilled)",
		      log.n, (unsigned long long)refill);
	cr_expect_eq((__u64)log.n + suppressed, 600, "%d sent + %llu counted", log.n,
		     (unsigned long long)suppressed);
}

/*
 * A learned MAC that never comes back ages out all the same: the sweep
 * (bpf/sweep.h) deletes it, as the kernel's vxlan_cleanup() would. Static
 * and mirrored entries, and learned ones still fresh, stay.
 */
Test(learn, aged_out_without_being_met, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, inner, out;
	struct vxbpf_sweeper s = { .period_ns = 50 * 1000 * 1000 }, got;
	struct vxbpf_vni_cfg cfg;
	struct vxbpf_fdb_val v;
	struct timespec wait = { 1, 600 * 1000 * 1000 };
	__u32 zero = 0;
	int sweep_fd = bpf_map__fd(H.skel->maps.vxbpf_sweep);
	const uint8_t mirrored_mac[6] = { 0x02, 0, 0, 0, 0xdd, 0x01 };

	learning_config(0);
	map_vni_get(100, &cfg);
	cfg.ageing = 1;
	map_vni_put(100, &cfg);
	cr_assert_eq(bpf_map_update_elem(sweep_fd, &zero, &s, BPF_ANY), 0);
	map_fdb_remote(100, MAC_OTHER, "192.0.2.9", 0);
	fdb_learned(mirrored_mac, "192.0.2.9", 1);
	{
		struct vxbpf_fdb_key k = { .vni = 100 };

		memcpy(k.mac, mirrored_mac, 6);
		cr_assert_eq(bpf_map_lookup_elem(H.fdb_fd, &k, &v), 0);
		v.flags |= VXBPF_FDB_MIRRORED;
		cr_assert_eq(bpf_map_update_elem(H.fdb_fd, &k, &v, BPF_ANY), 0);
		maps_written();
	}
	vxlan_from("192.0.2.3", &in, &inner);
	expect_run("learn", H.rx_fd, 0, &in, XDP_REDIRECT, VXBPF_R_RX_DECAP, &inner, &out);
	cr_assert(fdb_get(MAC_VM1, &v), "not learned");
	nanosleep(&wait, NULL);
	cr_expect_not(fdb_get(MAC_VM1, &v), "an expired learned entry still there");
	cr_expect(fdb_get(MAC_OTHER, &v), "a static entry swept");
	cr_expect(fdb_get(mirrored_mac, &v), "a mirrored learned entry swept (the kernel ages it)");
	cr_expect(fdb_get(MAC_VM2, &v), "a local entry swept");
	cr_assert_eq(bpf_map_lookup_elem(sweep_fd, &zero, &got), 0);
	cr_expect_eq(got.swept, 1, "swept %llu", (unsigned long long)got.swept);
	cr_expect_eq(got.armed, 1);
	/* Its room is given back: learned by the program, swept by it. */
	cr_expect_eq(learned(0), 0, "vni count %lld after the sweep", (long long)learned(0));
	cr_expect_eq(learned(VXBPF_LEARN_ALL), 0, "total %lld after the sweep",
		     (long long)learned(VXBPF_LEARN_ALL));
}

/* The fixture's frame from VTEP src with inner source MAC 02:00:00:00:ee:i. */
static void vxlan_from_mac(const char *src, int i, struct pkt *in, struct pkt *inner)
{
	struct vx_opts o = {};
	struct pkt f;

	cr_assert_eq(fixture_read("encap-v4-icmp4.pcap", &f), 0, "fixture");
	pkt_put(inner, f.b + fixture_inner_off(&f), f.len - fixture_inner_off(&f));
	inner->b[6 + 4] = 0xee;
	inner->b[6 + 5] = i;
	strcpy(o.src, src);
	build_vxlan(in, &o, inner);
}

static const uint8_t *mac_ee(int i)
{
	static uint8_t mac[6] = { 0x02, 0, 0, 0, 0xee, 0 };

	mac[5] = i;
	return mac;
}

/*
 * maxaddress, as the kernel's vxlan: a VNI learns at most that many MACs.
 * Beyond, the frame is still delivered (vxlan_snoop failing does not
 * drop), the learn is counted as refused, and entries already learned
 * still move. With a kernel device, the kernel gets the frame instead.
 */
Test(learn, maxaddress_bounds_a_vni, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, inner, out;
	struct vxbpf_vni_cfg cfg;
	struct vxbpf_fdb_val v;
	struct vxbpf_addr want;
	int i;

	learning_config(0);
	map_vni_get(100, &cfg);
	cfg.maxaddr = 3;
	map_vni_put(100, &cfg);
	for (i = 0; i < 5; i++) {
		vxlan_from_mac("192.0.2.3", i, &in, &inner);
		expect_run("learn or not", H.rx_fd, 0, &in, XDP_REDIRECT, VXBPF_R_RX_DECAP, &inner,
			   &out);
		cr_expect_eq(fdb_get(mac_ee(i), &v), i < 3, "MAC %d learned: %d", i, i < 3);
	}
	cr_expect_eq(learned(0), 3, "vni count %lld", (long long)learned(0));
	cr_expect_eq(learned(VXBPF_LEARN_ALL), 3, "total %lld", (long long)learned(VXBPF_LEARN_ALL));
	cr_expect_eq(vni_stats(0).learn_refused, 2, "refused %llu",
		     (unsigned long long)vni_stats(0).learn_refused);

	/* A learned MAC still moves at the limit, and takes no more room. */
	vxlan_from_mac("192.0.2.4", 1, &in, &inner);
	expect_run("move at the limit", H.rx_fd, 0, &in, XDP_REDIRECT, VXBPF_R_RX_DECAP, &inner, &out);
	cr_assert(fdb_get(mac_ee(1), &v));
	addr_parse("192.0.2.4", &want);
	cr_expect_eq(memcmp(&v.dst, &want, sizeof(want)), 0, "the entry did not move");
	cr_expect_eq(learned(0), 3, "vni count %lld after a move", (long long)learned(0));

	/* Where a kernel device carries the VNI, it gets what vxbpf did not
	 * learn (and applies its own maxaddress). */
	cfg.flags |= VXBPF_VNI_MIRRORED;
	map_vni_put(100, &cfg);
	vxlan_from_mac("192.0.2.3", 7, &in, &inner);
	expect_run("refused, kernel VNI", H.rx_fd, 0, &in, XDP_PASS, VXBPF_R_RX_LEARN, NULL, &out);
	cr_expect_eq(vni_stats(0).learn_refused, 3);

	/* No limit of its own: learns again. */
	cfg.flags &= ~VXBPF_VNI_MIRRORED;
	cfg.maxaddr = 0;
	map_vni_put(100, &cfg);
	vxlan_from_mac("192.0.2.3", 4, &in, &inner);
	expect_run("no limit", H.rx_fd, 0, &in, XDP_REDIRECT, VXBPF_R_RX_DECAP, &inner, &out);
	cr_expect(fdb_get(mac_ee(4), &v), "not learned without a limit");
	cr_expect_eq(learned(0), 4);
}

/* All VNIs together learn at most VXBPF_LEARN_MAX: half the fdb map stays
 * for user and mirrored entries, whatever peers send. */
Test(learn, total_bound_keeps_room_for_users, .init = h_setup, .fini = h_teardown)
{
	static struct pkt in, inner, out;
	struct vxbpf_fdb_val v;
	__s64 near = VXBPF_LEARN_MAX - 1;
	__u32 all = VXBPF_LEARN_ALL;

	learning_config(0);
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(H.skel->maps.vxbpf_learned), &all, &near,
					 BPF_ANY), 0);
	vxlan_from_mac("192.0.2.3", 0, &in, &inner);
	expect_run("last place", H.rx_fd, 0, &in, XDP_REDIRECT, VXBPF_R_RX_DECAP, &inner, &out);
	vxlan_from_mac("192.0.2.3", 1, &in, &inner);
	expect_run("over the total", H.rx_fd, 0, &in, XDP_REDIRECT, VXBPF_R_RX_DECAP, &inner, &out);
	cr_expect(fdb_get(mac_ee(0), &v), "the last place was not taken");
	cr_expect_not(fdb_get(mac_ee(1), &v), "learned beyond the total bound");
	cr_expect_eq(learned(VXBPF_LEARN_ALL), VXBPF_LEARN_MAX, "total %lld",
		     (long long)learned(VXBPF_LEARN_ALL));
	cr_expect_eq(learned(0), 1, "vni count %lld (the refused one taken back)",
		     (long long)learned(0));
	cr_expect_eq(vni_stats(0).learn_refused, 1);
}
