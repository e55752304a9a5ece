#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vxbpf save, then vxbpf load on a fresh namespace with the same devices:
# the same VNIs (every option), attached devices, ports and user entries;
# none of the mirrored or learned ones. Loading the file twice changes
# nothing; a file that fails part way says what was applied.
#
# Run: tests/net/save_load.sh  (TESTS=... to select, VERBOSE=1)

source "$(dirname "$0")/lib.sh"

MAC1=02:00:00:00:5a:01
MAC_VM=02:00:00:00:aa:01
MAC_LEARNED=02:00:00:00:77:01

# devices NS: the same names in every namespace: an underlay, a port, a
# kernel vxlan device for the host's traffic (VNI 200) and one mirrored
# (VNI 400).
devices()
{
	local ns=$1

	ip -n "$ns" link add ul0 type veth peer name ulp &&
		ip -n "$ns" link add vm0 type veth peer name vm0p &&
		ip -n "$ns" addr add 192.0.2.1/24 dev ul0 &&
		ip -n "$ns" addr add 2001:db8::1/64 dev ul0 nodad &&
		ip -n "$ns" link set ul0 up && ip -n "$ns" link set ulp up &&
		ip -n "$ns" link set vm0 up && ip -n "$ns" link set vm0p up &&
		ip -n "$ns" link add vxh type vxlan id 200 local 192.0.2.1 dstport 4789 dev ul0 &&
		ip -n "$ns" link set vxh up &&
		ip -n "$ns" link add vxm type vxlan id 400 local 192.0.2.1 dstport 4790 dev ul0 nolearning &&
		ip -n "$ns" link set vxm up &&
		bridge -n "$ns" fdb append 00:00:00:00:00:00 dev vxm dst 192.0.2.40
}

configure()
{
	local ns=$1

	vxbpf_run "$ns" load - <<EOF
vni add 100 local 192.0.2.1 srcport 40000 50000 ttl 9 tos 4 ageing 120 maxaddress 50 proxy learning l2miss
vni add 200 local 192.0.2.1 noudpcsum
vni add 300 local 2001:db8::1 dstport 8472 udp6zerocsumtx udp6zerocsumrx l3miss
fdb add $MAC1 vni 100 dst 192.0.2.2 port 8472 router
fdb append $MAC1 vni 100 dst 192.0.2.3
fdb append 00:00:00:00:00:00 vni 100 dst 192.0.2.4
fdb add 02:00:00:00:5a:03 vni 300 dst 2001:db8::3
neigh add 10.0.0.2 lladdr $MAC1 vni 100 router
neigh add 2001:db8:1::2 lladdr $MAC1 vni 100
EOF
	vxbpf_run "$ns" attach ul0 >/dev/null &&
		vxbpf_run "$ns" port add vm0 vni 100 >/dev/null &&
		vxbpf_run "$ns" fdb add $MAC_VM vni 100 dev vm0 &&
		vxbpf_run "$ns" attach vxh >/dev/null &&
		vxbpf_run "$ns" mirror --once vxm >/dev/null
}

# mac NS DEV: the device's MAC address.
mac()
{
	ip -n "$1" -j link show dev "$2" | jq -r '.[0].address'
}

# learned NS: VNI 100 holds MAC_LEARNED as a learned entry.
learned()
{
	vxbpf_run "$1" -j fdb show vni 100 |
		jq -e "any(.mac == \"$MAC_LEARNED\" and .state == \"learned\")" >/dev/null
}

# learn NS: VNI 100 learns MAC_LEARNED behind VTEP 192.0.2.9, from a frame
# sent into ul0 by its veth peer.
learn()
{
	local ns=$1

	ip netns exec "$ns" /usr/bin/python3 "$(dirname "$0")/vxflood.py" ulp "$(mac "$ns" ulp)" \
		"$(mac "$ns" ul0)" 192.0.2.9 192.0.2.1 100 $MAC_VM $MAC_LEARNED 1 >/dev/null &&
		wait_for 5 learned "$ns"
}

