#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wgtap-ship against a real S3 server (Swift with s3api): --once uploads
# several segments (gzip'd, zstd'd and plain, from several hours and days), each
# object reads back byte for byte under the documented key with the right
# Content-Type, nothing else is in the bucket, and the spool is empty.
# --keep uploads and leaves the spool as it was; FILE... ships exactly the
# files named; --key-prefix and --host-label shape the key. Needs Swift
# (exit 77 without it).
# Helper functions run indirectly, through check and wait_for.
# shellcheck disable=SC2317,SC2119
set -u
# shellcheck source=tests/lib/ship.sh
. "$(dirname "$0")/lib/ship.sh"
ship_init
ship_need_swift
ship_env
mapfile -t flags < <(ship_flags)
mkdir -p "$T/spool" "$T/orig"

# Several segments: two hours of one day, the next day, a plain .csv.
names=("$(seg_name 1 14 24)" "$(seg_name 2 14 24)" "$(seg_name 3 15 24)"
	"$(seg_name 4 0 25)")
plain=$(seg_name 5 23 24)
plain=${plain%.gz}
names+=("$plain")
zst=$(seg_name 7 22 24)
zst=${zst%.gz}.zst
names+=("$zst")
for n in "${names[@]}"; do
	mkseg "$T/spool" "$n" 50
	cp "$T/spool/$n" "$T/orig/$n"
done
# A large one (over 5 MiB: rows of base64 of random bytes hardly
# compress): streamed in many reads, sent after "100 Continue".
big=$(seg_name 6 19 24)
{
	echo "src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns"
	head -c 4500000 /dev/urandom | base64 -w 64 |
		sed 's/^/192.0.2.1,40000,192.0.2.2,53,UDP,100,1795000000000000000,/'
} | gzip -1 -n >"$T/orig/$big"
cp "$T/orig/$big" "$T/spool/.$big.part"
mv "$T/spool/.$big.part" "$T/spool/$big"
names+=("$big")

"$WGTAP_SHIP" "${flags[@]}" --once --spool-dir "$T/spool" >"$T/once.log" 2>&1
rc=$?
cat "$T/once.log"
check "--once exits 0" test "$rc" = 0
check "the spool is empty afterwards" spool_empty "$T/spool"
for n in "${names[@]}"; do
	check "GET $(key_of "$n") gives the segment's bytes" \
		object_is "$n" "$T/orig/$n"
	check "one 'uploaded' line for $n with key, size and attempt" \
		grep -q "info: uploaded $n to s3://$BUCKET/$(key_of "$n") ($(stat -c %s "$T/orig/$n") bytes, [0-9.]* s, attempt 1)" "$T/once.log"
done
check "key layout: host, dt and hour partitions from the start time" \
	test "$(key_of "${names[3]}")" = "wgtap/host=gw1/dt=2026-11-25/hour=00/${names[3]}"
keys_in_bucket >"$T/list.sorted"
for n in "${names[@]}"; do key_of "$n"; echo; done | sort >"$T/want"
check "the bucket holds exactly the documented keys" \
	cmp -s "$T/list.sorted" "$T/want"

# Content-Type by file type.
ctype() {
	swift_curl -I "/$BUCKET/$(_swift_pct "$(key_of "$1")" /)" 2>/dev/null |
		tr -d '\r' | sed -n 's/^[Cc]ontent-[Tt]ype: //p'
}
check "Content-Type of .csv.gz is application/gzip" \
	test "$(ctype "${names[0]}")" = "application/gzip"
check "Content-Type of .csv is text/csv; charset=utf-8" \
	test "$(ctype "$plain")" = "text/csv; charset=utf-8"
check "Content-Type of .csv.zst is application/zstd" \
	test "$(ctype "$zst")" = "application/zstd"

# --keep: uploaded, and the spool is left exactly as it was.
k1=$(seg_name 11 16 24)
k2=$(seg_name 12 16 24)
mkseg "$T/spool" "$k1"
mkseg "$T/spool" "$k2"
cp "$T/spool/$k1" "$T/spool/$k2" "$T/orig/"
snapshot "$T/spool" >"$T/before"
"$WGTAP_SHIP" "${flags[@]}" --once --keep --spool-dir "$T/spool" \
	>"$T/keep.log" 2>&1
rc=$?
snapshot "$T/spool" >"$T/after"
check "--once --keep exits 0" test "$rc" = 0
check "--keep leaves the spool untouched" cmp -s "$T/before" "$T/after"
check "--keep: $k1 uploaded" object_is "$k1" "$T/orig/$k1"
check "--keep: $k2 uploaded" object_is "$k2" "$T/orig/$k2"
rm -f "$T/spool/$k1" "$T/spool/$k2"

# File mode: exactly the named files, by path, from anywhere.
mkdir -p "$T/elsewhere"
f1=$(seg_name 21 17 24)
f2=$(seg_name 22 17 24)
f3=$(seg_name 23 17 24)
for n in "$f1" "$f2" "$f3"; do
	mkseg "$T/elsewhere" "$n"
	cp "$T/elsewhere/$n" "$T/orig/"
done
(cd "$T" && "$WGTAP_SHIP" "${flags[@]}" "elsewhere/$f1" "$T/elsewhere/$f3") \
	>"$T/files.log" 2>&1
rc=$?
check "file mode exits 0" test "$rc" = 0
check "file mode deleted the named files" \
	test ! -e "$T/elsewhere/$f1" -a ! -e "$T/elsewhere/$f3"
check "file mode left the other file alone" \
	cmp -s "$T/elsewhere/$f2" "$T/orig/$f2"
check "file mode: $f1 uploaded" object_is "$f1" "$T/orig/$f1"
check "file mode: $f3 uploaded" object_is "$f3" "$T/orig/$f3"
check "file mode: $f2 not uploaded" \
	test "$(swift_put_count "$BUCKET" "$(key_of "$f2")")" = 0

# --key-prefix (a '/' is added) and --host-label; '' means no prefix.
p1=$(seg_name 31 18 24)
p2=$(seg_name 32 18 24)
mkseg "$T/spool" "$p1"
cp "$T/spool/$p1" "$T/orig/"
"$WGTAP_SHIP" "${flags[@]}" --once --spool-dir "$T/spool" \
	--key-prefix logs/v1 --host-label edge-7.example >"$T/prefix.log" 2>&1
check "--key-prefix logs/v1 --host-label edge-7.example: under logs/v1/host=edge-7.example/" \
	object_is "$p1" "$T/orig/$p1" logs/v1/ edge-7.example
mkseg "$T/spool" "$p2"
cp "$T/spool/$p2" "$T/orig/"
"$WGTAP_SHIP" "${flags[@]}" --once --spool-dir "$T/spool" --key-prefix '' \
	>>"$T/prefix.log" 2>&1
check "--key-prefix '': the key starts with host=" \
	object_is "$p2" "$T/orig/$p2" ''
check "the spool is empty again" spool_empty "$T/spool"

# The real secret ("$SWIFT_SECRET_KEY") never shows in any output.
check "no output holds the secret key" \
	test "$(cat "$T"/*.log | grep_count "$SWIFT_SECRET_KEY" /dev/stdin)" = 0
ship_done
