# SPDX-License-Identifier: GPL-2.0
#
# What the benchmark scripts share (scripts/bench.sh, scripts/bench-app.sh).
# Sourced after tests/net/lib.sh; NICE and die come from the script.

# napi_thread NS DEV CPU [SEP]: threaded NAPI for DEV in NS, its kthread
# pinned to CPU at nice NICE, its pid and SEP (default a space) appended to
# NAPI_PIDS. The kthread (napi/DEV-NAPI_ID, in any namespace) is the one
# that appears when threaded is switched on; DEV has one RX queue, so one
# thread. Not in $(...), so that die ends the script.
NAPI_PIDS=
napi_thread()
{
	local ns=$1 dev=$2 cpu=$3 sep=${4:- } before after pid n=0

	before=$(pgrep "^napi/$dev-" | sort)
	ip netns exec "$ns" sh -c "echo 1 > /sys/class/net/$dev/threaded" ||
		die "threaded NAPI on $dev in $ns"
	after=$(pgrep "^napi/$dev-" | sort)
	for pid in $(comm -13 <(echo "$before") <(echo "$after")); do
		taskset -p -c "$cpu" "$pid" >/dev/null || die "taskset $pid"
		renice -n "$NICE" -p "$pid" >/dev/null || die "renice $pid"
		NAPI_PIDS+="$pid$sep"
		n=$((n + 1))
	done
	((n == 1)) || die "$dev in $ns: expected one new NAPI kthread, found $n"
}
