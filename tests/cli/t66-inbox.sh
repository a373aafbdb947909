#!/bin/sh
# The inbox verb under the pinned clock: when each item arrived (待办,
# 待阅), was decided (已办) or last changed (我的申请), in local time in
# text and ISO 8601 UTC in --json; a request returned to its applicant is
# in the applicant's 待办 until it is submitted again; drafts and
# withdrawn requests are not. Text names steps, workflows and people and
# says states in words (in Chinese under zh_CN); --json keeps the ids and
# adds the names. Ids are random: masked as req1, tsk1, ...
. "$TESTS_DIR/cli/lib.sh"

leave() {
	n=$1 t=$2 e=$3 ti=$4
	shift 4
	named_req "$n" "$t" zhang.wei leave --set type=annual --set start=2026-03-03 --set end="$e" --set reason=探亲 --title "$ti" "$@"
}

test_expect_success 'setup: three requests by zhang.wei, one a draft' '
	: >ids &&
	signed_store s &&
	docket -C s -u luo.bin deploy "$REPO/workflows" "$REPO/forms" >/dev/null 2>&1 &&
	r1=$(leave req1 09:00 2026-03-10 "年假 - 张伟（探亲）" --set handover=feng.xue) &&
	r2=$(leave req2 09:05 2026-03-04 "病假 - 张伟") &&
	r3=$(leave req3 09:06 2026-03-04 "草稿 - 张伟" --draft) &&
	task_of huang.wei "$r1" tsk1 && task_of huang.wei "$r2" tsk2
'

r1=$(sed -n 1p "$TMP/ids" | cut -d" " -f1)
r2=$(sed -n 2p "$TMP/ids" | cut -d" " -f1)

test_expect_success 'to do: when each task arrived, local time, in arrival order' '
	d -u huang.wei inbox | mask >out &&
	cat >expect <<-\EOF &&
	tsk1    req1    2026-03-02 09:00  部门负责人审批  年假 - 张伟（探亲）
	tsk2    req2    2026-03-02 09:05  部门负责人审批  病假 - 张伟
	EOF
	test_cmp expect out
'

test_expect_success 'done: when you decided, newest first; the next task arrived then' '
	at 09:20 d -u huang.wei approve "$r1" -m 同意 >/dev/null &&
	d -u huang.wei inbox --done | mask >out &&
	cat >expect <<-\EOF &&
	tsk1    req1    2026-03-02 09:20  部门负责人审批  年假 - 张伟（探亲）  [approved]
	EOF
	test_cmp expect out &&
	d -u huang.wei --json inbox --done >done.json &&
	python3 -c "import json; r=json.load(open(\"done.json\"))[0]; assert (r[\"received\"], r[\"decided_at\"], r[\"opinion\"]) == (\"2026-03-02T01:00:00Z\", \"2026-03-02T01:20:00Z\", \"同意\"), r" &&
	d -u liu.yang inbox | mask >out &&
	grep "^[a-z2-7]\{6\}  req1    2026-03-02 09:20  局领导审批  年假 - 张伟（探亲）\$" out
'

test_expect_success 'a request returned to the applicant is in her to do, with who, where and why' '
	task_of liu.yang "$r1" tsk3 &&
	at 09:40 d -u liu.yang return "$r1" --to applicant -m 请补充探亲证明 >/dev/null &&
	d -u zhang.wei inbox | mask >out &&
	cat >expect <<-\EOF &&
	-  req1    2026-03-02 09:40  to resubmit  年假 - 张伟（探亲）  (returned by 刘洋 at 局领导审批: 请补充探亲证明)
	EOF
	test_cmp expect out &&
	! d -u liu.yang inbox | grep "$r1"
'

