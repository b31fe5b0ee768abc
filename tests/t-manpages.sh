#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The man pages wgtap-capture(8) and wgtap-ship(8): they lint clean
# (`mandoc -Tlint -Wwarning` and `groff -mandoc -ww -z` print nothing),
# have the sections an operator looks for, and document exactly the flags
# the programs have: every long flag in `--help` has an option entry in
# the page, every short flag goes with its long one there as in --help,
# and every flag the page mentions exists in --help. Skips without mandoc.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"

top=${WGTAP_TOP:-$(cd "$here/.." && pwd)}
command -v mandoc >/dev/null 2>&1 || skip "mandoc is not installed"
[ -x "${WGTAP_CAPTURE:-}" ] && [ -x "${WGTAP_SHIP:-}" ] ||
	skip "WGTAP_CAPTURE and WGTAP_SHIP must name the built binaries"

T=$(mktemp -d "${TMPDIR:-/tmp}/t-manpages.XXXXXX")
trap 'rm -rf "$T"' EXIT

# Long flags in a --help text: every --word.
help_long() {
	grep -oE -- '--[a-z][a-z0-9-]*' "$1" | sort -u
}
# "-x --long" for every help line that pairs a short flag with a long one.
help_pairs() {
	sed -nE 's/^ +(-[A-Za-z]), (--[a-z][a-z0-9-]*).*/\1 \2/p' "$1" | sort -u
}
# Flags of the option entries (.It lines) of an mdoc page: "Fl -once" is
# --once, "Fl v" is -v.
man_entries() {
	grep '^\.It ' "$1" | grep -oE 'Fl -?[A-Za-z][A-Za-z0-9-]*' |
		sed 's/^Fl /-/' | sort -u
}
# Every flag the page mentions anywhere (Fl macros).
man_all() {
	grep -oE '(^\.| )Fl -?[A-Za-z][A-Za-z0-9-]*' "$1" |
		sed 's/^.*Fl /-/' | sort -u
}
# "-x --long" for every option entry naming both.
man_pairs() {
	grep '^\.It Fl [A-Za-z] .*Fl -' "$1" |
		sed -E 's/^\.It Fl ([A-Za-z]) .*Fl (-[a-z][a-z0-9-]*).*/-\1 -\2/' |
		sort -u
}

for prog in wgtap-capture wgtap-ship; do
	page=$top/man/$prog.8
	if [ ! -f "$page" ]; then
		not_ok "man/$prog.8 exists"
		continue
	fi
	case $prog in
	wgtap-capture) bin=$WGTAP_CAPTURE ;;
	*) bin=$WGTAP_SHIP ;;
	esac

	out=$(mandoc -Tlint -Wwarning "$page" 2>&1)
	rc=$?
	[ -n "$out" ] && echo "$out" | sed 's/^/    /'
	eq "$prog.8: mandoc -Tlint -Wwarning exits 0" "$rc" 0
	eq "$prog.8: mandoc -Tlint -Wwarning prints nothing" "$out" ""
	if command -v groff >/dev/null 2>&1; then
		out=$(groff -mandoc -ww -z "$page" 2>&1)
		rc=$?
		[ -n "$out" ] && echo "$out" | sed 's/^/    /'
		eq "$prog.8: groff -mandoc -ww -z exits 0" "$rc" 0
		eq "$prog.8: groff -mandoc -ww -z prints nothing" "$out" ""
	else
		echo "groff is not installed: $prog.8 linted with mandoc only"
	fi

	# Renders, with the sections an operator looks for.
	mandoc -Tutf8 "$page" 2>/dev/null | col -b >"$T/$prog.txt"
	for sec in NAME SYNOPSIS DESCRIPTION SIGNALS ENVIRONMENT FILES \
		"EXIT STATUS" EXAMPLES DIAGNOSTICS "SEE ALSO"; do
		check "$prog.8 has the section $sec" grep -qx "$sec" "$T/$prog.txt"
	done
	check "$prog.8 documents the CSV header" \
		grep -q 'src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns' "$T/$prog.txt"
	check "$prog.8 documents the object key layout" \
		grep -q 'PREFIXhost=HOST/dt=YYYY-MM-DD/hour=HH/NAME' "$T/$prog.txt"
	sed -n '/^EXIT STATUS/,/^EXAMPLES/p' "$T/$prog.txt" >"$T/$prog.exit"
	for st in 0 1 2; do
		check "$prog.8 documents exit status $st" \
			grep -Eq "^[[:space:]]+${st}[[:space:]]+[A-Z]" "$T/$prog.exit"
	done

	# Flags: --help against the page, both ways.
	"$bin" --help >"$T/$prog.help" 2>&1
	eq "$prog --help exits 0" "$?" 0
	help_long "$T/$prog.help" >"$T/help.long"
	man_entries "$page" >"$T/man.entries"
	man_all "$page" >"$T/man.all"
	check "$prog --help lists some long flags" test -s "$T/help.long"
	while read -r f; do
		check "$prog: $f from --help has an entry in $prog.8" \
			grep -qx -- "$f" "$T/man.entries"
	done <"$T/help.long"
	sed -nE 's/^ +(-[A-Za-z]),.*/\1/p' "$T/$prog.help" | sort -u >"$T/help.short"
	cat "$T/help.long" "$T/help.short" | sort -u >"$T/help.all"
	while read -r f; do
		check "$prog: $f in $prog.8 exists in --help" \
			grep -qx -- "$f" "$T/help.all"
	done <"$T/man.all"
	help_pairs "$T/$prog.help" >"$T/help.pairs"
	man_pairs "$page" >"$T/man.pairs"
	check "$prog: short and long flags pair up the same in --help and $prog.8" \
		diff -u "$T/help.pairs" "$T/man.pairs"
done

# The backfill is documented where the brief says: in wgtap-ship(8).
check "wgtap-ship.8 documents the backfill timer" grep -q 'wgtap-backfill.timer' "$T/wgtap-ship.txt"
check "wgtap-ship.8 documents the cron backfill" grep -q 'cron.example' "$T/wgtap-ship.txt"
check "wgtap-ship.8 documents the credentials' variables" \
	grep -q 'AWS_SESSION_TOKEN' "$T/wgtap-ship.txt"
check "wgtap-capture.8 documents SIGHUP" grep -q 'SIGHUP' "$T/wgtap-capture.txt"
finish
