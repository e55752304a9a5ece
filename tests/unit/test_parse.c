// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Unit tests of every parser of user input (user/parse.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <criterion/criterion.h>

#include "parse.h"

/* ---- MAC --------------------------------------------------------------- */

Test(mac, good)
{
	__u8 m[6];
	const __u8 want[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };

	cr_assert_eq(parse_mac("52:54:00:ab:cd:ef", m), 0);
	cr_assert_arr_eq(m, want, 6);
	cr_assert_eq(parse_mac("52:54:00:AB:CD:EF", m), 0);
	cr_assert_arr_eq(m, want, 6);
	cr_assert_eq(parse_mac("52-54-00-ab-cd-ef", m), 0);
	cr_assert_arr_eq(m, want, 6);
	/* One digit per byte, as `ip link` accepts. */
	cr_assert_eq(parse_mac("52:54:0:ab:cd:ef", m), 0);
	cr_assert_arr_eq(m, want, 6);
	cr_assert_eq(parse_mac("00:00:00:00:00:00", m), 0);
	cr_assert(mac_is_zero(m));
}

Test(mac, bad_lengths)
{
	__u8 m[6];

	cr_assert_eq(parse_mac("", m), -EINVAL);
	cr_assert_eq(parse_mac("52:54:00:ab:cd", m), -EINVAL);
	cr_assert_eq(parse_mac("52:54:00:ab:cd:ef:01", m), -EINVAL);
	cr_assert_eq(parse_mac("52:54:00:ab:cd:", m), -EINVAL);
	cr_assert_eq(parse_mac("525:54:00:ab:cd:ef", m), -EINVAL);
	cr_assert_eq(parse_mac("52:54:00:ab:cd:eff", m), -EINVAL);
	cr_assert_eq(parse_mac(NULL, m), -EINVAL);
}

Test(mac, bad_hex_and_separators)
{
	__u8 m[6];

	cr_assert_eq(parse_mac("52:54:00:ab:cd:eg", m), -EINVAL);
	cr_assert_eq(parse_mac("zz:54:00:ab:cd:ef", m), -EINVAL);
	cr_assert_eq(parse_mac("52.54.00.ab.cd.ef", m), -EINVAL);
	cr_assert_eq(parse_mac("52:54-00:ab:cd:ef", m), -EINVAL); /* mixed */
	cr_assert_eq(parse_mac("5254.00ab.cdef", m), -EINVAL);
	cr_assert_eq(parse_mac(" 52:54:00:ab:cd:ef", m), -EINVAL);
	cr_assert_eq(parse_mac("52:54:00:ab:cd:ef ", m), -EINVAL);
	cr_assert_eq(parse_mac("52::54:00:ab:cd", m), -EINVAL);
}

/* ---- IP ---------------------------------------------------------------- */

Test(ip, ipv4_is_mapped)
{
	struct vxbpf_addr a;
	char buf[VX_ADDRSTRLEN];
	int fam;

	cr_assert_eq(parse_ip("192.0.2.1", &a, &fam), 0);
	cr_assert_eq(fam, AF_INET);
	cr_assert_eq(vxbpf_addr_w(&a)[0], 0);
	cr_assert_eq(vxbpf_addr_w(&a)[1], 0);
	cr_assert_eq(vxbpf_addr_w(&a)[2], htonl(0xffff));
	cr_assert_eq(vxbpf_addr_w(&a)[3], htonl(0xc0000201));
	cr_assert(addr_is_v4(&a));
	cr_assert_str_eq(addr_fmt(&a, buf), "192.0.2.1");
}

Test(ip, mapped_given_as_ipv6_is_ipv4)
{
	struct vxbpf_addr a, b;
	int fam;

	cr_assert_eq(parse_ip("::ffff:192.0.2.1", &a, &fam), 0);
	cr_assert_eq(fam, AF_INET);
	parse_ip("192.0.2.1", &b, &fam);
	cr_assert_eq(addr_cmp(&a, &b), 0);
}

Test(ip, ipv6)
{
	struct vxbpf_addr a;
	char buf[VX_ADDRSTRLEN];
	int fam;

	cr_assert_eq(parse_ip("2001:db8::1", &a, &fam), 0);
	cr_assert_eq(fam, AF_INET6);
	cr_assert_eq(a.b[0], 0x20);
	cr_assert_eq(a.b[15], 1);
	cr_assert_not(addr_is_v4(&a));
	cr_assert_str_eq(addr_fmt(&a, buf), "2001:db8::1");
}

Test(ip, bad)
{
	struct vxbpf_addr a;
	int fam;

	cr_assert_eq(parse_ip("", &a, &fam), -EINVAL);
	cr_assert_eq(parse_ip("192.0.2", &a, &fam), -EINVAL);
	cr_assert_eq(parse_ip("192.0.2.256", &a, &fam), -EINVAL);
	cr_assert_eq(parse_ip("192.0.2.1/24", &a, &fam), -EINVAL);
	cr_assert_eq(parse_ip("2001:db8:::1", &a, &fam), -EINVAL);
	cr_assert_eq(parse_ip("host.example", &a, &fam), -EINVAL);
	cr_assert_eq(parse_ip(" 192.0.2.1", &a, &fam), -EINVAL);
}

