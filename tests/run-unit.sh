#!/bin/sh
# Run each cmocka test binary; print one summary line for CI.
set -u
export TZ=Asia/Shanghai LANG=C.UTF-8 LC_ALL=C.UTF-8 DOCKET_NOW=2026-03-02T09:30:00+08:00
pass=0 fail=0
for t in "$@"; do
	if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $t"; fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" = 0 ]
