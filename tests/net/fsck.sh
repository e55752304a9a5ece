#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vxbpf fsck: what a writer killed between two map writes leaves, found
# and repaired.
#
#   vm1 ─ hostA (vxbpf alone) ─ ul0 ══ ul0 ─ hostB (Linux vxlan) ─ vm2
#
# - The state `vxbpf load` leaves when killed after its write of the vtep
#   map and before its write of the fdb map (written here with bpftool):
#   a VTEP on the allow-list that no entry names, so VXLAN spoofed from it
#   reaches vm1. Plus an fdb entry of a VNI that is gone, a missing
#   replication list, and a wrong learned count. `fsck --dry-run` lists
#   each, exits 1 and changes nothing; `fsck` repairs them all; the spoofed
#   VXLAN is then dropped (rx_unknown_vtep), vm1 and vm2 still talk, and
#   the next fsck finds the maps consistent.
# - The devices' maps, changed behind vxbpf's back: a kernel vxlan device
#   deleted, another's hostdevs entry removed, underlay entries of a device
#   without XDP and of an ifindex that does not exist, an underlay's entry
#   removed, then its tc_host_rx: `fsck --dry-run` lists each (and what
#   follows: the host's fdb entries, the VNIs' hostdev flags), fsck
#   repairs, and attached again all is consistent.
# - kill -9 at random moments, 100 times each, of `vxbpf load` of 200,000
#   entries and of `vxbpf mirror` resyncing 20,000: after each kill the
#   next writer, fsck or the restarted mirror repairs, and `fsck --dry-run`
#   then finds nothing. A kill mid-write is known by the mark the dead
#   writer left (meta.writer): the next writer warns of it, fsck lists it.
#   The loops fail if fewer than 10 of their 100 kills landed mid-write.
# - The same for attach (an underlay, a kernel vxlan device) and port add,
#   100 kills in turn, each of a command run under strace with the bpf(2)
#   calls of its commit held 40 ms (their writes are microseconds long),
#   and then all of them attached.
#
# Run: tests/net/fsck.sh  (TESTS=... to select, VERBOSE=1)
# net-timeout: 720

source "$(dirname "$0")/lib.sh"

FLOOD="$(dirname "$0")/vxflood.py"
SPOOF=192.0.2.77

# spoof N: N VXLAN frames to vm1 from hostB's underlay with outer source
# $SPOOF, which no entry of hostA names.
spoof()
{
	ip netns exec "$B" /usr/bin/python3 "$FLOOD" ul0 "$UL_MAC_B" "$UL_MAC_A" "$SPOOF" "$LA" \
		"$VNI" "$VM1_MAC" 02:00:00:5f:00:00 "$1" >/dev/null
}

# hexkey: bpftool's hex words for the vtep key (VNI 100, ::ffff:SPOOF).
vtep_key_hex()
{
	local IFS=.
	# shellcheck disable=SC2086
	set -- $SPOOF
	printf '64 00 00 00 00 00 00 00 00 00 00 00 00 00 ff ff %02x %02x %02x %02x' "$1" "$2" "$3" "$4"
}

t_repair()
{
	local name="fsck: a half-written load (allow-list, orphan entry, lists, counts) reported, repaired, spoofing stops"
	local dir out n rc d0 d1 u0 u1

	topo_build linux 4 || { log_test "$name"; return; }
	out=$(vxbpf_run "$A" fdb append "$VM2_MAC" vni $VNI dst 192.0.2.99 2>&1) ||
		{ check_err 1 "fdb append: $out"; log_test "$name"; return; }
	dir=$(vxbpf_run "$A" -j status | jq -r .pin_dir)
	# The vtep value: refs 1, and a copy of the VNI's entry not derived
	# yet (zeros: the data path asks the vni map), as a killed load
	# leaves it.
	# shellcheck disable=SC2046
	bpftool map update pinned "$dir/vtep" key hex $(vtep_key_hex) value hex 01 00 00 00 00 00 00 00 \
		$(printf '00 %.0s' {1..48}) &&
		bpftool map update pinned "$dir/fdb" key hex e7 03 00 00 02 00 00 00 00 05 00 00 \
			value hex 00 00 00 00 00 00 00 00 00 00 ff ff c0 00 02 09 $(printf '00 %.0s' {1..24}) &&
		bpftool map update pinned "$dir/learned" key hex 00 00 00 00 value hex 05 00 00 00 00 00 00 00 ||
		{ check_err 1 "bpftool could not write the maps"; log_test "$name"; return; }
	out=$(bpftool -j map dump pinned "$dir/remotes" | jq -r '.[0].key | join(" ")' 2>/dev/null)
	# shellcheck disable=SC2086
	[[ -n $out ]] && bpftool map delete pinned "$dir/remotes" key hex $out ||
		check_err 1 "no remotes list to remove"

	d0=$(vxbpf_stat_reason "$A" rx_decap)
	spoof 10 || check_err 1 "cannot send"
	d1=$(vxbpf_stat_reason "$A" rx_decap)
	((d1 - d0 == 10)) || check_err 1 "the half-written state did not let spoofed VXLAN in ($((d1 - d0)) of 10): the test is off"

	out=$(vxbpf_run "$A" -j fsck --dry-run) && rc=0 || rc=$?
	((rc == 1)) || check_err 1 "fsck --dry-run exit $rc, not 1"
	n=$(jq -r '.found' <<<"$out")
	((n == 4)) || check_err 1 "fsck --dry-run found $n problems, not 4: $out"
	for m in vtep fdb remotes learned; do
		jq -e --arg m "$m" '.problems | any(.map == $m)' <<<"$out" >/dev/null ||
			check_err 1 "no $m problem reported: $out"
	done
	out=$(vxbpf_run "$A" -j fsck --dry-run)
	n=$(jq -r '.found' <<<"$out")
	((n == 4)) || check_err 1 "--dry-run changed something: $n problems the second time"

	out=$(vxbpf_run "$A" fsck 2>&1) || check_err 1 "fsck failed: $out"
	out=$(vxbpf_run "$A" fsck 2>&1) || check_err 1 "fsck after the repair: $out"
	[[ $out == *consistent* ]] || check_err 1 "not consistent after the repair: $out"
	u0=$(vxbpf_stat_reason "$A" rx_unknown_vtep)
	spoof 10 || check_err 1 "cannot send"
	u1=$(vxbpf_stat_reason "$A" rx_unknown_vtep)
	((u1 - u0 == 10)) || check_err 1 "spoofed VXLAN still accepted after fsck ($((u1 - u0)) of 10 dropped)"
	ping_retry "$V1" "$VM2_V4" 5 || check_err 1 "vm1 cannot reach vm2 after the repair"
	((RET == 0)) || RETMSG+=" [$(vxbpf_stats_brief "$A")]"
	log_test "$name"
}

