#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vxbpf alone as a complete VTEP in the flooding modes: broadcast, multicast
# and unknown unicast are replicated by vxbpf itself. Hosts A and B have no
# kernel vxlan device and no bridge; host C runs plain Linux vxlan + bridge.
#
#                       sw ns: br0 (the underlay switch)
#              pa /              | pb              \ pc
#   +---------------------+ +---------------------+ +---------------------------+
#   | hostA: vxbpf only   | | hostB: vxbpf only   | | hostC: Linux              |
#   | ul0 .1 / ::1        | | ul0 .2 / ::2        | | ul0 .3 / ::3              |
#   | p100a  VNI 100  a1  | | p100a  VNI 100  b1  | | vxlan100 + br100 ---  c1  |
#   | p100b  VNI 100  a2  | | p200   VNI 200  b2  | | vxlan200 + br200 ---  c2  |
#   | p200   VNI 200  a3  | |                     | |                           |
#   +---------------------+ +---------------------+ +---------------------------+
#
# VNI 100: unicast with static flooding. vxbpf: `vni add 100 local X
#   learning`, `fdb append 00:00:00:00:00:00 vni 100 dst` each other VTEP, a
#   local entry per VM. Linux: learning (the default), the same flood list.
# VNI 200: unicast with static L2 entries. vxbpf: `vni add 200 local X`
#   (no learning), every remote VM's MAC `fdb add ... dst`, the flood list
#   for broadcast. Linux: nolearning, the same entries.
# No proxy anywhere: ARP and neighbour discovery are flooded.
#
# Run: tests/net/flood.sh  (TESTS="flood_ul4" to select, VERBOSE=1)

source "$(dirname "$0")/lib.sh"

FIRST_PING_BUDGET=${FIRST_PING_BUDGET:-8}

# name VNI host MAC IPv4 IPv6 port
VMS="a1 100 A 02:00:00:64:0a:01 10.100.0.11 fd00:100::11 p100a
a2 100 A 02:00:00:64:0a:02 10.100.0.12 fd00:100::12 p100b
a3 200 A 02:00:00:c8:0a:01 10.200.0.11 fd00:200::11 p200
b1 100 B 02:00:00:64:0b:01 10.100.0.21 fd00:100::21 p100a
b2 200 B 02:00:00:c8:0b:01 10.200.0.21 fd00:200::21 p200
c1 100 C 02:00:00:64:0c:01 10.100.0.31 fd00:100::31 p100
c2 200 C 02:00:00:c8:0c:01 10.200.0.31 fd00:200::31 p200"

vm_field() { awk -v n="$1" -v f="$2" '$1 == n { print $f }' <<<"$VMS"; }
vm_ns() { ns_name "vm-$1"; }
host_ns() { ns_name "host$1"; }

# vxbpf_cmds HOST: the user's own words for host A or B, one per line.
vxbpf_cmds()
{
	local h=$1 me others o n vni mac port hh

	me=$(ul_addr "$h")
	others=$(for o in A B C; do [[ $o != "$h" ]] && ul_addr $o; done)
	echo "vni add 100 local $me learning"
	echo "vni add 200 local $me"
	for o in $others; do
		echo "fdb append 00:00:00:00:00:00 vni 100 dst $o"
		echo "fdb append 00:00:00:00:00:00 vni 200 dst $o"
	done
	while read -r n vni hh mac _ _ port; do
		if [[ $hh == "$h" ]]; then
			echo "port $port $vni"
			echo "fdb add $mac vni $vni dev $port"
		elif ((vni == 200)); then
			echo "fdb add $mac vni 200 dst $(ul_addr "$hh")"
		fi
	done <<<"$VMS"
}

ul_addr()
{
	local i
	case $1 in A) i=1 ;; B) i=2 ;; C) i=3 ;; esac
	if [[ $FAM == 4 ]]; then echo "192.0.2.$i"; else echo "2001:db8::$i"; fi
}

vxbpf_host()
{
	local h=$1 ns line out
	local -a words

	ns=$(host_ns "$h")
	while read -r line; do
		read -ra words <<<"$line"
		if [[ ${words[0]} == port ]]; then
			out=$(vxbpf_run "$ns" port add "${words[1]}" vni "${words[2]}" 2>&1) ||
				{ echo "host$h: port add ${words[1]}: $out"; return 1; }
		else
			out=$(vxbpf_run "$ns" "${words[@]}" 2>&1) ||
				{ echo "host$h: $line: $out"; return 1; }
		fi
	done < <(vxbpf_cmds "$h")
	out=$(vxbpf_run "$ns" attach ul0 2>&1) || { echo "host$h: attach ul0: $out"; return 1; }
}

