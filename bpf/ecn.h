/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ECN on decapsulation (RFC 6040), exactly as the kernel's vxlan device
 * does it (vxlan_ecn_decapsulate -> INET_ECN_decapsulate):
 *
 *   outer CE,     inner ECT(0)/ECT(1)  -> inner becomes CE
 *   outer CE,     inner Not-ECT        -> dropped: the mark cannot be
 *                                         passed on, and a loss is the
 *                                         congestion signal left
 *   outer ECT(1), inner ECT(0)         -> inner becomes ECT(1) (L4S)
 *   anything else, or not IP inside    -> unchanged
 *
 * Without this, a VNI vxbpf runs on its own (no kernel device to pass
 * the packet to) would turn every congestion mark into a loss.
 */
#ifndef VXBPF_ECN_H
#define VXBPF_ECN_H

#define ECN_DROP (-1)

/* inner_ip: 4, 6 or 0 (not IP). Returns ECN_DROP, 0 (unchanged) or
 * 1 + the ECN bits the inner header must carry. */
static __always_inline int ecn_decap(__u8 outer_tos, __u8 inner_ip, __u8 inner_ecn)
{
	__u8 outer = outer_tos & INET_ECN_MASK;

	if (!inner_ip)
		return 0;
	if (inner_ecn == INET_ECN_NOT_ECT)
		return outer == INET_ECN_CE ? ECN_DROP : 0;
	if (outer == INET_ECN_CE && inner_ecn != INET_ECN_CE)
		return 1 + INET_ECN_CE;
	if (outer == INET_ECN_ECT_1 && inner_ecn == INET_ECN_ECT_0)
		return 1 + INET_ECN_ECT_1;
	return 0;
}

/*
 * Write ECN bits (set: 1 + bits) into the IP header at l3_off of the
 * frame at data. IPv4: its header checksum follows (RFC 1624); the L4
 * checksum covers neither field.
 */
static __always_inline void ecn_write(void *data, void *end, __u8 ip, __u8 l3_off, __u8 set)
{
	/* The mask is for the verifier: Ethernet and one VLAN tag. */
	void *l3 = data + (l3_off & 0x1f);
	__u8 bits = (set - 1) & INET_ECN_MASK;

	if (ip == 4) {
		struct iphdr *iph = l3;
		__u16 old, new;

		if ((void *)(iph + 1) > end)
			return;
		old = *(__u16 *)iph;
		iph->tos = (iph->tos & ~INET_ECN_MASK) | bits;
		new = *(__u16 *)iph;
		iph->check = csum_fold(csum_add(csum_sub((__u16)~iph->check, old), new));
	} else if (ip == 6) {
		__be32 *w = l3;

		if ((void *)(w + 1) > end)
			return;
		*w = (*w & ~bpf_htonl(INET_ECN_MASK << 20)) | bpf_htonl((__u32)bits << 20);
	}
}

#endif /* VXBPF_ECN_H */