# kill_between LO HI CMD...: start CMD, kill -9 it after LO..HI-1 ms;
# CMD's exit status (137 if the kill came first).
kill_between()
{
	local lo=$1 hi=$2 pid ms
	shift 2
	ms=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo)))
	"$@" >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# kill_at_random MAX_MS CMD...: start CMD, kill -9 it after 0..MAX_MS-1 ms.
kill_at_random() { kill_between 0 "$@"; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# The mark a killed writer leaves (meta.writer) is what the next writer
# repairs from, warning so; fsck lists it as "meta writer".
KILLED_WARN="was killed in the middle of its writes"

t_kill9()
{
	local name="kill -9 of vxbpf load at random moments (100 times): the next writer or fsck repairs, consistent"
	local ns i n out t0 dur durs=() at late was held=0 finished=0 mid=0 repaired=0 found=0 f="$VXT_TMP/big"

	ns_add k9 || { check_err 1 "namespace"; log_test "$name"; return; }
	ns=$(ns_name k9)
	out=$(vxbpf_run "$ns" vni add $VNI local 192.0.2.1 2>&1) || check_err 1 "vni add: $out"
	# Every line a replace or an append: each load is valid whatever the
	# last one left. Two files that put every MAC behind another VTEP, in
	# turn, so each load writes all of its 200,000 entries and moves
	# every VTEP's reference count.
	for shift in 0 1; do
		awk -v vni=$VNI -v shift=$shift 'BEGIN {
			print "fdb flush vni " vni
			for (i = 0; i < 200000; i++)
				printf "fdb replace 02:00:00:%02x:%02x:%02x vni %d dst 192.0.2.%d\n",
					int(i / 65536), int(i / 256) % 256, i % 256, vni, 10 + (i + shift * 7) % (200 + shift * 10)
			for (i = 0; i < 200; i++)
				printf "fdb append 02:00:00:00:00:%02x vni %d dst 198.51.100.%d\n", i % 100, vni, 1 + i + shift
		}' >"$f.$shift"
	done
	# A load parses its file and reads the maps, then writes: the writes
	# are about its last quarter, and a kill before them leaves nothing
	# to find. Each kill lands at a random moment within half a load of
	# a point that follows the writes as the machine speeds up or slows
	# down (other jobs share it): later after a kill that came before
	# them, earlier after one that came too late. It starts at seven
	# eighths of the median of three loads measured here (not the first,
	# into empty maps).
	out=$(vxbpf_run "$ns" load "$f.1" 2>&1) || { check_err 1 "load: $out"; log_test "$name"; return; }
	for i in 0 1 0; do
		t0=$(now_ms)
		out=$(vxbpf_run "$ns" load "$f.$i" 2>&1) || { check_err 1 "load: $out"; log_test "$name"; return; }
		durs+=($(($(now_ms) - t0)))
	done
	dur=$(printf '%s\n' "${durs[@]}" | sort -n | sed -n 2p)
	at=$((dur * 7 / 8))
	# Even kills: the next writer (any command that changes the maps)
	# finds the dead writer's mark and repairs before its own writes.
	# Odd kills: vxbpf fsck reports the mark and what was left, and
	# repairs. Either way a dry run then finds nothing.
	for ((i = 0; i < 100; i++)); do
		# The other file than the maps hold, or the load has nothing
		# to write: the last one to finish is what they hold, unless
		# one was killed after its first write (a mix of both).
		late=0 was=$mid
		kill_between $((at - dur / 4)) $((at + dur / 4)) "$VXBPF" -n "$ns" load "$f.$((1 - held))" &&
			held=$((1 - held)) finished=$((finished + 1)) late=1
		if ((i % 2 == 0)); then
			out=$(vxbpf_run "$ns" fdb replace 02:00:00:ff:00:01 vni $VNI dst 192.0.2.250 2>&1) ||
				{ check_err 1 "the writer after kill $i: $out"; break; }
			[[ $out == *"$KILLED_WARN"* ]] && mid=$((mid + 1)) repaired=$((repaired + 1))
		else
			out=$(vxbpf_run "$ns" -j fsck 2>"$VXT_TMP/err") ||
				{ check_err 1 "fsck after kill $i: $out $(cat "$VXT_TMP/err")"; break; }
			n=$(jq -r '[.problems[] | select(.map != "meta")] | length' <<<"$out") ||
				{ check_err 1 "fsck -j after kill $i: $out"; break; }
			found=$((found + n))
			if jq -e '.problems | any(.map == "meta")' <<<"$out" >/dev/null; then
				mid=$((mid + 1))
			elif ((n)); then
				check_err 1 "fsck found $n problems after kill $i but no writer mark: $out"
				break
			fi
		fi
		out=$(vxbpf_run "$ns" fsck --dry-run 2>&1) ||
			{ check_err 1 "not consistent after kill $i and the $( ((i % 2)) && echo fsck || echo next writer): $out"; break; }
		if ((late)); then
			((at > dur / 2)) && at=$((at - dur / 16))
		elif ((mid == was)); then
			((at < 3 * dur)) && at=$((at + dur / 16))
		fi
	done
	log_info "load of 200,000 entries: ${durs[*]} ms; kills mid-write: $mid of $i, $finished too late, the last at ${at} ms (the next writer repaired $repaired); problems fsck repaired besides the mark: $found"
	# Fewer than 10 of 100 mid-write means the kills no longer reach the
	# writes and the loop proves little.
	((i < 100 || mid >= 10)) || check_err 1 "only $mid of 100 kills landed mid-write (load ${dur} ms, last at ${at} ms)"
	log_test "$name"
}

