#!/bin/sh
# The approval engine from the command line: each operation, each refusal,
# and after every scenario `docket check` (the state equals a replay).
. "$TESTS_DIR/cli/lib.sh"

leave() {
	newreq zhang.wei leave --set type=annual --set start=2026-03-03 --set end=2026-03-04 --set reason=探亲 "$@"
}
state() {
	d -u $RECORDS --json show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'
}

test_expect_success 'setup: a store with the shipped definitions' '
	signed_store s &&
	docket -C s -u luo.bin deploy "$REPO/workflows" "$REPO/forms" >/dev/null 2>&1
'

test_expect_success 'a leave request runs to the end with opinions in the trail' '
	r=$(leave) &&
	d -u huang.wei inbox >inbox && grep "$r" inbox &&
	grep "^[a-z2-7]\{6\}  $r  2026-03-02 09:30  部门负责人审批  年假 2天 - 张伟\$" inbox &&
	d -u huang.wei approve "$r" -m 同意 >out && grep "^approved task" out &&
	d -u xu.ming approve "$r" &&
	test "$(state "$r")" = approved &&
	d -u $RECORDS show "$r" | sed "s/$r/REQ/; s/^  [a-z2-7]\{6\}  /  ......  /" >show &&
	cat >expect <<-\EOF &&
	REQ  年假 2天 - 张伟
	workflow:  请假 (leave)
	applicant: 张伟 (zhang.wei) 预算科
	state:     approved
	fields:
	  请假类型:  年假
	  开始日期:  2026-03-03
	  结束日期:  2026-03-04
	  请假天数:  2
	  事由:      探亲
	current steps: none
	tasks:
	  ......  部门负责人审批  黄伟    approval  approved
	  ......  人事备案        徐明    approval  approved
	  ......  知会人事专员    何小梅  reading   pending
	trail:
	  2026-03-02 09:30  张伟    created
	  2026-03-02 09:30  张伟    submitted
	  2026-03-02 09:30  黄伟    approved @部门负责人审批: 同意
	  2026-03-02 09:30  徐明    approved @人事备案
	  2026-03-02 09:30  system  circulated @知会人事专员
	  2026-03-02 09:30  system  finished
	EOF
	test_cmp expect show &&
	d -u he.xiaomei inbox --toread | grep "$r" &&
	expect_exit 1 d -u he.xiaomei approve "$r" -m 好 2>err &&
	grep "was sent to you for reading: mark it read instead" err &&
	d -u he.xiaomei read "$r" &&
	checked
'

test_expect_success 'acting on a task that is not yours, or twice, is refused and changes nothing' '
	r=$(leave) &&
	expect_exit 1 d -u xu.ming approve "$r" -m 同意 2>err &&
	grep "has no open task" err &&
	d -u huang.wei --json inbox >in.json &&
	t=$(python3 -c "import json; print([x[\"task\"] for x in json.load(open(\"in.json\")) if x[\"request\"]==\"$r\"][0])") &&
	expect_exit 1 d -u xu.ming approve "$t" -m 同意 2>err && grep "is not yours" err &&
	d -u huang.wei approve "$t" -m 同意 &&
	expect_exit 1 d -u huang.wei approve "$t" -m 同意 2>err && grep "already decided" err &&
	checked
'

test_expect_success 'a decision needs an opinion unless the step says optional' '
	r=$(leave) &&
	expect_exit 1 d -u huang.wei approve "$r" 2>err && grep "needs an opinion" err &&
	d -u huang.wei approve "$r" -m 同意 &&
	d -u xu.ming approve "$r" &&
	checked
'

test_expect_success 'invalid form data lists every field error and saves nothing' '
	d -u zhang.wei --json inbox --mine >before.json &&
	expect_exit 1 d -u zhang.wei new leave --set type=nosuch --set reason= 2>err &&
	grep "开始日期" err && grep "结束日期" err && grep "请假类型" err &&
	d -u zhang.wei --json inbox --mine >after.json &&
	test_cmp before.json after.json
'

test_expect_success 'a draft is saved, then submitted' '
	r=$(leave --draft) &&
	test "$(state "$r")" = draft &&
	d -u zhang.wei submit "$r" &&
	test "$(state "$r")" = running &&
	checked
'

