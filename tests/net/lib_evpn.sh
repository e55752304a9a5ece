# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The BGP EVPN lab: VTEPs in namespaces, each with FRR (zebra + bgpd) as
# FRR expects a VTEP (a kernel vxlan device and a bridge per L2 VNI,
# `nolearning`, `neigh_suppress on`, `learning off` on the vxlan port), a
# route reflector, VMs behind every VTEP, and vxbpf on each VTEP following
# what FRR programs (`vxbpf mirror`), carrying it on the fast path.
#
#                    sw ns: br0 (the underlay, one L2 segment)
#        /            |              |              \          \
#   rr 192.0.2.100  v1 .11         v2 .12         v3 .13       v4 .14
#   bgpd (route     zebra+bgpd     ...            ...          ...
#   reflector)      vxlan100+br100 ── vm1-100 (10.100.0.1, 02:00:00:64:00:01)
#                   vxlan200+br200 ── vm1-200 (10.200.0.1, 02:00:00:c8:00:01)
#                   vxbpf mirror vxlan100 vxlan200 br100 br200; port add; attach ul0
#
# iBGP AS 65000, l2vpn evpn, every VTEP a client of the reflector, which
# accepts any VTEP of 192.0.2.0/24 (bgp listen range): a VTEP joins by
# starting its bgpd. Used by tests/net/evpn.sh and scripts/demo-evpn.sh.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FRR_DIR=/usr/lib/frr
EVPN_VNIS="100 200"
EVPN_RR=192.0.2.100
# More lines for the VTEPs' l2vpn evpn address family (tests that churn).
EVPN_AF_EXTRA=${EVPN_AF_EXTRA:-}

vtep_ns() { ns_name "v$1"; }
vtep_ip() { echo "192.0.2.$((10 + $1))"; }
vm_ns() { ns_name "vm$1-$2"; }
vm_mac() { printf '02:00:00:%02x:00:%02x' $(($2 == 100 ? 0x64 : 0xc8)) "$1"; }
vm_ip4() { echo "10.$2.0.$1"; }
vm_ip6() { echo "fd00:$2::$1"; }
svi_ip4() { echo "10.$2.0.$((200 + $1))"; }
svi_ip6() { echo "fd00:$2::$((200 + $1))"; }

# frr_available: the daemons are installed (scripts/deps.sh installs frr).
frr_available() { [[ -x $FRR_DIR/zebra && -x $FRR_DIR/bgpd ]] && id frr >/dev/null 2>&1; }

