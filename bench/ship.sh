#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/ship.sh: wgtap-ship against a local S3 server (Swift + s3api on
# 127.0.0.1; tests/lib/swift.sh), beside the tools a user could ship with
# instead, on the same files in the same run:
#
#   - 200 segments of 1 MiB, 2000 segments of 10 KiB, and one 1 GiB segment
#   - wgtap-ship --once (deletes what it shipped; the spool is refilled
#     from a copy before each run)
#   - curl --aws-sigv4, one process for all files (keep-alive), with the
#     x-amz-content-sha256 and Content-MD5 headers S3 wants
#   - the AWS CLI (aws s3 cp --recursive), when installed
#
# Reports objects/s, MiB/s, CPU seconds per MiB and peak RSS (GNU time),
# medians of RUNS (default 3). The machine has 2 cores shared with the
# server, so compare ratios within one run, not absolute figures.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib/swift.sh"
RUNS=${RUNS:-3}
SHIP=${WGTAP_SHIP:-$top/wgtap-ship/wgtap-ship}
DIR=${BENCH_DIR:-/tmp/wgtap-bench}/ship
TIME=/usr/bin/time
swift_available || { echo "ship bench skipped: $SWIFT_UNAVAILABLE_REASON"; exit 0; }
[ -x "$TIME" ] || { echo "ship bench: GNU time is needed (apt-get install time)" >&2; exit 2; }
rm -rf "$DIR"; mkdir -p "$DIR"
trap 'swift_stop; rm -rf "$DIR"' EXIT
swift_start "$DIR/swift" >"$DIR/swift.log" 2>&1 || { echo "ship bench: Swift did not start" >&2; exit 1; }
export AWS_ACCESS_KEY_ID=$SWIFT_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$SWIFT_SECRET_KEY
hdr="src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns"

# make_set NAME COUNT BYTES: COUNT gzip'd segments of about BYTES each
make_set() {
	local d=$DIR/set-$1 i name
	mkdir -p "$d"
	for ((i = 0; i < $2; i++)); do
		name=$(printf 'wg0-20261124T14%02d%02d.%09dZ-%06d.csv.gz' \
			$((i / 60 % 60)) $((i % 60)) "$i" "$i")
		# rows of base64 of random bytes: about BYTES once gzip'd
		{ echo "$hdr"; head -c "$(($3 * 7 / 10))" /dev/urandom | base64 -w 48 |
			sed 's/^/192.0.2.1,40000,192.0.2.2,53,UDP,100,1795000000000000000,/'; } |
			gzip -1 -n >"$d/$name"
	done
}
make_set 1m 200 1048576
make_set 10k 2000 10240
mkdir -p "$DIR/set-1g"
{ echo "$hdr"; yes "198.51.100.7,51820,203.0.113.9,51820,UDP,148,1795000000000000000," |
	head -c 1073741824; } >"$DIR/set-1g/wg0-20261124T150000.000000000Z-000000.csv"

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# curl config for one process uploading every file of a set
curl_config() { # SET BUCKET
	local f name sha md5 ep=${SWIFT_ENDPOINT#http://}
	local user first=1
	user=$(python3 -c 'import sys, urllib.parse as u; print(u.quote(sys.argv[1], safe="") + ":" + u.quote(sys.argv[2], safe=""))' \
		"$SWIFT_ACCESS_KEY" "$SWIFT_SECRET_KEY")
	for f in "$DIR/set-$1"/*; do
		name=${f##*/}
		[ "$first" = 1 ] || echo next
		first=0
		sha=$(sha256sum "$f" | cut -d' ' -f1)
		md5=$(openssl dgst -md5 -binary "$f" | base64)
		printf 'url = "http://%s@%s/%s/curl/%s"\nupload-file = "%s"\n' "$user" "$ep" "$2" "$name" "$f"
		printf 'aws-sigv4 = "aws:amz:%s:s3"\nheader = "x-amz-content-sha256: %s"\nheader = "Content-MD5: %s"\n' \
			"$SWIFT_REGION" "$sha" "$md5"
		printf 'silent\nshow-error\nfail\noutput = "/dev/null"\n'
	done
}

