#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Upgrades. A new build replaces the programs in place (`attach` and `port
# add` again: bpf_link_update) under traffic, and loses nothing: numbered
# UDP both ways between vm1 and vm2 while two builds that --version tells
# apart take turns 50 times; every datagram arrives, carried by the fast
# path. And a build never reads pinned maps of another layout.
#
#   vm1 ─ hostA (vxbpf, builds A and B in turn) ─ ul0 ══ ul0 ─ hostB (Linux) ─ vm2
#
# Run: tests/net/upgrade.sh  (TESTS=... to select, VERBOSE=1)

source "$(dirname "$0")/lib.sh"

SEQ="$(dirname "$0")/udpseq.py"
# The rate issue 12 measured the link update at (20,000/s each way).
RATE=${UPGRADE_RATE:-20000}
ROUNDS=${UPGRADE_ROUNDS:-50}

# build_b DIR: the same sources built again as another version, in DIR.
build_b()
{
	cp -a "$REPO_ROOT/build/." "$1" &&
		make -s -C "$REPO_ROOT" BUILD="$1" VERSION=upgrade-test-b "$1/vxbpf" >/dev/null
}

t_upgrade()
{
	local name="upgrade: two builds replace the programs $ROUNDS times under traffic, no datagram lost"
	local dir b i bin out s1 s2 r1 r2 d0 d1 e0 e1

	topo_build linux 4 || { log_test "$name"; return; }
	vxt_tmpdir dir
	mkdir -p "$dir/b"
	build_b "$dir/b" || { check_err 1 "cannot build the second version"; log_test "$name"; return; }
	b="$dir/b/vxbpf"
	[[ $("$VXBPF" --version) != $("$b" --version) ]] || check_err 1 "the two builds say the same --version"
	ping_retry "$V1" "$VM2_V4" 5 || { check_err 1 "vm1 cannot reach vm2"; log_test "$name"; return; }

	ip netns exec "$V1" /usr/bin/python3 "$SEQ" recv 7001 "$dir/r1" &
	bg_track $!
	r1=$!
	ip netns exec "$V2" /usr/bin/python3 "$SEQ" recv 7001 "$dir/r2" &
	bg_track $!
	r2=$!
	sleep 0.5
	d0=$(vxbpf_stat_reason "$A" rx_decap) e0=$(vxbpf_stat_reason "$A" tx_encap)
	ip netns exec "$V1" /usr/bin/python3 "$SEQ" send "$VM2_V4" 7001 "$RATE" "$dir/stop" >"$dir/s1" &
	s1=$!
	ip netns exec "$V2" /usr/bin/python3 "$SEQ" send "$VM1_V4" 7001 "$RATE" "$dir/stop" >"$dir/s2" &
	s2=$!
	sleep 0.5
	for ((i = 0; i < ROUNDS; i++)); do
		((i % 2)) && bin=$b || bin=$VXBPF
		out=$("$bin" -n "$A" attach ul0 2>&1) && out=$("$bin" -n "$A" port add vm0 vni $VNI 2>&1) ||
			{ check_err 1 "round $i ($("$bin" --version)): $out"; break; }
	done
	sleep 0.5
	touch "$dir/stop"
	wait "$s1" "$s2"
	sleep 1
	kill -TERM "$r1" "$r2"
	wait "$r1" "$r2"
	read -r sent1 <"$dir/s1"
	read -r sent2 <"$dir/s2"
	read -r _ got2 _ miss2 _ first2 _ <"$dir/r2"
	read -r _ got1 _ miss1 _ first1 _ <"$dir/r1"
	log_verbose "vm1 -> vm2: $got2 of $sent1; vm2 -> vm1: $got1 of $sent2"
	((got2 == sent1 && first2 == 0)) || check_err 1 "vm1 -> vm2: $got2 of $sent1 arrived ($miss2 gaps)"
	((got1 == sent2 && first1 == 0)) || check_err 1 "vm2 -> vm1: $got1 of $sent2 arrived ($miss1 gaps)"
	d1=$(vxbpf_stat_reason "$A" rx_decap) e1=$(vxbpf_stat_reason "$A" tx_encap)
	((d1 - d0 >= sent2 && e1 - e0 >= sent1)) ||
		check_err 1 "not all on the fast path: decap $((d1 - d0)) of $sent2, encap $((e1 - e0)) of $sent1"
	((RET == 0)) || RETMSG+=" [$(vxbpf_stats_brief "$A")]"
	log_test "$name"
}

