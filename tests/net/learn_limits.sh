#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A learning VNI cannot be filled by a peer. hostB sends VXLAN from
# thousands of different inner source MACs (tests/net/vxflood.py), as a
# misbehaving VM or an attacker behind an accepted VTEP would:
#
#   vm1 ─ hostA (vxbpf alone, VNI 100 learning) ─ ul0 ══ ul0 ─ hostB ─ vm2
#                                                      ▲ 5,000 / 600,000 MACs
#
# - with `maxaddress 1000` the VNI learns exactly 1,000 of 5,000 MACs, the
#   rest are counted as refused and still delivered; every static entry
#   stays, `vxbpf fdb add` still works, and room a user frees (fdb del) is
#   taken by the next new MAC, not more;
# - without a maxaddress, all VNIs together learn at most half the fdb map
#   (524,288 entries): a flood of 600,000 MACs leaves the other half to
#   the user's and mirror's entries;
# - a kernel vxlan device's maxaddress is mirrored.
#
# Run: tests/net/learn_limits.sh  (TESTS=... to select, VERBOSE=1)

source "$(dirname "$0")/lib.sh"

FLOOD="$(dirname "$0")/vxflood.py"
LEARN_MAX=524288

# flood BASE_MAC COUNT [PASSES]: from hostB's underlay to hostA, inner
# source MACs BASE_MAC + 0 .. COUNT - 1, to vm1.
flood()
{
	ip netns exec "$B" /usr/bin/python3 "$FLOOD" ul0 "$UL_MAC_B" "$UL_MAC_A" "$LB" "$LA" \
		"$VNI" "$VM1_MAC" "$@" >/dev/null
}

# learned NS: the fast path's learned count of VNI 100 (vxbpf -j stats).
learned()
{
	vxbpf_run "$1" -j stats | jq -r ".vnis[] | select(.vni == $VNI) | .learned"
}

refused()
{
	vxbpf_run "$1" -j stats | jq -r ".vnis[] | select(.vni == $VNI) | .learn_refused"
}

# fdb_learned NS: learned entries of VNI 100 in the fdb map itself.
fdb_learned()
{
	vxbpf_run "$1" -j fdb show vni $VNI | jq '[.[] | select(.state == "learned")] | length'
}

# learning_vtep [maxaddress N]: hostA's VNI turned into a learning one,
# with 50 static remote entries besides vm2's.
learning_vtep()
{
	local i out

	topo_build linux 4 || return 1
	out=$(vxbpf_run "$A" vni replace $VNI local "$LA" proxy learning "$@" 2>&1) ||
		{ check_err 1 "vni replace: $out"; return 1; }
	for i in $(seq 10 59); do
		echo "fdb add 02:00:00:5a:00:$i vni $VNI dst $LB"
	done >"$VXT_TMP/static"
	out=$(vxbpf_run "$A" load "$VXT_TMP/static" 2>&1) ||
		{ check_err 1 "load static entries: $out"; return 1; }
}

t_maxaddress()
{
	local name="learning: maxaddress 1000 learns 1,000 of 5,000 MACs, static entries and fdb add unaffected"
	local n r dec0 dec1 out

	learning_vtep maxaddress 1000 || { log_test "$name"; return; }
	vxbpf_run "$A" -j vni show | jq -e ".[] | select(.vni == $VNI) | .maxaddress == 1000" >/dev/null ||
		check_err 1 "vni show does not say maxaddress 1000"
	dec0=$(vxbpf_stat_reason "$A" rx_decap)
	flood 02:00:00:f1:00:00 5000 || check_err 1 "the flood could not be sent"
	n=$(learned "$A") r=$(refused "$A")
	((n == 1000)) || check_err 1 "learned $n, not 1000"
	n=$(fdb_learned "$A")
	((n == 1000)) || check_err 1 "$n learned entries in the fdb map, not 1000"
	((r >= 3900)) || check_err 1 "only $r learns counted as refused"
	dec1=$(vxbpf_stat_reason "$A" rx_decap)
	# Some frames of the flood may be lost on the veth; what arrived was
	# delivered whether or not its MAC was learned.
	((dec1 - dec0 >= 1000 + r)) ||
		check_err 1 "$((dec1 - dec0)) decapsulated for 1000 learned + $r refused"

	n=$(vxbpf_run "$A" -j fdb show vni $VNI | jq '[.[] | select(.state == "permanent")] | length')
	# 50 static remotes, vm2, vm1 on its port.
	((n == 52)) || check_err 1 "$n permanent entries, not 52"
	out=$(vxbpf_run "$A" fdb add 02:00:00:5b:00:01 vni $VNI dst "$LB" 2>&1) ||
		check_err 1 "fdb add at the limit: $out"
	ping_retry "$V1" "$VM2_V4" 5 || check_err 1 "vm1 cannot reach vm2 at the limit"

	# Room a user frees is taken by one new MAC, no more.
	out=$(vxbpf_run "$A" fdb del 02:00:00:f1:00:00 vni $VNI 2>&1) ||
		check_err 1 "fdb del of a learned entry: $out"
	n=$(learned "$A")
	((n == 999)) || check_err 1 "learned $n after deleting one, not 999"
	flood 02:00:00:f2:00:00 10 || check_err 1 "the second flood could not be sent"
	n=$(fdb_learned "$A")
	((n == 1000)) || check_err 1 "$n learned entries after the second flood, not 1000"
	((RET == 0)) || RETMSG+=" [$(vxbpf_stats_brief "$A")]"
	log_test "$name"
}

