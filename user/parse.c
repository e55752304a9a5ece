// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The command grammar, as a table of objects and their verbs, and the
 * value parsers. Nothing here touches a map or a device: every line of a
 * `load` file goes through cmd_parse() before anything is written.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

const char vx_usage[] =
	"Usage: vxbpf [-j] [-n NETNS] [-v] COMMAND\n"
	"       vxbpf -V | -h\n"
	"\n"
	"  attach DEV [mode native|generic]     XDP decap on the underlay device\n"
	"  detach DEV | --all\n"
	"  port add DEV vni VNI [mode native|generic]\n"
	"  port del DEV\n"
	"  vni add|replace VNI local IP [dstport P] [srcport MIN MAX] [ttl N]\n"
	"        [tos N] [ageing SECONDS] [maxaddress N|unlimited] [proxy]\n"
	"        [learning] [l2miss] [l3miss]\n"
	"        [udpcsum|noudpcsum] [udp6zerocsumtx] [udp6zerocsumrx]\n"
	"  vni del VNI\n"
	"  fdb add|append|replace|del MAC vni VNI dst IP [port P] [router]\n"
	"  fdb add|replace MAC vni VNI dev PORT\n"
	"  fdb del MAC vni VNI\n"
	"  neigh add|replace IP lladdr MAC vni VNI [router]\n"
	"  neigh del IP vni VNI\n"
	"  fdb|neigh|vni|port show [vni VNI]\n"
	"  fdb|neigh flush [vni VNI]\n"
	"  load FILE        vni/fdb/neigh lines, all or nothing ('-' = stdin),\n"
	"                   and the attach and port add lines of save\n"
	"  save [FILE]      the configuration as load lines (not mirrored or learned)\n"
	"  explain DEV FILE.pcap\n"
	"                   what the program on DEV does with each frame; changes nothing\n"
	"  mirror DEV... [--once] [-v]\n"
	"                   copy kernel vxlan devices (and their bridge) live\n"
	"  stats [reset]    counters by reason and by VNI (reset: zero them)\n"
	"  monitor [--exec PROG [--max-children N]] [--count N]\n"
	"                   l2miss/l3miss/learn events; PROG runs for each\n"
	"  status           pin directory, attached devices, map fill\n"
	"  fsck [--dry-run] check the maps' consistency, and repair them\n"
	"  metrics [--listen [ADDR:]PORT]\n"
	"                   the counters for Prometheus (served at /metrics)\n"
	"\n"
	"Options: -j JSON output, -n NETNS act in that network namespace,\n"
	"         -v libbpf messages, -V version, -h this help.\n";

/* ---- values ------------------------------------------------------------ */

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower((unsigned char)ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/*
 * aa:bb:cc:dd:ee:ff or aa-bb-cc-dd-ee-ff, one or two hex digits per byte
 * (as `ip link` accepts), one separator kind throughout.
 */
int parse_mac(const char *s, __u8 *mac)
{
	char sep = 0;
	int i, d;

	if (!s)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		d = hexval(*s);
		if (d < 0)
			return -EINVAL;
		mac[i] = d;
		s++;
		d = hexval(*s);
		if (d >= 0) {
			mac[i] = mac[i] << 4 | d;
			s++;
		}
		if (i == 5)
			break;
		if (*s != ':' && *s != '-')
			return -EINVAL;
		if (sep && *s != sep)
			return -EINVAL;
		sep = *s++;
	}
	return *s ? -EINVAL : 0;
}

/* IPv4 is stored IPv4-mapped; ::ffff:a.b.c.d therefore is IPv4 too. */
int parse_ip(const char *s, struct vxbpf_addr *a, int *family)
{
	struct in_addr v4;

	if (!s)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &v4) == 1) {
		vxbpf_addr_w(a)[2] = htonl(0xffff);
		vxbpf_addr_w(a)[3] = v4.s_addr;
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		*family = addr_is_v4(a) ? AF_INET : AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/* Decimal, or hex with 0x. No sign, no blanks, no octal surprises. */
int parse_u32(const char *s, __u32 max, __u32 *out)
{
	unsigned long long v;
	int base = 10;
	char *end;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	/* Only digits of the base: strtoull would also take a second "0x"
	 * after ours (0x0x10), and blanks or a sign before the digits. */
	if (!*s || s[strspn(s, base == 16 ? "0123456789abcdefABCDEF" : "0123456789")])
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (*end)
		return -EINVAL;
	if (errno || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_vni(const char *s, __u32 *vni)
{
	__u32 v;
	int err;

	err = parse_u32(s, VXBPF_VNI_MAX, &v);
	if (err)
		return err;
	if (!v)
		return -ERANGE;
	*vni = v;
	return 0;
}

int parse_port(const char *s, __u16 *port)
{
	__u32 v;
	int err;

	err = parse_u32(s, 65535, &v);
	if (!err)
		*port = v;
	return err;
}

/* ---- tokenizer --------------------------------------------------------- */

int tokenize(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p || *p == '#')
			break;
		if (argc == max)
			return -E2BIG;
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' &&
		       *p != '\n' && *p != '#')
			p++;
		if (!*p)
			break;
		if (*p == '#') {
			*p = 0;
			break;
		}
		*p++ = 0;
	}
	return argc;
}

