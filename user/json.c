// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A tiny JSON emitter. It keeps one "first member?" bit per nesting level
 * to place commas, and escapes strings per RFC 8259. Output is compact,
 * one document per command, as `ip -j` prints.
 */
#include <stdarg.h>
#include <string.h>

#include "json.h"

#define MAX_DEPTH 16

static FILE *out;
static bool json;
static int depth;
static bool first[MAX_DEPTH];

/*
 * The length of the well-formed UTF-8 sequence at p (Unicode's table 3-7:
 * no overlong forms, no surrogates, nothing above U+10FFFF), 0 if none.
 * p[0] is at least 0x80; the string's NUL ends any sequence early.
 */
static int utf8_len(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, lo = p[0] == 0xe0 ? 0xa0 : 0x80, hi = p[0] == 0xed ? 0x9f : 0xbf;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, lo = p[0] == 0xf0 ? 0x90 : 0x80, hi = p[0] == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	for (i = 1; i < n; i++, lo = 0x80, hi = 0xbf)
		if (p[i] < lo || p[i] > hi)
			return 0;
	return n;
}

void json_escape(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int n;

	fputc('"', f);
	for (; *p; p++) {
		/* JSON text is UTF-8 (RFC 8259 8.1): a byte that is not part
		 * of a character (a device name may hold any) is U+FFFD. */
		if (*p >= 0x80) {
			n = utf8_len(p);
			if (!n) {
				fputs("\\ufffd", f);
				continue;
			}
			fwrite(p, 1, n, f);
			p += n - 1;
			continue;
		}
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void out_init(FILE *f, bool j)
{
	out = f;
	json = j;
	depth = 0;
	first[0] = true;
}

bool out_json(void)
{
	return json;
}

/* Comma and key before a member or element. */
static void member(const char *key)
{
	if (!first[depth])
		fputc(',', out);
	first[depth] = false;
	if (key) {
		json_escape(out, key);
		fputc(':', out);
	}
}

static void jopen(const char *key, char ch)
{
	if (!json)
		return;
	member(key);
	fputc(ch, out);
	if (depth < MAX_DEPTH - 1)
		depth++;
	first[depth] = true;
}

static void jclose(char ch)
{
	if (!json)
		return;
	fputc(ch, out);
	if (depth > 0)
		depth--;
}

void out_open_obj(const char *key)
{
	jopen(key, '{');
}

void out_close_obj(void)
{
	jclose('}');
}

void out_open_array(const char *key)
{
	jopen(key, '[');
}

void out_close_array(void)
{
	jclose(']');
}

void out_str(const char *key, const char *fmt, const char *val)
{
	if (json) {
		member(key);
		json_escape(out, val);
	} else if (fmt) {
		fprintf(out, fmt, val);
	}
}

void out_u64(const char *key, const char *fmt, __u64 val)
{
	if (json) {
		member(key);
		fprintf(out, "%llu", (unsigned long long)val);
	} else if (fmt) {
		fprintf(out, fmt, (unsigned long long)val);
	}
}

void out_bool(const char *key, const char *fmt, bool val)
{
	if (json) {
		member(key);
		fputs(val ? "true" : "false", out);
	} else if (fmt && val) {
		fputs(fmt, out);
	}
}

void out_elem(const char *fmt, const char *val)
{
	out_str(NULL, fmt, val);
}

void out_text(const char *fmt, ...)
{
	va_list ap;

	if (json)
		return;
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
}

void out_nl(void)
{
	if (!json)
		fputc('\n', out);
}

void out_record_end(void)
{
	fputc('\n', out);
	depth = 0;
	first[0] = true;
	fflush(out);
}

void out_end(void)
{
	/* Only after a document: not after nothing, nor after a stream's
	 * last record (out_record_end ended its line). */
	if (json && !first[0])
		fputc('\n', out);
	fflush(out);
}
