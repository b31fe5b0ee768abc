#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The power-cut test: a WireGuard gateway in a virtual machine (QEMU, TCG;
# Debian 12's cloud kernel and systemd; tests/lib/qemu.sh) is switched off
# again and again while wgtap-capture, installed with scripts/install and
# run from its unit wgtap-capture@wg0.service, captures numbered datagrams
# on kernel WireGuard. A power cut is SIGKILL of QEMU: whatever the guest
# had not written to its virtual disk is gone, its page cache included,
# which a SIGKILL of the capture alone (tests/torture.sh) never loses.
#
# Each boot: the capture recovers what the last cut left, says "capturing
# on wg0", and a sender in the client namespace sends datagram after
# datagram through the tunnel, printing each number on the live console as
# it goes (the host stamps every console line with its own clock as it
# arrives). The host cuts the power at a moment from a seeded schedule:
#   time      a random time after the traffic started
#   sync      on the first sync of a new .part (its write, just before
#             the fdatasync), or a little later
#   synced    0.3-0.8 s after that sync (a leftover for the next boot)
#   rename    on a rename of a .part to its final name (the directory's
#             fsync under way), or a little later
#   recovery  during the next boot's recovery: on the recovery copy's
#             creation, its rename, or the leftover's deletion
# The spool watcher (tests/powercut/watch) reports creations, writes and
# renames on the console as they happen; the cuts are timed on those lines.
# After each cut, the host reads the spool off a copy of the disk (its
# journal replayed by e2fsck, as a mount would). A final clean boot
# recovers, sends, and stops the capture. Then the host reads the spool and
# the journal off the disk image with debugfs (no mount) and
# tests/tools/powercut_check.py checks that every datagram sent more than
# --sync-interval + 0.5 s before a cut (by the host's clock; see
# RELIABILITY.md) was on the disk at the cut and is in a completed segment
# exactly once, that recovery kept every complete row of every leftover,
# that every segment decompresses whole with a header and whole rows, that
# no temporary file is left, and that the capture's logged row counts agree
# with the files.
#
# Needs root, qemu-system-x86_64, mmdebstrap, mke2fs, debugfs, e2fsck,
# journalctl, wg, python3; skipped (77) without them and in the sanitizer
# pass (WGTAP_SAN).
# The base image is built once and cached under build/qemu (tests/lib/qemu.sh).
# Knobs (environment):
#   WGTAP_POWERCUT_SEED      seed of the schedule (default random; printed)
#   WGTAP_POWERCUT_CUTS      number of cuts, 5 to 9 (default 6)
#   WGTAP_POWERCUT_COMPRESS  the capture's --compress (default gzip)
#   WGTAP_POWERCUT_SYNC      the capture's --sync-interval in seconds
#                            (default 1); WGTAP_POWERCUT_BOUND the seconds
#                            the check allows (default: the same)
#   WGTAP_POWERCUT_NOSYNC=1  load tests/powercut/nosync.c into the capture:
#                            its fsync, fdatasync and syncfs do nothing.
#                            The test must then fail (it shows what the test
#                            catches that a SIGKILL cannot)
#   WGTAP_POWERCUT_KEEP=1    keep the work directory (kept on failure)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=tests/lib/common.sh
. "$here/lib/common.sh"
# shellcheck source=tests/lib/qemu.sh
. "$here/lib/qemu.sh"

# All in a function: bash reads a script as it runs it, and a run takes
# minutes; an edit of this file meanwhile must not change the run.
main() {
reason=$(qemu_available) || skip "$reason"
for c in journalctl wg e2fsck systemd-sysusers systemd-tmpfiles \
	systemd-machine-id-setup; do
	command -v "$c" >/dev/null 2>&1 || skip "$c not found (scripts/deps test installs it)"
done
WGTAP_CAPTURE=${WGTAP_CAPTURE:-$root/wgtap-capture/wgtap-capture}
WGTAP_SHIP=${WGTAP_SHIP:-$root/wgtap-ship/wgtap-ship}
[ -x "$WGTAP_CAPTURE" ] || skip "WGTAP_CAPTURE is not an executable: $WGTAP_CAPTURE"
[ -x "$WGTAP_SHIP" ] || skip "WGTAP_SHIP is not an executable: $WGTAP_SHIP"
py=$(qemu__python)

SEED=${WGTAP_POWERCUT_SEED:-$(od -An -N3 -tu4 /dev/urandom | tr -d ' ')}
CUTS=${WGTAP_POWERCUT_CUTS:-6}
COMPRESS=${WGTAP_POWERCUT_COMPRESS:-gzip}
SYNC=${WGTAP_POWERCUT_SYNC:-1}
BOUND=${WGTAP_POWERCUT_BOUND:-$SYNC}
MARGIN=0.5
RATE=50          # datagrams per second
ROWS=100         # --max-packets-per-log: a rotation every 2 s or so
AGE=3s           # --packet-log-interval
PER_BOOT=4000    # datagram numbers per boot (ports 10000 + number)
FINAL_COUNT=200  # datagrams of the clean last boot
BOOT_TIMEOUT=300
case $CUTS in
[5-9]) ;;
*) echo "WGTAP_POWERCUT_CUTS must be 5 to 9, not '$CUTS'"; exit 2 ;;
esac

