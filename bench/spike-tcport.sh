#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# SPIKE, not product: does a vxbpf port that runs TC instead of XDP keep the
# VM's TSO, and what does that buy VM to VM? Results and discussion:
# bench/app.md, "A TC port that keeps the VM's TSO: a measured spike".
#
# Configurations (CONFIGS; default vxbpf vxbpftc linux linuxmtu xdp2lin
# tc2lin), each built with tests/net/lib.sh's topo_build (the
# bench-app topology: vm1 - hostA - ul0 veth - hostB - vm2), measured
# interleaved in one run:
#   vxbpf    topo_build pair, as scripts/bench-app.sh: xdp_port_rx on vm0
#            (the VM's eth0 loses TSO: veth_fix_features);
#   vxbpftc  the same, then on both hosts (tcport below): vm0's XDP link
#            and its tc_port_rx link detached, vxbpf's own tc_host_tx
#            attached to vm0's TC *ingress* (cls_bpf, from a program pin),
#            hostdevs[vm0] = VNI 100, the VNI without outer UDP checksum
#            (noudpcsum / udp6zerocsumtx+rx), and static neighbours in the
#            VMs (no XDP, so no ARP/ND proxy). Receive is unchanged:
#            xdp_vxlan_rx on ul0 redirects into vm0;
#   vxbpfnocsum  vxbpf (XDP port) with the VNI as vxbpftc's: no outer UDP
#            checksum, to tell the checksum's share from TSO's;
#   linux    Linux vxlan + bridge (topo_build's reference, default udpcsum;
#            a veth never segments, so its 64 KB frames cross whole);
#   linuxmtu the same with TSO off on ul0 (bench-app's "Linux, wire
#            frames"): the sending host segments, the receiver's GRO merges;
#   xdp2lin, tc2lin  hostA vxbpf (XDP port, resp. TC port as vxbpftc),
#            hostB Linux vxlan + bridge (topo_build linux): hostB's ul0 has
#            no XDP, so hostA's ul0 keeps TSO and a GSO skb from the TC
#            port crosses the underlay whole, as a NIC with UDP tunnel TSO
#            would send it: the sending side alone, same receiver as linux.
# As bench-app's "std" way: GRO on every veth end, pfifo 1000 on the VMs'
# eth0 and on ul0, iperf3 client on CPU SEND_CPU, server on RECV_CPU,
# nice -10. REPS interleaved repetitions of iperf3 -P 1 and -P 8, SECS
# seconds each; medians. Counters over the whole run: frames/bytes hostA's
# vm0 received from the VM (GSO skbs or wire-sized), hostB's ul0 received,
# vxbpf's reasons. CPU s/GB "everything" as bench-app's std: schedstat of
# the iperf3 server and both ksoftirqd, the client's getrusage, per byte
# received. Correctness (vxbpftc, tc2lin): 20 pings both ways, a sha256-checked
# socat transfer both ways, ethtool -k eth0 in the VMs.
#
# Usage: bench/spike-tcport.sh  (env: REPS=3 SECS=4 FAMS="4" CONFIGS=...
# PERF_DIR=DIR PERF_ARGS=-g; SPIKE_OUT=FILE, default /tmp/spike-tcport.md:
# the report, also printed); xdp2lin and tc2lin are IPv4 only (hostB's Linux vxlan
# would need udp6zerocsumrx).
# Everything in namespaces vxsp-<pid>-*, removed on exit (lib.sh's trap).
set -uo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VXT_PREFIX=vxsp-$$
# shellcheck source=tests/net/lib.sh
source "$REPO_ROOT/tests/net/lib.sh"
BASE_PREFIX=$VXT_PREFIX

die() { echo "spike-tcport: $*" >&2; exit 1; }
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

require_root
require_cmd ip jq ethtool iperf3 taskset nsenter bpftool tc socat
[[ -x $REPO_ROOT/build/vxbpf ]] || die "build first: make build/vxbpf"
cp "$REPO_ROOT/build/vxbpf" "$VXT_TMP/vxbpf"
VXBPF=$VXT_TMP/vxbpf

