#!/bin/sh
# Every broken definition in tests/lint/bad gives exactly its expected
# diagnostics (file:line:col), linted against a store where the shipped
# organisation and forms are deployed; and the shipped definitions are clean.
. "$TESTS_DIR/cli/lib.sh"

test_expect_success 'shipped definitions lint clean' '
	cd "$REPO" && docket lint workflows forms themes
'

test_expect_success 'a store with the shipped definitions' '
	docket -C "$TMP/store" init >/dev/null &&
	docket -C "$TMP/store" -u luo.bin deploy "$REPO/workflows" "$REPO/forms" "$REPO/themes" >/dev/null 2>&1
'

for f in "$REPO"/tests/lint/bad/*.yaml; do
	name=$(basename "$f" .yaml)
	test_expect_success "broken: $name" "
		cd '$REPO/tests/lint/bad' &&
		expect_exit 1 docket -C '$TMP/store' lint '$name.yaml' >'$TMP/$name.out' 2>/dev/null &&
		test_cmp '$name.expected' '$TMP/$name.out'
	"
done
test_done
