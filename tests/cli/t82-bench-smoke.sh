#!/bin/sh
# The sync benchmark, made small, still measures everything it reports: a
# benchmark that stops printing a figure fails here, not only in `make
# bench` (sync-noop-p99 once went silent when A had B's pushes still to
# pull). Figures are not judged here; make bench prints them.
. "$TESTS_DIR/cli/lib.sh"

test_expect_success 'bench_sync at a small size prints each of its figures and exits 0' '
	test -x "$BUILD/bench/bench_sync" && cd "$REPO" &&
	TMPDIR="$TMP" DOCKET_BENCH_SYNC_PUSH=60 DOCKET_BENCH_SYNC_PENDING=5 DOCKET_BENCH_SYNC_NOOP=5 \
		"$BUILD/bench/bench_sync" >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/out" "$TMP/err"; exit 1; }
	for name in sync-accept sync-push-60 sync-pull-60 sync-noop-p99; do
		grep "^bench: $name: [0-9.]* " "$TMP/out" || { cat "$TMP/out" "$TMP/err"; exit 1; }
	done
'

test_done
