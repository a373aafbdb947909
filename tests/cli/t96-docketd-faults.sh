#!/bin/sh
# docketd's faults, on loopback: the server killed with SIGKILL in the
# middle of a push (nothing of the batch committed; the terminal pushes
# again and everything is sequenced once), and the server's disk full (507,
# nothing committed; once there is room the same push is accepted). After
# each, `docket check` passes on the server store.
. "$TESTS_DIR/cli/lib.sh"
. "$TESTS_DIR/cli/docketd-lib.sh"

# mark_wait: until the server says the batch is judged (DOCKETD_TEST_PUSH_MARK)
mark_wait() {
	i=0
	while [ ! -e "$TMP/judged" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	test -e "$TMP/judged"
}

# enrolled: a device token for this server in $TMP/token
enrolled() {
	"$DOCKETD" enrol-code --store "${SRV_STORE:-$TMP/srv}" >"$TMP/code" 2>/dev/null &&
	test "$(http POST /v1/enrol -d "{\"code\":\"$(cat "$TMP/code")\",\"name\":\"t96\"}")" = 200 &&
	json "b[\"token\"]" >"$TMP/token"
}

test_expect_success 'setup: a server store, a terminal with a request approved' '
	"$DOCKETD" init --store srv >/dev/null &&
	docket -C srv -u luo.bin deploy "$REPO/workflows" "$REPO/forms" "$REPO/themes" >/dev/null &&
	signed_store cli &&
	base=$(sqlite3 cli/docket.db "SELECT max(seq) FROM events WHERE type = '\''definition.deployed'\''") &&
	echo "$base" >base &&
	r=$(docket -C cli -u wang.fang --json new leave --set type=personal --set start=2026-03-03 \
		--set end=2026-03-03 --set reason=家中有事 | python3 -c "import json,sys; print(json.load(sys.stdin)[\"request\"])") &&
	docket -C cli -u zhao.lei approve "$r" -m 同意 >/dev/null &&
	"$EVENTDUMP" cli "$base" >batch.json
'

test_expect_success 'killed with SIGKILL in the middle of a push: nothing committed, pushed again: sequenced once' '
	start_server DOCKETD_TEST_PUSH_DELAY_MS=5000 DOCKETD_TEST_PUSH_MARK="$TMP/judged" && enrolled &&
	n=$(srv_events) || exit 1
	(authed POST /v1/push --data-binary @batch.json >status) & client=$!
	mark_wait && kill -KILL "$(cat srv.pid)" || exit 1
	wait "$client"
	test "$(cat status)" = 000 &&
	i=0 && while [ ! -s srv.rc ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done &&
	test "$(cat srv.rc)" = 137 &&
	test "$(srv_events)" = "$n" &&
	rm -f judged && start_server &&
	test "$(authed POST /v1/push --data-binary @batch.json)" = 200 &&
	json "set(x[\"status\"] for x in b[\"results\"])" | grep "{'\''accepted'\''}" &&
	test "$(authed POST /v1/push --data-binary @batch.json)" = 200 &&
	json "set(x[\"status\"] for x in b[\"results\"])" | grep "{'\''duplicate'\''}" &&
	test "$(srv_events)" = "$(($n + $(json "len(b[\"results\"])")))" &&
	test "$(stop_server)" = 0 &&
	docket -C srv check >check.out && grep "state matches" check.out &&
	"$DOCKETD" check --store srv >check.out && grep "state matches" check.out
'

mnt="$TMP/small"
mkdir -p "$mnt"
if ! mount -t tmpfs -o size=12m tmpfs "$mnt" 2>/dev/null; then
	echo "ok 3 # skip disk-full: cannot mount a tmpfs here (not root)"
	test_done
	exit
fi
trap 'umount "$mnt" 2>/dev/null; rm -rf "$TMP"' EXIT

test_expect_success 'the server'\''s disk full: 507 and nothing committed; with room again, accepted' '
	export SRV_STORE="$mnt/srv" &&
	"$DOCKETD" init --store "$SRV_STORE" >/dev/null &&
	docket -C "$SRV_STORE" -u luo.bin deploy "$REPO/workflows" "$REPO/forms" "$REPO/themes" >/dev/null &&
	start_server && enrolled &&
	n=$(srv_events) &&
	( dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null || true ) &&
	test "$(authed POST /v1/push --data-binary @batch.json)" = 507 &&
	test "$(json "b[\"error\"]")" = storage_full &&
	json "b[\"message\"][\"zh_CN\"]" | grep "磁盘已满" &&
	test "$(srv_events)" = "$n" &&
	rm -f "$mnt/filler" &&
	test "$(authed POST /v1/push --data-binary @batch.json)" = 200 &&
	json "set(x[\"status\"] for x in b[\"results\"])" | grep "{'\''accepted'\''}" &&
	test "$(stop_server)" = 0 &&
	docket -C "$SRV_STORE" check >check.out && grep "state matches" check.out &&
	"$DOCKETD" check --store "$SRV_STORE" >check.out && grep "state matches" check.out
'

test_done
