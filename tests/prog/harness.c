// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Program-test harness: netns, skeleton, maps, run-and-assert. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "harness.h"
#include "pins.h"
#include "vxbpf.skel.h"

struct harness H;

static const char *topology =
    "link set lo up\n"
    "link add ul0 address 02:00:00:00:01:01 type veth peer name ulp address 02:00:00:00:02:01\n"
    "link add vm0 type veth peer name vm0p\n"
    "link set ul0 up\n"
    "link set ulp up\n"
    "link set vm0 up\n"
    "link set vm0p up\n"
    "addr add 192.0.2.1/24 dev ul0\n"
    "addr add 2001:db8::1/64 dev ul0 nodad\n"
    "neigh add 192.0.2.2 lladdr 02:00:00:00:02:01 dev ul0 nud permanent\n"
    "neigh add 2001:db8::2 lladdr 02:00:00:00:02:01 dev ul0 nud permanent\n";

void h_ip(const char *script)
{
	FILE *f = popen("ip -batch - 2>&1", "w");

	cr_assert(f, "popen ip: %s", strerror(errno));
	fputs(script, f);
	cr_assert_eq(pclose(f), 0, "ip -batch failed for:\n%s", script);
}

static void sysctl_w(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	cr_assert(f, "open %s: %s", path, strerror(errno));
	fputs(val, f);
	cr_assert_eq(fclose(f), 0, "write %s", path);
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

/*
 * Verify only the programs a suite (or one test, as "suite/test") runs:
 * each load is a verification of ~250,000 instructions, seconds under
 * emulation (make vmtest). A suite not listed gets them all; a program
 * left out has fd -1.
 */
static void progs_select(const char *suite, const char *test)
{
	static const struct {
		const char *suite, *progs;
	} table[] = {
		{ "rx", "xdp_vxlan_rx" },
		{ "tx", "xdp_port_rx" },
		{ "proxy", "xdp_port_rx" },
		{ "nhcache", "xdp_port_rx" },
		{ "learn", "xdp_vxlan_rx xdp_port_rx" },
		{ "events", "xdp_vxlan_rx xdp_port_rx" },
		{ "flood", "xdp_vxlan_rx tc_port_rx" },
		{ "jumbo", "xdp_vxlan_rx xdp_port_rx" },
		{ "props/vxlan_rx_mutated", "xdp_vxlan_rx" },
		{ "props/port_rx_mutated", "xdp_port_rx" },
		{ "props/host_tx_mutated", "tc_host_tx" },
		{ "props/port_tc_mutated", "tc_port_rx" },
		{ "props/host_rx_mutated", "xdp_vxlan_rx tc_host_rx" },
	};
	char full[256];
	struct bpf_program *prog;
	const char *want = NULL;
	size_t i;

	snprintf(full, sizeof(full), "%s/%s", suite ? suite : "", test ? test : "");
	for (i = 0; suite && !want && i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].suite, full))
			want = table[i].progs;
	for (i = 0; suite && !want && i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].suite, suite))
			want = table[i].progs;
	if (!want)
		return;
	bpf_object__for_each_program(prog, H.skel->obj) {
		const char *name = bpf_program__name(prog), *at = strstr(want, name);
		size_t len = strlen(name);
		bool in = at && (at[len] == ' ' || !at[len]);

		bpf_program__set_autoload(prog, in);
	}
}

