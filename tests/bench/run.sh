#!/bin/sh
# Run each benchmark binary from the repository root. Each prints lines of
# the form `bench: NAME: VALUE UNIT (RATIO x REFERENCE)`, where the
# reference was measured in the same run on the same machine.
set -u
cd "$(dirname "$0")/../.."
export TZ=Asia/Shanghai LANG=C.UTF-8 LC_ALL=C.UTF-8 DOCKET_NOW=2026-03-02T09:30:00+08:00
status=0
for b in "$@"; do
	"$b" || { echo "bench: $(basename "$b"): failed"; status=1; }
done
exit $status
