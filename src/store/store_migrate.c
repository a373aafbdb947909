/*
 * store_migrate: the schema, as an ordered list of steps.
 *
 * PRAGMA user_version says which steps a database has had. Each step runs
 * in its own BEGIN IMMEDIATE transaction together with the bump of
 * user_version, so a store is always exactly at one version: a crash or a
 * full disk mid-upgrade leaves the previous version intact, and two
 * processes upgrading at once serialise on the write lock (the second sees
 * the new version inside its transaction and does nothing).
 *
 * Never edit a released step: add a new one. tests/fixtures/store-v1.sql
 * mirrors step 1 and a unit test checks that the two agree.
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
 * Version 3: the approval engine's materialised state (owned by
 * src/engine/; see doc/engine.md). Every row here is derived from the
 * event log and rebuilt from it by `docket check`; times are seconds
 * since the epoch, sequences are events.seq.
 */
static const char schema_v3[] =
	"CREATE TABLE eng_instances ("
	" id TEXT PRIMARY KEY,"                  /* short id (base32 of the creating event) */
	" uuid TEXT NOT NULL UNIQUE,"            /* the creating event */
	" workflow TEXT NOT NULL,"
	" wf_hash TEXT NOT NULL,"                /* workflow version */
	" form_hash TEXT NOT NULL,"
	" org_hash TEXT NOT NULL,"
	" applicant TEXT NOT NULL,"
	" title TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('draft', 'running', 'returned', 'withdrawn',"
	"  'approved', 'rejected', 'terminated')),"
	" data TEXT NOT NULL,"                   /* canonical form data, JSON */
	" doc_number TEXT,"                      /* 发文字号 once assigned */
	" archived INTEGER NOT NULL DEFAULT 0,"
	" resume_step TEXT,"                     /* returned: where resubmission goes (to_returner) */
	" submit_seq INTEGER,"                   /* the last submission */
	" created_seq INTEGER NOT NULL,"
	" updated_seq INTEGER NOT NULL"
	");"
	"CREATE INDEX eng_instances_applicant ON eng_instances (applicant, state, updated_seq);"
	"CREATE TABLE eng_active ("              /* steps an instance is at (several in parallel) */
	" instance TEXT NOT NULL REFERENCES eng_instances (id),"
	" step TEXT NOT NULL,"
	" prev TEXT,"                            /* the people step before it, NULL = applicant */
	" since_seq INTEGER NOT NULL,"
	" PRIMARY KEY (instance, step)"
	");"
	"CREATE TABLE eng_joins ("                /* open parallel / inclusive blocks */
	" instance TEXT NOT NULL REFERENCES eng_instances (id),"
	" step TEXT NOT NULL,"                   /* the join step */
	" split TEXT NOT NULL,"                  /* the step that opened the block */
	" expected INTEGER NOT NULL,"            /* branches taken */
	" arrived INTEGER NOT NULL DEFAULT 0,"
	" since_seq INTEGER NOT NULL,"
	" PRIMARY KEY (instance, step)"
	");"
	"CREATE TABLE eng_tasks ("
	" id TEXT PRIMARY KEY,"                  /* short id */
	" instance TEXT NOT NULL REFERENCES eng_instances (id),"
	" step TEXT NOT NULL,"
	" assignee TEXT NOT NULL,"               /* who acts */
	" on_behalf TEXT,"                       /* the stand-in's principal, or NULL */
	" kind TEXT NOT NULL CHECK (kind IN ('approve', 'handle_lead', 'handle_co', 'read', 'offer')),"
	" state TEXT NOT NULL CHECK (state IN ('pending', 'waiting', 'done', 'cancelled', 'withdrawn')),"
	" extra INTEGER NOT NULL DEFAULT 0,"     /* 1: added signer; 2: delegate (comes back) */
	" resumes TEXT,"                         /* task that goes back to pending when this one is done */
	" after_task TEXT,"                      /* waiting until that task is done */
	" decision TEXT,"                        /* approve, reject, read, returned, ... */
	" opinion TEXT,"
	" ord INTEGER NOT NULL DEFAULT 0,"       /* order in sequential mode */
	" deadline INTEGER,"
	" next_remind INTEGER,"
	" timed_out INTEGER NOT NULL DEFAULT 0,"
	" reminders INTEGER NOT NULL DEFAULT 0,"
	" created_seq INTEGER NOT NULL,"
	" decided_seq INTEGER,"
	" decided_by TEXT"
	");"
	"CREATE INDEX eng_tasks_inbox ON eng_tasks (assignee, state, created_seq);"
	"CREATE INDEX eng_tasks_instance ON eng_tasks (instance, step, state);"
	"CREATE INDEX eng_tasks_deadline ON eng_tasks (state, deadline);"
	"CREATE INDEX eng_tasks_remind ON eng_tasks (state, next_remind);"
	"CREATE TABLE eng_visited ("
	" instance TEXT NOT NULL REFERENCES eng_instances (id),"
	" step TEXT NOT NULL,"
	" prev TEXT,"                            /* prev when last entered */
	" seq INTEGER NOT NULL,"                 /* last entered */
	" PRIMARY KEY (instance, step)"
	");"
	"CREATE TABLE eng_trail ("                /* what people read in `show` */
	" instance TEXT NOT NULL REFERENCES eng_instances (id),"
	" seq INTEGER NOT NULL,"
	" n INTEGER NOT NULL,"                   /* order within one event */
	" step TEXT,"
	" actor TEXT NOT NULL,"
	" on_behalf TEXT,"
	" action TEXT NOT NULL,"
	" detail TEXT,"                          /* target user, step, number ... */
	" opinion TEXT,"
	" made_at INTEGER NOT NULL,"
	" PRIMARY KEY (instance, seq, n)"
	");"
	"CREATE TABLE eng_counters ("             /* 发文字号 serials, gapless */
	" organ TEXT NOT NULL,"
	" year INTEGER NOT NULL,"
	" last INTEGER NOT NULL,"
	" PRIMARY KEY (organ, year)"
	");"
	"CREATE TABLE eng_opinions ("             /* 常用意见 */
	" user TEXT NOT NULL,"
	" text TEXT NOT NULL,"
	" uses INTEGER NOT NULL DEFAULT 0,"
	" last_seq INTEGER NOT NULL,"
	" PRIMARY KEY (user, text)"
	");"
	"CREATE TABLE eng_standins ("             /* 代理 */
	" user TEXT NOT NULL,"
	" standin TEXT NOT NULL,"
	" from_day TEXT NOT NULL,"               /* YYYY-MM-DD, local, inclusive */
	" to_day TEXT NOT NULL,"
	" workflow TEXT,"                        /* NULL = every workflow */
	" seq INTEGER NOT NULL,"
	" PRIMARY KEY (user, seq)"
	");";

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
					  d->deployed_at, base < 0 ? 0 : base, payload };
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

