#!/bin/sh
# docket doc: documents with their history in git — round trips, the editor,
# diffs, attachments, restore, export, search, refused classified content,
# kill -9 during saves, and two processes saving at once. The real git CLI
# reads the repository after every scenario that writes.
. "$TESTS_DIR/cli/lib.sh"
export DOCKET_SYNC=normal COLUMNS=80

# git on the store's repository
sgit() {
	git --git-dir=s/documents.git "$@"
}

# fsck must be clean (exit 0, no error or warning lines)
fsck_clean() {
	sgit fsck --strict >fsck.out 2>&1 || { cat fsck.out; return 1; }
	! grep -v -e '^notice:' -e '^Checking' -e '^dangling' fsck.out | grep .
}

# the ref of every document equals its head in SQLite
refs_match_sqlite() {
	docket -C s -u $RECORDS --json doc list >list.json &&
	python3 - <<'EOF'
import json, subprocess
for d in json.load(open("list.json")):
    ref = subprocess.run(["git", "--git-dir=s/documents.git", "rev-parse", "refs/docs/" + d["id"]],
                         capture_output=True, text=True).stdout.strip()
    assert ref == d["head"], (d["id"], ref, d["head"])
    n = int(subprocess.run(["git", "--git-dir=s/documents.git", "rev-list", "--count", "refs/docs/" + d["id"]],
                           capture_output=True, text=True).stdout)
    assert n == d["revs"], (d["id"], n, d["revs"])
refs = subprocess.run(["git", "--git-dir=s/documents.git", "for-each-ref", "--format=%(refname)", "refs/docs"],
                      capture_output=True, text=True).stdout.split()
assert len(refs) == len(json.load(open("list.json"))), refs
EOF
}

