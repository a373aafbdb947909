#!/bin/sh
# Hostile input and failing disks (issue 13): a form pattern built to
# exhaust memory, files planted where `doc export` writes, exit codes for
# a damaged repository, an oversized body and a clock out of range, and a
# document ref left ahead of SQLite by a crashed writer.
. "$TESTS_DIR/cli/lib.sh"
export DOCKET_SYNC=normal

# git on the store's repository
sgit() {
	git --git-dir=s/documents.git "$@"
}

# limit_memory: cap this subshell's address space at 300 MB, where the
# pattern below once took 7 GB. Not under AddressSanitizer, whose shadow
# memory reserves terabytes of address space up front (the limits are
# then checked by the time bound and the message only).
limit_memory() {
	ldd "$DOCKET" 2>/dev/null | grep -q libasan || ulimit -v 300000
}

test_expect_success 'a store with the shipped definitions' '
	signed_store s &&
	docket -C s -u luo.bin deploy "$REPO/workflows" "$REPO/forms" "$REPO/themes" >/dev/null 2>&1
'

# The pattern made POSIX regcomp grow to 7 GB; under a 300 MB address
# space it must fail fast and say why (regcomp would say "Memory exhausted").
test_expect_success 'a form pattern built to exhaust memory: lint and deploy refuse it fast, in bounded memory' '
	cp "$REPO/tests/lint/bad/form-hostile-pattern.yaml" hostile.yaml &&
	( limit_memory && expect_exit 1 timeout 20 "$DOCKET" -C s lint hostile.yaml >lint.out 2>/dev/null ) &&
	grep "^hostile.yaml:24:51: error: invalid pattern '\''((((a{1,100}){1,100}){1,100}){1,100})'\'': too complex: regular expression is too large" lint.out &&
	( limit_memory && expect_exit 1 timeout 20 "$DOCKET" -C s -u luo.bin deploy hostile.yaml >deploy.out 2>&1 ) &&
	grep "too complex" deploy.out &&
	! docket -C s definitions form test-hostile >/dev/null 2>&1
'

test_expect_success 'a pattern that backtracks without end stops at its limit: the answer is refused, quickly' '
	cat >slow.yaml <<-\EOT &&
	kind: form
	id: slow
	name: 回溯测试单
	fields:
	  - {id: code, label: 编码, type: text, required: true, pattern: "^(a+)+$"}
	EOT
	cat >slow-wf.yaml <<-\EOT &&
	kind: workflow
	id: slow
	name: 回溯测试
	form: slow
	steps:
	  - {id: review, name: 审核, assignees: [{department_head: applicant}]}
	EOT
	docket -C s lint slow.yaml slow-wf.yaml &&
	docket -C s -u luo.bin deploy slow.yaml slow-wf.yaml >/dev/null &&
	( limit_memory && expect_exit 1 timeout 20 "$DOCKET" -C s -u zhang.wei new slow --set code=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab 2>new.err ) &&
	grep "'\''编码'\'' cannot be checked: the form'\''s pattern is too complex for this text" new.err &&
	docket -C s -u zhang.wei new slow --set code=aaaa >/dev/null
'

test_expect_success 'doc export --dir writes nothing through symbolic links planted at the temporary and target names' '
	printf "正文第一段。\n" >body.md && printf "附件内容" >名单.txt &&
	docket -C s -u wang.fang doc new --title 关于报送名单的通知 --body-file body.md >id &&
	docket -C s -u wang.fang doc attach "$(cat id)" 名单.txt >/dev/null &&
	for v in victim-meta victim-body victim-tmp; do echo ORIGINAL >$v; done &&
	mkdir out &&
	ln -s ../victim-meta out/meta.json && ln -s ../victim-body out/body.md &&
	# the temporary names docket used before (PATH.tmp.PID): exec keeps the shell'\''s pid
	sh -c "for f in meta.json body.md; do ln -s ../victim-tmp out/\$f.tmp.\$\$; done;
		exec \"\$DOCKET\" -C s -u $RECORDS doc export $(cat id) --dir out" 2>export.err &&
	for v in victim-meta victim-body victim-tmp; do test "$(cat $v)" = ORIGINAL || { echo "$v overwritten"; exit 1; }; done &&
	test -f out/body.md && ! test -L out/body.md && test_cmp body.md out/body.md &&
	! test -L out/meta.json && grep -q 关于报送名单的通知 out/meta.json &&
	test_cmp 名单.txt out/attachments/名单.txt &&
	# no temporary file is left behind
	test -z "$(find out -name ".*" ! -name . | head -1)"
'

test_expect_success 'doc export --dir writes an attachment whose name is the longest allowed (255 bytes)' '
	long=$(python3 -c "print(\"名\" * 85)") && printf "长名附件" >"$long" &&
	docket -C s -u wang.fang doc attach "$(cat id)" "$long" >/dev/null &&
	docket -C s -u $RECORDS doc export "$(cat id)" --dir outlong 2>/dev/null &&
	test_cmp "$long" "outlong/attachments/$long"
