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

# Priming asks the route as the fast path does, from the VNI's VTEP
# address: with policy routing by source, the next hop of that route gets
# the neighbour resolution, not the main table's.
#
#   hostA: ul0 192.0.2.1/24, ul1 198.51.100.1/24 (veth to hostB, which only
#   answers nothing: the probes are what is checked)
#   table main: 203.0.113.0/24 via 198.51.100.254 dev ul1
#   rule "from 192.0.2.1 lookup 100": 203.0.113.0/24 via 192.0.2.254 dev ul0
resolve_policy()
{
	local name="a new VTEP's next hop is primed by the route from the VTEP address"
	local A B out

	A=$(ns_name hostA) B=$(ns_name hostB)
	vxbpf_available || { check_err 1 "$VXBPF not built"; log_test "$name"; return; }
	ns_add hostA && ns_add hostB || { check_err 1 "namespace creation failed"; log_test "$name"; return; }
	veth_add "$A" ul0 "$B" ul0 && veth_add "$A" ul1 "$B" ul1 &&
		ip -n "$A" addr add 192.0.2.1/24 dev ul0 &&
		ip -n "$A" addr add 198.51.100.1/24 dev ul1 &&
		ip -n "$A" link set ul0 up && ip -n "$A" link set ul1 up &&
		ip -n "$B" link set ul0 up && ip -n "$B" link set ul1 up &&
		ip -n "$A" route add 203.0.113.0/24 via 198.51.100.254 dev ul1 &&
		ip -n "$A" route add 203.0.113.0/24 via 192.0.2.254 dev ul0 table 100 &&
		ip -n "$A" rule add from 192.0.2.1 lookup 100 ||
		{ check_err 1 "setup failed"; log_test "$name"; return; }
	out=$(vxbpf_run "$A" vni add $VNI local 192.0.2.1 2>&1) &&
		out=$(vxbpf_run "$A" fdb add 02:00:00:00:bb:01 vni $VNI dst 203.0.113.2 2>&1) ||
		{ check_err 1 "vxbpf: $out"; log_test "$name"; return; }
	wait_neigh() { ip -n "$A" neigh show "$1" dev "$2" | grep -q .; }
	for ((i = 0; i < 20; i++)); do
		wait_neigh 192.0.2.254 ul0 && break
		sleep 0.1
	done
	wait_neigh 192.0.2.254 ul0 ||
		check_err 1 "no neighbour entry for 192.0.2.254 on ul0: $(ip -n "$A" neigh show | tr '\n' ';')"
	wait_neigh 198.51.100.254 ul1 &&
		check_err 1 "the main table's next hop was primed instead"
	log_test "$name"
}

ALL_TESTS="neigh_recovery resolve_policy"

require_root
require_cmd ip bridge ping
tests_run
tests_exit
