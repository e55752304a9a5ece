#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A/B program cost of two builds of vxbpf, interleaved in one run: the
# only comparison that means something on a shared, noisy machine (old
# numbers were taken under other load).
#
#   bench/ab-cost.sh REV_A REV_B [REPS]      (as root; default REPS 9)
#
# REV_A and REV_B are git revisions of this repository (or "." for the work
# tree as it stands). Each is built in its own temporary worktree; for each,
# the bench topologies of scripts/bench.sh (sourced, BENCH_LIB=1) are set
# up for decap and encap over an IPv4 and an IPv6 underlay. Then REPS
# rounds, each measuring A then B (order alternating by round) for every
# path, underlay and size with `vxbench cost` (BPF_PROG_RUN repeat
# 1,000,000 of the attached program minus the harness, as `make bench`
# does); a repetition counts only if every one of its runs took the full
# path (the rx_decap / tx_encap counter rose by 1,000,000).
#
# AB_MODE=live: `vxbench cost --live` instead: the attached program run
# with BPF_F_TEST_XDP_LIVE_FRAMES, so its XDP_REDIRECT is carried out
# (xdp_do_redirect(), the device's bulk queue, the flush, the sink's XDP
# drop behind the veth, all on AB_CPU) and the kernel's ns per frame is
# the program plus its redirect; the harness column is bench_null
# redirecting the same frame to the same device (the redirect alone), and
# the table's numbers are the whole (prog) time, not prog - harness. A
# repetition counts only if the sink also got every frame of both runs.
#
# Output: one table of medians (ns per packet), B - A and B / A, and the
# raw rows in $AB_RAW (default /tmp/ab-cost.raw.tsv).
# Environment: AB_SIZES (default "64 1400"), AB_CPU (default 1), AB_MODE
# (cost, the default, or live).
set -uo pipefail

[[ $# -ge 2 ]] || { echo "usage: ab-cost.sh REV_A REV_B [REPS]" >&2; exit 2; }
REV_A=$1 REV_B=$2 AB_REPS=${3:-9}
AB_SIZES=${AB_SIZES:-64 1400}
AB_CPU=${AB_CPU:-1}
AB_RAW=${AB_RAW:-/tmp/ab-cost.raw.tsv}
AB_MODE=${AB_MODE:-cost}
[[ $AB_MODE == cost || $AB_MODE == live ]] || { echo "AB_MODE: cost or live" >&2; exit 2; }
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WT=$(mktemp -d /tmp/ab-cost.XXXXXX)

# shellcheck source=lib_ab.sh
source "$ROOT/bench/lib_ab.sh"
ab_prepare

set -- quick
BENCH_LIB=1
# shellcheck source=../scripts/bench.sh
source "$ROOT/scripts/bench.sh"
trap 'bench_exit; ab_exit' EXIT

: >"$AB_RAW"
for v in A B; do
	for dir in decap encap; do
		for fam in 4 6; do
			VXBPF=$WT/$v/vxbpf
			# Method shared: no threaded NAPI, nothing runs live here.
			topo "$v-$dir$fam" $dir $fam vxbpf 1 1 shared
		done
	done
done
log "topologies up: A=$REV_A B=$REV_B, $AB_REPS rounds, sizes $AB_SIZES, mode $AB_MODE"

# cost V DIR FAM SIZE: one measurement, a raw row.
cost()
{
	local v=$1 dir=$2 fam=$3 size=$4 d dev reason delta id before after out live='' ok s0 s1

	d=$(ns_name "$v-$dir$fam-d")
	VXBPF=$WT/$v/vxbpf
	if [[ $dir == decap ]]; then
		dev=ul0 reason=rx_decap delta=$((fam == 4 ? 50 : 70))
		[[ $AB_MODE == live ]] && live="--live --target vm0"
	else
		dev=vm0 reason=tx_encap delta=$((fam == 4 ? -50 : -70))
		[[ $AB_MODE == live ]] && live="--live --target ul0"
	fi
	id=$(prog_id "$d" $dev)
	before=$(stat_reason "$d" $reason)
	[[ $AB_MODE == live ]] && read -r s0 _ < <("$VXBENCH" count "$BPIN/$v-$dir$fam-sink")
	# shellcheck disable=SC2046
	out=$("$VXBENCH" cost "$d" $dev --prog-id "$id" --delta $delta --size "$size" \
		--cpu "$AB_CPU" $live $(gen_args "$v-$dir$fam" $dir $fam)) || die "cost $v $dir $fam $size"
	after=$(stat_reason "$d" $reason)
	ok=$((after - before == 1000000))
	# Live: every frame of both runs (program, harness) reached the sink.
	if [[ $AB_MODE == live ]]; then
		read -r s1 _ < <("$VXBENCH" count "$BPIN/$v-$dir$fam-sink")
		((s1 - s0 == 2000000)) || ok=0
	fi
	set -- $out
	# Columns: the number the table uses (cost: net; live: the whole
	# run), valid, prog, harness.
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' $v $dir $fam $size \
		"$([[ $AB_MODE == live ]] && echo "$1" || echo "$3")" $ok "$1" "$2" >>"$AB_RAW"
}

for ((r = 1; r <= AB_REPS; r++)); do
	order="A B"
	((r % 2)) || order="B A"
	for dir in decap encap; do
		for fam in 4 6; do
			for size in $AB_SIZES; do
				for v in $order; do cost $v $dir $fam $size; done
			done
		done
	done
	log "round $r/$AB_REPS"
done

printf '| path | underlay | frame | A ns (median) | B ns (median) | B - A | B / A | valid reps A/B | harness ns A / B |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
for dir in decap encap; do
	for fam in 4 6; do
		for size in $AB_SIZES; do
			awk -F'\t' -v d=$dir -v f=$fam -v s=$size '
				function med(a, n,   i, j, t) {
					for (i = 2; i <= n; i++)
						for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
					return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
				}
				$2 == d && $3 == f && $4 == s && $6 == 1 {
					if ($1 == "A") { a[++na] = $5; ha[na] = $8 } else { b[++nb] = $5; hb[nb] = $8 }
				}
				END {
					ma = na ? med(a, na) : "nan"; mb = nb ? med(b, nb) : "nan"
					printf "| %s | IPv%s | %s | %.1f | %.1f | %+.1f | %.2f | %d/%d | %.1f / %.1f |\n",
						d, f, s, ma, mb, mb - ma, ma ? mb / ma : 0, na, nb,
						na ? med(ha, na) : 0, nb ? med(hb, nb) : 0
				}' "$AB_RAW"
		done
	done
done
