#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Querying proven: what wgtap puts in a bucket is read by a real query
# engine. Two synthetic captures (bench/mkpcap.py) that cross midnight UTC
# are converted with `wgtap-capture -r`, shipped with `wgtap-ship --once` to
# a real S3 server (Swift with s3api) under two host labels, and the bucket
# is downloaded with its key layout: gw1's segments gzip'd, gw2's zstd'd,
# side by side in the partition of the day they share. DuckDB (@duckdb/node-api, pinned by
# package-lock.json) then reads it with Hive partitioning
# (tests/tools/query.mjs), and the test checks: rows and bytes per (host,
# dt) against counts taken from the pcaps and from the segments; every row
# in the dt/hour partition of its timestamp; a WHERE dt = ... query reads
# only that day's files; one DNS row decoded in SQL equals the UDP payload
# of its packet (tshark, or Python without it).
# A fleet in the same bucket: three more gateways (gw-a, gw-b, gw-c) ship
# format v2 (tests/tools/mkfleet.py: LINUX_SLL2 captures with DNS
# questions, crossing an hour, from three clients each, one with IPv6 and
# a /24 behind it, and from an address no peer holds), converted with
# --peers and the gateway's `wg show dump` the generator wrote, under
# their own --host-label. The v1 view reads their v2 files and the v2 view
# the v1 files (NULL in the new columns), and the README's fleet query
# answers per host, per peer (each client's key) and per hour, exactly:
# packets, bytes, distinct DNS names asked, against what the generator
# wrote down per packet (and rows per direction); the README's join of the
# operator's (key, name) table names the clients a CSV file names.
# Needs python3, node and npm (runs `npm ci` if node_modules lacks
# @duckdb/node-api) and Swift; exits 77 with the reason otherwise.
set -uo pipefail
export LC_ALL=C TZ=UTC
here=$(cd "$(dirname "$0")" && pwd)
top=${WGTAP_TOP:-$(dirname "$here")}
# shellcheck source=tests/lib/common.sh
. "$here/lib/common.sh"
cap=${WGTAP_CAPTURE:-$top/wgtap-capture/wgtap-capture}
ship=${WGTAP_SHIP:-$top/wgtap-ship/wgtap-ship}
BUCKET=wgtap-query
PREFIX=wgtap/
hosts=(gw1 gw2)
fleet=(gw-a gw-b gw-c)
# every host, in the order DuckDB's ORDER BY gives (C collation)
mapfile -t all < <(printf '%s\n' "${hosts[@]}" "${fleet[@]}" | sort)

[ -x "$cap" ] || skip "wgtap-capture is not built ($cap)"
[ -x "$ship" ] || skip "wgtap-ship is not built ($ship)"
py=/usr/bin/python3	# the system's, when there is one: it starts quickest
[ -x "$py" ] || py=python3
command -v "$py" >/dev/null || skip "python3 not found (bench/mkpcap.py needs it)"
command -v node >/dev/null || skip "node not found (needs Node.js 20 and npm for DuckDB)"
if ! [ -f "$top/node_modules/@duckdb/node-api/package.json" ]; then
	command -v npm >/dev/null ||
		skip "node_modules lacks @duckdb/node-api and npm is not found to install it"
	echo "# npm ci: installing @duckdb/node-api as pinned by package-lock.json"
	if ! out=$(cd "$top" && npm ci --no-audit --no-fund 2>&1); then
		why=$(grep '^npm error ' <<<"$out" |
			grep -Ev '^npm error (code|errno|syscall|path) ' | head -n 1)
		skip "npm ci failed, cannot install @duckdb/node-api: ${why:-$(grep . <<<"$out" | tail -n 1)}"
	fi
fi
if ! out=$(cd "$top" && node -e 'require("@duckdb/node-api")' 2>&1); then
	skip "@duckdb/node-api does not load here: $(grep . <<<"$out" | tail -n 1)"
fi
# shellcheck source=tests/lib/swift.sh
. "$here/lib/swift.sh"
swift_available 2>/dev/null || skip "swift is not available: $SWIFT_UNAVAILABLE_REASON"

