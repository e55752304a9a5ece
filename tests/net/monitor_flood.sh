#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Abuse from a VM (issue 13, item 3): vm1, behind a vxbpf port of a VNI
# with `proxy l2miss l3miss` and nothing else (vxbpf alone, no kernel
# vxlan device), sends as fast as it can to 5,000 unknown MACs (unicast
# frames: l2miss) and 5,000 unknown IPv4 addresses (ARP requests: l3miss),
# over and over for a few seconds, while `vxbpf monitor --exec PROG
# --max-children 8` runs a PROG that sleeps a second.
#
#   vm1 ns (AF_PACKET flood) ── eth0 ═ vm0: port of vni 100 ── hostA ns (vxbpf)
#                                     proxy l2miss l3miss, no entries
#                                     monitor -j --exec PROG --max-children 8
#
# Checks:
# - the fast path's per-VNI event budget engaged: events_suppressed rose;
# - never more than 8 children of the monitor at once (sampled from
#   /proc every 20 ms, and from the runs' own start and end times);
# - the events beyond were skipped and counted: the warnings' counts add
#   up to the exit summary's, events = runs + skipped + failed, the events
#   printed are the summary's events, the runs recorded its runs;
# - `vxbpf metrics` shows the running monitor's counts
#   (vxbpf_monitor_exec_skipped_total, ..._running) equal to the summary;
# - every run started with SIGCHLD neither ignored nor blocked;
# - the monitor still answers: once the flood stops, one new miss is one
#   run; no child is left unreaped, and nothing is left in the namespace
#   once the monitor exits.
#
# 10,000 destinations are more than the fast path's dedup memory holds
# (miss_seen, an LRU of 8,192): each frame then meets the budget, and
# events_suppressed counts frames rather than misses (~2 million in 3 s
# here; with FLOOD_N=2000, ~10,000). The budget bounds the events either
# way.
#
# Run: tests/net/monitor_flood.sh  (TESTS=... to select, VERBOSE=1,
# FLOOD_N=N destinations of each kind)

source "$(dirname "$0")/lib.sh"

MAXC=8
FLOOD_S=3
FLOOD_N=${FLOOD_N:-5000}
NEW_MAC=02:00:5f:00:00:01

# send NS SECONDS N [MAC]: from vm1's eth0, for SECONDS, N unicast frames
# to MACs 02:00:5e:00:00:00 + i and N ARP requests for 10.1.0.0 + i, over
# and over; with MAC, one frame to MAC only. Prints the frames sent.
send()
{
	ip netns exec "$1" /usr/bin/python3 - "$2" "$3" "$VM1_MAC" "$VM1_V4" "${4:-}" <<'EOF'
import socket, struct, sys, time

secs, n, smac, sip, one = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
mac = lambda s: bytes(int(x, 16) for x in s.split(":"))
src = mac(smac)
# A small IPv4/UDP datagram (checksums do not matter to an l2miss).
ipudp = struct.pack("!BBHHHBBH4s4sHHHH", 0x45, 0, 28, 0, 0, 64, 17, 0,
                    socket.inet_aton(sip), socket.inet_aton("10.0.0.2"), 40000, 9, 8, 0)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))

def tx(frame):
    while True:
        try:
            return s.send(frame)
        except OSError as e:  # ENOBUFS: the queue is full, again
            if e.errno not in (11, 105):
                raise

if one:
    tx(mac(one) + src + b"\x08\x00" + ipudp)
    print(1)
    sys.exit(0)
base = int.from_bytes(mac("02:00:5e:00:00:00"), "big")
frames = []
for i in range(n):
    frames.append((base + i).to_bytes(6, "big") + src + b"\x08\x00" + ipudp)
    tip = socket.inet_aton("10.1.0.0")
    tip = (int.from_bytes(tip, "big") + i).to_bytes(4, "big")
    frames.append(b"\xff" * 6 + src + b"\x08\x06" +
                  struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, src,
                              socket.inet_aton(sip), b"\0" * 6, tip))
sent, end = 0, time.monotonic() + secs
while time.monotonic() < end:
    for f in frames:
        tx(f)
    sent += len(frames)
print(sent)
EOF
}

