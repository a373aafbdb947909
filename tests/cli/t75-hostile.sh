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

test_expect_success 'a store with the shipped definitions' '
	docket -C s init >/dev/null &&
	docket -C s -u luo.bin deploy "$REPO/workflows" "$REPO/forms" "$REPO/themes" >/dev/null 2>&1
'

# The pattern made POSIX regcomp grow to 7 GB; under a 300 MB address
# space it must fail fast and say why (regcomp would say "Memory exhausted").
test_expect_success 'a form pattern built to exhaust memory: lint and deploy refuse it fast, in bounded memory' '
	cp "$REPO/tests/lint/bad/form-hostile-pattern.yaml" hostile.yaml &&
	( ulimit -v 300000 && expect_exit 1 timeout 20 "$DOCKET" -C s lint hostile.yaml >lint.out 2>/dev/null ) &&
	grep "^hostile.yaml:24:51: error: invalid pattern '\''((((a{1,100}){1,100}){1,100}){1,100})'\'': too complex: regular expression is too large" lint.out &&
	( ulimit -v 300000 && expect_exit 1 timeout 20 "$DOCKET" -C s -u luo.bin deploy hostile.yaml >deploy.out 2>&1 ) &&
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
	( ulimit -v 300000 && expect_exit 1 timeout 20 "$DOCKET" -C s -u zhang.wei new slow --set code=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab 2>new.err ) &&
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
		exec \"\$DOCKET\" -C s doc export $(cat id) --dir out" 2>export.err &&
	for v in victim-meta victim-body victim-tmp; do test "$(cat $v)" = ORIGINAL || { echo "$v overwritten"; exit 1; }; done &&
	test -f out/body.md && ! test -L out/body.md && test_cmp body.md out/body.md &&
	! test -L out/meta.json && grep -q 关于报送名单的通知 out/meta.json &&
	test_cmp 名单.txt out/attachments/名单.txt &&
	# no temporary file is left behind
	test -z "$(find out -name ".*" ! -name . | head -1)"
'

test_expect_success 'doc export --dir refuses an attachments directory that is a symbolic link' '
	mkdir elsewhere out2 && ln -s ../elsewhere out2/attachments &&
	expect_exit 1 docket -C s doc export "$(cat id)" --dir out2 2>err &&
	grep "out2/attachments'\'': it is not a directory (a symbolic link is not followed)" err &&
	test -z "$(ls elsewhere)"
'

test_expect_success 'doc export --text replaces a symbolic link at the target instead of writing through it' '
	echo ORIGINAL >victim-text && ln -s victim-text out.txt &&
	sh -c "ln -s victim-text out.txt.tmp.\$\$; exec \"\$DOCKET\" -C s doc export $(cat id) --text out.txt" &&
	test "$(cat victim-text)" = ORIGINAL &&
	! test -L out.txt && grep -q 关于报送名单的通知 out.txt
'

test_expect_success 'init refuses a documents.git planted as a symbolic link' '
	mkdir victim-dir && mkdir s3 && ln -s ../victim-dir s3/documents.git &&
	expect_exit 3 docket -C s3 init 2>err &&
	grep "is not a directory (a symbolic link is not followed)" err &&
	test -z "$(ls victim-dir)"
'

# Exit codes (doc/cli.md): 4 is for bugs. Each of these exited 4 or 2.
test_expect_success 'a pack without its index: a clear "damaged" error, exit 3 (was 4)' '
	cp -a s sd && id=$(cat id) &&
	for i in sd/documents.git/objects/pack/*.idx; do rm "$i"; done &&
	expect_exit 3 docket -C sd doc show "$id" >/dev/null 2>err &&
	grep "the document repository '\''sd/documents.git'\'' is damaged: commit '\''[0-9a-f]*'\'' cannot be read, and '\''pack-[0-9a-f]*.pack'\'' has no index (its .idx file is missing); restore documents.git from a backup, or rebuild the index with '\''git index-pack'\''" err &&
	expect_exit 3 docket -C sd -u wang.fang doc edit "$id" --title 新标题 2>err && grep "is damaged" err &&
	expect_exit 3 docket -C sd doc export "$id" --text - >/dev/null 2>err && grep "is damaged" err &&
	expect_exit 3 docket -C sd doc diff "$id" >/dev/null 2>err && grep "is damaged" err
'

test_expect_success 'a body over the size limit: refused with a clear message, exit 1 (was 2, or saved from stdin)' '
	docket -C s --json doc list >list.before &&
	head -c 16777217 /dev/zero | tr "\0" "a" >big.md &&
	expect_exit 1 docket -C s -u wang.fang doc new --title 大文件 --body-file big.md 2>err &&
	grep "^docket: the body in '\''big.md'\'' is over the limit of 16777216 bytes (16 MiB); nothing was saved$" err &&
	! grep usage: err &&
	expect_exit 1 docket -C s -u wang.fang doc new --title 大文件 --body-file - <big.md 2>err &&
	grep "the body in '\''standard input'\'' is over the limit" err &&
	expect_exit 1 docket -C s -u wang.fang doc edit "$(cat id)" --body-file big.md 2>err &&
	grep "over the limit" err &&
	docket -C s --json doc list >list.after && test_cmp list.before list.after &&
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
	DOCKET_NOW=2026-03-02T09:30:00+99:99 expect_exit 2 docket -C s doc list 2>err &&
	grep "DOCKET_NOW is not an ISO 8601 time" err &&
	test "$(sqlite3 s/docket.db "SELECT count(*) FROM events")" = "$n" &&
	DOCKET_NOW=2106-02-07T06:28:15Z docket -C s -u wang.fang doc new --title 最后一秒 --body-file body.md >late &&
	test "$(sgit log -1 --format=%at refs/docs/$(cat late))" = 4294967295
'

test_done
