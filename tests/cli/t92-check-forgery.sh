#!/bin/sh
# `docket check` against someone who can write the store's files: each
# case edits a copy of a signed store the way an attacker would (sqlite3,
# git, a hand-recomputed hash chain) and check must fail naming the first
# bad thing; a clean store passes and says what it proved and what it
# could not (doc/security.md, "What check proves").
. "$TESTS_DIR/cli/lib.sh"

# rechain DB: give every event the prev_hash and hash the chain expects
# (SM3, as anyone can compute them), after dropping the triggers that
# refuse UPDATE and DELETE on events: what an attacker does after editing
rechain() {
	python3 - "$1" <<-'EOF'
	import hashlib, sqlite3, sys
	db = sqlite3.connect(sys.argv[1])
	for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'").fetchall():
	    db.execute('DROP TRIGGER "%s"' % name)
	def ns(v):
	    if v is None:
	        return b"-,"
	    b = str(v).encode()
	    return str(len(b)).encode() + b":" + b + b","
	prev = "0" * 64
	rows = db.execute("SELECT seq, uuid, type, actor, on_behalf, def_version, made_at, base_seq, payload, key_id, sig FROM events ORDER BY seq").fetchall()
	for r in rows:
	    signed = r[10] is not None
	    b = ns("docket.event.2" if signed else "docket.event.1") + ns(prev) + b"".join(ns(v) for v in r[1:9])
	    if signed:
	        b += ns(r[9]) + ns(r[10])
	    h = hashlib.new("sm3", b).hexdigest()
	    db.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, h, r[0]))
	    prev = h
	db.commit()
	EOF
}
# q DIR SQL: run SQL on DIR's database with the events' triggers gone
q() {
	sqlite3 "$1/docket.db" "DROP TRIGGER IF EXISTS events_immutable_update; DROP TRIGGER IF EXISTS events_immutable_delete; $2"
}
sgit() { git --git-dir=s/documents.git "$@"; }

test_expect_success 'setup: a request whose document 赵磊 approved and 周敏 signed off' '
	signed_store s &&
	r=$(newreq wang.fang outgoing --draft --set doc_type=notice --set urgency=normal --set main_recipients=各区县人民政府 \
		--set title=关于做好春季防火工作的通知) && echo "$r" >r &&
	printf "各区县人民政府：\n请做好春季防火工作。\n" >body.md &&
	d -u wang.fang doc new --type 通知 --title 关于做好春季防火工作的通知 --body-file body.md \
		--instance "$r" >doc 2>/dev/null &&
	d -u wang.fang submit "$r" >/dev/null &&
	d -u zhao.lei approve "$r" -m 同意 >/dev/null &&
	d -u zhou.min approve "$r" -m 同意签发 >/dev/null &&
	test "$(sqlite3 s/docket.db "SELECT group_concat(kind) FROM doc_approvals")" = "approve,sign-off"
'

test_expect_success 'a clean store passes, saying what it proved and what it could not' '
	d check >out &&
	grep "^check: event log intact; [0-9]* signatures verified" out &&
	grep "^check: proven: every event is its actor'\''s, signed with the key they had then ([0-9]* signed; [0-9]* of the setup and [0-9]* of the system unsigned), in an unbroken chain of $(events)$" out &&
	grep "^check: proven: [0-9]* definition versions match their hashes and the events that deployed them$" out &&
	grep "^check: proven: the document revisions (1) and approvals (2) are the events'\'' own, with their commits intact$" out &&
	grep "^check: proven: the log still holds the head its witness recorded (event $(events), 2026-03-02 09:30)$" out &&
	grep "^check: not proven: that no events were cut off together with the witness (an older copy of it put back): only a server'\''s acknowledged head can show that$" out &&
	d --json check >out.json &&
	python3 -c "
