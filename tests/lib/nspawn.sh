# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# nspawn.sh: a real systemd as PID 1 of a systemd-nspawn container, on a
# host whose PID 1 is not systemd (no machined, no D-Bus to register with),
# for tests of the units as they ship. Source it after common.sh.
#
#   nspawn_available          0 when root and the tools are there; else 1
#                             and $NSPAWN_UNAVAILABLE says what is missing
#   nspawn_rootfs PKGS        a Debian 12 root file system with systemd and
#                             the packages PKGS (comma-separated), made by
#                             mmdebstrap from the host's apt sources and
#                             cached under $NSPAWN_CACHE (build/nspawn), keyed
#                             by a hash of the package list; sets NSPAWN_ROOT
#   nspawn_boot NAME [ARG...] boot it (ARGs: more systemd-nspawn flags,
#                             such as --bind-ro=DIR): sets NSPAWN_PID (systemd-nspawn on the
#                             host) and CT_PID (the container's PID 1 on the
#                             host); waits until systemctl is-system-running
#                             says running or degraded
#   ct CMD...                 run CMD inside (nsenter into every namespace)
#   nspawn_stop               power off, then SIGTERM nspawn, by PID; remove
#                             the container's cgroups; idempotent
#
# The settings, each found necessary on such a host:
#   --register=no --keep-unit   nothing to register with; commands go in
#                               with nsenter -t PID -a (machinectl and
#                               systemd-run -M cannot work here)
#   SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1   pure cgroup v2 inside: with the
#                               hybrid layout IPAddressDeny= is silently
#                               not enforced
#   --system-call-filter=bpf    nspawn's own seccomp filter would block bpf(),
#                               and with it the IP firewall, silently
#   --private-network --capability=CAP_NET_RAW,CAP_NET_ADMIN   or a unit
#                               asking for CAP_NET_ADMIN silently lacks it
#   --bind=/dev/net/tun         for wireguard-go inside
#   --volatile=overlay          writes go to a tmpfs over the cached root
#                               file system, which stays as it was
# The container runs in a cgroup of its own on the host ($NSPAWN_CG), made
# here and removed at the end.

# Helper functions run indirectly, through wait_for.
# shellcheck disable=SC2317
NSPAWN_CACHE=${NSPAWN_CACHE:-${WGTAP_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/build/nspawn}
NSPAWN_PID=
CT_PID=
NSPAWN_CG=
NSPAWN_NAME=

nspawn_available() {
	local t
	export NSPAWN_UNAVAILABLE=
	if [ "$(id -u)" != 0 ]; then
		NSPAWN_UNAVAILABLE="not root"
		return 1
	fi
	for t in systemd-nspawn mmdebstrap nsenter; do
		if ! command -v "$t" >/dev/null 2>&1; then
			NSPAWN_UNAVAILABLE="$t is not installed (Debian packages systemd-container, mmdebstrap, util-linux)"
			return 1
		fi
	done
	if ! [ -c /dev/net/tun ]; then
		NSPAWN_UNAVAILABLE="no /dev/net/tun"
		return 1
	fi
	if ! [ -d /sys/fs/cgroup/unified ] && ! [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		NSPAWN_UNAVAILABLE="no cgroup v2 hierarchy on this host"
		return 1
	fi
	return 0
}

# The host's apt sources, for mmdebstrap.
_nspawn_sources() {
	local f
	for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
		if [ -s "$f" ]; then
			echo "$f"
			return 0
		fi
	done
	return 1
}

nspawn_rootfs() {
	local pkgs="systemd,systemd-sysv,dbus,$1" key src
	src=$(_nspawn_sources) || { echo "nspawn: no apt sources on this host" >&2; return 1; }
	key=$(printf 'bookworm minbase %s\n' "$pkgs" | sha256sum | cut -c1-16)
	NSPAWN_ROOT=$NSPAWN_CACHE/rootfs-$key
	if [ -x "$NSPAWN_ROOT/lib/systemd/systemd" ] && [ -e "$NSPAWN_ROOT.done" ]; then
		return 0
	fi
	rm -rf "$NSPAWN_ROOT" "$NSPAWN_ROOT.done"
	mkdir -p "$NSPAWN_CACHE"
	mmdebstrap --quiet --variant=minbase --include="$pkgs" bookworm \
		"$NSPAWN_ROOT" "$src" >"$NSPAWN_CACHE/mmdebstrap.log" 2>&1 || {
		tail -n 20 "$NSPAWN_CACHE/mmdebstrap.log" >&2
		rm -rf "$NSPAWN_ROOT"
		return 1
	}
	touch "$NSPAWN_ROOT.done"
}

# The cgroup hierarchies of the host that get a cgroup for the container.
_nspawn_hierarchies() {
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		echo /sys/fs/cgroup
	else
		echo /sys/fs/cgroup/systemd /sys/fs/cgroup/unified
	fi
}

nspawn_boot() {
	local name=$1 state='' h log
	shift
	NSPAWN_NAME=$name
	NSPAWN_CG=wgtap-nspawn-$$
	log=${NSPAWN_LOG:-/dev/null}
	(
		for h in $(_nspawn_hierarchies); do
			[ -d "$h" ] || continue
			mkdir -p "$h/$NSPAWN_CG"
			echo "$BASHPID" >"$h/$NSPAWN_CG/cgroup.procs"
		done
		export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1
		exec systemd-nspawn -q -D "$NSPAWN_ROOT" -M "$name" --boot \
			--register=no --keep-unit --console=read-only \
			--private-network --volatile=overlay \
			--capability=CAP_NET_RAW,CAP_NET_ADMIN \
			--system-call-filter=bpf --bind=/dev/net/tun "$@" \
			</dev/null >"$log" 2>&1
	) &
	NSPAWN_PID=$!
	_nspawn_booted() {
		CT_PID=$(pgrep -P "$NSPAWN_PID" | head -n 1)
		[ -n "$CT_PID" ] || return 1
		state=$(nsenter -t "$CT_PID" -a systemctl is-system-running 2>/dev/null)
		case $state in running | degraded) return 0 ;; esac
		return 1
	}
	wait_for 60 _nspawn_booted || {
		echo "nspawn: not booted (state '$state')" >&2
		return 1
	}
}

ct() {
	nsenter -t "$CT_PID" -a "$@"
}

nspawn_stop() {
	local h
	if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
		CT_PID=$(pgrep -P "$NSPAWN_PID" | head -n 1)
		# SIGRTMIN+4: systemd powers off
		[ -n "$CT_PID" ] && kill -RTMIN+4 "$CT_PID" 2>/dev/null
		if ! wait_for 10 pid_gone "$NSPAWN_PID"; then
			kill -TERM "$NSPAWN_PID" 2>/dev/null
			wait_for 5 pid_gone "$NSPAWN_PID" || kill -KILL "$NSPAWN_PID" 2>/dev/null
		fi
		wait "$NSPAWN_PID" 2>/dev/null
	fi
	NSPAWN_PID=
	if [ -n "$NSPAWN_CG" ]; then
		for h in $(_nspawn_hierarchies); do
			[ -d "$h/$NSPAWN_CG" ] &&
				find "$h/$NSPAWN_CG" -depth -type d -exec rmdir {} \; 2>/dev/null
		done
	fi
	if [ -n "$NSPAWN_NAME" ]; then
		# nspawn leaves these where /run is not a tmpfs of its own
		rm -rf "/run/systemd/nspawn/propagate/$NSPAWN_NAME"
		rmdir /run/systemd/nspawn/locks /run/systemd/nspawn/propagate \
			/run/systemd/nspawn 2>/dev/null
	fi
	return 0
}