REPS=${REPS:-3} SECS=${SECS:-4} FAMS=${FAMS:-4}
CONFIGS=${CONFIGS:-vxbpf vxbpftc linux linuxmtu xdp2lin tc2lin}
SEND_CPU=1 RECV_CPU=0 NICE=-10
RAW=$VXT_TMP/raw.tsv OUT=$VXT_TMP/report.md
: >"$RAW"
declare -A NS_A NS_B NS_V1 NS_V2 DST
KSOFT="$(pgrep -x ksoftirqd/0) $(pgrep -x ksoftirqd/1)"

nse() { local ns=$1; shift; nsenter --net=/var/run/netns/"$ns" "$@"; }

# tcport NS LOCAL FAM: turn NS's vxbpf port vm0 into a TC port (see top).
tcport()
{
	local ns=$1 local=$2 fam=$3 pin ifx vxi id l csum=noudpcsum

	pin=$PIN_ROOT/$(stat -L -c %i "/var/run/netns/$ns") || return 1
	ifx=$(ip -n "$ns" -j link show vm0 | jq -r '.[0].ifindex')
	# A GSO skb cannot get an outer UDP checksum per segment from BPF
	# (tx_host_csum): the VNI sends none (and, IPv6, accepts none).
	[[ $fam == 6 ]] && csum="udp6zerocsumtx udp6zerocsumrx"
	# shellcheck disable=SC2086
	"$VXBPF" -n "$ns" vni replace "$VNI" local "$local" proxy $csum || return 1
	# vxbpf pins no programs, only links: load tc_host_tx against this
	# namespace's maps by attaching it to a throwaway vxlan device, pin
	# the program, and detach (which also undoes attach's map entries).
	ip -n "$ns" link add vxspike type vxlan id "$VNI" local "$local" dstport 4789 nolearning ||
		return 1
	vxi=$(ip -n "$ns" -j link show vxspike | jq -r '.[0].ifindex')
	"$VXBPF" -n "$ns" attach vxspike >/dev/null || return 1
	id=$(nse "$ns" bpftool -j link show pinned "$pin/links/tc_out_$vxi" | jq -r '.prog_id')
	nse "$ns" bpftool prog pin id "$id" "$pin/spike_host_tx" || return 1
	"$VXBPF" -n "$ns" detach vxspike >/dev/null || return 1
	ip -n "$ns" link del vxspike
	# vm0: neither xdp_port_rx (its peer keeps TSO) nor tc_port_rx.
	for l in xdp tc_in; do
		id=$(nse "$ns" bpftool -j link show pinned "$pin/links/${l}_$ifx" | jq -r '.id')
		nse "$ns" bpftool link detach id "$id" || return 1
	done
	nse "$ns" tc qdisc add dev vm0 clsact || return 1
	nse "$ns" tc filter add dev vm0 ingress bpf direct-action object-pinned "$pin/spike_host_tx" ||
		return 1
	# hostdevs[ifindex] = { .vni = VNI, .flags = 0 }, little endian.
	nse "$ns" bpftool map update pinned "$pin/hostdevs" \
		key $((ifx & 255)) $((ifx >> 8 & 255)) 0 0 \
		value $((VNI & 255)) $((VNI >> 8 & 255)) 0 0 0 0 0 0 || return 1
}

