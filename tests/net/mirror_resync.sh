#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vxbpf mirror as a daemon: follows link and FDB changes, the origin rule
# on live maps, and survives event overruns (SIGSTOP, 50,000 FDB changes
# with `bridge -batch`, SIGCONT: within seconds vxbpf's fdb equals the
# kernel's again). No traffic: one host.
#
#   hostA ns
#  +------------------------------------------------------------+
#  |  vxlan100 (local 192.0.2.1, nolearning) ─ br0              |
#  |  ul0 192.0.2.1/24 ── veth ── ul1   (only to own the address)|
#  |  vxbpf mirror vxlan100 br0 (daemon)  ──►  vxbpf maps        |
#  +------------------------------------------------------------+
#
# Run: tests/net/mirror_resync.sh  (TESTS=... to select, VERBOSE=1)

source "$(dirname "$0")/lib_mirror.sh"

resync_host()
{
	A=$(ns_name hostA)
	vxbpf_available || { check_err 1 "$VXBPF not built"; return 1; }
	ns_add hostA || { check_err 1 "namespace creation failed"; return 1; }
	ip -n "$A" link add ul0 type veth peer name ul1 &&
		ip -n "$A" addr add "$UL4_A/24" dev ul0 &&
		ip -n "$A" link set ul0 up && ip -n "$A" link set ul1 up &&
		ip -n "$A" link add vxlan$VNI type vxlan id $VNI dstport 4789 local "$UL4_A" nolearning &&
		ip -n "$A" link add br0 type bridge &&
		ip -n "$A" link set vxlan$VNI master br0 &&
		ip -n "$A" link set vxlan$VNI up && ip -n "$A" link set br0 up ||
		{ check_err 1 "host setup failed"; return 1; }
}

# gen_batch FILE N FIRST DST_NET: N `fdb add` lines from MAC index FIRST.
gen_adds()
{
	local n=$2 first=$3 net=$4
	awk -v n="$n" -v f="$first" -v net="$net" 'BEGIN {
		for (i = f; i < f + n; i++)
			printf "fdb add 02:%02x:%02x:%02x:00:01 dev vxlan100 dst %s.%d.%d\n",
				int(i / 65536) % 256, int(i / 256) % 256, i % 256,
				net, 1 + int(i / 250) % 250, 1 + i % 250
	}' >>"$1"
}

