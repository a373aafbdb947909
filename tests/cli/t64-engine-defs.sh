#!/bin/sh
# The engine with small test workflows next to the shipped ones: working-day
# deadlines on the deployed calendar (pinned per event), assignment that
# resolves to nobody, a stand-in who is the applicant, document numbers
# after a withdrawal, and `docket migrate`. `docket check` after each.
. "$TESTS_DIR/cli/lib.sh"

leave_args="--set type=annual --set start=2026-03-03 --set end=2026-03-04 --set reason=测试"
# deadline of USER's open task in request R
deadline() {
	d -u "$1" --json inbox | python3 -c "import json,sys; print([t[\"deadline\"] for t in json.load(sys.stdin) if t[\"request\"]==\"$2\"][0])"
}

test_expect_success 'setup: shipped definitions and test workflows' '
	mkdir extra &&
	cat >extra/wd.yaml <<-\YAML &&
	kind: workflow
	id: wdtest
	name: 工作日测试
	form: leave
	policies:
	  self_approval: superior
	steps:
	  - id: review
	    name: 审核
	    assignees:
	      - user: xu.ming
	    deadline: 3wd
	    return_to: [applicant]
	  - id: nobody
	    name: 无人步骤
	    assignees:
	      - field: handover
	    return_to: [applicant]
	YAML
	cat >extra/num.yaml <<-\YAML &&
	kind: workflow
	id: numtest
	name: 编号测试
	form: leave
	steps:
	  - id: number
	    type: auto
	    action: number
	    organ: finance
	  - id: review
	    name: 审核
	    assignees:
	      - user: huang.wei
	    return_to: [applicant]
	YAML
	cat >extra/numtake.yaml <<-\YAML &&
	kind: workflow
	id: numtake
	name: 编号拿回测试
	form: leave
	steps:
	  - id: review
	    name: 审核
	    assignees:
	      - user: huang.wei
	    return_to: [applicant]
	  - id: number
	    type: auto
	    action: number
	    organ: hr
	  - id: record
	    name: 备案
	    assignees:
	      - user: wu.jing
	    return_to: [previous]
	YAML
	signed_store s &&
	docket -C s -u luo.bin deploy "$REPO/workflows" "$REPO/forms" extra >deploy.out 2>&1 || { cat deploy.out; false; }
'

test_expect_success 'a 3wd deadline across 国庆 2026 counts on the deployed calendar' '
	r=$(DOCKET_NOW=2026-09-30T10:00:00+08:00 newreq he.xiaomei wdtest $leave_args) &&
	test "$(deadline xu.ming "$r")" = 2026-10-10T09:30:00Z &&
	DOCKET_NOW=2026-09-30T10:00:00+08:00 d -u $RECORDS --json show "$r" >/dev/null &&
	checked
'

test_expect_success 'a newer calendar applies to new tasks only; replay keeps each event on its own' '
	r1=$(DOCKET_NOW=2026-09-30T10:00:00+08:00 newreq he.xiaomei wdtest $leave_args) &&
	cp -R "$REPO/workflows" wf2 && sed -i "/2026-10-10/d" wf2/calendar-cn.yaml &&
	d -u luo.bin deploy wf2 "$REPO/forms" extra >deploy2.out 2>&1 || { cat deploy2.out; false; } &&
	r2=$(DOCKET_NOW=2026-09-30T10:00:00+08:00 newreq he.xiaomei wdtest $leave_args) &&
	test "$(deadline xu.ming "$r1")" = 2026-10-10T09:30:00Z &&
	test "$(deadline xu.ming "$r2")" = 2026-10-12T09:30:00Z &&
	checked &&
	d -u luo.bin deploy "$REPO/workflows" "$REPO/forms" extra >/dev/null 2>&1
'

test_expect_success 'a step whose assignees resolve to nobody refuses the action and changes nothing' '
	r=$(newreq he.xiaomei wdtest $leave_args) &&
	d -u $RECORDS --json show "$r" >before.json &&
	expect_exit 1 d -u xu.ming approve "$r" -m 同意 2>err &&
	grep "step '\''无人步骤'\'' cannot start: '\''.*'\'' is not filled in: no one to assign" err &&
	d -u $RECORDS --json show "$r" >after.json && test_cmp before.json after.json &&
	d -u xu.ming inbox | grep "$r" &&
	checked
'

test_expect_success 'a stand-in who is the applicant goes through self-approval again' '
	d -u xu.ming standin zhang.wei --from 2026-03-01 --to 2026-03-05 &&
	r=$(newreq zhang.wei wdtest $leave_args) &&
	! d -u zhang.wei inbox | grep "$r" &&
	d -u huang.wei inbox >in && grep "^[a-z2-7]\{6\}  $r  .*  年假 2天 - 张伟  (for 徐明)\$" in &&
	checked
'

test_expect_success 'document numbers: gapless per organ, never reused after a withdrawal' '
	r1=$(newreq zhang.wei numtest $leave_args) &&
	test "$(field "$r1" doc_number)" = "市财发〔2026〕1号" &&
	d -u zhang.wei withdraw "$r1" &&
	r2=$(newreq zhang.wei numtest $leave_args) &&
	test "$(field "$r2" doc_number)" = "市财发〔2026〕2号" &&
	d -u zhang.wei submit "$r1" &&
	test "$(field "$r1" doc_number)" = "市财发〔2026〕1号" &&
	r3=$(newreq zhang.wei numtest $leave_args) &&
	test "$(field "$r3" doc_number)" = "市财发〔2026〕3号" &&
	r4=$(DOCKET_NOW=2027-01-04T09:30:00+08:00 newreq zhang.wei numtest $leave_args) &&
	test "$(field "$r4" doc_number)" = "市财发〔2027〕1号" &&
	checked
