#!/bin/sh
# The engine alone judges every action (rules 2): each way around a rule
# that the command line used to leave open, played as a user would. Each
# refusal says exactly why, exits 1 and changes nothing (the request, the
# inboxes, the event log); `docket check` passes after every case.
. "$TESTS_DIR/cli/lib.sh"

# zhang.wei's annual leave from 2026-03-03 to END (a leave over 3 days needs a handover)
leave_to() {
	e=$1
	shift
	newreq zhang.wei leave --set type=annual --set start=2026-03-03 --set end="$e" --set reason=探亲 "$@"
}

# snap REQUEST USER...: what a refusal must leave alone: the request as
# shown, each user's to-do list, and the number of events.
snap() {
	d -u $RECORDS --json show "$1" || return 1
	shift
	for u in "$@"; do
		d -u "$u" --json inbox || return 1
	done
	events
}

# has_task USER REQUEST: REQUEST is in USER's to-do list (no_task: is not).
has_task() {
	d -u "$1" --json inbox | grep "\"request\": \"$2\""
}
no_task() {
	! has_task "$@"
}

# refused MESSAGE CMD...: CMD exits 1, prints nothing on stdout and exactly
# "docket: MESSAGE" on stderr.
refused() {
	msg=$1
	shift
	expect_exit 1 "$@" >out 2>err || { cat err; return 1; }
	printf 'docket: %s\n' "$msg" >expect.err &&
	test_cmp expect.err err &&
	test_cmp /dev/null out
}

test_expect_success 'setup: a store with the shipped definitions' '
	signed_store s &&
	docket -C s -u luo.bin deploy "$REPO/workflows" "$REPO/forms" >/dev/null 2>&1
'

test_expect_success 'the applicant cannot get his own request by 加签, transfer or delegate' '
	r=$(leave_to 2026-03-14 --set handover=feng.xue) &&
	d -u huang.wei approve "$r" -m 同意 &&
	d -u huang.wei takeback "$r" &&
	snap "$r" huang.wei zhang.wei liu.yang >before &&
	refused "张伟 is the applicant and may not handle their own request" \
		d -u huang.wei addsign "$r" zhang.wei --before &&
	refused "张伟 is the applicant and may not handle their own request" \
		d -u huang.wei addsign "$r" zhang.wei --parallel &&
	refused "张伟 is the applicant and may not handle their own request" \
		d -u huang.wei transfer "$r" zhang.wei &&
	refused "张伟 is the applicant and may not handle their own request" \
		d -u huang.wei delegate "$r" zhang.wei &&
	snap "$r" huang.wei zhang.wei liu.yang >after &&
	test_cmp before after &&
	no_task zhang.wei "$r" &&
	has_task huang.wei "$r" &&
	checked
'

test_expect_success 'separation of duties holds for transfer, delegate and 加签 (seal: who approved the head step does not stamp)' '
	r=$(newreq zhang.wei seal --set seal_type=official --set copies=1 --set purpose=合同盖章 --set file=合同.pdf) &&
	d -u huang.wei approve "$r" -m 同意 &&
	d -u qian.yu inbox | grep "  $r  .*办公室用印" &&
	snap "$r" qian.yu huang.wei >before &&
	refused "黄伟 acted on '\''部门负责人审批'\'' and may not also act on '\''办公室用印'\'' (separation of duties)" \
		d -u qian.yu transfer "$r" huang.wei &&
	refused "黄伟 acted on '\''部门负责人审批'\'' and may not also act on '\''办公室用印'\'' (separation of duties)" \
		d -u qian.yu delegate "$r" huang.wei &&
	refused "黄伟 acted on '\''部门负责人审批'\'' and may not also act on '\''办公室用印'\'' (separation of duties)" \
		d -u qian.yu addsign "$r" huang.wei --before &&
	snap "$r" qian.yu huang.wei >after &&
	test_cmp before after &&
	no_task huang.wei "$r" &&
	d -u qian.yu approve "$r" &&
	test "$(field "$r" state)" = approved &&
	checked
'

