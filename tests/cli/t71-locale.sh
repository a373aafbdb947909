#!/bin/sh
# What the engine writes into a request does not depend on the language of
# the process that wrote it: `docket check` replays the log and compares,
# so a reason stored in the words of zh_CN would differ from its replay
# under en, and the other way round. The trail stores a policy's reason as
# a code with ids (rules 4) and `show` words it in the reader's language;
# a title the engine makes says yes and no as 是 and 否 whatever the locale.
# Rows written before keep their words and show as they are.
. "$TESTS_DIR/cli/lib.sh"

en() { LANGUAGE=en "$@"; }
zh() { LANGUAGE=zh_CN "$@"; }
# check_in LANGUAGE: docket check passes under it (its report shown when not)
check_in() {
	LANGUAGE=$1 d check >check.out 2>&1 || { cat check.out; return 1; }
}

test_expect_success 'setup: a store with the shipped definitions' '
	signed_store s
'

# 钱宇, the only seal keeper, asks for the seal; 周敏, his superior, approves
# it and so may not stamp it: the step is reassigned up to 李国强, with the
# reason in the trail. Made under zh_CN, then under en.
test_expect_success 'a reassigned reason made under zh_CN: check passes under en and zh_CN' '
	r=$(zh newreq qian.yu seal --set seal_type=official --set copies=2 --set purpose=报送材料盖章 --set file=报送材料.pdf) &&
	zh d -u zhou.min approve "$r" -m 同意 >/dev/null &&
	echo "$r" >zh.req &&
	s=$(en newreq qian.yu seal --set seal_type=official --set copies=1 --set purpose=合同盖章 --set file=合同.pdf) &&
	en d -u zhou.min approve "$s" -m 同意 >/dev/null &&
	echo "$s" >en.req &&
	check_in en &&
	check_in zh_CN
'

test_expect_success 'show words the reason in the reader'\''s language, whoever wrote it' '
	for r in $(cat zh.req en.req); do
		en d -u $RECORDS show "$r" | grep "reassigned" >en.out &&
		echo "  2026-03-02 09:30  system  reassigned @办公室用印 to 李国强: 周敏 acted on '\''部门负责人审批'\'' and may not also act on '\''办公室用印'\'' (separation of duties)" >expect &&
		test_cmp expect en.out &&
		zh d -u $RECORDS show "$r" | grep "已改派" >zh.out &&
		echo "  2026-03-02 09:30  系统  已改派 @办公室用印 至 李国强：周敏已处理过环节“部门负责人审批”，不能再处理“办公室用印”（职责分离）" >expect &&
		test_cmp expect zh.out || return 1
	done
'

test_expect_success '--json: the reason as a code with ids, and in words' '
	r=$(cat zh.req) &&
	zh d -u $RECORDS --json show "$r" >zh.json &&
	python3 - zh.json <<-\EOF
	import json, sys
	o = json.load(open(sys.argv[1]))
	[t] = [t for t in o["trail"] if t["action"] == "reassigned"]
	assert t["detail"] == "li.guoqiang", t
	assert t["reason"] == {"reason": "separation", "user": "zhou.min", "step": "secretariat",
	                       "other": "dept_head"}, t
	assert t["opinion"] == "周敏已处理过环节“部门负责人审批”，不能再处理“办公室用印”（职责分离）", t
	assert all("reason" not in x for x in o["trail"] if x is not t)
	EOF
'

test_expect_success 'a row written in words before keeps them (check --repair writes the code again)' '
	r=$(cat zh.req) &&
	sqlite3 s/docket.db "UPDATE eng_trail SET opinion = '\''周敏 已处理过环节 “部门负责人审批”（旧记录）'\'' WHERE instance = '\''$r'\'' AND action = '\''reassigned'\''" &&
	en d -u $RECORDS show "$r" | grep "reassigned" >out &&
	echo "  2026-03-02 09:30  system  reassigned @办公室用印 to 李国强: 周敏 已处理过环节 “部门负责人审批”（旧记录）" >expect &&
	test_cmp expect out &&
	en d -u $RECORDS --json show "$r" | python3 -c "import json,sys; t=[t for t in json.load(sys.stdin)[\"trail\"] if t[\"action\"]==\"reassigned\"][0]; assert \"reason\" not in t, t" &&
	expect_exit 1 en d check >out &&
	grep "eng_trail" out &&
	expect_exit 1 en d check --repair >out &&
	grep "repaired" out &&
	en d -u $RECORDS show "$r" | grep "reassigned @办公室用印 to 李国强: 周敏 acted on" &&
	checked
'

# A form whose title says a yes/no field: the engine makes the title, and it
# says 是 or 否 under every locale.
test_expect_success 'a made title says yes and no as 是 and 否 under every locale; check passes in both' '
	cat >notice-form.yaml <<-\EOF &&
	kind: form
	id: notice
	name: 通知
	title: "{subject} 加急:{urgent} - {applicant}"
	fields:
	  - {id: subject, label: 事由, type: text, required: true}
	  - {id: urgent, label: 加急, type: bool}
	EOF
	cat >notice.yaml <<-\EOF &&
	kind: workflow
	id: notice
	name: 通知
	form: notice
	steps:
	  - id: head
	    name: 部门负责人审批
	    assignees:
	      - department_head: applicant
	    next: end
	EOF
	d -u luo.bin deploy notice-form.yaml notice.yaml >/dev/null &&
	a=$(en newreq zhang.wei notice --set subject=会议通知 --set urgent=yes) &&
	b=$(zh newreq zhang.wei notice --set subject=放假通知 --set urgent=否) &&
	test "$(en d -u $RECORDS --json show "$a" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"title\"])")" = "会议通知 加急:是 - 张伟" &&
	test "$(en d -u $RECORDS --json show "$b" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"title\"])")" = "放假通知 加急:否 - 张伟" &&
	check_in en &&
	check_in zh_CN
'

test_done
