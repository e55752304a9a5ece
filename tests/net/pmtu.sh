#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Path MTU for VMs whose MTU was not lowered for VXLAN: vxbpf answers a
# frame that no longer fits the underlay once encapsulated as Linux's vxlan
# device does (5.9 and later), with ICMP "fragmentation needed" or ICMPv6
# "packet too big" from the inner destination, and the VM's TCP adapts.
#
#   vm1 (MTU 1500) ─ hostA (vxbpf; Linux for the reference) ═ ul0 (MTU 1500) ═ hostB (Linux vxlan) ─ vm2 (MTU 1500)
#
# Checks: the replies to the same frames (scapy, from vm1) are the same
# bytes from vxbpf as from Linux; `ping -M do -s 1472` gets "Frag needed ...
# mtu = 1450" (1430 over an IPv6 underlay), IPv6 "Packet too big"; a 16 MiB
# TCP transfer from vm1 completes after path MTU discovery, sha256 equal.
# Frames without DF: over IPv4 the same outer fragments on the wire as
# from Linux and every datagram intact at vm2, with the VM's checksum
# offload off and on; the Linux host's fragments reassembled by vxbpf;
# between two vxbpf hosts both ways; over IPv6 lost, as with Linux.
#
# Run: tests/net/pmtu.sh  (TESTS=... to select, VERBOSE=1)

source "$(dirname "$0")/lib.sh"

# vm_mtu_1500: the VMs and the hosts' bridges at 1500, as on a network
# whose MTU nobody lowered; the underlay stays 1500.
vm_mtu_1500()
{
	local ns
	ip -n "$V1" link set eth0 mtu 1500 && ip -n "$A" link set vm0 mtu 1500 &&
		ip -n "$V2" link set eth0 mtu 1500 && ip -n "$B" link set vm0 mtu 1500 || return 1
	for ns in "$A" "$B"; do
		ip -n "$ns" link show vxlan$VNI >/dev/null 2>&1 || continue
		ip -n "$ns" link set vxlan$VNI mtu 1500 && ip -n "$ns" link set br0 mtu 1500 || return 1
	done
}

# too_big FAM: frames from vm1 that do not fit once encapsulated, with
# fixed contents: IPv4 UDP with DF, 1500 bytes; IPv6 UDP, 1500 bytes.
too_big()
{
	ip netns exec "$V1" /usr/bin/python3 - "$VM1_MAC" "$VM2_MAC" "$VM1_V4" "$VM2_V4" \
		"$VM1_V6" "$VM2_V6" <<'EOF'
import sys
from scapy.all import Ether, IP, IPv6, UDP, Raw, sendp
m1, m2, a4, b4, a6, b6 = sys.argv[1:7]
pay = bytes(range(256)) * 6
pkts = [Ether(src=m1, dst=m2) / IP(src=a4, dst=b4, id=0x77, flags="DF", ttl=62) /
        UDP(sport=4000, dport=9) / Raw(pay[:1472]),
        Ether(src=m1, dst=m2) / IPv6(src=a6, dst=b6, hlim=61, fl=0x12345) /
        UDP(sport=4000, dport=9) / Raw(pay[:1452])]
sendp(pkts, iface="eth0", verbose=False)
EOF
}

# replies FAM OUT: build (hostA as $VXT_REFERENCE says), send too_big from
# vm1, keep the ICMP errors vm1 got in OUT (hex, a line per frame).
replies()
{
	local fam=$1 out=$2

	topo_build linux "$fam" && vm_mtu_1500 || return 1
	# vm2 answers nothing (no port 9); what matters is what comes back.
	capture_start "$V1" eth0 "$out.pcap" "(icmp and icmp[0] == 3) or (icmp6 and ip6[40] == 2)" ||
		{ check_err 1 "capture"; return 1; }
	too_big || { check_err 1 "scapy could not send"; return 1; }
	capture_stop
	tcpdump -r "$out.pcap" -xx 2>/dev/null |
		awk '/^[0-9]/ { if (f) print f; f = "" } /^\t0x/ { $1 = ""; gsub(/ /, ""); f = f $0 } END { if (f) print f }' >"$out"
}