# frr_start NS NAME BGPD_CONF: zebra and bgpd for NS, state in a private
# directory owned by frr (they drop to it). Waits until bgpd answers.
frr_start()
{
	local ns=$1 name=$2 conf=$3 dir i

	vxt_tmpdir dir
	# The daemons drop to user frr: their directory must be reachable.
	chmod 711 "$VXT_TMP"
	chown frr:frr "$dir" && chmod 755 "$dir"
	printf 'hostname %s\nlog file %s/zebra.log\n' "$name" "$dir" >"$dir/zebra.conf"
	cp "$conf" "$dir/bgpd.conf"
	chown frr:frr "$dir"/*.conf
	FRR_DIRS[$ns]=$dir
	ip netns exec "$ns" "$FRR_DIR/zebra" -d -N "$name" -f "$dir/zebra.conf" \
		-i "$dir/zebra.pid" --vty_socket "$dir" -z "$dir/zserv.api" -u frr -g frr \
		>"$dir/zebra.out" 2>&1 || { echo "zebra in $ns: $(cat "$dir/zebra.out")"; return 1; }
	for ((i = 0; i < 50; i++)); do [[ -S $dir/zserv.api ]] && break; sleep 0.1; done
	ip netns exec "$ns" "$FRR_DIR/bgpd" -d -N "$name" -f "$dir/bgpd.conf" \
		-i "$dir/bgpd.pid" --vty_socket "$dir" -z "$dir/zserv.api" -u frr -g frr -p 179 \
		>"$dir/bgpd.out" 2>&1 || { echo "bgpd in $ns: $(cat "$dir/bgpd.out")"; return 1; }
	for ((i = 0; i < 50; i++)); do
		vtysh_in "$ns" -c "show version" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "bgpd in $ns does not answer"
	return 1
}

declare -A FRR_DIRS

# frr_stop NS: both daemons, as a VTEP that leaves (its sessions close).
frr_stop()
{
	local dir=${FRR_DIRS[$1]:-} p

	[[ -n $dir ]] || return 0
	for p in bgpd zebra; do
		[[ -f $dir/$p.pid ]] && kill "$(cat "$dir/$p.pid")" 2>/dev/null
	done
	sleep 0.5
	for p in bgpd zebra; do
		[[ -f $dir/$p.pid ]] && kill -9 "$(cat "$dir/$p.pid")" 2>/dev/null
	done
	unset "FRR_DIRS[$1]"
	return 0
}

frr_stop_all()
{
	local ns
	for ns in "${!FRR_DIRS[@]}"; do frr_stop "$ns"; done
}

# vtysh_in NS ARGS: vtysh against that namespace's daemons.
vtysh_in()
{
	local ns=$1
	shift
	ip netns exec "$ns" vtysh --vty_socket "${FRR_DIRS[$ns]}" "$@"
}

bgpd_conf_vtep()
{
	local ip=$1
	cat <<EOF
frr defaults datacenter
router bgp 65000
 bgp router-id $ip
 no bgp default ipv4-unicast
 neighbor $EVPN_RR remote-as 65000
 !
 address-family l2vpn evpn
  neighbor $EVPN_RR activate
  advertise-all-vni
${EVPN_AF_EXTRA:-}
 exit-address-family
EOF
}

bgpd_conf_rr()
{
	cat <<EOF
frr defaults datacenter
router bgp 65000
 bgp router-id $EVPN_RR
 bgp cluster-id $EVPN_RR
 no bgp default ipv4-unicast
 neighbor VTEPS peer-group
 neighbor VTEPS remote-as 65000
 bgp listen range 192.0.2.0/24 peer-group VTEPS
 !
 address-family l2vpn evpn
  neighbor VTEPS activate
  neighbor VTEPS route-reflector-client
 exit-address-family
EOF
}

# evpn_underlay: the switch and the reflector.
evpn_underlay()
{
	local sw rr f

	ns_add sw && ns_add rr || return 1
	sw=$(ns_name sw) rr=$(ns_name rr)
	ip -n "$sw" link add br0 type bridge && ip -n "$sw" link set br0 up || return 1
	veth_add "$rr" ul0 "$sw" prr || return 1
	ip -n "$sw" link set prr master br0 && ip -n "$sw" link set prr up
	ip -n "$rr" addr add "$EVPN_RR/24" dev ul0 && ip -n "$rr" link set ul0 up || return 1
	vxt_tmpdir f
	bgpd_conf_rr >"$f/bgpd.conf"
	frr_start "$rr" rr "$f/bgpd.conf"
}

# evpn_vtep N: VTEP N with its VMs, FRR and vxbpf.
evpn_vtep()
{
	local n=$1 ns sw ip vni f out i

	ns_add "v$n" || return 1
	ns=$(vtep_ns "$n") sw=$(ns_name sw) ip=$(vtep_ip "$n")
	veth_add "$ns" ul0 "$sw" "p$n" || return 1
	ip -n "$sw" link set "p$n" master br0 && ip -n "$sw" link set "p$n" up
	ip -n "$ns" link set ul0 address "02:00:00:00:01:$(printf %02x "$n")"
	ip -n "$ns" addr add "$ip/24" dev ul0 && ip -n "$ns" link set ul0 up || return 1
	for vni in $EVPN_VNIS; do
		ip -n "$ns" link add "vxlan$vni" type vxlan id "$vni" local "$ip" dstport 4789 \
			nolearning || return 1
		ip -n "$ns" link set "vxlan$vni" mtu 1450
		ip -n "$ns" link add "br$vni" type bridge || return 1
		ip -n "$ns" link set "vxlan$vni" master "br$vni"
		bridge -n "$ns" link set dev "vxlan$vni" neigh_suppress on learning off
		ip -n "$ns" link set "vxlan$vni" up
		ip -n "$ns" link set "br$vni" up
		# The SVI: zebra learns the VMs' addresses from its
		# neighbours and installs the remote ones on it.
		ip -n "$ns" addr add "$(svi_ip4 "$n" "$vni")/24" dev "br$vni"
		ip -n "$ns" addr add "$(svi_ip6 "$n" "$vni")/64" dev "br$vni" nodad
		evpn_vm "$n" "$vni" || return 1
	done
	vxt_tmpdir f
	bgpd_conf_vtep "$ip" >"$f/bgpd.conf"
	frr_start "$ns" "v$n" "$f/bgpd.conf" || return 1
	# vxbpf: follow what FRR programs, carry it.
	"$VXBPF" -n "$ns" mirror vxlan100 vxlan200 br100 br200 -v >"$VXT_TMP/mirror-v$n.log" 2>&1 &
	bg_track $!
	for ((i = 0; i < 50; i++)); do
		"$VXBPF" -n "$ns" -j vni show 2>/dev/null | jq -e 'length == 2' >/dev/null && break
		sleep 0.1
	done
	for vni in $EVPN_VNIS; do
		out=$("$VXBPF" -n "$ns" port add "vm$vni" vni "$vni" 2>&1) ||
			{ echo "v$n port add: $out"; return 1; }
	done
	out=$("$VXBPF" -n "$ns" attach ul0 2>&1) || { echo "v$n attach: $out"; return 1; }
}

# evpn_vm N VNI: the VM of VTEP N in VNI, its port vmVNI in the bridge.
evpn_vm()
{
	local n=$1 vni=$2 ns vm

	ns=$(vtep_ns "$n")
	ns_add "vm$n-$vni" || return 1
	vm=$(vm_ns "$n" "$vni")
	veth_add "$vm" eth0 "$ns" "vm$vni" || return 1
	ip -n "$vm" link set eth0 address "$(vm_mac "$n" "$vni")" mtu 1450
	ip -n "$vm" addr add "$(vm_ip4 "$n" "$vni")/24" dev eth0
	ip -n "$vm" addr add "$(vm_ip6 "$n" "$vni")/64" dev eth0 nodad
	ip -n "$vm" link set eth0 up
	ip -n "$ns" link set "vm$vni" master "br$vni" mtu 1450 up
}

# evpn_lab N: the reflector and N VTEPs.
evpn_lab()
{
	local n i

	n=$1
	evpn_underlay || { echo "underlay"; return 1; }
	for ((i = 1; i <= n; i++)); do
		evpn_vtep "$i" || return 1
	done
}

# evpn_test_lab N: the lab of N VTEPs for a test. Not called in $(...):
# the lab registers namespaces and daemons. Returns 1 having said why
# (skip where FRR is missing, a failure where the setup failed); the
# caller logs the test.
evpn_test_lab()
{
	if ! frr_available; then
		skip "FRR is not installed ($FRR_DIR/bgpd; scripts/deps.sh installs Debian's frr)"
		return 1
	fi
	if ! evpn_lab "$1" >"$VXT_TMP/lab.msg" 2>&1; then
		check_err 1 "lab setup: $(tail -n 3 "$VXT_TMP/lab.msg" | tr '\n' ' ')"
		return 1
	fi
}

# ---- convergence, shared by tests/net/evpn.sh and scripts/demo-evpn.sh

CONVERGE_S=${CONVERGE_S:-40}

# stat_of N REASON: a reason counter of VTEP N's vxbpf.
stat_of() { vxbpf_stat_reason "$(vtep_ns "$1")" "$2"; }

# vm_announce N VNI: a broadcast from the VM: its bridge learns its MAC,
# zebra advertises it (a VM that never speaks is not known to EVPN).
vm_announce()
{
	ip netns exec "$(vm_ns "$1" "$2")" ping -b -c 1 -W 1 "10.$2.0.255" >/dev/null 2>&1
	return 0
}

# svi_announce N VNI: the VTEP's SVI talks to its VM: the VM's addresses
# become neighbours there, zebra advertises them with the MAC (MAC+IP).
svi_announce()
{
	local ns
	ns=$(vtep_ns "$1")
	ip netns exec "$ns" ping -c 1 -W 1 "$(vm_ip4 "$1" "$2")" >/dev/null 2>&1
	ip netns exec "$ns" ping -c 1 -W 1 "$(vm_ip6 "$1" "$2")" >/dev/null 2>&1
	return 0
}

# has_neigh N M: VTEP N's vxbpf answers for VTEP M's VM on VNI 100 (both
# families), from the neighbours zebra installed on br100.
has_neigh()
{
	"$VXBPF" -n "$(vtep_ns "$1")" -j neigh show vni 100 2>/dev/null |
		jq -e --arg a "$(vm_ip4 "$2" 100)" --arg b "$(vm_ip6 "$2" 100)" \
			--arg m "$(vm_mac "$2" 100)" \
			'([.[] | select((.dst == $a or .dst == $b) and .lladdr == $m)] | length) == 2' \
			>/dev/null
}

# suppress_of N: the neigh_suppress flag of VNI 100 in VTEP N's vxbpf.
suppress_of()
{
	"$VXBPF" -n "$(vtep_ns "$1")" -j vni show 2>/dev/null |
		jq -r '.[] | select(.vni == 100) | .neigh_suppress'
}

# knows N M: VTEP N's vxbpf has VTEP M's VMs (type 2) and M in its flood
# lists (type 3), on both VNIs, behind M's address.
knows()
{
	local n=$1 m=$2 ip out
	ip=$(vtep_ip "$m")
	out=$("$VXBPF" -n "$(vtep_ns "$n")" -j fdb show 2>/dev/null) || return 1
	jq -e --arg ip "$ip" --arg m100 "$(vm_mac "$m" 100)" --arg m200 "$(vm_mac "$m" 200)" '
		[.[] | select(.dst == $ip)] as $e
		| ($e | map(select(.mac == $m100 and .vni == 100)) | length) == 1
		and ($e | map(select(.mac == $m200 and .vni == 200)) | length) == 1
		and ($e | map(select(.mac == "00:00:00:00:00:00")) | length) == 2' <<<"$out" >/dev/null
}

# forgot N M: nothing of VTEP M is left in VTEP N's vxbpf.
forgot()
{
	"$VXBPF" -n "$(vtep_ns "$1")" -j fdb show 2>/dev/null |
		jq -e --arg ip "$(vtep_ip "$2")" '[.[] | select(.dst == $ip)] | length == 0' >/dev/null
}

converged()
{
	local n m
	for n in "$@"; do
		for m in "$@"; do
			((n == m)) || knows "$n" "$m" || return 1
		done
	done
}

all_announce()
{
	local n vni
	for n in "$@"; do
		for vni in $EVPN_VNIS; do vm_announce "$n" "$vni"; done
	done
}

# wait_converged VTEP...: announce (again) until every vxbpf knows every
# other VTEP's VMs and flood entries.
wait_converged()
{
	local end=$((SECONDS + CONVERGE_S))

	while ((SECONDS < end)); do
		all_announce "$@"
		converged "$@" && return 0
		sleep 1
	done
	return 1
}
