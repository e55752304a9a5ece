#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# (d) Negative: VXLAN from a VTEP that vxbpf does not know is dropped in XDP
# and counted as rx_unknown_vtep; the known VTEP keeps working, and stops
# the moment it leaves the allow-list.
#
#   vm1 ns          hostA ns (vxbpf)                     hostB ns (Linux)     vm2 ns
#  +---------+   +---------------------+    sw ns      +------------------+   +---------+
#  | aa:01   +---+ vm0 port vni 100    |  +--------+   | vxlan100 br0 vm0 +---+ bb:01   |
#  | 10.0.0.1|   | knows only B        |  |  br0   |   | fdb aa:01 -> A   |   | 10.0.0.2|
#  +---------+   | ul0 .1 / ::1  +--------+ pa  pb +------+ ul0 .2 / ::2  |   +---------+
#                +---------------------+  |   pc   |   +------------------+
#                                         +---+----+
#                                             |        hostC ns (Linux)       vm3 ns
#                                             |      +------------------+   +---------+
#                                             +------+ ul0 .3 / ::3     |   | cc:01   |
#                                                    | vxlan100 br0 vm0 +---+ 10.0.0.3|
#                                                    | fdb aa:01 -> A   |   +---------+
#                                                    +------------------+
#
# hostC sends VNI 100 to hostA, but hostA's vxbpf has no fdb entry naming C
# and VNI 100 is not `learning`: every such packet is rx_unknown_vtep, and
# VM1 receives nothing from VM3.

source "$(dirname "$0")/lib_interop.sh"

# t_unknown_vtep FAM
t_unknown_vtep()
{
	local fam=$1 name tmp before after n

	name="ul$fam third: packets from an unknown VTEP dropped (rx_unknown_vtep)"
	require_tools_or_skip tcpdump tshark jq || { log_test "$name"; return; }
	# Linux vxlan accepts unknown VTEPs (nolearning only stops learning).
	((VXT_REFERENCE)) && { skip "VXT_REFERENCE: Linux accepts unknown VTEPs"; log_test "$name"; return; }
	topo_build third "$fam" || { log_test "$name"; return; }
	vxt_tmpdir tmp

	# Positive control: the known VTEP B gets through.
	ping_retry "$V2" "$VM1_V4" "$FIRST_PING_BUDGET" ||
		fail_with_stats "control: VM2 (known VTEP) -> VM1 failed"

	before=$(vxbpf_stat_reason "$A" rx_unknown_vtep)
	capture_start "$V1" eth0 "$tmp/vm1.pcap" ||
		{ check_err 1 "tcpdump on VM1 did not start"; log_test "$name"; return; }
	if ip netns exec "$V3" ping -n -q -c 5 -i 0.1 -W 1 "$VM1_V4" >/dev/null 2>&1; then
		check_err 1 "VM3 behind the unknown VTEP reached VM1"
	fi
	capture_stop
	after=$(vxbpf_stat_reason "$A" rx_unknown_vtep)

	n=$(tshark -r "$tmp/vm1.pcap" -Y "eth.src == $VM3_MAC" 2>/dev/null | wc -l)
	((n == 0)) || check_err 1 "VM1 received $n frame(s) from VM3"
	if [[ ! $before =~ ^[0-9]+$ || ! $after =~ ^[0-9]+$ ]]; then
		check_err 1 "rx_unknown_vtep unreadable (before '$before', after '$after')"
	elif ((after - before < 5)); then
		fail_with_stats "rx_unknown_vtep rose by $((after - before)), expected >= 5"
	fi
	log_test "$name"
}

# t_vtep_leaves FAM: a VTEP taken out of the allow-list (`fdb del` of the
# last entry naming it) is refused from the next packet on, though decap
# had it cached; put back, it gets through again.
t_vtep_leaves()
{
	local fam=$1 name before after out

	name="ul$fam: a VTEP deleted from the fdb is refused at once, and taken back"
	((VXT_REFERENCE)) && { skip "VXT_REFERENCE: Linux accepts unknown VTEPs"; log_test "$name"; return; }
	topo_build third "$fam" || { log_test "$name"; return; }
	ping_retry "$V2" "$VM1_V4" "$FIRST_PING_BUDGET" ||
		fail_with_stats "control: VM2 (known VTEP) -> VM1 failed"

	out=$(vxbpf_run "$A" fdb del "$VM2_MAC" vni $VNI 2>&1) || check_err 1 "fdb del: $out"
	before=$(vxbpf_stat_reason "$A" rx_unknown_vtep)
	ip netns exec "$V2" ping -n -q -c 5 -i 0.1 -W 1 "$VM1_V4" >/dev/null 2>&1 &&
		check_err 1 "VM2 reached VM1 with its VTEP out of the list"
	after=$(vxbpf_stat_reason "$A" rx_unknown_vtep)
	if [[ ! $before =~ ^[0-9]+$ || ! $after =~ ^[0-9]+$ ]]; then
		check_err 1 "rx_unknown_vtep unreadable (before '$before', after '$after')"
	elif ((after - before < 5)); then
		fail_with_stats "rx_unknown_vtep rose by $((after - before)) after fdb del, expected >= 5"
	fi

	out=$(vxbpf_run "$A" fdb add "$VM2_MAC" vni $VNI dst "$LB" 2>&1) || check_err 1 "fdb add: $out"
	ping_retry "$V2" "$VM1_V4" "$FIRST_PING_BUDGET" ||
		fail_with_stats "VM2 -> VM1 failed with its VTEP back in the list"
	log_test "$name"
}

unknown_vtep_ul4() { t_unknown_vtep 4; }
unknown_vtep_ul6() { t_unknown_vtep 6; }
vtep_leaves_ul4() { t_vtep_leaves 4; }
vtep_leaves_ul6() { t_vtep_leaves 6; }

ALL_TESTS="unknown_vtep_ul4 unknown_vtep_ul6 vtep_leaves_ul4 vtep_leaves_ul6"

require_root
require_cmd ip bridge ping
tests_run
tests_exit
