# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the vxbpf network tests, the demo and the fixture capture.
# Modelled on kernel selftests net/forwarding/lib.sh and xdp-tools
# lib/testing/test_runner.sh:
#
#   - every namespace gets a per-run unique name ($VXT_PREFIX-NAME) and is
#     registered for cleanup; an EXIT trap removes namespaces, background
#     processes, temp files and the vxbpf pin dir of every namespace we made;
#   - a test function sets RET=0, calls check_err/check_fail after each step,
#     and ends with log_test "description"; that prints one line
#         PASS: description | FAIL: description: why | SKIP: description: why
#     which scripts/run-tests.sh counts;
#   - tests/net/*.sh list their test functions in ALL_TESTS and call
#     tests_run; a missing capability makes a test SKIP, never FAIL.
#
# Nothing here touches the machine's own interfaces: every link is a veth
# created inside our namespaces, every address is a documentation or ULA
# prefix that exists only inside them.

NET_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=${REPO_ROOT:-$(cd "$NET_LIB_DIR/../.." && pwd)}
VXBPF=${VXBPF:-$REPO_ROOT/build/vxbpf}
VXT_PREFIX=${VXT_PREFIX:-vxt-$$}
PIN_ROOT=${PIN_ROOT:-/sys/fs/bpf/vxbpf/netns}
VERBOSE=${VERBOSE:-0}
# VXT_REFERENCE=1: host A runs plain Linux vxlan instead of vxbpf. Checks the
# tests themselves against the kernel; vxbpf-only checks are skipped.
VXT_REFERENCE=${VXT_REFERENCE:-0}

ksft_skip=4

# Fixed topology constants, shared with tests/fixtures (see its README).
VNI=100
UL_MAC_A=02:00:00:00:01:01
UL_MAC_B=02:00:00:00:02:01
UL_MAC_C=02:00:00:00:03:01
UL4_A=192.0.2.1
UL4_B=192.0.2.2
UL4_C=192.0.2.3
UL6_A=2001:db8::1
UL6_B=2001:db8::2
UL6_C=2001:db8::3
VM1_MAC=02:00:00:00:aa:01
VM2_MAC=02:00:00:00:bb:01
VM3_MAC=02:00:00:00:cc:01
VM1_V4=10.0.0.1
VM2_V4=10.0.0.2
VM3_V4=10.0.0.3
VM1_V6=fd00::1
VM2_V6=fd00::2
VM3_V6=fd00::3

RET=0
RETMSG=
NUM_PASS=0
NUM_FAIL=0
NUM_SKIP=0
VXT_NAMESPACES=()
VXT_PIDS=()

# ---------------------------------------------------------------- reporting

log_info() { echo "INFO: $*"; }
log_verbose() { ((VERBOSE)) && echo "  .. $*" >&2 || true; }

check_err()
{
	local err=$1 msg=$2

	if ((RET == 0 && err != 0)); then
		RET=$err
		RETMSG=$msg
	fi
}

check_fail()
{
	local err=$1 msg=$2

	if ((RET == 0 && err == 0)); then
		RET=1
		RETMSG=$msg
	fi
}

log_test()
{
	local name=$1

	if ((RET == ksft_skip)); then
		printf 'SKIP: %s: %s\n' "$name" "$RETMSG"
		NUM_SKIP=$((NUM_SKIP + 1))
	elif ((RET != 0)); then
		printf 'FAIL: %s: %s\n' "$name" "$RETMSG"
		NUM_FAIL=$((NUM_FAIL + 1))
	else
		printf 'PASS: %s\n' "$name"
		NUM_PASS=$((NUM_PASS + 1))
	fi
	RET=0
	RETMSG=
}

# Mark the current test as skipped (call, then log_test).
skip() { RET=$ksft_skip; RETMSG=$*; }

# require_tools_or_skip CMD...: mark the test skipped if a tool is missing.
require_tools_or_skip()
{
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || { skip "missing $c"; return 1; }
	done
}

require_cmd()
{
	local c
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			echo "SKIP: missing command $c"
			exit $ksft_skip
		fi
	done
}

