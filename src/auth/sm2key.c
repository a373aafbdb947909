#include "sm2key.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/buf.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"

struct sm2key {
	EVP_PKEY *pk;
	int priv;
};

const struct sm2key_kdf SM2KEY_KDF_DEFAULT = { 1ul << 14, 8, 2 };
const struct sm2key_kdf SM2KEY_KDF_FAST = { 1ul << 10, 8, 1 };

/* GB/T 35276's default signer identity. */
static const char SM2_ID[] = "1234567812345678";

void sm2key_wipe(void *p, size_t len)
{
	if (p)
		OPENSSL_cleanse(p, len);
}

static int fail(struct buf *err, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct buf *err, int status, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		buf_reset(err);
		va_start(ap, fmt);
		buf_vaddf(err, fmt, ap);
		va_end(ap);
	}
	ERR_clear_error();
	return status;
}

static struct sm2key *wrap(EVP_PKEY *pk, int priv)
{
	struct sm2key *k = xcalloc(1, sizeof(*k));
	k->pk = pk;
	k->priv = priv;
	return k;
}

struct sm2key *sm2key_generate(struct buf *err)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
	if (!pk) {
		fail(err, SM2KEY_ERR, "%s", _("unable to make an SM2 key: OpenSSL has no SM2"));
		return NULL;
	}
	return wrap(pk, 1);
}

void sm2key_free(struct sm2key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pk);
	free(k);
}

int sm2key_has_private(const struct sm2key *k)
{
	return k && k->priv;
}

/* Write `data` to path through a 0600 temporary made with O_EXCL|O_NOFOLLOW. */
static int write_private(const char *path, const char *data, size_t len, struct buf *err)
{
	struct buf tmp = BUF_INIT;
	unsigned char rnd[8];
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return fail(err, SM2KEY_ERR, "%s", _("unable to make random numbers"));
	buf_addf(&tmp, "%s.tmp-", path);
	for (size_t i = 0; i < sizeof(rnd); i++)
		buf_addf(&tmp, "%02x", rnd[i]);
	int fd = open(tmp.s, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		int rc = fail(err, SM2KEY_ERR, _("unable to write '%s': %s"), path, strerror(errno));
		buf_release(&tmp);
		return rc;
	}
	size_t off = 0;
	int ok = 1;
	while (ok && off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			ok = 0;
		else
			off += (size_t)n;
	}
	if (ok && fsync(fd))
		ok = 0;
	int e = errno;
	if (close(fd))
		ok = ok ? (e = errno, 0) : 0;
	if (ok && rename(tmp.s, path))
		ok = 0, e = errno;
	if (!ok) {
		unlink(tmp.s);
		buf_release(&tmp);
		return fail(err, SM2KEY_ERR, _("unable to write '%s': %s"), path, strerror(e));
	}
	buf_release(&tmp);
	/* the rename is durable once the directory is */
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	int dfd = open(slash ? (slash == dir ? "/" : dir) : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(dir);
	return 0;
}

int sm2key_save(const struct sm2key *k, const char *path, const char *pass, size_t passlen,
		const struct sm2key_kdf *kdf, struct buf *err)
{
	if (!k || !k->priv)
		return fail(err, SM2KEY_ERR, "%s", _("no private key to save"));
	if (passlen > INT_MAX)
		return fail(err, SM2KEY_ERR, "%s", _("the passphrase is too long"));
	unsigned char salt[16];
	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return fail(err, SM2KEY_ERR, "%s", _("unable to make random numbers"));
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(k->pk);
	X509_ALGOR *alg = p8 ? PKCS5_pbe2_set_scrypt(EVP_sm4_cbc(), salt, sizeof(salt), NULL, kdf->n,
						     kdf->r, kdf->p)
			     : NULL;
	X509_SIG *enc = alg ? PKCS8_set0_pbe(pass, (int)passlen, p8, alg) : NULL;
	if (!enc)
		X509_ALGOR_free(alg);
	PKCS8_PRIV_KEY_INFO_free(p8);
	if (!enc)
		return fail(err, SM2KEY_ERR, _("unable to encrypt the key for '%s'"), path);
	BIO *mem = BIO_new(BIO_s_mem());
	int ok = mem && PEM_write_bio_PKCS8(mem, enc);
	X509_SIG_free(enc);
	char *data = NULL;
	long len = ok ? BIO_get_mem_data(mem, &data) : 0;
	int rc = ok && len > 0 ? write_private(path, data, (size_t)len, err)
			       : fail(err, SM2KEY_ERR, _("unable to encode the key for '%s'"), path);
	BIO_free(mem);
	return rc;
}

int sm2key_load(const char *path, const char *pass, size_t passlen, struct sm2key **out,
		struct buf *err)
{
	*out = NULL;
	if (passlen > INT_MAX)
		return fail(err, SM2KEY_BADPASS, "%s", _("the passphrase is too long"));
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errno == ENOENT ? SM2KEY_MISSING : SM2KEY_ERR, _("unable to read '%s': %s"),
			    path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, SM2KEY_ERR, _("'%s' is not a key file"), path);
	}
	if (st.st_mode & 077) {
		close(fd);
		return fail(err, SM2KEY_ERR,
			    _("'%s' can be read by others (mode %04o): a key file must be 0600"), path,
			    (unsigned)(st.st_mode & 0777));
	}
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return fail(err, SM2KEY_ERR, _("unable to read '%s': %s"), path, strerror(errno));
	}
	X509_SIG *enc = PEM_read_PKCS8(f, NULL, NULL, NULL);
	fclose(f);
	if (!enc)
		return fail(err, SM2KEY_ERR, _("'%s' is not an encrypted key"), path);
	PKCS8_PRIV_KEY_INFO *p8 = PKCS8_decrypt(enc, pass, (int)passlen);
	X509_SIG_free(enc);
	if (!p8)
		return fail(err, SM2KEY_BADPASS, "%s", _("wrong passphrase"));
	EVP_PKEY *pk = EVP_PKCS82PKEY(p8);
	PKCS8_PRIV_KEY_INFO_free(p8);
	/* a wrong passphrase can decrypt to padding that happens to fit */
	if (!pk)
		return fail(err, SM2KEY_BADPASS, "%s", _("wrong passphrase"));
	if (!EVP_PKEY_is_a(pk, "SM2")) {
		EVP_PKEY_free(pk);
		return fail(err, SM2KEY_ERR, _("'%s' is not an SM2 key"), path);
	}
	*out = wrap(pk, 1);
	return 0;
}

