/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A bounds-checked cursor over the packet: every header is pulled with a
 * check against data_end first, the way the verifier wants it.
 */
#ifndef VXBPF_PARSE_H
#define VXBPF_PARSE_H

struct cursor {
	void *pos;
	void *end;
};

static __always_inline void cursor_init(struct cursor *c, struct xdp_md *ctx)
{
	c->pos = (void *)(long)ctx->data;
	c->end = (void *)(long)ctx->data_end;
}

#define cursor_pull(c, type)                                                   \
	({                                                                     \
		type *__h = (c)->pos;                                          \
		if ((void *)(__h + 1) > (c)->end)                              \
			__h = NULL;                                            \
		else                                                           \
			(c)->pos = __h + 1;                                    \
		__h;                                                           \
	})

static __always_inline bool mac_is_multicast(const __u8 *mac)
{
	return mac[0] & 1;
}

static __always_inline bool mac_is_zero(const __u8 *mac)
{
	return !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

static __always_inline bool mac_equal(const __u8 *a, const __u8 *b)
{
	return !((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4]) |
		 (a[5] ^ b[5]));
}

static __always_inline void mac_copy(__u8 *dst, const __u8 *src)
{
	__builtin_memcpy(dst, src, ETH_ALEN);
}

static __always_inline void addr_from_v4(struct vxbpf_addr *a, __be32 v4)
{
	vxbpf_addr_w(a)[0] = 0;
	vxbpf_addr_w(a)[1] = 0;
	vxbpf_addr_w(a)[2] = bpf_htonl(0xffff);
	vxbpf_addr_w(a)[3] = v4;
}

static __always_inline void addr_from_v6(struct vxbpf_addr *a, const struct in6_addr *v6)
{
	__builtin_memcpy(a, v6, sizeof(*a));
}

static __always_inline bool addr_equal(const struct vxbpf_addr *a, const struct vxbpf_addr *b)
{
	const __be32 *x = vxbpf_addr_w(a), *y = vxbpf_addr_w(b);

	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}

/* The four words xor-ed together: an address's share of a flow hash. */
static __always_inline __u32 addr_fold(const struct vxbpf_addr *a)
{
	const __be32 *w = vxbpf_addr_w(a);

	return w[0] ^ w[1] ^ w[2] ^ w[3];
}

static __always_inline bool addr_is_zero(const struct vxbpf_addr *a)
{
	const __be32 *w = vxbpf_addr_w(a);

	return !(w[0] | w[1] | w[2] | w[3]);
}

static __always_inline bool addr_is_v4(const struct vxbpf_addr *a)
{
	const __be32 *w = vxbpf_addr_w(a);

	return w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0xffff);
}

/* IPv6 extension headers the fast path does not walk (RFC 8200 order). */
static __always_inline bool ipv6_is_ext(__u8 nh)
{
	switch (nh) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_FRAGMENT:
	case IPPROTO_ESP:
	case IPPROTO_AH:
	case IPPROTO_DSTOPTS:
	case IPPROTO_MH:
	case 139: /* HIP */
	case 140: /* Shim6 */
	case 253: /* experimental */
	case 254:
		return true;
	}
	return false;
}

#endif /* VXBPF_PARSE_H */
