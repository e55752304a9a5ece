#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vxbpf metrics: the Prometheus text format, checked by promtool, with the
# numbers of vxbpf -j stats (packets and bytes per reason, per VNI, flood
# frames and copies); a mirror daemon's health; served at /metrics by
# --listen.
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
	# Broadcasts, replicated to hostB by the flood list: flood counters.
	out=$(vxbpf_run "$A" fdb append 00:00:00:00:00:00 vni $VNI dst "$LB" 2>&1) || check_err 1 "$out"
	ip netns exec "$V1" ping -b -c 3 -i 0.01 -W 1 -q 10.0.0.255 >/dev/null 2>&1
	vxt_tmpdir dir
	m="$dir/metrics" s="$dir/stats.json"
	# Nothing moves between the two reads.
	quiesce || check_err 1 "quiesce"
	vxbpf_run "$A" metrics >"$m" || check_err 1 "vxbpf metrics failed"
	vxbpf_run "$A" -j stats >"$s" || check_err 1 "vxbpf -j stats failed"
	out=$(promtool check metrics <"$m" 2>&1) || check_err 1 "promtool: $out"
	for r in $(jq -r '.reasons[].reason' "$s"); do
		for f in packets bytes; do
			want=$(jq -r ".reasons[] | select(.reason == \"$r\") | .$f" "$s")
			got=$(metric "$m" vxbpf_${f}_total "{reason=\"$r\"}")
			[[ $got == "$want" ]] || check_err 1 "$r $f: metrics say ${got:-nothing}, stats $want"
		done
	done
	for f in rx_packets rx_bytes tx_packets tx_bytes; do
		want=$(jq -r ".vnis[] | select(.vni == $VNI) | .$f" "$s")
		got=$(metric "$m" "vxbpf_vni_${f}_total" "{vni=\"$VNI\"}")
		[[ $got == "$want" ]] || check_err 1 "vni $f: metrics say ${got:-nothing}, stats $want"
	done
	# A stats field, then the metric's name and its labels past the VNI's.
	while read -r f got; do
		want=$(jq -r ".vnis[] | select(.vni == $VNI) | .$f" "$s")
		got=$(metric "$m" "${got%%\{*}" "{vni=\"$VNI\",${got#*\{}")
		[[ $got == "$want" ]] || check_err 1 "vni $f: metrics say ${got:-nothing}, stats $want"
	done <<'EOF'
flood_tx_frames vxbpf_vni_flood_frames_total{direction="tx"}
flood_rx_frames vxbpf_vni_flood_frames_total{direction="rx"}
flood_tx_port_copies vxbpf_vni_flood_copies_total{direction="tx",to="port"}
flood_tx_vtep_copies vxbpf_vni_flood_copies_total{direction="tx",to="vtep"}
flood_rx_port_copies vxbpf_vni_flood_copies_total{direction="rx",to="port"}
EOF
	got=$(metric "$m" vxbpf_vni_flood_copies_total "{vni=\"$VNI\",direction=\"tx\",to=\"vtep\"}")
	((got >= 3)) || check_err 1 "${got:-no} flood copies to a VTEP for 3 broadcasts"
	got=$(metric "$m" vxbpf_vni_rx_packets_total "{vni=\"$VNI\"}")
	((got >= 20)) || check_err 1 "only $got frames decapsulated: the fast path did not carry the pings"
	got=$(metric "$m" vxbpf_map_entries '{map="fdb"}')
	# The all-zero MAC's remotes are the flood map's, not the fdb map's.
	want=$(vxbpf_run "$A" -j fdb show | jq 'map(select(.mac != "00:00:00:00:00:00")) | length')
	[[ $got == "$want" ]] || check_err 1 "fdb entries: metrics say ${got:-nothing}, fdb show $want"
	log_test "$name"
}

