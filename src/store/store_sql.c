/*
 * store_sql: the one SQL kit of the store and of the modules above it that
 * keep tables in the same database (documents, the approval engine; see
 * store_sql.h): statements cached per connection by the address of their
 * SQL literal, parameters bound from a format string, helpers that run a
 * statement to its end or to one value, and the one mapping from SQLite's
 * result codes to store statuses and messages.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "store_internal.h"
#include "store_sql.h"

int store_sql_status(struct store *s, int rc, const char *what)
{
	const char *why = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return store_fail(s, STORE_BUSY,
				  _("store '%s' is busy: another docket process is writing (try again)"),
				  s->dir);
	case SQLITE_READONLY:
		return store_fail(s, STORE_READONLY,
				  _("store '%s' is read-only: unable to write '%s' (check its permissions)"),
				  s->dir, s->db_path);
	case SQLITE_FULL:
		return store_fail(s, STORE_FULL,
				  _("disk full while writing store '%s'; nothing was changed"), s->dir);
	case SQLITE_NOMEM:
		return store_fail(s, STORE_NOMEM,
				  _("store '%s': out of memory while trying to %s; nothing was changed "
				    "(close other programs, then try again)"),
				  s->dir, what);
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return store_fail(s, STORE_CORRUPT,
				  _("store '%s' is damaged: %s (restore it from a backup; see doc/store.md)"), s->dir, why);
	case SQLITE_IOERR:
		/* a write that failed for lack of space is reported as such */
		if (s->db && sqlite3_system_errno(s->db) == ENOSPC)
			return store_fail(s, STORE_FULL,
					  _("disk full while writing store '%s'; nothing was changed"),
					  s->dir);
		return store_fail(s, STORE_IO,
				  _("store '%s': the disk failed (%s) while trying to %s; nothing was changed "
				    "(check the disk, then try again)"),
				  s->dir, why, what);
	}
	return store_fail(s, STORE_ERR, _("store '%s': unable to %s: %s"), s->dir, what, why);
}

/* --- the statement cache ------------------------------------------------ */

/*
 * The cache is an open-addressing hash table keyed by the SQL text's
 * address (a literal lives as long as the program, and each call site has
 * its own, or one shared with an identical literal: the same statement
 * either way). It never shrinks: its size is the number of distinct
 * statements in the code.
 */

/* The first slot to look at for `sql` in a table of `slots` (a power of two). */
static size_t slot_of(const char *sql, size_t slots)
{
	uint64_t h = (uint64_t)(uintptr_t)sql;
	h ^= h >> 29;
	h *= 0x9e3779b97f4a7c15u;
	return (size_t)(h >> 32) & (slots - 1);
}

/* Put an entry into a table known to have room and not to hold it. */
static void cache_put(struct store_cached *slots, size_t n, const char *sql, sqlite3_stmt *st)
{
	size_t i = slot_of(sql, n);
	while (slots[i].sql)
		i = (i + 1) & (n - 1);
	slots[i].sql = sql;
	slots[i].st = st;
}

/* Double the table (or make the first one) so it stays at most half full. */
static void cache_grow(struct store *s)
{
	size_t n = s->cache_slots ? 2 * s->cache_slots : 64;
	struct store_cached *slots = xcalloc(n, sizeof(*slots));
	for (size_t i = 0; i < s->cache_slots; i++)
		if (s->cache[i].sql)
			cache_put(slots, n, s->cache[i].sql, s->cache[i].st);
	free(s->cache);
	s->cache = slots;
	s->cache_slots = n;
}

sqlite3_stmt *store_sql_prepared(struct store *s, const char *sql)
{
	/*
	 * After some errors (out of memory, a full disk, an I/O error) SQLite
	 * rolls the transaction back by itself. A statement run after that
	 * would run on its own, committed at once: half an action made
	 * durable. Refuse every statement until the caller rolls back.
	 */
	if (s->tx_file && sqlite3_get_autocommit(s->db)) {
		/* only a failure of the machine makes SQLite roll back by itself */
		store_fail(s, STORE_IO,
			   _("store '%s': the transaction was rolled back after an earlier error; nothing was changed"),
			   s->dir);
		return NULL;
	}
	if (s->cache_slots) {
		for (size_t i = slot_of(sql, s->cache_slots); s->cache[i].sql;
		     i = (i + 1) & (s->cache_slots - 1)) {
			if (s->cache[i].sql == sql) {
				sqlite3_stmt *st = s->cache[i].st;
				sqlite3_reset(st);
				sqlite3_clear_bindings(st);
				return st;
			}
		}
	}
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		store_sql_status(s, rc, _("prepare a statement"));
		return NULL;
	}
	if (2 * (s->ncached + 1) > s->cache_slots)
		cache_grow(s);
	cache_put(s->cache, s->cache_slots, sql, st);
	s->ncached++;
	return st;
}

