#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# What `make install` puts on a host, and how vxbpf runs as a service:
# the command, its manual, bash completion and the systemd units (checked
# with systemd-analyze verify); the mirror daemon telling systemd it is
# ready (sd_notify) once its first resync is through; --version from the
# build.
#
# Run: tests/net/services.sh  (TESTS=... to select, VERBOSE=1)

source "$(dirname "$0")/lib.sh"

t_install()
{
	local name="make install: command, manual, completion and systemd units that systemd-analyze accepts"
	local dir out f

	vxt_tmpdir dir
	out=$(make -s -C "$REPO_ROOT" install PREFIX="$dir" 2>&1) ||
		{ check_err 1 "make install: $out"; log_test "$name"; return; }
	for f in sbin/vxbpf share/man/man8/vxbpf.8 share/bash-completion/completions/vxbpf \
		lib/systemd/system/vxbpf-mirror@.service lib/systemd/system/vxbpf-monitor.service \
		lib/systemd/system/vxbpf-metrics.service lib/systemd/system/vxbpf-restore.service; do
		[[ -s $dir/$f ]] || check_err 1 "$f not installed"
	done
	out=$(MANWIDTH=100 man -l "$dir/share/man/man8/vxbpf.8" 2>&1 | grep -c '^ *fsck \[--dry-run\]\|^ *save \[FILE\]')
	((out >= 2)) || check_err 1 "the manual lacks fsck or save"
	grep -q "^ExecStart=$dir/sbin/vxbpf mirror" "$dir/lib/systemd/system/vxbpf-mirror@.service" ||
		check_err 1 "ExecStart does not name the installed command"
	if command -v systemd-analyze >/dev/null; then
		cp "$dir/lib/systemd/system/vxbpf-mirror@.service" "$dir/lib/systemd/system/vxbpf-mirror@vxlan100.service"
		out=$(systemd-analyze verify --man=no "$dir"/lib/systemd/system/vxbpf-{metrics,monitor,restore}.service \
			"$dir/lib/systemd/system/vxbpf-mirror@vxlan100.service" 2>&1) ||
			check_err 1 "systemd-analyze verify: $out"
	fi
	log_test "$name"
}

# complete WORDS...: what bash completion offers for the last word.
complete_words()
{
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"
		_vxbpf; printf "%s\n" "${COMPREPLY[@]}"' _ "$REPO_ROOT/scripts/vxbpf.bash-completion" "$@"
}

t_completion()
{
	local name="bash completion: commands, verbs, options"

	[[ $(complete_words vxbpf fs) == fsck ]] || check_err 1 "vxbpf fs<TAB>: $(complete_words vxbpf fs)"
	complete_words vxbpf fdb "" | grep -qx append || check_err 1 "vxbpf fdb <TAB> lacks append"
	complete_words vxbpf -n x vni add 100 max | grep -qx maxaddress || check_err 1 "vni add ... max<TAB>"
	complete_words vxbpf port add lo | grep -qx lo || check_err 1 "port add <TAB> lacks the devices"
	complete_words vxbpf metrics "" | grep -qx -- --listen || check_err 1 "metrics <TAB>"
	[[ $(complete_words vxbpf expl) == explain ]] || check_err 1 "vxbpf expl<TAB>: $(complete_words vxbpf expl)"
	complete_words vxbpf explain l | grep -qx lo || check_err 1 "explain <TAB> lacks the devices"
	[[ $(complete_words vxbpf -j explain lo /etc/hostnam) == /etc/hostname ]] ||
		check_err 1 "explain DEV <TAB> does not complete a file"
	log_test "$name"
}

t_notify()
{
	local name="mirror under systemd: READY=1 once the first resync is through"
	local ns dir pid lpid out

	require_cmd socat || { log_test "$name"; return; }
	mirror_ns_add sn || { check_err 1 "namespace and devices"; log_test "$name"; return; }
	ns=$(ns_name sn)
	vxt_tmpdir dir
	: >"$dir/got"
	socat -u UNIX-RECVFROM:"$dir/notify",fork OPEN:"$dir/got",append &
	lpid=$!
	bg_track "$lpid"
	wait_for 5 test -S "$dir/notify" || check_err 1 "no notify socket"
	NOTIFY_SOCKET="$dir/notify" "$VXBPF" -n "$ns" mirror vxlan100 2>"$dir/err" &
	pid=$!
	bg_track "$pid"
	wait_for 10 grep -q READY=1 "$dir/got" || check_err 1 "no READY=1: $(cat "$dir/got" "$dir/err" 2>/dev/null)"
	grep -q 'STATUS=in sync' "$dir/got" || check_err 1 "no STATUS=in sync: $(cat "$dir/got")"
	out=$(vxbpf_run "$ns" -j fdb show vni 100 | jq length)
	((out == 1)) || check_err 1 "ready before the first resync was written ($out entries)"
	kill "$pid" "$lpid" 2>/dev/null
	wait "$pid" 2>/dev/null
	log_test "$name"
}

t_version()
{
	local name="--version: the build's git describe"
	local want got

	if want=$(git -C "$REPO_ROOT" describe --tags --dirty --always 2>/dev/null); then
		got=$("$VXBPF" --version)
		[[ $got == "vxbpf $want" ]] || check_err 1 "\"$got\", git describe says $want"
	else
		skip "not a git checkout"
	fi
	log_test "$name"
}

t_json_errors()
{
	local name="-j: errors are JSON objects on stderr, with a non-zero exit"
	local out rc

	out=$("$VXBPF" -j vni add 100 local 192.0.2.1 bogus 2>&1 >/dev/null) && rc=0 || rc=$?
	((rc == 2)) || check_err 1 "exit $rc for a usage error, not 2"
	jq -e '.error | test("unknown word")' <<<"$out" >/dev/null || check_err 1 "not JSON: $out"
	out=$("$VXBPF" -j -n vxt-no-such-ns stats 2>&1 >/dev/null) && rc=0 || rc=$?
	((rc == 1)) || check_err 1 "exit $rc for a missing namespace, not 1"
	jq -e '.error' <<<"$out" >/dev/null || check_err 1 "not JSON: $out"
	log_test "$name"
}

ALL_TESTS="t_install t_completion t_notify t_version t_json_errors"

require_root
require_cmd ip bridge jq man make
tests_run
tests_exit