require_root()
{
	if ((EUID != 0)); then
		echo "SKIP: needs root"
		exit $ksft_skip
	fi
}

# True when the vxbpf command exists and knows the word `status`.
vxbpf_available()
{
	[[ -x $VXBPF ]]
}

# ---------------------------------------------------------------- cleanup

ns_name() { echo "$VXT_PREFIX-$1"; }

# Remove the pin dir vxbpf keeps for namespace $1 (full name).
ns_unpin()
{
	local ns=$1 ino

	[[ -e /var/run/netns/$ns ]] || return 0
	ino=$(stat -L -c %i "/var/run/netns/$ns" 2>/dev/null) || return 0
	[[ -n $ino && -d $PIN_ROOT/$ino ]] && rm -rf "${PIN_ROOT:?}/$ino"
	return 0
}

ns_del()
{
	local ns=$1 pids

	ns_unpin "$ns"
	# Daemons a test started in the namespace (FRR's detach themselves).
	pids=$(ip netns pids "$ns" 2>/dev/null)
	if [[ -n $pids ]]; then
		kill $pids 2>/dev/null
		sleep 0.2
		kill -9 $pids 2>/dev/null
	fi
	ip netns del "$ns" 2>/dev/null || true
}

bg_kill_all()
{
	local p
	for p in "${VXT_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${VXT_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	VXT_PIDS=()
}

# Tear down everything this run created so far (called per test and on EXIT).
vxt_cleanup()
{
	local ns

	bg_kill_all
	for ns in "${VXT_NAMESPACES[@]}"; do
		ns_del "$ns"
	done
	VXT_NAMESPACES=()
	[[ -n $VXT_TMP ]] && rm -rf "${VXT_TMP:?}"/t.*
	return 0
}

vxt_exit()
{
	vxt_cleanup
	[[ -n $VXT_TMP ]] && rm -rf "$VXT_TMP"
}

trap vxt_exit EXIT
trap 'exit 130' INT TERM

# Remember a background pid so cleanup kills it.
bg_track() { VXT_PIDS+=("$1"); }

# vxt_tmpdir VAR: make a temp dir and store its path in VAR. All of them
# live under one per-run directory removed on exit, so this also works in
# a $(...) subshell.
VXT_TMP=$(mktemp -d "/tmp/$VXT_PREFIX.XXXXXX")
vxt_tmpdir()
{
	local -n _dirvar=$1
	_dirvar=$(mktemp -d "$VXT_TMP/t.XXXXXX")
}

# ---------------------------------------------------------------- topology

# ns_add SHORT: create namespace $VXT_PREFIX-SHORT with lo up.
ns_add()
{
	local ns
	ns=$(ns_name "$1")
	ip netns add "$ns" || return 1
	VXT_NAMESPACES+=("$ns")
	ip -n "$ns" link set lo up
	# Quiet namespaces: no router solicitations, no DAD noise on links we
	# do not address.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.default.router_solicitations=0 \
		net.ipv6.conf.all.router_solicitations=0
}

# mirror_ns_add NAME: a namespace with what a mirror daemon needs and no
# more: ul0 (192.0.2.1), vxlan100 on it, one flood entry to 192.0.2.2.
mirror_ns_add()
{
	local ns

	ns_add "$1" || return 1
	ns=$(ns_name "$1")
	ip -n "$ns" link add ul0 type veth peer name ulp &&
		ip -n "$ns" addr add 192.0.2.1/24 dev ul0 && ip -n "$ns" link set ul0 up &&
		ip -n "$ns" link add vxlan100 type vxlan id 100 local 192.0.2.1 dstport 4789 dev ul0 &&
		ip -n "$ns" link set vxlan100 up &&
		bridge -n "$ns" fdb append 00:00:00:00:00:00 dev vxlan100 dst 192.0.2.2
}

# veth_add NS1 IF1 NS2 IF2: a veth pair with one end in each namespace.
veth_add()
{
	local ns1=$1 if1=$2 ns2=$3 if2=$4

	# Created inside ns1 with the peer put straight into ns2: nothing ever
	# appears in the root namespace.
	ip -n "$ns1" link add "$if1" type veth peer name "$if2" netns "$ns2"
}