test_expect_success 'doc new stores a Chinese document as r1, readable by git' '
	signed_store s &&
	printf "各区、各部门：\n现将有关事项通知如下。\n本通知自印发之日起施行。\n" >body.md &&
	docket -C s -u wang.fang doc new --title "关于做好2026年春节假期值班工作的通知" \
		--body-file body.md --organ 市财政局 --number "市财发〔2026〕12号" --urgency 加急 >id 2>err &&
	id=$(cat id) && test ${#id} = 8 &&
	grep "created document $id r1" err &&
	docket -C s -u $RECORDS doc show "$id" >show &&
	grep "^发文字号: 市财发〔2026〕12号$" show &&
	LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 docket -C s -u $RECORDS doc show "$id" | grep "^发文字号：市财发〔2026〕12号$" &&
	grep "^本通知自印发之日起施行。$" show &&
	sgit log --format="%an <%ae> %s" refs/docs/$id >log &&
	test "$(cat log)" = "wang.fang <wang.fang@docket.invalid> 起草" &&
	sgit show refs/docs/$id:body.md | grep -q 各区 &&
	sgit ls-tree --name-only refs/docs/$id >tree && printf "body.md\nmeta.json\n" >want && test_cmp want tree &&
	fsck_clean
'

test_expect_success 'a unique id prefix works; an unknown one fails clearly' '
	id=$(cat id) &&
	docket -C s -u $RECORDS doc show "$(echo $id | cut -c1-3)" | grep -q 值班 &&
	expect_exit 1 docket -C s -u $RECORDS doc show zzzz 2>err &&
	grep "no document '\''zzzz'\''" err
'

test_expect_success 'doc edit opens $EDITOR on the header and the body' '
	id=$(cat id) &&
	cat >ed.sh <<-\EOF &&
	#!/bin/sh
	sed -i -e "s/本通知/本决定/" -e "s/^%% 签发人:.*/%% 签发人: 张局长/" "$1"
	EOF
	chmod +x ed.sh &&
	EDITOR=./ed.sh VISUAL= docket -C s -u wang.fang doc edit "$id" >out &&
	grep "^saved $id r2$" out &&
	docket -C s -u $RECORDS doc show "$id@r2" >show &&
	grep "^签发人: 张局长$" show && grep "^本决定自印发之日起施行。$" show &&
	EDITOR=true VISUAL= docket -C s -u wang.fang doc edit "$id" 2>err &&
	grep "no changes" err
'

test_expect_success 'a broken header keeps the text and saves nothing' '
	id=$(cat id) &&
	printf "#!/bin/sh\nsed -i \"1s/.*/%%%% 不存在: x/\" \"\$1\"\n" >bad.sh && chmod +x bad.sh &&
	expect_exit 1 env EDITOR=./bad.sh VISUAL= "$DOCKET" -C s -u wang.fang doc edit "$id" 2>err &&
	grep "unknown element" err && grep "nothing was saved" err &&
	test "$(sgit rev-list --count refs/docs/$id)" = 2
'

test_expect_success 'doc log lists the revisions; --json too' '
	id=$(cat id) &&
	docket -C s -u $RECORDS doc log "$id" >log &&
	grep "^r1 .* 王芳 .*起草$" log && grep "^r2 .* 王芳 .*修改$" log &&
	docket -C s -u $RECORDS --json doc log "$id" >log.json &&
	python3 -c "import json; v=json.load(open(\"log.json\")); assert [r[\"rev\"] for r in v]==[1,2] and v[1][\"author\"]==\"wang.fang\""
'

test_expect_success 'doc diff marks changed characters inside a line' '
	id=$(cat id) &&
	docket -C s -u $RECORDS doc diff "$id" >diff &&
	grep -F -- "-本[-通知-]自印发之日起施行。" diff &&
	grep -F -- "+本{+决定+}自印发之日起施行。" diff &&
	grep -F -- "+签发人：张局长" diff &&
	docket -C s -u $RECORDS doc diff "$id" r1 r2 >diff2 && test_cmp diff diff2 &&
	docket -C s -u $RECORDS doc diff "$id" --color=always >color &&
	grep -q "$(printf "\033")\[1;7;32m决定" color
'

test_expect_success 'doc diff --side-by-side is measured in columns' '
	id=$(cat id) &&
	docket -C s -u $RECORDS doc diff "$id" --side-by-side --width 60 >sbs &&
	grep -F "本[-通知-]自印发之日起施行。 | 本{+决定+}自印发之日起施行。" sbs &&
	python3 -c "
import unicodedata
for l in open(\"sbs\", encoding=\"utf-8\"):
    w = sum(2 if unicodedata.east_asian_width(c) in \"WF\" else 1 for c in l.rstrip(\"\n\"))
    assert w <= 60, (w, l)
"
'

test_expect_success 'doc attach and detach binary files; export gives them back' '
	id=$(cat id) &&
	head -c 5000 /dev/urandom >附件1.bin && printf "%%PDF-1.4\n" >"值班 表.pdf" &&
	docket -C s -u wang.fang doc attach "$id" 附件1.bin "值班 表.pdf" >out &&
	grep "^saved $id r3$" out &&
	sgit log -1 --format=%s refs/docs/$id | grep -qx "添加附件 附件1.bin、值班 表.pdf" &&
	docket -C s -u $RECORDS doc export "$id" --dir ex 2>/dev/null &&
	cmp ex/attachments/附件1.bin 附件1.bin && cmp "ex/attachments/值班 表.pdf" "值班 表.pdf" &&
	grep -q "市财发〔2026〕12号" ex/meta.json &&
	docket -C s -u wang.fang doc detach "$id" "值班 表.pdf" >out &&
	grep "^saved $id r4$" out &&
	sgit -c core.quotePath=false ls-tree --name-only refs/docs/$id:attachments >att && test "$(cat att)" = 附件1.bin &&
	expect_exit 1 docket -C s -u wang.fang doc detach "$id" nosuch 2>err && grep "no attachment" err &&
	expect_exit 1 env DOCKET_ATTACH_MAX=100 "$DOCKET" -C s -u wang.fang doc attach "$id" 附件1.bin 2>err &&
	grep "over the limit" err &&
	fsck_clean
'

test_expect_success 'doc restore makes a new revision equal to an old one' '
	id=$(cat id) &&
	docket -C s -u wang.fang doc restore "$id" r1 >out &&
	grep "^saved $id r5$" out &&
	test "$(sgit rev-parse refs/docs/$id^{tree})" = "$(sgit rev-parse refs/docs/$id~4^{tree})" &&
	test "$(sgit rev-list --count refs/docs/$id)" = 5 &&
	sgit log -1 --format=%s refs/docs/$id | grep -qx "恢复到 r1" &&
	docket -C s -u wang.fang doc restore "$id" r5 2>err && grep "no changes" err
'

test_expect_success 'doc export --text lays the document out in GB/T 9704 order' '
	id=$(cat id) &&
	docket -C s -u $RECORDS doc export "$id@r2" --text out.txt &&
	grep -n "" out.txt >numbered &&
	l1=$(grep -n "^紧急程度：加急" out.txt | cut -d: -f1) &&
	l2=$(grep -n "^市财发〔2026〕12号" out.txt | cut -d: -f1) &&
	l3=$(grep -n "^关于做好2026年春节假期值班工作的通知$" out.txt | cut -d: -f1) &&
	l4=$(grep -n "^本决定" out.txt | cut -d: -f1) &&
	test "$l1" -lt "$l2" && test "$l2" -lt "$l3" && test "$l3" -lt "$l4"
'

test_expect_success 'doc search finds Chinese substrings in titles, bodies and metadata' '
	printf "请各单位于3月5日前报送预算执行情况。\n" >b2.md &&
	docket -C s -u wang.fang doc new --type 函 --title "关于报送预算执行情况的函" --body-file b2.md >id2 &&
	docket -C s -u $RECORDS doc search 春节假期 >hits && grep -q "$(cat id)" hits && ! grep -q "$(cat id2)" hits &&
	docket -C s -u $RECORDS --json doc search 执行情况 >hits.json &&
	python3 -c "import json; v=json.load(open(\"hits.json\")); assert len(v)==1 and v[0][\"type\"]==\"函\", v" &&
	docket -C s -u $RECORDS doc search 〔2026〕12 | grep -q "$(cat id)" &&
	docket -C s -u $RECORDS --json doc search 预算 >two.json &&
	python3 -c "import json; assert len(json.load(open(\"two.json\")))==1" &&
	docket -C s -u $RECORDS --json doc search 函 >one.json &&
	python3 -c "import json; assert len(json.load(open(\"one.json\")))==1"
'

test_expect_success 'doc list --json shows every document' '
	docket -C s -u $RECORDS --json doc list >list.json &&
	python3 -c "import json; v=json.load(open(\"list.json\")); assert len(v)==2 and {d[\"type\"] for d in v}=={\"通知\",\"函\"}" &&
	docket -C s -u $RECORDS doc list | grep -q "关于报送预算执行情况的函" &&
	refs_match_sqlite
'

test_expect_success 'classified content is refused, audited, and nothing is written' '
	id=$(cat id) &&
	sgit count-objects -v >objs.before && docket -C s -u $RECORDS --json doc list >list.before &&
	expect_exit 1 docket -C s -u wang.fang doc new --title "机密★10年 关于某事的通知" 2>err &&
	grep "classification marking '\''机密'\''" err && grep "nothing was saved" err &&
	printf "第一段\n秘密★1年\n" >secret.md &&
	expect_exit 1 docket -C s -u wang.fang doc edit "$id" --body-file secret.md 2>err &&
	grep "the body carries" err &&
	echo x >"绝密-名单.txt" &&
	expect_exit 1 docket -C s -u wang.fang doc attach "$id" "绝密-名单.txt" 2>err &&
	grep "an attachment name carries" err &&
	sgit count-objects -v >objs.after && test_cmp objs.before objs.after &&
	docket -C s -u $RECORDS --json doc list >list.after && test_cmp list.before list.after &&
	test "$(sqlite3 s/docket.db "SELECT count(*) FROM events WHERE type = '\''document.refused'\''")" = 3 &&
	! sqlite3 s/docket.db "SELECT payload FROM events WHERE type = '\''document.refused'\''" | grep -q 关于 &&
	docket -C s -u wang.fang doc new --title "关于加强国家秘密保护和信息机密性工作的通知" >/dev/null
'

test_expect_success 'kill -9 right after the ref moved: the next open rolls it back' '
	id=$(cat id) && before=$(sgit rev-parse refs/docs/$id) &&
	echo "新的一版" >b3.md &&
	DOCKET_TEST_CRASH=after-ref docket -C s -u wang.fang doc edit "$id" --body-file b3.md; test $? -ne 0 &&
	test "$(sgit rev-parse refs/docs/$id)" != "$before" &&
	test -f s/documents.git/objects/pack/docket-saving &&
	docket -C s -u wang.fang doc edit "$id" --title "关于做好2026年春节假期值班工作的通知（修订）" >/dev/null &&
	test ! -f s/documents.git/objects/pack/docket-saving &&
	test "$(sgit rev-parse refs/docs/$id~1)" = "$before" &&
	DOCKET_TEST_CRASH=after-pack docket -C s -u wang.fang doc edit "$id" --body-file b3.md; test $? -ne 0 &&
	docket -C s -u wang.fang doc list >/dev/null && refs_match_sqlite && fsck_clean
'

test_expect_success 'kill -9 at random moments during a save loop leaves git and SQLite consistent' '
	id=$(cat id)
	( i=0; while :; do i=$((i+1)); echo "第$i版" >loop.md;
	  docket -C s -u wang.fang doc edit "$id" --body-file loop.md >/dev/null 2>>loop.err; done ) &
	loop=$!
	for k in 1 2 3 4 5 6 7 8 9 10 11 12; do
		sleep 0.$((k % 3 + 1));
		for p in $(ps -o pid= --ppid $loop); do kill -9 $p 2>/dev/null; done;
	done;
	kill $loop; wait $loop 2>/dev/null;
	sleep 0.2;
	docket -C s -u wang.fang doc edit "$id" --title "收尾" >/dev/null &&
	refs_match_sqlite && fsck_clean &&
	docket -C s -u $RECORDS doc log "$id" >/dev/null &&
	test $(ls s/documents.git/objects/pack | grep -vc -e "\.pack$" -e "\.idx$") = 0
'

test_expect_success 'a pack roll-up killed after a save left temporary files: the next save sweeps them' '
	id=$(cat id) &&
	# what libgit2 leaves when killed while writing a pack, with no save marker
	printf "partial" >s/documents.git/objects/pack/pack_git2_a1b2c3 &&
	printf "partial" >s/documents.git/objects/pack/tmp_pack_XyZ123 &&
	echo "扫尾" >sweep.md &&
	docket -C s -u wang.fang doc edit "$id" --body-file sweep.md >/dev/null &&
	test $(ls s/documents.git/objects/pack | grep -vc -e "\.pack$" -e "\.idx$") = 0 &&
	refs_match_sqlite && fsck_clean
'

test_expect_success 'two processes saving at once never see a git lock error' '
	id=$(cat id) id2=$(cat id2)
	( for i in $(seq 1 25); do echo "甲$i" >a$i.md; docket -C s -u wang.fang doc edit "$id" --body-file a$i.md || echo "fail $?"; done ) >a.out 2>a.err &
	pa=$!
	( for i in $(seq 1 25); do echo "乙$i" >b$i.md; docket -C s -u wang.fang doc edit "$id2" --body-file b$i.md || echo "fail $?"; done ) >b.out 2>b.err &
	pb=$!
	( for i in $(seq 1 25); do echo "丙$i" >c$i.md; docket -C s -u wang.fang doc edit "$id" --body-file c$i.md || echo "fail $?"; done ) >c.out 2>c.err &
	pc=$!
	wait $pa && wait $pb && wait $pc &&
	! grep -i -e lock -e busy a.err b.err c.err &&
	test $(grep -c "^saved" b.out) = 25 &&
	# the two writers of one document only ever meet "changed meanwhile", never a failure of the store
	! grep -v "changed meanwhile" a.err c.err | grep . &&
	refs_match_sqlite && fsck_clean &&
	test $(ls s/documents.git/objects/pack | grep -c "\.pack$") -le 9
'

test_expect_success 'doc attach and detach are recorded as their own events, without content' '
	id2=$(cat id2) &&
	printf "SECRET-BYTES" >件.bin &&
	docket -C s -u wang.fang doc attach "$id2" 件.bin >/dev/null &&
	docket -C s -u wang.fang doc detach "$id2" 件.bin >/dev/null &&
	sqlite3 s/docket.db "SELECT payload FROM events WHERE type = '\''document.attached'\'' ORDER BY seq DESC LIMIT 1" >att.json &&
	python3 -c "import json; p=json.load(open(\"att.json\")); a=p[\"attachments\"][0]; assert a[\"name\"]==\"件.bin\" and a[\"size\"]==12 and len(a[\"blob\"])==40, p" &&
	test "$(sqlite3 s/docket.db "SELECT json_extract(payload, '\''$.attachments[0].blob'\'') FROM events WHERE type = '\''document.detached'\'' ORDER BY seq DESC LIMIT 1")" = "$(git hash-object 件.bin)" &&
	! sqlite3 s/docket.db "SELECT payload FROM events" | grep -q SECRET-BYTES
'

test_expect_success 'doc signoff of a document in no request is refused (exit 5): the sign step of a request signs' '
	id2=$(cat id2) &&
	n=$(sqlite3 s/docket.db "SELECT count(*) FROM doc_approvals") &&
	expect_exit 5 docket -C s -u zhou.min doc signoff "$id2" >out 2>err &&
	echo "docket: document '\''$id2'\'' is in no request: a document is signed off at its request'\''s sign step, by the person it names" >expect &&
	test_cmp expect err && test_cmp /dev/null out &&
	test "$(sqlite3 s/docket.db "SELECT count(*) FROM doc_approvals")" = "$n" &&
	docket -C s -u $RECORDS --json doc show "$id2" >show.json &&
	python3 -c "import json; v=json.load(open(\"show.json\")); assert v[\"signed_commit\"] is None, v" &&
	expect_exit 1 docket -C s -u zhou.min doc signoff "$id2" r99 2>err && grep "no revision" err &&
	fsck_clean
'

test_done