mirror_follows_changes()
{
	local name="mirror daemon: add/replace/del, link down/up, local change, delete/recreate"
	local v

	resync_host || { log_test "$name"; return; }
	bridge -n "$A" fdb append 00:00:00:00:00:00 dev vxlan$VNI dst 192.0.2.2
	mirror_start "$A" >"$VXT_TMP/m.msg" || { check_err 1 "$(cat "$VXT_TMP/m.msg")"; log_test "$name"; return; }

	bridge -n "$A" fdb add 02:00:00:00:bb:01 dev vxlan$VNI dst 192.0.2.2 port 8472 vni 5000
	bridge -n "$A" fdb append 00:00:00:00:00:00 dev vxlan$VNI dst 192.0.2.3
	ip -n "$A" neigh add 10.0.0.2 lladdr 02:00:00:00:bb:01 dev vxlan$VNI nud permanent
	wait_for 3 fdb_equal "$A" || check_err 1 "add: fdb differs"
	wait_for 3 neigh_equal "$A" || check_err 1 "add: neigh differs"
	bridge -n "$A" fdb replace 02:00:00:00:bb:01 dev vxlan$VNI dst 192.0.2.4
	bridge -n "$A" fdb del 00:00:00:00:00:00 dev vxlan$VNI dst 192.0.2.2
	ip -n "$A" neigh del 10.0.0.2 dev vxlan$VNI
	wait_for 3 fdb_equal "$A" || check_err 1 "replace/del: fdb differs"
	wait_for 3 neigh_equal "$A" || check_err 1 "del: neigh differs"

	# The origin rule on live maps.
	vxbpf_run "$A" fdb add 02:00:00:00:bb:01 vni $VNI dst 192.0.2.9 2>/dev/null &&
		check_err 1 "vxbpf fdb add over a mirrored key succeeded"
	vxbpf_run "$A" fdb replace 02:00:00:00:bb:01 vni $VNI dst 192.0.2.9 ||
		check_err 1 "vxbpf fdb replace over a mirrored key failed"
	bridge -n "$A" fdb replace 02:00:00:00:bb:01 dev vxlan$VNI dst 192.0.2.5
	sleep 0.5
	v=$(vxbpf_run "$A" -j fdb show vni $VNI | jq -r '.[] | select(.mac == "02:00:00:00:bb:01") | "\(.dst) \(.flags | index("mirrored") != null)"')
	[[ $v == "192.0.2.9 false" ]] || check_err 1 "user entry not left alone: $v"
	grep -q "02:00:00:00:bb:01 vni 100 is a user entry" "$MIRROR_LOG" ||
		check_err 1 "no warning for the user entry"
	vxbpf_run "$A" fdb del 02:00:00:00:bb:01 vni $VNI

	# Down: the kernel carries nothing, neither does vxbpf. Up: back.
	ip -n "$A" link set vxlan$VNI down
	wait_for 3 eval '[[ $(vxbpf_run "$A" -j fdb show vni $VNI | jq length) == 0 ]]' ||
		check_err 1 "entries stay while vxlan100 is down"
	ip -n "$A" link set vxlan$VNI up
	wait_for 3 fdb_equal "$A" || check_err 1 "up: fdb differs"
	# Local address change: the VNI follows.
	ip -n "$A" link set vxlan$VNI type vxlan local 192.0.2.11
	wait_for 3 eval '[[ $(vxbpf_run "$A" -j vni show | jq -r ".[0].local") == 192.0.2.11 ]]' ||
		check_err 1 "local change not mirrored"
	# Delete: the VNI goes. Recreated with another VNI: mirrored again.
	ip -n "$A" link del vxlan$VNI
	wait_for 3 eval '[[ $(vxbpf_run "$A" -j vni show | jq length) == 0 ]]' ||
		check_err 1 "vni stays after the device is deleted"
	ip -n "$A" link add vxlan$VNI type vxlan id 300 dstport 4789 local "$UL4_A" nolearning &&
		ip -n "$A" link set vxlan$VNI up &&
		bridge -n "$A" fdb append 00:00:00:00:00:00 dev vxlan$VNI dst 192.0.2.7
	wait_for 3 eval '[[ $(vxbpf_run "$A" -j fdb show vni 300 | jq -r ".[0].dst") == 192.0.2.7 ]]' ||
		check_err 1 "recreated device (vni 300) not mirrored"

	kill -TERM "$MIRROR_PID"
	wait "$MIRROR_PID" || check_err 1 "mirror did not exit 0 on SIGTERM"
	[[ $(vxbpf_run "$A" -j fdb show | jq length) == 1 ]] || check_err 1 "maps did not stay"
	((RET == 0)) || RETMSG+=" [log: $(tail -n 6 "$MIRROR_LOG" | tr '\n' ';')]"
	log_test "$name"
}

