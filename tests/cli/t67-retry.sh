#!/bin/sh
# An action is applied once or not at all. docket killed (kill -9) at
# random moments during a loop of requests and approvals leaves a store
# whose log replays to the same state; running the same script again with
# the same --uuid for each action (what a client retrying after a crash
# or a timeout does) applies every action exactly once. Also what --uuid
# says when it is repeated, misused or malformed.
. "$TESTS_DIR/cli/lib.sh"

# docket check passes and SQLite finds the file sound
consistent() {
	checked && test "$(sqlite3 "$TMP/s/docket.db" "PRAGMA integrity_check")" = ok
}
count() { sqlite3 "$TMP/s/docket.db" "$1"; }
uuid() { printf '00000000-0000-4000-8000-%012d' "$1"; }

# 12 leave requests by zhang.wei, each approved by huang.wei; every action has its own fixed UUID
run_all() {
	i=1
	while [ $i -le 12 ]; do
		r=$(d -u zhang.wei --json new leave --uuid "$(uuid $((i * 2)))" --set type=annual \
			--set start=2026-03-03 --set end=2026-03-04 --set reason="第${i}次" 2>/dev/null |
			sed -n 's/.*"request": "\(.*\)".*/\1/p')
		if [ -n "$r" ]; then
			d -u huang.wei approve "$r" --uuid "$(uuid $((i * 2 + 1)))" -m 同意 >/dev/null 2>&1
		fi
		i=$((i + 1))
	done
}

test_expect_success 'setup: a store with the shipped definitions' '
	signed_store s &&
	docket -C s -u luo.bin deploy "$REPO/workflows" "$REPO/forms" >/dev/null 2>&1
'

test_expect_success 'kill -9 at random moments: the log replays to the same state' '
	( while :; do run_all; done ) &
	loop=$!
	for k in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
		sleep 0.$((k % 4 + 1))
		pkill -9 -f -- "-C $TMP/s " 2>/dev/null
	done
	kill $loop; wait $loop 2>/dev/null
	pkill -9 -f -- "-C $TMP/s " 2>/dev/null
	sleep 0.2
	consistent
'

test_expect_success 'the same script again, with the same UUIDs: each action applied exactly once' '
	run_all &&
	consistent &&
	test "$(count "SELECT count(*) FROM events WHERE type = '\''instance.created'\''")" = 12 &&
	test "$(count "SELECT count(*) FROM events WHERE type = '\''task.approved'\''")" = 12 &&
	test "$(count "SELECT count(*) FROM eng_instances WHERE applicant = '\''zhang.wei'\''")" = 12 &&
	test -z "$(d -u huang.wei inbox)" &&
	n=$(count "SELECT count(*) FROM events") &&
	run_all &&
	test "$(count "SELECT count(*) FROM events")" = "$n"
'

test_expect_success 'a repeated --uuid reports the first result, on stdout as before and in JSON' '
	r=$(d -u zhang.wei --json new leave --uuid "$(uuid 2)" --set type=annual --set start=2026-03-03 \
		--set end=2026-03-04 --set reason=第1次 | python3 -c "import json,sys; o=json.load(sys.stdin); assert o[\"repeated\"] is True; print(o[\"request\"])") &&
	test "$(count "SELECT uuid FROM eng_instances WHERE id = '\''$r'\''")" = "$(uuid 2)" &&
	d -u zhang.wei new leave --uuid "$(uuid 2)" --set type=annual --set start=2026-03-03 \
		--set end=2026-03-04 --set reason=第1次 >out 2>err &&
	echo "submitted request '\''$r'\''" >expect && test_cmp expect out &&
	echo "docket: event '\''$(uuid 2)'\'' was applied before: nothing done again" >expect && test_cmp expect err &&
	# the approval again: its task is decided by now, and the retry still succeeds
	t=$(count "SELECT json_extract(payload, '\''$.task'\'') FROM events WHERE uuid = '\''$(uuid 3)'\''") &&
	d -u huang.wei approve "$r" --uuid "$(uuid 3)" -m 同意 >out 2>/dev/null &&
	echo "approved task '\''$t'\''" >expect && test_cmp expect out
'

test_expect_success 'a UUID used by another action, a malformed one, a verb that makes no one action: refused' '
	n=$(count "SELECT count(*) FROM events") &&
	r=$(count "SELECT id FROM eng_instances WHERE uuid = '\''$(uuid 2)'\''") &&
	expect_exit 1 d -u huang.wei urge "$r" --uuid "$(uuid 2)" 2>err &&
	echo "docket: event '\''$(uuid 2)'\'' is already in the log as another action (instance.created zhang.wei)" >expect &&
	test_cmp expect err &&
	expect_exit 2 d -u huang.wei urge "$r" --uuid 12345 2>err &&
	grep "'\''12345'\'' is not a UUID" err &&
	expect_exit 2 d -u huang.wei inbox --uuid "$(uuid 99)" 2>err &&
	grep "'\''inbox'\'' takes no --uuid" err &&
	expect_exit 2 d -u huang.wei opinions --uuid "$(uuid 99)" 2>err &&
	grep "'\''opinions list'\'' takes no --uuid" err &&
	expect_exit 2 d -u huang.wei urge "$r" --uuid 2>err &&
	grep -- "--uuid needs a UUID" err &&
	test "$(count "SELECT count(*) FROM events")" = "$n" &&
	consistent
'

test_done
