#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The floor on this machine (bench/cost.md): what any XDP program doing
# vxbpf's job must pay, as a ladder of programs (bench/floor.bpf.c), each
# measured as `vxbench cost` measures vxbpf: BPF_PROG_RUN repeat 1,000,000
# through the bench_cost harness, minus the harness alone, on the frames
# `make bench` sends.
#
#   bench/floor.sh [ladder|fdb|live|all] [REPS]  (as root; default all, 9)
#
# ladder: the `make bench` topologies of vxbpf (decap IPv4/IPv6, encap
#   IPv4/IPv6; scripts/bench.sh sourced), then REPS rounds; each round
#   measures, per path, underlay and size, vxbpf's attached program
#   (`vxbench cost`) and every rung of the ladder (`vxbench floor`), the
#   order of rungs and of vxbpf/floor reversed every other round. The
#   rungs d_x*/d_v and e_y*/e_v are vxbpf's own code (bench/floor.bpf.c);
#   FLOOR_DECAP_RUNGS, FLOOR_ENCAP_RUNGS, FLOOR_ENCAP6_RUNGS choose others
#   (the what-ifs d_x0w, d_x6n, e_y4l, e_y4n are not in the default lists).
# fdb: the rungs d_e_spread (decap up to the fdb lookup) and e_d_spread
#   (encap up to it) with the fdb key taken from a counter, so consecutive
#   runs hit different entries, against fdb maps of 10 and 1,000,000
#   entries (and working sets between, preallocated or not, a small
#   max_entries), all instances interleaved in one process per order
#   (scatter: a stride of ~0.618 N; seq: one entry after the other).
# live (not in all): the table-size rows of `make bench` (live traffic,
#   method split, to all of 10 or 1,000,000 MACs) interleaved with the
#   isolated d_e_spread / e_d_spread on 10 and 1,000,000 entries: the
#   isolated miss next to what a live packet loses, in one run.
#
# Output: tables of medians on stdout; raw rows in $FLOOR_RAW (default
# /tmp/floor.raw.tsv; live's rows of `vxbench gen` in /tmp/floor.raw.live.tsv): "phase round path fam size what rung prog harness
# net final_len fails [prog_cpu harness_cpu net_cpu]" (the floor's rows also
# from the thread's CPU time; vxbpf's rows have no such columns). Environment: FLOOR_CPU (default 1), FLOOR_SIZES
# (default "64 1400").
set -uo pipefail

PHASE=${1:-all}
FLOOR_REPS=${2:-9}
FLOOR_CPU=${FLOOR_CPU:-1}
FLOOR_SIZES=${FLOOR_SIZES:-64 1400}
FLOOR_RAW=${FLOOR_RAW:-/tmp/floor.raw.tsv}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# d_x* / e_y*: from the floor toward vxbpf's own path, its
# pieces put back one at a time; d_v / e_v: vxbpf's path itself compiled
# into the floor object (bench/floor.bpf.c). The encap floor proper is
# IPv4-outer only; the rungs of vxbpf's code also run on IPv6.
DECAP_RUNGS=${FLOOR_DECAP_RUNGS:-d_a,d_b,d_c,d_d,d_e,d_f,d_g,d_h,d_i,d_i_wide,d_x0,d_x1,d_x2,d_x3,d_x3m,d_x3c,d_x4a,d_x4b,d_x4,d_x5,d_x6,d_v}
ENCAP_RUNGS=${FLOOR_ENCAP_RUNGS:-e_a,e_b,e_c,e_d,e_e,e_f,e_g,e_h,e_i,e_j,e_j_wide,e_y0,e_y0p,e_y0r,e_y1,e_y2,e_y3,e_y4,e_v}
ENCAP6_RUNGS=${FLOOR_ENCAP6_RUNGS:-e_y0,e_y0p,e_y0r,e_y1,e_y2,e_y3,e_y4,e_v}

# Sourced as a library: the topologies and helpers of `make bench`, no
# runs; at nice 0 (a shared machine; BPF_PROG_RUN's timer stops while the
# task is preempted anyway).
set -- quick
BENCH_LIB=1
BENCH_NICE=${BENCH_NICE:-0}
# shellcheck source=../scripts/bench.sh
source "$ROOT/scripts/bench.sh"

: >"$FLOOR_RAW"

TOPOS_UP=0
rev() { echo "$1" | tr ',' '\n' | tac | paste -sd,; }

# vx_cost DIR FAM SIZE ROUND: vxbpf's program, as make bench measures it.
vx_cost()
{
	local dir=$1 fam=$2 size=$3 r=$4 d dev reason delta id before after out ok

	d=$(ns_name "$dir$fam-d")
	if [[ $dir == decap ]]; then
		dev=ul0 reason=rx_decap delta=$((fam == 4 ? 50 : 70))
	else
		dev=vm0 reason=tx_encap delta=$((fam == 4 ? -50 : -70))
	fi
	id=$(prog_id "$d" $dev)
	before=$(stat_reason "$d" $reason)
	# shellcheck disable=SC2046
	out=$("$VXBENCH" cost "$d" $dev --prog-id "$id" --delta $delta --size "$size" \
		--cpu "$FLOOR_CPU" $(gen_args "$dir$fam" $dir $fam)) || die "cost $dir $fam $size"
	after=$(stat_reason "$d" $reason)
	ok=$((after - before == 1000000 ? 0 : 1))
	set -- $out
	printf 'ladder\t%s\t%s\t%s\t%s\tvxbpf\tvxbpf\t%s\t%s\t%s\t%s\t%s\n' "$r" $dir $fam $size \
		"$1" "$2" "$3" "$4" $ok >>"$FLOOR_RAW"
}

