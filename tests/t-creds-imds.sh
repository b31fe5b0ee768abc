#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The credential chain's instance-role source (wgtap-ship/imds.c through
# wgtap-ship/creds.c), driven by tests/tools/credsprobe against
# tests/tools/imds.py, a local IMDSv2 stand-in on 127.0.0.1 that refuses
# requests without a session token and rotates between two key pairs:
#   - the client takes a token by PUT and sends it with both GETs, and the
#     keys, expiry and origin line are the ones handed out;
#   - keys are renewed ahead of expiry across several rotations, and are
#     never held past their expiry;
#   - AWS_EC2_METADATA_DISABLED=true, and keys from the environment, a
#     systemd credential or a credentials file: no request at all;
#   - no role, expired keys, a Code other than Success: one line each;
#   - off EC2: a refused port on 127.0.0.1, and (as root, in a network
#     namespace made here) an address that drops packets and the default
#     169.254.169.254 without a route: each well under a second;
#   - no secret or token appears in any output or log.
# wgtap-ship itself shipping across rotations, against Swift, is
# tests/t-ship-creds.sh.
# Helper functions run indirectly, through trap, check and wait_for.
# shellcheck disable=SC2317
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"

top=${WGTAP_TOP:-$(cd "$here/.." && pwd)}
PROBE=${WGTAP_CREDSPROBE:-}
if [ -z "$PROBE" ]; then
	if [ -n "${WGTAP_SAN:-}" ]; then
		PROBE=$top/build-san/tests/credsprobe
	else
		PROBE=$top/build/tests/credsprobe
	fi
fi
[ -x "$PROBE" ] || skip "credsprobe is not built ($PROBE); run make check"
command -v python3 >/dev/null || skip "python3 is not installed"

T=$(mktemp -d /tmp/t-creds-imds.XXXXXX)
NS=wgtap-creds-$$
declare -a PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	ip netns pids "$NS" >/dev/null 2>&1 && ip netns del "$NS"
	rm -rf "$T"
}
trap cleanup EXIT
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
mkdir -p "$T/home"

SECRET_A=wgtapIMDSsecretA-7c1e9d
SECRET_B=wgtapIMDSsecretB-40aa3f

# imds_start NAME ARGS...: run the stand-in; $IMDS_URL, $IMDS_LOG.
imds_start() {
	local name=$1
	shift
	IMDS_LOG=$T/$name.log
	: >"$IMDS_LOG"
	python3 "$here/tools/imds.py" --log "$IMDS_LOG" "$@" \
		>"$T/$name.port" 2>"$T/$name.err" &
	PIDS+=($!)
	if ! wait_for 20 grep -Eq '^[0-9]+$' "$T/$name.port"; then
		cat "$T/$name.err"
		not_ok "the IMDS stand-in $name did not start"
		finish
	fi
	IMDS_URL=http://127.0.0.1:$(cat "$T/$name.port")
}

# probe VAR=VALUE... ARGS...: credsprobe with only the given environment.
probe() {
	env -i PATH="$PATH" HOME="$T/home" ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
		UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" "$@"
}

# field NAME FILE [N]: NAME=value from the Nth "keys" line (default 1).
field() {
	grep '^keys ' "$2" | sed -n "${3:-1}p" | tr ' ' '\n' |
		sed -n "s/^$1=//p"
}

lines() { wc -l <"$1" | tr -d ' '; }
sha16() { printf '%s' "$1" | sha256sum | cut -c1-16; }
# The time creds_load() took, as the probe measured it (without the start
# of the process or of "ip netns exec").
load_ms() { sed -n 's/^load_ms=//p' "$1"; }

# --- the token is insisted on, and the client sends it ---------------------
imds_start main --key AKIDIMDSA "$SECRET_A" --key AKIDIMDSB "$SECRET_B" \
	--period 4 --grace 2
eq "without the token header the stand-in answers 401" \
	"$(curl -s -o /dev/null -w '%{http_code}' \
		"$IMDS_URL/latest/meta-data/iam/security-credentials/")" 401
eq "a token request without its TTL header gets 400" \
	"$(curl -s -o /dev/null -w '%{http_code}' -X PUT \
		"$IMDS_URL/latest/api/token")" 400
: >"$IMDS_LOG"
probe AWS_EC2_METADATA_SERVICE_ENDPOINT="$IMDS_URL" "$PROBE" load \
	>"$T/load.out" 2>&1
rc=$?
cat "$T/load.out"
eq "load from the instance role: exit 0" "$rc" 0
cat "$IMDS_LOG"
check "three requests: token, role name, credentials, with the token" \
	test "$(cut -d' ' -f1-4 "$IMDS_LOG")" = \
"PUT /latest/api/token token=no status=200
GET /latest/meta-data/iam/security-credentials/ token=yes status=200
GET /latest/meta-data/iam/security-credentials/wgtap-test-role token=yes status=200"
idx=$(sed -n 's/.* keys=\([0-9]*\) .*/\1/p' "$IMDS_LOG")
if [ "$idx" = 0 ]; then want_id=AKIDIMDSA want_secret=$SECRET_A
else want_id=AKIDIMDSB want_secret=$SECRET_B; fi
eq "the key ID handed out" "$(field access_key_id "$T/load.out")" "$want_id"
eq "the secret handed out (its SHA-256)" \
	"$(field secret_sha256 "$T/load.out")" "$(sha16 "$want_secret")"
