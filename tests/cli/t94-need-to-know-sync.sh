#!/bin/sh
# Need to know on pull (doc/protocol.md, "Pull"): a device is enrolled for
# people and pulls only the requests they are involved in, every identity
# event and every deployment. A (wang.fang) makes a leave request that B
# (zhao.lei) approves; C (sun.li) and D (for nobody) never receive it, by
# curl and by `docket sync` + `docket show`. zhao.lei transfers it to
# sun.li: C's next pull carries the request's whole history (flagged
# backfill), once; C's sun.li then finds it in the inbox and decides it.
. "$TESTS_DIR/cli/lib.sh"

. "$TESTS_DIR/cli/docketd-lib.sh"

# pull_as T AFTER [LIMIT]: GET /v1/events?after=AFTER with terminal T's device token, into $TMP/body
pull_as() {
	sqlite3 "$1/docket.db" "SELECT token FROM sync_remote" >"$TMP/token" &&
	test "$(authed GET "/v1/events?after=$2&limit=${3:-1000}")" = 200
}
# cursor T: terminal T's pull cursor
cursor() {
	sqlite3 "$1/docket.db" "SELECT cursor FROM sync_remote"
}
# has_request T R: terminal T's log holds request R's creation
has_request() {
	test "$(sqlite3 "$1/docket.db" "SELECT count(*) FROM eng_instances WHERE id = '$2'")" = 1
}

test_expect_success 'setup: a server, four terminals enrolled for their people (D for nobody)' '
	"$DOCKETD" init --store srv >/dev/null &&
	docket -C srv -u luo.bin deploy "$REPO/workflows" "$REPO/forms" "$REPO/themes" >/dev/null &&
	signed_store base &&
	for t in A B C D; do cp -a base $t || exit 1; done &&
	start_server &&
	"$DOCKETD" enrol-code --store srv --name A --for wang.fang >codeA 2>/dev/null &&
	"$DOCKETD" enrol-code --store srv --name B --for zhao.lei >codeB 2>/dev/null &&
	"$DOCKETD" enrol-code --store srv --name C --for sun.li >codeC 2>/dev/null &&
	"$DOCKETD" enrol-code --store srv --name D >codeD 2>/dev/null &&
	for t in A B C D; do
		docket -C $t remote set "$(cat url)" >/dev/null && docket -C $t enrol --name $t "$(cat code$t)" >/dev/null || exit 1
	done &&
	"$DOCKETD" devices --store srv >devs &&
	grep "  A  wang.fang" devs && grep "  C  sun.li" devs && grep "  D  (for nobody)" devs &&
	"$DOCKETD" devices --store srv --json >devs.json &&
	python3 -c "import json; d={x[\"name\"]: x[\"people\"] for x in json.load(open(\"devs.json\"))}; assert d[\"B\"] == [\"zhao.lei\"] and d[\"D\"] == [], d"
'

test_expect_success 'enrol-code --for: a person the organisation does not have is refused, no code made' '
	expect_exit 1 "$DOCKETD" enrol-code --store srv --name X --for wang.fang,nobody.here >code 2>err &&
	grep "no person '\''nobody.here'\'' in the deployed organisation" err && test ! -s code &&
	LC_ALL=zh_CN.UTF-8 LANG=zh_CN.UTF-8 "$DOCKETD" enrol-code --store srv --for nobody.here 2>err.zh;
	grep "组织中没有人员" err.zh &&
	test "$(sqlite3 srv/docketd.db "SELECT count(*) FROM enrol_codes")" = 4
'

test_expect_success 'A makes a request, B (its approver) receives it; C and D do not, by curl and by sync' '
	r=$(docket -C A -u wang.fang --json new leave --set type=personal --set start=2026-03-03 \
		--set end=2026-03-03 --set reason=家中有事 | python3 -c "import json,sys; print(json.load(sys.stdin)[\"request\"])") &&
	echo "$r" >r && synced A && test "$(count rejected)" = 0 &&
	uuid=$(sqlite3 A/docket.db "SELECT uuid FROM events WHERE type = '\''instance.created'\''") && test -n "$uuid" &&
	pull_as B 0 && grep "$uuid" body &&
	pull_as C 0 && ! grep "$uuid" body && ! grep "\"instance\.\|\"task\." body &&
	grep "definition.deployed" body &&
	pull_as D 0 && ! grep "$uuid" body && grep "definition.deployed" body && grep "person.enrolled" body &&
	synced B && test "$(count pulled)" -gt 0 && docket -C B -u zhao.lei inbox | grep "$r" &&
	synced C && test "$(count pulled)" = 0 && ! has_request C "$r" &&
	expect_exit 1 docket -C C -u sun.li show "$r" 2>err &&
	synced D && ! has_request D "$r" &&
	test "$(cursor C)" = "$(cursor B)"
'

test_expect_success 'what is outside any request (a common opinion) reaches every device, with no backfill' '
	docket -C A -u wang.fang opinions add 请领导审批 >/dev/null &&
	synced A && test "$(count accepted)" -ge 1 &&
	ouuid=$(sqlite3 A/docket.db "SELECT uuid FROM events WHERE type = '\''opinion.added'\'' ORDER BY seq DESC LIMIT 1") &&
	for t in C D; do
		pull_as $t "$(cursor $t)" && grep "$ouuid" body && ! grep "\"backfill\"" body || exit 1
	done &&
	synced D && test "$(count pulled)" = 1 && test "$(count unapplied)" = 0
