#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The control plane at scale (`make bench-evpn`; `make bench` runs it too).
#
# 1. EVPN: MACS MACs (default 100,000) appear at once behind one VTEP's
#    bridge (`bridge -batch`, as many VMs' MACs being learned); zebra
#    advertises them as type-2 routes, the reflector passes them on, every
#    other VTEP's zebra writes them into its kernel and `vxbpf mirror`
#    copies them from there. Measured at each receiving VTEP, from the
#    batch: when its kernel had them all, when its vxbpf had them all, and
#    how far vxbpf was behind its kernel at worst while they arrived (a
#    sample taken at t with vxbpf holding V of them is behind by t minus
#    the time its kernel first held V).
# 2. Resync: a `vxbpf mirror` daemon of one vxlan device holding 100,000
#    and 1,000,000 FDB entries: the time of its first resync (everything
#    new) and of a resync on SIGHUP (nothing changed: the cost an ENOBUFS
#    brings), and the daemon's peak memory (VmHWM).
# 3. The fast path in mirror mode: the cost of xdp_port_rx encapsulating a
#    VM's frame (BPF_PROG_RUN repeat, `vxbench cost`) on a mirrored VNI,
#    whose source-MAC check against the bridge's entries is one more fdb
#    lookup, and on a VNI of vxbpf's own (`vni add`), medians of 5.
#
# The lab is tests/net/lib_evpn.sh (three VTEPs and a reflector here).
# Results: a table on stdout and in bench/evpn.md, and the same section in
# bench/results.md (between its markers, replaced; else before "## Targets").
# Namespaces vxbe-<pid>-*, removed on exit.
set -uo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VXT_PREFIX=vxbe-$$
# shellcheck source=../tests/net/lib_evpn.sh
source "$REPO_ROOT/tests/net/lib_evpn.sh"

MACS=${BENCH_EVPN_MACS:-100000}
RESYNC_SIZES=${BENCH_RESYNC_SIZES:-100000 1000000}
OUT=${BENCH_EVPN_OUT:-$REPO_ROOT/bench/evpn.md}
RESULTS=${BENCH_RESULTS:-$REPO_ROOT/bench/results.md}
WAIT_S=${BENCH_EVPN_WAIT_S:-600}
STALL_S=${BENCH_EVPN_STALL_S:-60} # the kernel's count unchanged that long: FRR stopped
N=3

die() { echo "bench-evpn: $*" >&2; exit 1; }

require_root
require_cmd ip bridge jq awk
[[ -x $VXBPF ]] || die "build first: make build/vxbpf"
VXBENCH=${VXBENCH:-$REPO_ROOT/build/vxbench}
[[ -x $VXBENCH ]] || die "build first: make build/vxbench"
# A private copy: a rebuild in the tree during the run cannot swap it.
mkdir -p "$VXT_TMP/bin" && cp "$VXBPF" "$VXT_TMP/bin/" && VXBPF=$VXT_TMP/bin/vxbpf
frr_available || die "FRR is not installed ($FRR_DIR/bgpd): scripts/deps.sh installs Debian's frr"

declare -a lags samp
now() { echo "${EPOCHREALTIME}"; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }

# kernel_count NS: remote MACs (self entries) on vxlan100 of our batch,
# each once: a dump of a changing table repeats entries (measured: 118,580
# lines for 100,000 MACs) and skips others.
kernel_count() { bridge -n "$1" fdb show dev vxlan100 | awk '/^02:ee:.* self/ && !seen[$1]++ { n++ } END { print n + 0 }'; }
# vxbpf_count NS: vxbpf's fdb entries of VNI 100 (the whole map: cheap).
vxbpf_count() { "$VXBPF" -n "$1" -j status | jq '[.maps[] | select(.name == "fdb") | .entries] | add // 0'; }
# vxbpf_ours NS: vxbpf's entries of our batch's MACs.
vxbpf_ours() { "$VXBPF" -n "$1" fdb show vni 100 | awk '/^02:ee:/ && !seen[$1]++ { n++ } END { print n + 0 }'; }

mac_batch()
{
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++)
		printf "fdb add 02:ee:%02x:%02x:%02x:01 dev vm100 master dynamic\n",
			int(i / 65536) % 256, int(i / 256) % 256, i % 256 }'
}

# ---- 1. EVPN ---------------------------------------------------------------

echo "bench-evpn: the lab ($N VTEPs with FRR, a reflector)"
evpn_lab $N >"$VXT_TMP/lab.log" 2>&1 || die "lab setup failed: $(tail -n 3 "$VXT_TMP/lab.log")"
wait_converged 1 2 3 || die "not converged within ${CONVERGE_S}s"

