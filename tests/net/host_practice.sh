#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The seed's "vxlan in practice": the HOST's own default route goes through
# its kernel vxlan device to a gateway, configured exactly as the seed does
#
#   ip route add default via $gw_on_phy dev vxlan$id
#   ip neigh add $gw_on_phy lladdr 00:01:02:03:04:05 dev vxlan$id nud permanent
#   bridge fdb add 00:01:02:03:04:05 dev vxlan$id dst $gw_on_phy
#
# (`onlink`, and an overlay address on vxlan100 so that the gateway's
# replies come back over the overlay), then `vxbpf mirror vxlan100`,
# `vxbpf attach ul0` and `vxbpf attach vxlan100`. The host's traffic is
# encapsulated by tc_host_tx and decapsulated by xdp_vxlan_rx/tc_host_rx;
# the counters prove it, and detaching gives it back to the kernel.
#
#   hostA (vxbpf + kernel vxlan100)  ==ul0==  hostB: the gateway, plain Linux
#   10.0.0.1 fd00::1 on vxlan100              vxlan100 00:01:02:03:04:05
#   default via 192.0.2.2 dev vxlan100        10.0.0.254 fd00::fe
#                                             198.51.100.1 2001:db8:ff::1 on lo
#
# Run: tests/net/host_practice.sh  (TESTS=... to select, VERBOSE=1)

source "$(dirname "$0")/lib_mirror.sh"

GW_MAC=00:01:02:03:04:05	# the seed's
A_VXMAC=02:00:00:00:0a:01
A_OV4=10.0.0.1 A_OV6=fd00::1
GW_OV4=10.0.0.254 GW_OV6=fd00::fe
NET_V4=198.51.100.1 NET_V6=2001:db8:ff::1

# practice_topo FAM [VXLAN_OPTS...]: the two hosts; hostA runs vxbpf.
practice_topo()
{
	local fam=$1 gw_on_phy
	shift

	A=$(ns_name hostA) B=$(ns_name hostB)
	if [[ $fam == 4 ]]; then
		LA=$UL4_A LB=$UL4_B MTU=1450
	else
		LA=$UL6_A LB=$UL6_B MTU=1430
	fi
	TOPO_KIND=practice
	vxbpf_available || { check_err 1 "$VXBPF not built"; return 1; }
	ns_add hostA && ns_add hostB || { check_err 1 "namespace creation failed"; return 1; }
	UL_STATIC_NEIGH=0 underlay_add "$A" "$B" "$fam" ||
		{ check_err 1 "underlay setup failed"; return 1; }
	gw_on_phy=$LB
	# No checksum offload on A's underlay: what leaves A is finished in
	# software, so the gateway verifies every outer and inner checksum
	# instead of trusting a CHECKSUM_PARTIAL skb from the veth.
	ip netns exec "$A" ethtool -K ul0 tx off >/dev/null 2>&1 ||
		{ check_err 1 "ethtool -K ul0 tx off failed"; return 1; }

	# The gateway: a plain Linux VTEP that routes for the host.
	ip -n "$B" link add vxlan$VNI type vxlan id $VNI dstport 4789 local "$LB" nolearning "$@" &&
		ip -n "$B" link set vxlan$VNI address $GW_MAC mtu "$MTU" up &&
		ip -n "$B" addr add $GW_OV4/24 dev vxlan$VNI &&
		ip -n "$B" addr add $GW_OV6/64 dev vxlan$VNI nodad &&
		ip -n "$B" addr add $NET_V4/32 dev lo &&
		ip -n "$B" addr add $NET_V6/128 dev lo &&
		ip -n "$B" neigh add $A_OV4 lladdr $A_VXMAC dev vxlan$VNI nud permanent &&
		ip -n "$B" neigh add $A_OV6 lladdr $A_VXMAC dev vxlan$VNI nud permanent &&
		bridge -n "$B" fdb add $A_VXMAC dev vxlan$VNI dst "$LA" ||
		{ check_err 1 "gateway setup failed"; return 1; }

	# The host, as the seed configures it.
	ip -n "$A" link add vxlan$VNI type vxlan id $VNI dstport 4789 local "$LA" nolearning "$@" &&
		ip -n "$A" link set vxlan$VNI address $A_VXMAC mtu "$MTU" up &&
		ip -n "$A" addr add $A_OV4/24 dev vxlan$VNI &&
		ip -n "$A" addr add $A_OV6/64 dev vxlan$VNI nodad ||
		{ check_err 1 "host vxlan setup failed"; return 1; }
	if [[ $fam == 4 ]]; then
		ip -n "$A" route add default via "$gw_on_phy" dev vxlan$VNI onlink &&
			ip -n "$A" neigh add "$gw_on_phy" lladdr $GW_MAC dev vxlan$VNI nud permanent ||
			{ check_err 1 "seed route/neigh failed"; return 1; }
		# Connections the gateway opens come from its overlay address.
		ip -n "$A" neigh add $GW_OV4 lladdr $GW_MAC dev vxlan$VNI nud permanent ||
			{ check_err 1 "gateway neigh failed"; return 1; }
	else
		# An IPv4 route cannot name an IPv6 gateway without RFC 5549
		# (via inet6); use the gateway's overlay address instead.
		ip -n "$A" route add default via $GW_OV4 dev vxlan$VNI &&
			ip -n "$A" neigh add $GW_OV4 lladdr $GW_MAC dev vxlan$VNI nud permanent ||
			{ check_err 1 "route/neigh failed"; return 1; }
	fi
	ip -n "$A" -6 route add default via $GW_OV6 dev vxlan$VNI &&
		ip -n "$A" neigh add $GW_OV6 lladdr $GW_MAC dev vxlan$VNI nud permanent &&
		bridge -n "$A" fdb add $GW_MAC dev vxlan$VNI dst "$gw_on_phy" ||
		{ check_err 1 "seed fdb failed"; return 1; }

	MIRROR_LOG=$VXT_TMP/mirror-$A.log
	"$VXBPF" -n "$A" mirror vxlan$VNI -v >"$MIRROR_LOG" 2>&1 &
	bg_track $!
	wait_for 5 has_gw_fdb || { check_err 1 "mirror did not copy the gateway: $(tr '\n' ';' <"$MIRROR_LOG")"; return 1; }
	msg=$(vxbpf_attach "$A" ul0 2>&1) &&
		msg=$(vxbpf_attach "$A" vxlan$VNI 2>&1) ||
		{ check_err 1 "hostA: $msg"; return 1; }
}

