#!/bin/sh
# Timers under the injected clock: reminders, escalation to the superior,
# automatic approval recorded as the system; each fires once.
. "$TESTS_DIR/cli/lib.sh"

test_expect_success 'setup' '
	signed_store s &&
	docket -C s -u luo.bin deploy "$REPO/workflows" "$REPO/forms" >/dev/null 2>&1
'

# Monday 2026-03-02 09:30; dept_head has deadline 1wd (Tuesday 17:30), reminders every 4h
test_expect_success 'reminders every 4h, then escalation to the superior at the deadline' '
	r=$(newreq zhang.wei leave --set type=annual --set start=2026-03-03 --set end=2026-03-04 --set reason=探亲) &&
	DOCKET_NOW=2026-03-02T14:00:00+08:00 d --json tick >t.json && grep "\"fired\": 1" t.json &&
	DOCKET_NOW=2026-03-02T14:00:00+08:00 d --json tick >t.json && grep "\"fired\": 0" t.json &&
	d -u huang.wei --json inbox | grep "\"reminders\": 1" &&
	DOCKET_NOW=2026-03-03T18:00:00+08:00 d tick &&
	d -u liu.yang inbox | grep "$r" &&
	! d -u huang.wei inbox | grep "$r" &&
	d -u $RECORDS show "$r" | grep "^  2026-03-03 18:00  system  escalated @部门负责人审批 to 刘洋\$" &&
	d check
'

test_expect_success 'a timeout that approves is recorded as the system' '
	export DOCKET_NOW=2026-03-09T09:00:00+08:00 &&
	r=$(newreq zhang.wei leave --set type=annual --set start=2026-03-10 --set end=2026-03-11 --set reason=探亲) &&
	d -u huang.wei approve "$r" -m 同意 &&
	DOCKET_NOW=2026-03-20T09:00:00+08:00 d -u zhang.wei inbox --mine >/dev/null &&
	d -u $RECORDS show "$r" >show && grep "^  2026-03-20 09:00  system  approved @人事备案: 超时自动通过\$" show &&
	grep "state:     approved" show &&
	d check
'

test_done
