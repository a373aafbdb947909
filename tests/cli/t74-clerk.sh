#!/bin/sh
# What a clerk does every day from the command line (issue 14): stand-ins
# listed and cancelled (a signed event the engine judges), named by the
# person's and the workflow's names; several tasks approved with one
# opinion, each its own event, a refusal of one leaving the others done.
. "$TESTS_DIR/cli/lib.sh"

leave() {
	newreq zhang.wei leave --set type=annual --set start=2026-03-03 --set end=2026-03-04 --set reason=探亲 "$@"
}
zh() { LANGUAGE=zh_CN LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 "$@"; }

test_expect_success 'setup: a store with the shipped definitions' '
	signed_store s
'

test_expect_success 'a stand-in named by the person'"'"'s and the workflow'"'"'s names, dates as typed' '
	d -u huang.wei standin 冯雪 --from 2026/3/2 --to 2026-3-6 --workflow 请假 >out &&
	grep "^stand-in '"'"'冯雪'"'"' recorded\$" out &&
	d -u huang.wei --json standin list >list.json &&
	python3 -c "
import json; a = json.load(open(\"list.json\"))
assert len(a) == 1, a
o = a[0]
assert (o[\"user\"], o[\"standin\"], o[\"standin_name\"], o[\"from\"], o[\"to\"], o[\"workflow\"], o[\"workflow_name\"]) == \
	(\"huang.wei\", \"feng.xue\", \"冯雪\", \"2026-03-02\", \"2026-03-06\", \"leave\", \"请假\"), o
assert len(o[\"id\"]) == 36, o
" &&
	r=$(leave) &&
	d -u feng.xue inbox | grep "$r.*(for 黄伟)\$" &&
	checked
'

test_expect_success 'standin list shows mine and those for me, in words under zh_CN, not ended ones only' '
	expect_exit 1 d -u huang.wei standin 黄伟 --from 2026-03-01 --to 2026-03-01 2>err &&
	d -u zhou.min standin feng.xue --from 2026-02-01 --to 2026-02-10 &&
	d -u huang.wei standin list >list &&
	id=$(cut -c1-8 list) &&
	printf "%s  2026-03-02 2026-03-06  黄伟: 冯雪 stands in  请假\n" "$id" >expect &&
	test_cmp expect list &&
	d -u feng.xue standin list >mine && test_cmp expect mine &&
	zh d -u huang.wei standin list >zh.list &&
	printf "%s  2026-03-02 2026-03-06  黄伟：由 冯雪 代理  请假\n" "$id" >expect &&
	test_cmp expect zh.list &&
	d -u zhang.wei standin list >none && echo "no stand-in" >expect && test_cmp expect none
'

test_expect_success 'only the person or a system administrator cancels; the stand-in gets no new task after' '
	id=$(d -u huang.wei standin list | cut -c1-8) &&
	n=$(events) &&
	expect_exit 1 d -u feng.xue standin cancel "$id" 2>err &&
	grep "only 黄伟 or a system administrator can cancel stand-in" err &&
	expect_exit 1 d -u huang.wei standin cancel zzzzzzzz 2>err &&
	grep "no stand-in '"'"'zzzzzzzz'"'"'" err &&
	test "$(events)" = "$n" &&
	d -u huang.wei standin cancel "$id" >out &&
	echo "stand-in '"'"'$id'"'"' cancelled" >expect && test_cmp expect out &&
	d -u huang.wei standin list | grep "^no stand-in\$" &&
	r=$(leave) &&
	d -u huang.wei inbox | grep "$r" &&
	! d -u feng.xue inbox | grep "$r" &&
	expect_exit 1 d -u huang.wei standin cancel "$id" 2>err &&
	grep "no stand-in" err &&
	checked
'

test_expect_success 'a system administrator cancels someone else'"'"'s stand-in; the security administrator may not' '
	d -u huang.wei standin feng.xue --from 2026-03-09 --to 2026-03-10 &&
	full=$(d -u huang.wei --json standin list | python3 -c "import json,sys; print(json.load(sys.stdin)[0][\"id\"])") &&
	d -u luo.bin --json standin list --all >all.json &&
	grep "$full" all.json &&
	expect_exit 1 d -u tang.xue standin cancel "$full" 2>err &&
	grep "or a system administrator can cancel" err &&
	d -u luo.bin --json standin cancel "$full" >out.json &&
	grep "\"ok\": true" out.json &&
	d -u huang.wei standin list | grep "^no stand-in\$" &&
	checked
'

test_expect_success 'approve several with one opinion: each its own event, a refusal leaves the others done' '
	r1=$(leave) && r2=$(leave) &&
	r3=$(newreq zhang.wei leave --set type=personal --set start=2026-03-05 --set end=2026-03-05 --set reason=办事) &&
	d -u huang.wei approve "$r3" -m 先批 >/dev/null &&
	n=$(events) &&
	expect_exit 1 d -u huang.wei approve "$r1" "$r3" "$r2" -m 同意 >out 2>err &&
	test "$(events)" = "$((n + 2))" &&
	test "$(grep -c "^approved task" out)" = 2 &&
	grep "^1 not done\|2 approved, 1 not done\$" out &&
	grep "^docket: $r3: " err &&
	d -u $RECORDS show "$r1" | grep "黄伟 *approved @部门负责人审批: 同意\$" &&
	d -u $RECORDS show "$r2" | grep "黄伟 *approved @部门负责人审批: 同意\$" &&
	checked
'

test_expect_success 'approve several: --json has a result per id; --uuid is refused' '
	r1=$(leave) && r2=$(leave) &&
	d -u huang.wei --json approve "$r1" "$r2" -m 同意 >out.json &&
	python3 -c "
import json,sys; a = json.load(open(\"out.json\"))
assert [x[\"id\"] for x in a] == sys.argv[1:] and all(x[\"ok\"] for x in a), a
" "$r1" "$r2" &&
	expect_exit 2 d -u huang.wei approve --uuid 11111111-2222-4333-8444-555555555555 "$r1" "$r2" -m 同意 2>err &&
	grep "each approval is its own action" err &&
	{ zh d -u huang.wei approve zzzzzz yyyyyy -m 同意 >zh.out 2>zh.err; test $? = 1; } &&
	echo "已同意 0 件，未能办理 2 件" >expect && test_cmp expect zh.out &&
	test "$(grep -c "^docket: [yz]\{6\}: " zh.err)" = 2
'

test_done
