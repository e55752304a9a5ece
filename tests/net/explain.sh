#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vxbpf explain DEV FILE.pcap: crafted captures through the programs on
# hostA's underlay and on its port, with the verdict, reason and target
# each must get; the counters and the tables are the same afterwards, and
# nothing is learned.
#
#   vm1 ─ vm0 hostA (vxbpf) ul0 ══ ul0 hostB (Linux vxlan) ─ vm2
#
# Run: tests/net/explain.sh  (TESTS=... to select, VERBOSE=1)

source "$(dirname "$0")/lib.sh"

# captures DIR: rx.pcap (what hostA's ul0 could receive) and tx.pcap (what
# vm1 could send into vm0), in the order the expectations below list.
captures()
{
	/usr/bin/python3 - "$1" "$UL_MAC_A" "$UL_MAC_B" "$LA" "$LB" "$VM1_MAC" "$VM2_MAC" \
		"$VM1_V4" "$VM2_V4" "$VNI" <<'EOF'
import sys
from scapy.all import Ether, IP, UDP, ICMP, ARP, Raw, wrpcap, fragment
from scapy.layers.vxlan import VXLAN
d, ula, ulb, la, lb, m1, m2, v1, v2, vni = sys.argv[1:11]
vni = int(vni)
inner = Ether(src=m2, dst=m1) / IP(src=v2, dst=v1) / ICMP() / Raw(b"x" * 32)
def vx(src=lb, vni=vni, flags=0x08, frame=inner):
    return Ether(src=ulb, dst=ula) / IP(src=src, dst=la) / UDP(sport=50000, dport=4789) / \
        VXLAN(flags=flags, vni=vni) / frame
newmac = Ether(src="02:00:00:00:77:01", dst=m1) / IP(src=v2, dst=v1) / ICMP()
big = vx(frame=Ether(src=m2, dst=m1) / IP(src=v2, dst=v1) / UDP(dport=9) / Raw(b"f" * 1600))
frags = [Ether(src=ulb, dst=ula) / f for f in fragment(big[IP], fragsize=1000)]
wrpcap(d + "/rx.pcap", [vx(), vx(src="192.0.2.99"), vx(flags=0x00), vx(vni=999), vx(frame=newmac),
                        frags[0], frags[1]])
wrpcap(d + "/tx.pcap", [
    Ether(src=m1, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=m1, psrc=v1, pdst=v2),
    Ether(src=m1, dst=m2) / IP(src=v1, dst=v2) / ICMP() / Raw(b"y" * 32),
    Ether(src=m1, dst="ff:ff:ff:ff:ff:ff") / IP(src=v1, dst="10.0.0.255") / UDP(dport=9) / Raw(b"z"),
    Ether(src=m1, dst=m2) / IP(src=v1, dst=v2, flags="DF") / UDP(dport=9) / Raw(b"b" * 1500),
])
EOF
}

# expect JSON N VERDICT REASON [IFNAME]: frame N of an explain's output.
expect()
{
	local json=$1 n=$2 verdict=$3 reason=$4 ifname=${5:-} got

	got=$(jq -r ".[$((n - 1))] | \"\(.verdict) \(.reason) \(.ifname // \"\")\"" <<<"$json")
	[[ $got == "$verdict $reason $ifname" ]] ||
		check_err 1 "frame $n: \"$got\", want \"$verdict $reason $ifname\""
}

# state NS: what explain must not change.
state()
{
	vxbpf_run "$1" -j stats | jq -c 'del(.learned)'
	vxbpf_run "$1" -j fdb show
	vxbpf_run "$1" -j neigh show
}