/* ---- numbers ----------------------------------------------------------- */

Test(vni, bounds)
{
	__u32 v;

	cr_assert_eq(parse_vni("1", &v), 0);
	cr_assert_eq(v, 1);
	cr_assert_eq(parse_vni("16777215", &v), 0);
	cr_assert_eq(v, 16777215);
	cr_assert_neq(parse_vni("0", &v), 0);
	cr_assert_neq(parse_vni("16777216", &v), 0);
	cr_assert_neq(parse_vni("4294967296", &v), 0);
	cr_assert_neq(parse_vni("99999999999999999999999", &v), 0);
	cr_assert_neq(parse_vni("-1", &v), 0);
	cr_assert_neq(parse_vni("+5", &v), 0);
}

Test(vni, hex_and_garbage)
{
	__u32 v;

	cr_assert_eq(parse_vni("0x64", &v), 0);
	cr_assert_eq(v, 100);
	cr_assert_eq(parse_vni("0xffffff", &v), 0);
	cr_assert_neq(parse_vni("0x1000000", &v), 0);
	/* No octal surprise: 010 is ten. */
	cr_assert_eq(parse_vni("010", &v), 0);
	cr_assert_eq(v, 10);
	cr_assert_neq(parse_vni("0x", &v), 0);
	cr_assert_neq(parse_vni("", &v), 0);
	cr_assert_neq(parse_vni("100a", &v), 0);
	cr_assert_neq(parse_vni("abc", &v), 0);
	cr_assert_neq(parse_vni(" 100", &v), 0);
	cr_assert_neq(parse_vni("1 00", &v), 0);
	cr_assert_neq(parse_vni("1.5", &v), 0);
}

/* Found by fuzzing (tests/fuzz/fuzz_values.c): strtoull takes its own
 * "0x" after ours, so 0x0x10 was 16. One prefix, then hex digits only. */
Test(vni, one_hex_prefix)
{
	__u32 v = 0;

	cr_assert_eq(parse_vni("0x0x10", &v), -EINVAL);
	cr_assert_eq(parse_vni("0X0x10", &v), -EINVAL);
	cr_assert_eq(parse_u32("0x0xf", 0, &v), -EINVAL);
	cr_assert_eq(parse_u32("0x+f", 255, &v), -EINVAL);
	cr_assert_eq(parse_u32("0x-1", 255, &v), -EINVAL);
	cr_assert_eq(parse_u32("0x 1", 255, &v), -EINVAL);
	cr_assert_eq(parse_u32("0xAbC", 0xffff, &v), 0);
	cr_assert_eq(v, 0xabc);
	cr_assert_eq(parse_u32("0xfff", 255, &v), -ERANGE);
}

Test(port, bounds)
{
	__u16 p;

	cr_assert_eq(parse_port("0", &p), 0);
	cr_assert_eq(p, 0);
	cr_assert_eq(parse_port("4789", &p), 0);
	cr_assert_eq(p, 4789);
	cr_assert_eq(parse_port("65535", &p), 0);
	cr_assert_eq(p, 65535);
	cr_assert_neq(parse_port("65536", &p), 0);
	cr_assert_neq(parse_port("-1", &p), 0);
	cr_assert_neq(parse_port("http", &p), 0);
}

/* ---- tokenizer --------------------------------------------------------- */

Test(tokenize, words_and_blanks)
{
	char line[] = "  fdb add\t52:54:00:00:00:01   vni 100  \r\n";
	char *argv[8];

	cr_assert_eq(tokenize(line, argv, 8), 5);
	cr_assert_str_eq(argv[0], "fdb");
	cr_assert_str_eq(argv[1], "add");
	cr_assert_str_eq(argv[2], "52:54:00:00:00:01");
	cr_assert_str_eq(argv[3], "vni");
	cr_assert_str_eq(argv[4], "100");
}

Test(tokenize, comments_and_empty)
{
	char a[] = "# a comment\n", b[] = "\n", c[] = "   \t  ", d[] = "";
	char e[] = "vni del 5 # trailing", f[] = "vni del 5#glued";
	char *argv[8];

	cr_assert_eq(tokenize(a, argv, 8), 0);
	cr_assert_eq(tokenize(b, argv, 8), 0);
	cr_assert_eq(tokenize(c, argv, 8), 0);
	cr_assert_eq(tokenize(d, argv, 8), 0);
	cr_assert_eq(tokenize(e, argv, 8), 3);
	cr_assert_str_eq(argv[2], "5");
	cr_assert_eq(tokenize(f, argv, 8), 3);
	cr_assert_str_eq(argv[2], "5");
}

Test(tokenize, too_many)
{
	char line[] = "a b c d";
	char *argv[3];

	cr_assert_eq(tokenize(line, argv, 3), -E2BIG);
}