T=$(mktemp -d /tmp/t-query.XXXXXX)
trap 'swift_stop; rm -rf "$T"' EXIT
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
unset AWS_SESSION_TOKEN

# --- two captures across midnight, converted ------------------------------
# gw1: 3000 packets from 2026-01-01 23:59:00 UTC at 20/s (about 150 s);
# gw2: 1200 packets from 2026-01-02 23:59:30 UTC at 30/s (about 40 s).
declare -A start=([gw1]=1767311940 [gw2]=1767398370)
declare -A npkt=([gw1]=3000 [gw2]=1200)
declare -A pps=([gw1]=20 [gw2]=30)
declare -A seed=([gw1]=11 [gw2]=12)
declare -A compress=([gw1]=gzip [gw2]=zstd)
for h in "${hosts[@]}"; do
	"$py" "$top/bench/mkpcap.py" -q "$T/$h.pcap" "${npkt[$h]}" \
		--seed "${seed[$h]}" --flows 200 --start "${start[$h]}" \
		--pps "${pps[$h]}" || { not_ok "$h: mkpcap.py"; finish; }
	mkdir -p "$T/spool/$h" "$T/seg/$h"
	"$cap" -r "$T/$h.pcap" --iface wg0 --spool-dir "$T/spool/$h" -t 1m \
		--compress "${compress[$h]}" 2>"$T/$h.capture.log"
	rc=$?
	eq "$h: wgtap-capture -r exits 0" "$rc" 0
	cp "$T/spool/$h"/* "$T/seg/$h/"
done
# The fleet: 300 packets each from 2026-01-02 09:56:00 UTC, 1.5 s apart
# (into hour 10), format v2, each row's peer from the gateway's dump.
declare -A fseed=([gw-a]=21 [gw-b]=22 [gw-c]=23)
for h in "${fleet[@]}"; do
	"$py" "$here/tools/mkfleet.py" "$T/$h.pcap" "$T/$h.truth" "$T/$h.dump" \
		"${fseed[$h]}" 1767347760 300 || { not_ok "$h: mkfleet.py"; finish; }
	mkdir -p "$T/spool/$h" "$T/seg/$h"
	"$cap" -r "$T/$h.pcap" --iface wg0 --spool-dir "$T/spool/$h" -t 1h \
		--format v2 --peers "$T/$h.dump" 2>"$T/$h.capture.log"
	rc=$?
	eq "$h: wgtap-capture -r --format v2 --peers exits 0" "$rc" 0
	eq "$h: no_peer counts the packets from the address no peer holds" \
		"$(sed -n 's/.* summary;.* no_peer=\([0-9]*\).*/\1/p' "$T/$h.capture.log")" \
		"$(awk '$5 == "-"' "$T/$h.truth" | wc -l)"
	eq "$h: v2 segments" "$(for f in "$T/spool/$h"/*; do zcat "$f" | head -1; done |
		sort -u)" "src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns,peer,direction,dns_qname,dns_qtype,dns_rcode"
	cp "$T/spool/$h"/* "$T/seg/$h/"
done

# Expected rows and bytes per (host, dt), twice, without the engine:
# from the pcap record headers (Python), and from the segments (awk).
"$py" - "$T" "${all[@]}" >"$T/want.pcap" <<'EOF'
import collections, datetime, struct, sys
for host in sys.argv[2:]:
    rows, size = collections.Counter(), collections.Counter()
    with open("%s/%s.pcap" % (sys.argv[1], host), "rb") as f:
        f.read(24)
        while hdr := f.read(16):
            sec, _, incl, orig = struct.unpack("<IIII", hdr)
            f.read(incl)
            day = datetime.datetime.fromtimestamp(sec, datetime.timezone.utc).date()
            rows[day] += 1
            size[day] += orig
    for day in sorted(rows):
        print("count", host, day.isoformat(), rows[day], size[day])
EOF
for h in "${all[@]}"; do
	seg_rows "$T/seg/$h" | awk -F, '{
		d = int(substr($7, 1, length($7) - 9) / 86400); n[d]++; b[d] += $6
	} END { for (d in n) printf "%d %d %.0f\n", d, n[d], b[d] }' |
		sort -n | while read -r d n b; do
			echo "count $h $(date -u -d "@$((d * 86400))" +%F) $n $b"
		done
done >"$T/want.csv"
check "the segments hold every packet of the pcaps, per host and day" \
	cmp -s "$T/want.pcap" "$T/want.csv"
eq "the data covers seven (host, dt) partitions" "$(wc -l <"$T/want.pcap")" 7

# --- ship to S3 under two host labels, download the bucket ------------------
swift_start "$T/swift"
case $? in
0) ;;
77) skip "swift is not available: $SWIFT_UNAVAILABLE_REASON" ;;
*) not_ok "swift_start"; finish ;;
esac
# (the probe object it leaves is outside the queried prefix)
if ! swift_usable_bucket "$BUCKET" 2>>"$T/swift.err"; then
	cat "$T/swift.err"
	not_ok "bucket $BUCKET usable"
	finish
fi

export AWS_ACCESS_KEY_ID=$SWIFT_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$SWIFT_SECRET_KEY
for h in "${all[@]}"; do
	"$ship" --once --spool-dir "$T/spool/$h" --storage-bucket "$BUCKET" \
		--storage-endpoint "$SWIFT_ENDPOINT" --storage-region "$SWIFT_REGION" \
		--key-prefix "$PREFIX" --host-label "$h" >"$T/$h.ship.log" 2>&1
	rc=$?
	eq "$h: wgtap-ship --once exits 0" "$rc" 0
	eq "$h: spool empty after shipping" \
		"$(find "$T/spool/$h" -mindepth 1 | wc -l)" 0
done

# The documented keys: PREFIX host=H/dt=YYYY-MM-DD/hour=HH/SEGMENT.
for h in "${all[@]}"; do
	for n in $(seg_names "$T/seg/$h"); do
		ts=${n#*-}
		echo "${PREFIX}host=$h/dt=${ts:0:4}-${ts:4:2}-${ts:6:2}/hour=${ts:9:2}/$n"
	done
done | sort >"$T/keys.want"
swift_list "$BUCKET" "$PREFIX" | sort >"$T/keys"
check "the bucket holds exactly the documented keys ($(wc -l <"$T/keys") objects)" \
	cmp -s "$T/keys" "$T/keys.want"
check "dt=2026-01-02 holds gzip (gw1) and zstd (gw2) segments side by side" \
	test "$(grep /dt=2026-01-02/ "$T/keys" | grep -c '^wgtap/host=gw1/.*\.csv\.gz$')" -gt 0 -a \
	"$(grep /dt=2026-01-02/ "$T/keys" | grep -c '^wgtap/host=gw2/.*\.csv\.zst$')" -gt 0
eq "no key of another kind" "$(grep -vc -e 'host=gw1/.*\.csv\.gz$' \
	-e 'host=gw2/.*\.csv\.zst$' -e 'host=gw-[abc]/.*\.csv\.gz$' \
	"$T/keys")" 0
fetch() {	# fetch KEY: into $T/bucket/KEY, retried (Swift may 404 briefly)
	mkdir -p "$(dirname "$T/bucket/$1")"
	wait_for 15 swift_get "$BUCKET/$1" "$T/bucket/$1"
}
bad=0
while read -r key; do
	h=${key#*host=}
	h=${h%%/*}
	if ! fetch "$key" || ! cmp -s "$T/bucket/$key" "$T/seg/$h/${key##*/}"; then
		bad=$((bad + 1))
		echo "  $key: download failed or differs"
	fi
