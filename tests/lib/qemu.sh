# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# qemu.sh: a real Debian 12 machine (the cloud kernel, which has the
# wireguard module, and systemd as PID 1) in QEMU with software emulation,
# for tests that need a kernel or a power switch the host cannot lend: a
# power cut (SIGKILL of QEMU) or kernel WireGuard. Source it; it defines
# functions only and changes no shell options of the caller.
#
#   . "$here/lib/qemu.sh"
#   reason=$(qemu_available) || skip "$reason"
#   trap qemu_stop EXIT
#   qemu_image || exit 1                     # cached base, built if needed
#   qemu_rootfs "$W/rootfs" || exit 1        # a copy of it to add to
#   scripts/install DESTDIR="$W/rootfs" ...  # as an operator would
#   qemu_mkfs "$W/rootfs" "$W/root.img" 256  # its disk, 256 MiB free
#   qemu_mkfs "$W/payload" "$W/payload.img"  # the payload disk: ./run
#   qemu_start "$W/boot1" "$W/root.img" "$W/payload.img" "wgtest.x=1"
#   qemu_wait 300                            # poweroff (or a cut)
#   qemu_rdump "$W/root.img" /var/spool/wgtap "$W/out"   # no mount
#
# The machine. The kernel and initramfs come from the image and are handed
# to QEMU directly (-kernel/-initrd, no boot loader). Disks are virtio:
# /dev/vda the root filesystem (raw ext4, one per test run, written in
# place, so that it outlives QEMU: never snapshot=on), /dev/vdb the payload
# (ext4 made with mke2fs -d; read back with debugfs, never mounted on the
# host). Two character channels:
#   ttyS0  the kernel console and systemd's status, to DIR/serial.log;
#   hvc0   a virtio console, the live channel: the payload's output, the
#          journal (journald forwards every message there) and whatever a
#          test writes to /dev/hvc0. tests/tools/qemu_console.py reads it
#          on the host and writes each line to DIR/console.log with the
#          host's CLOCK_REALTIME (ns) at which it arrived, so a host can
#          time what the guest did without trusting the guest's clock.
#          The same reader can cut the power (SIGKILL QEMU) at a time or on
#          a line, and logs the moment it did (see qemu_console.py --help).
#
# In the guest, qemu-payload.service mounts /dev/vdb on /payload (read-only
# with wgtest.payload=ro on the kernel command line), prints
#   PAYLOAD START boot_id=ID
# on hvc0, runs /payload/run with its output on hvc0, prints
#   PAYLOAD EXIT STATUS
# and, when the payload is writable, leaves /payload/out/rc and
# /payload/out/journal.txt, unmounts it and powers the machine off (also
# after a failure). Kernel parameters a test adds (qemu_start's APPEND) are
# the payload's way to learn per-boot settings: read /proc/cmdline.
#
# Functions (each returns non-zero and prints one line on stderr on failure):
#   qemu_available            0 if it can run here, else prints the reason,
#                             returns 1 (not root, a tool missing, or a
#                             sanitizer build: WGTAP_SAN; the guest runs
#                             the plain binaries, once is enough)
#   qemu_image                build the base image unless the cached one
#                             matches the recipe (QEMU_BASE: rootfs/,
#                             vmlinuz, initrd.img, recipe.sha256); safe
#                             against concurrent runs (flock)
#   qemu_rootfs DEST          a copy of the base root filesystem tree
#   qemu_mkfs DIR IMG [FREE_MIB]  an ext4 image of DIR (mke2fs -d), with
#                             FREE_MIB (default 64) MiB to spare
#   qemu_start DIR ROOT PAYLOAD [APPEND [-- CONSOLE_OPTS...]]
#                             boot in the background: sets QEMU_PID,
#                             QEMU_READER_PID, QEMU_DIR; console lines go
#                             to DIR/console.log, ttyS0 to DIR/serial.log;
#                             CONSOLE_OPTS go to qemu_console.py (cuts).
#                             With QEMU_PAYLOAD_RO=1 the payload disk is
#                             read-only (and wgtest.payload=ro is added).
#                             The first call takes the host's guest lock
#                             (QEMU_LOCK), waiting for it if need be, and
#                             the test holds it until it exits
#   qemu_wait SECS            wait for QEMU to end (poweroff or a cut);
#                             returns QEMU's exit status (137 after a cut),
#                             or 124 after killing it when SECS ran out
#   qemu_console_wait SECS REGEX   poll DIR/console.log for a line (after
#                             the time stamp) matching the ERE
#   qemu_stop                 kill what is still running (QEMU, reader) by
#                             PID; idempotent, safe in an EXIT trap
#   qemu_rdump IMG PATH DEST  copy PATH (a directory) out of the ext4 image
#                             IMG into DEST/ (debugfs rdump; no mount)
#   qemu_cat IMG PATH         a file of the image on stdout (debugfs)
#
# debugfs reads the disk as it lies: after a cut, what the ext4 journal
# holds is not yet in place. Read a copy after `e2fsck -fy` (which replays
# the journal, as the next mount would), or after a clean boot.
#
# Knobs: QEMU_BUILD (where the cache lives; default $WGTAP_TOP/build/qemu,
# else build/qemu of this source tree), QEMU_MEM (MiB, default 1024),
# QEMU_SMP (default 2), QEMU_CACHE (the disks' cache mode, default unsafe:
# see qemu__drive), QEMU_WRITE_IOPS (pace the root disk's writes; default
# unpaced: see qemu__root_drive), QEMU_MIRROR (a Debian mirror for
# mmdebstrap; default its own), QEMU_LOCK (default /run/wgtap-qemu.lock:
# one test's guests at a time on a host, so that test suites run side by
# side do not starve each other's emulated CPUs; a guest starved of its
# host's CPU misses bounds such as t-powercut's 1.5 s sync window).
#
# Figures on a 2-core machine: building the image takes 40-110 s (most of
# it downloading and unpacking packages; 300 MiB), a boot to the payload
# 15-30 s (twice that when other work loads the machine), a clean
# poweroff a few seconds.

