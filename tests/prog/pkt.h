/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet builders, an independent Internet checksum, and a one-frame pcap
 * reader for the program tests.
 *
 * The checksum here is deliberately written differently from bpf/csum.h:
 * byte-wise, big-endian 16-bit words, 64-bit accumulator, RFC 1071 style.
 * A test that checks a checksum the program wrote with the program's own
 * arithmetic would prove nothing.
 */
#ifndef VXBPF_TEST_PKT_H
#define VXBPF_TEST_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Jumbo frames (tests/prog/test_jumbo.c): past a 9216-byte MTU. */
#define PKT_MAX 16384

struct pkt {
	uint8_t b[PKT_MAX];
	size_t len;
};

/* Well-known addresses of the test topology (tests/fixtures/README.md). */
extern const uint8_t MAC_UL_A[6];  /* 02:00:00:00:01:01 host A ul0 */
extern const uint8_t MAC_UL_B[6];  /* 02:00:00:00:02:01 host B ul0 */
extern const uint8_t MAC_VM1[6];   /* 02:00:00:00:aa:01 */
extern const uint8_t MAC_VM2[6];   /* 02:00:00:00:bb:01 */
extern const uint8_t MAC_OTHER[6]; /* 02:00:00:00:cc:01, in no table */
extern const uint8_t MAC_BCAST[6];

/* ---- checksum ---------------------------------------------------------- */
uint64_t ck_add(uint64_t sum, const void *data, size_t len);
uint16_t ck_fold(uint64_t sum); /* complemented, host order */
/* Pseudo-header sum; src/dst 4 or 16 bytes. */
uint64_t ck_pseudo(const void *src, const void *dst, bool v6, uint32_t len, uint8_t proto);
/* Is the IPv4 header at ip (ihl from the header) checksum-correct? */
bool ck_ip4_ok(const uint8_t *ip);
/* Is the L4 segment (TCP/UDP/ICMPv6) behind IP header ip correct? */
bool ck_l4_ok(const uint8_t *ip, bool v6, const uint8_t *l4, size_t l4_len, uint8_t proto);

