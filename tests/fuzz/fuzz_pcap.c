// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The capture reader and the frame decode of `vxbpf explain` (user/pcap.c,
 * user/decode.c): any file is read frame by frame without reading past
 * it, each frame is decoded and printed in one bounded line.
 */
#include "decode.h"
#include "fuzz.h"
#include "pcap.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static bool any_port(uint16_t port, void *ctx)
{
	return port == *(const uint8_t *)ctx || port == 4789;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: ASan catches a read one byte past the file. */
	uint8_t *buf = malloc(size ? size : 1);
	struct pcap_reader r;
	struct frame_info fi;
	const uint8_t *d;
	uint32_t len, orig;
	char err[160], line[768];
	int ret;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (!pcap_begin(&r, buf, size, err, sizeof(err))) {
		while ((ret = pcap_next(&r, &d, &len, &orig, err, sizeof(err))) == 1) {
			FUZZ_CHECK(d >= buf && d + len <= buf + size, "frame %u outside the file", r.frame);
			frame_decode(d, len, any_port, buf, &fi);
			frame_line(&fi, line, sizeof(line));
			FUZZ_CHECK(strlen(line) < sizeof(line), "line overflow");
		}
		FUZZ_CHECK(ret == 0 || err[0], "an error without a reason");
	} else {
		FUZZ_CHECK(err[0], "a refusal without a reason");
	}
	/* The bytes as one frame too: most of the decode's inputs. */
	frame_decode(buf, size, any_port, buf, &fi);
	frame_line(&fi, line, sizeof(line));
	free(buf);
	return 0;
}
