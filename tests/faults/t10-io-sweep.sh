#!/bin/sh
# A failing disk at every point of a save, an approval and a deploy.
#
# tests/faults/iofail.c (LD_PRELOAD) counts the write-side operations a
# command makes on the store (writes, fsyncs, renames, creations), then
# the command is run again once per operation N: with the Nth failing
# with EIO or ENOSPC (odd N: EIO, even: ENOSPC), and with the process
# killed just before it. After each run:
#   - a failed command exits 3 (doc/cli.md: the store cannot be used) with a message, never 4 (a bug) or a signal;
#   - `docket check` passes;
#   - what a person sees is exactly as before (it failed) or as after (it
#     succeeded, or was killed after its commit): applied once or not at all;
#   - the same command run again on the healthy disk succeeds and gives
#     the state a clean run gives, so nothing was left half done.
. "$TESTS_DIR/cli/lib.sh"

SHIM=${IOFAIL:-$BUILD/tests/libiofail.so}
AT_VAR=IOFAIL_AT COUNT_VAR=IOFAIL_COUNT MODES="fail crash" SAMPLES=0 FAIL_RC=3
# odd operations fail with EIO, even ones with ENOSPC
shim_env() {
	e=EIO
	[ $(($1 % 2)) = 0 ] && e=ENOSPC
	echo "IOFAIL_DIR=$TMP/s IOFAIL_MODE=$2 IOFAIL_ERRNO=$e"
}
. "$TESTS_DIR/faults/sweep.sh"

sweep_all "a failing disk at every write"

exit $test_failed
