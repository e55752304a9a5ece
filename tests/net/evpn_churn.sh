#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# net-timeout: 420
#
# EVPN under churn. Three VTEPs with FRR and vxbpf mirror (lib_evpn.sh).
# MACs move between v1 and v2 at about 1,000 kernel changes a second for
# 30 s (an add on the new VTEP, a delete on the old one: zebra advertises
# each move with a higher sequence number, every other zebra reprograms
# its kernel), while every mirror is also made to resync each second
# (SIGHUP, as an ENOBUFS would). Meanwhile 2,000 MACs behind v3 never
# change: none may ever be missing from v1's or v2's vxbpf. At the end
# every vxbpf equals its kernel: the vxlan device's entries and the
# bridge's entries on vxbpf ports.
#
#   v1 ── vm1-100 port: MACs 02:3c:... arrive and leave ─┐
#   v2 ── vm2-100 port: the same MACs, the other half     ├─ rr
#   v3 ── vm3-100 port: 2,000 static MACs 02:5b:...      ─┘
#
# Run: tests/net/evpn_churn.sh (VERBOSE=1; CHURN_S, CHURN_RATE, CHURN_MOVING,
# CHURN_STABLE override the sizes).

# A MAC that moves 30 times a minute is the point here: zebra's duplicate
# detection would freeze it.
EVPN_AF_EXTRA='  no dup-addr-detection'
source "$(dirname "$0")/lib_evpn.sh"

N=3
CHURN_S=${CHURN_S:-30}
RATE=${CHURN_RATE:-1000}      # kernel changes per second (a move is two)
MOVING=${CHURN_MOVING:-500}
STABLE=${CHURN_STABLE:-2000}
TICK=0.1                      # seconds per batch of moves
TICK_US=100000
SETTLE_S=${SETTLE_S:-90}

mac_of() { printf '02:%s:00:00:%02x:%02x' "$1" $(($2 >> 8 & 255)) $(($2 & 255)); }

# batch VERB PREFIX FIRST COUNT: `bridge -batch` lines for MACs on vm100.
# A MAC that moves is dynamic (as learned: a static one is "sticky" to
# EVPN, which refuses to move it); one that stays is static.
batch()
{
	local verb=$1 p=$2 first=$3 count=$4 i kind=static
	[[ $p == 3c ]] && kind=dynamic
	for ((i = first; i < first + count; i++)); do
		if [[ $verb == add ]]; then
			echo "fdb replace $(mac_of "$p" "$i") dev vm100 master $kind"
		else
			echo "fdb del $(mac_of "$p" "$i") dev vm100 master"
		fi
	done
}

# stable_in N: how many of v3's stable MACs VTEP N's vxbpf has behind v3.
stable_in()
{
	"$VXBPF" -n "$(vtep_ns "$1")" -j fdb show vni 100 2>/dev/null |
		jq --arg ip "$(vtep_ip 3)" '[.[] | select(.dst == $ip and (.mac | startswith("02:5b:")))] | length'
}

# The kernel's truth: the bridge's entries on vm100 (what a frame to the
# MAC takes), and the vxlan device's remote entries of every other MAC
# (zebra leaves a moved-in MAC's remote entry behind; the bridge wins).
JQ_K_LOCAL='[.[] | select(.ifname == "vm100" and ((.state // "") != "permanent") and ((.flags // []) | index("self") | not)) | .mac] | sort'
JQ_K_REMOTE='[.[] | select(.dst and ((.flags // []) | index("self")) and ((.mac | IN($local[])) | not)) | "\(.mac) \(.dst)"] | sort'
JQ_V_REMOTE='[.[] | select(.dst) | "\(.mac) \(.dst)"] | sort'
JQ_V_LOCAL='[.[] | select(.ifname == "vm100") | .mac] | sort'

# kernel_local N / kernel_remote N: the kernel's side, as JSON lists.
kernel_local() { bridge -n "$(vtep_ns "$1")" -j fdb show br br100 | jq -c "$JQ_K_LOCAL"; }
kernel_remote()
{
	bridge -n "$(vtep_ns "$1")" -j fdb show dev vxlan100 |
		jq -c --argjson local "$(kernel_local "$1")" "$JQ_K_REMOTE"
}
vxbpf_list() { "$VXBPF" -n "$(vtep_ns "$1")" -j fdb show vni 100 | jq -c "$2"; }

# equal N: VTEP N's vxbpf has exactly its kernel's entries of VNI 100.
equal()
{
	local k v
	k=$(kernel_remote "$1") v=$(vxbpf_list "$1" "$JQ_V_REMOTE")
	[[ -n $k && $k == "$v" ]] || return 1
	k=$(kernel_local "$1") v=$(vxbpf_list "$1" "$JQ_V_LOCAL")
	[[ -n $k && $k == "$v" ]]
}

