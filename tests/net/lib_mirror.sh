# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the `vxbpf mirror` network tests: three hosts that all run
# plain Linux vxlan, configured exactly as one of the seed's learning
# modes; host A additionally runs `vxbpf mirror` (the kernel's tables are
# the truth, vxbpf copies them), `vxbpf port add vm0` and `vxbpf attach
# ul0`, so the fast path carries what the kernel would have carried.
#
#  vm1 ns        hostA ns                           sw ns          hostB / hostC ns     vm2 / vm3 ns
# +-------+   +------------------------------+    +--------+    +-----------------+   +-------+
# | eth0  +---+ vm0 ─ br0 ─ vxlan100 (Linux) |    |  br0   |    | vm0 ─ br0 ─     +---+ eth0  |
# | aa:01 |   |  vxbpf port vm0, mirror,     |    | (no    |    |   vxlan100      |   | bb:01 |
# +-------+   |  attach ul0         ul0 +---------+ mcast  +----+ ul0 (.2 / .3)   |   | cc:01 |
#             +------------------------------+    | snoop) |    +-----------------+   +-------+
#                                                 +--------+
#
# mirror_topo MODE FAM: MODE multicast|flood|l2|l3|practice, FAM 4|6.
# Sets A B C V1 V2 V3 LA LB LC MTU MIRROR_LOG; RETMSG on failure.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GROUP4=239.1.1.100
GROUP6=ff05::100
GW_V4=10.0.0.254      # "vxlan in practice": the gateway, on VM2
NET_V4=198.51.100.1   # ... and what lies behind it

# linux_host NS LOCAL MODE REMOTE... : vxlan100 in br0 with vm0, as the
# seed configures MODE; REMOTE are the other VTEPs ("vtep=mac=v4=v6").
linux_host()
{
	local ns=$1 local=$2 mode=$3
	shift 3
	local opts=() r vtep mac v4 v6 dev=ul0

	case $mode in
	multicast)
		if [[ $local == *:* ]]; then
			opts=(group "$GROUP6" dev "$dev")
		else
			opts=(group "$GROUP4" dev "$dev")
		fi ;;
	flood) ;;
	l2) opts=(nolearning) ;;
	l3 | practice) opts=(nolearning proxy) ;;
	esac
	ip -n "$ns" link add vxlan$VNI type vxlan id $VNI dstport 4789 \
		local "$local" "${opts[@]}" || return 1
	ip -n "$ns" link set vxlan$VNI mtu "$MTU"
	ip -n "$ns" link add br0 type bridge || return 1
	ip -n "$ns" link set br0 mtu "$MTU"
	ip -n "$ns" link set vxlan$VNI master br0 || return 1
	ip -n "$ns" link set vm0 master br0 || return 1
	ip -n "$ns" link set vxlan$VNI up
	ip -n "$ns" link set br0 up
	for r in "$@"; do
		IFS== read -r vtep mac v4 v6 <<<"$r"
		case $mode in
		flood | l2)
			bridge -n "$ns" fdb append 00:00:00:00:00:00 dev vxlan$VNI dst "$vtep" || return 1 ;;
		esac
		case $mode in
		l2)
			bridge -n "$ns" fdb append "$mac" dev vxlan$VNI dst "$vtep" || return 1 ;;
		l3 | practice)
			[[ -n $v4 ]] && { ip -n "$ns" neigh add "$v4" lladdr "$mac" dev vxlan$VNI nud permanent || return 1; }
			[[ -n $v6 ]] && { ip -n "$ns" neigh add "$v6" lladdr "$mac" dev vxlan$VNI nud permanent || return 1; }
			bridge -n "$ns" fdb append "$mac" dev vxlan$VNI dst "$vtep" || return 1 ;;
		esac
	done
}

# mirror_start NS [ARGS]: `vxbpf mirror vxlan100 br0 -v` as a daemon; waits
# until the VNI exists.
mirror_start()
{
	local ns=$1 i
	shift
	MIRROR_LOG=$VXT_TMP/mirror-$ns.log
	"$VXBPF" -n "$ns" mirror vxlan$VNI br0 -v "$@" >"$MIRROR_LOG" 2>&1 &
	MIRROR_PID=$!
	bg_track "$MIRROR_PID"
	for ((i = 0; i < 50; i++)); do
		# Following: the first resync is done (the VNI alone may be
		# left from an earlier run).
		grep -q "following changes" "$MIRROR_LOG" &&
			vxbpf_run "$ns" -j vni show 2>/dev/null | jq -e ".[] | select(.vni == $VNI)" >/dev/null 2>&1 &&
			return 0
		kill -0 "$MIRROR_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "vxbpf mirror did not start: $(tail -n 3 "$MIRROR_LOG" | tr '\n' ' ')"
	return 1
}

