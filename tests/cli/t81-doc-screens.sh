#!/bin/sh
# The screens the documentation shows are the screens the TUI tests take
# (tests/tools/doc-screens.py): a change that moves a column, renames a
# label or words a message anew fails here until doc/ shows it as it is.
# `python3 tests/tools/doc-screens.py --update doc/tui.md` mends whole
# screens; a dialog shown alone is mended by hand.
. "$TESTS_DIR/cli/lib.sh"

test_expect_success 'every screen in doc/ and the README is a snapshot the TUI tests compare against' '
	cd "$REPO" && python3 tests/tools/doc-screens.py doc/*.md README.md
'

test_expect_success 'a screen that differs is named, with the snapshot it should be' '
	sed "s/待办 5 | 已办 4/待办 9 | 已办 4/" "$REPO/doc/tui.md" >"$TMP/tui.md" &&
	expect_exit 1 python3 "$REPO/tests/tools/doc-screens.py" "$TMP/tui.md" >out &&
	grep "tui.md:[0-9]*: the screen differs from tests/unit/screens/" out &&
	grep "^    -.*待办 9 | 已办 4" out
'

test_expect_success 'a dialog shown alone that is in no snapshot is named too' '
	sed "s/wrong passphrase for 赵磊 /wrong passphrase for 钱宇 /" "$REPO/doc/tui.md" >"$TMP/tui.md" &&
	expect_exit 1 python3 "$REPO/tests/tools/doc-screens.py" "$TMP/tui.md" >out &&
	grep "the screen differs" out
'

test_done
