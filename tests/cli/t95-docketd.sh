#!/bin/sh
# docketd, the extranet server, driven over loopback with curl as the
# protocol says (doc/protocol.md): health; nothing without a device token;
# an enrolment code traded once for a token; a batch of a real terminal's
# signed events accepted in the server's order and judged by the same
# engine (the server store then passes `docket check`); the same batch
# again answered duplicate with the same sequences; a forged signature and
# an action the server's state no longer allows rejected with their reasons
# in both languages, kept and answered the same again; pull in pages whose
# cursor never goes back; the limits; a revoked device; SIGTERM finishing
# the batch in flight.
. "$TESTS_DIR/cli/lib.sh"

. "$TESTS_DIR/cli/docketd-lib.sh"


test_expect_success 'setup: a server store with the definitions, a terminal with a request approved' '
	"$DOCKETD" init --store srv >out && grep "created test server store" out &&
	docket -C srv -u luo.bin deploy "$REPO/workflows" "$REPO/forms" "$REPO/themes" >/dev/null &&
	signed_store cli &&
	sqlite3 cli/docket.db "SELECT max(seq) FROM events WHERE type = '\''definition.deployed'\''" >base &&
	r=$(docket -C cli -u wang.fang --json new leave --set type=personal --set start=2026-03-03 \
		--set end=2026-03-03 --set reason=家中有事 | python3 -c "import json,sys; print(json.load(sys.stdin)[\"request\"])") &&
	echo "$r" >r &&
	cp -a cli cli2 &&
	docket -C cli -u zhao.lei approve "$r" -m 同意 >/dev/null &&
	"$EVENTDUMP" cli "$(cat base)" >batch.json &&
	start_server
'

test_expect_success 'health answers without credentials' '
	test "$(http GET /v1/health)" = 200 &&
	test "$(json "b[\"status\"], b[\"protocol\"]")" = "('\''ok'\'', 1)"
'

test_expect_success 'no token, a wrong token: 401, in both languages, and nothing changes' '
	n=$(srv_events) &&
	test "$(http GET /v1/events)" = 401 &&
	test "$(json "b[\"error\"]")" = unauthorized &&
	json "b[\"message\"][\"zh_CN\"]" | grep "请先登记本终端" &&
	test "$(http POST /v1/push --data-binary @batch.json)" = 401 &&
	test "$(http POST /v1/push -H "Authorization: Bearer 0123abcd" --data-binary @batch.json)" = 401 &&
	curl -s -D headers -o /dev/null "$(cat url)/v1/events" && grep -i "^WWW-Authenticate: Bearer" headers &&
	test "$(srv_events)" = "$n"
'

test_expect_success 'an enrolment code is traded once for a device token' '
	"$DOCKETD" enrol-code --store srv --name "王芳的终端" >code 2>note &&
	grep -E "^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$" code && grep "one-time" note &&
	test "$(http POST /v1/enrol -d "{\"code\":\"$(cat code)\",\"name\":\"wang.fang@pc-07\"}")" = 200 &&
	json "b[\"token\"]" >token && json "b[\"device\"]" >device &&
	test "$(http POST /v1/enrol -d "{\"code\":\"$(cat code)\",\"name\":\"again\"}")" = 401 &&
	test "$(json "b[\"error\"]")" = enrol_code &&
	test "$(http POST /v1/enrol -d "{\"code\":\"AAAA-BBBB-CCCC-DDDD\",\"name\":\"x\"}")" = 401 &&
	"$DOCKETD" devices --store srv >devices && grep "$(cat device)" devices && grep "wang.fang@pc-07" devices &&
	! grep -r "$(cat token)" srv/
'

