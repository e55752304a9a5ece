#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The outer neighbour of a remote VTEP is lost (flush, link flap, GC) on a
# host where no kernel vxlan device ever sends to that VTEP: XDP can read
# the neighbour table but not start a resolution. The fast path raises a
# resolve event (one per VTEP per second); `vxbpf monitor` asks the kernel
# to resolve, and encapsulation resumes.
#
#   vm1 ns          hostA ns (vxbpf, no kernel vxlan)           hostB ns (Linux)      vm2 ns
#  +---------+   +----------------------------+           +-------------------+  +---------+
#  | aa:01   +---+ vm0 port vni 100           |           | vxlan100 br0 vm0  +--+ bb:01   |
#  | 10.0.0.1|   | monitor (resolves)         |           | neigh A: PERMANENT|  | 10.0.0.2|
#  +---------+   | ul0 192.0.2.1  neigh flush +---veth----+ ul0 192.0.2.2     |  +---------+
#                +----------------------------+           +-------------------+
#
# B's neighbour for A is pinned, so B never ARPs for A and refreshes A's
# entry for B by chance: only vxbpf can bring it back.

source "$(dirname "$0")/lib_interop.sh"

neigh_recovery()
{
	local name="outer neighbour lost: monitor resolves it, encap resumes"
	local tmp pid miss

	require_tools_or_skip jq || { log_test "$name"; return; }
	topo_build linux 4 || { log_test "$name"; return; }
	vxt_tmpdir tmp
	ip -n "$B" neigh replace "$LA" lladdr "$UL_MAC_A" dev ul0 nud permanent
	ping_retry "$V1" "$VM2_V4" "$FIRST_PING_BUDGET" ||
		fail_with_stats "before: VM1 -> VM2 failed"

	"$VXBPF" -n "$A" -v monitor >"$tmp/monitor.log" 2>&1 &
	pid=$!
	bg_track $pid
	sleep 0.3
	ip -n "$A" neigh flush dev ul0
	ip -n "$A" neigh del "$LB" dev ul0 2>/dev/null
	if ! ping_retry "$V1" "$VM2_V4" 10; then
		fail_with_stats "VM1 -> VM2 did not recover within 10 s"
	elif ! ping_all "$V1" "$VM2_V4" 10; then
		fail_with_stats "VM1 -> VM2: loss after recovery"
	fi
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	miss=$(vxbpf_stat_reason "$A" tx_fib_miss)
	[[ $miss =~ ^[0-9]+$ ]] && ((miss > 0)) ||
		check_err 1 "no tx_fib_miss counted ('$miss'): the neighbour was never missing"
	grep -q "^resolve $LB vni $VNI" "$tmp/monitor.log" ||
		check_err 1 "monitor -v printed no 'resolve $LB': $(head -c 300 "$tmp/monitor.log")"
	log_test "$name"
}

ALL_TESTS="neigh_recovery"

require_root
require_cmd ip bridge ping
tests_run
tests_exit