/*
 * Version 4: documents (owned by src/docs/; see doc/documents.md). The
 * content lives in git (documents.git, one ref per document); these tables
 * index it: the head commit and flags of each document, one row per
 * revision, approvals bound to commits, and a trigram full-text index.
 */
static const char schema_v4[] =
	"CREATE TABLE documents ("
	" docno INTEGER PRIMARY KEY,"            /* rowid; also the rowid in doc_fts */
	" id TEXT NOT NULL UNIQUE,"              /* short id, refs/docs/<id> */
	" type TEXT NOT NULL,"                   /* one of the 15 document types */
	" title TEXT NOT NULL,"
	" instance TEXT,"                        /* workflow instance id, opaque */
	" head TEXT NOT NULL,"                   /* commit id (hex) of the latest revision */
	" revs INTEGER NOT NULL,"                /* number of revisions; head is r<revs> */
	" created_at TEXT NOT NULL, created_by TEXT NOT NULL,"
	" updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,"
	" frozen INTEGER NOT NULL DEFAULT 0 CHECK (frozen IN (0, 1)),"      /* signed off */
	" signed_commit TEXT,"                   /* the commit the sign-off approved */
	" needs_resign INTEGER NOT NULL DEFAULT 0 CHECK (needs_resign IN (0, 1))"
	");"
	"CREATE INDEX documents_instance ON documents (instance) WHERE instance IS NOT NULL;"
	"CREATE INDEX documents_updated ON documents (updated_at);"
	"CREATE TABLE doc_revisions ("
	" docno INTEGER NOT NULL REFERENCES documents (docno),"
	" rev INTEGER NOT NULL,"                 /* 1, 2, ... */
	" commit_id TEXT NOT NULL,"
	" author TEXT NOT NULL,"
	" made_at TEXT NOT NULL,"
	" action TEXT NOT NULL,"                 /* the commit message's first line */
	" needs_resign INTEGER NOT NULL DEFAULT 0," /* made after sign-off, content differs */
	" event_seq INTEGER NOT NULL REFERENCES events (seq),"
	" PRIMARY KEY (docno, rev)"
	") WITHOUT ROWID;"
	"CREATE INDEX doc_revisions_commit ON doc_revisions (commit_id);"
	"CREATE TABLE doc_approvals ("
	" id INTEGER PRIMARY KEY,"
	" docno INTEGER NOT NULL REFERENCES documents (docno),"
	" commit_id TEXT NOT NULL,"              /* exactly what was approved */
	" rev INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"                   /* e.g. sign-off, approve, countersign */
	" actor TEXT NOT NULL,"
	" made_at TEXT NOT NULL,"
	" event_seq INTEGER NOT NULL REFERENCES events (seq)"
	");"
	"CREATE INDEX doc_approvals_doc ON doc_approvals (docno);"
	"CREATE VIRTUAL TABLE doc_fts USING fts5(title, body, meta, tokenize = 'trigram');";