# underlay_add NSA NSB FAM [NSC]: ul0 in A and B joined by a veth pair, the
# fixed MACs and addresses of family FAM (4|6), and (UL_STATIC_NEIGH=1, the
# default) static permanent outer neighbours. With NSC, A/B/C share a bridge in a separate "switch" namespace.
underlay_add()
{
	local nsa=$1 nsb=$2 fam=$3 nsc=${4:-}
	local a b c plen

	if [[ $fam == 4 ]]; then
		a=$UL4_A b=$UL4_B c=$UL4_C plen=24
	else
		a=$UL6_A b=$UL6_B c=$UL6_C plen=64
	fi

	if [[ -z $nsc ]]; then
		veth_add "$nsa" ul0 "$nsb" ul0 || return 1
	else
		local sw
		sw=$(ns_name sw)
		ns_add sw || return 1
		ip -n "$sw" link add br0 type bridge || return 1
		ip -n "$sw" link set br0 up
		veth_add "$nsa" ul0 "$sw" pa || return 1
		veth_add "$nsb" ul0 "$sw" pb || return 1
		veth_add "$nsc" ul0 "$sw" pc || return 1
		local p
		for p in pa pb pc; do
			ip -n "$sw" link set "$p" master br0
			ip -n "$sw" link set "$p" up
		done
	fi

	ul_host_cfg "$nsa" "$UL_MAC_A" "$a" "$plen" || return 1
	ul_host_cfg "$nsb" "$UL_MAC_B" "$b" "$plen" || return 1
	[[ -n $nsc ]] && { ul_host_cfg "$nsc" "$UL_MAC_C" "$c" "$plen" || return 1; }
	((${UL_STATIC_NEIGH:-1})) || return 0
	ip -n "$nsa" neigh add "$b" lladdr "$UL_MAC_B" dev ul0 nud permanent
	ip -n "$nsb" neigh add "$a" lladdr "$UL_MAC_A" dev ul0 nud permanent
	if [[ -n $nsc ]]; then
		ip -n "$nsc" neigh add "$a" lladdr "$UL_MAC_A" dev ul0 nud permanent
		ip -n "$nsc" neigh add "$b" lladdr "$UL_MAC_B" dev ul0 nud permanent
		ip -n "$nsa" neigh add "$c" lladdr "$UL_MAC_C" dev ul0 nud permanent
		ip -n "$nsb" neigh add "$c" lladdr "$UL_MAC_C" dev ul0 nud permanent
	fi
}

ul_host_cfg()
{
	local ns=$1 mac=$2 addr=$3 plen=$4

	ip -n "$ns" link set ul0 address "$mac" || return 1
	if [[ $addr == *:* ]]; then
		ip -n "$ns" addr add "$addr/$plen" dev ul0 nodad || return 1
	else
		ip -n "$ns" addr add "$addr/$plen" dev ul0 || return 1
	fi
	ip -n "$ns" link set ul0 up
}

# vm_add HOSTNS VMNS MAC V4 V6 MTU: the "VM": eth0 in VMNS, vm0 in HOSTNS.
vm_add()
{
	local hns=$1 vns=$2 mac=$3 v4=$4 v6=$5 mtu=$6

	veth_add "$vns" eth0 "$hns" vm0 || return 1
	ip -n "$vns" link set eth0 address "$mac" mtu "$mtu" || return 1
	ip -n "$vns" addr add "$v4/24" dev eth0 || return 1
	ip -n "$vns" addr add "$v6/64" dev eth0 nodad || return 1
	ip -n "$vns" link set eth0 up
	ip -n "$hns" link set vm0 mtu "$mtu" up
}