test_expect_success 'withdraw only before the first approval' '
	r=$(leave) &&
	d -u zhang.wei withdraw "$r" &&
	test "$(state "$r")" = withdrawn &&
	! d -u huang.wei inbox | grep "$r" &&
	r2=$(newreq zhang.wei leave --set type=annual --set start=2026-03-03 --set end=2026-03-10 --set reason=探亲 --set handover=feng.xue) &&
	d -u huang.wei approve "$r2" -m 同意 &&
	expect_exit 1 d -u zhang.wei withdraw "$r2" 2>err && grep "already approved" err &&
	checked
'

test_expect_success 'return to a step never visited is refused; return to the applicant and resubmit to the returner' '
	r=$(newreq zhang.wei leave --set type=annual --set start=2026-03-03 --set end=2026-03-10 --set reason=探亲 --set handover=feng.xue) &&
	d -u huang.wei approve "$r" -m 同意 &&
	expect_exit 1 d -u liu.yang return "$r" --to hr_record -m 退 2>err &&
	grep "never visited" err &&
	expect_exit 1 d -u liu.yang return "$r" --to nosuch 2>err &&
	echo "docket: workflow '\''leave'\'' has no step '\''nosuch'\''" >expect && test_cmp expect err &&
	expect_exit 1 d -u liu.yang return "$r" --to applicant 2>err &&
	echo "docket: step '\''局领导审批'\'' needs an opinion" >expect && test_cmp expect err &&
	d -u liu.yang return "$r" --to applicant -m 请补充说明 &&
	test "$(state "$r")" = returned &&
	d -u zhang.wei submit "$r" &&
	d -u liu.yang inbox | grep "$r" &&
	! d -u huang.wei inbox | grep "$r" &&
	d -u liu.yang return "$r" --to previous -m 请部门再核 &&
	d -u huang.wei inbox | grep "$r" &&
	checked
'

test_expect_success 'take back an approval while the next step has not acted' '
	r=$(leave) &&
	d -u huang.wei approve "$r" -m 同意 &&
	d -u xu.ming inbox | grep "$r" &&
	d -u huang.wei takeback "$r" &&
	! d -u xu.ming inbox | grep "$r" &&
	d -u huang.wei inbox | grep "$r" &&
	d -u huang.wei approve "$r" -m 同意 &&
	d -u xu.ming approve "$r" &&
	expect_exit 1 d -u huang.wei takeback "$r" 2>err &&
	checked
'

test_expect_success 'transfer, delegate (comes back), add and remove signers' '
	r=$(leave) &&
	d -u huang.wei transfer "$r" feng.xue &&
	d -u feng.xue inbox | grep "$r" && ! d -u huang.wei inbox | grep "$r" &&
	expect_exit 1 d -u feng.xue delegate "$r" zhang.wei 2>err &&
	echo "docket: 张伟 is the applicant and may not handle their own request" >expect && test_cmp expect err &&
	d -u feng.xue delegate "$r" gao.yan &&
	d -u feng.xue inbox | grep "$r.*  (waiting for 高燕)\$" &&
	d -u gao.yan approve "$r" -m 建议同意 &&
	d -u feng.xue inbox | grep "$r" && ! d -u feng.xue inbox | grep "waiting for" &&
	d -u feng.xue addsign "$r" sun.li --before &&
	d -u feng.xue inbox | grep "$r.*  (waiting for 孙丽)\$" &&
	expect_exit 1 d -u feng.xue approve "$r" -m 同意 2>err && grep "waiting" err &&
	d -u sun.li approve "$r" -m 同意 &&
	d -u feng.xue addsign "$r" liu.yang --after &&
	d -u feng.xue removesign "$r" liu.yang &&
	d -u feng.xue approve "$r" -m 同意 &&
	d -u xu.ming inbox | grep "$r" &&
	d -u $RECORDS show "$r" | sed -n "/^trail:/,\$p" >show &&
	cat >expect <<-\EOF &&
	trail:
	  2026-03-02 09:30  张伟  created
	  2026-03-02 09:30  张伟  submitted
	  2026-03-02 09:30  黄伟  transferred @部门负责人审批 to 冯雪
	  2026-03-02 09:30  冯雪  delegated @部门负责人审批 to 高燕
	  2026-03-02 09:30  高燕  approved @部门负责人审批: 建议同意
	  2026-03-02 09:30  冯雪  added a signer @部门负责人审批 孙丽 (before me)
	  2026-03-02 09:30  孙丽  approved @部门负责人审批: 同意
	  2026-03-02 09:30  冯雪  added a signer @部门负责人审批 刘洋 (after me)
	  2026-03-02 09:30  冯雪  removed a signer @部门负责人审批 刘洋
	  2026-03-02 09:30  冯雪  approved @部门负责人审批: 同意
	EOF
	test_cmp expect show &&
	checked
