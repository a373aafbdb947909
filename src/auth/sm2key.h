/*
 * sm2key: a person's SM2 key pair, kept on disk only encrypted.
 *
 * The private key is written as PKCS#8 "ENCRYPTED PRIVATE KEY" (PEM):
 * PBES2 with scrypt deriving an SM4-CBC key from the passphrase and a
 * random salt (GB/T 39786 asks for SM4 where data is encrypted; scrypt is
 * OpenSSL 3's slow, memory-hard KDF). The file is created 0600 with
 * O_EXCL|O_NOFOLLOW under a temporary name, synced, then renamed, so a
 * crash leaves the old key or the new one, never half of one, and a
 * planted symlink is never followed. `openssl pkey -in FILE` reads it.
 *
 * Signatures are SM2 (GB/T 32918) with SM3 and the standard's default
 * signer ID "1234567812345678", DER-encoded, passed around as base64.
 * A key is named by its key id: the SM3 of its public key (DER
 * SubjectPublicKeyInfo) in hex.
 *
 * Errors: functions return 0 or a negative SM2KEY_* status with the
 * message in `err` (lowercase, subject quoted).
 */
#ifndef DOCKET_SM2KEY_H
#define DOCKET_SM2KEY_H

#include <stddef.h>

#include "../util/hash.h"

struct buf;
struct sm2key; /* opaque: a key pair, or a public key alone */

enum sm2key_status {
	SM2KEY_OK = 0,
	SM2KEY_ERR = -1,      /* anything else (see the message) */
	SM2KEY_BADPASS = -2,  /* the passphrase does not open the key */
	SM2KEY_MISSING = -3,  /* no key file */
};

/* scrypt's cost: N (a power of two), r, p. */
struct sm2key_kdf {
	unsigned long n;
	unsigned long r, p;
};
/*
 * For people's keys: N=2^14, r=8, p=2 (16 MiB, about 0.1 s). OpenSSL
 * refuses scrypt parameters needing more than 32 MiB when it decrypts a
 * PKCS#8 key (its default limit), so the cost is raised with p, not N.
 */
extern const struct sm2key_kdf SM2KEY_KDF_DEFAULT;
/* For test and demo stores only: N=2^10 (fast, not safe). */
extern const struct sm2key_kdf SM2KEY_KDF_FAST;

/* A new random key pair; NULL (message in err) on failure. */
struct sm2key *sm2key_generate(struct buf *err);
void sm2key_free(struct sm2key *k);
/* 1 when the private half is present (not a public key alone). */
int sm2key_has_private(const struct sm2key *k);

/*
 * Write the private key to `path`, encrypted under `pass` (len bytes),
 * mode 0600, replacing any file there atomically.
 */
int sm2key_save(const struct sm2key *k, const char *path, const char *pass, size_t passlen,
		const struct sm2key_kdf *kdf, struct buf *err);
/*
 * Read and decrypt the key at `path`. SM2KEY_BADPASS when the passphrase
 * is wrong, SM2KEY_MISSING when there is no file; refused too when the
 * file is readable by others than its owner, or is not an SM2 key.
 */
int sm2key_load(const char *path, const char *pass, size_t passlen, struct sm2key **out,
		struct buf *err);

/* The public key as base64 of its DER SubjectPublicKeyInfo (caller frees). */
char *sm2key_public_b64(const struct sm2key *k);
/* A public key from that form; NULL (message in err) when it is not an SM2 public key. */
struct sm2key *sm2key_from_public_b64(const char *b64, struct buf *err);
/*
 * The private key in the clear, as base64 of its PKCS#8 DER
 * (PrivateKeyInfo), to hand an unlocked key to the agent over its private
 * socket; NULL when k has no private half. The caller wipes the string
 * (sm2key_wipe, strlen bytes) before freeing it.
 */
char *sm2key_private_b64(const struct sm2key *k);
/* A key pair from that form; NULL (message in err) when it is not an SM2 private key. */
struct sm2key *sm2key_from_private_b64(const char *b64, struct buf *err);
/* The key id (SM3 of the public key's DER, hex). */
int sm2key_id(const struct sm2key *k, char out[HASH_HEX_LEN + 1]);

/* Sign `msg`: the signature as base64 DER (caller frees), or NULL with err. */
char *sm2key_sign(const struct sm2key *k, const void *msg, size_t len, struct buf *err);
/* 1 when `sig_b64` is k's valid signature of msg, 0 when not, negative on error. */
int sm2key_verify(const struct sm2key *k, const void *msg, size_t len, const char *sig_b64);

/* Overwrite a secret in memory in a way the compiler keeps. */
void sm2key_wipe(void *p, size_t len);

#endif
