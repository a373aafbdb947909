#!/bin/sh
# open-attachment (O) in the TUI, on a real terminal (tmux, 80x24): a text
# attachment goes to $PAGER (here a script that records what it was
# given) as a private temporary file (mode 600) holding the text with
# its escape sequences shown, not acted on, and removed afterwards; with
# a desktop (DISPLAY) the file goes to xdg-open (a recording script
# first on PATH) and stays for the application; a binary with no
# desktop is refused with a message that says so. The screen comes back.
. "$TESTS_DIR/cli/lib.sh"
command -v tmux >/dev/null || { echo "ok 1 # skip tmux is not installed"; exit 0; }
# each scenario its own tmux server (a slow exit of the last one, as under
# ASan, cannot take the next one down): docket-t88-PID-N, N the scenario
tm() { tmux -L "docket-t88-$$-$test_count" "$@"; }
trap 'for n in $(seq "$test_count"); do tmux -L "docket-t88-$$-$n" kill-server >/dev/null 2>&1; done; rm -rf "$TMP"' EXIT

# start ENV...: the TUI as 赵磊 on $TMP/s in tmux, with ENV (NAME=VALUE ...) set
start() {
	tm new-session -d -x 80 -y 24 -s docket \
		"env -u DISPLAY -u WAYLAND_DISPLAY TMPDIR=$TMP/tmp TERM=xterm $* \"$DOCKET\" -C \"$TMP/s\" -u zhao.lei"
}
# screen: the screen now, in screen.txt
screen() {
	tm capture-pane -p -t docket >screen.txt
}
# wait_for TEXT: until the screen shows TEXT (5 s at most)
wait_for() {
	for i in $(seq 50); do
		screen && grep -q "$1" screen.txt && return 0
		sleep 0.1
	done
	cat screen.txt
	return 1
}
keys() {
	tm send-keys -t docket "$@"
}

test_expect_success 'setup: a request whose document has a text and a binary attachment' '
	signed_store s && mkdir -p tmp bin &&
	r=$(newreq wang.fang outgoing --draft --set doc_type=notice --set urgency=normal \
		--set main_recipients=各区县人民政府 --set title=值班通知) &&
	echo 正文 >body.md &&
	id=$(d -u wang.fang doc new --type 通知 --instance "$r" --title 值班通知 --body-file body.md 2>/dev/null) &&
	printf "值班安排\n\033[31m红色\033[0m\r\n第二行\n" >值班表.txt &&
	printf "\000\001\002PNG" >照片.bin &&
	d -u wang.fang doc attach "$id" 值班表.txt 照片.bin >/dev/null 2>&1 &&
	d -u wang.fang submit "$r" >/dev/null &&
	cat >pager.sh <<-\EOS &&
	#!/bin/sh
	{ echo "file: $1"; stat -c "mode: %a" "$1"; echo ---; cat "$1"; } >"$LOG"
	EOS
	cat >bin/xdg-open <<-\EOS &&
	#!/bin/sh
	{ echo "file: $1"; stat -c "mode: %a" "$1"; cat "$1"; } >"$LOG"
	EOS
	chmod +x pager.sh bin/xdg-open
'

test_expect_success 'O on the request page: the text attachment in $PAGER, private, escapes shown' '
	start PAGER=$TMP/pager.sh LOG=$TMP/pager.log &&
	wait_for "赵磊 |" && keys Enter && wait_for "== Attachments ==" &&
	grep "值班表.txt  40 B" screen.txt && grep "照片.bin  6 B" screen.txt &&
	grep "O: open an attachment" screen.txt &&
	keys O && wait_for "Attachments" && keys Enter &&
	wait_for "shown .值班表.txt." &&
	grep "^file: $TMP/tmp/docket-......-值班表.txt$" pager.log &&
	grep "^mode: 600$" pager.log &&
	sed -n "/^---$/,\$p" pager.log >got &&
	printf -- "---\n值班安排\n\\\\x1b[31m红色\\\\x1b[0m\n第二行\n" >want &&
	test_cmp want got &&
	! ls tmp | grep . &&
	grep "== Attachments ==" screen.txt && keys Q
'

test_expect_success 'a binary with no desktop: refused, saying so; nothing left behind' '
	start PAGER=$TMP/pager.sh LOG=$TMP/pager.log &&
	wait_for "赵磊 |" && keys Enter && wait_for "== Attachments ==" &&
	keys O && wait_for "Attachments" && keys Down Enter &&
	wait_for "is not text and there is no desktop" &&
	! ls tmp | grep . && keys Q
'

test_expect_success 'with a desktop (DISPLAY) the file goes to xdg-open, and stays for the application' '
	start PATH=$TMP/bin:$PATH DISPLAY=:99 LOG=$TMP/open.log &&
	wait_for "赵磊 |" && keys Enter && wait_for "== Attachments ==" &&
	keys O && wait_for "Attachments" && keys Down Enter &&
	wait_for "opened .照片.bin. with the desktop" &&
	grep "^file: $TMP/tmp/docket-......-照片.bin$" open.log && grep "^mode: 600$" open.log &&
	ls tmp | grep "照片.bin" && keys Q
'

test_done