/* ---- commands ---------------------------------------------------------- */

struct pctx {
	int argc;
	char **argv;
	int i;
	struct vx_cmd *c;
	char *err;
	size_t errlen;
	const char *what; /* "fdb add" for messages */
};

static int perr(struct pctx *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int perr(struct pctx *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The argument of keyword argv[i]; advances past both. */
static const char *arg(struct pctx *p)
{
	const char *kw = p->argv[p->i];

	if (p->i + 1 >= p->argc) {
		perr(p, "\"%s\" needs an argument in %s", kw, p->what);
		return NULL;
	}
	p->i += 2;
	return p->argv[p->i - 1];
}

static int val_vni(struct pctx *p, const char *s)
{
	int err = parse_vni(s, &p->c->vni);

	if (err)
		return perr(p, "invalid VNI \"%s\" (1..16777215)", s);
	p->c->has_vni = true;
	return 0;
}

static int val_mac(struct pctx *p, const char *s)
{
	if (parse_mac(s, p->c->mac))
		return perr(p, "invalid MAC address \"%s\"", s);
	p->c->has_mac = true;
	return 0;
}

static int val_ip(struct pctx *p, const char *s)
{
	if (parse_ip(s, &p->c->ip, &p->c->family))
		return perr(p, "invalid IP address \"%s\"", s);
	p->c->has_ip = true;
	return 0;
}

static int val_dev(struct pctx *p, const char *s)
{
	if (!*s || strlen(s) >= IF_NAMESIZE || strchr(s, '/') ||
	    strchr(s, ' '))
		return perr(p, "invalid device name \"%s\"", s);
	strcpy(p->c->dev, s);
	p->c->has_dev = true;
	return 0;
}

static int val_u8(struct pctx *p, const char *kw, const char *s, __u8 *out)
{
	__u32 v;

	if (parse_u32(s, 255, &v))
		return perr(p, "invalid %s \"%s\" (0..255)", kw, s);
	*out = v;
	return 0;
}

static int val_port(struct pctx *p, const char *kw, const char *s,
		    __u16 *out)
{
	if (parse_port(s, out))
		return perr(p, "invalid %s \"%s\" (0..65535)", kw, s);
	return 0;
}

/* Keywords a command accepts, as bits. */
enum {
	K_VNI = 1 << 0,
	K_DST = 1 << 1,
	K_PORT = 1 << 2,
	K_DEV = 1 << 3,
	K_LLADDR = 1 << 4,
	K_ROUTER = 1 << 5,
	K_MODE = 1 << 6,
	K_VNIOPTS = 1 << 7, /* local dstport srcport ttl tos and the flags */
};

static const struct {
	const char *word;
	__u32 set, clear;
} vni_words[] = {
	{ "proxy", VXBPF_VNI_PROXY, 0 },
	{ "noproxy", 0, VXBPF_VNI_PROXY },
	{ "learning", VXBPF_VNI_LEARNING, 0 },
	{ "nolearning", 0, VXBPF_VNI_LEARNING },
	{ "l2miss", VXBPF_VNI_L2MISS, 0 },
	{ "nol2miss", 0, VXBPF_VNI_L2MISS },
	{ "l3miss", VXBPF_VNI_L3MISS, 0 },
	{ "nol3miss", 0, VXBPF_VNI_L3MISS },
	{ "udpcsum", 0, VXBPF_VNI_NOUDPCSUM },
	{ "noudpcsum", VXBPF_VNI_NOUDPCSUM, 0 },
	{ "udp6zerocsumtx", VXBPF_VNI_UDP6ZEROCSUMTX, 0 },
	{ "noudp6zerocsumtx", 0, VXBPF_VNI_UDP6ZEROCSUMTX },
	{ "udp6zerocsumrx", VXBPF_VNI_UDP6ZEROCSUMRX, 0 },
	{ "noudp6zerocsumrx", 0, VXBPF_VNI_UDP6ZEROCSUMRX },
};

static int parse_vni_word(struct pctx *p, const char *w)
{
	struct vx_cmd *c = p->c;
	const char *s;
	size_t i;
	__u32 v;

	if (!strcmp(w, "local")) {
		if (!(s = arg(p)))
			return -EINVAL;
		if (c->has_ip)
			return perr(p, "\"local\" given twice");
		return val_ip(p, s);
	}
	if (!strcmp(w, "dstport")) {
		if (!(s = arg(p)))
			return -EINVAL;
		if (val_port(p, "dstport", s, &c->port))
			return -EINVAL;
		if (!c->port)
			return perr(p, "invalid dstport \"%s\" (1..65535)", s);
		c->has_port = true;
		return 0;
	}
	if (!strcmp(w, "srcport")) {
		if (p->i + 2 >= p->argc)
			return perr(p, "\"srcport\" needs MIN and MAX in %s",
				    p->what);
		if (val_port(p, "srcport", p->argv[p->i + 1], &c->srcport_min) ||
		    val_port(p, "srcport", p->argv[p->i + 2], &c->srcport_max))
			return -EINVAL;
		/* The kernel's hash uses MAX exclusive: MIN == MAX is empty. */
		if (c->srcport_min >= c->srcport_max)
			return perr(p,
				    "srcport range %u %u is empty (MIN must be below MAX, which is exclusive)",
				    c->srcport_min, c->srcport_max);
		c->has_srcport = true;
		p->i += 3;
		return 0;
	}
	if (!strcmp(w, "ttl") || !strcmp(w, "hoplimit")) {
		if (!(s = arg(p)))
			return -EINVAL;
		if (!strcmp(s, "auto")) {
			c->has_ttl = false;
			return 0;
		}
		if (!strcmp(s, "inherit"))
			return perr(p, "ttl inherit is not supported; give a number or auto");
		if (parse_u32(s, 255, &v))
			return perr(p, "invalid ttl \"%s\" (0..255 or auto)", s);
		/* ttl 0 is "auto" for the kernel's vxlan too. */
		c->ttl = v;
		c->has_ttl = v != 0;
		return 0;
	}
	if (!strcmp(w, "ageing")) {
		if (!(s = arg(p)))
			return -EINVAL;
		/* The kernel takes a u32 of seconds; a day is plenty. */
		if (parse_u32(s, 86400, &v) || !v)
			return perr(p, "invalid ageing \"%s\" (1..86400 seconds)", s);
		c->ageing = v;
		return 0;
	}
	if (!strcmp(w, "maxaddress")) {
		if (!(s = arg(p)))
			return -EINVAL;
		/* As `ip link`: 0 and "unlimited" set no limit of the VNI's
		 * own (the bound over all VNIs still holds). */
		if (!strcmp(s, "unlimited"))
			v = 0;
		else if (parse_u32(s, 0xffffffffU, &v))
			return perr(p, "invalid maxaddress \"%s\" (a number of entries, or unlimited)", s);
		c->maxaddr = v;
		return 0;
	}
	if (!strcmp(w, "tos") || !strcmp(w, "dsfield")) {
		if (!(s = arg(p)))
			return -EINVAL;
		if (!strcmp(s, "inherit"))
			return perr(p, "tos inherit is not supported; give a number");
		return val_u8(p, "tos", s, &c->tos);
	}
	for (i = 0; i < ARRAY_SIZE(vni_words); i++) {
		if (!strcmp(w, vni_words[i].word)) {
			c->vni_flags |= vni_words[i].set;
			c->vni_flags &= ~vni_words[i].clear;
			p->i++;
			return 0;
		}
	}
	return 1; /* not a vni word */
}

static int parse_mode(struct pctx *p)
{
	const char *s = arg(p);

	if (!s)
		return -EINVAL;
	if (!strcmp(s, "native") || !strcmp(s, "drv") || !strcmp(s, "driver"))
		p->c->mode = XDP_MODE_NATIVE;
	else if (!strcmp(s, "generic") || !strcmp(s, "skb"))
		p->c->mode = XDP_MODE_GENERIC;
	else
		return perr(p, "invalid mode \"%s\" (native or generic)", s);
	return 0;
}

/* Keyword loop shared by every command; allowed = K_* bits. */
static int parse_words(struct pctx *p, unsigned allowed)
{
	struct vx_cmd *c = p->c;
	const char *w, *s;
	int err;

	while (p->i < p->argc) {
		w = p->argv[p->i];
		if ((allowed & K_VNI) && !strcmp(w, "vni")) {
			if (!(s = arg(p)))
				return -EINVAL;
			if (c->has_vni)
				return perr(p, "\"vni\" given twice");
			if (val_vni(p, s))
				return -EINVAL;
		} else if ((allowed & K_DST) && !strcmp(w, "dst")) {
			if (!(s = arg(p)))
				return -EINVAL;
			if (c->has_ip)
				return perr(p, "\"dst\" given twice");
			if (val_ip(p, s))
				return -EINVAL;
		} else if ((allowed & K_PORT) && !strcmp(w, "port")) {
			if (!(s = arg(p)))
				return -EINVAL;
			if (val_port(p, "port", s, &c->port))
				return -EINVAL;
			c->has_port = true;
		} else if ((allowed & K_DEV) && !strcmp(w, "dev")) {
			if (!(s = arg(p)))
				return -EINVAL;
			if (val_dev(p, s))
				return -EINVAL;
		} else if ((allowed & K_LLADDR) && !strcmp(w, "lladdr")) {
			if (!(s = arg(p)))
				return -EINVAL;
			if (val_mac(p, s))
				return -EINVAL;
		} else if ((allowed & K_ROUTER) && !strcmp(w, "router")) {
			c->router = true;
			p->i++;
		} else if ((allowed & K_MODE) && !strcmp(w, "mode")) {
			if (parse_mode(p))
				return -EINVAL;
		} else if ((allowed & K_VNIOPTS) &&
			   (err = parse_vni_word(p, w)) <= 0) {
			if (err)
				return err;
		} else {
			return perr(p, "unknown word \"%s\" in %s; see vxbpf help",
				    w, p->what);
		}
	}
	return 0;
}

/* The first positional word after the verb. */
static const char *positional(struct pctx *p, const char *name)
{
	if (p->i >= p->argc) {
		perr(p, "%s needs %s", p->what, name);
		return NULL;
	}
	return p->argv[p->i++];
}

static int need_vni(struct pctx *p)
{
	if (!p->c->has_vni)
		return perr(p, "%s needs \"vni VNI\"", p->what);
	return 0;
}

static int parse_show_flush(struct pctx *p)
{
	return parse_words(p, K_VNI);
}

static int parse_fdb(struct pctx *p)
{
	struct vx_cmd *c = p->c;
	const char *s;

	if (c->verb == VERB_SHOW || c->verb == VERB_FLUSH)
		return parse_show_flush(p);
	if (!(s = positional(p, "a MAC address")) || val_mac(p, s))
		return -EINVAL;
	if (parse_words(p, K_VNI | K_DST | K_PORT | K_DEV | K_ROUTER) || need_vni(p))
		return -EINVAL;
	if (c->has_dev && c->has_ip)
		return perr(p, "fdb entry takes either \"dst\" or \"dev\", not both");
	/* As NTF_ROUTER on a vxlan fdb entry: the proxy's NA for a neighbour
	 * with this MAC says "router". Meaningless on a local or flood entry. */
	if (c->router && (c->verb == VERB_DEL || c->has_dev || mac_is_zero(c->mac) ||
			  (c->mac[0] & 1)))
		return perr(p, "\"router\" is for a remote unicast MAC (dst IP)");
	if (c->has_dev && c->has_port)
		return perr(p, "\"port\" needs \"dst\", not \"dev\"");
	if (c->verb == VERB_DEL) {
		if (c->has_dev)
			return perr(p, "fdb del takes \"dst IP\" or nothing, not \"dev\"");
		return 0;
	}
	if (c->has_dev) {
		if (c->verb == VERB_APPEND)
			return perr(p, "fdb append needs \"dst IP\"; a local entry (dev) has one port");
		if (mac_is_zero(c->mac))
			return perr(p, "the all-zero MAC floods to remotes; it takes \"dst\", not \"dev\"");
		return 0;
	}
	if (!c->has_ip)
		return perr(p, "%s needs \"dst IP\" or \"dev PORT\"", p->what);
	if (!memcmp(c->ip.b, (__u8[16]){ 0 }, 16) ||
	    (c->family == AF_INET && !vxbpf_addr_w(&c->ip)[3]))
		return perr(p, "dst must not be the unspecified address");
	return 0;
}

static int parse_neigh(struct pctx *p)
{
	struct vx_cmd *c = p->c;
	const char *s;

	if (c->verb == VERB_SHOW || c->verb == VERB_FLUSH)
		return parse_show_flush(p);
	if (c->verb == VERB_APPEND)
		return perr(p, "neigh has no append; use add or replace");
	if (!(s = positional(p, "an IP address")) || val_ip(p, s))
		return -EINVAL;
	if (parse_words(p, K_VNI | K_LLADDR | K_ROUTER) || need_vni(p))
		return -EINVAL;
	if (c->verb == VERB_DEL)
		return 0;
	if (!c->has_mac)
		return perr(p, "%s needs \"lladdr MAC\"", p->what);
	if (mac_is_zero(c->mac) || (c->mac[0] & 1))
		return perr(p, "lladdr must be a unicast MAC address");
	return 0;
}

static int parse_vni_cmd(struct pctx *p)
{
	struct vx_cmd *c = p->c;
	const char *s;

	if (c->verb == VERB_SHOW)
		return parse_words(p, K_VNI);
	if (c->verb != VERB_ADD && c->verb != VERB_REPLACE &&
	    c->verb != VERB_DEL)
		return perr(p, "vni takes add, replace, del or show");
	if (!(s = positional(p, "a VNI")) || val_vni(p, s))
		return -EINVAL;
	if (c->verb == VERB_DEL)
		return parse_words(p, 0);
	c->port = VXBPF_DEFAULT_PORT;
	if (parse_words(p, K_VNIOPTS))
		return -EINVAL;
	if (!c->has_ip)
		return perr(p, "%s needs \"local IP\"", p->what);
	if (!memcmp(c->ip.b, (__u8[16]){ 0 }, 16) ||
	    (c->family == AF_INET && !vxbpf_addr_w(&c->ip)[3]))
		return perr(p, "local must not be the unspecified address");
	if ((c->family == AF_INET && (c->ip.b[12] & 0xf0) == 0xe0) ||
	    (c->family == AF_INET6 && c->ip.b[0] == 0xff))
		return perr(p, "local must be a unicast address");
	c->has_port = true;
	return 0;
}

static int parse_port_cmd(struct pctx *p)
{
	struct vx_cmd *c = p->c;
	const char *s;

	if (c->verb == VERB_SHOW)
		return parse_words(p, K_VNI);
	if (c->verb != VERB_ADD && c->verb != VERB_DEL)
		return perr(p, "port takes add, del or show");
	if (!(s = positional(p, "a device")) || val_dev(p, s))
		return -EINVAL;
	if (c->verb == VERB_DEL)
		return parse_words(p, 0);
	if (parse_words(p, K_VNI | K_MODE) || need_vni(p))
		return -EINVAL;
	return 0;
}

static int parse_attach(struct pctx *p)
{
	const char *s;

	if (!(s = positional(p, "a device")) || val_dev(p, s))
		return -EINVAL;
	return parse_words(p, K_MODE);
}

static int parse_detach(struct pctx *p)
{
	const char *s;

	if (!(s = positional(p, "a device or --all")))
		return -EINVAL;
	if (!strcmp(s, "--all") || !strcmp(s, "all")) {
		p->c->all = true;
		return parse_words(p, 0);
	}
	if (val_dev(p, s))
		return -EINVAL;
	return parse_words(p, 0);
}

static int parse_load(struct pctx *p)
{
	const char *s = positional(p, "a FILE");

	if (!s)
		return -EINVAL;
	p->c->file = s;
	return parse_words(p, 0);
}

/* explain DEV FILE */
static int parse_explain(struct pctx *p)
{
	const char *dev = positional(p, "a DEV"), *file;

	if (!dev || val_dev(p, dev))
		return -EINVAL;
	file = positional(p, "a FILE.pcap");
	if (!file)
		return -EINVAL;
	p->c->file = file;
	return parse_words(p, 0);
}

/* save [FILE]: standard output without one. */
static int parse_save(struct pctx *p)
{
	if (p->i < p->argc)
		p->c->file = p->argv[p->i++];
	return parse_words(p, 0);
}

/* mirror DEV... [--once] [-v]: the device names stay in argv. */
static int parse_mirror(struct pctx *p)
{
	struct vx_cmd *c = p->c;
	int first = -1, i, j;
	char *w;

	for (; p->i < p->argc; p->i++) {
		w = p->argv[p->i];
		if (!strcmp(w, "--once") || !strcmp(w, "once")) {
			c->once = true;
		} else if (!strcmp(w, "-v") || !strcmp(w, "--verbose")) {
			c->verbose = true;
		} else if (w[0] == '-') {
			return perr(p, "unknown option \"%s\" in mirror; see vxbpf help", w);
		} else {
			if (val_dev(p, w))
				return -EINVAL;
			if (c->n_devs == MIRROR_DEVS_MAX)
				return perr(p, "mirror takes at most %d devices", MIRROR_DEVS_MAX);
			for (j = 0; j < c->n_devs; j++)
				if (!strcmp(c->devs[j], w))
					return perr(p, "device \"%s\" given twice", w);
			/* Options may come between names: keep names together. */
			if (first < 0)
				first = p->i;
			for (i = p->i; i > first + c->n_devs; i--)
				p->argv[i] = p->argv[i - 1];
			p->argv[first + c->n_devs] = w;
			c->n_devs++;
			c->devs = p->argv + first;
		}
	}
	c->has_dev = false;
	c->dev[0] = 0;
	if (!c->n_devs)
		return perr(p, "mirror needs a vxlan device (and optionally its bridge)");
	return 0;
}

static int parse_none(struct pctx *p)
{
	return parse_words(p, 0);
}

static int parse_stats(struct pctx *p)
{
	if (p->i < p->argc && !strcmp(p->argv[p->i], "reset")) {
		p->c->reset = true;
		p->i++;
	}
	return parse_words(p, 0);
}

/* metrics [--listen [ADDR:]PORT] (also "listen"). */
static int parse_metrics(struct pctx *p)
{
	const char *s;

	if (p->i < p->argc &&
	    (!strcmp(p->argv[p->i], "--listen") || !strcmp(p->argv[p->i], "listen"))) {
		if (!(s = arg(p)))
			return -EINVAL;
		p->c->listen = s;
	}
	return parse_words(p, 0);
}

/* fsck [--dry-run] (also "dry-run"): report only. */
static int parse_fsck(struct pctx *p)
{
	if (p->i < p->argc &&
	    (!strcmp(p->argv[p->i], "--dry-run") || !strcmp(p->argv[p->i], "dry-run"))) {
		p->c->dry_run = true;
		p->i++;
	}
	return parse_words(p, 0);
}

/* monitor [--exec PROG [--max-children N]] [--count N]; the words also
 * without dashes. */
static int parse_monitor(struct pctx *p)
{
	const char *w, *s;

	while (p->i < p->argc) {
		w = p->argv[p->i];
		if (!strcmp(w, "--exec") || !strcmp(w, "exec")) {
			if (!(s = arg(p)))
				return -EINVAL;
			p->c->exec = s;
		} else if (!strcmp(w, "--count") || !strcmp(w, "count")) {
			if (!(s = arg(p)))
				return -EINVAL;
			if (parse_u32(s, 0xffffffffU, &p->c->count) || !p->c->count)
				return perr(p, "invalid count \"%s\"", s);
		} else if (!strcmp(w, "--max-children") || !strcmp(w, "max-children")) {
			if (!(s = arg(p)))
				return -EINVAL;
			if (parse_u32(s, 4096, &p->c->max_children) || !p->c->max_children)
				return perr(p, "invalid max-children \"%s\" (1 to 4096)", s);
		} else {
			return perr(p, "unknown word \"%s\" in %s", w, p->what);
		}
	}
	if (p->c->max_children && !p->c->exec)
		return perr(p, "max-children without exec");
	return 0;
}

/* The grammar. verbs: bit per enum vx_verb; 0 = the object takes none. */
#define VB(v) (1u << (v))
static const struct cmd_desc {
	const char *word;
	enum vx_obj obj;
	unsigned verbs;
	int (*parse)(struct pctx *p);
} cmds[] = {
	{ "fdb", OBJ_FDB,
	  VB(VERB_ADD) | VB(VERB_APPEND) | VB(VERB_REPLACE) | VB(VERB_DEL) |
		  VB(VERB_SHOW) | VB(VERB_FLUSH),
	  parse_fdb },
	{ "neigh", OBJ_NEIGH,
	  VB(VERB_ADD) | VB(VERB_REPLACE) | VB(VERB_DEL) | VB(VERB_SHOW) |
		  VB(VERB_FLUSH),
	  parse_neigh },
	{ "vni", OBJ_VNI,
	  VB(VERB_ADD) | VB(VERB_REPLACE) | VB(VERB_DEL) | VB(VERB_SHOW),
	  parse_vni_cmd },
	{ "port", OBJ_PORT, VB(VERB_ADD) | VB(VERB_DEL) | VB(VERB_SHOW),
	  parse_port_cmd },
	{ "attach", OBJ_ATTACH, 0, parse_attach },
	{ "detach", OBJ_DETACH, 0, parse_detach },
	{ "load", OBJ_LOAD, 0, parse_load },
	{ "save", OBJ_SAVE, 0, parse_save },
	{ "explain", OBJ_EXPLAIN, 0, parse_explain },
	{ "stats", OBJ_STATS, 0, parse_stats },
	{ "monitor", OBJ_MONITOR, 0, parse_monitor },
	{ "status", OBJ_STATUS, 0, parse_none },
	{ "fsck", OBJ_FSCK, 0, parse_fsck },
	{ "metrics", OBJ_METRICS, 0, parse_metrics },
	{ "mirror", OBJ_MIRROR, 0, parse_mirror },
	{ "help", OBJ_HELP, 0, parse_none },
	{ "version", OBJ_VERSION, 0, parse_none },
};

static const struct {
	const char *word;
	enum vx_verb verb;
} verbs[] = {
	{ "add", VERB_ADD },	   { "append", VERB_APPEND },
	{ "replace", VERB_REPLACE }, { "del", VERB_DEL },
	{ "delete", VERB_DEL },	   { "show", VERB_SHOW },
	{ "list", VERB_SHOW },	   { "ls", VERB_SHOW },
	{ "flush", VERB_FLUSH },
};

const char *obj_name(enum vx_obj o)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (cmds[i].obj == o)
			return cmds[i].word;
	return "?";
}

const char *verb_name(enum vx_verb v)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(verbs); i++)
		if (verbs[i].verb == v)
			return verbs[i].word;
	return "";
}