# u32_hex N: bpftool's hex bytes of a 32-bit key or value.
u32_hex() { printf '%02x %02x %02x %02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }

ifindex_of() { ip -n "$1" -j link show "$2" | jq '.[0].ifindex'; }

# devs_ns SHORT: a namespace with an underlay ul0 (a veth, 192.0.2.1), a
# port vm0 (a veth) and a kernel vxlan device vx0 of VNI $VNI on ul0, and
# vni $VNI configured; nothing attached.
devs_ns()
{
	local ns out

	ns_add "$1" || return 1
	ns=$(ns_name "$1")
	ip -n "$ns" link add ul0 type veth peer name ulp && ip -n "$ns" link add vm0 type veth peer name vm0p &&
		ip -n "$ns" addr add 192.0.2.1/24 dev ul0 && ip -n "$ns" link set ul0 up &&
		ip -n "$ns" link set ulp up && ip -n "$ns" link set vm0 up && ip -n "$ns" link set vm0p up &&
		ip -n "$ns" link add vx0 type vxlan id $VNI local 192.0.2.1 dstport 4789 dev ul0 nolearning &&
		ip -n "$ns" link set vx0 up || return 1
	out=$(vxbpf_run "$ns" vni add $VNI local 192.0.2.1 2>&1) || { echo "vni add: $out" >&2; return 1; }
}

# fsck_found JSON MAP: how many problems of MAP fsck -j listed.
fsck_found() { jq --arg m "$2" '[.problems[] | select(.map == $m)] | length' <<<"$1"; }

t_devs()
{
	local name="fsck: hostdevs and underlay entries of devices gone, detached or half attached, reported and repaired"
	local ns dir out rc n cmd m want vx0 vx1 vmp ul flags

	devs_ns fd || { check_err 1 "namespace"; log_test "$name"; return; }
	ns=$(ns_name fd)
	ip -n "$ns" link add vx1 type vxlan id 200 local 192.0.2.1 dstport 4789 dev ul0 nolearning &&
		ip -n "$ns" link set vx1 up || { check_err 1 "vx1"; log_test "$name"; return; }
	for cmd in "vni add 200 local 192.0.2.1" "attach ul0" "port add vm0 vni $VNI" "attach vx0" "attach vx1"; do
		# shellcheck disable=SC2086
		out=$(vxbpf_run "$ns" $cmd 2>&1) || { check_err 1 "$cmd: $out"; log_test "$name"; return; }
	done
	out=$(vxbpf_run "$ns" fsck --dry-run 2>&1) || check_err 1 "all attached, but not consistent: $out"
	dir=$(vxbpf_run "$ns" -j status | jq -r .pin_dir)
	vx0=$(ifindex_of "$ns" vx0) vx1=$(ifindex_of "$ns" vx1) vmp=$(ifindex_of "$ns" vm0p) ul=$(ifindex_of "$ns" ul0)
	# Behind vxbpf's back: vx0 deleted (its hostdevs entry, the host's
	# fdb entry for its MAC and vni 100's hostdev flag stay: what comes
	# for that MAC is handed to an ifindex that is gone, and vm0 gets no
	# broadcast of vni 100); vx1's hostdevs entry removed, as a detach
	# killed before its commit leaves it (its fdb entry and vni 200's flag
	# stay: what comes for its MAC is lost); an underlay entry for vm0p,
	# which has no XDP, and one for an ifindex that does not exist; ul0's
	# removed, as an attach killed before writing it leaves it.
	ip -n "$ns" link del vx0
	# shellcheck disable=SC2046
	bpftool map delete pinned "$dir/hostdevs" key hex $(u32_hex "$vx1") &&
		bpftool map update pinned "$dir/underlay" key hex $(u32_hex "$vmp") value hex 03 00 00 00 &&
		bpftool map update pinned "$dir/underlay" key hex $(u32_hex 99999) value hex 01 00 00 00 &&
		bpftool map delete pinned "$dir/underlay" key hex $(u32_hex "$ul") ||
		{ check_err 1 "bpftool could not write the maps"; log_test "$name"; return; }

	out=$(vxbpf_run "$ns" -j fsck --dry-run) && rc=0 || rc=$?
	((rc == 1)) || check_err 1 "fsck --dry-run exit $rc, not 1"
	# hostdevs: vx0; fdb: the host's entries of vx0 and vx1; vni: 100
	# and 200's flags; underlay: vm0p, 99999, ul0 (and vm0's copy of vni
	# 100's configuration, which has the flag).
	for m in hostdevs:1 fdb:2 vni:2 underlay:3 ports:1; do
		n=$(fsck_found "$out" "${m%:*}")
		((n == ${m#*:})) || check_err 1 "$n ${m%:*} problems, not ${m#*:}: $(jq -c .problems <<<"$out")"
	done
	for want in "ifindex $vx0" "ifindex $vmp (vm0p)" "ifindex 99999" "ifindex $ul (ul0)"; do
		jq -e --arg e "$want" '.problems | any(.entry == $e)' <<<"$out" >/dev/null ||
			check_err 1 "no problem of $want: $(jq -c .problems <<<"$out")"
	done
	n=$(jq .found <<<"$out")
	out=$(vxbpf_run "$ns" -j fsck --dry-run) && rc=0 || rc=$?
	((rc == 1 && $(jq .found <<<"$out") == n)) || check_err 1 "--dry-run changed something: $(jq .found <<<"$out") problems the second time"
	out=$(vxbpf_run "$ns" fsck 2>&1) || check_err 1 "fsck failed: $out"
	out=$(vxbpf_run "$ns" fsck --dry-run 2>&1) || check_err 1 "not consistent after the repair: $out"
	# The repair: ul0 alone in the underlay map, with tc_host_rx behind
	# XDP; nothing in hostdevs; no hostdev flag on either VNI.
	out=$(bpftool -j map dump pinned "$dir/underlay" | jq -c 'map(.formatted // .)')
	jq -e --argjson ul "$ul" 'length == 1 and .[0].key == $ul and (.[0].value | . % 4 == 3)' <<<"$out" >/dev/null ||
		check_err 1 "underlay after the repair: $out"
	[[ $(bpftool -j map dump pinned "$dir/hostdevs") == "[]" ]] || check_err 1 "hostdevs not empty after the repair"
	flags=$(bpftool -j map dump pinned "$dir/vni" | jq '[.[] | (.formatted // .).value.flags / 1024 | floor % 2] | add')
	((flags == 0)) || check_err 1 "a hostdev flag left after the repair"

	# ul0's tc_host_rx gone behind vxbpf's back: the TC_RX bit goes.
	if [[ -e $dir/links/tc_in_$ul ]]; then
		bpftool link detach pinned "$dir/links/tc_in_$ul"
	else
		tc -n "$ns" filter del dev ul0 ingress
	fi
	out=$(vxbpf_run "$ns" -j fsck --dry-run) && rc=0 || rc=$?
	((rc == 1 && $(fsck_found "$out" underlay) == 1)) &&
		jq -e '.problems[0].problem | test("tc_host_rx")' <<<"$out" >/dev/null ||
		check_err 1 "tc_host_rx detached: $out"
	out=$(vxbpf_run "$ns" fsck 2>&1) || check_err 1 "fsck failed: $out"
	out=$(bpftool -j map dump pinned "$dir/underlay" | jq '.[0] | (.formatted // .).value')
	((out % 4 == 1)) || check_err 1 "underlay bits $out after the repair, TC_RX not cleared"
	# Attached again, all is as it was.
	for cmd in "attach ul0" "attach vx1"; do
		# shellcheck disable=SC2086
		out=$(vxbpf_run "$ns" $cmd 2>&1) || check_err 1 "$cmd after the repair: $out"
	done
	out=$(vxbpf_run "$ns" fsck --dry-run 2>&1) || check_err 1 "attached again, but not consistent: $out"
	log_test "$name"
}

# kill_traced MS RANGE CMD...: CMD under strace, each of its bpf(2) calls
# numbered RANGE (FIRST..LAST, counted from 1) held KILL_DELAY_US on its
# way out, and killed with -9 after 0..MS-1 ms (the traced process, then
# strace). CMD's exit status (137 if the kill came first).
KILL_DELAY_US=40000
kill_traced()
{
	local ms=$1 range=$2 spid pid t
	shift 2
	t=$(((RANDOM * 32768 + RANDOM) % ms))
	strace -f --seccomp-bpf -o /dev/null -e trace=bpf \
		-e inject=bpf:delay_exit=$KILL_DELAY_US:when="$range" "$@" >/dev/null 2>&1 &
	spid=$!
	sleep "$(printf '%d.%03d' $((t / 1000)) $((t % 1000)))"
	# strace may not have forked CMD yet after a short sleep: a kill of
	# strace alone would leave CMD running on, untraced. Wait for it.
	for ((t = 0; t < 200; t++)); do
		pid=$(cat "/proc/$spid/task/$spid/children" 2>/dev/null)
		[[ -n $pid ]] || ! kill -0 "$spid" 2>/dev/null && break
		sleep 0.005
	done
	# shellcheck disable=SC2086
	[[ -n $pid ]] && kill -9 $pid 2>/dev/null
	kill -9 "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
}

# mark_range CMD...: the bpf(2) calls of CMD, numbered from 1 as strace
# counts them, from the one that writes the writer's mark (meta.writer)
# to the one that clears it: the first and the second update of the meta
# map. "FIRST..LAST", or nothing.
mark_range()
{
	strace -f -o "$VXT_TMP/bpf.trace" -e trace=bpf "$@" >/dev/null 2>&1 || return 1
	awk '/ bpf\(/ {
		n++
		if ($0 ~ /BPF_(OBJ_GET|MAP_CREATE|PROG_LOAD|BTF_LOAD|LINK_CREATE|[A-Z_]*GET_FD_BY_ID)/ && $NF ~ /^[0-9]+$/)
			meta[$NF] = $0 ~ /\/meta"/
		if ($0 ~ /BPF_MAP_UPDATE_ELEM/) {
			fd = $0
			sub(/.*map_fd=/, "", fd)
			sub(/,.*/, "", fd)
			if (meta[fd] && !first)
				first = n
			else if (meta[fd] && !last)
				last = n
		}
	}
	END { if (first && last) print first ".." last }' "$VXT_TMP/bpf.trace"
}

# attach of an underlay (ul0), port add (vm0) and attach of a kernel vxlan
# device (vx0), each undone first (detach, port del), then killed with -9
# at a random moment, 100 times in turn. Their map writes are a few
# entries in one commit, microseconds long, so each runs under strace with
# every bpf(2) call from its writer's mark to the call that clears it held
# 40 ms (the calls numbered from a traced run of the command), and each
# kill lands at a random moment of the command's measured duration so
# held. After each kill, in turn, the command is run again, or fsck
# repairs and then the command is run again: it works, and fsck --dry-run
# finds nothing. A kill mid-write is known by the mark the dead writer
# left; the loop fails if fewer than 10 of 100 landed there.
t_kill9_attach()
{
	local name="kill -9 of attach and port add mid-commit (100 times): fsck or the next run repairs, both devices attached, maps consistent"
	local ns i out n t0 c cmd cmds undo durs mid=0 found=0 late=0 st kinds=""
	local -a ranges held_ms hits

	devs_ns ka || { check_err 1 "namespace"; log_test "$name"; return; }
	ns=$(ns_name ka)
	cmds=("attach ul0" "port add vm0 vni $VNI" "attach vx0")
	undo=("detach ul0" "port del vm0" "detach vx0")
	for c in 0 1 2; do
		# shellcheck disable=SC2086
		out=$(vxbpf_run "$ns" ${cmds[c]} 2>&1) || { check_err 1 "${cmds[c]}: $out"; log_test "$name"; return; }
	done
	# Each command's range, and its duration so held (the median of
	# three), from the state every kill starts from: the others attached,
	# this one undone.
	for c in 0 1 2; do
		# shellcheck disable=SC2086
		vxbpf_run "$ns" ${undo[c]} >/dev/null 2>&1 || { check_err 1 "${undo[c]}"; log_test "$name"; return; }
		# shellcheck disable=SC2086
		ranges[c]=$(mark_range "$VXBPF" -n "$ns" ${cmds[c]})
		[[ ${ranges[c]} == *..* ]] || { check_err 1 "${cmds[c]}: no writer's mark in its bpf(2) calls"; log_test "$name"; return; }
		durs=()
		for _ in 0 1 2; do
			# shellcheck disable=SC2086
			vxbpf_run "$ns" ${undo[c]} >/dev/null 2>&1 || { check_err 1 "${undo[c]}"; log_test "$name"; return; }
			t0=$(now_ms)
			# shellcheck disable=SC2086
			strace -f --seccomp-bpf -o /dev/null -e trace=bpf \
				-e inject=bpf:delay_exit=$KILL_DELAY_US:when="${ranges[c]}" \
				"$VXBPF" -n "$ns" ${cmds[c]} >/dev/null 2>&1 ||
				{ check_err 1 "${cmds[c]} under strace failed"; log_test "$name"; return; }
			durs+=($(($(now_ms) - t0)))
		done
		held_ms[c]=$(printf '%s\n' "${durs[@]}" | sort -n | sed -n 2p)
		hits[c]=0
	done
	for ((i = 0; i < 100; i++)); do
		c=$((i % 3)) cmd=${cmds[i % 3]}
		# shellcheck disable=SC2086
		out=$(vxbpf_run "$ns" ${undo[c]} 2>&1) || { check_err 1 "${undo[c]} before kill $i: $out"; break; }
		# shellcheck disable=SC2086
		kill_traced "${held_ms[c]}" "${ranges[c]}" "$VXBPF" -n "$ns" $cmd && late=$((late + 1))
		# Odd kills: fsck first, which lists the mark and whatever the
		# kill left half done (the devices' entries too), and repairs.
		if ((i % 2)); then
			out=$(vxbpf_run "$ns" -j fsck 2>"$VXT_TMP/err") ||
				{ check_err 1 "fsck after kill $i ($cmd): $out $(cat "$VXT_TMP/err")"; break; }
			n=$(jq -r '[.problems[] | select(.map != "meta")] | length' <<<"$out") ||
				{ check_err 1 "fsck -j after kill $i: $out"; break; }
			found=$((found + n))
			((n)) && kinds+=$(jq -r '.problems[] | select(.map != "meta") | "\(.map): \(.problem)"' <<<"$out")$'\n'
			jq -e '.problems | any(.map == "meta")' <<<"$out" >/dev/null && mid=$((mid + 1)) hits[c]=$((hits[c] + 1))
		fi
		# shellcheck disable=SC2086
		out=$(vxbpf_run "$ns" $cmd 2>&1) || { check_err 1 "$cmd after kill $i: $out"; break; }
		((i % 2 == 0)) && [[ $out == *"$KILLED_WARN"* ]] && mid=$((mid + 1)) hits[c]=$((hits[c] + 1))
		out=$(vxbpf_run "$ns" fsck --dry-run 2>&1) || { check_err 1 "after kill $i of $cmd: $out"; break; }
	done
	st=""
	for c in 0 1 2; do
		st+="${st:+; }${cmds[c]}: bpf calls ${ranges[c]} held, ${held_ms[c]} ms, ${hits[c]} mid-write"
	done
	log_info "attach and port add: kills mid-write: $mid of $i, $late too late; $st; problems fsck repaired besides the mark: $found"
	[[ -n $kinds ]] && log_info "of which: $(sort <<<"${kinds%$'\n'}" | uniq -c | sed 's/^ *//' | paste -sd ';' -)"
	((i < 100 || mid >= 10)) || check_err 1 "only $mid of 100 kills landed mid-write ($st)"
	out=$(vxbpf_run "$ns" -j status)
	jq -e '[.attached[].ifname] | sort == ["ul0", "vm0"]' <<<"$out" >/dev/null ||
		check_err 1 "not both attached: $(jq -c '.attached' <<<"$out")"
	jq -e '[.ports[].ifname] == ["vm0"]' <<<"$out" >/dev/null || check_err 1 "ports: $(jq -c .ports <<<"$out")"
	jq -e '[.vxlan_devices[] | select(.tc != "missing") | .ifname] == ["vx0"]' <<<"$out" >/dev/null ||
		check_err 1 "vxlan devices: $(jq -c .vxlan_devices <<<"$out")"
	log_test "$name"
}

# bpf_calls RE CMD...: the numbers (from 1, as strace counts them) of
# CMD's bpf(2) calls whose command matches RE, one a line.
bpf_calls()
{
	local re=$1
	shift
	strace -f -o "$VXT_TMP/bpf.trace" -e trace=bpf "$@" >/dev/null 2>&1 || return 1
	awk -v re="$re" '/ bpf\(/ { n++; if ($0 ~ re) print n }' "$VXT_TMP/bpf.trace"
}

# write_calls CMD...: those of CMD's bpf(2) calls that write a map.
write_calls() { bpf_calls 'BPF_MAP_(UPDATE|DELETE)_(ELEM|BATCH)' "$@"; }

# attach and detach of a kernel vxlan device (vx0) and of an underlay
# (ul0), each killed by strace (SIGKILL injected) on entering each of its
# map writes in turn, so every prefix of its writes is left once. What the
# fast path would misuse is never there: the host's fdb entry without the
# hostdevs entry tc_host_rx needs to hand its frames over (they would be
# decapsulated and lost), a hostdevs or underlay entry of a device vxbpf
# is not on. fsck --dry-run may list what is only half done (the writer's
# mark, a VNI's hostdev flag, a hostdevs entry of an attach or detach cut
# short, an underlay without its entry); the command
# run again works, and the maps are then consistent.
t_kill_devs()
{
	local name="kill -9 of attach and detach before each of their map writes: no entry the fast path misuses"
	local ns out bad cmd undo c n calls kills=0
	local -a cmds=("attach vx0" "detach vx0" "attach ul0" "detach ul0")
	local -a undos=("detach vx0" "attach vx0" "detach ul0" "attach ul0")

	devs_ns kd || { check_err 1 "namespace"; log_test "$name"; return; }
	ns=$(ns_name kd)
	for cmd in "port add vm0 vni $VNI" "attach ul0" "attach vx0"; do
		# shellcheck disable=SC2086
		out=$(vxbpf_run "$ns" $cmd 2>&1) || { check_err 1 "$cmd: $out"; log_test "$name"; return; }
	done
	for c in 0 1 2 3; do
		cmd=${cmds[c]} undo=${undos[c]}
		# From the state it changes: the undo run first.
		# shellcheck disable=SC2086
		vxbpf_run "$ns" $undo >/dev/null 2>&1 && calls=$(write_calls "$VXBPF" -n "$ns" $cmd) &&
			vxbpf_run "$ns" $undo >/dev/null 2>&1 || { check_err 1 "$cmd: no trace"; break; }
		for n in $calls; do
			# shellcheck disable=SC2086
			{ strace -f -o /dev/null -e trace=bpf -e inject=bpf:signal=SIGKILL:when="$n" \
				"$VXBPF" -n "$ns" $cmd >/dev/null; } 2>/dev/null && { check_err 1 "$cmd: not killed at bpf call $n"; break 2; }
			kills=$((kills + 1))
			out=$(vxbpf_run "$ns" -j fsck --dry-run 2>&1)
			bad=$(jq -c '[.problems[] | select(.map == "fdb" or
				(.map == "hostdevs" and (.problem | test("cut short") | not)) or
				(.map == "underlay" and (.problem | test("but no entry") | not)))]' <<<"$out") ||
				{ check_err 1 "fsck after $cmd killed at bpf call $n: $out"; break 2; }
			[[ $bad == "[]" ]] || { check_err 1 "$cmd killed at bpf call $n left $bad"; break 2; }
			# shellcheck disable=SC2086
			out=$(vxbpf_run "$ns" $cmd 2>&1) || { check_err 1 "$cmd after a kill at bpf call $n: $out"; break 2; }
			out=$(vxbpf_run "$ns" fsck --dry-run 2>&1) || { check_err 1 "$cmd killed at bpf call $n, run again: $out"; break 2; }
			# shellcheck disable=SC2086
			out=$(vxbpf_run "$ns" $undo 2>&1) || { check_err 1 "$undo after $cmd: $out"; break 2; }
		done
	done
	log_info "attach and detach of vx0 and ul0 killed before each of their map writes: $kills kills"
	log_test "$name"
}

# The mirror daemon killed in the middle of its first resync of 20,000
# kernel entries, 100 times: restarted, it copies the kernel exactly, and
# the maps are consistent each time.
t_kill9_mirror()
{
	local name="kill -9 of vxbpf mirror during its resync (100 times): restarted, equal to the kernel, consistent"
	local ns i out n t0 dur=0 at mid=0 late=0 dst

	ns_add km || { check_err 1 "namespace"; log_test "$name"; return; }
	ns=$(ns_name km)
	ip -n "$ns" link add ul0 type veth peer name ulp && ip -n "$ns" addr add 192.0.2.1/24 dev ul0 &&
		ip -n "$ns" link set ul0 up &&
		ip -n "$ns" link add vxlan100 type vxlan id $VNI local 192.0.2.1 dstport 4789 dev ul0 nolearning &&
		ip -n "$ns" link set vxlan100 up || { check_err 1 "devices"; log_test "$name"; return; }
	for ((i = 0; i < 20000; i++)); do
		printf 'fdb add 02:00:%02x:%02x:%02x:01 dev vxlan100 dst 192.0.2.%d self permanent\n' \
			$((i >> 16)) $(((i >> 8) & 255)) $((i & 255)) $((2 + i % 200))
	done >"$VXT_TMP/kfdb"
	bridge -n "$ns" -batch "$VXT_TMP/kfdb" || { check_err 1 "kernel fdb"; log_test "$name"; return; }
	# Each round starts from a flushed VNI, so the resync writes all
	# 20,000 entries and every VTEP's count. The writes come after the
	# dump, about the middle of a resync: as for load, each kill lands
	# within half a resync of a point that follows them (later after a
	# kill before them, which left the restarted mirror all 20,000 to
	# write; earlier after one too late, which left it at most the one
	# the kernel moved), from five eighths of the longest of three
	# resyncs measured here.
	for i in 0 1 2; do
		out=$(vxbpf_run "$ns" fdb flush vni $VNI 2>&1) || check_err 1 "fdb flush: $out"
		t0=$(now_ms)
		out=$(vxbpf_run "$ns" mirror --once vxlan100 2>&1) ||
			{ check_err 1 "mirror --once: $out"; log_test "$name"; return; }
		t0=$(($(now_ms) - t0))
		((t0 > dur)) && dur=$t0
	done
	at=$((dur * 5 / 8))
	for ((i = 0; i < 100; i++)); do
		# Every other round the kernel changes too.
		if ((i % 2)); then
			dst=192.0.2.$((100 + i))
			bridge -n "$ns" fdb replace 02:00:00:00:00:01 dev vxlan100 dst "$dst" self permanent
		fi
		out=$(vxbpf_run "$ns" fdb flush vni $VNI 2>&1) || { check_err 1 "fdb flush before kill $i: $out"; break; }
		kill_between $((at - dur / 4)) $((at + dur / 4)) "$VXBPF" -n "$ns" mirror vxlan100
		out=$(vxbpf_run "$ns" mirror --once -v vxlan100 2>&1) ||
			{ check_err 1 "mirror --once after kill $i: $out"; break; }
		if [[ $out == *"$KILLED_WARN"* ]]; then
			mid=$((mid + 1))
		elif [[ $out =~ resync:\ [0-9]+\ kernel\ entries\ read,\ ([0-9]+)\ changes ]]; then
			if ((BASH_REMATCH[1] <= 1)); then
				late=$((late + 1))
				((at > dur / 2)) && at=$((at - dur / 16))
			else
				((at < 3 * dur)) && at=$((at + dur / 16))
			fi
		else
			check_err 1 "mirror --once -v after kill $i said no resync: $out"
			break
		fi
		n=$(vxbpf_run "$ns" -j fdb show vni $VNI | jq length)
		((n == 20000)) || { check_err 1 "$n fdb entries after kill $i, the kernel has 20000"; break; }
		out=$(vxbpf_run "$ns" fsck --dry-run 2>&1) || { check_err 1 "after kill $i: $out"; break; }
	done
	out=$(vxbpf_run "$ns" -j fdb show vni $VNI | jq -r '.[] | select(.mac == "02:00:00:00:00:01") | .dst')
	[[ $out == "$dst" ]] || check_err 1 "02:00:00:00:00:01 at $out, the kernel has it at $dst"
	log_info "mirror resync of 20,000 entries: ${dur} ms; kills mid-write, repaired by the restarted mirror: $mid of $i, $late too late, the last at ${at} ms"
	((i < 100 || mid >= 10)) || check_err 1 "only $mid of 100 kills landed mid-write (resync ${dur} ms, last at ${at} ms)"
	log_test "$name"
}

# A detach of a kernel vxlan device killed after its commit (tc_host_tx,
# the host's fdb entry and the VNI's hostdev flag gone), before its last
# write, the hostdevs entry: nothing uses that entry, and the device is
# detached as far as the user is concerned. fsck must finish the detach
# (drop the entry), not take the entry for an attached device and set the
# VNI's hostdev flag again: with the flag, the VNI's broadcast goes to the
# kernel instead of to its ports (vm0 gets no ARP from remote VTEPs). The
# same state is what an attach killed after its first write leaves.
t_hostdev_cut()
{
	local name="fsck: a hostdevs entry left by a detach killed before its last write is dropped, the VNI's hostdev flag stays clear"
	local ns dir out rc calls last flags n

	devs_ns hc || { check_err 1 "namespace"; log_test "$name"; return; }
	ns=$(ns_name hc)
	for cmd in "attach ul0" "port add vm0 vni $VNI" "attach vx0"; do
		# shellcheck disable=SC2086
		out=$(vxbpf_run "$ns" $cmd 2>&1) || { check_err 1 "$cmd: $out"; log_test "$name"; return; }
	done
	dir=$(vxbpf_run "$ns" -j status | jq -r .pin_dir)
	calls=$(write_calls "$VXBPF" -n "$ns" detach vx0) && vxbpf_run "$ns" attach vx0 >/dev/null 2>&1 ||
		{ check_err 1 "detach vx0: no trace"; log_test "$name"; return; }
	last=$(tail -n 1 <<<"$calls")
	{ strace -f -o /dev/null -e trace=bpf -e inject=bpf:signal=SIGKILL:when="$last" \
		"$VXBPF" -n "$ns" detach vx0 >/dev/null; } 2>/dev/null && check_err 1 "detach vx0 not killed at bpf call $last"
	n=$(bpftool -j map dump pinned "$dir/hostdevs" | jq length)
	((n == 1)) || check_err 1 "the kill left $n hostdevs entries, not 1"
	out=$(vxbpf_run "$ns" -j fsck --dry-run) && rc=0 || rc=$?
	log_verbose "fsck --dry-run: $(jq -c .problems <<<"$out")"
	jq -e '.problems | any(.map == "vni" and (.problem | test("no hostdev flag")))' <<<"$out" >/dev/null &&
		check_err 1 "fsck would set vni $VNI's hostdev flag for a detached device: $(jq -c .problems <<<"$out")"
	out=$(vxbpf_run "$ns" fsck 2>&1) && rc=0 || rc=$?
	((rc == 0)) || check_err 1 "fsck: exit $rc: $out"
	flags=$(bpftool -j map dump pinned "$dir/vni" | jq '[.[] | (.formatted // .).value.flags / 1024 | floor % 2] | add')
	((flags == 0)) || check_err 1 "vni $VNI's hostdev flag set after the repair of a detach"
	[[ $(bpftool -j map dump pinned "$dir/hostdevs") == "[]" ]] || check_err 1 "hostdevs not empty after the repair"
	out=$(vxbpf_run "$ns" fsck --dry-run 2>&1) || check_err 1 "not consistent after the repair: $out"
	out=$(vxbpf_run "$ns" attach vx0 2>&1) || check_err 1 "attach vx0 after the repair: $out"
	out=$(vxbpf_run "$ns" fsck --dry-run 2>&1) || check_err 1 "attached again, not consistent: $out"
	log_test "$name"
}


# attach of a kernel vxlan device and port add whose last attachment
# fails (its BPF_LINK_CREATE made to fail with EPERM by strace) after
# their commit: they exit non-zero and leave the maps as they were, the
# derived copies of the VNI's configuration in its ports included (the
# vxlan device's attach rolled back only the fdb and vni maps, so vm0's
# copy kept the hostdev flag: its VM's broadcast then went to the kernel).
t_attach_fail()
{
	local name="attach of a vxlan device and port add failing after their commit change nothing"
	local ns out rc n cmd undo c
	local -a cmds=("attach vx0" "port add vm0 vni $VNI") undos=("detach vx0" "port del vm0")

	devs_ns af || { check_err 1 "namespace"; log_test "$name"; return; }
	ns=$(ns_name af)
	for cmd in "attach ul0" "port add vm0 vni $VNI" "attach vx0"; do
		# shellcheck disable=SC2086
		out=$(vxbpf_run "$ns" $cmd 2>&1) || { check_err 1 "$cmd: $out"; log_test "$name"; return; }
	done
	for c in 0 1; do
		cmd=${cmds[c]} undo=${undos[c]}
		# shellcheck disable=SC2086
		vxbpf_run "$ns" $undo >/dev/null 2>&1 && n=$(bpf_calls BPF_LINK_CREATE "$VXBPF" -n "$ns" $cmd | tail -n 1) &&
			vxbpf_run "$ns" $undo >/dev/null 2>&1 && [[ -n $n ]] || { check_err 1 "$cmd: no trace"; break; }
		# shellcheck disable=SC2086
		out=$(strace -f -o /dev/null -e trace=bpf -e inject=bpf:error=EPERM:when="$n" \
			"$VXBPF" -n "$ns" $cmd 2>&1) && rc=0 || rc=$?
		((rc != 0)) || check_err 1 "$cmd with its bpf call $n failing: exit 0"
		out=$(vxbpf_run "$ns" fsck --dry-run 2>&1) || check_err 1 "$cmd failed, the maps changed: $out"
		# shellcheck disable=SC2086
		out=$(vxbpf_run "$ns" $cmd 2>&1) || check_err 1 "$cmd after its failure: $out"
	done
	log_test "$name"
}

ALL_TESTS="t_repair t_devs t_hostdev_cut t_attach_fail t_kill9 t_kill9_attach t_kill_devs t_kill9_mirror"

require_root
require_cmd ip bpftool /usr/bin/python3 jq strace
tests_run
tests_exit
