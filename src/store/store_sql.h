/*
 * store_sql: the store's SQL kit, the front door for the modules above the
 * store that keep tables of their own in the same database — documents
 * (src/docs/) and the approval engine (src/engine/). Nothing else includes
 * this header; everything else uses store.h.
 *
 * Contract: a module runs SQL only on its own tables (doc/store.md lists
 * who owns which), always with bound parameters, through this kit or on
 * store_db() directly (a statement whose text is built at run time). It
 * writes only inside a transaction opened with store_begin(), so its rows
 * commit or roll back together with the event that caused them; it never
 * opens, commits or rolls back a transaction with SQL of its own, and
 * leaves no statement of its own mid-step across store_commit/rollback.
 * It reads the event log through store.h, and keeps its schema steps in
 * its own source (struct store_migration below).
 *
 * The kit: statements are prepared once per store and cached by the
 * address of their SQL text, which must therefore be a string with static
 * storage (a literal, or a static table of them) — never a buffer. They
 * belong to the store: store_close() finalizes them, store_rollback()
 * resets them. Each getter hands out the statement reset, with its
 * bindings cleared. Parameters are bound from a format string, one letter
 * per parameter ?1, ?2, ...: 's' a const char * (copied; NULL binds
 * NULL), 'i' an int64_t, 'd' an int. A failure leaves the message in
 * store_error(s) and returns NULL or a STORE_* status, with the one
 * wording for a busy, read-only, full or damaged store that the store's
 * own calls use.
 */
#ifndef DOCKET_STORE_SQL_H
#define DOCKET_STORE_SQL_H

#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>

struct store;

/*
 * When the event at sequence `seq` was made, in seconds since the epoch
 * (NULL when there is none): an SQL expression for a query of a module's
 * own tables that shows the times of the events behind its rows (the
 * inbox), so that query stays one statement and only the store's text
 * names the log's table. `seq` is an SQL expression (a column), pasted in.
 */
#define STORE_EVENT_TIME(seq) \
	"(SELECT CAST(strftime('%s', made_at) AS INTEGER) FROM events WHERE seq = " seq ")"

/* The store's SQLite connection (owned by the store). */
sqlite3 *store_db(struct store *s);
/* 1 while a store_begin() transaction is open. */
/* Reset every cached statement (before a rollback: none may be mid-step). */
void store_sql_reset_all(struct store *s);
int store_in_tx(const struct store *s);

/*
 * One step of the schema. PRAGMA user_version numbers the steps of every
 * module in one sequence; the store runs them in that order, each in its
 * own transaction with the bump of user_version (store_migrate.c). A
 * module keeps its steps in its own source, as an array ending with a
 * zero step, and never edits a released one.
 */
struct store_migration {
	int version;                  /* user_version once applied: 1, 2, ... with no gaps */
	const char *owner;            /* the module whose tables it changes: "store", "docs", "engine" */
	const char *sql;              /* schema changes, run first, or NULL */
	int (*data)(struct store *s); /* data changes after them, or NULL: 0 or a STORE_* status */
};

/* A module's schema steps: its array, ending with a zero step. */
typedef const struct store_migration *(*store_schema_fn)(void);
/*
 * The steps of the modules above the store, one function per module, the
 * list ending with NULL. Defined at the top of the core library
 * (src/schema.c), the one place that names every module; the store
 * includes no module's header, and merges these with its own steps by
 * version, refusing a version that no step or two steps claim.
 */
extern const store_schema_fn store_module_schema[];

/*
 * The store's wording for a failed SQLite call with result code rc:
 * busy, read-only, full (SQLITE_FULL, or an I/O error for lack of space),
 * damaged, or "unable to WHAT: SQLite's message" (`what` already
 * translated). Sets store_error(s) and returns the STORE_* status.
 */
int store_sql_status(struct store *s, int rc, const char *what);

/* The cached statement for `sql`, reset and unbound, bound from fmt; NULL on error. */
sqlite3_stmt *store_sql_q(struct store *s, const char *sql, const char *fmt, ...);
/* Run the statement to its end: 0 or a negative status. */
int store_sql_run(struct store *s, const char *sql, const char *fmt, ...);
/* The first column of the first row as an integer: 1 (*out set), 0 no row, or a negative status. */
int store_sql_int(struct store *s, int64_t *out, const char *sql, const char *fmt, ...);
/*
 * The first column of the first row as a new string (caller frees), NULL
 * when there is no row or it is NULL; *status 0, or negative on error.
 */
char *store_sql_str(struct store *s, int *status, const char *sql, const char *fmt, ...);
/* The same with the arguments as a va_list (for a module's own wrappers). */
sqlite3_stmt *store_sql_vq(struct store *s, const char *sql, const char *fmt, va_list ap);
int store_sql_vrun(struct store *s, const char *sql, const char *fmt, va_list ap);
int store_sql_vint(struct store *s, int64_t *out, const char *sql, const char *fmt, va_list ap);
char *store_sql_vstr(struct store *s, int *status, const char *sql, const char *fmt, va_list ap);
/* Column i of the current row as a new string (caller frees), or NULL. */
char *store_sql_col(sqlite3_stmt *st, int i);
/* Bind parameter i to v (not copied: it must outlive the step) or NULL; an SQLite result code. */
int store_sql_bind_text(sqlite3_stmt *st, int i, const char *v);

#endif