'

test_expect_success 'two transfers to sun.li: C'\''s next pull carries both histories first, flagged, once (again only while C pulls at that cursor; a small limit takes one request a pull)' '
	r2=$(docket -C A -u wang.fang --json new leave --set type=personal --set start=2026-03-05 \
		--set end=2026-03-05 --set reason=复诊 | python3 -c "import json,sys; print(json.load(sys.stdin)[\"request\"])") &&
	echo "$r2" >r2 && synced A && synced B && synced C && ! has_request C "$r2" &&
	docket -C B -u zhao.lei transfer "$(cat r)" sun.li >/dev/null &&
	docket -C B -u zhao.lei transfer "$r2" sun.li >/dev/null &&
	synced B && test "$(count rejected)" = 0 &&
	c=$(cursor C) && test "$c" -gt 0 &&
	pull_as C "$c" 1 &&
	python3 -c "
import json
b = json.load(open(\"body\")); back = [e for e in b[\"events\"] if e.get(\"backfill\")]
assert [e[\"type\"] for e in back].count(\"instance.created\") == 1 and b[\"more\"], b
" &&
	pull_as C "$c" &&
	python3 -c "
import json,sys
b = json.load(open(\"body\")); ev = b[\"events\"]; c = int(sys.argv[1])
back = [e for e in ev if e.get(\"backfill\")]
assert back and all(e[\"seq\"] <= c for e in back), ev
assert [e[\"type\"] for e in back][0] == \"instance.created\", back
assert [e[\"type\"] for e in back].count(\"instance.created\") == 2, back
rest = ev[len(back):]
assert not any(e.get(\"backfill\") for e in rest) and all(e[\"seq\"] > c for e in rest), ev
assert \"task.transferred\" in [e[\"type\"] for e in rest], rest
assert b[\"next\"] >= max(e[\"seq\"] for e in ev) and b[\"next\"] > c, b
" "$c" &&
	pull_as C "$c" && grep "\"backfill\"" body &&
	synced C && test "$(count pulled)" = 4 && test "$(count unapplied)" = 0 && has_request C "$(cat r)" &&
	has_request C "$r2" &&
	docket -C C -u sun.li show "$(cat r)" >show && grep "王芳" show && grep "transferred" show &&
	docket -C C -u sun.li inbox | grep "$(cat r)" &&
	synced C && test "$(count pulled)" = 0 &&
	pull_as C "$(cursor C)" && ! grep "\"backfill\"" body &&
	pull_as D "$(cursor D)" && ! grep "\"backfill\"" body &&
	docket -C C check >out && grep "state matches" out
'

test_expect_success 'sun.li approves on C; A, the applicant, sees it; D still knows nothing of it' '
	docket -C C -u sun.li approve "$(cat r)" -m 同意 >/dev/null &&
	synced C && test "$(count rejected)" = 0 && test "$(count accepted)" -ge 1 &&
	synced A && docket -C A -u wang.fang show "$(cat r)" | grep "同意" &&
	synced D && ! has_request D "$(cat r)"
'

test_expect_success 'sun.li signs in on D (a shared terminal): D is for sun.li too, and pulls the request whole' '
	"$PTYRUN" --type Docket-2026 -- "$DOCKET" -C D -u sun.li login >out 2>&1 &&
	synced D && test "$(count accepted)" -ge 1 && test "$(count unapplied)" = 0 &&
	"$DOCKETD" devices --store srv --json >devs.json &&
	python3 -c "import json; d={x[\"name\"]: x[\"people\"] for x in json.load(open(\"devs.json\"))}; assert d[\"D\"] == [\"sun.li\"], d" &&
	has_request D "$(cat r)" && docket -C D -u sun.li show "$(cat r)" | grep "同意" &&
	docket -C D check >out && grep "state matches" out &&
	docket -C srv check >out && grep "state matches" out &&
	"$DOCKETD" check --store srv >/dev/null &&
	test "$(stop_server)" = 0
'

test_expect_success 'a request'\''s history reaching a terminal after it deployed a newer calendar: applied as the server decided it, not refused as stale' '
	start_server && for t in A B C D; do docket -C $t remote set "$(cat url)" >/dev/null || exit 1; done &&
	r3=$(docket -C A -u wang.fang --json new leave --set type=personal --set start=2026-03-06 \
		--set end=2026-03-06 --set reason=复查 | python3 -c "import json,sys; print(json.load(sys.stdin)[\"request\"])") &&
	synced A && synced B && ! has_request C "$r3" &&
	{ cat "$REPO/workflows/calendar-cn.yaml" && echo "# 新版"; } >calendar-cn.yaml &&
	sed -i "s/^name: .*/&（新版）/" calendar-cn.yaml &&
	for t in srv A B C; do docket -C $t -u luo.bin deploy calendar-cn.yaml >/dev/null || exit 1; done &&
	docket -C B -u zhao.lei transfer "$r3" sun.li >/dev/null && synced B && test "$(count rejected)" = 0 &&
	synced C && test "$(count unapplied)" = 0 && has_request C "$r3" &&
	docket -C C -u sun.li inbox | grep "$r3" &&
	docket -C C check >out && grep "state matches" out &&
	test "$(stop_server)" = 0
'

test_done
