#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vxbpf benchmark (`make bench`, `make bench-quick` = scripts/bench.sh quick).
#
# Every contender gets the same three namespaces and two veth pairs:
#
#   decap:  gen [g0] ──veth── [ul0] DUT [vm0] ──veth── [eth0] sink
#   encap:  gen [g0] ──veth── [vm0] DUT [ul0] ──veth── [ul0]  sink
#
# gen: bench_gen run by `vxbench gen` with BPF_PROG_RUN live frames as if g0
# received them; XDP_TX puts them into the DUT. sink: bench_sink counts and
# drops in XDP; pps is measured there. DUT, one of
#   vxbpf  vxbpf attach ul0 + port add vm0 (its XDP programs);
#   linux  vxlan100 + br0 (vm0, vxlan100), GRO on the DUT device the
#          generator feeds (a veth needs XDP or GRO to take redirected frames);
#   null   bench_null: XDP redirect ul0 <-> vm0, no VXLAN work (the ceiling).
# Repetitions are interleaved (rep 1 of every contender and size, then rep
# 2, ...) and the medians reported. Results: bench/results.md, bench/results.svg.
#
# CPU placement (method), the same for every contender:
#   split   (the headline numbers) the generator runs pinned to GEN_CPU; the
#           NAPI of the DUT's receiving veth and of the sink's veth are
#           threaded (/sys/class/net/DEV/threaded = 1) and their kthreads
#           (napi/DEV-ID) pinned to DUT_CPU, so the DUT and the sink run on
#           DUT_CPU and the generator's cost is off that CPU. Anything the DUT
#           defers to softirq (Linux's vxlan gro_cells, the bridge's veth
#           xmit) is raised on DUT_CPU too. On a shared machine both sides
#           run at nice BENCH_NICE (default -10): the DUT kthread itself,
#           the generator through this session's autogroup (restored on
#           exit), so other work takes less of the two CPUs.
#   shared  (the previous method, full mode only, for comparison) no threaded
#           NAPI: XDP_TX from the generator schedules the DUT's NAPI as a
#           softirq on the sending CPU, so generator, DUT and sink all share
#           GEN_CPU.
# Every measurement also records each CPU's busy and steal % (/proc/stat)
# over the measured window, to show which CPU was saturated.
#
# Everything lives in namespaces vxb-<pid>-* and pins under
# /sys/fs/bpf/vxbench-<pid>, removed on exit (also on failure or ^C).
set -uo pipefail

MODE=${1:-full}
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VXT_PREFIX=vxb-$$
# shellcheck source=../tests/net/lib.sh
source "$REPO_ROOT/tests/net/lib.sh"
source "$REPO_ROOT/scripts/lib_bench.sh"

BPIN=/sys/fs/bpf/vxbench-$$
AG_NICE0=
bench_exit()
{
	[[ -n $AG_NICE0 ]] && echo "$AG_NICE0" >/proc/self/autogroup 2>/dev/null
	vxt_cleanup
	rm -rf "$BPIN"
	[[ -n ${VXT_TMP:-} ]] && rm -rf "$VXT_TMP"
}
trap bench_exit EXIT

die() { echo "bench: $*" >&2; exit 1; }

require_root
require_cmd ip bridge jq ethtool awk
[[ -x $REPO_ROOT/build/vxbpf && -x $REPO_ROOT/build/vxbench ]] ||
	die "build first: make build/vxbpf build/vxbench (make bench does)"
# Private copies: a rebuild in the tree during the run cannot swap them.
mkdir -p "$VXT_TMP/bin" "$BPIN"
cp "$REPO_ROOT/build/vxbpf" "$REPO_ROOT/build/vxbench" "$VXT_TMP/bin/"
VXBPF=$VXT_TMP/bin/vxbpf
VXBENCH=$VXT_TMP/bin/vxbench

case $MODE in
quick) REPS=5 SECS=0.4 SIZES="64 1400" FAMS="4 6" SWEEPS=0 CP_N=100000 METHODS=split ;;
full) REPS=5 SECS=1 SIZES="64 512 1400" FAMS="4 6" SWEEPS=1 CP_N=100000 METHODS="split shared" ;;
*) die "usage: bench.sh [full|quick]" ;;
esac
SIZES=${BENCH_SIZES:-$SIZES} FAMS=${BENCH_FAMS:-$FAMS} REPS=${BENCH_REPS:-$REPS}
DIRS=${BENCH_DIRS:-decap encap}
METHODS=${BENCH_METHODS:-$METHODS}
# Method shared only at the smallest and the largest size (time).
SHARED_SIZES=${BENCH_SHARED_SIZES:-$(echo $SIZES | awk '{ print $1 (NF > 1 ? " " $NF : "") }')}
SWEEPS=${BENCH_SWEEPS:-$SWEEPS}
CP=${BENCH_CP:-1}	   # 0: skip the control-plane measurements
GEN_CPU=${BENCH_CPU:-1}	   # the generator's CPU (and, method shared, everyone's)
DUT_CPU=${BENCH_DUT_CPU:-0} # method split: the DUT's and the sink's NAPI kthreads
NICE=${BENCH_NICE:--10}
if [[ $NICE != 0 && -w /proc/self/autogroup ]]; then
	AG_NICE0=$(awk '{ print $NF }' /proc/self/autogroup)
	echo "$NICE" >/proc/self/autogroup || AG_NICE0=
fi
((GEN_CPU != DUT_CPU)) || die "BENCH_CPU and BENCH_DUT_CPU must differ"
[[ -d /sys/devices/system/cpu/cpu$GEN_CPU && -d /sys/devices/system/cpu/cpu$DUT_CPU ]] ||
	die "need CPUs $GEN_CPU and $DUT_CPU"
FLOWS=${BENCH_FLOWS:-1024} # inner flows (source IP and port) cycled by the generator
BATCH=${BENCH_BATCH:-64}   # frames per BPF_PROG_RUN batch (the live-frames page pool's size)
OUT_DIR=${BENCH_OUT:-$REPO_ROOT/bench}
RAW=$VXT_TMP/raw.tsv
: >"$RAW"

