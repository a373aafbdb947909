#!/bin/sh
# The exact output of deploy and definitions for a small set of files, so a
# change in what administrators read is a deliberate one.
. "$TESTS_DIR/cli/lib.sh"

mkdir -p "$TMP/defs"
cat >"$TMP/defs/org.yaml" <<'YAML'
kind: organisation
id: town
name: 小镇政府
roles:
  - {id: head, name: 镇长}
  - {id: clerk, name: 办事员}
departments:
  - {id: town, name: 镇政府, head: zhao}
users:
  - {id: zhao, name: 赵一, department: town, roles: [head]}
  - {id: qian, name: 钱二, department: town, roles: [clerk]}
YAML
cat >"$TMP/defs/form.yaml" <<'YAML'
kind: form
id: note
name: 便签
fields:
  - {id: text, label: 内容, type: text, required: true}
YAML
cat >"$TMP/defs/flow.yaml" <<'YAML'
kind: workflow
id: note
name: 便签审批
form: note
steps:
  - id: head
    name: 镇长审批
    assignees: [{department_head: applicant}]
    next: end
YAML

test_expect_success 'deploy prints one line per definition, organisation first' '
	docket -C s init >/dev/null &&
	docket -C s -u zhao deploy defs >out 2>err &&
	cat >expect <<-EOF &&
	deployed  organisation '\''town'\'' version $(sed -n "1s/.*version \([0-9a-f]*\).*/\1/p" out) (defs/org.yaml)
	deployed  form '\''note'\'' version $(sed -n "2s/.*version \([0-9a-f]*\).*/\1/p" out) (defs/form.yaml)
	deployed  workflow '\''note'\'' version $(sed -n "3s/.*version \([0-9a-f]*\).*/\1/p" out) (defs/flow.yaml)
	EOF
	test_cmp expect out &&
	echo "3 deployed, 0 unchanged" >expect && test_cmp expect err
'

test_expect_success 'versions are the SM3 hash of the file' '
	want=$(openssl dgst -sm3 -r defs/flow.yaml | cut -c1-8) &&
	grep "workflow '\''note'\'' version $want " out
'

test_expect_success 'definitions lists kind, id, name, version, time and user in columns' '
	docket -C s definitions >out &&
	v1=$(openssl dgst -sm3 -r defs/form.yaml | cut -c1-8) &&
	v2=$(openssl dgst -sm3 -r defs/org.yaml | cut -c1-8) &&
	v3=$(openssl dgst -sm3 -r defs/flow.yaml | cut -c1-8) &&
	cat >expect <<-EOF &&
	KIND         ID             NAME                 VERSION   DEPLOYED         BY
	form         note           便签                 $v1  2026-03-02 09:30 zhao
	organisation town           小镇政府             $v2  2026-03-02 09:30 zhao
	workflow     note           便签审批             $v3  2026-03-02 09:30 zhao
	EOF
	test_cmp expect out
'

test_expect_success 'definitions --json carries the full hash and ISO times' '
	docket -C s --json definitions >j &&
	grep "\"version\": \"$(openssl dgst -sm3 -r defs/flow.yaml | cut -c1-64)\"" j &&
	grep "\"deployed_at\": \"2026-03-02T01:30:00Z\"" j
'
test_done
