#!/bin/sh
# The approval engine and the documents: an approval records the exact
# commit of each document attached to the request (in the trail, in its
# event, in the document's approvals); a `document: sign` step (签发) freezes
# the document and needs one; a change after the sign-off is shown and
# blocks the steps after it until the request is signed again. The shipped
# 发文办理 (outgoing) on the demo organisation: 部门审核 zhao.lei, 办公室审核
# skipped (zhao.lei again: dedupe), 秘书长签发 zhou.min, 编号, 用印 qian.yu.
. "$TESTS_DIR/cli/lib.sh"

# notice_req TITLE: 王芳's notice (发文办理) called TITLE, a draft; prints its id
notice_req() {
	newreq wang.fang outgoing --draft --set doc_type=notice --set urgency=normal --set main_recipients=各区县人民政府 \
		--set title="$1"
}
# notice_for REQUEST TITLE: 王芳 drafts the notice (body.md) attached to her
# draft REQUEST and submits it (its documents are hers until then, then the
# steps': t91-need-to-know.sh); prints the document's id
notice_for() {
	nd=$(d -u wang.fang doc new --type 通知 --title "$2" --body-file body.md --instance "$1" 2>/dev/null) &&
	d -u wang.fang submit "$1" >/dev/null && echo "$nd"
}
# the head commit of document $1
head_of() {
	d -u $RECORDS --json doc show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["commit"])'
}
# the last 'task.approved' event's payload field "documents"
last_approval_docs() {
	sqlite3 s/docket.db "SELECT payload FROM events WHERE type = 'task.approved' ORDER BY seq DESC LIMIT 1" |
		python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin).get("documents"), sort_keys=True))'
}
# the trail lines of `show` (without the local time "YYYY-MM-DD HH:MM")
trail() {
	d -u $RECORDS show "$1" | sed -n '/^trail:/,$p' | sed 's/^  [0-9-]* [0-9:]*  /  /'
}

test_expect_success 'setup: the shipped definitions, a request with its document' '
	signed_store s &&
	docket -C s -u luo.bin deploy "$REPO/workflows" "$REPO/forms" >/dev/null 2>&1 &&
	notice_req 关于做好春季防火工作的通知 >r && r=$(cat r) &&
	printf "各区县人民政府：\n请做好春季防火工作。\n" >body.md &&
	d -u wang.fang doc new --type 通知 --title 关于做好春季防火工作的通知 --body-file body.md \
		--instance "$r" >doc 2>/dev/null &&
	d -u wang.fang submit "$r" >/dev/null &&
	d -u $RECORDS --json doc list --instance "$r" >list.json &&
	python3 -c "import json; v=json.load(open(\"list.json\")); assert [x[\"id\"] for x in v]==[\"$(cat doc)\"], v"
'

test_expect_success 'an approval records the head commit of the attached document' '
	r=$(cat r) && doc=$(cat doc) && c1=$(head_of "$doc") &&
	d -u zhao.lei approve "$r" -m 同意 >/dev/null &&
	trail "$r" >actual &&
	cat >expect <<-EOF &&
	trail:
	  王芳    saved as a draft
	  王芳    submitted
	  赵磊    approved @部门审核 r1 ($(echo $c1 | cut -c1-7)): 同意
	  system  skipped @办公室审核
	EOF
	test_cmp expect actual &&
	test "$(last_approval_docs)" = "{\"$doc\": {\"commit\": \"$c1\", \"rev\": 1}}" &&
	d -u $RECORDS doc show "$doc" | sed -n "/^approvals:/,\$p" >actual &&
	cat >expect <<-EOF &&
	approvals:
	  r1 $(echo $c1 | cut -c1-12) approve 赵磊 2026-03-02 09:30
	EOF
	test_cmp expect actual &&
	d -u $RECORDS show "$r" | sed -n "/^documents:/,/^trail:/p" >actual &&
	cat >expect <<-EOF &&
	documents:
	  $doc r1 ($(echo $c1 | cut -c1-7)) 关于做好春季防火工作的通知
	trail:
	EOF
	test_cmp expect actual &&
	checked
'

