#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vxbpf mirror in every learning mode of the seed: three hosts run plain
# Linux vxlan configured exactly as the seed does; host A also runs
# `vxbpf mirror vxlan100 br0` (daemon), `vxbpf port add vm0` and `vxbpf
# attach ul0`. The kernel stays the source of truth; the test proves that
# vxbpf's tables follow it and that the fast path carries known unicast
# (vxbpf -j stats: VNI rx/tx > 0).
#
#  vm1 ns        hostA ns                           sw ns          hostB / hostC ns     vm2 / vm3 ns
# +-------+   +------------------------------+    +--------+    +-----------------+   +-------+
# | eth0  +---+ vm0 ─ br0 ─ vxlan100 (Linux) |    |  br0   |    | vm0 ─ br0 ─     +---+ eth0  |
# | aa:01 |   |  vxbpf port vm0, mirror,     |    | (no    |    |   vxlan100      |   | bb:01 |
# +-------+   |  attach ul0         ul0 +---------+ mcast  +----+ ul0 (.2 / .3)   |   | cc:01 |
#             +------------------------------+    | snoop) |    +-----------------+   +-------+
#                                                 +--------+
#
#  multicast : group 239.1.1.100 / ff05::100 dev ul0, learning: the kernel
#              floods BUM to the group and learns; mirror copies what it learns
#  flood     : learning, `bridge fdb append 00:00:00:00:00:00 ... dst` per VTEP
#  l2        : nolearning, flood entries + `bridge fdb append MAC ... dst`
#  l3        : nolearning proxy, `ip neigh add` + `bridge fdb append` per VM
#  practice  : "vxlan in practice": VM1's default route goes through the
#              overlay to a gateway (VM2, 10.0.0.254, 198.51.100.1 behind
#              it); hostA's vxlan100 holds the gateway's neigh + FDB entry
#
# Run: tests/net/mirror_modes.sh  (TESTS="mirror_l3_ul4" to select, VERBOSE=1)

source "$(dirname "$0")/lib_mirror.sh"

FIRST_PING_BUDGET=${FIRST_PING_BUDGET:-6}

# traffic_checks NAME: VNI counters on A moved, tables equal the kernel's.
fast_path_checks()
{
	local before_rx before_tx

	before_rx=$(vxbpf_stat_vni "$A" rx_packets)
	before_tx=$(vxbpf_stat_vni "$A" tx_packets)
	"$@" || { fail_with_stats "pings after the tables settled lost"; return 1; }
	check_counter_gt "$A" vni rx_packets "$before_rx" &&
		check_counter_gt "$A" vni tx_packets "$before_tx" ||
		RETMSG+=" [hostA: $(vxbpf_stats_brief "$A")]"
}

pings_vm1()
{
	ping_all "$V1" "$VM2_V4" 10 && ping_all "$V1" "$VM3_V4" 10 &&
		ping_all "$V1" "$VM2_V6" 5
}

