#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Capture golden VXLAN encap frames from the Linux vxlan device itself, for
# the byte-exact program tests (tests/prog). No vxbpf involved.
#
#   VM1 ns                hostA ns                          hostB ns               VM2 ns
#  +-----------+   +--------------------------+      +--------------------------+   +-----------+
#  | eth0      |   | vm0 ─ br0 ─ vxlan100      |      |      vxlan100 ─ br0 ─ vm0 |   |      eth0 |
#  | aa:01     +---+ (nolearning proxy, VNI 100)|      | (nolearning proxy)       +---+     bb:01 |
#  | 10.0.0.1  |   |             ul0 01:01    +------+ ul0 02:01   <- tcpdump    |   |  10.0.0.2 |
#  | fd00::1   |   |   192.0.2.1 | 2001:db8::1|      | 192.0.2.2 | 2001:db8::2  |   |   fd00::2 |
#  +-----------+   +--------------------------+      +--------------------------+   +-----------+
#
# For each underlay (IPv4, then IPv6) VM1 sends an ICMPv4 echo (56 and 1372
# bytes of payload), an ICMPv6 echo and a TCP SYN to port 5001; tcpdump on
# B's ul0 records what A put on the wire, and one pcap per frame is cut out:
#   tests/fixtures/encap-{v4,v6}-{icmp4,icmp4-big,icmp6,tcp4}.pcap
# Checksum offload is off on A's ul0 and VM1's eth0 so every checksum in the
# capture is the final on-wire value, not a CHECKSUM_PARTIAL seed.
#
# Usage: scripts/capture-fixtures.sh [OUTDIR]     (default tests/fixtures)
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUTDIR=${1:-$REPO_ROOT/tests/fixtures}
VXT_PREFIX=vxcap-$$
# shellcheck source=../tests/net/lib.sh
source "$REPO_ROOT/tests/net/lib.sh"

require_root
require_cmd ip bridge tcpdump tshark editcap ethtool socat ping

A=$(ns_name hostA)
B=$(ns_name hostB)
V1=$(ns_name vm1)
V2=$(ns_name vm2)

fail() { echo "capture-fixtures: $*" >&2; exit 1; }

# frame_number PCAP DISPLAY_FILTER: number of the first matching frame.
frame_number()
{
	tshark -r "$1" -Y "$2" -T fields -e frame.number 2>/dev/null | head -n1
}

# Verify the one-frame pcap: exactly one frame, IP/UDP/inner checksums good.
verify_one()
{
	local f=$1 n bad

	n=$(tshark -r "$f" 2>/dev/null | wc -l)
	((n == 1)) || fail "$f holds $n frames"
	bad=$(tshark -r "$f" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-o tcp.check_checksum:TRUE \
		-Y 'ip.checksum.status == "Bad" || udp.checksum.status == "Bad" || tcp.checksum.status == "Bad" || icmp.checksum.status == "Bad" || icmpv6.checksum.status == "Bad"' \
		2>/dev/null | wc -l)
	((bad == 0)) || fail "$f has a bad checksum"
}

capture_family()
{
	local fam=$1 tag a b mtu all n kind filter

	if [[ $fam == 4 ]]; then
		tag=v4 a=$UL4_A b=$UL4_B mtu=1450
	else
		tag=v6 a=$UL6_A b=$UL6_B mtu=1430
	fi
	echo "== underlay IPv$fam: building namespaces"

	ns_add hostA
	ns_add hostB
	ns_add vm1
	ns_add vm2
	underlay_add "$A" "$B" "$fam"
	vm_add "$A" "$V1" "$VM1_MAC" "$VM1_V4" "$VM1_V6" "$mtu"
	vm_add "$B" "$V2" "$VM2_MAC" "$VM2_V4" "$VM2_V6" "$mtu"
	linux_vtep "$A" "$a" "$mtu"
	linux_vtep "$B" "$b" "$mtu"
	linux_remote_vm "$A" "$b" "$VM2_MAC" "$VM2_V4" "$VM2_V6"
	linux_remote_vm "$B" "$a" "$VM1_MAC" "$VM1_V4" "$VM1_V6"
	ip netns exec "$A" ethtool -K ul0 tx off >/dev/null
	ip netns exec "$V1" ethtool -K eth0 tx off >/dev/null

	# Sanity: the overlay works before we record anything.
	ping_retry "$V1" "$VM2_V4" 5 || fail "IPv$fam underlay: 10.0.0.2 unreachable"
	ping_retry "$V1" "$VM2_V6" 5 || fail "IPv$fam underlay: fd00::2 unreachable"

	local tmp
	vxt_tmpdir tmp
	all=$tmp/all-$tag.pcap
	if [[ $fam == 4 ]]; then
		filter="udp port 4789 and src host $a"
	else
		filter="ip6 and udp port 4789 and src host $a"
	fi
	capture_start "$B" ul0 "$all" "$filter" || fail "tcpdump"
	ip netns exec "$V1" ping -n -q -c 1 -s 56 "$VM2_V4" >/dev/null
	ip netns exec "$V1" ping -n -q -c 1 -s 1372 -M do "$VM2_V4" >/dev/null
	ip netns exec "$V1" ping -n -q -c 1 -s 56 "$VM2_V6" >/dev/null
	# Nobody listens on 5001: VM2 answers RST, we keep A's SYN only.
	ip netns exec "$V1" timeout 3 socat -u /dev/null \
		"TCP4:$VM2_V4:5001,connect-timeout=2" >/dev/null 2>&1 || true
	capture_stop

	for kind in icmp4 icmp4-big icmp6 tcp4; do
		case $kind in
		icmp4) filter='vxlan && icmp.type == 8 && frame.len < 200' ;;
		icmp4-big) filter='vxlan && icmp.type == 8 && frame.len > 1400' ;;
		icmp6) filter='vxlan && icmpv6.type == 128' ;;
		tcp4) filter='vxlan && tcp.dstport == 5001 && tcp.flags.syn == 1 && tcp.flags.ack == 0' ;;
		esac
		n=$(frame_number "$all" "$filter")
		[[ -n $n ]] || fail "IPv$fam underlay: no $kind frame captured"
		editcap -F pcap -r "$all" "$OUTDIR/encap-$tag-$kind.pcap" "$n" >/dev/null
		verify_one "$OUTDIR/encap-$tag-$kind.pcap"
		echo "   encap-$tag-$kind.pcap: $(tshark -r "$OUTDIR/encap-$tag-$kind.pcap" 2>/dev/null |
			sed 's/^ *[0-9]* *[0-9.]* *//')"
	done
	vxt_cleanup
}

mkdir -p "$OUTDIR"
capture_family 4
capture_family 6
echo "== fixtures written to $OUTDIR"
