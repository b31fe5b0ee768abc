#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wgtap-ship's command line, without a server: --help and --version, and
# that every bad flag, value, endpoint, credential or CA file gives exactly
# one line on stderr and exit status 2, before anything is shipped; that
# file mode exits 1 for a missing file; and that no credential appears in
# any of this output.
# Helper functions run indirectly, through check and wait_for.
# shellcheck disable=SC2317,SC2119
set -u
# shellcheck source=tests/lib/ship.sh
. "$(dirname "$0")/lib/ship.sh"
ship_init

SECRET='wgtapSECRET-4b1d9e0c-never-print'
TOKEN='wgtapTOKEN-77aa31f2-never-print'
export AWS_ACCESS_KEY_ID=AKIDWGTAPTEST
export AWS_SECRET_ACCESS_KEY=$SECRET
export AWS_SESSION_TOKEN=$TOKEN
mkdir -p "$T/spool"
seg=$(seg_name 1)
mkseg "$T/spool" "$seg"
cp "$T/spool/$seg" "$T/orig"

# run ARGS...: run the shipper; $rc, $out (stdout), $err (stderr).
run() {
	"$WGTAP_SHIP" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
	cat "$T/out" "$T/err" >>"$T/all"
}
lines() { printf '%s' "$1" | grep -c ''; }

# usage_error DESC PATTERN ARGS...: exit 2, one stderr line matching
# PATTERN, nothing on stdout.
usage_error() {
	local what=$1 pat=$2
	shift 2
	run "$@"
	if [ "$rc" = 2 ] && [ "$(lines "$err")" = 1 ] && [ -z "$out" ] &&
		grep -q -e "$pat" <<<"$err"; then
		ok "$what: exit 2, one line: $err"
	else
		not_ok "$what: exit $rc, stderr: $err, stdout: $out"
	fi
}

run --version
check "--version prints 'wgtap-ship 1.0.0' and exits 0" \
	test "$rc:$out:$err" = "0:wgtap-ship 1.0.0:"
run --help
check "--help goes to stdout, exit 0" test "$rc" = 0 -a -z "$err"
for flag in --spool-dir --storage-bucket --storage-endpoint \
	--storage-region --storage-addressing --key-prefix --host-label --once \
	--keep --ca-file --max-attempts --timeout --backoff-max --verbose --check; do
	check "--help documents $flag" grep -q -e "$flag" <<<"$out"
done
check "--help documents the key layout" \
	grep -q 'host=HOST/dt=YYYY-MM-DD/hour=HH/' <<<"$out"

b=(--storage-bucket wgtap-test --spool-dir "$T/spool" --host-label gw1)
usage_error "unknown flag" "unknown flag --bogus" --bogus "${b[@]}"
usage_error "unknown short flag" "unknown flag -x" -x "${b[@]}"
usage_error "flag without its value" "needs a value" "${b[@]}" --timeout
usage_error "no bucket" "storage-bucket is required" --once
usage_error "bad bucket name" "not a valid bucket name" --once \
	--storage-bucket Bad_Bucket
usage_error "short bucket name" "not a valid bucket name" --once \
	--storage-bucket ab
usage_error "ftp endpoint" "storage-endpoint" "${b[@]}" --once \
	--storage-endpoint ftp://127.0.0.1/
usage_error "endpoint with a path" "storage-endpoint" "${b[@]}" --once \
	--storage-endpoint http://127.0.0.1:9000/bucket
usage_error "endpoint port 0" "storage-endpoint" "${b[@]}" --once \
	--storage-endpoint http://127.0.0.1:0
usage_error "endpoint without scheme" "storage-endpoint" "${b[@]}" --once \
	--storage-endpoint 127.0.0.1:9000
usage_error "bad addressing" "auto, path or virtual" "${b[@]}" --once \
	--storage-addressing dns
usage_error "bad region" "storage-region" "${b[@]}" --once \
	--storage-region 'us east'
usage_error "bad host label" "host-label" "${b[@]}" --once \
	--host-label 'gw/1'