test_expect_success 'a picked handler outside the allowed set is refused, naming who may be picked' '
	r=$(leave_to 2026-03-14 --set handover=feng.xue) &&
	d -u huang.wei approve "$r" -m 同意 &&
	snap "$r" liu.yang wang.fang chen.jianhua >before &&
	refused "王芳 cannot be picked for '\''分管副市长审批'\'': pick one of 陈建华 (chen.jianhua)" \
		d -u liu.yang approve "$r" -m 同意 --pick wang.fang &&
	refused "黄伟 cannot be picked for '\''分管副市长审批'\'': pick one of 陈建华 (chen.jianhua)" \
		d -u liu.yang approve "$r" -m 同意 --pick huang.wei &&
	refused "no user '\''nobody'\'' in the organisation" \
		d -u liu.yang approve "$r" -m 同意 --pick nobody &&
	snap "$r" liu.yang wang.fang chen.jianhua >after &&
	test_cmp before after &&
	d -u liu.yang inbox | grep "  $r  .*局领导审批" &&
	d -u liu.yang approve "$r" -m 同意 --pick chen.jianhua &&
	no_task liu.yang "$r" &&
	d -u chen.jianhua inbox | grep "  $r  .*分管副市长审批" &&
	no_task wang.fang "$r" &&
	checked
'

test_expect_success 'a refusal with --json: exit 1, nothing on stdout, the message on stderr' '
	r=$(leave_to 2026-03-14 --set handover=feng.xue) &&
	d -u huang.wei approve "$r" -m 同意 &&
	snap "$r" liu.yang wang.fang >before &&
	refused "王芳 cannot be picked for '\''分管副市长审批'\'': pick one of 陈建华 (chen.jianhua)" \
		d -u liu.yang --json approve "$r" -m 同意 --pick wang.fang &&
	snap "$r" liu.yang wang.fang >after &&
	test_cmp before after &&
	checked
'

test_expect_success 'a pick goes with the decision that completes a step: one countersign of two is refused, saying so' '
	cat >cosign.yaml <<-\EOF &&
	kind: workflow
	id: cosign_pick
	name: 会签后选人
	form: leave
	policies:
	  self_approval: superior
	steps:
	  - id: cosign
	    name: 联合审核
	    mode: countersign
	    assignees:
	      - user: huang.wei
	      - user: liu.yang
	  - id: leader
	    name: 分管领导审批
	    assignees:
	      - role: vice_mayor
	    pick: true
	    next: end
	EOF
	d -u luo.bin deploy cosign.yaml >/dev/null &&
	r=$(newreq zhang.wei cosign_pick --set type=annual --set start=2026-03-03 --set end=2026-03-04 --set reason=探亲) &&
	snap "$r" huang.wei liu.yang chen.jianhua >before &&
	refused "your decision does not complete '\''联合审核'\'' (others there have still to decide): only the decision that completes a step picks who handles the next one" \
		d -u huang.wei approve "$r" -m 同意 --pick chen.jianhua &&
	snap "$r" huang.wei liu.yang chen.jianhua >after &&
	test_cmp before after &&
	d -u huang.wei approve "$r" -m 同意 &&
	no_task chen.jianhua "$r" &&
	d -u liu.yang approve "$r" -m 同意 --pick chen.jianhua &&
	d -u chen.jianhua inbox | grep "  $r  .*分管领导审批" &&
	checked
'

