// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Properties of every program over frames nobody wrote by hand: valid
 * seeds (VXLAN over IPv4 and IPv6 from the underlay; unicast, ARP and
 * broadcast frames of a VM or of the host) mutated at random (bit flips,
 * truncations, length fields, VLAN tags, IPv6 extension header chains,
 * random VNIs and VTEPs), each run with BPF_PROG_TEST_RUN and checked.
 *
 * xdp_vxlan_rx, xdp_port_rx:
 *  1. exactly one reason is counted;
 *  2. a frame passed to the kernel is byte for byte the frame that came
 *     (but for the handovers to TC, which say so by their reason);
 *  3. a decapsulated frame goes to a port of the frame's own VNI, and an
 *     encapsulated one to the attached underlay, with the port's VNI and
 *     the VTEP of the destination's fdb entry;
 *  4. nothing from a VTEP outside the allow-list of a VNI that does not
 *     learn is delivered;
 *  5. the output is never longer than the input plus the outer headers.
 *
 * tc_host_tx (on host devices of two VNIs, and a device that is none):
 * exactly one reason; TC_ACT_UNSPEC (the kernel's vxlan device does it)
 * leaves the frame unchanged to the byte; a redirect is the frame
 * encapsulated by ul0 for the device's VNI to the VTEP of its
 * destination's fdb entry, the frame unchanged behind the headers.
 *
 * tc_port_rx (on six ports in four VNIs, and a device that is none)
 * copies a frame to many places, one reason for each copy sent or lost;
 * see port_tc_mutated. Its clones are sent at once, and packet sockets on
 * every port's peer and on the underlay see where: only to the ports of
 * the frame's VNI but the ingress, or encapsulated to a VTEP of the VNI;
 * as many as counted.
 *
 * tc_host_rx acts on xdp_vxlan_rx's note in the metadata, which an skb
 * test run cannot carry: it runs behind xdp_vxlan_rx as on a host (a live
 * XDP test run, tc_host_rx on ul0's ingress); see host_rx_mutated.
 *
 * "The program never reads past the frame" is the verifier's to ensure,
 * not this test's: every direct packet access is checked against
 * data_end when the program loads (an access the bounds do not cover is
 * refused, and every test here loads the programs afresh, on 6.1 in make
 * vmtest too), and the helpers that copy or sum packet bytes
 * (bpf_skb_load_bytes, bpf_xdp_load_bytes, bpf_csum_diff on a packet
 * pointer, bpf_skb_pull_data) check their range against the frame at run
 * time. It cannot be observed from here either: the test run copies
 * exactly data_size_in bytes into a zeroed buffer of its own, so nothing
 * behind the frame in ours is within any program's reach.
 *
 * The generator is deterministic: VXBPF_PROPS_SEED picks the seed (else a
 * fixed one), VXBPF_PROPS_FRAMES the number of frames per program
 * (default 100,000). A failure prints the seed and the frame's number,
 * and the input in hex, so it can be replayed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "harness.h"
#include "vxbpf.skel.h"

#define LOCAL4 "192.0.2.1"
#define LOCAL6 "2001:db8::1"

/* The configuration the properties are checked against. */
static const uint8_t MAC_P1[6] = { 0x02, 0, 0, 0, 0xd1, 0x01 }; /* on vm1, VNI 200 */
static const uint8_t MAC_P2[6] = { 0x02, 0, 0, 0, 0xd2, 0x01 }; /* on vm2, VNI 300 */
static const uint8_t MAC_P3[6] = { 0x02, 0, 0, 0, 0xd3, 0x01 }; /* on vm3, VNI 400 */
static const uint8_t MAC_R6[6] = { 0x02, 0, 0, 0, 0xd6, 0x01 }; /* VNI 400, remote */

struct local {
	uint32_t vni;
	const uint8_t *mac;
	int ifindex;
};
struct allowed {
	uint32_t vni;
	const char *ip;
};
static struct local locals[4];
static const struct allowed allow[] = {
	{ 100, "192.0.2.2" }, { 200, "192.0.2.3" }, { 400, "2001:db8::2" },
};
static int if_vm[4]; /* ports: vm0 (100), vm1 (200), vm2 (300), vm3 (400) */

static void props_config(void)
{
	h_ip("link add vm1 type veth peer name vm1p\n"
	     "link add vm2 type veth peer name vm2p\n"
	     "link add vm3 type veth peer name vm3p\n"
	     "link set vm1 up\nlink set vm1p up\nlink set vm2 up\nlink set vm2p up\n"
	     "link set vm3 up\nlink set vm3p up\n");
	if_vm[0] = H.if_vm0;
	if_vm[1] = if_nametoindex("vm1");
	if_vm[2] = if_nametoindex("vm2");
	if_vm[3] = if_nametoindex("vm3");
	cr_assert(if_vm[1] && if_vm[2] && if_vm[3], "extra ports missing");

	map_vni(100, LOCAL4, VXBPF_VNI_PROXY);
	map_vni(200, LOCAL4, 0);
	map_vni(300, LOCAL4, VXBPF_VNI_LEARNING);
	map_vni(400, LOCAL6, 0);
	map_port(if_vm[0], 100);
	map_port(if_vm[1], 200);
	map_port(if_vm[2], 300);
	map_port(if_vm[3], 400);
	locals[0] = (struct local){ 100, MAC_VM1, if_vm[0] };
	locals[1] = (struct local){ 200, MAC_P1, if_vm[1] };
	locals[2] = (struct local){ 300, MAC_P2, if_vm[2] };
	locals[3] = (struct local){ 400, MAC_P3, if_vm[3] };
	for (int i = 0; i < 4; i++)
		map_fdb_local(locals[i].vni, locals[i].mac, locals[i].ifindex);
	map_fdb_remote(100, MAC_VM2, "192.0.2.2", 0);
	map_fdb_remote(200, MAC_OTHER, "192.0.2.3", 0);
	map_fdb_remote(400, MAC_R6, "2001:db8::2", 0);
	for (size_t i = 0; i < sizeof(allow) / sizeof(allow[0]); i++)
		map_vtep(allow[i].vni, allow[i].ip);
	map_neigh(100, "10.0.0.2", MAC_VM2, 0);
}

/* ---- the generator ----------------------------------------------------- */

static uint64_t rng;

static uint32_t rnd(void)
{
	/* xorshift64*: small, fast, and the same everywhere. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t pick(uint32_t n)
{
	return n ? rnd() % n : 0;
}

static void insert(struct pkt *p, size_t off, const uint8_t *b, size_t n)
{
	if (off > p->len || p->len + n > sizeof(p->b) - 64)
		return;
	memmove(p->b + off + n, p->b + off, p->len - off);
	memcpy(p->b + off, b, n);
	p->len += n;
}

/* Where the outer (rx) or only (tx) L3 header starts, past VLAN tags. */
static size_t l3_off(const struct pkt *p)
{
	size_t off = 12;

	while (off + 2 <= p->len && (get16(p->b + off) == 0x8100 || get16(p->b + off) == 0x88a8))
		off += 4;
	return off + 2;
}

static void mutate_one(struct pkt *p, bool rx)
{
	size_t l3 = l3_off(p), n;
	bool v6 = l3 <= p->len && l3 >= 2 && get16(p->b + l3 - 2) == 0x86dd;
	size_t udp = l3 + (v6 ? 40 : 20), vx = udp + 8;
	uint8_t tag[4] = { 0x81, 0x00, 0, 10 }, ext[8];

	switch (pick(11)) {
	case 0: /* bit flips, mostly in the headers */
	case 1:
		for (n = 1 + pick(4); n-- && p->len;) {
			size_t at = pick(3) ? pick(p->len < 160 ? p->len : 160) : pick(p->len);

			p->b[at] ^= 1 << pick(8);
		}
		break;
	case 2: /* truncation */
		p->len = pick(p->len + 1);
		break;
	case 3: { /* a length field: IPv4 tot_len, IPv6 payload_len, UDP len */
		size_t at = pick(3) == 0 ? l3 + (v6 ? 4 : 2) : udp + 4;
		uint16_t v = pick(2) ? (uint16_t)rnd() : (uint16_t)(p->len - l3 + pick(9) - 4);

		if (at + 2 <= p->len)
			put16(p->b + at, v);
		break;
	}
	case 4: /* a VNI: configured, or not */
		if (rx && vx + 8 <= p->len) {
			static const uint32_t vnis[] = { 100, 200, 300, 400, 500 };
			uint32_t v = pick(4) ? vnis[pick(5)] : rnd() & 0xffffff;

			put32(p->b + vx + 4, v << 8);
		}
		break;
	case 5: /* an outer source: allowed somewhere, or not */
		if (rx && !v6 && l3 + 16 <= p->len) {
			static const char *const srcs[] = { "192.0.2.2", "192.0.2.3", "192.0.2.9",
							    "198.51.100.7" };

			ip4_parse(srcs[pick(4)], p->b + l3 + 12);
		} else if (rx && v6 && l3 + 24 <= p->len) {
			p->b[l3 + 23] = pick(2) ? 2 : (uint8_t)rnd();
		}
		break;
	case 6: /* VLAN tags, outer or inner */
		for (n = 1 + pick(3); n--;) {
			tag[0] = pick(4) ? 0x81 : 0x88;
			tag[1] = tag[0] == 0x81 ? 0x00 : 0xa8;
			insert(p, pick(2) || !rx ? 12 : vx + 8 + 12, tag, 4);
		}
		break;
	case 7: /* an IPv6 extension header chain in front of UDP */
		if (v6 && l3 + 40 <= p->len) {
			static const uint8_t types[] = { 0, 60, 43, 44 };

			for (n = 1 + pick(3); n--;) {
				memset(ext, 0, sizeof(ext));
				ext[0] = p->b[l3 + 6]; /* next header: what was next */
				p->b[l3 + 6] = types[pick(4)];
				if (pick(2))
					ext[2] = (uint8_t)rnd(), ext[3] = (uint8_t)rnd();
				insert(p, l3 + 40, ext, 8);
				if (pick(3))
					put16(p->b + l3 + 4, get16(p->b + l3 + 4) + 8);
			}
		}
		break;
	case 8: /* IPv4 header length and options */
		if (!v6 && l3 < p->len)
			p->b[l3] = 0x40 | (pick(2) ? 5 + pick(11) : pick(16));
		break;
	case 9: /* a random byte in the headers */
		if (p->len)
			p->b[pick(p->len < 128 ? p->len : 128)] = (uint8_t)rnd();
		break;
	default: /* the VXLAN flags word */
		if (rx && vx + 4 <= p->len)
			put32(p->b + vx, pick(2) ? rnd() : 0x08000000 ^ (1u << pick(32)));
		break;
	}
}

/* ---- seeds ------------------------------------------------------------- */

#define N_SEEDS 8

static const uint8_t MAC_HOST4[6] = { 0x02, 0, 0, 0, 0xe1, 0x01 }; /* hd0, VNI 100 */
static const uint8_t MAC_HOST6[6] = { 0x02, 0, 0, 0, 0xe2, 0x01 }; /* hd1, VNI 400 */

/* to: 0 the seed's own inner destination, else 1 broadcast, 2 unknown,
 * 3 multicast, 4 the host's MAC (hd0's or hd1's). */
static void seed_rx(struct pkt *p, int which, int to)
{
	static struct pkt inner;
	struct vx_opts o = {};

	switch (which % 4) {
	case 0: /* VNI 100 to VM1 from its allowed VTEP */
		build_tcp4(&inner, MAC_VM1, MAC_VM2, 40000, 2);
		o.vni = 100;
		strcpy(o.src, "192.0.2.2");
		break;
	case 1: /* VNI 200 to its port */
		build_udp4(&inner, MAC_P1, MAC_OTHER, "10.2.0.1", 53, 40 + pick(1200));
		o.vni = 200;
		strcpy(o.src, "192.0.2.3");
		break;
	case 2: /* VNI 300 (learning) from anyone, to its port or broadcast */
		build_udp4(&inner, pick(2) ? MAC_P2 : MAC_BCAST, MAC_OTHER, "10.3.0.1", 53, 64);
		o.vni = 300;
		strcpy(o.src, "198.51.100.7");
		break;
	default: /* VNI 400 over IPv6 */
		build_tcp6(&inner, MAC_P3, MAC_R6, 40001);
		o.vni = 400;
		o.v6 = true;
		strcpy(o.src, "2001:db8::2");
		strcpy(o.dst, LOCAL6);
		break;
	}
	if (to) {
		static const uint8_t mcast[6] = { 0x01, 0, 0x5e, 0, 0, 1 };
		const uint8_t *const dsts[] = { MAC_BCAST, MAC_OTHER, mcast,
						o.v6 ? MAC_HOST6 : MAC_HOST4 };

		memcpy(inner.b, dsts[(to - 1) & 3], 6);
	}
	if (!o.v6)
		strcpy(o.dst, LOCAL4);
	o.ck = pick(3) ? CK_OK : CK_ZERO;
	if (o.v6)
		o.ck = CK_OK;
	build_vxlan(p, &o, &inner);
}

static void seed_tx(struct pkt *p, int which)
{
	switch (which % 4) {
	case 0:
		build_tcp4(p, MAC_VM2, MAC_VM1, 40000 + pick(100), 0);
		break;
	case 1:
		build_udp4(p, MAC_VM2, MAC_VM1, "10.0.0.2", 53, pick(1500));
		break;
	case 2: { /* ARP request for 10.0.0.2 (the proxy answers) */
		static const uint8_t arp[28] = { 0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0xaa, 1,
						 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2 };

		memcpy(p->b, MAC_BCAST, 6);
		memcpy(p->b + 6, MAC_VM1, 6);
		put16(p->b + 12, 0x0806);
		memcpy(p->b + 14, arp, sizeof(arp));
		p->len = 14 + sizeof(arp);
		break;
	}
	default:
		build_tcp6(p, pick(2) ? MAC_VM2 : MAC_BCAST, MAC_VM1, 40002);
		break;
	}
}

/* ---- checks ------------------------------------------------------------ */

/* The VXLAN frame's VNI, outer source and inner frame offset, read the
 * way a strict receiver reads it; false if it is not plain VXLAN. */
static bool vxlan_parse(const struct pkt *p, uint32_t *vni, struct vxbpf_addr *src, size_t *inner)
{
	size_t l3 = l3_off(p), udp;
	uint16_t proto;

	if (l3 > p->len)
		return false;
	proto = get16(p->b + l3 - 2);
	memset(src, 0, sizeof(*src));
	if (proto == 0x0800) {
		if (l3 + 20 > p->len || (p->b[l3] >> 4) != 4 || p->b[l3 + 9] != 17)
			return false;
		udp = l3 + (p->b[l3] & 15) * 4;
		src->b[10] = src->b[11] = 0xff;
		memcpy(&src->b[12], p->b + l3 + 12, 4);
	} else if (proto == 0x86dd) {
		uint8_t nh;

		if (l3 + 40 > p->len)
			return false;
		memcpy(src->b, p->b + l3 + 8, 16);
		nh = p->b[l3 + 6];
		udp = l3 + 40;
		while (nh == 0 || nh == 60 || nh == 43) {
			if (udp + 8 > p->len)
				return false;
			nh = p->b[udp];
			udp += 8 + p->b[udp + 1] * 8;
		}
		if (nh != 17)
			return false;
	} else {
		return false;
	}
	if (udp + 16 > p->len || get16(p->b + udp + 2) != 4789)
		return false;
	*vni = get32(p->b + udp + 12) >> 8;
	*inner = udp + 16;
	return true;
}

static bool is_allowed(uint32_t vni, const struct vxbpf_addr *src)
{
	struct vxbpf_addr a;

	for (size_t i = 0; i < sizeof(allow) / sizeof(allow[0]); i++) {
		addr_parse(allow[i].ip, &a);
		if (allow[i].vni == vni && !memcmp(&a, src, sizeof(a)))
			return true;
	}
	return false;
}

static const struct local *local_of(uint32_t vni, const uint8_t *mac)
{
	for (int i = 0; i < 4; i++)
		if (locals[i].vni == vni && !memcmp(locals[i].mac, mac, 6))
			return &locals[i];
	return NULL;
}

/* The per-CPU reason counters, summed over CPUs: one batch call (one
 * lookup per reason where the kernel has no batch for arrays). */
static void reasons_read(uint64_t out[VXBPF_R_MAX])
{
	static int ncpu;
	static struct vxbpf_counter *vals;
	static __u32 keys[VXBPF_R_MAX];
	__u32 count = VXBPF_R_MAX, out_batch;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	if (!vals) {
		ncpu = libbpf_num_possible_cpus();
		vals = calloc((size_t)ncpu * VXBPF_R_MAX, sizeof(*vals));
		cr_assert(vals);
	}
	if (bpf_map_lookup_batch(H.stats_fd, NULL, &out_batch, keys, vals, &count, &opts) &&
	    (errno != ENOENT || count != VXBPF_R_MAX)) {
		stats_read(out);
		return;
	}
	for (__u32 k = 0; k < VXBPF_R_MAX; k++) {
		out[k] = 0;
		for (int c = 0; c < ncpu; c++)
			out[k] += vals[k * ncpu + c].packets;
	}
}

static const char *hex(const struct pkt *p)
{
	static char s[PKT_MAX * 2 + 1];
	size_t n = p->len < PKT_MAX ? p->len : PKT_MAX;

	for (size_t i = 0; i < n; i++)
		sprintf(s + 2 * i, "%02x", p->b[i]);
	s[2 * n] = 0;
	return s;
}

static unsigned long env_ul(const char *name, unsigned long dflt)
{
	const char *s = getenv(name);

	return s && *s ? strtoul(s, NULL, 0) : dflt;
}

/* The reasons whose XDP_PASS hands a rewritten frame to TC on purpose. */
static bool handover(int reason)
{
	return reason == VXBPF_R_RX_FLOOD || reason == VXBPF_R_RX_HOST;
}

static void run_props(bool rx)
{
	static struct pkt in, out;
	uint64_t seed = env_ul("VXBPF_PROPS_SEED", 0x5eed5eedULL), frames, i;
	uint64_t r0[VXBPF_R_MAX], r1[VXBPF_R_MAX], counted;
	unsigned long kept = 0, delivered = 0;
	int prog = rx ? H.rx_fd : H.port_fd, ifindex = rx ? 0 : H.if_vm0;

	frames = env_ul("VXBPF_PROPS_FRAMES", 100000);
	rng = seed ^ (rx ? 0x1111 : 0x2222);
	if (!rng)
		rng = 1;
	props_config();
	reasons_read(r0);
	for (i = 0; i < frames; i++) {
		uint32_t ret = 0, vni;
		struct vxbpf_addr src;
		size_t inner;
		int reason = -1, err;

		memset(&in, 0, sizeof(in));
		if (rx)
			seed_rx(&in, pick(N_SEEDS), 0);
		else
			seed_tx(&in, pick(N_SEEDS));
		for (int m = pick(4); m--;)
			mutate_one(&in, rx);
		/* The kernel hands XDP no frame shorter than a header. */
		if (in.len < 14)
			in.len = 14;
		err = prog_run(prog, ifindex, &in, &out, &ret);
		cr_assert_eq(err, 0, "seed %#llx frame %llu: BPF_PROG_TEST_RUN: %s",
			     (unsigned long long)seed, (unsigned long long)i, strerror(-err));
		reasons_read(r1);
		counted = 0;
		for (int r = 0; r < VXBPF_R_MAX; r++) {
			counted += r1[r] - r0[r];
			if (r1[r] != r0[r])
				reason = r;
		}
		memcpy(r0, r1, sizeof(r0));
		if (counted != 1)
			cr_assert_fail("seed %#llx frame %llu: %llu reasons counted, want 1; in %s",
				       (unsigned long long)seed, (unsigned long long)i,
				       (unsigned long long)counted, hex(&in));

		if (ret == XDP_PASS && !handover(reason)) {
			if (out.len != in.len || memcmp(out.b, in.b, in.len))
				cr_assert_fail("seed %#llx frame %llu: passed (%s) but changed: %s; in %s",
					       (unsigned long long)seed, (unsigned long long)i,
					       reason_name(reason),
					       pkt_diff(out.b, out.len, in.b, in.len), hex(&in));
			kept++;
		}
		if (out.len > in.len + 128)
			cr_assert_fail("seed %#llx frame %llu: output %zu bytes for %zu in",
				       (unsigned long long)seed, (unsigned long long)i, out.len, in.len);

		if (rx && (ret == XDP_REDIRECT || (ret == XDP_PASS && handover(reason)))) {
			const struct local *l;

			delivered++;
			if (!vxlan_parse(&in, &vni, &src, &inner))
				cr_assert_fail("seed %#llx frame %llu: delivered (%s) what is not plain VXLAN: %s",
					       (unsigned long long)seed, (unsigned long long)i,
					       reason_name(reason), hex(&in));
			if (vni != 300 && !is_allowed(vni, &src))
				cr_assert_fail("seed %#llx frame %llu: vni %u delivered from a VTEP off its allow-list; in %s",
					       (unsigned long long)seed, (unsigned long long)i, vni,
					       hex(&in));
			l = out.len >= 14 ? local_of(vni, out.b) : NULL;
			if (ret == XDP_REDIRECT && !l)
				cr_assert_fail("seed %#llx frame %llu: decapsulated to a MAC that is no port's of vni %u; in %s",
					       (unsigned long long)seed, (unsigned long long)i, vni,
					       hex(&in));
		}
		if (!rx && ret == XDP_REDIRECT && reason == VXBPF_R_TX_ENCAP) {
			struct vxbpf_addr osrc;
			size_t inner_off;

			delivered++;
			if (!vxlan_parse(&out, &vni, &osrc, &inner_off) || vni != 100 ||
			    memcmp(out.b + 6, MAC_UL_A, 6) ||
			    inner_off + 6 > out.len || memcmp(out.b + inner_off, MAC_VM2, 6))
				cr_assert_fail("seed %#llx frame %llu: encapsulated not as vni 100 from ul0 to VM2's VTEP; in %s",
					       (unsigned long long)seed, (unsigned long long)i, hex(&in));
		}
		if (!rx && ret == XDP_REDIRECT && reason == VXBPF_R_TX_LOCAL &&
		    (out.len < 14 || !local_of(100, out.b)))
			cr_assert_fail("seed %#llx frame %llu: switched to a MAC that is no port's of vni 100; in %s",
				       (unsigned long long)seed, (unsigned long long)i, hex(&in));
	}
	cr_log_info("%s: %llu frames, seed %#llx: %lu passed unchanged, %lu delivered",
		    rx ? "xdp_vxlan_rx" : "xdp_port_rx", (unsigned long long)frames,
		    (unsigned long long)seed, kept, delivered);
	/* The generator reaches both ends: not everything is refused. */
	cr_expect(kept > frames / 100, "only %lu frames passed", kept);
	cr_expect(delivered > frames / 100, "only %lu frames delivered", delivered);
}

Test(props, vxlan_rx_mutated, .init = h_setup, .fini = h_teardown, .timeout = 600)
{
	run_props(true);
}

Test(props, port_rx_mutated, .init = h_setup, .fini = h_teardown, .timeout = 600)
{
	run_props(false);
}

/* ---- the TC programs ---------------------------------------------------- */

/*
 * The TC programs' configuration, on top of props_config(): two more ports
 * (vm4 in VNI 100, vm5 in VNI 300) so a flood has somewhere to copy to;
 * each VNI's port list with a stale element (a port of another VNI, as a
 * list read while an update reuses it can hold); flood lists with a
 * remote that is no VTEP of the VNI; and two host devices (hd0: VNI 100
 * over IPv4, hd1: VNI 400 over IPv6). MTU 9000 everywhere: every mutated
 * frame fits, so no copy is lost to the MTU on its way to a socket and
 * the count of copies seen can be exact.
 */
static int if_vm4, if_vm5, if_hd0, if_hd1;

/* Where a copy of VNI vni may go encapsulated: its VTEPs, with the
 * neighbour's MAC. */
struct vtep_of {
	uint32_t vni;
	const char *ip;
	uint8_t mac_last; /* 02:00:00:00:xx:01 */
};
static const struct vtep_of tc_vteps[] = {
	{ 100, "192.0.2.2", 2 }, { 200, "192.0.2.3", 3 }, { 300, "192.0.2.2", 2 },
	{ 300, "192.0.2.3", 3 }, { 400, "2001:db8::2", 2 },
};

static void hostdev(int ifindex, uint32_t vni)
{
	struct vxbpf_hostdev v = { .vni = vni };
	__u32 k = ifindex;

	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(H.skel->maps.vxbpf_hostdevs), &k, &v, BPF_ANY),
		     0, "hostdevs update");
}

static void ports_list(uint32_t vni, const int *ifs, int n)
{
	struct vxbpf_vni_ports v = { .n = n };

	for (int i = 0; i < n; i++)
		v.ifindex[i] = ifs[i];
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(H.skel->maps.vxbpf_vni_ports), &vni, &v, 0),
		     0, "vni_ports");
}