# t_overrun RCVBUF: 50,000 changes while the daemon is stopped.
t_overrun()
{
	local rcvbuf=$1 name batch t0 t1 n

	name="mirror daemon: SIGSTOP, 50,000 bridge -batch changes, SIGCONT: equal again within seconds (rcvbuf ${rcvbuf:-default})"
	resync_host || { log_test "$name"; return; }
	vxt_tmpdir batch
	gen_adds "$batch/init" 5000 0 10
	echo "fdb append 00:00:00:00:00:00 dev vxlan100 dst 192.0.2.2" >>"$batch/init"
	bridge -n "$A" -batch "$batch/init" || { check_err 1 "initial batch failed"; log_test "$name"; return; }
	VXBPF_MIRROR_RCVBUF=$rcvbuf mirror_start "$A" >"$VXT_TMP/m.msg" ||
		{ check_err 1 "$(cat "$VXT_TMP/m.msg")"; log_test "$name"; return; }
	wait_for 5 fdb_equal "$A" || check_err 1 "initial sync differs"

	# 30,000 adds, 10,000 replaces (of the initial 5,000 and new ones),
	# 10,000 deletes (of initial and new): 50,000 changes.
	gen_adds "$batch/b" 30000 5000 20
	awk 'BEGIN { for (i = 0; i < 10000; i++)
		printf "fdb replace 02:%02x:%02x:%02x:00:01 dev vxlan100 dst 192.0.3.%d\n",
			int(i * 3 / 65536) % 256, int(i * 3 / 256) % 256, (i * 3) % 256, 1 + i % 200
		for (i = 1; i < 30000; i += 3)
		printf "fdb del 02:%02x:%02x:%02x:00:01 dev vxlan100\n",
			int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' >>"$batch/b"
	n=$(wc -l <"$batch/b")
	kill -STOP "$MIRROR_PID"
	bridge -n "$A" -batch "$batch/b" >/dev/null 2>&1 || check_err 1 "change batch failed"
	t0=$(date +%s.%N)
	kill -CONT "$MIRROR_PID"
	if wait_for 15 fdb_equal "$A"; then
		t1=$(date +%s.%N)
		log_info "$n changes mirrored, fdb equal $(echo "$t1 - $t0" | bc 2>/dev/null || echo "?") s after SIGCONT ($(bridge -n "$A" fdb show dev vxlan$VNI | wc -l) entries)"
	else
		check_err 1 "fdb differs 15 s after SIGCONT ($(vxbpf_run "$A" -j fdb show | jq length) vs $(bridge -n "$A" -j fdb show dev vxlan$VNI | jq length))"
	fi
	if [[ -n $rcvbuf ]]; then
		grep -q "ENOBUFS" "$MIRROR_LOG" || check_err 1 "no overrun with a ${rcvbuf}-byte buffer?"
	fi
	((RET == 0)) || RETMSG+=" [log: $(tail -n 4 "$MIRROR_LOG" | tr '\n' ';')]"
	log_test "$name"
}

# Stable entries counted in vxbpf: MACs 02:00:... (index < 65536).
stable_in_vxbpf()
{
	vxbpf_run "$A" -j fdb show vni $VNI | jq '[.[] | select(.mac | startswith("02:00:"))] | length'
}

