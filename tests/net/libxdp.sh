#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# xdp-filter in front of vxbpf on the underlay, through libxdp's dispatcher.
#
#   vm1 ns          hostA ns                                   hostB ns (Linux)    vm2 ns
#  +---------+   +----------------------------------+        +-----------------+   +---------+
#  | aa:01   +---+ vm0 port vni 100                 |        | vxlan100 br0 vm0+---+ bb:01   |
#  | 10.0.0.1|   | ul0: xdp-filter (prio 10), then  +--veth--+ ul0             |   | 10.0.0.2|
#  +---------+   |      vxbpf attach (prio 100)     |        +-----------------+   +---------+
#                +----------------------------------+
#
# xdp-filter is loaded first. Where libxdp puts it in a dispatcher (Debian's
# 6.1 with libxdp 1.3.1), `vxbpf attach ul0` joins that dispatcher: VXLAN is
# decapsulated by vxbpf behind xdp-filter, `xdp-filter port 4789` drops it
# before vxbpf, a second attach (upgrade) keeps one vxbpf component, a port
# (vm0) behind its own xdp-filter joins the same way with port add, and
# detach and port del leave xdp-filter alone. Where libxdp falls back to loading
# xdp-filter's program alone (libxdp 1.3.1 on 6.18: its freplace check
# fails), `vxbpf attach` fails with one line saying so, and xdp-filter stays.

source "$(dirname "$0")/lib.sh"

FIRST_PING_BUDGET=${FIRST_PING_BUDGET:-10}

# xdp-filter, xdp-loader: in the namespace but with the host's bpffs
# (ip netns exec would hide /sys/fs/bpf, where libxdp pins its dispatcher).
lx_in() { local ns=$1; shift; nsenter --net="/var/run/netns/$ns" "$@"; }

lx_status() { lx_in "$A" xdp-loader status ul0 2>/dev/null; }

# The dispatcher's components named like $1, counted.
lx_count() { lx_status | grep -c -- "$1" || true; }

lx_topo()
{
	local msg

	A=$(ns_name hostA) B=$(ns_name hostB) V1=$(ns_name vm1) V2=$(ns_name vm2)
	LA=$UL4_A LB=$UL4_B MTU=1450
	ns_add hostA && ns_add hostB && ns_add vm1 && ns_add vm2 ||
		{ check_err 1 "namespace creation failed"; return 1; }
	UL_STATIC_NEIGH=1 underlay_add "$A" "$B" 4 ||
		{ check_err 1 "underlay setup failed"; return 1; }
	vm_add "$A" "$V1" "$VM1_MAC" "$VM1_V4" "$VM1_V6" "$MTU" &&
		vm_add "$B" "$V2" "$VM2_MAC" "$VM2_V4" "$VM2_V6" "$MTU" ||
		{ check_err 1 "VM links failed"; return 1; }
	msg=$(vxbpf_vtep "$A" "$LA" "$VM1_MAC" 2>&1) &&
		msg=$(vxbpf_remote_vm "$A" "$LB" "$VM2_MAC" "$VM2_V4" "$VM2_V6" 2>&1) ||
		{ check_err 1 "hostA: $msg"; return 1; }
	msg=$(linux_vtep "$B" "$LB" "$MTU" 2>&1) &&
		msg=$(linux_remote_vm "$B" "$LA" "$VM1_MAC" "$VM1_V4" "$VM1_V6" 2>&1) ||
		{ check_err 1 "hostB linux vxlan: $msg"; return 1; }
	# xdp-filter first, in native mode, allowing everything.
	msg=$(lx_in "$A" xdp-filter load ul0 -m native 2>&1) ||
		{ check_err 1 "xdp-filter load: $msg"; return 1; }
}

# Runs VM2 -> VM1 through hostA's ul0; $1 pings, all must come back.
lx_ping() { ping_all "$V2" "$VM1_V4" "$1"; }

