#!/bin/sh
# docket sync's transport faults, on loopback (doc/sync.md, "离线" and "For
# administrators"): a proxy set on the remote (and the environment's when
# none is), and a fault-injecting proxy (tests/tools/faultproxy.py) that
# answers 503 twice, 409 once, loses a push's answer after the server
# committed and cuts a pull's answer half way. After each: nothing lost,
# nothing doubled, `docket check` passes on the terminals and `docketd
# check` on the server. The server's own faults and HTTPS: t99; a terminal
# killed during a pull: tests/faults/t30.
. "$TESTS_DIR/cli/lib.sh"
. "$TESTS_DIR/cli/docketd-lib.sh"
. "$TESTS_DIR/cli/sync-faults-lib.sh"

test_expect_success 'setup: a server, two enrolled terminals, a fault proxy in front of the server' '
	sync_setup && start_proxy "$(cat url)" &&
	grep "^http://127.0.0.1:" proxy.url
'

test_expect_success 'a proxy set on the remote: shown, and every request goes through it' '
	docket -C A remote set "$(cat url)" --proxy "$(cat proxy.url)" >/dev/null &&
	docket -C A remote >out && grep "^proxy: *$(cat proxy.url)" out &&
	docket -C A remote --json | grep "\"proxy\": *\"$(cat proxy.url)\"" &&
	LC_ALL=zh_CN.UTF-8 LANG=zh_CN.UTF-8 docket -C A remote >out.zh && grep "代理" out.zh &&
	new_leave A 2026-03-03 >r1 &&
	: >proxy.log && synced A && test "$(count accepted)" -gt 0 &&
	grep "^POST /v1/push pass 200 proxy$" proxy.log && grep "^GET /v1/events?after=.* pass 200 proxy$" proxy.log &&
	checked A
'

test_expect_success '--no-proxy goes direct whatever the environment says; without either, the environment'\''s' '
	docket -C A remote set "$(cat url)" --no-proxy >/dev/null &&
	docket -C A remote >out && grep "^proxy: *none" out &&
	new_leave A 2026-03-04 >/dev/null &&
	: >proxy.log && http_proxy="$(cat proxy.url)" synced A && test "$(count accepted)" -gt 0 &&
	test ! -s proxy.log &&
	docket -C A remote set "$(cat url)" >/dev/null &&
	docket -C A remote >out && grep "^proxy: *from the environment" out &&
	new_leave A 2026-03-05 >/dev/null &&
	http_proxy="$(cat proxy.url)" synced A && test "$(count accepted)" -gt 0 &&
	grep "^POST /v1/push pass 200 proxy$" proxy.log &&
	expect_exit 2 docket -C A remote set "$(cat url)" --proxy 127.0.0.1:3128 2>err && grep "not a proxy address" err &&
	expect_exit 2 docket -C A remote set "$(cat url)" --proxy http://x --no-proxy &&
	checked A
'

test_expect_success '503 twice, then the answer: the sync retries (said on stderr) and succeeds' '
	docket -C A remote set "$(cat proxy.url)" >/dev/null &&
	new_leave A 2026-03-06 >/dev/null &&
	plan "status:503 /v1/push" "status:503 /v1/push" && : >proxy.log &&
	docket -C A sync --json >sync.json 2>err && test "$(count accepted)" -gt 0 && test "$(count retried)" = 2 &&
	grep -c "answered 503 to /v1/push: trying again" err | grep -x 2 &&
	test "$(grep -c "^POST /v1/push" proxy.log)" = 3 &&
	new_leave A 2026-03-07 >/dev/null &&
	plan "status:503 /v1/push" && LC_ALL=zh_CN.UTF-8 LANG=zh_CN.UTF-8 docket -C A sync 2>err.zh >/dev/null &&
	grep "重试" err.zh &&
	checked A
'

test_expect_success 'a 4xx is never retried: one request, a clear error, the actions still waiting' '
	new_leave A 2026-03-09 >/dev/null &&
	plan "status:409 /v1/push" && : >proxy.log &&
	expect_exit 6 docket -C A sync 2>err && grep "answered 409" err && ! grep "trying again" err &&
	test "$(grep -c "^POST /v1/push" proxy.log)" = 1 &&
	docket -C A sync --status >st && grep -E "waiting: +[1-9]" st &&
	synced A && test "$(count accepted)" -gt 0 && checked A
'

test_expect_success 'a push whose answer is lost after the server committed: the next sync is answered duplicate, nothing doubled' '
	new_leave A 2026-03-10 >/dev/null && new_leave A 2026-03-11 >/dev/null &&
	before=$(srv_events) && plan "drop /v1/push" && : >proxy.log &&
	DOCKET_SYNC_RETRIES=0 expect_exit 6 docket -C A sync 2>err && grep "cannot be reached" err &&
	grep "^POST /v1/push drop 200" proxy.log &&
	committed=$(($(srv_events) - before)) && test "$committed" -gt 0 &&
	docket -C A sync --status >st && grep -E "waiting: +$committed " st &&
	synced A && test "$(count accepted)" = 0 && test "$(count duplicate)" = "$committed" &&
	test "$(srv_events)" = "$((before + committed))" &&
	docket -C A sync --status >st && grep -E "waiting: +0 " st &&
	checked A && srv_checked
'

test_expect_success 'a pull cut half way: the next sync resumes, nothing applied twice' '
	docket -C B remote set "$(cat proxy.url)" >/dev/null &&
	synced B && test "$(count pulled)" -gt 0 && b0=$(events_in B) &&
	for d in 12 13 16 17; do new_leave A 2026-03-$d >/dev/null || exit 1; done &&
	synced A && made=$(count accepted) && test "$made" -gt 0 &&
	plan "cut /v1/events" && : >proxy.log &&
	DOCKET_SYNC_RETRIES=0 expect_exit 6 docket -C B sync 2>err && grep "cannot be reached" err &&
	grep "^GET /v1/events?after=.* cut 200" proxy.log &&
	test "$(events_in B)" = "$b0" && checked B &&
	synced B && test "$(count pulled)" = "$made" &&
	test "$(events_in B)" = "$((b0 + made))" &&
	synced B && test "$(count pulled)" = 0 && checked B
'

test_done