test_expect_success 'visible_when: a field shown is required, a field hidden takes no value' '
	d -u zhang.wei --json inbox --mine >before &&
	events >>before &&
	refused "'\''工作交接人'\'' is required" \
		d -u zhang.wei new leave --set type=annual --set start=2026-03-03 --set end=2026-03-14 --set reason=探亲 &&
	refused "'\''证明材料'\'' is required" \
		d -u zhang.wei new leave --set type=sick --set start=2026-03-03 --set end=2026-03-04 --set reason=发烧 &&
	refused "'\''工作交接人'\'' does not apply here (its condition is not met): leave it empty" \
		d -u zhang.wei new leave --set type=annual --set start=2026-03-03 --set end=2026-03-04 --set reason=探亲 --set handover=wang.fang &&
	d -u zhang.wei --json inbox --mine >after &&
	events >>after &&
	test_cmp before after &&
	r=$(leave_to 2026-03-04) &&
	d -u huang.wei return "$r" --to applicant -m 请改 &&
	snap "$r" zhang.wei huang.wei >before &&
	refused "'\''工作交接人'\'' is required" d -u zhang.wei edit "$r" --set end=2026-03-14 &&
	refused "'\''工作交接人'\'' is required" d -u zhang.wei submit "$r" --set end=2026-03-14 &&
	snap "$r" zhang.wei huang.wei >after &&
	test_cmp before after &&
	s=$(newreq zhang.wei leave --set type=sick --set start=2026-03-03 --set end=2026-03-04 --set reason=发烧 --set attachments=诊断证明.pdf) &&
	test "$(field "$s" state)" = running &&
	checked
'

test_expect_success 'initiators: only whom the workflow names may start it' '
	d -u zhang.wei --json inbox --mine >before &&
	events >>before &&
	refused "张伟 may not start workflow '\''收文办理'\''" \
		d -u zhang.wei new incoming --set source_organ=省政府办公厅 --set title=关于预算执行的通知 \
			--set received=2026-03-02 --set urgency=normal --set lead_dept=finance &&
	d -u zhang.wei --json inbox --mine >after &&
	events >>after &&
	test_cmp before after &&
	r=$(newreq wang.fang incoming --set source_organ=省政府办公厅 --set title=关于预算执行的通知 \
		--set received=2026-03-02 --set urgency=normal --set lead_dept=finance) &&
	test "$(field "$r" state)" = running &&
	checked
'

test_expect_success 'a title the engine made follows the data; one the applicant wrote is kept' '
	r=$(leave_to 2026-03-04) &&
	test "$(field "$r" title)" = "年假 2天 - 张伟" &&
	d -u huang.wei return "$r" --to applicant -m 请改 &&
	d -u zhang.wei edit "$r" --set end=2026-03-05 &&
	test "$(field "$r" title)" = "年假 3天 - 张伟" &&
	d -u zhang.wei inbox | grep "  $r  .*  年假 3天 - 张伟  (returned by 黄伟" &&
	d -u zhang.wei submit "$r" &&
	d -u huang.wei inbox | grep "  $r  .*  年假 3天 - 张伟\$" &&
	t=$(leave_to 2026-03-04 --title "年假 - 张伟（探亲）") &&
	test "$(field "$t" title)" = "年假 - 张伟（探亲）" &&
	d -u huang.wei return "$t" --to applicant -m 请改 &&
	d -u zhang.wei edit "$t" --set end=2026-03-05 &&
	test "$(field "$t" title)" = "年假 - 张伟（探亲）" &&
	checked
'

test_expect_success 'a form with a field title: the request is called by it and follows it; a title written apart is kept' '
	r=$(newreq zhang.wei request --set title=关于购置设备的请示 --set addressee=市政府 --set content=购置办公设备) &&
	test "$(field "$r" title)" = 关于购置设备的请示 &&
	d -u huang.wei return "$r" --to applicant -m 标题不准确 &&
	d -u zhang.wei edit "$r" --set title=关于购置办公设备的请示 >/dev/null &&
	test "$(field "$r" title)" = 关于购置办公设备的请示 &&
	d -u zhang.wei inbox | grep "  $r  .*  关于购置办公设备的请示  (returned by 黄伟" &&
	d -u zhang.wei submit "$r" --set title=关于购置办公设备的请示（修订） >/dev/null &&
	test "$(field "$r" fields.title)" = 关于购置办公设备的请示（修订） &&
	d -u huang.wei inbox | grep "  $r  .*  关于购置办公设备的请示（修订）\$" &&
	t=$(newreq zhang.wei request --set title=关于购置设备的请示 --set addressee=市政府 --set content=购置办公设备 \
		--title "购置设备 - 张伟") &&
	test "$(field "$t" title)" = "购置设备 - 张伟" &&
	d -u zhang.wei withdraw "$t" >/dev/null &&
	d -u zhang.wei edit "$t" --set title=关于购置办公设备的请示 >/dev/null &&
	test "$(field "$t" title)" = "购置设备 - 张伟" &&
	test "$(field "$t" fields.title)" = 关于购置办公设备的请示 &&
	d -u zhang.wei edit "$t" --title 关于购置办公设备的请示（张伟） >/dev/null &&
	test "$(field "$t" title)" = 关于购置办公设备的请示（张伟） &&
	test "$(field "$t" fields.title)" = 关于购置办公设备的请示 &&
	checked