done <"$T/keys"
eq "every object downloaded, byte for byte the shipped segment" "$bad" 0
swift_stop

# --- DuckDB over the downloaded copy -------------------------------------------
day=2026-01-02
(cd "$top" && node "$here/tools/query.mjs" "$T/bucket" --prefix "$PREFIX" \
	--day "$day" --dns gw2/2026-01-03) >"$T/query.out" 2>"$T/query.err"
rc=$?
eq "query.mjs exits 0" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/  /' "$T/query.err"
read -r _ _ duckdb _ api <<<"$(grep '^engine ' "$T/query.out")"
eq "@duckdb/node-api is the version package-lock.json pins (DuckDB ${duckdb:-?})" \
	"${api:-}" "$(cd "$top" && node -p \
		'require("./package-lock.json").packages["node_modules/@duckdb/node-api"].version')"

grep '^count ' "$T/query.out" >"$T/got.counts"
check "rows and bytes per (host, dt) from DuckDB equal the pcaps'" \
	cmp -s "$T/got.counts" "$T/want.pcap"
diff "$T/want.pcap" "$T/got.counts" | sed 's/^/  /'
while read -r _ h d n b; do
	eq "DuckDB: host=$h dt=$d: rows" "$(awk -v h="$h" -v d="$d" \
		'$2 == h && $3 == d { print $4 }' "$T/got.counts")" "$n"