void h_setup(void)
{
	memset(&H, 0, sizeof(H));
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
	h_ip(topology);
	/*
	 * Encap looks the outer route up as a locally originated packet
	 * (iif lo); bpf_fib_lookup() refuses (FWD_DISABLED) unless
	 * forwarding is on for that device. `vxbpf port add` sets exactly
	 * these two (user/sysctl.c), so do we.
	 */
	sysctl_w("/proc/sys/net/ipv4/conf/lo/forwarding", "1");
	sysctl_w("/proc/sys/net/ipv6/conf/lo/forwarding", "1");
	H.if_ul0 = if_nametoindex("ul0");
	H.if_ulp = if_nametoindex("ulp");
	H.if_vm0 = if_nametoindex("vm0");
	H.if_vm0p = if_nametoindex("vm0p");
	cr_assert(H.if_ul0 && H.if_ulp && H.if_vm0 && H.if_vm0p, "veths missing");

	libbpf_set_print(silent);
	H.skel = vxbpf__open();
	cr_assert(H.skel, "vxbpf__open: %s", strerror(errno));
	progs_select(criterion_current_test->category, criterion_current_test->name);
	/* As the loader does (user/pins.c): multi-buffer from 5.18 on. */
	if (xdp_frags_supported()) {
		bpf_program__set_flags(H.skel->progs.xdp_vxlan_rx, BPF_F_XDP_HAS_FRAGS);
		bpf_program__set_flags(H.skel->progs.xdp_port_rx, BPF_F_XDP_HAS_FRAGS);
	}
	cr_assert_eq(vxbpf__load(H.skel), 0, "vxbpf__load: %s", strerror(errno));
	H.rx_fd = bpf_program__fd(H.skel->progs.xdp_vxlan_rx);
	H.port_fd = bpf_program__fd(H.skel->progs.xdp_port_rx);
	H.host_tx_fd = bpf_program__fd(H.skel->progs.tc_host_tx);
	H.host_rx_fd = bpf_program__fd(H.skel->progs.tc_host_rx);
	H.port_tc_fd = bpf_program__fd(H.skel->progs.tc_port_rx);
	H.vni_fd = bpf_map__fd(H.skel->maps.vxbpf_vni);
	H.fdb_fd = bpf_map__fd(H.skel->maps.vxbpf_fdb);
	H.vtep_fd = bpf_map__fd(H.skel->maps.vxbpf_vtep);
	H.neigh_fd = bpf_map__fd(H.skel->maps.vxbpf_neigh);
	H.active_fd = bpf_map__fd(H.skel->maps.vxbpf_active);
	H.ports_fd = bpf_map__fd(H.skel->maps.vxbpf_ports);
	H.stats_fd = bpf_map__fd(H.skel->maps.vxbpf_stats);
	H.vni_stats_fd = bpf_map__fd(H.skel->maps.vxbpf_vni_stats);
	H.dstports_fd = bpf_map__fd(H.skel->maps.vxbpf_dstports);
	/* ul0 is the attached underlay, as `vxbpf attach ul0` records it. */
	{
		__u32 one = 1, ifi = H.if_ul0;

		cr_assert_eq(bpf_map_update_elem(bpf_map__fd(H.skel->maps.vxbpf_underlay), &ifi, &one,
						 BPF_ANY), 0, "underlay map");
	}
}

bool kernel_redirects_frags(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	bool yes;

	cr_assert(btf, "kernel BTF: %s", strerror(errno));
	/* What the programs test (bpf/stats.h, XDP_REDIRECT_FRAGS). */
	yes = btf__find_by_name_kind(btf, "netdev_xdp_act", BTF_KIND_ENUM) >= 0;
	btf__free(btf);
	return yes;
}

void map_underlay(int ifindex, uint32_t flags)
{
	__u32 ifi = ifindex;

	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(H.skel->maps.vxbpf_underlay), &ifi, &flags,
					 BPF_ANY), 0, "underlay map");
}

void h_pin_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &set);
	cr_assert_eq(sched_setaffinity(0, sizeof(set), &set), 0, "sched_setaffinity");
}

void h_teardown(void)
{
	vxbpf__destroy(H.skel);
	H.skel = NULL;
}

/* ---- maps -------------------------------------------------------------- */

void addr_parse(const char *s, struct vxbpf_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (strchr(s, ':')) {
		cr_assert_eq(inet_pton(AF_INET6, s, a->b), 1, "bad address %s", s);
		return;
	}
	a->b[10] = a->b[11] = 0xff;
	cr_assert_eq(inet_pton(AF_INET, s, &a->b[12]), 1, "bad address %s", s);
}

#define UPDATE(fd, k, v)                                                                           \
	cr_assert_eq(bpf_map_update_elem(fd, k, v, BPF_ANY), 0, "update %s: %s", #fd,              \
		     strerror(errno))

/* As a writer's commit ends (user/cfg.c maps_written): what the data
 * path cached from the maps is stale. */
void maps_written(void)
{
	int fd = bpf_map__fd(H.skel->maps.vxbpf_gen);
	__u32 zero = 0;
	__u64 gen;

	cr_assert_eq(bpf_map_lookup_elem(fd, &zero, &gen), 0, "gen");
	gen++;
	UPDATE(fd, &zero, &gen);
}

