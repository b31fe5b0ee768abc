#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# HTTPS against a real S3 server (Swift with s3api behind TLS, with a
# certificate from a throwaway CA). With --ca-file naming that CA the
# segment ships and reads back; with an unrelated CA, or none (the system
# store does not know the test CA), the TLS verification fails, the error
# is logged, the file is kept and --once exits 1: verification is never
# skipped. Needs Swift and openssl (exit 77 without them).
# Helper functions run indirectly, through check and wait_for.
# shellcheck disable=SC2317,SC2119
set -u
# shellcheck source=tests/lib/ship.sh
. "$(dirname "$0")/lib/ship.sh"
ship_init
ship_need_swift --https
ship_env
mapfile -t flags < <(ship_flags)
mkdir -p "$T/spool" "$T/orig"
check "the endpoint is https://" test "${SWIFT_ENDPOINT%%://*}" = https
seg=$(seg_name 1)
mkseg "$T/spool" "$seg" 20
cp "$T/spool/$seg" "$T/orig/"
key=$(key_of "$seg")

# tls_refused DESC ARGS...: --once fails on the certificate, keeps the file.
tls_refused() {
	local what=$1 log=$T/$2.log
	shift 2
	"$WGTAP_SHIP" "${flags[@]}" --once --spool-dir "$T/spool" \
		--max-attempts 2 --backoff-max 1 "$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	check "$what: --once exits 1" test "$rc" = 1
	check "$what: the certificate problem is logged at each attempt" \
		test "$(grep -c -i "error: upload $seg: .*certificate" "$log")" = 2
	check "$what: the file is kept, byte for byte" \
		cmp -s "$T/spool/$seg" "$T/orig/$seg"
}
tls_refused "the wrong CA" wrong --ca-file "$SWIFT_WRONG_CA_FILE"
tls_refused "no --ca-file" none
check "nothing reached the S3 layer" \
	test "$(swift_put_count "$BUCKET" "$key")" = 0

"$WGTAP_SHIP" "${flags[@]}" --once --spool-dir "$T/spool" \
	--ca-file "$SWIFT_CA_FILE" >"$T/right.log" 2>&1
rc=$?
cat "$T/right.log"
check "--ca-file with the right CA: exit 0" test "$rc" = 0
check "--ca-file with the right CA: the spool is empty" spool_empty "$T/spool"
check "--ca-file with the right CA: the object reads back" \
	object_is "$seg" "$T/orig/$seg"

# The daemon over HTTPS, reusing its connection for several segments.
for i in 2 3 4; do
	n=$(seg_name "$i")
	mkseg "$T/spool" "$n" 20
	cp "$T/spool/$n" "$T/orig/"
done
ship_bg "$T/daemon.log" "${flags[@]}" --spool-dir "$T/spool" \
	--ca-file "$SWIFT_CA_FILE"
check "daemon over HTTPS: the spool empties" wait_for 60 spool_empty "$T/spool"
for i in 2 3 4; do
	n=$(seg_name "$i")
	check "daemon over HTTPS: $n reads back" object_is "$n" "$T/orig/$n"
done
ship_stop "$SHIP_PID"
check "the daemon exits 0 on SIGTERM" test "$?" = 0
ship_done