int cmd_parse(int argc, char **argv, struct vx_cmd *c, char *err,
	      size_t errlen)
{
	struct pctx p = { .argc = argc, .argv = argv, .c = c, .err = err,
			  .errlen = errlen };
	const struct cmd_desc *d = NULL;
	char what[32];
	size_t i;

	memset(c, 0, sizeof(*c));
	if (errlen)
		err[0] = 0;
	if (argc < 1)
		return perr(&p, "no command; see vxbpf help");
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[0], cmds[i].word))
			d = &cmds[i];
	if (!d)
		return perr(&p, "unknown command \"%s\"; see vxbpf help",
			    argv[0]);
	c->obj = d->obj;
	p.i = 1;
	snprintf(what, sizeof(what), "%s", d->word);
	if (d->verbs) {
		if (argc < 2) {
			/* `vxbpf fdb` alone shows, as `ip neigh` does. */
			if (d->verbs & VB(VERB_SHOW)) {
				c->verb = VERB_SHOW;
				return 0;
			}
			return perr(&p, "%s needs a verb; see vxbpf help",
				    d->word);
		}
		for (i = 0; i < ARRAY_SIZE(verbs); i++)
			if (!strcmp(argv[1], verbs[i].word))
				c->verb = verbs[i].verb;
		if (c->verb == VERB_NONE || !(d->verbs & VB(c->verb)))
			return perr(&p, "unknown word \"%s\" after %s; see vxbpf help",
				    argv[1], d->word);
		snprintf(what, sizeof(what), "%s %s", d->word,
			 verb_name(c->verb));
		p.i = 2;
	}
	p.what = what;
	return d->parse(&p);
}

bool cmd_is_map_change(const struct vx_cmd *c)
{
	switch (c->obj) {
	case OBJ_FDB:
	case OBJ_NEIGH:
	case OBJ_VNI:
		return c->verb != VERB_SHOW;
	default:
		return false;
	}
}
