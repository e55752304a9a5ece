#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install everything the build, tests, demo and benchmarks use, from Debian's
# packages. Idempotent: only missing packages are installed, so a second run
# costs one dpkg query.
set -euo pipefail

PKGS=(
	make gcc pkg-config clang llvm libclang-rt-dev
	libbpf-dev libxdp-dev bpftool libelf-dev zlib1g-dev
	libcriterion-dev libmnl-dev libmicrohttpd-dev libsystemd-dev linux-libc-dev go-md2man
	iproute2 iputils-ping tcpdump ethtool socat procps kmod coreutils
	python3-scapy gnuplot-nox jq tshark frr prometheus curl xdp-tools
	iperf3 strace
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done

if ((${#missing[@]})); then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# bpffs holds the pinned maps; it is not always mounted on a fresh machine.
if ! mount | grep -q ' /sys/fs/bpf type bpf'; then
	mount -t bpf bpf /sys/fs/bpf
fi