/*
 * Version 5: the engine's tables rebuilt for fewer pages written per
 * action (each B-tree an action touches is at least one page, and in WAL
 * mode every dirty page is one more frame written at commit). Tables keyed
 * by text are WITHOUT ROWID (the key is the table: no second tree), the
 * timer indexes are partial (only pending tasks with a time are in them),
 * and indexes no longer carry columns that change at every action
 * (eng_instances.updated_seq and state, eng_tasks' state in the per-step
 * index): a query filters the few rows of a user or a step instead. The
 * instance's uuid keeps no index: the event log's is the one that matters.
 * Same columns in the same order, so the rows are copied as they are,
 * except eng_standins, whose key columns come first: SQLite 3.40's
 * integrity check reports false "NULL value" errors in a WITHOUT ROWID
 * table whose key columns are not its leading columns. The old tables are
 * renamed first (which moves the children's references), then dropped
 * children first.
 */
static const char schema_v5[] =
	"DROP INDEX eng_instances_applicant;"
	"DROP INDEX eng_tasks_inbox;"
	"DROP INDEX eng_tasks_instance;"
	"DROP INDEX eng_tasks_deadline;"
	"DROP INDEX eng_tasks_remind;"
	"ALTER TABLE eng_instances RENAME TO old_eng_instances;"
	"ALTER TABLE eng_active RENAME TO old_eng_active;"
	"ALTER TABLE eng_joins RENAME TO old_eng_joins;"
	"ALTER TABLE eng_tasks RENAME TO old_eng_tasks;"
	"ALTER TABLE eng_visited RENAME TO old_eng_visited;"
	"ALTER TABLE eng_trail RENAME TO old_eng_trail;"
	"ALTER TABLE eng_counters RENAME TO old_eng_counters;"
	"ALTER TABLE eng_opinions RENAME TO old_eng_opinions;"
	"ALTER TABLE eng_standins RENAME TO old_eng_standins;"
	"CREATE TABLE eng_instances ("
	" id TEXT PRIMARY KEY,"
	" uuid TEXT NOT NULL,"
	" workflow TEXT NOT NULL,"
	" wf_hash TEXT NOT NULL,"
	" form_hash TEXT NOT NULL,"
	" org_hash TEXT NOT NULL,"
	" applicant TEXT NOT NULL,"
	" title TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('draft', 'running', 'returned', 'withdrawn',"
	"  'approved', 'rejected', 'terminated')),"
	" data TEXT NOT NULL,"
	" doc_number TEXT,"
	" archived INTEGER NOT NULL DEFAULT 0,"
	" resume_step TEXT,"
	" submit_seq INTEGER,"
	" created_seq INTEGER NOT NULL,"
	" updated_seq INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE INDEX eng_instances_applicant ON eng_instances (applicant);"
	"CREATE INDEX eng_instances_returned ON eng_instances (applicant) WHERE state = 'returned';"
	"CREATE TABLE eng_active ("
	" instance TEXT NOT NULL REFERENCES eng_instances (id),"
	" step TEXT NOT NULL,"
	" prev TEXT,"
	" since_seq INTEGER NOT NULL,"
	" PRIMARY KEY (instance, step)"
	") WITHOUT ROWID;"
	"CREATE TABLE eng_joins ("
	" instance TEXT NOT NULL REFERENCES eng_instances (id),"
	" step TEXT NOT NULL,"
	" split TEXT NOT NULL,"
	" expected INTEGER NOT NULL,"
	" arrived INTEGER NOT NULL DEFAULT 0,"
	" since_seq INTEGER NOT NULL,"
	" PRIMARY KEY (instance, step)"
	") WITHOUT ROWID;"
	"CREATE TABLE eng_tasks ("
	" id TEXT PRIMARY KEY,"
	" instance TEXT NOT NULL REFERENCES eng_instances (id),"
	" step TEXT NOT NULL,"
	" assignee TEXT NOT NULL,"
	" on_behalf TEXT,"
	" kind TEXT NOT NULL CHECK (kind IN ('approve', 'handle_lead', 'handle_co', 'read', 'offer')),"
	" state TEXT NOT NULL CHECK (state IN ('pending', 'waiting', 'done', 'cancelled', 'withdrawn')),"
	" extra INTEGER NOT NULL DEFAULT 0,"
	" resumes TEXT,"
	" after_task TEXT,"
	" decision TEXT,"
	" opinion TEXT,"
	" ord INTEGER NOT NULL DEFAULT 0,"
	" deadline INTEGER,"
	" next_remind INTEGER,"
	" timed_out INTEGER NOT NULL DEFAULT 0,"
	" reminders INTEGER NOT NULL DEFAULT 0,"
	" created_seq INTEGER NOT NULL,"
	" decided_seq INTEGER,"
	" decided_by TEXT"
	") WITHOUT ROWID;"
	"CREATE INDEX eng_tasks_inbox ON eng_tasks (assignee, state, created_seq);"
	"CREATE INDEX eng_tasks_instance ON eng_tasks (instance, step);"
	"CREATE INDEX eng_tasks_deadline ON eng_tasks (deadline)"
	" WHERE state = 'pending' AND deadline IS NOT NULL AND timed_out = 0;"
	"CREATE INDEX eng_tasks_remind ON eng_tasks (next_remind)"
	" WHERE state = 'pending' AND next_remind IS NOT NULL;"
	"CREATE TABLE eng_visited ("
	" instance TEXT NOT NULL REFERENCES eng_instances (id),"
	" step TEXT NOT NULL,"
	" prev TEXT,"
	" seq INTEGER NOT NULL,"
	" PRIMARY KEY (instance, step)"
	") WITHOUT ROWID;"
	"CREATE TABLE eng_trail ("
	" instance TEXT NOT NULL REFERENCES eng_instances (id),"
	" seq INTEGER NOT NULL,"
	" n INTEGER NOT NULL,"
	" step TEXT,"
	" actor TEXT NOT NULL,"
	" on_behalf TEXT,"
	" action TEXT NOT NULL,"
	" detail TEXT,"
	" opinion TEXT,"
	" made_at INTEGER NOT NULL,"
	" PRIMARY KEY (instance, seq, n)"
	") WITHOUT ROWID;"
	"CREATE TABLE eng_counters ("
	" organ TEXT NOT NULL,"
	" year INTEGER NOT NULL,"
	" last INTEGER NOT NULL,"
	" PRIMARY KEY (organ, year)"
	") WITHOUT ROWID;"
	"CREATE TABLE eng_opinions ("
	" user TEXT NOT NULL,"
	" text TEXT NOT NULL,"
	" uses INTEGER NOT NULL DEFAULT 0,"
	" last_seq INTEGER NOT NULL,"
	" PRIMARY KEY (user, text)"
	") WITHOUT ROWID;"
	"CREATE TABLE eng_standins ("             /* key first: see above */
	" user TEXT NOT NULL,"
	" seq INTEGER NOT NULL,"
	" standin TEXT NOT NULL,"
	" from_day TEXT NOT NULL,"
	" to_day TEXT NOT NULL,"
	" workflow TEXT,"
	" PRIMARY KEY (user, seq)"
	") WITHOUT ROWID;"
	"INSERT INTO eng_instances SELECT * FROM old_eng_instances;"
	"INSERT INTO eng_active SELECT * FROM old_eng_active;"
	"INSERT INTO eng_joins SELECT * FROM old_eng_joins;"
	"INSERT INTO eng_tasks SELECT * FROM old_eng_tasks;"
	"INSERT INTO eng_visited SELECT * FROM old_eng_visited;"
	"INSERT INTO eng_trail SELECT * FROM old_eng_trail;"
	"INSERT INTO eng_counters SELECT * FROM old_eng_counters;"
	"INSERT INTO eng_opinions SELECT * FROM old_eng_opinions;"
	"INSERT INTO eng_standins (user, seq, standin, from_day, to_day, workflow)"
	" SELECT user, seq, standin, from_day, to_day, workflow FROM old_eng_standins;"
	"DROP TABLE old_eng_active;"
	"DROP TABLE old_eng_joins;"
	"DROP TABLE old_eng_tasks;"
	"DROP TABLE old_eng_visited;"
	"DROP TABLE old_eng_trail;"
	"DROP TABLE old_eng_counters;"
	"DROP TABLE old_eng_opinions;"
	"DROP TABLE old_eng_standins;"
	"DROP TABLE old_eng_instances;";

