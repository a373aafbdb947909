#!/bin/sh
# Need to know (知悉范围) and who may change or sign off a document: a
# person reads only the requests and documents they are involved in
# (applicant, handlers past and present, a stand-in and whom they stand in
# for, readers it was circulated to) or what a role's `read_all` grants
# (机要档案: 钱宇); the three administrators read no business content. Every
# refusal says why, exits 5, changes nothing but the audit trail, where it
# is an action.refused; every read of a document's text is a document.read.
. "$TESTS_DIR/cli/lib.sh"

# denied MESSAGE CMD...: CMD exits 5, prints nothing on stdout and exactly
# "docket: MESSAGE" on stderr.
denied() {
	msg=$1
	shift
	expect_exit 5 "$@" >out 2>err || { cat err; return 1; }
	printf 'docket: %s\n' "$msg" >expect.err &&
	test_cmp expect.err err &&
	test_cmp /dev/null out
}
# the types of the events after seq $1
events_since() {
	sqlite3 s/docket.db "SELECT type FROM events WHERE seq > $1 ORDER BY seq"
}
last_seq() {
	sqlite3 s/docket.db "SELECT max(seq) FROM events"
}
# the last action.refused's payload fields "action concerns" and its actor
last_refusal() {
	sqlite3 s/docket.db "SELECT actor, payload FROM events WHERE type = 'action.refused' ORDER BY seq DESC LIMIT 1" |
		python3 -c 'import json,sys; a,p=sys.stdin.read().split("|",1); p=json.loads(p); print(a, p["action"], p["concerns"])'
}

test_expect_success 'setup: the shipped definitions, a leave request' '
	signed_store s &&
	# signed in afresh: after a long run the agent forgets keys idle for the policy'\''s time
	for u in zhang.wei huang.wei xu.ming qian.yu gao.yan luo.bin tang.xue song.yu he.xiaomei feng.xue \
		sun.li wang.fang zhao.lei zhou.min; do
		ptyrun --type Docket-2026 -- "$DOCKET" -C s -u $u login >/dev/null || return 1
	done &&
	docket -C s -u luo.bin deploy "$REPO/workflows" "$REPO/forms" >/dev/null 2>&1 &&
	newreq zhang.wei leave --set type=annual --set start=2026-03-03 --set end=2026-03-04 --set reason=探亲 >r &&
	d -u huang.wei approve "$(cat r)" -m 同意 >/dev/null
'

test_expect_success 'the applicant, a past handler, the current handler and read_all read the request' '
	r=$(cat r) &&
	for u in zhang.wei huang.wei xu.ming qian.yu; do
		d -u $u show "$r" >out && head -1 out | grep "^$r  " || return 1
	done
'

test_expect_success 'someone not involved is refused, exit 5, and the refusal is audited' '
	r=$(cat r) && n=$(last_seq) &&
	denied "you are not involved in request '\''$r'\'': only its applicant, its handlers and the people it was circulated to read it" \
		d -u gao.yan show "$r" &&
	denied "you are not involved in request '\''$r'\'': only its applicant, its handlers and the people it was circulated to read it" \
		d -u gao.yan --json show "$r" &&
	events_since "$n" >actual &&
	printf "action.refused\naction.refused\n" >expect && test_cmp expect actual &&
	test "$(last_refusal)" = "gao.yan request.read $r" &&
	d -u song.yu audit --kind action.refused --person gao.yan >out &&
	grep "you are not involved in request '\''$r'\''" out &&
	LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 expect_exit 5 d -u gao.yan show "$r" 2>err &&
	grep "您未参与申请“$r”" err &&
	checked
'

test_expect_success 'the three administrators read no business content (三员分立)' '
	r=$(cat r) &&
	for u in luo.bin tang.xue song.yu; do
		expect_exit 5 d -u $u show "$r" 2>err >out || return 1
		grep "you are not involved in request" err || return 1
		test_cmp /dev/null out || return 1
	done
'

test_expect_success 'a reader it was circulated to reads it; the inbox lists only your own' '
	r=$(cat r) &&
	expect_exit 5 d -u he.xiaomei show "$r" 2>/dev/null &&
	d -u zhang.wei circulate "$r" he.xiaomei >/dev/null &&
	d -u he.xiaomei show "$r" >/dev/null &&
	! d -u gao.yan --json inbox --mine | grep "$r" &&
	! d -u gao.yan --json inbox --done | grep "$r"