test_expect_success 'the sign step (document: sign) signs off the head and freezes it' '
	r=$(cat r) && doc=$(cat doc) &&
	printf "各区县人民政府：\n请切实做好春季防火工作。\n" >body2.md &&
	d -u zhou.min doc edit "$doc" --body-file body2.md >/dev/null 2>&1 &&
	c2=$(head_of "$doc") && echo "$c2" >c2 &&
	d -u zhou.min approve "$r" -m 同意印发 >/dev/null &&
	trail "$r" | grep "秘书长签发" >actual &&
	echo "  周敏    approved @秘书长签发 r2 ($(echo $c2 | cut -c1-7)): 同意印发" >expect &&
	test_cmp expect actual &&
	d -u $RECORDS --json doc show "$doc" >ds.json &&
	python3 - "$c2" <<-\EOF &&
	import json, sys
	v = json.load(open("ds.json"))
	c2 = sys.argv[1]
	assert v["signed_commit"] == c2 and not v["needs_resign"], v
	assert [(a["rev"], a["commit"], a["kind"], a["actor"]) for a in v["approvals"]][1:] == [(2, c2, "sign-off", "zhou.min")], v["approvals"]
	EOF
	d -u $RECORDS --json show "$r" >s.json &&
	python3 - "$doc" "$c2" <<-\EOF &&
	import json, sys
	doc, c2 = sys.argv[1:]
	v = json.load(open("s.json"))
	assert v["documents"] == [{"id": doc, "title": "关于做好春季防火工作的通知", "rev": 2, "head": c2,
	                           "signed_commit": c2, "signed_rev": 2, "needs_resign": False}], v["documents"]
	assert [s["step"] for s in v["current"]] == ["seal"], v["current"]
	EOF
	d -u $RECORDS show "$r" | sed -n "/^documents:/,/^trail:/p" >actual &&
	cat >expect <<-EOF &&
	documents:
	  $doc r2 ($(echo $c2 | cut -c1-7)) 关于做好春季防火工作的通知
	    signed off: r2 ($(echo $c2 | cut -c1-7))
	trail:
	EOF
	test_cmp expect actual &&
	checked
'

test_expect_success 'after the sign-off only the signer changes the text, back at the sign step; show says so' '
	r=$(cat r) && doc=$(cat doc) && c2=$(cat c2) &&
	printf "各区县人民政府：\n请做好春季防火工作（改）。\n" >body3.md &&
	n=$(events) &&
	expect_exit 5 d -u wang.fang doc edit "$doc" --body-file body3.md 2>err &&
	grep "you do not handle request '\''关于做好春季防火工作的通知'\'' at a step that edits its documents" err &&
	expect_exit 5 d -u qian.yu doc edit "$doc" --body-file body3.md 2>err &&
	grep "step '\''用印'\'' of request '\''关于做好春季防火工作的通知'\'' lets its handler read the documents, not change them" err &&
	test "$(head_of "$doc")" = "$c2" &&
	d -u qian.yu return "$r" --to previous -m 文件须修改，请重新签发 >/dev/null &&
	d -u zhou.min doc edit "$doc" --body-file body3.md >/dev/null 2>&1 &&
	c3=$(head_of "$doc") && echo "$c3" >c3 &&
	d -u $RECORDS show "$r" | sed -n "/^documents:/,/^trail:/p" >actual &&
	cat >expect <<-EOF &&
	documents:
	  $doc r3 ($(echo $c3 | cut -c1-7)) 关于做好春季防火工作的通知
	    signed off: r2 ($(echo $c2 | cut -c1-7))
	    changed after sign-off: needs the sign-off again
	trail:
	EOF
	test_cmp expect actual &&
	d -u $RECORDS --json show "$r" >before.json &&
	python3 -c "import json; v=json.load(open(\"before.json\")); assert v[\"documents\"][0][\"needs_resign\"] is True, v" &&
	checked
'

