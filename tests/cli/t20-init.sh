#!/bin/sh
# docket init, store selection, and what a user sees when a store is unusable.
. "$TESTS_DIR/cli/lib.sh"

test_expect_success 'init creates a store with a database and a git repository' '
	docket -C s init >out &&
	echo "created test store '\''s'\'' (DOCKET_NOW may set its clock)" >expect &&
	test_cmp expect out &&
	test -f s/docket.db &&
	git --git-dir=s/documents.git rev-parse --is-bare-repository >bare &&
	echo true >expect && test_cmp expect bare
'

test_expect_success 'init never overwrites an existing store' '
	expect_exit 3 docket -C s init 2>err &&
	grep "already" err
'

test_expect_success 'DOCKET_STORE chooses the store' '
	DOCKET_STORE="$TMP/env-store" docket init >out &&
	test -f "$TMP/env-store/docket.db"
'

test_expect_success 'the default store is under XDG_DATA_HOME' '
	XDG_DATA_HOME="$TMP/xdg" docket init >/dev/null &&
	test -f "$TMP/xdg/docket/docket.db"
'

test_expect_success 'a missing store is reported with a hint' '
	expect_exit 3 docket -C nowhere definitions 2>err &&
	grep "nowhere" err && grep "docket -C nowhere init" err
'

test_expect_success 'a file that is not a store is refused and left alone' '
	mkdir junk && echo "not a database" >junk/docket.db &&
	cp junk/docket.db before &&
	expect_exit 3 docket -C junk definitions 2>err &&
	grep -i "damaged\|not a docket store" err &&
	cmp before junk/docket.db
'

test_expect_success 'damaged pages: docket check finds them, says what to do, exit 3' '
	docket -C dmg init >/dev/null &&
	docket -C dmg -u luo.bin deploy "$REPO/workflows" "$REPO/forms" >/dev/null 2>&1 &&
	size=$(stat -c %s dmg/docket.db) &&
	dd if=/dev/urandom of=dmg/docket.db bs=4096 seek=$((size / 8192)) count=3 conv=notrunc 2>/dev/null &&
	expect_exit 3 docket -C dmg check 2>err &&
	grep "is damaged" err && grep "restore it from a backup" err &&
	DOCKET_QUICK_CHECK=always expect_exit 3 docket -C dmg definitions 2>err &&
	grep "is damaged" err
'

test_expect_success 'a store from a newer docket is refused and left alone' '
	docket -C newer init >/dev/null &&
	sqlite3 newer/docket.db "PRAGMA user_version=99" &&
	cp newer/docket.db before-newer &&
	expect_exit 3 docket -C newer definitions 2>err &&
	grep "newer docket" err &&
	cmp before-newer newer/docket.db
'

test_expect_success 'an older store is upgraded on open and keeps its definitions' '
	mkdir old && sqlite3 old/docket.db <"$REPO/tests/fixtures/store-v1.sql" &&
	git init -q --bare old/documents.git &&
	env -u DOCKET_NOW "$DOCKET" -C old definitions >out &&
	docket -C fresh init >/dev/null &&
	test "$(sqlite3 old/docket.db "PRAGMA user_version")" = "$(sqlite3 fresh/docket.db "PRAGMA user_version")" &&
	grep "leave" out
'

test_expect_success 'the clock is not the user'\''s: DOCKET_NOW is refused on a production store' '
	env -u DOCKET_NOW "$DOCKET" -C prod init >out &&
	grep "^created store '\''prod'\''$" out &&
	expect_exit 2 docket -C prod definitions 2>err &&
	grep "production store" err &&
	env -u DOCKET_NOW "$DOCKET" -C prod definitions &&
	DOCKET_NOW= "$DOCKET" -C demo init --demo >out &&
	grep "demonstration store" out &&
	docket -C demo definitions &&
	expect_exit 3 docket -C demo init --demo 2>err
'

test_expect_success 'a busy store gives a clear message and changes nothing' '
	docket -C busy init >/dev/null &&
	( sqlite3 busy/docket.db "BEGIN IMMEDIATE; SELECT 1; " ".shell sleep 3" "COMMIT;" >/dev/null 2>&1 & ) &&
	sleep 0.5 &&
	DOCKET_BUSY_TIMEOUT_MS=200 expect_exit 3 docket -C busy -u luo.bin deploy "$REPO/workflows/organisation.yaml" 2>err &&
	grep "busy" err && grep "nothing was deployed" err
'
test_done
