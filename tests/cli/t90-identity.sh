#!/bin/sh
# Who acts (doc/security.md): -u alone proves nothing; a passphrase is read
# from a terminal only; failures lock an account; an initial passphrase is
# replaced first; a key file from another store does not sign here; the
# agent's socket is ours alone; deploying is the system administrator's;
# the three administrators do their own work only; check counts the
# signatures it verified. The passphrases are typed on a pseudo-terminal
# by ptyrun, as a person types them.
. "$TESTS_DIR/cli/lib.sh"

pass=Docket-2026
# this scenario's own agent, empty to begin with
export DOCKET_AGENT="$TMP/agent/agent.sock"
trap '"$DOCKET" agent stop >/dev/null 2>&1; rm -rf "$TMP"' EXIT

# typed ANSWER... -- ARGS: docket on $TMP/s on a terminal, the answers typed at its prompts
typed() {
	set -- "$@"
	a=
	while [ "$1" != -- ]; do a="$a --type $1"; shift; done
	shift
	# shellcheck disable=SC2086
	"$PTYRUN" $a -- "$DOCKET" -C "$TMP/s" "$@"
}

# no terminal at all: as a script run from cron or a pipe
noterm() {
	setsid -w "$DOCKET" -C "$TMP/s" "$@"
}

test_expect_success 'setup: the signed store, nobody signed in at this agent' '
	signed_store s &&
	d -u wang.fang --json new leave --set type=personal --set start=2026-03-03 --set end=2026-03-03 \
		--set reason=家中有事 2>err </dev/null; test $? = 5 &&
	grep "terminal only" err &&
	typed $pass -- -u wang.fang login >out && grep "signed in at the agent" out &&
	d -u wang.fang --json new leave --set type=personal --set start=2026-03-03 --set end=2026-03-03 \
		--set reason=家中有事 >new.json &&
	sed -n "s/.*\"request\": \"\\([a-z2-7]*\\)\".*/\\1/p" new.json >r && test -s r
'

test_expect_success '-u names someone; without their credentials nothing is done' '
	r=$(cat r) &&
	n=$(sqlite3 s/docket.db "SELECT count(*) FROM events") &&
	expect_exit 5 noterm -u zhao.lei approve "$r" -m 同意 2>err </dev/null &&
	grep "terminal only" err &&
	echo "$pass" | expect_exit 5 noterm -u zhao.lei approve "$r" -m 同意 2>err &&
	test "$(sqlite3 s/docket.db "SELECT count(*) FROM events")" = "$n"
'

test_expect_success 'the passphrase on a terminal acts once; a wrong one is recorded' '
	r=$(cat r) &&
	typed $pass -- -u zhao.lei approve "$r" -m 同意 >out && grep "approved" out &&
	test "$(sqlite3 s/docket.db "SELECT actor FROM events ORDER BY seq DESC LIMIT 1")" = zhao.lei &&
	expect_exit 5 typed wrong-Pass1 -- -u zhou.min inbox >out &&
	grep "wrong passphrase" out &&
	sqlite3 s/docket.db "SELECT actor, payload FROM events WHERE type = '\''signin.failed'\''" >failed &&
	grep "^system|" failed && grep "zhou.min" failed && grep "wrong passphrase" failed
'

test_expect_success 'five failures lock the account; the security administrator unlocks it' '
	for i in 2 3 4 5; do expect_exit 5 typed wrong-Pass$i -- -u zhou.min inbox >/dev/null || exit 1; done &&
	expect_exit 5 typed $pass -- -u zhou.min inbox >out &&
	grep "locked until" out && ! grep -i "passphrase for" out &&
	expect_exit 5 typed $pass -- -u zhou.min unlock zhou.min >out && grep "locked until" out &&
	typed $pass -- -u tang.xue unlock zhou.min >out && grep "unlocked zhou.min" out &&
	typed $pass -- -u zhou.min inbox >out && ! grep "locked" out
'

test_expect_success 'an initial passphrase must be replaced before anything else' '
	(umask 077 && echo "zhang.wei Initial-2026" >initial) &&
	typed $pass -- -u tang.xue enrol --passphrases initial >out && grep "enrolled zhang.wei" out &&
	expect_exit 5 typed Initial-2026 -- -u zhang.wei inbox >out &&
	grep "initial passphrase" out &&
	expect_exit 5 typed Initial-2026 short short -- -u zhang.wei login >out &&
	grep "at least 8 characters" out &&
	typed Initial-2026 Mine-2026 Mine-2026 -- -u zhang.wei login >out &&
	grep "choose your own now" out && grep "signed in at the agent" out &&
	d -u zhang.wei inbox </dev/null >/dev/null