# linux_vtep NS LOCAL MTU: the kernel's VTEP, as in the seed's "unicast with
# static L3 entries": vxlan100 nolearning proxy + br0 with vm0.
# Then linux_remote_vm NS REMOTE_VTEP MAC V4 V6 for each remote VM.
linux_vtep()
{
	local ns=$1 local=$2 mtu=$3

	ip -n "$ns" link add vxlan$VNI type vxlan id $VNI local "$local" \
		dstport 4789 nolearning proxy || return 1
	ip -n "$ns" link set vxlan$VNI mtu "$mtu"
	ip -n "$ns" link add br0 type bridge || return 1
	ip -n "$ns" link set br0 mtu "$mtu"
	ip -n "$ns" link set vxlan$VNI master br0 || return 1
	ip -n "$ns" link set vm0 master br0 || return 1
	ip -n "$ns" link set vxlan$VNI up
	ip -n "$ns" link set br0 up
}

linux_remote_vm()
{
	local ns=$1 vtep=$2 mac=$3 v4=$4 v6=$5

	bridge -n "$ns" fdb append "$mac" dev vxlan$VNI dst "$vtep" || return 1
	ip -n "$ns" neigh add "$v4" lladdr "$mac" dev vxlan$VNI nud permanent || return 1
	ip -n "$ns" neigh add "$v6" lladdr "$mac" dev vxlan$VNI nud permanent || return 1
}

# vxbpf_run NS ARGS...: vxbpf acting in namespace NS (never ip netns exec:
# that hides /sys/fs/bpf). Output goes to stdout; failures are logged.
vxbpf_run()
{
	local ns=$1
	shift
	log_verbose "vxbpf -n $ns $*"
	"$VXBPF" -n "$ns" "$@"
}

# vxbpf_vtep NS LOCAL: vxbpf as the VTEP of NS for the local VM behind vm0.
vxbpf_vtep()
{
	local ns=$1 local=$2 vm_mac=$3
	local out

	out=$(vxbpf_run "$ns" vni add $VNI local "$local" proxy 2>&1) ||
		{ echo "vxbpf vni add: $out"; return 1; }
	out=$(vxbpf_run "$ns" port add vm0 vni $VNI 2>&1) ||
		{ echo "vxbpf port add: $out"; return 1; }
	log_verbose "$out"
	out=$(vxbpf_run "$ns" fdb add "$vm_mac" vni $VNI dev vm0 2>&1) ||
		{ echo "vxbpf fdb add (local): $out"; return 1; }
}

vxbpf_remote_vm()
{
	local ns=$1 vtep=$2 mac=$3 v4=$4 v6=$5
	local out

	out=$(vxbpf_run "$ns" fdb add "$mac" vni $VNI dst "$vtep" 2>&1) ||
		{ echo "vxbpf fdb add: $out"; return 1; }
	out=$(vxbpf_run "$ns" neigh add "$v4" lladdr "$mac" vni $VNI 2>&1) ||
		{ echo "vxbpf neigh add $v4: $out"; return 1; }
	out=$(vxbpf_run "$ns" neigh add "$v6" lladdr "$mac" vni $VNI 2>&1) ||
		{ echo "vxbpf neigh add $v6: $out"; return 1; }
}

vxbpf_attach()
{
	local ns=$1 dev=$2
	local out

	out=$(vxbpf_run "$ns" attach "$dev" 2>&1) ||
		{ echo "vxbpf attach $dev: $out"; return 1; }
	log_verbose "$out"
}

# ---------------------------------------------------------------- checks

# ping_retry NS DST BUDGET_S [ping args]: succeed as soon as one ping is
# answered within BUDGET_S seconds (first packets may be slow-pathed while
# neighbours resolve).
ping_retry()
{
	local ns=$1 dst=$2 budget=$3
	shift 3
	local end=$((SECONDS + budget))

	while ((SECONDS < end)); do
		ip netns exec "$ns" ping -n -q -c 1 -W 1 "$@" "$dst" >/dev/null 2>&1 &&
			return 0
		sleep 0.2
	done
	return 1
}

# ping_all NS DST COUNT [ping args]: COUNT pings, all must come back.
ping_all()
{
	local ns=$1 dst=$2 count=$3
	shift 3
	ip netns exec "$ns" ping -n -q -c "$count" -i 0.05 -W 2 "$@" "$dst" 2>&1 |
		grep -q " 0% packet loss"
}

