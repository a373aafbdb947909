#!/bin/sh
# Conflicts decided by the server's order (doc/sync.md, "冲突"): two
# terminals and a docketd on 127.0.0.1, each terminal acting offline on
# the same requests. In every case the server's order decides, the loser
# is kept and shown with who handled it and when, each terminal ends in
# the server's state (the derived tables compared row for row, in log
# order), and `docket check` passes everywhere.
. "$TESTS_DIR/cli/lib.sh"

. "$TESTS_DIR/cli/docketd-lib.sh"

export DOCKET_SYNC_RETRY_MS=20 DOCKET_SYNC_RETRIES=2

# state S: the state of store S as the engine derived it, in log order, without local sequences
state() {
	sqlite3 "$1/docket.db" \
		"SELECT 'i', id, state, applicant, title, data FROM eng_instances ORDER BY id;
		 SELECT 't', id, instance, step, assignee, state, decision, opinion FROM eng_tasks ORDER BY id;
		 SELECT 'r', instance, actor, on_behalf, action, opinion, made_at FROM eng_trail ORDER BY seq, n;
		 SELECT 's', user, standin, from_day, to_day FROM eng_standins ORDER BY seq"
}
# converged A B...: every terminal's state is the server's, and check passes on each and on the server
converged() {
	state srv >"$TMP/state.srv"
	for t in "$@"; do
		state "$t" >"$TMP/state.$t"
		diff "$TMP/state.srv" "$TMP/state.$t" >&2 || return 1
		docket -C "$t" check >"$TMP/check.$t" 2>&1 || { cat "$TMP/check.$t"; return 1; }
	done
	"$DOCKETD" check --store srv >"$TMP/check.srv" 2>&1 || { cat "$TMP/check.srv"; return 1; }
}
# new_req T USER WORKFLOW: a request made on T, its id printed
new_req() {
	docket -C "$1" -u "$2" --json new "$3" --set type=personal --set start=2026-03-04 --set end=2026-03-04 \
		--set reason=体检 | python3 -c "import json,sys; print(json.load(sys.stdin)[\"request\"])"
}
# bg_sync T: `docket sync --json` on T in the background, its answer in $TMP/slow.json, its status in $TMP/slow.rc
bg_sync() {
	(docket -C "$1" sync --json >"$TMP/slow.json" 2>"$TMP/slow.err"; echo $? >"$TMP/slow.rc") &
}
# restart_server [ENV=VALUE...]: the server again (a new port), both terminals told
restart_server() {
	test "$(stop_server)" = 0 && start_server "$@" &&
	docket -C A remote set "$(cat "$TMP/url")" >/dev/null && docket -C B remote set "$(cat "$TMP/url")" >/dev/null
}
# status_of T: what `docket sync --status` says on T
status_of() {
	docket -C "$1" sync --status
}

anyone_workflow
cat >"$TMP/both.yaml" <<'YAML'
kind: workflow
id: both
name: 会签测试
form: leave
steps:
  - id: both_sign
    name: 科长会签
    mode: countersign
    assignees:
      - user: zhao.lei
      - user: qian.yu
YAML

test_expect_success 'setup: a server and two terminals from one signed base, both enrolled and synced' '
	"$DOCKETD" init --store srv >/dev/null &&
	docket -C srv -u luo.bin deploy "$REPO/workflows" "$REPO/forms" "$REPO/themes" anyone.yaml both.yaml >/dev/null &&
	signed_store base &&
	docket -C base -u luo.bin deploy anyone.yaml both.yaml >/dev/null &&
	cp -a base A && cp -a base B &&
	start_server &&
	for t in A B; do
		docket -C $t remote set "$(cat url)" >/dev/null &&
		"$DOCKETD" enrol-code --store srv --name $t --for wang.fang,zhao.lei,qian.yu,liu.yang,zhou.min >code.$t 2>/dev/null &&
		docket -C $t enrol "$(cat code.$t)" >/dev/null || exit 1
	done &&
	synced A && : the server has deployments of its own first in its log, known here: the tail does not move &&
	test "$(count reapplied)" = 0 &&
	synced B && synced A && converged A B
'

test_expect_success 'any-one (或签) decided on both terminals offline: the first sequenced wins, the second is shown as handled by the first' '
	q=$(new_req A wang.fang anyone) && synced A && synced B &&
	at 10:02 docket -C B -u zhao.lei approve "$q" -m 同意赵 >/dev/null &&
	at 10:05 docket -C A -u qian.yu approve "$q" -m 同意钱 >/dev/null &&
	synced B && test "$(count rejected)" = 0 &&
	synced A && test "$(count rejected)" = 1 &&
	: the tail came off by the undo journal, not by replaying the log &&
	test "$(count reapplied)" -ge 1 && test "$(count replayed)" = 0 &&
	status_of A >st && grep "task.approved" st && grep "handled by 赵磊 at 2026-03-02 10:02" st &&
	LC_ALL=zh_CN.UTF-8 LANG=zh_CN.UTF-8 docket -C A sync --status >st.zh && grep "已由赵磊于 2026-03-02 10:02 办理" st.zh &&
	docket -C A -u wang.fang show "$q" >show && grep "同意赵" show && ! grep "同意钱" show &&
	converged A B
'

test_expect_success 'the applicant withdraws offline while the approver approves online: the approval stands, the withdrawal is kept with why' '
	q=$(new_req A wang.fang anyone) && synced A && synced B &&
	at 10:10 docket -C B -u zhao.lei approve "$q" -m 同意 >/dev/null && synced B &&
	docket -C A -u wang.fang withdraw "$q" >/dev/null &&
	docket -C A -u wang.fang show "$q" >show && grep -i "withdrawn" show &&
	synced A && test "$(count rejected)" = 1 &&
	status_of A >st && grep "request.withdrawn\|withdraw" st &&
	docket -C A -u wang.fang show "$q" >show && grep "approved" show && grep "同意" show &&
	converged A B
