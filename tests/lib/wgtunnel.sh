# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# wgtunnel.sh: a real WireGuard tunnel between two network namespaces, for
# integration tests. Source it; it defines functions only and changes no
# shell options of the caller.
#
#   . "$here/lib/wgtunnel.sh"
#   reason=$(wgt_available) || { echo "$reason"; exit 77; }
#   trap wgt_down EXIT
#   wgt_up || exit 1
#   ip netns exec "$WGT_NS_A" ping -c 1 "$WGT_B4"
#
# Topology (documentation address ranges only):
#
#   netns $WGT_NS_A                               netns $WGT_NS_B
#   $WGT_VETH_A 198.51.100.1/24  <--- veth --->  198.51.100.2/24 $WGT_VETH_B
#   $WGT_IF_A  192.0.2.1/24 2001:db8::1/64  <--- WireGuard --->
#                                    $WGT_IF_B  192.0.2.2/24 2001:db8::2/64
#
# The WireGuard ends are userspace wireguard-go processes (the kernel need
# not have the wireguard module); each one owns a TUN device, which is what
# libpcap sees (link type DLT_RAW: bare IPv4/IPv6 packets, no link header).
#
# Functions:
#   wgt_available [CMD...]   0 if a tunnel can be built here (and the extra
#                            commands exist), else prints one reason, returns 1
#   wgt_up                   build the tunnel; exports WGT_* (see below)
#   wgt_down                 idempotent teardown; safe in an EXIT trap, twice,
#                            and after a partial wgt_up
#   wgt_bg NS CMD...         run CMD in NS in the background, print its PID;
#                            wgt_down kills it. Works inside $(...)
#                            (or, called directly, see $WGT_LAST_PID)
#   wgt_kill PID             TERM, then KILL after a grace period; waits
#   wgt_alive PID            0 while PID is a live process (zombies are not)
#   wgt_wait SECS CMD...     the same as wait_for (common.sh)
#   wgt_gone PID [STARTTIME] 0 once PID has ended (not wgt_alive)
#   wgt_listening NS udp|tcp ADDR PORT   0 if something listens there
#   wgt_dns_server [ARG...]  dnsmasq in B on 192.0.2.2/2001:db8::2 port 53
#   wgt_if_counters NS IF    prints "rx_packets tx_packets"
#   wgt_dump                 prints the logs of this run (for failures)
#
# Exports after wgt_up: WGT_NS_A WGT_NS_B WGT_IF_A WGT_IF_B WGT_VETH_A
# WGT_VETH_B WGT_A4 WGT_B4 WGT_A6 WGT_B6 WGT_PID_A WGT_PID_B WGT_TMP
# WGT_PORT_A WGT_PORT_B; after wgt_dns_server: WGT_DNS_PID WGT_DNS_NAME.
#
# Knobs: WGT_UP_TIMEOUT (seconds to wait for the tunnel, default 30),
# WGT_KEEP_TMP=1 (keep the run's temp dir), WGT_BG_LOG (where wgt_bg sends
# the command's stdout and stderr; default "$WGT_TMP/bg.log").
#
# Notes for tests that push traffic: the tunnel tops out near 30,000-40,000
# packets/s end to end on a 2-core machine (wireguard-go is CPU-bound);
# excess is dropped at the sending TUN queue and by UDP receive buffer
# overflows (RcvbufErrors in the namespace's /proc/net/snmp).
# net.core.rmem_default is global to the host, not per namespace: a test
# that changes it must restore it.
#
# Stopping a wireguard-go process (SIGTERM or SIGKILL) deletes its TUN
# device: a libpcap capture on it then fails with PCAP_ERROR and "The
# interface disappeared", and packets still in a ring block that had not
# been handed over are lost unless the capture uses immediate mode (or a
# short timeout). `ip link set IF down` does not stop a running capture;
# pcap_activate() on a down TUN gives PCAP_ERROR_IFACE_NOT_UP. SIGKILL
# leaves the control socket behind (wgt_down removes it).
#
# Error handling does not rely on `set -e`: bash ignores errexit inside a
# function called from `if`, `||` or `!`, so every step checks for itself.

# shellcheck source=tests/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

