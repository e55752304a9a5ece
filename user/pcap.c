// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Classic pcap, read from a buffer (pcap.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pcap.h"

#define MAGIC_US 0xa1b2c3d4U
#define MAGIC_NS 0xa1b23c4dU
#define MAGIC_NG 0x0a0d0d0aU /* pcapng's section header block */
#define LINKTYPE_ETHERNET 1

static uint32_t rd32(const struct pcap_reader *r, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return r->swap ? __builtin_bswap32(v) : v;
}

int pcap_begin(struct pcap_reader *r, const uint8_t *buf, size_t len, char *err, size_t errlen)
{
	uint32_t magic, link;

	memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->len = len;
	if (len < 24) {
		snprintf(err, errlen, "not a pcap file (%zu bytes, shorter than its header)", len);
		return -EINVAL;
	}
	memcpy(&magic, buf, 4);
	if (magic == MAGIC_NG) {
		snprintf(err, errlen, "a pcapng file: write pcap (tcpdump -w does), or convert it with editcap -F pcap");
		return -EINVAL;
	}
	if (magic == __builtin_bswap32(MAGIC_US) || magic == __builtin_bswap32(MAGIC_NS))
		r->swap = true;
	else if (magic != MAGIC_US && magic != MAGIC_NS) {
		snprintf(err, errlen, "not a pcap file (magic %08x)", magic);
		return -EINVAL;
	}
	link = rd32(r, buf + 20) & 0x0fffffff; /* the top bits: FCS length */
	if (link != LINKTYPE_ETHERNET) {
		snprintf(err, errlen, "link type %u: only Ethernet captures (link type 1) are read", link);
		return -EINVAL;
	}
	r->off = 24;
	return 0;
}

int pcap_next(struct pcap_reader *r, const uint8_t **data, uint32_t *len, uint32_t *orig_len,
	      char *err, size_t errlen)
{
	uint32_t caplen;

	if (r->off == r->len)
		return 0;
	r->frame++;
	if (r->len - r->off < 16) {
		snprintf(err, errlen, "frame %u: record header cut short", r->frame);
		return -EINVAL;
	}
	caplen = rd32(r, r->buf + r->off + 8);
	*orig_len = rd32(r, r->buf + r->off + 12);
	if (caplen > PCAP_FRAME_MAX) {
		snprintf(err, errlen, "frame %u: %u bytes, more than a frame can be", r->frame, caplen);
		return -EINVAL;
	}
	if (r->len - r->off - 16 < caplen) {
		snprintf(err, errlen, "frame %u: cut short (%zu of %u bytes)", r->frame,
			 r->len - r->off - 16, caplen);
		return -EINVAL;
	}
	*data = r->buf + r->off + 16;
	*len = caplen;
	r->off += 16 + caplen;
	return 1;
}
