#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# What a user choosing vxbpf asks, VM to VM (`make bench-app`; `make bench`
# runs it too): TCP throughput with one flow and eight, the CPU time the
# receiving side spends per gigabyte, and the latency of a request/response,
# vxbpf against Linux vxlan + bridge, side by side in one run.
#
#   vm1 ns              hostA ns                  hostB ns              vm2 ns
#  +-----------+   +-----------------+        +-----------------+   +-----------+
#  | eth0      +---+ vm0             |        |             vm0 +---+ eth0      |
#  | 10.0.0.1  |   |   VTEP      ul0 +--veth--+ ul0      VTEP   |   | 10.0.0.2  |
#  | iperf3 -c |   | 192.0.2.1       |        |       192.0.2.2 |   | iperf3 -s |
#  | vxrr      |   | (2001:db8::1)   |        |   (2001:db8::2) |   | vxrr srv  |
#  +-----------+   +-----------------+        +-----------------+   +-----------+
#     CPU 1 (sending side)                         CPU 0 (receiving side)
#
# The topology is tests/net/lib.sh's topo_build, the one the network tests
# use (static overlay fdb/neigh, overlay MTU 1450 on an IPv4 underlay, 1430
# on IPv6; here the outer neighbours are static too), built once per
# configuration, each in its own namespaces vxa-<pid>-<cfg><fam>-*:
#   vxbpf     both hosts run vxbpf (attach ul0, port add vm0; topo_build pair);
#   linux     both hosts run Linux vxlan100 + br0 (topo_build's reference);
#   linuxmtu  the same Linux hosts, but the underlay carries wire-sized
#             frames: TSO off on ul0, so the sending host segments and the
#             receiving host's GRO merges again, as with a physical NIC. In plain "linux" a 64 KB TSO frame from the VM
#             crosses the bridge, the vxlan device, both ul0 and the other
#             bridge in one piece: a veth never segments, so neither host
#             pays per wire frame. vxbpf's VMs send MTU-sized frames (a veth
#             whose peer runs XDP loses TSO; its software GSO segments in
#             the VM), so "linuxmtu" is the comparison frame for frame.
#
# Two ways of running each configuration, as two more sets of namespaces:
#   std    what a user gets: the kernel's default NAPI (softirq, run by
#          whoever raised it). TCP throughput, request/response latency,
#          and the CPU time of everything (both hosts, both VMs) per GB.
#   split  to tell the receiving side's CPU time from the sender's: every
#          NAPI in the path threaded (/sys/class/net/DEV/threaded) and its
#          kthread pinned, the sending side's (vm1 eth0, hostA ul0 and vm0)
#          to SEND_CPU, the receiving side's to RECV_CPU. In std a veth
#          schedules its peer's NAPI on the sending CPU, so the receiving
#          host's work runs in the sender's softirq and cannot be told
#          apart. Plain "linux" cannot be split at all: a veth gives frames
#          from a TSO-capable sender to the sending CPU's backlog, never to
#          the peer's NAPI, so its receiving host runs inside the sender
#          whatever we do (n/a in the table). vxlan100's GRO cells are not
#          threaded (threaded, they stall the flow on 6.18: 1.2 Gbit/s,
#          then nothing); they run in the softirq of whoever raised them:
#          hostB's ul0 kthread.
# In both: GRO on for every veth end (ul0, vm0, eth0), as a NIC driver has
# it (vxbpf turns it on for its ports' peers anyway); a pfifo qdisc (1,000
# packets) on the VMs' eth0 and on ul0, where a NIC has a queue; iperf3 and vxrr
# pinned, client to SEND_CPU and server to RECV_CPU, at nice BENCH_NICE.
#
# CPU time (ns on CPU, /proc/PID/schedstat, per thread, so the rest of this
# shared machine does not count; hypervisor steal does), divided by the
# bytes the iperf3 server received (ns per byte = s per GB):
#   receiving side (split): hostB's NAPI kthreads (ul0, vm0: the receiving
#     host), vm2's eth0 NAPI kthread and the iperf3 server (the receiving
#     VM: GRO, TCP, the copy to user), and ksoftirqd/RECV_CPU (softirq work
#     deferred there; it serves the whole machine, so this over-counts);
#     the receiving host alone only for vxbpf, where it is separate (in
#     Linux the VM's TCP receive runs in hostB's kthreads: vm0 hands a
#     TSO-capable sender's frames to the backlog, run in the softirq of
#     the kthread that sent them);
#   all (std and split): every one of those on both sides, the iperf3
#     client from iperf3's own getrusage figure (it has exited when we
#     could read its schedstat), ksoftirqd of both CPUs.
# Throughput: iperf3 -P 1 and -P 8, SECS seconds, vm1 -> vm2, the
# receiver's count. Latency (std): build/vxrr (tools/bench/vxrr.c), a TCP
# ping-pong of a 64-byte message with TCP_NODELAY, RR_N rounds after 1,000
# unrecorded; p50/p99/p99.9 of the round trips. REPS repetitions
# interleaved (every configuration and way once, then again), medians.
# What carried the bytes: over the whole run, frames and bytes on the
# underlay, drops on every veth end, and for vxbpf the rx_decap / tx_encap
# counters of both hosts against those frames and every other non-zero
# reason.
#
# Results: bench/app.md. Everything in namespaces vxa-<pid>-*, removed on
# exit, also on failure or ^C; this machine's own interfaces are never
# touched.
set -uo pipefail