/*
 * Version 6: an approval of a document can be withdrawn (拿回 of the
 * decision that recorded it). History is never rewritten: the withdrawal
 * is a row of its own (kind "sign-off withdrawn", "approve withdrawn")
 * whose `withdraws` names the row it withdraws; approvals have NULL.
 */
static const char schema_v6[] =
	"ALTER TABLE doc_approvals ADD COLUMN withdraws INTEGER REFERENCES doc_approvals (id);";

/*
 * Version 7: one timer index instead of two. A pending task with both a
 * deadline and reminders was in eng_tasks_deadline and eng_tasks_remind,
 * so creating or deciding it wrote a page of each; eng_tasks_due keys it
 * by whichever of its times comes first (STORE_TASK_DUE in store.h), and
 * `docket tick` reads both times from the row.
 */
static const char schema_v7[] =
	"DROP INDEX eng_tasks_deadline;"
	"DROP INDEX eng_tasks_remind;"
	"CREATE INDEX eng_tasks_due ON eng_tasks (" STORE_TASK_DUE ") WHERE " STORE_TASK_TIMED ";";

/* One schema step. */
struct migration {
	int version;                  /* user_version once applied */
	const char *sql;              /* schema changes, run first */
	int (*data)(struct store *s); /* data changes after them, or NULL */
};