run_one() { # TOOL SET BUCKET -> "wall cpu rss_kb"
	local tool=$1 set=$2 bucket=$3 spool=$DIR/spool t0 t1 rc
	case $tool in
	wgtap-ship)
		rm -rf "$spool"; cp -r "$DIR/set-$set" "$spool"
		t0=$(date +%s%N)
		$TIME -f '%U %S %M' -o "$DIR/time" "$SHIP" --once --spool-dir "$spool" \
			--storage-bucket "$bucket" --storage-endpoint "$SWIFT_ENDPOINT" \
			--host-label bench >/dev/null 2>"$DIR/ship.err"
		rc=$?
		t1=$(date +%s%N)
		[ "$rc" = 0 ] && [ -z "$(ls -A "$spool")" ] || { echo "wgtap-ship failed: $(tail -2 "$DIR/ship.err")" >&2; }
		;;
	curl)
		t0=$(date +%s%N)
		$TIME -f '%U %S %M' -o "$DIR/time" curl -K "$DIR/curl-$set.cfg" 2>"$DIR/curl.err"
		rc=$?
		t1=$(date +%s%N)
		[ "$rc" = 0 ] || echo "curl failed: $(tail -2 "$DIR/curl.err")" >&2
		;;
	aws)
		t0=$(date +%s%N)
		$TIME -f '%U %S %M' -o "$DIR/time" aws s3 cp --recursive --quiet \
			--endpoint-url "$SWIFT_ENDPOINT" --region "$SWIFT_REGION" \
			"$DIR/set-$set" "s3://$bucket/aws/" 2>"$DIR/aws.err"
		rc=$?
		t1=$(date +%s%N)
		[ "$rc" = 0 ] || echo "aws failed: $(tail -2 "$DIR/aws.err")" >&2
		;;
	esac
	read -r u s m <"$DIR/time"
	awk -v a="$t0" -v b="$t1" -v u="$u" -v s="$s" -v m="$m" \
		'BEGIN {printf "%.3f %.2f %d\n", (b - a) / 1e9, u + s, m}'
}

tools="wgtap-ship curl"
command -v aws >/dev/null && tools="$tools aws"
echo "## ship: Swift s3api on 127.0.0.1, medians of $RUNS, $(nproc) cores, $(date -u +%F)"
echo "set tool objects/s MiB/s cpu_s_per_MiB peak_rss_MB"
for set in 1m 10k 1g; do
	bucket=bench-$set
	swift_create_bucket "$bucket" >/dev/null
	curl_config "$set" "$bucket" >"$DIR/curl-$set.cfg"
	n=$(ls "$DIR/set-$set" | wc -l)
	mib=$(du -sb "$DIR/set-$set" | awk '{print $1 / 1048576}')
	runs=$RUNS
	[ "$set" = 1g ] && runs=1
	declare -A W C M
	for tool in $tools; do W[$tool]=; C[$tool]=; M[$tool]=; done
	for ((r = 0; r < runs; r++)); do
		for tool in $tools; do
			read -r w c m < <(run_one "$tool" "$set" "$bucket")
			W[$tool]+="$w "; C[$tool]+="$c "; M[$tool]+="$m "
		done
	done
	for tool in $tools; do
		w=$(echo "${W[$tool]}" | tr ' ' '\n' | grep . | median)
		c=$(echo "${C[$tool]}" | tr ' ' '\n' | grep . | median)
		m=$(echo "${M[$tool]}" | tr ' ' '\n' | grep . | median)
		awk -v set="$set" -v t="$tool" -v n="$n" -v mib="$mib" -v w="$w" -v c="$c" -v m="$m" \
			'BEGIN {printf "%s %s %.1f %.1f %.4f %.1f\n", set, t, n / w, mib / w, c / mib, m / 1024}'
	done
done
