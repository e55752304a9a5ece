#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The seed's "unicast with dynamic L3 entries": host A's VNI has
# `proxy l2miss l3miss` and starts with no entry for VM2 at all. A small
# resolver driven by `vxbpf monitor --exec` answers each miss from a
# directory (IP, MAC, VTEP) with `vxbpf neigh replace` / `vxbpf fdb
# replace`, as a control plane would answer `ip monitor neigh` misses.
#
#   vm1 ns            hostA ns (vxbpf)                     hostB ns (Linux)        vm2 ns
#  +----------+   +--------------------------+       +--------------------+   +----------+
#  | aa:01    +---+ vm0: port vni 100        |       | vxlan100 br0 vm0   +---+ bb:01    |
#  | 10.0.0.1 |   | vni 100 proxy l2miss     |       | nolearning proxy   |   | 10.0.0.2 |
#  | fd00::1  |   |         l3miss           |       | static: aa:01 -> A |   | fd00::2  |
#  +----------+   | nothing about VM2        |       |                    |   +----------+
#                 | monitor --exec resolver  |       |                    |
#                 | ul0 192.0.2.1  +--------veth------+ ul0 192.0.2.2      |
#                 +--------------------------+       +--------------------+
#
# Checks: VM1 reaches VM2 over IPv4 and IPv6 once the resolver has
# answered; the monitor printed the misses in `ip monitor neigh` words;
# the fast path carried the traffic (tx_encap, rx_decap).

source "$(dirname "$0")/lib_interop.sh"

# resolver_write FILE DIRECTORY: the --exec program (PROG EVENT VNI ADDR).
resolver_write()
{
	local f=$1 db=$2

	cat >"$f" <<EOF
#!/usr/bin/env bash
# Runs inside host A's network namespace (inherited from the monitor),
# so plain vxbpf acts on A's maps.
set -u
event=\$1 vni=\$2 addr=\$3
while read -r ip mac vtep; do
	case \$event in
	l3miss) [[ \$ip == "\$addr" ]] &&
		exec "$VXBPF" neigh replace "\$ip" lladdr "\$mac" vni "\$vni" ;;
	l2miss) [[ \$mac == "\$addr" ]] &&
		exec "$VXBPF" fdb replace "\$mac" vni "\$vni" dst "\$vtep" ;;
	esac
done <"$db"
exit 0
EOF
	chmod +x "$f"
}

