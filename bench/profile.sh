#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Where an attached vxbpf program's time goes, by kernel symbol: perf's
# cpu-clock samples (this machine has no PMU) on AB_CPU while `vxbench
# cost` runs the program over and over on a `make bench` topology, as
# bench/ab-cost.sh measures it. Prints the top symbols and their share.
#
#   bench/profile.sh decap|encap 4|6 [SECONDS] [SIZE]     (as root)
#
# The work tree as it stands is built apart and measured; raw samples in
# $PROF_OUT (default /tmp/vxbpf-profile.txt: ip, symbol and offset per
# sample); with PROF_JITED=FILE, where the measured program's source lines
# begin in its machine code goes there ("ADDRESS FILE:LINE SOURCE"), and
# the machine code of each of its functions to FILE.d/ADDRESS (objdump -D
# -b binary -m i386:x86-64 --adjust-vma=0xADDRESS).
set -uo pipefail

[[ $# -ge 2 && ($1 == decap || $1 == encap) && ($2 == 4 || $2 == 6) ]] ||
	{ echo "usage: profile.sh decap|encap 4|6 [SECONDS] [SIZE]" >&2; exit 2; }
P_DIR=$1 P_FAM=$2 P_SECS=${3:-20} P_SIZE=${4:-64}
P_CPU=${AB_CPU:-1}
PROF_OUT=${PROF_OUT:-/tmp/vxbpf-profile.txt}
command -v perf >/dev/null || { echo "profile.sh: perf is not installed (apt-get install linux-perf)" >&2; exit 1; }
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WT=$(mktemp -d /tmp/vxbpf-profile.XXXXXX)
REV_A=. REV_B=.

# shellcheck source=lib_ab.sh
source "$ROOT/bench/lib_ab.sh"
ab_build . "$WT/A" || { ab_exit; exit 1; }
make -C "$ROOT" -s build/vxbench >/dev/null || { ab_exit; exit 1; }

set -- quick
BENCH_LIB=1
# shellcheck source=../scripts/bench.sh
source "$ROOT/scripts/bench.sh"
trap 'bench_exit; ab_exit' EXIT

VXBPF=$WT/A/vxbpf
topo "P-$P_DIR$P_FAM" "$P_DIR" "$P_FAM" vxbpf 1 1 shared
d=$(ns_name "P-$P_DIR$P_FAM-d")
if [[ $P_DIR == decap ]]; then
	dev=ul0 delta=$((P_FAM == 4 ? 50 : 70))
else
	dev=vm0 delta=$((P_FAM == 4 ? -50 : -70))
fi
id=$(prog_id "$d" $dev)
data=$WT/perf.data
perf record -q -e cpu-clock -F 20000 -C "$P_CPU" -o "$data" -- sleep "$P_SECS" &
pp=$!
end=$((SECONDS + P_SECS))
while ((SECONDS < end)); do
	# shellcheck disable=SC2046
	"$VXBENCH" cost "$d" $dev --prog-id "$id" --delta $delta --size "$P_SIZE" --cpu "$P_CPU" \
		$(gen_args "P-$P_DIR$P_FAM" "$P_DIR" "$P_FAM") >/dev/null || die "cost"
done
wait $pp
perf script -i "$data" -F ip,sym,symoff 2>/dev/null >"$PROF_OUT"
# The program's machine code with its source lines, to place the samples'
# offsets (PROF_JITED=FILE).
if [[ -n ${PROF_JITED:-} ]]; then
	mkdir -p "$PROF_JITED.d"
	"$VXBENCH" lines "$id" "$PROF_JITED.d" >"$PROF_JITED"
fi
log "$P_DIR IPv$P_FAM $P_SIZE B, ${P_SECS} s on CPU $P_CPU; samples by symbol:"
awk '{ s = $2; sub(/\+0x[0-9a-f]+$/, "", s); n[s]++; t++ } END { for (s in n) printf "%8d  %5.1f%%  %s\n", n[s], 100 * n[s] / t, s }' "$PROF_OUT" |
	sort -rn | head -"${PROF_TOP:-25}"