mirror_topo()
{
	local mode=$1 fam=$2 msg ra rb rc

	A=$(ns_name hostA) B=$(ns_name hostB) C=$(ns_name hostC)
	V1=$(ns_name vm1) V2=$(ns_name vm2) V3=$(ns_name vm3)
	if [[ $fam == 4 ]]; then
		LA=$UL4_A LB=$UL4_B LC=$UL4_C MTU=1450
	else
		LA=$UL6_A LB=$UL6_B LC=$UL6_C MTU=1430
	fi
	TOPO_KIND=mirror
	vxbpf_available || { check_err 1 "$VXBPF not built"; return 1; }
	ns_add hostA && ns_add hostB && ns_add hostC && ns_add vm1 && ns_add vm2 && ns_add vm3 ||
		{ check_err 1 "namespace creation failed"; return 1; }
	UL_STATIC_NEIGH=0 underlay_add "$A" "$B" "$fam" "$C" ||
		{ check_err 1 "underlay setup failed"; return 1; }
	# Multicast over the switch: flood groups, no snooping querier needed.
	ip -n "$(ns_name sw)" link set br0 type bridge mcast_snooping 0
	vm_add "$A" "$V1" "$VM1_MAC" "$VM1_V4" "$VM1_V6" "$MTU" &&
		vm_add "$B" "$V2" "$VM2_MAC" "$VM2_V4" "$VM2_V6" "$MTU" &&
		vm_add "$C" "$V3" "$VM3_MAC" "$VM3_V4" "$VM3_V6" "$MTU" ||
		{ check_err 1 "VM links failed"; return 1; }

	ra="$LA=$VM1_MAC=$VM1_V4=$VM1_V6"
	rb="$LB=$VM2_MAC=$VM2_V4=$VM2_V6"
	rc="$LC=$VM3_MAC=$VM3_V4=$VM3_V6"
	if [[ $mode == practice ]]; then
		# VM2 is the gateway of VM1 and VM3: A and C know only it.
		ip -n "$V2" addr add "$GW_V4/24" dev eth0 &&
			ip -n "$V2" addr add "$NET_V4/32" dev lo &&
			ip -n "$V1" route add default via "$GW_V4" &&
			ip -n "$V3" route add default via "$GW_V4" ||
			{ check_err 1 "gateway setup failed"; return 1; }
		msg=$(linux_host "$A" "$LA" "$mode" "$LB=$VM2_MAC=$GW_V4=" 2>&1) &&
			msg=$(linux_host "$B" "$LB" "$mode" "$ra" "$rc" 2>&1) &&
			msg=$(linux_host "$C" "$LC" "$mode" "$LB=$VM2_MAC=$GW_V4=" 2>&1) ||
			{ check_err 1 "linux vxlan ($mode): $msg"; return 1; }
	else
		msg=$(linux_host "$A" "$LA" "$mode" "$rb" "$rc" 2>&1) &&
			msg=$(linux_host "$B" "$LB" "$mode" "$ra" "$rc" 2>&1) &&
			msg=$(linux_host "$C" "$LC" "$mode" "$ra" "$rb" 2>&1) ||
			{ check_err 1 "linux vxlan ($mode): $msg"; return 1; }
	fi

	# Host A: mirror first (it creates the VNI), then the port and the NIC.
	# Not in $(...): the daemon's pid must reach bg_track in this shell.
	mirror_start "$A" >"$VXT_TMP/mirror-start.msg" ||
		{ check_err 1 "$(cat "$VXT_TMP/mirror-start.msg")"; return 1; }
	msg=$(vxbpf_run "$A" port add vm0 vni $VNI 2>&1) &&
		msg=$(vxbpf_attach "$A" ul0 2>&1) ||
		{ check_err 1 "hostA: $msg"; return 1; }
	return 0
}

# The remote (vxlan device) entries, normalised so that the kernel's and
# vxbpf's lists compare: bridge prints the per-entry VNI as "vni", vxbpf
# as "remote_vni" (its "vni" is the VNI the entry belongs to).
JQ_KERNEL_FDB='[.[] | select(.dst and ((.flags // []) | index("self"))) | {mac, dst, port: (.port // 0), rvni: (.vni // 0)}] | sort'
JQ_VXBPF_FDB='[.[] | select(.dst) | {mac, dst, port: (.port // 0), rvni: (.remote_vni // 0)}] | sort'
JQ_KERNEL_NEIGH='[.[] | select(.lladdr and ((.state // []) | index("PERMANENT") or index("NOARP") or index("REACHABLE"))) | {dst, lladdr}] | sort'
JQ_VXBPF_NEIGH='[.[] | {dst, lladdr}] | sort'

# fdb_equal NS: 0 when vxbpf's fdb (vni 100) equals the kernel's vxlan100.
fdb_equal()
{
	local ns=$1 k v
	k=$(bridge -n "$ns" -j fdb show dev vxlan$VNI | jq -c "$JQ_KERNEL_FDB")
	v=$(vxbpf_run "$ns" -j fdb show vni $VNI | jq -c "$JQ_VXBPF_FDB")
	[[ -n $k && $k == "$v" ]]
}

neigh_equal()
{
	local ns=$1 k v
	k=$( (ip -n "$ns" -j -4 neigh show dev vxlan$VNI; ip -n "$ns" -j -6 neigh show dev vxlan$VNI) |
		jq -s -c "add | $JQ_KERNEL_NEIGH")
	v=$(vxbpf_run "$ns" -j neigh show vni $VNI | jq -c "$JQ_VXBPF_NEIGH")
	[[ -n $k && $k == "$v" ]]
}


# has_fdb NS MAC FLAG: vxbpf's fdb holds MAC (vni 100) with FLAG.
has_fdb()
{
	vxbpf_run "$1" -j fdb show vni $VNI 2>/dev/null |
		jq -e --arg m "$2" --arg f "$3" '.[] | select(.mac == $m and (.flags | index($f)))' >/dev/null 2>&1
}