t_explain()
{
	local name="explain: decap, unknown VTEP, bad flags, unknown VNI, fragments, proxied ARP, encap, broadcast, MTU; nothing changed"
	local dir rx tx before after out

	UL_STATIC_NEIGH=1 topo_build linux 4 || { log_test "$name"; return; }
	ping_retry "$V1" "$VM2_V4" 5 || check_err 1 "vm1 cannot reach vm2"
	# Learning on, so that a new MAC would be learned if explain could.
	out=$(vxbpf_run "$A" vni replace $VNI local "$LA" proxy learning 2>&1) || check_err 1 "$out"
	vxt_tmpdir dir
	captures "$dir" || { check_err 1 "scapy"; log_test "$name"; return; }
	# No frame reaches hostA but explain's; explain needs no VM link up.
	quiesce || check_err 1 "quiesce"
	before=$(state "$A")
	rx=$(vxbpf_run "$A" -j explain ul0 "$dir/rx.pcap") || check_err 1 "explain ul0 failed"
	tx=$(vxbpf_run "$A" -j explain vm0 "$dir/tx.pcap") || check_err 1 "explain vm0 failed"
	log_verbose "$(vxbpf_run "$A" explain ul0 "$dir/rx.pcap")"
	log_verbose "$(vxbpf_run "$A" explain vm0 "$dir/tx.pcap")"
	expect "$rx" 1 redirect rx_decap vm0
	expect "$rx" 2 drop rx_static_moved # learning takes every VTEP, but vm2 is static
	expect "$rx" 3 drop rx_bad_flags
	expect "$rx" 4 pass rx_unknown_vni
	expect "$rx" 5 redirect rx_decap vm0
	expect "$rx" 6 drop rx_frag_held # no kernel device: vxbpf reassembles
	expect "$rx" 7 pass rx_fragment  # a later piece alone: the kernel's
	jq -e '.[3].slow_path == "kernel"' <<<"$rx" >/dev/null || check_err 1 "an unknown VNI not said to go to the kernel"
	expect "$tx" 1 redirect tx_arp_reply vm0
	expect "$tx" 2 redirect tx_encap ul0
	expect "$tx" 3 pass tx_bum
	expect "$tx" 4 redirect tx_pmtu_reply vm0
	jq -e '.[2].slow_path == "tc"' <<<"$tx" >/dev/null ||
		check_err 1 "a broadcast of a VNI without a kernel device not said to go to TC: $(jq -c '.[2].slow_path' <<<"$tx")"
	jq -e '.[1].vni == '"$VNI"' and (.[1].out | test("vxlan vni '"$VNI"'"))' <<<"$tx" >/dev/null ||
		check_err 1 "the encapsulation is not decoded: $(jq -c '.[1]' <<<"$tx")"
	after=$(state "$A")
	[[ $before == "$after" ]] || check_err 1 "explain changed the counters or the tables: $(diff <(tr ',' '\n' <<<"$before") <(tr ',' '\n' <<<"$after") | tr "\n" " " | head -c 600)"
	vxbpf_run "$A" -j fdb show | jq -e 'any(.mac == "02:00:00:00:77:01") | not' >/dev/null ||
		check_err 1 "explain learned a MAC"

	# A kernel vxlan device attached for the VNI carries its broadcast.
	if ip -n "$A" link add vxlank type vxlan id $VNI dstport 4789 local "$LA" &&
		out=$(vxbpf_run "$A" attach vxlank 2>&1); then
		tx=$(vxbpf_run "$A" -j explain vm0 "$dir/tx.pcap")
		expect "$tx" 3 pass tx_bum
		jq -e '.[2].slow_path == "kernel"' <<<"$tx" >/dev/null ||
			check_err 1 "a broadcast of a VNI with a kernel device not said to go to the kernel: $(jq -c '.[2].slow_path' <<<"$tx")"
		out=$(vxbpf_run "$A" detach vxlank 2>&1) || check_err 1 "detach vxlank: $out"
	else
		check_err 1 "a kernel vxlan device on hostA: $out"
	fi
	ip -n "$A" link del vxlank 2>/dev/null

	# Without learning, the unknown VTEP is dropped.
	out=$(vxbpf_run "$A" vni replace $VNI local "$LA" proxy 2>&1) || check_err 1 "$out"
	rx=$(vxbpf_run "$A" -j explain ul0 "$dir/rx.pcap")
	expect "$rx" 2 drop rx_unknown_vtep
	out=$(vxbpf_run "$A" explain lo "$dir/rx.pcap" 2>&1) && check_err 1 "explain on a device without vxbpf worked"
	[[ $out == *"neither a vxbpf port nor an attached underlay"* ]] || check_err 1 "message: $out"
	out=$(vxbpf_run "$A" explain ul0 /etc/hostname 2>&1) && check_err 1 "explain of a non-pcap file worked"
	[[ $out == *"not a pcap file"* ]] || check_err 1 "message: $out"
	log_test "$name"
}

ALL_TESTS="t_explain"

require_root
require_cmd ip jq /usr/bin/python3
tests_run
tests_exit