'

test_expect_success 'the approver approves offline after the applicant withdrew online: the approval is kept with who withdrew' '
	q=$(new_req A wang.fang anyone) && synced A && synced B &&
	docket -C A -u wang.fang withdraw "$q" >/dev/null && synced A &&
	at 10:20 docket -C B -u zhao.lei approve "$q" -m 同意 >/dev/null &&
	synced B && test "$(count rejected)" = 1 &&
	status_of B >st && grep "task.approved" st && grep "王芳" st &&
	converged A B
'

test_expect_success 'a countersign (会签) returned while the other signer approved offline: the return stands, the approval is kept' '
	q=$(new_req A wang.fang both) && synced A && synced B &&
	at 10:30 docket -C B -u zhao.lei return "$q" -m 材料不全请补充 >/dev/null && synced B &&
	at 10:31 docket -C A -u qian.yu approve "$q" -m 同意 >/dev/null &&
	synced A && test "$(count rejected)" = 1 &&
	status_of A >st && grep "handled by 赵磊 at 2026-03-02 10:30" st &&
	docket -C A -u wang.fang show "$q" >show && grep "returned" show &&
	converged A B
'

test_expect_success 'a transfer to someone who meanwhile acted: the transfer is kept with who handled the step' '
	q=$(new_req A wang.fang anyone) && synced A && synced B &&
	at 10:40 docket -C B -u qian.yu approve "$q" -m 同意 >/dev/null && synced B &&
	docket -C A -u zhao.lei transfer "$q" zhou.min -m 请周敏办理 >/dev/null &&
	synced A && test "$(count rejected)" = 1 &&
	status_of A >st && grep "task.transferred" st && grep "handled by 钱宇 at 2026-03-02 10:40" st &&
	converged A B
'

test_expect_success 'a stand-in named on two terminals: both are kept in the server'\''s order, the same everywhere' '
	docket -C A -u wang.fang standin zhao.lei --from 2026-03-10 --to 2026-03-12 >/dev/null &&
	docket -C B -u wang.fang standin qian.yu --from 2026-03-11 --to 2026-03-13 >/dev/null &&
	synced B && synced A && synced B &&
	state A | grep "^s|wang.fang|qian.yu" && state A | grep "^s|wang.fang|zhao.lei" &&
	converged A B
'

test_expect_success 'an action made while a sync was under way, that no longer applies after the pull: kept as a conflict with why' '
	q=$(new_req A wang.fang anyone) && synced A && synced B &&
	at 11:00 docket -C B -u zhao.lei approve "$q" -m 同意 >/dev/null && synced B &&
	restart_server DOCKETD_TEST_PUSH_DELAY_MS=3000 DOCKETD_TEST_PUSH_MARK="$TMP/judged" &&
	docket -C A -u wang.fang --json new leave --set type=annual --set start=2026-03-20 --set end=2026-03-20 \
		--set reason=休息 >leave.json &&
	bg_sync A &&
	i=0; while [ ! -e "$TMP/judged" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done &&
	at 11:05 docket -C A -u qian.yu approve "$q" -m 同意钱 >/dev/null &&
	i=0; while [ ! -s "$TMP/slow.rc" ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done &&
	test "$(cat "$TMP/slow.rc")" = 0 &&
	python3 -c "import json; o=json.load(open(\"$TMP/slow.json\")); assert o[\"conflicts\"] == 1 and o[\"reapplied\"] >= 1, o" &&
	status_of A >st && grep "handled by 赵磊" st && grep "task.approved" st &&
	docket -C A -u wang.fang show "$q" >show && ! grep "同意钱" show &&
	restart_server &&
	synced A && test "$(count pushed)" = 0 && test "$(count conflicts)" = 0 &&
	synced B && converged A B &&
	: the leave request has a deadline, and timers fire on each terminal for now: take it back &&
	docket -C A -u wang.fang withdraw "$(python3 -c "import json; print(json.load(open(\"leave.json\"))[\"request\"])")" >/dev/null &&
	synced A && synced B && converged A B
'

test_expect_success 'a week offline on both terminals, synced in either order: both reach the server'\''s state' '
	for d in 03 04 05 06 07 08 09; do
		DOCKET_NOW=2026-03-${d}T09:00:00+08:00 docket -C A -u wang.fang --json new anyone --set type=personal \
			--set start=2026-04-$d --set end=2026-04-$d --set reason=A$d >/dev/null &&
		DOCKET_NOW=2026-03-${d}T09:10:00+08:00 docket -C B -u liu.yang --json new anyone --set type=personal \
			--set start=2026-04-$d --set end=2026-04-$d --set reason=B$d >/dev/null || exit 1
	done &&
	synced A && synced B && synced A && converged A B &&
	for r in $(docket -C A -u zhao.lei --json inbox | python3 -c "import json,sys; print(\" \".join(t[\"request\"] for t in json.load(sys.stdin)[\"tasks\"]))"); do
		docket -C A -u zhao.lei approve "$r" -m 同意 >/dev/null || exit 1
	done &&
	for r in $(docket -C B -u qian.yu --json inbox | python3 -c "import json,sys; print(\" \".join(t[\"request\"] for t in json.load(sys.stdin)[\"tasks\"]))"); do
		docket -C B -u qian.yu return "$r" -m 请补充 >/dev/null || exit 1
	done &&
	synced B && synced A && synced B && converged A B &&
	synced A && test "$(count pushed)" = 0 && test "$(count pulled)" = 0
'

test_done
