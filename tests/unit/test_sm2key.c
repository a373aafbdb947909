/*
 * sm2key: keys written only encrypted (0600, openssl can read them with the
 * passphrase), a wrong passphrase told apart, signatures that verify only
 * for the exact message and key, and hostile key files refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/sm2key.h"
#include "util/buf.h"
#include "util/fsutil.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/docket-sm2key.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static char *path(const char *name)
{
	/* a few at once: symlink(path(a), path(b)) */
	static char p[4][128];
	static int i;
	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static void test_save_load_sign_verify(void **state)
{
	(void)state;
	struct buf err = BUF_INIT;
	struct sm2key *k = sm2key_generate(&err);
	assert_non_null(k);
	const char *pass = "春眠不觉晓-2026";
	assert_int_equal(sm2key_save(k, path("a.key"), pass, strlen(pass), &SM2KEY_KDF_FAST, &err), 0);
	struct stat st;
	assert_int_equal(stat(path("a.key"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* the file holds no clear key */
	struct buf f = BUF_INIT;
	assert_int_equal(read_file(path("a.key"), 1 << 20, &f), 0);
	assert_non_null(strstr(f.s, "BEGIN ENCRYPTED PRIVATE KEY"));
	assert_null(strstr(f.s, "BEGIN PRIVATE KEY"));
	buf_release(&f);

	struct sm2key *back = NULL;
	assert_int_equal(sm2key_load(path("a.key"), pass, strlen(pass), &back, &err), 0);
	char id1[HASH_HEX_LEN + 1], id2[HASH_HEX_LEN + 1];
	assert_int_equal(sm2key_id(k, id1), 0);
	assert_int_equal(sm2key_id(back, id2), 0);
	assert_string_equal(id1, id2);

	const char msg[] = "批准：同意";
	char *sig = sm2key_sign(back, msg, sizeof(msg) - 1, &err);
	assert_non_null(sig);
	char *pub = sm2key_public_b64(k);
	struct sm2key *pk = sm2key_from_public_b64(pub, &err);
	assert_non_null(pk);
	assert_false(sm2key_has_private(pk));
	assert_int_equal(sm2key_verify(pk, msg, sizeof(msg) - 1, sig), 1);
	/* one byte changed, or another key: no */
	assert_int_equal(sm2key_verify(pk, "批准：同意.", sizeof(msg), sig), 0);
	struct sm2key *other = sm2key_generate(&err);
	assert_int_equal(sm2key_verify(other, msg, sizeof(msg) - 1, sig), 0);
	assert_int_equal(sm2key_verify(pk, msg, sizeof(msg) - 1, "not base64!"), 0);
	/* a public key cannot sign */
	assert_null(sm2key_sign(pk, msg, 1, &err));
	free(sig);
	free(pub);
	sm2key_free(other);
	sm2key_free(pk);
	sm2key_free(back);
	sm2key_free(k);
	buf_release(&err);
}

/* The cost people's keys really get: OpenSSL must accept it both ways. */
static void test_default_cost(void **state)
{
	(void)state;
	struct buf err = BUF_INIT;
	struct sm2key *k = sm2key_generate(&err), *back = NULL;
	assert_int_equal(sm2key_save(k, path("slow.key"), "Docket-2026", 11, &SM2KEY_KDF_DEFAULT, &err), 0);
	assert_int_equal(sm2key_load(path("slow.key"), "Docket-2026", 11, &back, &err), 0);
	sm2key_free(back);
	assert_int_equal(sm2key_load(path("slow.key"), "Docket-2027", 11, &back, &err), SM2KEY_BADPASS);
	assert_null(back);
	sm2key_free(back);
	sm2key_free(k);
	buf_release(&err);
}

static void test_openssl_reads_it(void **state)
{
	(void)state;
	struct buf err = BUF_INIT;
	struct sm2key *k = sm2key_generate(&err);
	assert_int_equal(sm2key_save(k, path("b.key"), "pw", 2, &SM2KEY_KDF_FAST, &err), 0);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "openssl pkey -in '%s' -passin pass:pw -noout 2>/dev/null", path("b.key"));
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "openssl pkey -in '%s' -passin pass:px -noout 2>/dev/null", path("b.key"));
	assert_int_not_equal(system(cmd), 0);
	sm2key_free(k);
	buf_release(&err);
}

static void test_wrong_passphrase_and_hostile_files(void **state)
{
	(void)state;
	struct buf err = BUF_INIT;
	struct sm2key *k = sm2key_generate(&err), *out = NULL;
	assert_int_equal(sm2key_save(k, path("c.key"), "right", 5, &SM2KEY_KDF_FAST, &err), 0);
	/* many wrong passphrases: each is told apart, never a crash or a key */
	char wrong[16];
	for (int i = 0; i < 64; i++) {
		int n = snprintf(wrong, sizeof(wrong), "wrong%d", i);
		assert_int_equal(sm2key_load(path("c.key"), wrong, (size_t)n, &out, &err), SM2KEY_BADPASS);
		assert_null(out);
	}
	assert_int_equal(sm2key_load(path("none.key"), "x", 1, &out, &err), SM2KEY_MISSING);
	/* readable by others: refused, naming the mode */
	assert_int_equal(chmod(path("c.key"), 0644), 0);
	assert_int_equal(sm2key_load(path("c.key"), "right", 5, &out, &err), SM2KEY_ERR);
	assert_non_null(strstr(err.s, "0644"));
	assert_int_equal(chmod(path("c.key"), 0600), 0);
	/* a symlink is not followed */
	assert_int_equal(symlink(path("c.key"), path("link.key")), 0);
	assert_int_equal(sm2key_load(path("link.key"), "right", 5, &out, &err), SM2KEY_ERR);
	/* saving over a planted symlink replaces the link, never writes through it */
	assert_int_equal(write_file_atomic(path("victim"), "keep", 4), 0);
	assert_int_equal(symlink(path("victim"), path("d.key")), 0);
	assert_int_equal(sm2key_save(k, path("d.key"), "p", 1, &SM2KEY_KDF_FAST, &err), 0);
	struct buf v = BUF_INIT;
	assert_int_equal(read_file(path("victim"), 100, &v), 0);
	assert_string_equal(v.s, "keep");
	buf_release(&v);
	/* not a key at all */
	assert_int_equal(write_file_atomic(path("junk.key"), "hello", 5), 0);
	assert_int_equal(chmod(path("junk.key"), 0600), 0);
	assert_int_equal(sm2key_load(path("junk.key"), "p", 1, &out, &err), SM2KEY_ERR);
	/* public keys that are not */
	assert_null(sm2key_from_public_b64("", &err));
	assert_null(sm2key_from_public_b64("AAAA", &err));
	sm2key_free(k);
	buf_release(&err);
}

/* The clear form handed to the agent: the same key back, and nothing else accepted. */
static void test_private_b64(void **state)
{
	(void)state;
	struct buf err = BUF_INIT;
	struct sm2key *k = sm2key_generate(&err);
	char *priv = sm2key_private_b64(k);
	assert_non_null(priv);
	struct sm2key *back = sm2key_from_private_b64(priv, &err);
	assert_non_null(back);
	assert_true(sm2key_has_private(back));
	char id1[HASH_HEX_LEN + 1], id2[HASH_HEX_LEN + 1];
	assert_int_equal(sm2key_id(k, id1), 0);
	assert_int_equal(sm2key_id(back, id2), 0);
	assert_string_equal(id1, id2);
	const char msg[] = "会签：已阅";
	char *sig = sm2key_sign(back, msg, sizeof(msg) - 1, &err);
	assert_non_null(sig);
	assert_int_equal(sm2key_verify(k, msg, sizeof(msg) - 1, sig), 1);

	/* a public key has no clear private form; a public key's form is not a private key */
	char *pub = sm2key_public_b64(k);
	struct sm2key *pk = sm2key_from_public_b64(pub, &err);
	assert_null(sm2key_private_b64(pk));
	assert_null(sm2key_from_private_b64(pub, &err));
	assert_string_equal(err.s, "not an SM2 private key");
	assert_null(sm2key_from_private_b64("", &err));
	assert_null(sm2key_from_private_b64("AAAA", &err));
	assert_null(sm2key_from_private_b64("中文不是base64", &err));
	/* trailing bytes after the key */
	size_t n = strlen(priv);
	char *longer = malloc(n + 5);
	memcpy(longer, priv, n);
	memcpy(longer + n, "AAAA", 5);
	assert_null(sm2key_from_private_b64(longer, &err));
	free(longer);

	sm2key_wipe(priv, strlen(priv));
	free(priv);
	free(pub);
	free(sig);
	sm2key_free(pk);
	sm2key_free(back);
	sm2key_free(k);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_save_load_sign_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_cost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_openssl_reads_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_passphrase_and_hostile_files, setup, teardown),
		cmocka_unit_test(test_private_b64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
