#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run vxbpf's test layers and print one summary line.
#
#   scripts/run-tests.sh unit|prog|net|fuzz|all [NET_TEST_FILE...]
#
#   unit  criterion binary build/tests/unit   (tests/unit/*.c)
#   prog  criterion binary build/tests/prog   (tests/prog/*.c, BPF_PROG_TEST_RUN)
#   net   tests/net/*.sh, namespaces + veth, needs build/vxbpf
#   fuzz  tests/fuzz/fuzz_*.c, libFuzzer + ASan/UBSan, FUZZ_SECONDS a target
#
# A layer with no sources is reported as skipped, never as passed. A layer
# that does not build counts as one failure. Criterion's
#   Synthesis: Tested: X | Passing: Y | Failing: Z | Crashing: W
# gives Y passed and X-Y failed (Failing includes Crashing); network tests
# and fuzz targets print PASS:/FAIL:/SKIP: lines. The last line is exactly
#   N passed, N failed[, N skipped]
# and the exit status is non-zero if anything failed.
#
# Environment: LAYER_TIMEOUT (seconds per criterion binary, default 300),
# NET_TIMEOUT (seconds per network test file, default 240; a file may ask
# for more with a "# net-timeout: SECONDS" line), VERBOSE=1,
# NET_TESTS (space-separated tests/net files the net layer runs when none are
# named on the command line, also for `all`, FILE:TEST,... for some tests
# of a file; "none" skips the layer with a
# SKIP line; unset: every file), MAKE (the command that builds, default make;
# scripts/vmtest.sh sets MAKE=true in its guest: nothing is rebuilt there),
# PROG_FILTER (a criterion --filter pattern for the prog binary; the tests
# it leaves out are reported as one SKIP line, never as passed),
# FUZZ_SECONDS (seconds each fuzz target runs, default 10; `make fuzz` sets
# 60), FUZZ_TARGETS (space-separated target names, e.g. "fuzz_cmd"; unset:
# all, "none" skips the layer with a SKIP line).
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1

LAYER_TIMEOUT=${LAYER_TIMEOUT:-300}
NET_TIMEOUT=${NET_TIMEOUT:-240}
MAKE=${MAKE:-make}

PASSED=0
FAILED=0
SKIPPED=0
TIMINGS=()

say() { printf '%s\n' "$*"; }
hr() { say "==== $* ===="; }

strip_ansi() { sed -r 's/\x1b\[[0-9;]*[A-Za-z]//g'; }

# build TARGET: make it; on failure count one failure and return 1.
build()
{
	local target=$1 log

	log=$(mktemp)
	if ! $MAKE --no-print-directory "$target" >"$log" 2>&1; then
		say "BUILD FAILED: $target"
		tail -n 30 "$log" | sed 's/^/    /'
		rm -f "$log"
		FAILED=$((FAILED + 1))
		return 1
	fi
	rm -f "$log"
}

# criterion_layer NAME SRC_DIR BINARY [criterion args...]
criterion_layer()
{
	local name=$1 dir=$2 bin=$3
	local out synth t p f c rc
	shift 3

	hr "$name"
	if ! compgen -G "$dir/*.c" >/dev/null; then
		say "SKIP: $name layer: no $dir/*.c"
		SKIPPED=$((SKIPPED + 1))
		return 0
	fi
	build "$bin" || return 0

	out=$(mktemp)
	timeout -k 10 "$LAYER_TIMEOUT" "$bin" "$@" 2>&1 |
		strip_ansi | tee "$out"
	rc=${PIPESTATUS[0]}
	synth=$(grep -E 'Synthesis: Tested: [0-9]+' "$out" | tail -n1)
	rm -f "$out"
	if [[ -z $synth ]]; then
		say "FAIL: $name layer: no Criterion synthesis (exit $rc)"
		FAILED=$((FAILED + 1))
		return 0
	fi
	t=$(sed -nE 's/.*Tested: ([0-9]+).*/\1/p' <<<"$synth")
	p=$(sed -nE 's/.*Passing: ([0-9]+).*/\1/p' <<<"$synth")
	f=$(sed -nE 's/.*Failing: ([0-9]+).*/\1/p' <<<"$synth")
	c=$(sed -nE 's/.*Crashing: ([0-9]+).*/\1/p' <<<"$synth")
	# Criterion's Failing already includes Crashing: count Tested - Passing.
	PASSED=$((PASSED + ${p:-0}))
	FAILED=$((FAILED + ${t:-0} - ${p:-0}))
	# A binary that dies after the synthesis, or a tested count that does
	# not add up, is a failure too.
	if ((rc != 0 && ${t:-0} - ${p:-0} == 0)); then
		say "FAIL: $name layer: exit $rc with no failing test"
		FAILED=$((FAILED + 1))
	fi
	say "$name: tested $t, passing $p, failing $f, crashing $c"
}

