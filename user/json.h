/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * One printing path for text and JSON, in the manner of iproute2's
 * json_print: every field is printed once with a key (used for JSON) and
 * a printf format (used for text; NULL = JSON only). Objects and arrays
 * only exist in JSON; text layout is in the formats and out_nl().
 */
#ifndef VX_JSON_H
#define VX_JSON_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

/* Write s as a JSON string literal (with quotes) to f. UTF-8 passes
 * through; a byte that is not part of a well-formed UTF-8 character is
 * written as U+FFFD, so that the output is valid JSON whatever s holds. */
void json_escape(FILE *f, const char *s);

void out_init(FILE *f, bool json);
bool out_json(void);

void out_open_obj(const char *key);
void out_close_obj(void);
void out_open_array(const char *key);
void out_close_array(void);

void out_str(const char *key, const char *fmt, const char *val);
void out_u64(const char *key, const char *fmt, __u64 val);
/* JSON: "key": true/false. Text: fmt (no argument) only when true. */
void out_bool(const char *key, const char *fmt, bool val);
/* A bare string element of a JSON array; text: fmt. */
void out_elem(const char *fmt, const char *val);
/* Text only. */
void out_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void out_nl(void);
/* Finish the document (a final newline after JSON). */
void out_end(void);
/* Finish one record of a stream (monitor): a line of text or of JSON. */
void out_record_end(void);

#endif