# vxbpf_stat_vni NS FIELD: a per-VNI counter from `vxbpf -j stats`.
vxbpf_stat_vni()
{
	local ns=$1 field=$2
	vxbpf_run "$ns" -j stats 2>/dev/null |
		jq -r --arg f "$field" --argjson v $VNI \
			'[.vnis[]? | select(.vni == $v) | .[$f]] | add // 0' 2>/dev/null
}

# vxbpf_stat_reason NS REASON [packets|bytes]
vxbpf_stat_reason()
{
	local ns=$1 reason=$2 field=${3:-packets}
	vxbpf_run "$ns" -j stats 2>/dev/null |
		jq -r --arg r "$reason" --arg f "$field" \
			'[.reasons[]? | select(.reason == $r) | .[$f]] | add // 0' 2>/dev/null
}

# check_counter_gt NS KIND NAME MIN: KIND is vni|reason; fails unless > MIN.
check_counter_gt()
{
	local ns=$1 kind=$2 name=$3 min=$4 v

	((VXT_REFERENCE)) && return 0
	if [[ $kind == vni ]]; then
		v=$(vxbpf_stat_vni "$ns" "$name")
	else
		v=$(vxbpf_stat_reason "$ns" "$name")
	fi
	[[ $v =~ ^[0-9]+$ ]] || { check_err 1 "counter $name unreadable (got '$v')"; return 1; }
	log_verbose "$ns $name = $v"
	((v > min)) || { check_err 1 "counter $name = $v, expected > $min"; return 1; }
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s.
wait_for()
{
	local end=$((SECONDS + $1))
	shift
	while ((SECONDS <= end)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# capture_start NS DEV FILE [filter]: tcpdump in the background; waits until
# it is listening. capture_stop flushes and stops it.
CAPTURE_PID=
capture_start()
{
	local ns=$1 dev=$2 file=$3
	shift 3
	local log=$file.log i

	ip netns exec "$ns" tcpdump -i "$dev" -s 0 -U -n --immediate-mode -w "$file" "$@" \
		>"$log" 2>&1 &
	CAPTURE_PID=$!
	bg_track "$CAPTURE_PID"
	for ((i = 0; i < 50; i++)); do
		grep -q "listening on" "$log" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "tcpdump did not start: $(cat "$log")"
	return 1
}

capture_stop()
{
	[[ -n $CAPTURE_PID ]] || return 0
	sleep 0.3
	# TERM, not INT: background jobs of a non-interactive shell ignore INT.
	kill -TERM "$CAPTURE_PID" 2>/dev/null
	wait "$CAPTURE_PID" 2>/dev/null
	CAPTURE_PID=
	return 0
}

# ---------------------------------------------------------------- driver

# tests_run: run every function in $ALL_TESTS (or $TESTS), each followed by
# a full cleanup so every test starts from empty namespaces.
tests_run()
{
	local t
	for t in ${TESTS:-$ALL_TESTS}; do
		RET=0
		RETMSG=
		"$t"
		vxt_cleanup
	done
}

# Exit status for a test file: 1 if any FAIL, 0 otherwise (SKIPs are fine).
tests_exit()
{
	((NUM_FAIL == 0))
}

# ---------------------------------------------------------------- topologies

# topo_build KIND FAM: the test topologies, every name fixed by lib.sh.
#   KIND linux : A runs vxbpf, B runs plain Linux vxlan (tests a, b, demo)
#   KIND pair  : A and B both run vxbpf, no kernel vxlan anywhere (test c)
#   KIND third : as linux, plus host C with Linux vxlan that A does not
#                know, all three on one underlay switch (test d)
#   FAM 4|6    : underlay family; overlay MTU 1450 resp. 1430.
# TOPO_UL_MTU: the underlay's MTU (default 1500), set before vxbpf attaches;
# the overlay's is then TOPO_UL_MTU less 50 resp. 70.
# Sets A B C V1 V2 V3 (namespace names), LA LB LC (underlay addresses),
# MTU. Returns 1 with RETMSG set when anything fails.
#
# The vxbpf hosts get NO static neighbour for their peers' underlay
# addresses: resolving the outer neighbour is vxbpf's own job (a FIB miss
# is passed to the kernel). Linux hosts resolve theirs as usual. Set
# UL_STATIC_NEIGH=1 to pin them all (the fixture capture does).
topo_build()
{
	local kind=$1 fam=$2 msg

	A=$(ns_name hostA) B=$(ns_name hostB) C=
	V1=$(ns_name vm1) V2=$(ns_name vm2) V3=
	if [[ $fam == 4 ]]; then
		LA=$UL4_A LB=$UL4_B LC=$UL4_C MTU=$((${TOPO_UL_MTU:-1500} - 50))
	else
		LA=$UL6_A LB=$UL6_B LC=$UL6_C MTU=$((${TOPO_UL_MTU:-1500} - 70))
	fi
	TOPO_KIND=$kind
	if ((VXT_REFERENCE)); then
		[[ $kind == linux ]] || { skip "VXT_REFERENCE: needs vxbpf"; return 1; }
	elif ! vxbpf_available; then
		check_err 1 "$VXBPF not built"
		return 1
	fi

	ns_add hostA && ns_add hostB && ns_add vm1 && ns_add vm2 ||
		{ check_err 1 "namespace creation failed"; return 1; }
	if [[ $kind == third ]]; then
		C=$(ns_name hostC) V3=$(ns_name vm3)
		ns_add hostC && ns_add vm3 ||
			{ check_err 1 "namespace creation failed"; return 1; }
	fi
	# Not in $(...): underlay_add may register a switch namespace.
	UL_STATIC_NEIGH=${UL_STATIC_NEIGH:-0} underlay_add "$A" "$B" "$fam" $C ||
		{ check_err 1 "underlay setup failed"; return 1; }
	if [[ -n ${TOPO_UL_MTU:-} ]]; then
		[[ -z $C ]] || { check_err 1 "TOPO_UL_MTU: not with a third host"; return 1; }
		ip -n "$A" link set ul0 mtu "$TOPO_UL_MTU" && ip -n "$B" link set ul0 mtu "$TOPO_UL_MTU" ||
			{ check_err 1 "underlay MTU $TOPO_UL_MTU refused"; return 1; }
	fi
	vm_add "$A" "$V1" "$VM1_MAC" "$VM1_V4" "$VM1_V6" "$MTU" &&
		vm_add "$B" "$V2" "$VM2_MAC" "$VM2_V4" "$VM2_V6" "$MTU" ||
		{ check_err 1 "VM links failed"; return 1; }

	# Host A: vxbpf (or, for VXT_REFERENCE=1, Linux vxlan).
	if ((VXT_REFERENCE)); then
		msg=$(linux_vtep "$A" "$LA" "$MTU" 2>&1) &&
			msg=$(linux_remote_vm "$A" "$LB" "$VM2_MAC" "$VM2_V4" "$VM2_V6" 2>&1) ||
			{ check_err 1 "hostA linux vxlan: $msg"; return 1; }
	else
		msg=$(vxbpf_vtep "$A" "$LA" "$VM1_MAC" 2>&1) &&
			msg=$(vxbpf_remote_vm "$A" "$LB" "$VM2_MAC" "$VM2_V4" "$VM2_V6" 2>&1) &&
			msg=$(vxbpf_attach "$A" ul0 2>&1) ||
			{ check_err 1 "hostA: $msg"; return 1; }
	fi

	# Host B: Linux or vxbpf.
	if [[ $kind == pair ]]; then
		msg=$(vxbpf_vtep "$B" "$LB" "$VM2_MAC" 2>&1) &&
			msg=$(vxbpf_remote_vm "$B" "$LA" "$VM1_MAC" "$VM1_V4" "$VM1_V6" 2>&1) &&
			msg=$(vxbpf_attach "$B" ul0 2>&1) ||
			{ check_err 1 "hostB: $msg"; return 1; }
	else
		msg=$(linux_vtep "$B" "$LB" "$MTU" 2>&1) &&
			msg=$(linux_remote_vm "$B" "$LA" "$VM1_MAC" "$VM1_V4" "$VM1_V6" 2>&1) ||
			{ check_err 1 "hostB linux vxlan: $msg"; return 1; }
	fi

	# Host C: Linux vxlan that knows A, but A does not know C.
	if [[ $kind == third ]]; then
		msg=$(vm_add "$C" "$V3" "$VM3_MAC" "$VM3_V4" "$VM3_V6" "$MTU" 2>&1) &&
			msg=$(linux_vtep "$C" "$LC" "$MTU" 2>&1) &&
			msg=$(linux_remote_vm "$C" "$LA" "$VM1_MAC" "$VM1_V4" "$VM1_V6" 2>&1) ||
			{ check_err 1 "hostC linux vxlan: $msg"; return 1; }
	fi
	return 0
}

# quiesce: no frame reaches hostA's programs any more, for tests that
# compare two reads of its counters. The VMs' links go down; IPv6 leaves
# both underlay ends (an IPv4 underlay with static neighbours is otherwise
# silent, but hostB's MLD reports go on for a second or more after
# link-up, and count as rx_not_vxlan).
quiesce()
{
	ip -n "$V1" link set eth0 down && ip -n "$V2" link set eth0 down &&
		ip netns exec "$A" sysctl -qw net.ipv6.conf.ul0.disable_ipv6=1 &&
		ip netns exec "$B" sysctl -qw net.ipv6.conf.ul0.disable_ipv6=1 || return 1
	sleep 0.2
}

# vxbpf_stats_brief NS: the non-zero reason counters on one line, for
# failure messages ("tx_fib_miss=3 rx_decap=5 ...").
vxbpf_stats_brief()
{
	vxbpf_run "$1" -j stats 2>/dev/null |
		jq -r '[.reasons[]? | select(.packets > 0) | "\(.reason)=\(.packets)"] | join(" ")' \
			2>/dev/null || echo "(vxbpf -j stats failed)"
}

# fail_with_stats MSG: check_err 1 with A's (and B's, in a pair) counters.
fail_with_stats()
{
	local m="$1 [hostA: $(vxbpf_stats_brief "$A")"
	[[ ${TOPO_KIND:-} == pair ]] && m+="; hostB: $(vxbpf_stats_brief "$B")"
	check_err 1 "$m]"
}

# tcp_transfer SRC_NS DST_NS DST_IP SIZE_MIB: send SIZE_MIB of random data
# with socat, compare sha256 on both ends. Echoes a reason on failure.
tcp_transfer()
{
	local src=$1 dst=$2 ip=$3 mib=$4
	local dir pid i h1 h2 port=5001 addr

	vxt_tmpdir dir
	head -c $((mib * 1024 * 1024)) /dev/urandom >"$dir/in"
	if [[ $ip == *:* ]]; then
		addr="TCP6:[$ip]:$port"
		ip netns exec "$dst" timeout 20 socat -u \
			"TCP6-LISTEN:$port,reuseaddr" "OPEN:$dir/out,creat,trunc" &
	else
		addr="TCP4:$ip:$port"
		ip netns exec "$dst" timeout 20 socat -u \
			"TCP4-LISTEN:$port,reuseaddr" "OPEN:$dir/out,creat,trunc" &
	fi
	pid=$!
	bg_track "$pid"
	for ((i = 0; i < 50; i++)); do
		ip netns exec "$dst" ss -Hltn "sport = :$port" | grep -q . && break
		sleep 0.1
	done
	if ! ip netns exec "$src" timeout 15 socat -u "OPEN:$dir/in" \
		"$addr,connect-timeout=5" 2>"$dir/err"; then
		echo "socat to $ip failed: $(tr '\n' ' ' <"$dir/err")"
		return 1
	fi
	if ! wait "$pid"; then
		echo "receiver on $ip failed or timed out"
		return 1
	fi
	h1=$(sha256sum <"$dir/in" | cut -d' ' -f1)
	h2=$(sha256sum <"$dir/out" | cut -d' ' -f1)
	if [[ $h1 != "$h2" ]]; then
		echo "sha256 mismatch to $ip: sent $h1, received $h2 ($(stat -c %s "$dir/out") bytes)"
		return 1
	fi
}
