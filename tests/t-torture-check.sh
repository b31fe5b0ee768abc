#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The torture test's verdict explains each missing datagram by the right
# capture outage, also when faults come close together (a SIGKILL right
# after the restart a SIGTERM caused): tests/tools/test_torture_check.py
# replays such a timeline against torture_check.assign_missing().
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"

command -v python3 >/dev/null 2>&1 || skip "python3 not found"
out=$(python3 "$here/tools/test_torture_check.py" -v 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/  /'
eq "test_torture_check.py: exit status" "$rc" 0
check "test_torture_check.py: 4 tests ran" grep -q '^Ran 4 tests' <<<"$out"
finish
