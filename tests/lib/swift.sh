# shellcheck shell=bash
#
# tests/lib/swift.sh - run a real, throwaway S3 server for integration tests.
#
# The server is OpenStack Swift (Debian packages swift-proxy, swift-account,
# swift-container, swift-object) with the s3api middleware in front of
# tempauth, plus a private memcached.  It is a genuine S3 implementation: it
# checks SigV4 signatures, the x-amz-content-sha256 payload hash and
# Content-MD5, so a client that gets those wrong fails here as it would on AWS.
#
# Usage (from a test script):
#
#   . "$here/lib/swift.sh"
#   swift_available || { echo "swift not installed"; exit 77; }
#   trap 'swift_stop; rm -rf "$tmp"' EXIT
#   swift_start "$tmp/swift" [--https]
#   swift_create_bucket mybucket
#   ... point the code under test at $SWIFT_ENDPOINT ...
#
# Functions (all return non-zero on failure, with a message on stderr):
#   swift_available             0 if Swift & co. are installed, else 1 and
#                               $SWIFT_UNAVAILABLE_REASON
#   swift_start DIR [--https]   start everything under DIR and wait for it;
#                               returns 77 if Swift is not installed
#   swift_stop                  stop everything (by PID); idempotent
#   swift_create_bucket NAME
#   swift_make_bucket NAME [SECS]  create it, retrying for up to SECS (30)
#                               while a fresh server refuses; a 409 after a
#                               try whose answer was lost counts as made
#   swift_usable_bucket NAME [SECS]  swift_make_bucket, then wait until a
#                               PUT into it works (it leaves probe/ready)
#   swift_put FILE BUCKET/KEY   upload with Content-MD5
#   swift_get BUCKET/KEY OUTFILE
#   swift_list BUCKET [PREFIX]  keys, one per line, all pages
#   swift_curl [CURL-ARGS] /PATH  any signed request (see below)
#   swift_path BUCKET/KEY       the canonically encoded "/BUCKET/KEY"
#   swift_content_md5 FILE      a Content-MD5 header value
#   swift_put_count [--2xx] BUCKET KEY   PUTs for the key in the access log
#   swift_put_count_2xx BUCKET KEY       same as --2xx
#   swift_log_sync              wait until the proxy's access log holds the
#                               lines of every request answered so far
#   swift_kill_proxy / swift_start_proxy      SIGKILL / restart and wait
#   swift_stop_proxy / swift_cont_proxy       SIGSTOP / SIGCONT
#   swift_kill_object / swift_start_object    SIGKILL / restart and wait
#
# Keys are given unencoded (e.g. "b/host=gw1/a+b.csv"); the helpers encode
# them.  Call swift_start in the test's own shell, not in $(...) or a
# pipeline, or the PIDs it records are lost with the subshell.
#
# Differences from AWS worth knowing: bucket names are per account (the
# second user can create a bucket with the same name), re-creating your own
# bucket gives 409 BucketAlreadyOwnedByYou, and a request with no S3
# authentication at all is not seen as S3 (Swift answers it with a 400,
# where AWS says 403 AccessDenied); unsigned or badly signed S3 requests get
# 403 as on AWS.
#
# Everything (configuration, rings, object data, logs, TLS material) lives
# under the directory given to swift_start.  Every process is started by this
# file as a child of the calling shell and is stopped by PID, never by name.
# All sockets are bound to 127.0.0.1 and no traffic leaves 127.0.0.0/8.
#
# Exported after swift_start:
#   SWIFT_ENDPOINT      http://127.0.0.1:PORT (https:// with --https)
#   SWIFT_ACCESS_KEY    test:tester        (tempauth "account:user")
#   SWIFT_SECRET_KEY    testing
#   SWIFT_ACCESS_KEY2   test2:tester2      (a second, unrelated account)
#   SWIFT_SECRET_KEY2   testing2
#   SWIFT_REGION        us-east-1
#   SWIFT_PROXY_LOG     file holding the proxy's log, one access line/request
#   SWIFT_PROXY_PID     PID of the proxy server
#   SWIFT_DIR           the directory given to swift_start (absolute)
#   SWIFT_CA_FILE       CA certificate that signed the proxy's (--https only)
#   SWIFT_WRONG_CA_FILE an unrelated CA certificate (--https only)
# Set by the request helpers: SWIFT_HTTP_STATUS (status of the last request).
#
# Environment read:
#   WGTAP_SWIFT_CACHE   where built rings are cached
#                       (default /tmp/wgtap-swift-rings-$UID)
#   SWIFT_START_TIMEOUT seconds to wait for the servers to answer (default 60)

# shellcheck source=tests/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# The Swift servers are Python programs that need the distribution's
# interpreter (the one python3-swift is installed for), whatever python3
# happens to be first in PATH.
_SWIFT_PY=/usr/bin/python3
_SWIFT_SERVERS="account container object proxy"

# State of the running instance.  Sourcing this file a second time must not
# forget the processes already started.
if ! declare -p _SWIFT_PID >/dev/null 2>&1; then
	declare -gA _SWIFT_PID=() _SWIFT_START=()
	declare -g _SWIFT_HTTPS=0 _SWIFT_LOCKFD=""
	declare -g _SWIFT_PORT_PROXY="" _SWIFT_PORT_ACCOUNT="" _SWIFT_PORT_CONTAINER=""
	declare -g _SWIFT_PORT_OBJECT="" _SWIFT_PORT_MEMCACHED="" _SWIFT_PORT_SYSLOG=""
fi

_swift_log() { printf 'swift: %s\n' "$*" >&2; }

