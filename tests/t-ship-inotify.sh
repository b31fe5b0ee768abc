#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# How the daemon watches the spool, against a real S3 server (Swift with
# s3api): segments already there are shipped by the scan at start; a
# segment renamed into the spool is shipped within a second; temporary
# names (.NAME.part, NAME.part) and dotfiles are never shipped nor
# reported; a symlink, a directory, a FIFO and a file with another name are
# reported once each (also across rescans) and left alone; after an
# inotify queue overflow, a rescan finds the segments whose events were
# lost. Needs Swift (exit 77 without it).
# Helper functions run indirectly, through check and wait_for.
# shellcheck disable=SC2317,SC2119
set -u
# shellcheck source=tests/lib/ship.sh
. "$(dirname "$0")/lib/ship.sh"
ship_init
ship_need_swift
ship_env
mapfile -t flags < <(ship_flags)
S=$T/spool
mkdir -p "$S" "$T/orig"
log=$T/daemon.log

newseg() {
	mkseg "$S" "$1" 10
	cp "$S/$1" "$T/orig/"
}

# Already there at start: three segments and things that are not ours.
for i in 1 2 3; do newseg "$(seg_name "$i")"; done
link=$(seg_name 90)
sdir=$(seg_name 91)
echo target >"$T/target"
ln -s "$T/target" "$S/$link"
mkdir "$S/$sdir"
mkfifo "$S/pipe"
echo notes >"$S/notes.txt"
tmp1=".$(seg_name 92).part"
tmp2="$(seg_name 93).part"
echo partial >"$S/$tmp1"
echo partial >"$S/$tmp2"
echo hidden >"$S/.hidden"
foreign_count=4		# link, sdir, pipe, notes.txt
others_count=$((foreign_count + 3))

ship_bg "$log" "${flags[@]}" --spool-dir "$S" --backoff-max 1 -v
dpid=$SHIP_PID
# only_others: the spool holds nothing but the foreign and temporary entries
only_others() { [ "$(count_files "$S")" -eq "$others_count" ]; }
check "scan at start: the three segments are shipped" wait_for 20 only_others
for i in 1 2 3; do
	n=$(seg_name "$i")
	check "scan at start: $n reads back" object_is "$n" "$T/orig/$n"
done

reported() { grep_count "warning: leaving $1 alone in the spool: $2" "$log"; }
reported_once() { [ "$(reported "$1" "$2")" = 1 ]; }
check "the symlink is reported once, as a symlink" \
	test "$(reported "$link" symlink)" = 1
check "the directory is reported once, as a directory" \
	test "$(reported "$sdir" directory)" = 1
check "the FIFO is reported once, as not a regular file" \
	test "$(reported pipe "not a regular file")" = 1
check "the file with another name is reported once" \
	test "$(reported notes.txt "not a segment name")" = 1
check "the symlink and its target are left alone" \
	test -L "$S/$link" -a "$(cat "$T/target")" = target

# A segment renamed into the spool ships within a second.
worst=0
for i in 4 5 6; do
	n=$(seg_name "$i")
	mkseg "$T" "$n" 10
	cp "$T/$n" "$T/orig/"
	# written as a temporary name in the spool, then renamed
	cp "$T/$n" "$S/.$n.part"
	t0=$(date +%s%N)
	mv "$S/.$n.part" "$S/$n"
	wait_for 5 test ! -e "$S/$n"
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$ms" -gt "$worst" ] && worst=$ms
	check "renamed in: $n reads back" object_is "$n" "$T/orig/$n"
done
check "renamed in: shipped and deleted within a second (worst ${worst} ms)" \
	test "$worst" -lt 1000

# Foreign entries that appear while the daemon runs are reported at once.
link2=$(seg_name 94)
ln -s "$T/target" "$S/$link2"
mkdir "$S/newdir"
check "a new symlink is reported within a second" \
	wait_for 1 reported_once "$link2" symlink
# (spool_classify() says what an entry is before what it is called)
check "a new directory is reported within a second, as a directory" \
	wait_for 1 reported_once newdir directory
foreign_count=$((foreign_count + 2))
others_count=$((others_count + 2))

# Overflow the inotify queue while the daemon is stopped, then add
# segments whose events are lost: only the rescan can find them.
max=$(cat /proc/sys/fs/inotify/max_queued_events 2>/dev/null || echo 0)
if [ "$max" -gt 0 ] && [ "$max" -le 200000 ]; then
	kill -STOP "$dpid"
	# Alternate two names so the kernel cannot merge repeated events.
	for ((i = 0; i < max / 2 + 200; i++)); do
		: >"$S/.flood-a.part"
		: >"$S/.flood-b.part"
	done
	for i in 7 8 9; do newseg "$(seg_name "$i")"; done
	kill -CONT "$dpid"
	others_count=$((others_count + 2))
	check "overflow: the daemon says it rescans" \
		wait_for 10 grep -q "inotify queue overflow: rescanning" "$log"
	check "overflow: the segments whose events were lost are shipped" \
		wait_for 20 only_others
	for i in 7 8 9; do
		n=$(seg_name "$i")
		check "overflow: $n reads back" object_is "$n" "$T/orig/$n"
	done
	check "overflow: the rescan did not report anything twice" \
		test "$(reported "$link" symlink):$(reported newdir '')" = 1:1
else
	ok "overflow part skipped: max_queued_events is $max"
fi

# Temporary names and dotfiles are never shipped nor mentioned.
check "temporary names and dotfiles are still in the spool" \
	test -e "$S/$tmp1" -a -e "$S/$tmp2" -a -e "$S/.hidden"
check "no key for a temporary name or dotfile" \
	test "$(keys_in_bucket | grep -c -e '\.part$' -e '/\.')" = 0
check "temporary names and dotfiles are not reported" \
	test "$(grep -c -e "$tmp1" -e "$tmp2" -e '\.hidden' -e flood "$log")" = 0
check "every shipped segment has exactly one key" \
	test "$(keys_in_bucket | grep -c '^wgtap/')" = "$(count_files "$T/orig")"
check "the daemon is still running" kill -0 "$dpid"
ship_stop "$dpid"
rc=$?
check "the daemon exits 0 on SIGTERM" test "$rc" = 0
if [ "$T_FAILED" != 0 ]; then
	echo "--- daemon log"
	grep -v 'debug:' "$log"
fi
ship_done
