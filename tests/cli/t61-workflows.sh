#!/bin/sh
# Every shipped workflow runs end to end; countersign, vote, claim,
# parallel, handling and numbering behave as domain.md says; a replay
# gives the same state after each. (In the vote, the budget chief already
# approved the review, so dedupe leaves 2 voters for pass: 2.)
. "$TESTS_DIR/cli/lib.sh"

# Approve every open decision task until nothing is left (at most 20 rounds).
drive() {
	for round in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		d -u $RECORDS --json show "$1" >cur.json
		todo=$(python3 -c "import json; o=json.load(open(\"cur.json\")); print(\" \".join(t[\"task\"]+\":\"+t[\"assignee\"] for t in o[\"tasks\"] if t[\"state\"]==\"pending\" and t[\"kind\"]!=\"read\"))")
		[ -z "$todo" ] && return 0
		for x in $todo; do
			d -u "${x#*:}" approve "${x%%:*}" -m 同意 >/dev/null || return 1
		done
	done
	return 1
}
# attach a document to draft request $2 as its applicant $1, then submit
# it: a `document: sign` step (签发, 批示) signs it off and refuses without
# one (t72-doc-signoff.sh); a running request's documents change only at a
# step that edits them (t91-need-to-know.sh)
attach() {
	printf "正文。\n" >att.md &&
	d -u "$1" doc new --type "${3:-通知}" --title 正文 --body-file att.md --instance "$2" >/dev/null 2>&1 &&
	d -u "$1" submit "$2" >/dev/null
}

test_expect_success 'setup' '
	signed_store s &&
	docket -C s -u luo.bin deploy "$REPO/workflows" "$REPO/forms" >/dev/null 2>&1
'

test_expect_success 'leave: long leave goes to the director and the vice mayor' '
	r=$(newreq gao.yan leave --set type=personal --set start=2026-03-03 --set end=2026-03-20 --set reason=家事 --set handover=lin.tao) &&
	drive "$r" && test "$(field "$r" state)" = approved &&
	d -u $RECORDS show "$r" >show &&
	grep "^  [a-z2-7]\{6\}  分管副市长审批  陈建华  approval  approved\$" show &&
	grep "^  2026-03-02 09:30  陈建华  approved @分管副市长审批: 同意\$" show &&
	grep "^  工作交接人:  林涛\$" show &&
	checked
'

test_expect_success 'trip: countersign, one rejection fails the step and withdraws the others' '
	r=$(newreq gao.yan trip --set destination=北京 --set start=2026-03-03 --set end=2026-03-05 --set budget=8000 --set purpose=会议) &&
	d -u lin.tao approve "$r" -m 同意 &&
	d -u $RECORDS --json show "$r" >s.json &&
	test "$(grep -c "\"step\": \"finance\"" s.json)" -ge 2 &&
	d -u huang.wei reject "$r" -m 预算不足 &&
	test "$(field "$r" state)" = rejected &&
	! d -u liu.yang inbox | grep "$r" &&
	r2=$(newreq gao.yan trip --set destination=上海 --set start=2026-03-03 --set end=2026-03-05 --set budget=8000 --set purpose=会议) &&
	drive "$r2" && test "$(field "$r2" state)" = approved &&
	checked
'

test_expect_success 'seal: legal review for the legal-representative seal, then the secretariat' '
	r=$(newreq gao.yan seal --set seal_type=legal_rep --set copies=2 --set purpose=签合同 --set file=合同.pdf) &&
	drive "$r" && test "$(field "$r" state)" = approved &&
	d -u $RECORDS show "$r" | sed -n "/^fields:/,/^trail:/p" | sed "s/^  [a-z2-7]\{6\}  /  ......  /" >show &&
	cat >expect <<-\EOF &&
	fields:
	  印章类型:  法人章
	  用印份数:  2
	  用印事由:  签合同
	  用印文件:  合同.pdf
	current steps: none
	tasks:
	  ......  部门负责人审批  林涛  approval  approved
	  ......  法制审核        郭红  approval  approved
	  ......  办公室用印      钱宇  approval  approved
	trail:
	EOF
	test_cmp expect show &&
	checked
'

test_expect_success 'purchase: small goes to the head only; large runs parallel reviews and a vote' '
	r=$(newreq gao.yan purchase --set item=文具 --set category=goods --set amount=500 --set budget_code=201-03-01 --set reason=办公) &&
	drive "$r" && test "$(field "$r" state)" = approved &&
	r=$(newreq gao.yan purchase --draft --set item=服务器 --set category=goods --set amount=150000 --set budget_code=201-03-01 --set reason=更新) &&
	attach gao.yan "$r" 请示 &&
	d -u lin.tao approve "$r" -m 同意 &&
	d -u $RECORDS --json show "$r" >p.json &&
	grep "\"step\": \"legal_review\"" p.json && grep "\"step\": \"finance_review\"" p.json &&
	d -u guo.hong approve "$r" -m 同意 &&
	! grep -q finance_vote p.json &&
	d -u huang.wei approve "$r" -m 同意 &&
	d -u $RECORDS --json show "$r" >p.json && grep "finance_vote" p.json &&
	d -u liu.yang approve "$r" -m 同意 &&
	d -u sun.li approve "$r" -m 同意 &&
	d -u $RECORDS --json show "$r" >p.json &&
	python3 -c "import json; o=json.load(open(\"p.json\")); v=[t for t in o[\"tasks\"] if t[\"step\"]==\"finance_vote\"]; assert all(t[\"state\"] in (\"done\",\"withdrawn\") for t in v), v" &&
	drive "$r" && test "$(field "$r" state)" = approved &&
	checked