# swift_available: 0 if everything needed to run the server is installed,
# 1 otherwise (the reason is in $SWIFT_UNAVAILABLE_REASON and on stderr).
swift_available() {
	local c
	SWIFT_UNAVAILABLE_REASON=""
	for c in swift-ring-builder swift-proxy-server swift-account-server \
		swift-container-server swift-object-server memcached curl; do
		if ! command -v "$c" >/dev/null 2>&1; then
			SWIFT_UNAVAILABLE_REASON="$c not found (apt-get install swift-proxy swift-account swift-container swift-object memcached curl)"
			break
		fi
	done
	if [ -z "$SWIFT_UNAVAILABLE_REASON" ] && ! [ -x "$_SWIFT_PY" ]; then
		SWIFT_UNAVAILABLE_REASON="$_SWIFT_PY not found"
	fi
	# Locate the s3api package without importing Swift (that takes a second).
	if [ -z "$SWIFT_UNAVAILABLE_REASON" ] && ! "$_SWIFT_PY" -c '
import importlib.util, os, sys
spec = importlib.util.find_spec("swift")
sys.exit(not (spec and any(os.path.isfile(os.path.join(d, "common", "middleware", "s3api", "s3api.py"))
                           for d in spec.submodule_search_locations or [])))' 2>/dev/null; then
		SWIFT_UNAVAILABLE_REASON="python3-swift (with s3api) cannot be imported by $_SWIFT_PY"
	fi
	export SWIFT_UNAVAILABLE_REASON
	if [ -n "$SWIFT_UNAVAILABLE_REASON" ]; then
		_swift_log "unavailable: $SWIFT_UNAVAILABLE_REASON"
		return 1
	fi
	return 0
}

# Percent-encode $1 byte by byte exactly like s3api's canonicalisation
# (Python's quote() with safe="-_.~" plus $2): curl 7.88 signs the path and
# query exactly as written, so what we send must already be canonical.
_swift_pct() {
	local LC_ALL=C s=$1 extra=${2:-} out="" c h i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[A-Za-z0-9._~-]) out+=$c ;;
		*)
			if [ -n "$extra" ] && [[ $extra == *"$c"* ]]; then
				out+=$c
			else
				printf -v h '%%%02X' "'$c"
				out+=$h
			fi
			;;
		esac
	done
	printf '%s' "$out"
}

