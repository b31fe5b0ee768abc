#!/usr/bin/env bash
# Integration test for tests/lib/swift.sh: proves that the S3 server the
# other tests use is real (it checks SigV4 signatures, payload hashes and
# Content-MD5) and that the fault-injection helpers do what they say.
# Exit 0 = pass, 1 = fail (at the first failed check), 77 = Swift is not
# installed (the reason is the last line of output).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/common.sh
. "$here/lib/common.sh"
# shellcheck source=tests/lib/swift.sh
. "$here/lib/swift.sh"

swift_available 2>/dev/null || skip "SKIP: $SWIFT_UNAVAILABLE_REASON"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/t-swift-harness.XXXXXX")
pids_seen=()
cleanup() {
	swift_stop
	swift_stop # must be harmless the second time
	rm -rf "$tmp"
}
trap cleanup EXIT

# fail MSG: a failed check ends this test at once, with the servers' logs
# (each step builds on the one before).
fail() {
	local f
	not_ok "$*"
	for f in "${SWIFT_DIR:-/nonexistent}"/log/*.log; do
		[ -s "$f" ] || continue
		echo "---- last lines of $f"
		tail -n 15 "$f"
	done
	finish
}

# req CURL-ARGS... PATH: signed request through swift_curl; the body goes
# to $tmp/body.  Sets $status (HTTP status, 000 if none) and $rc (curl's
# exit code).
req() {
	rc=0
	status=$(swift_curl -o "$tmp/body" -w '%{http_code}' "$@" 2>"$tmp/curl.err") || rc=$?
}
# expect_error STATUS WHAT CODE...: the last response had STATUS and an S3
# error document whose <Code> is one of CODE...
expect_error() {
	local want=$1 what=$2 code c
	shift 2
	[ "$status" = "$want" ] ||
		fail "$what: HTTP $status (curl exit $rc), expected $want: $(head -c 300 "$tmp/body" 2>/dev/null)"
	code=$(grep -o '<Code>[^<]*</Code>' "$tmp/body" | sed 's/<[^>]*>//g') || true
	for c in "$@"; do
		[ "$code" = "$c" ] && return 0
	done
	fail "$what: error code '$code', expected one of: $*"
}
sha256() { sha256sum "$1" | cut -d' ' -f1; }
# Remember every process the harness started (PID and start time, since
# PIDs get recycled), to check at the end that swift_stop got rid of all.
seen() {
	local f pid
	for f in "$SWIFT_DIR"/run/*.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		pids_seen+=("$pid:$(_swift_starttime "$pid")")
	done
	return 0
}
# Fail if any of them is still alive.
check_all_gone() {
	local p
	for p in "${pids_seen[@]}"; do
		! _swift_proc_alive "${p%%:*}" "${p#*:}" ||
			fail "process ${p%%:*} still running after swift_stop: $(ps -o args= -p "${p%%:*}")"
	done
}

# ------------------------------------------------------------ plain HTTP
t0=$SECONDS
rc=0
swift_start "$tmp/swift" || rc=$?
[ "$rc" != 77 ] || skip "SKIP: ${SWIFT_UNAVAILABLE_REASON:-swift unavailable}"
[ "$rc" = 0 ] || fail "swift_start (exit $rc)"
seen
[[ $SWIFT_ENDPOINT =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || fail "endpoint $SWIFT_ENDPOINT"
kill -0 "$SWIFT_PROXY_PID" || fail "proxy pid $SWIFT_PROXY_PID not running"
[ "$SWIFT_ACCESS_KEY:$SWIFT_SECRET_KEY:$SWIFT_REGION" = test:tester:testing:us-east-1 ] ||
	fail "unexpected credentials/region"
ok "swift_start: proxy at $SWIFT_ENDPOINT (pid $SWIFT_PROXY_PID) in $((SECONDS - t0))s"

bucket=wgtap-harness
swift_make_bucket "$bucket" || fail "swift_make_bucket $bucket"
req -I "/$bucket"
[ "$status" = 200 ] || fail "HEAD bucket after create: HTTP $status"
ok "swift_make_bucket: HEAD /$bucket -> 200"

# Binary content, and a key with characters that must be escaped in the
# canonical request.
head -c 300000 /dev/urandom >"$tmp/data"
head -c 1000 /dev/urandom >"$tmp/other"
key='host=gw1/dt=2026-01-02/a+b c.csv.gz'
ekey=$(swift_path "$key")
ekey=${ekey#/}
req -T "$tmp/data" -H "Content-MD5: $(swift_content_md5 "$tmp/data")" "/$bucket/$ekey"
[ "$status" = 200 ] || fail "signed PUT: HTTP $status: $(cat "$tmp/body")"
ok "signed PUT with x-amz-content-sha256 and Content-MD5 -> 200"

swift_get "$bucket/$key" "$tmp/got" || fail "swift_get: HTTP $SWIFT_HTTP_STATUS"
cmp -s "$tmp/data" "$tmp/got" || fail "GET returned different bytes ($(wc -c <"$tmp/got") bytes)"
ok "swift_get returns the same 300000 bytes"

# Wrong secret: the signature is really checked.
SWIFT_SECRET_KEY=not-the-secret req "/$bucket/$ekey"
expect_error 403 "wrong secret" SignatureDoesNotMatch
SWIFT_SECRET_KEY=not-the-secret req -T "$tmp/other" "/$bucket/$ekey"
expect_error 403 "wrong secret (PUT)" SignatureDoesNotMatch
ok "wrong secret -> 403 SignatureDoesNotMatch (GET and PUT)"

# Validly signed, but the signed payload hash is not the body's.
req -T "$tmp/data" -H "x-amz-content-sha256: $(sha256 "$tmp/other")" "/$bucket/sha-mismatch"
expect_error 400 "wrong x-amz-content-sha256" BadDigest XAmzContentSHA256Mismatch
req -I "/$bucket/sha-mismatch"
[ "$status" = 404 ] || fail "object stored despite payload hash mismatch (HEAD: $status)"
ok "wrong x-amz-content-sha256 -> 400 BadDigest, nothing stored"

# Right payload hash, wrong Content-MD5.
req -T "$tmp/data" -H "Content-MD5: $(swift_content_md5 "$tmp/other")" "/$bucket/md5-mismatch"
expect_error 400 "wrong Content-MD5" BadDigest
req -I "/$bucket/md5-mismatch"
[ "$status" = 404 ] || fail "object stored despite Content-MD5 mismatch (HEAD: $status)"
ok "wrong Content-MD5 -> 400 BadDigest, nothing stored"

# Unsigned requests.  An S3 request without a signature (an Authorization
# header lacking Signature=, or a presigned-style URL without
# X-Amz-Signature) is refused by s3api with 403 AccessDenied.  A request
# with no S3 authentication at all is not an S3 request to Swift: s3api
# hands it on as a native Swift request, and Swift refuses it with 400
# (the path is not /v1/ACCOUNT/...).  Either way nothing is served/stored.
now=$(date -u +%Y%m%dT%H%M%SZ)
scope="test:tester/${now%%T*}/us-east-1/s3/aws4_request"
rc=0
status=$(curl -sS --noproxy '*' -o "$tmp/body" -w '%{http_code}' -T "$tmp/other" \
	-H "x-amz-date: $now" -H "x-amz-content-sha256: $(sha256 "$tmp/other")" \
	-H "Authorization: AWS4-HMAC-SHA256 Credential=$scope, SignedHeaders=host;x-amz-date" \
	"$SWIFT_ENDPOINT/$bucket/unsigned") || rc=$?
expect_error 403 "PUT with an Authorization header but no signature" AccessDenied
rc=0
status=$(curl -sS --noproxy '*' -o "$tmp/body" -w '%{http_code}' \
	"$SWIFT_ENDPOINT/$bucket/$ekey?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=$(_swift_pct "$scope")&X-Amz-Date=$now&X-Amz-Expires=60&X-Amz-SignedHeaders=host") || rc=$?
expect_error 403 "presigned-style GET without X-Amz-Signature" AccessDenied
rc=0
status=$(curl -sS --noproxy '*' -o "$tmp/body" -w '%{http_code}' \
	"$SWIFT_ENDPOINT/$bucket/$ekey") || rc=$?
[ "$status" = 400 ] || fail "GET without any authentication: HTTP $status"
! cmp -s "$tmp/body" "$tmp/data" || fail "GET without any authentication returned the object"
rc=0
status=$(curl -sS --noproxy '*' -o "$tmp/body" -w '%{http_code}' -T "$tmp/other" \
	"$SWIFT_ENDPOINT/$bucket/unsigned") || rc=$?
[ "$status" = 400 ] || fail "PUT without any authentication: HTTP $status"
req -I "/$bucket/unsigned"
[ "$status" = 404 ] || fail "unsigned PUT stored an object (HEAD: $status)"
ok "unsigned S3 requests -> 403 AccessDenied; no authentication at all -> 400; nothing stored"

req "/no-such-bucket-here/x"
expect_error 404 "missing bucket" NoSuchBucket
req "/$bucket/no/such/key"
expect_error 404 "missing key" NoSuchKey
ok "missing bucket -> 404 NoSuchBucket, missing key -> 404 NoSuchKey"

# PUT counting.  So far $key got one good PUT and one rejected (wrong
# secret) PUT; sha-mismatch and md5-mismatch got one rejected PUT each.
# Add two good PUTs and one rejected (bad Content-MD5) PUT for $key.
swift_put "$tmp/other" "$bucket/$key" || fail "swift_put"
swift_put "$tmp/data" "$bucket/$key" || fail "swift_put"
req -T "$tmp/data" -H "Content-MD5: $(swift_content_md5 "$tmp/other")" "/$bucket/$ekey"
expect_error 400 "bad Content-MD5 PUT" BadDigest
all=$(swift_put_count "$bucket" "$key")
good=$(swift_put_count --2xx "$bucket" "$key")
good2=$(swift_put_count_2xx "$bucket" "$key")
sha_all=$(swift_put_count "$bucket" sha-mismatch)
sha_good=$(swift_put_count --2xx "$bucket" sha-mismatch)
partial=$(swift_put_count "$bucket" "${key%.gz}")
got="$all/$good/$good2/$sha_all/$sha_good/$partial"
[ "$got" = 5/3/3/1/0/0 ] ||
	fail "swift_put_count all/2xx/2xx/sha-all/sha-2xx/prefix = $got, expected 5/3/3/1/0/0"
ok "swift_put_count: 5 PUTs for the key (3 with 2xx); rejected-only key 1/0; exact match"

# Listing with pagination (2 keys per page) and a prefix.
for k in 'p/a=1' 'p/b+2' 'p/c 3' 'p/d' 'p/e/f' 'q/other'; do
	printf '%s' "$k" >"$tmp/small"
	swift_put "$tmp/small" "$bucket/$k" || fail "swift_put $k"
done
got=$(SWIFT_LIST_PAGE=2 swift_list "$bucket" p/) || fail "swift_list"
want=$(printf '%s\n' 'p/a=1' 'p/b+2' 'p/c 3' 'p/d' 'p/e/f')
[ "$got" = "$want" ] || fail "swift_list p/ gave: $(echo "$got" | tr '\n' '|')"
got=$(swift_list "$bucket" | wc -l)
[ "$got" = 7 ] || fail "swift_list (no prefix) gave $got keys, expected 7"
ok "swift_list: 5 keys over 3 pages with a prefix, 7 keys without"

# Proxy killed: nothing listens any more.  Restarted: works again.
old=$SWIFT_PROXY_PID
old_start=$(_swift_starttime "$old")
swift_kill_proxy
! _swift_proc_alive "$old" "$old_start" || fail "proxy $old still alive after swift_kill_proxy"
req "/$bucket/p/d"
[ "$rc" = 7 ] || fail "request with proxy killed: curl exit $rc (HTTP $status), expected 7"
t0=$SECONDS
swift_start_proxy || fail "swift_start_proxy"
seen
swift_get "$bucket/p/d" "$tmp/got" || fail "GET after proxy restart: HTTP $SWIFT_HTTP_STATUS"
[ "$(cat "$tmp/got")" = p/d ] || fail "GET after proxy restart: wrong body"
[ "$(swift_put_count "$bucket" p/d)" = 1 ] || fail "PUT count lost over a proxy restart"
ok "swift_kill_proxy -> curl cannot connect (exit 7); swift_start_proxy ($((SECONDS - t0))s) -> GET ok"

# Proxy stopped: requests hang until it is continued.
swift_stop_proxy
req --max-time 1 "/$bucket/p/d"
[ "$rc" = 28 ] || fail "request with proxy stopped: curl exit $rc, expected 28 (timeout)"
swift_cont_proxy
req "/$bucket/p/d"
[ "$status" = 200 ] || fail "request after SIGCONT: HTTP $status"
ok "swift_stop_proxy -> request times out; swift_cont_proxy -> 200"

# Object server killed: the proxy answers 5xx.  Restarted: works again.
swift_kill_object
req -T "$tmp/data" "/$bucket/while-object-down"
[[ $status == 5[0-9][0-9] ]] || fail "PUT with object server down: HTTP $status (curl exit $rc)"
put_status=$status
req "/$bucket/p/d"
[[ $status == 5[0-9][0-9] ]] || fail "GET with object server down: HTTP $status (curl exit $rc)"
get_status=$status
swift_start_object || fail "swift_start_object"
seen
req -T "$tmp/data" "/$bucket/while-object-down"
[ "$status" = 200 ] || fail "PUT after object server restart: HTTP $status: $(cat "$tmp/body")"
swift_get "$bucket/while-object-down" "$tmp/got" || fail "GET after object server restart"
cmp -s "$tmp/data" "$tmp/got" || fail "GET after object server restart: wrong bytes"
ok "swift_kill_object -> PUT $put_status, GET $get_status; swift_start_object -> PUT/GET ok"

swift_stop
swift_stop
check_all_gone
rc=0
curl -s --noproxy '*' --max-time 2 -o /dev/null "$SWIFT_ENDPOINT/healthcheck" || rc=$?
[ "$rc" = 7 ] || fail "proxy still answering after swift_stop (curl exit $rc)"
ok "swift_stop (twice): all ${#pids_seen[@]} processes gone"

# ----------------------------------------------------------------- HTTPS
t0=$SECONDS
rc=0
swift_start "$tmp/swift-tls" --https || rc=$?
[ "$rc" != 77 ] || skip "SKIP: ${SWIFT_UNAVAILABLE_REASON:-swift unavailable}"
[ "$rc" = 0 ] || fail "swift_start --https (exit $rc)"
seen
[[ $SWIFT_ENDPOINT =~ ^https://127\.0\.0\.1:[0-9]+$ ]] || fail "https endpoint $SWIFT_ENDPOINT"
[ -s "$SWIFT_CA_FILE" ] || fail "SWIFT_CA_FILE missing"
[ -s "$SWIFT_WRONG_CA_FILE" ] || fail "SWIFT_WRONG_CA_FILE missing"
ok "swift_start --https: proxy at $SWIFT_ENDPOINT in $((SECONDS - t0))s"

swift_make_bucket tls-bucket || fail "swift_make_bucket over https"
req -T "$tmp/data" -H "Content-MD5: $(swift_content_md5 "$tmp/data")" "/tls-bucket/$ekey"
[ "$status" = 200 ] || fail "PUT over https: HTTP $status (curl exit $rc)"
swift_get "tls-bucket/$key" "$tmp/got" || fail "GET over https"
cmp -s "$tmp/data" "$tmp/got" || fail "GET over https: wrong bytes"
[ "$(swift_put_count --2xx tls-bucket "$key")" = 1 ] || fail "PUT count over https"
ok "https with SWIFT_CA_FILE: create bucket, PUT, GET (same bytes), PUT counted"

rc=0
curl -sS --noproxy '*' --cacert "$SWIFT_WRONG_CA_FILE" -o /dev/null \
	"$SWIFT_ENDPOINT/healthcheck" 2>"$tmp/curl.err" || rc=$?
[ "$rc" = 60 ] || fail "https with the wrong CA: curl exit $rc, expected 60: $(cat "$tmp/curl.err")"
rc=0
port=${SWIFT_ENDPOINT##*:}
curl -sS --noproxy '*' --cacert "$SWIFT_CA_FILE" -o /dev/null \
	--resolve "localhost:$port:127.0.0.1" \
	"https://localhost:$port/healthcheck" 2>"$tmp/curl.err" || rc=$?
[ "$rc" = 0 ] || fail "https via localhost name: curl exit $rc: $(cat "$tmp/curl.err")"
ok "https with SWIFT_WRONG_CA_FILE -> verify failure (curl exit 60); name localhost verifies too"

swift_stop
check_all_gone
ok "all done; every process stopped"
finish