MODE=${1:-full}
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VXT_PREFIX=vxa-$$
# shellcheck source=../tests/net/lib.sh
source "$REPO_ROOT/tests/net/lib.sh"
source "$REPO_ROOT/scripts/lib_bench.sh"
BASE_PREFIX=$VXT_PREFIX

die() { echo "bench-app: $*" >&2; exit 1; }
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

require_root
require_cmd ip bridge jq ethtool awk iperf3 taskset
[[ -x $REPO_ROOT/build/vxbpf && -x $REPO_ROOT/build/vxrr ]] ||
	die "build first: make build/vxbpf build/vxrr (make bench-app does)"
# Private copies: a rebuild in the tree during the run cannot swap them.
mkdir -p "$VXT_TMP/bin"
cp "$REPO_ROOT/build/vxbpf" "$REPO_ROOT/build/vxrr" "$VXT_TMP/bin/"
VXBPF=$VXT_TMP/bin/vxbpf
VXRR=$VXT_TMP/bin/vxrr

case $MODE in
quick) REPS=3 SECS=3 RR_N=5000 FAMS=4 ;;
full) REPS=5 SECS=5 RR_N=10000 FAMS="4 6" ;;
*) die "usage: bench-app.sh [full|quick]" ;;
esac
REPS=${BENCH_REPS:-$REPS} SECS=${BENCH_SECS:-$SECS} RR_N=${BENCH_RR_N:-$RR_N}
FAMS=${BENCH_FAMS:-$FAMS}
CONFIGS=${BENCH_CONFIGS:-vxbpf linux linuxmtu}
SEND_CPU=${BENCH_CPU:-1}
RECV_CPU=${BENCH_DUT_CPU:-0}
NICE=${BENCH_NICE:--10}
OUT=${BENCH_APP_OUT:-$REPO_ROOT/bench/app.md}
RR_SIZE=64
((SEND_CPU != RECV_CPU)) || die "BENCH_CPU and BENCH_DUT_CPU must differ"
RAW=$VXT_TMP/raw.tsv
: >"$RAW"

# Per configuration/family/way (key "cfg/fam/way"): namespaces, pids.
declare -A NS_A NS_B NS_V1 NS_V2 HOST_PIDS VM_PIDS SEND_PIDS DST
KSOFT_RECV=$(pgrep -x "ksoftirqd/$RECV_CPU") || die "no ksoftirqd/$RECV_CPU"
KSOFT_SEND=$(pgrep -x "ksoftirqd/$SEND_CPU") || die "no ksoftirqd/$SEND_CPU"