mac_batch "$MACS" >"$VXT_TMP/macs.batch"
echo "bench-evpn: $MACS MACs behind v1 (bridge -batch), sampling v2 and v3"
# The batch runs while the receivers are sampled: routes flow while it
# is still adding. v2 is sampled every round, v3 every third (a sample
# dumps 100,000 entries: the rounds are as short as that allows).
t0=$(now)
bridge -n "$(vtep_ns 1)" -batch "$VXT_TMP/macs.batch" >"$VXT_TMP/batch.out" 2>&1 &
batch_pid=$!
t_batch=
: >"$VXT_TMP/samples2"
: >"$VXT_TMP/samples3"
declare -A done_k done_v
declare -a last_k=([2]=-1 [3]=-1) last_t=([2]=0 [3]=0)
round=0
while :; do
	for n in 2 3; do
		if ((n == 3 && round % 3 != 0)) && [[ -z ${done_v[2]:-} ]]; then
			continue
		fi
		[[ -n ${done_v[$n]:-} && -n ${done_k[$n]:-} ]] && continue
		ns=$(vtep_ns "$n")
		# A sample never flatters vxbpf: its count is dated when it
		# ended, the kernel's when it began.
		v=$(vxbpf_ours "$ns")
		t=$(sub "$(now)" "$t0")
		k=$(kernel_count "$ns")
		echo "$t $k $v" >>"$VXT_TMP/samples$n"
		[[ -z ${done_k[$n]:-} ]] && ((k >= MACS)) && done_k[$n]="$t s"
		[[ -z ${done_v[$n]:-} ]] && ((v >= MACS)) && done_v[$n]="$t s"
		# FRR may stop short of the whole batch (seen once: one VTEP's
		# zebra at 63,040 for ten minutes); vxbpf can only follow its
		# kernel. Told in the table, not waited for.
		if ((k != last_k[n])); then
			last_k[n]=$k last_t[n]=$t
		elif ((v == k)) && [[ -z ${done_k[$n]:-} ]] &&
			awk -v t="$t" -v l="${last_t[n]}" -v s="$STALL_S" 'BEGIN { exit !(t - l > s) }'; then
			done_k[$n]="stopped at $k of $MACS, ${last_t[n]} s"
			done_v[$n]="${last_t[n]} s (all its kernel has)"
		fi
	done
	if [[ -z $t_batch ]] && ! kill -0 "$batch_pid" 2>/dev/null; then
		wait "$batch_pid" || die "bridge -batch failed: $(head -c 300 "$VXT_TMP/batch.out")"
		t_batch=$(sub "$(now)" "$t0")
	fi
	[[ -n ${done_v[2]:-} && -n ${done_v[3]:-} && -n ${done_k[2]:-} && -n ${done_k[3]:-} && -n $t_batch ]] && break
	awk -v t="$(sub "$(now)" "$t0")" -v w="$WAIT_S" 'BEGIN { exit !(t > w) }' &&
		die "not all $MACS MACs everywhere within ${WAIT_S}s: v2 $(tail -n 1 "$VXT_TMP/samples2"), v3 $(tail -n 1 "$VXT_TMP/samples3")"
	round=$((round + 1))
done
# samples_of N: "S samples, one every I s".
samples_of()
{
	awk '{ t[NR] = $1 } END { printf "%d samples, one every %.2f s", NR, (NR > 1 ? (t[NR] - t[1]) / (NR - 1) : 0) }' \
		"$VXT_TMP/samples$1"
}
for n in 2 3; do
	samp[n]=$(samples_of "$n")
	lags[n]=$(awk -v a="${done_v[$n]%% *}" -v b="${done_k[$n]##*, }" 'BEGIN { b += 0; printf "%.2f s", a - b }')
	[[ ${done_k[$n]} == stopped* ]] || lags[n]=$(sub "${done_v[$n]%% *}" "${done_k[$n]%% *}")" s"
done
[[ -n ${BENCH_EVPN_SAMPLES:-} ]] && cp "$VXT_TMP"/samples[23] "$BENCH_EVPN_SAMPLES"/
vxt_cleanup

# ---- 2. Resync -------------------------------------------------------------