done <"$T/want.pcap"
eq "every row lies in the dt/hour partition of its timestamp (misplaced rows)" \
	"$(awk '$1 == "misplaced" { print $2 }' "$T/query.out")" 0
eq "no NULL where the CSV has a value" \
	"$(awk '$1 == "nulls" { print $2 }' "$T/query.out")" 0

# Partition pruning: WHERE dt = DAY gives that day's rows per host, and
# the scan opens only the files under dt=DAY.
eq "WHERE dt = '$day': rows per host" \
	"$(awk '$1 == "day" { print $3, $4 }' "$T/query.out" | paste -sd' ')" \
	"$(awk -v d="$day" '$3 == d { print $2, $4 }' "$T/want.pcap" | paste -sd' ')"
nday=$(grep -c "/dt=$day/" "$T/keys")
ntotal=$(wc -l <"$T/keys")
read -r _ _ scanning nread files <<<"$(grep '^pruned ' "$T/query.out")"
eq "WHERE dt = '$day': files scanned / in the glob" "${scanning:-}" "$nday/$ntotal"
eq "WHERE dt = '$day': files read" "${nread:-}" "$nday"
# (the profile names at most the first few files it read)
named=$(tr ' ' '\n' <<<"${files:-}" | grep -c /)
check "WHERE dt = '$day': the profile names files ($named)" test "$named" -ge 1
eq "WHERE dt = '$day': every file the profile names is under dt=$day" \
	"$(tr ' ' '\n' <<<"${files:-}" | grep -c "/dt=$day/")" "$named"