static char *b64(const unsigned char *p, size_t n)
{
	char *s = xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)s, p, (int)n);
	return s;
}

/* Decode base64 into a new buffer; NULL when it is not base64. */
static unsigned char *unb64(const char *s, size_t *n)
{
	size_t len = strlen(s);
	if (!len || len % 4 || len > 1u << 20)
		return NULL;
	unsigned char *p = xmalloc(len / 4 * 3 + 1);
	int got = EVP_DecodeBlock(p, (const unsigned char *)s, (int)len);
	if (got < 0) {
		/* it may hold part of a private key */
		sm2key_wipe(p, len / 4 * 3 + 1);
		free(p);
		return NULL;
	}
	size_t pad = (s[len - 1] == '=') + (s[len - 2] == '=');
	*n = (size_t)got - pad;
	return p;
}

/* The DER of the public key (caller frees with OPENSSL_free). */
static int public_der(const struct sm2key *k, unsigned char **der)
{
	*der = NULL;
	return i2d_PUBKEY(k->pk, der);
}

char *sm2key_public_b64(const struct sm2key *k)
{
	unsigned char *der;
	int n = public_der(k, &der);
	if (n <= 0)
		return NULL;
	char *s = b64(der, (size_t)n);
	OPENSSL_free(der);
	return s;
}

struct sm2key *sm2key_from_public_b64(const char *s, struct buf *err)
{
	size_t n = 0;
	unsigned char *der = s ? unb64(s, &n) : NULL;
	const unsigned char *p = der;
	EVP_PKEY *pk = der ? d2i_PUBKEY(NULL, &p, (long)n) : NULL;
	int whole = pk && p == der + n;
	free(der);
	if (!pk || !whole || !EVP_PKEY_is_a(pk, "SM2")) {
		EVP_PKEY_free(pk);
		fail(err, SM2KEY_ERR, "%s", _("not an SM2 public key"));
		return NULL;
	}
	return wrap(pk, 0);
}

char *sm2key_private_b64(const struct sm2key *k)
{
	if (!k || !k->priv)
		return NULL;
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(k->pk);
	unsigned char *der = NULL;
	int n = p8 ? i2d_PKCS8_PRIV_KEY_INFO(p8, &der) : 0;
	PKCS8_PRIV_KEY_INFO_free(p8);
	char *s = n > 0 ? b64(der, (size_t)n) : NULL;
	if (der)
		OPENSSL_clear_free(der, (size_t)(n > 0 ? n : 0));
	ERR_clear_error();
	return s;
}