'

# the current version hash of workflow ID
version_of() {
	d --json definitions workflow "$1" | python3 -c "import json,sys; o=json.load(sys.stdin); o=o[0] if isinstance(o,list) else o; print(o[\"version\"])"
}

test_expect_success 'migrate: an unmapped active step refuses the whole plan; a mapped plan moves every request' '
	r1=$(newreq he.xiaomei wdtest $leave_args) &&
	r2=$(newreq gao.yan wdtest $leave_args) &&
	v1=$(version_of wdtest) &&
	mkdir v2 && sed "s/- id: review/- id: check/; s/name: 审核/name: 复核/" extra/wd.yaml >v2/wd.yaml &&
	cp extra/num.yaml extra/numtake.yaml v2/ &&
	d -u luo.bin deploy "$REPO/workflows" "$REPO/forms" v2 >/dev/null 2>&1 &&
	v2=$(version_of wdtest) && test "$v1" != "$v2" &&
	d -u $RECORDS --json show "$r1" >before.json &&
	expect_exit 1 d -u luo.bin migrate wdtest --to "$(echo $v2 | cut -c1-10)" --map nobody=nobody 2>err &&
	grep "active step '\''review'\'' is not mapped: add --map review=STEP" err &&
	expect_exit 1 d -u luo.bin migrate wdtest --to "$(echo $v2 | cut -c1-10)" --map review=nosuch 2>err &&
	grep "no step '\''nosuch'\''" err &&
	expect_exit 1 d -u zhang.wei migrate wdtest --to "$(echo $v2 | cut -c1-10)" --map review=check 2>err &&
	grep "system administrator" err &&
	d -u $RECORDS --json show "$r1" >after.json && test_cmp before.json after.json &&
	d -u luo.bin migrate wdtest --to "$(echo $v2 | cut -c1-10)" --map review=check --instance "$r1" --dry-run >dry &&
	grep "would move request '\''$r1'\''.*now at check" dry &&
	test "$(field "$r1" workflow_version)" = "$v1" &&
	d -u luo.bin migrate wdtest --to "$(echo $v2 | cut -c1-10)" --map review=check >moved &&
	grep "moved request '\''$r1'\''" moved && grep "moved request '\''$r2'\''" moved &&
	test "$(field "$r1" workflow_version)" = "$v2" &&
	d -u xu.ming --json inbox >in.json && grep "\"step\": \"check\"" in.json &&
	d -u $RECORDS show "$r1" >show &&
	grep "^  2026-03-02 09:30  罗斌 *migrated $(echo $v1 | cut -c1-12) → $(echo $v2 | cut -c1-12)\$" show &&
	sed -n "/^current steps:/,/^tasks:/p" show >actual &&
	printf "current steps:\n  复核 (check)\ntasks:\n" >expect && test_cmp expect actual &&
	expect_exit 1 d -u zhang.wei approve "$r1" -m 同意 2>err && grep "cannot start" err &&
	checked
'

test_expect_success 'take back the decision that assigned a number: the number stays with the request' '
	r=$(newreq zhang.wei numtake $leave_args) &&
	d -u huang.wei approve "$r" -m 同意 &&
	test "$(field "$r" doc_number)" = "市人社发〔2026〕1号" &&
	d -u wu.jing inbox | grep "$r" &&
	d -u huang.wei takeback "$r" &&
	! d -u wu.jing inbox | grep "$r" && d -u huang.wei inbox | grep "$r" &&
	test "$(field "$r" doc_number)" = "市人社发〔2026〕1号" &&
	d -u huang.wei approve "$r" -m 同意 &&
	test "$(field "$r" doc_number)" = "市人社发〔2026〕1号" &&
	r2=$(newreq zhang.wei numtake $leave_args) && d -u huang.wei approve "$r2" -m 同意 &&
	test "$(field "$r2" doc_number)" = "市人社发〔2026〕2号" &&
	d -u wu.jing approve "$r" -m 同意 &&
	expect_exit 1 d -u huang.wei takeback "$r" 2>err && grep "not running" err &&
	checked
'

# open tasks of request R at STEP, as "user:state ..."
at_step() {
	d -u $RECORDS --json show "$1" | python3 -c "import json,sys; o=json.load(sys.stdin); print(\" \".join(sorted(t[\"assignee\"] for t in o[\"tasks\"] if t[\"step\"]==\"$2\" and t[\"state\"] in (\"pending\",\"waiting\"))))"
}

test_expect_success 'take back inside a parallel block, and the arrival that completed its join' '
	r=$(newreq gao.yan purchase --set item=服务器 --set category=goods --set amount=150000 --set budget_code=201-03-01 --set reason=更新) &&
	d -u lin.tao approve "$r" -m 同意 &&
	d -u guo.hong approve "$r" -m 同意 &&
	d -u guo.hong takeback "$r" &&
	test "$(at_step "$r" legal_review)" = guo.hong &&
	d -u huang.wei approve "$r" -m 同意 &&
	test -z "$(at_step "$r" finance_vote)" &&
	checked &&
	d -u guo.hong approve "$r" -m 同意 &&
	test -n "$(at_step "$r" finance_vote)" &&
	d -u guo.hong takeback "$r" &&
	test -z "$(at_step "$r" finance_vote)" && test "$(at_step "$r" legal_review)" = guo.hong &&
	checked &&
	d -u guo.hong approve "$r" -m 同意 &&
	test -n "$(at_step "$r" finance_vote)" &&
	d -u liu.yang approve "$r" -m 同意 &&
	expect_exit 1 d -u guo.hong takeback "$r" 2>err && grep "next step has acted" err &&
	checked
'

test_done
