# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# ship.sh: helpers for the wgtap-ship integration tests (tests/t-ship-*.sh):
# segment files, expected keys, a shipper run in the background and stopped
# by PID. Each test sources this file (it sources common.sh for ok, not_ok,
# check, eq, wait_for, stop_pid and finish), then calls ship_init.
#
#   ship_init                 temp dir $T, EXIT trap, $WGTAP_SHIP checked
#   ship_need_swift [--https] start Swift (tests/lib/swift.sh) and create
#                             bucket $BUCKET, or exit 77 with the reason on
#                             the last line
#   mkseg DIR NAME [ROWS]     write a gzip'd (or plain, for .csv) segment
#   mkseg_many DIR ORIG A B   segments A..B at once, copies in ORIG
#   seg_name N [HOUR] [DAY]   wg0-2026-11-DAYTHOUR:MM:SS...-00000N.csv.gz
#   key_of NAME [PREFIX] [HOST]  the documented object key of a segment
#   keys_in_bucket            every key in $BUCKET, sorted
#   ship_env / ship_flags     credentials and flags for the Swift server
#   ship_bg LOG ARGS...       start wgtap-ship in the background: $SHIP_PID
#   ship_stop PID             SIGTERM, wait, and return its exit status
#   count_files DIR / spool_empty DIR / snapshot DIR
#   object_is NAME LOCAL [PREFIX] [HOST]  GET the object, compare bytes
#   grep_count PATTERN FILE   matching lines (0 when none)
#   ship_done                 look for sanitizer reports, then finish

# shellcheck source=tests/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# The tests directory, for the tools the tests run.
here=${here:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BUCKET=wgtap-test
HOST_LABEL=gw1
declare -ga _SHIP_PIDS=()

# Stop every shipper still running (by PID), then Swift, then remove $T.
_ship_cleanup() {
	local pid
	for pid in "${_SHIP_PIDS[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			kill -CONT "$pid" 2>/dev/null
			kill -KILL "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null
	done
	if declare -F swift_stop >/dev/null; then
		swift_stop
	fi
	[ -n "${T:-}" ] && rm -rf "$T"
}

ship_init() {
	if [ -z "${WGTAP_SHIP:-}" ] || ! [ -x "$WGTAP_SHIP" ]; then
		echo "WGTAP_SHIP is not set to the wgtap-ship binary"
		exit 77
	fi
	T=$(mktemp -d /tmp/t-ship.XXXXXX)
	trap _ship_cleanup EXIT
	# Requests go to 127.0.0.1 only, never through a configured proxy.
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
	# Keys come from where each test says, never from the machine's own
	# files or a metadata service (which would be traffic off 127.0.0.1).
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
		AWS_PROFILE AWS_SHARED_CREDENTIALS_FILE CREDENTIALS_DIRECTORY \
		AWS_EC2_METADATA_SERVICE_ENDPOINT
	export AWS_EC2_METADATA_DISABLED=true
}

ship_need_swift() {
	# shellcheck source=tests/lib/swift.sh
	. "$(dirname "${BASH_SOURCE[0]}")/swift.sh"
	if ! swift_available; then
		echo "swift is not available: $SWIFT_UNAVAILABLE_REASON"
		exit 77
	fi
	swift_start "$T/swift" "$@"
	case $? in
	0) ;;
	77) echo "swift is not available: $SWIFT_UNAVAILABLE_REASON"; exit 77 ;;
	*) echo "FAIL - swift_start"; exit 1 ;;
	esac
	if ! swift_usable_bucket "$BUCKET" 2>>"$T/swift.err"; then
		cat "$T/swift.err"
		echo "FAIL - bucket $BUCKET did not become usable"
		exit 1
	fi
}

# keys_in_bucket: every key but the readiness probe, sorted.
keys_in_bucket() {
	swift_list "$BUCKET" | grep -v '^probe/' | sort
}

# seg_name N [HOUR] [DAY]: a final segment name; N is also the sequence.
seg_name() {
	local n=$1 hour=${2:-14} day=${3:-24}
	printf 'wg0-202611%02dT%02d%02d%02d.%09dZ-%06d.csv.gz' \
		"$((10#$day))" "$((10#$hour))" "$((n / 60 % 60))" "$((n % 60))" \
		"$((123456789 + n))" "$n"
}

# mkseg DIR NAME [ROWS]: a small CSV segment with rows that name the file,
# so every segment's bytes differ; gzip'd for .csv.gz, zstd'd for
# .csv.zst, plain for .csv.
mkseg() {
	local dir=$1 name=$2 rows=${3:-3} i
	{
		echo "src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns"
		for ((i = 0; i < rows; i++)); do
			echo "10.0.0.$((i % 250 + 1)),$((40000 + i)),10.1.0.1,53,UDP,$((60 + i)),$((1795000000000000000 + i)),"
		done
		echo "192.0.2.1,,192.0.2.2,,ICMP,84,1795000000000000000,"
		echo "# $name"
	} >"$dir/.tmp.$$"
	case $name in
	*.gz) gzip -n -c "$dir/.tmp.$$" >"$dir/.$name.part" ;;
	*.zst) zstd -q -c "$dir/.tmp.$$" >"$dir/.$name.part" ;;
	*) cp "$dir/.tmp.$$" "$dir/.$name.part" ;;
	esac
	rm -f "$dir/.tmp.$$"
	mv "$dir/.$name.part" "$dir/$name"
}

