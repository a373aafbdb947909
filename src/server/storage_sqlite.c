/*
 * storage_sqlite: the server's storage on SQLite. The docket store in DIR
 * holds the log and the engine's state; DIR/docketd.db, attached to the
 * store's connection as "srv", holds the server's tables, so one BEGIN
 * IMMEDIATE covers a batch's events and its receipts. The server's SQL
 * names only srv.* tables; the log is read through store.h.
 */
#include "storage.h"

#include <openssl/rand.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../engine/engine.h"
#include "../store/store.h"
#include "../sync/wire.h"
#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/fsutil.h"
#include "../util/hash.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"

struct storage {
	struct store *s;       /* the docket store (owned) */
	sqlite3 *db;           /* its connection, with srv attached */
	char server_id[17];    /* meta.server_id */
	struct buf err;        /* the last message */
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS srv.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS srv.devices (id TEXT PRIMARY KEY, name TEXT NOT NULL,"
	" token_hash TEXT NOT NULL UNIQUE, enrolled_at TEXT NOT NULL, revoked_at TEXT);"
	"CREATE TABLE IF NOT EXISTS srv.enrol_codes (code_hash TEXT PRIMARY KEY, name TEXT NOT NULL,"
	" made_at TEXT NOT NULL, expires INTEGER NOT NULL, device TEXT);"
	"CREATE TABLE IF NOT EXISTS srv.receipts (uuid TEXT PRIMARY KEY, device TEXT, ident TEXT NOT NULL,"
	" code TEXT NOT NULL, reason_en TEXT NOT NULL, reason_zh TEXT NOT NULL, at TEXT NOT NULL);";

/*
 * Need to know on pull (doc/protocol.md, "Pull"), made on open when
 * missing, so an older server store gains them:
 * - code_people, device_people: whom a code and then a device is for
 *   (`enrol-code --for`, a pushed signin.succeeded); `seen` is the last
 *   involved.n the device was given the requests of.
 * - event_request: every sequenced event and the request it belongs to
 *   (NULL: none — identity events, deployments, stand-ins, opinions).
 * - involved: (person, request) from the engine's state after each event,
 *   never removed (a past handler stays); n counts rows as they come.
 * - sent: the requests a device is given, and the cursor it had when a
 *   request's older events were sent to it (a backfill), acknowledged once
 *   the device pulls after that cursor.
 */
static const char schema_ntk[] =
	"CREATE TABLE IF NOT EXISTS srv.code_people (code_hash TEXT NOT NULL, person TEXT NOT NULL,"
	" PRIMARY KEY (code_hash, person)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS srv.device_people (device TEXT NOT NULL, person TEXT NOT NULL,"
	" how TEXT NOT NULL, at TEXT NOT NULL, seen INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (device, person)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS srv.event_request (seq INTEGER PRIMARY KEY, instance TEXT);"
	"CREATE INDEX IF NOT EXISTS srv.event_request_instance ON event_request (instance, seq)"
	" WHERE instance IS NOT NULL;"
	"CREATE TABLE IF NOT EXISTS srv.involved (n INTEGER PRIMARY KEY, person TEXT NOT NULL,"
	" instance TEXT NOT NULL, seq INTEGER NOT NULL, UNIQUE (person, instance));"
	"CREATE INDEX IF NOT EXISTS srv.involved_new ON involved (person, n);"
	"CREATE TABLE IF NOT EXISTS srv.sent (device TEXT NOT NULL, instance TEXT NOT NULL,"
	" upto INTEGER NOT NULL, acked INTEGER NOT NULL, PRIMARY KEY (device, instance)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS srv.sent_unacked ON sent (device) WHERE acked = 0;";

/* Keep an SQLite failure's message; returns the status. */
static int fail(struct storage *st, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct storage *st, int status, const char *fmt, ...)
{
	va_list ap;
	buf_reset(&st->err);
	va_start(ap, fmt);
	buf_vaddf(&st->err, fmt, ap);
	va_end(ap);
	return status;
}

static int sql_fail(struct storage *st)
{
	int rc = sqlite3_errcode(st->db);
	int status = rc == SQLITE_FULL ? STORE_FULL : rc == SQLITE_BUSY ? STORE_BUSY : STORE_ERR;
	return fail(st, status, _("server store '%s': %s"), store_dir(st->s), sqlite3_errmsg(st->db));
}

/*
 * Prepare `sql` with parameters bound from fmt ('s' string, NULL binds
 * null; 'i' int64_t), one letter per ?N. NULL (and the message) on error.
 */
static sqlite3_stmt *q(struct storage *st, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		sql_fail(st);
		return NULL;
	}
	va_list ap;
	va_start(ap, fmt);
	for (int i = 0; fmt[i]; i++) {
		if (fmt[i] == 's') {
			const char *v = va_arg(ap, const char *);
			if (v)
				sqlite3_bind_text(stmt, i + 1, v, -1, SQLITE_TRANSIENT);
			else
				sqlite3_bind_null(stmt, i + 1);
		} else {
			sqlite3_bind_int64(stmt, i + 1, va_arg(ap, int64_t));
		}
	}
	va_end(ap);
	return stmt;
}

/* Step a statement to its end and finalize it: 0 or < 0. */
static int run(struct storage *st, sqlite3_stmt *stmt)
{
	if (!stmt)
		return STORE_ERR;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		;
	int status = rc == SQLITE_DONE ? 0 : sql_fail(st);
	sqlite3_finalize(stmt);
	return status;
}

/* Random bytes as lowercase hex (2n digits) into out. */
static void random_hex(char *out, size_t n)
{
	unsigned char b[64];
	if (n > sizeof(b) || RAND_bytes(b, (int)n) != 1)
		abort(); /* no randomness: nothing safe can be made */
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static char *sm3(const char *s)
{
	char h[HASH_HEX_LEN + 1];
	if (hash_sm3_hex(s, strlen(s), h) < 0)
		abort();
	return xstrdup(h);
}

static char *srv_path(const char *dir)
{
	return xasprintf("%s/docketd.db", dir);
}

/* The need-to-know tables, when this server store is older than them. */
static int add_ntk_tables(struct storage *st)
{
	sqlite3_stmt *stmt = q(st, "SELECT 1 FROM srv.sqlite_master WHERE name = 'sent'", "");
	if (!stmt)
		return STORE_ERR;
	int rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return sql_fail(st);
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return sql_fail(st);
	if (sqlite3_exec(st->db, schema_ntk, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		int status = sql_fail(st);
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return status;
	}
	return 0;
}

/* Attach DIR/docketd.db as srv (made when `create`) and read the server id. */
static int attach(struct storage *st, const char *dir, int create)
{
	char *path = srv_path(dir);
	if (!create && !file_exists(path)) {
		int rc = fail(st, STORE_MISSING, _("'%s' is not a docketd store: run `docketd init --store %s`"), dir,
			      dir);
		free(path);
		return rc;
	}
	if (create) {
		/* the store's connection opens files without creating them: make it here */
		sqlite3 *db = NULL;
		int orc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
		if (orc == SQLITE_OK)
			orc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
		sqlite3_close(db);
		if (orc != SQLITE_OK) {
			int rc = fail(st, STORE_ERR, _("cannot create '%s'"), path);
			free(path);
			return rc;
		}
	}
	int rc = run(st, q(st, "ATTACH DATABASE ?1 AS srv", "s", path));
	free(path);
	if (!rc)
		rc = sqlite3_exec(st->db, "PRAGMA srv.journal_mode=WAL; PRAGMA srv.synchronous=FULL;", NULL, NULL,
				  NULL) == SQLITE_OK ? 0 : sql_fail(st);
	if (!rc && create) {
		char id[17];
		random_hex(id, 8);
		if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(st->db, schema, NULL, NULL, NULL) != SQLITE_OK)
			rc = sql_fail(st);
		if (!rc)
			rc = run(st, q(st, "INSERT INTO srv.meta (key, value) VALUES ('server_id', ?1)", "s", id));
		if (!rc && sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			rc = sql_fail(st);
		if (rc)
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	}
	if (!rc)
		rc = add_ntk_tables(st);
	if (rc)
		return rc;
	sqlite3_stmt *stmt = q(st, "SELECT value FROM srv.meta WHERE key = 'server_id'", "");
	if (!stmt)
		return STORE_ERR;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		snprintf(st->server_id, sizeof(st->server_id), "%s", (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	if (!st->server_id[0])
		return fail(st, STORE_CORRUPT, _("server store '%s' has no server id"), dir);
	return 0;
}

/* Open dir's store and attach the server's tables. */
static int open_at(const char *dir, int create, struct storage **out, struct buf *err)
{
	*out = NULL;
	struct store *s;
	int rc = store_open(dir, 0, &s, err);
	if (rc < 0)
		return rc;
	struct storage *st = xcalloc(1, sizeof(*st));
	st->s = s;
	st->db = store_sqlite(s);
	buf_init(&st->err);
	if ((rc = attach(st, dir, create)) < 0) {
		buf_adds(err, st->err.s);
		storage_close(st);
		return rc;
	}
	*out = st;
	return 0;
}

int storage_init(const char *dir, struct buf *err)
{
	char *path = srv_path(dir);
	int exists = file_exists(path);
	free(path);
	if (exists) {
		buf_addf(err, _("server store '%s' already exists"), dir);
		return STORE_ERR;
	}
	int rc = store_init(dir, err);
	if (rc < 0)
		return rc;
	struct storage *st;
	if ((rc = open_at(dir, 1, &st, err)) < 0)
		return rc;
	if (clock_is_fixed() && (rc = store_set_kind(st->s, STORE_KIND_TEST)) < 0)
		buf_adds(err, store_error(st->s));
	else if ((rc = store_set_server(st->s)) < 0)
		buf_adds(err, store_error(st->s));
	storage_close(st);
	return rc;
}

int storage_open(const char *dir, struct storage **out, struct buf *err)
{
	return open_at(dir, 0, out, err);
}

void storage_close(struct storage *st)
{
	if (!st)
		return;
	store_close(st->s);
	buf_release(&st->err);
	free(st);
}

const char *storage_error(const struct storage *st)
{
	return st->err.s;
}

struct store *storage_store(struct storage *st)
{
	return st->s;
}

const char *storage_server_id(const struct storage *st)
{
	return st->server_id;
}

/* A code as typed: upper case, without dashes and spaces. */
static char *code_norm(const char *code)
{
	struct buf b = BUF_INIT;
	for (const char *p = code; *p; p++)
		if (*p != '-' && *p != ' ')
			buf_addch(&b, *p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	return buf_detach(&b);
}

int storage_code_make(struct storage *st, const char *name, int hours, const char *const *people, size_t npeople,
		      char **code)
{
	/* 16 of 29 characters nobody confuses (no 0/O, 1/I/L, U/V): about 77 bits */
	static const char alphabet[] = "ABCDEFGHJKMNPQRSTWXYZ23456789";
	const unsigned k = sizeof(alphabet) - 1, top = 256 / k * k; /* bytes at or over top would bias */
	char c[20];
	size_t n = 0;
	for (int i = 0; i < 16;) {
		unsigned char r;
		if (RAND_bytes(&r, 1) != 1)
			abort();
		if (r >= top)
			continue;
		if (i && i % 4 == 0)
			c[n++] = '-';
		c[n++] = alphabet[r % k];
		i++;
	}
	c[n] = '\0';
	char now[32];
	time_t t = clock_now();
	clock_format_iso(t, now, sizeof(now));
	char *norm = code_norm(c), *h = sm3(norm);
	int rc = store_begin(st->s);
	if (rc < 0)
		fail(st, rc, "%s", store_error(st->s));
	else
		rc = run(st, q(st, "INSERT INTO srv.enrol_codes (code_hash, name, made_at, expires) VALUES (?1, ?2, ?3, ?4)",
			       "sssi", h, name, now, (int64_t)t + 3600 * (int64_t)hours));
	for (size_t i = 0; !rc && i < npeople; i++)
		rc = run(st, q(st, "INSERT OR IGNORE INTO srv.code_people (code_hash, person) VALUES (?1, ?2)", "ss", h,
			       people[i]));
	if (!rc && (rc = store_commit(st->s)) < 0)
		fail(st, rc, "%s", store_error(st->s));
	if (rc)
		store_rollback(st->s);
	free(norm);
	free(h);
	*code = rc ? NULL : xstrdup(c);
	return rc;
}

int storage_enrol(struct storage *st, const char *code, const char *name, char **device, char **token)
{
	*device = *token = NULL;
	char *norm = code_norm(code), *h = sm3(norm);
	free(norm);
	int brc = store_begin(st->s);
	if (brc < 0) {
		free(h);
		return fail(st, brc, "%s", store_error(st->s));
	}
	time_t t = clock_now();
	sqlite3_stmt *stmt = q(st, "SELECT 1 FROM srv.enrol_codes WHERE code_hash = ?1 AND device IS NULL AND expires > ?2",
			       "si", h, (int64_t)t);
	int rc = stmt ? sqlite3_step(stmt) : SQLITE_ERROR;
	sqlite3_finalize(stmt);
	int status = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : sql_fail(st);
	if (!status) {
		char id[10], tok[65], now[32];
		id[0] = 'd';
		random_hex(id + 1, 4);
		random_hex(tok, 32);
		clock_format_iso(t, now, sizeof(now));
		char *th = sm3(tok);
		status = run(st, q(st, "INSERT INTO srv.devices (id, name, token_hash, enrolled_at) VALUES (?1, ?2, ?3, ?4)",
				   "ssss", id, name, th, now));
		free(th);
		if (!status)
			status = run(st, q(st, "UPDATE srv.enrol_codes SET device = ?2 WHERE code_hash = ?1", "ss", h, id));
		if (!status)
			status = run(st, q(st,
					   "INSERT INTO srv.device_people (device, person, how, at)"
					   " SELECT ?2, person, 'enrolment', ?3 FROM srv.code_people WHERE code_hash = ?1",
					   "sss", h, id, now));
		if (!status && (status = store_commit(st->s)) < 0)
			fail(st, status, "%s", store_error(st->s));
		if (!status) {
			*device = xstrdup(id);
			*token = xstrdup(tok);
		}
	}
	if (status)
		store_rollback(st->s); /* nothing when the commit already rolled back */
	free(h);
	return status;
}

int storage_device_by_token(struct storage *st, const char *token, char **device)
{
	*device = NULL;
	char *th = sm3(token);
	sqlite3_stmt *stmt = q(st, "SELECT id FROM srv.devices WHERE token_hash = ?1 AND revoked_at IS NULL", "s", th);
	free(th);
	if (!stmt)
		return STORE_ERR;
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*device = xstrdup((const char *)sqlite3_column_text(stmt, 0));
	int status = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : sql_fail(st);
	sqlite3_finalize(stmt);
	return status;
}

/* Column i as a JSON string or null. */
static json_t *col_json(sqlite3_stmt *stmt, int i)
{
	const char *v = (const char *)sqlite3_column_text(stmt, i);
	return v ? json_string(v) : json_null();
}

json_t *storage_devices(struct storage *st)
{
	sqlite3_stmt *stmt = q(st, "SELECT id, name, enrolled_at, revoked_at FROM srv.devices ORDER BY enrolled_at, id", "");
	if (!stmt)
		return NULL;
	json_t *a = json_array();
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		json_t *d = json_pack("{s:o, s:o, s:o, s:o}", "device", col_json(stmt, 0), "name", col_json(stmt, 1),
				      "enrolled_at", col_json(stmt, 2), "revoked_at", col_json(stmt, 3));
		json_t *people = storage_device_people(st, json_string_value(json_object_get(d, "device")));
		if (!people) {
			json_decref(d);
			rc = SQLITE_ERROR;
			break;
		}
		json_object_set_new(d, "people", people);
		json_array_append_new(a, d);
	}
	if (rc != SQLITE_DONE) {
		sql_fail(st);
		json_decref(a);
		a = NULL;
	}
	sqlite3_finalize(stmt);
	return a;
}

int storage_device_revoke(struct storage *st, const char *id)
{
	char now[32];
	clock_format_iso(clock_now(), now, sizeof(now));
	int rc = run(st, q(st, "UPDATE srv.devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL", "ss", id,
			   now));
	return rc < 0 ? rc : sqlite3_changes(st->db) > 0;
}

static int catch_up(struct storage *st, int64_t *last);

int storage_batch_begin(struct storage *st)
{
	int rc = store_begin(st->s);
	if (rc < 0)
		return fail(st, rc, "%s", store_error(st->s));
	int64_t last;
	if ((rc = catch_up(st, &last)) < 0)
		store_rollback(st->s);
	return rc;
}

int storage_batch_commit(struct storage *st)
{
	int rc = store_commit(st->s);
	return rc < 0 ? fail(st, rc, "%s", store_error(st->s)) : 0;
}

void storage_batch_rollback(struct storage *st)
{
	store_rollback(st->s);
}

int storage_receipt_get(struct storage *st, const char *uuid, struct receipt *r)
{
	memset(r, 0, sizeof(*r));
	sqlite3_stmt *stmt = q(st, "SELECT uuid, device, ident, code, reason_en, reason_zh FROM srv.receipts WHERE uuid = ?1",
			       "s", uuid);
	if (!stmt)
		return STORE_ERR;
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		const char **f[] = { &r->uuid, &r->device, &r->ident, &r->code, &r->reason_en, &r->reason_zh };
		for (int i = 0; i < 6; i++) {
			const char *v = (const char *)sqlite3_column_text(stmt, i);
			*f[i] = v ? xstrdup(v) : NULL;
		}
	}
	int status = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : sql_fail(st);
	sqlite3_finalize(stmt);
	return status;
}

void receipt_release(struct receipt *r)
{
	free((char *)r->uuid);
	free((char *)r->device);
	free((char *)r->ident);
	free((char *)r->code);
	free((char *)r->reason_en);
	free((char *)r->reason_zh);
	memset(r, 0, sizeof(*r));
}

int storage_receipt_put(struct storage *st, const struct receipt *r)
{
	char now[32];
	clock_format_iso(clock_now(), now, sizeof(now));
	return run(st, q(st,
			 "INSERT OR REPLACE INTO srv.receipts (uuid, device, ident, code, reason_en, reason_zh, at)"
			 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
			 "sssssss", r->uuid, r->device, r->ident, r->code, r->reason_en, r->reason_zh, now));
}

int storage_check(struct storage *st, struct buf *report, int64_t *rejections)
{
	*rejections = 0;
	int found = 0;
	sqlite3_stmt *stmt = q(st, "PRAGMA srv.quick_check", "");
	if (!stmt)
		return STORE_ERR;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(stmt, 0);
		if (v && strcmp(v, "ok")) {
			buf_addf(report, _("docketd.db is damaged: %s\n"), v);
			found = 1;
		}
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return sql_fail(st);
	if (!(stmt = q(st, "SELECT uuid FROM srv.receipts ORDER BY uuid", "")))
		return STORE_ERR;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *uuid = (const char *)sqlite3_column_text(stmt, 0);
		int64_t seq = 0;
		int in = store_event_by_uuid(st->s, uuid, NULL, &seq);
		if (in < 0) {
			sqlite3_finalize(stmt);
			return fail(st, in, "%s", store_error(st->s));
		}
		if (in) {
			buf_addf(report, _("event %lld (%s) was sequenced, but its rejection is kept\n"), (long long)seq,
				 uuid);
			found = 1;
		}
		(*rejections)++;
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return sql_fail(st);
	return found;
}

int64_t storage_last_seq(struct storage *st)
{
	int64_t n = store_event_last_seq(st->s);
	if (n < 0)
		fail(st, STORE_ERR, "%s", store_error(st->s));
	return n;
}

json_t *storage_device_people(struct storage *st, const char *device)
{
	sqlite3_stmt *stmt = q(st, "SELECT person FROM srv.device_people WHERE device = ?1 ORDER BY person", "s", device);
	if (!stmt)
		return NULL;
	json_t *a = json_array();
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		json_array_append_new(a, col_json(stmt, 0));
	if (rc != SQLITE_DONE) {
		sql_fail(st);
		json_decref(a);
		a = NULL;
	}
	sqlite3_finalize(stmt);
	return a;
}

int storage_device_person_add(struct storage *st, const char *device, const char *person)
{
	char now[32];
	clock_format_iso(clock_now(), now, sizeof(now));
	return run(st, q(st, "INSERT OR IGNORE INTO srv.device_people (device, person, how, at) VALUES (?1, ?2, 'signin', ?3)",
			 "sss", device, person, now));
}

int storage_index_event(struct storage *st, int64_t seq, const char *instance)
{
	int rc = run(st, q(st, "INSERT OR REPLACE INTO srv.event_request (seq, instance) VALUES (?1, ?2)", "is", seq,
			   instance));
	if (!rc && instance)
		rc = run(st, q(st,
			       "INSERT OR IGNORE INTO srv.involved (person, instance, seq) SELECT p.*, ?1, ?2 FROM ("
			       ENGINE_INVOLVED_IN_SQL ") p",
			       "si", instance, seq));
	return rc;
}

/*
 * Index what was sequenced outside docketd (`docket deploy` on the server
 * store, or an administrator's action there): each event's request from
 * the engine's trail (a document read: the payload's), then every person
 * involved in any request. One pass over the trail, so only for the rare
 * events docketd did not sequence itself; 0 or < 0.
 */
static int catch_up(struct storage *st, int64_t *last)
{
	*last = store_event_last_seq(st->s);
	if (*last < 0)
		return fail(st, STORE_ERR, "%s", store_error(st->s));
	sqlite3_stmt *stmt = q(st, "SELECT COALESCE(MAX(seq), 0) FROM srv.event_request", "");
	if (!stmt)
		return STORE_ERR;
	int64_t have = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
	sqlite3_finalize(stmt);
	if (have < 0)
		return sql_fail(st);
	if (have >= *last)
		return 0;
	int rc = run(st, q(st,
			   "INSERT INTO srv.event_request (seq, instance)"
			   " SELECT e.seq, CASE WHEN e.type = 'document.read' THEN json_extract(e.payload, '$.request')"
			   " ELSE t.instance END"
			   " FROM events e LEFT JOIN (SELECT seq, min(instance) AS instance FROM eng_trail"
			   " WHERE seq > ?1 GROUP BY seq) t ON t.seq = e.seq WHERE e.seq > ?1",
			   "i", have));
	if (!rc)
		rc = run(st, q(st,
			       "INSERT OR IGNORE INTO srv.involved (person, instance, seq)"
			       " SELECT applicant, id, created_seq FROM eng_instances"
			       " UNION ALL SELECT assignee, instance, created_seq FROM eng_tasks"
			       " UNION ALL SELECT on_behalf, instance, created_seq FROM eng_tasks WHERE on_behalf IS NOT NULL",
			       ""));
	return rc;
}

/* Event `seq` of the log as the protocol's JSON, appended to out (with "backfill" when asked). */
static int add_event(struct storage *st, int64_t seq, int backfill, json_t *out)
{
	struct store_event ev;
	memset(&ev, 0, sizeof(ev));
	int rc = store_event_by_seq(st->s, seq, &ev);
	if (rc < 0)
		return fail(st, rc, "%s", store_error(st->s));
	if (rc == 0)
		return fail(st, STORE_CORRUPT, _("event %lld is indexed but not in the log"), (long long)seq);
	json_t *o = wire_event_json(&ev, seq);
	if (backfill)
		json_object_set_new(o, "backfill", json_true());
	json_array_append_new(out, o);
	store_event_release(&ev);
	return 0;
}

/*
 * Send the device request `instance`'s events up to the cursor (a
 * backfill), or none when it has none there; remember it (unacknowledged
 * while there were some, so an answer lost on the way is sent again).
 */
static int backfill(struct storage *st, const char *device, const char *instance, int64_t after, json_t *out)
{
	sqlite3_stmt *stmt = q(st, "SELECT seq FROM srv.event_request WHERE instance = ?1 AND seq <= ?2 ORDER BY seq", "si",
			       instance, after);
	if (!stmt)
		return STORE_ERR;
	int rc, status = 0, sent = 0;
	while (!status && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		status = add_event(st, sqlite3_column_int64(stmt, 0), 1, out);
		sent++;
	}
	if (!status && rc != SQLITE_DONE)
		status = sql_fail(st);
	sqlite3_finalize(stmt);
	if (!status)
		status = run(st, q(st, "INSERT OR REPLACE INTO srv.sent (device, instance, upto, acked) VALUES (?1, ?2, ?3, ?4)",
				   "ssii", device, instance, after, (int64_t)!sent));
	return status;
}

/* Column 0 of a query's rows as a JSON array of strings (NULL on error). */
static json_t *strings(struct storage *st, sqlite3_stmt *stmt)
{
	if (!stmt)
		return NULL;
	json_t *a = json_array();
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		json_array_append_new(a, col_json(stmt, 0));
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		json_decref(a);
		sql_fail(st);
		return NULL;
	}
	return a;
}

/*
 * The backfills of one pull (inside its transaction). Those sent at this
 * cursor before come again; then new requests, whole, until `limit`
 * events (at least one request): *cut says some wait for the next pull,
 * which backfills them at its own cursor (until then they are not the
 * device's, so none of their events is sent in between).
 */
static int backfills(struct storage *st, const char *device, int64_t after, int limit, json_t *out, int *cut)
{
	*cut = 0;
	/* a backfill the device has pulled past arrived */
	int rc = run(st, q(st, "UPDATE srv.sent SET acked = 1 WHERE device = ?1 AND acked = 0 AND upto < ?2", "si", device,
			   after));
	if (rc)
		return rc;
	/* sent at this cursor and not acknowledged: its answer may have been lost, so again */
	json_t *again = strings(st, q(st, "SELECT instance FROM srv.sent WHERE device = ?1 AND acked = 0 ORDER BY instance",
				      "s", device));
	/*
	 * requests the device's people were involved in since its last pull
	 * (NULL: only requests it was given already, which moves `seen` on too)
	 */
	json_t *fresh = strings(st, q(st,
				      "SELECT CASE WHEN EXISTS (SELECT 1 FROM srv.sent s WHERE s.device = ?1"
				      " AND s.instance = v.instance) THEN NULL ELSE v.instance END"
				      " FROM srv.device_people dp JOIN srv.involved v"
				      " ON v.person = dp.person AND v.n > dp.seen WHERE dp.device = ?1"
				      " GROUP BY v.instance ORDER BY min(v.n)",
				      "s", device));
	size_t i;
	json_t *v;
	if (!again || !fresh)
		rc = STORE_ERR;
	json_array_foreach(again, i, v) {
		if (rc)
			break;
		rc = backfill(st, device, json_string_value(v), after, out);
	}
	size_t done = 0;
	json_array_foreach(fresh, i, v) {
		if (rc)
			break;
		if (!json_is_string(v))
			continue;
		if (done && json_array_size(out) >= (size_t)limit) {
			*cut = 1;
			break;
		}
		rc = backfill(st, device, json_string_value(v), after, out);
		done++;
	}
	if (!rc && !*cut && json_array_size(fresh))
		rc = run(st, q(st,
			       "UPDATE srv.device_people SET seen = (SELECT COALESCE(MAX(n), 0) FROM srv.involved"
			       " WHERE person = device_people.person) WHERE device = ?1",
			       "s", device));
	json_decref(again);
	json_decref(fresh);
	return rc;
}

int storage_pull(struct storage *st, const char *device, int reads_all, int64_t after, int limit, json_t *out,
		 int64_t *next, int64_t *last, int *more)
{
	*next = after;
	*more = 0;
	int cut = 0;
	int rc = store_begin(st->s);
	if (rc < 0)
		return fail(st, rc, "%s", store_error(st->s));
	rc = catch_up(st, last);
	if (!rc && after > *last) {
		store_rollback(st->s);
		return 1;
	}
	if (!rc && !reads_all)
		rc = backfills(st, device, after, limit, out, &cut);
	sqlite3_stmt *stmt = rc ? NULL
				: q(st,
				    "SELECT r.seq FROM srv.event_request r WHERE r.seq > ?2 AND (r.instance IS NULL OR ?4"
				    " OR EXISTS (SELECT 1 FROM srv.sent s WHERE s.device = ?1 AND s.instance = r.instance))"
				    " ORDER BY r.seq LIMIT ?3",
				    "siii", device, after, (int64_t)limit, (int64_t)reads_all);
	if (!rc && !stmt)
		rc = STORE_ERR;
	int n = 0, step = SQLITE_DONE;
	while (!rc && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		*next = sqlite3_column_int64(stmt, 0);
		rc = add_event(st, *next, 0, out);
		n++;
	}
	if (!rc && step != SQLITE_DONE)
		rc = sql_fail(st);
	sqlite3_finalize(stmt);
	/* a page not full: every event up to the log's end was looked at */
	if (!rc && n < limit)
		*next = *last;
	*more = *next < *last || cut;
	if (!rc && (rc = store_commit(st->s)) < 0)
		fail(st, rc, "%s", store_error(st->s));
	if (rc)
		store_rollback(st->s);
	return rc;
}
