#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The credential chain through wgtap-ship itself, against a real S3
# server (Swift, whose tempauth has two unrelated accounts: the account an
# object lands in tells which keys signed it):
#   - each source alone: the environment, a systemd credential
#     ($CREDENTIALS_DIRECTORY/aws-credentials), ~/.aws/credentials,
#     AWS_SHARED_CREDENTIALS_FILE with AWS_PROFILE (and without it), the
#     instance role from tests/tools/imds.py; the log says which, once;
#   - the precedence, with the metadata stand-in listening: it gets no
#     request while an earlier source has keys; the installed template of
#     aws-credentials passes on, and keys left in the environment by an
#     upgrade from the old layout win over it;
#   - bad inputs, one line each: a malformed file and an unreadable one
#     (exit 2), a missing profile, no keys anywhere (2), a metadata
#     service named but unreachable (1: run-time, systemd tries again), an
#     instance without a role (2);
#   - the daemon with a credentials file rewritten while it runs: the next
#     upload uses the new keys, a broken rewrite is warned about and the
#     keys in hand stay, no restart;
#   - the daemon shipping continuously on instance-role keys that the
#     stand-in rotates between the two accounts every 6 s: no upload
#     fails, every upload is made before its keys expire, and each lands
#     in the account whose keys were current, across several rotations;
#   - no key or token in any output, nor in the daemon's command line, and
#     none in its environment unless they came from there.
# Helper functions run indirectly, through check and wait_for.
# shellcheck disable=SC2317,SC2119
set -u
# shellcheck source=lib/ship.sh
. "$(dirname "$0")/lib/ship.sh"
ship_init
[ -x /usr/bin/python3 ] || { echo "/usr/bin/python3 not found"; exit 77; }
ship_need_swift
mkdir -p "$T/spool" "$T/home/.aws" "$T/cred"
K1=$SWIFT_ACCESS_KEY S1=$SWIFT_SECRET_KEY
K2=$SWIFT_ACCESS_KEY2 S2=$SWIFT_SECRET_KEY2
mapfile -t flags < <(ship_flags)

# The second account gets the same bucket.
as2() { SWIFT_ACCESS_KEY=$K2 SWIFT_SECRET_KEY=$S2 "$@"; }
bucket2_ready() {
	as2 swift_create_bucket "$BUCKET" 2>/dev/null ||
		[ "$SWIFT_HTTP_STATUS" = 409 ]
}
check "the second account's bucket exists" wait_for 30 bucket2_ready
echo probe >"$T/probe"
check "the second account can put" \
	wait_for 20 as2 swift_put "$T/probe" "$BUCKET/probe/ready"

# account_of SEG: 1 or 2, the account holding the segment's object
# ("none", or "both" which would be wrong either way).
account_of() {
	local key in1 in2
	key=$(key_of "$1")
	in1=$(swift_list "$BUCKET" "$key")
	in2=$(as2 swift_list "$BUCKET" "$key")
	if [ -n "$in1" ] && [ -n "$in2" ]; then echo both
	elif [ -n "$in1" ]; then echo 1
	elif [ -n "$in2" ]; then echo 2
	else echo none; fi
}

