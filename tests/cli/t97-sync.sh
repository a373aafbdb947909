#!/bin/sh
# docket sync against a real docketd on 127.0.0.1 (doc/sync.md): two
# terminals made from the same signed base, each enrolled with a one-time
# code; a request made on A reaches B's inbox, B's approval reaches A;
# syncing again moves nothing; two approvers of an any-one (或签) step
# decide offline and the second to sync is rejected, kept and shown with
# the reason; a wrong address and a revoked device give clear errors and
# lose nothing; `docket check` passes on both terminals after each step.
. "$TESTS_DIR/cli/lib.sh"

. "$TESTS_DIR/cli/docketd-lib.sh"

# the retries' backoff short, for the unreachable cases
export DOCKET_SYNC_RETRY_MS=20 DOCKET_SYNC_RETRIES=2

# checked A B: docket check passes on both terminals
checked() {
	for t in "$@"; do
		docket -C "$t" check >"$TMP/check.$t" 2>&1 || { cat "$TMP/check.$t"; return 1; }
		grep -q "state matches" "$TMP/check.$t" || return 1
	done
}


anyone_workflow

test_expect_success 'setup: a server and two terminals from one signed base, each with a remote' '
	"$DOCKETD" init --store srv >/dev/null &&
	docket -C srv -u luo.bin deploy "$REPO/workflows" "$REPO/forms" "$REPO/themes" >/dev/null &&
	docket -C srv -u luo.bin deploy anyone.yaml >/dev/null &&
	signed_store base &&
	docket -C base -u luo.bin deploy anyone.yaml >/dev/null &&
	cp -a base A && cp -a base B &&
	start_server &&
	docket -C A remote set "$(cat url)" >out && grep "remote set" out &&
	docket -C B remote set "$(cat url)" >/dev/null &&
	docket -C A remote >out && grep "not enrolled" out &&
	expect_exit 2 docket -C A sync 2>err && grep "not enrolled" err
'

