#!/bin/sh
# Out of memory in libgit2 at every allocation of a document save
# (tests/faults/oomfail.c with OOMFAIL_LIBS=git fails the Nth allocation
# libgit2 asks for, through docket's own libgit2 allocator, which notes
# it). Each N must end clean, as in t20: exit 3 with "out of memory", the
# store as before or as after, `docket check` passing, the command
# succeeding when run again — except where libgit2 1.5.1 itself crashes:
# those crashes are listed, by where they happen, in
# libgit2-oom-crashes.txt with what goes wrong (doc/testing.md, "Out of
# memory in libgit2"); such a crash still may not leave the store half
# saved. Telling a known crash from a new one needs gdb's backtrace.
. "$TESTS_DIR/cli/lib.sh"
command -v gdb >/dev/null || { echo "ok 1 # skip gdb is not installed (it tells libgit2's known crashes from new ones)"; exit 0; }

SHIM=${OOMFAIL:-$BUILD/tests/liboomfail.so}
AT_VAR=OOMFAIL_AT COUNT_VAR=OOMFAIL_COUNT MODES=fail SAMPLES=${OOM_GIT_SAMPLES:-0} FAIL_RC=3
KNOWN_CRASHES="$TESTS_DIR/faults/libgit2-oom-crashes.txt"
shim_env() { echo "OOMFAIL_LIBS=git"; }
. "$TESTS_DIR/faults/sweep.sh"

test_expect_success 'a store with a document' '
	signed_store base &&
	printf "各处室：\n现将有关事项通知如下。\n" >body.md &&
	docket -C base -u wang.fang doc new --title "关于值班的通知" --body-file body.md >doc &&
	docket -C base -u wang.fang --json new leave --set type=personal --set start=2026-03-03 \
		--set end=2026-03-03 --set reason=家中有事 >new.json &&
	python3 -c "import json,sys; print(json.load(sys.stdin)[\"request\"])" <new.json >req
'
req=$(cat "$TMP/req" 2>/dev/null)
doc=$(cat "$TMP/doc" 2>/dev/null)

test_expect_success 'a document save survives libgit2 running out of memory at every allocation' '
	printf "各处室：\n现将值班安排通知如下。\n" >"$TMP/body2.md" &&
	sweep doc-edit "$DOCKET" -C "$TMP/s" -u wang.fang doc edit "$doc" --body-file "$TMP/body2.md"
'
# the evidence of this run: at which N libgit2 crashed, and where
if [ -s "$TMP/known-crashes" ]; then
	echo "# $(wc -l <"$TMP/known-crashes") allocations of $(cat "$TMP/count") crashed inside libgit2, each where libgit2-oom-crashes.txt lists:"
	cut -f1,2 "$TMP/known-crashes" | sed "s/^/#   /"
fi

exit $test_failed