W=$(mktemp -d "${TMPDIR:-/tmp}/wgtap-powercut.XXXXXX") || exit 1
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local rc=$?
	qemu_stop
	if [ "$rc" != 0 ] || [ "${WGTAP_POWERCUT_KEEP:-0}" = 1 ]; then
		echo "work directory kept: $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

echo "powercut: seed $SEED, $CUTS cuts, --compress $COMPRESS, --sync-interval $SYNC"
echo "powercut: replay with WGTAP_POWERCUT_SEED=$SEED WGTAP_POWERCUT_CUTS=$CUTS"
t_start=$SECONDS

# --- the image (cached) and this run's root disk, with wgtap installed by
# scripts/install as an operator would.
qemu_image || { echo "FAIL building the image"; exit 1; }
t_image=$((SECONDS - t_start))
R=$W/rootfs
qemu_rootfs "$R" || exit 1
if ! "$root/scripts/install" DESTDIR="$R" WGTAP_CAPTURE="$WGTAP_CAPTURE" \
	WGTAP_SHIP="$WGTAP_SHIP" >"$W/install.log" 2>&1; then
	cat "$W/install.log"
	echo "FAIL scripts/install into the image"
	exit 1
fi
# What the operator puts into the configuration: short segments.
cat >"$R/etc/wgtap/capture.env" <<EOF
WGTAP_CAPTURE_OPTS="--packet-log-interval $AGE --max-packets-per-log $ROWS --sync-interval $SYNC --compress $COMPRESS"
EOF
mkdir -p "$R/opt/wgtest"
install -m 0755 "$here/powercut/net-setup" "$here/powercut/watch" "$R/opt/wgtest/"
install -m 0644 "$here/powercut/wgtest-net.service" \
	"$here/powercut/wgtest-watch.service" "$R/etc/systemd/system/"
# The tunnel's keys, made here: each process costs a lot in the emulator.
# (printf is a builtin: the keys are in no process's argv.)
mkdir -m 0700 "$R/etc/wgtest"
k_gw=$(wg genkey) && k_cl=$(wg genkey) &&
	p_gw=$(printf '%s\n' "$k_gw" | wg pubkey) &&
	p_cl=$(printf '%s\n' "$k_cl" | wg pubkey) || exit 1
( umask 077
printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\n[Peer]\nPublicKey = %s\nAllowedIPs = 192.0.2.2/32\n' \
	"$k_gw" "$p_cl" >"$R/etc/wgtest/wg0.conf"
printf '[Interface]\nPrivateKey = %s\nListenPort = 51821\n[Peer]\nPublicKey = %s\nAllowedIPs = 192.0.2.0/24\nEndpoint = 198.51.100.1:51820\n' \
	"$k_cl" "$p_gw" >"$R/etc/wgtest/wg1.conf" )
systemctl --root="$R" enable wgtest-net.service wgtest-watch.service \
	wgtap-capture@wg0.service >>"$W/install.log" 2>&1 ||
	{ cat "$W/install.log"; echo "FAIL systemctl enable"; exit 1; }
if [ "${WGTAP_POWERCUT_NOSYNC:-0}" = 1 ]; then
	cc -std=c11 -Wall -Wextra -Werror -shared -fPIC -O2 \
		-o "$R/opt/wgtest/nosync.so" "$here/powercut/nosync.c" ||
		{ echo "FAIL building nosync.so"; exit 1; }
	mkdir -p "$R/etc/systemd/system/wgtap-capture@wg0.service.d"
	printf '[Service]\nEnvironment=LD_PRELOAD=/opt/wgtest/nosync.so\n' \
		>"$R/etc/systemd/system/wgtap-capture@wg0.service.d/nosync.conf"
	echo "powercut: WGTAP_POWERCUT_NOSYNC=1: the capture's fsync, fdatasync and syncfs do nothing; this run must fail"