linux_host_c()
{
	local ns vni mac hh n learn o
	ns=$(host_ns C)

	for vni in 100 200; do
		learn=learning
		((vni == 200)) && learn=nolearning
		ip -n "$ns" link add vxlan$vni type vxlan id $vni local "$(ul_addr C)" dstport 4789 \
			$learn || return 1
		ip -n "$ns" link set vxlan$vni mtu "$MTU"
		ip -n "$ns" link add br$vni type bridge || return 1
		ip -n "$ns" link set vxlan$vni master br$vni
		ip -n "$ns" link set p$vni master br$vni
		ip -n "$ns" link set vxlan$vni up
		ip -n "$ns" link set br$vni up
		for o in A B; do
			bridge -n "$ns" fdb append 00:00:00:00:00:00 dev vxlan$vni dst "$(ul_addr $o)" ||
				return 1
		done
	done
	while read -r n vni hh mac _; do
		[[ $vni == 200 && $hh != C ]] || continue
		bridge -n "$ns" fdb append "$mac" dev vxlan200 dst "$(ul_addr "$hh")" || return 1
	done <<<"$VMS"
}

# flood_topo FAM: the topology above. Sets FAM MTU.
flood_topo()
{
	local fam=$1 n vni h mac v4 v6 port msg
	FAM=$fam
	MTU=$((fam == 4 ? 1450 : 1430))

	vxbpf_available || { check_err 1 "$VXBPF not built"; return 1; }
	ns_add hostA && ns_add hostB && ns_add hostC ||
		{ check_err 1 "namespace creation failed"; return 1; }
	UL_STATIC_NEIGH=0 underlay_add "$(host_ns A)" "$(host_ns B)" "$fam" "$(host_ns C)" ||
		{ check_err 1 "underlay setup failed"; return 1; }
	while read -r n vni h mac v4 v6 port; do
		ns_add "vm-$n" || { check_err 1 "namespace creation failed"; return 1; }
		veth_add "$(vm_ns "$n")" eth0 "$(host_ns "$h")" "$port" || return 1
		ip -n "$(vm_ns "$n")" link set eth0 address "$mac" mtu "$MTU"
		ip -n "$(vm_ns "$n")" addr add "$v4/24" dev eth0
		ip -n "$(vm_ns "$n")" addr add "$v6/64" dev eth0 nodad
		ip -n "$(vm_ns "$n")" link set eth0 up
		ip -n "$(host_ns "$h")" link set "$port" mtu "$MTU" up
	done <<<"$VMS"
	msg=$(linux_host_c 2>&1) || { check_err 1 "hostC linux vxlan: $msg"; return 1; }
	msg=$(vxbpf_host A 2>&1) || { check_err 1 "$msg"; return 1; }
	msg=$(vxbpf_host B 2>&1) || { check_err 1 "$msg"; return 1; }
}

stats_brief() { vxbpf_stats_brief "$(host_ns "$1")"; }
fail_flood() { check_err 1 "$1 [A: $(stats_brief A); B: $(stats_brief B)]"; }

# Both ways between every pair of VMs in one VNI, IPv4 and IPv6 inside.
t_ping()
{
	local fam=$1 name
	name="ul$fam: ping IPv4 and IPv6 between every pair of a VNI (ARP, ND flooded)"
	local x y ip inner

	for pair in a1:a2 a1:b1 a1:c1 b1:c1 a3:b2 a3:c2 b2:c2; do
		x=${pair%:*} y=${pair#*:}
		for inner in 4 6; do
			ip=$(vm_field "$y" $((inner == 4 ? 5 : 6)))
			if ! ping_retry "$(vm_ns "$x")" "$ip" "$FIRST_PING_BUDGET"; then
				fail_flood "$x -> $y ($ip): no answer"
			elif ! ping_all "$(vm_ns "$x")" "$ip" 5; then
				fail_flood "$x -> $y ($ip): loss in 5 pings"
			fi
			ip=$(vm_field "$x" $((inner == 4 ? 5 : 6)))
			ping_all "$(vm_ns "$y")" "$ip" 3 || fail_flood "$y -> $x ($ip): loss"
		done
	done
	if ((RET == 0)); then
		vxbpf_run "$(host_ns A)" -j stats | jq -e '[.vnis[] | select(.vni == 100) |
			.flood_tx_vtep_copies > 0 and .flood_tx_port_copies > 0 and .flood_rx_frames > 0] | all' \
			>/dev/null || fail_flood "host A: no flood copies counted for VNI 100"
	fi
	log_test "$name"
}

