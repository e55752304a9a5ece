// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "vxbpf.h"
#include "maps.h"

SEC("xdp")
int xdp_vxlan_rx(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int xdp_port_rx(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
