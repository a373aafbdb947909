#!/bin/sh
# docket sync's faults, continued (t98): the terminal killed with SIGKILL
# at random moments of a sync that pulls a few hundred events (its store
# stays consistent, a last sync converges on the server's state), and
# HTTPS: a certificate that has expired, one signed by a CA the terminal
# was not told of, and one it trusts through --ca.
. "$TESTS_DIR/cli/lib.sh"
. "$TESTS_DIR/cli/docketd-lib.sh"
. "$TESTS_DIR/cli/sync-faults-lib.sh"

# ms N: a random number of milliseconds below N
ms() {
	echo $(($(od -An -N2 -tu2 /dev/urandom) % $1))
}

test_expect_success 'setup: a server, two enrolled terminals; A makes a few hundred events and pushes them' '
	sync_setup && a0=$(events_in A) &&
	i=0 && while [ $i -lt 40 ]; do
		r=$(new_leave A 2026-03-03) && echo "$r" >>reqs &&
		docket -C A -u zhao.lei approve "$r" -m 同意 >/dev/null || exit 1
		i=$((i + 1))
	done &&
	synced A && test "$(count rejected)" = 0 && made=$(count accepted) &&
	echo "$made" >made && test "$made" = "$(($(events_in A) - a0))" && test "$made" -ge 200
'

test_expect_success 'B killed with SIGKILL at random moments of its pull: consistent each time; a last sync converges' '
	b0=$(events_in B) && made=$(cat made) && kills=0 &&
	for try in 1 2 3 4 5 6 7 8 9 10; do
		"$DOCKET" -C B sync >/dev/null 2>&1 & pid=$!
		sleep "0.$(printf %03d "$(ms 900)")"
		kill -KILL $pid 2>/dev/null && kills=$((kills + 1))
		wait $pid
		checked B || exit 1
		n=$(events_in B) && test "$n" -ge "$b0" && test "$n" -le "$((b0 + made))" || exit 1
	done &&
	echo "killed $kills of 10" &&
	synced B && test "$(events_in B)" = "$((b0 + made))" &&
	synced B && test "$(count pulled)" = 0 && checked B && srv_checked &&
	for r in $(sed -n "1p;7p;20p;33p;40p" reqs); do
		docket -C B -u qian.yu show "$r" >b.show && docket -C srv -u qian.yu show "$r" >srv.show &&
		test_cmp srv.show b.show && grep "同意" b.show || exit 1
	done
'

# a CA, and certificates it signs for 127.0.0.1 between two dates (openssl ca)
cat >"$TMP/ca.cnf" <<'EOF'
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = policy_any
copy_extensions = copy
[ policy_any ]
commonName = supplied
EOF

# signed NAME START END: NAME.pem and NAME.key, signed by ca.pem, valid from START to END (YYYYMMDDHHMMSSZ)
signed() {
	openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 2>/dev/null &&
	openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in "$1.csr" -out "$1.pem" \
		-startdate "$2" -enddate "$3" -notext >/dev/null 2>&1
}

test_expect_success 'HTTPS: an expired certificate is said to be expired (exit 6, both languages), nothing lost' '
	: >index.txt && echo 01 >serial &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 -subj /CN=docket-test-ca 2>/dev/null &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 30 -subj /CN=another-ca 2>/dev/null &&
	signed old 20250101000000Z 20250201000000Z && signed good 20250101000000Z 20991231000000Z &&
	stop_server >/dev/null &&
	SRV_ARGS="--cert $TMP/old.pem --key $TMP/old.key" start_server && grep "^https://" url &&
	docket -C B remote set "$(cat url)" --ca ca.pem >/dev/null &&
	new_leave B 2026-03-04 >/dev/null && n=$(srv_events) &&
	expect_exit 6 docket -C B sync 2>err && grep "certificate has expired" err && ! grep "trying again" err &&
	LC_ALL=zh_CN.UTF-8 LANG=zh_CN.UTF-8 expect_exit 6 docket -C B sync 2>err.zh && grep "证书已过期" err.zh &&
	test "$(srv_events)" = "$n" && docket -C B sync --status >st && grep -E "waiting: +[1-9]" st && checked B &&
	test "$(stop_server)" = 0
'

test_expect_success 'HTTPS: a certificate signed by another CA than the one given is "not trusted"; the right CA syncs' '
	SRV_ARGS="--cert $TMP/good.pem --key $TMP/good.key" start_server &&
	docket -C B remote set "$(cat url)" --ca other.pem >/dev/null &&
	expect_exit 6 docket -C B sync 2>err && grep "certificate is not trusted" err && ! grep "expired" err &&
	docket -C B remote set "$(cat url)" --ca ca.pem >/dev/null &&
	synced B && test "$(count accepted)" -gt 0 && test "$(count rejected)" = 0 &&
	docket -C B sync --status >st && grep -E "waiting: +0 " st && checked B && srv_checked
'

test_done
