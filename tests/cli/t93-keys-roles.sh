#!/bin/sh
# Keys and roles (doc/security.md): a person replaces their own key
# (docket rekey): the change is signed by the old key, only the new one
# signs afterwards, the agent gets the new key, and check verifies each
# event with the key its signer had then. The security administrator
# grants and takes away roles (docket role); the engine assigns steps by
# them; nobody else may, and their refusals are in the audit trail.
. "$TESTS_DIR/cli/lib.sh"

pass=Docket-2026
export DOCKET_AGENT="$TMP/agent/agent.sock"
trap '"$DOCKET" agent stop >/dev/null 2>&1; rm -rf "$TMP"' EXIT

typed() {
	set -- "$@"
	a=
	while [ "$1" != -- ]; do a="$a --type $1"; shift; done
	shift
	# shellcheck disable=SC2086
	"$PTYRUN" $a -- "$DOCKET" -C "$TMP/s" "$@"
}

# leave USER: a one-day leave by USER (through the agent); prints its id
leave() {
	d -u "$1" --json new leave --set type=personal --set start=2026-03-03 --set end=2026-03-03 \
		--set reason=家中有事 </dev/null | sed -n 's/.*"request": "\([a-z2-7]*\)".*/\1/p'
}

test_expect_success 'setup: the signed store, wang.fang signed in at this agent' '
	signed_store s &&
	typed $pass -- -u wang.fang login >out && grep "signed in at the agent" out &&
	leave wang.fang >r1 && test -s r1
'