WGT_A4=192.0.2.1
WGT_B4=192.0.2.2
WGT_A6=2001:db8::1
WGT_B6=2001:db8::2
WGT_OUTER_A=198.51.100.1
WGT_OUTER_B=198.51.100.2
WGT_PORT_A=51820
WGT_PORT_B=51821
# wireguard-go puts its control socket here, and `wg` looks for it here.
# /var/run is not private to a network namespace, so every namespace sees
# every socket: interface names must be unique across the host.
WGT_SOCK_DIR=/var/run/wireguard

wgt__err() { printf 'wgtunnel: %s\n' "$*" >&2; }

# Runs a command; on failure reports it with its output and returns 1.
wgt__run() {
	local out
	if ! out=$("$@" 2>&1); then
		wgt__err "failed: $* ${out:+: $out}"
		return 1
	fi
	[ -z "$out" ] || printf '%s\n' "$out"
}

wgt__rand() { od -An -N2 -tx2 /dev/urandom | tr -d ' \n'; }

wgt__ns_exists() {
	[ -n "${1:-}" ] && ip netns list 2>/dev/null | awk '{print $1}' | grep -xF -- "$1" >/dev/null
}

# Prints "state starttime" of a PID from /proc/PID/stat. The start time
# (clock ticks since boot) tells our process apart from a later one that
# got the same PID, so that teardown never signals a stranger.
wgt__stat() {
	local stat f
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	# The command name (field 2) may hold spaces: cut after its ')'.
	stat=${stat##*) }
	read -r -a f <<<"$stat"
	printf '%s %s\n' "${f[0]}" "${f[19]}"
}

# wgt_alive PID [STARTTIME]: 0 if PID exists, is not a zombie, and (when
# known) started at STARTTIME. A zombie counts as gone: it only waits to be
# reaped by its parent.
wgt_alive() {
	local s st want=${2:-}
	[[ ${1:-} =~ ^[0-9]+$ ]] || return 1
	s=$(wgt__stat "$1") || return 1
	st=${s#* }
	[ "${s%% *}" != Z ] || return 1
	[ -z "$want" ] || [ "$st" = "$want" ]
}

# wgt_gone PID [STARTTIME]: 0 once PID is no longer (that) live process.
wgt_gone() { ! wgt_alive "$@"; }

# Remembers a PID for wgt_down. The list lives in a file, not a variable,
# so that PIDs recorded by wgt_bg called inside $(...) are not lost.
wgt__track() {
	local pid=$1 label=${2:-} s
	s=$(wgt__stat "$pid") || s="? ?"
	printf '%s %s %s\n' "$pid" "${s#* }" "$label" >>"$WGT_TMP/pids"
}

# The start time recorded for PID, if any.
wgt__tracked_start() {
	[ -n "${WGT_TMP:-}" ] && [ -f "$WGT_TMP/pids" ] || return 0
	awk -v p="$1" '$1 == p && $2 != "?" { s = $2 } END { if (s != "") print s }' \
		"$WGT_TMP/pids"
}

# wgt_kill PID [STARTTIME]: SIGTERM, up to 5 s grace, then SIGKILL; then
# reaps PID if it is a child of this shell. Returns 1 only if it survives.
wgt_kill() {
	local pid=${1:-} st=${2:-}
	if ! [[ $pid =~ ^[0-9]+$ ]]; then
		wgt__err "wgt_kill: not a PID: '$pid'"
		return 1
	fi
	[ -n "$st" ] || st=$(wgt__tracked_start "$pid")
	if wgt_alive "$pid" "$st"; then
		kill -TERM "$pid" 2>/dev/null || true
		if ! wait_for 5 wgt_gone "$pid" "$st"; then
			kill -KILL "$pid" 2>/dev/null || true
			wait_for 5 wgt_gone "$pid" "$st"
		fi
	fi
	if wgt_alive "$pid" "$st"; then
		wgt__err "wgt_kill: process $pid survived SIGKILL"
		return 1
	fi
	# Only now, when it has exited, so this cannot block. Fails harmlessly
	# (silenced) when PID is not our child, e.g. started inside $(...).
	wait "$pid" 2>/dev/null || true
	return 0
}

# Starts CMD in namespace NS in the background with stdin from /dev/null and
# stdout+stderr appended to $WGT_BG_LOG (the run's bg.log by default), so
# that `pid=$(wgt_bg ...)` returns at once. `ip netns exec` execs CMD, so
# the PID is CMD's own. CMD must be a program, not a shell function.
wgt__bg() {
	local label=$1 log=$2 ns=$3
	shift 3
	ip netns exec "$ns" "$@" </dev/null >>"$log" 2>&1 &
	WGT_LAST_PID=$!
	wgt__track "$WGT_LAST_PID" "$label"
}

wgt_bg() {
	if [ $# -lt 2 ]; then
		wgt__err "usage: wgt_bg NS CMD [ARG...]"
		return 1
	fi
	if [ -z "${WGT_TMP:-}" ] || [ ! -d "$WGT_TMP" ]; then
		wgt__err "wgt_bg: call wgt_up first"
		return 1
	fi
	if ! wgt__ns_exists "$1"; then
		wgt__err "wgt_bg: no such namespace: $1"
		return 1
	fi
	wgt__bg "bg:$2" "${WGT_BG_LOG:-$WGT_TMP/bg.log}" "$@" || return 1
	printf '%s\n' "$WGT_LAST_PID"
}

# wgt_available [CMD...]: checks everything wgt_up needs, plus the extra
# commands a test names. Prints one reason on stdout and returns 1 if not.
wgt_available() {
	local c probe out
	if [ "$(id -u)" != 0 ]; then
		echo "wgtunnel: needs root (network namespaces, TUN devices)"
		return 1
	fi
	for c in ip wireguard-go wg ping awk od "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			echo "wgtunnel: '$c' not found in PATH"
			return 1
		fi
	done
	if [ ! -c /dev/net/tun ]; then
		echo "wgtunnel: /dev/net/tun missing (no TUN support)"
		return 1
	fi
	# Create a throwaway namespace and a TUN device in it: the same kernel
	# features wgt_up and wireguard-go use.
	probe=wgtP-$$-$(wgt__rand)
	if ! out=$(ip netns add "$probe" 2>&1); then
		echo "wgtunnel: cannot create a network namespace: $out"
		return 1
	fi
	if ! out=$(ip -n "$probe" tuntap add dev wgtprobe mode tun 2>&1); then
		ip netns del "$probe" 2>/dev/null
		echo "wgtunnel: cannot create a TUN device in a namespace: $out"
		return 1
	fi
	ip netns del "$probe" 2>/dev/null
	return 0
}

# wgt_wait SECONDS CMD...: wait_for (common.sh) under this file's prefix.
wgt_wait() { wait_for "$@"; }

# wgt_listening NS udp|tcp ADDR PORT: 0 if a socket in NS is bound to
# ADDR:PORT (ADDR "*" for any address). For waiting on servers started with
# wgt_bg: `wait_for 20 wgt_listening "$WGT_NS_B" tcp "$WGT_B4" 5201`.
wgt_listening() {
	local ns=$1 proto=$2 addr=$3 port=$4 opt s
	case $proto in
	udp) opt=-Hlun ;;
	tcp) opt=-Hltn ;;
	*) wgt__err "wgt_listening: udp or tcp, not '$proto'"; return 1 ;;
	esac
	s=$(ip netns exec "$ns" ss "$opt" "sport = :$port" 2>/dev/null) || return 1
	[ -n "$s" ] || return 1
	[ "$addr" != "*" ] || return 0
	# ss prints IPv6 addresses in brackets.
	[[ $addr != *:* ]] || addr="[$addr]"
	[[ $s == *" $addr:$port "* ]]
}

