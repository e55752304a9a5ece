// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Packet builders, checksum and pcap reader for the program tests. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pkt.h"

const uint8_t MAC_UL_A[6] = {0x02, 0, 0, 0, 0x01, 0x01};
const uint8_t MAC_UL_B[6] = {0x02, 0, 0, 0, 0x02, 0x01};
const uint8_t MAC_VM1[6] = {0x02, 0, 0, 0, 0xaa, 0x01};
const uint8_t MAC_VM2[6] = {0x02, 0, 0, 0, 0xbb, 0x01};
const uint8_t MAC_OTHER[6] = {0x02, 0, 0, 0, 0xcc, 0x01};
const uint8_t MAC_BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* ---- checksum ---------------------------------------------------------- */

uint64_t ck_add(uint64_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len > 1; len -= 2, p += 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

uint16_t ck_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint64_t ck_pseudo(const void *src, const void *dst, bool v6, uint32_t len, uint8_t proto)
{
	uint64_t sum = ck_add(0, src, v6 ? 16 : 4);

	sum = ck_add(sum, dst, v6 ? 16 : 4);
	sum += len >> 16;
	sum += len & 0xffff;
	return sum + proto;
}

bool ck_ip4_ok(const uint8_t *ip)
{
	return ck_fold(ck_add(0, ip, (ip[0] & 0xf) * 4)) == 0;
}

bool ck_l4_ok(const uint8_t *ip, bool v6, const uint8_t *l4, size_t l4_len, uint8_t proto)
{
	const uint8_t *src = v6 ? ip + 8 : ip + 12;
	const uint8_t *dst = v6 ? ip + 24 : ip + 16;

	return ck_fold(ck_add(ck_pseudo(src, dst, v6, l4_len, proto), l4, l4_len)) == 0;
}

/* ---- byte helpers ------------------------------------------------------ */

void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

void pkt_put(struct pkt *p, const void *data, size_t len)
{
	if (p->len + len > PKT_MAX)
		abort();
	memcpy(p->b + p->len, data, len);
	p->len += len;
}

void pkt_copy(struct pkt *dst, const struct pkt *src)
{
	memcpy(dst->b, src->b, src->len);
	dst->len = src->len;
}

void ip4_parse(const char *s, uint8_t out[4])
{
	if (inet_pton(AF_INET, s, out) != 1)
		abort();
}

void ip6_parse(const char *s, uint8_t out[16])
{
	if (inet_pton(AF_INET6, s, out) != 1)
		abort();
}

const char *pkt_diff(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	static char buf[512];
	size_t i, n = alen < blen ? alen : blen, o = 0;

	for (i = 0; i < n && a[i] == b[i]; i++)
		;
	if (i == n && alen == blen)
		return "identical";
	o +=
	    snprintf(buf + o, sizeof(buf) - o, "len %zu vs %zu, first diff at %zu:", alen, blen, i);
	for (size_t j = i; j < n && j < i + 16; j++)
		o += snprintf(buf + o, sizeof(buf) - o, " %02x/%02x", a[j], b[j]);
	return buf;
}

/* ---- pcap -------------------------------------------------------------- */

int pcap_read_one(const char *path, struct pkt *p)
{
	uint8_t gh[24], rh[16];
	uint32_t magic, incl;
	bool swap;
	FILE *f = fopen(path, "rb");
	int err = 0;

	if (!f)
		return -errno;
	if (fread(gh, sizeof(gh), 1, f) != 1 || fread(rh, sizeof(rh), 1, f) != 1) {
		err = -EIO;
		goto out;
	}
	memcpy(&magic, gh, 4);
	/* Microsecond pcap, written either way round; EN10MB only. */
	if (magic == 0xa1b2c3d4)
		swap = false;
	else if (magic == 0xd4c3b2a1)
		swap = true;
	else {
		err = -EPROTO;
		goto out;
	}
	memcpy(&incl, rh + 8, 4);
	if (swap)
		incl = __builtin_bswap32(incl);
	if (incl > PKT_MAX) {
		err = -E2BIG;
		goto out;
	}
	if (fread(p->b, 1, incl, f) != incl) {
		err = -EIO;
		goto out;
	}
	p->len = incl;
out:
	fclose(f);
	return err;
}

int fixture_read(const char *name, struct pkt *p)
{
	const char *root = getenv("VXBPF_ROOT");
	char path[512], exe[400];
	ssize_t n;
	int err;

	snprintf(path, sizeof(path), "%s/tests/fixtures/%s", root ? root : ".", name);
	err = pcap_read_one(path, p);
	if (err != -ENOENT || root)
		return err;
	/* Not run from the repository: build/tests/prog is two levels down. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return err;
	exe[n] = 0;
	snprintf(path, sizeof(path), "%s/../../tests/fixtures/%s", dirname(exe), name);
	return pcap_read_one(path, p);
}

size_t fixture_inner_off(const struct pkt *p)
{
	/* Ethernet + (IPv4 20 | IPv6 40) + UDP 8 + VXLAN 8 */
	return get16(p->b + 12) == 0x86dd ? 14 + 40 + 16 : 14 + 20 + 16;
}

/* ---- inner frames ------------------------------------------------------ */

static void eth_put(struct pkt *p, const uint8_t *dmac, const uint8_t *smac, uint16_t proto)
{
	uint8_t t[2];

	pkt_put(p, dmac, 6);
	pkt_put(p, smac, 6);
	put16(t, proto);
	pkt_put(p, t, 2);
}

/* IPv4 header, no options, DF set, as Linux sends TCP. */
static void ip4_put(struct pkt *p, uint8_t tos, uint16_t tot_len, uint8_t proto, const char *s,
		    const char *d)
{
	uint8_t h[20] = {0x45, tos};

	put16(h + 2, tot_len);
	put16(h + 4, 0x1234);
	put16(h + 6, 0x4000);
	h[8] = 64;
	h[9] = proto;
	ip4_parse(s, h + 12);
	ip4_parse(d, h + 16);
	put16(h + 10, ck_fold(ck_add(0, h, 20)));
	pkt_put(p, h, 20);
}

void ip4_set_tos(struct pkt *p, size_t ip_off, uint8_t tos)
{
	uint8_t *h = p->b + ip_off;

	h[1] = tos;
	put16(h + 10, 0);
	put16(h + 10, ck_fold(ck_add(0, h, 20)));
}

static const uint8_t tcp_syn_tmpl[24] = {
    0,	  0,	0x13, 0x89, /* ports: set below, 5001 */
    0x11, 0x22, 0x33, 0x44, /* seq */
    0,	  0,	0,    0,    /* ack */
    0x60, 0x02, 0xfa, 0xf0, /* doff 6, SYN, window 64240 */
    0,	  0,	0,    0,    /* check, urg */
    2,	  4,	0x05, 0xb4, /* MSS 1460 */
};

/* Locate IP and L4 in a frame built here; returns the L4 offset and the
 * offset of its checksum field (TCP 16, UDP 6). */
static size_t l4_locate(const struct pkt *p, bool *v6, uint8_t *proto, size_t *ck_off)
{
	size_t l4;

	*v6 = get16(p->b + 12) == 0x86dd;
	l4 = *v6 ? 14 + 40 : 14 + (p->b[14] & 0xf) * 4;
	*proto = *v6 ? p->b[14 + 6] : p->b[14 + 9];
	*ck_off = l4 + (*proto == 6 ? 16 : 6);
	return l4;
}

static uint64_t l4_pseudo(const struct pkt *p, bool v6, size_t l4, uint8_t proto)
{
	const uint8_t *ip = p->b + 14;

	return ck_pseudo(v6 ? ip + 8 : ip + 12, v6 ? ip + 24 : ip + 16, v6, p->len - l4, proto);
}

void l4_complete(struct pkt *p)
{
	size_t l4, ck;
	uint8_t proto;
	uint16_t v;
	bool v6;

	l4 = l4_locate(p, &v6, &proto, &ck);
	put16(p->b + ck, 0);
	v = ck_fold(ck_add(l4_pseudo(p, v6, l4, proto), p->b + l4, p->len - l4));
	put16(p->b + ck, proto == 17 && !v ? 0xffff : v);
}

void l4_make_seed(struct pkt *p)
{
	size_t l4, ck;
	uint8_t proto;
	bool v6;

	l4 = l4_locate(p, &v6, &proto, &ck);
	/* Linux: th->check = ~tcp_v4_check(len, saddr, daddr, 0), i.e. the
	 * folded, uncomplemented pseudo-header sum (udp4_hwcsum alike). */
	put16(p->b + ck, (uint16_t)~ck_fold(l4_pseudo(p, v6, l4, proto)));
}

void build_tcp4(struct pkt *p, const uint8_t *dmac, const uint8_t *smac, uint16_t sport,
		uint8_t tos)
{
	uint8_t t[24];

	p->len = 0;
	eth_put(p, dmac, smac, 0x0800);
	ip4_put(p, tos, 20 + 24, 6, "10.0.0.1", "10.0.0.2");
	memcpy(t, tcp_syn_tmpl, sizeof(t));
	put16(t, sport);
	pkt_put(p, t, sizeof(t));
	l4_complete(p);
}

void build_tcp6(struct pkt *p, const uint8_t *dmac, const uint8_t *smac, uint16_t sport)
{
	uint8_t h[40] = {0x60}, t[24];

	p->len = 0;
	eth_put(p, dmac, smac, 0x86dd);
	put16(h + 4, 24);
	h[6] = 6;
	h[7] = 64;
	ip6_parse("fd00::1", h + 8);
	ip6_parse("fd00::2", h + 24);
	pkt_put(p, h, 40);
	memcpy(t, tcp_syn_tmpl, sizeof(t));
	put16(t, sport);
	pkt_put(p, t, sizeof(t));
	l4_complete(p);
}

void build_udp4(struct pkt *p, const uint8_t *dmac, const uint8_t *smac, const char *dip,
		uint16_t dport, size_t payload)
{
	static uint8_t u[PKT_MAX];
	size_t ulen = 8 + payload;

	if (42 + payload > PKT_MAX)
		abort();
	p->len = 0;
	eth_put(p, dmac, smac, 0x0800);
	ip4_put(p, 0, 20 + ulen, 17, "10.0.0.1", dip);
	put16(u, 12345);
	put16(u + 2, dport);
	put16(u + 4, ulen);
	put16(u + 6, 0);
	for (size_t i = 0; i < payload; i++)
		u[8 + i] = (uint8_t)i;
	pkt_put(p, u, ulen);
	l4_complete(p);
}

void build_tcp_data(struct pkt *p, bool v6, const uint8_t *dmac, const uint8_t *smac,
		    size_t payload)
{
	uint8_t t[20] = { 0x9c, 0x40, 0x13, 0x89, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
			  0x50, 0x18, 0x01, 0xf5 }; /* 40000 -> 5001, doff 5, ACK|PSH */

	if (14 + 40 + 20 + payload > PKT_MAX)
		abort();
	p->len = 0;
	if (v6) {
		uint8_t h[40] = { 0x60 };

		eth_put(p, dmac, smac, 0x86dd);
		put16(h + 4, 20 + payload);
		h[6] = 6;
		h[7] = 64;
		ip6_parse("fd00::1", h + 8);
		ip6_parse("fd00::2", h + 24);
		pkt_put(p, h, 40);
	} else {
		eth_put(p, dmac, smac, 0x0800);
		ip4_put(p, 0, 20 + 20 + payload, 6, "10.0.0.1", "10.0.0.2");
	}
	pkt_put(p, t, sizeof(t));
	for (size_t i = 0; i < payload; i++)
		p->b[p->len++] = (uint8_t)(i * 13 + (i >> 8));
	l4_complete(p);
}

void build_icmp4(struct pkt *p, const uint8_t *dmac, const uint8_t *smac, size_t payload)
{
	size_t icmp;

	if (14 + 20 + 8 + payload > PKT_MAX)
		abort();
	p->len = 0;
	eth_put(p, dmac, smac, 0x0800);
	ip4_put(p, 0, 20 + 8 + payload, 1, "10.0.0.1", "10.0.0.2");
	icmp = p->len;
	pkt_put(p, "\x08\x00\x00\x00\x12\x34\x00\x01", 8);
	for (size_t i = 0; i < payload; i++)
		p->b[p->len++] = (uint8_t)(i * 7 + 3);
	put16(p->b + icmp + 2, ck_fold(ck_add(0, p->b + icmp, p->len - icmp)));
}

/* ---- outer VXLAN frames ------------------------------------------------ */

void build_vxlan(struct pkt *p, const struct vx_opts *o, const struct pkt *inner)
{
	uint8_t ip[64] = {0}, udp[8], vx[8], *ipp, *udpp, *in;
	size_t iplen, extlen = o->v6 && o->ext ? 8 : 0, ulen = 8 + 8 + inner->len;
	const char *src = o->src[0] ? o->src : (o->v6 ? "2001:db8::1" : "192.0.2.1");
	const char *dst = o->dst[0] ? o->dst : (o->v6 ? "2001:db8::2" : "192.0.2.2");
	uint64_t sum;
	uint8_t t[4];

	p->len = 0;
	pkt_put(p, MAC_UL_B, 6);
	pkt_put(p, MAC_UL_A, 6);
	if (o->vlan) {
		put16(t, 0x8100);
		put16(t + 2, 10);
		pkt_put(p, t, 4);
	}
	put16(t, o->v6 ? 0x86dd : 0x0800);
	pkt_put(p, t, 2);

	if (o->v6) {
		iplen = 40;
		put32(ip, (uint32_t)(o->ip_ver ? o->ip_ver : 6) << 28 | (uint32_t)o->tos << 20);
		put16(ip + 4, ulen + extlen);
		ip[6] = o->ext ? o->ext - 1 : 17;
		ip[7] = o->ttl ? o->ttl : 64;
		ip6_parse(src, ip + 8);
		ip6_parse(dst, ip + 24);
		if (extlen) {
			/* A minimal extension header: next = UDP, length 0
			 * (8 bytes; for a fragment header: offset 0, M=0). */
			ip[40] = 17;
			memcpy(ip + 42, o->ext_b, sizeof(o->ext_b));
			iplen += 8;
		}
	} else {
		iplen = 20 + 4 * o->ip_opts;
		ip[0] = (o->ip_ver ? o->ip_ver : 4) << 4 | (iplen / 4);
		ip[1] = o->tos;
		put16(ip + 2, iplen + ulen);
		put16(ip + 6, o->frag);
		ip[8] = o->ttl ? o->ttl : 64;
		ip[9] = 17;
		ip4_parse(src, ip + 12);
		ip4_parse(dst, ip + 16);
		memset(ip + 20, 1, 4 * o->ip_opts); /* NOPs */
		if (o->ip_opt && o->ip_opts >= 2) {
			ip[20] = o->ip_opt;
			ip[21] = 7;
			ip[22] = 4;
			ip4_parse("192.0.2.9", ip + 23);
		}
		put16(ip + 10, ck_fold(ck_add(0, ip, iplen)) ^ o->ip_ck_xor);
	}
	ipp = p->b + p->len;
	pkt_put(p, ip, iplen);

	put16(udp, 49152);
	put16(udp + 2, o->dport ? o->dport : 4789);
	put16(udp + 4, ulen);
	put16(udp + 6, 0);
	put32(vx, 0x08000000U ^ o->flags_xor);
	put32(vx + 4, (o->vni ? o->vni : 100) << 8 | o->rsvd);
	udpp = p->b + p->len;
	pkt_put(p, udp, 8);
	pkt_put(p, vx, 8);
	in = p->b + p->len;
	pkt_put(p, inner, inner->len);

	if (o->ck == CK_ZERO)
		return;
	if (o->ck == CK_SEED) {
		const uint8_t *s = o->v6 ? ipp + 8 : ipp + 12, *d = o->v6 ? ipp + 24 : ipp + 16;

		put16(udpp + 6, (uint16_t)~ck_fold(ck_pseudo(s, d, o->v6, ulen, 17)));
		return;
	}
	if (o->ck == CK_LCO) {
		/* Sum as if the device had completed the inner checksum. */
		struct pkt done;

		pkt_copy(&done, inner);
		l4_complete(&done);
		memcpy(in, done.b, done.len);
	}
	{
		const uint8_t *s = o->v6 ? ipp + 8 : ipp + 12, *d = o->v6 ? ipp + 24 : ipp + 16;

		sum = ck_add(ck_pseudo(s, d, o->v6, ulen, 17), udpp, ulen);
	}
	put16(udpp + 6, ck_fold(sum) ? ck_fold(sum) : 0xffff);
	if (o->ck == CK_LCO)
		memcpy(in, inner->b, inner->len);
	if (o->ck == CK_BAD) /* off by one, never 0 (that means "none") */
		put16(udpp + 6, get16(udpp + 6) == 0xffff ? 1 : get16(udpp + 6) + 1);
}

struct fixture_name fixtures[N_FIXTURES] = {
	{ "encap-v4-icmp4.pcap" }, { "encap-v4-icmp4-big.pcap" }, { "encap-v4-icmp6.pcap" },
	{ "encap-v4-tcp4.pcap" },  { "encap-v6-icmp4.pcap" },	  { "encap-v6-icmp4-big.pcap" },
	{ "encap-v6-icmp6.pcap" }, { "encap-v6-tcp4.pcap" },
};