void map_vni(uint32_t vni, const char *local, uint32_t flags)
{
	struct vxbpf_vni_cfg cfg = {
	    .be_dstport = htons(VXBPF_DEFAULT_PORT),
	    .srcport_min = 32768,
	    .srcport_max = 61000,
	    .ttl = 64,
	    .flags = flags | (strchr(local, ':') ? VXBPF_VNI_IPV6 : 0),
	    .slot = 0,
	};

	addr_parse(local, &cfg.local);
	map_vni_put(vni, &cfg);
	map_dstport(VXBPF_DEFAULT_PORT, 1);
}

/* As cfg_derive(): every port and allow-list entry of vni carries a
 * copy of its entry. */
static void cfg_copies_derive(uint32_t vni, const struct vxbpf_vni_cfg *cfg)
{
	struct vxbpf_vtep_key vk, vnext, *vprev = NULL;
	__u32 k, next, *prev = NULL;
	struct vxbpf_port_val v;
	struct vxbpf_vtep_val tv;

	while (!bpf_map_get_next_key(H.ports_fd, prev, &next)) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(H.ports_fd, &k, &v) || v.vni != vni)
			continue;
		v.cfg = *cfg;
		UPDATE(H.ports_fd, &k, &v);
	}
	while (!bpf_map_get_next_key(H.vtep_fd, vprev, &vnext)) {
		vk = vnext;
		vprev = &vk;
		if (vk.vni != vni || bpf_map_lookup_elem(H.vtep_fd, &vk, &tv))
			continue;
		tv.cfg = *cfg;
		UPDATE(H.vtep_fd, &vk, &tv);
	}
}

struct vxbpf_vni_cfg *map_vni_get(uint32_t vni, struct vxbpf_vni_cfg *cfg)
{
	cr_assert_eq(bpf_map_lookup_elem(H.vni_fd, &vni, cfg), 0, "vni %u missing", vni);
	return cfg;
}

void map_vni_put(uint32_t vni, const struct vxbpf_vni_cfg *cfg)
{
	UPDATE(H.vni_fd, &vni, cfg);
	cfg_copies_derive(vni, cfg);
	maps_written();
}

void map_fdb_remote(uint32_t vni, const uint8_t *mac, const char *dst, uint16_t flags)
{
	struct vxbpf_fdb_key k = {.vni = vni};
	struct vxbpf_fdb_val v = {.flags = flags};

	memcpy(k.mac, mac, 6);
	addr_parse(dst, &v.dst);
	UPDATE(H.fdb_fd, &k, &v);
	maps_written();
}

void map_fdb_local(uint32_t vni, const uint8_t *mac, int ifindex)
{
	struct vxbpf_fdb_key k = {.vni = vni};
	struct vxbpf_fdb_val v = {.flags = VXBPF_FDB_LOCAL, .ifindex = ifindex};

	memcpy(k.mac, mac, 6);
	UPDATE(H.fdb_fd, &k, &v);
	maps_written();
}

void map_vtep(uint32_t vni, const char *ip)
{
	struct vxbpf_vtep_key k = {.vni = vni};
	struct vxbpf_vtep_val v = {.refs = 1};

	addr_parse(ip, &k.ip);
	/* The copy of the VNI's entry, if it has one yet (map_vni derives
	 * it for the entries that exist when it runs). */
	bpf_map_lookup_elem(H.vni_fd, &vni, &v.cfg);
	UPDATE(H.vtep_fd, &k, &v);
	maps_written();
}

void map_neigh(uint32_t vni, const char *ip, const uint8_t *mac, uint16_t flags)
{
	struct vxbpf_neigh_key k = {.vni = vni};
	struct vxbpf_neigh_val v = {.flags = flags};

	addr_parse(ip, &k.ip);
	memcpy(v.mac, mac, 6);
	UPDATE(H.neigh_fd, &k, &v);
}

void map_port_flags(int ifindex, uint32_t vni, uint32_t flags)
{
	__u32 k = ifindex;
	struct vxbpf_port_val v = {.vni = vni, .flags = flags};

	/* The copy of the VNI's entry, if it has one yet (map_vni derives
	 * it for the ports that exist when it runs). */
	bpf_map_lookup_elem(H.vni_fd, &vni, &v.cfg);
	UPDATE(H.ports_fd, &k, &v);
	maps_written();
}