static void flood_list(uint32_t vni, const char *const *ips, int n)
{
	static struct vxbpf_remotes r;
	struct vxbpf_fdb_key k = { .vni = vni }; /* the all-zero MAC: the flood list */

	memset(&r, 0, sizeof(r));
	for (int i = 0; i < n; i++)
		addr_parse(ips[i], &r.r[r.n++].dst);
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(H.skel->maps.vxbpf_remotes), &k, &r, 0), 0,
		     "remotes");
}

static void tc_config(void)
{
	props_config();
	h_ip("link add vm4 type veth peer name vm4p\n"
	     "link add vm5 type veth peer name vm5p\n"
	     "link add hd0 type veth peer name hd0p\n"
	     "link add hd1 type veth peer name hd1p\n"
	     "link set vm4 up\nlink set vm4p up\nlink set vm5 up\nlink set vm5p up\n"
	     "link set hd0 up\nlink set hd0p up\nlink set hd1 up\nlink set hd1p up\n"
	     "neigh add 192.0.2.3 lladdr 02:00:00:00:03:01 dev ul0 nud permanent\n"
	     "link set ul0 mtu 9000\nlink set ulp mtu 9000\n"
	     "link set vm0 mtu 9000\nlink set vm0p mtu 9000\nlink set vm1 mtu 9000\n"
	     "link set vm1p mtu 9000\nlink set vm2 mtu 9000\nlink set vm2p mtu 9000\n"
	     "link set vm3 mtu 9000\nlink set vm3p mtu 9000\nlink set vm4 mtu 9000\n"
	     "link set vm4p mtu 9000\nlink set vm5 mtu 9000\nlink set vm5p mtu 9000\n");
	if_vm4 = if_nametoindex("vm4");
	if_vm5 = if_nametoindex("vm5");
	if_hd0 = if_nametoindex("hd0");
	if_hd1 = if_nametoindex("hd1");
	cr_assert(if_vm4 && if_vm5 && if_hd0 && if_hd1, "TC devices missing");
	map_port(if_vm4, 100);
	map_port(if_vm5, 300);
	ports_list(100, (int[]){ if_vm[0], if_vm4, if_vm[2] }, 3);
	ports_list(200, (int[]){ if_vm[1] }, 1);
	ports_list(300, (int[]){ if_vm[2], if_vm5, if_vm[1] }, 3);
	ports_list(400, (int[]){ if_vm[3] }, 1);
	flood_list(100, (const char *const[]){ "192.0.2.2", "192.0.2.9" }, 2);
	flood_list(200, (const char *const[]){ "192.0.2.3" }, 1);
	flood_list(300, (const char *const[]){ "192.0.2.2", "192.0.2.3" }, 2);
	flood_list(400, (const char *const[]){ "2001:db8::2" }, 1);
	map_vtep(300, "192.0.2.2");
	map_vtep(300, "192.0.2.3");
	hostdev(if_hd0, 100);
	hostdev(if_hd1, 400);
}

