/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Shared by the libFuzzer targets in tests/fuzz: each one feeds bytes to
 * pure parsing code (no maps, no sockets, no files) built with
 * AddressSanitizer and UndefinedBehaviorSanitizer. A property a target
 * checks beyond "no crash" fails through FUZZ_CHECK, which aborts: that
 * input is saved as a crash like any other.
 */
#ifndef VX_FUZZ_H
#define VX_FUZZ_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* fopencookie */
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, ...)                                                  \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(fuzz_report, "fuzz check failed: %s (%s:%d): ",  \
				#cond, __FILE__, __LINE__);                    \
			fprintf(fuzz_report, __VA_ARGS__);                      \
			fputc('\n', fuzz_report);                               \
			fflush(fuzz_report);                                    \
			abort();                                               \
		}                                                              \
	} while (0)

/* The real stderr, for FUZZ_CHECK; stderr itself goes nowhere. */
static FILE *fuzz_report;

static ssize_t fuzz_null_write(void *c, const char *buf, size_t len)
{
	(void)c, (void)buf;
	return len;
}

/*
 * vxbpf's error messages (vx_err, vx_warn) are part of what runs, but a
 * million of them would slow the run down and bury libFuzzer's output.
 * Sanitizer reports and libFuzzer write to file descriptor 2 directly and
 * are not affected.
 */
static inline void fuzz_quiet(void)
{
	static const cookie_io_functions_t null_io = { .write = fuzz_null_write };
	FILE *null = fopencookie(NULL, "w", null_io);

	fuzz_report = stderr;
	if (null)
		stderr = null;
}

/* A NUL-terminated copy of the input (the caller frees it). */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = 0;
	return s;
}

#endif