# Churn while the daemon resyncs every half second (SIGHUP, as on ENOBUFS):
# a dump of a changing table is no snapshot, yet no entry that never
# changed may ever be missing, and in the end vxbpf equals the kernel.
mirror_churn()
{
	local name="mirror daemon: 20,000 stable entries, 5,000 added and deleted in bursts, resync every 0.5 s: no stable entry ever missing"
	local batch end n min=20000 samples=0 hup

	resync_host || { log_test "$name"; return; }
	vxt_tmpdir batch
	gen_adds "$batch/stable" 20000 0 10
	echo "fdb append 00:00:00:00:00:00 dev vxlan100 dst 192.0.2.2" >>"$batch/stable"
	bridge -n "$A" -batch "$batch/stable" || { check_err 1 "initial batch failed"; log_test "$name"; return; }
	gen_adds "$batch/add" 5000 65536 20
	sed 's/^fdb add \([^ ]*\) dev vxlan100 .*/fdb del \1 dev vxlan100/' "$batch/add" >"$batch/del"
	mirror_start "$A" >"$VXT_TMP/m.msg" || { check_err 1 "$(cat "$VXT_TMP/m.msg")"; log_test "$name"; return; }
	wait_for 10 fdb_equal "$A" || check_err 1 "initial sync differs"

	end=$((SECONDS + ${CHURN_SECONDS:-20}))
	(while ((SECONDS < end)); do
		bridge -n "$A" -batch "$batch/add" >/dev/null 2>&1
		bridge -n "$A" -batch "$batch/del" >/dev/null 2>&1
	done) &
	bg_track $!
	(while ((SECONDS < end)); do kill -HUP "$MIRROR_PID" 2>/dev/null; sleep 0.5; done) &
	hup=$!
	bg_track $hup
	while ((SECONDS < end)); do
		n=$(stable_in_vxbpf)
		samples=$((samples + 1))
		((n < min)) && min=$n
		sleep 1
	done
	wait "$hup" 2>/dev/null
	sleep 1
	n=$(stable_in_vxbpf)
	((n < min)) && min=$n
	log_info "stable entries in vxbpf: at least $min of 20000 over $samples samples during the churn, $n after"
	((min == 20000)) || check_err 1 "stable entries missing from vxbpf: as few as $min of 20000"
	wait_for 10 fdb_equal "$A" || check_err 1 "fdb differs 10 s after the churn"
	((RET == 0)) || RETMSG+=" [log: $(grep -c resync "$MIRROR_LOG") resyncs; $(tail -n 3 "$MIRROR_LOG" | tr '\n' ';')]"
	log_test "$name"
}

mirror_overrun_small() { t_overrun 262144; }
mirror_overrun_default() { t_overrun ""; }

