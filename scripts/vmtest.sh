#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run vxbpf's test suite inside a virtme-ng guest booted from another kernel
# (by default Debian 12's 6.1 LTS, package linux-image-amd64).
#
#   scripts/vmtest.sh            (what `make vmtest` runs)
#   KERNEL=/boot/vmlinuz-X scripts/vmtest.sh
#
# Host side: installs what is missing (qemu-system-x86 and busybox-static
# from Debian; virtme-ng from PyPI into a venv of Debian's python3 under
# build/vmtest/venv; linux-image-amd64 when no KERNEL is given and no
# /boot/vmlinuz-6.1.* exists), builds build/vxbpf and the criterion test
# binaries once, on the host (CO-RE objects, embedded in the skeletons), and
# boots the kernel with the host's root file system shared read-only
# (virtme-ng: 9p, writable tmpfs overlays on /tmp, /var, /etc..., and on the
# repository). The guest has no network device at all: the tests build their
# own namespaces and veths, nothing can reach the host's interfaces.
#
# Guest side (this script with --guest): mounts bpffs, loads veth, vxlan
# and bridge, checks BTF, then runs scripts/run-tests.sh all with MAKE=true
# (nothing is rebuilt in the guest: the host's objects are loaded unchanged).
# Its exit status is the suite's, and so is ours.
#
# Environment:
#   KERNEL       kernel image to boot (default: newest /boot/vmlinuz-6.1.*).
#                Its modules must be in /lib/modules/<version> on the host,
#                or veth/vxlan/bridge built in.
#   VM_NET_TESTS which tests/net files the guest runs: "all", "none", or a
#                space-separated list of paths (default $VM_NET_DEFAULT).
#                Passed to run-tests.sh as NET_TESTS.
#   VM_PROG_FILTER  criterion pattern of the program tests the guest runs
#                (default $VM_PROG_DEFAULT; "all" for every one). Under TCG
#                each program test costs ~6 s (two program loads, ~230k
#                verified instructions each, and the maps' preallocation):
#                all ~200 would take ~20 minutes.
#   VM_KVM       auto (default: use /dev/kvm only if a quick probe boots),
#                0 (never; TCG emulation), 1 (always).
#   VM_CPUS      guest CPUs (default: host's, at most 4); VM_MEMORY (2G).
#   VM_TIMEOUT   seconds for the whole guest run, boot included (default 1500).
#   VNG_VERSION  virtme-ng version installed from PyPI (default 1.42).
#   VM_LOG       where the guest's console output is kept
#                (default build/vmtest/console.log).
set -uo pipefail

# What the guest runs by default, chosen to keep it under 15 minutes under
# TCG: the kernel-facing program tests (learning, events, next-hop cache,
# ND/ARP proxy, the encap/decap fixtures of the Linux vxlan device) and
# vxbpf against Linux vxlan over both underlays plus the dynamic L3 mode.
VM_NET_DEFAULT="tests/net/linux_ul4.sh tests/net/linux_ul6.sh tests/net/dynamic_l3.sh tests/net/host_practice.sh tests/net/flood.sh:flood_ul4 tests/net/learn_limits.sh:t_maxaddress tests/net/jumbo.sh tests/net/libxdp.sh tests/net/monitor_flood.sh"
VM_PROG_DEFAULT="@(verifier/*|events/*|flood/*|host/*|jumbo/*|learn/*|nhcache/*|vtepcache/*|portcache/*|fdbcache/*|props/*|proxy/*|rx/fixture|tx/fixture)"

cd "$(dirname "$0")/.." || exit 1
REPO=$(pwd)

say() { printf 'vmtest: %s\n' "$*"; }
die() { say "$*" >&2; exit 1; }

# ---------------------------------------------------------------- guest side