void map_port(int ifindex, uint32_t vni)
{
	map_port_flags(ifindex, vni, 0);
}

void map_dstport(uint16_t port, uint32_t users)
{
	__u32 k = port;

	UPDATE(H.dstports_fd, &k, &users);
}

struct vxbpf_vni_stats vni_stats(uint32_t slot)
{
	int n = libbpf_num_possible_cpus();
	struct vxbpf_vni_stats v[n], sum = {0};

	cr_assert_eq(bpf_map_lookup_elem(H.vni_stats_fd, &slot, v), 0, "vni_stats");
	for (int i = 0; i < n; i++) {
		sum.rx_packets += v[i].rx_packets;
		sum.rx_bytes += v[i].rx_bytes;
		sum.tx_packets += v[i].tx_packets;
		sum.tx_bytes += v[i].tx_bytes;
		sum.learn_refused += v[i].learn_refused;
	}
	return sum;
}

/* ---- running ----------------------------------------------------------- */

void stats_read_bytes(uint64_t out[VXBPF_R_MAX], uint64_t bytes[VXBPF_R_MAX])
{
	int n = libbpf_num_possible_cpus();
	struct vxbpf_counter v[n];

	for (__u32 r = 0; r < VXBPF_R_MAX; r++) {
		cr_assert_eq(bpf_map_lookup_elem(H.stats_fd, &r, v), 0, "stats[%u]", r);
		out[r] = 0;
		if (bytes)
			bytes[r] = 0;
		for (int i = 0; i < n; i++) {
			out[r] += v[i].packets;
			if (bytes)
				bytes[r] += v[i].bytes;
		}
	}
}

void stats_read(uint64_t out[VXBPF_R_MAX])
{
	stats_read_bytes(out, NULL);
}

const char *reason_name(int r)
{
	static const char *names[] = {
#define X(e, name, help) name,
	    VXBPF_REASONS(X)
#undef X
	};

	return r >= 0 && r < VXBPF_R_MAX ? names[r] : "?";
}

const char *verdict_name(int v)
{
	switch (v) {
	case XDP_ABORTED:
		return "XDP_ABORTED";
	case XDP_DROP:
		return "XDP_DROP";
	case XDP_PASS:
		return "XDP_PASS";
	case XDP_TX:
		return "XDP_TX";
	case XDP_REDIRECT:
		return "XDP_REDIRECT";
	}
	return "?";
}

int prog_run(int prog_fd, int ifindex, const struct pkt *in, struct pkt *out, uint32_t *retval)
{
	struct xdp_md ctx = {.data_end = in->len, .ingress_ifindex = ifindex};
	struct __sk_buff skb = {.ifindex = ifindex};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->b, .data_size_in = in->len,
		    .data_out = out->b, .data_size_out = sizeof(out->b), .repeat = 1);
	int err;

	if (prog_fd == H.host_tx_fd || prog_fd == H.host_rx_fd || prog_fd == H.port_tc_fd) {
		opts.ctx_in = &skb;
		opts.ctx_size_in = sizeof(skb);
	} else if (ifindex) {
		opts.ctx_in = &ctx;
		opts.ctx_size_in = sizeof(ctx);
	}
	err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (err)
		return -errno;
	out->len = opts.data_size_out;
	*retval = opts.retval;
	return 0;
}

