#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/install and scripts/uninstall into temporary DESTDIRs, checked
# file by file: every path, type, mode, owner and content that matters
# (binaries 0755, units 0644 with the installed ExecStart paths and the
# keys passed with LoadCredential=, man pages 0644, ship.env with options
# only and the aws-credentials template, both 0600 root:root); a second run
# changes nothing and keeps edited configuration files; an upgrade from the
# layout with the keys in ship.env keeps that file as it was and adds the
# template; uninstall removes everything it installed and keeps the
# configuration until --purge. A plain staging DESTDIR gets no users and no
# spool; a chroot-like one (its own etc/passwd) gets both, created with
# systemd-sysusers/-tmpfiles --root, and --purge refuses to delete unshipped
# segments without --force. The running system is checked to be untouched.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"

top=${WGTAP_TOP:-$(cd "$here/.." && pwd)}
[ -x "${WGTAP_CAPTURE:-}" ] && [ -x "${WGTAP_SHIP:-}" ] ||
	skip "WGTAP_CAPTURE and WGTAP_SHIP must name the built binaries"
[ -f "$top/man/wgtap-capture.8" ] && [ -f "$top/man/wgtap-ship.8" ] ||
	skip "the man pages are not there yet"

T=$(mktemp -d "${TMPDIR:-/tmp}/t-install.XXXXXX")
trap 'rm -rf "$T"' EXIT
# Install copies: a rebuild while the test runs must not look like a change.
mkdir "$T/bin"
cp "$WGTAP_CAPTURE" "$T/bin/wgtap-capture"
cp "$WGTAP_SHIP" "$T/bin/wgtap-ship"
WGTAP_CAPTURE=$T/bin/wgtap-capture
WGTAP_SHIP=$T/bin/wgtap-ship
uid=$(id -u)
root=0
[ "$uid" = 0 ] && root=1

# What the running system looks like, to prove it is not touched.
system_state() {
	getent passwd wgtap wgtap-ship
	getent group wgtap
	ls -ld /etc/wgtap /var/spool/wgtap /usr/local/bin/wgtap-capture \
		/usr/local/bin/wgtap-ship /usr/local/lib/systemd/system/wgtap-ship.service \
		/etc/systemd/system/wgtap-ship.service 2>&1
}
system_state >"$T/system.before"

inst() {	# DESTDIR [args...]: run scripts/install, output in $T/out
	local d=$1
	shift
	env -u PREFIX -u BINDIR -u MANDIR -u UNITDIR DESTDIR="$d" \
		WGTAP_CAPTURE="$WGTAP_CAPTURE" WGTAP_SHIP="$WGTAP_SHIP" \
		"$top/scripts/install" "$@" >"$T/out" 2>&1
}
uninst() {
	local d=$1
	shift
	env -u PREFIX -u BINDIR -u MANDIR -u UNITDIR DESTDIR="$d" \
		"$top/scripts/uninstall" "$@" >"$T/out" 2>&1
}

# Everything under a tree: path, type, mode, owner, and a checksum of
# regular files. Two equal snapshots mean nothing changed.
snapshot() {
	(cd "$1" && find . -printf '%p %y %m %u:%g\n' | sort) >"$2.meta"
	(cd "$1" && find . -type f -exec md5sum {} + | sort -k2) >"$2.sum"
	cat "$2.meta" "$2.sum" >"$2"
}

# file_is PATH MODE [OWNER]: a regular file with that mode (and owner,
# checked as root only: without root nothing can be chowned).
file_is() {
	local p=$1 mode=$2 owner=${3:-0:0} got
	if [ ! -f "$p" ] || [ -L "$p" ]; then
		not_ok "${p#"$D"} is a regular file"
		return
	fi
	got=$(stat -c %a "$p")
	[ "$root" = 1 ] && got="$got $(stat -c %u:%g "$p")" && mode="$mode $owner"
	eq "${p#"$D"}: mode and owner" "$got" "$mode"
}

unit_line() {	# FILE KEY: the values of KEY= in a unit, one per line
	sed -n "s/^$2=//p" "$1"
}

# ---------------------------------------------------------------------------
# 1. A plain staging directory, default PREFIX (/usr/local).
D=$T/stage
inst "$D"
rc=$?
cat "$T/out"
eq "install into DESTDIR exits 0" "$rc" 0

