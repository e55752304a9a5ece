#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Regenerate vmlinux/vmlinux.h from the running kernel's BTF. The BPF objects
# are CO-RE: a header from any recent kernel works on every kernel vxbpf
# supports, so the checked-in copy only changes when a new type is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bpftool btf dump file "${1:-/sys/kernel/btf/vmlinux}" format c > vmlinux/vmlinux.h.tmp
mv vmlinux/vmlinux.h.tmp vmlinux/vmlinux.h
echo "vmlinux/vmlinux.h regenerated from ${1:-/sys/kernel/btf/vmlinux} ($(uname -r))"