eq "a session token came with them" "$(field session_token "$T/load.out")" yes
exp=$(field expiration "$T/load.out")
now=$(field now "$T/load.out")
check "the expiry is ahead, within the stand-in's period and grace" \
	test "$exp" -gt "$now" -a "$exp" -le $((now + 6))
eq "the origin line names the role and the expiry" \
	"$(grep -o 'origin=.*' "$T/load.out")" \
	"origin=the instance role wgtap-test-role, expiring at $(date -u -d "@$exp" +%Y-%m-%dT%H:%M:%SZ)"

# --- rotation: renewed ahead of expiry, never held expired -----------------
: >"$IMDS_LOG"
probe AWS_EC2_METADATA_SERVICE_ENDPOINT="$IMDS_URL" "$PROBE" watch 15 \
	>"$T/watch.out" 2>&1
rc=$?
cat "$T/watch.out"
eq "watch: exit 0" "$rc" 0
gens=$(sed -n 's/^done generations=\([0-9]*\) .*/\1/p' "$T/watch.out")
check "three rotations or more in 15 s of 4 s periods (generations $gens)" \
	test "${gens:-0}" -ge 4
check "no refresh failed and the keys were never held expired" \
	grep -q ' failures=0 expired=0$' "$T/watch.out"
# Each change brings the other pair, whose secret matches its ID.
ids=$(grep '^keys ' "$T/watch.out" | tr ' ' '\n' | sed -n 's/^access_key_id=//p')
alternating=yes
prev=
while read -r id; do
	[ "$id" != "$prev" ] || alternating=no
	prev=$id
done <<<"$ids"
eq "every renewal brought the other key pair" "$alternating" yes
pairs_ok=yes
while read -r line; do
	id=$(tr ' ' '\n' <<<"$line" | sed -n 's/^access_key_id=//p')
	sum=$(tr ' ' '\n' <<<"$line" | sed -n 's/^secret_sha256=//p')
	case $id in
	AKIDIMDSA) [ "$sum" = "$(sha16 "$SECRET_A")" ] || pairs_ok=no ;;
	AKIDIMDSB) [ "$sum" = "$(sha16 "$SECRET_B")" ] || pairs_ok=no ;;
	*) pairs_ok=no ;;
	esac
done < <(grep '^keys ' "$T/watch.out")
eq "each key ID came with its own secret" "$pairs_ok" yes
renewed_early=yes
prev_exp=
while read -r line; do
	e=$(tr ' ' '\n' <<<"$line" | sed -n 's/^expiration=//p')
	n=$(tr ' ' '\n' <<<"$line" | sed -n 's/^now=//p')
	if [ -n "$prev_exp" ] && [ "$n" -ge "$prev_exp" ]; then
		renewed_early=no
	fi
	prev_exp=$e
done < <(grep '^keys ' "$T/watch.out")
eq "each renewal came before the old keys expired" "$renewed_early" yes
eq "every GET carried the token" "$(grep -c '^GET .* token=no' "$IMDS_LOG")" 0

# --- no request when the source is off or an earlier one has keys ----------
: >"$IMDS_LOG"
probe AWS_EC2_METADATA_SERVICE_ENDPOINT="$IMDS_URL" \
	AWS_EC2_METADATA_DISABLED=true "$PROBE" load >"$T/off.out" 2>&1
rc=$?
cat "$T/off.out"
eq "AWS_EC2_METADATA_DISABLED=true: exit 1" "$rc" 1
check "AWS_EC2_METADATA_DISABLED=true: the line says so" \
	grep -q '^error: no credentials found: .*the instance metadata service is turned off (AWS_EC2_METADATA_DISABLED)$' "$T/off.out"
probe AWS_EC2_METADATA_SERVICE_ENDPOINT="$IMDS_URL" \
	AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY=env-secret \
	"$PROBE" load >"$T/env.out" 2>&1
check "environment keys win" grep -q 'access_key_id=AKIDENV .*origin=the environment$' "$T/env.out"
mkdir -p "$T/cred" "$T/home/.aws"
printf '[default]\naws_access_key_id = AKIDSYSTEMD\naws_secret_access_key = s\n' \
	>"$T/cred/aws-credentials"
probe AWS_EC2_METADATA_SERVICE_ENDPOINT="$IMDS_URL" \
	CREDENTIALS_DIRECTORY="$T/cred" "$PROBE" load >"$T/sd.out" 2>&1
check "a systemd credential wins" grep -q 'access_key_id=AKIDSYSTEMD .*origin=systemd credential aws-credentials profile default$' "$T/sd.out"
printf '[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n' \
	>"$T/home/.aws/credentials"
probe AWS_EC2_METADATA_SERVICE_ENDPOINT="$IMDS_URL" "$PROBE" load \
	>"$T/file.out" 2>&1
