#!/bin/sh
# docket sync over HTTPS, its certificate faults (t98 has the others): a
# certificate that has expired, one signed by a CA other than the one the
# terminal was given, and one it trusts through --ca. Nothing is lost in
# any of them. (The terminal killed during a pull: tests/faults/t30.)
. "$TESTS_DIR/cli/lib.sh"
. "$TESTS_DIR/cli/docketd-lib.sh"
. "$TESTS_DIR/cli/sync-faults-lib.sh"

test_expect_success 'setup: a server, two enrolled terminals' '
	sync_setup
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
unique_subject = no
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
