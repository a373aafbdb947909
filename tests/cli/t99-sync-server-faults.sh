#!/bin/sh
# docket sync's faults on the server's side (t98 has the transport's):
# docketd killed with SIGKILL in the middle of a push, its disk full (the
# I/O shim, ENOSPC), the terminal's clock a day ahead of the server's; and
# HTTPS: a certificate that has expired, one signed by a CA other than the
# one the terminal was given, and one it trusts through --ca. After each:
# nothing lost, nothing doubled, `docket check` passes on the terminal and
# `docketd check` on the server.
. "$TESTS_DIR/cli/lib.sh"
. "$TESTS_DIR/cli/docketd-lib.sh"
. "$TESTS_DIR/cli/sync-faults-lib.sh"

test_expect_success 'setup: a server, two enrolled terminals' '
	sync_setup
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
	start_server ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD="$IOFAIL" IOFAIL_DIR="$TMP/srv" IOFAIL_COUNT="$TMP/iocount" &&
	stop_server >/dev/null && boot=$(cat iocount) && test "$boot" -gt 0 &&
	full="ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD=$IOFAIL IOFAIL_DIR=$TMP/srv IOFAIL_ERRNO=ENOSPC IOFAIL_AT=$((boot + 1))" &&
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

# a CA, and certificates it signs for 127.0.0.1 between two dates (openssl ca)
cat >"$TMP/ca.cnf" <<'EOF'
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = policy_any
copy_extensions = copy
unique_subject = no
[ policy_any ]
commonName = supplied
EOF

# signed NAME START END: NAME.pem and NAME.key, signed by ca.pem, valid from START to END (YYYYMMDDHHMMSSZ)
signed() {
	openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 2>/dev/null &&
	openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in "$1.csr" -out "$1.pem" \
		-startdate "$2" -enddate "$3" -notext >/dev/null 2>&1
}

test_expect_success 'HTTPS: an expired certificate is said to be expired (exit 6, both languages), nothing lost' '
	: >index.txt && echo 01 >serial &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 -subj /CN=docket-test-ca 2>/dev/null &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 30 -subj /CN=another-ca 2>/dev/null &&
	signed old 20250101000000Z 20250201000000Z && signed good 20250101000000Z 20991231000000Z &&
	stop_server >/dev/null &&
	SRV_ARGS="--cert $TMP/old.pem --key $TMP/old.key" start_server && grep "^https://" url &&
	docket -C B remote set "$(cat url)" --ca ca.pem >/dev/null &&
	new_leave B 2026-03-04 >/dev/null && n=$(srv_events) &&
	expect_exit 6 docket -C B sync 2>err && grep "certificate has expired" err && ! grep "trying again" err &&
	LC_ALL=zh_CN.UTF-8 LANG=zh_CN.UTF-8 expect_exit 6 docket -C B sync 2>err.zh && grep "证书已过期" err.zh &&
	test "$(srv_events)" = "$n" && docket -C B sync --status >st && grep -E "waiting: +[1-9]" st && checked B &&
	test "$(stop_server)" = 0
'

test_expect_success 'HTTPS: a certificate signed by another CA than the one given is "not trusted"; the right CA syncs' '
	SRV_ARGS="--cert $TMP/good.pem --key $TMP/good.key" start_server &&
	docket -C B remote set "$(cat url)" --ca other.pem >/dev/null &&
	expect_exit 6 docket -C B sync 2>err && grep "certificate is not trusted" err && ! grep "expired" err &&
	docket -C B remote set "$(cat url)" --ca ca.pem >/dev/null &&
	synced B && test "$(count accepted)" -gt 0 && test "$(count rejected)" = 0 &&
	docket -C B sync --status >st && grep -E "waiting: +0 " st && checked B && srv_checked
'

test_done
