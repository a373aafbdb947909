#!/bin/sh
# Out of memory in SQLite at allocations spread over a save, an approval
# and a deploy (tests/faults/oomfail.c fails the Nth allocation SQLite
# asks for; SAMPLES of them per command, evenly spread, since a command
# makes thousands). After each run, as for a failing disk
# (t10-io-sweep.sh): a clear error, never a crash or exit 4 (a bug); the
# store as before or as after a clean run; `docket check` passing; the
# command succeeding when run again.
#
# libgit2's allocations are not swept here: libgit2 1.5.1 (Debian 12)
# itself crashes when some of its allocations fail (doc/testing.md,
# "Out of memory"); OOMFAIL_LIBS=git runs the same sweep on them.
. "$TESTS_DIR/cli/lib.sh"

SHIM=${OOMFAIL:-$BUILD/tests/liboomfail.so}
AT_VAR=OOMFAIL_AT COUNT_VAR=OOMFAIL_COUNT MODES=fail SAMPLES=${OOM_SAMPLES:-40} FAIL_RC=any
shim_env() { echo "OOMFAIL_LIBS=${OOMFAIL_LIBS:-sqlite}"; }
. "$TESTS_DIR/faults/sweep.sh"

sweep_all "running out of memory"

exit $test_failed
