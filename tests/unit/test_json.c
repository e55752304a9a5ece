// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The JSON emitter: escaping and the shared text/JSON printing path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "json.h"

static char *esc(const char *s)
{
	static char out[256];
	FILE *f = fmemopen(out, sizeof(out), "w");

	json_escape(f, s);
	fclose(f);
	return out;
}

Test(json, escape)
{
	cr_assert_str_eq(esc("plain"), "\"plain\"");
	cr_assert_str_eq(esc(""), "\"\"");
	cr_assert_str_eq(esc("a\"b"), "\"a\\\"b\"");
	cr_assert_str_eq(esc("back\\slash"), "\"back\\\\slash\"");
	cr_assert_str_eq(esc("t\tn\nr\r"), "\"t\\tn\\nr\\r\"");
	cr_assert_str_eq(esc("\b\f"), "\"\\b\\f\"");
	cr_assert_str_eq(esc("\x01\x1f\x7f"), "\"\\u0001\\u001f\\u007f\"");
	/* UTF-8 passes through untouched. */
	cr_assert_str_eq(esc("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
	cr_assert_str_eq(esc("/"), "\"/\"");
}

/* Found by fuzzing (tests/fuzz/fuzz_json.c): bytes that are not UTF-8
 * (a device may be named so) passed through, and JSON must be UTF-8. */
Test(json, escape_not_utf8)
{
	cr_assert_str_eq(esc("a\xff" "b"), "\"a\\ufffdb\"");
	cr_assert_str_eq(esc("\x0f\x80"), "\"\\u000f\\ufffd\"");
	/* Overlong, a surrogate, above U+10FFFF, cut short. */
	cr_assert_str_eq(esc("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
	cr_assert_str_eq(esc("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
	cr_assert_str_eq(esc("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	cr_assert_str_eq(esc("x\xe2\x82"), "\"x\\ufffd\\ufffd\"");
	/* Every length of well-formed character is kept. */
	cr_assert_str_eq(esc("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xed\x9f\xbf"),
			 "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xed\x9f\xbf\"");
}

/* Print one object the way show does, in the given mode. */
static char *doc(bool json)
{
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);

	out_init(f, json);
	out_open_array(NULL);
	out_open_obj(NULL);
	out_str("mac", "%s", "52:54:00:00:00:01");
	out_u64("vni", " vni %llu", 100);
	out_bool("proxy", " proxy", true);
	out_bool("learning", " learning", false);
	out_open_array("flags");
	out_elem(" local", "local");
	out_elem(NULL, "multi");
	out_close_array();
	out_open_obj("srcport");
	out_u64("min", " srcport %llu", 1);
	out_u64("max", " %llu", 2);
	out_close_obj();
	out_text(" text-only");
	out_close_obj();
	out_nl();
	out_open_obj(NULL);
	out_str("name", "%s", "we\"ird");
	out_close_obj();
	out_nl();
	out_close_array();
	out_end();
	fclose(f);
	return out;
}

Test(json, shared_path_json)
{
	char *s = doc(true);

	cr_assert_str_eq(s,
			 "[{\"mac\":\"52:54:00:00:00:01\",\"vni\":100,"
			 "\"proxy\":true,\"learning\":false,"
			 "\"flags\":[\"local\",\"multi\"],"
			 "\"srcport\":{\"min\":1,\"max\":2}},"
			 "{\"name\":\"we\\\"ird\"}]\n");
	free(s);
}

Test(json, shared_path_text)
{
	char *s = doc(false);

	cr_assert_str_eq(s, "52:54:00:00:00:01 vni 100 proxy local srcport 1 2 text-only\n"
			    "we\"ird\n");
	free(s);
}

Test(json, empty_array)
{
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);

	out_init(f, true);
	out_open_array(NULL);
	out_close_array();
	out_end();
	fclose(f);
	cr_assert_str_eq(out, "[]\n");
	free(out);
}