test_expect_success 'a push of a terminal'\''s signed events: accepted in the server'\''s order, judged alike' '
	test "$(authed POST /v1/push --data-binary @batch.json)" = 200 &&
	cp body first.json &&
	json "set(x[\"status\"] for x in b[\"results\"])" >statuses && test "$(cat statuses)" = "{'\''accepted'\''}" &&
	json "[x[\"seq\"] for x in b[\"results\"]] == sorted(set(x[\"seq\"] for x in b[\"results\"]))" | grep True &&
	test "$(json "b[\"last_seq\"]")" = "$(srv_events)" &&
	docket -C srv check >check.out && grep "state matches" check.out &&
	docket -C srv -u wang.fang show "$(cat r)" >show && grep "赵磊  approved @部门负责人审批: 同意" show
'

test_expect_success 'the same batch again: duplicate, with the sequences of the first time' '
	n=$(srv_events) &&
	test "$(authed POST /v1/push --data-binary @batch.json)" = 200 &&
	json "set(x[\"status\"] for x in b[\"results\"])" | grep "{'\''duplicate'\''}" &&
	json "[x[\"seq\"] for x in b[\"results\"]]" >again &&
	cp body second.json && cp first.json body && json "[x[\"seq\"] for x in b[\"results\"]]" >once &&
	test_cmp once again && test "$(srv_events)" = "$n"
'

test_expect_success 'a forged event is rejected with its reason, in both languages, and kept' '
	n=$(srv_events) &&
	python3 -c "