has_gw_fdb()
{
	vxbpf_run "$A" -j fdb show 2>/dev/null |
		jq -e --arg m $GW_MAC '.[] | select(.mac == $m and .dst)' >/dev/null 2>&1
}

host_pings()
{
	ping_all "$A" $NET_V4 10 && ping_all "$A" $NET_V6 10
}

# t_practice_host FAM GSO [VXLAN_OPTS...]: GSO 1 when the options let the
# fast path carry GSO skbs (no outer UDP checksum), 0 when the kernel must.
t_practice_host()
{
	local fam=$1 gso=$2 name msg tx0 rx0 bytes0 bytes1 passed0 pins
	shift 2

	name="practice ul$fam: the host's own traffic via vxlan100 carried by TC+XDP${*:+ ($*)}"
	practice_topo "$fam" "$@" || { log_test "$name"; return; }
	ping_retry "$A" $NET_V4 5 && ping_retry "$A" $NET_V6 5 ||
		{ fail_with_stats "host -> gateway's networks failed"; log_test "$name"; return; }
	tx0=$(vxbpf_stat_reason "$A" tx_host_encap)
	rx0=$(vxbpf_stat_reason "$A" rx_host)
	host_pings || fail_with_stats "pings lost"
	# Every request and every reply: 20 each way.
	check_counter_gt "$A" reason tx_host_encap $((tx0 + 19))
	check_counter_gt "$A" reason rx_host $((rx0 + 19))
	check_counter_gt "$A" vni tx_packets 0
	check_counter_gt "$A" vni rx_packets 0

	# Bulk TCP both ways (GSO/TSO out of the host, GRO into it).
	bytes0=$(vxbpf_stat_reason "$A" tx_host_encap bytes)
	passed0=$(vxbpf_stat_reason "$A" tx_host_csum)
	msg=$(tcp_transfer "$A" "$B" $NET_V4 4 2>&1) || fail_with_stats "TCP host -> $NET_V4: $msg"
	msg=$(tcp_transfer "$B" "$A" $A_OV4 4 2>&1) || fail_with_stats "TCP $A_OV4 <- gateway: $msg"
	msg=$(tcp_transfer "$A" "$B" $NET_V6 2 2>&1) || fail_with_stats "TCP host -> $NET_V6: $msg"
	bytes1=$(vxbpf_stat_reason "$A" tx_host_encap bytes)
	if ((gso)); then
		((bytes1 - bytes0 > 6 * 1024 * 1024)) ||
			check_err 1 "tx_host_encap carried $((bytes1 - bytes0)) bytes of 6 MiB sent"
	else
		# Per-segment outer checksums are the kernel's: the bulk is
		# passed, the ACKs of the transfer into the host are carried.
		check_counter_gt "$A" reason tx_host_csum "$passed0"
		((bytes1 > bytes0)) || check_err 1 "no ACK carried by tc_host_tx"
	fi

	# Detached, the kernel's vxlan carries it again; nothing is left.
	msg=$(vxbpf_run "$A" detach vxlan$VNI 2>&1) || check_err 1 "detach vxlan$VNI: $msg"
	tx0=$(vxbpf_stat_reason "$A" tx_host_encap)
	host_pings || fail_with_stats "pings after detach lost"
	[[ $(vxbpf_stat_reason "$A" tx_host_encap) == "$tx0" ]] ||
		check_err 1 "tx_host_encap grew after detach"
	vxbpf_run "$A" fdb show | grep -qi "$A_VXMAC" &&
		check_err 1 "the host entry outlived detach: $(vxbpf_run "$A" fdb show | tr '\n' ';')"
	vxbpf_run "$A" -j status | jq -e '.vxlan_devices | length == 0' >/dev/null ||
		check_err 1 "status still lists vxlan$VNI"
	pins=$(vxbpf_run "$A" -j status | jq -r .pin_dir)
	[[ -e $pins/links/tc_out_$(ip -n "$A" -j link show vxlan$VNI | jq '.[0].ifindex') ]] &&
		check_err 1 "the tc_host_tx link pin outlived detach"
	# The underlay keeps its programs and passes what is not ours.
	vxbpf_run "$A" -j status | jq -e '.attached[0].tc == "tcx" or .attached[0].tc == "cls_bpf"' >/dev/null ||
		check_err 1 "tc_host_rx missing on ul0: $(vxbpf_run "$A" status | tr '\n' ';')"
	log_test "$name"
}