lx_joined()
{
	local out n before after

	out=$(vxbpf_run "$A" attach ul0 2>&1) ||
		{ check_err 1 "vxbpf attach behind the dispatcher failed: $out"; return; }
	log_info "kernel $(uname -r): vxbpf joined libxdp's dispatcher on ul0 behind xdp-filter"
	lx_status | grep -E "xdp_dispatcher|=>" | sed 's/^/INFO:   /'
	(($(lx_count xdpfilt_) == 1)) || check_err 1 "xdp-filter not in the dispatcher"
	(($(lx_count xdp_vxlan_rx) == 1)) || check_err 1 "vxbpf not in the dispatcher"
	vxbpf_run "$A" status 2>&1 | grep -q "ul0.*via libxdp dispatcher" ||
		check_err 1 "vxbpf status does not say 'via libxdp dispatcher'"

	before=$(vxbpf_stat_reason "$A" rx_decap)
	ping_retry "$V2" "$VM1_V4" "$FIRST_PING_BUDGET" && lx_ping 5 >/dev/null ||
		fail_with_stats "VM2 -> VM1 through xdp-filter and vxbpf failed"
	after=$(vxbpf_stat_reason "$A" rx_decap)
	((after - before >= 5)) ||
		check_err 1 "rx_decap rose by $((after - before)), expected >= 5 (vxbpf not behind xdp-filter?)"

	# xdp-filter drops VXLAN before vxbpf sees it.
	out=$(lx_in "$A" xdp-filter port 4789 2>&1) ||
		{ check_err 1 "xdp-filter port 4789: $out"; return; }
	before=$(vxbpf_stat_reason "$A" rx_decap)
	if ip netns exec "$V2" ping -n -q -c 3 -i 0.2 -W 1 "$VM1_V4" >/dev/null 2>&1; then
		check_err 1 "VM2 reached VM1 with UDP 4789 blocked by xdp-filter"
	fi
	after=$(vxbpf_stat_reason "$A" rx_decap)
	((after == before)) || check_err 1 "vxbpf decapsulated $((after - before)) frame(s) xdp-filter should have dropped"
	lx_in "$A" xdp-filter port -r 4789 >/dev/null 2>&1 ||
		check_err 1 "xdp-filter port -r 4789 failed"
	ping_retry "$V2" "$VM1_V4" 5 || check_err 1 "no traffic after xdp-filter unblocked 4789"

	# Upgrade: attach again, still one vxbpf component, traffic flows.
	out=$(vxbpf_run "$A" attach ul0 2>&1) || check_err 1 "second attach (upgrade) failed: $out"
	n=$(lx_count xdp_vxlan_rx)
	((n == 1)) || check_err 1 "$n vxbpf components after the upgrade, expected 1"
	lx_ping 3 >/dev/null || check_err 1 "VM2 -> VM1 failed after the upgrade"

	# A port behind xdp-filter too: port add joins vm0's dispatcher.
	out=$(vxbpf_run "$A" port del vm0 2>&1) || check_err 1 "port del vm0: $out"
	out=$(lx_in "$A" xdp-filter load vm0 -m native 2>&1) ||
		{ check_err 1 "xdp-filter load vm0: $out"; return; }
	if lx_in "$A" xdp-loader status vm0 2>/dev/null | grep -q xdp_dispatcher; then
		out=$(vxbpf_run "$A" port add vm0 vni $VNI 2>&1) ||
			check_err 1 "port add behind the dispatcher failed: $out"
		vxbpf_run "$A" port show 2>&1 | grep -q "vm0.*via libxdp dispatcher" ||
			check_err 1 "port show does not say 'via libxdp dispatcher' for vm0"
		lx_in "$A" xdp-loader status vm0 2>/dev/null | grep -E "xdp_dispatcher|=>" |
			sed 's/^/INFO:   /'
		ping_retry "$V2" "$VM1_V4" 5 && lx_ping 3 >/dev/null ||
			fail_with_stats "VM2 -> VM1 failed with vm0 behind xdp-filter"
		out=$(vxbpf_run "$A" port del vm0 2>&1) || check_err 1 "port del vm0 (dispatcher): $out"
		lx_in "$A" xdp-loader status vm0 2>/dev/null | grep -q xdpfilt_ ||
			check_err 1 "xdp-filter gone from vm0 after port del"
	else
		check_err 1 "xdp-filter on vm0 not in a dispatcher, though it was on ul0"
	fi
	lx_in "$A" xdp-filter unload vm0 >/dev/null 2>&1

	# Detach: vxbpf's component goes, xdp-filter stays.
	out=$(vxbpf_run "$A" detach ul0 2>&1) || check_err 1 "vxbpf detach failed: $out"
	(($(lx_count xdp_vxlan_rx) == 0)) || check_err 1 "vxbpf still in the dispatcher after detach"
	(($(lx_count xdpfilt_) == 1)) || check_err 1 "xdp-filter gone after vxbpf detach"
	vxbpf_run "$A" status 2>&1 | grep -q "ul0" &&
		check_err 1 "vxbpf status still lists ul0 after detach"
}

lx_refused()
{
	local out lines

	if out=$(vxbpf_run "$A" attach ul0 2>&1); then
		check_err 1 "vxbpf attach succeeded over xdp-filter's lone program"
		return
	fi
	log_info "kernel $(uname -r): no libxdp dispatcher on ul0; vxbpf attach said: $out"
	lines=$(printf '%s\n' "$out" | wc -l)
	((lines == 1)) || check_err 1 "attach failed with $lines lines, expected one: $out"
	[[ $out == *"not a libxdp dispatcher"* ]] ||
		check_err 1 "the error does not say the program is not a libxdp dispatcher: $out"
	(($(lx_count xdpfilt_) == 1)) || check_err 1 "xdp-filter gone after the refused attach"
	vxbpf_run "$A" status 2>&1 | grep -q "ul0" &&
		check_err 1 "vxbpf status lists ul0 after the refused attach"
}

libxdp_filter_front()
{
	local name="xdp-filter in front of vxbpf: joins libxdp's dispatcher, or one error line"

	require_tools_or_skip xdp-filter xdp-loader nsenter jq || { log_test "$name"; return; }
	vxbpf_available || { check_err 1 "$VXBPF not built"; log_test "$name"; return; }
	if lx_topo; then
		# The probe: did libxdp put xdp-filter in a dispatcher here?
		if lx_status | grep -q xdp_dispatcher; then
			lx_joined
		else
			lx_refused
		fi
	fi
	# libxdp's pins live in the host's bpffs: unload before the netns goes.
	[[ -n ${A:-} && -e /var/run/netns/$A ]] && {
		vxbpf_run "$A" detach ul0 >/dev/null 2>&1
		lx_in "$A" xdp-filter unload ul0 >/dev/null 2>&1
		lx_in "$A" xdp-filter unload vm0 >/dev/null 2>&1
	}
	log_test "$name"
}

ALL_TESTS="libxdp_filter_front"

require_root
require_cmd ip ping
tests_run
tests_exit