DUT_MAC=02:00:00:00:01:01  # DUT ul0
PEER_MAC=02:00:00:00:02:01 # generator g0 (decap) / sink ul0 (encap)
VM_BASE=02:be:00:00:00:00  # inner destination MACs: VM_BASE + index
SRC_MAC=02:ee:00:00:00:01  # inner source MAC
CONTENDERS="vxbpf linux null"

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

# mac_n N: VM_BASE + N as a MAC.
mac_n() { printf '02:be:00:%02x:%02x:%02x' $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }

fam_addrs()
{
	if [[ $1 == 4 ]]; then LA=$UL4_A LB=$UL4_B PLEN=24; else LA=$UL6_A LB=$UL6_B PLEN=64; fi
}

# vxbpf_load NS FILE: apply a command file, die on failure.
vx_load()
{
	"$VXBPF" -n "$1" load "$2" >/dev/null || die "vxbpf load $2 in $1 failed"
}

declare -A TAG_PIDS # tag -> DUT_CPU threads whose CPU time is the DUT's (split)
KSOFTIRQD=$(pgrep -x "ksoftirqd/$DUT_CPU") || die "no ksoftirqd/$DUT_CPU"

# napi_split NS DEV: threaded NAPI for DEV in NS, its kthread on DUT_CPU.
napi_split() { napi_thread "$1" "$2" "$DUT_CPU" ,; }

# pipes TAG DIR FAM: the three namespaces and two veth pairs of the top,
# the sink attached, the DUT's devices up (sets g d s).
pipes()
{
	local tag=$1 dir=$2 fam=$3

	fam_addrs "$fam"
	ns_add "$tag-g" && ns_add "$tag-d" && ns_add "$tag-s" || die "ns_add $tag"
	g=$(ns_name "$tag-g") d=$(ns_name "$tag-d") s=$(ns_name "$tag-s")
	if [[ $dir == decap ]]; then
		veth_add "$g" g0 "$d" ul0 && veth_add "$d" vm0 "$s" eth0 || die "veth $tag"
		ip -n "$g" link set g0 address $PEER_MAC up
		ip -n "$s" link set eth0 up
		"$VXBENCH" attach "$s" eth0 sink "$BPIN/$tag-sink" || die "sink $tag"
	else
		veth_add "$g" g0 "$d" vm0 && veth_add "$d" ul0 "$s" ul0 || die "veth $tag"
		ip -n "$g" link set g0 up
		ip -n "$s" link set ul0 address $PEER_MAC up
		"$VXBENCH" attach "$s" ul0 sink "$BPIN/$tag-sink" || die "sink $tag"
	fi
	ip -n "$d" link set ul0 address $DUT_MAC up
	ip -n "$d" addr add "$LA/$PLEN" dev ul0 nodad 2>/dev/null || ip -n "$d" addr add "$LA/$PLEN" dev ul0
	ip -n "$d" link set vm0 up
}

# topo TAG DIR FAM CONT [MACS] [VNIS] [METHOD]: build one contender's
# namespaces; METHOD split (default) or shared (see the top).
topo()
{
	local tag=$1 dir=$2 fam=$3 cont=$4 macs=${5:-1} vnis=${6:-1} method=${7:-split}
	local g d s f i v

	pipes "$tag" "$dir" "$fam"
	case $cont in
	null)
		if [[ $dir == decap ]]; then
			"$VXBENCH" attach "$d" ul0 null "$BPIN/$tag-null" vm0
		else
			"$VXBENCH" attach "$d" vm0 null "$BPIN/$tag-null" ul0
		fi || die "null $tag"
		;;
	linux)
		ip -n "$d" link add vxlan$VNI type vxlan id $VNI local "$LA" dstport 4789 nolearning ||
			die "vxlan $tag"
		ip -n "$d" link add br0 type bridge || die "bridge $tag"
		ip -n "$d" link set vxlan$VNI master br0 && ip -n "$d" link set vm0 master br0 || die "br $tag"
		ip -n "$d" link set vxlan$VNI up && ip -n "$d" link set br0 up
		if [[ $dir == decap ]]; then
			bridge -n "$d" fdb add "$(mac_n 0)" dev vm0 master static
			ip netns exec "$d" ethtool -K ul0 gro on >/dev/null
		else
			bridge -n "$d" fdb append "$(mac_n 0)" dev vxlan$VNI dst "$LB"
			bridge -n "$d" fdb add "$(mac_n 0)" dev vxlan$VNI master static
			ip netns exec "$d" ethtool -K vm0 gro on >/dev/null
		fi
		;;
	vxbpf)
		f=$VXT_TMP/$tag.conf
		for ((v = VNI; v < VNI + vnis; v++)); do
			echo "vni add $v local $LA"
		done >"$f.vni"
		vx_load "$d" "$f.vni"
		"$VXBPF" -n "$d" port add vm0 vni $VNI >/dev/null 2>&1 || die "port add $tag"
		# The remote VTEP (decap: a known sender, the allow-list) or the
		# local VM (encap), then macs destination MACs, in the port's VNI
		# (a port belongs to one VNI; the others are only configured).
		awk -v n="$macs" -v vn=$VNI -v vc="$vnis" -v dir="$dir" -v lb="$LB" -v src=$SRC_MAC 'BEGIN {
			for (v = vn; v < vn + 1; v++) {
				printf "fdb add %s vni %d %s\n", src, v, dir == "decap" ? "dst " lb : "dev vm0"
				for (i = 0; i < n; i++)
					printf "fdb add 02:be:00:%02x:%02x:%02x vni %d %s\n",
						int(i / 65536) % 256, int(i / 256) % 256, i % 256, v,
						dir == "decap" ? "dev vm0" : "dst " lb
			}
		}' >"$f"
		vx_load "$d" "$f"
		# The underlay device: decap runs there, and encap only takes
		# routes via an attached device (else tx_not_underlay, passed).
		"$VXBPF" -n "$d" attach ul0 >/dev/null 2>&1 || die "attach $tag"
		;;
	esac
	# The outer neighbour, static (nobody answers ARP/ND here). Added last
	# since the benchmark began: before 1d91fc3, the NTF_USE request that
	# `vxbpf fdb add ... dst` sends (user/resolve.c) turned an existing
	# PERMANENT entry into INCOMPLETE; resolve.c now leaves a usable or
	# pinned neighbour alone, so the order no longer matters, and last
	# still works with older builds.
	ip -n "$d" neigh replace "$LB" lladdr $PEER_MAC dev ul0 nud permanent || die "neigh $tag"
	if [[ $method == split ]]; then
		NAPI_PIDS=
		# Only the DUT's receiving veth: the sink's NAPI (and Linux's
		# gro_cells) stay softirq NAPIs, scheduled by the DUT's xmit
		# on DUT_CPU and run at the end of each DUT poll (budget 64)
		# in the same kthread, or in ksoftirqd/DUT_CPU (which also
		# serves anything else on that CPU) when there is much of it.
		# A threaded sink would be a second kthread on the same CPU
		# that the scheduler runs too late: the DUT overflows the
		# sink's 256-frame ring (seen: half of vxbpf's frames lost).
		napi_split "$d" "$([[ $dir == decap ]] && echo ul0 || echo vm0)"
		TAG_PIDS[$tag]=$NAPI_PIDS$KSOFTIRQD
	fi
}