# fl_args DIR FAM: frame options; encap gets the addresses too (the floor
# fills its maps from them; bench_gen ignores them for encap).
fl_args()
{
	local dir=$1 fam=$2

	fam_addrs "$fam"
	echo "--mode $dir --omac-dst $DUT_MAC --omac-src $PEER_MAC --osrc $LB --odst $LA" \
		"--imac-dst $VM_BASE --imac-src $SRC_MAC"
}

# fl_cost PHASE DIR FAM SIZE ROUND RUNGS [floor options]
fl_cost()
{
	local phase=$1 dir=$2 fam=$3 size=$4 r=$5 rungs=$6 d dev
	shift 6

	d=$(ns_name "${FL_TAG:-$dir$fam}-d") # FL_TAG: another topology's DUT
	[[ $dir == decap ]] && dev=ul0 || dev=vm0
	# shellcheck disable=SC2046
	"$VXBENCH" floor "$d" $dev --rungs "$rungs" --size "$size" --cpu "$FLOOR_CPU" \
		$(fl_args $dir $fam) "$@" | while IFS=$'\t' read -r rr spec rung p h n l f pc hc nc; do
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$phase" \
			"$((r > 0 ? r : rr))" $dir $fam $size "$spec" "$rung" "$p" "$h" "$n" "$l" "$f" \
			"$pc" "$hc" "$nc"
	done >>"$FLOOR_RAW" || die "floor $dir $fam $size"
}

# Median of column net (10) over valid rows matching the awk condition.
med()
{
	awk -F'\t' "$1"' && $12 == 0 { a[++n] = $10 }
		END {
			if (!n) { print "nan"; exit }
			for (i = 2; i <= n; i++)
				for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
			print n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}' "$FLOOR_RAW"
}
cnt() { awk -F'\t' "$1"' && $12 == 0 { n++ } END { print n + 0 }' "$FLOOR_RAW"; }

# The rungs of a topology: the encap floor is IPv4-outer only, IPv6 encap
# has the rungs of vxbpf's own code.
rungs_of()
{
	case $1 in
	decap*) echo "$DECAP_RUNGS" ;;
	encap4) echo "$ENCAP_RUNGS" ;;
	encap6) echo "$ENCAP6_RUNGS" ;;
	esac
}

ladder()
{
	local r dir fam size rungs
	for dir in decap encap; do
		for fam in 4 6; do
			topo "$dir$fam" $dir $fam vxbpf 1 1 shared
		done
	done
	TOPOS_UP=1
	log "topologies up; ladder: $FLOOR_REPS rounds, sizes $FLOOR_SIZES"
	for ((r = 1; r <= FLOOR_REPS; r++)); do
		for dir in decap encap; do
			for fam in 4 6; do
				for size in $FLOOR_SIZES; do
					rungs=$(rungs_of $dir$fam)
					((r % 2)) || rungs=$(rev "$rungs")
					if ((r % 2)); then
						vx_cost $dir $fam $size $r
						[[ -z $rungs ]] || fl_cost ladder $dir $fam $size $r "$rungs"
					else
						[[ -z $rungs ]] || fl_cost ladder $dir $fam $size $r "$rungs"
						vx_cost $dir $fam $size $r
					fi
				done
			done
		done
		log "round $r/$FLOOR_REPS"
	done

	echo "## Ladder: medians of $FLOOR_REPS interleaved rounds, ns per packet (vxbench cost's measure)"
	echo
	local rung prev m p
	for dir in decap encap; do
		for fam in 4 6; do
			for size in $FLOOR_SIZES; do
				echo "### $dir IPv$fam $size B"
				echo
				echo "| rung | median ns | minus the rung before | valid reps |"
				echo "|---|---|---|---|"
				rungs=$(rungs_of $dir$fam)
				prev=
				# *_wide is d_i / e_j summed otherwise: no step of
				# its own, but the base of the next rung (d_x0, e_y0);
				# vxbpf (last) is compared with its code compiled
				# here (d_v, e_v, the rung before it).
				for rung in ${rungs//,/ } vxbpf; do
					m=$(med "\$1 == \"ladder\" && \$3 == \"$dir\" && \$4 == $fam && \$5 == $size && \$7 == \"$rung\"")
					if [[ -n $prev && $rung != *_wide ]]; then
						p=$(awk -v a="$m" -v b="$prev" 'BEGIN { printf "%+.1f", a - b }')
					else
						p=
					fi
					prev=$m
					echo "| $rung | $m | $p | $(cnt "\$1 == \"ladder\" && \$3 == \"$dir\" && \$4 == $fam && \$5 == $size && \$7 == \"$rung\"") |"
				done
				echo
			done
		done
	done
}