# A full map: the kernel holds more than vxbpf's fdb map takes (a user's
# VNI fills it). The daemon keeps running and copies what fits (the kernel
# carries the rest), tries again backing off (2 s, 4 s, ... not a resync
# every second), says so in the log and in `vxbpf status`; once the user's
# entries go, the next try copies everything. Changes go on being applied.
mirror_full_map()
{
	local name="mirror daemon: a full fdb map: what fits copied, back-off, told in status, recovers"
	local max fill n t0 fails mac

	resync_host || { log_test "$name"; return; }
	vxbpf_run "$A" vni add 200 local "$UL4_A" || { check_err 1 "vni add 200"; log_test "$name"; return; }
	max=$(vxbpf_run "$A" -j status | jq '.maps[] | select(.name == "fdb") | .max_entries')
	fill=$((max - 500))
	awk -v n="$fill" 'BEGIN { for (i = 0; i < n; i++)
		printf "fdb add 02:aa:%02x:%02x:%02x:01 vni 200 dst 192.0.2.9\n",
			int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' >"$VXT_TMP/fill.conf"
	vxbpf_run "$A" load "$VXT_TMP/fill.conf" || { check_err 1 "load of $fill entries"; log_test "$name"; return; }
	: >"$VXT_TMP/k.batch"
	gen_adds "$VXT_TMP/k.batch" 1000 0 10.9
	bridge -n "$A" -batch "$VXT_TMP/k.batch" || check_err 1 "bridge -batch"
	# Not mirror_start: nothing of VNI 100 fits, the VNI included.
	MIRROR_LOG=$VXT_TMP/mirror-full.log
	"$VXBPF" -n "$A" mirror vxlan$VNI br0 -v >"$MIRROR_LOG" 2>&1 &
	MIRROR_PID=$!
	bg_track "$MIRROR_PID"
	full()
	{
		vxbpf_run "$A" -j status | jq -e --argjson p "$MIRROR_PID" \
			'.mirrors[] | select(.pid == $p and .state == "map full" and .left_out == 500)' >/dev/null
	}
	wait_for 10 full || check_err 1 "status does not say 500 entries are left out: $(vxbpf_run "$A" status | grep -A2 -e mirrors -e fdb | tr "\n" " ") log: $(tail -n 3 "$MIRROR_LOG" | tr "\n" " ")"
	# What fits is copied, and is the kernel's.
	n=$(vxbpf_run "$A" -j fdb show vni $VNI | jq length)
	((n == 500)) || check_err 1 "$n entries of vni $VNI in vxbpf, not the 500 that fit"
	n=$(comm -13 <(bridge -n "$A" -j fdb show dev vxlan$VNI | jq -c "$JQ_KERNEL_FDB | .[]" | sort) \
		<(vxbpf_run "$A" -j fdb show vni $VNI | jq -c "$JQ_VXBPF_FDB | .[]" | sort) | wc -l)
	((n == 0)) || check_err 1 "$n entries in vxbpf the kernel does not have"
	# A delete is applied while full.
	mac=$(vxbpf_run "$A" -j fdb show vni $VNI | jq -r '.[0].mac')
	bridge -n "$A" fdb del "$mac" dev vxlan$VNI
	sleep 0.5
	vxbpf_run "$A" -j fdb show vni $VNI | jq -e --arg m "$mac" '.[] | select(.mac == $m)' >/dev/null &&
		check_err 1 "a delete ($mac) was not applied while the map is full"
	# Two adds while full: one takes the room the delete made, one is left
	# out (by the event batch, or by a retry that comes first).
	bridge -n "$A" fdb add 02:bb:00:00:00:01 dev vxlan$VNI dst 10.9.9.1 &&
		bridge -n "$A" fdb add 02:bb:00:00:00:02 dev vxlan$VNI dst 10.9.9.2
	took_one()
	{
		[[ $(vxbpf_run "$A" -j fdb show vni $VNI | jq length) == 500 ]] &&
			vxbpf_run "$A" -j status | jq -e --argjson p "$MIRROR_PID" \
				'.mirrors[] | select(.pid == $p and .left_out == 501)' >/dev/null
	}
	wait_for 5 took_one || check_err 1 "after a delete and two adds: not 500 entries with 501 left out: $(vxbpf_run "$A" -j fdb show vni $VNI | jq length), $(vxbpf_run "$A" status | grep -A1 mirrors | tr "\n" " ")"
	# Backing off: within 7 s at most three tries (2 + 4 s apart), not seven.
	sleep 7
	fails=$(grep -c 'do not fit' "$MIRROR_LOG")
	((fails >= 2 && fails <= 4)) || check_err 1 "$fails tries in ~7 s: no back-off"
	grep -q 'resync failed' "$MIRROR_LOG" && check_err 1 "a resync failed: $(grep -m1 'resync failed' "$MIRROR_LOG")"
	kill -0 "$MIRROR_PID" 2>/dev/null || check_err 1 "the daemon exited"
	vxbpf_run "$A" vni del 200 || check_err 1 "vni del 200"
	insync()
	{
		vxbpf_run "$A" -j status | jq -e --argjson p "$MIRROR_PID" \
			'.mirrors[] | select(.pid == $p and .state == "in sync")' >/dev/null && fdb_equal "$A"
	}
	wait_for 20 insync || check_err 1 "not in sync after room was made: $(vxbpf_run "$A" status | grep -A2 mirrors)"
	log_test "$name"
}