build()
{
	local cfg=$1 fam=$2 k=$1/$2 kind=pair ref=0 ns dev csum l

	case $cfg in
	linux | linuxmtu) kind=linux ref=1 ;;
	xdp2lin | tc2lin) kind=linux ;; # hostA vxbpf, hostB Linux
	esac
	VXT_PREFIX=$BASE_PREFIX-$cfg$fam
	VXT_REFERENCE=$ref UL_STATIC_NEIGH=1 topo_build $kind "$fam" || die "$k: topo_build: $RETMSG"
	VXT_PREFIX=$BASE_PREFIX
	NS_A[$k]=$A NS_B[$k]=$B NS_V1[$k]=$V1 NS_V2[$k]=$V2
	[[ $fam == 4 ]] && DST[$k]=$VM2_V4 || DST[$k]=$VM2_V6
	for ns in "$A" "$B"; do
		for dev in ul0 vm0; do ip netns exec "$ns" ethtool -K $dev gro on >/dev/null; done
		ip netns exec "$ns" tc qdisc replace dev ul0 root pfifo limit 1000 || die "$k: qdisc"
	done
	for ns in "$V1" "$V2"; do
		ip netns exec "$ns" ethtool -K eth0 gro on >/dev/null
		ip netns exec "$ns" tc qdisc replace dev eth0 root pfifo limit 1000 || die "$k: qdisc"
	done
	if [[ $cfg == vxbpfnocsum ]]; then
		for ns in "$A" "$B"; do
			[[ $fam == 4 ]] && csum=noudpcsum || csum="udp6zerocsumtx udp6zerocsumrx"
			[[ $ns == "$A" ]] && l=$LA || l=$LB
			# shellcheck disable=SC2086
			"$VXBPF" -n "$ns" vni replace "$VNI" local "$l" proxy $csum || die "$k: vni replace"
		done
	fi
	if [[ $cfg == linuxmtu ]]; then
		# As bench-app's: the underlay carries wire-sized frames.
		for ns in "$A" "$B"; do
			ip netns exec "$ns" ethtool -K ul0 tso off tx-udp_tnl-segmentation off \
				tx-udp_tnl-csum-segmentation off >/dev/null || die "$k: ul0 tso off"
		done
	fi
	if [[ $cfg == vxbpftc || $cfg == tc2lin ]]; then
		tcport "$A" "$LA" "$fam" || die "$k: tcport hostA"
		ip -n "$V1" neigh replace "$VM2_V4" lladdr "$VM2_MAC" dev eth0 nud permanent
		ip -n "$V1" neigh replace "$VM2_V6" lladdr "$VM2_MAC" dev eth0 nud permanent
	fi
	if [[ $cfg == vxbpftc ]]; then
		tcport "$B" "$LB" "$fam" || die "$k: tcport hostB"
		ip -n "$V2" neigh replace "$VM1_V4" lladdr "$VM1_MAC" dev eth0 nud permanent
		ip -n "$V2" neigh replace "$VM1_V6" lladdr "$VM1_MAC" dev eth0 nud permanent
	fi
	echo "- $k: hostA ul0 $(ip netns exec "$A" ethtool -k ul0 | grep -E '^tcp-segmentation-offload|tx-udp_tnl-segmentation' | tr -s '\n\t' '  ')" >>"$VXT_TMP/tso"
	echo "- $k: vm1 eth0 $(ip netns exec "$V1" ethtool -k eth0 | grep -E '^(tcp-segmentation-offload|generic-segmentation-offload)' | tr -s '\n\t' '  ')" >>"$VXT_TMP/tso"
	taskset -c $RECV_CPU nice -n $NICE ip netns exec "$V2" iperf3 -s -p 5201 >/dev/null 2>&1 &
	bg_track $!
	ping_retry "$V1" "${DST[$k]}" 5 || die "$k: vm1 cannot reach vm2"
	wait_for 5 sh -c "ip netns exec $V2 ss -Hltn | grep -q ':5201 '" || die "$k: iperf3 server"
	SRV_PID[$k]=$(ip netns pids "$V2" | head -1)
}
declare -A SRV_PID

