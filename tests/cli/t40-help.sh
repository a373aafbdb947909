#!/bin/sh
# help, version, usage errors and exit codes; Chinese under zh_CN.
. "$TESTS_DIR/cli/lib.sh"

test_expect_success 'version' '
	docket --version | grep "^docket [0-9]"
'

test_expect_success 'help lists every verb' '
	docket help >out &&
	for v in init lint deploy definitions help; do grep "^  $v " out || exit 1; done
'

test_expect_success 'help VERB shows its usage' '
	docket help deploy >out && grep "^usage: docket deploy" out
'

test_expect_success 'VERB --help and a lone VERB -h are help VERB (exit 0), for every verb' '
	docket help >list &&
	for v in $(sed -n "s/^  \([a-z]*\) .*/\1/p" list); do
		docket help $v >want || exit 1
		docket $v --help >got && test_cmp want got || exit 1
		docket $v -h >got && test_cmp want got || exit 1
	done &&
	docket approve x --help >got && docket help approve >want && test_cmp want got &&
	docket doc edit --help >got && docket help doc >want && test_cmp want got &&
	expect_exit 2 docket approve x -h 2>err && grep "unknown option '\''-h'\'' for '\''approve'\''" err
'

test_expect_success 'an unknown verb is a usage error (exit 2)' '
	expect_exit 2 docket frobnicate 2>err && grep "unknown verb '\''frobnicate'\''" err
'

test_expect_success 'an unknown option is a usage error (exit 2)' '
	expect_exit 2 docket --frob 2>err && grep "unknown option" err &&
	docket -C s init >/dev/null &&
	expect_exit 2 docket -C s definitions --frob 2>err
'

test_expect_success 'an unknown option of a verb: the error and the usage, once each' '
	for v in "definitions" "lint" "approve x" "submit x" "edit x" "new leave" "inbox" "doc list" "init"; do
		expect_exit 2 docket -C s $v --frob 2>err || exit 1
		test "$(grep -c "unknown option '\''--frob'\''" err)" = 1 &&
		test "$(grep -c "^usage: docket" err)" = 1 || { cat err; exit 1; }
	done
'

test_expect_success 'no verb and no terminal explains itself (exit 2)' '
	expect_exit 2 docket </dev/null >/dev/null 2>err && grep "not on a terminal" err
'

test_expect_success 'messages are in Chinese under zh_CN' '
	LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 expect_exit 2 docket frobnicate 2>err &&
	grep "未知" err
'

test_expect_success 'lint messages are in Chinese under zh_CN, positions unchanged' '
	printf "kind: form\nid: f\nname: 表\nfields:\n  - {id: a, label: 甲, type: text, colour: red}\n" >f.yaml &&
	LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 expect_exit 1 docket lint f.yaml >out 2>/dev/null &&
	grep "^f.yaml:5:[0-9]*: 错误: " out
'
test_done