'

test_expect_success 'circulate: one read item per person, never blocking' '
	r=$(leave) &&
	d -u zhang.wei circulate "$r" gao.yan lin.tao &&
	d -u zhang.wei circulate "$r" gao.yan &&
	test "$(d -u gao.yan --json inbox --toread | grep -c "\"task\"")" = 1 &&
	d -u gao.yan read "$r" -m 已阅 &&
	test "$(d -u gao.yan --json inbox --toread | grep -c "\"task\"")" = 0 &&
	checked
'

test_expect_success 'takeback, addsign, removesign and circulate keep no opinion: -m is refused, not dropped' '
	r=$(leave) &&
	n=$(events) &&
	expect_exit 2 d -u huang.wei addsign "$r" sun.li --before -m 请孙局长把关 2>err &&
	grep "^docket: unknown option '\''-m'\'' for '\''addsign'\''\$" err &&
	d -u huang.wei addsign "$r" sun.li --parallel &&
	expect_exit 2 d -u huang.wei removesign "$r" sun.li -m 不用了 2>err &&
	grep "^docket: unknown option '\''-m'\'' for '\''removesign'\''\$" err &&
	expect_exit 2 d -u huang.wei circulate "$r" gao.yan -m 请阅 2>err &&
	grep "^docket: unknown option '\''-m'\'' for '\''circulate'\''\$" err &&
	d -u huang.wei removesign "$r" sun.li &&
	d -u huang.wei approve "$r" -m 同意 &&
	expect_exit 2 d -u huang.wei takeback "$r" -m 拿回 2>err &&
	grep "^docket: unknown option '\''-m'\'' for '\''takeback'\''\$" err &&
	test "$(events)" = $((n + 3)) &&
	checked
'

test_expect_success 'urge, terminate by a system administrator only' '
	r=$(leave) &&
	d -u zhang.wei urge "$r" &&
	expect_exit 1 d -u zhang.wei terminate "$r" 2>err && grep "system administrator" err &&
	d -u luo.bin terminate "$r" -m 测试终止 &&
	test "$(state "$r")" = terminated &&
	! d -u huang.wei inbox | grep "$r" &&
	checked
'

test_expect_success 'common opinions: added and counted' '
	d -u huang.wei opinions add "拟同意，请领导阅示" &&
	d -u huang.wei --json opinions >op.json &&
	grep "拟同意" op.json && grep "同意" op.json
'

test_expect_success 'a stand-in gets new tasks on behalf of the absent' '
	d -u huang.wei standin feng.xue --from 2026-03-01 --to 2026-03-05 &&
	r=$(leave) &&
	d -u feng.xue inbox >in && grep "^[a-z2-7]\{6\}  $r  2026-03-02 09:30  部门负责人审批  年假 2天 - 张伟  (for 黄伟)\$" in &&
	d -u feng.xue approve "$r" -m 同意 &&
	d -u $RECORDS show "$r" | grep "^  2026-03-02 09:30  冯雪 on behalf of 黄伟  approved @部门负责人审批: 同意\$" &&
	checked
'

test_expect_success 'a stand-in period that cannot be is refused, saying which part, and nothing is written' '
	n=$(events) &&
	expect_exit 1 d -u huang.wei standin feng.xue --from 2026-03-10 --to 2026-03-01 2>err &&
	echo "docket: the absence ends (2026-03-01) before it starts (2026-03-10)" >expect && test_cmp expect err &&
	expect_exit 1 d -u huang.wei standin feng.xue --from 2026-2-30 --to 2026-03-12 2>err &&
	echo "docket: the first day away '\''2026-2-30'\'' is not a date (YYYY-MM-DD)" >expect && test_cmp expect err &&
	expect_exit 1 d -u huang.wei standin feng.xue --from 2026-03-10 --to 下周 2>err &&
	echo "docket: the last day away '\''下周'\'' is not a date (YYYY-MM-DD)" >expect && test_cmp expect err &&
	expect_exit 1 d -u huang.wei standin feng.xue --from 2026-03-10 --to 2026-03-12 --workflow leav 2>err &&
	echo "docket: no workflow '\''leav'\'' is deployed" >expect && test_cmp expect err &&
	test "$(events)" = "$n" &&
	checked