test_expect_success 'enrol: a one-time code becomes a device token, kept and never shown' '
	"$DOCKETD" enrol-code --store srv --name A --for wang.fang,qian.yu >codeA 2>/dev/null &&
	"$DOCKETD" enrol-code --store srv --name B --for zhao.lei,wang.fang >codeB 2>/dev/null &&
	docket -C A enrol --name wang.fang@pc-07 "$(cat codeA)" >out && grep "enrolled: this terminal is device" out &&
	docket -C B enrol "$(cat codeB)" >/dev/null &&
	expect_exit 5 docket -C B enrol "$(cat codeA)" 2>err && grep "unknown, used or expired" err &&
	expect_exit 2 docket -C B enrol wang.fang --name x 2>err && grep "usage" err &&
	tok=$(sqlite3 A/docket.db "SELECT token FROM sync_remote") && test ${#tok} = 64 &&
	docket -C A remote >out && ! grep "$tok" out && docket -C A remote --json >out && ! grep "$tok" out &&
	"$DOCKETD" devices --store srv | grep wang.fang@pc-07 &&
	test "$(stat -c %a A/docket.db)" = "$(stat -c %a base/docket.db)"
'

test_expect_success 'A makes a request and syncs: its events are pushed and accepted' '
	r=$(docket -C A -u wang.fang --json new leave --set type=personal --set start=2026-03-03 \
		--set end=2026-03-03 --set reason=家中有事 | python3 -c "import json,sys; print(json.load(sys.stdin)[\"request\"])") &&
	echo "$r" >r &&
	docket -C A sync --status >st && grep -E "waiting: +[1-9]" st &&
	synced A && test "$(count rejected)" = 0 && test "$(count pushed)" -gt 0 &&
	test "$(count accepted)" = "$(count pushed)" &&
	docket -C A sync >out && grep "^pushed 0, accepted 0, duplicate 0, rejected 0, pulled 0$" out &&
	docket -C A sync --status >st && grep -E "waiting: +0 " st && grep -E "last sync: +2026-03-02 09:30" st &&
	checked A && docket -C srv check >out && grep "state matches" out
'

test_expect_success 'B syncs and finds it in the approver'\''s inbox; B approves and syncs' '
	synced B && test "$(count pulled)" -gt 0 && test "$(count rejected)" = 0 &&
	docket -C B -u zhao.lei inbox >inbox && grep "$(cat r)" inbox &&
	docket -C B -u zhao.lei approve "$(cat r)" -m 同意 >/dev/null &&
	synced B && test "$(count accepted)" -ge 1 && test "$(count rejected)" = 0 &&
	checked A B
'

test_expect_success 'A syncs and sees it approved; syncing again moves nothing' '
	synced A && test "$(count pulled)" -ge 1 &&
	docket -C A -u wang.fang show "$(cat r)" >show && grep "赵磊  approved @部门负责人审批: 同意" show &&
	synced A && test "$(count pushed)" = 0 && test "$(count pulled)" = 0 &&
	synced B && test "$(count pushed)" = 0 && test "$(count pulled)" = 0 &&
	checked A B
'

test_expect_success 'an any-one step decided offline on both terminals: the second to sync is rejected, kept, shown' '
	q=$(docket -C A -u wang.fang --json new anyone --set type=personal --set start=2026-03-04 \
		--set end=2026-03-04 --set reason=体检 | python3 -c "import json,sys; print(json.load(sys.stdin)[\"request\"])") &&
	echo "$q" >q && synced A && synced B &&
	docket -C B -u zhao.lei inbox | grep "$q" &&
	docket -C B -u zhao.lei approve "$q" -m 同意赵 >/dev/null &&
	docket -C A -u qian.yu approve "$q" -m 同意钱 >/dev/null &&
	synced B && test "$(count rejected)" = 0 &&
	synced A && test "$(count rejected)" = 1 &&
	docket -C A sync --status >st && grep "rejected by the server" st && grep "task.approved" st &&
	grep "qian.yu" st && grep "(refused)" st && cat st >&2 &&
	docket -C A sync --status --json >st.json &&
	python3 -c "import json; o=json.load(open(\"st.json\")); assert len(o[\"rejected\"]) == 1 and o[\"rejected\"][0][\"code\"] == \"refused\", o" &&
	LC_ALL=zh_CN.UTF-8 LANG=zh_CN.UTF-8 docket -C A sync --status >st.zh && grep "服务器拒绝" st.zh &&
	docket -C srv -u wang.fang show "$q" | grep "同意赵" && ! docket -C srv -u wang.fang show "$q" | grep "同意钱" &&
	synced A && test "$(count pushed)" = 0 && test "$(count rejected)" = 0 &&
	checked A B && docket -C srv check >out && grep "state matches" out
'

test_expect_success 'a wrong address: a clear error, nothing lost, the actions still waiting' '
	docket -C B -u wang.fang --json new leave --set type=annual --set start=2026-03-05 \
		--set end=2026-03-05 --set reason=休息 >/dev/null &&
	docket -C B remote set http://127.0.0.1:9 >/dev/null &&
	expect_exit 6 docket -C B sync 2>err && grep "cannot be reached" err &&
	LC_ALL=zh_CN.UTF-8 LANG=zh_CN.UTF-8 docket -C B sync 2>err.zh; grep "无法连接" err.zh &&
	docket -C B sync --status >st && grep -E "waiting: +[1-9]" st &&
	docket -C B remote set "$(cat url)" >/dev/null &&
	synced B && test "$(count accepted)" -gt 0 && test "$(count rejected)" = 0 &&
	docket -C B sync --status >st && grep -E "waiting: +0 " st && checked B
'

test_expect_success 'a revoked device: 401, said plainly, nothing changes' '
	dev=$(docket -C A remote --json | python3 -c "import json,sys; print(json.load(sys.stdin)[\"device\"])") &&
	"$DOCKETD" revoke-device --store srv "$dev" >/dev/null &&
	docket -C A -u wang.fang --json new leave --set type=annual --set start=2026-03-06 \
		--set end=2026-03-06 --set reason=休息 >/dev/null &&
	expect_exit 5 docket -C A sync 2>err && grep "revoked" err &&
	LC_ALL=zh_CN.UTF-8 LANG=zh_CN.UTF-8 docket -C A sync 2>err.zh; grep "吊销" err.zh &&
	docket -C A sync --status >st && grep -E "waiting: +[1-9]" st && checked A &&
	test "$(stop_server)" = 0
'

test_expect_success 'HTTPS: a certificate the terminal does not trust is said so; with --ca it syncs' '
	openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 2>/dev/null &&
	SRV_ARGS="--cert $TMP/cert.pem --key $TMP/key.pem" start_server && grep "^https://" url &&
	docket -C B -u zhao.lei --json new leave --set type=annual --set start=2026-03-09 \
		--set end=2026-03-09 --set reason=休息 >/dev/null &&
	docket -C B remote set "$(cat url)" >/dev/null &&
	expect_exit 6 docket -C B sync 2>err && grep "certificate is not trusted" err &&
	LC_ALL=zh_CN.UTF-8 LANG=zh_CN.UTF-8 docket -C B sync 2>err.zh; grep "证书不受信任" err.zh &&
	expect_exit 2 docket -C B remote set "$(cat url)" --ca nowhere.pem 2>err && grep "cannot read the CA file" err &&
	docket -C B remote set "$(cat url)" --ca cert.pem >/dev/null &&
	docket -C B remote >out && grep "$TMP/cert.pem" out &&
	synced B && test "$(count accepted)" -gt 0 && test "$(count rejected)" = 0 && checked B &&
	test "$(stop_server)" = 0
'

test_expect_success 'a server that takes smaller batches: the push is split, every event answered once' '
	SRV_ARGS="--max-batch 2" start_server &&
	docket -C B remote set "$(cat url)" >/dev/null &&
	for d in 10 11 12; do
		docket -C B -u wang.fang --json new leave --set type=annual --set start=2026-03-$d \
			--set end=2026-03-$d --set reason=休息 >/dev/null || exit 1
	done &&
	synced B && test "$(count pushed)" -gt 2 && test "$(count accepted)" = "$(count pushed)" &&
	test "$(count rejected)" = 0 && checked B && docket -C srv check >out && grep "state matches" out
'

test_expect_success 'answers lost after the server committed: pushed again, answered duplicate, nothing doubled' '
	docket -C B -u wang.fang --json new leave --set type=annual --set start=2026-03-13 \
		--set end=2026-03-13 --set reason=休息 >/dev/null &&
	synced B && n=$(count accepted) && test "$n" -gt 0 && before=$(srv_events) &&
	sqlite3 B/docket.db "DELETE FROM sync_acked WHERE how = '\''accepted'\''; UPDATE sync_remote SET pushed_upto = 0" &&
	synced B && test "$(count accepted)" = 0 && test "$(count rejected)" = 0 && test "$(count duplicate)" -ge "$n" &&
	test "$(srv_events)" = "$before" && test "$(count pulled)" = 0 &&
	docket -C B sync --status >st && grep -E "waiting: +0 " st && checked B &&
	test "$(stop_server)" = 0
'

test_done