# kernel_floor: name what this kernel lacks of what vxbpf uses (see README,
# "Kernels"); the tests then fail or skip with their own messages.
kernel_floor()
{
	local v maj min
	v=$(uname -r)
	maj=${v%%.*}
	min=${v#*.}
	min=${min%%[!0-9]*}
	((maj > 5 || (maj == 5 && min >= 15))) && return 0
	say "kernel $v is older than vxbpf's floor:"
	((maj < 5 || (maj == 5 && min < 9))) &&
		say "  < 5.9: no XDP bpf_link (BPF_LINK_CREATE): vxbpf attach and port add fail"
	((maj < 5 || (maj == 5 && min < 13))) &&
		say "  < 5.13: veth has no NAPI without XDP: frames redirected into a veth are dropped even with GRO on"
	say "  < 5.15: BPF_PROG_TEST_RUN takes no xdp_md context (ingress_ifindex): program tests fail"
}

guest_main()
{
	local mod missing=() rc

	say "guest kernel $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {print int($2/1024) " MiB"}' /proc/meminfo)"
	if ! grep -q ' /sys/fs/bpf bpf ' /proc/mounts; then
		mount -t bpf bpf /sys/fs/bpf || say "cannot mount bpffs on /sys/fs/bpf"
	fi
	# ip netns keeps its handles in /run/netns (/var/run -> /run): a tmpfs here.
	mkdir -p /run/netns
	mkdir -p /tmp && chmod 1777 /tmp
	# Present, not loaded: `ip link add` loads them, and the program
	# tests run first, as on a host where no vxlan device was ever made
	# (vxbpf alone must load there; verifier/headroom checks it).
	for mod in veth vxlan bridge; do
		[[ -d /sys/module/$mod ]] && continue
		modinfo -n "$mod" >/dev/null 2>&1 || missing+=("$mod")
	done
	((${#missing[@]})) &&
		say "MISSING kernel modules: ${missing[*]} (not in /lib/modules/$(uname -r)); network tests will fail"
	[[ -r /sys/kernel/btf/vmlinux ]] ||
		say "MISSING /sys/kernel/btf/vmlinux: kernel without CONFIG_DEBUG_INFO_BTF, CO-RE objects cannot load"
	# The loopback of the guest's own namespace; the tests make their own.
	ip link set lo up 2>/dev/null
	kernel_floor

	# Everything is slower under emulation: the verifier alone takes ~3.5 s
	# per program load under TCG (prog layer ~250 s, net ~320 s).
	export LAYER_TIMEOUT=${LAYER_TIMEOUT:-600} NET_TIMEOUT=${NET_TIMEOUT:-480}

	export MAKE=true
	# The properties on 100,000 mutated frames a program, as on the host
	# (about 2 minutes under emulation for the five programs).
	export VXBPF_PROPS_FRAMES=${VXBPF_PROPS_FRAMES:-100000}
	# The fuzz targets exercise user-space parsing only, the same under
	# any kernel: the host runs them (make test), the guest does not.
	export FUZZ_TARGETS=none
	case ${VM_NET_TESTS:-$VM_NET_DEFAULT} in
	all) unset NET_TESTS ;;
	*) export NET_TESTS=${VM_NET_TESTS:-$VM_NET_DEFAULT} ;;
	esac
	case ${VM_PROG_FILTER:-$VM_PROG_DEFAULT} in
	all) unset PROG_FILTER ;;
	*) export PROG_FILTER=${VM_PROG_FILTER:-$VM_PROG_DEFAULT} ;;
	esac
	scripts/run-tests.sh all
	rc=$?
	echo "VMTEST-EXIT: $rc"
	return "$rc"
}

if [[ ${1:-} == --guest ]]; then
	guest_main
	exit $?
fi

# ---------------------------------------------------------------- host side