# metric FILE NAME PID: the value of NAME{pid="PID",...}, empty if none.
metric()
{
	awk -v key="$2{pid=\"$3\"" 'index($1, key) == 1 { print $NF }' "$1"
}

children() { cat "/proc/$1/task/$1/children" 2>/dev/null; }

# alive PID: running, not a zombie waiting for our wait.
alive()
{
	local st

	st=$(ps -o stat= -p "$1") && [[ $st != Z* ]]
}

monitor_flood()
{
	local name="VM to $FLOOD_N unknown MACs + $FLOOD_N unknown IPs: monitor --exec bounded, skips counted, budget engaged"
	local tmp out pid spid sup0 sup1 sent ev runs max_ps max_ts samples sum warned m t0 line
	local s_ev s_runs s_skip s_fail s_peak s_run s_max scpid n bad

	require_tools_or_skip jq python3 || { log_test "$name"; return; }
	vxbpf_available || { check_err 1 "$VXBPF not built"; log_test "$name"; return; }
	A=$(ns_name hostA) V1=$(ns_name vm1)
	ns_add hostA && ns_add vm1 || { check_err 1 "namespace creation failed"; log_test "$name"; return; }
	vm_add "$A" "$V1" "$VM1_MAC" "$VM1_V4" "$VM1_V6" 1450 >/dev/null 2>&1 ||
		{ check_err 1 "vm setup failed"; log_test "$name"; return; }
	if ! out=$(vxbpf_run "$A" vni add $VNI local "$UL4_A" proxy l2miss l3miss 2>&1 &&
		vxbpf_run "$A" port add vm0 vni $VNI 2>&1); then
		check_err 1 "hostA: $out"
		log_test "$name"
		return
	fi
	vxt_tmpdir tmp
	# PROG EVENT VNI ADDR: a second's work. Awk, not a shell: a shell
	# installs its own SIGCHLD handler and hides what it was given. First
	# its PID and its blocked and ignored signals (before it forks: with
	# SIGCHLD ignored, its wait fails), then its PID, start and end (s
	# since boot) and what it was given.
	cat >"$tmp/prog" <<EOF
#!/usr/bin/awk -f
BEGIN {
	while ((getline l <"/proc/self/status") > 0)
		if (l ~ /^(Pid|SigIgn|SigBlk):/) { split(l, w); sig = sig " " w[2] }
	print sig >>"$tmp/sigs"
	close("$tmp/sigs")
	getline up <"/proc/uptime"; close("/proc/uptime"); split(up, t0, " ")
	system("sleep 1")
	getline up <"/proc/uptime"; split(up, t1, " ")
	split(sig, w, " ")
	print w[1], t0[1], t1[1], ARGV[1], ARGV[3] >>"$tmp/runs"
}
EOF
	chmod +x "$tmp/prog"
	: >"$tmp/sigs"
	: >"$tmp/runs"
	sup0=$(vxbpf_stat_vni "$A" events_suppressed)

	t0=$SECONDS
	# Started as a careless parent might leave it: SIGCHLD ignored, SIGCHLD
	# and SIGTERM blocked (both survive exec). The monitor must count its
	# runs all the same, stop on TERM, and start PROG with neither.
	/usr/bin/python3 -c '
import os, signal, sys
for s in (signal.SIGPIPE, signal.SIGXFSZ):  # what Python itself ignores
    signal.signal(s, signal.SIG_DFL)
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD, signal.SIGTERM])
os.execv(sys.argv[1], sys.argv[1:])' "$VXBPF" -n "$A" -j monitor --exec "$tmp/prog" --max-children $MAXC \
		>"$tmp/mon.json" 2>"$tmp/mon.err" &
	pid=$!
	bg_track $pid
	# Published at start: the metrics know it before any event. (Waits are
	# long for emulation, as under make vmtest; here they end at once.)
	wait_for 30 eval '[[ -n $(vxbpf_run "$A" metrics 2>/dev/null | grep "^vxbpf_monitor_exec_running{pid=\"$pid\"") ]]' ||
		check_err 1 "the monitor is not in vxbpf metrics after 30 s: $(ls -R /run/vxbpf 2>&1 | head -n 5) $(head -c 300 "$tmp/mon.err")"

	# The monitor's children, every 20 ms: the most seen at once.
	(
		max=0 n=0
		while [[ ! -e $tmp/stop && -e /proc/$pid ]]; do
			# One line without a newline: read fails, and fills kids.
			kids=()
			read -r -a kids <"/proc/$pid/task/$pid/children"
			((${#kids[@]} > max)) && max=${#kids[@]}
			n=$((n + 1))
			sleep 0.02
		done
		echo "$max $n" >"$tmp/sampled"
	) &
	spid=$!
	bg_track $spid

	# Scrapes while the counts move: within each, events = runs +
	# skipped + failed (one read of the monitor's state for all the
	# families; a race, so this can catch a regression, not prove there
	# is none).
	(
		n=0 bad=0
		while [[ ! -e $tmp/stop_scrape ]]; do
			"$VXBPF" -n "$A" metrics >"$tmp/scrape" 2>/dev/null || continue
			e=$(metric "$tmp/scrape" vxbpf_monitor_events_total "$pid")
			r=$(metric "$tmp/scrape" vxbpf_monitor_exec_runs_total "$pid")
			k=$(metric "$tmp/scrape" vxbpf_monitor_exec_skipped_total "$pid")
			f=$(metric "$tmp/scrape" vxbpf_monitor_exec_failed_total "$pid")
			n=$((n + 1))
			[[ -n $e && -n $r && -n $k && -n $f ]] && ((e == r + k + f)) && continue
			bad=$((bad + 1))
			cp "$tmp/scrape" "$tmp/scrape.bad"
		done
		echo "$n $bad" >"$tmp/scraped"
	) &
	scpid=$!
	bg_track $scpid

	sent=$(send "$V1" $FLOOD_S $FLOOD_N) || check_err 1 "the flood failed: $sent"
	touch "$tmp/stop_scrape"
	wait "$scpid" 2>/dev/null
	read -r n bad <"$tmp/scraped"
	log_verbose "$n scrapes during the flood, $bad inconsistent"
	((n > 0 && bad == 0)) || check_err 1 "$bad of $n scrapes during the flood with events != runs + skipped + failed: $(grep '^vxbpf_monitor' "$tmp/scrape.bad" 2>/dev/null | head -n 6)"
	log_verbose "flood: $sent frames in ${FLOOD_S}s"

	# Quiet again: the last runs end and are reaped (none left a zombie).
	wait_for 15 eval '[[ -z $(children "$pid") ]]' ||
		check_err 1 "children of the monitor left 15 s after the flood: $(children "$pid")"
	# Still answering: one new miss, one run.
	send "$V1" 0 0 "$NEW_MAC" >/dev/null || check_err 1 "the single frame failed"
	wait_for 15 grep -q " l2miss $NEW_MAC$" "$tmp/runs" ||
		check_err 1 "no run for the miss of $NEW_MAC after the flood"
	wait_for 10 eval '[[ -z $(children "$pid") ]]' || check_err 1 "its run was not reaped"
	# The published counts catch up (at most a second behind).
	ev=$(jq -s 'map(select(.event)) | length' "$tmp/mon.json")
	wait_for 20 eval 'vxbpf_run "$A" metrics >"$tmp/metrics" 2>"$tmp/metrics.err" &&
		[[ $(metric "$tmp/metrics" vxbpf_monitor_events_total "$pid") == "$ev" &&
		   $(metric "$tmp/metrics" vxbpf_monitor_exec_running "$pid") == 0 ]]' ||
		check_err 1 "metrics: events $(metric "$tmp/metrics" vxbpf_monitor_events_total "$pid"), printed $ev"
	sup1=$(vxbpf_stat_vni "$A" events_suppressed)

	touch "$tmp/stop"
	wait "$spid" 2>/dev/null
	kill -TERM "$pid" 2>/dev/null
	if ! wait_for 10 eval '! alive "$pid"'; then
		check_err 1 "the monitor did not stop on SIGTERM"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	log_verbose "monitor ran $((SECONDS - t0)) s"

	# The summary: the last line, JSON.
	line=$(tail -n 1 "$tmp/mon.json")
	sum=$(jq -er '.summary | "\(.events) \(.runs) \(.skipped) \(.failed) \(.peak_running) \(.running) \(.max_children)"' \
		<<<"$line" 2>/dev/null) || check_err 1 "no summary at exit: '$line'"
	read -r s_ev s_runs s_skip s_fail s_peak s_run s_max <<<"$sum"
	runs=$(wc -l <"$tmp/runs")
	read -r max_ps samples <"$tmp/sampled"
	# From the runs' own times: the most that overlapped.
	max_ts=$(awk '{ print $2, 1; print $3, -1 }' "$tmp/runs" | sort -k1,1n -k2,2n |
		awk '{ n += $2; if (n > m) m = n } END { print m + 0 }')
	warned=$(jq -rs '[.[] | .warning // empty | capture("^monitor: (?<n>[0-9]+) events not passed") | .n | tonumber] | add // 0' \
		"$tmp/mon.err" 2>/dev/null)
	log_info "flood $sent frames; events_suppressed $sup0 -> $sup1; events $s_ev (printed $ev), runs $s_runs (recorded $runs), skipped $s_skip (warned $warned), failed $s_fail; at once: peak $s_peak, sampled $max_ps ($samples samples), from run times $max_ts; max-children $s_max"

	((sup1 > sup0)) || check_err 1 "events_suppressed $sup0 -> $sup1: the budget did not engage"
	((s_max == MAXC)) || check_err 1 "summary max_children $s_max"
	((s_ev == ev)) || check_err 1 "summary events $s_ev, $ev printed"
	((s_ev == s_runs + s_skip + s_fail)) || check_err 1 "events $s_ev != runs $s_runs + skipped $s_skip + failed $s_fail"
	((s_skip > 0)) || check_err 1 "nothing skipped: the flood did not reach the cap"
	((s_fail == 0)) || check_err 1 "$s_fail runs failed to start"
	((s_runs == runs)) || check_err 1 "summary runs $s_runs, $runs recorded"
	((s_run == 0)) || check_err 1 "$s_run runs still going at exit"
	((warned == s_skip)) || check_err 1 "the warnings told $warned skipped, the summary $s_skip"
	((s_peak <= MAXC && max_ps <= MAXC && max_ts <= MAXC)) ||
		check_err 1 "more than $MAXC at once: peak $s_peak, sampled $max_ps, run times $max_ts"
	((s_peak == MAXC)) || check_err 1 "the peak $s_peak never reached --max-children $MAXC"
	((samples > 10)) || check_err 1 "only $samples samples of the children"
	if command -v promtool >/dev/null; then
		out=$(promtool check metrics <"$tmp/metrics" 2>&1) || check_err 1 "promtool: $out"
	fi
	m=$(metric "$tmp/metrics" vxbpf_monitor_exec_skipped_total "$pid")
	[[ $m == "$s_skip" ]] || check_err 1 "metrics skipped '$m', summary $s_skip"
	m=$(metric "$tmp/metrics" vxbpf_monitor_exec_runs_total "$pid")
	[[ $m == "$s_runs" ]] || check_err 1 "metrics runs '$m', summary $s_runs"
	# Bit 17 (0x10000) is SIGCHLD, bit 15 (0x4000) SIGTERM, in SigIgn and
	# SigBlk alike: the monitor inherited both blocked.
	(($(wc -l <"$tmp/sigs") == s_runs)) || check_err 1 "$(wc -l <"$tmp/sigs") runs told their signals, $s_runs ran"
	while read -r _ blk ign; do
		[[ -n $ign && -n $blk ]] || { check_err 1 "a run recorded no signals"; break; }
		((0x$ign & 0x10000)) && { check_err 1 "a run started with SIGCHLD ignored (SigIgn $ign)"; break; }
		((0x$blk & 0x14000)) && { check_err 1 "a run started with SIGCHLD or SIGTERM blocked (SigBlk $blk)"; break; }
	done <"$tmp/sigs"
	# Gone with its children: nothing left in the namespace, no state file.
	wait_for 10 eval '[[ -z $(ip netns pids "$A") ]]' ||
		check_err 1 "left in $A after the monitor: $(ip netns pids "$A" | xargs -r ps -o pid=,stat=,args= -p)"
	vxbpf_run "$A" metrics 2>/dev/null | grep -q "^vxbpf_monitor_exec_running{pid=\"$pid\"" &&
		check_err 1 "the monitor that exited is still in vxbpf metrics"
	log_test "$name"
}

ALL_TESTS="monitor_flood"

require_root
require_cmd ip
tests_run
tests_exit
