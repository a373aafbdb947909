#!/bin/sh
# Changing a request without submitting it (docket edit, instance.updated):
# a draft, a request returned to its applicant, a withdrawn one; only by
# the applicant; every field error listed and nothing written; computed
# fields computed again; `docket check` after each case.
. "$TESTS_DIR/cli/lib.sh"

# zhang.wei's two-day annual leave (ARGS: more options for `docket new`); prints its id
leave_req() {
	newreq zhang.wei leave --set type=annual --set start=2026-03-03 --set end=2026-03-04 --set reason=探亲 "$@"
}

test_expect_success 'setup: a store with the shipped definitions' '
	signed_store s &&
	docket -C s -u luo.bin deploy "$REPO/workflows" "$REPO/forms" >/dev/null 2>&1
'

test_expect_success 'a draft is changed and stays a draft; computed fields follow' '
	r=$(leave_req --draft) &&
	test "$(field "$r" fields.days)" = 2 &&
	d -u zhang.wei edit "$r" --set end=2026-03-06 --set reason=回家探亲 --set handover=feng.xue --title "年假 - 张伟" >out &&
	echo "changed request '\''$r'\''" >expect && test_cmp expect out &&
	test "$(field "$r" state)" = draft &&
	test "$(field "$r" title)" = "年假 - 张伟" &&
	test "$(field "$r" fields.reason)" = 回家探亲 &&
	test "$(field "$r" fields.days)" = 4 &&
	d -u $RECORDS --json show "$r" | python3 -c "
import json, sys
o = json.load(sys.stdin)
assert [t[\"action\"] for t in o[\"trail\"]] == [\"drafted\", \"edited\"], o[\"trail\"]
assert o[\"tasks\"] == [], o[\"tasks\"]" &&
	d -u huang.wei inbox --json >inbox && test "$(cat inbox)" = "[]" &&
	checked
'

test_expect_success 'bad values: every field error, exit 1, nothing written' '
	r=$(leave_req --draft) &&
	n=$(events) &&
	expect_exit 1 d -u zhang.wei edit "$r" --set start=明天 --set type=nosuch 2>err &&
	cat >expect <<-\EOF &&
	docket: '\''请假类型'\'' has no option '\''nosuch'\'' (the options are: 年假 (annual), 病假 (sick), 事假 (personal), 婚假 (marriage), 产假 (maternity))
	docket: '\''开始日期'\'' is not a date (use YYYY-MM-DD): '\''明天'\''
	EOF
	sort err >err.sorted && sort expect >expect.sorted && test_cmp expect.sorted err.sorted &&
	test "$(events)" = "$n" &&
	test "$(field "$r" fields.start)" = 2026-03-03 &&
	checked
'

test_expect_success 'only the applicant, only before it is submitted, and only with a change' '
	r=$(leave_req --draft) &&
	n=$(events) &&
	expect_exit 1 d -u huang.wei edit "$r" --set reason=x 2>err &&
	grep "only the applicant 张伟 can change request '\''$r'\''" err &&
	expect_exit 1 d -u zhang.wei edit "$r" 2>err &&
	grep "nothing to change in request '\''年假 2天 - 张伟'\''" err &&
	expect_exit 2 d -u zhang.wei edit 2>err &&
	grep "usage: docket edit ID" err &&
	test "$(events)" = "$n" &&
	d -u zhang.wei submit "$r" &&
	expect_exit 1 d -u zhang.wei edit "$r" --set reason=x 2>err &&
	grep "request '\''年假 2天 - 张伟'\'' is in progress: only a draft, returned or withdrawn request can be changed" err &&
	test "$(events)" = "$((n + 1))" &&
	checked
'

test_expect_success 'returned to the applicant: changed, then submitted with the change' '
	r=$(leave_req) &&
	d -u huang.wei return "$r" --to applicant -m 请写明具体事由 &&
	d -u zhang.wei edit "$r" --set reason="回家探望父母" &&
	test "$(field "$r" state)" = returned &&
	d -u zhang.wei inbox --json | python3 -c "
import json, sys
rows = [x for x in json.load(sys.stdin) if x[\"request\"] == \"$r\"]
assert len(rows) == 1 and rows[0][\"kind\"] == \"resubmit\", rows" &&
	d -u zhang.wei submit "$r" &&
	test "$(field "$r" state)" = running &&
	test "$(field "$r" fields.reason)" = 回家探望父母 &&
	d -u huang.wei inbox --json | grep -q "\"$r\"" &&
	checked
'

test_expect_success 'submit takes changes and a title too' '
	r=$(leave_req --draft) &&
	d -u zhang.wei submit "$r" --set end=2026-03-05 --title "年假（三天）" &&
	test "$(field "$r" state)" = running &&
	test "$(field "$r" title)" = "年假（三天）" &&
	test "$(field "$r" fields.days)" = 3 &&
	checked
'

test_expect_success 'a leave ending before it starts is refused, saying why, in English and Chinese' '
	n=$(events) &&
	expect_exit 1 d -u zhang.wei new leave --set type=personal --set start=2026-04-07 --set end=2026-04-01 \
		--set reason=家中有事 2>err &&
	echo "docket: '\''请假天数'\'' must be at least 1 (computed from '\''开始日期'\'', '\''结束日期'\'', it is -5)" >expect &&
	test_cmp expect err &&
	r=$(leave_req --draft) &&
	n=$(events) &&
	expect_exit 1 env LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 "$DOCKET" -C "$TMP/s" -u zhang.wei edit "$r" \
		--set end=2026-03-01 2>err &&
	echo "docket: “请假天数”不能小于 1（由“开始日期”、“结束日期”计算得出，结果为 -1）" >expect &&
	test_cmp expect err &&
	test "$(events)" = "$n" &&
	test "$(field "$r" fields.end)" = 2026-03-04 &&
	checked
'

test_done