test_expect_success 'signed again at the sign step: cleared, the request goes on; the trail keeps the revision after the sign-off' '
	r=$(cat r) && doc=$(cat doc) && c3=$(cat c3) &&
	d -u zhou.min approve "$r" -m 同意印发 >/dev/null &&
	trail "$r" | tail -3 >actual &&
	cat >expect <<-EOF &&
	  钱宇    returned @用印 to 秘书长签发: 文件须修改，请重新签发
	  周敏    revised after sign-off $doc r3 ($(echo $c3 | cut -c1-7))
	  周敏    approved @秘书长签发 r3 ($(echo $c3 | cut -c1-7)): 同意印发
	EOF
	test_cmp expect actual &&
	LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 d -u $RECORDS show "$r" | grep "周敏 *签发后修改 $doc r3（" &&
	! d -u $RECORDS show "$r" | grep "needs the sign-off again" &&
	d -u $RECORDS --json doc show "$doc" >ds.json &&
	python3 -c "import json; v=json.load(open(\"ds.json\")); assert v[\"signed_commit\"]==\"$c3\" and not v[\"needs_resign\"], v" &&
	d -u qian.yu approve "$r" -m 已用印 >/dev/null &&
	d -u $RECORDS --json show "$r" >s.json &&
	python3 -c "import json; v=json.load(open(\"s.json\")); assert v[\"state\"]==\"approved\" and v[\"doc_number\"]==\"示政办发〔2026〕1号\", v" &&
	test "$(last_approval_docs)" = "{\"$doc\": {\"commit\": \"$c3\", \"rev\": 3}}" &&
	checked
'

test_expect_success 'a sign-off of an older revision blocks the steps after it, writing nothing, until signed again' '
	r2=$(notice_req 第二份通知) && doc2=$(notice_for "$r2" 第二份通知) &&
	d -u zhao.lei approve "$r2" -m 同意 >/dev/null &&
	d -u zhou.min doc edit "$doc2" --body-file body2.md >/dev/null 2>&1 &&
	d -u zhou.min approve "$r2" -m 同意 >/dev/null &&
	d -u zhou.min doc signoff "$doc2" r1 >/dev/null 2>err &&
	grep "differs from the revision signed off" err &&
	d -u $RECORDS --json show "$r2" >before.json &&
	d -u $RECORDS --json doc show "$doc2" >ds-before.json &&
	n=$(events) &&
	expect_exit 1 d -u qian.yu approve "$r2" -m 已用印 2>err &&
	echo "docket: document '\''$doc2'\'' changed after its sign-off: return request '\''$r2'\'' to the sign-off step, or have it signed again (docket doc signoff $doc2)" >expect &&
	test_cmp expect err &&
	test "$(events)" = "$n" &&
	d -u $RECORDS --json show "$r2" >after.json && test_cmp before.json after.json &&
	d -u $RECORDS --json doc show "$doc2" >ds-after.json && test_cmp ds-before.json ds-after.json &&
	d -u zhou.min doc signoff "$doc2" >/dev/null &&
	d -u qian.yu approve "$r2" -m 已用印 >/dev/null &&
	checked
'

test_expect_success 'a sign step with no document is refused and writes nothing' '
	notice_req 没有文件的通知 >r3 && r3=$(cat r3) &&
	d -u wang.fang submit "$r3" >/dev/null &&
	d -u zhao.lei approve "$r3" -m 同意 >/dev/null &&
	trail "$r3" | grep "^  赵磊    approved @部门审核: 同意\$" &&
	n=$(events) && d -u $RECORDS --json show "$r3" >before.json &&
	expect_exit 1 d -u zhou.min approve "$r3" -m 同意 2>err &&
	echo "docket: step '\''秘书长签发'\'' is a sign-off: request '\''$r3'\'' has no document to sign; attach one first (docket doc new --instance $r3)" >expect &&
	test_cmp expect err &&
	test "$(events)" = "$n" &&
	d -u $RECORDS --json show "$r3" >after.json && test_cmp before.json after.json &&
	d -u zhou.min doc new --type 通知 --title 没有文件的通知 --body-file body.md --instance "$r3" >doc3 2>/dev/null &&
	d -u zhou.min approve "$r3" -m 同意 >/dev/null &&
	test "$(d -u $RECORDS --json doc show "$(cat doc3)" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"signed_commit\"] is not None)")" = True &&
	checked
'

test_expect_success 'replay (docket check) agrees and rebuilds the trail with the revisions' '
	r=$(cat r) &&
	trail "$r" >before &&
	d check --repair >out 2>&1 && grep "state matches" out &&
	trail "$r" >after && test_cmp before after &&
	grep " r3 (" after
'