# One DNS row, decoded in SQL, against its packet in the pcap.
read -r _ ts id qtype qname hex <<<"$(grep '^dns ' "$T/query.out")"
check "a DNS row in host=gw2/dt=2026-01-03 ($qname)" test -n "${hex:-}"
if command -v tshark >/dev/null; then
	how=tshark
	read -r idw qt qn hx < <(tshark -r "$T/gw2.pcap" -Y 'udp.port == 53' \
		-T fields -E separator=' ' -e frame.time_epoch -e dns.id \
		-e dns.qry.type -e dns.qry.name -e udp.payload 2>/dev/null |
		awk -v ts="${ts:-x}" '{ t = $1; sub(/\./, "", t) }
			t == ts { print $2, $3, $4, $5; exit }')
	# tshark prints dns.id in hex (0x1234)
	[[ ${idw:-} == 0x* ]] && idw=$((16#${idw#0x}))
	want="${idw:-} ${qt:-} ${qn:-} ${hx:-}"
else
	how=python
	want=$("$py" - "$T/gw2.pcap" "${ts:-0}" <<'EOF'
import struct, sys
path, want = sys.argv[1], int(sys.argv[2])
with open(path, "rb") as f:
    f.read(24)
    while hdr := f.read(16):
        sec, nsec, incl, _ = struct.unpack("<IIII", hdr)
        pkt = f.read(incl)
        if sec * 10**9 + nsec != want:
            continue
        ihl = (pkt[0] & 15) * 4 if pkt[0] >> 4 == 4 else 40
        dns = pkt[ihl + 8:]
        off, labels = 12, []
        while dns[off]:
            labels.append(dns[off + 1:off + 1 + dns[off]].decode())
            off += 1 + dns[off]
        qtype = struct.unpack(">H", dns[off + 1:off + 3])[0]
        print(struct.unpack(">H", dns[:2])[0], qtype, ".".join(labels), dns.hex())
EOF
)
fi
eq "the DNS row (ID, QTYPE, QNAME, message bytes) is its packet's UDP payload ($how)" \
	"${id:-} ${qtype:-} ${qname:-} ${hex:-}" "$want"

# --- the fleet, through the v2 view ---------------------------------------------
# The operator's names: gw-a's three clients and gw-b's first; the other
# keys stay unnamed.
{
	echo peer,name
	sed 1d "$T/gw-a.dump" | cut -f1 | awk '{ print $0 ",gw-a-client" NR - 1 }'
	sed -n 2p "$T/gw-b.dump" | cut -f1 | sed 's/$/,gw-b-client0/'
} >"$T/peer-names.csv"
(cd "$top" && node "$here/tools/query.mjs" "$T/bucket" --prefix "$PREFIX" \
	--format v2 --fleet --names "$T/peer-names.csv") >"$T/query2.out" 2>"$T/query2.err"
rc=$?
eq "query.mjs --format v2 --fleet exits 0" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/  /' "$T/query2.err"
check "v2 view: rows and bytes per (host, dt) equal the pcaps', v1 files too" \
	cmp -s <(grep '^count ' "$T/query2.out") "$T/want.pcap"
eq "v2 view: rows with a new column set are the fleet's (v1 rows read NULL)" \
	"$(awk '$1 == "newcols" { print $2 }' "$T/query2.out")" \
	"$(for h in "${fleet[@]}"; do cat "$T/$h.truth"; done | wc -l)"
eq "v2 view: every row in the partition of its timestamp" \
	"$(awk '$1 == "misplaced" { print $2 }' "$T/query2.out")" 0
# Expected, from the generators' notes (fleet) and the pcaps (v1 hosts,
# which have no v2 columns: no peer, no names, no direction).
"$py" - "$T" "${hosts[@]}" -- "${fleet[@]}" >"$T/fleet.want" <<'EOF'
import collections, datetime, struct, sys
d = sys.argv[1]
sep = sys.argv.index("--")
v1, v2 = sys.argv[2:sep], sys.argv[sep + 1:]
def part(hour):
    t = datetime.datetime.fromtimestamp(hour * 3600, datetime.timezone.utc)
    return t.date().isoformat(), t.hour
out = []
dirs = []
for host in v1:
    n, b = collections.Counter(), collections.Counter()
    with open("%s/%s.pcap" % (d, host), "rb") as f:
        f.read(24)
        while hdr := f.read(16):
            sec, _, incl, orig = struct.unpack("<IIII", hdr)
            f.read(incl)
            n[sec // 3600] += 1
            b[sec // 3600] += orig
    for h in sorted(n):
        out.append((host, "-") + part(h) + (n[h], b[h], 0))
    dirs.append((host, "-", sum(n.values())))
for host in v2:
    n, b = collections.Counter(), collections.Counter()
    names = collections.defaultdict(set)
    dc = collections.Counter()
    for line in open("%s/%s.truth" % (d, host)):
        hour, size, direction, q, peer = line.split()
        g = (peer, int(hour))
        n[g] += 1
        b[g] += int(size)
        dc[direction] += 1
        if q != "-":
            names[g].add(q)
    for g in n:
        out.append((host, g[0]) + part(g[1]) + (n[g], b[g], len(names[g])))
    for k in sorted(dc):
        dirs.append((host, k, dc[k]))
for r in sorted(out):
    print("fleet", *r)
for r in sorted(dirs):
    print("dir", *r)
EOF
grep -E '^(fleet|dir) ' "$T/query2.out" >"$T/fleet.got"
check "the fleet query: per host, peer and hour, packets, bytes, DNS names asked ($(grep -c '^fleet ' "$T/fleet.want") groups)" \
	cmp -s "$T/fleet.got" "$T/fleet.want"
diff "$T/fleet.want" "$T/fleet.got" | sed 's/^/  /'
eq "the fleet spans two hours of each v2 gateway" \
	"$(awk '$1 == "fleet" && $2 ~ /^gw-/ { print $2, $4, $5 }' "$T/fleet.want" |
		sort -u | awk '{print $1}' | uniq -c | awk '{print $1}' | paste -sd' ')" \
	"2 2 2"
for h in "${fleet[@]}"; do
	eq "$h: the query's peers are the three keys of the gateway's dump" \
		"$(awk -v h="$h" '$1 == "fleet" && $2 == h && $3 != "-" { print $3 }' \
			"$T/fleet.got" | sort -u | paste -sd' ')" \
		"$(sed 1d "$T/$h.dump" | cut -f1 | sort | paste -sd' ')"
	eq "$h: every peer (and no peer) has rows in both hours" \
		"$(awk -v h="$h" '$1 == "fleet" && $2 == h' "$T/fleet.got" | wc -l)" 8
done
eq "the fleet's three dumps hold nine distinct 44-character keys" \
	"$(for h in "${fleet[@]}"; do sed 1d "$T/$h.dump" | cut -f1; done |
		grep -E '^[A-Za-z0-9+/]{43}=$' | sort -u | wc -l)" 9
# shellcheck disable=SC2016 # awk's own $ fields
check "DNS names asked by every peer in every hour of the fleet" \
	awk '$1 == "fleet" && $2 ~ /^gw-/ && $3 != "-" && $8 == 0 { bad = 1 }
		END { exit bad }' "$T/fleet.want"

# The README's name join on 2026-01-02: per client (its name, else its
# key, else "(no peer)") and direction ("-": v1 rows have none), from
# the same notes and the names file.
"$py" - "$T" "$T/peer-names.csv" "${hosts[@]}" -- "${fleet[@]}" >"$T/named.want" <<'EOF'
import collections, csv, datetime, struct, sys
d, names = sys.argv[1], dict(csv.reader(open(sys.argv[2])))
sep = sys.argv.index("--")
v1, v2 = sys.argv[3:sep], sys.argv[sep + 1:]
day = datetime.date(2026, 1, 2)
def on(sec):
    return datetime.datetime.fromtimestamp(sec, datetime.timezone.utc).date() == day
n, b = collections.Counter(), collections.Counter()
for host in v1:
    with open("%s/%s.pcap" % (d, host), "rb") as f:
        f.read(24)
        while hdr := f.read(16):
            sec, _, incl, orig = struct.unpack("<IIII", hdr)
            f.read(incl)
            if on(sec):
                n["(no peer)", "-"] += 1
                b["(no peer)", "-"] += orig
for host in v2:
    for line in open("%s/%s.truth" % (d, host)):
        hour, size, direction, _, peer = line.split()
        if on(int(hour) * 3600):
            g = ("(no peer)" if peer == "-" else names.get(peer, peer), direction)
            n[g] += 1
            b[g] += int(size)
for g in sorted(n):
    print("named", *g, n[g], b[g])
EOF
grep '^named ' "$T/query2.out" | sort >"$T/named.got"
check "the README's name join: per client and direction, packets and bytes ($(wc -l <"$T/named.want") groups)" \
	cmp -s "$T/named.got" "$T/named.want"
diff "$T/named.want" "$T/named.got" | sed 's/^/  /'
eq "the name join names the four named clients, in both directions" \
	"$(awk '$2 ~ /^gw-.-client/ { print $2 }' "$T/named.got" | sort | uniq -c |
		awk '{ print $1 }' | paste -sd' ')" "2 2 2 2"

finish
