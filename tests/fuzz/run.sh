#!/bin/sh
# Search for new inputs with libFuzzer: each harness runs FUZZ_SECONDS,
# starting from its seed corpus (never written to: new inputs go to
# BUILD/corpus/NAME). A crash leaves its input in BUILD/crashes/ and fails
# the run; fix it, then copy that input into tests/fuzz/corpus/NAME/ so the
# regression replay (make test) keeps it.
#   FUZZ_SECONDS=60 sh tests/fuzz/run.sh BUILD NAME...
set -u
build=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
export TZ=Asia/Shanghai LANG=C.UTF-8 LC_ALL=C.UTF-8
seconds=${FUZZ_SECONDS:-60}
mkdir -p "$build/crashes"
failed=
for name in "$@"; do
	work=$build/corpus/$name
	mkdir -p "$work"
	before=$(ls "$work" | wc -l)
	if ! "$build/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-max_len=65536 -artifact_prefix="$build/crashes/$name-" -print_final_stats=0 \
		"$work" "$here/corpus/$name" >"$build/fuzz_$name.log" 2>&1; then
		failed="$failed $name"
		tail -n 40 "$build/fuzz_$name.log"
	fi
	after=$(ls "$work" | wc -l)
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$build/fuzz_$name.log" | tail -n 1)
	echo "fuzz: $name: ${seconds}s, ${runs:-?} runs, $((after - before)) new inputs in $work"
done
if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed (inputs in $build/crashes/)"
	exit 1
fi
