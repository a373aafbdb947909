#!/bin/sh
# docket deploy and docket definitions: versions by content hash, no-op on
# unchanged files, nothing written when any file is broken.
. "$TESTS_DIR/cli/lib.sh"

setup() {
	docket -C s init >/dev/null
}

test_expect_success 'deploy records every shipped definition' '
	setup &&
	docket -C s -u luo.bin deploy "$REPO/workflows" "$REPO/forms" "$REPO/themes" >out 2>err &&
	grep "^deployed  organisation '\''demo-city'\''" out &&
	grep "^deployed  workflow '\''leave'\''" out &&
	grep "deployed, 0 unchanged" err
'

test_expect_success 'deploying the same files again changes nothing' '
	docket -C s -u luo.bin deploy "$REPO/workflows" "$REPO/forms" "$REPO/themes" >out 2>err &&
	! grep "^deployed" out &&
	grep "^0 deployed" err
'

test_expect_success 'definitions lists the current versions with Chinese names' '
	docket -C s definitions >out &&
	grep "^workflow  *leave  *请假" out &&
	grep "luo.bin" out
'

test_expect_success 'a changed file becomes a new version; the old one stays in history' '
	mkdir edit && cp "$REPO/workflows/leave.yaml" edit/ &&
	sed -i "s/^name: .*/name: 请假（新）/" edit/leave.yaml &&
	docket -C s -u luo.bin deploy edit/leave.yaml >out 2>&1 &&
	grep "^deployed  workflow '\''leave'\''" out &&
	docket -C s --json definitions --all >all.json &&
	test "$(grep -c "\"id\": \"leave\"" all.json)" -ge 3 &&
	docket -C s definitions workflow leave >text &&
	grep "请假（新）" text
'

test_expect_success 'a broken file stops the whole deploy and writes nothing' '
	docket -C s --json definitions --all >before.json &&
	mkdir broken && cp "$REPO/workflows/leave.yaml" broken/ &&
	printf "kind: workflow\nid: bad\nname: 坏\nform: nosuchform\nsteps: []\n" >broken/bad.yaml &&
	sed -i "s/^name: .*/name: 请假（又改）/" broken/leave.yaml &&
	expect_exit 1 docket -C s -u luo.bin deploy broken >out 2>err &&
	grep "broken/bad.yaml:" out &&
	grep "nothing was deployed" err &&
	docket -C s --json definitions --all >after.json &&
	test_cmp before.json after.json
'

test_expect_success 'definitions --json is machine-readable' '
	docket -C s --json definitions >defs.json &&
	python3 -c "import json,sys; d=json.load(open(\"defs.json\")); assert any(x[\"id\"]==\"leave\" and x[\"kind\"]==\"workflow\" for x in d)"
'

test_expect_success 'showing a definition that is not deployed fails clearly' '
	expect_exit 1 docket -C s definitions workflow nosuch 2>err &&
	grep "no workflow '\''nosuch'\'' is deployed" err
'

test_expect_success 'lint --json reports diagnostics with positions' '
	printf "kind: form\nid: f\nname: 表\nfields:\n  - {id: a, label: 甲, type: moneys}\n" >f.yaml &&
	expect_exit 1 docket -C s --json lint f.yaml >lint.json &&
	python3 -c "import json; d=json.load(open(\"lint.json\")); x=d[\"diagnostics\"][0]; assert x[\"line\"]==5 and x[\"file\"]==\"f.yaml\", x"
'
test_expect_success 'lint refuses a directory with no definitions and a missing path' '
	mkdir empty &&
	expect_exit 1 docket lint empty nosuch.yaml >out 2>err &&
	grep "^empty: error: no definition files" out &&
	grep "^nosuch.yaml: error: unable to read" out &&
	grep "checked 0 files: 2 errors" err
'

test_done