check "a credentials file wins" grep -q "access_key_id=AKIDFILE .*origin=$T/home/.aws/credentials profile default\$" "$T/file.out"
rm "$T/home/.aws/credentials"
eq "no request reached the metadata service in those four runs" \
	"$(lines "$IMDS_LOG")" 0

# --- what goes wrong, in one line -------------------------------------------
imds_start norole --key AKIDIMDSA "$SECRET_A" --no-role
probe AWS_EC2_METADATA_SERVICE_ENDPOINT="$IMDS_URL" "$PROBE" load \
	>"$T/norole.out" 2>&1
rc=$?
cat "$T/norole.out"
eq "no role attached: exit 1" "$rc" 1
check "no role attached: said so" grep -q "^error: no credentials found: .*instance metadata at $IMDS_URL: role name: HTTP 404 (no instance role is attached)\$" "$T/norole.out"
imds_start expired --key AKIDIMDSA "$SECRET_A" --expired
probe AWS_EC2_METADATA_SERVICE_ENDPOINT="$IMDS_URL" "$PROBE" load \
	>"$T/expired.out" 2>&1
rc=$?
cat "$T/expired.out"
eq "expired keys: exit 1" "$rc" 1
check "expired keys: said so, with the time" grep -Eq '^error: the instance role wgtap-test-role: the keys it hands out expired at [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "$T/expired.out"
imds_start failure --key AKIDIMDSA "$SECRET_A" --code AssumeRoleUnauthorizedAccess
probe AWS_EC2_METADATA_SERVICE_ENDPOINT="$IMDS_URL" "$PROBE" load \
	>"$T/code.out" 2>&1
rc=$?
cat "$T/code.out"
eq "a failing Code: exit 1" "$rc" 1
check "a failing Code: named" grep -q "^error: instance metadata at $IMDS_URL: credentials of role wgtap-test-role: Code AssumeRoleUnauthorizedAccess\$" "$T/code.out"

# --- off EC2: how long the attempt costs ------------------------------------
# A port that is bound but not listening refuses connections.
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(3600)' >"$T/closed.port" &
PIDS+=($!)
wait_for 20 grep -Eq '^[0-9]+$' "$T/closed.port" || not_ok "no closed port"
closed=http://127.0.0.1:$(cat "$T/closed.port")
probe AWS_EC2_METADATA_SERVICE_ENDPOINT="$closed" "$PROBE" load \
	>"$T/closed.out" 2>&1
rc=$?
ms=$(load_ms "$T/closed.out")
cat "$T/closed.out"
echo "# refused port: ${ms} ms"
eq "refused port: exit 1" "$rc" 1
check "refused port: the line names the endpoint and the step" grep -q "^error: no credentials found: .*instance metadata at $closed: token request: .*(Connection refused)" "$T/closed.out"
check "refused port: well under a second (${ms} ms)" test "$ms" -lt 500

if [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	# The default endpoint with no route to it: refused at once.
	ip netns exec "$NS" env -i PATH="$PATH" HOME="$T/home" \
		ASAN_OPTIONS="${ASAN_OPTIONS:-}" "$PROBE" load \
		>"$T/noroute.out" 2>&1
	rc=$?
	ms=$(load_ms "$T/noroute.out")
	cat "$T/noroute.out"
	echo "# 169.254.169.254 without a route: ${ms} ms"
	eq "no route: exit 1" "$rc" 1
	check "no route: the default endpoint is named, and why" grep -q "instance metadata at http://169.254.169.254: token request: .*(Network is unreachable)" "$T/noroute.out"
	check "no route: well under a second (${ms} ms)" test "$ms" -lt 500
	# An address on a link where nobody answers ARP: the SYN never
	# leaves, and the connect timeout ends the attempt.
	ip -n "$NS" link add v0 type veth peer name v1
	ip -n "$NS" addr add 192.0.2.1/24 dev v0
	ip -n "$NS" link set v0 up
	ip -n "$NS" link set v1 up
	ip netns exec "$NS" env -i PATH="$PATH" HOME="$T/home" \
		ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
		AWS_EC2_METADATA_SERVICE_ENDPOINT=http://192.0.2.254 \
		"$PROBE" load >"$T/drop.out" 2>&1
	rc=$?
	ms=$(load_ms "$T/drop.out")
	cat "$T/drop.out"
	echo "# packets dropped: ${ms} ms"
	eq "packets dropped: exit 1" "$rc" 1
	check "packets dropped: the connect timed out" grep -qi "instance metadata at http://192.0.2.254: token request: .*time" "$T/drop.out"
	check "packets dropped: the connect timeout, under a second (${ms} ms)" \
		test "$ms" -ge 240 -a "$ms" -lt 1000
	ip netns del "$NS"
else
	echo "# not root: the network-namespace timings are skipped"
fi

# --- nothing secret in any output ------------------------------------------
leaks=$(grep -l -e "$SECRET_A" -e "$SECRET_B" -e 'wgtapIMDS-period' \
	"$T"/*.out "$T"/*.log "$T"/*.err 2>/dev/null)
eq "no secret or session token in any output or log" "$leaks" ""

finish
