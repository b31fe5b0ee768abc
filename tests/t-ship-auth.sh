#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Permanent-looking errors against a real S3 server (Swift with s3api):
# a wrong secret (403 SignatureDoesNotMatch) and a missing bucket (404
# NoSuchBucket). --once and file mode log the S3 code at every attempt,
# keep the file byte for byte, upload nothing and exit 1 after
# --max-attempts; the daemon logs the code at every attempt and keeps
# retrying until told to stop. The wrong secret and a session token are
# distinctive strings, and no output of any run may contain either. Needs
# Swift (exit 77 without it).
# Helper functions run indirectly, through check and wait_for.
# shellcheck disable=SC2317,SC2119
set -u
# shellcheck source=tests/lib/ship.sh
. "$(dirname "$0")/lib/ship.sh"
ship_init
ship_need_swift
mapfile -t flags < <(ship_flags)
mkdir -p "$T/spool" "$T/orig"

SECRET='wgtapSECRET-5e2f8a91-never-print'
TOKEN='wgtapTOKEN-c03d6b2e-never-print'
seg=$(seg_name 1)
mkseg "$T/spool" "$seg" 20
cp "$T/spool/$seg" "$T/orig/"
key=$(key_of "$seg")

# A wrong secret, --once.
export AWS_ACCESS_KEY_ID=$SWIFT_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$SECRET
export AWS_SESSION_TOKEN=$TOKEN
"$WGTAP_SHIP" "${flags[@]}" --once --spool-dir "$T/spool" --max-attempts 3 \
	--backoff-max 1 -v >"$T/secret-once.log" 2>&1
rc=$?
cat "$T/secret-once.log"
check "wrong secret, --once: exit 1" test "$rc" = 1
check "wrong secret: every attempt logs HTTP 403 SignatureDoesNotMatch" \
	test "$(grep_count "error: upload $seg: HTTP 403 SignatureDoesNotMatch" "$T/secret-once.log")" = 3
check "wrong secret: retries are announced with their delay" \
	test "$(grep_count "SignatureDoesNotMatch.*, retry in [0-9]* s (attempt [12] of 3)" "$T/secret-once.log")" = 2
check "wrong secret: the last line says it gave up and kept the file" \
	grep -q "giving up after 3 attempts, the file stays in place" "$T/secret-once.log"
check "wrong secret: the file is kept, byte for byte" \
	cmp -s "$T/spool/$seg" "$T/orig/$seg"
check "wrong secret: 3 PUTs reached the server, none succeeded" \
	test "$(swift_put_count "$BUCKET" "$key"):$(swift_put_count --2xx "$BUCKET" "$key")" = 3:0

# The same in file mode.
"$WGTAP_SHIP" "${flags[@]}" --max-attempts 1 "$T/spool/$seg" \
	>"$T/secret-file.log" 2>&1
rc=$?
check "wrong secret, file mode: exit 1, SignatureDoesNotMatch logged" \
	test "$rc:$(grep_count SignatureDoesNotMatch "$T/secret-file.log")" = 1:1
check "wrong secret, file mode: the file is kept" \
	cmp -s "$T/spool/$seg" "$T/orig/$seg"

# The daemon retries for ever, loudly, at the capped delay.
ship_bg "$T/secret-daemon.log" "${flags[@]}" --spool-dir "$T/spool" \
	--backoff-max 1 -v
dpid=$SHIP_PID
four_failures() {
	[ "$(grep_count SignatureDoesNotMatch "$T/secret-daemon.log")" -ge 4 ]
}
wait_for 60 four_failures
check "daemon, wrong secret: still retrying after 4 failures" kill -0 "$dpid"
check "daemon, wrong secret: every attempt logs the S3 code and the next retry" \
	test "$(grep_count "error: upload $seg: HTTP 403 SignatureDoesNotMatch: .*, retry in 1 s" "$T/secret-daemon.log")" -ge 4
ship_stop "$dpid"
rc=$?
check "daemon stops on SIGTERM with exit 0" test "$rc" = 0
check "daemon, wrong secret: the file is kept" \
	cmp -s "$T/spool/$seg" "$T/orig/$seg"
check "no upload of $key succeeded" \
	test "$(swift_put_count --2xx "$BUCKET" "$key")" = 0

# A bucket that does not exist (the right secret).
export AWS_SECRET_ACCESS_KEY=$SWIFT_SECRET_KEY
"$WGTAP_SHIP" --storage-bucket no-such-bucket --storage-endpoint \
	"$SWIFT_ENDPOINT" --host-label gw1 --once --spool-dir "$T/spool" \
	--max-attempts 2 --backoff-max 1 >"$T/bucket-once.log" 2>&1
rc=$?
cat "$T/bucket-once.log"
check "missing bucket, --once: exit 1" test "$rc" = 1
check "missing bucket: every attempt logs HTTP 404 NoSuchBucket" \
	test "$(grep_count "error: upload $seg: HTTP 404 NoSuchBucket" "$T/bucket-once.log")" = 2
check "missing bucket: the file is kept, byte for byte" \
	cmp -s "$T/spool/$seg" "$T/orig/$seg"

# With the right secret and bucket, the token and all, it ships.
"$WGTAP_SHIP" "${flags[@]}" --once --spool-dir "$T/spool" -v \
	>"$T/good.log" 2>&1
rc=$?
check "with the right secret: exit 0, the spool is empty" \
	test "$rc" = 0 -a "$(count_files "$T/spool")" = 0
check "with the right secret: the object holds the segment" \
	object_is "$seg" "$T/orig/$seg"

cat "$T"/*.log >"$T/all-output"
check "no output holds the wrong secret" \
	test "$(grep_count "$SECRET" "$T/all-output")" = 0
check "no output holds the session token" \
	test "$(grep_count "$TOKEN" "$T/all-output")" = 0
check "no output holds the right secret" \
	test "$(grep_count "$SWIFT_SECRET_KEY" "$T/all-output")" = 0
check "no output holds an Authorization header or signature" \
	test "$(grep -c -i -e 'authorization' -e 'signature=' "$T/all-output")" = 0
ship_done
