#!/bin/sh
# A store on read-only media (a backup disc, a read-only mount) opens for
# reading: show, inbox, doc show/log/export and print work, with a note
# that nothing is recorded; every writing verb says the store is read-only
# and exits 3. As root, chmod does not stop writes, so the store is made
# read-only by a read-only bind mount in a private mount namespace
# (unshare -m); as anyone else, by chmod -R a-w. Root without the right to
# mount skips.
. "$TESTS_DIR/cli/lib.sh"

if [ "$(id -u)" = 0 ]; then
	mkdir -p "$TMP/probe" &&
	unshare -m sh -c 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && ! touch "$0/x"' \
		"$TMP/probe" 2>/dev/null ||
		{ echo "ok 1 # skip root without a read-only bind mount (unshare -m, mount)"; exit 0; }
fi

# ro CMD...: CMD with $TMP/ro read-only (a read-only bind mount over it when root)
ro() {
	if [ "$(id -u)" = 0 ]; then
		unshare -m sh -c 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"' "$TMP/ro" "$@"
	else
		"$@"
	fi
}
# rd ARGS...: docket on the read-only store
rd() {
	ro "$DOCKET" -C "$TMP/ro/s" "$@"
}

test_expect_success 'setup: a request with an opinion and a document, copied to read-only media' '
	signed_store s &&
	r=$(newreq wang.fang outgoing --draft --set doc_type=notice --set urgency=normal \
		--set main_recipients=各区县人民政府 --set title=值班通知) &&
	echo "$r" >req &&
	echo 正文第一段 >body.md &&
	d -u wang.fang doc new --type 通知 --instance "$r" --title 值班通知 --body-file body.md >doc 2>/dev/null &&
	d -u wang.fang submit "$r" >/dev/null &&
	d -u zhao.lei show "$r" >show.want &&
	d -u zhao.lei inbox >inbox.want &&
	d -u zhao.lei doc show "$(cat doc)" >doc.want &&
	mkdir ro && cp -a s ro/s &&
	{ [ "$(id -u)" = 0 ] || chmod -R a-w ro; } &&
	! ro sh -c "echo x >\"$TMP/ro/s/probe\"" 2>/dev/null
'

test_expect_success 'show, inbox and doc show read it, as from the writable store, with a note' '
	r=$(cat req) &&
	rd -u zhao.lei show "$r" >show.got 2>err && test_cmp show.want show.got &&
	grep "store .*ro/s. is read-only: reading only (due timers are not run, this read is not recorded)" err &&
	rd -u zhao.lei inbox >inbox.got 2>/dev/null && test_cmp inbox.want inbox.got &&
	rd -u zhao.lei doc show "$(cat doc)" >doc.got 2>/dev/null && test_cmp doc.want doc.got &&
	rd -u zhao.lei doc log "$(cat doc)" 2>/dev/null | grep "王芳" &&
	rd -u zhao.lei doc export "$(cat doc)" --text - 2>/dev/null | grep 正文第一段 &&
	rd -u zhao.lei --json inbox 2>/dev/null | grep "\"request\": \"$r\""
'

test_expect_success 'print and doc export --pdf from read-only media, to a writable directory' '
	r=$(cat req) &&
	rd -u zhao.lei print "$r" --pdf "$TMP/form.pdf" 2>/dev/null &&
	pdftotext "$TMP/form.pdf" - | grep 值班通知 &&
	rd -u zhao.lei doc export "$(cat doc)" --pdf "$TMP/doc.pdf" 2>/dev/null &&
	pdftotext "$TMP/doc.pdf" - | grep 正文第一段
'

test_expect_success 'need to know still holds: someone not involved is refused (exit 5)' '
	expect_exit 5 rd -u gao.yan show "$(cat req)" 2>err &&
	grep "not involved" err
'

test_expect_success 'writing verbs: the store is read-only, exit 3, reading verbs named' '
	r=$(cat req) &&
	task=$(d -u zhao.lei --json inbox | python3 -c "import json,sys; print(json.load(sys.stdin)[0][\"task\"])") &&
	expect_exit 3 rd -u zhao.lei approve "$task" -m 同意 2>err &&
	grep "store .*ro/s. is read-only: unable to write .*reading verbs such as show, inbox and doc show still work" err &&
	expect_exit 3 rd -u wang.fang doc edit "$(cat doc)" --title 新标题 2>err && grep "is read-only" err &&
	expect_exit 3 rd -u zhao.lei opinions add 同意 2>err && grep "is read-only" err &&
	LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 expect_exit 3 rd -u zhao.lei approve "$task" -m 同意 2>err &&
	grep "为只读：无法写入" err
'

test_expect_success 'on a writable store the same reads are recorded (the read-only path is only for read-only media)' '
	before=$(events) &&
	d -u zhao.lei doc show "$(cat doc)" >/dev/null 2>err && ! grep "read-only" err &&
	test "$(events)" -gt "$before"
'

test_done
