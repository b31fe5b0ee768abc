#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wgtap-ship --check against a real S3 server (Swift with s3api behind
# TLS, its certificate from a throwaway CA): each case prints exactly its
# lines on stdout, nothing on stderr, and exits 0 (it works) or 1 (it does
# not); a usage error exits 2. The cases: everything right (the object is
# put, then deleted: nothing stays), a wrong secret, a bucket that does not
# exist, an endpoint that refuses connections, a certificate nobody here
# trusts (no --ca-file, or the wrong CA), a clock an hour off (libfaketime),
# a host name that does not resolve (as root, in a network namespace with
# no network), no credentials at all, keys from a systemd credential and
# an instance role that cannot be reached. No key appears in any output,
# and --check leaves the spool alone.
# Helper functions run indirectly, through check and wait_for.
# shellcheck disable=SC2317,SC2119
set -u
# shellcheck source=lib/ship.sh
. "$(dirname "$0")/lib/ship.sh"
ship_init
ship_need_swift --https
SECRET_WRONG='wgtapSECRET-91c3e7aa-wrong'
mkdir -p "$T/spool" "$T/home" "$T/cred"
seg=$(seg_name 1)
mkseg "$T/spool" "$seg"
port=${SWIFT_ENDPOINT##*:}
key=wgtap/wgtap-check/$HOST_LABEL

# chk NAME [VAR=VALUE...] -- ARGS...: wgtap-ship --check with only the
# given environment (and the Swift keys unless overridden); $rc, $out,
# $err. Every output also goes to $T/all.
chk() {
	local name=$1
	shift
	local vars=()
	while [ "$1" != -- ]; do
		vars+=("$1")
		shift
	done
	shift
	# CHK_WRAP is a command and its flags: split at blanks on purpose.
	# shellcheck disable=SC2086
	env -i PATH="$PATH" HOME="$T/home" ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
		UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" AWS_EC2_METADATA_DISABLED=true \
		AWS_ACCESS_KEY_ID="$SWIFT_ACCESS_KEY" \
		AWS_SECRET_ACCESS_KEY="$SWIFT_SECRET_KEY" "${vars[@]}" \
		${CHK_WRAP:-} "$WGTAP_SHIP" --check --storage-bucket "$BUCKET" \
		--storage-region "$SWIFT_REGION" --host-label "$HOST_LABEL" \
		"$@" >"$T/$name.out" 2>"$T/$name.log"
	rc=$?
	out=$(sed -E -e 's/, [0-9]+\.[0-9]+ s\)$/, S s)/' \
		-e 's/ after [0-9]+ ms: / after N ms: /' "$T/$name.out")
	err=$(cat "$T/$name.log")
	cat "$T/$name.out" "$T/$name.log" >>"$T/all"
	echo "--- $name: exit $rc"
	cat "$T/$name.out" "$T/$name.log"
}
good=(--storage-endpoint "$SWIFT_ENDPOINT" --ca-file "$SWIFT_CA_FILE")
ok_lines="credentials: ok: the environment
endpoint: ok: 127.0.0.1 port $port, https (an address: nothing to look up)
connect: ok: 127.0.0.1 port $port, TLS, certificate verified"

# (1) Everything right.
chk good -- "${good[@]}"
eq "working: exit status" "$rc" 0
eq "working: nothing on stderr" "$err" ""
eq "working: the lines" "$out" "$ok_lines
upload: ok: s3://$BUCKET/$key (HTTP 200, S s)
delete: ok: s3://$BUCKET/$key (HTTP 204)"
check "working: the object was deleted again" \
	test -z "$(swift_list "$BUCKET" wgtap/)"
check "working: the PUT reached the store" \
	test "$(swift_put_count --2xx "$BUCKET" "$key")" = 1

# (2) A wrong secret.
chk secret AWS_SECRET_ACCESS_KEY="$SECRET_WRONG" -- "${good[@]}"
eq "wrong secret: exit status" "$rc" 1
eq "wrong secret: nothing on stderr" "$err" ""
eq "wrong secret: the lines" "$out" "$ok_lines
upload: FAILED: HTTP 403 SignatureDoesNotMatch: the secret key is wrong, or the region is: the bucket must be in --storage-region $SWIFT_REGION"

# (3) A bucket that does not exist.
chk bucket -- "${good[@]}" --storage-bucket wgtap-no-such-bucket
eq "missing bucket: exit status" "$rc" 1
eq "missing bucket: the lines" "$out" "$ok_lines
upload: FAILED: HTTP 404 NoSuchBucket: there is no bucket wgtap-no-such-bucket at this endpoint: check --storage-bucket and --storage-endpoint"

# (4) An endpoint that refuses connections: a port bound, not listening.
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(600)' >"$T/closed.port" &
_SHIP_PIDS+=("$!")
wait_for 10 test -s "$T/closed.port" || not_ok "no closed port"
closed=$(cat "$T/closed.port")
chk refused -- --storage-endpoint "https://127.0.0.1:$closed"
eq "refused: exit status" "$rc" 1
eq "refused: the lines" "$out" "credentials: ok: the environment
endpoint: ok: 127.0.0.1 port $closed, https (an address: nothing to look up)
connect: FAILED: Failed to connect to 127.0.0.1 port $closed after N ms: Couldn't connect to server (Connection refused): nothing accepts connections there: check the host and port of --storage-endpoint, and firewalls"

# (5) A certificate from a CA nobody here trusts, then the wrong CA.
untrusted="credentials: ok: the environment
endpoint: ok: 127.0.0.1 port $port, https (an address: nothing to look up)
connect: FAILED: SSL certificate problem: unable to get local issuer certificate: the server's certificate is not trusted: give the CA that signed it with --ca-file, or use the host name the certificate is for"
chk untrusted -- --storage-endpoint "$SWIFT_ENDPOINT"
eq "untrusted certificate: exit status" "$rc" 1
eq "untrusted certificate: the lines" "$out" "$untrusted"
chk wrongca -- --storage-endpoint "$SWIFT_ENDPOINT" \
	--ca-file "$SWIFT_WRONG_CA_FILE"
eq "the wrong CA: exit status" "$rc" 1
eq "the wrong CA: the lines" "$out" "$untrusted"

# (6) A clock an hour off (libfaketime is preloaded; ASan wants to come
# first, so let it not). An hour ahead, the store refuses the signature's
# time; an hour behind, the certificate (made just now) is not valid yet.
if command -v faketime >/dev/null; then
	CHK_WRAP="faketime -f +1h" chk skew \
		ASAN_OPTIONS=verify_asan_link_order=0 -- "${good[@]}"
	eq "clock an hour ahead: exit status" "$rc" 1
	eq "clock an hour ahead: the lines" "$out" "$ok_lines
upload: FAILED: HTTP 403 RequestTimeTooSkewed: this host's clock is more than 15 minutes off: set it right (NTP, timedatectl)"
	CHK_WRAP="faketime -f -1h" chk behind \
		ASAN_OPTIONS=verify_asan_link_order=0 -- "${good[@]}"
	eq "clock an hour behind: exit status" "$rc" 1
	eq "clock an hour behind: the lines" "$out" "credentials: ok: the environment
endpoint: ok: 127.0.0.1 port $port, https (an address: nothing to look up)
connect: FAILED: SSL certificate problem: certificate is not yet valid: the certificate is not valid at this host's time: is the clock right (NTP, timedatectl)?"
else
	echo "note: faketime not installed: the skewed-clock case is skipped"
fi

# (7) A host name that does not resolve: without any network (a new,
# empty network namespace), so the lookup fails here and nothing leaves.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	CHK_WRAP="unshare -n" chk dns -- \
		--storage-endpoint https://no-such-host.invalid:9000
	eq "unresolvable: exit status" "$rc" 1
	eq "unresolvable: two lines" "$(grep -c . <<<"$out")" 2
	check "unresolvable: the endpoint line names the host and the cause" \
		grep -Eqx "endpoint: FAILED: no-such-host.invalid: [A-Za-z ]+: the host name does not resolve: check --storage-endpoint and this host's DNS" <<<"$out"
else
	echo "note: not root: the unresolvable-endpoint case needs unshare -n"
fi

# (8) No credentials anywhere; keys from a systemd credential; an
# instance role that cannot be reached.
chk nocreds AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= -- "${good[@]}"
eq "no credentials: exit status" "$rc" 1
eq "no credentials: the one line" "$out" "credentials: FAILED: no credentials found: AWS_ACCESS_KEY_ID is not set; CREDENTIALS_DIRECTORY is not set; $T/home/.aws/credentials does not exist; the instance metadata service is turned off (AWS_EC2_METADATA_DISABLED)"
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
	"$SWIFT_ACCESS_KEY" "$SWIFT_SECRET_KEY" >"$T/cred/aws-credentials"
chk systemd AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= \
	CREDENTIALS_DIRECTORY="$T/cred" -- "${good[@]}"
eq "systemd credential: exit status" "$rc" 0
eq "systemd credential: the first line names it" "$(head -n 1 <<<"$out")" \
	"credentials: ok: systemd credential aws-credentials profile default"
eq "systemd credential: all five steps" "$(grep -c ': ok: ' <<<"$out")" 5
chk imds AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= \
	AWS_EC2_METADATA_DISABLED= \
	AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$closed" -- \
	"${good[@]}"
eq "unreachable instance role: exit status" "$rc" 1
eq "unreachable instance role: the one line" "$out" "credentials: FAILED: no credentials found: AWS_ACCESS_KEY_ID is not set; CREDENTIALS_DIRECTORY is not set; $T/home/.aws/credentials does not exist; instance metadata at http://127.0.0.1:$closed: token request: Failed to connect to 127.0.0.1 port $closed after N ms: Couldn't connect to server (Connection refused)"

# (9) Usage errors exit 2 with one line on stderr, before any step.
chk usage -- "${good[@]}" --once
eq "--check --once: exit status" "$rc" 2
eq "--check --once: one line" "$err" \
	"wgtap-ship: error: --check goes with neither --once nor FILE arguments"
eq "--check --once: no step ran" "$out" ""
chk usage2 -- "${good[@]}" --ca-file "$T/nonexistent.pem"
eq "--check, missing CA file: exit status" "$rc" 2
eq "--check, missing CA file: one line" "$err" \
	"wgtap-ship: error: --ca-file $T/nonexistent.pem: No such file or directory"

check "--check left the spool alone" test -s "$T/spool/$seg"
check "no output holds the secret key" \
	test "$(grep_count "$SWIFT_SECRET_KEY" "$T/all")" = 0
check "no output holds the wrong secret" \
	test "$(grep_count "$SECRET_WRONG" "$T/all")" = 0
ship_done