dynamic_l3()
{
	local name="dynamic L3: misses answered by monitor --exec, fast path carries it"
	local tmp out pid n

	require_tools_or_skip jq || { log_test "$name"; return; }
	vxbpf_available || { check_err 1 "$VXBPF not built"; log_test "$name"; return; }
	A=$(ns_name hostA) B=$(ns_name hostB) V1=$(ns_name vm1) V2=$(ns_name vm2)
	TOPO_KIND=linux
	ns_add hostA && ns_add hostB && ns_add vm1 && ns_add vm2 ||
		{ check_err 1 "namespace creation failed"; log_test "$name"; return; }
	vxt_tmpdir tmp
	if ! { UL_STATIC_NEIGH=0 underlay_add "$A" "$B" 4 &&
		vm_add "$A" "$V1" "$VM1_MAC" "$VM1_V4" "$VM1_V6" 1450 &&
		vm_add "$B" "$V2" "$VM2_MAC" "$VM2_V4" "$VM2_V6" 1450 &&
		linux_vtep "$B" "$UL4_B" 1450 &&
		linux_remote_vm "$B" "$UL4_A" "$VM1_MAC" "$VM1_V4" "$VM1_V6"; } >/dev/null 2>&1; then
		check_err 1 "topology setup failed"
		log_test "$name"
		return
	fi
	if ! out=$(vxbpf_run "$A" vni add $VNI local "$UL4_A" proxy l2miss l3miss 2>&1 &&
		vxbpf_run "$A" port add vm0 vni $VNI 2>&1 &&
		vxbpf_run "$A" fdb add "$VM1_MAC" vni $VNI dev vm0 2>&1 &&
		vxbpf_run "$A" attach ul0 2>&1); then
		check_err 1 "hostA: $out"
		log_test "$name"
		return
	fi

	# The control plane's directory: what it would answer.
	printf '%s %s %s\n' "$VM2_V4" "$VM2_MAC" "$UL4_B" "$VM2_V6" "$VM2_MAC" "$UL4_B" \
		>"$tmp/directory"
	resolver_write "$tmp/resolver" "$tmp/directory"
	"$VXBPF" -n "$A" monitor --exec "$tmp/resolver" >"$tmp/monitor.log" 2>&1 &
	pid=$!
	bg_track $pid
	sleep 0.3

	ping_retry "$V1" "$VM2_V4" 10 || fail_with_stats "VM1 -> $VM2_V4: no answer within 10s"
	ping_retry "$V1" "$VM2_V6" 10 || fail_with_stats "VM1 -> $VM2_V6: no answer within 10s"
	ping_all "$V1" "$VM2_V4" 10 || fail_with_stats "VM1 -> $VM2_V4: loss once resolved"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null

	grep -q "^miss $VM2_V4 vni $VNI dev vm0$" "$tmp/monitor.log" ||
		check_err 1 "no 'miss $VM2_V4 vni $VNI' line: $(head -c 300 "$tmp/monitor.log")"
	grep -q "^miss $VM2_V6 vni $VNI dev vm0$" "$tmp/monitor.log" ||
		check_err 1 "no 'miss $VM2_V6 vni $VNI' line"
	grep -q "^miss lladdr $VM2_MAC vni $VNI dev vm0$" "$tmp/monitor.log" ||
		check_err 1 "no 'miss lladdr $VM2_MAC vni $VNI' line"
	# Deduplicated: a miss per key per second, not one per packet.
	n=$(grep -c "^miss $VM2_V4 " "$tmp/monitor.log")
	((n <= 12)) || check_err 1 "$n l3miss events for one address in ~10 s"
	out=$(vxbpf_run "$A" -j neigh show | jq -r '.[] | select(.dst == "'"$VM2_V4"'") | .lladdr')
	[[ $out == "$VM2_MAC" ]] || check_err 1 "neigh entry for $VM2_V4 is '$out'"
	check_counter_gt "$A" reason tx_encap 0
	check_counter_gt "$A" reason rx_decap 0
	log_test "$name"
}

# miss_host: host A with VM1 on a port of VNI 100 (proxy l3miss), nothing
# else: every address VM1 asks for is a miss.
miss_host()
{
	local out

	vxbpf_available || { check_err 1 "$VXBPF not built"; return 1; }
	A=$(ns_name hostA) V1=$(ns_name vm1)
	ns_add hostA && ns_add vm1 || { check_err 1 "namespace creation failed"; return 1; }
	vm_add "$A" "$V1" "$VM1_MAC" "$VM1_V4" "$VM1_V6" 1450 >/dev/null 2>&1 ||
		{ check_err 1 "vm setup failed"; return 1; }
	out=$(vxbpf_run "$A" vni add $VNI local "$UL4_A" proxy l3miss 2>&1 &&
		vxbpf_run "$A" port add vm0 vni $VNI 2>&1) ||
		{ check_err 1 "hostA: $out"; return 1; }
}

# The JSON form of the same events, and --count.
monitor_json()
{
	local name="monitor -j --count: one JSON object per event; a program that cannot run, a JSON warning"
	local tmp out line

	require_tools_or_skip jq || { log_test "$name"; return; }
	miss_host || { log_test "$name"; return; }
	vxt_tmpdir tmp
	# The --exec child that cannot exec says so on the monitor's stderr.
	timeout 20 "$VXBPF" -n "$A" -j monitor --count 1 --exec "$tmp/no-such-program" \
		>"$tmp/mon.json" 2>"$tmp/mon.err" &
	bg_track $!
	sleep 0.3
	ip netns exec "$V1" ping -n -q -c 2 -W 1 10.0.0.77 >/dev/null 2>&1
	wait $! 2>/dev/null
	line=$(head -n 1 "$tmp/mon.json")
	out=$(jq -r '"\(.event) \(.dst) \(.vni) \(.dev)"' <<<"$line" 2>/dev/null)
	[[ $out == "l3miss 10.0.0.77 $VNI vm0" ]] || check_err 1 "got '$line'"
	# One event, then (--exec) the summary of what became of it.
	(($(wc -l <"$tmp/mon.json") == 2)) || check_err 1 "--count 1 printed: $(cat "$tmp/mon.json")"
	# A PROG that cannot be executed failed to start: not a run.
	out=$(tail -n 1 "$tmp/mon.json" | jq -r '.summary | "\(.events) \(.runs) \(.skipped) \(.failed)"' 2>/dev/null)
	[[ $out == "1 0 0 1" ]] || check_err 1 "summary: $(tail -n 1 "$tmp/mon.json")"
	wait_for 5 test -s "$tmp/mon.err" || check_err 1 "the failed --exec said nothing"
	jq -es 'length >= 1 and all(.warning | test("cannot run .*no-such-program"))' "$tmp/mon.err" >/dev/null ||
		check_err 1 "stderr is not JSON warnings: $(cat "$tmp/mon.err")"
	log_test "$name"
}