# the approvals of document $1 as "rev kind actor" lines
approvals_of() {
	d -u $RECORDS --json doc show "$1" | python3 -c 'import json,sys; [print(a["rev"], a["kind"], a["actor"]) for a in json.load(sys.stdin)["approvals"]]'
}
# the types of the events after seq $1
events_since() {
	sqlite3 s/docket.db "SELECT type FROM events WHERE seq > $1 ORDER BY seq"
}
last_seq() {
	sqlite3 s/docket.db "SELECT max(seq) FROM events"
}
# the sign-off of request $1's one document in `show --json`: "signed_rev needs_resign"
show_signed() {
	d -u $RECORDS --json show "$1" | python3 -c 'import json,sys; x=json.load(sys.stdin)["documents"][0]; print(x["signed_rev"], x["needs_resign"])'
}
# the last trail entry of request $1 in `show --json`: "actor action step detail"
last_trail() {
	d -u $RECORDS --json show "$1" | python3 -c 'import json,sys; x=json.load(sys.stdin)["trail"][-1]; print(x["actor"], x["action"], x["step"], x.get("detail"))'
}

test_expect_success 'taking back a sign-off withdraws it: not signed any more, history kept' '
	r4=$(notice_req 第四份通知) && doc4=$(notice_for "$r4" 第四份通知) && c=$(head_of "$doc4") && c7=$(echo $c | cut -c1-7) && c12=$(echo $c | cut -c1-12) &&
	d -u zhao.lei approve "$r4" -m 同意 >/dev/null &&
	d -u zhou.min approve "$r4" -m 同意印发 >/dev/null &&
	test "$(show_signed "$r4")" = "1 False" &&
	n=$(last_seq) &&
	d -u zhou.min takeback "$r4" >out && grep "^took back task" out &&
	events_since "$n" >actual &&
	printf "task.takenback\ndocument.signoff_withdrawn\n" >expect &&
	test_cmp expect actual &&
	d -u $RECORDS --json doc show "$doc4" >ds.json &&
	python3 -c "import json; v=json.load(open(\"ds.json\")); assert v[\"signed_commit\"] is None and v[\"needs_resign\"] is False, v" &&
	approvals_of "$doc4" >actual &&
	cat >expect <<-EOF &&
	1 approve zhao.lei
	1 sign-off zhou.min
	1 sign-off withdrawn zhou.min
	EOF
	test_cmp expect actual &&
	d -u $RECORDS doc show "$doc4" | sed -n "/^approvals:/,\$p" >actual &&
	cat >expect <<-EOF &&
	approvals:
	  r1 $c12 approve 赵磊 2026-03-02 09:30
	  r1 $c12 sign-off 周敏 2026-03-02 09:30
	  r1 $c12 sign-off withdrawn 周敏 2026-03-02 09:30
	EOF
	test_cmp expect actual &&
	LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 d -u $RECORDS doc show "$doc4" | sed -n "/^审批记录/,\$p" | sed 1d >actual &&
	cat >expect <<-EOF &&
	  r1 $c12 同意 赵磊 2026-03-02 09:30
	  r1 $c12 签发 周敏 2026-03-02 09:30
	  r1 $c12 撤回签发 周敏 2026-03-02 09:30
	EOF
	test_cmp expect actual &&
	! d -u $RECORDS doc show "$doc4" | grep "signed off at" &&
	test "$(show_signed "$r4")" = "None False" &&
	test "$(last_trail "$r4")" = "zhou.min taken back sign_secgen r1 ($c7)" &&
	d -u $RECORDS --json show "$r4" >s.json &&
	python3 -c "import json; v=json.load(open(\"s.json\")); assert [s[\"step\"] for s in v[\"current\"]] == [\"sign_secgen\"], v[\"current\"]" &&
	sqlite3 s/docket.db "SELECT payload FROM events WHERE type = '\''task.takenback'\'' ORDER BY seq DESC LIMIT 1" >p.json &&
	python3 -c "import json; v=json.load(open(\"p.json\")); assert v[\"documents\"] == {\"$doc4\": {\"commit\": \"$c\", \"rev\": 1}}, v" &&
	checked &&
	d -u zhou.min approve "$r4" -m 同意印发 >/dev/null &&
	test "$(show_signed "$r4")" = "1 False" &&
	approvals_of "$doc4" | tail -1 >actual && echo "1 sign-off zhou.min" >expect && test_cmp expect actual &&
	checked
'

