#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The systemd units as scripts/install installs them (into a temporary
# DESTDIR): `systemd-analyze verify` is clean on each (no output at all;
# it checks the syntax, the ExecStart binaries at their installed paths
# and the man pages in Documentation=, and it would complain about a bad
# LoadCredential=), and `systemd-analyze security --offline=true` rates the
# exposure of wgtap-ship.service and wgtap-backfill.service at most 1.1
# (what they had before the keys moved to LoadCredential=) and of
# wgtap-capture@wg0.service at most 3.5; the scores are printed. Also
# checks the settings the scores do not show: users, capabilities, restart
# policy, the keys passed as a credential and set nowhere in a unit, the
# spool as the only writable path, the timer. Skips without
# systemd-analyze.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"

top=${WGTAP_TOP:-$(cd "$here/.." && pwd)}
command -v systemd-analyze >/dev/null 2>&1 ||
	skip "systemd-analyze is not installed"
[ -x "${WGTAP_CAPTURE:-}" ] && [ -x "${WGTAP_SHIP:-}" ] ||
	skip "WGTAP_CAPTURE and WGTAP_SHIP must name the built binaries"
systemd-analyze --version | head -n 1

T=$(mktemp -d "${TMPDIR:-/tmp}/t-units.XXXXXX")
trap 'rm -rf "$T"' EXIT
D=$T/root
units=$D/usr/local/lib/systemd/system

env -u PREFIX -u BINDIR -u MANDIR -u UNITDIR DESTDIR="$D" \
	WGTAP_CAPTURE="$WGTAP_CAPTURE" WGTAP_SHIP="$WGTAP_SHIP" \
	"$top/scripts/install" >"$T/install.log" 2>&1
rc=$?
eq "scripts/install into the test root exits 0" "$rc" 0
[ "$rc" = 0 ] || { cat "$T/install.log"; finish; }

# verify --root resolves every unit, the targets the units name included
# (sysinit.target, network-online.target, ...), below the root: give the
# root a copy of the distribution's units, as a real system has.
sysunits=
for d in /usr/lib/systemd/system /lib/systemd/system; do
	if [ -f "$d/sysinit.target" ]; then
		sysunits=$d
		break
	fi
done
[ -n "$sysunits" ] || skip "no systemd unit directory with sysinit.target"
mkdir -p "$D/usr/lib/systemd/system"
cp -a "$sysunits/." "$D/usr/lib/systemd/system/"

# Documentation=man:... is checked by running man(1), which finds the
# pages installed into the root through MANPATH. Without man(1) that
# check cannot run.
manflag=
if ! command -v man >/dev/null 2>&1; then
	manflag=--man=no
	echo "man(1) is not installed: verify runs with --man=no"
fi
verify() {
	MANPATH=$D/usr/local/share/man SYSTEMD_LOG_COLOR=0 \
		systemd-analyze verify $manflag --root="$D" "$@" 2>&1
}

for u in wgtap-ship.service wgtap-capture@wg0.service \
	wgtap-capture@wg1.service wgtap-backfill.service wgtap-backfill.timer; do
	out=$(verify "$u")
	rc=$?
	[ -n "$out" ] && echo "$out" | sed 's/^/    /'
	eq "systemd-analyze verify $u exits 0" "$rc" 0
	eq "systemd-analyze verify $u prints nothing" "$out" ""
done

# The check above is only worth something if verify notices a problem:
# hide the ship binary and it must complain about exactly that.
mv "$D/usr/local/bin/wgtap-ship" "$T/wgtap-ship.hidden"
out=$(verify wgtap-ship.service)
rc=$?
mv "$T/wgtap-ship.hidden" "$D/usr/local/bin/wgtap-ship"
check "verify does check the ExecStart binary (fails without it)" \
	test "$rc" != 0 -a -n "$(echo "$out" | grep 'usr/local/bin/wgtap-ship')"