wgt__sock_ready() { # PID IFNAME
	wgt_alive "$1" && [ -S "$WGT_SOCK_DIR/$2.sock" ]
}

# Starts wireguard-go for one side and waits for its interface and socket.
wgt__start_wg() { # NS IFNAME -> WGT_LAST_PID
	local ns=$1 ifn=$2 log=$WGT_TMP/wireguard-go-$2.log
	# -f: stay in the foreground, so $! is the daemon itself and teardown
	# can signal it by PID. LOG_LEVEL=error keeps the log short.
	LOG_LEVEL=${WGT_WG_LOG_LEVEL:-error} \
		wgt__bg "wireguard-go:$ifn" "$log" "$ns" wireguard-go -f "$ifn"
	if ! wait_for 20 wgt__sock_ready "$WGT_LAST_PID" "$ifn" ||
		! ip -n "$ns" link show dev "$ifn" >/dev/null 2>&1; then
		wgt__err "wireguard-go for $ifn in $ns did not come up; its log:"
		sed 's/^/    /' "$log" >&2
		return 1
	fi
}

wgt__ping_ok() { # NS ADDR
	ip netns exec "$1" ping -n -c 1 -W 1 "$2"
}

# Both families cross the tunnel, or a wireguard-go process has exited.
wgt__up_or_dead() {
	{ wgt__ping_ok "$WGT_NS_A" "$WGT_B4" && wgt__ping_ok "$WGT_NS_A" "$WGT_B6"; } ||
		! wgt_alive "$WGT_PID_A" || ! wgt_alive "$WGT_PID_B"
}