/* The VNI of a port, 0 if the device is none. */
static uint32_t port_vni(int ifindex)
{
	for (int i = 0; i < 4; i++)
		if (if_vm[i] == ifindex)
			return locals[i].vni;
	return ifindex == if_vm4 ? 100 : ifindex == if_vm5 ? 300 : 0;
}

/*
 * f is inner (the frame as it came) encapsulated for VNI vni by the
 * attached underlay: the outer source MAC is ul0's, the outer destination
 * a VTEP of the VNI with its neighbour's MAC, the inner frame unchanged.
 * want_dst, if set, is the only VTEP it may go to. NULL if so, else what
 * is wrong.
 */
static const char *encap_wrong(const struct pkt *f, const struct pkt *inner, uint32_t vni,
			       const char *want_dst)
{
	struct vxbpf_addr src, dst, a;
	uint32_t got_vni;
	size_t inner_off;
	bool v6;

	if (f->len < 14)
		return "short";
	v6 = get16(f->b + 12) == 0x86dd;
	if (f->len != inner->len + (v6 ? 70 : 50) || memcmp(f->b + f->len - inner->len, inner->b,
							    inner->len))
		return "not the frame behind outer headers";
	if (memcmp(f->b + 6, MAC_UL_A, 6))
		return "outer source MAC not ul0's";
	if (!vxlan_parse(f, &got_vni, &src, &inner_off) || inner_off != f->len - inner->len)
		return "not plain VXLAN";
	if (got_vni != vni)
		return "another VNI";
	memset(&dst, 0, sizeof(dst));
	if (v6) {
		memcpy(dst.b, f->b + 14 + 24, 16);
	} else {
		dst.b[10] = dst.b[11] = 0xff;
		memcpy(&dst.b[12], f->b + 14 + 16, 4);
	}
	for (size_t i = 0; i < sizeof(tc_vteps) / sizeof(tc_vteps[0]); i++) {
		addr_parse(tc_vteps[i].ip, &a);
		if (tc_vteps[i].vni != vni || memcmp(&a, &dst, sizeof(a)))
			continue;
		if (want_dst) {
			struct vxbpf_addr w;

			addr_parse(want_dst, &w);
			if (memcmp(&w, &dst, sizeof(w)))
				return "not the VTEP of the destination's fdb entry";
		}
		if (memcmp(f->b, (uint8_t[]){ 2, 0, 0, 0, tc_vteps[i].mac_last, 1 }, 6))
			return "outer destination MAC not the VTEP's neighbour";
		return NULL;
	}
	return "to no VTEP of the VNI";
}

