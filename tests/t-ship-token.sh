#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What goes over the wire, checked by an independent verifier
# (tests/tools/s3verify.py recomputes SigV4 in Python from the request
# as received): with AWS_SESSION_TOKEN set, x-amz-security-token is sent
# with the token and is among the signed headers, and the signature holds;
# without it, no such header. x-amz-content-sha256 and Content-MD5 match the
# body, the path is URI-encoded exactly once, and the Content-Type fits. A
# virtual-hosted-style request (the verifier standing in as an HTTP proxy
# for a made-up host name) is signed for the bucket's host name. A wrong
# secret is refused by the verifier (so it does verify). The token never
# appears in any output. Needs /usr/bin/python3 (exit 77 without it).
# Helper functions run indirectly, through check and wait_for.
# shellcheck disable=SC2317,SC2119
set -u
# shellcheck source=tests/lib/ship.sh
. "$(dirname "$0")/lib/ship.sh"
ship_init
PY=/usr/bin/python3
if ! [ -x "$PY" ]; then
	echo "$PY not found"
	exit 77
fi
unset no_proxy NO_PROXY
SECRET='wgtapSECRET-0a9c2b1d-verifier'
TOKEN='wgtapTOKEN-3f6e19d4/with+chars=='
records=$T/records
"$PY" "$here/tools/s3verify.py" "$SECRET" "$T/port" "$records" \
	>"$T/verifier.log" 2>&1 &
_SHIP_PIDS+=("$!")
if ! wait_for 30 test -s "$T/port"; then
	cat "$T/verifier.log"
	echo "FAIL - the verifier did not start"
	exit 1
fi
port=$(cat "$T/port")
mkdir -p "$T/spool"
export AWS_ACCESS_KEY_ID=AKIDWGTAPTEST AWS_SECRET_ACCESS_KEY=$SECRET
b=(--storage-bucket wgtap-test --host-label gw1 --spool-dir "$T/spool"
	--once --max-attempts 1)

# field NAME: a field of the last record, as JSON.
field() {
	"$PY" -c 'import json, sys
print(json.dumps(json.loads(open(sys.argv[1]).readlines()[-1]).get(sys.argv[2])))' \
		"$records" "$1"
}
nrecords() { if [ -f "$records" ]; then wc -l <"$records"; else echo 0; fi; }

# 1. Path style with a session token.
seg=$(seg_name 1)
mkseg "$T/spool" "$seg"
export AWS_SESSION_TOKEN=$TOKEN
"$WGTAP_SHIP" "${b[@]}" --storage-endpoint "http://127.0.0.1:$port" \
	>"$T/token.log" 2>&1
rc=$?
cat "$T/token.log"
check "with a token: exit 0, one request" test "$rc:$(nrecords)" = 0:1
check "with a token: x-amz-security-token carries the token" \
	test "$(field token)" = "\"$TOKEN\""
check "with a token: the token is a signed header" \
	test "$(field signed)" = '["content-md5", "content-type", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"]'
check "with a token: the signature verifies" test "$(field sig_ok)" = true
check "x-amz-content-sha256 is the body's SHA-256" test "$(field sha_ok)" = true
check "Content-MD5 is the body's MD5" test "$(field md5_ok)" = true
check "the path is the bucket and the documented key" \
	test "$(field path)" = "\"/wgtap-test/$(key_of "$seg")\""
check "the path is URI-encoded exactly once (= as %3D)" \
	test "$(field encoded_once):$(field raw_path)" = "true:\"/wgtap-test/wgtap/host%3Dgw1/dt%3D2026-11-24/hour%3D14/$seg\""
check "path style: Host is the endpoint" \
	test "$(field host)" = "\"127.0.0.1:$port\""
check "credential scope: access key and region" \
	test "$(field access_key):$(field region)" = '"AKIDWGTAPTEST":"us-east-1"'
check "Content-Type of a .csv.gz" \
	test "$(field content_type)" = '"application/gzip"'

# 2. No token: no header, not signed.
unset AWS_SESSION_TOKEN
seg=$(seg_name 2)
mkseg "$T/spool" "${seg%.gz}"
"$WGTAP_SHIP" "${b[@]}" --storage-endpoint "http://127.0.0.1:$port" \
	--storage-region eu-central-1 >"$T/notoken.log" 2>&1
rc=$?
check "without a token: exit 0" test "$rc:$(nrecords)" = 0:2
check "without a token: no x-amz-security-token, not signed" \
	test "$(field token):$(field signed)" = 'null:["content-md5", "content-type", "host", "x-amz-content-sha256", "x-amz-date"]'
check "without a token: the signature verifies (region eu-central-1)" \
	test "$(field sig_ok):$(field region)" = 'true:"eu-central-1"'
check "Content-Type of a .csv" \
	test "$(field content_type)" = '"text/csv; charset=utf-8"'

# 3. Virtual-hosted style for a made-up host, through the verifier as
#    the HTTP proxy (nothing is resolved, nothing leaves 127.0.0.1).
export AWS_SESSION_TOKEN=$TOKEN
seg=$(seg_name 3)
mkseg "$T/spool" "$seg"
http_proxy="http://127.0.0.1:$port" "$WGTAP_SHIP" "${b[@]}" \
	--storage-endpoint "http://s3.wgtap.test:9000" \
	--storage-addressing virtual >"$T/virtual.log" 2>&1
rc=$?
cat "$T/virtual.log"
check "virtual-hosted: exit 0" test "$rc:$(nrecords)" = 0:3
check "virtual-hosted: the bucket is in the Host header" \
	test "$(field host)" = '"wgtap-test.s3.wgtap.test:9000"'
check "virtual-hosted: the path is the key alone" \
	test "$(field path)" = "\"/$(key_of "$seg")\""
check "virtual-hosted: the signature verifies, token signed" \
	test "$(field sig_ok):$(field token)" = "true:\"$TOKEN\""
check "the spool is empty after three good uploads" spool_empty "$T/spool"

# 4. The verifier refuses a wrong secret: the checks above mean something.
seg=$(seg_name 4)
mkseg "$T/spool" "$seg"
AWS_SECRET_ACCESS_KEY=not-the-secret "$WGTAP_SHIP" "${b[@]}" \
	--storage-endpoint "http://127.0.0.1:$port" >"$T/wrong.log" 2>&1
rc=$?
check "wrong secret: the verifier says SignatureDoesNotMatch, exit 1" \
	test "$rc:$(field sig_ok):$(grep_count 'HTTP 403 SignatureDoesNotMatch: verifier: signature & hashes' "$T/wrong.log")" = 1:false:1
check "wrong secret: the file is kept" test -s "$T/spool/$seg"

cat "$T"/*.log >"$T/all-output"
check "no output holds the session token" \
	test "$(grep_count "${TOKEN%%/*}" "$T/all-output")" = 0
check "no output holds the secret" \
	test "$(grep_count "$SECRET" "$T/all-output")" = 0
ship_done
