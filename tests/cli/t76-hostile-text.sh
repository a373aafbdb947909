#!/bin/sh
# Hostile text (issue 13): control, C1 and bidirectional characters are
# refused where people type text and shown escaped wherever stored text
# reaches a terminal; classification markings are caught however they are
# written, in every text a person enters, and each refusal is audited;
# every text has a limit. doc/security.md, "Hostile text".
. "$TESTS_DIR/cli/lib.sh"
export DOCKET_SYNC=normal

sgit() {
	git --git-dir=s/documents.git "$@"
}

# raw BYTES...: the bytes (printf escapes) into a file named by the first argument
raw() {
	f=$1
	shift
	printf "$@" >"$f"
}

# no_raw FILE: FILE holds no ESC, CR, C1 (UTF-8 or raw 0x9b) or bidi control bytes
no_raw() {
	! LC_ALL=C grep -q "$(printf '[\033\r\233]')" "$1" &&
	! grep -q "$(printf '\302\233')" "$1" &&
	! grep -q "$(printf '\342\200\256')" "$1"
}

test_expect_success 'a store with the shipped definitions' '
	signed_store s &&
	docket -C s -u luo.bin deploy "$REPO/workflows" "$REPO/forms" "$REPO/themes" >/dev/null 2>&1
'

# --- terminal injection: refused on input ---------------------------------

test_expect_success 'a body with a carriage return is refused, naming the line and column' '
	raw cr.md "第一行\n正文\rFAKE\n" &&
	expect_exit 1 docket -C s -u wang.fang doc new --type 通知 --title 关于值班的通知 --body-file cr.md 2>err &&
	grep "the body contains a carriage return (U+000D) at line 2, column 3: only tab and newline may be used" err &&
	test "$(sqlite3 s/docket.db "SELECT count(*) FROM documents")" = 0
'

test_expect_success 'a body with a C1 control (U+009B) or a bidi override is refused' '
	raw c1.md "正文\302\2332J\n" &&
	expect_exit 1 docket -C s -u wang.fang doc new --type 通知 --title 关于值班的通知 --body-file c1.md 2>err &&
	grep "a C1 control character (U+009B) at line 1, column 3" err &&
	raw bidi.md "同意\342\200\256意同不\n" &&
	expect_exit 1 docket -C s -u wang.fang doc new --type 通知 --title 关于值班的通知 --body-file bidi.md 2>err &&
	grep "a bidirectional control (U+202E) at line 1, column 3" err &&
	raw raw9b.md "正文\2332J\n" &&
	expect_exit 1 docket -C s -u wang.fang doc new --type 通知 --title 关于值班的通知 --body-file raw9b.md 2>err &&
	grep "not valid UTF-8" err &&
	expect_exit 1 docket -C s -u wang.fang doc new --type 通知 --title "$(printf "标题\342\200\256")" 2>err &&
	grep "the title\|标题 contains a bidirectional control" err
'