# mirror_resyncs NS PID: the daemon's resyncs as metrics tells them (0 if none).
mirror_resyncs()
{
	vxbpf_run "$1" metrics 2>/dev/null |
		awk -v key="vxbpf_mirror_resyncs_total{pid=\"$2\"" 'index($1, key) == 1 { n = $2 } END { print n + 0 }'
}

# A mirror daemon's health: a resync counted, promtool still content.
t_mirror_metrics()
{
	local name="metrics: a mirror daemon's resyncs, last success and sync state"
	local ns dir pid out got labels

	mirror_ns_add mm || { check_err 1 "namespace and devices"; log_test "$name"; return; }
	ns=$(ns_name mm)
	vxt_tmpdir dir
	"$VXBPF" -n "$ns" mirror vxlan100 2>"$dir/err" &
	pid=$!
	bg_track "$pid"
	wait_for 10 eval '(($(mirror_resyncs "$ns" "$pid") >= 1))' ||
		check_err 1 "no resync counted: $(cat "$dir/err")"
	vxbpf_run "$ns" metrics >"$dir/metrics" || check_err 1 "vxbpf metrics failed"
	out=$(promtool check metrics <"$dir/metrics" 2>&1) || check_err 1 "promtool: $out"
	labels="{pid=\"$pid\",devices=\"vxlan100\"}"
	got=$(metric "$dir/metrics" vxbpf_mirror_in_sync "$labels")
	[[ $got == 1 ]] || check_err 1 "in_sync ${got:-missing}: $(grep '^vxbpf_mirror' "$dir/metrics" | head -n 3)"
	got=$(metric "$dir/metrics" vxbpf_mirror_last_success_timestamp_seconds "$labels")
	awk -v t="${got:-0}" -v now="$(date +%s)" 'BEGIN { exit !(t > now - 60 && t <= now + 1) }' ||
		check_err 1 "last success ${got:-missing}, not just now"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	vxbpf_run "$ns" metrics | grep -q "^vxbpf_mirror_resyncs_total{pid=\"$pid\"" &&
		check_err 1 "a stopped daemon still reported"
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

# A monitor whose first write of its counts failed (its state directory
# under /run/vxbpf could not be made: a file stood there) is in the
# metrics a second after the way is clear, with no event: the write is
# tried again, not only at the next change of a count.
t_monitor_retry()
{
	local name="metrics: a monitor whose first publish failed appears once it can write, without an event"
	local ns pins sdir pid dir

	ns_add mr || { check_err 1 "namespace"; log_test "$name"; return; }
	ns=$(ns_name mr)
	vxbpf_run "$ns" vni add $VNI local 192.0.2.1 >/dev/null 2>&1 || check_err 1 "vni add"
	pins=$(vxbpf_run "$ns" -j status | jq -r .pin_dir)
	sdir=/run/vxbpf/${pins//\//_}
	[[ -e $sdir ]] && { check_err 1 "$sdir exists already"; log_test "$name"; return; }
	mkdir -p /run/vxbpf && touch "$sdir" || { check_err 1 "cannot block $sdir"; log_test "$name"; return; }
	vxt_tmpdir dir
	"$VXBPF" -n "$ns" monitor >/dev/null 2>"$dir/err" &
	pid=$!
	bg_track "$pid"
	sleep 1.5
	vxbpf_run "$ns" metrics 2>/dev/null | grep -q "^vxbpf_monitor_exec_running{pid=\"$pid\"" &&
		check_err 1 "the monitor published with its state directory blocked"
	rm -f "$sdir"
	wait_for 10 eval 'vxbpf_run "$ns" metrics 2>/dev/null | grep -q "^vxbpf_monitor_exec_running{pid=\"$pid\""' ||
		check_err 1 "the monitor not in the metrics 10 s after its state directory could be made"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[[ -f $sdir ]] && rm -f "$sdir"
	log_test "$name"
}

ALL_TESTS="t_metrics t_mirror_metrics t_listen t_monitor_retry"

require_root
require_cmd ip bridge jq curl promtool
tests_run
tests_exit