'

test_expect_success 'doc export --dir refuses an attachments directory that is a symbolic link' '
	mkdir elsewhere out2 && ln -s ../elsewhere out2/attachments &&
	expect_exit 1 docket -C s -u $RECORDS doc export "$(cat id)" --dir out2 2>err &&
	grep "out2/attachments'\'': it is not a directory (a symbolic link is not followed)" err &&
	test -z "$(ls elsewhere)"
'

test_expect_success 'doc export --text replaces a symbolic link at the target instead of writing through it' '
	echo ORIGINAL >victim-text && ln -s victim-text out.txt &&
	sh -c "ln -s victim-text out.txt.tmp.\$\$; exec \"\$DOCKET\" -C s -u $RECORDS doc export $(cat id) --text out.txt" &&
	test "$(cat victim-text)" = ORIGINAL &&
	! test -L out.txt && grep -q 关于报送名单的通知 out.txt
'

test_expect_success 'init refuses a documents.git planted as a symbolic link' '
	mkdir victim-dir && mkdir s3 && ln -s ../victim-dir s3/documents.git &&
	expect_exit 3 docket -C s3 init 2>err &&
	grep "is not a directory (a symbolic link is not followed)" err &&
	test -z "$(ls victim-dir)"
'

test_expect_success 'a symbolic link in the store'\''s path is followed; docket.db as a link is refused' '
	mkdir -p real && ln -s real link &&
	docket -C link/s init >/dev/null 2>&1 &&
	docket -C link/s check >chk 2>&1 && grep "state matches" chk &&
	ln -s real/s slink && docket -C slink check >chk 2>&1 && grep "state matches" chk &&
	mkdir planted && ln -s ../real/s/docket.db planted/docket.db &&
	expect_exit 3 docket -C planted check 2>err &&
	grep "docket.db is a symbolic link, which docket does not follow" err
'