test_expect_success 'rekey: a new key signs from now on, the agent holds it, check verifies both' '
	cp s/keys/wang.fang.key old.key &&
	old=$(sqlite3 s/docket.db "SELECT key_id FROM auth_keys WHERE person = '\''wang.fang'\'' AND retired_seq IS NULL") &&
	typed $pass -- -u wang.fang rekey >out &&
	grep "the key of wang.fang is replaced" out && grep "the agent holds the new key" out &&
	new=$(sqlite3 s/docket.db "SELECT key_id FROM auth_keys WHERE person = '\''wang.fang'\'' AND retired_seq IS NULL") &&
	test -n "$new" && test "$new" != "$old" &&
	seq=$(sqlite3 s/docket.db "SELECT seq FROM events WHERE type = '\''key.rotated'\''") &&
	test "$(sqlite3 s/docket.db "SELECT retired_seq FROM auth_keys WHERE key_id = '\''$old'\''")" = "$seq" &&
	test "$(sqlite3 s/docket.db "SELECT key_id FROM events WHERE seq = $seq")" = "$old" &&
	! cmp -s old.key s/keys/wang.fang.key && ! test -e s/keys/wang.fang.key.new &&
	leave wang.fang >r2 && test -s r2 &&
	test "$(sqlite3 s/docket.db "SELECT key_id FROM events ORDER BY seq DESC LIMIT 1")" = "$new" &&
	d -u wang.fang agent list | grep "wang.fang.*key ${new%"${new#????????????????}"}" &&
	d check >out && grep "signatures verified" out
'

test_expect_success 'the old key file signs nothing any more' '
	cp s/keys/wang.fang.key new.key &&
	cp old.key s/keys/wang.fang.key &&
	d -u wang.fang logout &&
	expect_exit 5 typed $pass -- -u wang.fang inbox >out &&
	grep "not the key of '\''wang.fang'\'' in this store" out &&
	cp new.key s/keys/wang.fang.key &&
	typed $pass -- -u wang.fang inbox >/dev/null
'

test_expect_success 'rekey --new-passphrase: the new key is kept under the new passphrase' '
	typed $pass New-Pass-2026 New-Pass-2026 -- -u wang.fang rekey --new-passphrase >out &&
	grep "is replaced" out && ! grep "agent holds" out &&
	expect_exit 5 typed $pass -- -u wang.fang inbox >out && grep "wrong passphrase" out &&
	typed New-Pass-2026 -- -u wang.fang inbox >/dev/null &&
	test "$(sqlite3 s/docket.db "SELECT count(*) FROM auth_keys WHERE person = '\''wang.fang'\''")" = 3 &&
	d check >/dev/null
'

test_expect_success 'a wrong passphrase replaces nothing' '
	n=$(sqlite3 s/docket.db "SELECT count(*) FROM auth_keys") &&
	expect_exit 5 typed Not-Mine-2026 -- -u wang.fang rekey >out && grep "wrong passphrase" out &&
	test "$(sqlite3 s/docket.db "SELECT count(*) FROM auth_keys")" = "$n"
'

test_expect_success 'a TUI `:` command signs with the session the TUI lends it, for its own person only' '
	d -u zhou.min logout &&
	openssl pkey -in s/keys/zhou.min.key -passin pass:$pass | openssl pkcs8 -topk8 -nocrypt -outform DER | base64 -w0 >k64 &&
	printf "zhou.min\n%s\n" "$(cat k64)" >lent &&
	DOCKET_SESSION_FD=3 setsid -w "$DOCKET" -C "$TMP/s" -u zhou.min opinions add 拟同意 3<lent </dev/null >out &&
	test "$(sqlite3 s/docket.db "SELECT actor FROM events ORDER BY seq DESC LIMIT 1")" = zhou.min &&
	test "$(sqlite3 s/docket.db "SELECT type FROM events ORDER BY seq DESC LIMIT 1")" = opinion.added &&
	DOCKET_SESSION_FD=3 expect_exit 5 setsid -w "$DOCKET" -C "$TMP/s" -u zhao.lei opinions add 同意 3<lent \
		</dev/null 2>err && grep "terminal only" err &&
	d check >/dev/null
'

test_expect_success 'roles: the file'\''s, listed; nobody but the security administrator changes them' '
	d roles he.xiaomei >out && grep "^he.xiaomei .* clerk$" out &&
	d --json roles >roles.json &&
	python3 -c "
import json
v = {r[\"person\"]: r for r in json.load(open(\"roles.json\"))}
assert v[\"xu.ming\"][\"roles\"] == [\"section_chief\"] and v[\"xu.ming\"][\"name\"] == \"徐明\", v[\"xu.ming\"]
assert v[\"tang.xue\"][\"roles\"] == [\"secadmin\"]" &&
	n=$(sqlite3 s/docket.db "SELECT count(*) FROM auth_roles") &&
	expect_exit 1 typed $pass -- -u luo.bin role grant he.xiaomei section_chief >out &&
	grep "only the security administrator grants roles" out &&
	expect_exit 1 typed $pass -- -u song.yu role revoke xu.ming section_chief >out &&
	grep "only the security administrator takes roles away" out &&
	expect_exit 1 typed $pass -- -u xu.ming role grant he.xiaomei section_chief >out &&
	grep "only the security administrator grants roles" out &&
	test "$(sqlite3 s/docket.db "SELECT count(*) FROM auth_roles")" = "$n" &&
	sqlite3 s/docket.db "SELECT actor, payload FROM events WHERE type = '\''action.refused'\''" >refused &&
	grep "^luo.bin|.*role.granted" refused && grep "^song.yu|.*role.revoked" refused &&
	grep "^xu.ming|.*role.granted" refused
'

test_expect_success 'the security administrator'\''s own limits: no administrator role, none to an administrator' '
	typed $pass -- -u tang.xue login >/dev/null &&
	expect_exit 1 d -u tang.xue role grant he.xiaomei sysadmin 2>err && grep "三员分立" err &&
	expect_exit 1 d -u tang.xue role revoke luo.bin sysadmin 2>err && grep "三员分立" err &&
	expect_exit 1 d -u tang.xue role grant song.yu clerk 2>err && grep "is an administrator" err &&
	expect_exit 1 d -u tang.xue role grant he.xiaomei no_such 2>err && grep "no role '\''no_such'\''" err &&
	expect_exit 1 d -u tang.xue role grant nobody clerk 2>err && grep "no user '\''nobody'\''" err &&
	expect_exit 1 d -u tang.xue role grant he.xiaomei clerk 2>err && grep "already holds" err &&
	expect_exit 1 d -u tang.xue role revoke he.xiaomei section_chief 2>err && grep "does not hold" err &&
	expect_exit 2 d -u tang.xue role give he.xiaomei clerk 2>/dev/null
'

test_expect_success 'a granted role counts in assignments; one taken away no longer does' '
	for p in zhang.wei huang.wei he.xiaomei xu.ming; do typed $pass -- -u $p login >/dev/null || exit 1; done &&
	d -u tang.xue role grant he.xiaomei section_chief >out && grep "granted role section_chief to he.xiaomei" out &&
	d roles he.xiaomei | grep "clerk +section_chief" &&
	r=$(leave zhang.wei) && test -n "$r" &&
	d -u huang.wei approve "$r" -m 同意 </dev/null >/dev/null &&
	d -u he.xiaomei --json inbox </dev/null | grep "\"$r\"" &&
	d -u xu.ming --json inbox </dev/null | grep "\"$r\"" &&
	d -u tang.xue role revoke xu.ming section_chief >out && grep "took role section_chief from xu.ming" out &&
	d roles xu.ming | grep -- "-section_chief" &&
	r2=$(leave zhang.wei) &&
	d -u huang.wei approve "$r2" -m 同意 </dev/null >/dev/null &&
	d -u he.xiaomei --json inbox </dev/null | grep "\"$r2\"" &&
	! d -u xu.ming --json inbox </dev/null | grep "\"$r2\"" &&
	d check >out && grep "signatures verified" out
'

test_expect_success 'grants survive a new organisation file while the role exists' '
	sed "s/title: 人事科科长/title: 人事科负责人/" "$REPO/workflows/organisation.yaml" >organisation.yaml &&
	typed $pass -- -u luo.bin deploy organisation.yaml >out && grep "deployed" out &&
	d roles he.xiaomei | grep "+section_chief" && d roles xu.ming | grep -- "-section_chief" &&
	typed $pass -- -u song.yu audit --kind role >out &&
	grep -c "role.granted" out | grep -q 1 && grep "role.revoked" out
'

test_expect_success 'the long help of the verbs of who acts is in Chinese under zh_CN' '
	for v in enrol login agent passwd rekey unlock revoke role roles policy audit init; do
		LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 docket help $v >h || exit 1
		if sed 1d h | grep -E "[a-z]{3,} [a-z]{3,} [a-z]{3,}"; then echo "$v: English left"; exit 1; fi
	done &&
	LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 docket help rekey | grep "旧密钥"
'

test_done
