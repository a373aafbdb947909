/*
 * store_migrate: the schema, as one ordered list of steps.
 *
 * PRAGMA user_version says which steps a database has had. Each step runs
 * in its own BEGIN IMMEDIATE transaction together with the bump of
 * user_version, so a store is always exactly at one version: a crash or a
 * full disk mid-upgrade leaves the previous version intact, and two
 * processes upgrading at once serialise on the write lock (the second sees
 * the new version inside its transaction and does nothing).
 *
 * The steps of one numbering belong to several modules: this file holds
 * the store's own (its tables def_versions and events) and runs them all;
 * documents and the engine keep theirs in their own sources
 * (docs_schema.c, eng_schema.c), listed in store_module_schema (see
 * store_sql.h and src/schema.c). Never edit a released step: add a new
 * one. tests/fixtures/store-v1.sql mirrors step 1 and a unit test checks
 * that the two agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/hash.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "store_internal.h"

/* Version 1: deployed definitions, one row per immutable version. */
static const char schema_v1[] =
	"CREATE TABLE def_versions ("
	" version INTEGER PRIMARY KEY,"          /* 1, 2, ... in deployment order */
	" kind TEXT NOT NULL,"                   /* organisation, form, workflow, theme */
	" id TEXT NOT NULL,"
	" name TEXT,"
	" hash TEXT NOT NULL,"                   /* SM3 of content, hex */
	" source TEXT,"                          /* path deployed from */
	" deployed_at TEXT NOT NULL,"            /* first deployment, ISO 8601 */
	" deployed_by TEXT NOT NULL,"
	" current INTEGER NOT NULL DEFAULT 0 CHECK (current IN (0, 1)),"
	" content BLOB NOT NULL,"                /* last: lists never read it */
	" UNIQUE (kind, id, hash)"
	");"
	"CREATE UNIQUE INDEX def_versions_current ON def_versions (kind, id) WHERE current = 1;";

/*
 * Version 2: the event log, and each definition version linked to the
 * event that deployed it. Events are immutable: triggers refuse UPDATE and
 * DELETE (a guard against bugs; the hash chain is the guard against people).
 */
static const char schema_v2[] =
	"CREATE TABLE events ("
	" seq INTEGER PRIMARY KEY,"
	" uuid TEXT NOT NULL UNIQUE,"
	" type TEXT NOT NULL,"
	" actor TEXT NOT NULL,"
	" on_behalf TEXT,"
	" def_version TEXT,"
	" made_at TEXT NOT NULL,"
	" base_seq INTEGER NOT NULL,"
	" payload TEXT NOT NULL,"
	" prev_hash TEXT NOT NULL,"
	" hash TEXT NOT NULL"
	");"
	"CREATE TRIGGER events_immutable_update BEFORE UPDATE ON events"
	" BEGIN SELECT RAISE(ABORT, 'events are immutable'); END;"
	"CREATE TRIGGER events_immutable_delete BEFORE DELETE ON events"
	" BEGIN SELECT RAISE(ABORT, 'events are immutable'); END;"
	"ALTER TABLE def_versions ADD COLUMN event_seq INTEGER REFERENCES events (seq);";


/*
 * v8: events carry their actor's signature (issue 11). Older events keep
 * NULL in both: they were made before people had keys, and their hashes
 * are computed as before (store_event.c).
 */
static const char schema_v8[] =
	"ALTER TABLE events ADD COLUMN key_id TEXT;"
	"ALTER TABLE events ADD COLUMN sig TEXT;";

/*
 * v10: what the store is for (store_kind). A store made before kinds is
 * a production store: DOCKET_NOW no longer sets its clock.
 */
static const char schema_v10[] =
	"CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"INSERT INTO store_meta (key, value) VALUES ('kind', 'production');";

/* One row of def_versions as the v2 backfill needs it. */
struct old_def {
	int64_t version;   /* row id */
	char *kind;        /* kind */
	char *id;          /* id */
	char *name;        /* display name or NULL */
	char *hash;        /* SM3 hex */
	char *source;      /* path or NULL */
	char *deployed_at; /* ISO 8601 */
	char *deployed_by; /* user id */
};

/*
 * A UUID derived from the definition version (SM3, formatted as an RFC 9562
 * version-8 UUID), so upgrading the same v1 data twice makes the same events.
 */