test_expect_success 'the returned request in --json: kind resubmit, no task, ISO 8601 UTC' '
	d -u zhang.wei --json inbox | mask >out &&
	cat >expect <<-\EOF &&
	[
	  {
	    "task": null,
	    "request": "req1  ",
	    "step": "director",
	    "kind": "resubmit",
	    "state": "pending",
	    "decision": null,
	    "on_behalf": null,
	    "deadline": null,
	    "reminders": 0,
	    "title": "年假 - 张伟（探亲）",
	    "workflow": "leave",
	    "applicant": "zhang.wei",
	    "request_state": "returned",
	    "urgency": null,
	    "received": "2026-03-02T01:40:00Z",
	    "decided_at": null,
	    "opinion": "请补充探亲证明",
	    "returned_by": "liu.yang",
	    "waiting_for": null,
	    "waiting_reason": null,
	    "workflow_name": "请假",
	    "step_name": "局领导审批",
	    "applicant_name": "张伟",
	    "on_behalf_name": null,
	    "returned_by_name": "刘洋",
	    "waiting_for_name": null
	  }
	]
	EOF
	test_cmp expect out
'

test_expect_success 'my requests: when each last changed, newest first (the draft too)' '
	d -u zhang.wei inbox --mine | mask >out &&
	cat >expect <<-\EOF &&
	req1    2026-03-02 09:40  请假  returned     年假 - 张伟（探亲）
	req3    2026-03-02 09:06  请假  draft        草稿 - 张伟
	req2    2026-03-02 09:05  请假  in progress  病假 - 张伟
	EOF
	test_cmp expect out &&
	d -u zhang.wei --json inbox --mine >mine.json &&
	python3 -c "import json; print(*[r[\"updated_at\"] for r in json.load(open(\"mine.json\"))])" >out &&
	echo "2026-03-02T01:40:00Z 2026-03-02T01:06:00Z 2026-03-02T01:05:00Z" >expect &&
	test_cmp expect out
'

test_expect_success 'in Chinese under zh_CN: the same columns, aligned by display width' '
	zh() { LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 "$@"; } &&
	zh d -u zhang.wei inbox | mask >out &&
	cat >expect <<-\EOF &&
	-  req1    2026-03-02 09:40  退回修改  年假 - 张伟（探亲）  （刘洋 在 局领导审批 退回：请补充探亲证明）
	EOF
	test_cmp expect out &&
	zh d -u zhang.wei inbox --mine | mask >out &&
	cat >expect <<-\EOF &&
	req1    2026-03-02 09:40  请假  已退回  年假 - 张伟（探亲）
	req3    2026-03-02 09:06  请假  草稿    草稿 - 张伟
	req2    2026-03-02 09:05  请假  办理中  病假 - 张伟
	EOF
	test_cmp expect out &&
	zh d -u huang.wei inbox --done | mask >out &&
	cat >expect <<-\EOF &&
	tsk1    req1    2026-03-02 09:20  部门负责人审批  年假 - 张伟（探亲）  [已同意]
	EOF
	test_cmp expect out &&
	zh d -u zhang.wei --json inbox >zh.json && d -u zhang.wei --json inbox >c.json && test_cmp c.json zh.json
'

test_expect_success 'a withdrawn request is not a to-do (it is in my requests)' '
	at 10:00 d -u zhang.wei withdraw "$r2" >/dev/null &&
	d -u zhang.wei inbox | mask >out &&
	test "$(wc -l <out)" = 1 && grep "^-  req1    2026-03-02 09:40  to resubmit  " out &&
	d -u zhang.wei inbox --mine | mask | grep "^req2    2026-03-02 10:00  请假  withdrawn  病假 - 张伟\$"
'

test_expect_success 'resubmitted, it leaves her to do and arrives again where it was returned from' '
	at 10:05 d -u zhang.wei submit "$r1" >/dev/null &&
	d -u zhang.wei inbox >out &&
	test_cmp /dev/null out &&
	d -u zhang.wei --json inbox >out &&
	echo "[]" >expect && test_cmp expect out &&
	d -u liu.yang inbox | mask >out &&
	grep "^[a-z2-7]\{6\}  req1    2026-03-02 10:05  局领导审批  年假 - 张伟（探亲）\$" out &&
	d check >/dev/null
'

test_expect_success 'returned twice: the latest return is the one shown' '
	at 10:30 d -u liu.yang return "$r1" --to applicant -m 证明不清晰 >/dev/null &&
	d -u zhang.wei inbox | mask >out &&
	cat >expect <<-\EOF &&
	-  req1    2026-03-02 10:30  to resubmit  年假 - 张伟（探亲）  (returned by 刘洋 at 局领导审批: 证明不清晰)
	EOF
	test_cmp expect out &&
	d check >/dev/null
'

test_done