QEMU_SUITE=bookworm
# What the image holds, and who needs it:
#   systemd systemd-sysv udev kmod   PID 1, devices, modules
#   linux-image-cloud-amd64          the kernel, with wireguard.ko
#   initramfs-tools zstd             its initramfs (virtio modules only)
#   iproute2 wireguard-tools         namespaces, kernel WireGuard
#   libpcap0.8 zlib1g libzstd1       wgtap-capture's libraries
#   libcurl4                         wgtap-ship's (with libssl3)
#   inotify-tools                    spool watching (the power-cut test)
QEMU_PACKAGES="systemd systemd-sysv udev kmod linux-image-cloud-amd64
	initramfs-tools zstd iproute2 wireguard-tools libpcap0.8 zlib1g
	libzstd1 libcurl4 inotify-tools"
# Part of the recipe's hash (with the package list and the functions that
# build the image): bump it to force a rebuild.
QEMU_RECIPE_VERSION=1

QEMU_PID=
QEMU_READER_PID=
QEMU_DIR=
QEMU__LOCK_FD=
QEMU__LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
QEMU__TOOLS=$(cd "$QEMU__LIB_DIR/../tools" && pwd)

qemu__err() { printf 'qemu: %s\n' "$*" >&2; }
qemu__now_ns() { echo "${EPOCHREALTIME/./}000"; }

qemu__build_dir() {
	if [ -n "${QEMU_BUILD:-}" ]; then
		echo "$QEMU_BUILD"
	elif [ -n "${WGTAP_TOP:-}" ]; then
		echo "$WGTAP_TOP/build/qemu"
	else
		echo "$(cd "$QEMU__LIB_DIR/../.." && pwd)/build/qemu"
	fi
}
QEMU_BASE=$(qemu__build_dir)/base

