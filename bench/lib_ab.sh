# SPDX-License-Identifier: GPL-2.0
# Sourced by bench/ab-*.sh: two revisions of vxbpf built apart, in
# temporary worktrees under $WT, removed by ab_exit. Needs ROOT, WT,
# REV_A, REV_B.

# ab_build REV DIR: vxbpf of REV ("." = the work tree as it stands) into
# DIR/vxbpf.
ab_build()
{
	local rev=$1 out=$2 src

	mkdir -p "$out"
	if [[ $rev == . ]]; then
		src=$ROOT
	else
		src=$WT/src-$(basename "$out")
		git -C "$ROOT" worktree add -q --detach "$src" "$rev" || return 1
	fi
	make -C "$src" -s -j2 build/vxbpf >/dev/null || return 1
	cp "$src/build/vxbpf" "$out/vxbpf"
}

ab_exit()
{
	local d

	for d in "$WT"/src-*; do
		[[ -d $d ]] && git -C "$ROOT" worktree remove --force "$d"
	done
	rm -rf "$WT"
}

# ab_prepare: both builds and the bench tool, or exit 1.
ab_prepare()
{
	ab_build "$REV_A" "$WT/A" && ab_build "$REV_B" "$WT/B" || { ab_exit; exit 1; }
	make -C "$ROOT" -s build/vxbench >/dev/null || { ab_exit; exit 1; }
}
