// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The pcap reader and the one-line frame decode, on the captured fixtures
 * of Linux's vxlan device and on broken files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "decode.h"
#include "pcap.h"

static uint8_t file[1 << 16];

static size_t slurp(const char *name)
{
	char path[512];
	const char *root = getenv("VXBPF_ROOT");
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/tests/fixtures/%s", root ? root : ".", name);
	f = fopen(path, "rb");
	cr_assert(f, "cannot open %s", path);
	n = fread(file, 1, sizeof(file), f);
	fclose(f);
	return n;
}

Test(pcap, fixture_v4)
{
	struct pcap_reader r;
	struct frame_info fi;
	const uint8_t *d;
	uint32_t len, orig;
	char err[128], line[512];
	size_t n = slurp("encap-v4-icmp4.pcap");

	cr_assert_eq(pcap_begin(&r, file, n, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(pcap_next(&r, &d, &len, &orig, err, sizeof(err)), 1, "%s", err);
	frame_decode(d, len, NULL, NULL, &fi);
	cr_assert(fi.vxlan);
	cr_assert_eq(fi.vni, 100);
	cr_assert_str_eq(fi.outer.src, "192.0.2.1");
	cr_assert_str_eq(fi.outer.dst, "192.0.2.2");
	cr_assert_str_eq(fi.inner.src, "10.0.0.1");
	cr_assert_str_eq(fi.inner.l4, "ICMP");
	frame_line(&fi, line, sizeof(line));
	cr_assert(strstr(line, "IPv4 192.0.2.1 > 192.0.2.2 UDP") && strstr(line, "> 4789 vxlan vni 100 [") &&
			  strstr(line, "IPv4 10.0.0.1 > 10.0.0.2 ICMP]"),
		  "%s", line);
	cr_assert_eq(pcap_next(&r, &d, &len, &orig, err, sizeof(err)), 0, "one frame only");
}

Test(pcap, fixture_v6_tcp)
{
	struct pcap_reader r;
	struct frame_info fi;
	const uint8_t *d;
	uint32_t len, orig;
	char err[128];
	size_t n = slurp("encap-v6-tcp4.pcap");

	cr_assert_eq(pcap_begin(&r, file, n, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(pcap_next(&r, &d, &len, &orig, err, sizeof(err)), 1, "%s", err);
	frame_decode(d, len, NULL, NULL, &fi);
	cr_assert(fi.vxlan);
	cr_assert_str_eq(fi.outer.src, "2001:db8::1");
	cr_assert_str_eq(fi.inner.l4, "TCP");
	cr_assert_eq(fi.inner.dport, 5001);
}

/* Every cut of a good file is refused with a reason, never read past. */
Test(pcap, truncated_and_foreign)
{
	struct pcap_reader r;
	const uint8_t *d;
	uint32_t len, orig;
	char err[128];
	size_t n = slurp("encap-v4-icmp4.pcap"), cut;
	int ret;

	for (cut = 0; cut < n; cut++) {
		if (pcap_begin(&r, file, cut, err, sizeof(err)))
			continue;
		while ((ret = pcap_next(&r, &d, &len, &orig, err, sizeof(err))) == 1)
			cr_assert(d + len <= file + cut, "read past a file cut at %zu", cut);
		cr_assert(cut == 24 ? ret == 0 : ret == -EINVAL, "cut at %zu: %d", cut, ret);
	}
	memcpy(file, "\x0a\x0d\x0d\x0a", 4);
	cr_assert_eq(pcap_begin(&r, file, n, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "pcapng"), "%s", err);
	memcpy(file, "\xd4\xc3\xb2\xa1", 4);
	file[20] = 101; /* LINKTYPE_RAW */
	cr_assert_eq(pcap_begin(&r, file, n, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "Ethernet"), "%s", err);
}

/* Whatever the bytes, the decode stays inside them and ends its line. */
Test(decode, every_cut)
{
	struct pcap_reader r;
	struct frame_info fi;
	const uint8_t *d;
	uint32_t len, orig;
	char err[128], line[512];
	size_t n = slurp("encap-v6-tcp4.pcap");

	cr_assert_eq(pcap_begin(&r, file, n, err, sizeof(err)), 0);
	cr_assert_eq(pcap_next(&r, &d, &len, &orig, err, sizeof(err)), 1);
	for (uint32_t cut = 0; cut <= len; cut++) {
		frame_decode(d, cut, NULL, NULL, &fi);
		frame_line(&fi, line, sizeof(line));
		cr_assert(strlen(line) < sizeof(line));
		if (cut < len - 10 && cut > 14)
			cr_assert(strstr(line, "truncated") || !fi.vxlan || fi.inner.truncated ||
					  cut >= 14 + 40 + 8 + 8 + 14 + 20 + 4,
				  "cut %u: %s", cut, line);
	}
}