wgt_up() {
	local rid keya keyb puba pubb limit=${WGT_UP_TIMEOUT:-30}
	if [ -n "${WGT_TMP:-}" ] && [ -d "$WGT_TMP" ]; then
		wgt__err "wgt_up: already up (call wgt_down first)"
		return 1
	fi
	if ! WGT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/wgtunnel.XXXXXX"); then
		wgt__err "wgt_up: mktemp failed"
		WGT_TMP=
		return 1
	fi
	: >"$WGT_TMP/pids"
	rid=$(wgt__rand)
	# Names are set before anything is created so that wgt_down can clean
	# up after a partial wgt_up. Namespace names carry the shell's PID and a
	# random part; interface names must be unique host-wide (see
	# WGT_SOCK_DIR) and at most 15 characters: "wgA" + hex PID (at most 6
	# digits, pid_max is 2^22) + 4 random hex digits.
	WGT_NS_A=wgtA-$$-$rid
	WGT_NS_B=wgtB-$$-$rid
	WGT_IF_A=wgA$(printf '%x' $$)$rid
	WGT_IF_B=wgB$(printf '%x' $$)$rid
	# The veth ends live only inside the namespaces, so fixed names are safe.
	WGT_VETH_A=vethA
	WGT_VETH_B=vethB
	WGT_PID_A=
	WGT_PID_B=
	export WGT_TMP WGT_NS_A WGT_NS_B WGT_IF_A WGT_IF_B WGT_VETH_A WGT_VETH_B \
		WGT_A4 WGT_B4 WGT_A6 WGT_B6 WGT_PID_A WGT_PID_B WGT_PORT_A WGT_PORT_B

	wgt__run ip netns add "$WGT_NS_A" || return 1
	wgt__run ip netns add "$WGT_NS_B" || return 1
	wgt__run ip -n "$WGT_NS_A" link set lo up || return 1
	wgt__run ip -n "$WGT_NS_B" link set lo up || return 1
	# Created inside A with its peer moved straight into B: nothing ever
	# appears in the host's namespace.
	wgt__run ip -n "$WGT_NS_A" link add "$WGT_VETH_A" type veth \
		peer name "$WGT_VETH_B" netns "$WGT_NS_B" || return 1
	wgt__run ip -n "$WGT_NS_A" addr add "$WGT_OUTER_A/24" dev "$WGT_VETH_A" || return 1
	wgt__run ip -n "$WGT_NS_B" addr add "$WGT_OUTER_B/24" dev "$WGT_VETH_B" || return 1
	wgt__run ip -n "$WGT_NS_A" link set "$WGT_VETH_A" up || return 1
	wgt__run ip -n "$WGT_NS_B" link set "$WGT_VETH_B" up || return 1

	wgt__start_wg "$WGT_NS_A" "$WGT_IF_A" || return 1
	WGT_PID_A=$WGT_LAST_PID
	wgt__start_wg "$WGT_NS_B" "$WGT_IF_B" || return 1
	WGT_PID_B=$WGT_LAST_PID

	keya=$WGT_TMP/a.key
	keyb=$WGT_TMP/b.key
	# umask 077: the private keys are readable by root only (wg(8) warns
	# about key files that others can read).
	(umask 077 && wg genkey >"$keya" && wg genkey >"$keyb") || {
		wgt__err "wg genkey failed"
		return 1
	}
	if ! puba=$(wg pubkey <"$keya") || ! pubb=$(wg pubkey <"$keyb"); then
		wgt__err "wg pubkey failed"
		return 1
	fi
	# `wg` finds a userspace interface by its socket in WGT_SOCK_DIR; it is
	# run inside the namespace anyway, as it would be for a kernel one.
	wgt__run ip netns exec "$WGT_NS_A" wg set "$WGT_IF_A" \
		listen-port "$WGT_PORT_A" private-key "$keya" \
		peer "$pubb" endpoint "$WGT_OUTER_B:$WGT_PORT_B" \
		allowed-ips "$WGT_B4/32,$WGT_B6/128" || return 1
	wgt__run ip netns exec "$WGT_NS_B" wg set "$WGT_IF_B" \
		listen-port "$WGT_PORT_B" private-key "$keyb" \
		peer "$puba" endpoint "$WGT_OUTER_A:$WGT_PORT_A" \
		allowed-ips "$WGT_A4/32,$WGT_A6/128" || return 1

	# nodad: without it the IPv6 address stays "tentative" (unusable) for
	# the duplicate address detection delay.
	wgt__run ip -n "$WGT_NS_A" addr add "$WGT_A4/24" dev "$WGT_IF_A" || return 1
	wgt__run ip -n "$WGT_NS_A" addr add "$WGT_A6/64" dev "$WGT_IF_A" nodad || return 1
	wgt__run ip -n "$WGT_NS_B" addr add "$WGT_B4/24" dev "$WGT_IF_B" || return 1
	wgt__run ip -n "$WGT_NS_B" addr add "$WGT_B6/64" dev "$WGT_IF_B" nodad || return 1
	wgt__run ip -n "$WGT_NS_A" link set "$WGT_IF_A" up || return 1
	wgt__run ip -n "$WGT_NS_B" link set "$WGT_IF_B" up || return 1

	# The first packet triggers the handshake; retry until both families
	# get through, within a bound.
	wait_for "$limit" wgt__up_or_dead
	if ! wgt_alive "$WGT_PID_A" || ! wgt_alive "$WGT_PID_B"; then
		wgt__err "a wireguard-go process exited during wgt_up"
		wgt_dump >&2
		return 1
	fi
	if ! wgt__ping_ok "$WGT_NS_A" "$WGT_B4" >/dev/null 2>&1 ||
		! wgt__ping_ok "$WGT_NS_A" "$WGT_B6" >/dev/null 2>&1; then
		wgt__err "tunnel $WGT_IF_A <-> $WGT_IF_B: no ping reply over" \
			"IPv4 and IPv6 within $limit s"
		ip netns exec "$WGT_NS_A" wg show "$WGT_IF_A" 1>&2 || true
		wgt_dump >&2
		return 1
	fi
	return 0
}

