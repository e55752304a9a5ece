#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# ECN through vxbpf's decapsulation (RFC 6040), byte for byte against plain
# Linux vxlan. A router on the path has marked congestion in the outer
# header (CE): hostB sends VXLAN packets with outer CE (scapy, on its
# underlay), each an ICMP echo request vm2 -> vm1 inside.
#
#   vm1 ─ hostA (vxbpf; first Linux vxlan, for reference) ─ ul0 ══ ul0 ─ hostB ─ vm2
#                                                               ▲ VXLAN, outer CE
#
# An ECN-capable inner header (ECT(0), ECT(1)) must reach vm1 marked CE
# with a valid IPv4 header checksum, exactly as Linux's vxlan device
# delivers it (the two captures are compared byte for byte); a Not-ECT one
# cannot carry the mark: dropped by both, counted by vxbpf (rx_ecn_drop).
#
# Run: tests/net/ecn.sh  (TESTS=... to select, VERBOSE=1)

source "$(dirname "$0")/lib.sh"

# inject FAM INNER TOS...: from hostB to hostA, outer ECN CE, one echo
# request vm2 -> vm1 per TOS (the inner TOS / traffic class byte), fixed
# IDs and payload so that two runs send the same bytes.
inject()
{
	local fam=$1 inner=$2
	shift 2
	# Debian's scapy is for the system python.
	ip netns exec "$B" /usr/bin/python3 - "$fam" "$inner" "$UL_MAC_A" "$UL_MAC_B" "$LA" "$LB" \
		"$VM1_MAC" "$VM2_MAC" "$VM1_V4" "$VM2_V4" "$VM1_V6" "$VM2_V6" "$@" <<'EOF'
import sys
from scapy.all import Ether, IP, IPv6, UDP, ICMP, ICMPv6EchoRequest, Raw, sendp
from scapy.layers.vxlan import VXLAN
fam, inner, ula, ulb, la, lb, m1, m2, v41, v42, v61, v62 = sys.argv[1:13]
pkts = []
for i, tos in enumerate(int(t, 0) for t in sys.argv[13:]):
    if inner == "4":
        ip = IP(src=v42, dst=v41, tos=tos, id=0x4000 + i) / ICMP(id=7, seq=i)
    else:
        ip = IPv6(src=v62, dst=v61, tc=tos) / ICMPv6EchoRequest(id=7, seq=i)
    frame = Ether(src=m2, dst=m1) / ip / Raw(b"ecn-test-%02d" % i * 4)
    if fam == "4":
        outer = IP(src=lb, dst=la, tos=0x03, id=0x100 + i, flags="DF")
    else:
        outer = IPv6(src=lb, dst=la, tc=0x03)
    pkts.append(Ether(src=ulb, dst=ula) / outer / UDP(sport=50000 + i, dport=4789) /
                VXLAN(flags=0x08, vni=100) / frame)
sendp(pkts, iface="ul0", verbose=False)
EOF
}

# deliver FAM INNER OUT TOS...: build the topology (hostA as $VXT_REFERENCE
# says), inject, and keep the echo requests vm1 got in OUT (hex, one line
# per frame).
deliver()
{
	local fam=$1 inner=$2 out=$3 filter
	shift 3

	topo_build linux "$fam" || return 1
	if [[ $inner == 4 ]]; then filter="icmp[0] == 8"; else filter="icmp6 and ip6[40] == 128"; fi
	capture_start "$V1" eth0 "$out.pcap" "$filter" || { check_err 1 "capture"; return 1; }
	inject "$fam" "$inner" "$@" || { check_err 1 "scapy could not send"; return 1; }
	capture_stop
	tcpdump -r "$out.pcap" -xx 2>/dev/null |
		awk '/^[0-9]/ { if (f) print f; f = "" } /^\t0x/ { $1 = ""; gsub(/ /, ""); f = f $0 } END { if (f) print f }' >"$out"
}

# not_ect_dropped FAM INNER WHO: Not-ECT inside cannot carry the mark.
not_ect_dropped()
{
	local fam=$1 inner=$2 who=$3 n

	capture_start "$V1" eth0 "$VXT_TMP/none.pcap" "icmp or icmp6" || check_err 1 "capture"
	inject "$fam" "$inner" 0x00 0x48
	capture_stop
	n=$(tcpdump -r "$VXT_TMP/none.pcap" 2>/dev/null | grep -c 'echo request')
	((n == 0)) || check_err 1 "$who: $n Not-ECT packets under outer CE delivered"
}

# t_ecn FAM INNER
t_ecn()
{
	local fam=$1 inner=$2 name n drops tos
	name="ECN: outer CE into ECT inner IPv$inner as Linux does it, Not-ECT dropped (IPv$fam underlay)"

	# ECT(0), ECT(1) with a DSCP, CE already; then Not-ECT twice.
	tos="0x02 0xb9 0x03"
	VXT_REFERENCE=1 deliver "$fam" "$inner" "$VXT_TMP/linux" $tos || { log_test "$name"; return; }
	not_ect_dropped "$fam" "$inner" Linux
	vxt_cleanup
	VXT_REFERENCE=0 deliver "$fam" "$inner" "$VXT_TMP/vxbpf" $tos || { log_test "$name"; return; }
	n=$(wc -l <"$VXT_TMP/linux")
	((n == 3)) || check_err 1 "Linux delivered $n of 3 (the reference is off)"
	cmp -s "$VXT_TMP/linux" "$VXT_TMP/vxbpf" ||
		check_err 1 "not what Linux delivers: $(diff <(fold -w 64 "$VXT_TMP/linux") <(fold -w 64 "$VXT_TMP/vxbpf") | head -n 6 | tr '\n' ' ')"
	if [[ $inner == 4 ]]; then
		tcpdump -nv -r "$VXT_TMP/vxbpf.pcap" 2>/dev/null | grep -q 'bad cksum' &&
			check_err 1 "inner IPv4 header checksum wrong"
		n=$(tcpdump -nv -r "$VXT_TMP/vxbpf.pcap" 2>/dev/null | grep -c "tos 0x[0-9a-f]*,CE,")
	else
		n=$(tcpdump -nv -r "$VXT_TMP/vxbpf.pcap" 2>/dev/null | grep -Ec 'class 0x[0-9a-f]?[37bf],')
	fi
	((n == 3)) || check_err 1 "$n of 3 arrived marked CE"
	check_counter_gt "$A" reason rx_decap 2

	not_ect_dropped "$fam" "$inner" vxbpf
	drops=$(vxbpf_stat_reason "$A" rx_ecn_drop)
	((drops == 2)) || check_err 1 "rx_ecn_drop $drops, not 2"
	((RET == 0)) || RETMSG+=" [$(vxbpf_stats_brief "$A")]"
	log_test "$name"
}

ecn_ul4_in4() { t_ecn 4 4; }
ecn_ul4_in6() { t_ecn 4 6; }
ecn_ul6_in4() { t_ecn 6 4; }

ALL_TESTS="ecn_ul4_in4 ecn_ul4_in6 ecn_ul6_in4"

require_root
require_cmd ip tcpdump /usr/bin/python3 jq
tests_run
tests_exit