# Exit codes (doc/cli.md): 4 is for bugs. Each of these exited 4 or 2.
test_expect_success 'a pack without its index: a clear "damaged" error, exit 3 (was 4)' '
	cp -a s sd && id=$(cat id) &&
	for i in sd/documents.git/objects/pack/*.idx; do rm "$i"; done &&
	expect_exit 3 docket -C sd -u $RECORDS doc show "$id" >/dev/null 2>err &&
	grep "the document repository '\''sd/documents.git'\'' is damaged: commit '\''[0-9a-f]*'\'' cannot be read, and '\''pack-[0-9a-f]*.pack'\'' has no index (its .idx file is missing); restore documents.git from a backup, or rebuild the index with '\''git index-pack'\''" err &&
	expect_exit 3 docket -C sd -u wang.fang doc edit "$id" --title 新标题 2>err && grep "is damaged" err &&
	expect_exit 3 docket -C sd -u $RECORDS doc export "$id" --text - >/dev/null 2>err && grep "is damaged" err &&
	expect_exit 3 docket -C sd -u $RECORDS doc diff "$id" >/dev/null 2>err && grep "is damaged" err
'

test_expect_success 'a body over the size limit: refused with a clear message, exit 1 (was 2, or saved from stdin)' '
	docket -C s -u $RECORDS --json doc list >list.before &&
	head -c 16777217 /dev/zero | tr "\0" "a" >big.md &&
	expect_exit 1 docket -C s -u wang.fang doc new --title 大文件 --body-file big.md 2>err &&
	grep "^docket: the body in '\''big.md'\'' is over the limit of 16777216 bytes (16 MiB); nothing was saved$" err &&
	! grep usage: err &&
	expect_exit 1 docket -C s -u wang.fang doc new --title 大文件 --body-file - <big.md 2>err &&
	grep "the body in '\''standard input'\'' is over the limit" err &&
	expect_exit 1 docket -C s -u wang.fang doc edit "$(cat id)" --body-file big.md 2>err &&
	grep "over the limit" err &&
	docket -C s -u $RECORDS --json doc list >list.after && test_cmp list.before list.after &&
	head -c 16777216 /dev/zero | tr "\0" "b" >max.md &&
	docket -C s -u wang.fang doc new --title 刚好上限 --body-file max.md >/dev/null 2>&1
'

test_expect_success 'DOCKET_NOW out of range: a usage error up front, exit 2, nothing written (was 3 or a wrong git date)' '
	n=$(sqlite3 s/docket.db "SELECT count(*) FROM events") &&
	for now in 1969-12-31T23:59:59Z 0000-01-01T00:00:00Z 9999-12-31T23:59:59Z 2106-02-07T06:28:16Z; do
		DOCKET_NOW=$now expect_exit 2 docket -C s -u wang.fang doc new --title 时间 --body-file body.md 2>err &&
		grep "^docket: DOCKET_NOW is out of range: '\''$now'\'' (docket'\''s clock runs from 1970-01-01T00:00:00Z to 2106-02-07T06:28:15Z)$" err &&
		DOCKET_NOW=$now expect_exit 2 docket -C s -u zhang.wei new leave --set type=annual 2>err &&
		grep "out of range" err || exit 1
	done &&
	DOCKET_NOW=2026-03-02T09:30:00+99:99 expect_exit 2 docket -C s -u $RECORDS doc list 2>err &&
	grep "DOCKET_NOW is not an ISO 8601 time" err &&
	test "$(sqlite3 s/docket.db "SELECT count(*) FROM events")" = "$n" &&
	DOCKET_NOW=2106-02-07T06:28:15Z docket -C s -u wang.fang doc new --title 最后一秒 --body-file body.md >late &&
	test "$(sgit log -1 --format=%at refs/docs/$(cat late))" = 4294967295
'

# A crashed writer: the document's ref moved to a new commit, the SQLite
# transaction never committed. Made by hand here as such a writer leaves it.
export GIT_AUTHOR_NAME=crash GIT_AUTHOR_EMAIL=crash@docket.invalid \
	GIT_COMMITTER_NAME=crash GIT_COMMITTER_EMAIL=crash@docket.invalid
crash_ref() { # crash_ref ID: move refs/docs/ID one commit ahead of the store; prints the new commit
	c=$(sgit commit-tree "refs/docs/$1^{tree}" -p "refs/docs/$1" -m 修改) &&
	sgit update-ref "refs/docs/$1" "$c" && echo "$c"
}

test_expect_success 'check finds a ref left ahead of SQLite, even without the save marker, sets it back and fails' '
	id=$(cat id) && head=$(docket -C s -u $RECORDS --json doc show "$id" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"commit\"])") &&
	ahead=$(crash_ref "$id") && test "$ahead" != "$head" &&
	sgit update-ref refs/docs/zzzzzzzz "$ahead" &&
	expect_exit 1 docket -C s check >check.out 2>&1 &&
	grep "^check: document refs were not where the events put them (moved outside docket): set back, as said above$" check.out &&
	grep "^check: documents: refs/docs/$id pointed at $(echo $ahead | cut -c1-10), which the store never recorded (a save cut short): set back to its head $(echo $head | cut -c1-10)$" check.out &&
	grep "^check: documents: refs/docs/zzzzzzzz pointed at $(echo $ahead | cut -c1-10), a document the store never recorded (a new document cut short): removed$" check.out &&
	! grep "^check: event log intact" check.out &&
	test "$(sgit rev-parse refs/docs/$id)" = "$head" &&
	! sgit rev-parse -q --verify refs/docs/zzzzzzzz &&
	docket -C s check >again.out && ! grep "check: documents" again.out &&
	docket -C s --json check >check.json && python3 -c "import json; assert json.load(open(\"check.json\"))[\"documents_reconciled\"]==[]"
'

test_expect_success 'every writing command reconciles first after a crash (here deploy and tick, which never open documents)' '
	id=$(cat id) && head=$(sgit rev-parse refs/docs/$id) &&
	for cmd in "-u luo.bin deploy $REPO/themes" "tick"; do
		ahead=$(crash_ref "$id") &&
		: >s/documents.git/objects/pack/docket-saving &&
		docket -C s $cmd >/dev/null 2>err &&
		grep "^docket: note: refs/docs/$id pointed at $(echo $ahead | cut -c1-10), which the store never recorded (a save cut short): set back" err &&
		test "$(sgit rev-parse refs/docs/$id)" = "$head" &&
		test ! -e s/documents.git/objects/pack/docket-saving || exit 1
	done &&
	# a command that only reads definitions leaves the store as it is (it takes no lock);
	# the doc verbs all act as a signed-in person now (need to know), so they reconcile
	crash_ref "$id" >/dev/null && : >s/documents.git/objects/pack/docket-saving &&
	docket -C s definitions >/dev/null && test "$(sgit rev-parse refs/docs/$id)" != "$head" &&
	docket -C s check >/dev/null && test "$(sgit rev-parse refs/docs/$id)" = "$head" &&
	test ! -e s/documents.git/objects/pack/docket-saving
'

test_expect_success 'a save onto a ref moved outside docket (no marker) is refused with exit 3 and a pointer to check (was 4)' '
	id=$(cat id) && crash_ref "$id" >/dev/null &&
	expect_exit 3 docket -C s -u wang.fang doc edit "$id" --title 改后的标题 2>err &&
	grep "'\''refs/docs/$id'\'' is not where the store says the document is (it was moved outside docket); '\''docket check'\'' sets it back, then try again" err &&
	expect_exit 1 docket -C s check >/dev/null &&
	docket -C s check >/dev/null &&
	docket -C s -u wang.fang doc edit "$id" --title 改后的标题 >/dev/null
'

test_done
