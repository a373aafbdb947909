#!/bin/sh
# Sync in the full-screen interface (doc/tui.md, "Sync"), under zh_CN at
# 80x24 in tmux, against a real docketd on 127.0.0.1: the status bar says
# 已同步 with the time and 待同步 with the count; the trail marks what is
# not on the server yet; F5 syncs, and the second approver of an any-one
# (或签) step finds 冲突：1, the 同步冲突 list (C) with 已由赵磊于09:30处理,
# the request page's note, r (redo) refused with the reason, d (discard)
# asked and recorded (docket sync --status says so); a server that cannot
# be reached gives 离线 and a message in Chinese, nothing lost; with more
# than 200 actions to send, the bar says 同步中 with a progress bar (how it
# moves is test_sync_status's: here it may go by between two captures).
#
# Whole screens are compared with tests/cli/screens/t98-*.txt (the request
# id replaced by XXXXXX); DOCKET_UPDATE_SCREENS=1 writes them again.
. "$TESTS_DIR/cli/lib.sh"

. "$TESTS_DIR/cli/docketd-lib.sh"

export DOCKET_SYNC_RETRY_MS=20 DOCKET_SYNC_RETRIES=1
sock=docket-t98-$$
tm() { tmux -L "$sock" "$@"; }
trap 'tmux -L "$sock" kill-server >/dev/null 2>&1; [ -s "$TMP/srv.pid" ] && [ ! -s "$TMP/srv.rc" ] && kill -TERM "$(cat "$TMP/srv.pid")" 2>/dev/null; sleep 0.2; rm -rf "$TMP"' EXIT
screens="$TESTS_DIR/cli/screens"

capture() { tm capture-pane -p -t docket >"$TMP/screen" 2>/dev/null; }

# wait_for TEXT: poll the screen for up to ~5 s; the screen on stderr when it never comes
wait_for() {
	i=0
	while [ $i -lt 50 ]; do
		capture
		if grep -qF -- "$1" "$TMP/screen"; then return 0; fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "no '$1' on the screen:" >&2
	cat "$TMP/screen" >&2
	return 1
}

wait_gone() {
	i=0
	while [ $i -lt 50 ]; do
		capture
		if ! grep -qF -- "$1" "$TMP/screen"; then return 0; fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "'$1' still on the screen:" >&2
	cat "$TMP/screen" >&2
	return 1
}

# screen_is NAME: the screen (request id as XXXXXX) is tests/cli/screens/NAME.txt
screen_is() {
	capture
	sed "s/$(cat "$TMP/q")/XXXXXX/g" "$TMP/screen" >"$TMP/$1.txt"
	if [ -n "${DOCKET_UPDATE_SCREENS:-}" ]; then
		cp "$TMP/$1.txt" "$screens/$1.txt"
	fi
	test_cmp "$screens/$1.txt" "$TMP/$1.txt"
}

# tui T USER: the interface on terminal $HOME/T as USER, zh_CN, 80x24
tui() {
	tm kill-session -t docket >/dev/null 2>&1
	tm -f /dev/null new-session -d -s docket -x 80 -y 24 \
		"LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 '$DOCKET' -C '$HOME/$1' -u $2; echo docket-exited=\$?; sleep 30"
}

anyone_workflow

test_expect_success 'setup: a server and two terminals, enrolled; an any-one request reaches both' '
	"$DOCKETD" init --store srv >/dev/null &&
	docket -C srv -u luo.bin deploy "$REPO/workflows" "$REPO/forms" "$REPO/themes" anyone.yaml >/dev/null &&
	signed_store base && docket -C base -u luo.bin deploy anyone.yaml >/dev/null &&
	cp -a base "$HOME/A" && cp -a base "$HOME/B" &&
	start_server &&
	"$DOCKETD" enrol-code --store srv --name A --for wang.fang,zhao.lei,qian.yu >codeA 2>/dev/null &&
	"$DOCKETD" enrol-code --store srv --name B --for wang.fang,zhao.lei,qian.yu >codeB 2>/dev/null &&
	docket -C "$HOME/A" remote set "$(cat url)" >/dev/null && docket -C "$HOME/A" enrol "$(cat codeA)" >/dev/null &&
	docket -C "$HOME/B" remote set "$(cat url)" >/dev/null && docket -C "$HOME/B" enrol "$(cat codeB)" >/dev/null &&
	docket -C "$HOME/A" -u wang.fang --json new anyone --set type=personal --set start=2026-03-04 \
		--set end=2026-03-04 --set reason=体检 | python3 -c "import json,sys; print(json.load(sys.stdin)[\"request\"])" >q &&
	docket -C "$HOME/A" sync >/dev/null && docket -C "$HOME/B" sync >/dev/null &&
	docket -C "$HOME/B" -u zhao.lei approve "$(cat q)" -m 同意赵 >/dev/null && docket -C "$HOME/B" sync >/dev/null &&
	docket -C "$HOME/A" -u qian.yu approve "$(cat q)" -m 同意钱 >/dev/null