test_expect_success 'a request title, a form text, an opinion and a common opinion with such characters are refused' '
	expect_exit 1 docket -C s -u zhang.wei new leave --set type=annual --set start=2026-03-03 --set end=2026-03-04 \
		--set reason="$(printf "探亲\rFAKE")" 2>err &&
	grep "contains a carriage return (U+000D) at line 1, column 3" err &&
	expect_exit 1 docket -C s -u zhang.wei new leave --set type=annual --set start=2026-03-03 --set end=2026-03-04 \
		--set reason=探亲 --title "$(printf "请假\342\200\256")" 2>err &&
	grep "the title contains a bidirectional control (U+202E)" err &&
	r=$(newreq zhang.wei leave --set type=annual --set start=2026-03-03 --set end=2026-03-04 --set reason=探亲) &&
	expect_exit 1 docket -C s -u huang.wei approve "$r" -m "$(printf "同意\033[2J")" 2>err &&
	grep "the opinion contains an escape character (U+001B)" err &&
	expect_exit 1 docket -C s -u huang.wei opinions add "$(printf "同意\302\233")" 2>err &&
	grep "the common opinion contains a C1 control character (U+0080\|U+009B)" err &&
	docket -C s -u huang.wei approve "$r" -m 同意 &&
	checked
'

# --- terminal injection: shown escaped -------------------------------------

# A document an older docket stored with a carriage return and an escape
# in its body: its commit is made with git and named as the head.
test_expect_success 'doc show, doc diff and doc export --text on a terminal show stored controls escaped' '
	printf "各单位：\n请做好值班工作。\n" >ok.md &&
	id=$(docket -C s -u wang.fang doc new --type 通知 --title 关于值班的通知 --body-file ok.md) &&
	# the revision planted on a copy: check (rightly) fails a store so forged
	cp -a s sf &&
	sgit() { git --git-dir=sf/documents.git "$@"; } &&
	c1=$(sgit rev-parse "refs/docs/$id") &&
	printf "各单位：\n正文\rFAKE\033[2J\342\200\256\n" >bad.md &&
	blob=$(sgit hash-object -w bad.md) &&
	tree=$(sgit ls-tree "$c1" | sed "s/[0-9a-f]\{40\}\tbody.md/$blob\tbody.md/" | sgit mktree) &&
	c2=$(echo 修改 | GIT_AUTHOR_NAME=old GIT_AUTHOR_EMAIL=old@x GIT_COMMITTER_NAME=old GIT_COMMITTER_EMAIL=old@x sgit commit-tree "$tree" -p "$c1") &&
	sgit update-ref "refs/docs/$id" "$c2" &&
	sqlite3 sf/docket.db "UPDATE documents SET head = '\''$c2'\'', revs = 2 WHERE id = '\''$id'\'';
		INSERT INTO doc_revisions (docno, rev, commit_id, author, made_at, action, needs_resign, event_seq)
		SELECT docno, 2, '\''$c2'\'', author, made_at, '\''修改'\'', 0, event_seq FROM doc_revisions WHERE docno = (SELECT docno FROM documents WHERE id = '\''$id'\'') AND rev = 1" &&
	docket -C sf -u wang.fang doc show "$id" >show.out &&
	no_raw show.out &&
	grep -F "正文\\x0dFAKE\\x1b[2J\\u202e" show.out &&
	docket -C sf -u wang.fang doc diff "$id" --color=always >diff.out &&
	no_raw_text() { sed "s/$(printf "\033")\[[0-9;]*m//g" "$1" >"$1.plain" && no_raw "$1.plain"; } &&
	no_raw_text diff.out &&
	grep -F "\\x0dFAKE\\x1b[2J\\u202e" diff.out.plain &&
	docket -C sf -u wang.fang doc export "$id" --text - >export.out &&
	grep -q "$(printf "\r")" export.out &&
	ptyrun -- "$DOCKET" -C sf -u wang.fang doc export "$id" --text - >pty.out &&
	grep -F "\\x0dFAKE" pty.out &&
	! grep -q "$(printf "\033")\[2J" pty.out
'

test_expect_success 'error messages and lint show what they echo escaped' '
	expect_exit 1 docket -C s -u wang.fang doc show "$(printf "abc\033[2J\r")" 2>err &&
	no_raw err && grep -F "abc\\x1b[2J\\x0d" err &&
	printf "kind: form\nid: inj\nname: 注入\n\"ti\342\200\256tle\": x\nfields:\n  - {id: a, label: 甲, type: text}\n" >inj.yaml &&
	expect_exit 1 docket -C s lint inj.yaml >lint.out 2>&1 &&
	no_raw lint.out && grep -F "ti\\u202etle" lint.out
'

test_expect_success 'a deployed definition is shown escaped on a terminal, as it is to a pipe' '
	printf "# \342\200\256 注释\nkind: form\nid: bidi\nname: 双向\nfields:\n  - {id: a, label: 甲, type: text}\n" >bidi.yaml &&
	docket -C s -u luo.bin deploy bidi.yaml >/dev/null 2>&1 &&
	docket -C s definitions form bidi >pipe.out && test_cmp bidi.yaml pipe.out &&
	ptyrun -- "$DOCKET" -C s definitions form bidi >pty.out &&
	grep -F "# \\u202e 注释" pty.out && no_raw pty.out
'

test_expect_success 'opinions list shows a stored common opinion escaped' '
	docket -C s -u huang.wei opinions add 拟同意 &&
	sqlite3 s/docket.db "UPDATE eng_opinions SET text = '\''拟同意'\'' || char(13) || '\''FAKE'\'' WHERE user = '\''huang.wei'\'' AND text = '\''拟同意'\''" &&
	docket -C s -u huang.wei opinions list >ops.out &&
	no_raw ops.out && grep -F "拟同意\\x0dFAKE" ops.out &&
	sqlite3 s/docket.db "UPDATE eng_opinions SET text = '\''拟同意'\'' WHERE user = '\''huang.wei'\'' AND text LIKE '\''%FAKE'\''" &&
	checked
'

# --- classification markings, however written --------------------------------

# refused_count: how many refusals of classified content the store recorded
refused_count() {
	sqlite3 s/docket.db "SELECT (SELECT count(*) FROM events WHERE type = 'document.refused') +
		(SELECT count(*) FROM events WHERE type = 'action.refused' AND json_extract(payload, '$.marking') IS NOT NULL)"
}

test_expect_success 'a document marked with invisible characters, traditional forms, look-alike stars, a label or a period is refused' '
	n0=$(refused_count) && k=0 &&
	for t in "机$(printf "\342\200\213")密★" "机$(printf "\342\201\240")密★" 機密★ 絕密★ 祕密★ \
		机密✶ 机密⭐ 机密∗ 机密✱ 机密﹡ 机密⋆ 机密⭑ 机密✩ 保密等级：机密 机密10年★ 絕密長期★; do
		printf "各单位：\n%s\n" "$t" >m.md &&
		expect_exit 1 docket -C s -u wang.fang doc new --type 通知 --title 关于值班的通知 --body-file m.md 2>err &&
		grep "classification marking" err && k=$((k + 1)) || { echo "accepted: $t"; return 1; }
	done &&
	test "$(refused_count)" = $((n0 + k)) &&
	expect_exit 1 docket -C s -u wang.fang doc new --type 通知 --title "關於某事（機密）" 2>err &&
	grep "the title carries the classification marking '\''机密'\''" err
'

test_expect_success 'prose that only looks like a marking is accepted' '
	printf "严禁在政务外网处理涉及国家秘密的信息。\n确保信息的机密性。\n保密等级很高的工作另行安排。\n机密10年的档案不在此列。\n" >prose.md &&
	docket -C s -u wang.fang doc new --type 通知 --title 关于保密工作的通知 --body-file prose.md >/dev/null
'

test_expect_success 'a request title, a form text, an opinion and a common opinion marked 绝密★长期 are refused and audited' '
	n0=$(refused_count) &&
	expect_exit 1 docket -C s -u zhang.wei new leave --set type=annual --set start=2026-03-03 --set end=2026-03-04 \
		--set reason=探亲 --title "请假 绝密★长期" 2>err &&
	grep "refused: the title carries the classification marking '\''绝密'\'' (line 1); this network is not for classified content, nothing was saved and the attempt was recorded" err &&
	expect_exit 1 docket -C s -u zhang.wei new leave --set type=annual --set start=2026-03-03 --set end=2026-03-04 \
		--set reason="绝密★长期" 2>err &&
	grep "refused: the field '\''请假事由\|refused: the field '\''.*'\'' carries the classification marking '\''绝密'\''" err &&
	r=$(newreq zhang.wei leave --set type=annual --set start=2026-03-03 --set end=2026-03-04 --set reason=探亲) &&
	expect_exit 1 docket -C s -u huang.wei approve "$r" -m "同意。絕密★長期" 2>err &&
	grep "refused: the opinion carries the classification marking '\''绝密'\''" err &&
	expect_exit 1 docket -C s -u huang.wei opinions add "绝密★长期" 2>err &&
	grep "refused: the common opinion carries the classification marking" err &&
	expect_exit 1 docket -C s -u zhang.wei withdraw "$r" -m "机密10年★" 2>err &&
	grep "classification marking" err &&
	test "$(refused_count)" = $((n0 + 5)) &&
	sqlite3 s/docket.db "SELECT json_extract(payload, '\''$.marking'\'') FROM events WHERE type = '\''action.refused'\'' ORDER BY seq DESC LIMIT 1" >m &&
	echo 机密 >m.want && test_cmp m.want m &&
	! sqlite3 s/docket.db "SELECT payload FROM events" | grep -q "长期" &&
	docket -C s -u huang.wei approve "$r" -m 同意 &&
	checked
'

# --- limits ----------------------------------------------------------------

# chars N C: C repeated N times
chars() {
	python3 -c "import sys; print(sys.argv[2] * int(sys.argv[1]), end=\"\")" "$1" "$2"
}

test_expect_success 'every text a person enters has a limit, enforced with a clear error' '
	r=$(newreq zhang.wei leave --set type=annual --set start=2026-03-03 --set end=2026-03-04 --set reason=探亲) &&
	expect_exit 1 docket -C s -u huang.wei approve "$r" -m "$(chars 2001 同)" 2>err &&
	grep "the opinion is 2001 characters long, over the limit of 2000" err &&
	expect_exit 1 docket -C s -u zhang.wei new leave --set type=annual --set start=2026-03-03 --set end=2026-03-04 \
		--set reason=探亲 --title "$(chars 201 请)" 2>err &&
	grep "the title is 201 characters long, over the limit of 200" err &&
	expect_exit 1 docket -C s -u huang.wei opinions add "$(chars 201 好)" 2>err &&
	grep "the common opinion is 201 characters long, over the limit of 200" err &&
	expect_exit 1 docket -C s -u zhang.wei new leave --set type=annual --set start=2026-03-03 --set end=2026-03-04 \
		--set reason="$(chars 10001 亲)" 2>err &&
	grep "is 10001 characters long, over the limit of 10000" err &&
	expect_exit 1 docket -C s -u wang.fang doc new --type 通知 --title "$(chars 1001 通)" 2>err &&
	grep "标题 is 1001 characters long, over the limit of 1000" err &&
	docket -C s -u wang.fang doc new --type 通知 --title "$(chars 1000 通)" >/dev/null &&
	docket -C s -u huang.wei approve "$r" -m "$(chars 2000 同)" &&
	docket -C s -u huang.wei opinions add "$(chars 200 好)" &&
	checked
'

test_done