# ini FILE PROFILE ID SECRET [PROFILE ID SECRET...]: a credentials file,
# written aside and renamed into place.
ini() {
	local file=$1
	shift
	: >"$file.new"
	while [ $# -ge 3 ]; do
		printf '[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n' \
			"$1" "$2" "$3" >>"$file.new"
		shift 3
	done
	mv "$file.new" "$file"
}

n=0
# once NAME [VAR=VALUE...]: ship one new segment with --once, with only
# these variables (HOME=$T/home; the metadata service off unless told);
# $rc, $seg, the log in $T/NAME.log.
once() {
	local name=$1
	shift
	n=$((n + 1))
	seg=$(seg_name "$n")
	mkseg "$T/spool" "$seg"
	# RUN_AS is a command and its flags: split at blanks on purpose.
	# shellcheck disable=SC2086
	env -i PATH="$PATH" HOME="$T/home" ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
		UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" AWS_EC2_METADATA_DISABLED=true \
		"$@" ${RUN_AS:-} "$WGTAP_SHIP" "${flags[@]}" --once \
		--spool-dir "$T/spool" --max-attempts 2 --backoff-max 1 \
		>"$T/$name.log" 2>&1
	rc=$?
	echo "--- $name: exit $rc"
	cat "$T/$name.log"
}

# shipped NAME ACCOUNT ORIGIN: exit 0, the segment in that account, and
# the log names the origin in its one credentials line.
shipped() {
	eq "$1: exit 0" "$rc" 0
	eq "$1: the object is in account $2" "$(account_of "$seg")" "$2"
	eq "$1: one line says where the keys came from" \
		"$(grep 'credentials from' "$T/$1.log")" \
		"wgtap-ship: info: credentials from $3"
}

# refused NAME STATUS LINE: the run stopped with that status and exactly
# that one line, and the segment is still in the spool.
refused() {
	eq "$1: exit $2" "$rc" "$2"
	eq "$1: the one line" "$(cat "$T/$1.log")" "$3"
	check "$1: the segment stays" test -f "$T/spool/$seg"
	rm -f "$T/spool/$seg"
}

# The metadata stand-in: imds_start NAME ARGS...; $IMDS_URL, $IMDS_LOG.
imds_start() {
	local name=$1
	shift
	IMDS_LOG=$T/imds-$name.log
	: >"$IMDS_LOG"
	/usr/bin/python3 "$here/tools/imds.py" --log "$IMDS_LOG" "$@" \
		>"$T/imds-$name.port" 2>"$T/imds-$name.err" &
	_SHIP_PIDS+=("$!")
	if ! wait_for 20 grep -Eq '^[0-9]+$' "$T/imds-$name.port"; then
		cat "$T/imds-$name.err"
		not_ok "the metadata stand-in $name did not start"
		ship_done
	fi
	IMDS_URL=http://127.0.0.1:$(cat "$T/imds-$name.port")
}
imds_requests() { grep -c . "$IMDS_LOG"; }

# --- each source alone ------------------------------------------------------
once env AWS_ACCESS_KEY_ID="$K1" AWS_SECRET_ACCESS_KEY="$S1"
shipped env 1 "the environment"
ini "$T/cred/aws-credentials" default "$K2" "$S2"
once systemd CREDENTIALS_DIRECTORY="$T/cred"
shipped systemd 2 "systemd credential aws-credentials profile default"
ini "$T/home/.aws/credentials" default "$K1" "$S1"
once home
shipped home 1 "$T/home/.aws/credentials profile default"
rm "$T/home/.aws/credentials"
ini "$T/shared" default "$K1" "$S1" gw "$K2" "$S2"
once profile AWS_SHARED_CREDENTIALS_FILE="$T/shared" AWS_PROFILE=gw
shipped profile 2 "$T/shared profile gw"
once default AWS_SHARED_CREDENTIALS_FILE="$T/shared"
shipped default 1 "$T/shared profile default"
imds_start fixed --key "$K2" "$S2" --period 600 --grace 600
once imds AWS_EC2_METADATA_DISABLED= AWS_EC2_METADATA_SERVICE_ENDPOINT="$IMDS_URL"
eq "instance role: exit 0" "$rc" 0
eq "instance role: the object is in account 2" "$(account_of "$seg")" 2
check "instance role: the line names the role and the expiry" \
	grep -Eqx 'wgtap-ship: info: credentials from the instance role wgtap-test-role, expiring at [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z' "$T/imds.log"
eq "instance role: token, role, keys: three requests" "$(imds_requests)" 3

# --- precedence; no metadata request while an earlier source has keys --------
: >"$IMDS_LOG"
ini "$T/cred/aws-credentials" default "$K2" "$S2"
ini "$T/home/.aws/credentials" default "$K2" "$S2"
imds=(AWS_EC2_METADATA_DISABLED= AWS_EC2_METADATA_SERVICE_ENDPOINT="$IMDS_URL")
once p-env "${imds[@]}" CREDENTIALS_DIRECTORY="$T/cred" \
	AWS_ACCESS_KEY_ID="$K1" AWS_SECRET_ACCESS_KEY="$S1"
shipped p-env 1 "the environment"
ini "$T/cred/aws-credentials" default "$K1" "$S1"
once p-systemd "${imds[@]}" CREDENTIALS_DIRECTORY="$T/cred"
shipped p-systemd 1 "systemd credential aws-credentials profile default"
# The template scripts/install puts there (comments only) passes on.
cp "$here/../systemd/aws-credentials.example" "$T/cred/aws-credentials"
once p-home "${imds[@]}" CREDENTIALS_DIRECTORY="$T/cred"
shipped p-home 2 "$T/home/.aws/credentials profile default"
# Upgraded from the layout with the keys in ship.env: they are in the
# environment, the credential is the template; the old keys work.
once p-upgrade "${imds[@]}" CREDENTIALS_DIRECTORY="$T/cred" \
	AWS_ACCESS_KEY_ID="$K1" AWS_SECRET_ACCESS_KEY="$S1"
shipped p-upgrade 1 "the environment"
eq "no metadata request while an earlier source had keys" "$(imds_requests)" 0
rm "$T/home/.aws/credentials"
once p-imds "${imds[@]}" CREDENTIALS_DIRECTORY="$T/cred"
eq "nothing earlier: the instance role, exit 0" "$rc" 0
eq "nothing earlier: the instance role's account" "$(account_of "$seg")" 2
eq "nothing earlier: the metadata service was asked" "$(imds_requests)" 3

# --- bad inputs: one line each ------------------------------------------------
printf '[default]\naws_access_key_id AKIDBROKEN\n' >"$T/home/.aws/credentials"
once malformed
refused malformed 2 "wgtap-ship: error: $T/home/.aws/credentials: line 2: a line that is not [section], name = value or a comment"
ini "$T/home/.aws/credentials" default "$K1" "$S1"
once noprofile AWS_PROFILE=nope
refused noprofile 2 "wgtap-ship: error: $T/home/.aws/credentials: no profile [nope]"
# Unreadable: as root, the run is made as nobody (root reads anything).
mkdir -m 0755 "$T/nb"
ini "$T/nb/credentials" default "$K1" "$S1"
chmod 0600 "$T/nb/credentials"
if [ "$(id -u)" = 0 ]; then
	chmod 0711 "$T"
	RUN_AS="setpriv --reuid=nobody --regid=nogroup --clear-groups" \
		once unreadable AWS_SHARED_CREDENTIALS_FILE="$T/nb/credentials"
	chmod 0700 "$T"
else
	chmod 0000 "$T/nb/credentials"
	once unreadable AWS_SHARED_CREDENTIALS_FILE="$T/nb/credentials"
fi
refused unreadable 2 "wgtap-ship: error: $T/nb/credentials: Permission denied"
rm "$T/home/.aws/credentials"
once nothing
refused nothing 2 "wgtap-ship: error: no credentials found: AWS_ACCESS_KEY_ID is not set; CREDENTIALS_DIRECTORY is not set; $T/home/.aws/credentials does not exist; the instance metadata service is turned off (AWS_EC2_METADATA_DISABLED)"
/usr/bin/python3 -c '
import socket, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(600)' >"$T/closed.port" &
_SHIP_PIDS+=("$!")
wait_for 10 test -s "$T/closed.port" || not_ok "no closed port"
closed=$(cat "$T/closed.port")
once unreachable AWS_EC2_METADATA_DISABLED= \
	AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$closed"
sed -i -E 's/ after [0-9]+ ms: / after N ms: /' "$T/unreachable.log"
refused unreachable 1 "wgtap-ship: error: no credentials found: AWS_ACCESS_KEY_ID is not set; CREDENTIALS_DIRECTORY is not set; $T/home/.aws/credentials does not exist; instance metadata at http://127.0.0.1:$closed: token request: Failed to connect to 127.0.0.1 port $closed after N ms: Couldn't connect to server (Connection refused)"
imds_start norole --key "$K1" "$S1" --no-role
once norole AWS_EC2_METADATA_DISABLED= AWS_EC2_METADATA_SERVICE_ENDPOINT="$IMDS_URL"
refused norole 2 "wgtap-ship: error: no credentials found: AWS_ACCESS_KEY_ID is not set; CREDENTIALS_DIRECTORY is not set; $T/home/.aws/credentials does not exist; instance metadata at $IMDS_URL: role name: HTTP 404 (no instance role is attached)"

# daemon_start NAME [VAR=VALUE...]: the daemon, with only these variables;
# every line it writes gets the time it was read ($EPOCHREALTIME) in front.
# $DPID is the daemon's own PID.
daemon_start() {
	local name=$1
	shift
	: >"$T/$name.log"
	env -i PATH="$PATH" HOME="$T/home" ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
		UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" AWS_EC2_METADATA_DISABLED=true \
		"$@" "$WGTAP_SHIP" "${flags[@]}" --spool-dir "$T/spool" \
		--backoff-max 1 --metrics-file "$T/$name.prom" \
		> >(while IFS= read -r l; do
			printf '%s %s\n' "$EPOCHREALTIME" "$l"
		done >>"$T/$name.log") 2>&1 &
	DPID=$!
	_SHIP_PIDS+=("$DPID")
	wait_for 10 grep -q 'info: watching' "$T/$name.log" ||
		not_ok "$name: the daemon started"
}

