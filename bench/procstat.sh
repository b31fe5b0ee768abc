# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# bench/procstat.sh: what the live benchmarks read of a process from
# /proc, and their medians. Source it; it defines functions only.
#
#   start_time PID   its start time (clock ticks since boot), which tells
#                    it apart from a later process with the same PID
#   ticks PID        its utime + stime in clock ticks (0 when gone); PID
#                    may be PID/task/TID for one thread
#   cpu_ns PID       the CPU time its threads have run, in ns (the
#                    scheduler's own count, /proc/PID/task/*/schedstat:
#                    exact, where ticks are 10 ms); PID/task/TID for one
#                    thread; 0 when gone
#   hwm_kb PID       its peak RSS (VmHWM) in kB
#   pstate PID       its state letter (R running, S waiting, D on disk)
#   quiet PID        true when it used no CPU for a quarter of a second
#                    and waits in an interruptible sleep (its poll), not
#                    on the disk: it has caught up with its input
#   track PID        remember PID (with its start time) in PIDS
#   kill_tracked     SIGKILL and reap every tracked PID still alive (by
#                    PID and start time, never by name)
#   median           the median of the numbers on stdin ("nan": none)
#   loadavg          the three load averages

start_time() {
	local s f
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	read -r -a f <<<"$s"
	echo "${f[19]}"
}

ticks() {
	local s f
	s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	s=${s##*) }
	read -r -a f <<<"$s"
	echo $((f[11] + f[12]))	# utime + stime (fields 14 and 15)
}

cpu_ns() {
	local f
	case $1 in
	*/task/*) f=/proc/$1/schedstat ;;
	*) f="/proc/$1/task/*/schedstat" ;;
	esac
	# shellcheck disable=SC2086 # the glob is meant
	cat $f 2>/dev/null | awk '{ n += $1 } END { printf "%.0f\n", n }'
}

hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

pstate() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	echo "${s%% *}"
}

quiet() {
	local a
	a=$(ticks "$1")
	[ "$(pstate "$1")" = S ] || return 1
	sleep 0.25
	[ "$(pstate "$1")" = S ] && [ "$(ticks "$1")" = "$a" ]
}

median() { sort -g | awk '{a[NR]=$1} END {print !NR ? "nan" : (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

PIDS=()	# "pid starttime" of every process track() was given

track() { PIDS+=("$1 $(start_time "$1" || echo ?)"); }

kill_tracked() {
	local e pid st
	for e in "${PIDS[@]}"; do
		pid=${e%% *} st=${e#* }
		if [ "$(start_time "$pid" 2>/dev/null)" = "$st" ] &&
			kill -0 "$pid" 2>/dev/null; then
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
		fi
	done
}