import json; v = json.load(open(\"out.json\"))
assert v[\"ok\"] and v[\"failed\"] == [] and v[\"witness\"][\"verdict\"] == \"holds\", v
assert v[\"document_approvals\"] == 2 and v[\"definitions\"] > 10 and len(v[\"not_proven\"]) == 1, v"
'

test_expect_success 'an opinion edited and the chain recomputed by hand: the signature fails' '
	cp -a s x1 &&
	seq=$(sqlite3 x1/docket.db "SELECT seq FROM events WHERE type = '\''task.approved'\'' AND actor = '\''zhao.lei'\''") &&
	q x1 "UPDATE events SET payload = replace(payload, '\''同意'\'', '\''不同意'\'') WHERE seq = $seq" &&
	rechain x1/docket.db &&
	expect_exit 1 docket -C x1 check >out &&
	grep "^check: a signature does not hold at event $seq (task.approved by zhao.lei)" out &&
	! grep "event log intact" out
'

test_expect_success '--repair never makes a forged log valid: it refuses and changes nothing' '
	cp -a s x2 &&
	seq=$(sqlite3 x2/docket.db "SELECT seq FROM events WHERE type = '\''task.approved'\'' AND actor = '\''zhao.lei'\''") &&
	q x2 "UPDATE events SET payload = replace(payload, '\''同意'\'', '\''不同意'\'') WHERE seq = $seq" &&
	rechain x2/docket.db &&
	q x2 "DELETE FROM eng_trail" &&
	before=$(sqlite3 x2/docket.db "SELECT count(*) FROM eng_trail") &&
	expect_exit 1 docket -C x2 check --repair >out &&
	grep "^check: nothing was repaired: the event log itself does not verify, and a repair only rebuilds state from a log that does$" out &&
	test "$(sqlite3 x2/docket.db "SELECT count(*) FROM eng_trail")" = "$before"
'

test_expect_success 'a forged approval appended with a correct hash but no signature fails' '
	cp -a s x3 &&
	q x3 "INSERT INTO events (uuid, type, actor, on_behalf, def_version, made_at, base_seq, payload, prev_hash, hash)
	      SELECT '\''0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f'\'', type, '\''qian.yu'\'', on_behalf, def_version, made_at, base_seq,
	             payload, '\''x'\'', '\''x'\'' FROM events WHERE type = '\''task.approved'\'' AND actor = '\''zhou.min'\''" &&
	rechain x3/docket.db &&
	n=$(events_in x3) &&
	expect_exit 1 docket -C x3 check >out &&
	grep "^check: a signature does not hold at event $n (task.approved by qian.yu)" out
'

test_expect_success 'the last events deleted (the chain still holds): the witness shows they were cut off' '
	cp -a s x4 &&
	n=$(events_in x4) &&
	q x4 "DELETE FROM events WHERE seq > $((n - 3))" &&
	expect_exit 1 docket -C x4 check >out &&
	grep "^check: the log ends at event $((n - 3)), but its witness recorded event $n (2026-03-02 09:30): the last 3 events were cut off$" out &&
	! grep "event log intact" out
'

test_expect_success 'an event rewritten and the chain recomputed: not the event the witness recorded' '
	cp -a s x5 &&
	n=$(events_in x5) &&
	q x5 "DELETE FROM events WHERE seq = $n" && rechain x5/docket.db &&
	q x5 "INSERT INTO events (uuid, type, actor, made_at, base_seq, payload, prev_hash, hash)
	      VALUES ('\''1f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f'\'', '\''opinion.added'\'', '\''system'\'', '\''2026-03-02T01:30:00Z'\'', 0, '\''{}'\'', '\''x'\'', '\''x'\'')" &&
	rechain x5/docket.db &&
	expect_exit 1 docket -C x5 check >out &&
	grep "^check: event $n is not the one its witness recorded (2026-03-02 09:30): the log was rewritten up to there$" out
'

test_expect_success 'a witness behind the log (a docket that ended before writing it) passes and says so' '
	cp -a s x6 &&
	cp x6/witness old-witness &&
	docket -C x6 -u wang.fang opinions add 已阅 >/dev/null 2>&1 &&
	cp old-witness x6/witness &&
	docket -C x6 check >out &&
	grep "^check: proven: 1 events came after the witness" out &&
	rm x6/witness &&
	docket -C x6 check >out &&
	grep "^check: not proven: no witness of the log'\''s head ('\''x6/witness'\'' is missing or unreadable): cannot tell whether the last events were cut off$" out &&
	docket -C x6 -u wang.fang opinions add 请办理 >/dev/null 2>&1 &&
	docket -C x6 check >out && grep "^check: proven: the log still holds the head its witness recorded" out
'

test_expect_success 'a document ref moved by hand: check sets it back and fails' '
	cp -a s x7 &&
	doc=$(cat doc) && c=$(git --git-dir=x7/documents.git rev-parse "refs/docs/$doc") &&
	other=$(GIT_AUTHOR_NAME=x GIT_AUTHOR_EMAIL=x@x GIT_COMMITTER_NAME=x GIT_COMMITTER_EMAIL=x@x \
		git --git-dir=x7/documents.git commit-tree "$c^{tree}" -p "$c" -m 修改) &&
	git --git-dir=x7/documents.git update-ref "refs/docs/$doc" "$other" &&
	expect_exit 1 docket -C x7 check >out &&
	grep "^check: documents: refs/docs/$doc pointed at $(echo $other | cut -c1-10)" out &&
	grep "^check: document refs were not where the events put them (moved outside docket): set back, as said above$" out &&
	test "$(git --git-dir=x7/documents.git rev-parse "refs/docs/$doc")" = "$c"
'

test_expect_success 'a document rewritten (its rows and ref on another commit): no event made that revision' '
	cp -a s x8 &&
	doc=$(cat doc) && c=$(git --git-dir=x8/documents.git rev-parse "refs/docs/$doc") &&
	tree=$(printf "100644 blob %s\tbody.md\n" "$(echo 伪造 | git --git-dir=x8/documents.git hash-object -w --stdin)" |
		git --git-dir=x8/documents.git mktree) &&
	forged=$(GIT_AUTHOR_NAME=x GIT_AUTHOR_EMAIL=x@x GIT_COMMITTER_NAME=x GIT_COMMITTER_EMAIL=x@x \
		git --git-dir=x8/documents.git commit-tree "$tree" -m 起草) &&
	git --git-dir=x8/documents.git update-ref "refs/docs/$doc" "$forged" &&
	q x8 "UPDATE documents SET head = '\''$forged'\''; UPDATE doc_revisions SET commit_id = '\''$forged'\'';
	      UPDATE doc_approvals SET commit_id = '\''$forged'\''" &&
	expect_exit 1 docket -C x8 check >out &&
	grep "^check: document '\''$doc'\'' r1 (commit $(echo $forged | cut -c1-10)): no event of the log made this revision (its row was changed or inserted in the database)$" out
'

test_expect_success 'an approval row inserted by SQL: recorded by no event' '
	cp -a s x9 &&
	doc=$(cat doc) &&
	q x9 "INSERT INTO doc_approvals (docno, commit_id, rev, kind, actor, made_at, event_seq)
	      SELECT docno, commit_id, rev, '\''sign-off'\'', '\''li.ming'\'', made_at, event_seq FROM doc_approvals WHERE kind = '\''approve'\''" &&
	expect_exit 1 docket -C x9 check >out &&
	grep "^check: document '\''$doc'\'' r1: the sign-off by li.ming of commit [0-9a-f]\{10\} was recorded by no event of the log (its row was changed or inserted in the database)$" out
'

test_expect_success 'an approval row deleted by SQL: the event that recorded it names it' '
	cp -a s x10 &&
	q x10 "DELETE FROM doc_approvals WHERE kind = '\''sign-off'\''" &&
	expect_exit 1 docket -C x10 check >out &&
	grep "^check: event [0-9]* (document.approved by zhou.min): the approval it recorded is gone from the database$" out
'

test_expect_success 'a deployed definition edited in the database is named' '
	cp -a s x11 &&
	q x11 "UPDATE def_versions SET content = replace(content, '\''days'\'', '\''dayz'\'') WHERE kind = '\''form'\'' AND id = '\''leave'\''" &&
	expect_exit 1 docket -C x11 check >out &&
	grep "^check: the form '\''leave'\'' deployed as version [0-9]*: its content is not what its hash says (the definition was edited in the database)$" out
'

test_expect_success 'an event whose time goes back, on a production store, is named' '
	(unset DOCKET_NOW && docket -C p init >/dev/null && docket -C p -u luo.bin deploy "$REPO/workflows" "$REPO/forms" >/dev/null) &&
	n=$(events_in p) &&
	q p "UPDATE events SET made_at = '\''2020-01-01T00:00:00Z'\'' WHERE seq = $n" && rechain p/docket.db &&
	(unset DOCKET_NOW && expect_exit 1 docket -C p check >out) &&
	grep "^check: store '\''p'\'': the event log is broken at sequence $n: its time 2020-01-01T00:00:00Z is before the time of the event before it (" out
'

test_done
