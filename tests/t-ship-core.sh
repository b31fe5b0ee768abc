#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A crashing wgtap-ship must not put its credentials on disk: it makes
# itself non-dumpable at start, so even with core dumps allowed a SIGABRT
# leaves no core file (and nothing holding the secret) behind.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"
[ -x "${WGTAP_SHIP:-}" ] || skip "WGTAP_SHIP not set"
T=$(mktemp -d /tmp/wgtap-core.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir "$T/spool" "$T/cwd"
SECRET=CoreSecret-$RANDOM$RANDOM-never-on-disk
cd "$T/cwd" || exit 1
(
	ulimit -c unlimited
	AWS_ACCESS_KEY_ID=AKIDCORE AWS_SECRET_ACCESS_KEY=$SECRET \
	ASAN_OPTIONS=disable_coredump=0:abort_on_error=1 \
		exec "$WGTAP_SHIP" --spool-dir "$T/spool" --storage-bucket wgtap-test \
		--storage-endpoint http://127.0.0.1:9 >"$T/log" 2>&1
) &
pid=$!
log_has "$T/log" "watching" 30 || not_ok "the shipper started"
kill -ABRT "$pid"
wait "$pid" 2>/dev/null
rc=$?
eq "killed by SIGABRT" "$rc" 134
# (the kernel writes a core file before the process is reaped, so there is
# nothing to wait for once wait has returned)
pattern=$(cat /proc/sys/kernel/core_pattern)
case $pattern in
"|"*) note="core_pattern pipes to a helper ($pattern): checking this directory only" ;;
*) note="core_pattern is $pattern" ;;
esac
echo "note: $note"
eq "no core file written" "$(find "$T" -name 'core*' -type f | wc -l)" 0
check "the secret is in no file of the run" \
	test -z "$(grep -rlaF -- "$SECRET" "$T" 2>/dev/null)"
finish