# Other links come and go all the time on a busy host (containers, VMs):
# each change interrupts a link dump (NLM_F_DUMP_INTR). That must never
# fail a resync: `mirror --once` exits 0 with everything copied, every
# time, and a daemon made to resync many times a second never fails one.
mirror_link_churn()
{
	local name="mirror: link dumps interrupted by other links' churn do not fail a resync"
	local i bad=0 churn intr fails

	resync_host || { log_test "$name"; return; }
	: >"$VXT_TMP/k.batch"
	gen_adds "$VXT_TMP/k.batch" 2000 0 10.9
	bridge -n "$A" -batch "$VXT_TMP/k.batch" || check_err 1 "bridge -batch"
	# 1000 links to make each dump long, then add/delete others nonstop.
	for i in $(seq 1000); do echo "link add st$i type bridge"; done >"$VXT_TMP/links.batch"
	ip -n "$A" -batch "$VXT_TMP/links.batch" || check_err 1 "ip -batch (1000 bridges)"
	( while :; do ip -n "$A" link add chx type bridge; ip -n "$A" link del chx; done ) \
		>/dev/null 2>&1 &
	churn=$!
	bg_track "$churn"
	for i in $(seq 20); do
		"$VXBPF" -n "$A" mirror vxlan$VNI br0 --once -v >"$VXT_TMP/once.log" 2>&1 ||
			{ bad=$((bad + 1)); RETMSG+=" [once #$i: $(tail -n 2 "$VXT_TMP/once.log" | tr '\n' ' ')]"; }
		cat "$VXT_TMP/once.log" >>"$VXT_TMP/once-all.log"
		vxbpf_run "$A" fdb flush vni $VNI >/dev/null 2>&1
	done
	((bad == 0)) || check_err 1 "$bad of 20 \`mirror --once\` runs failed under link churn"
	# Nothing to copy is no success: a device that is missing, or no
	# vxlan device, is an error and changes nothing.
	"$VXBPF" -n "$A" mirror nosuch0 --once 2>/dev/null &&
		check_err 1 "mirror --once of a missing device exited 0"
	"$VXBPF" -n "$A" mirror st1 --once 2>/dev/null &&
		check_err 1 "mirror --once of a bridge alone exited 0"
	"$VXBPF" -n "$A" mirror vxlan$VNI br0 --once || check_err 1 "last --once failed"
	fdb_equal "$A" || check_err 1 "after --once: fdb differs"
	mirror_start "$A" >"$VXT_TMP/m.msg" || { check_err 1 "$(cat "$VXT_TMP/m.msg")"; kill "$churn"; log_test "$name"; return; }
	for i in $(seq 30); do kill -HUP "$MIRROR_PID"; sleep 0.1; done
	kill "$churn" 2>/dev/null
	wait "$churn" 2>/dev/null
	sleep 1
	fails=$(grep -c 'resync failed\|cannot list links' "$MIRROR_LOG")
	((fails == 0)) || check_err 1 "$fails resyncs failed: $(grep -m2 'resync failed\|cannot list' "$MIRROR_LOG" | tr '\n' ' ')"
	fdb_equal "$A" || check_err 1 "daemon: fdb differs"
	intr=$(cat "$VXT_TMP/once-all.log" "$MIRROR_LOG" | grep -c 'link dump was interrupted')
	log_info "link dumps interrupted and retried: $intr"
	((RET == 0)) || RETMSG+=" [log: $(tail -n 4 "$MIRROR_LOG" | tr '\n' ';')]"
	log_test "$name"
}

# `vxbpf status` lists the running daemons: one killed with -9 (no cleanup)
# is not listed, and its files under /run/vxbpf go.
mirror_status_liveness()
{
	local name="mirror: status lists running daemons, forgets one killed with -9"
	local pid files

	resync_host || { log_test "$name"; return; }
	mirror_start "$A" >"$VXT_TMP/m.msg" || { check_err 1 "$(cat "$VXT_TMP/m.msg")"; log_test "$name"; return; }
	pid=$MIRROR_PID
	vxbpf_run "$A" -j status | jq -e --argjson p "$pid" '.mirrors[] | select(.pid == $p and .state == "in sync")' >/dev/null ||
		check_err 1 "running daemon not in status: $(vxbpf_run "$A" status | grep -A2 mirrors | tr '\n' ' ')"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	vxbpf_run "$A" -j status | jq -e '.mirrors | length == 0' >/dev/null ||
		check_err 1 "a daemon killed with -9 still listed"
	files=$(find /run/vxbpf -name "mirror-$pid*" 2>/dev/null)
	[[ -z $files ]] || check_err 1 "files left: $files"
	log_test "$name"
}