t_default_bound()
{
	local name="learning: without maxaddress, 600,000 MACs learn at most $LEARN_MAX (half the fdb map)"
	local n out

	learning_vtep || { log_test "$name"; return; }
	# Twice over: what the veth drops the first time comes again.
	flood 02:00:00:f3:00:00 600000 2 || check_err 1 "the flood could not be sent"
	n=$(learned "$A")
	((n == LEARN_MAX)) || check_err 1 "learned $n, not $LEARN_MAX"
	n=$(fdb_learned "$A")
	((n == LEARN_MAX)) || check_err 1 "$n learned entries in the fdb map, not $LEARN_MAX"
	n=$(refused "$A")
	((n > 0)) || check_err 1 "no learn counted as refused"
	for i in $(seq 1 20000); do
		printf 'fdb add 02:00:00:5c:%02x:%02x vni %s dst %s\n' $((i / 256)) $((i % 256)) "$VNI" "$LB"
	done >"$VXT_TMP/more"
	out=$(vxbpf_run "$A" load "$VXT_TMP/more" 2>&1) ||
		check_err 1 "20,000 user entries do not fit beside the learned ones: $out"
	ping_retry "$V1" "$VM2_V4" 5 || check_err 1 "vm1 cannot reach vm2 after the flood"
	((RET == 0)) || RETMSG+=" [$(vxbpf_stats_brief "$A")]"
	log_test "$name"
}

t_mirrored_maxaddress()
{
	local name="learning: a vxlan device's maxaddress is mirrored"
	local ns out

	ns_add mx || { check_err 1 "namespace"; log_test "$name"; return; }
	ns=$(ns_name mx)
	ip -n "$ns" link add ul0 type veth peer name ul1 &&
		ip -n "$ns" addr add 192.0.2.1/24 dev ul0 &&
		ip -n "$ns" link set ul0 up && ip -n "$ns" link set ul1 up &&
		ip -n "$ns" link add vxm type vxlan id 300 local 192.0.2.1 dstport 4789 \
			dev ul0 learning maxaddress 77 ||
		{ check_err 1 "vxlan device"; log_test "$name"; return; }
	out=$(vxbpf_run "$ns" mirror --once vxm 2>&1) || check_err 1 "mirror --once: $out"
	vxbpf_run "$ns" -j vni show | jq -e '.[] | select(.vni == 300) | .maxaddress == 77' >/dev/null ||
		check_err 1 "maxaddress not mirrored: $(vxbpf_run "$ns" vni show 2>&1)"
	# The kernel cannot change a device's limit ("Cannot change limit"):
	# a device made without one.
	ip -n "$ns" link add vxn type vxlan id 301 local 192.0.2.1 dstport 4789 dev ul0 learning ||
		check_err 1 "second vxlan device"
	out=$(vxbpf_run "$ns" mirror --once vxm vxn 2>&1) || check_err 1 "mirror --once: $out"
	vxbpf_run "$ns" -j vni show | jq -e '.[] | select(.vni == 301) | .maxaddress == 0' >/dev/null ||
		check_err 1 "a device without maxaddress mirrored with one: $(vxbpf_run "$ns" vni show 2>&1)"
	log_test "$name"
}

ALL_TESTS="t_maxaddress t_default_bound t_mirrored_maxaddress"

require_root
require_cmd ip /usr/bin/python3 jq
tests_run
tests_exit