bin=/usr/local/bin
units=/usr/local/lib/systemd/system
man8=/usr/local/share/man/man8
doc=/usr/local/share/doc/wgtap

file_is "$D$bin/wgtap-capture" 755
file_is "$D$bin/wgtap-ship" 755
check "the installed wgtap-capture is the built one" cmp -s "$WGTAP_CAPTURE" "$D$bin/wgtap-capture"
check "the installed wgtap-ship is the built one" cmp -s "$WGTAP_SHIP" "$D$bin/wgtap-ship"
for m in wgtap-capture.8 wgtap-ship.8; do
	file_is "$D$man8/$m" 644
	check "$man8/$m is man/$m" cmp -s "$top/man/$m" "$D$man8/$m"
done
for u in wgtap-capture@.service wgtap-ship.service wgtap-backfill.service \
	wgtap-backfill.timer; do
	file_is "$D$units/$u" 644
done
file_is "$D/usr/local/lib/tmpfiles.d/wgtap.conf" 644
file_is "$D/usr/local/lib/sysusers.d/wgtap.conf" 644
for f in cron.example ship.env.example aws-credentials.example \
	capture.env.example; do
	file_is "$D$doc/$f" 644
done
file_is "$D/etc/wgtap/ship.env" 600
file_is "$D/etc/wgtap/aws-credentials" 600
file_is "$D/etc/wgtap/capture.env" 644
eq "/etc/wgtap is 0755" "$(stat -c %a "$D/etc/wgtap")" 755

# The rendered paths.
eq "wgtap-ship.service ExecStart" "$(unit_line "$D$units/wgtap-ship.service" ExecStart)" \
	'/usr/local/bin/wgtap-ship --spool-dir /var/spool/wgtap $WGTAP_SHIP_OPTS'
eq "wgtap-backfill.service ExecStart" "$(unit_line "$D$units/wgtap-backfill.service" ExecStart)" \
	'/usr/local/bin/wgtap-ship --once --spool-dir /var/spool/wgtap $WGTAP_SHIP_OPTS'
eq "wgtap-capture@.service ExecStart" "$(unit_line "$D$units/wgtap-capture@.service" ExecStart)" \
	'/usr/local/bin/wgtap-capture --iface %i --spool-dir /var/spool/wgtap $WGTAP_CAPTURE_OPTS'
eq "wgtap-ship.service EnvironmentFile" "$(unit_line "$D$units/wgtap-ship.service" EnvironmentFile)" \
	/etc/wgtap/ship.env
eq "wgtap-backfill.service EnvironmentFile" "$(unit_line "$D$units/wgtap-backfill.service" EnvironmentFile)" \
	/etc/wgtap/ship.env
for u in wgtap-ship.service wgtap-backfill.service; do
	eq "$u passes the keys with LoadCredential=" \
		"$(unit_line "$D$units/$u" LoadCredential)" \
		aws-credentials:/etc/wgtap/aws-credentials
done
eq "wgtap-ship.service: no restart after a configuration error" \
	"$(unit_line "$D$units/wgtap-ship.service" RestartPreventExitStatus)" \
	"2 243"
eq "wgtap-capture@.service EnvironmentFile (optional, then per interface)" \
	"$(unit_line "$D$units/wgtap-capture@.service" EnvironmentFile | tr '\n' ' ')" \
	'-/etc/wgtap/capture.env -/etc/wgtap/capture-%i.env '
for u in wgtap-capture@.service wgtap-ship.service wgtap-backfill.service; do
	eq "$u ReadWritePaths is the spool only" \
		"$(unit_line "$D$units/$u" ReadWritePaths)" /var/spool/wgtap
done
eq "tmpfiles.d snippet" "$(grep -v '^#' "$D/usr/local/lib/tmpfiles.d/wgtap.conf")" \
	'd /var/spool/wgtap 2770 wgtap wgtap -'
check "sysusers.d snippet: group wgtap, users wgtap and wgtap-ship in it" \
	grep -Eq '^u wgtap-ship +-:wgtap ' "$D/usr/local/lib/sysusers.d/wgtap.conf"
check "the cron example runs the installed binary with the installed env file" \
	grep -q "\. /etc/wgtap/ship.env .*setpriv --reuid=wgtap-ship --regid=wgtap .* /usr/local/bin/wgtap-ship --once --spool-dir /var/spool/wgtap \$WGTAP_SHIP_OPTS" \
	"$D$doc/cron.example"