/* The reasons counted since r0 (then r0 is brought up to date): how many,
 * each one's count in d, and the last one's number. */
static uint64_t reasons_delta(uint64_t r0[VXBPF_R_MAX], uint64_t d[VXBPF_R_MAX], int *which)
{
	uint64_t r1[VXBPF_R_MAX], n = 0;

	reasons_read(r1);
	*which = -1;
	for (int r = 0; r < VXBPF_R_MAX; r++) {
		d[r] = r1[r] - r0[r];
		n += d[r];
		if (d[r])
			*which = r;
	}
	memcpy(r0, r1, sizeof(r1));
	return n;
}

/*
 * Newer kernels' skb test run refuses an IPv4 or IPv6 frame too short for
 * its IP header (EINVAL; 6.18 does, 6.1 does not): such a frame is not
 * run there, and counted as refused.
 */
static bool skb_refused(const struct pkt *p)
{
	uint16_t proto = get16(p->b + 12);

	return (proto == 0x0800 && p->len < 14 + 20) || (proto == 0x86dd && p->len < 14 + 40);
}

#define PFAIL(fmt, ...)                                                                            \
	cr_assert_fail("seed %#llx frame %llu: " fmt "; in %s", (unsigned long long)seed,          \
		       (unsigned long long)i, __VA_ARGS__, hex(&in))