static void backfill_uuid(const struct old_def *d, char out[37])
{
	struct buf b = BUF_INIT;
	buf_addf(&b, "docket.backfill.v2\n%lld\n%s\n%s\n%s", (long long)d->version, d->kind, d->id,
		 d->hash);
	char h[HASH_HEX_LEN + 1] = STORE_ZERO_HASH;
	hash_sm3_hex(b.s, b.len, h); /* on failure the zeros stay: still a valid uuid */
	buf_release(&b);
	static const char variant[] = "89ab";
	h[12] = '8';
	h[16] = variant[(h[16] >= 'a' ? h[16] - 'a' + 10 : h[16] - '0') & 3];
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

/*
 * Version 2 data: a "definition.deployed" event for every version deployed
 * before the log existed, in deployment order, so the chain covers them.
 */
static int backfill_deploy_events(struct store *s)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT version, kind, id, name, hash, source, deployed_at, deployed_by"
				    " FROM def_versions ORDER BY version",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_sql_status(s, rc, _("read definitions"));
	struct old_def *v = NULL;
	size_t n = 0, alloc = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ALLOC_GROW(v, n + 1, alloc);
		struct old_def *d = &v[n++];
		d->version = sqlite3_column_int64(st, 0);
		d->kind = store_sql_col(st, 1);
		d->id = store_sql_col(st, 2);
		d->name = store_sql_col(st, 3);
		d->hash = store_sql_col(st, 4);
		d->source = store_sql_col(st, 5);
		d->deployed_at = store_sql_col(st, 6);
		d->deployed_by = store_sql_col(st, 7);
	}
	sqlite3_finalize(st);
	int status = rc == SQLITE_DONE ? 0 : store_sql_status(s, rc, _("read definitions"));
	sqlite3_stmt *link = NULL;
	if (!status && (rc = sqlite3_prepare_v2(s->db, "UPDATE def_versions SET event_seq = ?1 WHERE version = ?2",
						-1, &link, NULL)) != SQLITE_OK)
		status = store_sql_status(s, rc, _("link definitions to events"));
	for (size_t i = 0; i < n && !status; i++) {
		struct old_def *d = &v[i];
		char uuid[37];
		backfill_uuid(d, uuid);
		char *payload = store_def_payload(d->kind, d->id, d->name, d->hash, d->source, 1);
		int64_t base = store_event_last_seq(s), seq = 0;
		struct store_event ev = { uuid, "definition.deployed", d->deployed_by, NULL, d->hash,
					  d->deployed_at, base < 0 ? 0 : base, payload, NULL, NULL };
		status = base < 0 ? STORE_ERR : store_event_append_locked(s, &ev, &seq);
		free(payload);
		if (status < 0)
			break;
		/* 1: this very event is already there (the same data upgraded before) */
		if (status == 1) {
			sqlite3_stmt *f = store_stmt(s, ST_EVENT_FIND);
			if (!f)
				break;
			sqlite3_bind_text(f, 1, uuid, -1, SQLITE_STATIC);
			if (sqlite3_step(f) == SQLITE_ROW)
				seq = sqlite3_column_int64(f, 0);
			sqlite3_reset(f);
			status = 0;
		}
		sqlite3_bind_int64(link, 1, seq);
		sqlite3_bind_int64(link, 2, d->version);
		rc = sqlite3_step(link);
		sqlite3_reset(link);
		if (rc != SQLITE_DONE)
			status = store_sql_status(s, rc, _("link definitions to events"));
	}
	sqlite3_finalize(link);
	for (size_t i = 0; i < n; i++) {
		free(v[i].kind);
		free(v[i].id);
		free(v[i].name);
		free(v[i].hash);
		free(v[i].source);
		free(v[i].deployed_at);
		free(v[i].deployed_by);
	}
	free(v);
	return status;
}

/* v13: the undo journal of the log's tail (store_undo.c), for a terminal that syncs. */
static const char schema_v13[] =
	"CREATE TABLE store_undo ("
	" seq_from INTEGER PRIMARY KEY,"  /* the first event the transaction appended */
	" seq_to INTEGER NOT NULL,"       /* ... and the last */
	" changeset BLOB NOT NULL"        /* the state tables' changes (session extension) */
	");"
	/* events stay immutable, but for the rebase of a terminal's own tail: only docket's connection can say so */
	"DROP TRIGGER events_immutable_delete;"
	"CREATE TRIGGER events_immutable_delete BEFORE DELETE ON events WHEN NOT docket_rewriting_tail()"
	" BEGIN SELECT RAISE(ABORT, 'events are immutable'); END;";

