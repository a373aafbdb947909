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

test_done