check "no @PLACEHOLDER@ is left in any installed text file" \
	bash -c '! grep -rEl "@[A-Z]+@" "$@"' _ "$D/usr/local/lib" "$D/etc" "$D$doc"
check "ship.env is the template: WGTAP_SHIP_OPTS set" \
	grep -q '^WGTAP_SHIP_OPTS="--storage-bucket ' "$D/etc/wgtap/ship.env"
eq "ship.env sets nothing but WGTAP_SHIP_OPTS (keys only in comments)" \
	"$(grep -v '^#' "$D/etc/wgtap/ship.env" | grep -c .)" 1
check "ship.env names the keys only in comments" \
	grep -qx '#AWS_SECRET_ACCESS_KEY=' "$D/etc/wgtap/ship.env"
eq "aws-credentials is the template: comments only, no [profile]" \
	"$(grep -cv '^#' "$D/etc/wgtap/aws-credentials")" 0
check "aws-credentials shows the format" \
	grep -qx '#aws_secret_access_key = .*' "$D/etc/wgtap/aws-credentials"
check "aws-credentials names its installed path" \
	grep -q 'LoadCredential=aws-credentials:/etc/wgtap/aws-credentials' \
	"$D/etc/wgtap/aws-credentials"
check "no credential is on any unit's command line" \
	bash -c '! grep -h "^ExecStart=" "$1"/* | grep -q AWS_' _ "$D$units"
check "a plain DESTDIR gets no users" test ! -e "$D/etc/passwd"
check "a plain DESTDIR gets no spool (the tmpfiles snippet makes it at boot)" \
	test ! -e "$D/var"
check "the output says why users and spool were not created" \
	grep -q 'users and spool not created' "$T/out"

# Exactly these files, nothing else.
(cd "$D" && find . ! -type d | sort) >"$T/files"
cat >"$T/files.want" <<EOF
./etc/wgtap/aws-credentials
./etc/wgtap/capture.env
./etc/wgtap/ship.env
.$bin/wgtap-capture
.$bin/wgtap-ship
./usr/local/lib/systemd/system/wgtap-backfill.service
./usr/local/lib/systemd/system/wgtap-backfill.timer
./usr/local/lib/systemd/system/wgtap-capture@.service
./usr/local/lib/systemd/system/wgtap-ship.service
./usr/local/lib/sysusers.d/wgtap.conf
./usr/local/lib/tmpfiles.d/wgtap.conf
.$doc/aws-credentials.example
.$doc/capture.env.example
.$doc/cron.example
.$doc/ship.env.example
.$man8/wgtap-capture.8
.$man8/wgtap-ship.8
EOF
check "DESTDIR holds exactly the expected files" diff -u "$T/files.want" "$T/files"

# ---------------------------------------------------------------------------
# 2. Idempotent: a second run changes nothing; an edited env file is kept;
# a ship.env readable by others is tightened again (root only).
snapshot "$D" "$T/snap1"
inst "$D"
rc=$?
eq "second install exits 0" "$rc" 0
snapshot "$D" "$T/snap2"
check "second install: same files, modes, owners and contents" \
	diff -u "$T/snap1" "$T/snap2"
check "second install reports every file unchanged or kept" \
	bash -c '! grep "installed " "$1"' _ "$T/out"
echo "AWS_PROFILE=gw" >>"$D/etc/wgtap/ship.env"
printf '[gw]\naws_access_key_id = AKIDEDITED\naws_secret_access_key = s\n' \
	>>"$D/etc/wgtap/aws-credentials"
echo "WGTAP_CAPTURE_OPTS=--gzip-level 6" >>"$D/etc/wgtap/capture.env"
cp "$D/etc/wgtap/ship.env" "$T/ship.env.edited"
cp "$D/etc/wgtap/aws-credentials" "$T/aws-credentials.edited"
cp "$D/etc/wgtap/capture.env" "$T/capture.env.edited"
chmod 0644 "$D/etc/wgtap/ship.env" "$D/etc/wgtap/aws-credentials"
inst "$D"
eq "third install exits 0" "$?" 0
check "an edited ship.env is kept" cmp -s "$T/ship.env.edited" "$D/etc/wgtap/ship.env"
check "an edited aws-credentials is kept" \
	cmp -s "$T/aws-credentials.edited" "$D/etc/wgtap/aws-credentials"