/* The store's own steps; the other modules' are in store_module_schema. */
static const struct store_migration store_steps[] = {
	{ 1, "store", schema_v1, NULL },
	{ 2, "store", schema_v2, backfill_deploy_events },
	{ 8, "store", schema_v8, NULL },
	{ 10, "store", schema_v10, NULL },
	{ 13, "store", schema_v13, NULL },
	{ 0, NULL, NULL, NULL },
};

/*
 * Call fn for every step of every module, the store's first; stops when
 * fn returns non-zero and returns that.
 */
static int each_step(int (*fn)(void *ctx, const struct store_migration *m), void *ctx)
{
	int rc = 0;
	for (const struct store_migration *m = store_steps; !rc && m->version; m++)
		rc = fn(ctx, m);
	for (size_t i = 0; !rc && store_module_schema[i]; i++)
		for (const struct store_migration *m = store_module_schema[i](); !rc && m->version; m++)
			rc = fn(ctx, m);
	return rc;
}

/* each_step state: the steps claiming one version. */
struct claim {
	int version;                       /* the version looked for */
	int n;                             /* steps claiming it */
	const struct store_migration *m;   /* the last of them */
	int beyond;                        /* a step past STORE_SCHEMA_VERSION, or 0 */
};

static int claim_one(void *ctx, const struct store_migration *m)
{
	struct claim *c = ctx;
	if (m->version == c->version) {
		c->n++;
		c->m = m;
	}
	if (m->version > STORE_SCHEMA_VERSION || m->version < 0 || !m->owner)
		c->beyond = m->version;
	return 0;
}

/*
 * The one step that brings a store to `version`, or NULL with a message
 * when no step or several claim it, or a step lies outside 1 ..
 * STORE_SCHEMA_VERSION (a module added a step without raising it): the
 * numbering is shared by every module, so a gap or a clash is a bug.
 */
static const struct store_migration *step_for(struct store *s, int version)
{
	struct claim c = { version, 0, NULL, 0 };
	each_step(claim_one, &c);
	if (c.n == 1 && !c.beyond)
		return c.m;
	store_fail(s, STORE_ERR, _("store '%s': the schema steps disagree at version %d (a bug; see store_sql.h)"),
		   s->dir, c.beyond ? c.beyond : version);
	return NULL;
}

/* Apply one step in its own transaction, unless someone already did. */
static int apply(struct store *s, const struct store_migration *m)
{
	int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_sql_status(s, rc, _("begin the upgrade"));
	int have = 0;
	int status = store_pragma_int(s, "PRAGMA user_version", &have);
	if (!status && have < m->version) {
		rc = m->sql ? sqlite3_exec(s->db, m->sql, NULL, NULL, NULL) : SQLITE_OK;
		if (rc != SQLITE_OK)
			status = store_sql_status(s, rc, _("upgrade the schema"));
		if (!status && m->data)
			status = m->data(s);
		if (!status) {
			/* a compile-time constant, not data: PRAGMA takes no parameters */
			char sql[48];
			snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", m->version);
			if ((rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL)) != SQLITE_OK)
				status = store_sql_status(s, rc, _("upgrade the schema"));
		}
	}
	if (!status && (rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
		status = store_sql_status(s, rc, _("commit the upgrade"));
	if (status) {
		store_sql_reset_all(s);
		if (!sqlite3_get_autocommit(s->db))
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return status;
	}
	if (have < m->version)
		s->schema = m->version;
	else if (have > s->schema)
		s->schema = have;
	return 0;
}

int store_migrate(struct store *s, int target)
{
	/* apply() moves s->schema on: to the step's version, or past it when another docket did more */
	while (s->schema < target) {
		int version = s->schema + 1;
		const struct store_migration *m = step_for(s, version);
		int rc = m ? apply(s, m) : STORE_ERR;
		if (rc < 0) {
			/* say which upgrade failed, keeping the reason */
			struct buf why = BUF_INIT;
			buf_adds(&why, s->err.s);
			store_fail(s, rc, _("unable to upgrade store '%s' to schema %d: %s"), s->dir, version,
				   why.s);
			buf_release(&why);
			return rc;
		}
	}
	return 0;
}
