#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Jumbo underlays: vxbpf attaches to an underlay of MTU 9000 and to ports of
# VMs with MTU 8950 (8930 over IPv6), which single-buffer XDP cannot (a veth
# refuses it above a page: ERANGE), and carries their full-size frames on
# the fast path, against a host running plain Linux vxlan.
#
#   vm1 ns            hostA ns (vxbpf)                  hostB ns (Linux vxlan)           vm2 ns
#  +-----------+   +-------------------------+       +----------------------------+   +-----------+
#  | eth0      |   | vm0: vxbpf port vni 100 |       | vm0 ─ br0 ─ vxlan100       |   |      eth0 |
#  | 10.0.0.1  +---+ ul0: vxbpf attach       |       |   (mtu 8950 / 8930)        +---+  10.0.0.2 |
#  | mtu 8950  |   | 192.0.2.1 / 2001:db8::1 +-veth--+ ul0 192.0.2.2 / 2001:db8::2 |   |  mtu 8950 |
#  | (v6: 8930)|   |    ul0 mtu 9000         |       |    ul0 mtu 9000            |   | (v6: 8930)|
#  +-----------+   +-------------------------+       +----------------------------+   +-----------+
#
# Checks: `vxbpf attach ul0` and `vxbpf port add vm0` succeed at these MTUs;
# MTU-sized pings with DF both ways; 16 MiB of TCP each way, sha256 equal;
# and the counters say the fast path carried the full-size segments:
# rx_decap and tx_encap (Linux 6.3 and later, where XDP redirects
# multi-buffer frames), each with more than 4 KiB a frame on average (so
# not the ACKs). Before 6.3 XDP decapsulates (rx_decap) and tc_host_rx
# delivers, and encapsulation falls to tc_port_rx (tx_frags in XDP, then
# tx_copy_vtep): the same transfers, those counters instead.
#
# Run: tests/net/jumbo.sh  (TESTS=... to select, VERBOSE=1)

source "$(dirname "$0")/lib.sh"

FIRST_PING_BUDGET=${FIRST_PING_BUDGET:-5}

# kernel_at_least MAJOR MINOR
kernel_at_least()
{
	local v maj min
	v=$(uname -r)
	maj=${v%%.*} min=${v#*.} min=${min%%[!0-9]*}
	((maj > $1 || (maj == $1 && min >= $2)))
}

# avg_over NS REASON BEFORE_PKTS BEFORE_BYTES MIN: the frames counted under
# REASON since BEFORE were more than 1000 and longer than MIN on average.
avg_over()
{
	local ns=$1 r=$2 p0=$3 b0=$4 min=$5 p b

	((VXT_REFERENCE)) && return 0
	p=$(vxbpf_stat_reason "$ns" "$r") b=$(vxbpf_stat_reason "$ns" "$r" bytes)
	[[ $p =~ ^[0-9]+$ && $b =~ ^[0-9]+$ ]] || { check_err 1 "counter $r unreadable"; return 1; }
	p=$((p - p0)) b=$((b - b0))
	log_verbose "$r: $p frames, $b bytes"
	((p > 1000)) || { check_err 1 "$r: $p frames, expected > 1000"; return 1; }
	((b / p > min)) || { check_err 1 "$r: $((b / p)) bytes a frame, expected > $min"; return 1; }
}

t_jumbo()
{
	local fam=$1 name msg p0 b0 tx
	name="jumbo underlay: MTU 9000, VMs $((9000 - (fam == 4 ? 50 : 70))), 16 MiB TCP each way on the fast path (IPv$fam underlay)"

	TOPO_UL_MTU=9000 topo_build linux "$fam" || { log_test "$name"; return; }
	ping_retry "$V1" "$VM2_V4" "$FIRST_PING_BUDGET" >/dev/null ||
		{ fail_with_stats "no ping answer"; log_test "$name"; return; }
	ping_all "$V1" "$VM2_V4" 3 -M do -s $((MTU - 28)) ||
		fail_with_stats "vm1 -> vm2: MTU-sized ($MTU) pings lost"
	ping_all "$V2" "$VM1_V4" 3 -M do -s $((MTU - 28)) ||
		fail_with_stats "vm2 -> vm1: MTU-sized ($MTU) pings lost"

	# Encapsulation: vm1's segments.
	if kernel_at_least 6 3; then tx=tx_encap; else tx=tx_frags; fi
	p0=$(vxbpf_stat_reason "$A" $tx) b0=$(vxbpf_stat_reason "$A" $tx bytes)
	msg=$(tcp_transfer "$V1" "$V2" "$VM2_V4" 16) || fail_with_stats "vm1 -> vm2: $msg"
	avg_over "$A" $tx "$p0" "$b0" 4096
	kernel_at_least 6 3 || check_counter_gt "$A" reason tx_copy_vtep 1000

	# Decapsulation: vm2's segments.
	p0=$(vxbpf_stat_reason "$A" rx_decap) b0=$(vxbpf_stat_reason "$A" rx_decap bytes)
	msg=$(tcp_transfer "$V2" "$V1" "$VM1_V4" 16) || fail_with_stats "vm2 -> vm1: $msg"
	avg_over "$A" rx_decap "$p0" "$b0" 4096

	# Nothing summed past the limit, no checksum refused.
	for r in rx_frags rx_bad_csum tx_malformed; do
		((VXT_REFERENCE)) || [[ $(vxbpf_stat_reason "$A" $r) == 0 ]] ||
			check_err 1 "$r counted: $(vxbpf_stat_reason "$A" $r)"
	done
	((RET == 0)) || RETMSG+=" [$(vxbpf_stats_brief "$A")]"
	log_test "$name"
}

jumbo_ul4() { t_jumbo 4; }
jumbo_ul6() { t_jumbo 6; }

ALL_TESTS="jumbo_ul4 jumbo_ul6"

require_root
require_cmd ip bridge ping socat ss sha256sum jq
tests_run
tests_exit