struct sm2key *sm2key_from_private_b64(const char *s, struct buf *err)
{
	size_t n = 0;
	unsigned char *der = s ? unb64(s, &n) : NULL;
	const unsigned char *p = der;
	PKCS8_PRIV_KEY_INFO *p8 = der ? d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)n) : NULL;
	int whole = p8 && p == der + n;
	EVP_PKEY *pk = p8 && whole ? EVP_PKCS82PKEY(p8) : NULL;
	PKCS8_PRIV_KEY_INFO_free(p8);
	if (der) {
		sm2key_wipe(der, n);
		free(der);
	}
	if (!pk || !EVP_PKEY_is_a(pk, "SM2")) {
		EVP_PKEY_free(pk);
		fail(err, SM2KEY_ERR, "%s", _("not an SM2 private key"));
		return NULL;
	}
	return wrap(pk, 1);
}

int sm2key_id(const struct sm2key *k, char out[HASH_HEX_LEN + 1])
{
	unsigned char *der;
	int n = public_der(k, &der);
	if (n <= 0)
		return -1;
	int rc = hash_sm3_hex(der, (size_t)n, out);
	OPENSSL_free(der);
	return rc;
}

/*
 * SM3, fetched from OpenSSL's providers once: EVP_sm3() looks it up again
 * on every signature, which costs as much as a good part of the signing.
 */
static EVP_MD *sm3_md;
static pthread_once_t sm3_once = PTHREAD_ONCE_INIT;

static void sm3_fetch(void)
{
	sm3_md = EVP_MD_fetch(NULL, "SM3", NULL);
}

/* A digest context for SM2 with SM3 and the default ID; NULL on failure. */
static EVP_MD_CTX *sm2_ctx(const struct sm2key *k, int sign)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, k->pk, NULL);
	if (!m || !pc || EVP_PKEY_CTX_set1_id(pc, SM2_ID, sizeof(SM2_ID) - 1) <= 0) {
		EVP_MD_CTX_free(m);
		EVP_PKEY_CTX_free(pc);
		return NULL;
	}
	EVP_MD_CTX_set_pkey_ctx(m, pc);
	pthread_once(&sm3_once, sm3_fetch);
	int ok = sm3_md && (sign ? EVP_DigestSignInit(m, NULL, sm3_md, NULL, k->pk)
				 : EVP_DigestVerifyInit(m, NULL, sm3_md, NULL, k->pk));
	if (ok <= 0) {
		EVP_MD_CTX_free(m);
		EVP_PKEY_CTX_free(pc);
		return NULL;
	}
	/* the MD context does not own a context set with set_pkey_ctx: keep it alongside */
	return m;
}

static void sm2_ctx_free(EVP_MD_CTX *m)
{
	if (!m)
		return;
	EVP_PKEY_CTX *pc = EVP_MD_CTX_get_pkey_ctx(m);
	EVP_MD_CTX_free(m);
	EVP_PKEY_CTX_free(pc);
}

char *sm2key_sign(const struct sm2key *k, const void *msg, size_t len, struct buf *err)
{
	if (!k || !k->priv) {
		fail(err, SM2KEY_ERR, "%s", _("no private key to sign with"));
		return NULL;
	}
	EVP_MD_CTX *m = sm2_ctx(k, 1);
	size_t n = 0;
	unsigned char *sig = NULL;
	char *out = NULL;
	if (m && EVP_DigestSign(m, NULL, &n, msg, len) > 0) {
		sig = xmalloc(n);
		if (EVP_DigestSign(m, sig, &n, msg, len) > 0)
			out = b64(sig, n);
	}
	sm2_ctx_free(m);
	free(sig);
	if (!out)
		fail(err, SM2KEY_ERR, "%s", _("unable to sign: SM2 failed"));
	return out;
}

int sm2key_verify(const struct sm2key *k, const void *msg, size_t len, const char *sig_b64)
{
	size_t n = 0;
	unsigned char *sig = sig_b64 ? unb64(sig_b64, &n) : NULL;
	if (!sig)
		return 0;
	EVP_MD_CTX *m = sm2_ctx(k, 0);
	int rc = m ? EVP_DigestVerify(m, sig, n, msg, len) : -1;
	sm2_ctx_free(m);
	free(sig);
	ERR_clear_error();
	return rc == 1 ? 1 : rc == 0 || m ? 0 : -1;
}
