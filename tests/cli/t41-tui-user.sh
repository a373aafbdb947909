#!/bin/sh
# `docket` with no verb opens the full-screen interface, on a terminal: it
# takes only a user the deployed organisation has, refusing anyone else
# before the screen opens with the verbs' message and exit status (1), in
# English and in Chinese. With no organisation deployed it opens as before
# (an empty inbox). The terminal is a pseudo-terminal made by script(1);
# `q` typed into it quits the interface.
. "$TESTS_DIR/cli/lib.sh"

# on_tty CMD: run the shell command CMD on a pseudo-terminal of 80x24, with
# what is on stdin typed into it; its output (the screen's bytes, or the
# message) on stdout, carriage returns dropped; its exit status (124 when
# it did not end within 10 seconds: a screen left waiting for keys)
on_tty() {
	TERM=xterm LINES=24 COLUMNS=80 timeout 10 script -qec "$1" /dev/null >tty.raw
	rc=$?
	tr -d '\r' <tty.raw
	return $rc
}

test_expect_success 'setup: a store with the shipped organisation, and one with none' '
	signed_store s &&
	docket -C s -u luo.bin deploy "$REPO/workflows" "$REPO/forms" >/dev/null 2>&1 &&
	docket -C empty init >/dev/null
'

test_expect_success 'a user the organisation does not have is refused before the screen opens, as by the verbs' '
	expect_exit 1 d -u nobody inbox 2>expect &&
	echo "docket: no user '\''nobody'\'' in the deployed organisation" >want &&
	test_cmp want expect &&
	expect_exit 1 on_tty "\"$DOCKET\" -C \"$TMP/s\" -u nobody" </dev/null >out &&
	test_cmp expect out
'

test_expect_success 'the refusal in Chinese under zh_CN, as the verbs say it' '
	zh() { LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 "$@"; } &&
	expect_exit 1 zh d -u 王小二 inbox 2>expect &&
	echo "docket: 已部署的组织机构中没有用户“王小二”" >want &&
	test_cmp want expect &&
	expect_exit 1 zh on_tty "\"$DOCKET\" -C \"$TMP/s\" -u 王小二" </dev/null >out &&
	test_cmp expect out
'

test_expect_success 'a person'\''s name stands for their id when one person has it: -u 王芳 is wang.fang' '
	d -u 王芳 --json inbox </dev/null >/dev/null &&
	printf q | on_tty "\"$DOCKET\" -C \"$TMP/s\" -u 王芳" >out &&
	grep "Inbox" out && grep " 王芳 | " out && ! grep "no user" out
'

test_expect_success 'a name several people have is refused with their ids' '
	sed "s/name: 黄伟/name: 张伟/" "$REPO/workflows/organisation.yaml" >org2.yaml &&
	docket -C twin init >/dev/null && docket -C twin -u luo.bin deploy org2.yaml >/dev/null 2>&1 &&
	expect_exit 1 docket -C twin -u 张伟 inbox 2>err &&
	grep "several people (huang.wei, zhang.wei): give the id" err &&
	expect_exit 1 on_tty "\"$DOCKET\" -C \"$TMP/twin\" -u 张伟" </dev/null >out &&
	grep "several people" out
'

test_expect_success 'someone in the organisation gets the inbox; q quits with status 0' '
	printf q | on_tty "\"$DOCKET\" -C \"$TMP/s\" -u wang.fang" >out &&
	grep "Inbox" out && grep " 王芳 | " out &&
	! grep "no user" out
'

test_expect_success 'with no organisation deployed the interface opens as before, empty' '
	printf q | on_tty "\"$DOCKET\" -C \"$TMP/empty\" -u nobody" >out &&
	grep "Inbox" out && grep "To do 0" out &&
	! grep "no user" out
'

# a store with one key (the security administrator's), of the kind given to init
keyed_store() {
	docket -C "$1" init ${2:-} >/dev/null &&
	docket -C "$1" -u luo.bin deploy "$REPO/workflows" "$REPO/forms" >/dev/null 2>&1 &&
	ptyrun --type Tang-2026a --type Tang-2026a -- "$DOCKET" -C "$1" -u tang.xue enrol tang.xue >/dev/null
}

test_expect_success 'someone the agent does not hold gets the sign-in screen; Esc quits with status 0' '
	printf "\033" | DOCKET_AGENT="$TMP/no-agent/agent.sock" on_tty "\"$DOCKET\" -C \"$TMP/s\" -u wang.fang" >out &&
	grep "Sign in" out && grep "王芳" out &&
	! grep "Inbox" out
'

test_expect_success 'only a demonstration store shows its demo passphrase at sign-in' '
	keyed_store demo --demo && keyed_store plain &&
	printf "\033" | DOCKET_AGENT="$TMP/no-agent/agent.sock" on_tty "\"$DOCKET\" -C \"$TMP/demo\" -u tang.xue" >out &&
	grep "demo passphrase: Demo-2026" out &&
	printf "\033" | DOCKET_AGENT="$TMP/no-agent/agent.sock" on_tty "\"$DOCKET\" -C \"$TMP/plain\" -u tang.xue" >out &&
	grep "Sign in" out && ! grep "demo passphrase" out
'

test_expect_success 'the hint in Chinese: 演示口令：Demo-2026' '
	zh() { LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 "$@"; } &&
	printf "\033" | DOCKET_AGENT="$TMP/no-agent/agent.sock" zh on_tty "\"$DOCKET\" -C \"$TMP/demo\" -u tang.xue" >out &&
	grep "演示口令：Demo-2026" out && grep "口令" out
'

test_done