/* Somewhere else to send a VM's or the host's frame: every kind of entry. */
static void retarget(struct pkt *p)
{
	static const uint8_t mcast[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	const uint8_t *const dsts[] = { MAC_P1, MAC_P2, MAC_P3, MAC_R6, MAC_VM1,
					MAC_VM2, MAC_OTHER, MAC_BCAST, mcast };

	if (p->len >= 6)
		memcpy(p->b, dsts[pick(sizeof(dsts) / sizeof(dsts[0]))], 6);
}

/*
 * tc_host_tx on a host device (or on a device that is none): exactly one
 * reason; TC_ACT_UNSPEC leaves the frame to the kernel's vxlan device
 * unchanged to the byte; a redirect is the frame encapsulated for the
 * device's VNI, by ul0, to the VTEP of its destination's fdb entry.
 */
Test(props, host_tx_mutated, .init = h_setup, .fini = h_teardown, .timeout = 600)
{
	static struct pkt in, out;
	uint64_t seed = env_ul("VXBPF_PROPS_SEED", 0x5eed5eedULL), frames, i;
	uint64_t r0[VXBPF_R_MAX], d[VXBPF_R_MAX], counted;
	unsigned long kept = 0, delivered = 0, refused = 0;

	frames = env_ul("VXBPF_PROPS_FRAMES", 100000);
	rng = seed ^ 0x3333;
	tc_config();
	reasons_read(r0);
	for (i = 0; i < frames; i++) {
		uint32_t ret = 0, dev = pick(5), vni;
		int ifindex = dev < 2 ? if_hd0 : dev < 4 ? if_hd1 : H.if_vm0p, reason, err;
		const char *wrong, *dst;

		memset(&in, 0, sizeof(in));
		seed_tx(&in, pick(N_SEEDS));
		/* hd1's VNI has its remote MAC, a frame to VM2 its local one. */
		if (ifindex == if_hd1 && in.b[0] == 0x02)
			memcpy(in.b, MAC_R6, 6);
		if (!pick(4))
			retarget(&in);
		for (int m = pick(4); m--;)
			mutate_one(&in, false);
		if (in.len < 14)
			in.len = 14;
		err = prog_run(H.host_tx_fd, ifindex, &in, &out, &ret);
		if (err == -EINVAL && skb_refused(&in)) {
			refused++;
			continue;
		}
		if (err)
			PFAIL("BPF_PROG_TEST_RUN: %s", strerror(-err));
		counted = reasons_delta(r0, d, &reason);
		if (counted != 1)
			PFAIL("%llu reasons counted, want 1", (unsigned long long)counted);
		if (ret == (uint32_t)TC_ACT_UNSPEC) {
			if (out.len != in.len || memcmp(out.b, in.b, in.len))
				PFAIL("left to the kernel (%s) but changed: %s", reason_name(reason),
				      pkt_diff(out.b, out.len, in.b, in.len));
			kept++;
		} else if (ret == TC_ACT_REDIRECT) {
			vni = ifindex == if_hd0 ? 100 : 400;
			dst = vni == 100 ? "192.0.2.2" : "2001:db8::2";
			if (reason != VXBPF_R_TX_HOST_ENCAP || ifindex == H.if_vm0p)
				PFAIL("redirected as %s from ifindex %d", reason_name(reason), ifindex);
			if (memcmp(in.b, vni == 100 ? MAC_VM2 : MAC_R6, 6))
				PFAIL("redirected a frame for a MAC with no remote entry in vni %u", vni);
			wrong = encap_wrong(&out, &in, vni, dst);
			if (wrong)
				PFAIL("encapsulated wrong: %s; out %zu bytes", wrong, out.len);
			delivered++;
		} else if (ret != TC_ACT_SHOT) {
			PFAIL("verdict %u", ret);
		}
	}
	cr_log_info("tc_host_tx: %llu frames, seed %#llx: %lu passed unchanged, %lu encapsulated, %lu refused by the test run",
		    (unsigned long long)frames, (unsigned long long)seed, kept, delivered, refused);
	cr_expect(kept > frames / 100, "only %lu frames passed", kept);
	cr_expect(delivered > frames / 100, "only %lu frames encapsulated", delivered);
}

/* ---- copies on the wire ---- */

/* A packet socket on each port's peer and on ulp: where the clones of
 * bpf_clone_redirect arrive (they are sent at once, by the test run). */
struct sniffer {
	int fd;
	int port;	  /* the port whose egress this is, else 0 */
	uint32_t host_vni; /* a host device's VNI, else 0 */
	bool ul;	  /* the underlay */
	const char *name;
};
#define N_SN 9
static struct sniffer sn[N_SN];

static void sniffers_open(void)
{
	static const char *const names[N_SN] = { "vm0p", "vm1p", "vm2p", "vm3p", "vm4p",
						 "vm5p", "ulp",	 "hd0",	 "hd1" };

	for (int k = 0; k < N_SN; k++) {
		struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
		int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));

		cr_assert(fd >= 0, "packet socket: %s", strerror(errno));
		sll.sll_ifindex = if_nametoindex(names[k]);
		cr_assert_eq(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0, "bind %s", names[k]);
		cr_assert_eq(setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &(int){ 1 }, sizeof(int)), 0,
			     "PACKET_AUXDATA");
		sn[k] = (struct sniffer){ .fd = fd, .name = names[k] };
		if (k < 4)
			sn[k].port = if_vm[k];
		else if (k < 6)
			sn[k].port = k == 4 ? if_vm4 : if_vm5;
		else if (k == 6)
			sn[k].ul = true;
		else
			sn[k].host_vni = k == 7 ? 100 : 400;
	}
}