static const struct migration migrations[] = {
	{ 1, schema_v1, NULL },
	{ 2, schema_v2, backfill_deploy_events },
	{ 3, schema_v3, NULL },
	{ 4, schema_v4, NULL },
	{ 5, schema_v5, NULL },
	{ 6, schema_v6, NULL },
	{ 7, schema_v7, NULL },
};

/* Apply one step in its own transaction, unless someone already did. */
static int apply(struct store *s, const struct migration *m)
{
	int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_sql_status(s, rc, _("begin the upgrade"));
	int have = 0;
	int status = store_pragma_int(s, "PRAGMA user_version", &have);
	if (!status && have < m->version) {
		rc = sqlite3_exec(s->db, m->sql, NULL, NULL, NULL);
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
	for (size_t i = 0; i < sizeof(migrations) / sizeof(migrations[0]); i++) {
		const struct migration *m = &migrations[i];
		if (m->version <= s->schema || m->version > target)
			continue;
		int rc = apply(s, m);
		if (rc < 0) {
			/* say which upgrade failed, keeping the reason */
			struct buf why = BUF_INIT;
			buf_adds(&why, s->err.s);
			store_fail(s, rc, _("unable to upgrade store '%s' to schema %d: %s"), s->dir,
				   m->version, why.s);
			buf_release(&why);
			return rc;
		}
	}
	return 0;
}