'

test_expect_success 'a key file copied from another store does not sign here' '
	signed_store other &&
	(umask 077 && echo "huang.wei Other-2026" >other.txt) &&
	"$PTYRUN" --type $pass -- "$DOCKET" -C other -u tang.xue enrol --passphrases other.txt >/dev/null &&
	cp other/keys/huang.wei.key s/keys/huang.wei.key &&
	expect_exit 5 typed Other-2026 -- -u huang.wei inbox >out &&
	grep "not the key of '\''huang.wei'\'' in this store" out
'

test_expect_success 'an agent socket another OS user could reach is never used' '
	if [ "$(id -u)" = 0 ]; then
		mkdir -m 700 foreign && chown 65534 foreign &&
		DOCKET_AGENT="$TMP/foreign/agent.sock" expect_exit 5 noterm -u wang.fang inbox 2>err </dev/null &&
		grep "foreign" err
	else
		mkdir -m 755 foreign &&
		DOCKET_AGENT="$TMP/foreign/agent.sock" expect_exit 5 noterm -u wang.fang inbox 2>err </dev/null &&
		grep "foreign" err
	fi
'

test_expect_success 'deploying is the system administrator'\''s, never one a new organisation makes' '
	sed "s/roles: \[doc_clerk, clerk\]/roles: [doc_clerk, clerk, sysadmin]/" \
		"$REPO/workflows/organisation.yaml" >organisation.yaml &&
	expect_exit 1 typed $pass -- -u wang.fang deploy organisation.yaml >out &&
	grep "only a system administrator" out && grep "nothing was deployed" out &&
	typed $pass -- -u luo.bin deploy "$REPO/workflows/organisation.yaml" >out &&
	grep "unchanged" out
'

test_expect_success 'the three administrators do their own work only' '
	r=$(cat r) &&
	expect_exit 1 typed $pass -- -u tang.xue new leave --set type=personal --set start=2026-03-04 \
		--set end=2026-03-04 --set reason=私事 >out && grep "三员分立" out &&
	expect_exit 1 typed $pass -- -u luo.bin enrol wang.fang >out && grep "only the security administrator" out &&
	expect_exit 1 typed $pass -- -u song.yu unlock wang.fang >out && grep "only the security administrator" out &&
	expect_exit 1 typed $pass -- -u wang.fang policy --min-length 12 >out &&
	grep "only the security administrator" out &&
	typed $pass -- -u tang.xue policy --min-length 12 >/dev/null &&
	d policy | grep "at least 12 characters"
'

test_expect_success 'the audit administrator reads the trail; refusals are in it' '
	expect_exit 1 typed $pass -- -u wang.fang audit >out &&
	grep "only the audit administrator" out &&
	typed $pass -- -u song.yu login >/dev/null &&
	d -u song.yu audit --kind action.refused >out &&
	grep "only the security administrator unlocks accounts" out &&
	grep "only the audit administrator reads the audit trail" out &&
	grep "唐雪 *action.refused" out &&
	d -u song.yu --json audit --person zhou.min --kind signin >a.json &&
	python3 -c "
import json
v = json.load(open(\"a.json\"))[\"events\"]
failed = [e for e in v if e[\"type\"] == \"signin.failed\"]
reasons = [e[\"reason\"] for e in failed]
assert reasons == [\"wrong passphrase\"] * 5 + [\"account locked\"] * 2, reasons
assert all(not e[\"signed\"] and e[\"actor\"] == \"system\" for e in failed), v
assert any(e[\"type\"] == \"signin.succeeded\" and e[\"terminal\"] for e in v), v" &&
	d -u song.yu audit --since 2026-03-02 --until 2026-03-02 --verify >out &&
	grep "the trail is intact" out
'

test_expect_success 'check verifies every signature' '
	d check >out && grep "signatures verified" out &&
	d --json check >check.json &&
	python3 -c "import json; v=json.load(open(\"check.json\")); assert v[\"ok\"] and v[\"signatures\"] > 40 and v[\"unsigned_system\"] >= 5, v"
'

test_done