FDB_SPECS=${FLOOR_FDB_SPECS:-10,1000000,10p,1000000p,10/16,1000000@256,1000000@4096,1000000@16384,1000000@65536,16384,16384/16384}

fdb()
{
	local dir rung order spec m
	((TOPOS_UP)) || topo decap4 decap 4 vxbpf 1 1 shared
	((TOPOS_UP)) || topo encap4 encap 4 vxbpf 1 1 shared
	log "fdb: $FLOOR_REPS rounds of $FDB_SPECS"
	for order in scatter seq; do
		fl_cost fdb-$order decap 4 64 0 d_e_spread --reps "$FLOOR_REPS" --fdb "$FDB_SPECS" --order $order
		fl_cost fdb-$order encap 4 64 0 e_d_spread --reps "$FLOOR_REPS" --fdb "$FDB_SPECS" --order $order
	done
	echo "## fdb size: the lookup's key cycling over the entries, medians of $FLOOR_REPS interleaved rounds"
	echo
	echo "| spec (entries[@traffic to][p = preallocated][/max_entries]) | decap d_e_spread scatter | encap e_d_spread scatter | decap seq | encap seq |"
	echo "|---|---|---|---|---|"
	for spec in ${FDB_SPECS//,/ }; do
		printf '| %s |' "$spec"
		for order in scatter seq; do
			for dir in decap encap; do
				[[ $dir == decap ]] && rung=d_e_spread || rung=e_d_spread
				m=$(med "\$1 == \"fdb-$order\" && \$3 == \"$dir\" && \$6 == \"$spec\" && \$7 == \"$rung\"")
				printf ' %s |' "$m"
			done
		done
		echo
	done
	echo
}

# live: the isolated miss against what a live packet loses, in one run:
# the table-size rows of `make bench` (vxbpf, method split, IPv4 64 B,
# traffic to all of 10 or 1,000,000 MACs) interleaved with d_e_spread /
# e_d_spread on 10 and 1,000,000 entries.
live()
{
	local r dir k l10 l1m c10 c1m i10 i1m rung
	SECS=${FLOOR_SECS:-1}
	for dir in decap encap; do
		topo "ls-$dir" $dir 4 vxbpf 10
		topo "ll-$dir" $dir 4 vxbpf 1000000
	done
	log "live: $FLOOR_REPS rounds"
	for ((r = 1; r <= FLOOR_REPS; r++)); do
		for dir in decap encap; do
			[[ $dir == decap ]] && rung=d_e_spread || rung=e_d_spread
			measure "live/$dir/10" "ls-$dir" $dir 4 64 --macs 10
			measure "live/$dir/1000000" "ll-$dir" $dir 4 64 --macs 1000000
			FL_TAG=ls-$dir fl_cost live $dir 4 64 $r $rung --fdb 10,1000000
		done
		log "round $r/$FLOOR_REPS"
	done
	echo "## Live against isolated, one run: medians of $FLOOR_REPS interleaved rounds (IPv4, 64 B)"
	echo
	echo "| path | live Mpps 10 / 1,000,000 | live DUT ns/pkt 10 / 1,000,000 | live: 1M - 10 | isolated lookup ns 10 / 1,000,000 | isolated: 1M - 10 | live ratio (CPU) | t10 / (t10 + isolated miss) |"
	echo "|---|---|---|---|---|---|---|---|"
	for dir in decap encap; do
		[[ $dir == decap ]] && rung=d_e_spread || rung=e_d_spread
		l10=$(median "live/$dir/10") l1m=$(median "live/$dir/1000000")
		c10=$(median "live/$dir/10" 4) c1m=$(median "live/$dir/1000000" 4)
		i10=$(med "\$1 == \"live\" && \$3 == \"$dir\" && \$6 == \"10\" && \$7 == \"$rung\"")
		i1m=$(med "\$1 == \"live\" && \$3 == \"$dir\" && \$6 == \"1000000\" && \$7 == \"$rung\"")
		awk -v d=$dir -v l10="$l10" -v l1m="$l1m" -v c10="$c10" -v c1m="$c1m" -v i10="$i10" -v i1m="$i1m" 'BEGIN {
			printf "| %s | %.2f / %.2f | %.1f / %.1f | %+.1f | %.1f / %.1f | %+.1f | %.1f%% | %.1f%% |\n",
				d, l10, l1m, c10, c1m, c1m - c10, i10, i1m, i1m - i10, 100 * c10 / c1m,
				100 * c10 / (c10 + i1m - i10)
		}'
	done
	echo
	# The live rows (bench.sh's raw format) next to the floor's.
	cp "$RAW" "${FLOOR_RAW%.tsv}.live.tsv"
}

case $PHASE in
ladder) ladder ;;
fdb) fdb ;;
live) live ;;
all) ladder; fdb ;;
*) die "usage: floor.sh [ladder|fdb|live|all] [REPS]" ;;
esac