# Exposure scores: "→ Overall exposure level for UNIT: 1.2 OK".
score() {
	systemd-analyze security --offline=true --root="$D" --no-pager "$1" \
		>"$T/security.$1" 2>&1
	sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' \
		"$T/security.$1"
}
for spec in wgtap-ship.service:1.1 wgtap-capture@wg0.service:3.5 \
	wgtap-backfill.service:1.1; do
	u=${spec%:*}
	max=${spec##*:}
	s=$(score "$u")
	if [ -z "$s" ]; then
		not_ok "systemd-analyze security $u printed no score"
		sed 's/^/    /' "$T/security.$u" | tail -n 20
		continue
	fi
	echo "exposure $u: $s (at most $max)"
	if awk -v s="$s" -v m="$max" 'BEGIN { exit !(s <= m) }'; then
		ok "exposure of $u is $s, at most $max"
	else
		not_ok "exposure of $u is $s, more than $max"
		grep '✗' "$T/security.$u" | sed 's/^/    /'
	fi
done

# What the score alone does not pin down.
val() {	# UNIT KEY: the values of KEY= (several lines when repeated)
	sed -n "s/^$2=//p" "$units/$1"
}
eq "ship runs as wgtap-ship" "$(val wgtap-ship.service User)" wgtap-ship
eq "ship runs with the group wgtap (reads and deletes segments)" \
	"$(val wgtap-ship.service Group)" wgtap
eq "ship has no capabilities (bounding set)" "$(val wgtap-ship.service CapabilityBoundingSet)" ""
eq "ship has no ambient capabilities" "$(val wgtap-ship.service AmbientCapabilities)" ""
eq "capture runs as wgtap" "$(val wgtap-capture@.service User)" wgtap
eq "capture bounding set: CAP_NET_RAW CAP_NET_ADMIN only" \
	"$(val wgtap-capture@.service CapabilityBoundingSet)" "CAP_NET_RAW CAP_NET_ADMIN"
eq "capture ambient set: CAP_NET_RAW CAP_NET_ADMIN only" \
	"$(val wgtap-capture@.service AmbientCapabilities)" "CAP_NET_RAW CAP_NET_ADMIN"
eq "capture sockets: packet, netlink and sd_notify only" \
	"$(val wgtap-capture@.service RestrictAddressFamilies)" "AF_PACKET AF_NETLINK AF_UNIX"
eq "ship sockets: IP and local only" \
	"$(val wgtap-ship.service RestrictAddressFamilies)" "AF_UNIX AF_INET AF_INET6"
for u in wgtap-ship.service wgtap-capture@.service; do
	eq "$u: Type=notify" "$(val "$u" Type)" notify
	eq "$u: NotifyAccess=main" "$(val "$u" NotifyAccess)" main
	eq "$u: WatchdogSec=30s" "$(val "$u" WatchdogSec)" 30s
done
for u in wgtap-ship.service wgtap-capture@.service wgtap-backfill.service; do
	eq "$u: NoNewPrivileges" "$(val "$u" NoNewPrivileges)" yes
	eq "$u: ProtectSystem=strict" "$(val "$u" ProtectSystem)" strict
	eq "$u: the spool is the only writable path" "$(val "$u" ReadWritePaths)" /var/spool/wgtap
	eq "$u: SystemCallFilter" "$(val "$u" SystemCallFilter | tr '\n' ' ')" \
		"@system-service ~@privileged @resources "
	eq "$u: PrivateTmp" "$(val "$u" PrivateTmp)" yes
	eq "$u: ProtectHome" "$(val "$u" ProtectHome)" yes
done
for u in wgtap-ship.service wgtap-capture@.service; do
	eq "$u: Restart=always" "$(val "$u" Restart)" always
	check "$u: RestartSec is between 1 and 60 s" \
		bash -c 's=$1; s=${s%s}; [ "$s" -ge 1 ] && [ "$s" -le 60 ]' _ "$(val "$u" RestartSec)"
done
for u in wgtap-ship.service wgtap-backfill.service; do
	eq "$u: the keys come as a systemd credential" \
		"$(val "$u" LoadCredential)" \
		aws-credentials:/etc/wgtap/aws-credentials
	eq "$u: the options from ship.env" "$(val "$u" EnvironmentFile)" \
		/etc/wgtap/ship.env
	check "$u: no key is set in the unit itself" \
		bash -c '! grep -Eq "^(Environment|SetCredential)=.*AWS_" "$1"' _ \
		"$units/$u"
done
eq "ship: no restart after exit 2 (configuration) or 243 (credential)" \
	"$(val wgtap-ship.service RestartPreventExitStatus)" "2 243"
eq "backfill is a oneshot" "$(val wgtap-backfill.service Type)" oneshot
check "backfill runs wgtap-ship --once" \
	grep -q '^ExecStart=/usr/local/bin/wgtap-ship --once ' "$units/wgtap-backfill.service"
eq "the timer is hourly" "$(val wgtap-backfill.timer OnCalendar)" hourly
eq "the timer catches up on missed runs" "$(val wgtap-backfill.timer Persistent)" true
check "the timer has a random delay" test -n "$(val wgtap-backfill.timer RandomizedDelaySec)"

# The instance name is the interface.
check "capture: --iface comes from the instance name (%i)" \
	grep -q -- '^ExecStart=/usr/local/bin/wgtap-capture --iface %i ' \
	"$units/wgtap-capture@.service"
finish