# Prints the logs of this run.
wgt_dump() {
	local f
	[ -n "${WGT_TMP:-}" ] && [ -d "$WGT_TMP" ] || return 0
	for f in "$WGT_TMP"/*.log; do
		[ -f "$f" ] || continue
		echo "--- ${f##*/}"
		tail -n 40 "$f"
	done
}

wgt__dns_answers() { # NAME EXPECTED
	[ "$(ip netns exec "$WGT_NS_A" dig +short +time=1 +tries=1 \
		@"$WGT_B4" "$1" A 2>/dev/null)" = "$2" ]
}

wgt__dns_listening() {
	wgt_listening "$WGT_NS_B" udp "$WGT_B4" 53 &&
		wgt_listening "$WGT_NS_B" udp "$WGT_B6" 53
}

# wgt_dns_server [EXTRA_DNSMASQ_ARGS...]: an authoritative-only dnsmasq in B.
# Fixed records:
#   gw.example.test      A 192.0.2.2   AAAA 2001:db8::2  (and PTRs)
#   peer-a.example.test  A 192.0.2.1   AAAA 2001:db8::1  (and PTRs)
#   fixed.example.test   A 203.0.113.7 AAAA 2001:db8::7  (and subdomains)
# Other names under example.test get NXDOMAIN; anything else is refused
# (there is no upstream).
wgt_dns_server() {
	if [ -z "${WGT_NS_B:-}" ] || ! wgt__ns_exists "$WGT_NS_B"; then
		wgt__err "wgt_dns_server: call wgt_up first"
		return 1
	fi
	if ! command -v dnsmasq >/dev/null 2>&1; then
		wgt__err "wgt_dns_server: dnsmasq not found"
		return 1
	fi
	# -C /dev/null: ignore /etc/dnsmasq.conf (and so /etc/dnsmasq.d) if the
	#   full dnsmasq package is installed.
	# --bind-interfaces + --listen-address: bind these two addresses only,
	#   not the wildcard; no --interface, so lo is not added either.
	# --user=root: dnsmasq otherwise drops to a "dnsmasq"/"nobody" user
	#   that may not exist and could not write the pid file in $WGT_TMP.
	# No --dhcp-range: DHCP stays off.
	wgt__bg dnsmasq "$WGT_TMP/dnsmasq.log" "$WGT_NS_B" dnsmasq \
		--keep-in-foreground --conf-file=/dev/null \
		--no-resolv --no-hosts --no-poll \
		--bind-interfaces --listen-address="$WGT_B4" \
		--listen-address="$WGT_B6" --port=53 \
		--user=root --group=root --pid-file="$WGT_TMP/dnsmasq.pid" \
		--log-facility=- --log-queries \
		--local=/example.test/ \
		--host-record=gw.example.test,"$WGT_B4","$WGT_B6" \
		--host-record=peer-a.example.test,"$WGT_A4","$WGT_A6" \
		--address=/fixed.example.test/203.0.113.7 \
		--address=/fixed.example.test/2001:db8::7 \
		"$@"
	WGT_DNS_PID=$WGT_LAST_PID
	WGT_DNS_NAME=gw.example.test
	export WGT_DNS_PID WGT_DNS_NAME
	if ! wait_for 20 wgt__dns_listening; then
		wgt__err "dnsmasq did not start listening; its log:"
		sed 's/^/    /' "$WGT_TMP/dnsmasq.log" >&2
		return 1
	fi
	# With dig at hand, also prove an answer crosses the tunnel.
	if command -v dig >/dev/null 2>&1 &&
		! wait_for 20 wgt__dns_answers gw.example.test "$WGT_B4"; then
		wgt__err "dnsmasq does not answer gw.example.test over the tunnel"
		sed 's/^/    /' "$WGT_TMP/dnsmasq.log" >&2
		return 1
	fi
	return 0
}