# cputime PID...: ns on CPU of every thread of the PIDs (schedstat field 1).
cputime()
{
	local p
	for p in "$@"; do
		cat /proc/"$p"/task/*/schedstat 2>/dev/null
	done | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# inside NS CPU CMD...: CMD in NS pinned to CPU at nice NICE.
inside() { local ns=$1 cpu=$2; shift 2; taskset -c "$cpu" nice -n "$NICE" ip netns exec "$ns" "$@"; }

# server NS CPU CMD...: the same in the background, tracked for cleanup,
# its pid in SERVER_PID. Not through inside(): a function run with & is a
# subshell, and $! would be that shell's pid, not CMD's (taskset, nice and
# ip netns exec all exec, so here $! is CMD itself).
server()
{
	local ns=$1 cpu=$2
	shift 2
	taskset -c "$cpu" nice -n "$NICE" ip netns exec "$ns" "$@" >/dev/null 2>&1 &
	SERVER_PID=$!
	bg_track $!
}

# build CFG FAM WAY: one configuration's namespaces, devices, threads and
# servers.
build()
{
	local cfg=$1 fam=$2 way=$3 k=$1/$2/$3 ns dev
	local kind=pair ref=0

	[[ $cfg == vxbpf ]] || kind=linux ref=1
	VXT_PREFIX=$BASE_PREFIX-$cfg$fam$way
	VXT_REFERENCE=$ref UL_STATIC_NEIGH=1 topo_build $kind "$fam" || die "$k: topo_build: $RETMSG"
	VXT_PREFIX=$BASE_PREFIX
	NS_A[$k]=$A NS_B[$k]=$B NS_V1[$k]=$V1 NS_V2[$k]=$V2
	[[ $fam == 4 ]] && DST[$k]=$VM2_V4 || DST[$k]=$VM2_V6
	for ns in "$A" "$B"; do
		for dev in ul0 vm0; do
			ip netns exec "$ns" ethtool -K $dev gro on >/dev/null || die "$k: gro $dev"
		done
		if [[ $cfg == linuxmtu ]]; then
			# A GSO type needs every one of its features: without
			# TSO on ul0 the stack segments vxlan's TSO frames
			# before it (validate_xmit_skb), and a veth gives a
			# non-TSO sender's frames to its peer's NAPI and GRO,
			# as a NIC's receive ring would.
			ip netns exec "$ns" ethtool -K ul0 tso off tx-udp_tnl-segmentation off \
				tx-udp_tnl-csum-segmentation off >/dev/null || die "$k: ul0 tso off"
		fi
	done
	for ns in "$V1" "$V2"; do
		ip netns exec "$ns" ethtool -K eth0 gro on >/dev/null || die "$k: gro eth0"
	done
	# A queue where a NIC has one: the VMs' eth0 and the underlay. A veth
	# is noqueue, and a full peer ring then drops (measured, vxbpf 8
	# flows: 8.5% of vm1's frames lost at vm0's ring, 200,000-350,000
	# retransmits a run); with a qdisc the veth stops the queue instead
	# (requeues), as a virtio NIC or a NIC's ring pushes back. What vxbpf
	# redirects in XDP bypasses it, as XDP does on any NIC.
	for ns in "$V1" "$V2"; do
		ip netns exec "$ns" tc qdisc replace dev eth0 root pfifo limit 1000 ||
			die "$k: qdisc eth0"
	done
	for ns in "$A" "$B"; do
		ip netns exec "$ns" tc qdisc replace dev ul0 root pfifo limit 1000 ||
			die "$k: qdisc ul0"
	done
	HOST_PIDS[$k]='' VM_PIDS[$k]='' SEND_PIDS[$k]=''
	if [[ $way == split ]]; then
		for dev in ul0 vm0; do
			NAPI_PIDS=
			napi_thread "$A" $dev "$SEND_CPU"
			SEND_PIDS[$k]+=$NAPI_PIDS
			NAPI_PIDS=
			napi_thread "$B" $dev "$RECV_CPU"
			HOST_PIDS[$k]+=$NAPI_PIDS
		done
		NAPI_PIDS=
		napi_thread "$V1" eth0 "$SEND_CPU"
		SEND_PIDS[$k]+=$NAPI_PIDS
		NAPI_PIDS=
		napi_thread "$V2" eth0 "$RECV_CPU"
		VM_PIDS[$k]=$NAPI_PIDS
	fi
	server "$V2" "$RECV_CPU" iperf3 -s -p 5201
	VM_PIDS[$k]+=$SERVER_PID
	# Until the execs are done, the pid is still taskset's.
	wait_for 3 grep -qx iperf3 /proc/"$SERVER_PID"/comm ||
		die "$k: iperf3 server pid $SERVER_PID is not iperf3"
	server "$V2" "$RECV_CPU" "$VXRR" server -p 5202 -s $RR_SIZE
	ping_retry "$V1" "${DST[$k]}" 5 || die "$k: vm1 cannot reach vm2"
	wait_for 5 sh -c "ip netns exec $V2 ss -Hltn | grep -q ':5201 '" || die "$k: iperf3 server"
}

# stat_all NS: "reason packets" of every non-zero vxbpf reason.
stat_all() { "$VXBPF" -n "$1" -j stats | jq -r '.reasons[] | select(.packets > 0) | "\(.reason) \(.packets)"'; }

# ul_counters NS: "rx_packets rx_bytes tx_packets tx_bytes" of ul0.
ul_counters()
{
	ip -n "$1" -j -s link show ul0 |
		jq -r '.[0].stats64 | "\(.rx.packets) \(.rx.bytes) \(.tx.packets) \(.tx.bytes)"'
}

# drops NS DEV: "rx_dropped tx_dropped" of DEV (a veth counts there what
# did not fit its peer's ring: an XDP redirect has no backpressure).
drops() { ip -n "$1" -j -s link show "$2" | jq -r '.[0].stats64 | "\(.rx.dropped) \(.tx.dropped)"'; }

# snapshot KEY WHEN: underlay, drop and vxbpf counters into
# $VXT_TMP/snap.KEY.WHEN (KEY's slashes as dashes).
snapshot()
{
	local k=$1 f=$VXT_TMP/snap.${1//\//-}.$2
	{
		echo "A_ul $(ul_counters "${NS_A[$k]}")"
		echo "B_ul $(ul_counters "${NS_B[$k]}")"
		echo "vm1/eth0 $(drops "${NS_V1[$k]}" eth0)"
		echo "hostA/vm0 $(drops "${NS_A[$k]}" vm0)"
		echo "hostA/ul0 $(drops "${NS_A[$k]}" ul0)"
		echo "hostB/ul0 $(drops "${NS_B[$k]}" ul0)"
		echo "hostB/vm0 $(drops "${NS_B[$k]}" vm0)"
		echo "vm2/eth0 $(drops "${NS_V2[$k]}" eth0)"
		if [[ $k == vxbpf/* ]]; then
			stat_all "${NS_A[$k]}" | sed 's/^/A_r /'
			stat_all "${NS_B[$k]}" | sed 's/^/B_r /'
		fi
	} >"$f"
}

# tcp CFG FAM WAY FLOWS: one iperf3 run; appends to RAW "tcp/FAM/WAY/FLOWS/CFG
# Gbit/s recv_ns/B host_ns/B all_ns/B retransmits bytes" (recv and host
# n/a in std).
tcp()
{
	local cfg=$1 fam=$2 way=$3 p=$4 k=$1/$2/$3 json h0 h1 v0 v1 s0 s1 k0 k1 x0 x1
	json=$VXT_TMP/iperf.json

	# shellcheck disable=SC2086
	h0=$(cputime ${HOST_PIDS[$k]}) v0=$(cputime ${VM_PIDS[$k]}) s0=$(cputime ${SEND_PIDS[$k]})
	k0=$(cputime "$KSOFT_RECV") x0=$(cputime "$KSOFT_SEND")
	inside "${NS_V1[$k]}" "$SEND_CPU" iperf3 -c "${DST[$k]}" -p 5201 -t "$SECS" -P "$p" -J \
		>"$json" 2>&1 || die "$k: iperf3 -P $p failed: $(jq -r '.error // empty' "$json" 2>/dev/null)"
	# shellcheck disable=SC2086
	h1=$(cputime ${HOST_PIDS[$k]}) v1=$(cputime ${VM_PIDS[$k]}) s1=$(cputime ${SEND_PIDS[$k]})
	k1=$(cputime "$KSOFT_RECV") x1=$(cputime "$KSOFT_SEND")
	jq -r --arg key "tcp/$fam/$way/$p/$cfg" --arg way "$way" \
		--argjson h $((h1 - h0)) --argjson v $((v1 - v0)) --argjson s $((s1 - s0)) \
		--argjson kr $((k1 - k0)) --argjson ks $((x1 - x0)) '
		.end.sum_received.bytes as $b |
		(.end.cpu_utilization_percent.host_total / 100 * .end.sum_sent.seconds * 1e9) as $client |
		[$key, .end.sum_received.bits_per_second / 1e9,
		 (if $way == "split" then ($h + $v + $kr) / $b else "nan" end),
		 (if $way == "split" then $h / $b else "nan" end),
		 ($h + $v + $kr + $s + $ks + $client) / $b,
		 .end.sum_sent.retransmits, $b] | @tsv' "$json" >>"$RAW" || die "$k: iperf3 JSON"
}

# rr CFG FAM WAY: one vxrr run; appends "rr/FAM/WAY/CFG p50 p99 p999 mean" (us).
rr()
{
	local cfg=$1 fam=$2 way=$3 k=$1/$2/$3 out

	# A failed run (a connection reset, 30 s without a reply) is told in
	# the results, not fatal: the other measures of the run still count.
	if ! out=$(inside "${NS_V1[$k]}" "$SEND_CPU" "$VXRR" client -p 5202 -s $RR_SIZE -n "$RR_N" \
		"${DST[$k]}" 2>"$VXT_TMP/rr.err"); then
		log "$k: vxrr failed: $(cat "$VXT_TMP/rr.err")"
		echo "$k: $(cat "$VXT_TMP/rr.err")" >>"$VXT_TMP/rr.failed"
		return 0
	fi
	# shellcheck disable=SC2086
	set -- $out
	printf 'rr/%s/%s/%s\t%s\t%s\t%s\t%s\n' "$fam" "$way" "$cfg" "$6" "${10}" "${12}" "${16}" >>"$RAW"
}

median()
{
	awk -F'\t' -v k="$1" -v c="${2:-2}" '$1 == k { print $c }' "$RAW" | sort -g |
		awk '{ v[NR] = $1 } END { if (!NR) { print "nan"; exit }
			print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ------------------------------------------------------------ run

WAYS=${BENCH_WAYS:-std split}
T0=$SECONDS
log "mode $MODE: configurations $CONFIGS, ways $WAYS, IPv$FAMS underlay, $REPS interleaved" \
	"repetitions, iperf3 ${SECS}s, $RR_N request/responses; sending side CPU $SEND_CPU," \
	"receiving side CPU $RECV_CPU"
for fam in $FAMS; do
	for way in $WAYS; do
		for cfg in $CONFIGS; do
			k=$cfg/$fam/$way
			build "$cfg" "$fam" "$way"
			# Warm-up: one short run, so no configuration meets its
			# first connection (neighbours, caches) in a measurement.
			inside "${NS_V1[$k]}" "$SEND_CPU" iperf3 -c "${DST[$k]}" -p 5201 -t 1 \
				>/dev/null 2>&1 || die "$k: iperf3 warm-up failed"
			snapshot "$k" before
		done
	done
	log "IPv$fam: configurations up"
	for ((r = 1; r <= REPS; r++)); do
		for way in $WAYS; do
			for p in 1 8; do
				for cfg in $CONFIGS; do tcp "$cfg" "$fam" "$way" $p; done
			done
		done
		for cfg in $CONFIGS; do rr "$cfg" "$fam" std; done
		log "IPv$fam: repetition $r of $REPS done ($((SECONDS - T0))s)"
	done
	for way in $WAYS; do
		for cfg in $CONFIGS; do snapshot "$cfg/$fam/$way" after; done
	done
	vxt_cleanup
done

# ------------------------------------------------------------ report

f() { awk -v v="$1" -v d="${2:-2}" 'BEGIN { if (v == "nan" || v == "") print "n/a"; else printf "%.*f", d, v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.2fx", a / b }'; }

# row LABEL KEY COL DECIMALS [nolinux|vxbpfonly]: vxbpf | linux | ratio |
# linuxmtu | ratio, medians of column COL of the RAW rows KEY (CFG
# replaced); nolinux: plain linux n/a, vxbpfonly: both Linux cells n/a
# (not measurable that way, see the top).
row()
{
	local label=$1 key=$2 col=$3 d=$4 x l m
	x=$(median "${key/CFG/vxbpf}" "$col") l=$(median "${key/CFG/linux}" "$col")
	m=$(median "${key/CFG/linuxmtu}" "$col")
	[[ -n ${5:-} ]] && l=nan
	[[ ${5:-} == vxbpfonly ]] && m=nan
	echo "| $label | $(f "$x" "$d") | $(f "$l" "$d") | $(ratio "$x" "$l") | $(f "$m" "$d") | $(ratio "$x" "$m") |"
}

# delta KEY NAME [FIELD]: after - before of a snapshot line's FIELD-th
# number; NAME is the line's first word ("A_ul", "hostB/vm0"), or for a
# vxbpf reason "A_r REASON".
delta()
{
	local f=$VXT_TMP/snap.${1//\//-}
	awk -v n="$2" -v c="${3:-1}" 'FNR == 1 { file++ }
		{ key = $1 ($1 ~ /_r$/ ? " " $2 : ""); off = ($1 ~ /_r$/) ? 2 : 1 }
		key == n { v[file] = $(off + c) }
		END { printf "%.0f\n", v[2] - v[1] }' "$f.before" "$f.after"
}

# carried KEY: one line on what crossed the underlay and where frames were
# dropped, over the whole run of KEY.
carried()
{
	local k=$1 fr by dec enc atx others h r v d rx tx
	fr=$(delta "$k" B_ul 1) by=$(delta "$k" B_ul 2) atx=$(delta "$k" A_ul 3)
	printf -- '- %s: hostB ul0 received %s frames, %s bytes (%s bytes a frame)' \
		"$k" "$fr" "$by" "$(awk -v a="$by" -v b="$fr" 'BEGIN { printf "%.0f", b ? a / b : 0 }')"
	if [[ $k == vxbpf/* ]]; then
		dec=$(delta "$k" "B_r rx_decap") enc=$(delta "$k" "A_r tx_encap")
		printf '; hostB rx_decap %s (%s%% of them); hostA tx_encap %s (hostA ul0 sent %s frames)' \
			"$dec" "$(awk -v a="$dec" -v b="$fr" 'BEGIN { printf "%.2f", b ? 100 * a / b : 0 }')" \
			"$enc" "$atx"
		others=$(for h in A B; do
			awk -v h=$h '$1 == h "_r" { print $2 }' "$VXT_TMP/snap.${k//\//-}.after" |
				while read -r r; do
					[[ $r == rx_decap || $r == tx_encap ]] && continue
					v=$(delta "$k" "${h}_r $r")
					((v > 0)) && printf 'host%s %s %s, ' $h "$r" "$v"
				done
		done)
		printf '; every other vxbpf reason that grew: %s' "${others:-none}"
	fi
	others=$(for d in vm1/eth0 hostA/vm0 hostA/ul0 hostB/ul0 hostB/vm0 vm2/eth0; do
		rx=$(delta "$k" $d 1) tx=$(delta "$k" $d 2)
		((rx > 0)) && printf '%s rx %s, ' $d "$rx"
		((tx > 0)) && printf '%s tx %s, ' $d "$tx"
	done)
	printf '; dropped: %s\n' "${others:-none}"
}

# The comparison means something only if vxbpf's programs carried the
# traffic: every frame hostB's ul0 received decapsulated by xdp_vxlan_rx.
FASTPATH_WARN=
for fam in $FAMS; do
	for way in $WAYS; do
		k=vxbpf/$fam/$way
		[[ " $CONFIGS " == *" vxbpf "* ]] || continue
		fr=$(delta "$k" B_ul 1) dec=$(delta "$k" "B_r rx_decap")
		awk -v a="$dec" -v b="$fr" 'BEGIN { exit !(b > 0 && a / b >= 0.99) }' ||
			FASTPATH_WARN+="$k: rx_decap $dec of $fr frames received; "
	done
done
[[ -n $FASTPATH_WARN ]] && log "WARNING: vxbpf's fast path did not carry the traffic: $FASTPATH_WARN"

CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mkdir -p "$(dirname "$OUT")"
{
	echo "# vxbpf VM to VM: TCP throughput, CPU per GB, request/response latency"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); mode: $MODE ($REPS interleaved repetitions, medians; iperf3 ${SECS} s a run, $RR_N request/responses a run)"
	echo "- kernel: $(uname -r); CPU: $CPU_MODEL, $(nproc) vCPUs (shared with other work)"
	echo "- measured commit: $(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$REPO_ROOT" status --porcelain -- bpf user 2>/dev/null | grep -q . && echo ' with uncommitted changes in bpf/ or user/')"
	echo "- produced by \`scripts/bench-app.sh $MODE\` (\`make bench-app\`, part of \`make bench\`); the method in full is in the script's header"
	if [[ -n $FASTPATH_WARN ]]; then
		echo "- **WARNING: vxbpf's fast path did not carry the traffic, the vxbpf figures are not vxbpf's:** $FASTPATH_WARN"
	else
		echo "- vxbpf's fast path carried the traffic: hostB's rx_decap counted at least 99% of the frames its underlay received in every vxbpf run (see the end)"
	fi
	echo
	echo "Two hosts (namespaces) joined by an underlay veth, a VM (namespace) behind each on a"
	echo "veth port, overlay MTU 1450 (IPv4 underlay) / 1430 (IPv6), vm1 sends to vm2."
	echo "Configurations: **vxbpf** on both hosts; **Linux** vxlan + bridge on both hosts;"
	echo "**Linux, wire frames**: the same Linux hosts with TSO off on ul0, so the underlay"
	echo "carries MTU-sized frames that the receiving host's GRO merges again, as over a"
	echo "physical NIC. In plain Linux a 64 KB TSO frame from the VM crosses both bridges, both"
	echo "vxlan devices and the underlay in one piece (a veth never segments): no host pays"
	echo "anything per wire frame, a best case no wire gives. vxbpf's VMs send MTU-sized frames"
	echo "(a veth whose peer runs XDP loses TSO; the VM's GSO segments). Ratios are vxbpf /"
	echo "Linux: above 1 is better for throughput, below 1 better for CPU and latency."
	echo
	for fam in $FAMS; do
		echo "## IPv$fam underlay"
		echo
		echo "| measure | vxbpf | Linux | vxbpf / Linux | Linux, wire frames | vxbpf / Linux, wire frames |"
		echo "|---|---|---|---|---|---|"
		row "TCP, 1 flow, Gbit/s" "tcp/$fam/std/1/CFG" 2 2
		row "TCP, 8 flows, Gbit/s" "tcp/$fam/std/8/CFG" 2 2
		row "request/response ${RR_SIZE} B, p50 us" "rr/$fam/std/CFG" 2 1
		row "request/response ${RR_SIZE} B, p99 us" "rr/$fam/std/CFG" 3 1
		row "request/response ${RR_SIZE} B, p99.9 us" "rr/$fam/std/CFG" 4 1
		row "CPU s/GB, everything (both hosts and VMs), 1 flow" "tcp/$fam/std/1/CFG" 5 3
		row "CPU s/GB, everything (both hosts and VMs), 8 flows" "tcp/$fam/std/8/CFG" 5 3
		row "TCP retransmits a run, 1 flow" "tcp/$fam/std/1/CFG" 6 0
		row "TCP retransmits a run, 8 flows" "tcp/$fam/std/8/CFG" 6 0
		if [[ " $WAYS " == *" split "* ]]; then
			echo "| *split: receiving side on its own CPU and threads* | | | | | |"
			row "receiving side (host + VM) CPU s/GB, 1 flow" "tcp/$fam/split/1/CFG" 3 3 nolinux
			row "receiving side (host + VM) CPU s/GB, 8 flows" "tcp/$fam/split/8/CFG" 3 3 nolinux
			row "receiving host alone CPU s/GB, 1 flow" "tcp/$fam/split/1/CFG" 4 3 vxbpfonly
			row "receiving host alone CPU s/GB, 8 flows" "tcp/$fam/split/8/CFG" 4 3 vxbpfonly
			row "CPU s/GB, everything, 1 flow" "tcp/$fam/split/1/CFG" 5 3
			row "CPU s/GB, everything, 8 flows" "tcp/$fam/split/8/CFG" 5 3
			row "TCP, 1 flow, Gbit/s" "tcp/$fam/split/1/CFG" 2 2
			row "TCP, 8 flows, Gbit/s" "tcp/$fam/split/8/CFG" 2 2
			row "TCP retransmits a run, 1 flow" "tcp/$fam/split/1/CFG" 6 0
			row "TCP retransmits a run, 8 flows" "tcp/$fam/split/8/CFG" 6 0
		fi
		echo
	done
	echo "## What carried the bytes (whole run, every test, both directions)"
	echo
	for fam in $FAMS; do
		for way in $WAYS; do
			for cfg in $CONFIGS; do carried "$cfg/$fam/$way"; done
		done
	done
	echo
	echo "## Method"
	echo
	echo "- Commands, in the VMs' namespaces, client pinned to CPU $SEND_CPU, server to CPU $RECV_CPU,"
	echo "  nice $NICE: \`iperf3 -s\` in vm2, \`iperf3 -c VM2 -t $SECS -P 1|8 -J\` in vm1;"
	echo "  \`vxrr server -s $RR_SIZE\` in vm2, \`vxrr client -s $RR_SIZE -n $RR_N VM2\` in vm1 (TCP"
	echo "  ping-pong, TCP_NODELAY, one message in flight, 1,000 rounds of warm-up unrecorded)."
	echo "- std: the kernel's default softirq NAPI, what a user gets. GRO on every veth end; a"
	echo "  pfifo qdisc (1,000 packets) on the VMs' eth0 and on ul0, so a full veth ring stops the"
	echo "  queue instead of dropping, as a NIC's ring does (what vxbpf redirects in XDP bypasses it)."
	echo "- split: every veth NAPI threaded, its kthread pinned to its side's CPU, so the receiving"
	echo "  side's work runs in threads of its own. Receiving side = hostB's NAPI kthreads (ul0,"
	echo "  vm0; vxlan100's GRO cells run inside ul0's) + vm2's eth0 NAPI kthread + the iperf3"
	echo "  server + ksoftirqd/$RECV_CPU; receiving host alone = hostB's kthreads, vxbpf only (in"
	echo "  Linux, wire frames, the VM's TCP receive runs in them too: a veth hands a TSO-capable"
	echo "  sender's frames to the backlog, run in the softirq of the kthread that sent them)."
	echo "  Plain Linux is n/a: its receiving host runs inside the sender's softirq whatever the"
	echo "  NAPI mode, for the same reason."
	echo "- CPU time = time on CPU of those threads (/proc/PID/schedstat) over the iperf3 run, per"
	echo "  byte the server received (ns/byte = s/GB); everything = both sides' threads, ksoftirqd"
	echo "  of both CPUs (they serve the whole shared machine: an over-count), and the iperf3"
	echo "  client's getrusage figure. Hypervisor steal counts as CPU time."
	[[ -s $VXT_TMP/rr.failed ]] &&
		echo "- Request/response runs that failed (left out of the medians): $(paste -sd ';' "$VXT_TMP/rr.failed")"
	echo "- Raw samples (tcp key, Gbit/s, receiving-side ns/B, receiving-host ns/B, everything"
	echo "  ns/B, retransmits, bytes | rr key, p50, p99, p99.9, mean us):"
	echo
	echo '```'
	cat "$RAW"
	echo '```'
} >"$OUT"
cat "$OUT"
log "done in $((SECONDS - T0))s: $OUT"