VMDIR=$REPO/build/vmtest
VENV=$VMDIR/venv
VNG_VERSION=${VNG_VERSION:-1.42}
VM_TIMEOUT=${VM_TIMEOUT:-1500}
VM_MEMORY=${VM_MEMORY:-2G}
VM_NET_TESTS=${VM_NET_TESTS:-$VM_NET_DEFAULT}
VM_PROG_FILTER=${VM_PROG_FILTER:-$VM_PROG_DEFAULT}
VM_KVM=${VM_KVM:-auto}
VM_LOG=${VM_LOG:-$VMDIR/console.log}
if [[ -z ${VM_CPUS:-} ]]; then
	VM_CPUS=$(nproc)
	((VM_CPUS > 4)) && VM_CPUS=4
fi

((EUID == 0)) || die "needs root (apt-get, and the tests run as root in the guest)"
mkdir -p "$VMDIR" || exit 1

apt_install()
{
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	((${#missing[@]})) || return 0
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq &&
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# qemu; busybox builds virtme-ng's initramfs for a modular (distro) kernel;
# Debian's python3 with venv for virtme-ng (PATH's python3 may be another).
apt_install qemu-system-x86 busybox-static python3-venv python3-pip ||
	die "apt-get install failed"

if ! "$VENV/bin/vng" --version 2>/dev/null | grep -qx "virtme-ng $VNG_VERSION"; then
	say "installing virtme-ng $VNG_VERSION into $VENV"
	rm -rf "$VENV"
	/usr/bin/python3 -m venv "$VENV" &&
		"$VENV/bin/pip" install -q --disable-pip-version-check "virtme-ng==$VNG_VERSION" ||
		die "pip install virtme-ng==$VNG_VERSION failed"
fi
# vng runs virtme-run from PATH.
export PATH=$VENV/bin:$PATH

# kernel_version IMAGE: the version string of an x86 bzImage (boot protocol:
# a 16-bit pointer at 0x20e, relative to 0x200) or of a vmlinuz-VERSION name.
kernel_version()
{
	local img=$1 off v
	off=$(od -An -tu2 -j $((0x20e)) -N2 "$img" 2>/dev/null | tr -d ' ')
	if [[ $off =~ ^[0-9]+$ ]] && ((off > 0)); then
		v=$(dd if="$img" bs=1 skip=$((off + 0x200)) count=128 status=none |
			tr '\0' '\n' | head -n1 | awk '{print $1}')
	fi
	[[ -n ${v:-} ]] || v=$(basename "$img" | sed -n 's/^vmlinuz-//p')
	echo "$v"
}

newest_61() { ls /boot/vmlinuz-6.1.* 2>/dev/null | sort -V | tail -n1; }

if [[ -n ${KERNEL:-} ]]; then
	[[ -r $KERNEL ]] || die "KERNEL=$KERNEL: no such readable file"
else
	KERNEL=$(newest_61)
	if [[ -z $KERNEL ]]; then
		apt_install linux-image-amd64 || die "apt-get install linux-image-amd64 failed"
		KERNEL=$(newest_61)
		[[ -n $KERNEL ]] ||
			die "linux-image-amd64 installed no /boot/vmlinuz-6.1.*; set KERNEL=/path/to/vmlinuz"
	fi
fi
KVER=$(kernel_version "$KERNEL")
say "kernel $KERNEL (version ${KVER:-unknown})"
if [[ -z $KVER || ! -d /lib/modules/$KVER ]]; then
	say "WARNING: no /lib/modules/${KVER:-?}: veth, vxlan and bridge must be built into that kernel"
fi

# KVM: /dev/kvm may exist and still hang (nested virtualisation: here a
# boot sector runs, a Linux kernel hangs before its first line). Boot the
# kernel itself, without root file system: with working KVM it prints its
# banner and panics (-no-reboot: qemu exits) within seconds.
kvm_usable()
{
	local log=$VMDIR/kvm-probe.log
	[[ -r /dev/kvm && -w /dev/kvm ]] || return 1
	rm -f "$log"
	timeout -k 2 20 qemu-system-x86_64 -accel kvm -cpu host -m 256 -display none \
		-nodefaults -no-reboot -serial "file:$log" -kernel "$KERNEL" \
		-append "console=ttyS0 panic=-1 loglevel=4 root=/dev/nonexistent" \
		>/dev/null 2>&1 </dev/null
	grep -q "Kernel panic" "$log" 2>/dev/null
}

VNG_ARGS=()
case $VM_KVM in
1) say "KVM: forced on (VM_KVM=1)" ;;
0)
	say "KVM: off (VM_KVM=0), TCG emulation: slow"
	VNG_ARGS+=(--disable-kvm)
	;;
*)
	if kvm_usable; then
		say "KVM: usable"
	else
		say "KVM: /dev/kvm missing or the probe guest did not run (nested virtualisation?): TCG emulation, slow"
		VNG_ARGS+=(--disable-kvm)
	fi
	;;
esac

# Build once, on the host. A failure here is the suite's failure.
say "building on the host"
if ! make --no-print-directory build/vxbpf build/tests/unit build/tests/prog >"$VMDIR/build.log" 2>&1; then
	tail -n 30 "$VMDIR/build.log" | sed 's/^/    /'
	say "BUILD FAILED (log: $VMDIR/build.log)"
	echo "0 passed, 1 failed"
	exit 1
fi

# Debian's virtiofsd in bookworm is qemu's old C one, which virtme-ng cannot
# drive: go straight to 9p. kvm modules are not needed in the guest and cost
# seconds of udev time under emulation.
VNG_ARGS+=(
	--run "$KERNEL"
	--force-9p
	--cpus "$VM_CPUS" --memory "$VM_MEMORY"
	--overlay-rwdir "$REPO"
	--cwd "$REPO"
	--append "module_blacklist=kvm,kvm_intel,kvm_amd"
	--exec "env VM_NET_TESTS='$VM_NET_TESTS' VM_PROG_FILTER='$VM_PROG_FILTER' NET_TIMEOUT='${NET_TIMEOUT:-}' LAYER_TIMEOUT='${LAYER_TIMEOUT:-}' scripts/vmtest.sh --guest"
)

say "booting $KVER: vng ${VNG_ARGS[*]}"
say "guest program tests: $VM_PROG_FILTER; network tests: $VM_NET_TESTS; timeout ${VM_TIMEOUT}s; console log $VM_LOG"
start=$SECONDS
# stdin from /dev/null: CI has none, and vng must not wait on a terminal.
# timeout leads its own process group (vng, virtme-run, qemu): on timeout it
# signals all of them, and so does our trap if we are interrupted.
: >"$VM_LOG"
timeout -k 20 "$VM_TIMEOUT" vng "${VNG_ARGS[@]}" </dev/null >"$VM_LOG" 2>&1 &
vm_pid=$!
trap 'kill -TERM -- -$vm_pid 2>/dev/null; exit 130' INT TERM
tail -n +1 -f --pid=$vm_pid "$VM_LOG"
wait $vm_pid
rc=$?
trap - INT TERM
elapsed=$((SECONDS - start))

guest_rc=$(sed -n 's/^VMTEST-EXIT: \([0-9]*\).*/\1/p' "$VM_LOG" | tail -n1)
if ((rc == 124 || rc == 137)); then
	say "TIMEOUT: the guest did not finish within ${VM_TIMEOUT}s"
	echo "0 passed, 1 failed"
	rc=1
elif [[ -z $guest_rc ]]; then
	say "the guest did not report a result (vng exit $rc): boot or guest failure, see $VM_LOG"
	echo "0 passed, 1 failed"
	((rc == 0)) && rc=1
elif [[ $guest_rc != "$rc" ]]; then
	say "vng exit $rc, guest suite exit $guest_rc"
	((rc == 0)) && rc=$guest_rc
fi
say "kernel $KVER: exit $rc after ${elapsed}s (boot included)"
exit "$rc"