# maps_state NS: the VNIs, the fdb entries and the hostdevs entries.
maps_state()
{
	local dir

	dir=$(vxbpf_run "$1" -j status | jq -r .pin_dir)
	vxbpf_run "$1" -j vni show
	vxbpf_run "$1" -j fdb show
	bpftool -j map dump pinned "$dir/hostdevs"
}

# vni del of a VNI a kernel vxlan device is attached to (`vxbpf attach
# vxlan100`: its hostdevs entry, the host's fdb entry) is refused, naming
# the device and `vxbpf detach`, and changes nothing: a user VNI, then a
# mirrored one. Deleted, the mirrored device takes its VNI with it and
# its attachment too: no hostdevs entry, host fdb entry or link pin left.
mirror_attached_vni_del()
{
	local name="vni del refused while a vxlan device is attached; mirror drops a deleted device's VNI and attachment"
	local out rc before dir

	resync_host || { log_test "$name"; return; }
	vxbpf_run "$A" vni add $VNI local "$UL4_A" >/dev/null 2>&1 && vxbpf_run "$A" attach vxlan$VNI >/dev/null 2>&1 ||
		{ check_err 1 "vni add, attach vxlan$VNI"; log_test "$name"; return; }
	dir=$(vxbpf_run "$A" -j status | jq -r .pin_dir)
	for mode in user mirrored; do
		before=$(maps_state "$A")
		out=$(vxbpf_run "$A" vni del $VNI 2>&1) && rc=0 || rc=$?
		((rc != 0)) || check_err 1 "$mode: vni del $VNI with vxlan$VNI attached: exit 0"
		[[ $out == *vxlan$VNI*"vxbpf detach vxlan$VNI"* ]] || check_err 1 "$mode: vni del said: $out"
		[[ $(maps_state "$A") == "$before" ]] || check_err 1 "$mode: the refused vni del changed the maps"
		out=$(vxbpf_run "$A" fsck --dry-run 2>&1) || check_err 1 "$mode: after the refused vni del: $out"
		[[ $mode == mirrored ]] && break
		# Detached first, it goes; then mirrored and attached again.
		out=$(vxbpf_run "$A" detach vxlan$VNI 2>&1 && vxbpf_run "$A" vni del $VNI 2>&1) ||
			check_err 1 "detach, then vni del: $out"
		mirror_start "$A" >"$VXT_TMP/m.msg" || { check_err 1 "$(cat "$VXT_TMP/m.msg")"; log_test "$name"; return; }
		out=$(vxbpf_run "$A" attach vxlan$VNI 2>&1) || { check_err 1 "attach of the mirrored vxlan$VNI: $out"; break; }
	done
	ip -n "$A" link del vxlan$VNI
	gone()
	{
		vxbpf_run "$A" -j vni show | jq -e 'length == 0' >/dev/null &&
			[[ $(bpftool -j map dump pinned "$dir/hostdevs") == "[]" ]]
	}
	wait_for 5 gone || check_err 1 "vxlan$VNI deleted, left: $(maps_state "$A" | tr -d '\n')"
	out=$(vxbpf_run "$A" -j fdb show)
	[[ $out == "[]" ]] || check_err 1 "fdb entries left: $out"
	out=$(ls "$dir/links")
	[[ -z $out ]] || check_err 1 "link pins left: $out"
	out=$(vxbpf_run "$A" fsck --dry-run 2>&1) || check_err 1 "vxlan$VNI deleted: $out"
	grep -q "still has" "$MIRROR_LOG" && check_err 1 "mirror kept the VNI: $(grep -m1 'still has' "$MIRROR_LOG")"
	kill -0 "$MIRROR_PID" 2>/dev/null || check_err 1 "the daemon exited"
	log_test "$name"
}

ALL_TESTS="mirror_follows_changes mirror_overrun_small mirror_overrun_default mirror_churn mirror_full_map
	mirror_link_churn mirror_status_liveness mirror_attached_vni_del"

require_root
require_cmd ip bridge jq awk bpftool
tests_run
tests_exit