t_pmtu()
{
	local fam=$1 mtu name n out
	if [[ $fam == 4 ]]; then mtu=1450; else mtu=1430; fi
	name="path MTU: ICMP frag needed / packet too big as Linux sends them, ping and TCP adapt (IPv$fam underlay, mtu $mtu)"

	VXT_REFERENCE=1 replies "$fam" "$VXT_TMP/linux" || { log_test "$name"; return; }
	vxt_cleanup
	VXT_REFERENCE=0 replies "$fam" "$VXT_TMP/vxbpf" || { log_test "$name"; return; }
	n=$(wc -l <"$VXT_TMP/linux")
	((n == 2)) || check_err 1 "Linux sent $n of 2 replies (the reference is off)"
	cmp -s "$VXT_TMP/linux" "$VXT_TMP/vxbpf" ||
		check_err 1 "not what Linux sends: $(diff <(fold -w 64 "$VXT_TMP/linux") <(fold -w 64 "$VXT_TMP/vxbpf") | head -n 6 | tr '\n' ' ')"
	check_counter_gt "$A" reason tx_pmtu_reply 1

	# What a VM's own stack makes of it.
	out=$(ip netns exec "$V1" ping -c 1 -W 2 -M do -s 1472 "$VM2_V4" 2>&1)
	grep -q "Frag needed.*mtu = $mtu" <<<"$out" || check_err 1 "ping -M do -s 1472: $(tr '\n' ' ' <<<"$out")"
	out=$(ip netns exec "$V1" ping -6 -c 1 -W 2 -M do -s 1452 "$VM2_V6" 2>&1)
	grep -q "Packet too big: mtu=$mtu" <<<"$out" || check_err 1 "ping -6 -M do -s 1452: $(tr '\n' ' ' <<<"$out")"
	out=$(tcp_transfer "$V1" "$V2" "$VM2_V4" 16) || check_err 1 "TCP from vm1 (MTU 1500): $out"
	out=$(tcp_transfer "$V2" "$V1" "$VM1_V4" 16) || check_err 1 "TCP to vm1 (MTU 1500): $out"
	check_counter_gt "$A" reason tx_encap 1000
	((RET == 0)) || RETMSG+=" [$(vxbpf_stats_brief "$A")]"
	log_test "$name"
}

pmtu_ul4() { t_pmtu 4; }
pmtu_ul6() { t_pmtu 6; }