cputime()
{
	local p
	for p in "$@"; do cat /proc/"$p"/task/*/schedstat 2>/dev/null; done |
		awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# tcp CFG FAM FLOWS: RAW gets "tcp/FAM/FLOWS/CFG Gbit/s retransmits all_ns/B bytes".
tcp()
{
	local cfg=$1 fam=$2 p=$3 k=$1/$2 json=$VXT_TMP/iperf.json c0 c1

	# shellcheck disable=SC2086
	c0=$(cputime ${SRV_PID[$k]} $KSOFT)
	# PERF_DIR=DIR: a system-wide profile of each run (perf record -a
	# PERF_ARGS, e.g. -g).
	local perf_pid=
	if [[ -n ${PERF_DIR:-} ]]; then
		# shellcheck disable=SC2086
		perf record -q -a ${PERF_ARGS:-} -o "$PERF_DIR/$cfg$fam-$p.data" -- sleep "$SECS" </dev/null >/dev/null 2>&1 &
		perf_pid=$!
	fi
	taskset -c $SEND_CPU nice -n $NICE ip netns exec "${NS_V1[$k]}" \
		iperf3 -c "${DST[$k]}" -p 5201 -t "$SECS" -P "$p" -J >"$json" 2>&1 ||
		die "$k: iperf3 -P $p: $(jq -r '.error // empty' "$json" 2>/dev/null)"
	# shellcheck disable=SC2086
	c1=$(cputime ${SRV_PID[$k]} $KSOFT)
	[[ -n $perf_pid ]] && wait "$perf_pid"
	jq -r --arg key "tcp/$fam/$p/$cfg" --argjson c $((c1 - c0)) '
		.end.sum_received.bytes as $b |
		(.end.cpu_utilization_percent.host_total / 100 * .end.sum_sent.seconds * 1e9) as $cl |
		[$key, .end.sum_received.bits_per_second / 1e9, .end.sum_sent.retransmits,
		 ($c + $cl) / $b, $b] | @tsv' "$json" >>"$RAW"
}

# counters CFG FAM: one line of the counters that matter.
counters()
{
	local k=$1/$2 a=${NS_A[$1/$2]} b=${NS_B[$1/$2]}
	ip -n "$a" -j -s link show vm0 | jq -r '.[0].stats64 | "avm0rx \(.rx.packets) \(.rx.bytes)"'
	ip -n "$b" -j -s link show ul0 | jq -r '.[0].stats64 | "bul0rx \(.rx.packets) \(.rx.bytes) \(.rx.dropped)"'
	ip -n "$a" -j -s link show ul0 | jq -r '.[0].stats64 | "aul0tx \(.tx.packets) \(.tx.bytes) \(.tx.dropped)"'
	ip -n "$b" -j -s link show vm0 | jq -r '.[0].stats64 | "bvm0tx \(.tx.packets) \(.tx.bytes) \(.tx.dropped)"'
	[[ $1 == linux* ]] && return 0
	"$VXBPF" -n "$a" -j stats | jq -r '.reasons[] | select(.packets > 0) | "A_\(.reason) \(.packets) \(.bytes)"'
	if [[ $1 != *2lin ]]; then
		"$VXBPF" -n "$b" -j stats | jq -r '.reasons[] | select(.packets > 0) | "B_\(.reason) \(.packets) \(.bytes)"'
	fi
}

median()
{
	awk -F'\t' -v k="$1" -v c="$2" '$1 == k { print $c }' "$RAW" | sort -g |
		awk '{ v[NR] = $1 } END { if (!NR) { print "nan"; exit }
			print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

T0=$SECONDS
for fam in $FAMS; do
	for cfg in $CONFIGS; do
		build "$cfg" "$fam"
		k=$cfg/$fam
		taskset -c $SEND_CPU ip netns exec "${NS_V1[$k]}" iperf3 -c "${DST[$k]}" -t 1 >/dev/null 2>&1 ||
			die "$k: warm-up"
		counters "$cfg" "$fam" >"$VXT_TMP/c.$cfg$fam.0"
	done
	log "IPv$fam: $CONFIGS up"
	for ((r = 1; r <= REPS; r++)); do
		for p in 1 8; do for cfg in $CONFIGS; do tcp "$cfg" "$fam" $p; done; done
		log "IPv$fam: repetition $r of $REPS ($((SECONDS - T0)) s)"
	done
	for cfg in $CONFIGS; do counters "$cfg" "$fam" >"$VXT_TMP/c.$cfg$fam.1"; done
	# Correctness of the TC port, after the measurement (its counters
	# are already taken): pings and a checked transfer, both ways.
	for cfg in $CONFIGS; do
		[[ $cfg == vxbpftc || $cfg == tc2lin ]] || continue
		k=$cfg/$fam A=${NS_A[$k]} B=${NS_B[$k]} V1=${NS_V1[$k]} V2=${NS_V2[$k]}
		[[ $fam == 4 ]] && s1=$VM1_V4 s2=$VM2_V4 || s1=$VM1_V6 s2=$VM2_V6
		{
			ping_all "$V1" "$s2" 20 && echo "- $k: vm1 -> vm2 20 pings, all answered"
			ping_all "$V2" "$s1" 20 && echo "- $k: vm2 -> vm1 20 pings, all answered"
			m=$(tcp_transfer "$V1" "$V2" "$s2" 64) && echo "- $k: 64 MiB vm1 -> vm2 by socat, sha256 equal" ||
				echo "- $k: FAILED vm1 -> vm2: $m"
			m=$(tcp_transfer "$V2" "$V1" "$s1" 64) && echo "- $k: 64 MiB vm2 -> vm1 by socat, sha256 equal" ||
				echo "- $k: FAILED vm2 -> vm1: $m"
		} >>"$VXT_TMP/correct" 2>&1
	done
	vxt_cleanup
done

# ------------------------------------------------------------ report
f() { awk -v v="$1" -v d="$2" 'BEGIN { if (v == "nan") print "n/a"; else printf "%.*f", d, v }'; }
d() # d CFGFAM NAME FIELD: after - before
{
	awk -v n="$2" -v c="$3" 'FNR == 1 { file++ } $1 == n { v[file] = $(c + 1) }
		END { printf "%.0f\n", v[2] - v[1] }' "$VXT_TMP/c.$1.0" "$VXT_TMP/c.$1.1"
}
per() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", b ? a / b : 0 }'; }
{
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); kernel $(uname -r); $(nproc) vCPUs shared;" \
		"commit $(git -C "$REPO_ROOT" rev-parse --short HEAD); $REPS interleaved repetitions," \
		"iperf3 -t $SECS, medians; \`bench/spike-tcport.sh\`"
	for fam in $FAMS; do
		echo
		echo "IPv$fam underlay:"
		echo
		echo "| measure | ${CONFIGS// / | } |"
		echo "|---|$(for c in $CONFIGS; do printf -- '---|'; done)"
		for p in 1 8; do
			printf '| TCP, %s flow(s), Gbit/s |' $p
			for c in $CONFIGS; do printf ' %s |' "$(f "$(median "tcp/$fam/$p/$c" 2)" 2)"; done
			printf '\n| retransmits a run, %s flow(s) |' $p
			for c in $CONFIGS; do printf ' %s |' "$(f "$(median "tcp/$fam/$p/$c" 3)" 0)"; done
			printf '\n| CPU s/GB, everything, %s flow(s) |' $p
			for c in $CONFIGS; do printf ' %s |' "$(f "$(median "tcp/$fam/$p/$c" 4)" 3)"; done
			echo
		done
		printf '| hostA vm0: frames from vm1, bytes a frame |'
		for c in $CONFIGS; do
			printf ' %s, %s |' "$(d "$c$fam" avm0rx 1)" "$(per "$(d "$c$fam" avm0rx 2)" "$(d "$c$fam" avm0rx 1)")"
		done
		printf '\n| hostB ul0: frames received, bytes a frame |'
		for c in $CONFIGS; do
			printf ' %s, %s |' "$(d "$c$fam" bul0rx 1)" "$(per "$(d "$c$fam" bul0rx 2)" "$(d "$c$fam" bul0rx 1)")"
		done
		echo
		echo
		for c in $CONFIGS; do
			[[ $c == linux* ]] && continue
			printf -- '- %s/%s reasons that grew (packets, bytes a packet):' "$c" "$fam"
			# shellcheck disable=SC2013
			for n in $(awk '$1 ~ /^[AB]_/ { print $1 }' "$VXT_TMP/c.$c$fam.1"); do
				v=$(d "$c$fam" "$n" 1)
				((v > 0)) && printf ' %s %s (%s);' "$n" "$v" "$(per "$(d "$c$fam" "$n" 2)" "$v")"
			done
			printf ' drops: hostA ul0 tx %s, hostB ul0 rx %s, hostB vm0 tx %s\n' \
				"$(d "$c$fam" aul0tx 3)" "$(d "$c$fam" bul0rx 3)" "$(d "$c$fam" bvm0tx 3)"
		done
	done
	echo
	cat "$VXT_TMP/tso" "$VXT_TMP/correct" 2>/dev/null
	echo
	echo '```'
	cat "$RAW"
	echo '```'
} >"$OUT"
cat "$OUT"
cp "$OUT" "${SPIKE_OUT:-/tmp/spike-tcport.md}"
log "done in $((SECONDS - T0)) s"