# daemon_stop NAME: SIGTERM; wait until its last line is in the log.
daemon_stop() {
	ship_stop "$DPID"
	rc=$?
	wait_for 10 grep -q 'info: stopping on a signal' "$T/$1.log" ||
		not_ok "$1: the daemon's last line"
	return "$rc"
}

# no_secret_in_proc NAME PID WHERE...: the daemon's command line (and its
# environment, for keys that did not come from there) holds no secret.
no_secret_in_proc() {
	local name=$1 pid=$2 f s
	shift 2
	for f in "$@"; do
		if ! [ -r "/proc/$pid/$f" ]; then
			# a non-dumpable process's environment: root only
			echo "note: $name: /proc/PID/$f is not readable here"
			continue
		fi
		for s in "$S1" "$S2" wgtapIMDS-period; do
			if grep -qaF -- "$s" "/proc/$pid/$f"; then
				not_ok "$name: /proc/PID/$f holds a secret"
				return
			fi
		done
	done
	ok "$name: no secret in /proc/PID/{$(echo "$@" | tr ' ' ,)}"
}

# no_secret_in_metrics NAME: the daemon's --metrics-file, once written,
# holds no key id and no secret.
no_secret_in_metrics() {
	local f=$T/$1.prom s
	wait_for 10 test -s "$f" || { not_ok "$1: no metrics file"; return; }
	for s in "$K1" "$K2" "$S1" "$S2" wgtapIMDS-period; do
		if grep -qF -- "$s" "$f"; then
			not_ok "$1: the metrics file holds a key"
			return
		fi
	done
	ok "$1: no key in the metrics file"
}

