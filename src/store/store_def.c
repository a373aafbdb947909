/*
 * store_def: deployed definition versions.
 *
 * A version is immutable and named by the SM3 hash of its content; at most
 * one version of each (kind, id) is current (a partial unique index says
 * so). Deploying appends a "definition.deployed" event and changes the
 * rows in the same transaction, so the log and the table never disagree.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../util/hash.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "store_internal.h"

char *store_def_payload(const char *kind, const char *id, const char *name,
			const char *hash, const char *source, int backfilled)
{
	json_t *o = json_object();
	json_object_set_new(o, "kind", json_string(kind));
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "hash", json_string(hash));
	json_object_set_new(o, "source", source ? json_string(source) : json_null());
	if (name)
		json_object_set_new(o, "name", json_string(name));
	if (backfilled)
		json_object_set_new(o, "backfilled", json_true());
	char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (!text) /* only when a string is not UTF-8: keep the log valid JSON */
		text = xstrdup("{}");
	return text;
}

/* Step a write statement; 0 or a status with a message. */
static int step_done(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_sql_status(s, rc, what);
}

/* Run a one-row lookup; 1 with *version set if found, 0 if not, <0 on error. */
static int find_version(struct store *s, sqlite3_stmt *st, int64_t *version, char *hash, size_t hashlen)
{
	int rc = sqlite3_step(st);
	int found = rc == SQLITE_ROW;
	if (found) {
		*version = sqlite3_column_int64(st, 0);
		if (hash) {
			const char *h = (const char *)sqlite3_column_text(st, 1);
			snprintf(hash, hashlen, "%s", h ? h : "");
		}
	}
	sqlite3_reset(st);
	if (!found && rc != SQLITE_DONE)
		return store_sql_status(s, rc, _("read definitions"));
	return found;
}

int store_def_deploy(struct store *s, const char *event_uuid, const char *actor,
		     const char *made_at, const char *kind, const char *id,
		     const char *name, const char *hash, const char *source,
		     const char *content, size_t len)
{
	if (!store_need_tx(s, _("deploying a definition")))
		return STORE_ERR;
	if (!kind || !*kind || !id || !*id || !hash || !content)
		return store_fail(s, STORE_ERR, _("store '%s': a definition needs a kind, an id, a hash and content"),
				  s->dir);
	char real[HASH_HEX_LEN + 1];
	if (hash_sm3_hex(content, len, real) < 0 || strcmp(real, hash))
		return store_fail(s, STORE_ERR, _("%s '%s': content does not match its hash '%s'"), kind, id,
				  hash);

	/* already current: a no-op, and no event */
	sqlite3_stmt *st = store_stmt(s, ST_DEF_CURRENT);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	int64_t current = 0;
	char current_hash[HASH_HEX_LEN + 1] = "";
	int rc = find_version(s, st, &current, current_hash, sizeof(current_hash));
	if (rc < 0)
		return rc;
	if (rc == 1 && !strcmp(current_hash, hash))
		return 1;

	/* deployed before and since replaced: it becomes current again */
	if (!(st = store_stmt(s, ST_DEF_FIND)))
		return STORE_ERR;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
	int64_t earlier = 0;
	int found = find_version(s, st, &earlier, NULL, 0);
	if (found < 0)
		return found;

	int64_t base = store_event_last_seq(s), seq = 0;
	if (base < 0)
		return STORE_ERR;
	char *payload = store_def_payload(kind, id, name, hash, source, 0);
	struct store_event ev = { event_uuid, "definition.deployed", actor, NULL, hash, made_at, base,
				  payload, NULL, NULL };
	rc = store_event_append_locked(s, &ev, &seq);
	free(payload);
	if (rc != 0)
		return rc; /* 1: this deployment was already recorded */

	if (!(st = store_stmt(s, ST_DEF_UNSET_CURRENT)))
		return STORE_ERR;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	if ((rc = step_done(s, st, _("record the definition"))) < 0)
		return rc;
	if (found) {
		if (!(st = store_stmt(s, ST_DEF_SET_CURRENT)))
			return STORE_ERR;
		sqlite3_bind_int64(st, 1, earlier);
		return step_done(s, st, _("record the definition"));
	}
	if (!(st = store_stmt(s, ST_DEF_INSERT)))
		return STORE_ERR;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	store_sql_bind_text(st, 3, name);
	sqlite3_bind_text(st, 4, hash, -1, SQLITE_STATIC);
	store_sql_bind_text(st, 5, source);
	sqlite3_bind_text(st, 6, made_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, actor, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(st, 8, len ? content : "", len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, seq);
	return step_done(s, st, _("record the definition"));
}

/* Column i as a borrowed mutable pointer (store_def's fields are char *). */
static char *col(sqlite3_stmt *st, int i)
{
	return (char *)sqlite3_column_text(st, i);
}

int store_def_list(struct store *s, int all,
		   int (*fn)(void *ctx, const struct store_def *d), void *ctx)
{
	/* prepared per call, so fn may itself use the store */
	static const char sql_all[] =
		"SELECT version, kind, id, name, hash, source, deployed_at, deployed_by, current"
		" FROM def_versions ORDER BY kind, id, version";
	static const char sql_current[] =
		"SELECT version, kind, id, name, hash, source, deployed_at, deployed_by, current"
		" FROM def_versions WHERE current = 1 ORDER BY kind, id, version";
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, all ? sql_all : sql_current, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_sql_status(s, rc, _("list definitions"));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_def d = {
			.version = sqlite3_column_int64(st, 0),
			.kind = col(st, 1),
			.id = col(st, 2),
			.name = col(st, 3),
			.hash = col(st, 4),
			.source = col(st, 5),
			.deployed_at = col(st, 6),
			.deployed_by = col(st, 7),
			.current = sqlite3_column_int(st, 8),
		};
		if (fn(ctx, &d))
			break;
	}
	int status = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_sql_status(s, rc, _("list definitions"));
	sqlite3_finalize(st);
	return status;
}

