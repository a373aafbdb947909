#include "hash.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The SM3 implementation, looked up once: fetching it from OpenSSL's
 * provider store costs more than hashing an event (every action hashes
 * twice: its id and the log's chain).
 */
static EVP_MD *sm3_md;
static pthread_once_t sm3_once = PTHREAD_ONCE_INIT;

static void sm3_fetch(void)
{
	sm3_md = EVP_MD_fetch(NULL, "SM3", NULL);
}

static void to_hex(const unsigned char *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

int hash_sm3_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	pthread_once(&sm3_once, sm3_fetch);
	if (!sm3_md || !EVP_Digest(data, len, md, &mdlen, sm3_md, NULL) || mdlen != 32)
		return -1;
	to_hex(md, mdlen, out);
	return 0;
}

void uuid_v4(char out[37])
{
	unsigned char b[16];
	if (RAND_bytes(b, sizeof(b)) != 1) {
		fprintf(stderr, "docket: no random numbers available\n");
		abort();
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
/* 8-4-4-4-12 hex digits */
	char *o = out;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		to_hex(b + i, 1, o);
		o += 2;
	}
}

int uuid_valid(const char *u)
{
	if (!u || strlen(u) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (u[i] != '-')
				return 0;
		} else if (!((u[i] >= '0' && u[i] <= '9') || (u[i] >= 'a' && u[i] <= 'f'))) {
			return 0;
		}
	}
	return 1;
}
