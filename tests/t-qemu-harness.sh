#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Self-test of tests/lib/qemu.sh, the virtual machine the power-cut test
# (and any test that needs kernel WireGuard) runs in. Two boots of one root
# disk:
#   1. a clean boot: the payload (on a writable second disk) finds systemd
#      as PID 1, Debian's cloud kernel, the kernel's wireguard module (a
#      wireguard link can be made), and the kernel command line the host
#      passed; it writes a file on the root disk; the host reads the
#      payload's results back with debugfs after the poweroff;
#   2. the same root disk again: the file of boot 1 is there (the disk
#      outlives QEMU); the payload writes file A with fsync and then file B
#      without, says so on the live console, and the host cuts the power
#      on that line. On the disk as the cut left it (its journal replayed,
#      as a mount would), A holds its bytes and B does not: the cut lost
#      the guest's page cache, which is what the power-cut test relies on.
# Needs what tests/lib/qemu.sh needs; skipped (77) otherwise.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/common.sh
. "$here/lib/common.sh"
# shellcheck source=tests/lib/qemu.sh
. "$here/lib/qemu.sh"

# All in a function: bash reads a script as it runs it, and a run takes
# minutes; an edit of this file meanwhile must not change the run.
main() {
reason=$(qemu_available) || skip "$reason"
command -v e2fsck >/dev/null 2>&1 || skip "e2fsck not found"

W=$(mktemp -d "${TMPDIR:-/tmp}/wgtap-qemu-harness.XXXXXX") || exit 1
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local rc=$?
	qemu_stop
	if [ "$rc" != 0 ]; then
		echo "work directory kept: $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

qemu_image || { echo "FAIL building the image"; exit 1; }
qemu_rootfs "$W/rootfs" || exit 1
qemu_mkfs "$W/rootfs" "$W/root.img" 64 || exit 1
rm -rf "$W/rootfs"
token=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')

# --- boot 1: clean, results on the writable payload disk.
mkdir -p "$W/p1"
cat >"$W/p1/run" <<'EOF'
#!/bin/bash
o=/payload/out
mkdir -p "$o"
cat /proc/1/comm >"$o/pid1"
uname -r >"$o/kernel"
if ip link add wgh0 type wireguard 2>"$o/wg.err"; then
	ip -d link show wgh0 | grep -o 'wireguard' | head -n 1 >"$o/wg"
	ip link del wgh0
fi
for a in $(cat /proc/cmdline); do
	case $a in wgtest.token=*) echo "${a#*=}" >"$o/token" ;; esac
done
echo "boot 1 $(cat "$o/token")" >/var/tmp/harness-boot1
sync /var/tmp/harness-boot1
echo "payload done"
EOF
chmod 0755 "$W/p1/run"
qemu_mkfs "$W/p1" "$W/p1.img" 8 || exit 1
qemu_start "$W/boot1" "$W/root.img" "$W/p1.img" "wgtest.token=$token" || exit 1
qemu_wait 300
eq "boot 1: QEMU's exit status (a clean poweroff)" "$?" 0
check "boot 1: the payload's output reached the live console" \
	grep -q $'\tpayload done$' "$W/boot1/console.log"
check "boot 1: PAYLOAD EXIT 0 on the live console" \
	grep -q $'\tPAYLOAD EXIT 0$' "$W/boot1/console.log"
# shellcheck disable=SC2016 # an awk program
check "boot 1: console lines are stamped with the host's clock" \
	awk -F'\t' -v now="$(qemu__now_ns)" \
	'$1 > now - 600e9 && $1 <= now { n++ } END { exit !(n > 0 && n == NR) }' \
	"$W/boot1/console.log"
qemu_rdump "$W/p1.img" /out "$W/r1" || exit 1
eq "boot 1: the payload's exit status, read back with debugfs" "$(cat "$W/r1/out/rc")" 0
eq "boot 1: PID 1" "$(cat "$W/r1/out/pid1")" systemd
k=$(cat "$W/r1/out/kernel")
check "boot 1: Debian's cloud kernel ($k)" test "${k%-cloud-amd64}" != "$k"
eq "boot 1: a kernel wireguard link" "$(cat "$W/r1/out/wg" 2>/dev/null)" wireguard
eq "boot 1: the kernel command line the host passed" "$(cat "$W/r1/out/token")" "$token"
check "boot 1: the guest's journal, read back" \
	grep -q 'Reached target.*Multi-User System' "$W/r1/out/journal.txt"

# --- boot 2: the same root disk; a power cut.
mkdir -p "$W/p2"
cat >"$W/p2/run" <<'EOF'
#!/bin/bash
echo "from boot 1: $(cat /var/tmp/harness-boot1 2>/dev/null || echo none)"
head -c 65536 /dev/urandom >/var/tmp/harness-a
sync /var/tmp/harness-a
sha256sum /var/tmp/harness-a | sed 's/^/A /'
head -c 65536 /dev/urandom >/var/tmp/harness-b
sha256sum /var/tmp/harness-b | sed 's/^/B /'
echo WRITTEN
exec sleep 600
EOF
chmod 0755 "$W/p2/run"
qemu_mkfs "$W/p2" "$W/p2.img" 8 || exit 1
QEMU_PAYLOAD_RO=1 qemu_start "$W/boot2" "$W/root.img" "$W/p2.img" "" \
	-- --cut-on '^WRITTEN$' || exit 1
check "boot 2: the payload wrote both files" qemu_console_wait 300 '^WRITTEN$'
qemu_wait 60
eq "boot 2: QEMU's exit status (SIGKILL, the power cut)" "$?" 137
check "boot 2: the reader logged the cut" grep -q $'\tCUT on line 1' "$W/boot2/console.log"
check "boot 2: the root disk kept boot 1's file" \
	grep -q $'\tfrom boot 1: boot 1 '"$token\$" "$W/boot2/console.log"
cp --sparse=always "$W/root.img" "$W/snap.img" || exit 1
e2fsck -fy "$W/snap.img" >"$W/fsck.log" 2>&1
check "e2fsck replays the cut disk's journal (status 0 or 1)" test "$?" -le 1
sum_a=$(awk -F'\t' '$2 ~ /^A / { split($2, f, " "); print f[2] }' "$W/boot2/console.log")
sum_b=$(awk -F'\t' '$2 ~ /^B / { split($2, f, " "); print f[2] }' "$W/boot2/console.log")
got_a=$(qemu_cat "$W/snap.img" /var/tmp/harness-a | sha256sum | cut -d' ' -f1)
got_b=$(qemu_cat "$W/snap.img" /var/tmp/harness-b | sha256sum | cut -d' ' -f1)
eq "after the cut: file A (fsync) holds its bytes" "$got_a" "$sum_a"
check "after the cut: file B (no fsync) does not ($(qemu_cat "$W/snap.img" /var/tmp/harness-b | wc -c) of 65536 bytes)" \
	test -n "$sum_b" -a "$got_b" != "$sum_b"
finish
}
main "$@"; exit
