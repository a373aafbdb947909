#!/bin/sh
# ptyrun, the tool the CLI tests sign in with: it runs a command on a
# pseudo-terminal, types a line at each passphrase prompt, and passes the
# command's exit status back (128+N for a signal, 124 on timeout).
. "$TESTS_DIR/cli/lib.sh"

test_expect_success 'a line is typed at the passphrase prompt, echo off' '
	ptyrun --type demo-pass -- sh -c "printf \"Passphrase: \"; stty -echo; read x; stty echo; echo; echo got:\$x" >out &&
	grep "^got:demo-pass$" out &&
	! grep "$(printf "\r")" out
'

test_expect_success 'answers go in order, at a Chinese prompt too' '
	ptyrun --type 第一 --type 第二 -- sh -c "printf \"口令：\"; read a; printf \"再次输入口令：\"; read b; echo \"[\$a][\$b]\"" >out &&
	grep "^\[第一\]\[第二\]$" out
'

test_expect_success '--expect names another prompt' '
	ptyrun --expect "PIN:" --type 1234 -- sh -c "printf \"PIN: \"; read p; echo pin=\$p" >out &&
	grep "^pin=1234$" out
'

test_expect_success 'the command reads the terminal, not the pipe ptyrun was given' '
	echo piped | ptyrun -- sh -c "test -t 0 && echo stdin-is-a-tty" >out &&
	grep "^stdin-is-a-tty$" out
'

test_expect_success 'the exit status is the command'\''s, 128+N when killed' '
	expect_exit 3 ptyrun -- sh -c "exit 3" &&
	expect_exit 143 ptyrun -- sh -c "kill -TERM \$\$"
'

test_expect_success 'a command that waits forever is killed at the timeout: 124' '
	expect_exit 124 ptyrun --timeout 0.5 --type never -- sh -c "read x; sleep 30" 2>err &&
	grep "timed out" err
'

test_done