# net_sweep PREFIX: remove namespaces (and their vxbpf pin dirs) and temp
# dirs a test file left behind, e.g. after a timeout.
net_sweep()
{
	local prefix=$1 ns ino

	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		[[ $ns == "$prefix"-* ]] || continue
		say "cleanup: leftover namespace $ns"
		ino=$(stat -L -c %i "/var/run/netns/$ns" 2>/dev/null) &&
			[[ -d /sys/fs/bpf/vxbpf/netns/$ino ]] &&
			rm -rf "/sys/fs/bpf/vxbpf/netns/$ino"
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf /tmp/"$prefix".*
}

net_layer()
{
	local files=("$@") f out rc p fl s

	hr "net"
	if ((EUID != 0)); then
		say "SKIP: net layer: needs root"
		SKIPPED=$((SKIPPED + 1))
		return 0
	fi
	if ((${#files[@]} == 0)) && [[ ${NET_TESTS:-} == none ]]; then
		say "SKIP: net layer: NET_TESTS=none"
		SKIPPED=$((SKIPPED + 1))
		return 0
	fi
	if ((${#files[@]} == 0)) && [[ -n ${NET_TESTS:-} ]]; then
		read -r -a files <<<"$NET_TESTS"
	fi
	if ((${#files[@]} == 0)); then
		for f in tests/net/*.sh; do
			[[ $(basename "$f") == lib*.sh ]] && continue
			files+=("$f")
		done
	fi
	if ((${#files[@]} == 0)); then
		say "SKIP: net layer: no tests/net/*.sh"
		SKIPPED=$((SKIPPED + 1))
		return 0
	fi
	# Without the command every test fails with a clear message; the
	# build failure is counted once here.
	build build/vxbpf

	local i=0 prefix sel tmo
	for f in "${files[@]}"; do
		say "-- $f"
		# FILE:TEST,TEST runs only those test functions of FILE.
		sel=
		if [[ $f == *:* ]]; then
			sel=${f#*:}
			sel=${sel//,/ }
			f=${f%%:*}
		fi
		out=$(mktemp)
		i=$((i + 1))
		prefix=vxt-$$-$i
		# Not --foreground: on timeout the whole process group gets TERM,
		# the test's EXIT trap cleans up; net_sweep catches the rest.
		# A file that needs longer says so: "# net-timeout: SECONDS".
		tmo=$(sed -n 's/^# net-timeout: *\([0-9][0-9]*\).*/\1/p' "$f" | head -n 1)
		((${tmo:-0} > NET_TIMEOUT)) || tmo=$NET_TIMEOUT
		VXT_PREFIX=$prefix TESTS=$sel timeout -k 10 "$tmo" bash "$f" 2>&1 | tee "$out"
		rc=${PIPESTATUS[0]}
		net_sweep "$prefix"
		p=$(grep -c '^PASS:' "$out")
		fl=$(grep -c '^FAIL:' "$out")
		s=$(grep -c '^SKIP:' "$out")
		rm -f "$out"
		PASSED=$((PASSED + p))
		FAILED=$((FAILED + fl))
		SKIPPED=$((SKIPPED + s))
		if ((rc == 124 || rc == 137)); then
			say "FAIL: $f: timed out after ${tmo}s"
			FAILED=$((FAILED + 1))
		elif ((rc != 0 && rc != 4 && fl == 0)); then
			say "FAIL: $f: exit $rc without a FAIL line"
			FAILED=$((FAILED + 1))
		elif ((rc == 4 && p + fl + s == 0)); then
			SKIPPED=$((SKIPPED + 1))
		fi
	done
}

# fuzz_layer: each target of tests/fuzz for FUZZ_SECONDS, from its corpus
# (tests/fuzz/corpus/NAME, read only; what it finds goes to
# build/fuzz/corpus/NAME). A crash, leak, sanitizer report, timeout or a
# failed check of the target is a FAIL line with the file that reproduces it.
fuzz_layer()
{
	local secs=${FUZZ_SECONDS:-10} src t bin log rc execs why seed work art
	local targets=()

	hr "fuzz"
	if [[ ${FUZZ_TARGETS:-} == none ]]; then
		say "SKIP: fuzz layer: FUZZ_TARGETS=none"
		SKIPPED=$((SKIPPED + 1))
		return 0
	fi
	if [[ -n ${FUZZ_TARGETS:-} ]]; then
		read -r -a targets <<<"$FUZZ_TARGETS"
	else
		for src in tests/fuzz/fuzz_*.c; do
			[[ -e $src ]] && targets+=("$(basename "$src" .c)")
		done
	fi
	if ((${#targets[@]} == 0)); then
		say "SKIP: fuzz layer: no tests/fuzz/fuzz_*.c"
		SKIPPED=$((SKIPPED + 1))
		return 0
	fi
	for t in "${targets[@]}"; do
		bin=build/fuzz/$t
		build "$bin" || continue
		seed=tests/fuzz/corpus/${t#fuzz_}
		work=build/fuzz/corpus/${t#fuzz_}
		art=build/fuzz/crashes/${t#fuzz_}/
		mkdir -p "$seed" "$work" "$art"
		log=$(mktemp)
		# libFuzzer stops itself after max_total_time; the timeout is
		# only for a target that hangs outside of an input.
		timeout -k 10 $((secs + 120)) "$bin" -max_total_time="$secs" -timeout=10 \
			-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art" \
			"$work" "$seed" >"$log" 2>&1
		rc=$?
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
		if ((rc == 0)) && [[ -n $execs ]]; then
			say "PASS: $t: ${execs} inputs in ${secs}s"
			PASSED=$((PASSED + 1))
		else
			FAILED=$((FAILED + 1))
			why=$(grep -a -m 1 -E 'fuzz check failed|ERROR: |runtime error|SUMMARY: ' "$log" |
				cut -c 1-200)
			say "FAIL: $t: ${why:-exit $rc}"
			grep -a -E '^ +#[0-9]+ |runtime error|fuzz check failed|SUMMARY|Test unit written' \
				"$log" | head -n 40 | sed 's/^/    /'
			grep -a -o 'Test unit written to .*' "$log" | sed "s|^Test unit written to |    reproduce: $bin |"
		fi
		[[ -n ${VERBOSE:-} ]] && sed 's/^/    /' "$log"
		rm -f "$log"
	done
}

timed()
{
	local name=$1 start=$SECONDS
	shift
	"$@"
	TIMINGS+=("$name $((SECONDS - start))s")
}

what=${1:-all}
shift || true
# prog_layer: the prog binary, only the tests matching PROG_FILTER if set.
prog_layer()
{
	if [[ -z ${PROG_FILTER:-} ]]; then
		criterion_layer prog tests/prog build/tests/prog
		return
	fi
	criterion_layer prog tests/prog build/tests/prog --filter "$PROG_FILTER"
	say "SKIP: prog tests outside PROG_FILTER=$PROG_FILTER: not run"
	SKIPPED=$((SKIPPED + 1))
}

case $what in
unit) timed unit criterion_layer unit tests/unit build/tests/unit ;;
prog) timed prog prog_layer ;;
net) timed net net_layer "$@" ;;
fuzz) timed fuzz fuzz_layer ;;
all)
	timed unit criterion_layer unit tests/unit build/tests/unit
	timed prog prog_layer
	timed net net_layer
	timed fuzz fuzz_layer
	;;
*)
	say "usage: $0 unit|prog|net|fuzz|all [tests/net/FILE.sh...]" >&2
	exit 2
	;;
esac

hr "summary"
say "time: ${TIMINGS[*]}"
if ((SKIPPED)); then
	say "$PASSED passed, $FAILED failed, $SKIPPED skipped"
else
	say "$PASSED passed, $FAILED failed"
fi
((FAILED == 0))
