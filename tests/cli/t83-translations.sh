#!/bin/sh
# Chinese first: every message the source marks for translation has its
# zh_CN translation, so nothing shows in English under zh_CN. The template
# is made afresh from the source (as `make pot` does, in $TMP: the
# checkout is not touched) and po/zh_CN.po is merged with it there.
. "$TESTS_DIR/cli/lib.sh"

pot() {
	cd "$REPO" &&
	xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
		--language=C --add-comments=TRANSLATORS --package-name=docket -o "$TMP/docket.pot" \
		$(ls src/*/*.c src/*/*.h src/*/*.def | sort) &&
	cp po/zh_CN.po "$TMP/zh_CN.po" &&
	msgmerge --quiet --update --no-fuzzy-matching --backup=none "$TMP/zh_CN.po" "$TMP/docket.pot"
}

# translated PO: 0 when every message of PO has its translation; else 1,
# printing the ones without (the header, msgid "", is the one entry allowed)
translated() {
	msgattrib --untranslated --no-obsolete "$1" >"$TMP/missing" || return 2
	if [ "$(grep -c "^msgid" "$TMP/missing")" -gt 1 ]; then
		echo "untranslated under zh_CN (add them to po/zh_CN.po):" && cat "$TMP/missing"
		return 1
	fi
}

test_expect_success 'every message in the source has a zh_CN translation' '
	pot && translated "$TMP/zh_CN.po"
'

test_expect_success 'a message without its translation is found' '
	pot &&
	python3 - "$TMP/zh_CN.po" <<-\PY &&
	import sys
	p = sys.argv[1]
	s = open(p, encoding="utf-8").read()
	old = "msgid \"standard input\"\nmsgstr \"标准输入\""
	assert old in s
	open(p, "w", encoding="utf-8").write(s.replace(old, "msgid \"standard input\"\nmsgstr \"\""))
	PY
	expect_exit 1 translated "$TMP/zh_CN.po" >"$TMP/out" &&
	grep "^msgid \"standard input\"" "$TMP/out"
'

test_done