'

test_expect_success 'a stand-in and whom they stand in for both read it' '
	d -u huang.wei standin feng.xue --from 2026-03-01 --to 2026-03-10 >/dev/null &&
	newreq zhang.wei leave --set type=annual --set start=2026-03-05 --set end=2026-03-05 --set reason=家事 >r2 &&
	r2=$(cat r2) &&
	d -u feng.xue inbox | grep "$r2" &&
	d -u feng.xue show "$r2" >/dev/null &&
	d -u huang.wei show "$r2" >/dev/null &&
	expect_exit 5 d -u sun.li show "$r2" 2>/dev/null
'

# an outgoing notice by 王芳 as a draft, with its document attached: prints the request
notice() {
	newreq wang.fang outgoing --draft --set doc_type=notice --set urgency=normal --set main_recipients=各区县人民政府 \
		--set title="$1"
}

test_expect_success 'documents: attached only by whom the request is with' '
	notice 关于做好春季防火工作的通知 >o && o=$(cat o) &&
	printf "各区县人民政府：\n请做好春季防火工作。\n" >body.md &&
	denied "request '\''$o'\'' is with its applicant 王芳: only they change its documents now" \
		d -u gao.yan doc new --title 插入的通知 --body-file body.md --instance "$o" &&
	test "$(last_refusal)" = "gao.yan document.created $o" &&
	d -u wang.fang doc new --title 关于做好春季防火工作的通知 --body-file body.md --instance "$o" >doc 2>/dev/null &&
	d -u wang.fang submit "$o" >/dev/null &&
	checked
'

test_expect_success 'documents: someone not involved neither reads, lists, searches nor exports them' '
	o=$(cat o) && doc=$(cat doc) && n=$(last_seq) &&
	msg="you are not involved in request '\''$o'\'', which document '\''$doc'\'' belongs to" &&
	denied "$msg" d -u gao.yan doc show "$doc" &&
	denied "$msg" d -u gao.yan doc export "$doc" &&
	denied "$msg" d -u gao.yan doc log "$doc" &&
	denied "$msg" d -u gao.yan doc diff "$doc" &&
	test "$(events_since "$n" | sort -u)" = action.refused &&
	test "$(last_refusal)" = "gao.yan document.read $doc" &&
	d -u gao.yan --json doc list >list.json && ! grep "$doc" list.json &&
	d -u gao.yan --json doc search 春季防火 >found.json && ! grep "$doc" found.json &&
	d -u zhao.lei --json doc search 春季防火 >found.json && grep "$doc" found.json &&
	d -u luo.bin --json doc list >list.json && ! grep "$doc" list.json &&
	checked
'

test_expect_success 'every read of a document text is a signed document.read in the audit trail' '
	doc=$(cat doc) && n=$(last_seq) &&
	d -u zhao.lei doc show "$doc" >/dev/null &&
	d -u qian.yu doc export "$doc" >/dev/null &&
	d -u wang.fang doc log "$doc" >/dev/null &&
	events_since "$n" >actual &&
	printf "document.read\ndocument.read\n" >expect && test_cmp expect actual &&
	sqlite3 s/docket.db "SELECT actor, key_id IS NOT NULL, payload FROM events WHERE seq > $n ORDER BY seq" >rows &&
	python3 - "$doc" <<-\EOF &&
	import json, sys
	doc = sys.argv[1]
	rows = [l.split("|", 2) for l in open("rows").read().splitlines()]
	assert [(a, k) for a, k, _ in rows] == [("zhao.lei", "1"), ("qian.yu", "1")], rows
	p = [json.loads(x) for _, _, x in rows]
	assert [(x["doc"], x["rev"], x["how"]) for x in p] == [(doc, 1, "show"), (doc, 1, "export")], p
	EOF
	d -u song.yu audit --kind document.read >out &&
	test "$(grep -c "document.read" out)" = 2 &&
	grep "赵磊.*document.read.*$doc" out && grep "钱宇.*document.read.*$doc" out &&
	checked
'