# uploaded SEG LOG: the daemon logged the upload of SEG.
uploaded() { grep -q "info: uploaded $1 " "$2"; }

# --- a systemd credential: not in the environment -----------------------------
ini "$T/cred/aws-credentials" default "$K1" "$S1"
daemon_start sd CREDENTIALS_DIRECTORY="$T/cred"
no_secret_in_proc "systemd credential" "$DPID" cmdline environ
no_secret_in_metrics sd
daemon_stop sd
eq "systemd credential: the daemon stops with 0" "$?" 0

# --- a credentials file rewritten while the daemon runs ------------------------
ini "$T/rot" default "$K1" "$S1"
daemon_start rot AWS_SHARED_CREDENTIALS_FILE="$T/rot"
no_secret_in_proc "credentials file" "$DPID" cmdline environ
no_secret_in_metrics rot
n=$((n + 1)); a=$(seg_name "$n"); mkseg "$T/spool" "$a"
check "rotation: the first segment is shipped" wait_for 20 uploaded "$a" "$T/rot.log"
eq "rotation: with the first keys" "$(account_of "$a")" 1
ini "$T/rot" default "$K2" "$S2"
n=$((n + 1)); b=$(seg_name "$n"); mkseg "$T/spool" "$b"
check "rotation: the next segment is shipped" wait_for 20 uploaded "$b" "$T/rot.log"
eq "rotation: with the new keys, no restart" "$(account_of "$b")" 2
printf '[default]\naws_access_key_id = %s\n' "$K1" >"$T/rot"
n=$((n + 1)); c=$(seg_name "$n"); mkseg "$T/spool" "$c"
check "broken rewrite: the next segment is shipped" wait_for 20 uploaded "$c" "$T/rot.log"
eq "broken rewrite: with the keys in hand" "$(account_of "$c")" 2
ini "$T/rot" default "$K1" "$S1"
n=$((n + 1)); d=$(seg_name "$n"); mkseg "$T/spool" "$d"
check "fixed again: the next segment is shipped" wait_for 20 uploaded "$d" "$T/rot.log"
eq "fixed again: with the fixed keys" "$(account_of "$d")" 1
daemon_stop rot
eq "rotation: the daemon stops with 0" "$?" 0
eq "rotation: a credentials line at start and after each change" \
	"$(grep -c "info: credentials from $T/rot profile default\$" "$T/rot.log")" 3
