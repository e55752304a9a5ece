#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A/B of the large-table rate of two builds of vxbpf: live traffic (method
# split of scripts/bench.sh) to 10 FDB entries and to all of 1,000,000,
# decap and encap, IPv4, 64 bytes, interleaved in one run.
#
#   bench/ab-fdb.sh REV_A REV_B [REPS]      (as root; default REPS 5)
#
# REV_A and REV_B as bench/ab-cost.sh ("." = the work tree). Output: sink
# Mpps and DUT-CPU ns per packet, medians, and large/small per build.
# AB_LARGE=0: only the 10-entry rows (an end-to-end A/B of any change;
# the large columns then say nan); AB_SECS: seconds a measurement.
set -uo pipefail

[[ $# -ge 2 ]] || { echo "usage: ab-fdb.sh REV_A REV_B [REPS]" >&2; exit 2; }
REV_A=$1 REV_B=$2 AB_REPS=${3:-5}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WT=$(mktemp -d /tmp/ab-fdb.XXXXXX)
AB_DIRS=${AB_DIRS:-decap encap}
AB_LARGE=${AB_LARGE:-1}

# shellcheck source=lib_ab.sh
source "$ROOT/bench/lib_ab.sh"
ab_prepare

set -- quick
BENCH_LIB=1
# shellcheck source=../scripts/bench.sh
source "$ROOT/scripts/bench.sh"
trap 'bench_exit; ab_exit' EXIT
SECS=${AB_SECS:-1}

for v in A B; do
	VXBPF=$WT/$v/vxbpf
	for dir in $AB_DIRS; do
		topo "$v-s-$dir" $dir 4 vxbpf 10
		((AB_LARGE)) && topo "$v-l-$dir" $dir 4 vxbpf 1000000
	done
done
log "topologies up: A=$REV_A B=$REV_B, $AB_REPS rounds"
for ((r = 1; r <= AB_REPS; r++)); do
	order="A B"
	((r % 2)) || order="B A"
	for dir in $AB_DIRS; do
		for v in $order; do
			measure "$v/$dir/10" "$v-s-$dir" $dir 4 64 --macs 10
			((AB_LARGE)) && measure "$v/$dir/1000000" "$v-l-$dir" $dir 4 64 --macs 1000000
		done
	done
	log "round $r/$AB_REPS"
done

printf '| build | path | 10 entries Mpps | 1,000,000 Mpps | large / small | DUT ns/pkt 10 | DUT ns/pkt 1,000,000 |\n'
printf '|---|---|---|---|---|---|---|\n'
for v in A B; do
	for dir in $AB_DIRS; do
		s=$(median "$v/$dir/10") l=$(median "$v/$dir/1000000")
		printf '| %s | %s | %.2f | %.2f | %.1f%% | %.1f | %.1f |\n' $v $dir "$s" "$l" \
			"$(awk -v a="$l" -v b="$s" 'BEGIN { print b ? 100 * a / b : 0 }')" \
			"$(median "$v/$dir/10" 4)" "$(median "$v/$dir/1000000" 4)"
	done
done