test_expect_success 'a document changes only by the handler of a step that edits it' '
	o=$(cat o) && doc=$(cat doc) &&
	printf "各区县人民政府：\n请切实做好春季防火工作。\n" >body2.md &&
	denied "you do not handle request '\''关于做好春季防火工作的通知'\'' at a step that edits its documents: only its handler there changes them" \
		d -u wang.fang doc edit "$doc" --body-file body2.md &&
	test "$(last_refusal)" = "wang.fang document.saved $doc" &&
	# 高岩 is not involved: need to know, the refusal names the id he typed, not the title
	denied "you do not handle request '\''$o'\'' at a step that edits its documents: only its handler there changes them" \
		d -u gao.yan doc attach "$doc" body2.md &&
	d -u zhao.lei doc edit "$doc" --body-file body2.md >out 2>/dev/null && grep "saved $doc r2" out &&
	checked
'

test_expect_success 'a sign-off only by the person the sign step names' '
	o=$(cat o) && doc=$(cat doc) &&
	d -u zhao.lei approve "$o" -m 同意 >/dev/null &&
	denied "only 周敏 signs off document '\''$doc'\'': the sign step '\''秘书长签发'\'' of request '\''关于做好春季防火工作的通知'\'' names them" \
		d -u wang.fang doc signoff "$doc" &&
	test "$(last_refusal)" = "wang.fang document.approved $doc" &&
	denied "only 周敏 signs off document '\''$doc'\'': the sign step '\''秘书长签发'\'' of request '\''关于做好春季防火工作的通知'\'' names them" \
		d -u zhao.lei doc signoff "$doc" &&
	expect_exit 1 d -u nobody doc signoff "$doc" 2>err &&
	echo "docket: no user '\''nobody'\'' in the deployed organisation" >expect && test_cmp expect err &&
	d -u zhou.min approve "$o" -m 同意印发 >/dev/null &&
	checked
'

test_expect_success 'the attack: after the sign-off the clerk can neither change the text nor sign it herself' '
	o=$(cat o) && doc=$(cat doc) &&
	d --json -u zhou.min doc show "$doc" >before.json &&
	printf "各区县人民政府：\n（偷换的正文）\n" >evil.md &&
	denied "you do not handle request '\''关于做好春季防火工作的通知'\'' at a step that edits its documents: only its handler there changes them" \
		d -u wang.fang doc edit "$doc" --body-file evil.md &&
	denied "step '\''用印'\'' of request '\''关于做好春季防火工作的通知'\'' lets its handler read the documents, not change them" \
		d -u qian.yu doc edit "$doc" --body-file evil.md &&
	denied "only 周敏 signs off document '\''$doc'\'': the sign step '\''秘书长签发'\'' of request '\''关于做好春季防火工作的通知'\'' names them" \
		d -u wang.fang doc signoff "$doc" &&
	denied "only 周敏 signs off document '\''$doc'\'': the sign step '\''秘书长签发'\'' of request '\''关于做好春季防火工作的通知'\'' names them" \
		d -u qian.yu doc signoff "$doc" &&
	d --json -u zhou.min doc show "$doc" >after.json &&
	python3 -c "
import json
a, b = json.load(open(\"before.json\")), json.load(open(\"after.json\"))
assert a == b and a[\"rev\"] == 2 and a[\"signed_commit\"] == a[\"commit\"], (a, b)" &&
	d -u zhou.min doc signoff "$doc" >out && grep "^signed off $doc r2" out &&
	d -u qian.yu approve "$o" -m 已用印 >/dev/null &&
	checked
'

test_expect_success 'a document in no request is its drafter'\''s; it is signed off at a request only' '
	d -u wang.fang doc new --title 个人草稿 --body-file body.md >mine 2>/dev/null && m=$(cat mine) &&
	d -u wang.fang doc show "$m" >/dev/null &&
	denied "document '\''$m'\'' is in no request and is 王芳'\''s: only its drafter reads it" d -u zhao.lei doc show "$m" &&
	denied "document '\''$m'\'' is in no request and is 王芳'\''s: only its drafter changes it" \
		d -u zhao.lei doc edit "$m" --title 改 &&
	denied "document '\''$m'\'' is in no request: a document is signed off at its request'\''s sign step, by the person it names" \
		d -u zhou.min doc signoff "$m" &&
	d -u qian.yu doc show "$m" >/dev/null &&
	checked
'

test_expect_success 'replay agrees (the reads and refusals change no state)' '
	d check --repair >out 2>&1 && grep "state matches" out
'

test_done