'

test_expect_success 'purchase: a vote fails as soon as the threshold is out of reach' '
	r=$(newreq gao.yan purchase --set item=车辆 --set category=goods --set amount=200000 --set budget_code=201-03-01 --set reason=更新) &&
	d -u lin.tao approve "$r" -m 同意 && d -u guo.hong approve "$r" -m 同意 && d -u huang.wei approve "$r" -m 同意 &&
	d -u liu.yang reject "$r" -m 不同意 &&
	test "$(field "$r" state)" = rejected &&
	! d -u sun.li inbox | grep "$r" &&
	checked
'

test_expect_success 'return from inside a parallel block leaves no open task in any branch' '
	r=$(newreq gao.yan purchase --draft --set item=网络 --set category=service --set amount=300000 --set budget_code=201-03-01 --set reason=建设) &&
	attach gao.yan "$r" 请示 &&
	d -u lin.tao approve "$r" -m 同意 &&
	d -u guo.hong return "$r" --to applicant -m 补充合同 &&
	d -u $RECORDS --json show "$r" >p.json &&
	python3 -c "import json; o=json.load(open(\"p.json\")); assert not [t for t in o[\"tasks\"] if t[\"state\"] in (\"pending\",\"waiting\") and t[\"kind\"]!=\"read\"] and not o[\"current\"], o" &&
	d -u gao.yan submit "$r" &&
	d -u $RECORDS --json show "$r" >p.json && grep "legal_review" p.json &&
	drive "$r" && test "$(field "$r" state)" = approved &&
	checked
'

test_expect_success 'request: amount routes to the mayor, then archive' '
	r=$(newreq gao.yan request --draft --set title=关于拨款的请示 --set addressee=市政府 --set content=请批示 --set amount=600000) &&
	attach gao.yan "$r" 请示 &&
	drive "$r" && test "$(field "$r" state)" = approved &&
	d -u $RECORDS --json show "$r" | grep "\"archived\": true" &&
	d -u $RECORDS show "$r" >show &&
	grep "^  [a-z2-7]\{6\}  市长批示        李国强  approval  approved\$" show &&
	grep "^  2026-03-02 09:30  system  archived @归档\$" show &&
	checked
'

test_expect_success 'outgoing: countersign, sign-off, a gapless document number, seal, dispatch, archive' '
	r=$(newreq wang.fang outgoing --set doc_type=notice --set title=关于做好春季防火工作的通知 --set urgency=normal --set main_recipients=各区县人民政府 --data cos.json) ||
	{ printf "{\"cosign_depts\": [\"finance\", \"legal\"]}" >cos.json &&
	  r=$(newreq wang.fang outgoing --draft --set doc_type=notice --set title=关于做好春季防火工作的通知 --set urgency=normal --set main_recipients=各区县人民政府 --data cos.json); } &&
	attach wang.fang "$r" &&
	d -u zhao.lei approve "$r" -m 同意 &&
	d -u $RECORDS --json show "$r" >o.json && grep "\"step\": \"cosign\"" o.json &&
	drive "$r" && test "$(field "$r" state)" = approved &&
	test "$(field "$r" doc_number)" = "示政办发〔2026〕1号" &&
	r2=$(newreq wang.fang outgoing --draft --set doc_type=notice --set title=第二份 --set urgency=normal --set main_recipients=各区县) &&
	attach wang.fang "$r2" &&
	d -u zhao.lei approve "$r2" -m 同意 &&
	drive "$r2" && test "$(field "$r2" doc_number)" = "示政办发〔2026〕2号" &&
	checked
'

test_expect_success 'incoming: claim, pick, lead and co-handling departments, circulation' '
	printf "{\"co_depts\": [\"legal\"]}" >co.json &&
	r=$(newreq wang.fang incoming --set source_organ=省财政厅 --set title=关于预算的通知 --set received=2026-03-02 --set urgency=urgent --set deadline=2026-03-09 --set lead_dept=finance --data co.json) &&
	drive "$r" &&
	test "$(field "$r" state)" = approved &&
	d -u $RECORDS --json show "$r" >i.json &&
	grep "handle_lead" i.json && grep "handle_co" i.json && grep "\"kind\": \"read\"" i.json &&
	checked
'

test_done
