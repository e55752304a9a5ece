/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A reader of classic pcap files (tcpdump -w), Ethernet only, from a
 * buffer: what `vxbpf explain` feeds to the programs. pcapng is refused
 * with a hint (tcpdump writes pcap; editcap -F pcap converts).
 */
#ifndef VX_PCAP_H
#define VX_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pcap_reader {
	const uint8_t *buf;
	size_t len, off;
	bool swap; /* written on a host of the other byte order */
	unsigned frame;
};

/* Check the file header; 0 or -EINVAL with a reason in err. */
int pcap_begin(struct pcap_reader *r, const uint8_t *buf, size_t len, char *err, size_t errlen);

/*
 * The next frame: 1 (data, len: the bytes captured), 0 at the end, or
 * -EINVAL with a reason in err (a record cut short, or longer than
 * PCAP_FRAME_MAX).
 */
#define PCAP_FRAME_MAX 65535
int pcap_next(struct pcap_reader *r, const uint8_t **data, uint32_t *len, uint32_t *orig_len,
	      char *err, size_t errlen);

#endif
