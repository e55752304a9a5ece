#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Many hosts: vxbpf under FRR's BGP EVPN. Four VTEPs and a route reflector
# in namespaces (topology in lib_evpn.sh): FRR (zebra + bgpd) programs each
# VTEP's kernel vxlan devices and bridges from the EVPN routes (type 2:
# MACs, type 3: flood lists), `vxbpf mirror` copies them, and the fast
# path carries the VMs' traffic on both L2 VNIs. Then a VM moves to another
# VTEP, a fifth VTEP joins and leaves.
#
#                  sw: br0 ─┬─ rr (bgpd, reflector) 192.0.2.100
#                           ├─ v1 192.0.2.11 ── vm1-100, vm1-200
#                           ├─ v2 192.0.2.12 ── vm2-100, vm2-200
#                           ├─ v3 192.0.2.13 ── vm3-100, vm3-200
#                           ├─ v4 192.0.2.14 ── vm4-100, vm4-200
#                           └─ v5 192.0.2.15 (joins, leaves)
#
# Skipped, with the reason, where FRR is not installed (scripts/deps.sh
# installs Debian's frr). Run: tests/net/evpn.sh (VERBOSE=1)

source "$(dirname "$0")/lib_evpn.sh"

N=4
CONVERGE_S=${CONVERGE_S:-40}

# vm_announce N VNI: a broadcast from the VM: its bridge learns its MAC,
# zebra advertises it (a VM that never speaks is not known to EVPN).
vm_announce()
{
	ip netns exec "$(vm_ns "$1" "$2")" ping -b -c 1 -W 1 "10.$2.0.255" >/dev/null 2>&1
	return 0
}

# knows N M: VTEP N's vxbpf has VTEP M's VMs (type 2) and M in its flood
# lists (type 3), on both VNIs, behind M's address.
knows()
{
	local n=$1 m=$2 ip out
	ip=$(vtep_ip "$m")
	out=$("$VXBPF" -n "$(vtep_ns "$n")" -j fdb show 2>/dev/null) || return 1
	jq -e --arg ip "$ip" --arg m100 "$(vm_mac "$m" 100)" --arg m200 "$(vm_mac "$m" 200)" '
		[.[] | select(.dst == $ip)] as $e
		| ($e | map(select(.mac == $m100 and .vni == 100)) | length) == 1
		and ($e | map(select(.mac == $m200 and .vni == 200)) | length) == 1
		and ($e | map(select(.mac == "00:00:00:00:00:00")) | length) == 2' <<<"$out" >/dev/null
}

# forgot N M: nothing of VTEP M is left in VTEP N's vxbpf.
forgot()
{
	"$VXBPF" -n "$(vtep_ns "$1")" -j fdb show 2>/dev/null |
		jq -e --arg ip "$(vtep_ip "$2")" '[.[] | select(.dst == $ip)] | length == 0' >/dev/null
}

converged()
{
	local n m
	for n in "$@"; do
		for m in "$@"; do
			((n == m)) || knows "$n" "$m" || return 1
		done
	done
}

all_announce()
{
	local n vni
	for n in "$@"; do
		for vni in $EVPN_VNIS; do vm_announce "$n" "$vni"; done
	done
}

# wait_converged VTEP...: announce (again) until every vxbpf knows every
# other VTEP's VMs and flood entries.
wait_converged()
{
	local end=$((SECONDS + CONVERGE_S))

	while ((SECONDS < end)); do
		all_announce "$@"
		converged "$@" && return 0
		sleep 1
	done
	return 1
}

stat_of() { vxbpf_stat_reason "$(vtep_ns "$1")" "$2"; }

evpn_brief()
{
	local n s=
	for n in "$@"; do s+="v$n: $(vxbpf_stats_brief "$(vtep_ns "$n")"); "; done
	echo "$s"
}

# Traffic on both VNIs between every pair of VTEPs, on the fast path.
t_traffic()
{
	local name="EVPN: 4 VTEPs, ping on VNIs 100 and 200 between every pair, carried by XDP"
	local i j vni

	for vni in $EVPN_VNIS; do
		for ((i = 1; i <= N; i++)); do
			for ((j = 1; j <= N; j++)); do
				((i == j)) && continue
				ping_retry "$(vm_ns "$i" "$vni")" "$(vm_ip4 "$j" "$vni")" 5 &&
					ping_all "$(vm_ns "$i" "$vni")" "$(vm_ip4 "$j" "$vni")" 3 ||
					check_err 1 "vm$i-$vni -> vm$j-$vni lost [$(evpn_brief 1 2 3 4)]"
			done
		done
	done
	for ((i = 1; i <= N; i++)); do
		(($(stat_of "$i" tx_encap) > 10 && $(stat_of "$i" rx_decap) > 10)) ||
			check_err 1 "v$i: the fast path did not carry the traffic [$(evpn_brief "$i")]"
	done
	log_test "$name"
}