t_layout()
{
	local name="layout: pins of another layout are refused with a clear message, and left alone"
	local ns dir hex out

	ns_add ly || { check_err 1 "namespace"; log_test "$name"; return; }
	ns=$(ns_name ly)
	out=$(vxbpf_run "$ns" vni add 100 local 192.0.2.1 2>&1) || check_err 1 "vni add: $out"
	dir=$(vxbpf_run "$ns" -j status | jq -r .pin_dir)
	# The cookie kept, the layout number 1 (an older vxbpf's).
	hex=$(bpftool -j map lookup pinned "$dir/meta" key hex 00 00 00 00 |
		jq -r '.value | if type == "object" then empty else .[0:8] | map(ltrimstr("0x")) | join(" ") end')
	[[ -n $hex ]] || hex=$(bpftool -j map lookup pinned "$dir/meta" key hex 00 00 00 00 |
		jq -r '.value.netns_cookie' | xargs printf '%016x' | sed 's/../& /g' |
		awk '{ for (i = NF; i > 0; i--) printf "%s ", $i }')
	# shellcheck disable=SC2086
	bpftool map update pinned "$dir/meta" key hex 00 00 00 00 value hex $hex 01 00 00 00 00 00 00 00 ||
		{ check_err 1 "cannot write the meta map"; log_test "$name"; return; }
	out=$(vxbpf_run "$ns" fdb add 02:00:00:00:00:01 vni 100 dst 192.0.2.2 2>&1) &&
		check_err 1 "a write to pins of another layout worked"
	[[ $out == *"of layout 1, this vxbpf reads layout"* ]] || check_err 1 "message: $out"
	out=$(bpftool -j map dump pinned "$dir/fdb" | jq length)
	((out == 0)) || check_err 1 "the fdb map was written ($out entries)"
	out=$(vxbpf_run "$ns" -j vni show 2>&1) && check_err 1 "vni show read pins of another layout"
	log_test "$name"
}

t_meta_size()
{
	local name="layout: pins whose meta is of another size (layout 7's 24 bytes) are refused unread"
	local ns dir out

	ns_add ms || { check_err 1 "namespace"; log_test "$name"; return; }
	ns=$(ns_name ms)
	out=$(vxbpf_run "$ns" vni add 100 local 192.0.2.1 2>&1) || check_err 1 "vni add: $out"
	dir=$(vxbpf_run "$ns" -j status | jq -r .pin_dir)
	rm -f "$dir/meta"
	bpftool map create "$dir/meta" type array key 4 value 24 entries 1 name meta ||
		{ check_err 1 "cannot create a 24-byte meta map"; log_test "$name"; return; }
	out=$(vxbpf_run "$ns" fdb add 02:00:00:00:00:01 vni 100 dst 192.0.2.2 2>&1) &&
		check_err 1 "a write to pins with a 24-byte meta worked"
	[[ $out == *"of a layout with a 24-byte meta, this vxbpf reads layout"* ]] ||
		check_err 1 "message: $out"
	out=$(bpftool -j map dump pinned "$dir/fdb" | jq length)
	((out == 0)) || check_err 1 "the fdb map was written ($out entries)"
	log_test "$name"
}

ALL_TESTS="t_layout t_meta_size t_upgrade"

require_root
require_cmd ip bpftool jq make /usr/bin/python3
tests_run
tests_exit