/* ---- byte helpers ------------------------------------------------------ */
void put16(uint8_t *p, uint16_t v);
void put32(uint8_t *p, uint32_t v);
uint16_t get16(const uint8_t *p);
uint32_t get32(const uint8_t *p);
void pkt_put(struct pkt *p, const void *data, size_t len);
void pkt_copy(struct pkt *dst, const struct pkt *src);
void ip4_parse(const char *s, uint8_t out[4]);
void ip6_parse(const char *s, uint8_t out[16]);
/* "aa bb ..." of the first differing region, for failure messages. */
const char *pkt_diff(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* ---- pcap -------------------------------------------------------------- */
/* Read the first frame of a classic pcap file into p; 0 or -errno. */
int pcap_read_one(const char *path, struct pkt *p);
/* tests/fixtures/<name> under $VXBPF_ROOT, else the cwd, else relative to
 * the binary (build/tests/prog). */
int fixture_read(const char *name, struct pkt *p);

/* Every fixture file, for parameterized tests (no pointers: see vx_opts). */
struct fixture_name {
	char s[32];
};
#define N_FIXTURES 8
extern struct fixture_name fixtures[N_FIXTURES];
/* Offset of the inner frame in a fixture frame (outer Eth+IP+UDP+VXLAN). */
size_t fixture_inner_off(const struct pkt *p);

/* ---- inner (overlay) frames -------------------------------------------- */
/* Ethernet + IPv4 + TCP SYN with MSS option, checksums complete; sport
 * and tos let a test vary the flow and the ECN bits. */
void build_tcp4(struct pkt *p, const uint8_t *dmac, const uint8_t *smac, uint16_t sport,
		uint8_t tos);
/* Turn the TCP/UDP checksum of a frame built here into the
 * CHECKSUM_PARTIAL seed: the folded pseudo-header sum (what Linux leaves
 * for the device to finish)... */
void l4_make_seed(struct pkt *p);
/* ...and back: the complete checksum. */
void l4_complete(struct pkt *p);
/* Ethernet + IPv6 + TCP SYN, checksum complete. */
void build_tcp6(struct pkt *p, const uint8_t *dmac, const uint8_t *smac, uint16_t sport);
/* Ethernet + IPv4 + UDP 12345 → dport with `payload` bytes, checksum
 * complete; the frame is 42 + payload bytes long. */
void build_udp4(struct pkt *p, const uint8_t *dmac, const uint8_t *smac, const char *dip,
		uint16_t dport, size_t payload);
/* Ethernet + IPv4 (DF) or IPv6 + TCP ACK|PSH with `payload` bytes of a
 * pattern, checksum complete: a segment of a bulk transfer. */
void build_tcp_data(struct pkt *p, bool v6, const uint8_t *dmac, const uint8_t *smac,
		    size_t payload);
/* Ethernet + IPv4 (DF) + ICMP echo request with `payload` bytes: a frame
 * whose outer checksum needs the whole frame summed (no TCP/UDP header to
 * derive it from). */
void build_icmp4(struct pkt *p, const uint8_t *dmac, const uint8_t *smac, size_t payload);
/* Set the ECN bits of the IPv4 inner header (and redo its checksum). */
void ip4_set_tos(struct pkt *p, size_t ip_off, uint8_t tos);

/* ---- outer VXLAN frames (rx) ------------------------------------------- */
enum ck_mode {
	CK_OK = 0, /* correct outer UDP checksum */
	CK_ZERO,   /* 0: no checksum */
	CK_BAD,	   /* correct + 1 */
	CK_LCO,	   /* computed as if the inner TCP checksum were complete */
	CK_SEED,   /* the CHECKSUM_PARTIAL seed: folded pseudo-header sum */
};

struct vx_opts {
	bool v6;	    /* IPv6 underlay */
	bool vlan;	    /* 802.1Q tag (VID 10) after the outer MACs */
	uint32_t flags_xor; /* bits toggled in the VXLAN flags word (0x08000000) */
	uint8_t rsvd;	    /* low byte of the VNI word */
	uint32_t vni;	    /* 0: 100 */
	/* Arrays, not pointers: criterion re-executes the test binary for
	 * each parameterized case, so pointers in parameters do not survive. */
	char src[40];	 /* outer source; "": the remote (A) */
	char dst[40];	 /* outer destination; "": the local VTEP (B) */
	uint8_t ip_opts; /* IPv4 option words (NOP padding) */
	uint8_t ip_opt;	 /* nonzero: the first option is this type, 7 bytes
			  * long (ptr 4, one address), NOPs after */
	uint16_t frag;	 /* IPv4 frag_off, host order */
	int ext;	 /* IPv6 extension header before UDP: its type + 1 */
	uint8_t ext_b[6]; /* its bytes 2..7 (routing: type, segments left;
			   * options: the option area; fragment: offset, id) */
	enum ck_mode ck;
	uint16_t dport;	    /* 0: 4789 */
	uint8_t tos;	    /* outer TOS / traffic class */
	uint8_t ttl;	    /* 0: 64 */
	uint8_t ip_ver;	    /* 0: 4 or 6; else this IP version nibble */
	uint16_t ip_ck_xor; /* XORed into the IPv4 header checksum */
};

/*
 * Build the frame a remote VTEP 192.0.2.1 / 2001:db8::1 (host A, MAC
 * 02:00:00:00:01:01) sends to us, 192.0.2.2 / 2001:db8::2 (host B, MAC
 * 02:00:00:00:02:01), carrying inner. With default options this is,
 * byte for byte apart from the IPv4 ID 0 and UDP source port 49152, what
 * the fixtures hold.
 */
void build_vxlan(struct pkt *p, const struct vx_opts *o, const struct pkt *inner);

#endif