check "an edited capture.env is kept" cmp -s "$T/capture.env.edited" "$D/etc/wgtap/capture.env"
if [ "$root" = 1 ]; then
	file_is "$D/etc/wgtap/ship.env" 600
	file_is "$D/etc/wgtap/aws-credentials" 600
	eq "tightening both is reported" \
		"$(grep -c 'made it 0600 root:root (it holds secrets)' "$T/out")" 2
fi

# ---------------------------------------------------------------------------
# 3. Uninstall: everything installed goes, the configuration stays; then
# --purge removes the configuration too.
uninst "$D"
rc=$?
cat "$T/out"
eq "uninstall exits 0" "$rc" 0
(cd "$D" && find . ! -type d | sort) >"$T/left"
printf '%s\n' ./etc/wgtap/aws-credentials ./etc/wgtap/capture.env \
	./etc/wgtap/ship.env >"$T/left.want"
check "uninstall leaves only the configuration" diff -u "$T/left.want" "$T/left"
check "the kept ship.env is the edited one" cmp -s "$T/ship.env.edited" "$D/etc/wgtap/ship.env"
check "uninstall removed the doc directory" test ! -e "$D$doc"
uninst "$D"
eq "uninstall again exits 0 (nothing to do)" "$?" 0
uninst "$D" --purge
eq "uninstall --purge exits 0" "$?" 0
check "--purge removed /etc/wgtap" test ! -e "$D/etc/wgtap"
check "nothing but directories is left" test -z "$(find "$D" ! -type d)"

# ---------------------------------------------------------------------------
# 3b. Upgrading from the layout with the keys in ship.env (no
# aws-credentials yet): ship.env is kept byte for byte (its keys keep
# working: the environment comes first), the template is added.
D=$T/upgrade
mkdir -p "$D/etc/wgtap"
printf '%s\n' 'AWS_ACCESS_KEY_ID=AKIDOLDLAYOUT' \
	'AWS_SECRET_ACCESS_KEY=old-layout-secret' \
	'WGTAP_SHIP_OPTS="--storage-bucket old-bucket"' >"$D/etc/wgtap/ship.env"
chmod 0600 "$D/etc/wgtap/ship.env"
cp "$D/etc/wgtap/ship.env" "$T/ship.env.old"
inst "$D"
eq "upgrade: install exits 0" "$?" 0
check "upgrade: the old ship.env is kept as it was" \
	cmp -s "$T/ship.env.old" "$D/etc/wgtap/ship.env"
check "upgrade: the output says so" \
	grep -qx "scripts/install: kept existing $D/etc/wgtap/ship.env" "$T/out"
file_is "$D/etc/wgtap/aws-credentials" 600
check "upgrade: aws-credentials is the template" \
	cmp -s "$D$doc/aws-credentials.example" "$D/etc/wgtap/aws-credentials"
uninst "$D" --purge
eq "upgrade: uninstall --purge exits 0" "$?" 0

# ---------------------------------------------------------------------------
# 4. Another PREFIX: units go where systemd looks for the administrator's.
D=$T/opt
inst "$D" PREFIX=/opt/wgtap
eq "install PREFIX=/opt/wgtap exits 0" "$?" 0
file_is "$D/opt/wgtap/bin/wgtap-ship" 755
file_is "$D/etc/systemd/system/wgtap-ship.service" 644
file_is "$D/etc/tmpfiles.d/wgtap.conf" 644
file_is "$D/etc/sysusers.d/wgtap.conf" 644
file_is "$D/opt/wgtap/share/man/man8/wgtap-ship.8" 644
eq "PREFIX=/opt/wgtap: ExecStart follows" \
	"$(unit_line "$D/etc/systemd/system/wgtap-ship.service" ExecStart)" \
	'/opt/wgtap/bin/wgtap-ship --spool-dir /var/spool/wgtap $WGTAP_SHIP_OPTS'
uninst "$D" PREFIX=/opt/wgtap --purge
eq "uninstall --purge PREFIX=/opt/wgtap exits 0" "$?" 0
check "PREFIX=/opt/wgtap: nothing left" test -z "$(find "$D" ! -type d)"

