#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Abuse from the wire. hostB sends VXLAN to vm1's VNI from a VTEP that
# hostA's tables do not name (192.0.2.66, spoofed), as an attacker on the
# underlay would, with vxbpf alone on hostA (no kernel vxlan device):
#
#   vm1 ─ hostA (vxbpf) ─ ul0 ══ ul0 ─ hostB ── spoofed VXLAN from 192.0.2.66
#
# - a flood of it, with right and with wrong UDP checksums, is dropped as
#   unknown VTEP: the allow-list is checked before any checksum is summed
#   (none is counted rx_bad_csum), and vm1 gets nothing;
# - outer IPv4 options, outer fragments and IPv6 extension headers are no
#   way around the allow-list: vxbpf leaves them to the kernel (counted),
#   and without a vxlan device of its own the kernel delivers nothing.
#
# Run: tests/net/abuse.sh  (TESTS=... to select, VERBOSE=1)

source "$(dirname "$0")/lib.sh"

SPOOF4=192.0.2.66
SPOOF6=2001:db8::66

# inject FAM KIND COUNT: KIND plain|badcsum|options|fragment|ext, to vm1.
inject()
{
	ip netns exec "$B" /usr/bin/python3 - "$1" "$2" "$3" "$UL_MAC_A" "$UL_MAC_B" "$LA" \
		"$SPOOF4" "$SPOOF6" "$VM1_MAC" "$VM2_MAC" "$VM1_V4" "$VM2_V4" <<'EOF'
import sys
from scapy.all import (Ether, IP, IPv6, UDP, ICMP, Raw, IPOption_NOP, IPOption_RR,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, fragment, sendp)
from scapy.layers.vxlan import VXLAN
fam, kind, count, ula, ulb, la, s4, s6, m1, m2, v1, v2 = sys.argv[1:13]
inner = Ether(src=m2, dst=m1) / IP(src=v2, dst=v1) / ICMP() / Raw(b"x" * 64)
pkts = []
for i in range(int(count)):
    vx = UDP(sport=40000 + i % 1000, dport=4789) / VXLAN(flags=0x08, vni=100) / inner
    if fam == "6":
        ip = IPv6(src=s6, dst=la)
        if kind == "ext":
            ip = ip / IPv6ExtHdrDestOpt()
        elif kind == "fragment":
            ip = ip / IPv6ExtHdrFragment(id=i, m=0)
    else:
        ip = IP(src=s4, dst=la, id=i)
        if kind == "options":
            ip = IP(src=s4, dst=la, id=i, options=[IPOption_RR(routers=["0.0.0.0"])])
    p = Ether(src=ulb, dst=ula) / ip / vx
    if kind == "badcsum":
        p = Ether(bytes(p))
        p[UDP].chksum ^= 0x5a5a
        del p[IP].chksum
    if kind == "fragment" and fam == "4":
        pkts.extend(Ether(src=ulb, dst=ula) / f for f in fragment(ip / vx, fragsize=64))
    else:
        pkts.append(p)
sendp(pkts, iface="ul0", verbose=False)
EOF
}

# reasons NS R1|R2...: the packets counted under any of the reasons.
reasons()
{
	local r sum=0

	for r in ${2//|/ }; do
		sum=$((sum + $(vxbpf_stat_reason "$1" "$r")))
	done
	echo "$sum"
}

delivered()
{
	tcpdump -r "$1" 2>/dev/null | grep -c 'ICMP echo request'
}

# t_spoof FAM KIND REASONS [COUNT]: KIND frames from the spoofed VTEP; the
# reasons (a|b) that must count them: dropped at the allow-list, or left
# to the kernel (which has no vxlan socket here).
t_spoof()
{
	local fam=$1 kind=$2 reason=$3 n=${4:-200}
	local name="abuse ul$fam: $kind VXLAN from a VTEP off the allow-list: ${reason//|/ or }, nothing delivered"
	local c0 c1 b0 b1 got

	topo_build linux "$fam" || { log_test "$name"; return; }
	capture_start "$V1" eth0 "$VXT_TMP/vm1.pcap" icmp || check_err 1 "capture"
	c0=$(reasons "$A" "$reason") b0=$(vxbpf_stat_reason "$A" rx_bad_csum)
	inject "$fam" "$kind" "$n" || check_err 1 "scapy could not send"
	sleep 0.3
	capture_stop
	c1=$(reasons "$A" "$reason") b1=$(vxbpf_stat_reason "$A" rx_bad_csum)
	((c1 - c0 >= n)) || check_err 1 "$reason counted $((c1 - c0)) of $n"
	((b1 == b0)) || check_err 1 "$((b1 - b0)) checksums summed for a VTEP off the allow-list"
	got=$(delivered "$VXT_TMP/vm1.pcap")
	((got == 0)) || check_err 1 "vm1 got $got of them"
	((RET == 0)) || RETMSG+=" [$(vxbpf_stats_brief "$A")]"
	log_test "$name"
}

abuse_flood4() { t_spoof 4 plain rx_unknown_vtep 2000; }
abuse_badcsum4() { t_spoof 4 badcsum rx_unknown_vtep 500; }
abuse_options4() { t_spoof 4 options "rx_unknown_vtep|rx_ip_options"; }
abuse_fragment4() { t_spoof 4 fragment rx_fragment; }
abuse_flood6() { t_spoof 6 plain rx_unknown_vtep 2000; }
abuse_ext6() { t_spoof 6 ext "rx_unknown_vtep|rx_ipv6_ext"; }
abuse_fragment6() { t_spoof 6 fragment "rx_unknown_vtep|rx_ipv6_ext"; }

ALL_TESTS="abuse_flood4 abuse_badcsum4 abuse_options4 abuse_fragment4 abuse_flood6 abuse_ext6 abuse_fragment6"

require_root
require_cmd ip tcpdump /usr/bin/python3 jq
tests_run
tests_exit
