#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# How the daemon watches the spool, against a real S3 server (Swift with
# s3api): segments already there are shipped by the scan at start; a
# segment renamed into the spool, or published by link(2) (with its
# temporary name unlinked, or as a second link), is picked up within a
# second and shipped; temporary names (.NAME.part, NAME.part) and dotfiles
# are never shipped nor reported; a symlink, a directory, a FIFO and a
# file with another name are reported once each (also across rescans) and
# left alone; after an inotify queue overflow, a rescan finds the segments
# whose events were lost. Needs Swift (exit 77 without it).
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
check "scan at start: the three segments are shipped" wait_for 60 only_others
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

# Published while the daemon runs: picked up by its inotify event (the
# daemon's "appeared" line, which only the event path writes, before the
# upload), then shipped. The event path takes milliseconds; the check
# allows up to 10 s, so that a loaded machine cannot fail it, and still
# tells it from the rescan a minute away. The worst time is printed. The capture renames a temporary name;
# where rename(2) cannot refuse to replace, it links the final name to the
# temporary one and unlinks the temporary one (ln + rm); a hard link to a
# complete file from elsewhere counts too (two links).
by_rename() { mv "$S/.$1.part" "$S/$1"; }
by_link() { ln "$S/.$1.part" "$S/$1" && rm "$S/.$1.part"; }
by_hard_link() { rm "$S/.$1.part" && ln "$T/$1" "$S/$1"; }
# publish HOW N: segment N written as a temporary name, then published
# HOW; sets $ms to the time until it was picked up, and checks the object.
publish() {
	local how=$1 n t0
	n=$(seg_name "$2")
	mkseg "$T" "$n" 10
	cp "$T/$n" "$T/orig/"
	cp "$T/$n" "$S/.$n.part"
	t0=$(date +%s%N)
	"$how" "$n"
	wait_for 10 grep -qF "debug: $n appeared" "$log"
	ms=$((($(date +%s%N) - t0) / 1000000))
	check "$how: $n shipped and deleted" wait_for 30 test ! -e "$S/$n"
	check "$how: $n reads back" object_is "$n" "$T/orig/$n"
}
for how in by_rename by_link by_hard_link; do
	worst=0
	for i in 1 2 3; do
		case $how in
		by_rename) n=$((3 + i)) ;;	# 4 5 6
		by_link) n=$((9 + i)) ;;	# 10 11 12
		*) n=$((12 + i)) ;;		# 13 14 15
		esac
		publish "$how" "$n"
		[ "$ms" -gt "$worst" ] && worst=$ms
	done
	check "$how: picked up by its event (worst ${worst} ms)" \
		test "$worst" -lt 10000
done

# Foreign entries that appear while the daemon runs are reported at once.
link2=$(seg_name 94)
ln -s "$T/target" "$S/$link2"
mkdir "$S/newdir"
check "a new symlink is reported by its event" \
	wait_for 10 reported_once "$link2" symlink
# (spool_classify() says what an entry is before what it is called)
check "a new directory is reported by its event, as a directory" \
	wait_for 10 reported_once newdir directory
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
		wait_for 30 grep -q "inotify queue overflow: rescanning" "$log"
	check "overflow: the segments whose events were lost are shipped" \
		wait_for 60 only_others
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
