#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bad answers and bad files for wgtap-ship (tests/BAD_INPUT.md): an
# endpoint that does not resolve, servers that answer garbage, nothing, or
# a 2xx with a wrong ETag, a clock skewed against a real S3 server
# (RequestTimeTooSkewed), a final-looking name with foreign contents, and
# missing credentials. Each gives one clear error line per attempt and the
# documented exit status; the segment is never deleted, nothing crashes.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"
. "$here/lib/swift.sh"
[ -x "${WGTAP_SHIP:-}" ] || skip "WGTAP_SHIP not set"
command -v python3 >/dev/null || skip "python3 not installed"
T=$(mktemp -d /tmp/wgtap-shipbad.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	swift_stop
	rm -rf "$T"
}
trap cleanup EXIT
SEG=wg0-20261124T140231.123456789Z-000001.csv.gz
export AWS_ACCESS_KEY_ID=AKIDWGTAPTEST AWS_SECRET_ACCESS_KEY=wgtapBadInputSecret

fresh_spool() {
	rm -rf "$T/spool"; mkdir "$T/spool"
	printf 'src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns\n192.0.2.1,,192.0.2.2,,ICMP,84,1795000000000000000,\n' |
		gzip -n >"$T/spool/$SEG"
	cp "$T/spool/$SEG" "$T/orig"
}
kept() { cmp -s "$T/spool/$SEG" "$T/orig"; }
# once NAME WANT_RC REGEX ARGS...: --once with 2 attempts; every error line
# matches REGEX, the segment is kept.
once() {
	local name=$1 want=$2 re=$3 rc
	shift 3
	fresh_spool
	${SHIP_WRAP:-} "$WGTAP_SHIP" --once --spool-dir "$T/spool" \
		--storage-bucket wgtap-test --max-attempts 2 --backoff-max 1 \
		--timeout 2 "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" = "$want" ] && grep -q -- "$re" "$T/err" && kept &&
		[ "$(grep -c 'error:' "$T/err")" -ge 1 ] &&
		! grep -v -e 'error:' -e 'info:' -e 'warning:' "$T/err" | grep . >/dev/null; then
		ok "$name: exit $rc, file kept: $(grep -m1 'error:' "$T/err")"
	else
		not_ok "$name: exit $rc (want $want): $(cat "$T/err")"
	fi
	[ "$rc" -lt 128 ] || not_ok "$name: died of a signal"
}
start_bad() { # MODE -> $port
	rm -f "$T/port"
	python3 "$here/tools/badserver.py" "$1" "$T/port" &
	pids+=($!)
	wait_for 30 test -s "$T/port" || { not_ok "badserver $1 did not start"; return 1; }
	port=$(cat "$T/port")
}

# An endpoint that does not resolve: run without any network (a new,
# empty network namespace), so the lookup fails here and nothing leaves.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	fresh_spool
	unshare -n "$WGTAP_SHIP" --once --spool-dir "$T/spool" --storage-bucket wgtap-test \
		--storage-endpoint http://no-such-host.invalid:9000 --max-attempts 2 \
		--backoff-max 1 --timeout 2 >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" = 1 ] && grep -q "resolve" "$T/err" && kept; then
		ok "unresolvable endpoint: exit 1, file kept: $(grep -m1 error: "$T/err")"
	else
		not_ok "unresolvable endpoint: exit $rc: $(cat "$T/err")"
	fi
else
	echo "note: not root: the unresolvable-endpoint case needs unshare -n"
fi

start_bad garbage && once "server answers garbage" 1 "upload $SEG: " \
	--storage-endpoint "http://127.0.0.1:$port"
start_bad silent && once "server answers nothing" 1 "upload $SEG: .*no data moved for 2 s" \
	--storage-endpoint "http://127.0.0.1:$port"
# Closed at once: what libcurl sees depends on how far it got when the
# close came (nothing read back, a reset, or a write into the closed
# socket); any of them is the right failure.
start_bad close && once "server closes the connection" 1 \
	"upload $SEG: .*\\(Empty reply\\|Connection reset\\|Send failure\\|Recv failure\\)" \
	--storage-endpoint "http://127.0.0.1:$port"
start_bad wrong-etag && once "2xx with a wrong ETag" 1 \
	"upload $SEG: HTTP 200 but ETag \"0123456789abcdef0123456789abcdef\" is not the MD5" \
	--storage-endpoint "http://127.0.0.1:$port"

# A final-looking name whose contents are not a segment: left alone.
fresh_spool
printf 'not a segment\n' >"$T/spool/$SEG"
cp "$T/spool/$SEG" "$T/orig"
start_bad wrong-etag
"$WGTAP_SHIP" --once --spool-dir "$T/spool" --storage-bucket wgtap-test \
	--storage-endpoint "http://127.0.0.1:$port" >"$T/out" 2>"$T/err"
rc=$?
eq "foreign contents: exit status" "$rc" 1
eq "foreign contents: one error line" "$(grep -c error: "$T/err")" 1
check "foreign contents: says why ($(cat "$T/err"))" grep -q "cannot ship $SEG: not a wgtap segment" "$T/err"
check "foreign contents: left in place" kept

# Credentials missing or empty: a usage error before anything else.
fresh_spool
out=$(env -u AWS_SECRET_ACCESS_KEY "$WGTAP_SHIP" --once --spool-dir "$T/spool" \
	--storage-bucket wgtap-test 2>&1); rc=$?
check "missing secret: exit 2, one line ($out)" test "$rc" = 2 -a "$(grep -c . <<<"$out")" = 1
out=$(AWS_ACCESS_KEY_ID= "$WGTAP_SHIP" --once --spool-dir "$T/spool" \
	--storage-bucket wgtap-test 2>&1); rc=$?
check "empty access key: exit 2, one line ($out)" test "$rc" = 2 -a "$(grep -c . <<<"$out")" = 1

# A clock an hour off, against a real S3 server: RequestTimeTooSkewed.
if ! command -v faketime >/dev/null; then
	echo "note: faketime not installed: the skewed-clock case is skipped"
elif ! swift_available; then
	echo "note: Swift not installed: the skewed-clock case is skipped"
elif swift_start "$T/swift" >"$T/swift.log" 2>&1; then
	swift_make_bucket wgtap-test || not_ok "create the bucket"
	# (libfaketime is preloaded; ASan wants to come first, so let it not)
	AWS_ACCESS_KEY_ID=$SWIFT_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$SWIFT_SECRET_KEY \
		ASAN_OPTIONS=verify_asan_link_order=0 SHIP_WRAP="faketime -f -1h" \
		once "clock skewed by an hour" 1 "HTTP 403 RequestTimeTooSkewed" \
		--storage-endpoint "$SWIFT_ENDPOINT"
else
	not_ok "Swift did not start: $(tail -3 "$T/swift.log")"
fi
finish
