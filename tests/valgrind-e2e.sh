#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One end-to-end run of both programs under valgrind memcheck
# ($WGTAP_VALGRIND): convert captures with wgtap-capture -r (gzip and
# plain, with a leftover to recover and a truncated file), then ship the
# segments to a real S3 server (Swift) with wgtap-ship --once, including a
# failing attempt against a wrong secret and the keys read from a shared
# credentials file, and wgtap-ship --check (upload and delete). Any
# memcheck error or definite leak fails the run (valgrind
# --error-exitcode=1).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"
. "$here/lib/swift.sh"
VG=${WGTAP_VALGRIND:-valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite --quiet}
command -v valgrind >/dev/null || skip "valgrind not installed"
work=$(mktemp -d /tmp/wgtap-vg.XXXXXX)
trap 'swift_stop; rm -rf "$work"' EXIT
spool=$work/spool
mkdir "$spool"
data=$here/data/pcap

vg() { # NAME WANT_RC CMD...
	local name=$1 want=$2 rc
	shift 2
	$VG --log-file="$work/vg-$name.log" "$@" >"$work/$name.out" 2>&1
	rc=$?
	if [ -s "$work/vg-$name.log" ]; then
		not_ok "$name: valgrind reported:"
		head -30 "$work/vg-$name.log"
	elif [ "$rc" != "$want" ]; then
		not_ok "$name: exit status $rc, want $want"
		tail -5 "$work/$name.out"
	else
		ok "$name: clean, exit $rc"
	fi
}

# a leftover from a capture that died, to be recovered at start
printf 'src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns\n192.0.2.1,7,198.51.100.2,9,UDP,36,1764000000000000000,\n192.0.2.1,7,198.5' \
	>"$spool/.vg-20251124T160000.000000000Z-000000.csv.part"
vg capture-gzip 0 "$WGTAP_CAPTURE" -r "$data/raw-ns.pcap" --iface vg \
	--spool-dir "$spool" -n 5
vg capture-plain 0 "$WGTAP_CAPTURE" -r "$data/sll2.pcap" --iface vg \
	--spool-dir "$spool" --compress none
vg capture-truncated 1 "$WGTAP_CAPTURE" -r "$data/truncated.pcap" \
	--iface vg --spool-dir "$spool"
vg capture-usage 2 "$WGTAP_CAPTURE" --max-packets-per-log 0
n=$(seg_names "$spool" | wc -l)
check "segments written ($n)" test "$n" -ge 3
check "the leftover was recovered" test ! -e "$spool/.vg-20251124T160000.000000000Z-000000.csv.part"

if swift_available && swift_start "$work/swift" >"$work/swift.log" 2>&1; then
	swift_make_bucket vg-bucket || not_ok "create the bucket"
	export AWS_ACCESS_KEY_ID=$SWIFT_ACCESS_KEY
	AWS_SECRET_ACCESS_KEY=wrong-secret vg ship-wrong-secret 1 "$WGTAP_SHIP" \
		--once --spool-dir "$spool" --storage-bucket vg-bucket \
		--storage-endpoint "$SWIFT_ENDPOINT" --max-attempts 2 --backoff-max 1
	eq "nothing deleted after a refused upload" "$(seg_names "$spool" | wc -l)" "$n"
	# The keys from a credentials file (the INI parser, the chain).
	unset AWS_ACCESS_KEY_ID
	printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
		"$SWIFT_ACCESS_KEY" "$SWIFT_SECRET_KEY" >"$work/credentials"
	export AWS_SHARED_CREDENTIALS_FILE=$work/credentials
	vg ship-once 0 "$WGTAP_SHIP" \
		--once --spool-dir "$spool" --storage-bucket vg-bucket \
		--storage-endpoint "$SWIFT_ENDPOINT"
	eq "objects in the bucket" "$(swift_list vg-bucket | wc -l)" "$n"
	eq "spool empty" "$(seg_names "$spool" | wc -l)" 0
	vg check 0 "$WGTAP_SHIP" --check --storage-bucket vg-bucket \
		--storage-endpoint "$SWIFT_ENDPOINT" --host-label vg
	eq "--check: five steps, all ok" "$(grep -c ': ok: ' "$work/check.out")" 5
	unset AWS_SHARED_CREDENTIALS_FILE
else
	echo "note: Swift unavailable; the shipper ran only against a closed port"
	AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y vg ship-refused 1 "$WGTAP_SHIP" \
		--once --spool-dir "$spool" --storage-bucket vg-bucket \
		--storage-endpoint http://127.0.0.1:9 --max-attempts 2 --backoff-max 1
	AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y vg check-refused 1 "$WGTAP_SHIP" \
		--check --storage-bucket vg-bucket --host-label vg \
		--storage-endpoint http://127.0.0.1:9
fi
finish
