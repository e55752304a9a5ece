#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vxbpf under BGP EVPN (`make demo-evpn`): four VTEPs and a route reflector
# in namespaces, FRR (zebra + bgpd) on each, two L2 VNIs, a VM per VNI
# behind every VTEP. FRR programs the kernel's vxlan devices, bridges and
# neighbours from the EVPN routes; `vxbpf mirror` copies them and the fast
# path carries the VMs' traffic. The topology is in tests/net/lib_evpn.sh.
#
#                  sw: br0 ─┬─ rr (bgpd, route reflector) 192.0.2.100
#                           ├─ v1 192.0.2.11 ── vm1-100, vm1-200
#                           ├─ v2 192.0.2.12 ── vm2-100, vm2-200
#                           ├─ v3 192.0.2.13 ── vm3-100, vm3-200
#                           └─ v4 192.0.2.14 ── vm4-100, vm4-200
#
# Everything lives in namespaces named vxevpn-<pid>-*, removed on exit
# (the FRR daemons with them). Exit status is non-zero if a step fails.
set -uo pipefail

REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
VXT_PREFIX=vxevpn-$$
# shellcheck source=../tests/net/lib_evpn.sh
source "$REPO_ROOT/tests/net/lib_evpn.sh"

require_root
require_cmd ip bridge ping jq tcpdump

DEMO_NAME=demo-evpn
# shellcheck source=lib_demo.sh
source "$REPO_ROOT/scripts/lib_demo.sh"

[[ -x $VXBPF ]] || die "$VXBPF not built (make build/vxbpf)"
frr_available || die "FRR is not installed ($FRR_DIR/bgpd): scripts/deps.sh installs Debian's frr"

N=4
V1=$(vtep_ns 1)

step "The lab: a switch, a route reflector, $N VTEPs with FRR, 2 VMs each (takes a few seconds)"
evpn_lab $N >"$VXT_TMP/lab.log" 2>&1 || die "lab setup failed: $(tail -n 3 "$VXT_TMP/lab.log")"
echo "  namespaces: $(ip netns list | awk '{print $1}' | grep -c "^$VXT_PREFIX-") (prefix $VXT_PREFIX-)"
show ip -n "$V1" -br link show master br100
show bridge -n "$V1" -d link show dev vxlan100

step "BGP: every VTEP a client of the reflector (l2vpn evpn)"
established()
{
	vtysh_in "$(ns_name rr)" -c "show bgp l2vpn evpn summary json" 2>/dev/null |
		jq -e --argjson n "$N" '[.. | objects | select(.state? == "Established")] | length == $n' \
			>/dev/null
}
wait_for 30 established || die "BGP sessions not established"
show vtysh_in "$(ns_name rr)" -c "show bgp l2vpn evpn summary"

step "The VMs speak; zebra advertises their MACs (type-2) and the flood lists (type-3)"
wait_converged 1 2 3 4 || die "not converged within ${CONVERGE_S}s"
for n in 1 2 3 4; do svi_announce "$n" 100; done
show vtysh_in "$V1" -c "show evpn mac vni 100"
show vtysh_in "$V1" -c "show evpn vni"

step "What zebra programmed into v1's kernel, and vxbpf mirror's copy of it"
show bridge -n "$V1" fdb show dev vxlan100
show "$VXBPF" -n "$V1" vni show
show "$VXBPF" -n "$V1" fdb show vni 100

rc=0
step "Traffic on both VNIs from v1's VMs to every other VTEP, carried by XDP"
for vni in $EVPN_VNIS; do
	for j in 2 3 4; do
		ping_retry "$(vm_ns 1 "$vni")" "$(vm_ip4 "$j" "$vni")" 5 >/dev/null
		show ip netns exec "$(vm_ns 1 "$vni")" ping -n -q -c 5 -i 0.1 -W 2 "$(vm_ip4 "$j" "$vni")" ||
			{ echo "    FAILED"; rc=1; }
	done
done

step "ARP and ND suppression: vm1-100 asks for vm2-100; v1's XDP answers, nothing crosses"
for ((i = 0; i < 20; i++)); do
	svi_announce 1 100
	svi_announce 2 100
	has_neigh 1 2 && has_neigh 2 1 && break
	sleep 0.5
done
show ip -n "$V1" neigh show dev br100
show "$VXBPF" -n "$V1" neigh show vni 100
ip -n "$(vm_ns 1 100)" neigh flush dev eth0
ip -n "$(vm_ns 2 100)" neigh flush dev eth0
arp0=$(stat_of 1 tx_arp_reply) na0=$(stat_of 1 tx_na_reply)
vxt_tmpdir dir
capture_start "$(ns_name sw)" p1 "$dir/p1.pcap" udp port 4789 || die "tcpdump"
show ip netns exec "$(vm_ns 1 100)" ping -n -q -c 2 -i 0.2 "$(vm_ip4 2 100)" || rc=1
show ip netns exec "$(vm_ns 1 100)" ping -n -q -c 2 -i 0.2 "$(vm_ip6 2 100)" || rc=1
capture_stop
echo "  ARP replies sent by v1's XDP: $(($(stat_of 1 tx_arp_reply) - arp0)), NAs: $(($(stat_of 1 tx_na_reply) - na0))"
n=$(tcpdump -r "$dir/p1.pcap" -nn 2>/dev/null | grep -c -E 'ARP|neighbor solicitation')
echo "  ARP requests or NSs on v1's underlay meanwhile: $n"
((n == 0)) || rc=1

step "vxbpf stats on v1"
show "$VXBPF" -n "$V1" stats

step "Cleanup"
vxt_cleanup
echo "  namespaces, FRR daemons and pins removed"

if ((rc)); then
	printf '\ndemo-evpn: FAILED\n'
else
	printf '\ndemo-evpn: OK, FRR programmed the kernel, vxbpf carried the overlay\n'
fi
exit $rc
