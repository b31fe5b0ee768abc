#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What recovery finds in the spool at start besides leftovers of a killed
# capture. A FIFO named like a leftover (any member of the spool's group
# can make one) must not stop wgtap-capture from starting: recovery opens
# regular files only, never blocking, and reports anything else once and
# leaves it. The conversion next to it runs as if it were not there.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"
[ -x "${WGTAP_CAPTURE:-}" ] || skip "WGTAP_CAPTURE not set"
command -v timeout >/dev/null || skip "timeout(1) not found"
T=$(mktemp -d /tmp/wgtap-leftover.XXXXXX)
trap 'rm -rf "$T"' EXIT
data=$here/data/pcap
spool=$T/spool
mkdir "$spool"

fifo=.wg0-20251124T160000.000000000Z-000001.csv.gz.part
mkfifo "$spool/$fifo"
# Bounded: a recovery that opens the FIFO blocks for ever.
timeout 20 "$WGTAP_CAPTURE" -r "$data/raw-ns.pcap" -i wg0 -d "$spool" \
	2>"$T/err"
eq "exit status (124: hung on the FIFO)" "$?" 0
eq "the FIFO is reported once" \
	"$(grep -c -F "leftover $fifo is a FIFO, not a regular file: left alone" "$T/err")" 1
eq "one warning in all" "$(grep -c ': warning: ' "$T/err")" 1
eq "no error" "$(grep -c ': error: ' "$T/err")" 0
check "the FIFO is left where it was" test -p "$spool/$fifo"
seg_rows "$spool" >"$T/rows"
tail -n +2 "$data/raw-ns.csv" >"$T/want"
eq "rows of the file (count)" "$(wc -l <"$T/rows")" "$(wc -l <"$T/want")"
check "rows of the file, in order" cmp -s "$T/rows" "$T/want"

# The next start finds it again and still goes on.
timeout 20 "$WGTAP_CAPTURE" -r "$data/raw-ns.pcap" -i wg0 -d "$spool" \
	2>"$T/err2"
eq "second start: exit status" "$?" 0
eq "second start: reported once" \
	"$(grep -c -F "leftover $fifo is a FIFO" "$T/err2")" 1
check "the FIFO is still there" test -p "$spool/$fifo"
finish