# A VM moves from VTEP 1 to VTEP 2 with its MAC and address: EVPN's MAC
# mobility moves it in every vxbpf, the traffic follows on the fast path.
t_mobility()
{
	local name="EVPN: a VM moves to another VTEP, traffic follows on the fast path"
	local vm v2 rx0 out

	vm=$(vm_ns 1 100) v2=$(vtep_ns 2)
	ip -n "$(vtep_ns 1)" link del vm100
	veth_add "$vm" eth0 "$v2" vmm100 || { check_err 1 "veth"; log_test "$name"; return; }
	ip -n "$vm" link set eth0 address "$(vm_mac 1 100)" mtu 1450
	ip -n "$vm" addr add "$(vm_ip4 1 100)/24" dev eth0
	ip -n "$vm" link set eth0 up
	ip -n "$v2" link set vmm100 master br100 mtu 1450 up
	out=$("$VXBPF" -n "$v2" port add vmm100 vni 100 2>&1) || check_err 1 "port add: $out"
	moved()
	{
		vm_announce 1 100
		"$VXBPF" -n "$(vtep_ns 3)" -j fdb show vni 100 |
			jq -e --arg m "$(vm_mac 1 100)" --arg ip "$(vtep_ip 2)" \
				'.[] | select(.mac == $m and .dst == $ip)' >/dev/null
	}
	wait_for 20 moved || check_err 1 "v3 did not learn that vm1-100 moved to v2"
	rx0=$(stat_of 2 rx_decap)
	ping_retry "$(vm_ns 3 100)" "$(vm_ip4 1 100)" 5 && ping_all "$(vm_ns 3 100)" "$(vm_ip4 1 100)" 5 ||
		check_err 1 "vm3-100 -> vm1-100 (moved) lost [$(evpn_brief 2 3)]"
	(($(stat_of 2 rx_decap) >= rx0 + 5)) || check_err 1 "v2 did not decapsulate the moved VM's traffic in XDP"
	log_test "$name"
}

# A fifth VTEP joins: everybody learns it; it leaves: its routes are
# withdrawn and every vxbpf forgets it, and nothing is sent to it.
t_join_leave()
{
	local name="EVPN: a fifth VTEP joins (entries appear everywhere) and leaves (gone everywhere)"
	local dir n pcap

	evpn_vtep 5 >"$VXT_TMP/v5.msg" 2>&1 || { check_err 1 "v5: $(cat "$VXT_TMP/v5.msg")"; log_test "$name"; return; }
	wait_converged 2 3 4 5 || check_err 1 "v5 not known everywhere within ${CONVERGE_S}s"
	ping_retry "$(vm_ns 5 200)" "$(vm_ip4 3 200)" 5 || check_err 1 "vm5-200 -> vm3-200 lost"
	frr_stop "$(vtep_ns 5)"
	for n in 2 3 4; do
		wait_for 20 forgot "$n" 5 || check_err 1 "v$n still has v5's entries"
	done
	# A broadcast of VNI 200 now reaches no copy to v5.
	vxt_tmpdir dir
	pcap=$dir/p5.pcap
	if capture_start "$(ns_name sw)" p5 "$pcap" udp port 4789; then
		vm_announce 3 200
		vm_announce 4 200
		capture_stop
		[[ $(tcpdump -r "$pcap" -nn 2>/dev/null | wc -l) == 0 ]] ||
			check_err 1 "VXLAN still sent to v5 after it left"
	fi
	log_test "$name"
}

evpn_all()
{
	local name="EVPN lab: 4 VTEPs and a reflector with FRR, vxbpf mirror on each"

	if ! frr_available; then
		skip "FRR is not installed ($FRR_DIR/bgpd; scripts/deps.sh installs Debian's frr)"
		log_test "$name"
		return
	fi
	# Not in $(...): the lab registers namespaces and daemons.
	if ! evpn_lab $N >"$VXT_TMP/lab.msg" 2>&1; then
		check_err 1 "lab setup: $(tail -n 3 "$VXT_TMP/lab.msg" | tr '\n' ' ')"
		log_test "$name"
		return
	fi
	if ! wait_converged 1 2 3 4; then
		check_err 1 "not converged within ${CONVERGE_S}s: $(vtysh_in "$(vtep_ns 1)" -c 'show bgp l2vpn evpn summary' | tail -3 | tr '\n' ' ')"
		log_test "$name"
		return
	fi
	log_test "$name"
	t_traffic
	t_mobility
	t_join_leave
}

ALL_TESTS="evpn_all"

require_root
require_cmd ip bridge ping jq
tests_run
tests_exit