'

test_expect_success 'docket sync --discard: only by the action'\''s author' '
	docket -C "$HOME/A" sync --status --json >st.json && test "$(python3 -c "import json; print(len(json.load(open(\"st.json\"))[\"rejected\"]))")" = 0 &&
	expect_exit 2 docket -C "$HOME/A" sync --status --discard x 2>err && grep "usage" err &&
	expect_exit 2 docket -C "$HOME/A" sync --discard x 2>err && grep "no user" err
'

test_expect_success 'the status bar: 已同步 with the time, 待同步 with the count of actions waiting' '
	tui A qian.yu &&
	wait_for "已同步 09:30 待同步：1" &&
	screen_is t98-status-waiting
'

test_expect_success 'the trail marks the approval that is not on the server yet' '
	tm send-keys -t docket Tab && wait_for "收件箱（按办理时间排序）" &&
	tm send-keys -t docket Enter && wait_for "已同意 @科长或签（待同步）" &&
	screen_is t98-trail-waiting &&
	tm send-keys -t docket q && wait_for "收件箱"
'

test_expect_success 'F5 syncs: the approval is rejected, 冲突：1, the message in Chinese' '
	tm send-keys -t docket F5 &&
	wait_for "已同步：发送 1 项，收到 1 项；1 项操作未被服务器接受，见同步冲突列表" &&
	tm send-keys -t docket R && wait_for "已同步 09:30 冲突：1" && wait_gone "待同步" &&
	screen_is t98-synced-conflict &&
	docket -C "$HOME/A" sync --status --json >st.json &&
	python3 -c "import json; o=json.load(open(\"st.json\")); assert len(o[\"rejected\"]) == 1 and \"discarded\" not in o[\"rejected\"][0], o" &&
	u=$(python3 -c "import json; print(json.load(open(\"st.json\"))[\"rejected\"][0][\"uuid\"])") &&
	expect_exit 1 docket -C "$HOME/A" -u zhao.lei sync --discard "$u" 2>err && grep "not a rejected action of zhao.lei" err &&
	docket -C "$HOME/A" sync --status >st && ! grep "discarded by" st
'

test_expect_success 'C lists it: when, what, the request, handled by 赵磊 at 09:30' '
	tm send-keys -t docket C && wait_for "同步冲突" && wait_for "已由赵磊于09:30处理" &&
	screen_is t98-conflicts
'

test_expect_success 'Enter opens the request, whose page says the approval was not accepted' '
	tm send-keys -t docket Enter &&
	wait_for "您的“同意”未被服务器接受：已由赵磊于09:30处理（见同步冲突列表）" &&
	tm send-keys -t docket q && wait_for "未被接受的原因"
'

test_expect_success 'r: doing it again is refused with the reason, the conflict stays' '
	tm send-keys -t docket r && wait_for "“同意”无法按申请的当前状态重新办理：已由赵磊于09:30处理" &&
	capture && ! grep -q "qian.yu" screen &&
	tm send-keys -t docket R && wait_for "冲突：1"
'

test_expect_success 'the help of the list says what r and d do there' '
	tm send-keys -t docket "?" && wait_for "打开申请，查看其当前状态" &&
	tm send-keys -t docket PgDn && wait_for "按申请的当前状态重新办理该操作" && wait_for "放弃该操作，先确认" &&
	wait_gone "退回到之前的环节" &&
	tm send-keys -t docket q && wait_for "未被接受的原因"
'

test_expect_success 'd asks first; No keeps it' '
	tm send-keys -t docket d && wait_for "放弃您对" &&
	screen_is t98-discard-ask &&
	tm send-keys -t docket Escape && wait_gone "放弃您对" && wait_for "已由赵磊于09:30处理"
'

test_expect_success 'd then Yes discards: the list is empty, 冲突 leaves the bar, --status says who discarded it' '
	tm send-keys -t docket d && wait_for "放弃您对" &&
	tm send-keys -t docket Enter && wait_for "已放弃您对" &&
	wait_for "没有冲突" && wait_gone "冲突：1" &&
	screen_is t98-discarded &&
	docket -C "$HOME/A" sync --status >st && grep "discarded by qian.yu at 2026-03-02 09:30" st &&
	LC_ALL=zh_CN.UTF-8 LANG=zh_CN.UTF-8 docket -C "$HOME/A" sync --status >st.zh && grep "已由 qian.yu 于 2026-03-02 09:30 放弃" st.zh &&
	docket -C "$HOME/A" sync --status --json >st.json &&
	python3 -c "import json; o=json.load(open(\"st.json\")); r=o[\"rejected\"][0]; assert r[\"discarded\"][\"by\"] == \"qian.yu\", o" &&
	u=$(python3 -c "import json; print(json.load(open(\"st.json\"))[\"rejected\"][0][\"uuid\"])") &&
	expect_exit 1 docket -C "$HOME/A" -u qian.yu sync --discard "$u" 2>err && grep "not a rejected action of qian.yu waiting" err &&
	test "$(grep -c "discarded by" st)" = 1
	tm send-keys -t docket q && wait_for "收件箱"
'

test_expect_success 'a server that cannot be reached: 离线, the message in Chinese, the action still waiting' '
	docket -C "$HOME/A" remote set http://127.0.0.1:9 >/dev/null &&
	docket -C "$HOME/A" -u qian.yu --json new leave --set type=annual --set start=2026-03-05 \
		--set end=2026-03-05 --set reason=休息 >/dev/null &&
	tm send-keys -t docket F5 &&
	wait_for "无法连接服务器：已离线，未丢失任何内容；请稍后再同步" && capture && ! grep -q "Couldn" screen &&
	tm send-keys -t docket R && wait_for "离线 待同步：" &&
	docket -C "$HOME/A" sync --status >st && grep -E "waiting: +[1-9]" st
'

test_expect_success 'the server back: F5 sends what waited, 已同步 again; nothing under zh_CN is English' '
	docket -C "$HOME/A" remote set "$(cat url)" >/dev/null &&
	tm send-keys -t docket F5 && wait_for "已同步：发送" &&
	tm send-keys -t docket R && wait_for "已同步 09:30" && wait_gone "离线" && wait_gone "待同步" &&
	capture && ! grep -qiE "sync|pending|offline|conflict" screen &&
	tm send-keys -t docket Q && wait_for "docket-exited=0" &&
	docket -C "$HOME/A" check >out && grep "state matches" out
'

test_expect_success 'much to move: F5 shows 同步中 with a progress bar, then 已同步' '
	i=0 && while [ $i -lt 205 ]; do
		docket -C "$HOME/A" -u wang.fang new leave --set type=annual --set start=2026-03-10 \
			--set end=2026-03-10 --set reason=休息 >/dev/null || exit 1
		i=$((i + 1))
	done &&
	w=$(docket -C "$HOME/A" remote --json | python3 -c "import json,sys; print(json.load(sys.stdin)[\"waiting\"])") &&
	test "$w" -gt 200 &&
	tui A qian.yu && wait_for "待同步：$w" || exit 1
	# the status bar, as often as tmux gives it, until the sync says it is done
	: >bars
	( j=0; while [ $j -lt 600 ]; do
		tm capture-pane -p -t docket | tail -n 1 >last && cat last >>bars
		grep -q "已同步：发送" last && break
		j=$((j + 1))
	done ) &
	bg=$!
	tm send-keys -t docket F5 && wait $bg &&
	grep -o "同步中 \[[= ]*\] [0-9]*%" bars | sort -u >moved && cat moved &&
	test -s moved &&
	grep -q "已同步：发送 $w 项" bars &&
	tm send-keys -t docket R && wait_for "已同步 09:30" && wait_gone "待同步" &&
	tm send-keys -t docket Q && wait_for "docket-exited=0"
'

test_expect_success 'no server: the status bar says nothing of sync, F5 says there is none' '
	tui B zhao.lei && wait_for "已同步 09:30" &&
	tm kill-session -t docket && cp -a base "$HOME/C" &&
	tui C zhao.lei && wait_for "待办：" && capture && ! grep -q "同步" screen &&
	tm send-keys -t docket F5 && wait_for "本终端未设置同步服务器" &&
	tm send-keys -t docket Q && wait_for "docket-exited=0" &&
	test "$(stop_server)" = 0
'

test_done