# view NS: what a user sees, without what differs between namespaces
# (ifindexes, slots, device MACs) and what is learned (not saved).
view()
{
	local ns=$1

	vxbpf_run "$ns" -j vni show | jq -S -c 'map(del(.slot)) | sort_by(.vni)'
	# The host's entry is the vxlan device's own MAC: random per device.
	vxbpf_run "$ns" -j fdb show |
		jq -S -c 'map(select((.flags | index("host") | not) and .state != "learned") | del(.ifindex)) |
			sort_by(.vni, .mac, .dst)'
	vxbpf_run "$ns" -j neigh show | jq -S -c 'sort_by(.vni, .dst)'
	vxbpf_run "$ns" -j port show | jq -S -c 'map(del(.ifindex))'
	vxbpf_run "$ns" -j status | jq -S -c '[.attached[] | {ifname, mode}], [.vxlan_devices[] | .ifname]'
}

t_save_load()
{
	local name="save and load: VNIs, devices, ports and user entries come back; mirrored ones do not"
	local a b dir out

	ns_add sa && ns_add sb || { check_err 1 "namespaces"; log_test "$name"; return; }
	a=$(ns_name sa) b=$(ns_name sb)
	devices "$a" && devices "$b" || { check_err 1 "devices"; log_test "$name"; return; }
	out=$(configure "$a" 2>&1) || { check_err 1 "configure: $out"; log_test "$name"; return; }
	learn "$a" || check_err 1 "VNI 100 did not learn $MAC_LEARNED"
	vxt_tmpdir dir
	out=$(vxbpf_run "$a" save "$dir/conf" 2>&1) || check_err 1 "save: $out"
	log_verbose "$(cat "$dir/conf")"
	grep -q 'vni[^0-9]*400\|192.0.2.40' "$dir/conf" && check_err 1 "mirrored VNI 400 saved"
	grep -qi "$MAC_LEARNED\|192.0.2.9\b" "$dir/conf" && check_err 1 "the learned entry saved"

	out=$(vxbpf_run "$b" load "$dir/conf" 2>&1) || check_err 1 "load: $out"
	# What mirror copies on b is b's own: compare everything but VNI 400.
	vxbpf_run "$b" mirror --once vxm >/dev/null 2>&1
	diff <(view "$a") <(view "$b") >"$dir/diff" ||
		check_err 1 "not the same after load: $(head -c 600 "$dir/diff")"
	# Twice: nothing changes, nothing fails.
	out=$(vxbpf_run "$b" load "$dir/conf" 2>&1) || check_err 1 "second load: $out"
	diff <(view "$a") <(view "$b") >/dev/null || check_err 1 "a second load changed something"
	# Saved again from b: the same file.
	vxbpf_run "$b" save "$dir/conf2" >/dev/null 2>&1
	diff <(sort "$dir/conf") <(sort "$dir/conf2") >/dev/null ||
		check_err 1 "b saves another file: $(diff "$dir/conf" "$dir/conf2" | head -n 4 | tr '\n' ' ')"
	log_test "$name"
}

t_load_partial()
{
	local name="load: a device line that fails stops the load and says which lines were applied"
	local ns dir out

	ns_add sp || { check_err 1 "namespace"; log_test "$name"; return; }
	ns=$(ns_name sp)
	vxt_tmpdir dir
	printf 'vni add 100 local 192.0.2.1\nport add nosuchdev vni 100\nvni add 200 local 192.0.2.1\n' >"$dir/f"
	out=$(vxbpf_run "$ns" load "$dir/f" 2>&1) && check_err 1 "a load with a missing device worked"
	[[ $out == *"f:2:"* && $out == *"up to line 1 were applied"* ]] ||
		check_err 1 "message: $out"
	vxbpf_run "$ns" -j vni show | jq -e 'map(.vni) == [100]' >/dev/null ||
		check_err 1 "not exactly the lines before the failure applied"
	printf 'vni add 300 local 192.0.2.1\nmirror vxm\n' >"$dir/g"
	out=$(vxbpf_run "$ns" load "$dir/g" 2>&1) && check_err 1 "mirror in a load file was taken"
	vxbpf_run "$ns" -j vni show | jq -e 'map(.vni) == [100]' >/dev/null ||
		check_err 1 "a file refused by the parser changed something"
	# -v under -j: the note is a JSON object too.
	printf 'vni add 500 local 192.0.2.1\n' >"$dir/h"
	out=$(vxbpf_run "$ns" -j -v load "$dir/h" 2>&1 >/dev/null) || check_err 1 "load: $out"
	jq -es 'any(.info | test("1 commands applied"))' <<<"$out" >/dev/null ||
		check_err 1 "load -j -v: stderr not JSON: $out"
	log_test "$name"
}

ALL_TESTS="t_save_load t_load_partial"

require_root
require_cmd ip bridge jq
tests_run
tests_exit