declare -A rs_first rs_again rs_mem rs_user rs_sys rs_bridge
# cpu_s PID: its user and system CPU seconds so far.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f %.2f", $14 / hz, $15 / hz }' "/proc/$1/stat"; }
for size in $RESYNC_SIZES; do
	echo "bench-evpn: mirror resync of $size kernel FDB entries"
	ns_add rs || die "ns rs"
	d=$(ns_name rs)
	ip -n "$d" link add cp0 type veth peer name cp1
	ip -n "$d" addr add 198.51.100.1/24 dev cp0
	ip -n "$d" link set cp0 up && ip -n "$d" link set cp1 up
	ip -n "$d" link add vxlan100 type vxlan id 100 local 198.51.100.1 dstport 4789 nolearning
	ip -n "$d" link set vxlan100 up
	awk -v n="$size" 'BEGIN { for (i = 0; i < n; i++)
		printf "fdb append 02:cd:%02x:%02x:%02x:01 dev vxlan100 dst 198.51.100.%d\n",
			int(i / 65536) % 256, int(i / 256) % 256, i % 256, 2 + i % 200 }' >"$VXT_TMP/rs.batch"
	bridge -n "$d" -batch "$VXT_TMP/rs.batch" || die "bridge -batch of $size failed"
	"$VXBPF" -n "$d" mirror vxlan100 -v >"$VXT_TMP/rs.log" 2>&1 &
	pid=$!
	bg_track "$pid"
	resyncs() { grep -c 'mirror: resync:' "$VXT_TMP/rs.log"; }
	wait_for 300 eval '(($(resyncs) >= 1))' || die "no first resync of $size: $(tail -n 2 "$VXT_TMP/rs.log")"
	cpu0=$(cpu_s "$pid")
	kill -HUP "$pid"
	wait_for 300 eval '(($(resyncs) >= 2))' || die "no second resync of $size"
	read -r u1 s1 <<<"$(cpu_s "$pid")"
	read -r u0 s0 <<<"$cpu0"
	rs_user[$size]=$(sub "$u1" "$u0") rs_sys[$size]=$(sub "$s1" "$s0")
	# The same table dumped by iproute2, for scale: the kernel's part.
	t=$(now)
	bridge -n "$d" fdb show dev vxlan100 >/dev/null
	rs_bridge[$size]=$(sub "$(now)" "$t")
	rs_first[$size]=$(grep 'mirror: resync:' "$VXT_TMP/rs.log" | sed -n 1p | awk '{ print $(NF - 1) }')
	rs_again[$size]=$(grep 'mirror: resync:' "$VXT_TMP/rs.log" | sed -n 2p | awk '{ print $(NF - 1) }')
	rs_mem[$size]=$(awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
	got=$(vxbpf_count "$d")
	((got == size)) || die "vxbpf has $got of $size entries after the resync: $("$VXBPF" -n "$d" -j status 2>&1 | head -c 600)"
	kill "$pid"
	wait "$pid" 2>/dev/null
	vxt_cleanup
done

# ---- 3. The fast path in mirror mode -----------------------------------------

declare -A pc
# port_cost MODE: encap cost of vm0's program, ns per frame, 5 medians.
port_cost()
{
	local mode=$1 d id dst=02:00:00:00:bb:01 src=02:00:00:00:aa:01 r
	ns_add "pc$mode" || die "ns pc$mode"
	d=$(ns_name "pc$mode")
	# Run in $(...): the cleanup of the calling shell never hears of $d.
	pc_die() { ns_del "$d"; die "$@"; }
	ip -n "$d" link add ul0 type veth peer name ulp &&
		ip -n "$d" link add vm0 type veth peer name vm0p &&
		ip -n "$d" addr add 198.51.100.1/24 dev ul0 &&
		ip -n "$d" neigh add 198.51.100.2 lladdr 02:00:00:00:02:01 dev ul0 nud permanent ||
		pc_die "port cost: topology"
	for r in ul0 ulp vm0 vm0p; do ip -n "$d" link set "$r" up; done
	if [[ $mode == user ]]; then
		"$VXBPF" -n "$d" vni add 100 local 198.51.100.1 &&
			"$VXBPF" -n "$d" fdb add $dst vni 100 dst 198.51.100.2 &&
			"$VXBPF" -n "$d" port add vm0 vni 100 >/dev/null || pc_die "port cost: user vni"
	else
		ip -n "$d" link add vxlan100 type vxlan id 100 local 198.51.100.1 dstport 4789 nolearning &&
			ip -n "$d" link add br0 type bridge &&
			ip -n "$d" link set vxlan100 master br0 && ip -n "$d" link set vm0 master br0 &&
			ip -n "$d" link set vxlan100 up && ip -n "$d" link set br0 up &&
			bridge -n "$d" fdb add $dst dev vxlan100 dst 198.51.100.2 self &&
			"$VXBPF" -n "$d" mirror vxlan100 br0 --once &&
			"$VXBPF" -n "$d" port add vm0 vni 100 >/dev/null &&
			bridge -n "$d" fdb add $src dev vm0 master static &&
			"$VXBPF" -n "$d" mirror vxlan100 br0 --once || pc_die "port cost: mirrored vni"
	fi
	"$VXBPF" -n "$d" attach ul0 >/dev/null 2>&1 || pc_die "port cost: attach"
	id=$(ip -n "$d" -j -d link show vm0 | jq -r '.[0].xdp.prog.id')
	for r in 1 2 3 4 5; do
		"$VXBENCH" cost "$d" vm0 --prog-id "$id" --delta -50 --size 64 --cpu 1 \
			--mode encap --imac-dst $dst --imac-src $src | awk '{ print $3 }'
	done | sort -n | sed -n 3p
	# Every repetition must have been encapsulated, else the figure is void.
	[[ $("$VXBPF" -n "$d" -j stats | jq '[.reasons[] | select(.reason == "tx_encap") | .packets] | add') == 5000000 ]] ||
		pc_die "port cost ($mode): not every frame encapsulated"
	ns_del "$d"
}
echo "bench-evpn: encap program cost, user vs mirrored VNI"
pc[user]=$(port_cost user) || exit 1
pc[mirrored]=$(port_cost mirrored) || exit 1
vxt_cleanup

# ---- report ----------------------------------------------------------------

{
	echo "## Control plane at scale (scripts/bench-evpn.sh)"
	echo
	echo "$MACS EVPN MACs (type-2) behind v1 at once: seconds from the start of the \`bridge -batch\` on v1 (done at $t_batch s). Each receiver is sampled while they arrive: vxbpf counted, then the kernel, both dated between the two counts, so vxbpf is never flattered and no figure is finer than the time between samples (counting 100,000 entries takes a few tenths of a second; a dump of a table that is changing is no snapshot, so only the completion times are compared):"
	echo
	echo "| receiving VTEP | kernel has all (zebra) | vxbpf has all | vxbpf after its kernel | samples |"
	echo "|---|---|---|---|---|"
	for n in 2 3; do
		echo "| v$n | ${done_k[$n]} | ${done_v[$n]} | ${lags[n]} | ${samp[n]} |"
	done
	echo
	echo "\`vxbpf mirror\` of one vxlan device:"
	echo
	echo "| kernel FDB entries | first resync | resync on SIGHUP (no change) | of which CPU: user / kernel | \`bridge fdb show\` of the same device | daemon peak memory (VmHWM) |"
	echo "|---|---|---|---|---|---|"
	for size in $RESYNC_SIZES; do
		echo "| $size | ${rs_first[$size]} s | ${rs_again[$size]} s | ${rs_user[$size]} s / ${rs_sys[$size]} s | ${rs_bridge[$size]} s | ${rs_mem[$size]} MiB |"
	done
	echo
	echo "The kernel's part is \`vxlan_fdb_dump()\`: it restarts its walk of the device's"
	echo "FDB list at every 32 KiB batch of a dump, so dumping n entries costs about n²/400"
	echo "steps, for \`bridge fdb show\` alike (perf: 93% of a 1,000,000-entry resync)."
	echo
	echo "The fast path in mirror mode: \`xdp_port_rx\` encapsulating a VM's 64-byte frame"
	echo "(BPF_PROG_RUN repeat 1,000,000, median of 5, program time without the run's own cost):"
	echo "${pc[user]} ns on a VNI of vxbpf's own, ${pc[mirrored]} ns on a mirrored VNI, whose"
	echo "check that the bridge knows the frame's source on that port is one more fdb lookup."
} | tee "$OUT"

# The section into results.md: replaced between the markers, else put
# before the targets.
if [[ -f $RESULTS ]]; then
	awk -v sec="$OUT" '
		function put() { print "<!-- bench-evpn -->"; while ((getline l < sec) > 0) print l; print "<!-- /bench-evpn -->"; print ""; done = 1 }
		/^<!-- bench-evpn -->$/ { skip = 1; put(); next }
		/^<!-- \/bench-evpn -->$/ { skip = 0; getline; if ($0 != "") print; next }
		skip { next }
		/^## Targets/ && !done { put() }
		{ print }
		END { if (!done) { print ""; put() } }' "$RESULTS" >"$RESULTS.new" && mv "$RESULTS.new" "$RESULTS"
fi
