#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every shell script in the tree parses: each tracked file whose first line
# names sh or bash is read by that shell with -n (no command runs). A
# script that `make bench`, the installer or a test reaches only on some
# path would otherwise break unseen. Also: `bench/run.sh` with a bad part
# name prints its usage and exits 2 (it got past parsing and dispatch).
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"

top=${WGTAP_TOP:-$(cd "$here/.." && pwd)}
command -v git >/dev/null 2>&1 && git -C "$top" rev-parse >/dev/null 2>&1 ||
	skip "not a git checkout: the list of tracked files is git's"

n=0
bad=0
while IFS= read -r -d '' f; do
	[ -f "$top/$f" ] || continue
	IFS= read -r first <"$top/$f" || true
	case $first in
	'#!'*bash*) sh=bash ;;
	'#!'*/sh | '#!'*/sh' '* | '#!'*' sh' | '#!'*' sh '*) sh=sh ;;
	*) continue ;;
	esac
	n=$((n + 1))
	if ! err=$("$sh" -n "$top/$f" 2>&1); then
		not_ok "$f does not parse ($sh -n): $err"
		bad=$((bad + 1))
	fi
done < <(git -C "$top" ls-files -z)
check "shell scripts found in the tree ($n)" test "$n" -ge 40
eq "scripts that do not parse" "$bad" 0

out=$(bash "$top/bench/run.sh" no-such-part 2>&1)
rc=$?
eq "bench/run.sh no-such-part: exit status" "$rc" 2
check "bench/run.sh no-such-part: prints its usage" \
	grep -q '^usage: .*run.sh \[capture|' <<<"$out"
finish