'

test_expect_success 'four eyes: the only seal keeper applies, his superior approves, the seal goes one further up' '
	r=$(newreq qian.yu seal --set seal_type=official --set copies=2 --set purpose=报送材料盖章 --set file=报送材料.pdf) &&
	d -u zhou.min inbox | grep "  $r  .*部门负责人审批" &&
	d -u zhou.min approve "$r" -m 同意 &&
	test "$(field "$r" state)" = running &&
	no_task zhou.min "$r" &&
	no_task qian.yu "$r" &&
	d -u li.guoqiang inbox | grep "  $r  .*办公室用印" &&
	snap "$r" li.guoqiang zhou.min qian.yu >before &&
	refused "周敏 acted on '\''部门负责人审批'\'' and may not also act on '\''办公室用印'\'' (separation of duties)" \
		d -u li.guoqiang transfer "$r" zhou.min &&
	refused "钱宇 is the applicant and may not handle their own request" \
		d -u li.guoqiang transfer "$r" qian.yu &&
	snap "$r" li.guoqiang zhou.min qian.yu >after &&
	test_cmp before after &&
	d -u li.guoqiang approve "$r" &&
	test "$(field "$r" state)" = approved &&
	d -u $RECORDS show "$r" | sed -n "/^tasks:/,\$p" | sed "s/^  [a-z2-7]\{6\}  /  ......  /" >show &&
	cat >expect <<-\EOF &&
	tasks:
	  ......  部门负责人审批  周敏    approval  approved
	  ......  办公室用印      李国强  approval  approved
	trail:
	  2026-03-02 09:30  钱宇    created
	  2026-03-02 09:30  钱宇    submitted
	  2026-03-02 09:30  周敏    approved @部门负责人审批: 同意
	  2026-03-02 09:30  system  reassigned @办公室用印 to 李国强: 周敏 acted on '\''部门负责人审批'\'' and may not also act on '\''办公室用印'\'' (separation of duties)
	  2026-03-02 09:30  李国强  approved @办公室用印
	  2026-03-02 09:30  system  finished
	EOF
	test_cmp expect show &&
	checked
'

test_expect_success 'a return only goes back along the way the request came' '
	cat >relay.yaml <<-\EOF &&
	kind: workflow
	id: relay
	name: 接力审批
	form: leave
	policies:
	  self_approval: superior
	steps:
	  - id: first
	    name: 科长审核
	    assignees:
	      - department_head: applicant
	  - id: second
	    name: 局长审核
	    assignees:
	      - user: liu.yang
	  - id: third
	    name: 副市长审核
	    assignees:
	      - user: chen.jianhua
	    next: end
	EOF
	d -u luo.bin deploy relay.yaml >/dev/null &&
	r=$(newreq zhang.wei relay --set type=annual --set start=2026-03-03 --set end=2026-03-04 --set reason=探亲) &&
	d -u huang.wei approve "$r" -m 同意 &&
	d -u liu.yang approve "$r" -m 同意 &&
	d -u chen.jianhua return "$r" --to first -m 请科里重新核实 &&
	d -u huang.wei inbox | grep "  $r  .*科长审核" &&
	snap "$r" huang.wei liu.yang chen.jianhua >before &&
	refused "'\''局长审核'\'' is not before '\''科长审核'\'' on this request'\''s way: a return only goes back" \
		d -u huang.wei return "$r" --to second -m 直接送局长 &&
	refused "'\''副市长审核'\'' is not before '\''科长审核'\'' on this request'\''s way: a return only goes back" \
		d -u huang.wei return "$r" --to third -m 直接送副市长 &&
	snap "$r" huang.wei liu.yang chen.jianhua >after &&
	test_cmp before after &&
	d -u huang.wei approve "$r" -m 已核实 &&
	d -u liu.yang approve "$r" -m 同意 &&
	d -u chen.jianhua return "$r" --to first -m 再核 &&
	d -u huang.wei approve "$r" -m 已再核 &&
	d -u liu.yang approve "$r" -m 同意 &&
	d -u chen.jianhua return "$r" --to second -m 请局里再看 &&
	d -u liu.yang return "$r" --to first -m 请科里再看 &&
	d -u huang.wei approve "$r" -m 同意 &&
	d -u liu.yang approve "$r" -m 同意 &&
	d -u chen.jianhua approve "$r" -m 同意 &&
	test "$(field "$r" state)" = approved &&
	checked
