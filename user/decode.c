// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* One-line decodes of Ethernet frames (decode.h). Reads only what the
 * frame has: every field is checked against the length first. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static const char *l4_name(uint8_t proto)
{
	switch (proto) {
	case 1:
		return "ICMP";
	case 6:
		return "TCP";
	case 17:
		return "UDP";
	case 58:
		return "ICMPv6";
	case 44:
		return "fragment";
	default:
		return NULL;
	}
}

/* L2 and L3 of the frame at p; the offset of its L4 header, or 0. */
static size_t decode_l2l3(const uint8_t *p, size_t len, struct l2l3 *d)
{
	size_t off = 12, l4;
	uint8_t proto;

	memset(d, 0, sizeof(*d));
	if (len < 14) {
		d->truncated = true;
		return 0;
	}
	memcpy(d->dmac, p, 6);
	memcpy(d->smac, p + 6, 6);
	d->ethertype = rd16(p + 12);
	while ((d->ethertype == 0x8100 || d->ethertype == 0x88a8) && off + 6 <= len) {
		if (!d->vlan)
			d->vlan = rd16(p + off + 2) & 0xfff;
		off += 4;
		d->ethertype = rd16(p + off);
	}
	off += 2;
	switch (d->ethertype) {
	case 0x0800:
		d->proto = "IPv4";
		if (len < off + 20 || (p[off] >> 4) != 4 || (p[off] & 15) < 5) {
			d->truncated = true;
			return 0;
		}
		inet_ntop(AF_INET, p + off + 12, d->src, sizeof(d->src));
		inet_ntop(AF_INET, p + off + 16, d->dst, sizeof(d->dst));
		proto = p[off + 9];
		/* A fragment after the first has no L4 header. */
		if (rd16(p + off + 6) & 0x1fff) {
			d->l4 = "fragment";
			return 0;
		}
		l4 = off + (p[off] & 15) * 4;
		break;
	case 0x86dd:
		d->proto = "IPv6";
		if (len < off + 40) {
			d->truncated = true;
			return 0;
		}
		inet_ntop(AF_INET6, p + off + 8, d->src, sizeof(d->src));
		inet_ntop(AF_INET6, p + off + 24, d->dst, sizeof(d->dst));
		proto = p[off + 6];
		l4 = off + 40;
		break;
	case 0x0806:
		d->proto = "ARP";
		if (len < off + 28) {
			d->truncated = true;
			return 0;
		}
		inet_ntop(AF_INET, p + off + 14, d->src, sizeof(d->src));
		inet_ntop(AF_INET, p + off + 24, d->dst, sizeof(d->dst));
		d->l4 = rd16(p + off + 6) == 1 ? "request" : rd16(p + off + 6) == 2 ? "reply" : NULL;
		return 0;
	default:
		return 0;
	}
	d->l4 = l4_name(proto);
	if (!d->l4 && proto)
		d->l4 = "other";
	if ((proto == 6 || proto == 17) && len >= l4 + 4) {
		d->sport = rd16(p + l4);
		d->dport = rd16(p + l4 + 2);
		return proto == 17 ? l4 : 0;
	}
	if (proto == 6 || proto == 17)
		d->truncated = true;
	return 0;
}

void frame_decode(const uint8_t *p, size_t len, bool (*is_vxlan)(uint16_t port, void *ctx),
		  void *ctx, struct frame_info *fi)
{
	size_t udp = decode_l2l3(p, len, &fi->outer);
	bool vx;

	fi->vxlan = false;
	fi->vni = 0;
	memset(&fi->inner, 0, sizeof(fi->inner));
	if (!udp)
		return;
	vx = is_vxlan ? is_vxlan(fi->outer.dport, ctx) : fi->outer.dport == 4789;
	if (!vx || len < udp + 16)
		return;
	fi->vxlan = true;
	fi->vni = (uint32_t)p[udp + 12] << 16 | (uint32_t)p[udp + 13] << 8 | p[udp + 14];
	decode_l2l3(p + udp + 16, len - udp - 16, &fi->inner);
}

/* Append to buf (len bytes) at at; the new end (len at most). */
static size_t put(char *buf, size_t len, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static size_t put(char *buf, size_t len, size_t at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (at >= len)
		return len;
	va_start(ap, fmt);
	n = vsnprintf(buf + at, len - at, fmt, ap);
	va_end(ap);
	return n < 0 ? at : at + (size_t)n < len ? at + (size_t)n : len;
}

static size_t put_mac(char *buf, size_t len, size_t at, const uint8_t *m)
{
	return put(buf, len, at, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static size_t line_l2l3(const struct l2l3 *d, char *buf, size_t len, size_t at)
{
	at = put_mac(buf, len, at, d->smac);
	at = put(buf, len, at, " > ");
	at = put_mac(buf, len, at, d->dmac);
	if (d->vlan)
		at = put(buf, len, at, " vlan %u", d->vlan);
	if (!d->proto) {
		at = put(buf, len, at, " ethertype 0x%04x", d->ethertype);
	} else {
		at = put(buf, len, at, " %s", d->proto);
		if (d->src[0])
			at = put(buf, len, at, " %s > %s", d->src, d->dst);
		if (d->l4)
			at = put(buf, len, at, " %s", d->l4);
		if (d->sport || d->dport)
			at = put(buf, len, at, " %u > %u", d->sport, d->dport);
	}
	if (d->truncated)
		at = put(buf, len, at, " (truncated)");
	return at;
}

void frame_line(const struct frame_info *fi, char *buf, size_t len)
{
	size_t at;

	if (!len)
		return;
	buf[0] = 0;
	at = line_l2l3(&fi->outer, buf, len, 0);
	if (!fi->vxlan)
		return;
	at = put(buf, len, at, " vxlan vni %u [", fi->vni);
	at = line_l2l3(&fi->inner, buf, len, at);
	put(buf, len, at, "]");
}