# diff_of N: what differs, for the failure message.
diff_of()
{
	diff <(kernel_remote "$1" | jq -r '.[]') <(vxbpf_list "$1" "$JQ_V_REMOTE" | jq -r '.[]') |
		grep '^[<>]' | head -n 3 | tr '\n' ' '
	diff <(kernel_local "$1" | jq -r '.[]') <(vxbpf_list "$1" "$JQ_V_LOCAL" | jq -r '.[]') |
		grep '^[<>]' | head -n 3 | tr '\n' ' '
}

# sampler FILE: the fewest stable MACs v1 and v2 had, sampled until FILE.stop.
sampler()
{
	local f=$1 a b min1=$STABLE min2=$STABLE n=0
	while [[ ! -e $f.stop ]]; do
		a=$(stable_in 1) b=$(stable_in 2)
		((a < min1)) && min1=$a
		((b < min2)) && min2=$b
		n=$((n + 1))
		echo "$min1 $min2 $n" >"$f"
		sleep 0.2
	done
}

churn_all()
{
	local name="EVPN churn: MACs moving between two VTEPs at ~$RATE changes/s for ${CHURN_S}s; stable MACs never missing, every vxbpf equals its kernel"
	local dir per_tick blocks b side t0 t1 t_end next d moves=0 n out min1 min2 samples i

	evpn_test_lab $N || { log_test "$name"; return; }
	wait_converged 1 2 3 || { check_err 1 "not converged within ${CONVERGE_S}s"; log_test "$name"; return; }
	vxt_tmpdir dir

	# The stable MACs, and the moving ones, all on v1 first.
	batch add 5b 0 "$STABLE" | bridge -n "$(vtep_ns 3)" -batch - || check_err 1 "stable MACs"
	batch add 3c 0 "$MOVING" | bridge -n "$(vtep_ns 1)" -batch - || check_err 1 "moving MACs"
	wait_for 60 eval '(($(stable_in 1) == STABLE && $(stable_in 2) == STABLE))' ||
		check_err 1 "stable MACs not everywhere: v1 $(stable_in 1), v2 $(stable_in 2) of $STABLE"

	sampler "$dir/min" &
	bg_track $!
	per_tick=$(awk -v r="$RATE" -v t="$TICK" 'BEGIN { printf "%d", r * t / 2 }')
	blocks=$((MOVING / per_tick))
	declare -a side
	for ((b = 0; b < blocks; b++)); do side[b]=1; done
	# Microseconds, from bash's own clock: no process per tick for it.
	t0=${EPOCHREALTIME/./}
	t_end=$((t0 + CHURN_S * 1000000))
	next=$t0
	b=0 i=0
	while ((${EPOCHREALTIME/./} < t_end)); do
		# Block b moves to the other side: there first, then gone here.
		local from=${side[b]} to=$((3 - side[b]))
		batch add 3c $((b * per_tick)) "$per_tick" | bridge -force -n "$(vtep_ns "$to")" -batch - 2>/dev/null
		batch del 3c $((b * per_tick)) "$per_tick" | bridge -force -n "$(vtep_ns "$from")" -batch - 2>/dev/null
		side[b]=$to
		moves=$((moves + per_tick))
		b=$(((b + 1) % blocks))
		# Every mirror resyncs each second, as after an ENOBUFS.
		if ((++i % 10 == 0)); then
			for n in 1 2 3; do
				pkill -HUP -f "vxbpf -n $(vtep_ns "$n") mirror" 2>/dev/null
			done
		fi
		next=$((next + TICK_US))
		d=$((next - ${EPOCHREALTIME/./}))
		((d > 0)) && sleep "$(printf '%d.%06d' $((d / 1000000)) $((d % 1000000)))"
	done
	t1=${EPOCHREALTIME/./}
	out=$((2 * moves * 1000000 / (t1 - t0)))
	touch "$dir/min.stop"
	sleep 0.5
	read -r min1 min2 samples <"$dir/min"
	[[ $VERBOSE == 1 ]] && echo "    $moves moves, $out kernel changes/s on v1+v2; stable MACs at least $min1 (v1), $min2 (v2) of $STABLE in $samples samples"
	((out >= RATE * 8 / 10)) || check_err 1 "only $out changes/s (wanted ~$RATE)"
	((min1 == STABLE && min2 == STABLE)) ||
		check_err 1 "stable MACs missing during the churn: at least $min1 (v1), $min2 (v2) of $STABLE"

	# Quiet again: zebra catches up, every vxbpf equals its kernel.
	t0=$SECONDS
	for n in 1 2 3; do
		wait_for "$SETTLE_S" equal "$n" || check_err 1 "v$n: vxbpf differs from the kernel: $(diff_of "$n")"
	done
	((RET == 0)) && [[ $VERBOSE == 1 ]] && echo "    all equal $((SECONDS - t0))s after the churn"
	log_test "$name"
}

ALL_TESTS="churn_all"

require_root
require_cmd ip bridge ping jq
tests_run
tests_exit
