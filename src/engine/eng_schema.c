/*
 * eng_schema: the approval engine's tables, as its steps of the store's
 * schema (store versions 3, 5 and 7; the store runs every module's steps
 * in version order: see store_sql.h and doc/store.md). Every row of these
 * tables is derived from the event log and rebuilt from it by `docket
 * check`.
 *
 * Never edit a released step: add a new one with the next free version
 * (and raise STORE_SCHEMA_VERSION in store.h to it).
 */
#include "../store/store_sql.h"
#include "eng_internal.h"
#include "engine.h"

/*
 * Version 3: the approval engine's materialised state (owned by
 * src/engine/; see doc/engine.md). Every row here is derived from the
 * event log and rebuilt from it by `docket check`; times are seconds
 * since the epoch, sequences are events.seq.
 */
static const char eng_v3[] =
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
static const char eng_v5[] =
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
 * Version 7: one timer index instead of two. A pending task with both a
 * deadline and reminders was in eng_tasks_deadline and eng_tasks_remind,
 * so creating or deciding it wrote a page of each; eng_tasks_due keys it
 * by whichever of its times comes first (ENG_TASK_DUE in eng_internal.h), and
 * `docket tick` reads both times from the row.
 */
static const char eng_v7[] =
	"DROP INDEX eng_tasks_deadline;"
	"DROP INDEX eng_tasks_remind;"
	"CREATE INDEX eng_tasks_due ON eng_tasks (" ENG_TASK_DUE ") WHERE " ENG_TASK_TIMED ";";

static const struct store_migration steps[] = {
	{ 3, "engine", eng_v3, NULL },
	{ 5, "engine", eng_v5, NULL },
	{ 7, "engine", eng_v7, NULL },
	{ 0, NULL, NULL, NULL },
};

const struct store_migration *engine_schema(void)
{
	return steps;
}
