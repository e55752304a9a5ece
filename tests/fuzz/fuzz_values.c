// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The value parsers (MAC, IP, VNI, numbers, ports) and the tokenizer of
 * `load` lines. The first byte picks the parser, the rest is the string.
 * Each is checked against the grammar it documents: a small reference
 * parser here says what must be accepted and what value comes out, and
 * what is accepted prints back to the same value.
 */
#include <ctype.h>
#include <errno.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "parse.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static int hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 6 groups of 1 or 2 hex digits, one separator kind (':' or '-'). */
static int ref_mac(const char *s, __u8 *mac)
{
	char sep = 0;
	int i, d;

	for (i = 0; i < 6; i++) {
		if ((d = hexv(*s++)) < 0)
			return -EINVAL;
		mac[i] = d;
		if ((d = hexv(*s)) >= 0) {
			mac[i] = mac[i] << 4 | d;
			s++;
		}
		if (i == 5)
			break;
		if ((*s != ':' && *s != '-') || (sep && *s != sep))
			return -EINVAL;
		sep = *s++;
	}
	return *s ? -EINVAL : 0;
}

/* Decimal digits, or 0x/0X and hex digits; nothing else. */
static int ref_u32(const char *s, __u32 max, __u32 *out)
{
	unsigned long long v = 0;
	bool big = false;
	int base = 10, d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		d = hexv(*s);
		if (d < 0 || d >= base)
			return -EINVAL;
		v = v * base + d;
		if (v > 0xffffffffULL)
			big = true, v = 0x100000000ULL;
	}
	if (big || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static void fuzz_mac(const char *s)
{
	__u8 mac[6], ref[6], again[6];
	char buf[VX_MACSTRLEN];
	int r = parse_mac(s, mac), want = ref_mac(s, ref);

	FUZZ_CHECK(r == want, "parse_mac(\"%s\") = %d, the grammar says %d", s, r, want);
	if (r)
		return;
	FUZZ_CHECK(!memcmp(mac, ref, 6), "parse_mac(\"%s\") = %s", s, mac_fmt(mac, buf));
	FUZZ_CHECK(!parse_mac(mac_fmt(mac, buf), again) && !memcmp(mac, again, 6),
		   "%s does not parse back", buf);
}

static void fuzz_ip(const char *s)
{
	struct vxbpf_addr a, b;
	char buf[VX_ADDRSTRLEN];
	int fam, fam2, r = parse_ip(s, &a, &fam);

	FUZZ_CHECK(r == 0 || r == -EINVAL, "parse_ip returned %d", r);
	if (r)
		return;
	FUZZ_CHECK(fam == AF_INET || fam == AF_INET6, "family %d", fam);
	FUZZ_CHECK((fam == AF_INET) == addr_is_v4(&a), "family %d of %s", fam,
		   addr_fmt(&a, buf));
	addr_fmt(&a, buf);
	FUZZ_CHECK(!parse_ip(buf, &b, &fam2) && !addr_cmp(&a, &b) && fam == fam2,
		   "\"%s\" prints as %s, which does not parse back", s, buf);
}

static void fuzz_u32(const char *s, __u32 max)
{
	__u32 v = 0, ref = 0;
	int r = parse_u32(s, max, &v), want = ref_u32(s, max, &ref);

	FUZZ_CHECK(r == want, "parse_u32(\"%s\", %u) = %d, the grammar says %d", s, max,
		   r, want);
	FUZZ_CHECK(r || v == ref, "parse_u32(\"%s\") = %u, not %u", s, v, ref);
}

static void fuzz_vni(const char *s)
{
	__u32 v = 0, ref = 0;
	int r = parse_vni(s, &v), want = ref_u32(s, VXBPF_VNI_MAX, &ref);

	if (!want && !ref)
		want = -ERANGE;
	FUZZ_CHECK(r == want, "parse_vni(\"%s\") = %d, the grammar says %d", s, r, want);
	FUZZ_CHECK(r || (v == ref && v >= 1 && v <= VXBPF_VNI_MAX), "vni %u", v);
}

static void fuzz_port(const char *s)
{
	__u32 ref = 0;
	__u16 v = 0;
	int r = parse_port(s, &v), want = ref_u32(s, 65535, &ref);

	FUZZ_CHECK(r == want, "parse_port(\"%s\") = %d, the grammar says %d", s, r, want);
	FUZZ_CHECK(r || v == ref, "port %u, not %u", v, ref);
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void fuzz_tokenize(const char *s, int max)
{
	char *line = strdup(s), *argv[64];
	size_t len = strlen(s);
	int n, i;

	if (!line)
		abort();
	n = tokenize(line, argv, max);
	FUZZ_CHECK(n == -E2BIG || (n >= 0 && n <= max), "%d words of at most %d", n, max);
	for (i = 0; i < n; i++) {
		/* Each word: inside the line, not empty, no blank, no '#'. */
		FUZZ_CHECK(argv[i] >= line && argv[i] < line + len, "word %d outside", i);
		FUZZ_CHECK(*argv[i] && !strpbrk(argv[i], " \t\r\n#"), "word %d: \"%s\"", i,
			   argv[i]);
		/* ... and exactly what the line has there. */
		FUZZ_CHECK(!strncmp(argv[i], s + (argv[i] - line), strlen(argv[i])),
			   "word %d changed", i);
		FUZZ_CHECK(i == 0 || argv[i] > argv[i - 1], "words out of order");
		/* A word ends at a blank, a comment or the end of the line. */
		{
			char end = s[argv[i] - line + strlen(argv[i])];

			FUZZ_CHECK(!end || blank(end) || end == '#', "word %d cut at '%c'", i, end);
		}
	}
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	__u32 max;
	char *s;

	if (size < 1)
		return 0;
	s = fuzz_str(data + 1, size - 1);
	switch (data[0] % 6) {
	case 0:
		fuzz_mac(s);
		break;
	case 1:
		fuzz_ip(s);
		break;
	case 2:
		/* The maxima vxbpf uses, and one from the input. */
		max = (const __u32[]){ 255, 65535, 86400, 4096, VXBPF_VNI_MAX, 0xffffffffU,
				       0, (__u32)data[0] << 20 }[(data[0] / 6) % 8];
		fuzz_u32(s, max);
		break;
	case 3:
		fuzz_vni(s);
		break;
	case 4:
		fuzz_port(s);
		break;
	case 5:
		fuzz_tokenize(s, 1 + data[0] / 6 % 64);
		break;
	}
	free(s);
	return 0;
}
