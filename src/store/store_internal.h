/*
 * store_internal: what the files of src/store/ share among themselves.
 *
 * Not a front door: only the files of src/store/ include this. Everything else uses
 * store.h. It holds the store struct, the store's own statements, and the
 * kit's internals (store_sql.c) that store.c and the migrations use.
 */
#ifndef DOCKET_STORE_INTERNAL_H
#define DOCKET_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdint.h>

#include "../util/buf.h"
#include "store.h"
#include "store_sql.h"

/* "DOCK" in the SQLite header: a database without it is not a store. */
#define STORE_APPLICATION_ID 0x444F434B

/* prev_hash of the first event */
#define STORE_ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* The store's own statements, by name (see store_stmt). */
enum store_stmt {
	ST_BEGIN,            /* BEGIN IMMEDIATE */
	ST_COMMIT,           /* COMMIT */
	ST_ROLLBACK,         /* ROLLBACK */
	ST_EVENT_FIND,       /* seq of an event by uuid */
	ST_EVENT_LAST,       /* seq and hash of the last event */
	ST_EVENT_INSERT,     /* append one unsigned event (as schema 2 knows them: the v2 backfill) */
	ST_EVENT_INSERT_SIGNED, /* append one signed event */
	ST_EVENT_COUNT,      /* number of events */
	ST_EVENT_BY_UUID,    /* one event's fields by uuid */
	ST_EVENT_BY_SEQ,     /* one event's fields by seq */
	ST_DEF_CURRENT,      /* current version and hash of (kind, id) */
	ST_DEF_FIND,         /* version of (kind, id, hash) */
	ST_DEF_INSERT,       /* a new definition version, made current */
	ST_DEF_UNSET_CURRENT,/* (kind, id) has no current version */
	ST_DEF_SET_CURRENT,  /* make one version current */
	ST_DEF_GET,          /* the current version of (kind, id) with content */
	ST_DEF_GET_HASH,     /* a version by content hash, with content */
	ST__COUNT
};

/* One slot of the statement cache (store_sql.c). */
struct store_cached {
	const char *sql;   /* the key: SQL text with static storage; NULL: an empty slot */
	sqlite3_stmt *st;  /* prepared on the store's connection */
};

struct store {
	char *dir;                     /* the directory as the caller named it */
	char *db_path;                 /* DIR/docket.db */
	char *git_path;                /* DIR/documents.git */
	char *witness_path;            /* DIR/witness */
	sqlite3 *db;                   /* the connection; NULL once closed */
	int readonly;                  /* opened for reading: no writes, no migration */
	int schema;                    /* user_version once open */
	int err_status;                /* the status store_fail last gave with err */
	const char *tx_file;           /* where the open transaction began, or NULL */
	int tx_line;                   /* ... and the line */
	struct buf err;                /* the last error message */
	struct store_cached *cache;    /* every module's statements (store_sql.c), or NULL */
	size_t cache_slots;            /* slots in cache: 0 or a power of two */
	size_t ncached;                /* slots in use: at most half */
	store_signer_fn signer;        /* signs appended events, or NULL */
	void *signer_ctx;
	int appended;                  /* the open transaction appended an event: witness at commit */
	int kind;                      /* enum store_kind once read, -1 before */
	int server;                    /* store_is_server once read, -1 before */
	/* the undo journal (store_undo.c) */
	const char *const *undo_tables; /* the state tables it records, or NULL */
	size_t undo_ntables;
	int undo;                      /* store_undo_on once read, -1 before */
	struct sqlite3_session *session; /* recording the open transaction's chunk, or NULL */
	int64_t undo_from;             /* the first sequence of that chunk */
	int rewriting;                 /* store_event_truncate is removing the tail (the trigger lets it) */
	int undo_held;                 /* store_undo_hold: this transaction's events settle, unjournalled */
};

/* The undo journal's session for the open transaction (store_undo.c): started at begin, ended at commit. */
int store_undo_start(struct store *s);
void store_undo_stop(struct store *s);
/* At commit: journal the last chunk and end the session. */
int store_undo_commit(struct store *s);

/* printf into s->err (replacing it); returns `status` for tail calls. */
int store_fail(struct store *s, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The cached statement `id`, reset with its bindings cleared; NULL on error. */
sqlite3_stmt *store_stmt(struct store *s, enum store_stmt id);
/* The cached statement for `sql` (static storage), reset and unbound; NULL on error. */
sqlite3_stmt *store_sql_prepared(struct store *s, const char *sql);
/* Finalize every cached statement and empty the cache (before closing the connection). */
void store_sql_finalize_all(struct store *s);
/* Run one argument-less pragma and read its single integer result. */
int store_pragma_int(struct store *s, const char *sql, int *out);
/* 1 if a transaction is open on s, else set an error and return 0. */
int store_need_tx(struct store *s, const char *what);

/*
 * The log's head as the witness will record it (store_witness.c): 1 with
 * *w filled, 0 for an empty log, or a negative status.
 */
int store_witness_head(struct store *s, struct store_witness *w);
/*
 * Write the witness of *w (after a commit). Failure is not reported: a
 * witness that lags the log is allowed (doc/store.md, "The witness").
 */
void store_witness_write(struct store *s, const struct store_witness *w);

/* Bring the schema from its current version up to `target` (store_migrate.c). */
int store_migrate(struct store *s, int target);

/*
 * Append an event without checking for a caller-opened transaction (the
 * migrations run inside their own). Same returns as store_event_append.
 */
int store_event_append_locked(struct store *s, const struct store_event *ev, int64_t *seq);
/* The sequence number of the last event (0 if none); -1 on error. */
int64_t store_event_last_seq(struct store *s);

/*
 * The payload of a "definition.deployed" event, compact JSON with sorted
 * keys; `backfilled` marks events the v2 migration made for old rows.
 * Caller frees.
 */
char *store_def_payload(const char *kind, const char *id, const char *name,
			const char *hash, const char *source, int backfilled);

#endif