void expect_run(const char *name, int prog_fd, int ifindex, const struct pkt *in, int verdict,
		int reason, const struct pkt *expect, struct pkt *out)
{
	uint64_t before[VXBPF_R_MAX], after[VXBPF_R_MAX], bb[VXBPF_R_MAX], ba[VXBPF_R_MAX];
	static struct pkt scratch;
	uint32_t ret = ~0U;
	int err, counted = 0, which = -1;

	if (!out)
		out = &scratch;
	stats_read_bytes(before, bb);
	err = prog_run(prog_fd, ifindex, in, out, &ret);
	cr_assert_eq(err, 0, "%s: BPF_PROG_TEST_RUN: %s", name, strerror(-err));
	stats_read_bytes(after, ba);
	for (int r = 0; r < VXBPF_R_MAX; r++) {
		if (after[r] == before[r])
			continue;
		counted += after[r] - before[r];
		which = r;
	}
	cr_expect_eq(counted, 1, "%s: %d reasons counted, want exactly 1", name, counted);
	cr_expect_eq(which, reason, "%s: reason %s, want %s", name, reason_name(which),
		     reason_name(reason));
	if (which >= 0) {
		/* Bytes: the frame as it arrived for PASS/DROP; a rewritten
		 * frame may be counted before or after the rewrite. */
		uint64_t bytes = ba[which] - bb[which];

		if (verdict == XDP_PASS || verdict == XDP_DROP)
			cr_expect_eq(bytes, in->len, "%s: %llu bytes counted, want %zu", name,
				     (unsigned long long)bytes, in->len);
		else
			cr_expect(bytes == in->len || bytes == out->len,
				  "%s: %llu bytes counted, frame %zu / %zu", name,
				  (unsigned long long)bytes, in->len, out->len);
	}
	cr_expect_eq(ret, (uint32_t)verdict, "%s: verdict %s (%u), want %s", name,
		     verdict_name(ret), ret, verdict_name(verdict));
	if (!expect && (verdict == XDP_PASS || verdict == XDP_DROP))
		expect = in; /* decided before the first write */
	if (expect)
		cr_expect(out->len == expect->len && !memcmp(out->b, expect->b, out->len),
			  "%s: output differs: %s", name,
			  pkt_diff(out->b, out->len, expect->b, expect->len));
}

/*
 * Linux vs vxbpf, field by field (tests/fixtures/README.md, "Fields that
 * legitimately differ"). Compared byte for byte: the whole frame, except
 *
 *  - IPv4 Identification: Linux's ip_select_ident() is a randomly seeded
 *    per-destination counter, not reproducible. Because of it also
 *  - the IPv4 header checksum: checked correct for the header as sent;
 *  - UDP source port: both hash the inner flow into [min, max), Linux
 *    with a key seeded at boot. Checked: within the VNI's range (and, in
 *    other tests, stable per flow and spread over flows);
 *  - UDP checksum: depends on the source port. Checked: correct by an
 *    independent recomputation and non-zero, or exactly 0 when the VNI
 *    says noudpcsum / udp6zerocsumtx;
 *
 * MACs, TTL/hop limit, TOS/traffic class, IPv6 flow label (0, as the
 * device's default `flowlabel 0`), DF, lengths, UDP destination
 * port, the VXLAN header and the inner frame must be identical.
 */
void expect_encap(const char *name, const struct pkt *out, const struct pkt *want,
			 bool zero_csum, uint16_t pmin, uint16_t pmax)
{
	static struct pkt a, b;
	bool v6;
	size_t ip = 14, udp;
	uint16_t sport;

	cr_assert_eq(out->len, want->len, "%s: length %zu, Linux %zu", name, out->len, want->len);
	v6 = get16(want->b + 12) == 0x86dd;
	cr_assert(out->len >= 14 + (v6 ? 40u : 20u) + 16, "%s: short output", name);
	udp = v6 ? ip + 40 : ip + 20;
	pkt_copy(&a, out);
	pkt_copy(&b, want);
	if (!v6) {
		for (struct pkt *p = &a; p; p = p == &a ? &b : NULL)
			memset(p->b + ip + 4, 0, 2), memset(p->b + ip + 10, 0, 2);
		cr_expect(ck_ip4_ok(out->b + ip), "%s: outer IPv4 header checksum wrong", name);
	}
	for (struct pkt *p = &a; p; p = p == &a ? &b : NULL)
		memset(p->b + udp, 0, 2), memset(p->b + udp + 6, 0, 2);
	cr_expect(!memcmp(a.b, b.b, a.len), "%s: differs from Linux: %s", name,
		  pkt_diff(a.b, a.len, b.b, b.len));

	sport = get16(out->b + udp);
	cr_expect(sport >= pmin && sport < pmax, "%s: source port %u not in [%u, %u)", name, sport,
		  pmin, pmax);
	if (zero_csum) {
		cr_expect_eq(get16(out->b + udp + 6), 0, "%s: UDP checksum 0x%04x, want 0", name,
			     get16(out->b + udp + 6));
	} else {
		cr_expect_neq(get16(out->b + udp + 6), 0, "%s: UDP checksum missing", name);
		cr_expect(ck_l4_ok(out->b + ip, v6, out->b + udp, out->len - udp, 17),
			  "%s: outer UDP checksum 0x%04x wrong", name, get16(out->b + udp + 6));
	}
}