# A UDP broadcast from one VM reaches the VMs of its VNI behind every host.
# On the switch (every underlay frame captured once, where it enters), the
# sender's VTEP sent exactly one copy of each broadcast to each other VTEP,
# and nobody sent one anywhere else: no copy back to the sender, none
# relayed between receivers (split horizon).
t_bcast()
{
	local fam=$1 name
	local dir vm pids=() n got src vni marker x h o want have

	name="ul$fam: UDP broadcast to every VM of the VNI, one copy per VTEP"
	require_tools_or_skip tcpdump tshark || { log_test "$name"; return; }
	vxt_tmpdir dir
	for src in a1:100:a2,b1,c1 b2:200:a3,c2 c1:100:a1,a2,b1; do
		IFS=: read -r x vni got <<<"$src"
		marker="vxbpf-flood-$x-$RANDOM"
		pids=()
		for vm in ${got//,/ }; do
			ip netns exec "$(vm_ns "$vm")" timeout 6 socat -u \
				"UDP4-RECV:5555,reuseaddr" "OPEN:$dir/$vm-$x,creat,trunc" &
			pids+=($!)
			bg_track $!
		done
		capture_start "$(ns_name sw)" any "$dir/$x.pcap" -Q in udp ||
			{ fail_flood "no capture"; break; }
		sleep 0.5
		for n in 1 2 3; do
			ip netns exec "$(vm_ns "$x")" socat -u - \
				"UDP4-DATAGRAM:10.$vni.0.255:5555,broadcast" <<<"$marker" 2>/dev/null
			sleep 0.2
		done
		sleep 0.5
		capture_stop
		for vm in ${got//,/ }; do
			grep -q "$marker" "$dir/$vm-$x" 2>/dev/null ||
				fail_flood "VNI $vni: $vm did not receive $x's broadcast"
		done
		kill "${pids[@]}" 2>/dev/null
		# "count outer-src outer-dst" for every frame carrying the marker.
		have=$(tshark -r "$dir/$x.pcap" -d udp.port==4789,vxlan -Y "frame contains \"$marker\"" \
			-E occurrence=f -T fields -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst 2>/dev/null |
			awk -F'\t' -v f="$FAM" '{ print (f == 4 ? $1 " " $2 : $3 " " $4) }' | sort | uniq -c |
			awk '{ print $1, $2, $3 }')
		h=$(vm_field "$x" 3)
		want=$(for o in A B C; do [[ $o != "$h" ]] && echo "3 $(ul_addr "$h") $(ul_addr $o)"; done |
			sort -k3)
		have=$(sort -k3 <<<"$have")
		log_verbose "copies of $x's broadcast: $(tr '\n' ';' <<<"$have")"
		[[ $have == "$want" ]] ||
			fail_flood "VNI $vni, $x's broadcasts on the underlay: got '$(tr '\n' ';' <<<"$have")', want '$(tr '\n' ';' <<<"$want")'"
	done
	log_test "$name"
}

# VNI 100 learns: a frame to a MAC nobody told A about is flooded; B learns
# a1 from it, the reply teaches A where b1 is (`fdb show` says learned),
# and from then on the fast path carries the flow.
t_learn()
{
	local fam=$1 name
	name="ul$fam: unknown unicast flooded, then learned, then fast path"
	local A B out tx0 tx1

	A=$(host_ns A) B=$(host_ns B)
	# Static neighbours in the VMs: the first frame is unicast to an
	# unknown MAC, no ARP before it.
	ip -n "$(vm_ns a1)" neigh add 10.100.0.21 lladdr "$(vm_field b1 4)" dev eth0
	ip -n "$(vm_ns b1)" neigh add 10.100.0.11 lladdr "$(vm_field a1 4)" dev eth0
	vxbpf_run "$A" fdb show vni 100 | grep -qi "$(vm_field b1 4)" &&
		fail_flood "A knows b1 before any traffic"
	ping_retry "$(vm_ns a1)" 10.100.0.21 "$FIRST_PING_BUDGET" || fail_flood "a1 -> b1: no answer"
	out=$(vxbpf_run "$A" fdb show vni 100)
	grep -i "$(vm_field b1 4)" <<<"$out" | grep -q learned ||
		fail_flood "A did not learn b1 behind B: $(tr '\n' ';' <<<"$out")"
	vxbpf_run "$B" fdb show vni 100 | grep -i "$(vm_field a1 4)" | grep -q learned ||
		fail_flood "B did not learn a1 behind A"
	((RET == 0)) && [[ $(vxbpf_stat_reason "$A" tx_copy_vtep) -gt 0 ]] ||
		fail_flood "the first frame was not flooded by A"
	tx0=$(vxbpf_stat_reason "$A" tx_encap)
	ping_all "$(vm_ns a1)" 10.100.0.21 10 || fail_flood "a1 -> b1: loss after learning"
	tx1=$(vxbpf_stat_reason "$A" tx_encap)
	((tx1 >= tx0 + 10)) || fail_flood "known unicast not encapsulated by XDP ($tx0 -> $tx1)"
	log_test "$name"
}

# One topology per underlay family for the three tests (building it loads
# ten programs: seconds each under emulation): learning first, while A and
# B know nothing of each other's VMs.
t_flood()
{
	local fam=$1

	if ! flood_topo "$fam"; then
		log_test "ul$fam: topology"
		return
	fi
	t_learn "$fam"
	t_ping "$fam"
	t_bcast "$fam"
}

flood_ul4() { t_flood 4; }
flood_ul6() { t_flood 6; }

ALL_TESTS="flood_ul4 flood_ul6"

require_root
require_cmd ip bridge ping jq socat
tests_run
tests_exit