eq "rotation: one warning for the broken file, none else" \
	"$(grep -c -e 'warning:' -e 'error:' "$T/rot.log")" 1
check "rotation: the warning says what is wrong and that the keys stay" \
	grep -q "warning: renewing the credentials: $T/rot profile default: aws_access_key_id is set but aws_secret_access_key is not; going on with the keys from $T/rot profile default\$" "$T/rot.log"

# --- instance-role keys rotating while the daemon ships continuously ----------
PERIOD=6
imds_start rotating --key "$K1" "$S1" --key "$K2" "$S2" --period "$PERIOD" \
	--grace 5
daemon_start roll AWS_EC2_METADATA_DISABLED= \
	AWS_EC2_METADATA_SERVICE_ENDPOINT="$IMDS_URL"
no_secret_in_proc "instance role" "$DPID" cmdline environ
no_secret_in_metrics roll
first=$((n + 1))
end=$((SECONDS + 5 * PERIOD + 2))
while [ "$SECONDS" -lt "$end" ]; do
	n=$((n + 1))
	mkseg "$T/spool" "$(seg_name "$n")"
	sleep 0.3
done
last=$n
check "roll: the spool empties" wait_for 30 spool_empty "$T/spool"
daemon_stop roll
eq "roll: the daemon stops with 0" "$?" 0
echo "# roll: $((last - first + 1)) segments, $(grep -c 'credentials from' "$T/roll.log") key changes"
eq "roll: no error or warning at all" \
	"$(grep -c -e 'error:' -e 'warning:' "$T/roll.log")" 0
# Which pair each fetch handed out, in order, and when each set of keys
# was logged: each upload's account must be that of the keys in force.
mapfile -t fetched < <(sed -n 's/^GET .*wgtap-test-role .*status=200 keys=\([01]\) .*/\1/p' "$IMDS_LOG")
eq "roll: one credentials line per fetch" \
	"$(grep -c 'credentials from the instance role' "$T/roll.log")" \
	"${#fetched[@]}"
k=-1 idx=-1 exp=0 wrong=0 late=0 switches=0 prev_acct=
declare -A want_acct=()
while read -r stamp rest; do
	case $rest in
	*"credentials from the instance role"*)
		k=$((k + 1))
		idx=${fetched[k]:--1}
		exp=$(date -u -d "${rest##*expiring at }" +%s) ;;
	*"info: uploaded "*)
		s=${rest#*info: uploaded }
		s=${s%% *}
		want_acct[$s]=$((idx + 1))
		# the line was read after the upload ended: so it was signed
		# before this time, which must be before the keys expired
		if ! awk -v t="$stamp" -v e="$exp" 'BEGIN { exit !(t < e) }'; then
			late=$((late + 1))
			echo "  $s logged at $stamp, keys expired at $exp"
		fi ;;
	esac
done <"$T/roll.log"
for ((i = first; i <= last; i++)); do
	s=$(seg_name "$i")
	got=$(account_of "$s")
	if [ "$got" != "${want_acct[$s]:-?}" ]; then
		wrong=$((wrong + 1))
		echo "  $s: in account $got, signed with pair ${want_acct[$s]:-?}"
	fi
	if [ -n "$prev_acct" ] && [ "$got" != "$prev_acct" ]; then
		switches=$((switches + 1))
	fi
	prev_acct=$got
done
eq "roll: every segment in the account of the keys then in force" "$wrong" 0
eq "roll: every upload before its keys expired" "$late" 0
check "roll: uploads switched accounts at least 3 times ($switches)" \
	test "$switches" -ge 3

# --- nothing secret in any output -----------------------------------------
cat "$T"/*.log >"$T/all"
for s in "$S1" "$S2" wgtapIMDS-period; do
	check "no output holds '${s:0:9}...'" test "$(grep_count "$s" "$T/all")" = 0
done
ship_done
