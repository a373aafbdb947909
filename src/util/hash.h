/*
 * hash: SM3 content hashes and random identifiers.
 *
 * SM3 (GB/T 32905) through OpenSSL 3 names deployed definition versions and
 * chains the event log. UUIDs (version 4) name events.
 */
#ifndef DOCKET_HASH_H
#define DOCKET_HASH_H

#include <stddef.h>

#define HASH_HEX_LEN 64

/* SM3 of data as 64 lowercase hex digits plus NUL; returns 0 or -1. */
int hash_sm3_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1]);
/* A random version-4 UUID in canonical form (36 chars plus NUL). */
void uuid_v4(char out[37]);
/* Whether u is a UUID in canonical lowercase form (8-4-4-4-12 hex digits). */
int uuid_valid(const char *u);

#endif