# topo_flood TAG FAM CONT K: the encap topology, the VM's frames broadcast
# and the VNI's flood list K VTEPs, all behind the sink (static
# neighbours): every copy reaches the sink. CONT vxbpf (replicated in TC)
# or linux (bridge + vxlan device). Method split.
topo_flood()
{
	local tag=$1 fam=$2 cont=$3 k=$4 g d s i vtep

	pipes "$tag" encap "$fam"
	if [[ $cont == linux ]]; then
		ip -n "$d" link add vxlan$VNI type vxlan id $VNI local "$LA" dstport 4789 nolearning ||
			die "vxlan $tag"
		ip -n "$d" link add br0 type bridge || die "bridge $tag"
		ip -n "$d" link set vxlan$VNI master br0 && ip -n "$d" link set vm0 master br0 || die "br $tag"
		ip -n "$d" link set vxlan$VNI up && ip -n "$d" link set br0 up
		ip netns exec "$d" ethtool -K vm0 gro on >/dev/null
	else
		"$VXBPF" -n "$d" vni add $VNI local "$LA" >/dev/null || die "vni add $tag"
		"$VXBPF" -n "$d" port add vm0 vni $VNI >/dev/null 2>&1 || die "port add $tag"
	fi
	for ((i = 0; i < k; i++)); do
		if [[ $fam == 4 ]]; then vtep=192.0.2.$((10 + i)); else vtep=2001:db8::$((10 + i)); fi
		ip -n "$d" neigh replace "$vtep" lladdr $PEER_MAC dev ul0 nud permanent || die "neigh $tag"
		if [[ $cont == linux ]]; then
			bridge -n "$d" fdb append 00:00:00:00:00:00 dev vxlan$VNI dst "$vtep" || die "fdb $tag"
		else
			"$VXBPF" -n "$d" fdb append 00:00:00:00:00:00 vni $VNI dst "$vtep" >/dev/null ||
				die "fdb $tag"
		fi
	done
	[[ $cont == vxbpf ]] && { "$VXBPF" -n "$d" attach ul0 >/dev/null 2>&1 || die "attach $tag"; }
	NAPI_PIDS=
	napi_split "$d" vm0
	TAG_PIDS[$tag]=$NAPI_PIDS$KSOFTIRQD
}

# gen_args TAG DIR FAM: the generator options for a topology.
gen_args()
{
	local tag=$1 dir=$2 fam=$3

	fam_addrs "$fam"
	if [[ $dir == decap ]]; then
		echo "--mode decap --omac-dst $DUT_MAC --omac-src $PEER_MAC --osrc $LB --odst $LA" \
			"--imac-dst $VM_BASE --imac-src $SRC_MAC"
	else
		echo "--mode encap --imac-dst $VM_BASE --imac-src $SRC_MAC"
	fi
}

# measure KEY TAG DIR FAM SIZE [extra gen options]: one run; appends
# "KEY sink_mpps gen_mpps dut_ns gen_ns busy% steal% (of every CPU)" to RAW:
# dut_ns = CPU time of the tag's DUT_CPU threads per packet at the sink
# (split only; 0 for shared), gen_ns = the generator's CPU time per packet
# it sent (shared: includes the DUT and the sink, run in its softirqs).
measure()
{
	local key=$1 tag=$2 dir=$3 fam=$4 size=$5
	shift 5
	local out

	# shellcheck disable=SC2046
	out=$("$VXBENCH" gen "$(ns_name "$tag-g")" g0 $(gen_args "$tag" "$dir" "$fam") \
		--size "$size" --flows "$FLOWS" --seconds "$SECS" --cpu "$GEN_CPU" --batch "$BATCH" \
		--sink "$BPIN/$tag-sink" ${TAG_PIDS[$tag]:+--pids ${TAG_PIDS[$tag]}} "$@") ||
		die "generator failed ($key)"
	set -- $out
	local a=$1 b=$2
	shift 2
	printf '%s\t%s\t%s' "$key" "$b" "$a" >>"$RAW"
	printf '\t%s' "$@" >>"$RAW"
	printf '\n' >>"$RAW"
}