import json, sys, uuid
e = json.load(open(\"batch.json\"))[\"events\"][-1]
assert e[\"type\"] == \"task.approved\"
e[\"uuid\"] = str(uuid.uuid4())
s = e[\"sig\"]
e[\"sig\"] = s[:20] + (\"A\" if s[20] != \"A\" else \"B\") + s[21:]
print(json.dumps({\"events\": [e]}))" >forged.json &&
	test "$(authed POST /v1/push --data-binary @forged.json)" = 200 &&
	test "$(json "b[\"results\"][0][\"status\"], b[\"results\"][0][\"code\"]")" = "('\''rejected'\'', '\''bad_signature'\'')" &&
	json "b[\"results\"][0][\"reason\"][\"en\"]" | grep "signature does not match" &&
	json "b[\"results\"][0][\"reason\"][\"zh_CN\"]" | grep "签名与事件内容不符" &&
	cp body forged1 &&
	test "$(authed POST /v1/push --data-binary @forged.json)" = 200 && test_cmp forged1 body &&
	sqlite3 srv/docketd.db "SELECT code FROM receipts" | grep bad_signature &&
	test "$(srv_events)" = "$n"
'

test_expect_success 'someone else'\''s key, a changed payload under a sequenced uuid: rejected' '
	python3 -c "
import json
e = json.load(open(\"batch.json\"))[\"events\"][-1]
f = dict(e); f[\"payload\"] = e[\"payload\"].replace(\"同意\", \"不同意\")
g = dict(e); g[\"actor\"] = \"wang.fang\"; g[\"uuid\"] = \"11111111-2222-4333-8444-555555555555\"
print(json.dumps({\"events\": [f, g]}))" >swap.json &&
	test "$(authed POST /v1/push --data-binary @swap.json)" = 200 &&
	test "$(json "[x[\"code\"] for x in b[\"results\"]]")" = "['\''uuid_conflict'\'', '\''wrong_key'\'']" &&
	python3 -c "
import json
print(json.dumps({\"events\": [json.load(open(\"batch.json\"))[\"events\"][-1]]}))" >genuine.json &&
	test "$(authed POST /v1/push --data-binary @genuine.json)" = 200 &&
	test "$(json "b[\"results\"][0][\"status\"]")" = duplicate
'

test_expect_success 'a deployment pushed from a terminal: rejected, and not kept as final' '
	"$EVENTDUMP" cli 0 1 >deploy.json &&
	test "$(authed POST /v1/push --data-binary @deploy.json)" = 200 &&
	test "$(json "b[\"results\"][0][\"code\"]")" = definition &&
	json "b[\"results\"][0][\"reason\"][\"zh_CN\"]" | grep "定义在服务器上部署" &&
	uuid=$(json "b[\"results\"][0][\"uuid\"]") &&
	test "$(sqlite3 srv/docketd.db "SELECT count(*) FROM receipts WHERE uuid = '\''$uuid'\''")" = 0
'

test_expect_success 'an applicant withdrew offline while the approver approved: the server'\''s order decides' '
	docket -C cli2 -u wang.fang withdraw "$(cat r)" >/dev/null &&
	"$EVENTDUMP" cli2 "$(sqlite3 cli2/docket.db "SELECT max(seq) - 1 FROM events")" >withdraw.json &&
	test "$(authed POST /v1/push --data-binary @withdraw.json)" = 200 &&
	test "$(json "b[\"results\"][0][\"status\"], b[\"results\"][0][\"code\"]")" = "('\''rejected'\'', '\''refused'\'')" &&
	json "b[\"results\"][0][\"reason\"][\"en\"]" >en && json "b[\"results\"][0][\"reason\"][\"zh_CN\"]" >zh &&
	grep "approved" en && ! cmp -s en zh &&
	docket -C srv -u wang.fang show "$(cat r)" | grep "^state: *in progress"
'

test_expect_success 'pull in pages: the cursor only moves forward, every event once' '
	after=0 && : >seqs && pages=0 &&
	while :; do
		test "$(authed GET "/v1/events?after=$after&limit=30")" = 200 || exit 1
		json "\"\\n\".join(str(e[\"seq\"]) for e in b[\"events\"])" | sed "/^$/d" >>seqs
		next=$(json "b[\"next\"]") && more=$(json "b[\"more\"]") && pages=$((pages + 1))
		test "$next" -ge "$after" || exit 1
		after=$next
		[ "$more" = True ] || break
	done &&
	test "$(wc -l <seqs)" = "$(srv_events)" && sort -n -c seqs && test "$(sort -u seqs | wc -l)" = "$(srv_events)" &&
	test "$pages" -ge 3 &&
	test "$(authed GET "/v1/events?after=$after")" = 200 && test "$(json "len(b[\"events\"]), b[\"more\"]")" = "(0, False)" &&
	test "$(authed GET "/v1/events?after=99999")" = 409 && test "$(json "b[\"error\"]")" = cursor_ahead &&
	test "$(authed GET "/v1/events?limit=0")" = 400
'

test_expect_success 'pulled events carry their signatures; pushed back, they change nothing' '
	test "$(authed GET "/v1/events?after=$(cat base)&limit=40")" = 200 &&
	test "$(json "b[\"events\"][0][\"type\"]")" = person.enrolled &&
	json "b[\"events\"][0][\"sig\"] is not None and isinstance(b[\"events\"][0][\"payload\"], str)" | grep True &&
	cp body pulled.json && n=$(srv_events) &&
	test "$(authed POST /v1/push --data-binary @pulled.json)" = 200 &&
	json "set(x[\"status\"] for x in b[\"results\"])" | grep "{'\''duplicate'\''}" &&
	test "$(srv_events)" = "$n"
'

test_expect_success 'limits: a body over the limit is 413, a batch over the count 400, unknown routes 404/405' '
	head -c 9000000 /dev/zero | tr "\\0" " " >big &&
	test "$(authed POST /v1/push --data-binary @big)" = 413 && test "$(json "b[\"error\"]")" = too_large &&
	python3 -c "import json; print(json.dumps({\"events\": [{}] * 501}))" >many.json &&
	test "$(authed POST /v1/push --data-binary @many.json)" = 400 && test "$(json "b[\"error\"]")" = too_many_events &&
	test "$(authed POST /v1/push -d "[1,2]")" = 400 &&
	test "$(authed POST /v1/push -d "{\"events\":[1,2],\"events\":[]}")" = 400 &&
	test "$(http GET /v2/health)" = 404 && test "$(http POST /v1/health)" = 405
'

test_expect_success 'a revoked device is refused from then on' '
	"$DOCKETD" revoke-device --store srv "$(cat device)" >out && grep "revoked device" out &&
	test "$(authed GET /v1/events)" = 401 &&
	"$DOCKETD" devices --store srv | grep "revoked"
'

test_expect_success 'one log line per request: time, client, route, status, duration' '
	grep -E "^2026-03-02T01:30:00Z 127\.0\.0\.1 GET /v1/health 200 [0-9.]+ms$" srv.log &&
	grep -E "^2026-03-02T01:30:00Z 127\.0\.0\.1 POST /v1/push 413 [0-9.]+ms$" srv.log &&
	grep -E " GET /v1/events 401 " srv.log
'

test_expect_success 'SIGTERM: the batch in flight is finished, answered and durable; exit 0' '
	test "$(stop_server)" = 0 &&
	grep "stopped (SIGTERM)" srv.log &&
	start_server DOCKETD_TEST_PUSH_DELAY_MS=700 DOCKETD_TEST_PUSH_MARK="$TMP/judged" &&
	"$DOCKETD" enrol-code --store srv --name t2 >code2 2>/dev/null &&
	test "$(http POST /v1/enrol -d "{\"code\":\"$(cat code2)\",\"name\":\"t2\"}")" = 200 && json "b[\"token\"]" >token &&
	docket -C cli -u xu.ming approve "$(cat r)" -m 已备案 >/dev/null &&
	"$EVENTDUMP" cli "$(sqlite3 cli/docket.db "SELECT max(seq) - 1 FROM events")" >last.json || exit 1
	(authed POST /v1/push --data-binary @last.json >status) & client=$!
	i=0 && while [ ! -e judged ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done &&
	test -e judged && test "$(stop_server)" = 0 && wait "$client" &&
	test "$(cat status)" = 200 && test "$(json "b[\"results\"][0][\"status\"]")" = accepted &&
	uuid=$(json "b[\"results\"][0][\"uuid\"]") &&
	test "$(sqlite3 srv/docket.db "SELECT count(*) FROM events WHERE uuid = '\''$uuid'\''")" = 1 &&
	docket -C srv check >check.out && grep "state matches" check.out
'

test_expect_success 'HTTPS with a certificate and key: a terminal that trusts the CA talks, others do not' '
	openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 2>/dev/null &&
	SRV_ARGS="--cert $TMP/cert.pem --key $TMP/key.pem" start_server &&
	grep "^https://127.0.0.1:" url &&
	test "$(http GET /v1/health --cacert cert.pem)" = 200 && test "$(json "b[\"status\"]")" = ok &&
	test "$(authed GET "/v1/events?limit=1" --cacert cert.pem)" = 200 &&
	expect_exit 60 curl -s -o /dev/null "$(cat url)/v1/health" &&
	test "$(stop_server)" = 0
'

test_expect_success 'docketd check: the log, every signature, the replay and the server'\''s own tables' '
	"$DOCKETD" check --store srv >out && grep "state matches" out && grep "rejections kept" out &&
	"$DOCKETD" check --store srv --json >out.json && python3 -c "import json; o=json.load(open(\"out.json\")); assert o[\"ok\"] and o[\"rejections\"] >= 1" &&
	uuid=$(sqlite3 srv/docket.db "SELECT uuid FROM events ORDER BY seq DESC LIMIT 1") &&
	sqlite3 srv/docketd.db "INSERT INTO receipts VALUES ('\''$uuid'\'', NULL, '\''x'\'', '\''refused'\'', '\''a'\'', '\''b'\'', '\''c'\'')" &&
	expect_exit 1 "$DOCKETD" check --store srv >out && grep "was sequenced, but its rejection is kept" out
'

test_expect_success 'usage errors: no store, a store that is not a server store, a bad address' '
	expect_exit 2 "$DOCKETD" --listen 127.0.0.1:0 2>err && grep "give --store DIR" err &&
	expect_exit 1 "$DOCKETD" devices --store cli 2>err && grep "is not a docketd store" err &&
	expect_exit 1 "$DOCKETD" --store srv --listen nowhere 2>err && grep "give ADDRESS:PORT" err &&
	expect_exit 1 "$DOCKETD" init --store srv 2>err && grep "already exists" err &&
	LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 "$DOCKETD" devices --store cli 2>err; grep "不是 docketd 存储" err
'

test_done