# t_mode MODE FAM
t_mode()
{
	local mode=$1 fam=$2 name tmp

	name="mirror $mode ul$fam: kernel tables mirrored, fast path carries known unicast"
	mirror_topo "$mode" "$fam" || { log_test "$name"; return; }

	case $mode in
	multicast | flood)
		# Learning: the remote VMs speak first, so the kernel (which
		# gets their broadcasts) learns them; mirror copies that.
		ping_retry "$V2" "$VM1_V4" "$FIRST_PING_BUDGET" &&
			ping_retry "$V3" "$VM1_V4" "$FIRST_PING_BUDGET" ||
			fail_with_stats "VM2/VM3 -> VM1 failed"
		wait_for 3 has_fdb "$A" "$VM2_MAC" mirrored && wait_for 3 has_fdb "$A" "$VM3_MAC" mirrored ||
			check_err 1 "learned entries of VM2/VM3 not mirrored: $(vxbpf_run "$A" fdb show | tr '\n' ';')"
		;;
	esac
	ping_retry "$V1" "$VM2_V4" "$FIRST_PING_BUDGET" &&
		ping_retry "$V1" "$VM3_V4" "$FIRST_PING_BUDGET" &&
		ping_retry "$V1" "$VM2_V6" "$FIRST_PING_BUDGET" ||
		fail_with_stats "VM1 -> VM2/VM3 failed"
	# VM1's own MAC, learned by br0 on vm0, is mirrored as a local entry.
	# With proxy, XDP answers VM1's ARP/ND and carries its unicast: the
	# bridge may not have seen VM1 yet. A broadcast reaches it (passed).
	ip netns exec "$V1" ping -n -q -b -c 1 -W 1 10.0.0.255 >/dev/null 2>&1
	wait_for 3 has_fdb "$A" "$VM1_MAC" local ||
		check_err 1 "VM1's MAC not mirrored as local: $(vxbpf_run "$A" fdb show | tr '\n' ';')"
	wait_for 3 fdb_equal "$A" ||
		check_err 1 "vxbpf fdb != kernel fdb: $(vxbpf_run "$A" -j fdb show | jq -c "$JQ_VXBPF_FDB") vs $(bridge -n "$A" -j fdb show dev vxlan$VNI | jq -c "$JQ_KERNEL_FDB")"
	if [[ $mode == l3 ]]; then
		wait_for 3 neigh_equal "$A" || check_err 1 "vxbpf neigh != kernel neigh"
	fi
	((RET == 0)) && fast_path_checks pings_vm1
	if ((RET == 0)); then
		local msg
		msg=$(tcp_transfer "$V1" "$V2" "$VM2_V4" 2 2>&1) || fail_with_stats "TCP VM1 -> VM2: $msg"
	fi
	((RET == 0)) || { vxt_tmpdir tmp; cp "$MIRROR_LOG" "$tmp/" 2>/dev/null; RETMSG+=" [mirror log: $(tail -n 5 "$MIRROR_LOG" | tr '\n' ';')]"; }
	log_test "$name"
}

pings_practice()
{
	ping_all "$V1" "$NET_V4" 10 && ping_all "$V3" "$NET_V4" 5
}

t_practice()
{
	local fam=$1 name msg

	name="mirror practice ul$fam: default route via the overlay gateway, carried by XDP"
	mirror_topo practice "$fam" || { log_test "$name"; return; }
	ping_retry "$V1" "$NET_V4" "$FIRST_PING_BUDGET" ||
		fail_with_stats "VM1 -> $NET_V4 via the gateway failed"
	wait_for 3 has_fdb "$A" "$VM2_MAC" mirrored &&
		wait_for 3 has_fdb "$A" "$VM1_MAC" local ||
		check_err 1 "gateway/local entries not mirrored: $(vxbpf_run "$A" fdb show | tr '\n' ';')"
	wait_for 3 neigh_equal "$A" || check_err 1 "gateway neigh not mirrored"
	((RET == 0)) && fast_path_checks pings_practice
	if ((RET == 0)); then
		msg=$(tcp_transfer "$V1" "$V2" "$NET_V4" 2 2>&1) || fail_with_stats "TCP VM1 -> $NET_V4: $msg"
	fi
	# The proxy answered VM1's ARP for the gateway in XDP.
	ip -n "$V1" neigh flush dev eth0
	ping_retry "$V1" "$NET_V4" "$FIRST_PING_BUDGET" || fail_with_stats "after neigh flush"
	check_counter_gt "$A" reason tx_arp_reply 0
	((RET == 0)) || RETMSG+=" [mirror log: $(tail -n 5 "$MIRROR_LOG" | tr '\n' ';')]"
	log_test "$name"
}

mirror_multicast_ul6() { t_mode multicast 6; }
mirror_multicast_ul4() { t_mode multicast 4; }
mirror_flood_ul4() { t_mode flood 4; }
mirror_l2_ul6() { t_mode l2 6; }
mirror_l3_ul4() { t_mode l3 4; }
mirror_l3_ul6() { t_mode l3 6; }
mirror_practice_ul4() { t_practice 4; }

ALL_TESTS="mirror_multicast_ul6 mirror_multicast_ul4 mirror_flood_ul4 mirror_l2_ul6 mirror_l3_ul4 mirror_l3_ul6 mirror_practice_ul4"

require_root
require_cmd ip bridge ping jq socat ss sha256sum
tests_run
tests_exit
