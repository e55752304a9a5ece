/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Constants that vmlinux.h cannot carry: they are macros in the kernel. */
#ifndef VXBPF_DEFS_H
#define VXBPF_DEFS_H

#define ETH_ALEN 6
#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define ETH_P_IPV6 0x86DD

#define IPPROTO_HOPOPTS 0
#define IPPROTO_ICMP 1
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_ROUTING 43
#define IPPROTO_FRAGMENT 44
#define IPPROTO_ESP 50
#define IPPROTO_AH 51
#define IPPROTO_ICMPV6 58
#define IPPROTO_DSTOPTS 60
#define IPPROTO_MH 135

#define LOOPBACK_IFINDEX 1 /* in every network namespace */
#define AF_INET 2
#define AF_INET6 10

#define IP_DF 0x4000

/*
 * The VXLAN header (RFC 7348), declared here rather than taken from
 * vmlinux.h: vmlinux.h's types are CO-RE relocated against the running
 * kernel's BTF, and where vxlan is a module (Debian's 6.1) its types are
 * only there while the module is loaded; vxbpf alone needs no vxlan
 * device, and a wire format needs no relocation.
 */
struct vxbpf_vxlanhdr {
	__be32 vx_flags;
	__be32 vx_vni;
};
#define IP_MF 0x2000
#define IP_OFFSET 0x1FFF
#define INET_ECN_MASK 3
#define INET_ECN_NOT_ECT 0
#define INET_ECN_ECT_1 1
#define INET_ECN_ECT_0 2
#define INET_ECN_CE 3

/* A load the compiler may neither tear, repeat nor drop (a count other
 * CPUs change). */
#define READ_ONCE(x) (*(const volatile typeof(x) *)&(x))

#define ARPHRD_ETHER 1
#define ARPOP_REQUEST 1
#define ARPOP_REPLY 2

#define NDISC_NEIGHBOUR_SOLICITATION 135
#define NDISC_NEIGHBOUR_ADVERTISEMENT 136
#define ND_OPT_SOURCE_LL_ADDR 1
#define ND_OPT_TARGET_LL_ADDR 2

/* "Not mine": the next tcx program or tc filter, then the default. (0,
 * TC_ACT_OK, would end the chain and skip every filter after ours.) */
#define TC_ACT_UNSPEC (-1)
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7

/* The length of the inner L2 header, for bpf_skb_adjust_room's flags. */
#define BPF_F_ADJ_ROOM_ENCAP_L2(len) (((__u64)(len) & 0xff) << BPF_ADJ_ROOM_ENCAP_L2_SHIFT)

#define VXLAN_HLEN 8
#define VXLAN_HF_VNI 0x08000000U /* the I flag, host order */

#endif /* VXBPF_DEFS_H */