int store_def_get(struct store *s, const char *kind, const char *id, struct store_def *out)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = store_stmt(s, ST_DEF_GET);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->version = sqlite3_column_int64(st, 0);
		out->kind = store_sql_col(st, 1);
		out->id = store_sql_col(st, 2);
		out->name = store_sql_col(st, 3);
		out->hash = store_sql_col(st, 4);
		out->source = store_sql_col(st, 5);
		out->deployed_at = store_sql_col(st, 6);
		out->deployed_by = store_sql_col(st, 7);
		out->current = 1;
		const void *blob = sqlite3_column_blob(st, 8);
		out->len = (size_t)sqlite3_column_bytes(st, 8);
		out->content = xmalloc(out->len + 1);
		if (out->len)
			memcpy(out->content, blob, out->len);
		out->content[out->len] = '\0';
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return 1;
	return store_sql_status(s, rc, _("read definitions"));
}

void store_def_release(struct store_def *d)
{
	free(d->kind);
	free(d->id);
	free(d->name);
	free(d->hash);
	free(d->source);
	free(d->deployed_at);
	free(d->deployed_by);
	free(d->content);
	memset(d, 0, sizeof(*d));
}

int store_def_get_version(struct store *s, const char *hash, struct store_def *out)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = store_stmt(s, ST_DEF_GET_HASH);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->version = sqlite3_column_int64(st, 0);
		out->kind = store_sql_col(st, 1);
		out->id = store_sql_col(st, 2);
		out->name = store_sql_col(st, 3);
		out->hash = store_sql_col(st, 4);
		out->source = store_sql_col(st, 5);
		out->deployed_at = store_sql_col(st, 6);
		out->deployed_by = store_sql_col(st, 7);
		out->current = sqlite3_column_int(st, 9);
		const void *blob = sqlite3_column_blob(st, 8);
		out->len = (size_t)sqlite3_column_bytes(st, 8);
		out->content = xmalloc(out->len + 1);
		if (out->len)
			memcpy(out->content, blob, out->len);
		out->content[out->len] = '\0';
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return 1;
	return store_sql_status(s, rc, _("read definitions"));
}

int store_def_current_hash(struct store *s, const char *kind, const char *id, char **hash)
{
	*hash = NULL;
	sqlite3_stmt *st = store_stmt(s, ST_DEF_CURRENT);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*hash = store_sql_col(st, 1);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return 1;
	return store_sql_status(s, rc, _("read definitions"));
}

/* 1 if the event at `seq` is the definition.deployed that made a version (kind, id, hash). */
static int deployed_by_event(struct store *s, int64_t seq, const char *kind, const char *id, const char *hash)
{
	struct store_event ev;
	int rc = store_event_by_seq(s, seq, &ev);
	if (rc <= 0)
		return rc;
	json_t *p = ev.payload ? json_loads(ev.payload, 0, NULL) : NULL;
	const char *k = json_string_value(json_object_get(p, "kind"));
	const char *i = json_string_value(json_object_get(p, "id"));
	const char *h = json_string_value(json_object_get(p, "hash"));
	int ok = ev.type && !strcmp(ev.type, "definition.deployed") && k && i && h && !strcmp(k, kind) &&
		 !strcmp(i, id) && !strcmp(h, hash);
	json_decref(p);
	store_event_release(&ev);
	return ok;
}

int store_def_verify(struct store *s, int64_t *n)
{
	*n = 0;
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT version, kind, id, hash, content, event_seq FROM def_versions ORDER BY version",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_sql_status(s, rc, _("read the definitions"));
	int status = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t version = sqlite3_column_int64(st, 0);
		const char *kind = (const char *)sqlite3_column_text(st, 1);
		const char *id = (const char *)sqlite3_column_text(st, 2);
		const char *hash = (const char *)sqlite3_column_text(st, 3);
		const void *content = sqlite3_column_blob(st, 4);
		size_t len = (size_t)sqlite3_column_bytes(st, 4);
		char real[HASH_HEX_LEN + 1];
		kind = kind ? kind : "";
		id = id ? id : "";
		if (!hash || hash_sm3_hex(content ? content : "", len, real) < 0 || strcmp(real, hash)) {
			status = store_fail(s, 1,
					    _("the %s '%s' deployed as version %lld: its content is not what its hash says"
					      " (the definition was edited in the database)"),
					    kind, id, (long long)version);
			break;
		}
		int by = sqlite3_column_type(st, 5) == SQLITE_NULL
				 ? 0
				 : deployed_by_event(s, sqlite3_column_int64(st, 5), kind, id, hash);
		if (by < 0) {
			status = by;
			break;
		}
		if (!by) {
			status = store_fail(s, 1,
					    _("the %s '%s' deployed as version %lld: no event of the log deployed it"),
					    kind, id, (long long)version);
			break;
		}
		(*n)++;
	}
	if (!status && rc != SQLITE_DONE)
		status = store_sql_status(s, rc, _("read the definitions"));
	sqlite3_finalize(st);
	return status;
}
