#!/bin/sh
# Replay every fuzz harness over its corpus: the seeds in
# tests/fuzz/corpus/NAME and every input a fuzzing run found and kept there.
#   sh tests/fuzz/replay.sh BIN_DIR NAME...
# Prints "corpora: N passed, M failed"; a failing harness shows its input.
set -u
bindir=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
export TZ=Asia/Shanghai LANG=C.UTF-8 LC_ALL=C.UTF-8
pass=0 fail=0
for name in "$@"; do
	corpus=$here/corpus/$name
	if [ ! -d "$corpus" ]; then
		echo "FAIL: fuzz_$name has no corpus in tests/fuzz/corpus/$name"
		fail=$((fail + 1))
		continue
	fi
	if out=$("$bindir/fuzz_$name" -v "$corpus" 2>&1); then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: fuzz_$name"
		printf '%s\n' "$out" | tail -n 30
	fi
done
echo "corpora: $pass passed, $fail failed"
[ "$fail" = 0 ]