'

test_expect_success 'unknown users and ids are refused clearly' '
	expect_exit 1 d -u nobody inbox 2>err && grep "no user '\''nobody'\''" err &&
	expect_exit 1 d -u zhang.wei show zzzzzz 2>err && grep "no request" err
'

test_expect_success 'listings speak JSON' '
	d -u zhang.wei --json inbox --mine >mine.json &&
	python3 -c "import json; a=json.load(open(\"mine.json\")); assert a and all(\"state\" in x for x in a)" &&
	r=$(leave) && d -u $RECORDS --json show "$r" >show.json &&
	python3 -c "import json; o=json.load(open(\"show.json\")); assert o[\"fields\"][\"days\"]==2 and o[\"trail\"]"
'

test_expect_success 'the inbox carries each request'"'"'s urgency (one query, no lookup per row)' '
	r=$(newreq wang.fang incoming --set source_organ=省政府办公厅 --set title=特急来文 --set received=2026-03-02 --set urgency=extra_urgent --set deadline=2026-03-05 --set lead_dept=finance) &&
	d -u wang.fang --json inbox >todo.json &&
	python3 -c "import json,sys; rows=[x for x in json.load(open(\"todo.json\")) if x[\"request\"]==sys.argv[1]]; assert rows and rows[0][\"urgency\"]==\"extra_urgent\", rows" "$r" &&
	d -u wang.fang --json inbox --mine >mine.json &&
	python3 -c "import json,sys; rows=[x for x in json.load(open(\"mine.json\")) if x[\"request\"]==sys.argv[1]]; assert rows[0][\"urgency\"]==\"extra_urgent\", rows" "$r"
'

test_expect_success 'show in Chinese under zh_CN: names, labels and words; --json keeps the ids' '
	r=$(leave --title "年假 - 张伟（探亲）") &&
	d -u feng.xue approve "$r" -m 同意 >/dev/null &&
	LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 d -u $RECORDS show "$r" | sed "s/$r/REQ/; s/^  [a-z2-7]\{6\}  /  ......  /" >show &&
	cat >expect <<-\EOF &&
	REQ  年假 - 张伟（探亲）
	流程：  请假（leave）
	申请人：张伟（zhang.wei） 预算科
	状态：  办理中
	字段：
	  请假类型：  年假
	  开始日期：  2026-03-03
	  结束日期：  2026-03-04
	  请假天数：  2
	  事由：      探亲
	当前环节：
	  人事备案（hr_record）
	任务：
	  ......  部门负责人审批  冯雪  审批  已同意 （代 黄伟）
	  ......  人事备案        徐明  审批  待办
	流转记录：
	  2026-03-02 09:30  张伟          已创建
	  2026-03-02 09:30  张伟          已提交
	  2026-03-02 09:30  冯雪 代 黄伟  已同意 @部门负责人审批：同意
	EOF
	test_cmp expect show &&
	LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 d -u $RECORDS --json show "$r" >zh.json &&
	d -u $RECORDS --json show "$r" >c.json && test_cmp c.json zh.json &&
	python3 - <<-\EOF
	import json
	o = json.load(open("c.json"))
	assert (o["applicant"], o["applicant_name"], o["applicant_department_name"]) == ("zhang.wei", "张伟", "预算科"), o
	assert (o["workflow"], o["workflow_name"], o["state"]) == ("leave", "请假", "running"), o
	assert o["fields"]["type"] == "annual", o["fields"]
	assert [(t["step"], t["step_name"], t["assignee"], t["assignee_name"], t["on_behalf"], t["on_behalf_name"])
	        for t in o["tasks"]] == [("dept_head", "部门负责人审批", "feng.xue", "冯雪", "huang.wei", "黄伟"),
	                                 ("hr_record", "人事备案", "xu.ming", "徐明", None, None)], o["tasks"]
	assert [(x["actor"], x["actor_name"], x["on_behalf_name"]) for x in o["trail"]] == \
	    [("zhang.wei", "张伟", None)] * 2 + [("feng.xue", "冯雪", "黄伟")], o["trail"]
	EOF
'

test_done