# Bad input changes nothing: a vxlan device whose VNI vxbpf does not know.
t_unknown_vni()
{
	local name="attach of a vxlan device with an unconfigured VNI is refused" out

	A=$(ns_name hostA)
	vxbpf_available || { check_err 1 "$VXBPF not built"; log_test "$name"; return; }
	ns_add hostA || { check_err 1 "namespace creation failed"; log_test "$name"; return; }
	ip -n "$A" link add vxlan7 type vxlan id 7 dstport 4789 local 192.0.2.1 ||
		{ check_err 1 "setup failed"; log_test "$name"; return; }
	if out=$(vxbpf_run "$A" attach vxlan7 2>&1); then
		check_err 1 "attach succeeded: $out"
	else
		[[ $out == *"vni 7"*"not configured"* ]] || check_err 1 "unclear error: $out"
	fi
	vxbpf_run "$A" -j status 2>/dev/null | grep -q vxlan7 && check_err 1 "status lists vxlan7"
	log_test "$name"
}

practice_host_ul4() { t_practice_host 4 0; }
practice_host_ul4_nocsum() { t_practice_host 4 1 noudpcsum; }
practice_host_ul6() { t_practice_host 6 0; }
practice_host_ul6_zerocsum() { t_practice_host 6 1 udp6zerocsumtx udp6zerocsumrx; }
practice_unknown_vni() { t_unknown_vni; }

ALL_TESTS="practice_host_ul4 practice_host_ul4_nocsum practice_host_ul6 practice_host_ul6_zerocsum practice_unknown_vni"

require_root
require_cmd ip bridge ping jq socat ss sha256sum tc ethtool
tests_run
tests_exit