qemu__python() {
	local py=/usr/bin/python3
	[ -x "$py" ] || py=$(command -v python3) || return 1
	echo "$py"
}

qemu_available() {
	local c
	if [ -n "${WGTAP_SAN:-}" ]; then
		echo "the guest runs the plain build (WGTAP_SAN is set): the QEMU tests run in the plain pass"
		return 1
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "needs root (mmdebstrap, device nodes in the image)"
		return 1
	fi
	for c in qemu-system-x86_64 mmdebstrap mke2fs debugfs flock sha256sum \
		systemctl; do
		if ! command -v "$c" >/dev/null 2>&1; then
			echo "$c not found (scripts/deps test installs it)"
			return 1
		fi
	done
	if ! qemu__python >/dev/null; then
		echo "python3 not found"
		return 1
	fi
	return 0
}

# The recipe's hash: the suite, the packages and the code that builds and
# customizes the image. A change to any of them rebuilds it.
qemu__recipe_hash() {
	{
		echo "version $QEMU_RECIPE_VERSION suite $QEMU_SUITE"
		# shellcheck disable=SC2086 # one word per package
		echo "packages" $QEMU_PACKAGES
		declare -f qemu__build qemu__customize
	} | sha256sum | cut -d' ' -f1
}

# Files the image gets beyond its packages, written into ROOT.
qemu__customize() { # ROOT
	local r=$1
	echo qemu-guest >"$r/etc/hostname"
	echo "/dev/vda / ext4 rw,noatime 0 1" >"$r/etc/fstab"
	mkdir -p "$r/var/log/journal" "$r/etc/systemd/journald.conf.d" \
		"$r/opt/qemu-harness" "$r/payload"
	# The journal on disk (what a test reads back with debugfs) and on
	# hvc0, live (what survives a power cut).
	cat >"$r/etc/systemd/journald.conf.d/qemu-harness.conf" <<'EOF'
[Journal]
Storage=persistent
ForwardToConsole=yes
TTYPath=/dev/hvc0
MaxLevelConsole=info
EOF
	cat >"$r/opt/qemu-harness/run-payload" <<'EOF'
#!/bin/sh
# Runs /payload/run from the second disk with its output on hvc0, then
# powers off. See tests/lib/qemu.sh.
exec >/dev/hvc0 2>&1
mode=rw
grep -qw 'wgtest.payload=ro' /proc/cmdline && mode=ro
if ! mount -o "$mode" /dev/vdb /payload; then
	echo "PAYLOAD EXIT mount-failed"
	systemctl --no-block poweroff
	exit 1
fi
echo "PAYLOAD START boot_id=$(cat /proc/sys/kernel/random/boot_id)"
/payload/run
rc=$?
echo "PAYLOAD EXIT $rc"
if [ "$mode" = rw ]; then
	mkdir -p /payload/out
	echo "$rc" >/payload/out/rc
	journalctl -b --no-pager >/payload/out/journal.txt 2>&1
	sync
	umount /payload
fi
systemctl --no-block poweroff
EOF
	chmod 0755 "$r/opt/qemu-harness/run-payload"
	cat >"$r/etc/systemd/system/qemu-payload.service" <<'EOF'
[Unit]
Description=Run the test payload from /dev/vdb, then power off
BindsTo=dev-vdb.device dev-hvc0.device
After=dev-vdb.device dev-hvc0.device basic.target
[Service]
Type=exec
ExecStart=/opt/qemu-harness/run-payload
[Install]
WantedBy=multi-user.target
EOF
	systemctl --root="$r" enable qemu-payload.service >/dev/null 2>&1 || return 1
	# Nothing that would wake up on its own during a test, and nothing a
	# test does not use (each costs seconds of emulated CPU at boot).
	systemctl --root="$r" mask systemd-timesyncd.service apt-daily.timer \
		apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer \
		man-db.timer dpkg-db-backup.timer e2scrub_reap.service \
		getty.target getty-static.service sys-kernel-debug.mount \
		sys-kernel-tracing.mount sys-kernel-config.mount \
		sys-fs-fuse-connections.mount dev-hugepages.mount \
		dev-mqueue.mount proc-sys-fs-binfmt_misc.automount \
		systemd-binfmt.service systemd-pstore.service \
		modprobe@dm_mod.service modprobe@efi_pstore.service \
		modprobe@fuse.service modprobe@loop.service \
		modprobe@drm.service modprobe@configfs.service >/dev/null 2>&1
	rm -rf "$r/usr/share/doc" "$r/usr/share/man" "$r/usr/share/locale" \
		"$r/var/cache/apt"/*.bin "$r/var/lib/apt/lists"/*_Packages
	return 0
}

qemu__build() { # DEST: build into DEST (a fresh directory)
	local dest=$1 root=$1/rootfs mirror=() pkgs
	# shellcheck disable=SC2086 # one word per package
	pkgs=$(echo $QEMU_PACKAGES | tr ' ' ,)
	[ -n "${QEMU_MIRROR:-}" ] && mirror=("$QEMU_MIRROR")
	# The initramfs: only what a virtio disk needs, so it stays small.
	# shellcheck disable=SC2016 # $1 is mmdebstrap's, in its hooks
	mmdebstrap --mode=root --variant=minbase --include="$pkgs" \
		--setup-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/usr/share/initramfs-tools/modules.d";
			printf "MODULES=list\nCOMPRESS=zstd\n" >"$1/etc/initramfs-tools/conf.d/qemu-harness.conf";
			printf "virtio_pci\nvirtio_blk\next4\n" >"$1/usr/share/initramfs-tools/modules.d/qemu-harness"' \
		"$QEMU_SUITE" "$root" "${mirror[@]}" >"$dest/mmdebstrap.log" 2>&1 || {
		tail -n 20 "$dest/mmdebstrap.log" >&2
		qemu__err "mmdebstrap failed (log: $dest/mmdebstrap.log)"
		return 1
	}
	qemu__customize "$root" || { qemu__err "customizing the image failed"; return 1; }
	if ! cp "$root"/boot/vmlinuz-* "$dest/vmlinuz" ||
		! cp "$root"/boot/initrd.img-* "$dest/initrd.img"; then
		qemu__err "no kernel or initramfs in the image"
		return 1
	fi
	[ -n "$(find "$root/lib/modules" -name 'wireguard.ko*' -print -quit)" ] || {
		qemu__err "the kernel has no wireguard module"
		return 1
	}
	return 0
}

qemu_image() {
	local dir hash lock tmp t0 rc=0
	dir=$(qemu__build_dir)
	mkdir -p "$dir" || return 1
	hash=$(qemu__recipe_hash)
	lock=$dir/lock
	exec {lock_fd}>"$lock" || return 1
	flock "$lock_fd"
	if [ "$(cat "$QEMU_BASE/recipe.sha256" 2>/dev/null)" = "$hash" ] &&
		[ -s "$QEMU_BASE/vmlinuz" ] && [ -s "$QEMU_BASE/initrd.img" ] &&
		[ -d "$QEMU_BASE/rootfs/etc" ]; then
		exec {lock_fd}>&-
		return 0
	fi
	t0=$SECONDS
	echo "qemu: building the image in $QEMU_BASE (recipe $hash)"
	rm -rf "$QEMU_BASE" "$dir/base.new"
	tmp=$dir/base.new
	mkdir -p "$tmp"
	if ! qemu__build "$tmp"; then
		# One retry: the archive may have hiccuped.
		echo "qemu: the build failed; once more"
		rm -rf "$tmp" && mkdir -p "$tmp"
		qemu__build "$tmp" || rc=1
	fi
	if [ "$rc" = 0 ]; then
		echo "$hash" >"$tmp/recipe.sha256"
		mv "$tmp" "$QEMU_BASE"
		echo "qemu: image built in $((SECONDS - t0)) s ($(du -sm "$QEMU_BASE/rootfs" | cut -f1) MiB)"
	fi
	exec {lock_fd}>&-
	return "$rc"
}

qemu_rootfs() { # DEST
	local rc
	[ -d "$QEMU_BASE/rootfs" ] || { qemu__err "no image (run qemu_image)"; return 1; }
	# Shared: no rebuild (qemu_image, exclusive) while we copy.
	exec {lock_fd}>"$(qemu__build_dir)/lock" || return 1
	flock -s "$lock_fd"
	rm -rf "$1" && cp -a "$QEMU_BASE/rootfs" "$1"
	rc=$?
	exec {lock_fd}>&-
	return "$rc"
}

qemu_mkfs() { # DIR IMG [FREE_MIB]
	local mib
	mib=$(( $(du -sm "$1" | cut -f1) * 11 / 10 + ${3:-64} + 16 ))
	rm -f "$2"
	mke2fs -q -F -t ext4 -d "$1" "$2" "${mib}M" >/dev/null || {
		qemu__err "mke2fs -d $1 failed"
		return 1
	}
}

# The disks' cache mode. QEMU writes the guest's writes to the image file
# (the host's page cache) as it gets them, and a power cut here kills QEMU,
# not the host: whatever QEMU had written survives it, whatever the guest
# had not yet sent to its disk is lost. "unsafe" only skips the host's own
# fsync when the guest flushes, which changes nothing about that and makes
# every guest fsync much faster. The guest still sees a write-back cache
# and issues its flushes.
qemu__drive() { # FILE [extra options]
	echo "file=$1,format=raw,if=virtio,cache=${QEMU_CACHE:-unsafe}${2:+,$2}"
}

# The root disk's writes can be paced like a real disk's
# (QEMU_WRITE_IOPS=100: each write request takes about 10 ms, as on a
# spinning disk), so that an fsync lasts long enough for a power cut to
# land in the middle of it. Requests still queued in QEMU are lost in a
# cut, as they would be in a real disk's queue.
qemu__root_drive() { # FILE
	qemu__drive "$1" "${QEMU_WRITE_IOPS:+throttling.iops-write=$QEMU_WRITE_IOPS}"
}

qemu_start() { # DIR ROOT PAYLOAD [APPEND [-- CONSOLE_OPTS...]]
	local dir=$1 root=$2 payload=$3 append=${4:-} py sock i ro=
	shift 3
	[ $# -gt 0 ] && shift
	[ "${1:-}" = -- ] && shift
	py=$(qemu__python) || return 1
	mkdir -p "$dir" || return 1
	QEMU_DIR=$dir
	sock=$dir/console.sock
	rm -f "$sock" "$dir/console.log" "$dir/serial.log" "$dir/qemu.log"
	if [ -z "$QEMU__LOCK_FD" ]; then
		exec {QEMU__LOCK_FD}>"${QEMU_LOCK:-/run/wgtap-qemu.lock}" ||
			{ qemu__err "cannot open ${QEMU_LOCK:-/run/wgtap-qemu.lock}"; return 1; }
		flock "$QEMU__LOCK_FD" ||
			{ qemu__err "cannot lock ${QEMU_LOCK:-/run/wgtap-qemu.lock}"; return 1; }
	fi
	if [ "${QEMU_PAYLOAD_RO:-0}" = 1 ]; then
		ro=readonly=on
		append="$append wgtest.payload=ro"
	fi
	# The reader listens first; QEMU connects to it as it starts.
	"$py" "$QEMU__TOOLS/qemu_console.py" --listen "$sock" \
		--out "$dir/console.log" "$@" 2>"$dir/reader.log" \
		{QEMU__LOCK_FD}>&- &
	QEMU_READER_PID=$!
	for ((i = 0; i < 100; i++)); do
		[ -S "$sock" ] && break
		kill -0 "$QEMU_READER_PID" 2>/dev/null || break
		sleep 0.05
	done
	[ -S "$sock" ] || { cat "$dir/reader.log" >&2; qemu__err "the console reader did not start"; return 1; }
	# no_timer_check: under emulation on a loaded host the kernel's check
	# of the IO-APIC timer can time out and panic the boot ("timer doesn't
	# work through IO-APIC"); the emulated timer works, the check is slow.
	qemu-system-x86_64 -accel tcg,thread=multi -cpu max \
		-m "${QEMU_MEM:-1024}" -smp "${QEMU_SMP:-2}" \
		-nodefaults -no-user-config -display none -no-reboot -nic none \
		-kernel "$QEMU_BASE/vmlinuz" -initrd "$QEMU_BASE/initrd.img" \
		-append "root=/dev/vda rw console=ttyS0 no_timer_check panic=-1 loglevel=4 systemd.getty_auto=0 systemd.show_status=1 $append" \
		-chardev "file,id=con0,path=$dir/serial.log" -serial chardev:con0 \
		-device virtio-serial-pci \
		-chardev "socket,id=live,path=$sock" -device virtconsole,chardev=live \
		-device virtio-rng-pci \
		-drive "$(qemu__root_drive "$root")" \
		-drive "$(qemu__drive "$payload" "$ro")" \
		</dev/null >"$dir/qemu.log" 2>&1 {QEMU__LOCK_FD}>&- &
	QEMU_PID=$!
	echo "$QEMU_PID" >"$dir/qemu.pid"
	return 0
}

# bash reports a child killed by a signal ("Killed ...") on its stderr
# when it reaps it: the cut is expected, so that goes nowhere.
qemu_wait() { # SECS
	qemu__wait "$@" 2>/dev/null
}

qemu__wait() {
	local tries=$(($1 * 10)) rc
	[ -n "$QEMU_PID" ] || return 1
	while kill -0 "$QEMU_PID" 2>/dev/null; do
		# A zombie still answers kill -0: reap when it has exited.
		[[ $(ps -o stat= -p "$QEMU_PID" 2>/dev/null) == Z* ]] && break
		tries=$((tries - 1))
		if [ "$tries" -le 0 ]; then
			kill -KILL "$QEMU_PID" 2>/dev/null
			wait "$QEMU_PID" 2>/dev/null
			QEMU_PID=
			qemu__reap_reader
			return 124
		fi
		sleep 0.1
	done
	wait "$QEMU_PID" 2>/dev/null
	rc=$?
	QEMU_PID=
	qemu__reap_reader
	return "$rc"
}

# The reader ends by itself at the console's EOF; give it a moment.
qemu__reap_reader() {
	local i
	[ -n "$QEMU_READER_PID" ] || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$QEMU_READER_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -TERM "$QEMU_READER_PID" 2>/dev/null
	wait "$QEMU_READER_PID" 2>/dev/null
	QEMU_READER_PID=
}

qemu_console_wait() { # SECS REGEX
	local tries=$(($1 * 10))
	while ! cut -f2- "$QEMU_DIR/console.log" 2>/dev/null | grep -Eq -- "$2"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

qemu_stop() {
	if [ -n "$QEMU_PID" ]; then
		kill -KILL "$QEMU_PID" 2>/dev/null
		wait "$QEMU_PID" 2>/dev/null
		QEMU_PID=
	fi
	if [ -n "$QEMU_READER_PID" ]; then
		kill -TERM "$QEMU_READER_PID" 2>/dev/null
		wait "$QEMU_READER_PID" 2>/dev/null
		QEMU_READER_PID=
	fi
	return 0
}

qemu_rdump() { # IMG PATH DEST
	mkdir -p "$3" || return 1
	debugfs -R "rdump $2 $3" "$1" >"$3/.debugfs.log" 2>&1
	[ -e "$3/$(basename "$2")" ] || {
		cat "$3/.debugfs.log" >&2
		qemu__err "debugfs could not copy $2 out of $1"
		return 1
	}
	rm -f "$3/.debugfs.log"
}

qemu_cat() { # IMG PATH
	debugfs -R "cat $2" "$1" 2>/dev/null
}
