# SPDX-License-Identifier: GPL-2.0
# Shared by the demos (scripts/demo.sh, scripts/demo-evpn.sh): numbered
# steps, commands shown before their output, one way to give up.
# DEMO_NAME names the demo in die's message.

STEP=0
BOLD= NORM=
[[ -t 1 ]] && BOLD=$'\033[1m' NORM=$'\033[0m'
step()
{
	STEP=$((STEP + 1))
	printf '\n%s[%d] %s%s\n' "$BOLD" "$STEP" "$*" "$NORM"
}

# show CMD...: print the command, then run it (indented output).
show()
{
	printf '  $ %s\n' "$*"
	"$@" 2>&1 | sed 's/^/    /'
	return "${PIPESTATUS[0]}"
}

die() { printf '\n%s: %s\n' "${DEMO_NAME:-demo}" "$*" >&2; exit 1; }