# Decode %XX sequences (used for listings asked with encoding-type=url).
_swift_pct_decode() {
	local s=${1//\\/\\\\}
	printf '%b' "${s//%/\\x}"
}

# swift_path BUCKET/KEY: "/BUCKET/KEY" encoded the way S3 canonicalises
# it, ready for swift_curl (e.g. swift_curl -I "$(swift_path b/k=1)").
swift_path() { printf '/%s\n' "$(_swift_pct "$1" /)"; }

# swift_content_md5 FILE: the Content-MD5 header value for FILE.
swift_content_md5() { _swift_md5_b64 "$1"; }

# SHA-256 (hex) of a file, or of stdin with "-".
_swift_sha256() { sha256sum -- "$1" | cut -d' ' -f1; }
# Content-MD5 value (base64 of the binary MD5) of a file.
_swift_md5_b64() {
	local hex esc="" i
	hex=$(md5sum -- "$1" | cut -d' ' -f1) || return 1
	for ((i = 0; i < ${#hex}; i += 2)); do esc+="\\x${hex:i:2}"; done
	# shellcheck disable=SC2059 # the format is the point: \xHH escapes
	printf "$esc" | base64
}

# Signed curl against the server: swift_curl [curl args...] PATH
# PATH (the last argument, starting with "/", already canonically encoded,
# see swift_path) is appended to $SWIFT_ENDPOINT.  The credentials are read
# from SWIFT_ACCESS_KEY / SWIFT_SECRET_KEY at call time, so
# "SWIFT_SECRET_KEY=wrong swift_curl ..." signs with a wrong secret.
#
# tempauth access keys are "account:user", and curl's --user splits at the
# FIRST colon (the key would become "test" and the secret "tester:testing"),
# so the credentials go percent-encoded into the URL's userinfo instead,
# which curl decodes and uses for --aws-sigv4 just the same.
#
# s3api insists on an x-amz-content-sha256 header, and curl 7.88 does not
# add one by itself: it only signs it (and uses its value as the payload
# hash) when the caller supplies it.  So unless the arguments already carry
# that header, add it here: the SHA-256 of the file given with -T /
# --upload-file / --data-binary @FILE, of a literal --data-binary string, or
# of the empty body.
swift_curl() {
	local args=("$@") n=$# i a hash="" have=0 cred
	cred="$(_swift_pct "$SWIFT_ACCESS_KEY"):$(_swift_pct "$SWIFT_SECRET_KEY")"
	if [ "$n" -gt 0 ] && [[ ${args[n - 1]} == /* ]]; then
		args[n - 1]="${SWIFT_ENDPOINT%%://*}://$cred@${SWIFT_ENDPOINT#*://}${args[n - 1]}"
	fi
	for ((i = 0; i < n; i++)); do
		a=${args[i]}
		if [[ ${a,,} == x-amz-content-sha256:* ]]; then have=1; fi
		if ((i + 1 < n)); then
			case $a in
			-T | --upload-file) hash=$(_swift_sha256 "${args[i + 1]}") || return 1 ;;
			--data-binary)
				if [[ ${args[i + 1]} == @* ]]; then
					hash=$(_swift_sha256 "${args[i + 1]#@}") || return 1
				else
					hash=$(printf '%s' "${args[i + 1]}" | _swift_sha256 -)
				fi
				;;
			esac
		fi
	done
	if [ "$have" = 0 ]; then
		[ -n "$hash" ] || hash=$(printf '' | _swift_sha256 -)
		args=(-H "x-amz-content-sha256: $hash" "${args[@]}")
	fi
	local tls=()
	[ "$_SWIFT_HTTPS" = 1 ] && [ -n "${SWIFT_CA_FILE:-}" ] && tls=(--cacert "$SWIFT_CA_FILE")
	curl -sS --noproxy '*' --max-time 30 "${tls[@]}" \
		--aws-sigv4 "aws:amz:${SWIFT_REGION}:s3" "${args[@]}"
}

# swift_put FILE BUCKET/KEY: upload a file (with Content-MD5); 0 on 200.
swift_put() {
	local file=$1 path=$2 md5 out
	md5=$(_swift_md5_b64 "$file") || return 1
	out=$(swift_curl -T "$file" -H "Content-MD5: $md5" -w '\n%{http_code}' \
		"/$(_swift_pct "$path" /)") || true
	SWIFT_HTTP_STATUS=${out##*$'\n'}
	if [ "$SWIFT_HTTP_STATUS" != 200 ]; then
		_swift_log "PUT $path: HTTP $SWIFT_HTTP_STATUS: ${out%$'\n'*}"
		return 1
	fi
}

# _swift_http_ok URL PORT: URL answers 200. A plain connect first: much
# cheaper than running curl while the server is still importing Swift (the
# CPU is better spent there).
_swift_http_ok() {
	local tls=() code
	[[ $1 == https:* ]] && tls=(--cacert "$SWIFT_CA_FILE")
	(exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null || return 1
	code=$(curl -s --noproxy '*' --max-time 10 "${tls[@]}" -o /dev/null \
		-w '%{http_code}' "$1" 2>/dev/null) || true
	[ "$code" = 200 ]
}
_swift_tcp_ok() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# _swift_ready_or_dead NAME CHECK...: CHECK succeeds, or the server NAME
# (when given) has exited, so that waiting for a dead one ends at once.
_swift_ready_or_dead() {
	local name=$1
	shift
	"$@" || { [ -n "$name" ] && ! _swift_running "$name"; }
}

# Wait until URL answers 200 (healthcheck), at most $2 seconds.  Optional $3
# names the server, which must stay alive meanwhile (fail fast if it died).
_swift_wait_http() {
	local url=$1 limit=$2 name=${3:-} port
	port=${url#*://*:}
	port=${port%%/*}
	wait_for "$limit" _swift_ready_or_dead "$name" _swift_http_ok "$url" "$port"
	_swift_http_ok "$url" "$port" && return 0
	if [ -n "$name" ] && ! _swift_running "$name"; then
		_swift_log "$name server exited before answering $url"
	else
		_swift_log "no answer from $url within ${limit}s"
	fi
	return 1
}

_swift_wait_tcp() {
	local port=$1 limit=$2 name=${3:-}
	wait_for "$limit" _swift_ready_or_dead "$name" _swift_tcp_ok "$port"
	_swift_tcp_ok "$port" && return 0
	if [ -n "$name" ] && ! _swift_running "$name"; then
		_swift_log "$name exited before listening on $port"
	else
		_swift_log "nothing listening on 127.0.0.1:$port after ${limit}s"
	fi
	return 1
}

_swift_dump_logs() {
	local f
	for f in "$SWIFT_DIR"/log/*.log; do
		[ -s "$f" ] || continue
		printf '==> %s (last 25 lines) <==\n' "$f" >&2
		tail -n 25 "$f" >&2
	done
}

# Pick the ports.  The rings only record the account/container/object ports,
# so prefer a cached ring set whose three ports are all free right now; the
# proxy, memcached and syslog-sink ports are always fresh.  Prints
# "account container object proxy memcached syslog".  All candidate sockets
# are held open together so the answers are distinct.
_swift_pick_ports() {
	"$_SWIFT_PY" - "$@" <<'EOF'
import socket, sys
held = []
def grab(port, kind=socket.SOCK_STREAM, reuse=False):
    s = socket.socket(socket.AF_INET, kind)
    if reuse:
        # the servers set SO_REUSEADDR too, so TIME_WAIT leftovers of an
        # earlier run do not make a cached port unusable
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        s.close()
        return None
    held.append(s)
    return s.getsockname()[1]
ring_ports = None
for cand in sys.argv[1:]:
    try:
        want = [int(p) for p in cand.split("-")]
    except ValueError:
        continue
    got = [grab(p, reuse=True) for p in want]
    if None not in got:
        ring_ports = got
        break
if ring_ports is None:
    ring_ports = [grab(0) for _ in range(3)]
print(*ring_ports, grab(0), grab(0), grab(0, socket.SOCK_DGRAM))
EOF
}

# Build (or fetch from the cache) account/container/object rings: one
# device each, one replica, on 127.0.0.1 at the given ports.
_swift_rings() {
	local etc=$1 a=$2 c=$3 o=$4
	local cache=${WGTAP_SWIFT_CACHE:-/tmp/wgtap-swift-rings-$UID}
	local key="$a-$c-$o" r ok=1 build
	if [ -f "$cache/$key/object.ring.gz" ] && [ -f "$cache/$key/account.ring.gz" ] &&
		[ -f "$cache/$key/container.ring.gz" ]; then
		cp "$cache/$key"/*.ring.gz "$etc/"
		touch "$cache/$key" 2>/dev/null || true # most recently used first
		return 0
	fi
	build="$etc/ringbuild"
	mkdir -p "$build"
	# These are the usual "swift-ring-builder FILE create|add|rebalance"
	# commands (partition power 4, 1 replica, min_part_hours 1; one device
	# each), run through swift-ring-builder's own entry point inside a single
	# interpreter: nine separate Python start-ups would dominate a cold start.
	# Exit status 1 means "completed with warnings", which is fine here.
	if ! (cd "$build" && "$_SWIFT_PY" - "$a" "$c" "$o" <<'EOF'
import sys
from swift.cli.ringbuilder import main
ports = dict(zip(("account", "container", "object"), sys.argv[1:4]))
for ring, port in ports.items():
    for cmd in (["create", "4", "1", "1"],
                ["add", "r1z1-127.0.0.1:%s/d1" % port, "100"],
                ["rebalance"]):
        argv = ["swift-ring-builder", ring + ".builder"] + cmd
        print("+", " ".join(argv), flush=True)
        try:
            main(argv)
        except SystemExit as e:
            if e.code not in (None, 0, 1):
                sys.exit("%s failed (exit %s)" % (" ".join(argv), e.code))
EOF
	) >"$build/ring-builder.out" 2>&1; then
		ok=0
	fi
	for r in account container object; do
		[ -f "$build/$r.ring.gz" ] || ok=0
	done
	if [ "$ok" != 1 ]; then
		_swift_log "swift-ring-builder failed:"
		cat "$build/ring-builder.out" >&2
		return 1
	fi
	cp "$build"/*.ring.gz "$etc/"
	# Publish atomically (rename) so concurrent test runs never see a
	# half-written cache entry; keep the 16 most recent entries.
	if mkdir -p "$cache" 2>/dev/null; then
		local tmp
		tmp=$(mktemp -d "$cache/.new.XXXXXX" 2>/dev/null) &&
			cp "$build"/*.ring.gz "$tmp/" &&
			{ mv -T "$tmp" "$cache/$key" 2>/dev/null || rm -rf "$tmp"; }
		# shellcheck disable=SC2012 # names are our own "N-N-N"
		ls -1t "$cache" 2>/dev/null | tail -n +17 | while read -r r; do
			[[ $r =~ ^[0-9]+-[0-9]+-[0-9]+$ ]] && rm -rf "${cache:?}/$r"
		done || true
	fi
	return 0
}

# Throwaway PKI: a CA, a server certificate for 127.0.0.1/localhost signed
# by it, and a second, unrelated CA that must NOT verify the server.
_swift_make_tls() {
	local d=$1
	mkdir -p "$d"
	(
		set -e
		cd "$d"
		ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
		openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.crt -days 3 \
			-subj "/CN=wgtap test CA" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign"
		openssl req -x509 "${ec[@]}" -keyout wrong-ca.key -out wrong-ca.crt \
			-days 3 -subj "/CN=wgtap unrelated CA" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign"
		openssl req -new "${ec[@]}" -keyout server.key -out server.csr \
			-subj "/CN=127.0.0.1"
		printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" \
			"basicConstraints=CA:FALSE" \
			"keyUsage=critical,digitalSignature" \
			"extendedKeyUsage=serverAuth" >server.ext
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key \
			-CAcreateserial -days 3 -extfile server.ext -out server.crt
	) >"$d/openssl.out" 2>&1 || {
		_swift_log "openssl failed:"
		cat "$d/openssl.out" >&2
		return 1
	}
}

# Settings shared by every server's [DEFAULT] section.
_swift_conf_default() {
	local name=$1 port=$2
	cat <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $port
# One process per server: no forked workers, so the PID we hold is the
# server itself and SIGKILL/SIGSTOP act on the whole server at once.
workers = 0
# Servers drop privileges to this user (default "swift", which could not
# write our temp directory when the tests run as root).
user = $(id -un)
swift_dir = $SWIFT_DIR/etc
devices = $SWIFT_DIR/srv
# The "device" is a plain directory, not a mount point.
mount_check = false
disable_fallocate = true
fallocate_reserve = 0
log_name = $name
log_level = INFO
# Swift always adds a syslog handler; send it to a UDP port on loopback that
# nobody reads instead of /dev/log or localhost:514.  The log we keep is the
# console copy written to stderr (servers are started with -v).
log_udp_host = 127.0.0.1
log_udp_port = $_SWIFT_PORT_SYSLOG
EOF
}

_swift_write_confs() {
	local etc=$SWIFT_DIR/etc
	# The servers normally read the hash path prefix/suffix and the storage
	# policies from the fixed path /etc/swift/swift.conf; _swift_spawn
	# points them at this file instead.
	cat >"$etc/swift.conf" <<'EOF'
[swift-hash]
swift_hash_path_suffix = wgtap-test-suffix
swift_hash_path_prefix = wgtap-test-prefix

[storage-policy:0]
name = Policy-0
default = yes

[swift-constraints]
EOF
	{
		_swift_conf_default account-server "$_SWIFT_PORT_ACCOUNT"
		cat <<'EOF'

[pipeline:main]
pipeline = healthcheck account-server

[app:account-server]
use = egg:swift#account

[filter:healthcheck]
use = egg:swift#healthcheck
EOF
	} >"$etc/account-server.conf"
	{
		_swift_conf_default container-server "$_SWIFT_PORT_CONTAINER"
		cat <<'EOF'

[pipeline:main]
pipeline = healthcheck container-server

[app:container-server]
use = egg:swift#container
# The same for the container's updates of the account.
conn_timeout = 2
node_timeout = 20

[filter:healthcheck]
use = egg:swift#healthcheck
EOF
	} >"$etc/container-server.conf"
	{
		_swift_conf_default object-server "$_SWIFT_PORT_OBJECT"
		cat <<'EOF'

[pipeline:main]
pipeline = healthcheck object-server

[app:object-server]
use = egg:swift#object
# The object server tells the container server of each new object, but
# waits only 1 s by default; after that it queues the update for an
# updater this setup does not run, and the bucket's listing misses the
# object. A loaded machine can take longer: wait as the proxy does.
container_update_timeout = 20
conn_timeout = 2
node_timeout = 20

[filter:healthcheck]
use = egg:swift#healthcheck
EOF
	} >"$etc/object-server.conf"
	{
		_swift_conf_default proxy-server "$_SWIFT_PORT_PROXY"
		if [ "$_SWIFT_HTTPS" = 1 ]; then
			printf 'cert_file = %s\nkey_file = %s\n' \
				"$SWIFT_DIR/tls/server.crt" "$SWIFT_DIR/tls/server.key"
		fi
		cat <<EOF

[pipeline:main]
# The SAIO/tempauth pipeline with s3api inserted right before tempauth (as
# the s3api sample configuration requires) and container_sync/symlink left
# out.  The first proxy-logging logs every client request once, with the S3
# path (s3api marks its internal Swift subrequests as already logged).
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl ratelimit s3api tempauth copy container-quotas account-quotas slo dlo versioned_writes proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
# tempauth accounts do not exist until first used.
account_autocreate = true
# Tests kill and restart backend servers on purpose; by default the proxy
# stops talking to a node for 60 s after 10 errors, which would turn a
# restarted object server into a minute of 503s.
error_suppression_interval = 1
error_suppression_limit = 1000
# Do not cache "no such container/account" answers: a bucket created a
# moment ago must be usable at once, also on a loaded machine.
recheck_container_existence = 0
recheck_account_existence = 0
# A loaded 2-core machine can be slow to answer between the servers.
conn_timeout = 2
node_timeout = 20

[filter:s3api]
use = egg:swift#s3api
location = $SWIFT_REGION
# Reject signatures dated more than 15 minutes off, as AWS does.
allowable_clock_skew = 900

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
user_test2_tester2 = testing2 .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$_SWIFT_PORT_MEMCACHED

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:bulk]
use = egg:swift#bulk

[filter:tempurl]
use = egg:swift#tempurl

[filter:ratelimit]
use = egg:swift#ratelimit

[filter:copy]
use = egg:swift#copy

[filter:container-quotas]
use = egg:swift#container_quotas

[filter:account-quotas]
use = egg:swift#account_quotas

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo

[filter:versioned_writes]
use = egg:swift#versioned_writes
EOF
	} >"$etc/proxy-server.conf"
}

# Start one Swift server in the background and record its PID.  This is
# what /usr/bin/swift-NAME-server does, with two changes Swift has no
# option for:
#  - the path of swift.conf is changed before the storage-policy and
#    constraints modules read it at import time;
#  - the listening socket is opened without SO_REUSEPORT.  eventlet sets it
#    by default, and then a second server started on the same port (say by
#    a concurrent test) binds without error and silently receives half of
#    the connections.  Without it a port clash is an error, as it should be.
# -v adds a console log handler, so every log line - including the proxy's
# access log - goes to stderr, i.e. to log/NAME.log.
_swift_spawn() {
	local name=$1
	(
		_swift_close_lock
		# shellcheck disable=SC2016
		exec "$_SWIFT_PY" -c '
import functools, sys
swift_conf, server = sys.argv[1], sys.argv[2]
del sys.argv[1:3]
from swift.common import utils
utils.SWIFT_CONF_FILE = swift_conf
import eventlet
from swift.common import wsgi
wsgi.listen = functools.partial(eventlet.listen, reuse_port=False)
conf_file, options = utils.parse_options()
kw = {}
if server == "object-server":
    from swift.obj import server as obj
    kw["global_conf_callback"] = obj.global_conf_callback
sys.exit(wsgi.run_wsgi(conf_file, server, **kw, **options))
' "$SWIFT_DIR/etc/swift.conf" "$name-server" \
			"$SWIFT_DIR/etc/$name-server.conf" -v
	) </dev/null >>"$SWIFT_DIR/log/$name.log" 2>&1 &
	_swift_track "$name" $!
	[ "$name" = proxy ] && export SWIFT_PROXY_PID=${_SWIFT_PID[proxy]}
	return 0
}

# Concurrent swift_start calls (parallel test runs) must not pick the same
# ports: the check that a port is free and the server binding it are
# separate steps.  So port selection up to "all servers listen" runs under
# an flock on a file in the cache directory.  The lock is tied to an open
# file descriptor, which servers must not inherit (they would hold the lock
# for their whole life): _swift_close_lock closes it in each child.
_swift_lock() {
	local dir=$1
	_SWIFT_LOCKFD=""
	command -v flock >/dev/null 2>&1 || return 0
	mkdir -p "$dir" 2>/dev/null || return 0
	exec {_SWIFT_LOCKFD}>>"$dir/.lock" || { _SWIFT_LOCKFD=""; return 0; }
	if ! flock -w 120 "$_SWIFT_LOCKFD"; then
		_swift_log "warning: could not lock $dir/.lock in 120 s, going on without"
	fi
}
_swift_unlock() {
	[ -n "${_SWIFT_LOCKFD:-}" ] || return 0
	exec {_SWIFT_LOCKFD}>&-
	_SWIFT_LOCKFD=""
}
_swift_close_lock() {
	[ -n "${_SWIFT_LOCKFD:-}" ] || return 0
	exec {_SWIFT_LOCKFD}>&-
}

# Remember a server's PID, with its start time: PIDs are recycled (on a
# busy machine with pid_max 32768, within minutes), and a bare PID may by
# now belong to someone else's process, which we must never signal.  The
# job is disowned: bash still reaps it, but no longer prints "Killed ..."
# into the test's output when a test kills it on purpose.  We stop it by
# PID ourselves (see _swift_stop_procs).
_swift_track() {
	_SWIFT_PID[$1]=$2
	_SWIFT_START[$1]=$(_swift_starttime "$2") || true
	echo "$2" >"$SWIFT_DIR/run/$1.pid"
	disown "$2" 2>/dev/null || true
}

# Start time of process $1 (field 22 of /proc/PID/stat, clock ticks since
# boot); fails if there is no such process or it is a zombie.
_swift_starttime() {
	local stat f
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	# the command name (field 2) may contain spaces: split after its ")"
	read -r -a f <<<"${stat##*) }"
	[ "${f[0]}" != Z ] || return 1
	printf '%s\n' "${f[19]}"
}

# True if process $1 is alive and is still the one that started at $2.
_swift_proc_alive() {
	local st
	st=$(_swift_starttime "$1") || return 1
	[ "$st" = "$2" ]
}

# True if the server called $1 (proxy, object, ...) is running.
_swift_running() {
	[ -n "${_SWIFT_PID[$1]:-}" ] &&
		_swift_proc_alive "${_SWIFT_PID[$1]}" "${_SWIFT_START[$1]:-}"
}

_swift_spawn_memcached() {
	local user=()
	# memcached refuses to run as root unless told which user to be.
	[ "$(id -u)" = 0 ] && user=(-u root)
	(
		_swift_close_lock
		exec memcached -l 127.0.0.1 -p "$_SWIFT_PORT_MEMCACHED" -U 0 -m 16 -t 2 "${user[@]}"
	) </dev/null >>"$SWIFT_DIR/log/memcached.log" 2>&1 &
	_swift_track memcached $!
}

_swift_health_url() {
	case $1 in
	proxy) printf '%s/healthcheck' "$SWIFT_ENDPOINT" ;;
	account) printf 'http://127.0.0.1:%s/healthcheck' "$_SWIFT_PORT_ACCOUNT" ;;
	container) printf 'http://127.0.0.1:%s/healthcheck' "$_SWIFT_PORT_CONTAINER" ;;
	object) printf 'http://127.0.0.1:%s/healthcheck' "$_SWIFT_PORT_OBJECT" ;;
	esac
}

# Stop processes by PID: SIGCONT (a stopped process would never act on
# SIGTERM), then SIGTERM (or the signal in $1), then SIGKILL for whatever
# is still there after 3 s.  Signals all of them first and then waits, so
# stopping everything costs one shutdown, not five.  Returns once all the
# processes are gone.
_swift_stop_procs() {
	local sig=$1 name pid st
	shift
	local -a procs=()
	for name in "$@"; do
		pid=${_SWIFT_PID[$name]:-}
		st=${_SWIFT_START[$name]:-}
		[ -n "$pid" ] || continue
		unset "_SWIFT_PID[$name]" "_SWIFT_START[$name]"
		rm -f "${SWIFT_DIR:-/nonexistent}/run/$name.pid"
		[ "$name" = proxy ] && unset SWIFT_PROXY_PID
		_swift_proc_alive "$pid" "$st" || continue
		kill -CONT "$pid" 2>/dev/null || true
		kill "-$sig" "$pid" 2>/dev/null || true
		procs+=("$pid:$st")
	done
	wait_for 3 _swift_all_gone "${procs[@]}" && return 0
	for pid in "${procs[@]}"; do
		_swift_proc_alive "${pid%%:*}" "${pid#*:}" &&
			kill -KILL "${pid%%:*}" 2>/dev/null
	done
	wait_for 10 _swift_all_gone "${procs[@]}" && return 0
	_swift_log "could not stop ${procs[*]%%:*}"
	return 1
}

# _swift_all_gone PID:STARTTIME...: none of them is alive.
_swift_all_gone() {
	local p
	for p in "$@"; do
		_swift_proc_alive "${p%%:*}" "${p#*:}" && return 1
	done
	return 0
}

# swift_start DIR [--https]
swift_start() {
	local dir=${1:-} opt limit=${SWIFT_START_TIMEOUT:-60}
	if [ -z "$dir" ]; then
		_swift_log "usage: swift_start DIR [--https]"
		return 2
	fi
	shift
	_SWIFT_HTTPS=0
	for opt in "$@"; do
		case $opt in
		--https) _SWIFT_HTTPS=1 ;;
		*) _swift_log "swift_start: unknown option $opt"; return 2 ;;
		esac
	done
	if [ "${#_SWIFT_PID[@]}" -gt 0 ]; then
		_swift_log "swift_start: already running (call swift_stop first)"
		return 1
	fi
	if ! swift_available; then
		return 77
	fi
	if [ "$_SWIFT_HTTPS" = 1 ] && ! command -v openssl >/dev/null 2>&1; then
		SWIFT_UNAVAILABLE_REASON="openssl not found (needed for --https)"
		_swift_log "unavailable: $SWIFT_UNAVAILABLE_REASON"
		return 77
	fi
	mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || return 1
	export SWIFT_DIR=$dir
	mkdir -p "$dir/etc" "$dir/srv/d1" "$dir/log" "$dir/run" || return 1

	local cache=${WGTAP_SWIFT_CACHE:-/tmp/wgtap-swift-rings-$UID}
	_swift_lock "$cache"
	# The time limit counts from here: waiting for the lock is not start-up.
	if ! _swift_start_locked "$dir" "$cache" "$limit"; then
		_swift_unlock
		return 1
	fi
	_swift_unlock
	return 0
}

# The part of swift_start that runs under the lock (see _swift_lock).
_swift_start_locked() {
	local dir=$1 cache=$2 limit=$3 t0=$SECONDS cands=() ports name
	# newest first; the names are our own "N-N-N"
	# shellcheck disable=SC2010
	[ -d "$cache" ] && mapfile -t cands < <(ls -1t "$cache" 2>/dev/null |
		grep -E '^[0-9]+-[0-9]+-[0-9]+$' | head -n 8)
	ports=$(_swift_pick_ports "${cands[@]}") || {
		_swift_log "could not pick free ports"
		return 1
	}
	read -r _SWIFT_PORT_ACCOUNT _SWIFT_PORT_CONTAINER _SWIFT_PORT_OBJECT \
		_SWIFT_PORT_PROXY _SWIFT_PORT_MEMCACHED _SWIFT_PORT_SYSLOG <<<"$ports"

	export SWIFT_REGION=us-east-1
	export SWIFT_ACCESS_KEY=test:tester SWIFT_SECRET_KEY=testing
	export SWIFT_ACCESS_KEY2=test2:tester2 SWIFT_SECRET_KEY2=testing2
	export SWIFT_PROXY_LOG=$dir/log/proxy.log
	if [ "$_SWIFT_HTTPS" = 1 ]; then
		export SWIFT_ENDPOINT="https://127.0.0.1:$_SWIFT_PORT_PROXY"
		_swift_make_tls "$dir/tls" || return 1
		export SWIFT_CA_FILE=$dir/tls/ca.crt
		export SWIFT_WRONG_CA_FILE=$dir/tls/wrong-ca.crt
	else
		export SWIFT_ENDPOINT="http://127.0.0.1:$_SWIFT_PORT_PROXY"
		unset SWIFT_CA_FILE SWIFT_WRONG_CA_FILE
	fi

	_swift_rings "$dir/etc" "$_SWIFT_PORT_ACCOUNT" "$_SWIFT_PORT_CONTAINER" \
		"$_SWIFT_PORT_OBJECT" || return 1
	_swift_write_confs || return 1

	_swift_spawn_memcached
	for name in $_SWIFT_SERVERS; do
		_swift_spawn "$name"
	done
	# All servers import Swift in parallel; now wait for each to answer.
	if ! _swift_wait_tcp "$_SWIFT_PORT_MEMCACHED" "$limit" memcached; then
		_swift_dump_logs
		swift_stop
		return 1
	fi
	for name in $_SWIFT_SERVERS; do
		if ! _swift_wait_http "$(_swift_health_url "$name")" \
			$((limit - (SECONDS - t0) > 1 ? limit - (SECONDS - t0) : 1)) \
			"$name"; then
			_swift_log "$name server did not come up"
			_swift_dump_logs
			swift_stop
			return 1
		fi
	done
	return 0
}

# swift_stop: stop everything swift_start started (by PID); safe to call
# any number of times, also when nothing was started.
swift_stop() {
	_swift_stop_procs TERM proxy object container account memcached || true
	return 0
}

# Proxy / object server fault injection.
_swift_signal() {
	if ! _swift_running "$1"; then
		_swift_log "$1 server is not running"
		return 1
	fi
	kill "-$2" "${_SWIFT_PID[$1]}"
}
swift_kill_proxy() { _swift_stop_procs KILL proxy; }
swift_stop_proxy() { _swift_signal proxy STOP; }
swift_cont_proxy() { _swift_signal proxy CONT; }
swift_kill_object() { _swift_stop_procs KILL object; }

_swift_restart() {
	local name=$1
	if _swift_running "$name"; then
		_swift_log "$name server is already running (pid ${_SWIFT_PID[$name]})"
		return 1
	fi
	_swift_spawn "$name"
	if ! _swift_wait_http "$(_swift_health_url "$name")" \
		"${SWIFT_START_TIMEOUT:-60}" "$name"; then
		_swift_dump_logs
		return 1
	fi
}
swift_start_proxy() { _swift_restart proxy; }
swift_start_object() { _swift_restart object; }

# swift_create_bucket NAME: PUT /NAME; 0 on 200.
swift_create_bucket() {
	local body
	body=$(swift_curl -X PUT -w '\n%{http_code}' "/$(_swift_pct "$1")") || true
	SWIFT_HTTP_STATUS=${body##*$'\n'}
	if [ "$SWIFT_HTTP_STATUS" != 200 ]; then
		_swift_log "create bucket $1: HTTP $SWIFT_HTTP_STATUS: ${body%$'\n'*}"
		return 1
	fi
}

_swift_bucket_made() {
	swift_create_bucket "$1" || [ "$SWIFT_HTTP_STATUS" = 409 ]
}
swift_make_bucket() {
	wait_for "${2:-30}" _swift_bucket_made "$1" && return 0
	_swift_log "create bucket $1: HTTP $SWIFT_HTTP_STATUS for ${2:-30} s"
	return 1
}

# For some seconds after a bucket exists the proxy may still answer
# NoSuchBucket from a cached "not found": wait until an object PUT works.
swift_usable_bucket() {
	local probe rc=0
	swift_make_bucket "$1" "${2:-30}" || return 1
	probe=$(mktemp "${TMPDIR:-/tmp}/swift-probe.XXXXXX") || return 1
	echo probe >"$probe"
	if ! wait_for "${2:-30}" swift_put "$probe" "$1/probe/ready"; then
		swift_put "$probe" "$1/probe/ready"	# once more, to say why
		rc=1
	fi
	rm -f "$probe"
	return "$rc"
}

# swift_get BUCKET/KEY OUTFILE: download an object; 0 on 200.  On failure
# OUTFILE holds the error body and SWIFT_HTTP_STATUS the status.
swift_get() {
	local path=$1 out=$2
	SWIFT_HTTP_STATUS=$(swift_curl -o "$out" -w '%{http_code}' \
		"/$(_swift_pct "$path" /)") || true
	if [ "$SWIFT_HTTP_STATUS" != 200 ]; then
		_swift_log "GET $path: HTTP $SWIFT_HTTP_STATUS"
		return 1
	fi
}

# swift_list BUCKET [PREFIX]: print every key (ListObjectsV2, following
# continuation tokens), one per line.  SWIFT_LIST_PAGE sets max-keys.
# Query parameters are sent sorted and canonically encoded because curl
# 7.88 signs the query string exactly as written.
swift_list() {
	local bucket=$1 prefix=${2:-} token="" q xml keys k
	while :; do
		q=""
		[ -n "$token" ] && q+="continuation-token=$(_swift_pct "$token")&"
		q+="encoding-type=url&list-type=2&max-keys=${SWIFT_LIST_PAGE:-1000}"
		[ -n "$prefix" ] && q+="&prefix=$(_swift_pct "$prefix")"
		xml=$(swift_curl -w '\n%{http_code}' "/$(_swift_pct "$bucket")?$q") || true
		SWIFT_HTTP_STATUS=${xml##*$'\n'}
		xml=${xml%$'\n'*}
		if [ "$SWIFT_HTTP_STATUS" != 200 ]; then
			_swift_log "list $bucket: HTTP $SWIFT_HTTP_STATUS: $xml"
			return 1
		fi
		keys=$(grep -o '<Key>[^<]*</Key>' <<<"$xml" | sed 's/<Key>//; s/<\/Key>//') || true
		if [ -n "$keys" ]; then
			while IFS= read -r k; do
				_swift_pct_decode "$k"
				printf '\n'
			done <<<"$keys"
		fi
		grep -q '<IsTruncated>true</IsTruncated>' <<<"$xml" || break
		token=$(grep -o '<NextContinuationToken>[^<]*</NextContinuationToken>' <<<"$xml" |
			sed 's/<[^>]*>//g') || true
		if [ -z "$token" ]; then
			_swift_log "list $bucket: truncated listing without a continuation token"
			return 1
		fi
	done
}

# The proxy writes an access line when it has finished sending the
# response, so a client may see its answer before the line is there. Send
# a request of our own, with a name nobody else uses, and wait until its
# line is in the log (at most 30 s): the lines of the requests answered
# before it are there by then.
swift_log_sync() {
	local mark
	mark=wgtap-log-sync-$BASHPID-$RANDOM$RANDOM
	swift_curl -s -o /dev/null -I "/$mark" >/dev/null 2>&1 || true
	wait_for 30 grep -qF -- "$mark" "$SWIFT_PROXY_LOG" ||
		_swift_log "the proxy did not log the request for /$mark in 30 s"
}

# swift_put_count [--2xx] BUCKET KEY: how many PUT requests for BUCKET/KEY
# the proxy has logged (any status, or only 2xx with --2xx).
#
# Access lines (written by the proxy-logging middleware) look like
#   proxy-server: 127.0.0.1 127.0.0.1 25/Nov/2026/02/47/55 PUT /b/k%253D1 HTTP/1.0 200 ...
# i.e. client ip, remote ip, date, method, request target, protocol, status.
# The request target is the raw one the client sent, percent-encoded once
# more (and the query string, if any, appended with "?" encoded as %3F), so
# it is decoded twice before comparing with "/BUCKET/KEY"; this way the
# count does not depend on how the client chose to escape the key.
swift_put_count() {
	local only2xx=0
	if [ "${1:-}" = --2xx ]; then only2xx=1; shift; fi
	[ -f "${SWIFT_PROXY_LOG:-}" ] || { echo 0; return 0; }
	swift_log_sync
	LC_ALL=C awk -v want="/$1/$2" -v only2xx="$only2xx" '
		BEGIN { for (i = 0; i < 256; i++) byte[sprintf("%02X", i)] = sprintf("%c", i) }
		function unpct(s,    out, h) {
			out = ""
			while (match(s, /%[0-9A-Fa-f][0-9A-Fa-f]/)) {
				h = toupper(substr(s, RSTART + 1, 2))
				out = out substr(s, 1, RSTART - 1) byte[h]
				s = substr(s, RSTART + 3)
			}
			return out s
		}
		$1 == "proxy-server:" && $5 == "PUT" && $7 ~ /^HTTP\// && $8 ~ /^[0-9][0-9][0-9]$/ {
			p = unpct($6); sub(/\?.*/, "", p); p = unpct(p)
			if (p == want && (!only2xx || $8 ~ /^2/)) n++
		}
		END { print n + 0 }' "$SWIFT_PROXY_LOG"
}
swift_put_count_2xx() { swift_put_count --2xx "$@"; }
