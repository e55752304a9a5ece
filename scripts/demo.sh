#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vxbpf demo (`make demo`): one vxbpf host, one plain Linux vxlan host, a VM
# behind each, pings across the overlay, then vxbpf's own view of it.
#
#   vm1 ns            hostA ns (vxbpf)                 hostB ns (Linux vxlan)            vm2 ns
#  +----------+   +------------------------+       +-----------------------------+   +----------+
#  | eth0     |   | vm0: vxbpf port vni 100|       | vm0 ─ br0 ─ vxlan100        |   |     eth0 |
#  | aa:01    +---+ ul0: vxbpf attach      |       |   (nolearning proxy)        +---+    bb:01 |
#  | 10.0.0.1 |   | 192.0.2.1/24  ul0 +----veth----+ ul0  192.0.2.2/24           |   | 10.0.0.2 |
#  | fd00::1  |   +------------------------+       +-----------------------------+   |  fd00::2 |
#  +----------+                                                                       +----------+
#
# Everything lives in namespaces named vxdemo-<pid>-*, removed on exit.
# Exit status is non-zero if a ping fails.
set -uo pipefail

REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
VXT_PREFIX=vxdemo-$$
# shellcheck source=../tests/net/lib.sh
source "$REPO_ROOT/tests/net/lib.sh"

require_root
require_cmd ip bridge ping

DEMO_NAME=demo
# shellcheck source=lib_demo.sh
source "$REPO_ROOT/scripts/lib_demo.sh"

[[ -x $VXBPF ]] || die "$VXBPF not built (make build/vxbpf)"

A=$(ns_name hostA) B=$(ns_name hostB) V1=$(ns_name vm1) V2=$(ns_name vm2)
MTU=1450

step "Namespaces: $A $B $V1 $V2"
for n in hostA hostB vm1 vm2; do ns_add $n || die "ip netns add failed"; done

step "Underlay: veth ul0 <-> ul0, 192.0.2.1/24 <-> 192.0.2.2/24"
UL_STATIC_NEIGH=0 underlay_add "$A" "$B" 4 || die "underlay setup failed"

step "VMs: vm1 (02:00:00:00:aa:01, 10.0.0.1, fd00::1) and vm2 (02:00:00:00:bb:01, 10.0.0.2, fd00::2), MTU $MTU"
vm_add "$A" "$V1" "$VM1_MAC" "$VM1_V4" "$VM1_V6" $MTU || die "vm1 setup failed"
vm_add "$B" "$V2" "$VM2_MAC" "$VM2_V4" "$VM2_V6" $MTU || die "vm2 setup failed"

step "hostB: plain Linux vxlan100 (nolearning proxy) + br0, static fdb and neigh for vm1"
linux_vtep "$B" "$UL4_B" $MTU || die "hostB vxlan setup failed"
linux_remote_vm "$B" "$UL4_A" "$VM1_MAC" "$VM1_V4" "$VM1_V6" || die "hostB fdb/neigh failed"
show ip -n "$B" -d link show vxlan100
show bridge -n "$B" fdb show dev vxlan100

step "hostA: vxbpf only, no kernel vxlan device"
vx()
{
	show "$VXBPF" -n "$A" "$@" || die "vxbpf $* failed"
}
vx vni add $VNI local "$UL4_A" proxy
vx port add vm0 vni $VNI
vx fdb add "$VM1_MAC" vni $VNI dev vm0
vx fdb add "$VM2_MAC" vni $VNI dst "$UL4_B"
vx neigh add "$VM2_V4" lladdr "$VM2_MAC" vni $VNI
vx neigh add "$VM2_V6" lladdr "$VM2_MAC" vni $VNI
vx attach ul0
vx status

rc=0
ping_step()
{
	local from=$1 to=$2
	step "ping $to from $from"
	# The first answer may take a moment (neighbour resolution); then 5
	# pings must all come back.
	ping_retry "$(ns_name "$from")" "$to" 5 >/dev/null
	show ip netns exec "$(ns_name "$from")" ping -n -c 5 -i 0.2 -W 2 "$to" ||
		{ echo "    FAILED"; rc=1; }
}
ping_step vm1 "$VM2_V4"
ping_step vm1 "$VM2_V6"
ping_step vm2 "$VM1_V4"
ping_step vm2 "$VM1_V6"

step "vxbpf stats (hostA)"
show "$VXBPF" -n "$A" stats

step "vxbpf fdb show / neigh show (hostA)"
show "$VXBPF" -n "$A" fdb show
show "$VXBPF" -n "$A" neigh show

step "bpftool map dump of the pinned fdb map (hostA)"
ino=$(stat -L -c %i "/var/run/netns/$A")
pin=$PIN_ROOT/$ino/fdb
if command -v bpftool >/dev/null && [[ -e $pin ]]; then
	show nsenter --net="/var/run/netns/$A" bpftool map dump pinned "$pin"
else
	echo "  (no pinned map at $pin)"
fi

step "Cleanup"
vxt_cleanup
echo "  namespaces and pins removed"

if ((rc)); then
	printf '\ndemo: FAILED, some pings were not answered\n'
else
	printf '\ndemo: OK, vxbpf carried IPv4 and IPv6 across the overlay\n'
fi
exit $rc
