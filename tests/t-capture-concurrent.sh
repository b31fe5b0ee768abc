#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Two processes with the same interface label on one spool: a live capture
# on a real WireGuard tunnel, and a conversion of a capture file with
# `-r FILE -i SAMELABEL` into the same spool while the live one has a
# segment open (the man page's own example next to wgtap-capture@wg0).
# The conversion's recovery must leave the live segment alone: each
# process locks its open temporary file, and recovery skips locked ones.
# Every row of both ends up in completed segments, counted per source
# exactly; both exit 0; no temporary file is left. Needs root.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"
. "$here/lib/wgtunnel.sh"

reason=$(wgt_available python3 timeout) || skip "$reason"
[ -x "${WGTAP_CAPTURE:-}" ] || skip "WGTAP_CAPTURE not set"
trap wgt_down EXIT
wgt_up || { not_ok "tunnel up"; exit 1; }
T=$WGT_TMP
traffic="python3 $here/tools/traffic.py"
ns_a() { ip netns exec "$WGT_NS_A" "$@"; }
field() { grep -o " $2=[0-9]*" <<<"$1" | cut -d= -f2; }
N1=1500 N2=2500

# The file, and the rows it gives alone (the reference).
python3 "$WGTAP_TOP/bench/mkpcap.py" "$T/in.pcap" 20000 >/dev/null 2>&1 ||
	{ not_ok "mkpcap"; exit 1; }
mkdir -m 0750 "$T/ref" "$T/spool"
"$WGTAP_CAPTURE" -r "$T/in.pcap" -i "$WGT_IF_A" -d "$T/ref" 2>/dev/null ||
	not_ok "reference conversion"
seg_rows "$T/ref" | sort >"$T/ref.rows"
check "the reference has the file's rows" test "$(wc -l <"$T/ref.rows")" -gt 19000
# Live rows are told apart by their addresses and ports.
live_rows() { awk -F, -v a="$WGT_A4" -v b="$WGT_B4" -v p="$1" \
	'$1 == a && $3 == b && $4 == p'; }
eq "no row of the file looks like a live one" \
	"$(live_rows 7009 <"$T/ref.rows" | wc -l)" 0

# The live capture, with a segment open for the whole test.
WGT_BG_LOG=$T/live.log wgt_bg "$WGT_NS_A" "$WGTAP_CAPTURE" \
	--iface "$WGT_IF_A" --spool-dir "$T/spool" -t 1h \
	--filter "udp port 7008 or udp port 7009" >/dev/null
live=$WGT_LAST_PID
# Ready when a probe (port 7008) has opened a segment: from then on every
# packet is captured.
temp_open() { compgen -G "$T/spool/.$WGT_IF_A-*.csv.gz.part" >/dev/null; }
probe_until_open() {
	local i
	for i in $(seq 100); do
		ns_a $traffic udp-flood "$WGT_B4" 7008 1 "$i"
		temp_open && return 0
		sleep 0.1
	done
	return 1
}
probe_until_open || not_ok "the live capture opened a segment"
ns_a $traffic udp-flood "$WGT_B4" 7009 "$N1" 0 2000

# The conversion with the same label, while the live segment is open.
check "the live segment is open" temp_open
timeout 60 "$WGTAP_CAPTURE" -r "$T/in.pcap" -i "$WGT_IF_A" -d "$T/spool" \
	2>"$T/conv.log"
eq "conversion: exit status" "$?" 0
eq "conversion: recovered nothing" "$(grep -c 'recover' "$T/conv.log")" 0
check "the live segment is still open" temp_open

ns_a $traffic udp-flood "$WGT_B4" 7009 "$N2" "$N1" 2000
# Drain: the open segment's synced rows hold every packet sent.
synced() {
	local f n
	f=$(compgen -G "$T/spool/.$WGT_IF_A-*.csv.gz.part" | head -n 1)
	[ -n "$f" ] || return 1
	n=$(gzip -dc "$f" 2>/dev/null | live_rows 7009 | wc -l)
	[ "$n" -ge $((N1 + N2)) ]
}
wait_for 20 synced || not_ok "the live capture has every packet before the stop"
kill -TERM "$live"
for _ in $(seq 100); do wgt_alive "$live" || break; sleep 0.1; done
wait "$live"
eq "live: exit status" "$?" 0
eq "live: no error" "$(grep -c ': error: ' "$T/live.log")" 0

eq "no temporary file left" "$(find "$T/spool" -name '.*' | wc -l)" 0
seg_rows "$T/spool" | sort >"$T/all.rows"
eq "live rows (port 7009), each packet once" \
	"$(live_rows 7009 <"$T/all.rows" | wc -l)" $((N1 + N2))
check "live probe rows (port 7008)" \
	test "$(live_rows 7008 <"$T/all.rows" | wc -l)" -ge 1
awk -F, -v a="$WGT_A4" -v b="$WGT_B4" \
	'!($1 == a && $3 == b && ($4 == 7008 || $4 == 7009))' "$T/all.rows" \
	>"$T/file.rows"
eq "rows of the file (count)" "$(wc -l <"$T/file.rows")" "$(wc -l <"$T/ref.rows")"
check "rows of the file: the same as converted alone" cmp -s "$T/file.rows" "$T/ref.rows"
summary=$(grep 'summary;' "$T/live.log")
eq "live: rows counted = rows in its segments" "$(field "$summary" rows)" \
	"$(awk -F, -v a="$WGT_A4" -v b="$WGT_B4" \
		'$1 == a && $3 == b && ($4 == 7008 || $4 == 7009)' "$T/all.rows" | wc -l)"
finish