'

test_expect_success '减签: not by the applicant, an added signer only by who added them, anyone by a system administrator' '
	r=$(newreq gao.yan trip --set destination=上海 --set start=2026-03-03 --set end=2026-03-05 --set budget=8000 --set purpose=会议) &&
	d -u lin.tao approve "$r" -m 同意 &&
	snap "$r" liu.yang huang.wei gao.yan >before &&
	refused "刘洋 is a signer the workflow names at '\''财政会签'\'': only a system administrator can remove them" \
		d -u gao.yan removesign "$r" liu.yang &&
	refused "黄伟 is a signer the workflow names at '\''财政会签'\'': only a system administrator can remove them" \
		d -u liu.yang removesign "$r" huang.wei &&
	snap "$r" liu.yang huang.wei gao.yan >after &&
	test_cmp before after &&
	d -u huang.wei addsign "$r" sun.li --parallel &&
	snap "$r" liu.yang huang.wei sun.li gao.yan >before &&
	refused "孙丽 was added by 黄伟: only they (or a system administrator) can remove them" \
		d -u liu.yang removesign "$r" sun.li &&
	refused "孙丽 was added by 黄伟: only they (or a system administrator) can remove them" \
		d -u gao.yan removesign "$r" sun.li &&
	snap "$r" liu.yang huang.wei sun.li gao.yan >after &&
	test_cmp before after &&
	d -u huang.wei removesign "$r" sun.li &&
	no_task sun.li "$r" &&
	d -u huang.wei addsign "$r" sun.li --after &&
	d -u luo.bin removesign "$r" sun.li &&
	d -u luo.bin removesign "$r" liu.yang &&
	no_task liu.yang "$r" &&
	d -u huang.wei approve "$r" -m 同意 &&
	test "$(field "$r" state)" = approved &&
	d -u $RECORDS show "$r" | sed -n "/^trail:/,\$p" >show &&
	cat >expect <<-\EOF &&
	trail:
	  2026-03-02 09:30  高燕    created
	  2026-03-02 09:30  高燕    submitted
	  2026-03-02 09:30  林涛    approved @部门负责人审批: 同意
	  2026-03-02 09:30  黄伟    added a signer @财政会签 孙丽 (alongside me)
	  2026-03-02 09:30  黄伟    removed a signer @财政会签 孙丽
	  2026-03-02 09:30  黄伟    added a signer @财政会签 孙丽 (after me)
	  2026-03-02 09:30  罗斌    removed a signer @财政会签 孙丽
	  2026-03-02 09:30  罗斌    removed a signer @财政会签 刘洋
	  2026-03-02 09:30  黄伟    approved @财政会签: 同意
	  2026-03-02 09:30  system  finished
	EOF
	test_cmp expect show &&
	checked
'

test_expect_success 'someone not in the organisation cannot start a request' '
	n=$(events) &&
	refused "no user '\''nobody'\'' in the deployed organisation" \
		d -u nobody new leave --set type=annual --set start=2026-03-03 --set end=2026-03-04 --set reason=探亲 &&
	test "$(events)" = "$n" &&
	checked
'

test_done