# Usage errors.
inst "$T/x" FOO=bar
eq "an unknown argument is a usage error" "$?" 2
inst "$T/x" PREFIX=relative/path
eq "a relative PREFIX is a usage error" "$?" 2
inst "$T/x" "SPOOLDIR=/var/spool/has space"
eq "a path with a blank is a usage error" "$?" 2
check "usage errors installed nothing" test ! -e "$T/x"

# ---------------------------------------------------------------------------
# 5. A chroot-like DESTDIR with its own user database: users and spool are
# created inside it (root and systemd-sysusers needed).
if [ "$root" = 1 ] && command -v systemd-sysusers >/dev/null &&
	command -v systemd-tmpfiles >/dev/null; then
	D=$T/chroot
	mkdir -p "$D/etc"
	echo 'root:x:0:0:root:/root:/bin/sh' >"$D/etc/passwd"
	echo 'root:x:0:' >"$D/etc/group"
	inst "$D"
	rc=$?
	cat "$T/out"
	eq "install into a chroot-like DESTDIR exits 0" "$rc" 0
	pw_wgtap=$(grep '^wgtap:' "$D/etc/passwd")
	pw_ship=$(grep '^wgtap-ship:' "$D/etc/passwd")
	gid=$(awk -F: '$1 == "wgtap" { print $3 }' "$D/etc/group")
	check "group wgtap created in DESTDIR/etc/group" test -n "$gid"
	check "user wgtap: system uid, group wgtap, home /, nologin" \
		awk -F: -v g="$gid" '$1 == "wgtap" && $3 < 1000 && $4 == g &&
			$6 == "/" && $7 ~ /nologin$/ { f = 1 } END { exit !f }' "$D/etc/passwd"
	check "user wgtap-ship: system uid, primary group wgtap, home /, nologin" \
		awk -F: -v g="$gid" '$1 == "wgtap-ship" && $3 < 1000 && $4 == g &&
			$6 == "/" && $7 ~ /nologin$/ { f = 1 } END { exit !f }' "$D/etc/passwd"
	echo "    $pw_wgtap"
	echo "    $pw_ship"
	wuid=$(echo "$pw_wgtap" | cut -d: -f3)
	eq "spool: 2770, owner wgtap:wgtap of DESTDIR's passwd" \
		"$(stat -c '%a %u:%g' "$D/var/spool/wgtap")" "2770 $wuid:$gid"
	file_is "$D/etc/wgtap/ship.env" 600
	snapshot "$D" "$T/csnap1"
	inst "$D"
	eq "second install into the chroot-like DESTDIR exits 0" "$?" 0
	snapshot "$D" "$T/csnap2"
	check "second install: users, spool and files unchanged" \
		diff -u "$T/csnap1" "$T/csnap2"

	seg=$D/var/spool/wgtap/wg0-20261124T140231.123456789Z-000042.csv.gz
	echo data >"$seg"
	uninst "$D" --purge
	rc=$?
	cat "$T/out"
	eq "uninstall --purge with a segment in the spool refuses (exit 1)" "$rc" 1
	check "... and says why" grep -q 'still holds 1 segment' "$T/out"
	check "... and removed nothing" test -f "$seg" -a -f "$D$bin/wgtap-ship" \
		-a -f "$D/etc/wgtap/ship.env"
	uninst "$D"
	eq "uninstall (no purge) exits 0" "$?" 0
	check "the users stay" grep -q '^wgtap-ship:' "$D/etc/passwd"
	check "the spool stays, with its segment" test -f "$seg"
	uninst "$D" --purge --force
	rc=$?
	cat "$T/out"
	eq "uninstall --purge --force exits 0" "$rc" 0
	check "the spool is gone" test ! -e "$D/var/spool/wgtap"
	check "the users are gone" bash -c '! grep -Eq "^wgtap(-ship)?:" "$1/etc/passwd"' _ "$D"
	check "the group is gone" bash -c '! grep -q "^wgtap:" "$1/etc/group"' _ "$D"
	check "no wgtap file is left" \
		test -z "$(find "$D" ! -type d ! -path "$D/etc/*")"
else
	echo "skipped the chroot-like DESTDIR checks: they need root, systemd-sysusers and systemd-tmpfiles"
fi

system_state >"$T/system.after"
check "the running system was not touched (users, /etc/wgtap, spool, units)" \
	cmp -s "$T/system.before" "$T/system.after"
finish
