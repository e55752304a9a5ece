// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The JSON output (user/json.c). The first byte picks:
 *   even: the rest is one string for json_escape(); the output must be
 *         one valid JSON string (RFC 8259: UTF-8, control characters
 *         escaped) that decodes back to the input where the input is
 *         UTF-8 (a byte that is not becomes U+FFFD);
 *   odd:  the rest drives out_*() as a command's printing does (objects,
 *         arrays, keys and values from the input); the output must be one
 *         valid JSON document and a newline.
 * The checker below is a strict RFC 8259 parser of its own.
 */
#include <stdbool.h>

#include "fuzz.h"
#include "json.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

/* ---- UTF-8 --------------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s (Unicode Table 3-7), 0 if
 * none; its code point in *cp. */
static int utf8_seq(const unsigned char *s, size_t left, unsigned *cp)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	int n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, *cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, *cp = c & 0x0f, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, *cp = c & 0x07, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (left < (size_t)n)
		return 0;
	for (i = 1; i < n; i++) {
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf))
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	return n;
}

static size_t utf8_put(unsigned cp, char *out)
{
	if (cp < 0x80) {
		out[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = 0xc0 | cp >> 6;
		out[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = 0xe0 | cp >> 12;
		out[1] = 0x80 | (cp >> 6 & 0x3f);
		out[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	out[0] = 0xf0 | cp >> 18;
	out[1] = 0x80 | (cp >> 12 & 0x3f);
	out[2] = 0x80 | (cp >> 6 & 0x3f);
	out[3] = 0x80 | (cp & 0x3f);
	return 4;
}

/* ---- a strict JSON parser ------------------------------------------------ */

struct jp {
	const unsigned char *s, *end;
	char *dec; /* decoded string (UTF-8), when not NULL */
	size_t dlen;
	int depth;
};

static void ws(struct jp *p)
{
	while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r'))
		p->s++;
}

static int hex4(struct jp *p, unsigned *v)
{
	int i, d;

	*v = 0;
	for (i = 0; i < 4; i++) {
		if (p->s >= p->end)
			return -1;
		d = *p->s++;
		if (d >= '0' && d <= '9')
			d -= '0';
		else if (d >= 'a' && d <= 'f')
			d -= 'a' - 10;
		else if (d >= 'A' && d <= 'F')
			d -= 'A' - 10;
		else
			return -1;
		*v = *v << 4 | d;
	}
	return 0;
}

static void dput(struct jp *p, unsigned cp)
{
	if (p->dec)
		p->dlen += utf8_put(cp, p->dec + p->dlen);
}

static int jstring(struct jp *p)
{
	unsigned cp, lo;
	int n;

	if (p->s >= p->end || *p->s++ != '"')
		return -1;
	for (;;) {
		if (p->s >= p->end)
			return -1;
		if (*p->s == '"') {
			p->s++;
			return 0;
		}
		if (*p->s < 0x20)
			return -1; /* must be escaped */
		if (*p->s != '\\') {
			n = utf8_seq(p->s, p->end - p->s, &cp);
			if (!n)
				return -1; /* JSON text is UTF-8 */
			p->s += n;
			dput(p, cp);
			continue;
		}
		p->s++;
		if (p->s >= p->end)
			return -1;
		switch (*p->s++) {
		case '"': dput(p, '"'); break;
		case '\\': dput(p, '\\'); break;
		case '/': dput(p, '/'); break;
		case 'b': dput(p, '\b'); break;
		case 'f': dput(p, '\f'); break;
		case 'n': dput(p, '\n'); break;
		case 'r': dput(p, '\r'); break;
		case 't': dput(p, '\t'); break;
		case 'u':
			if (hex4(p, &cp))
				return -1;
			/* A lone surrogate is no character (RFC 8259 8.2). */
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return -1;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (p->end - p->s < 6 || p->s[0] != '\\' || p->s[1] != 'u')
					return -1;
				p->s += 2;
				if (hex4(p, &lo) || lo < 0xdc00 || lo > 0xdfff)
					return -1;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			dput(p, cp);
			break;
		default:
			return -1;
		}
	}
}

static int jvalue(struct jp *p);

static int jnumber(struct jp *p)
{
	const unsigned char *st;

	if (p->s < p->end && *p->s == '-')
		p->s++;
	if (p->s >= p->end)
		return -1;
	if (*p->s == '0') {
		p->s++;
	} else if (*p->s >= '1' && *p->s <= '9') {
		while (p->s < p->end && *p->s >= '0' && *p->s <= '9')
			p->s++;
	} else {
		return -1;
	}
	if (p->s < p->end && *p->s == '.') {
		st = ++p->s;
		while (p->s < p->end && *p->s >= '0' && *p->s <= '9')
			p->s++;
		if (p->s == st)
			return -1;
	}
	if (p->s < p->end && (*p->s == 'e' || *p->s == 'E')) {
		p->s++;
		if (p->s < p->end && (*p->s == '+' || *p->s == '-'))
			p->s++;
		st = p->s;
		while (p->s < p->end && *p->s >= '0' && *p->s <= '9')
			p->s++;
		if (p->s == st)
			return -1;
	}
	return 0;
}

static int lit(struct jp *p, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(p->end - p->s) < n || memcmp(p->s, w, n))
		return -1;
	p->s += n;
	return 0;
}

static int jcontainer(struct jp *p, char open, char close)
{
	bool first = true;

	if (++p->depth > 64)
		return -1;
	p->s++; /* open */
	ws(p);
	if (p->s < p->end && *p->s == close) {
		p->s++;
		p->depth--;
		return 0;
	}
	for (;;) {
		if (!first) {
			ws(p);
			if (p->s >= p->end)
				return -1;
			if (*p->s == close) {
				p->s++;
				p->depth--;
				return 0;
			}
			if (*p->s++ != ',')
				return -1;
		}
		first = false;
		ws(p);
		if (open == '{') {
			if (jstring(p))
				return -1;
			ws(p);
			if (p->s >= p->end || *p->s++ != ':')
				return -1;
		}
		if (jvalue(p))
			return -1;
	}
}

static int jvalue(struct jp *p)
{
	ws(p);
	if (p->s >= p->end)
		return -1;
	switch (*p->s) {
	case '{':
		return jcontainer(p, '{', '}');
	case '[':
		return jcontainer(p, '[', ']');
	case '"':
		return jstring(p);
	case 't':
		return lit(p, "true");
	case 'f':
		return lit(p, "false");
	case 'n':
		return lit(p, "null");
	default:
		return jnumber(p);
	}
}

/* ---- json_escape ------------------------------------------------------- */

static void fuzz_escape(const uint8_t *data, size_t size)
{
	char *in = fuzz_str(data, size), *out = NULL, *want;
	size_t olen = 0, wlen = 0, i, len = strlen(in);
	FILE *f = open_memstream(&out, &olen);
	struct jp p;
	unsigned cp;
	int n;

	if (!f)
		abort();
	json_escape(f, in);
	fclose(f);

	/* What the string must decode to: the input, U+FFFD for each byte
	 * that does not start a well-formed UTF-8 sequence. */
	want = malloc(3 * len + 1);
	if (!want)
		abort();
	for (i = 0; i < len; i += n) {
		n = utf8_seq((const unsigned char *)in + i, len - i, &cp);
		if (!n)
			n = 1, cp = 0xfffd;
		wlen += utf8_put(cp, want + wlen);
	}

	p = (struct jp){ .s = (unsigned char *)out, .end = (unsigned char *)out + olen,
			 .dec = malloc(4 * olen + 1) };
	if (!p.dec)
		abort();
	FUZZ_CHECK(!jstring(&p), "not a JSON string: %s", out);
	FUZZ_CHECK(p.s == p.end, "more than one string: %s", out);
	FUZZ_CHECK(p.dlen == wlen && !memcmp(p.dec, want, wlen),
		   "%s does not decode to the input", out);
	free(p.dec);
	free(want);
	free(out);
	free(in);
}

/* ---- out_*: a document ----------------------------------------------------- */

struct src {
	const uint8_t *d;
	size_t n;
};

static int take(struct src *s)
{
	if (!s->n)
		return -1;
	s->n--;
	return *s->d++;
}

/* A string of the input: a length byte, then that many bytes (no NUL). */
static char *take_str(struct src *s)
{
	int len = take(s);
	size_t n = len < 0 ? 0 : (size_t)len % 32;
	char *str;
	size_t i, k = 0;

	if (n > s->n)
		n = s->n;
	str = malloc(n + 1);
	if (!str)
		abort();
	for (i = 0; i < n; i++)
		if (s->d[i])
			str[k++] = s->d[i];
	str[k] = 0;
	s->d += n;
	s->n -= n;
	return str;
}

#define MAX_NEST 15 /* json.c keeps 16 levels, the top one included */

static void fuzz_doc(const uint8_t *data, size_t size, bool record)
{
	struct src s = { data, size };
	char *out = NULL, *key, *val;
	bool stack[MAX_NEST]; /* true: object */
	int depth = 0, op;
	size_t olen = 0;
	FILE *f = open_memstream(&out, &olen);
	struct jp p;

	if (!f)
		abort();
	out_init(f, true);
	/* Every command prints one object or array at the top. */
	stack[depth++] = !(size & 1);
	if (stack[0])
		out_open_obj(NULL);
	else
		out_open_array(NULL);
	while ((op = take(&s)) >= 0) {
		/* In an object every member has a key; in an array none. */
		key = stack[depth - 1] ? take_str(&s) : NULL;
		switch (op % 8) {
		case 0:
		case 1:
			if (depth == MAX_NEST)
				break;
			stack[depth++] = op % 8 == 0;
			if (op % 8 == 0)
				out_open_obj(key);
			else
				out_open_array(key);
			break;
		case 2:
			if (depth == 1)
				break;
			if (stack[--depth])
				out_close_obj();
			else
				out_close_array();
			break;
		case 3:
			val = take_str(&s);
			if (key)
				out_str(key, "%s", val);
			else
				out_elem("%s", val);
			free(val);
			break;
		case 4: {
			unsigned long long v = 0;
			int i, b;

			for (i = 0; i < 8 && (b = take(&s)) >= 0; i++)
				v = v << 8 | b;
			out_u64(key, "%llu", v);
			break;
		}
		case 5:
			out_bool(key, "x", op & 8);
			break;
		default:
			/* Text only: nothing in JSON. */
			out_text("text %d", op);
			out_nl();
			break;
		}
		free(key);
	}
	while (depth) {
		if (stack[--depth])
			out_close_obj();
		else
			out_close_array();
	}
	if (record)
		out_record_end();
	else
		out_end();
	fclose(f);

	p = (struct jp){ .s = (unsigned char *)out, .end = (unsigned char *)out + olen };
	FUZZ_CHECK(!jvalue(&p), "not JSON: %s", out);
	FUZZ_CHECK(p.end - p.s == 1 && *p.s == '\n', "not one document and a newline: %s", out);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (!(data[0] & 1))
		fuzz_escape(data + 1, size - 1);
	else
		fuzz_doc(data + 1, size - 1, data[0] & 2);
	return 0;
}
