#!/bin/sh
# docket sync: the terminal killed with SIGKILL at random moments of a sync
# that pulls a few hundred events (doc/sync.md). After each kill its store
# is consistent (`docket check`) and holds at most what the server sent
# (a sync that finished first is undone from a copy, so every try kills a
# whole pull); a last sync converges: every event once, the requests read
# the same as on the server. Slow (a few hundred signed actions are made first): in
# `make test-faults`.
. "$TESTS_DIR/cli/lib.sh"
. "$TESTS_DIR/cli/docketd-lib.sh"
. "$TESTS_DIR/cli/sync-faults-lib.sh"

# ms N: a random number of milliseconds below N (N > 0)
ms() {
	echo $(($(od -An -N2 -tu2 /dev/urandom) % $1))
}

test_expect_success 'setup: a server, two enrolled terminals; A makes a few hundred events and pushes them' '
	sync_setup && synced A && a0=$(events_in A) &&
	i=0 && while [ $i -lt 120 ]; do
		r=$(new_leave A 2026-03-03) && echo "$r" >>reqs &&
		docket -C A -u zhao.lei approve "$r" -m 同意 >/dev/null || exit 1
		i=$((i + 1))
	done &&
	synced A && test "$(count rejected)" = 0 && made=$(count accepted) &&
	echo "$made" >made && echo "made $made, A grew $(($(events_in A) - a0))" &&
	test "$made" = "$(($(events_in A) - a0))" && test "$made" -ge 240
'

test_expect_success 'B killed with SIGKILL at random moments of its pull: consistent each time; a last sync converges' '
	b0=$(events_in B) && made=$(cat made) && kills=0 &&
	cp -a B B0 && cp -a B whole && t0=$(date +%s%N) && synced whole && t1=$(date +%s%N) &&
	test "$(count pulled)" = "$made" && dur=$(((t1 - t0) / 1000000)) && echo "a whole sync: $dur ms" &&
	for try in 1 2 3 4 5 6 7 8 9 10; do
		"$DOCKET" -C B sync >/dev/null 2>&1 & pid=$!
		t=$(ms $((dur * 7 / 10 + 1))) && sleep "$((t / 1000)).$(printf %03d $((t % 1000)))"
		kill -KILL $pid 2>/dev/null && kills=$((kills + 1))
		wait $pid
		checked B || exit 1
		n=$(events_in B) && test "$n" -ge "$b0" && test "$n" -le "$((b0 + made))" || exit 1
		# a sync that finished before the kill: the next try starts again from before it
		if [ "$n" = "$((b0 + made))" ]; then rm -rf B && cp -a B0 B || exit 1; fi
	done &&
	echo "# killed $kills of 10 syncs, at random moments of the first 70% of the $dur ms a whole one takes" >figure &&
	test "$kills" -ge 4 &&
	synced B && test "$(events_in B)" = "$((b0 + made))" &&
	synced B && test "$(count pulled)" = 0 && checked B && srv_checked &&
	for r in $(sed -n "1p;7p;33p;80p;120p" reqs); do
		docket -C B -u qian.yu show "$r" >b.show && docket -C srv -u qian.yu show "$r" >srv.show &&
		test_cmp srv.show b.show && grep "同意" b.show || exit 1
	done
'

[ -s "$TMP/figure" ] && cat "$TMP/figure"
test_done