usage_error "long host label" "host-label" "${b[@]}" --once \
	--host-label "$(printf 'h%.0s' {1..64})"
usage_error "bad key prefix" "key-prefix" "${b[@]}" --once \
	--key-prefix /abs
usage_error "key prefix with .." "key-prefix" "${b[@]}" --once \
	--key-prefix 'a/../b'
usage_error "bad --timeout" "timeout" "${b[@]}" --once --timeout 0
usage_error "negative --timeout" "timeout" "${b[@]}" --once --timeout -5
usage_error "bad --max-attempts" "max-attempts" "${b[@]}" --once \
	--max-attempts x
usage_error "bad --backoff-max" "backoff-max" "${b[@]}" --once \
	--backoff-max 1.5
usage_error "--once with files" "do not go together" "${b[@]}" --once \
	"$T/spool/$seg"
usage_error "a file that is not a segment" "not a segment file name" \
	"${b[@]}" "$T/orig"
usage_error "missing CA file" "ca-file" "${b[@]}" --once \
	--ca-file "$T/nonexistent.pem"
usage_error "CA file without certificates" "ca-file" "${b[@]}" --once \
	--ca-file "$T/orig"

# Credentials: missing or empty ones are a configuration error.
(
	unset AWS_ACCESS_KEY_ID
	usage_error "no AWS_ACCESS_KEY_ID" "AWS_ACCESS_KEY_ID" "${b[@]}" --once
	[ "$T_FAILED" = 0 ]
) || T_FAILED=1
(
	export AWS_SECRET_ACCESS_KEY=
	usage_error "empty AWS_SECRET_ACCESS_KEY" "AWS_SECRET_ACCESS_KEY" \
		"${b[@]}" --once
	[ "$T_FAILED" = 0 ]
) || T_FAILED=1
(
	export AWS_SESSION_TOKEN=$'tok\r\nX-Injected: 1'
	usage_error "session token with CR LF" "AWS_SESSION_TOKEN" "${b[@]}" \
		--once
	[ "$T_FAILED" = 0 ]
) || T_FAILED=1
check "the segment was not touched by any of this" cmp -s "$T/orig" \
	"$T/spool/$seg"

# File mode: a missing file is a failure to ship (exit 1), not usage.
run "${b[@]}" --storage-endpoint http://127.0.0.1:1 "$T/spool/$(seg_name 9)"
check "file mode, missing file: exit 1 and says so" \
	test "$rc" = 1 -a -n "$(grep 'no such file' <<<"$err")"

# A spool that is not there: a run-time failure, one error line, exit 1
# (after the line that says where the keys came from).
run "${b[@]}" --storage-endpoint http://127.0.0.1:1 --once \
	--spool-dir "$T/nope"
check "--once on a missing spool: exit 1, one error line" \
	test "$rc:$(lines "$err")" = 1:2 -a \
	"$(grep -c 'error: .*nope' <<<"$err")" = 1 -a \
	"$(head -n 1 <<<"$err")" = "wgtap-ship: info: credentials from the environment"

# The daemon exits 1 when its spool is removed under it.
mkdir "$T/doomed"
ship_bg "$T/doomed.log" "${b[@]}" --storage-endpoint http://127.0.0.1:1 \
	--spool-dir "$T/doomed"
log_has "$T/doomed.log" "watching" 30 || not_ok "the daemon started"
rmdir "$T/doomed"
stop_pid "$SHIP_PID" 30	# SIGTERM only if it did not end by itself
rc=$?
check "the daemon exits 1 when the spool is removed, and says why" \
	test "$rc:$(grep_count 'was removed or moved away' "$T/doomed.log")" = 1:1
cat "$T/doomed.log" >>"$T/all"

# Nothing above may print a credential.
check "no output holds the secret key" \
	test "$(grep_count "$SECRET" "$T/all")" = 0
check "no output holds the session token" \
	test "$(grep_count "$TOKEN" "$T/all")" = 0
ship_done
