#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vxbpf metrics: the Prometheus text format, checked by promtool, with the
# numbers of vxbpf -j stats; served at /metrics by --listen.
#
#   vm1 ─ hostA (vxbpf) ─ ul0 ══ ul0 ─ hostB (Linux vxlan) ─ vm2
#
# Run: tests/net/metrics.sh  (TESTS=... to select, VERBOSE=1)

source "$(dirname "$0")/lib.sh"

# metric FILE NAME LABELS: the sample's value ("" if none).
metric()
{
	awk -v key="$2$3" '$1 == key { print $2 }' "$1"
}

t_metrics()
{
	local name="metrics: promtool accepts them, and they are the numbers of vxbpf -j stats"
	local dir m s r f got want out

	UL_STATIC_NEIGH=1 topo_build linux 4 || { log_test "$name"; return; }
	ping_retry "$V1" "$VM2_V4" 5 || check_err 1 "vm1 cannot reach vm2"
	ip netns exec "$V1" ping -c 20 -i 0.01 -q "$VM2_V4" >/dev/null 2>&1
	vxt_tmpdir dir
	m="$dir/metrics" s="$dir/stats.json"
	# Nothing moves between the two reads.
	quiesce || check_err 1 "quiesce"
	vxbpf_run "$A" metrics >"$m" || check_err 1 "vxbpf metrics failed"
	vxbpf_run "$A" -j stats >"$s" || check_err 1 "vxbpf -j stats failed"
	out=$(promtool check metrics <"$m" 2>&1) || check_err 1 "promtool: $out"
	for r in $(jq -r '.reasons[].reason' "$s"); do
		want=$(jq -r ".reasons[] | select(.reason == \"$r\") | .packets" "$s")
		got=$(metric "$m" vxbpf_packets_total "{reason=\"$r\"}")
		[[ $got == "$want" ]] || check_err 1 "$r: metrics say ${got:-nothing}, stats $want"
	done
	for f in rx_packets rx_bytes tx_packets tx_bytes; do
		want=$(jq -r ".vnis[] | select(.vni == $VNI) | .$f" "$s")
		got=$(metric "$m" "vxbpf_vni_${f}_total" "{vni=\"$VNI\"}")
		[[ $got == "$want" ]] || check_err 1 "vni $f: metrics say ${got:-nothing}, stats $want"
	done
	got=$(metric "$m" vxbpf_vni_rx_packets_total "{vni=\"$VNI\"}")
	((got >= 20)) || check_err 1 "only $got frames decapsulated: the fast path did not carry the pings"
	got=$(metric "$m" vxbpf_map_entries '{map="fdb"}')
	want=$(vxbpf_run "$A" -j fdb show | jq length)
	[[ $got == "$want" ]] || check_err 1 "fdb entries: metrics say ${got:-nothing}, fdb show $want"
	log_test "$name"
}

t_listen()
{
	local name="metrics --listen: /metrics served on loopback, 404 elsewhere, bad addresses refused"
	local dir pid code out

	topo_build linux 4 || { log_test "$name"; return; }
	vxt_tmpdir dir
	"$VXBPF" -n "$A" metrics --listen 9477 2>"$dir/err" &
	pid=$!
	bg_track "$pid"
	wait_for 5 ip netns exec "$A" curl -sf -o "$dir/page" http://127.0.0.1:9477/metrics ||
		check_err 1 "nothing served: $(cat "$dir/err")"
	out=$(promtool check metrics <"$dir/page" 2>&1) || check_err 1 "promtool on the served page: $out"
	grep -q '^vxbpf_packets_total{reason="rx_decap"}' "$dir/page" || check_err 1 "the page lacks the counters"
	code=$(ip netns exec "$A" curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9477/other)
	[[ $code == 404 ]] || check_err 1 "/other: HTTP $code, not 404"
	# Loopback only by default: not on the underlay address.
	ip netns exec "$A" curl -s -m 2 -o /dev/null "http://$LA:9477/metrics" &&
		check_err 1 "served on $LA without being asked"
	kill -TERM "$pid"
	wait "$pid" || check_err 1 "metrics --listen did not stop cleanly on SIGTERM"
	out=$(vxbpf_run "$A" metrics --listen 1.2.3:80 2>&1) && check_err 1 "a bad address was taken"
	[[ $out == *"invalid listen address"* ]] || check_err 1 "bad address: $out"
	log_test "$name"
}

ALL_TESTS="t_metrics t_listen"

require_root
require_cmd ip jq curl promtool
tests_run
tests_exit
