#!/bin/sh
# Two docket processes on one store: nothing lost, nothing applied twice,
# a join completed by two approvers at the same moment goes on exactly once.
. "$TESTS_DIR/cli/lib.sh"

test_expect_success 'setup' '
	signed_store s &&
	docket -C s -u luo.bin deploy "$REPO/workflows" "$REPO/forms" >/dev/null 2>&1
'

test_expect_success 'both branches of a parallel block approved at once: the join continues once' '
	for i in 1 2 3 4 5; do
		r=$(newreq gao.yan purchase --set item=服务器$i --set category=goods --set amount=150000 --set budget_code=201-03-01 --set reason=更新) &&
		d -u lin.tao approve "$r" -m 同意 >/dev/null &&
		( d -u guo.hong approve "$r" -m 同意 >/dev/null & d -u huang.wei approve "$r" -m 同意 >/dev/null & wait ) &&
		d -u $RECORDS --json show "$r" >j.json &&
		python3 -c "import json; o=json.load(open(\"j.json\")); v=[t for t in o[\"tasks\"] if t[\"step\"]==\"finance_vote\"]; assert len(v)==2, v; assert [c[\"step\"] for c in o[\"current\"]]==[\"finance_vote\"], o[\"current\"]" || return 1
	done &&
	d check
'

test_expect_success 'many actions from two processes at once are all kept' '
	for i in 1 2 3 4 5 6; do newreq zhang.wei leave --set type=annual --set start=2026-03-03 --set end=2026-03-04 --set reason=r$i >>ids; done &&
	( for r in $(cat ids); do d -u huang.wei approve "$r" -m 同意 >/dev/null; done & for i in 1 2 3 4 5 6; do d -u gao.yan new leave --set type=annual --set start=2026-03-03 --set end=2026-03-04 --set reason=c$i >/dev/null; done & wait ) &&
	test "$(d -u huang.wei --json inbox --done | grep -c "\"task\"")" -ge 6 &&
	test "$(d -u gao.yan --json inbox --mine | grep -c "\"request\"")" = 11 &&
	d check
'

test_done
