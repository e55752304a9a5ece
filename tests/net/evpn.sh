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

# ARP and ND suppression: a VM's ARP request and NS for a remote VM are
# answered in XDP from the neighbours zebra installed on the bridge (SVI),
# and neither crosses the underlay; mirror follows the flag.
t_suppress()
{
	local name="EVPN: neigh_suppress: ARP and NS answered by vxbpf in XDP, none on the underlay"
	local v1 vm dir pcap arp0 na0 n out

	v1=$(vtep_ns 1) vm=$(vm_ns 1 100)
	# Both ways: vm2-100 asks for vm1-100 when it answers.
	for n in 1 2; do
		svi_announce 1 100
		svi_announce 2 100
		has_neigh 1 2 && has_neigh 2 1 && break
		sleep 1
	done
	wait_for 20 has_neigh 1 2 ||
		check_err 1 "v1's vxbpf has no neighbours for vm2-100 (zebra: $(ip -n "$v1" neigh show dev br100 | tr '\n' ' '))"
	wait_for 20 has_neigh 2 1 || check_err 1 "v2's vxbpf has no neighbours for vm1-100"
	[[ $(suppress_of 1) == true ]] || check_err 1 "vni 100 of v1 has no neigh_suppress"
	ip -n "$vm" neigh flush dev eth0
	ip -n "$(vm_ns 2 100)" neigh flush dev eth0
	arp0=$(stat_of 1 tx_arp_reply) na0=$(stat_of 1 tx_na_reply)
	vxt_tmpdir dir
	pcap=$dir/p1.pcap
	capture_start "$(ns_name sw)" p1 "$pcap" udp port 4789 || check_err 1 "capture"
	ping_all "$vm" "$(vm_ip4 2 100)" 2 || check_err 1 "ping vm2-100 lost"
	ping_all "$vm" "$(vm_ip6 2 100)" 2 || check_err 1 "ping6 vm2-100 lost"
	capture_stop
	(($(stat_of 1 tx_arp_reply) > arp0)) || check_err 1 "no ARP reply from v1's XDP"
	(($(stat_of 1 tx_na_reply) > na0)) || check_err 1 "no NA from v1's XDP"
	n=$(tcpdump -r "$pcap" -nn 2>/dev/null | grep -c -E 'ARP|neighbor solicitation')
	((n == 0)) || check_err 1 "$n ARP/NS crossed the underlay"
	((n == 0)) || tcpdump -r "$pcap" -nn 2>/dev/null | grep -E 'ARP|neighbor solicitation' | head -n 3

	# The flag, followed: off, then on again.
	bridge -n "$v1" link set dev vxlan100 neigh_suppress off
	wait_for 10 eval '[[ $(suppress_of 1) == false ]]' || check_err 1 "neigh_suppress off not followed"
	bridge -n "$v1" link set dev vxlan100 neigh_suppress on
	wait_for 10 eval '[[ $(suppress_of 1) == true ]]' || check_err 1 "neigh_suppress on not followed"
	out=$("$VXBPF" -n "$v1" vni show 2>&1)
	grep -q 'vni 100 .*neigh_suppress' <<<"$out" || check_err 1 "vni show: $out"
	log_test "$name"
}

# The bridges age a MAC out in 10 s, a VM's traffic is carried by XDP
# only for 25 s (the bridges never see it): vxbpf mirror replays the MACs
# it carried to the bridge, so zebra keeps advertising them and nobody
# falls back to flooding.
t_ageing()
{
	local name="EVPN: MACs carried only by XDP stay in the bridges and in EVPN past the bridge's ageing"
	local n unk0 out

	for n in 3 4; do ip -n "$(vtep_ns "$n")" link set br100 type bridge ageing_time 1000; done
	unk0=$(stat_of 3 tx_unknown_dst)
	out=$(ip netns exec "$(vm_ns 3 100)" ping -i 0.2 -c 125 -q "$(vm_ip4 4 100)" 2>&1)
	grep -q ' 0% packet loss' <<<"$out" || check_err 1 "ping lost packets: $(tail -n 2 <<<"$out" | head -n 1)"
	bridge -n "$(vtep_ns 4)" fdb show br br100 | grep -q "^$(vm_mac 4 100) dev vm100 " ||
		check_err 1 "v4's bridge aged out vm4-100's MAC"
	knows 3 4 || check_err 1 "v3 lost vm4-100's MAC (EVPN withdrew it)"
	(($(stat_of 3 tx_unknown_dst) <= unk0 + 2)) ||
		check_err 1 "v3 sent $(($(stat_of 3 tx_unknown_dst) - unk0)) frames to vm4-100 as unknown unicast"
	for n in 3 4; do ip -n "$(vtep_ns "$n")" link set br100 type bridge ageing_time 30000; done
	log_test "$name"
}

