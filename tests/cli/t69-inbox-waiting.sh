#!/bin/sh
# A task that waits for someone acting for its holder first stays in the
# holder's 待办, saying whom it waits for: a signer added before him (加签
# --before: "waiting for 孙丽", zh_CN 等待 孙丽 加签) or the one he delegated
# to (委派: zh_CN 等待 冯雪 办理). From there he can remove the signer (减签)
# and his task is pending again. A sequential signer whose turn has not
# come, and a signer added after him, wait too but are nobody's to-do yet.
# Ids are random: masked as req1, tsk1, ...
. "$TESTS_DIR/cli/lib.sh"

# a two-day leave request by zhang.wei (to huang.wei, his department head)
leave() {
	named_req "$1" "$2" zhang.wei leave --set type=annual --set start=2026-03-03 --set end=2026-03-04 \
		--set reason=探亲 --title "$3"
}
# request ID in USER's 待办?
in_todo() {
	d -u "$1" --json inbox | python3 -c "import json,sys; sys.exit(0 if any(x['request']=='$2' for x in json.load(sys.stdin)) else 1)"
}
zh() { LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 "$@"; }

test_expect_success 'setup: the shipped definitions and a workflow of two signers in turn' '
	: >ids &&
	signed_store s &&
	mkdir extra &&
	cat >extra/seq.yaml <<-\YAML &&
	kind: workflow
	id: seqtest
	name: 依次审批测试
	form: leave
	steps:
	  - id: review
	    name: 依次审核
	    mode: sequential
	    assignees:
	      - user: huang.wei
	      - user: feng.xue
	    return_to: [applicant]
	YAML
	docket -C s -u luo.bin deploy "$REPO/workflows" "$REPO/forms" extra >/dev/null 2>&1 &&
	r1=$(leave req1 09:00 "年假 - 张伟（探亲）") &&
	r2=$(leave req2 09:05 "年假 - 张伟（调休）") &&
	task_of huang.wei "$r1" tsk1 && task_of huang.wei "$r2" tsk2
'

r1=$(sed -n 1p "$TMP/ids" | cut -d" " -f1)
r2=$(sed -n 2p "$TMP/ids" | cut -d" " -f1)

test_expect_success 'a signer added before him: his task waits, in his to do, saying for whom' '
	at 09:10 d -u huang.wei addsign "$r1" sun.li --before >/dev/null &&
	d -u huang.wei inbox | mask >out &&
	cat >expect <<-\EOF &&
	tsk1    req1    2026-03-02 09:00  部门负责人审批  年假 - 张伟（探亲）  (waiting for 孙丽)
	tsk2    req2    2026-03-02 09:05  部门负责人审批  年假 - 张伟（调休）
	EOF
	test_cmp expect out &&
	zh d -u huang.wei inbox | mask >out &&
	cat >expect <<-\EOF &&
	tsk1    req1    2026-03-02 09:00  部门负责人审批  年假 - 张伟（探亲）  （等待 孙丽 加签）
	tsk2    req2    2026-03-02 09:05  部门负责人审批  年假 - 张伟（调休）
	EOF
	test_cmp expect out &&
	task_of sun.li "$r1" tsk3 &&
	d -u sun.li inbox | mask >out &&
	cat >expect <<-\EOF &&
	tsk3    req1    2026-03-02 09:10  部门负责人审批  年假 - 张伟（探亲）
	EOF
	test_cmp expect out &&
	expect_exit 1 d -u huang.wei approve "$r1" -m 同意 2>err && grep "waiting for another signer" err
'

test_expect_success 'in --json: state waiting, waiting_for the signer (with the name), why; null on other rows' '
	d -u huang.wei --json inbox | mask >in.json &&
	python3 -c "
import json
a = json.load(open(\"in.json\"))
got = [(r[\"task\"].strip(), r[\"state\"], r[\"waiting_for\"], r[\"waiting_for_name\"], r[\"waiting_reason\"]) for r in a]
assert got == [(\"tsk1\", \"waiting\", \"sun.li\", \"孙丽\", \"signer_added\"), (\"tsk2\", \"pending\", None, None, None)], got
" &&
	zh d -u huang.wei --json inbox >zh.json && d -u huang.wei --json inbox >c.json && test_cmp c.json zh.json
'

test_expect_success 'he removes the signer (减签): his task is pending again and the words are gone' '
	at 09:15 d -u huang.wei removesign "$r1" sun.li >/dev/null &&
	d -u huang.wei inbox | mask >out &&
	cat >expect <<-\EOF &&
	tsk1    req1    2026-03-02 09:00  部门负责人审批  年假 - 张伟（探亲）
	tsk2    req2    2026-03-02 09:05  部门负责人审批  年假 - 张伟（调休）
	EOF
	test_cmp expect out &&
	! in_todo sun.li "$r1" &&
	checked
'

test_expect_success 'delegated (委派): waiting for the delegate until she acts, then his again' '
	at 09:20 d -u huang.wei delegate "$r2" feng.xue >/dev/null &&
	d -u huang.wei inbox | mask >out &&
	cat >expect <<-\EOF &&
	tsk1    req1    2026-03-02 09:00  部门负责人审批  年假 - 张伟（探亲）
	tsk2    req2    2026-03-02 09:05  部门负责人审批  年假 - 张伟（调休）  (waiting for 冯雪)
	EOF
	test_cmp expect out &&
	zh d -u huang.wei inbox | mask | grep "^tsk2    req2    2026-03-02 09:05  部门负责人审批  年假 - 张伟（调休）  （等待 冯雪 办理）\$" &&
	d -u huang.wei --json inbox | python3 -c "import json,sys; r=[x for x in json.load(sys.stdin) if x[\"request\"]==\"$r2\"][0]; assert (r[\"waiting_for\"], r[\"waiting_reason\"]) == (\"feng.xue\", \"delegated\"), r" &&
	at 09:25 d -u feng.xue approve "$r2" -m 建议同意 >/dev/null &&
	d -u huang.wei inbox | mask | grep "^tsk2    req2    2026-03-02 09:05  部门负责人审批  年假 - 张伟（调休）\$" &&
	at 09:30 d -u huang.wei approve "$r2" -m 同意 >/dev/null &&
	! in_todo huang.wei "$r2" &&
	checked
'

test_expect_success 'a sequential signer whose turn has not come is not in his to do' '
	r3=$(named_req req3 09:30 zhang.wei seqtest --set type=annual --set start=2026-03-05 --set end=2026-03-06 \
		--set reason=探亲 --title "依次 - 张伟") &&
	in_todo huang.wei "$r3" &&
	d -u $RECORDS --json show "$r3" | python3 -c "import json,sys; t=[x for x in json.load(sys.stdin)[\"tasks\"] if x[\"assignee\"]==\"feng.xue\"][0]; assert t[\"state\"]==\"waiting\", t" &&
	! in_todo feng.xue "$r3" &&
	at 09:35 d -u huang.wei approve "$r3" -m 同意 >/dev/null &&
	in_todo feng.xue "$r3" &&
	checked
'

test_expect_success 'a signer added after him waits for him: not in that signer'\''s to do yet' '
	at 09:40 d -u huang.wei addsign "$r1" liu.yang --after >/dev/null &&
	! in_todo liu.yang "$r1" &&
	d -u huang.wei inbox | mask | grep "^tsk1    req1    2026-03-02 09:00  部门负责人审批  年假 - 张伟（探亲）\$" &&
	at 09:45 d -u huang.wei approve "$r1" -m 同意 >/dev/null &&
	in_todo liu.yang "$r1" &&
	checked
'

test_done
