#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The live peer table (wgtap-capture/peersrc.c) of a real wireguard-go
# gateway with three clients (tests/lib/wghub.sh), read through the UAPI
# socket by tests/tools/peerprobe, against what `wg show IFACE dump` says:
# the same keys, endpoints and allowed-ips, exactly. Then, while the
# probe re-reads every 0.7 s as the capture does, a peer is removed, one
# is added and one is re-addressed: each change shows up as exactly one
# new table, equal to wg's, read within 1 s of the change. Last, a user
# who may not open the root-only socket gets one clear reason, and root
# with only the unit's two capabilities reads it, as README advises.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/wghub.sh
. "$here/lib/wghub.sh"

probe=${WGTAP_PEERPROBE:-$here/../build/tests/peerprobe}
[ -x "$probe" ] || skip "t-peers-table: build $probe first (make check)"
reason=$(wgt_available setpriv) || skip "t-peers-table: $reason"
trap whub_down EXIT
whub_up || { not_ok "hub and three clients up"; finish; }
ok "hub and three clients up"

hub() { ip netns exec "$WH_NS_H" "$@"; }

# 1. One read equals wg's view.
got=$(hub "$probe" read "$WH_IF_H" 2>"$WGT_TMP/read.err" | whub_sort_table)
want=$(whub_table)
eq "peer table read once equals wg show dump" "$got" "$want"
eq "backend" "$(cat "$WGT_TMP/read.err")" "backend: userspace (UAPI socket)"
eq "three peers" "$(printf '%s\n' "$got" | wc -l)" 3
eq "client 2's allowed-ips" \
	"$(printf '%s\n' "$got" | awk -F '\t' -v k="$WH_KEY_2" '$1 == k { print $3 }')" \
	"192.0.2.12/32,2001:db8::12/128,203.0.113.0/24"

# 2. Changes while the probe watches.
dir=$WGT_TMP/watch
mkdir "$dir"
wgt_bg "$WH_NS_H" "$probe" watch "$dir" "$WH_IF_H" >/dev/null

ntables() { find "$dir" -maxdepth 1 -name 'table.*' | wc -l; }
table_body() { tail -n +2 "$dir/table.$1" | whub_sort_table; }
# shellcheck disable=SC2317 # run by wait_for
table_is() { [ "$(ntables)" -ge "$1" ] && [ "$(table_body "$1")" = "$2" ]; }

check "first table written" wait_for 10 table_is 1 "$want"

# change NAME N CMD...: run the change, then table N must equal wg's view,
# read within 1 s, with no other table in between.
change() {
	local name=$1 n=$2 t0 t1 ms wantn
	shift 2
	t0=$(date +%s%N)
	"$@" || { not_ok "$name: the change itself failed"; return; }
	wantn=$(whub_table)
	if ! wait_for 10 table_is "$n" "$wantn"; then
		not_ok "$name: no table $n equal to wg show dump"
		[ -f "$dir/table.$n" ] && table_body "$n" >&2
		return
	fi
	t1=$(head -n 1 "$dir/table.$n" | cut -d' ' -f2)
	ms=$(((t1 - t0) / 1000000))
	eq "$name: tables written" "$(ntables)" "$n"
	if [ "$ms" -le 1000 ]; then
		ok "$name: read ${ms} ms after the change (at most 1000)"
	else
		not_ok "$name: read ${ms} ms after the change (at most 1000)"
	fi
	want=$wantn
}

change "peer 1 removed" 2 hub wg set "$WH_IF_H" peer "$WH_KEY_1" remove
check "peer 1 gone" eval "! grep -qF -- '$WH_KEY_1' '$dir/table.2'"
newkey=$(wg genkey | wg pubkey)
change "peer added" 3 hub wg set "$WH_IF_H" peer "$newkey" \
	endpoint 198.51.100.99:51820 allowed-ips 192.0.2.14/32,2001:db8::14/128
eq "added peer's line" \
	"$(table_body 3 | awk -F '\t' -v k="$newkey" '$1 == k')" \
	"$newkey	198.51.100.99:51820	192.0.2.14/32,2001:db8::14/128"
change "peer 2 re-addressed" 4 hub wg set "$WH_IF_H" peer "$WH_KEY_2" \
	allowed-ips 192.0.2.22/32,2001:db8::22/128
eq "peer 2's new allowed-ips" \
	"$(table_body 4 | awk -F '\t' -v k="$WH_KEY_2" '$1 == k { print $3 }')" \
	"192.0.2.22/32,2001:db8::22/128"

# 3. The socket is root's: a plain user gets the reason, exit 1.
out=$(hub setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$probe" read "$WH_IF_H" 2>&1)
rc=$?
eq "unprivileged read exit status" "$rc" 1
case $out in
*"/var/run/wireguard/$WH_IF_H.sock: Permission denied"*)
	ok "unprivileged read names the socket and the reason" ;;
*) not_ok "unprivileged read: $out" ;;
esac

# 4. What README tells the operator: user root, but with only the
# capabilities the unit keeps (CAP_NET_RAW, CAP_NET_ADMIN): the socket is
# root's own, so that is enough. (An ACL on the socket is no way out:
# wireguard-go takes any change of the socket file's attributes for its
# removal and closes it.)
got=$(hub setpriv --bounding-set=-all,+net_raw,+net_admin \
	--inh-caps=-all,+net_raw,+net_admin \
	"$probe" read "$WH_IF_H" 2>/dev/null | whub_sort_table)
want=$(whub_table)
check "root with CAP_NET_RAW and CAP_NET_ADMIN only reads the table" \
	test -n "$want" -a "$got" = "$want"
finish
