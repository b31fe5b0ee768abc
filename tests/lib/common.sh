# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# common.sh: helpers shared by the integration tests. Source it.
#
#   ok MSG / not_ok MSG    one line per check; not_ok marks the test failed
#   check MSG CMD...       run CMD, ok or not_ok
#   eq MSG GOT WANT        compare two strings
#   skip REASON            print the reason as the last line, exit 77
#   finish                 exit 0, or 1 if a check failed
#   seg_rows DIR           every row of every final segment in DIR (no
#                          headers), oldest segment first
#   seg_names DIR          final segment names in DIR, oldest first
#   wait_for SECS CMD...   poll CMD every 0.1 s for up to SECS
#   log_has FILE REGEX [SECS]   wait until FILE has a line matching REGEX

T_FAILED=0
# No test may ask a real EC2 metadata service (traffic off 127.0.0.1);
# those that use the local stand-in say so themselves.
export AWS_EC2_METADATA_DISABLED=true
unset AWS_EC2_METADATA_SERVICE_ENDPOINT
ok() { echo "ok   - $*"; }
not_ok() { echo "FAIL - $*"; T_FAILED=1; }
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
eq() {
	if [ "$2" = "$3" ]; then
		ok "$1 ($2)"
	else
		not_ok "$1: got '$2', want '$3'"
	fi
}
skip() { echo "$*"; exit 77; }
finish() { exit "$T_FAILED"; }

seg_names() {
	find "$1" -maxdepth 1 -type f \( -name '*.csv.gz' -o -name '*.csv' \) \
		! -name '.*' -printf '%f\n' |
		awk '{ t = $0; sub(/^.*-([0-9]{8}T[0-9.]{16}Z)-/, "", t);
		       ts = $0; match(ts, /[0-9]{8}T[0-9]{6}\.[0-9]{9}Z/);
		       print substr(ts, RSTART, RLENGTH), $0 }' |
		sort | cut -d' ' -f2
}

seg_rows() {
	local f
	for f in $(seg_names "$1"); do
		case $f in
		*.gz) zcat "$1/$f" ;;
		*) cat "$1/$f" ;;
		esac | tail -n +2
	done
}

wait_for() {
	local tries=$(($1 * 10))
	shift
	while ! "$@" >/dev/null 2>&1; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

log_has() {
	wait_for "${3:-10}" grep -Eq -- "$2" "$1"
}