# median KEY [column]: median of the RAW rows of KEY (column 2 = sink Mpps).
median()
{
	awk -F'\t' -v k="$1" -v c="${2:-2}" '$1 == k { print $c }' "$RAW" | sort -g |
		awk '{ v[NR] = $1 } END { if (!NR) { print "nan"; exit }
			print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# medianx KEY EXPR: median of an awk expression over the RAW rows of KEY.
medianx()
{
	awk -F'\t' -v k="$1" '$1 == k { print '"$2"' }' "$RAW" | sort -g |
		awk '{ v[NR] = $1 } END { if (!NR) { print "nan"; exit }
			print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }

prog_id() { ip -n "$1" -j -d link show "$2" | jq -r '.[0].xdp.prog.id // empty'; }

stat_reason()
{
	"$VXBPF" -n "$1" -j stats | jq -r --arg r "$2" '[.reasons[] | select(.reason == $r) | .packets] | add // 0'
}

# ------------------------------------------------------------ data path

# BENCH_LIB=1: sourced for experiments (the functions above, no runs).
[[ ${BENCH_LIB:-0} == 1 ]] && return 0

T_START=$SECONDS
log "mode $MODE: $REPS interleaved repetitions of ${SECS}s, sizes $SIZES, IPv$FAMS underlay, $FLOWS flows," \
	"methods $METHODS (generator CPU $GEN_CPU, split DUT+sink CPU $DUT_CPU)"
# Raw keys: DIR/FAM/SIZE/CONTENDER for method split, shared:DIR/... for shared.
mkey() { [[ $1 == split ]] && echo "$2" || echo "$1:$2"; }
mtag() { [[ $1 == split ]] && echo "$2" || echo "$2-sh"; }
for dir in $DIRS; do
	for fam in $FAMS; do
		for m in $METHODS; do
			for c in $CONTENDERS; do topo "$(mtag $m "$dir$fam-$c")" $dir $fam $c 1 1 $m; done
		done
		log "$dir IPv$fam: topologies up"
		for ((r = 1; r <= REPS; r++)); do
			for size in $SIZES; do
				for m in $METHODS; do
					[[ $m == shared && " $SHARED_SIZES " != *" $size "* ]] && continue
					for c in $CONTENDERS; do
						measure "$(mkey $m "$dir/$fam/$size/$c")" "$(mtag $m "$dir$fam-$c")" $dir $fam $size
					done
				done
			done
		done
		# Per-packet program cost, BPF_PROG_RUN repeat (not live), on
		# the vxbpf DUT while no traffic flows.
		d=$(ns_name "$dir$fam-vxbpf-d")
		if [[ $dir == decap ]]; then
			dev=ul0 reason=rx_decap delta=$((fam == 4 ? 50 : 70))
		else
			dev=vm0 reason=tx_encap delta=$((fam == 4 ? -50 : -70))
		fi
		id=$(prog_id "$d" $dev)
		for ((r = 1; r <= REPS; r++)); do
			for size in $SIZES; do
				before=$(stat_reason "$d" $reason)
				# shellcheck disable=SC2046
				out=$("$VXBENCH" cost "$d" $dev --prog-id "$id" --delta $delta --size "$size" \
					--cpu "$GEN_CPU" $(gen_args "$dir$fam-vxbpf" $dir $fam)) || die "cost $dir $fam $size"
				after=$(stat_reason "$d" $reason)
				set -- $out
				# Every one of the 1,000,000 repetitions must have taken
				# the full path (reason counter), else the number is void.
				ok=$(((after - before) == 1000000 ? 1 : 0))
				printf 'cost/%s/%s/%s\t%s\t%s\t%s\t%s\n' $dir $fam "$size" "$1" "$2" "$3" $ok >>"$RAW"
			done
		done
		log "$dir IPv$fam: done ($((SECONDS - T_START))s)"
		vxt_cleanup
	done
done

# ------------------------------------------------------------ sweeps

if ((SWEEPS)); then
	log "sweep: FDB 10 vs 1,000,000 entries, VNIs configured 1 vs 4096 (vxbpf, IPv4, 64 bytes)"
	topo f10-decap decap 4 vxbpf 10
	topo f1m-decap decap 4 vxbpf 1000000
	topo f10-encap encap 4 vxbpf 10
	topo f1m-encap encap 4 vxbpf 1000000
	topo v1 decap 4 vxbpf 1 1
	topo v4k decap 4 vxbpf 1 4096
	log "sweep topologies up ($((SECONDS - T_START))s)"
	for ((r = 1; r <= REPS; r++)); do
		measure sweep/fdb/decap/10 f10-decap decap 4 64 --macs 10
		measure sweep/fdb/decap/1000000 f1m-decap decap 4 64 --macs 1000000
		# The same 1,000,000-entry table, traffic to 4,096 / 256 of its
		# MACs: what a large table costs the active entries.
		measure sweep/fdb/decap/1000000-hot f1m-decap decap 4 64 --macs 4096
		measure sweep/fdb/decap/1000000-hot256 f1m-decap decap 4 64 --macs 256
		measure sweep/fdb/encap/10 f10-encap encap 4 64 --macs 10
		measure sweep/fdb/encap/1000000 f1m-encap encap 4 64 --macs 1000000
		measure sweep/fdb/encap/1000000-hot f1m-encap encap 4 64 --macs 4096
		measure sweep/fdb/encap/1000000-hot256 f1m-encap encap 4 64 --macs 256
		measure sweep/vni/decap/1 v1 decap 4 64 --vnis 1
		measure sweep/vni/decap/4096 v4k decap 4 64 --vnis 1
	done
	vxt_cleanup
fi

# ------------------------------------------------------------ flooding

# Broadcast from a VM, replicated to K VTEPs: copies per second at the
# sink, and the DUT CPU time per copy, vxbpf (TC clones) against Linux
# (bridge + vxlan device), next to unicast encapsulation (the table above).
FLOOD_KS=${BENCH_FLOOD:-$([[ $MODE == quick ]] && echo "1 8" || echo "1 4 16")}
if [[ $FLOOD_KS != none ]]; then
	log "flooding: broadcast to $FLOOD_KS VTEPs (IPv4, 64 bytes)"
	for k in $FLOOD_KS; do
		for c in vxbpf linux; do topo_flood "fl$k-$c" 4 $c "$k"; done
	done
	for ((r = 1; r <= REPS; r++)); do
		for k in $FLOOD_KS; do
			for c in vxbpf linux; do
				measure "flood/$k/$c" "fl$k-$c" encap 4 64 --imac-dst ff:ff:ff:ff:ff:ff
			done
		done
	done
	# Every copy is accounted for: vxbpf counted K copies per frame.
	for k in $FLOOD_KS; do
		d=$(ns_name "fl$k-vxbpf-d")
		printf 'flood/%s/check	%s	%s
' "$k" "$(stat_reason "$d" tx_copy_vtep)" \
			"$(stat_reason "$d" tx_bum)" >>"$RAW"
	done
	vxt_cleanup
	log "flooding done ($((SECONDS - T_START))s)"
fi

# ------------------------------------------------------------ control plane

# memlock NS MAP: bytes the kernel charges for a pinned vxbpf map.
memlock()
{
	local ino
	ino=$(stat -L -c %i "/var/run/netns/$1")
	bpftool -j map show pinned "$PIN_ROOT/$ino/$2" | jq -r '.bytes_memlock'
}

cp_file()
{
	local n=$1
	echo "vni add $VNI local $UL4_A"
	awk -v n="$n" 'BEGIN {
		for (i = 0; i < n; i++) {
			mac = sprintf("02:cc:00:%02x:%02x:%02x", int(i / 65536) % 256, int(i / 256) % 256, i % 256)
			printf "fdb add %s vni 100 dst 192.0.2.%d\n", mac, 2 + i % 200
			printf "neigh add 10.%d.%d.%d lladdr %s vni 100\n", int(i / 65536) % 256, int(i / 256) % 256, i % 256, mac
		}
	}'
}