# udp_nodf NS DST COUNT SIZE: COUNT UDP datagrams of SIZE bytes (a pattern)
# to DST port 7001, without DF (IP_PMTUDISC_DONT).
udp_nodf()
{
	ip netns exec "$1" /usr/bin/python3 - "$2" "$3" "$4" <<'PY'
import socket, sys, time
dst, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER, IP_PMTUDISC_DONT
pay = (bytes(range(256)) * (size // 256 + 1))[:size]
for i in range(n):
    s.sendto(pay, (dst, 7001))
    time.sleep(0.002)
PY
}

# udp_sink NS OUT: count in OUT the datagrams on port 7001 that arrive
# intact (the pattern udp_nodf sends), until 2 s pass without one.
udp_sink()
{
	ip netns exec "$1" /usr/bin/python3 - "$2" <<'PY' &
import socket, sys
out = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7001))
open(out + ".ready", "w").close()
s.settimeout(10)
good = bad = 0
try:
    while True:
        d = s.recv(65535)
        s.settimeout(2)
        if d == (bytes(range(256)) * (len(d) // 256 + 1))[:len(d)]:
            good += 1
        else:
            bad += 1
except socket.timeout:
    pass
open(out, "w").write("%d %d\n" % (good, bad))
PY
	bg_track $!
	local i
	for ((i = 0; i < 50; i++)); do
		[[ -e $2.ready ]] && return 0
		sleep 0.1
	done
	return 1
}

# frag_run FAM DIR: hostA as VXT_REFERENCE says, VMs at MTU 1500; vm1 sends
# without DF 30 datagrams of 1,472 bytes (a 1,500-byte IP packet, 50 too
# many for the underlay) and 10 of 4,000 (which vm1 fragments itself),
# then 10 of 1,472 with its checksum offload on.
# DIR/got: "good bad" at vm2; DIR/frags: the outer fragments on hostB's
# underlay, "length offset flags ttl" each, sorted.
frag_run()
{
	local fam=$1 dir=$2 w

	rm -rf "$dir" && mkdir -p "$dir"
	topo_build linux "$fam" && vm_mtu_1500 || return 1
	# Checksums final in the VM first.
	ip netns exec "$V1" ethtool -K eth0 tx off >/dev/null || return 1
	ping_retry "$V1" "$VM2_V4" 5 || { check_err 1 "vm1 cannot reach vm2"; return 1; }
	udp_sink "$V2" "$dir/got" || { check_err 1 "udp sink"; return 1; }
	capture_start "$B" ul0 "$dir/ul.pcap" "ip and (ip[6:2] & 0x3fff != 0)" ||
		{ check_err 1 "capture"; return 1; }
	udp_sink "$V1" "$dir/back" || { check_err 1 "udp sink"; return 1; }
	udp_nodf "$V1" "$VM2_V4" 30 1472 && udp_nodf "$V1" "$VM2_V4" 10 4000 ||
		{ check_err 1 "sender"; return 1; }
	# And with the VM's checksum offload on (the checksum left to the
	# device: vxbpf finishes it on the way, frag.h).
	ip netns exec "$V1" ethtool -K eth0 tx on >/dev/null || return 1
	udp_nodf "$V1" "$VM2_V4" 10 1472 || { check_err 1 "sender"; return 1; }
	# And back: hostB's fragments, reassembled by hostA.
	ip netns exec "$V2" ethtool -K eth0 tx off >/dev/null || return 1
	udp_nodf "$V2" "$VM1_V4" 30 1472 && udp_nodf "$V2" "$VM1_V4" 10 4000 ||
		{ check_err 1 "sender"; return 1; }
	for ((w = 0; w < 100; w++)); do
		[[ -s $dir/got && -s $dir/back ]] && break
		sleep 0.1
	done
	capture_stop
	tcpdump -nvr "$dir/ul.pcap" 2>/dev/null |
		sed -n 's/.*ttl \([0-9]*\),.*offset \([0-9]*\), flags \[\([^]]*\)\].*length \([0-9]*\)).*/\4 \2 \3 \1/p' |
		sort | uniq -c >"$dir/frags"
	[[ -s $dir/got ]] || echo "0 0" >"$dir/got"
	[[ -s $dir/back ]] || echo "0 0" >"$dir/back"
}

t_frag()
{
	local fam=$1 name got
	name="outer fragments: frames without DF carried as Linux carries them (IPv$fam underlay)"
	[[ $fam == 6 ]] && name="outer fragments: none over IPv6, frames without DF lost as with Linux (IPv6 underlay)"

	VXT_REFERENCE=1 frag_run "$fam" "$VXT_TMP/frag-linux" || { log_test "$name"; return; }
	vxt_cleanup
	VXT_REFERENCE=0 frag_run "$fam" "$VXT_TMP/frag-vxbpf" || { log_test "$name"; return; }
	log_verbose "linux: $(cat "$VXT_TMP/frag-linux/got") $(tr '\n' ' ' <"$VXT_TMP/frag-linux/frags")"
	log_verbose "vxbpf: $(cat "$VXT_TMP/frag-vxbpf/got") $(tr '\n' ' ' <"$VXT_TMP/frag-vxbpf/frags")"
	got=$(cat "$VXT_TMP/frag-vxbpf/got")
	if [[ $fam == 4 ]]; then
		[[ $(cat "$VXT_TMP/frag-linux/got") == "50 0" ]] ||
			check_err 1 "Linux delivered $(cat "$VXT_TMP/frag-linux/got") (good bad) of 50: the reference is off"
		[[ $got == "50 0" ]] || check_err 1 "vm2 got $got (good bad) of 50 datagrams"
		got=$(cat "$VXT_TMP/frag-vxbpf/back")
		[[ $got == "40 0" ]] || check_err 1 "vm1 got $got (good bad) of 40 datagrams from vm2"
		# 30 + 2 of each 4,000-byte datagram's 3 fragments, reassembled.
		check_counter_gt "$A" reason rx_frag_held 49
		cmp -s "$VXT_TMP/frag-linux/frags" "$VXT_TMP/frag-vxbpf/frags" ||
			check_err 1 "fragments (count length offset flags ttl) not Linux's: $(diff "$VXT_TMP/frag-linux/frags" "$VXT_TMP/frag-vxbpf/frags" | tr '\n' ' ' | head -c 400)"
		# 30 + 10 + 2 of each 4,000-byte datagram's 3 fragments.
		check_counter_gt "$A" reason tx_copy_frags 59
	else
		[[ $(cat "$VXT_TMP/frag-linux/got") == "0 0" ]] ||
			check_err 1 "Linux delivered $(cat "$VXT_TMP/frag-linux/got") over IPv6: the reference is off"
		[[ $got == "0 0" ]] || check_err 1 "vm2 got $got (good bad) over IPv6"
		check_counter_gt "$A" reason tx_copy_mtu 59
	fi
	((RET == 0)) || RETMSG+=" [$(vxbpf_stats_brief "$A")]"
	log_test "$name"
}

# Two hosts with vxbpf alone: each fragments what does not fit and
# reassembles what the other fragmented; ping without DF works both ways.
t_frag_pair()
{
	local name="outer fragments between two vxbpf hosts: sent, reassembled, ping -M dont both ways"
	local dir got out

	topo_build pair 4 && vm_mtu_1500 || { log_test "$name"; return; }
	ip netns exec "$V1" ethtool -K eth0 tx off >/dev/null
	ip netns exec "$V2" ethtool -K eth0 tx off >/dev/null
	ping_retry "$V1" "$VM2_V4" 5 || check_err 1 "vm1 cannot reach vm2"
	vxt_tmpdir dir
	udp_sink "$V2" "$dir/got" && udp_sink "$V1" "$dir/back" || { check_err 1 "udp sink"; log_test "$name"; return; }
	udp_nodf "$V1" "$VM2_V4" 30 1472 && udp_nodf "$V1" "$VM2_V4" 10 4000
	udp_nodf "$V2" "$VM1_V4" 30 1472 && udp_nodf "$V2" "$VM1_V4" 10 4000
	wait_for 10 test -s "$dir/got" -a -s "$dir/back" || check_err 1 "the sinks did not finish"
	got=$(cat "$dir/got" 2>/dev/null)
	[[ $got == "40 0" ]] || check_err 1 "vm2 got ${got:-nothing} (good bad) of 40"
	got=$(cat "$dir/back" 2>/dev/null)
	[[ $got == "40 0" ]] || check_err 1 "vm1 got ${got:-nothing} (good bad) of 40"
	out=$(ip netns exec "$V1" ping -c 3 -i 0.2 -W 2 -M dont -s 1472 "$VM2_V4" 2>&1)
	grep -q " 0% packet loss" <<<"$out" || check_err 1 "ping -M dont -s 1472: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
	check_counter_gt "$A" reason tx_copy_frags 49
	check_counter_gt "$A" reason rx_frag_held 49
	check_counter_gt "$B" reason rx_frag_held 49
	((RET == 0)) || RETMSG+=" [$(vxbpf_stats_brief "$A")]"
	log_test "$name"
}

frag_ul4() { t_frag 4; }
frag_ul6() { t_frag 6; }

ALL_TESTS="pmtu_ul4 pmtu_ul6 frag_ul4 frag_ul6 t_frag_pair"

require_root
require_cmd ip tcpdump ping socat sha256sum /usr/bin/python3 jq ethtool
tests_run
tests_exit
