#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A crashing wgtap-ship must not put its credentials on disk: it makes
# itself non-dumpable at start, so even with core dumps allowed a SIGABRT
# leaves no core file (and nothing holding the secret) behind. Checked
# with the keys from each source that keeps them in a file or in the
# environment: the environment, a systemd credential and a shared
# credentials file (which live outside the directory searched here).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"
[ -x "${WGTAP_SHIP:-}" ] || skip "WGTAP_SHIP not set"
T=$(mktemp -d /tmp/wgtap-core.XXXXXX)
C=$(mktemp -d /tmp/wgtap-core-keys.XXXXXX)
trap 'rm -rf "$T" "$C"' EXIT
SECRET=CoreSecret-$RANDOM$RANDOM-never-on-disk
printf '[default]\naws_access_key_id = AKIDCORE\naws_secret_access_key = %s\n' \
	"$SECRET" >"$C/aws-credentials"
pattern=$(cat /proc/sys/kernel/core_pattern)
case $pattern in
"|"*) echo "note: core_pattern pipes to a helper ($pattern): checking this directory only" ;;
*) echo "note: core_pattern is $pattern" ;;
esac

# crash NAME VAR=VALUE...: start the daemon with these credentials, abort
# it, and look for a core file and the secret in the run's directory.
crash() {
	local name=$1 pid rc
	shift
	rm -rf "$T/spool" "$T/cwd"
	mkdir "$T/spool" "$T/cwd"
	(
		cd "$T/cwd" || exit 1
		ulimit -c unlimited
		exec env -i PATH="$PATH" HOME="$T/cwd" \
			ASAN_OPTIONS=disable_coredump=0:abort_on_error=1 \
			AWS_EC2_METADATA_DISABLED=true "$@" \
			"$WGTAP_SHIP" --spool-dir "$T/spool" \
			--storage-bucket wgtap-test \
			--storage-endpoint http://127.0.0.1:9 >"$T/$name.log" 2>&1
	) &
	pid=$!
	log_has "$T/$name.log" "watching" 30 || not_ok "$name: the shipper started"
	kill -ABRT "$pid"
	wait "$pid" 2>/dev/null
	rc=$?
	eq "$name: killed by SIGABRT" "$rc" 134
	# A core, if one were written, would be there by now: the process
	# has been reaped.
	eq "$name: no core file written" \
		"$(find "$T" -name 'core*' -type f | wc -l)" 0
	check "$name: the secret is in no file of the run" \
		test -z "$(grep -rlaF -- "$SECRET" "$T" 2>/dev/null)"
}

crash env AWS_ACCESS_KEY_ID=AKIDCORE AWS_SECRET_ACCESS_KEY="$SECRET"
crash systemd CREDENTIALS_DIRECTORY="$C"
crash file AWS_SHARED_CREDENTIALS_FILE="$C/aws-credentials"
finish