test_expect_success 'taking back a later sign-off goes back to the sign-off before it' '
	r5=$(notice_req 第五份通知) && doc5=$(notice_for "$r5" 第五份通知) && c1=$(head_of "$doc5") &&
	d -u zhao.lei approve "$r5" -m 同意 >/dev/null &&
	d -u zhou.min doc signoff "$doc5" >/dev/null &&
	d -u zhou.min doc edit "$doc5" --body-file body2.md >/dev/null 2>&1 &&
	c2=$(head_of "$doc5") &&
	test "$(show_signed "$r5")" = "1 True" &&
	d -u zhou.min approve "$r5" -m 同意印发 >/dev/null &&
	test "$(show_signed "$r5")" = "2 False" &&
	d -u zhou.min takeback "$r5" >/dev/null &&
	d -u $RECORDS --json doc show "$doc5" >ds.json &&
	python3 -c "import json; v=json.load(open(\"ds.json\")); assert v[\"signed_commit\"] == \"$c1\" and v[\"needs_resign\"] is True, v" &&
	test "$(show_signed "$r5")" = "1 True" &&
	d -u $RECORDS doc show "$doc5" | grep "^signed off at" >actual &&
	echo "signed off at $(echo $c1 | cut -c1-12); changed since: needs the sign-off again" >expect &&
	test_cmp expect actual &&
	approvals_of "$doc5" >actual &&
	cat >expect <<-EOF &&
	1 approve zhao.lei
	1 sign-off zhou.min
	2 sign-off zhou.min
	2 sign-off withdrawn zhou.min
	EOF
	test_cmp expect actual &&
	checked
'

test_expect_success 'taking back an ordinary approval records that it was withdrawn' '
	r6=$(notice_req 第六份通知) && doc6=$(notice_for "$r6" 第六份通知) && c=$(head_of "$doc6") && c7=$(echo $c | cut -c1-7) &&
	d -u zhao.lei approve "$r6" -m 同意 >/dev/null &&
	n=$(last_seq) &&
	d -u zhao.lei takeback "$r6" >/dev/null &&
	events_since "$n" >actual &&
	printf "task.takenback\ndocument.approval_withdrawn\n" >expect &&
	test_cmp expect actual &&
	approvals_of "$doc6" >actual &&
	printf "1 approve zhao.lei\n1 approve withdrawn zhao.lei\n" >expect &&
	test_cmp expect actual &&
	test "$(last_trail "$r6")" = "zhao.lei taken back dept_review r1 ($c7)" &&
	test "$(show_signed "$r6")" = "None False" &&
	checked &&
	d -u zhao.lei approve "$r6" -m 同意 >/dev/null &&
	approvals_of "$doc6" | tail -1 >actual && echo "1 approve zhao.lei" >expect && test_cmp expect actual &&
	checked
'

test_expect_success 'a take back refused writes nothing on the documents either' '
	r7=$(notice_req 第七份通知) && doc7=$(notice_for "$r7" 第七份通知) &&
	d -u zhao.lei approve "$r7" -m 同意 >/dev/null &&
	d -u zhou.min approve "$r7" -m 同意印发 >/dev/null &&
	approvals_of "$doc7" >before &&
	n=$(last_seq) &&
	expect_exit 1 d -u zhao.lei takeback "$r7" 2>err &&
	grep "it can no longer be taken back" err &&
	test "$(last_seq)" = "$n" &&
	approvals_of "$doc7" >after && test_cmp before after &&
	test "$(show_signed "$r7")" = "1 False" &&
	checked
'

test_expect_success 'lint and deploy refuse on_timeout: approve at a sign step' '
	awk "/id: sign_secgen/ { s = 1 } s && /on_timeout:/ { sub(/remind/, \"approve\"); s = 0 } { print }" \
		"$REPO/workflows/outgoing.yaml" >outgoing.yaml &&
	expect_exit 1 d lint outgoing.yaml >out 2>/dev/null &&
	line=$(grep -n "on_timeout: approve" outgoing.yaml | cut -d: -f1) &&
	echo "outgoing.yaml:$line:17: error: '\''on_timeout: approve'\'' cannot be used on a '\''document: sign'\'' step: the sign-off must be given by a person; use remind, escalate or reject" >expect &&
	test_cmp expect out &&
	n=$(last_seq) &&
	expect_exit 1 d -u luo.bin deploy outgoing.yaml >/dev/null 2>&1 &&
	test "$(last_seq)" = "$n" &&
	checked
'

test_done