# A VM moves from VTEP 1 to VTEP 2 with its MAC and address: EVPN's MAC
# mobility moves it in every vxbpf, the traffic follows on the fast path.
t_mobility()
{
	local name="EVPN: a VM moves to another VTEP, traffic follows on the fast path"
	local vm v2 rx0 learn0 out

	vm=$(vm_ns 1 100) v2=$(vtep_ns 2)
	ip -n "$(vtep_ns 1)" link del vm100
	veth_add "$vm" eth0 "$v2" vmm100 || { check_err 1 "veth"; log_test "$name"; return; }
	# Only unicast from the VM (no broadcast, no IPv6 autoconfiguration
	# for the bridge to learn from): the first frame from a MAC new on
	# the port goes to the bridge all the same, which learns it, and
	# zebra advertises it.
	ip netns exec "$vm" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
	ip -n "$vm" link set eth0 address "$(vm_mac 1 100)" mtu 1450
	ip -n "$vm" addr add "$(vm_ip4 1 100)/24" dev eth0
	ip -n "$vm" neigh replace "$(vm_ip4 3 100)" lladdr "$(vm_mac 3 100)" dev eth0 nud permanent
	ip -n "$vm" link set eth0 up
	ip -n "$v2" link set vmm100 master br100 mtu 1450 up
	out=$("$VXBPF" -n "$v2" port add vmm100 vni 100 2>&1) || check_err 1 "port add: $out"
	learn0=$(stat_of 2 tx_src_learn)
	moved()
	{
		ip netns exec "$vm" ping -c 1 -W 1 "$(vm_ip4 3 100)" >/dev/null 2>&1
		"$VXBPF" -n "$(vtep_ns 3)" -j fdb show vni 100 |
			jq -e --arg m "$(vm_mac 1 100)" --arg ip "$(vtep_ip 2)" \
				'.[] | select(.mac == $m and .dst == $ip)' >/dev/null &&
		# v2's mirror sees the new port within a second.
			"$VXBPF" -n "$v2" -j fdb show vni 100 |
			jq -e --arg m "$(vm_mac 1 100)" \
				'.[] | select(.mac == $m and .ifname == "vmm100")' >/dev/null
	}
	wait_for 20 moved || check_err 1 "v3 and v2 did not learn that vm1-100 moved to v2"
	rx0=$(stat_of 2 rx_decap)
	ping_retry "$(vm_ns 3 100)" "$(vm_ip4 1 100)" 5 && ping_all "$(vm_ns 3 100)" "$(vm_ip4 1 100)" 5 ||
		check_err 1 "vm3-100 -> vm1-100 (moved) lost [$(evpn_brief 2 3)]"
	(($(stat_of 2 rx_decap) >= rx0 + 5)) || check_err 1 "v2 did not decapsulate the moved VM's traffic in XDP [$(evpn_brief 2 3)]"
	(($(stat_of 2 tx_src_learn) > learn0)) || check_err 1 "v2 did not hand the moved VM's first frame to the bridge"
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

	evpn_test_lab $N || { log_test "$name"; return; }
	if ! wait_converged 1 2 3 4; then
		check_err 1 "not converged within ${CONVERGE_S}s: $(vtysh_in "$(vtep_ns 1)" -c 'show bgp l2vpn evpn summary' | tail -3 | tr '\n' ' ')"
		log_test "$name"
		return
	fi
	log_test "$name"
	t_traffic
	t_suppress
	t_ageing
	t_mobility
	t_join_leave
}

ALL_TESTS="evpn_all"

require_root
require_cmd ip bridge ping jq
tests_run
tests_exit