# wgt_if_counters NS IFNAME: prints "rx_packets tx_packets". `ip netns exec`
# mounts a /sys for the namespace, so /sys/class/net shows its devices.
wgt_if_counters() {
	local ns=${1:-} ifn=${2:-} out
	if [ -z "$ns" ] || [ -z "$ifn" ]; then
		wgt__err "usage: wgt_if_counters NS IFNAME"
		return 1
	fi
	if ! out=$(ip netns exec "$ns" cat "/sys/class/net/$ifn/statistics/rx_packets" \
		"/sys/class/net/$ifn/statistics/tx_packets" 2>&1); then
		wgt__err "wgt_if_counters: $ns/$ifn: $out"
		return 1
	fi
	printf '%s\n' "$out" | paste -sd ' ' -
}

# wgt_down: kills what this run started, deletes its namespaces, removes its
# sockets and temp dir. Every step tolerates things already gone, so it can
# run twice, from an EXIT trap, or after wgt_up failed half way. Keeps the
# WGT_NS_*/WGT_IF_*/WGT_PID_* values so a test can check they are gone.
wgt_down() {
	local rc=0 i ns pid st label ifn
	local -a lines=()
	if [ -n "${WGT_TMP:-}" ] && [ -f "$WGT_TMP/pids" ]; then
		mapfile -t lines <"$WGT_TMP/pids"
	fi
	# Newest first: clients and servers before the tunnel under them.
	for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
		read -r pid st label <<<"${lines[i]}"
		[ "$st" != "?" ] || st=
		wgt_kill "$pid" "$st" || rc=1
	done
	# Safety net: processes a test started with a plain `ip netns exec` in
	# our namespaces. Deleting a namespace only drops its name; processes
	# inside would keep it (and its devices) alive. These namespaces are
	# this run's own, so everything in them is ours.
	for ns in "${WGT_NS_A:-}" "${WGT_NS_B:-}"; do
		wgt__ns_exists "$ns" || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			wgt_kill "$pid" || rc=1
		done
		# Removes the veth pair too (both ends die with either namespace).
		ip netns del "$ns" 2>/dev/null || {
			wgt__err "wgt_down: cannot delete namespace $ns"
			rc=1
		}
	done
	# wireguard-go removes its socket on SIGTERM but not after SIGKILL.
	for ifn in "${WGT_IF_A:-}" "${WGT_IF_B:-}"; do
		[ -z "$ifn" ] || rm -f "$WGT_SOCK_DIR/$ifn.sock"
	done
	if [ -n "${WGT_TMP:-}" ] && [ -d "$WGT_TMP" ]; then
		if [ "${WGT_KEEP_TMP:-0}" = 1 ]; then
			wgt__err "kept $WGT_TMP"
		else
			rm -rf "$WGT_TMP"
		fi
	fi
	WGT_TMP=
	return "$rc"
}