fi
# A fixed machine id: one journal directory across all boots.
rm -f "$R/etc/machine-id"
systemd-machine-id-setup --root="$R" >/dev/null 2>&1 || exit 1
MID=$(cat "$R/etc/machine-id")
qemu_mkfs "$R" "$W/root.img" 256 || exit 1
rm -rf "$R"
mkdir -p "$W/payload"
install -m 0755 "$here/powercut/run" "$here/powercut/send" "$W/payload/"
qemu_mkfs "$W/payload" "$W/payload.img" 4 || exit 1
export QEMU_PAYLOAD_RO=1
# A disk with a spinning disk's pace: an fsync takes tens of milliseconds,
# long enough to cut the power in the middle of one.
export QEMU_WRITE_IOPS=100
t_prep=$((SECONDS - t_start - t_image))

# --- the schedule: one line per boot in $W/schedule, "K KIND", and the
# console reader's options for boot K, one per line, in $W/opts.K.
"$py" - "$SEED" "$CUTS" "$W" <<'EOF' || exit 1
import random, sys
seed, cuts, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
r = random.Random(seed)
# A recovery cut needs a leftover with rows on the disk: the cut before
# it comes a little after the first sync of a new .part ("synced"). The
# pairs count as one unit in the shuffle; one pair, two from 7 cuts on.
pairs = 1 if cuts < 7 else 2
units = [["time"], ["sync"], ["rename"]]
units += [["synced", "recovery"] for _ in range(pairs)]
units += [[r.choice(["time", "sync", "rename"])]
          for _ in range(cuts - 3 - 2 * pairs)]
r.shuffle(units)
kinds = [k for u in units for k in u]
SEG = r"wg0-\S+Z-\d{6}\.csv(\.gz|\.zst)?"
sched = []
for k in kinds:
    if k == "synced":
        # 0.3-0.8 s after the first sync's write of a new .part: that
        # fdatasync is done (tens of ms), the segment still open (it
        # closes at 100 rows, two seconds or more after it opened).
        opts = ["--arm", "^CAPTURING$", "--arm-delay",
                "%.3f" % r.uniform(2.0, 5.0),
                "--count-from", r"^W\sCREATE\s\.%s\.part$" % SEG,
                "--cut-on", r"^W\sMODIFY\s\.%s\.part$" % SEG,
                "--cut-nth", "2",
                "--cut-delay", "%.4f" % r.uniform(0.3, 0.8),
                "--cut-fallback", "30"]
    elif k == "time":
        opts = ["--arm", "^CAPTURING$", "--cut-after",
                "%.3f" % r.uniform(2.5, 10.0)]
    elif k == "sync":
        # A new .part: CREATE, MODIFY (fallocate), then the first MODIFY
        # of a sync (the write before fdatasync); closing a segment takes
        # 100 rows, two seconds or more.
        delay = 0.0 if r.random() < 0.5 else r.uniform(0.0, 0.03)
        opts = ["--arm", "^CAPTURING$", "--arm-delay",
                "%.3f" % r.uniform(2.0, 5.0),
                "--count-from", r"^W\sCREATE\s\.%s\.part$" % SEG,
                "--cut-on", r"^W\sMODIFY\s\.%s\.part$" % SEG,
                "--cut-nth", "2",
                "--cut-delay", "%.4f" % delay, "--cut-fallback", "30"]
    elif k == "rename":
        delay = 0.0 if r.random() < 0.5 else r.uniform(0.0, 0.05)
        opts = ["--arm", "^CAPTURING$", "--arm-delay",
                "%.3f" % r.uniform(2.0, 5.0),
                "--cut-on", r"^W\sMOVED_TO\s%s$" % SEG,
                "--cut-delay", "%.4f" % delay, "--cut-fallback", "30"]
    else:
        phase = r.choice(["copy", "publish", "delete"])
        trig = {"copy": r"^W\sCREATE\s\.%s\.rec\.part$" % SEG,
                "publish": r"^W\sMOVED_TO\s%s$" % SEG,
                "delete": r"^W\sDELETE\s\.%s\.part$" % SEG}[phase]
        k = "recovery-" + phase
        delay = r.uniform(0.0, 0.005) if phase == "copy" else 0.0
        # Should there be no leftover after all: no recovery, and a cut
        # at a random time instead.
        opts = ["--arm", r"^BOOT\s", "--cut-on", trig,
                "--disarm", "^CAPTURING$",
                "--cut-delay", "%.4f" % delay,
                "--cut-fallback", "%.3f" % r.uniform(25.0, 40.0)]
    sched.append((k, opts))
sched.append(("final", []))
with open(work + "/schedule", "w") as f:
    for i, (k, opts) in enumerate(sched):
        f.write("%d %s\n" % (i + 1, k))
        with open("%s/opts.%d" % (work, i + 1), "w") as o:
            o.write("".join(x + "\n" for x in opts))
EOF
echo "powercut: schedule: $(cut -d' ' -f2 "$W/schedule" | tr '\n' ' ')"

