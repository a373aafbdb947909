#!/bin/sh
# docket sync's transport faults, on loopback (doc/sync.md, "离线" and "For
# administrators"): a proxy set on the remote (and the environment's when
# none is), a fault-injecting proxy (tests/tools/faultproxy.py) that loses
# a push's answer after the server committed, cuts a pull's answer half
# way and answers 503 twice; docketd killed with SIGKILL in the middle of
# a push; the server's disk full (the I/O shim, ENOSPC); the terminal's
# clock a day ahead. After each: nothing lost, nothing doubled, `docket
# check` passes on the terminals and `docketd check` on the server.
# The slower ones (a client killed during a pull, certificates) are in t99.
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

test_expect_success 'docketd killed with SIGKILL in the middle of a push: restarted, synced again, every event accepted once' '
	docket -C A remote set "$(cat url)" >/dev/null &&
	stop_server >/dev/null && start_server DOCKETD_TEST_PUSH_DELAY_MS=5000 DOCKETD_TEST_PUSH_MARK="$TMP/judged" &&
	docket -C A remote set "$(cat url)" >/dev/null &&
	for d in 18 19 20; do new_leave A 2026-03-$d >/dev/null || exit 1; done &&
	n=$(srv_events) || exit 1
	(DOCKET_SYNC_RETRIES=0 docket -C A sync >/dev/null 2>sync.err; echo $? >sync.rc) &
	mark_wait && kill -KILL "$(cat srv.pid)" || exit 1
	wait $! && test "$(cat sync.rc)" = 6 && grep "cannot be reached" sync.err &&
	i=0 && while [ ! -s srv.rc ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done &&
	test "$(srv_events)" = "$n" && checked A && srv_checked &&
	docket -C A sync --status >st && grep -E "waiting: +[1-9]" st &&
	rm -f judged && start_server && docket -C A remote set "$(cat url)" >/dev/null &&
	synced A && test "$(count accepted)" -gt 0 && test "$(count duplicate)" = 0 && test "$(count rejected)" = 0 &&
	test "$(srv_events)" = "$((n + $(count accepted)))" &&
	synced A && test "$(count pushed)" = 0 &&
	checked A && srv_checked
'

test_expect_success 'the server'\''s disk full during a push: "could not store", nothing lost; once lifted, accepted once' '
	stop_server >/dev/null &&
	start_server LD_PRELOAD="$IOFAIL" IOFAIL_DIR="$TMP/srv" IOFAIL_COUNT="$TMP/iocount" &&
	stop_server >/dev/null && boot=$(cat iocount) && test "$boot" -gt 0 &&
	full="LD_PRELOAD=$IOFAIL IOFAIL_DIR=$TMP/srv IOFAIL_ERRNO=ENOSPC IOFAIL_AT=$((boot + 1))" &&
	start_server $full && docket -C A remote set "$(cat url)" >/dev/null &&
	new_leave A 2026-03-23 >/dev/null && n=$(srv_events) &&
	expect_exit 6 docket -C A sync 2>err && grep "could not store" err && grep "disk is full" err &&
	grep "answered 507" err && ! grep "trying again" err &&
	test "$(srv_events)" = "$n" && docket -C A sync --status >st && grep -E "waiting: +[1-9]" st &&
	test "$(stop_server)" = 0 && start_server $full && docket -C A remote set "$(cat url)" >/dev/null &&
	LC_ALL=zh_CN.UTF-8 LANG=zh_CN.UTF-8 expect_exit 6 docket -C A sync 2>err.zh && grep "无法保存" err.zh &&
	grep "磁盘已满" err.zh && test "$(srv_events)" = "$n" &&
	test "$(stop_server)" = 0 && srv_checked && start_server && docket -C A remote set "$(cat url)" >/dev/null &&
	synced A && test "$(count accepted)" -gt 0 && test "$(count duplicate)" = 0 &&
	test "$(srv_events)" = "$((n + $(count accepted)))" &&
	checked A && srv_checked
'

test_expect_success 'the terminal'\''s clock a day ahead: synced all the same, warned (both languages), the skew shown' '
	DOCKET_NOW=2026-03-03T09:30:00+08:00 docket -C A -u wang.fang --json new leave --set type=personal \
		--set start=2026-03-24 --set end=2026-03-24 --set reason=家中有事 |
		python3 -c "import json,sys; print(json.load(sys.stdin)[\"request\"])" >rday &&
	DOCKET_NOW=2026-03-03T09:30:00+08:00 docket -C A sync --json >sync.json 2>err &&
	test "$(count accepted)" -gt 0 && test "$(count clock_skew_seconds)" = 86400 &&
	grep "warning: this terminal.s clock is 1 day(s) ahead of the server" err && grep "ask your administrator to set it" err &&
	grep "times of actions made here show this clock" err &&
	DOCKET_NOW=2026-03-03T09:30:00+08:00 LC_ALL=zh_CN.UTF-8 LANG=zh_CN.UTF-8 docket -C A sync 2>err.zh >/dev/null &&
	grep "本终端的时钟比服务器快 1 天" err.zh &&
	docket -C A remote >out && grep "^clock: *1 day(s) ahead of the server.s at the last sync: ask your administrator" out &&
	docket -C A sync --status >st && grep "^clock: .*ahead" st &&
	docket -C A sync --status --json | grep "\"clock_skew_seconds\": *86400" &&
	docket -C srv -u qian.yu show "$(cat rday)" >show && grep "2026-03-03 09:30" show &&
	synced A 2>err && test "$(count clock_skew_seconds)" = 0 && ! grep "clock" err &&
	docket -C A remote >out && grep "^clock: .*the same as the server" out &&
	checked A && srv_checked
'

test_done