# mkseg_many DIR ORIGDIR FIRST LAST: segments seg_name FIRST..LAST, each
# written as .NAME.part and renamed into DIR, with a copy in ORIGDIR; one
# process for all of them, where mkseg would start several per file.
mkseg_many() {
	/usr/bin/python3 - "$@" <<'EOF'
import gzip, os, shutil, sys
d, orig, first, last = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for n in range(first, last + 1):
    name = "wg0-20261124T14%02d%02d.%09dZ-%06d.csv.gz" % (
        n // 60 % 60, n % 60, 123456789 + n, n)
    text = "src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns\n"
    text += "10.0.0.1,40000,10.1.0.1,53,UDP,%d,%d,\n" % (60 + n, 1795000000000000000 + n)
    text += "# %s\n" % name
    tmp = os.path.join(d, "." + name + ".part")
    with open(tmp, "wb") as f:
        f.write(gzip.compress(text.encode(), mtime=0))
    shutil.copyfile(tmp, os.path.join(orig, name))
    os.rename(tmp, os.path.join(d, name))
EOF
}

# key_of NAME [PREFIX] [HOST]: PREFIX host=HOST/dt=YYYY-MM-DD/hour=HH/NAME
key_of() {
	local name=$1 prefix=${2-wgtap/} host=${3:-$HOST_LABEL} ts
	ts=${name#*-}
	printf '%shost=%s/dt=%s-%s-%s/hour=%s/%s' "$prefix" "$host" \
		"${ts:0:4}" "${ts:4:2}" "${ts:6:2}" "${ts:9:2}" "$name"
}

ship_env() {
	export AWS_ACCESS_KEY_ID=$SWIFT_ACCESS_KEY
	export AWS_SECRET_ACCESS_KEY=$SWIFT_SECRET_KEY
	unset AWS_SESSION_TOKEN
}

# The flags every test run uses against the Swift server.
ship_flags() {
	printf '%s\n' --storage-bucket "$BUCKET" \
		--storage-endpoint "$SWIFT_ENDPOINT" \
		--storage-region "$SWIFT_REGION" --host-label "$HOST_LABEL"
}

# ship_bg LOG ARGS...: start the shipper in the background; $SHIP_PID.
ship_bg() {
	local log=$1
	shift
	"$WGTAP_SHIP" "$@" >>"$log" 2>&1 &
	SHIP_PID=$!
	_SHIP_PIDS+=("$SHIP_PID")
}

# ship_stop PID: SIGTERM, wait at most 30 s, return the exit status.
ship_stop() {
	stop_pid "$1" 30
}

# Number of entries in a directory, dotfiles included.
count_files() {
	local n
	n=$(find "$1" -mindepth 1 -maxdepth 1 | wc -l)
	echo "$n"
}
spool_empty() { [ "$(count_files "$1")" -eq 0 ]; }
# Name, inode, size, mode and mtime of everything in a directory.
snapshot() {
	find "$1" -mindepth 1 -printf '%P %i %s %m %T@\n' | sort
}

# object_is NAME LOCAL [PREFIX] [HOST]: the object under NAME's key holds
# exactly the bytes of LOCAL. A GET that fails is retried for up to 15 s: a
# Swift proxy on a loaded machine sometimes answers 404 or 503 for a moment
# although the PUT was acknowledged.
object_is() {
	local name=$1 local=$2 key
	key=$(key_of "$name" "${3-wgtap/}" "${4:-$HOST_LABEL}")
	if wait_for 15 swift_get "$BUCKET/$key" "$T/get.out"; then
		cmp -s "$T/get.out" "$local"
		return
	fi
	echo "  GET $key: HTTP $SWIFT_HTTP_STATUS: $(head -c 300 "$T/get.out" 2>/dev/null)"
	return 1
}

# grep_count PATTERN FILE: number of matching lines (0 when none).
grep_count() {
	local n
	n=$(grep -c -e "$1" "$2" 2>/dev/null) || true
	echo "${n:-0}"
}

# Finish the test, after looking for sanitizer reports in every log it
# kept (SAN=1 builds).
ship_done() {
	local bad
	mapfile -t bad < <(grep -l -e 'Sanitizer' -e 'runtime error:' \
		"$T"/*.log 2>/dev/null)
	if [ "${#bad[@]}" -gt 0 ]; then
		not_ok "sanitizer reports in: ${bad[*]}"
		grep -h -A 20 -e 'Sanitizer' -e 'runtime error:' "${bad[@]}" |
			head -n 60
	else
		ok "no sanitizer report in any log"
	fi
	finish
}