ts() { printf '%d.%03d' $(( $1 / 1000000000 )) $(( $1 / 1000000 % 1000 )); }
line_ns() { # DIR REGEX: host time of the first console line matching
	awk -F'\t' -v re="$2" '$2 ~ re { print $1; exit }' "$1/console.log"
}
boots=0
while read -r -u 3 k kind; do
	mapfile -t opts <"$W/opts.$k"
	d=$W/boot$k
	final=0
	count=$PER_BOOT
	if [ "$kind" = final ]; then
		final=1
		count=$FINAL_COUNT
	fi
	t0=$(qemu__now_ns)
	qemu_start "$d" "$W/root.img" "$W/payload.img" \
		"wgtest.boot=$k wgtest.base=$(((k - 1) * PER_BOOT)) wgtest.count=$count wgtest.rate=$RATE wgtest.final=$final" \
		-- "${opts[@]}" || exit 1
	qemu_wait "$BOOT_TIMEOUT"
	rc=$?
	boots=$k
	t1=$(qemu__now_ns)
	cut=$(awk -F'\t' '$2 ~ /^CUT / { print $1 "\t" $2; exit }' "$d/console.log")
	tb=$(line_ns "$d" '^BOOT ')
	tc=$(line_ns "$d" '^CAPTURING$')
	sent=$(grep -c $'\tS ' "$d/console.log")
	info="boot $k ($kind): ran $(( (t1 - t0) / 1000000000 )) s"
	[ -n "$tc" ] && info="$info, capturing $(( (tc - t0) / 1000000000 )) s after power-on"
	info="$info, $sent datagrams sent"
	if [ "$kind" = final ]; then
		if [ "$rc" = 0 ] && [ -z "$cut" ] &&
			grep -q $'\tPAYLOAD EXIT 0$' "$d/console.log" &&
			grep -q $'\tSTOPPED 0$' "$d/console.log"; then
			ok "$info; capture stopped, powered off"
		else
			not_ok "$info; qemu status $rc, cut '${cut#*$'\t'}'; the console's end:"
			tail -n 15 "$d/console.log" | cut -f2- | sed 's/^/    /'
			exit 1
		fi
	elif [ -n "$cut" ] && [ "$rc" = 137 ]; then
		tcut=${cut%%$'\t'*}
		if [ -n "$tc" ] && [ "$tcut" -gt "$tc" ]; then
			info="$info, cut $(ts $((tcut - tc))) s after CAPTURING"
		elif [ -n "$tb" ]; then
			info="$info, cut $(ts $((tcut - tb))) s after BOOT (before CAPTURING)"
		fi
		ok "$info: ${cut#*$'\t'}"
		# What the cut left on the disk, before the next boot touches it:
		# a copy of the image, its journal replayed as a mount would.
		cp --sparse=always "$W/root.img" "$W/snap.img" &&
			e2fsck -fy "$W/snap.img" >"$d/fsck.log" 2>&1
		rc=$?
		# 0: clean, 1: repaired (a replayed journal counts).
		[ "$rc" -le 1 ] ||
			echo "     e2fsck of the disk as the cut left it: status $rc; see $d/fsck.log"
		qemu_rdump "$W/snap.img" /var/spool/wgtap "$d/at-cut" || exit 1
		rm -f "$W/snap.img"
	else
		not_ok "$info: no power cut (qemu status $rc); the console's end:"
		tail -n 15 "$d/console.log" | cut -f2- | sed 's/^/    /'
		exit 1
	fi
done 3<"$W/schedule"
t_boots=$((SECONDS - t_start - t_image - t_prep))

# --- read the disk back, without mounting it.
qemu_rdump "$W/root.img" /var/spool/wgtap "$W/disk" || exit 1
qemu_rdump "$W/root.img" /var/log/journal "$W/disk" || exit 1
journalctl --directory="$W/disk/journal/$MID" -o json --no-pager \
	>"$W/journal.json" 2>"$W/journal.err"
if e2fsck -fn "$W/root.img" >"$W/fsck.log" 2>&1; then
	echo "     the root filesystem after the last boot: e2fsck -fn clean"
else
	echo "     the root filesystem after the last boot: e2fsck -fn reports (see $W/fsck.log):"
	tail -n 5 "$W/fsck.log" | sed 's/^/       /'
fi

"$py" "$here/tools/powercut_check.py" --work "$W" --boots "$boots" \
	--sync-interval "$BOUND" --margin "$MARGIN" --compress "$COMPRESS" \
	--per-boot "$PER_BOOT" --src 192.0.2.2 --dst 192.0.2.1 ||
	not_ok "tests/tools/powercut_check.py: checks failed (above)"
echo "powercut: times: image $t_image s (cached when 0-1 s), root disk $t_prep s, $boots boots $t_boots s, total $((SECONDS - t_start)) s"
finish
}
main "$@"; exit