MIRROR=skipped
if ((CP)); then
	log "control plane: vxbpf load of $CP_N fdb + $CP_N neigh entries"
	cp_file "$CP_N" >"$VXT_TMP/cp.conf"
	for ((r = 1; r <= REPS; r++)); do
		ns_add cp$r || die "ns cp$r"
		d=$(ns_name cp$r)
		ip -n "$d" link add cp0 type veth peer name cp1
		ip -n "$d" addr add $UL4_A/24 dev cp0
		ip -n "$d" link set cp0 up && ip -n "$d" link set cp1 up
		"$VXBPF" -n "$d" vni add 1 local $UL4_A >/dev/null || die "vni add in $d"
		f0=$(memlock "$d" fdb) n0=$(memlock "$d" neigh)
		t0=$(date +%s.%N)
		"$VXBPF" -n "$d" load "$VXT_TMP/cp.conf" >/dev/null 2>&1 || die "vxbpf load of $CP_N+$CP_N failed"
		t1=$(date +%s.%N)
		f1=$(memlock "$d" fdb) n1=$(memlock "$d" neigh)
		printf 'cp/load\t%s\n' "$(calc "$t1 - $t0")" >>"$RAW"
		printf 'cp/mem/fdb\t%s\n' "$(calc "($f1 - $f0) / $CP_N")" >>"$RAW"
		printf 'cp/mem/neigh\t%s\n' "$(calc "($n1 - $n0) / $CP_N")" >>"$RAW"
		vxt_cleanup
	done

	# mirror: `vxbpf mirror DEV --once` copies a kernel vxlan device's FDB.
	MIRROR=pending
	ns_add mprobe || die "ns mprobe"
	if "$VXBPF" -n "$(ns_name mprobe)" mirror --once >/dev/null 2>"$VXT_TMP/mirror.err" ||
		! grep -qi 'unknown command' "$VXT_TMP/mirror.err"; then
		MIRROR=yes
	fi
	vxt_cleanup
	if [[ $MIRROR == yes ]]; then
		log "control plane: vxbpf mirror --once of $CP_N kernel FDB entries"
		awk -v n="$CP_N" 'BEGIN { for (i = 0; i < n; i++)
			printf "fdb append 02:cd:00:%02x:%02x:%02x dev vxlan100 dst 192.0.2.%d\n",
				int(i / 65536) % 256, int(i / 256) % 256, i % 256, 2 + i % 200 }' >"$VXT_TMP/mirror.batch"
		for ((r = 1; r <= REPS; r++)); do
			ns_add mi$r || die "ns mi$r"
			d=$(ns_name mi$r)
			ip -n "$d" link add cp0 type veth peer name cp1
			ip -n "$d" addr add $UL4_A/24 dev cp0
			ip -n "$d" link set cp0 up && ip -n "$d" link set cp1 up
			ip -n "$d" link add vxlan100 type vxlan id 100 local $UL4_A dstport 4789 nolearning
			ip -n "$d" link set vxlan100 up
			bridge -n "$d" -batch "$VXT_TMP/mirror.batch" || die "bridge fdb batch failed"
			t0=$(date +%s.%N)
			"$VXBPF" -n "$d" mirror vxlan100 --once >"$VXT_TMP/mirror.out" 2>&1 ||
				{ MIRROR="failed: $(head -c 200 "$VXT_TMP/mirror.out" | tr '\n' ' ')"; vxt_cleanup; break; }
			t1=$(date +%s.%N)
			got=$("$VXBPF" -n "$d" -j fdb show 2>/dev/null | jq 'length' 2>/dev/null || echo 0)
			printf 'cp/mirror\t%s\t%s\n' "$(calc "$t1 - $t0")" "$got" >>"$RAW"
			vxt_cleanup
		done
	fi
fi

log "measurements done ($((SECONDS - T_START))s); writing $OUT_DIR"

# ------------------------------------------------------------ report

mkdir -p "$OUT_DIR"
MD=$OUT_DIR/results.md
DAT=$VXT_TMP/chart.dat
CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
f2() { awk -v v="$1" 'BEGIN { if (v == "nan" || v == "") print "n/a"; else printf "%.2f", v }'; }
f1() { awk -v v="$1" 'BEGIN { if (v == "nan" || v == "") print "n/a"; else printf "%.1f", v }'; }
div() { awk -v a="$1" -v b="$2" -v m="${3:-1}" 'BEGIN { if (b + 0 == 0 || a == "nan") print "nan"; else print a / b * m }'; }

