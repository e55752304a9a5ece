# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Test bodies shared by linux_ul4.sh, linux_ul6.sh and vxbpf_pair.sh. Each
# builds its own topology with topo_build (lib.sh), so every test starts in
# fresh namespaces; tests_run cleans up after each.
#
# Arguments everywhere: KIND (linux|pair) FAM (underlay 4|6).

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Budget for the first answered ping: neighbour resolution (inner ARP/ND
# answered by vxbpf, outer neighbour resolved by the kernel or vxbpf) may
# cost the first packet or two. No VTEP pre-pinging: that is vxbpf's job.
FIRST_PING_BUDGET=${FIRST_PING_BUDGET:-5}

t_name() { echo "ul$2 $1: $3"; }

vm_ip() { local v="VM$1_V$2"; echo "${!v}"; }

# t_ping KIND FAM INNER: ping VM1 -> VM2, then VM2 -> VM1, inner IPv$INNER.
t_ping()
{
	local kind=$1 fam=$2 inner=$3
	local name to2 to1

	name=$(t_name "$kind" "$fam" "ping IPv$inner VM1 <-> VM2")
	to2=$(vm_ip 2 "$inner") to1=$(vm_ip 1 "$inner")
	topo_build "$kind" "$fam" || { log_test "$name"; return; }

	if ! ping_retry "$V1" "$to2" "$FIRST_PING_BUDGET"; then
		fail_with_stats "VM1 -> $to2: no answer within ${FIRST_PING_BUDGET}s"
	elif ! ping_all "$V1" "$to2" 20; then
		fail_with_stats "VM1 -> $to2: loss in 20 pings"
	fi
	if ! ping_retry "$V2" "$to1" "$FIRST_PING_BUDGET"; then
		fail_with_stats "VM2 -> $to1: no answer within ${FIRST_PING_BUDGET}s"
	elif ! ping_all "$V2" "$to1" 20; then
		fail_with_stats "VM2 -> $to1: loss in 20 pings"
	fi
	# Near-MTU frames: inner IP packet = MTU, DF set.
	if ((RET == 0)) && ! ping_all "$V1" "$to2" 3 -M "do" -s $((MTU - (inner == 4 ? 28 : 48))); then
		fail_with_stats "VM1 -> $to2: MTU-sized ($MTU) pings lost"
	fi
	log_test "$name"
}

# t_tcp KIND FAM INNER: 4 MiB each way with socat, sha256 must match.
t_tcp()
{
	local kind=$1 fam=$2 inner=$3
	local name msg

	name=$(t_name "$kind" "$fam" "TCP over IPv$inner, 4 MiB each way, sha256")
	topo_build "$kind" "$fam" || { log_test "$name"; return; }
	ping_retry "$V1" "$(vm_ip 2 "$inner")" "$FIRST_PING_BUDGET" >/dev/null

	msg=$(tcp_transfer "$V1" "$V2" "$(vm_ip 2 "$inner")" 4 2>&1) ||
		fail_with_stats "VM1 -> VM2: $msg"
	msg=$(tcp_transfer "$V2" "$V1" "$(vm_ip 1 "$inner")" 4 2>&1) ||
		fail_with_stats "VM2 -> VM1: $msg"
	if ((RET == 0)); then
		check_counter_gt "$A" vni tx_packets 1000 &&
			check_counter_gt "$A" vni rx_packets 1000
	fi
	log_test "$name"
}

# t_proxy KIND FAM: after a neighbour flush in VM1, VM1 resolves VM2's IPv4
# and IPv6 address without one ARP request or neighbour solicitation
# crossing the underlay: vxbpf answered them in XDP.
t_proxy()
{
	local kind=$1 fam=$2
	local name tmp pcap n_arp n_ns n_icmp lladdr ip

	name=$(t_name "$kind" "$fam" "ARP/ND answered in XDP, none on the underlay")
	require_tools_or_skip tcpdump tshark || { log_test "$name"; return; }
	topo_build "$kind" "$fam" || { log_test "$name"; return; }
	vxt_tmpdir tmp
	pcap=$tmp/ul.pcap

	capture_start "$B" ul0 "$pcap" ||
		{ check_err 1 "tcpdump on hostB ul0 did not start"; log_test "$name"; return; }
	ip -n "$V1" neigh flush dev eth0
	ping_retry "$V1" "$VM2_V4" "$FIRST_PING_BUDGET"
	ping_retry "$V1" "$VM2_V6" "$FIRST_PING_BUDGET"
	capture_stop

	n_arp=$(tshark -r "$pcap" -Y "arp.opcode == 1 && eth.src == $VM1_MAC" 2>/dev/null | wc -l)
	n_ns=$(tshark -r "$pcap" -Y "icmpv6.type == 135 && eth.src == $VM1_MAC" 2>/dev/null | wc -l)
	n_icmp=$(tshark -r "$pcap" -Y "vxlan && (icmp.type == 8 || icmpv6.type == 128) && eth.src == $VM1_MAC" 2>/dev/null | wc -l)
	log_verbose "underlay: $n_arp ARP requests, $n_ns NS, $n_icmp echo requests from VM1"

	((n_arp == 0)) || check_err 1 "$n_arp ARP request(s) from VM1 crossed the underlay"
	((n_ns == 0)) || check_err 1 "$n_ns neighbour solicitation(s) from VM1 crossed the underlay"
	for ip in "$VM2_V4" "$VM2_V6"; do
		lladdr=$(ip -n "$V1" neigh show "$ip" dev eth0)
		[[ $lladdr == *"lladdr $VM2_MAC"* && $lladdr != *FAILED* ]] ||
			fail_with_stats "VM1 did not resolve $ip (neigh: '${lladdr:-none}')"
	done
	check_counter_gt "$A" reason tx_arp_reply 0
	check_counter_gt "$A" reason tx_na_reply 0
	# The capture itself must have worked: the echo requests crossed.
	((n_icmp > 0)) || fail_with_stats "no echo request from VM1 seen on the underlay"
	log_test "$name"
}

# t_counters KIND FAM: after pings both ways (v4 and v6), vxbpf's own
# counters prove the XDP path did the work.
t_counters()
{
	local kind=$1 fam=$2 name h

	name=$(t_name "$kind" "$fam" "vxbpf -j stats: VNI rx/tx, ARP/NA replies")
	require_tools_or_skip jq || { log_test "$name"; return; }
	((VXT_REFERENCE)) && { skip "VXT_REFERENCE: no vxbpf counters"; log_test "$name"; return; }
	topo_build "$kind" "$fam" || { log_test "$name"; return; }
	ping_retry "$V1" "$VM2_V4" "$FIRST_PING_BUDGET"
	ping_retry "$V1" "$VM2_V6" "$FIRST_PING_BUDGET"
	ping_retry "$V2" "$VM1_V4" "$FIRST_PING_BUDGET"
	ping_retry "$V2" "$VM1_V6" "$FIRST_PING_BUDGET"

	if ! vxbpf_run "$A" -j stats 2>/dev/null | jq -e . >/dev/null 2>&1; then
		check_err 1 "vxbpf -n hostA -j stats: not JSON"
		log_test "$name"
		return
	fi
	local hosts=("$A")
	[[ $kind == pair ]] && hosts+=("$B")
	for h in "${hosts[@]}"; do
		check_counter_gt "$h" vni rx_packets 0
		check_counter_gt "$h" vni tx_packets 0
		check_counter_gt "$h" reason rx_decap 0
		check_counter_gt "$h" reason tx_encap 0
		check_counter_gt "$h" reason tx_arp_reply 0
		check_counter_gt "$h" reason tx_na_reply 0
	done
	((RET == 0)) || RETMSG+=" [hostA: $(vxbpf_stats_brief "$A")]"
	log_test "$name"
}

