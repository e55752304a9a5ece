/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Internet checksums in XDP. Sums are 32-bit ones' complement partial sums
 * of 16-bit words taken in memory order, exactly like the kernel's __wsum:
 * add pieces in any order, fold once at the end.
 */
#ifndef VXBPF_CSUM_H
#define VXBPF_CSUM_H

static __always_inline __u32 csum_add(__u32 sum, __u32 addend)
{
	sum += addend;
	return sum + (sum < addend);
}

static __always_inline __u32 csum_sub(__u32 sum, __u32 addend)
{
	return csum_add(sum, ~addend);
}

/* Fold and complement: the value a checksum field holds. */
static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/*
 * Many 32-bit words added in a 64-bit register carry nothing out of it,
 * so a run of them needs no carry test per word (csum_add's compare and
 * branch), only this fold at the end: the same partial sum, modulo
 * 2^32 - 1, never 0 for a non-zero sum (as csum_add's). Measured in
 * bench/cost.md (the floor: 4-7 ns of decap's verification).
 */
static __always_inline __u32 csum64_fold(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	return (__u32)s;
}

/* A 64-bit run's checksum field: csum_fold of its 32-bit fold. */
static __always_inline __u16 csum64_check(__u64 s)
{
	return csum_fold(csum64_fold(s));
}

/* An address's words, into a 64-bit sum. */
static __always_inline __u64 csum64_addr(__u64 sum, const struct vxbpf_addr *a, bool v6)
{
	if (v6)
		sum += (__u64)vxbpf_addr_w(a)[0] + vxbpf_addr_w(a)[1] + vxbpf_addr_w(a)[2];
	return sum + vxbpf_addr_w(a)[3];
}

static __always_inline __u32 csum_addr(__u32 sum, const struct vxbpf_addr *a, bool v6)
{
	return csum64_fold(csum64_addr(sum, a, v6));
}

/*
 * The sum of a 20-byte IPv4 header (no options) as it stands: the one
 * place it is written (outer check on receive, inner headers for local
 * checksum offload, outer header on transmit, path MTU replies).
 */
static __always_inline __u32 ip4_hdr_sum(const struct iphdr *iph)
{
	const __u32 *w = (const void *)iph;

	return csum64_fold((__u64)w[0] + w[1] + w[2] + w[3] + w[4]);
}

/* The TCP/UDP pseudo-header, unfolded: to add more words to it. */
static __always_inline __u64 csum64_pseudo(const struct vxbpf_addr *src, const struct vxbpf_addr *dst,
					   __u32 len, __u8 proto, bool v6)
{
	return csum64_addr(csum64_addr(0, src, v6), dst, v6) + bpf_htonl(len) + bpf_htonl(proto);
}

/* The TCP/UDP pseudo-header sum; len and proto in host order. */
static __always_inline __u32 csum_pseudo(const struct vxbpf_addr *src, const struct vxbpf_addr *dst,
					 __u32 len, __u8 proto, bool v6)
{
	return csum64_fold(csum64_pseudo(src, dst, len, proto, v6));
}

/* The longest run csum_to_end() sums: 18 chunks of 512 bytes. A frame's
 * UDP payload on a 9216-byte underlay MTU is 9196 bytes at most. */
#define CSUM_CHUNKS 18
#define CSUM_MAX (512 * CSUM_CHUNKS)

/* Implemented in vxbpf.bpf.c as global functions (see there). */
/* len: the whole frame's (frame_len()), which its caller knows already. */
__u64 csum_to_end(struct xdp_md *ctx, __u32 off, __u32 len);
__u64 skb_csum_to_end(struct __sk_buff *ctx, __u32 off);
#define CSUM_ERR (1ULL << 32)

#endif /* VXBPF_CSUM_H */