# A VM sending to many unknown addresses: the resolver runs at most
# --max-children times at once, the rest is skipped and said so; each run
# starts with SIGCHLD at its default (an ignored SIGCHLD is inherited
# across exec: a resolver's own children would be reaped behind its back).
monitor_children_bounded()
{
	local name="monitor --exec: at most --max-children runs at once, SIGCHLD default in them"
	local tmp out pid i max n sigign

	miss_host || { log_test "$name"; return; }
	vxt_tmpdir tmp
	mkdir "$tmp/running"
	# A slow resolver: notes itself while it runs, and its ignored signals.
	printf '%s\n' '#!/usr/bin/env bash' \
		"d=$tmp" \
		'touch "$d/running/$$"' \
		'ls "$d/running" | wc -l >>"$d/concurrency"' \
		'grep SigIgn /proc/self/status >>"$d/sigign"' \
		'sleep 2' \
		'rm -f "$d/running/$$"' >"$tmp/slow"
	chmod +x "$tmp/slow"
	"$VXBPF" -n "$A" monitor --exec "$tmp/slow" --max-children 4 >"$tmp/mon.log" 2>&1 &
	pid=$!
	bg_track $pid
	sleep 0.3
	# 60 unknown addresses, one l3miss each.
	for i in $(seq 10 69); do
		ip netns exec "$V1" ping -c 1 -W 1 "10.0.0.$i" >/dev/null 2>&1 &
	done
	# Up to 30 s: 60 `ip netns exec ping` take that long under emulation.
	wait_for 30 eval '(($(grep -c "^miss 10.0.0." "$tmp/mon.log") >= 60))' ||
		check_err 1 "$(grep -c "^miss 10.0.0." "$tmp/mon.log") of 60 misses seen"
	sleep 3
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	max=$(sort -n "$tmp/concurrency" | tail -n 1)
	n=$(wc -l <"$tmp/concurrency")
	((max <= 4)) || check_err 1 "$max resolvers at once, --max-children 4"
	((n >= 4 && n < 60)) || check_err 1 "$n resolver runs for 60 misses with at most 4 at once"
	grep -q "events not passed to the program" "$tmp/mon.log" || check_err 1 "skipped events not told"
	# The last line: what became of the events, in numbers that add up.
	out=$(tail -n 1 "$tmp/mon.log")
	[[ $out =~ ^summary:\ ([0-9]+)\ events,\ ([0-9]+)\ runs,\ ([0-9]+)\ skipped,\ 0\ failed\ to\ start\ \(--max-children\ 4, ]] &&
		((BASH_REMATCH[1] == BASH_REMATCH[2] + BASH_REMATCH[3] && BASH_REMATCH[2] == n)) ||
		check_err 1 "summary: '$out', $n runs recorded"
	# SIGCHLD is bit 17 (0x10000) of SigIgn.
	sigign=$(awk '{ print $2 }' "$tmp/sigign" | sort -u)
	for i in $sigign; do
		((0x$i & 0x10000)) && check_err 1 "the resolver started with SIGCHLD ignored (SigIgn $i)"
	done
	log_test "$name"
}

ALL_TESTS="dynamic_l3 monitor_json monitor_children_bounded"

require_root
require_cmd ip bridge ping
tests_run
tests_exit