declare -A HEAD COST
{
	echo "# vxbpf benchmark results"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); mode: $MODE ($REPS interleaved repetitions of ${SECS} s, medians)"
	echo "- kernel: $(uname -r); CPU: $CPU_MODEL, $(nproc) vCPUs (shared with other work)"
	echo "- method split (headline): generator pinned to CPU $GEN_CPU; the DUT's receiving veth NAPI threaded, its kthread pinned to CPU $DUT_CPU; the sink's NAPI runs in softirq on CPU $DUT_CPU after each DUT poll; DUT kthread and generator at nice $NICE"
	[[ $METHODS == *shared* ]] && echo "- method shared (the previous method, for comparison): no threaded NAPI; generator, DUT and sink all on CPU $GEN_CPU"
	echo "- measured commit: $(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$REPO_ROOT" status --porcelain -- bpf 2>/dev/null | grep -q . && echo ' with uncommitted changes in bpf/')"
	echo "- traffic: inner Ethernet/IPv4/UDP, $FLOWS inner flows; frame = inner Ethernet frame without FCS"
	echo "- produced by \`scripts/bench.sh $MODE\` (\`make bench\`); the method is described in [README.md](README.md) and scripts/bench.sh"
	echo
	echo "## Data path, method split: generator on CPU $GEN_CPU, DUT + sink on CPU $DUT_CPU"
	echo
	echo "| path | underlay | frame | vxbpf Mpps | Linux Mpps | null Mpps | vxbpf / Linux | vxbpf % of null | DUT-CPU ns/pkt vxbpf / Linux / null | vxbpf / Linux (CPU) | vxbpf % of null (CPU) | DUT-CPU busy % vxbpf / Linux / null | offered Mpps vxbpf / Linux / null | vxbpf program ns/pkt (BPF_PROG_RUN) |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	: >"$DAT"
	for dir in $DIRS; do
		for fam in $FAMS; do
			for size in $SIZES; do
				k=$dir/$fam/$size
				x=$(median "$k/vxbpf") l=$(median "$k/linux") n=$(median "$k/null")
				cx=$(median "$k/vxbpf" 4) cl=$(median "$k/linux" 4) cn=$(median "$k/null" 4)
				ux=$(medianx "$k/vxbpf" '$2 * $4 / 10') ul=$(medianx "$k/linux" '$2 * $4 / 10') un=$(medianx "$k/null" '$2 * $4 / 10')
				gx=$(median "$k/vxbpf" 3) gl=$(median "$k/linux" 3) gn=$(median "$k/null" 3)
				cost=$(median "cost/$k" 4)
				okc=$(awk -F'\t' -v k="cost/$k" '$1 == k && $5 != 1 { bad = 1 } END { print bad ? "void" : "ok" }' "$RAW")
				[[ $okc == ok ]] || cost=nan
				COST[$k]=$cost
				ratio=$(div "$x" "$l") pct=$(div "$x" "$n" 100)
				cratio=$(div "$cl" "$cx") cpct=$(div "$cn" "$cx" 100)
				HEAD[$k]="$ratio $pct $x $cratio $cpct $cx"
				echo "| $dir | IPv$fam | $size | $(f2 "$x") | $(f2 "$l") | $(f2 "$n") | $(f1 "$ratio")x | $(f1 "$pct")% |" \
					"$(f1 "$cx") / $(f1 "$cl") / $(f1 "$cn") | $(f1 "$cratio")x | $(f1 "$cpct")% |" \
					"$(printf '%.0f' "$ux") / $(printf '%.0f' "$ul") / $(printf '%.0f' "$un") |" \
					"$(f2 "$gx") / $(f2 "$gl") / $(f2 "$gn") | $(f1 "$cost") |"
				echo "\"$dir v$fam $size\" $x $l $n" >>"$DAT"
			done
		done
	done
	echo
	echo "- Mpps: medians at the sink (XDP counter). offered: what the generator sent; the"
	echo "  difference was dropped at the DUT's full receive ring, i.e. the DUT CPU was the limit."
	echo "- DUT-CPU ns/pkt: CPU time of the DUT's NAPI kthread (the DUT, then the sink in the"
	echo "  softirq it raises) + ksoftirqd/$DUT_CPU, over the measured window, per packet at the"
	echo "  sink (/proc/PID/schedstat). Independent of how much of CPU $DUT_CPU other work took;"
	echo "  (CPU) ratios compare these costs: Linux ns / vxbpf ns, null ns / vxbpf ns."
	echo "- DUT-CPU busy %: that CPU time / the window. Below ~90% the DUT was not saturated"
	echo "  (other work on CPU $DUT_CPU, or the generator was the limit), and then the Mpps"
	echo "  ratios understate the gap, the (CPU) ratios do not."
	echo "- program ns/pkt: the attached vxbpf program alone, \`BPF_PROG_RUN\` repeat 1,000,000"
	echo "  (not live) through the bench_cost harness, minus the harness alone; every repetition"
	echo "  verified by the rx_decap/tx_encap counter (raw rows: prog, harness, difference, verified)."
	if [[ $METHODS == *shared* ]]; then
		echo
		echo "## Data path, method shared (previous method): generator, DUT and sink all on CPU $GEN_CPU"
		echo
		echo "| path | underlay | frame | vxbpf Mpps | Linux Mpps | null Mpps | vxbpf / Linux | vxbpf % of null | pipeline CPU ns/pkt vxbpf / Linux / null | DUT ns/pkt vxbpf / Linux (pipeline - null) | DUT vxbpf / Linux |"
		echo "|---|---|---|---|---|---|---|---|---|---|---|"
		for dir in $DIRS; do
			for fam in $FAMS; do
				for size in $SHARED_SIZES; do
					k=shared:$dir/$fam/$size
					x=$(median "$k/vxbpf") l=$(median "$k/linux") n=$(median "$k/null")
					cx=$(median "$k/vxbpf" 5) cl=$(median "$k/linux" 5) cn=$(median "$k/null" 5)
					dx=$(calc "$cx - $cn") dl=$(calc "$cl - $cn")
					echo "| $dir | IPv$fam | $size | $(f2 "$x") | $(f2 "$l") | $(f2 "$n") | $(f1 "$(div "$x" "$l")")x |" \
						"$(f1 "$(div "$x" "$n" 100)")% | $(f1 "$cx") / $(f1 "$cl") / $(f1 "$cn") |" \
						"$(f1 "$dx") / $(f1 "$dl") | $(f1 "$(div "$dl" "$dx")")x |"
				done
			done
		done
		echo
		echo "- pipeline CPU ns/pkt: the generator process's CPU time per packet; the DUT and the sink"
		echo "  run in its softirqs, so it is the whole pipeline. The null pipeline is the fixed cost"
		echo "  (generator + XDP redirect + sink) every contender pays here, which caps any ratio to"
		echo "  Linux end to end; DUT ns subtracts it."
	fi
	if ((SWEEPS)); then
		echo
		echo "## Table size (vxbpf, IPv4, 64 bytes)"
		echo
		echo "Method split. (CPU): the same ratio from DUT-CPU ns/pkt (small ns / large ns)."
		echo
		echo "| sweep | path | small | Mpps | DUT-CPU ns/pkt | large | Mpps | DUT-CPU ns/pkt | large / small | large / small (CPU) |"
		echo "|---|---|---|---|---|---|---|---|---|---|"
		sweep_row()
		{
			local a b ca cb
			a=$(median "$3") b=$(median "$5") ca=$(median "$3" 4) cb=$(median "$5" 4)
			echo "| $1 | $2 | $4 | $(f2 "$a") | $(f1 "$ca") | $6 | $(f2 "$b") | $(f1 "$cb") |" \
				"$(f1 "$(div "$b" "$a" 100)")% | $(f1 "$(div "$ca" "$cb" 100)")% |"
		}
		for dir in decap encap; do
			sweep_row "FDB entries (traffic to all of them)" $dir sweep/fdb/$dir/10 10 sweep/fdb/$dir/1000000 1,000,000
			sweep_row "FDB entries (traffic to 4,096 of them)" $dir sweep/fdb/$dir/10 10 sweep/fdb/$dir/1000000-hot 1,000,000
			sweep_row "FDB entries (traffic to 256 of them)" $dir sweep/fdb/$dir/10 10 sweep/fdb/$dir/1000000-hot256 1,000,000
		done
		sweep_row "VNIs configured (traffic to one: a port belongs to one VNI)" decap sweep/vni/decap/1 1 sweep/vni/decap/4096 4,096
	fi
	if [[ $FLOOD_KS != none ]]; then
		echo
		echo "## Flooding: a broadcast from a VM to K VTEPs (IPv4, 64 bytes, method split)"
		echo
		echo "vxbpf replicates in TC (tc_port_rx: one clone per copy, the last copy the original"
		echo "skb, encapsulated in BPF); Linux in the bridge and the vxlan device. Mpps: copies per"
		echo "second at the sink; ns/copy: DUT-CPU time per copy at the sink. Unicast: the encap"
		echo "IPv4 64-byte row above (XDP, one frame, one copy)."
		echo
		echo "| K VTEPs | vxbpf copies Mpps | Linux copies Mpps | vxbpf / Linux | vxbpf ns/copy | Linux ns/copy | vxbpf unicast ns/pkt | copies counted / frames (vxbpf) |"
		echo "|---|---|---|---|---|---|---|---|"
		for k in $FLOOD_KS; do
			x=$(median "flood/$k/vxbpf") l=$(median "flood/$k/linux")
			cx=$(median "flood/$k/vxbpf" 4) cl=$(median "flood/$k/linux" 4)
			chk=$(awk -F'\t' -v k="flood/$k/check" '$1 == k { if ($3 > 0) printf "%.2f", $2 / $3; else print "n/a" }' "$RAW")
			echo "| $k | $(f2 "$x") | $(f2 "$l") | $(f1 "$(div "$x" "$l")")x | $(f1 "$cx") | $(f1 "$cl") |" \
				"$(f1 "$(median encap/4/64/vxbpf 4)") | $chk |"
		done
	fi
	if ((CP)); then
		echo
		echo "## Control plane"
		echo
		echo "| what | median |"
		echo "|---|---|"
		echo "| \`vxbpf load\` of $CP_N fdb + $CP_N neigh entries | $(awk -v v="$(median cp/load)" 'BEGIN { printf "%.3f s", v }') |"
		if [[ $MIRROR == yes ]]; then
			echo "| \`vxbpf mirror --once\` of $CP_N kernel FDB entries | $(awk -v v="$(median cp/mirror)" 'BEGIN { printf "%.3f s", v }') (entries in vxbpf after: $(median cp/mirror 3)) |"
		elif [[ $MIRROR == pending ]]; then
			echo "| \`vxbpf mirror --once\` of $CP_N kernel FDB entries | pending: mirror not yet implemented (picked up automatically once \`vxbpf mirror --once\` exists) |"
		else
			echo "| \`vxbpf mirror --once\` of $CP_N kernel FDB entries | $MIRROR |"
		fi
		echo "| memory per FDB entry (map memlock, after - before / N) | $(f1 "$(median cp/mem/fdb)") bytes |"
		echo "| memory per neigh entry | $(f1 "$(median cp/mem/neigh)") bytes |"
	fi
	echo
	echo "## Targets (this run, method split)"
	echo
	echo "Each target as a ratio of Mpps at the sink, and of DUT-CPU ns/pkt (CPU: what one"
	echo "dedicated DUT CPU would forward, 1000 / ns; immune to other work on the CPU)."
	echo
	echo "| target | measured (Mpps) | met | measured (CPU) | met |"
	echo "|---|---|---|---|---|"
	fmtv() { awk -v v="$1" 'BEGIN { if (v == "nan" || v == "" || v == "inf") print "n/a"; else printf "%.2f", v }'; }
	okv()
	{
		awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { if (v == "nan" || v == "" || v == "inf") print "n/a"
			else if (op == ">=") print (v >= l) ? "yes" : "**no**"
			else if (op == "<=") print (v <= l) ? "yes" : "**no**"; else print (v < l) ? "yes" : "**no**" }'
	}
	# target LABEL VALUE OP LIMIT UNIT [CPU_VALUE]
	target()
	{
		local c="n/a | n/a"
		[[ -n ${6:-} ]] && c="$(fmtv "$6")$5 | $(okv "$6" "$3" "$4")"
		echo "| $1 | $(fmtv "$2")$5 | $(okv "$2" "$3" "$4") | $c |"
	}
	minv() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "inf" || (b != "nan" && b + 0 < a + 0)) ? b : a }'; }
	for dir in $DIRS; do
		mr=inf mp=inf cr=inf cp=inf
		for fam in $FAMS; do
			for size in $SIZES; do
				set -- ${HEAD[$dir/$fam/$size]}
				mr=$(minv "$mr" "$1") mp=$(minv "$mp" "$2") cr=$(minv "$cr" "$4") cp=$(minv "$cp" "$5")
			done
		done
		target "$dir: vxbpf / Linux, worst row, >= 6" "$mr" ">=" 6 x "$cr"
		target "$dir: vxbpf % of null, worst row, >= 65" "$mp" ">=" 65 % "$cp"
		# Program cost (BPF_PROG_RUN): no CPU column, it is CPU time.
		for size in $SIZES; do
			lim=50
			[[ $dir == decap ]] && lim=$((size > 64 ? 40 : 35))
			mc=-inf
			for fam in $FAMS; do
				mc=$(awk -v a="$mc" -v b="${COST[$dir/$fam/$size]}" 'BEGIN { print (b == "nan" || a == "nan") ? "nan" : (a == "-inf" || b + 0 > a + 0) ? b : a }')
			done
			target "$dir: program cost at $size B, worst underlay, <= $lim" "$mc" "<=" $lim " ns"
		done
		if [[ $FAMS == *4* && $FAMS == *6* ]]; then
			m6=inf c6=inf
			for size in $SIZES; do
				set -- ${HEAD[$dir/4/$size]}; a=$3 ca=$6
				set -- ${HEAD[$dir/6/$size]}; b=$3 cb=$6
				m6=$(minv "$m6" "$(div "$b" "$a" 100)") c6=$(minv "$c6" "$(div "$ca" "$cb" 100)")
			done
			target "$dir: IPv6 % of IPv4, worst size, >= 90" "$m6" ">=" 90 % "$c6"
			m6=-inf
			for size in $SIZES; do
				m6=$(awk -v a="$m6" -v r="$(div "${COST[$dir/6/$size]}" "${COST[$dir/4/$size]}" 100)" 'BEGIN { print (r == "nan" || a == "nan") ? "nan" : (a == "-inf" || r + 0 > a + 0) ? r : a }')
			done
			target "$dir: IPv6 program cost % of IPv4, worst size, <= 110" "$m6" "<=" 110 %
		fi
	done
	if ((SWEEPS)); then
		for dir in decap encap; do
			target "$dir: 1,000,000 FDB entries % of 10, >= 75 (traffic to all)" \
				"$(div "$(median sweep/fdb/$dir/1000000)" "$(median sweep/fdb/$dir/10)" 100)" ">=" 75 % \
				"$(div "$(median sweep/fdb/$dir/10 4)" "$(median sweep/fdb/$dir/1000000 4)" 100)"
			target "$dir: 1,000,000 FDB entries % of 10, >= 90 (traffic to 4,096)" \
				"$(div "$(median sweep/fdb/$dir/1000000-hot)" "$(median sweep/fdb/$dir/10)" 100)" ">=" 90 % \
				"$(div "$(median sweep/fdb/$dir/10 4)" "$(median sweep/fdb/$dir/1000000-hot 4)" 100)"
			target "$dir: 1,000,000 FDB entries % of 10, >= 90 (traffic to 256)" \
				"$(div "$(median sweep/fdb/$dir/1000000-hot256)" "$(median sweep/fdb/$dir/10)" 100)" ">=" 90 % \
				"$(div "$(median sweep/fdb/$dir/10 4)" "$(median sweep/fdb/$dir/1000000-hot256 4)" 100)"
		done
	fi
	if ((CP)); then
		target "vxbpf load of $((2 * CP_N)) entries < 1 s" "$(median cp/load)" "<" 1 " s"
		if [[ $MIRROR == yes ]]; then
			target "mirror --once of $CP_N < 2 s" "$(median cp/mirror)" "<" 2 " s"
		else
			echo "| mirror --once of $CP_N < 2 s | $MIRROR | n/a | n/a | n/a |"
		fi
	fi
	if [[ -f $OUT_DIR/analysis.md ]]; then
		echo
		cat "$OUT_DIR/analysis.md"
	fi
	echo
	echo "## Raw data"
	echo
	echo '```'
	cat "$RAW"
	echo '```'
} >"$MD"

if command -v gnuplot >/dev/null; then
	gnuplot <<-EOF || log "gnuplot failed"
		set terminal svg size 1100,480 dynamic font "sans,11"
		set output "$OUT_DIR/results.svg"
		set title "vxbpf vs Linux vxlan+bridge vs null XDP redirect (Mpps at the sink; generator on CPU $GEN_CPU, DUT + sink on CPU $DUT_CPU; $(uname -r))"
		set style data histograms
		set style histogram clustered gap 1
		set style fill solid 0.85 border -1
		set ylabel "Mpps"
		set yrange [0:*]
		set grid ytics
		set xtics rotate by -30 font ",9"
		set key top right
		plot "$DAT" using 2:xtic(1) title "vxbpf" lc rgb "#1f77b4", \
		     "" using 3 title "Linux vxlan + bridge" lc rgb "#d62728", \
		     "" using 4 title "null XDP redirect (ceiling)" lc rgb "#7f7f7f"
	EOF
fi

cat "$MD"
log "total $((SECONDS - T_START))s"