void store_sql_reset_all(struct store *s)
{
	for (size_t i = 0; i < s->cache_slots; i++)
		if (s->cache[i].st)
			sqlite3_reset(s->cache[i].st);
}

void store_sql_finalize_all(struct store *s)
{
	for (size_t i = 0; i < s->cache_slots; i++)
		sqlite3_finalize(s->cache[i].st);
	free(s->cache);
	s->cache = NULL;
	s->cache_slots = s->ncached = 0;
}

/* --- binding and running ------------------------------------------------ */

/* Bind fmt's arguments to st's parameters 1, 2, ...: an SQLite result code. */
static int bind_args(sqlite3_stmt *st, const char *fmt, va_list ap)
{
	for (int i = 0; fmt && fmt[i]; i++) {
		int rc;
		switch (fmt[i]) {
		case 's': {
			/* copied: a caller may free the string before stepping */
			const char *v = va_arg(ap, const char *);
			rc = v ? sqlite3_bind_text(st, i + 1, v, -1, SQLITE_TRANSIENT)
			       : sqlite3_bind_null(st, i + 1);
			break;
		}
		case 'i':
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		case 'd':
			rc = sqlite3_bind_int(st, i + 1, va_arg(ap, int));
			break;
		default:
			return SQLITE_MISUSE; /* a bug: the arguments cannot be read past it */
		}
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

sqlite3_stmt *store_sql_vq(struct store *s, const char *sql, const char *fmt, va_list ap)
{
	sqlite3_stmt *st = store_sql_prepared(s, sql);
	if (!st)
		return NULL;
	int rc = bind_args(st, fmt, ap);
	if (rc != SQLITE_OK) {
		store_sql_status(s, rc, _("bind a statement's parameters"));
		return NULL;
	}
	return st;
}

int store_sql_vrun(struct store *s, const char *sql, const char *fmt, va_list ap)
{
	sqlite3_stmt *st = store_sql_vq(s, sql, fmt, ap);
	if (!st)
		return STORE_ERR;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_sql_status(s, rc, _("run a statement"));
}

int store_sql_vint(struct store *s, int64_t *out, const char *sql, const char *fmt, va_list ap)
{
	sqlite3_stmt *st = store_sql_vq(s, sql, fmt, ap);
	if (!st)
		return STORE_ERR;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_sql_status(s, rc, _("run a statement"));
}

char *store_sql_vstr(struct store *s, int *status, const char *sql, const char *fmt, va_list ap)
{
	*status = 0;
	sqlite3_stmt *st = store_sql_vq(s, sql, fmt, ap);
	if (!st) {
		*status = STORE_ERR;
		return NULL;
	}
	char *v = NULL;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = store_sql_col(st, 0);
	else if (rc != SQLITE_DONE)
		*status = store_sql_status(s, rc, _("run a statement"));
	sqlite3_reset(st);
	return v;
}

sqlite3_stmt *store_sql_q(struct store *s, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sqlite3_stmt *st = store_sql_vq(s, sql, fmt, ap);
	va_end(ap);
	return st;
}

int store_sql_run(struct store *s, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = store_sql_vrun(s, sql, fmt, ap);
	va_end(ap);
	return rc;
}

int store_sql_int(struct store *s, int64_t *out, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = store_sql_vint(s, out, sql, fmt, ap);
	va_end(ap);
	return rc;
}

char *store_sql_str(struct store *s, int *status, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *v = store_sql_vstr(s, status, sql, fmt, ap);
	va_end(ap);
	return v;
}

char *store_sql_col(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	return v ? xstrdup(v) : NULL;
}

int store_sql_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}