/*
 * The receiving device took the outer VLAN tag off (skb_vlan_untag, before
 * the packet taps): the socket has it aside, put it back where it was.
 */
static void vlan_restore(struct msghdr *msg, struct pkt *f)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		struct tpacket_auxdata a;
		uint8_t tag[4];

		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
			continue;
		memcpy(&a, CMSG_DATA(c), sizeof(a));
		if (!(a.tp_status & TP_STATUS_VLAN_VALID) || f->len < 12)
			continue;
		put16(tag, a.tp_status & TP_STATUS_VLAN_TPID_VALID ? a.tp_vlan_tpid : 0x8100);
		put16(tag + 2, a.tp_vlan_tci);
		memmove(f->b + 16, f->b + 12, f->len - 12);
		memcpy(f->b + 12, tag, 4);
		f->len += 4;
	}
}

/* The next frame that arrived on sniffer k, not counting what its
 * device sent itself; false when there is none (yet). */
static bool sniff_one(int k, struct pkt *f)
{
	for (;;) {
		struct sockaddr_ll from;
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		} cbuf;
		struct iovec iov = { .iov_base = f->b, .iov_len = sizeof(f->b) - 4 };
		struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof(from),
				      .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = &cbuf, .msg_controllen = sizeof(cbuf) };
		ssize_t n = recvmsg(sn[k].fd, &msg, 0);

		if (n < 0)
			return false;
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		f->len = n;
		vlan_restore(&msg, f);
		return true;
	}
}

static void sniffers_wait(int ms)
{
	struct pollfd p[N_SN];

	for (int k = 0; k < N_SN; k++)
		p[k] = (struct pollfd){ .fd = sn[k].fd, .events = POLLIN };
	poll(p, N_SN, ms);
}

/*
 * Read what arrived since the last call; count the copies of in (the
 * frame itself on a port's peer, the frame encapsulated on ulp) and say
 * what is wrong with any: a copy to a port of another VNI or back to the
 * ingress port, a copy on the underlay not for a VTEP of the VNI. The
 * rest (a device's own IPv6 chatter) is not ours.
 */
static const char *copies_read(const struct pkt *in, uint32_t vni, int ingress,
			       unsigned *ports, unsigned *vteps)
{
	static struct pkt f;
	static char why[160];

	for (int k = 0; k < N_SN; k++) {
		while (sniff_one(k, &f)) {
			const char *wrong;

			if (f.len == in->len && !memcmp(f.b, in->b, in->len)) {
				if (!sn[k].port || port_vni(sn[k].port) != vni ||
				    sn[k].port == ingress) {
					snprintf(why, sizeof(why), "a copy to %s (vni %u)", sn[k].name,
						 port_vni(sn[k].port));
					return why;
				}
				++*ports;
			} else if (f.len >= in->len + 50 &&
				   !memcmp(f.b + f.len - in->len, in->b, in->len)) {
				wrong = !sn[k].ul ? "encapsulated off the underlay"
						  : encap_wrong(&f, in, vni, NULL);
				if (wrong) {
					snprintf(why, sizeof(why), "copy on %s: %s", sn[k].name, wrong);
					return why;
				}
				++*vteps;
			}
		}
	}
	return NULL;
}

/* A port's peer drops a frame that says VLAN but is too short for the
 * tag (skb_vlan_untag) before any socket sees it: such copies may not
 * arrive, for no fault of the program. */
static bool untag_drops(const uint8_t *frame, size_t len)
{
	uint16_t proto = get16(frame + 12);

	return (proto == 0x8100 || proto == 0x88a8) && len < 14 + 4 + 2;
}

/* Wait up to 1 s for the copies expected (the backlog of a veth peer
 * runs in a softirq, which may be ksoftirqd's on a busy machine); count
 * what came. */
static const char *copies_wait(const struct pkt *in, uint32_t vni, int ingress,
			       unsigned want_ports, unsigned want_vteps, unsigned *ports,
			       unsigned *vteps)
{
	const char *wrong;

	*ports = *vteps = 0;
	wrong = copies_read(in, vni, ingress, ports, vteps);
	for (int t = 0; !wrong && (*ports < want_ports || *vteps < want_vteps) && t < 100; t++) {
		sniffers_wait(10);
		wrong = copies_read(in, vni, ingress, ports, vteps);
	}
	return wrong;
}

static bool tc_tx_reason(int r)
{
	switch (r) {
	case VXBPF_R_TX_COPY_PORT:
	case VXBPF_R_TX_COPY_VTEP:
	case VXBPF_R_TX_COPY_ERR:
	case VXBPF_R_TX_COPY_FIB:
	case VXBPF_R_TX_COPY_MTU:
	case VXBPF_R_TX_COPY_GSO:
	case VXBPF_R_TX_COPY_VLAN:
	case VXBPF_R_TX_COPY_FRAGS:
	case VXBPF_R_TX_HAIRPIN:
	case VXBPF_R_TX_FLOOD_NONE:
	case VXBPF_R_TX_PROXY_CONSUMED:
		return true;
	}
	return false;
}

