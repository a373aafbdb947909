#!/bin/sh
# Out of memory in SQLite at allocations spread over a save, an approval
# and a deploy (tests/faults/oomfail.c fails the Nth allocation SQLite
# asks for; SAMPLES of them per command, evenly spread, since a command
# makes thousands). After each run, as for a failing disk
# (t10-io-sweep.sh): a clear error, never a crash or exit 4 (a bug); the
# store as before or as after a clean run; `docket check` passing; the
# command succeeding when run again.
#
# libgit2's allocations are swept by t30-oom-git-sweep.sh, every one of a
# document save, with the places libgit2 1.5.1 itself crashes listed.
. "$TESTS_DIR/cli/lib.sh"

SHIM=${OOMFAIL:-$BUILD/tests/liboomfail.so}
AT_VAR=OOMFAIL_AT COUNT_VAR=OOMFAIL_COUNT MODES=fail SAMPLES=${OOM_SAMPLES:-40} FAIL_RC=any
shim_env() { echo "OOMFAIL_LIBS=${OOMFAIL_LIBS:-sqlite}"; }
. "$TESTS_DIR/faults/sweep.sh"

sweep_all "running out of memory"

exit $test_failed