/*
 * tc_port_rx on a port (or on a device that is none): it makes copies,
 * one reason counted for each (sent or lost), so not exactly one reason a
 * run; instead:
 *  - TC_ACT_UNSPEC (not a port, a VNI the kernel floods, no Ethernet
 *    header): nothing counted, the frame unchanged;
 *  - anything else: at least one reason, all of them replication's;
 *  - every clone that arrives is the frame itself on the peer of a port
 *    of its VNI other than the ingress port, or the frame encapsulated by
 *    ul0 for its VNI to a VTEP of the VNI, and the clones seen are exactly
 *    the copies counted sent (tx_copy_port + tx_copy_vtep), less the
 *    original that a redirect takes;
 *  - the original a redirect takes is the frame unchanged (to a port:
 *    which one the test run does not say) or encapsulated as a clone is.
 */
Test(props, port_tc_mutated, .init = h_setup, .fini = h_teardown, .timeout = 600)
{
	static struct pkt in, out;
	uint64_t seed = env_ul("VXBPF_PROPS_SEED", 0x5eed5eedULL), frames, i;
	uint64_t r0[VXBPF_R_MAX], d[VXBPF_R_MAX], counted;
	unsigned long untouched = 0, redirected = 0, clones = 0, refused = 0;

	frames = env_ul("VXBPF_PROPS_FRAMES", 100000);
	rng = seed ^ 0x4444;
	tc_config();
	sniffers_open();
	reasons_read(r0);
	for (i = 0; i < frames; i++) {
		static const int *const ingress_of[] = { &if_vm[0], &if_vm[1], &if_vm[2], &if_vm[3],
							 &if_vm4, &if_vm5, &if_hd0 };
		int ingress = *ingress_of[pick(7)], reason, err;
		uint32_t ret = 0, vni = port_vni(ingress);
		unsigned want_ports, want_vteps, ports, vteps, got;
		bool orig_vtep;
		const char *wrong;

		memset(&in, 0, sizeof(in));
		seed_tx(&in, pick(N_SEEDS));
		if (pick(2))
			retarget(&in);
		for (int m = pick(4); m--;)
			mutate_one(&in, false);
		if (in.len < 14)
			in.len = 14;
		err = prog_run(H.port_tc_fd, ingress, &in, &out, &ret);
		if (err == -EINVAL && skb_refused(&in)) {
			refused++;
			continue;
		}
		if (err)
			PFAIL("BPF_PROG_TEST_RUN: %s", strerror(-err));
		counted = reasons_delta(r0, d, &reason);
		if (ret == (uint32_t)TC_ACT_UNSPEC) {
			if (counted)
				PFAIL("left to the kernel, but %llu reasons counted (%s)",
				      (unsigned long long)counted, reason_name(reason));
			if (out.len != in.len || memcmp(out.b, in.b, in.len))
				PFAIL("left to the kernel but changed: %s",
				      pkt_diff(out.b, out.len, in.b, in.len));
			if (vni)
				PFAIL("a frame of port %d (vni %u) left to the kernel", ingress, vni);
			untouched++;
		} else if (ret != TC_ACT_REDIRECT && ret != TC_ACT_SHOT) {
			PFAIL("verdict %u", ret);
		} else {
			if (!counted)
				PFAIL("verdict %u, nothing counted", ret);
			for (int r = 0; r < VXBPF_R_MAX; r++)
				if (d[r] && !tc_tx_reason(r))
					PFAIL("%s counted", reason_name(r));
		}
		if (ret == TC_ACT_REDIRECT) {
			redirected++;
			if (!(out.len == in.len && !memcmp(out.b, in.b, in.len)) &&
			    (wrong = encap_wrong(&out, &in, vni, NULL)))
				PFAIL("redirected, but the original is neither the frame nor its encapsulation: %s",
				      wrong);
		}
		/* The clones: the copies counted sent, but the original. */
		orig_vtep = ret == TC_ACT_REDIRECT && !(out.len == in.len && !memcmp(out.b, in.b, in.len));
		want_ports = d[VXBPF_R_TX_COPY_PORT] - (ret == TC_ACT_REDIRECT && !orig_vtep);
		want_vteps = d[VXBPF_R_TX_COPY_VTEP] - orig_vtep;
		if (d[VXBPF_R_TX_COPY_FRAGS]) /* MTU 9000: not expected, not matched */
			PFAIL("%s counted", reason_name(VXBPF_R_TX_COPY_FRAGS));
		wrong = copies_wait(&in, vni, ingress, untag_drops(in.b, in.len) ? 0 : want_ports, want_vteps,
				    &ports, &vteps);
		if (wrong)
			PFAIL("%s", wrong);
		if (vteps != want_vteps || ports > want_ports ||
		    (ports != want_ports && !untag_drops(in.b, in.len)))
			PFAIL("%u/%u copies to ports/VTEPs arrived, %u/%u counted sent (verdict %u, ingress %d)",
			      ports, vteps, want_ports, want_vteps, ret, ingress);
		got = ports + vteps;
		clones += got;
	}
	cr_log_info("tc_port_rx: %llu frames, seed %#llx: %lu left to the kernel, %lu redirected, %lu clones, %lu refused by the test run",
		    (unsigned long long)frames, (unsigned long long)seed, untouched, redirected,
		    clones, refused);
	cr_expect(untouched > frames / 100, "only %lu frames left to the kernel", untouched);
	cr_expect(redirected > frames / 100, "only %lu frames redirected", redirected);
	cr_expect(clones > frames / 100, "only %lu clones", clones);
}

/* ---- tc_host_rx, behind xdp_vxlan_rx ---------------------------------- */

/*
 * tc_host_rx acts on the note xdp_vxlan_rx leaves in the metadata, which
 * an skb test run cannot give it (it has none: every frame would be "not
 * mine", TC_ACT_UNSPEC). So the pair runs as on a host: tc_host_rx on
 * ul0's ingress, and each frame through xdp_vxlan_rx in a live test run
 * (BPF_F_TEST_XDP_LIVE_FRAMES, 5.18+), whose XDP_PASS goes up ul0's stack
 * with its metadata; what TC redirects really goes, and the sockets see
 * where.
 */
static void fdb_host(uint32_t vni, const uint8_t *mac, int ifindex)
{
	struct vxbpf_fdb_key k = { .vni = vni };
	struct vxbpf_fdb_val v = { .flags = VXBPF_FDB_LOCAL | VXBPF_FDB_HOST, .ifindex = ifindex };

	memcpy(k.mac, mac, 6);
	cr_assert_eq(bpf_map_update_elem(H.fdb_fd, &k, &v, BPF_ANY), 0, "fdb host");
	maps_written();
}

static int xdp_live_run(const struct pkt *in)
{
	struct xdp_md ctx = { .data_end = in->len, .ingress_ifindex = H.if_ul0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->b, .data_size_in = in->len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

	return bpf_prog_test_run_opts(H.rx_fd, &opts) ? -errno : 0;
}

/* f is the inner frame as decapsulation leaves it: the same bytes but
 * for the ECN bits the outer header may set (and the IPv4 header
 * checksum that follows them). */
static bool inner_match(const struct pkt *f, const uint8_t *inner, size_t len)
{
	uint16_t proto;

	if (f->len != len || len < 14 || memcmp(f->b, inner, 14))
		return false;
	proto = get16(inner + 12);
	for (size_t j = 14; j < len; j++) {
		if (f->b[j] == inner[j])
			continue;
		if (proto == 0x0800 && (j == 15 || j == 24 || j == 25))
			continue;
		if (proto == 0x86dd && (j == 14 || j == 15))
			continue;
		return false;
	}
	return true;
}

/*
 * Read what arrived: copies of the inner frame to ports (ports) and to
 * host devices (hosts). A copy anywhere but a port or host device of the
 * frame's VNI, or of a frame from a VTEP off a non-learning VNI's
 * allow-list, is what is wrong.
 */
static const char *arrivals_read(const uint8_t *inner, size_t len, uint32_t vni, bool allowed,
				 unsigned *ports, unsigned *hosts)
{
	static struct pkt f;
	static char why[160];

	for (int k = 0; k < N_SN; k++) {
		while (sniff_one(k, &f)) {
			if (!inner_match(&f, inner, len))
				continue;
			if (!allowed) {
				snprintf(why, sizeof(why),
					 "vni %u from a VTEP off its allow-list delivered to %s", vni,
					 sn[k].name);
				return why;
			}
			if (sn[k].port && port_vni(sn[k].port) == vni) {
				++*ports;
			} else if (sn[k].host_vni == vni &&
				   !memcmp(f.b, vni == 100 ? MAC_HOST4 : MAC_HOST6, 6)) {
				++*hosts;
			} else {
				snprintf(why, sizeof(why), "vni %u delivered to %s", vni, sn[k].name);
				return why;
			}
		}
	}
	return NULL;
}

/*
 * Checked on every frame:
 *  - xdp_vxlan_rx counts exactly one reason, and tc_host_rx one for each
 *    copy it makes or loses (rx_copy_port, rx_copy_err, rx_flood_none,
 *    rx_reasm_bad); a frame handed over for flooding is always counted
 *    by TC; the host's handover and frames without a note are not
 *    counted again (the latter are not TC's: TC_ACT_UNSPEC);
 *  - the inner frame arrives only at the ports of the frame's own VNI
 *    and at the host device of that VNI (for the host's MAC), never when
 *    the outer source is off a non-learning VNI's allow-list;
 *  - a flood arrives at exactly as many ports as rx_copy_port says, a
 *    handover to the host at its device exactly once.
 */
Test(props, host_rx_mutated, .init = h_setup, .fini = h_teardown, .timeout = 600)
{
	static struct pkt in;
	uint64_t seed = env_ul("VXBPF_PROPS_SEED", 0x5eed5eedULL), frames, i;
	uint64_t r0[VXBPF_R_MAX], d[VXBPF_R_MAX], counted, tc;
	unsigned long flooded = 0, to_host = 0, copies = 0;
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tco);

	frames = env_ul("VXBPF_PROPS_FRAMES", 100000);
	rng = seed ^ 0x5555;
	tc_config();
	map_underlay(H.if_ul0, VXBPF_UNDERLAY_XDP | VXBPF_UNDERLAY_TC_RX);
	fdb_host(100, MAC_HOST4, if_hd0);
	fdb_host(400, MAC_HOST6, if_hd1);
	hook.ifindex = H.if_ul0;
	cr_assert_eq(bpf_tc_hook_create(&hook), 0, "clsact on ul0");
	tco.prog_fd = H.host_rx_fd;
	cr_assert_eq(bpf_tc_attach(&hook, &tco), 0, "tc_host_rx on ul0");
	sniffers_open();
	reasons_read(r0);
	for (i = 0; i < frames; i++) {
		unsigned ports = 0, hosts = 0, want_ports = 0;
		struct vxbpf_addr src;
		size_t inner = 0;
		uint32_t vni = 0;
		const char *wrong;
		bool parsed;
		int reason, err;

		memset(&in, 0, sizeof(in));
		/* Broadcast and unknown unicast for the flood, the host's MAC
		 * for the handover. */
		seed_rx(&in, pick(N_SEEDS), pick(2) ? 1 + pick(4) : 0);
		for (int m = pick(4); m--;)
			mutate_one(&in, true);
		if (in.len < 14)
			in.len = 14;
		err = xdp_live_run(&in);
		if (err)
			PFAIL("BPF_PROG_TEST_RUN (live): %s", strerror(-err));
		parsed = vxlan_parse(&in, &vni, &src, &inner);
		counted = reasons_delta(r0, d, &reason);
		tc = d[VXBPF_R_RX_COPY_PORT] + d[VXBPF_R_RX_COPY_ERR] + d[VXBPF_R_RX_REASM_BAD];
		if (d[VXBPF_R_RX_FLOOD] || d[VXBPF_R_RX_REASM])
			tc += d[VXBPF_R_RX_FLOOD_NONE];
		if (counted - tc != 1)
			PFAIL("%llu reasons counted by XDP, want 1", (unsigned long long)(counted - tc));
		if (d[VXBPF_R_RX_FLOOD] && !tc)
			PFAIL("%s", "handed over to flood, nothing counted by TC");
		if (d[VXBPF_R_RX_FLOOD] && !d[VXBPF_R_RX_REASM_BAD])
			want_ports = d[VXBPF_R_RX_COPY_PORT];
		if (!parsed) {
			/* Not plain VXLAN: xdp_vxlan_rx_mutated checks that none
			 * is delivered; here nothing is to be matched. */
			if (d[VXBPF_R_RX_FLOOD] || d[VXBPF_R_RX_HOST])
				PFAIL("handed over (%s) what is not plain VXLAN", reason_name(reason));
			continue;
		}
		wrong = arrivals_read(in.b + inner, in.len - inner, vni,
				      vni == 300 || is_allowed(vni, &src), &ports, &hosts);
		for (int t = 0; !wrong && (ports < want_ports || hosts < d[VXBPF_R_RX_HOST]) && t < 100;
		     t++) {
			sniffers_wait(10);
			wrong = arrivals_read(in.b + inner, in.len - inner, vni,
					      vni == 300 || is_allowed(vni, &src), &ports, &hosts);
		}
		if (wrong)
			PFAIL("%s", wrong);
		if (hosts != d[VXBPF_R_RX_HOST])
			PFAIL("%u copies at the host device, %llu handed over", hosts,
			      (unsigned long long)d[VXBPF_R_RX_HOST]);
		/* XDP's own redirect (rx_decap) reaches a veth peer only
		 * where it takes XDP frames: at most one more. */
		if (want_ports && ports != want_ports &&
		    !untag_drops(in.b + inner, in.len - inner))
			PFAIL("flood: %u copies arrived, %u counted", ports, want_ports);
		if (ports > d[VXBPF_R_RX_COPY_PORT] + d[VXBPF_R_RX_DECAP])
			PFAIL("%u copies arrived, %llu counted", ports,
			      (unsigned long long)(d[VXBPF_R_RX_COPY_PORT] + d[VXBPF_R_RX_DECAP]));
		flooded += d[VXBPF_R_RX_FLOOD];
		to_host += hosts;
		copies += ports;
	}
	cr_log_info("tc_host_rx: %llu frames, seed %#llx: %lu flooded, %lu copies to ports, %lu to the host",
		    (unsigned long long)frames, (unsigned long long)seed, flooded, copies, to_host);
	cr_expect(flooded > frames / 100, "only %lu frames flooded", flooded);
	cr_expect(copies > frames / 100, "only %lu copies", copies);
	cr_expect(to_host > frames / 100, "only %lu frames to the host", to_host);
}
