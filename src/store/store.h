/*
 * store: one docket store on disk — a directory holding the SQLite database
 * (docket.db), the bare git repository for documents (documents.git), and
 * nothing else that matters.
 *
 * The store owns the database, its own tables (def_versions, events) and
 * every statement that touches them: nothing outside src/store/ runs SQL
 * on them. The modules that keep tables of their own in the same database
 * (documents, the approval engine) run their SQL through the store's kit
 * and list their schema steps with the store's: store_sql.h. It guarantees:
 *   - WAL, foreign_keys=ON, synchronous=FULL (DOCKET_SYNC=normal for NORMAL),
 *     a busy timeout, and PRAGMA quick_check on open;
 *   - schema migrations by user_version, each in one transaction: an older
 *     store upgrades on open, a store from a newer docket is refused;
 *   - writes in BEGIN IMMEDIATE transactions that remember where they were
 *     opened (file:line), so a stuck lock names its holder in messages;
 *   - every change is an event appended to a hash-chained (SM3) log in the
 *     same transaction as the state it materialises; appending an event
 *     whose UUID is already present is a no-op;
 *   - clear messages for a store that is busy, read-only, on a full disk,
 *     damaged, or missing — and no partial writes in any of those cases.
 *
 * Errors: functions return 0 / -1 (or a documented status) and leave a
 * message (lowercase, subject quoted) in store_error(s), or in `err` for
 * the functions that run before a store exists.
 */
#ifndef DOCKET_STORE_H
#define DOCKET_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct buf;

/* The schema version this docket writes; see store.c for the migrations. */
#define STORE_SCHEMA_VERSION 16

struct store; /* opaque; store_close() frees it */

enum store_status {
	STORE_OK = 0,
	STORE_ERR = -1,       /* any other failure; see store_error() */
	STORE_BUSY = -2,      /* another process holds the write lock past the timeout */
	STORE_READONLY = -3,  /* the files or directory are not writable */
	STORE_FULL = -4,      /* the disk is full */
	STORE_CORRUPT = -5,   /* the database is damaged or not a docket store */
	STORE_TOO_NEW = -6,   /* written by a newer docket */
	STORE_MISSING = -7,   /* no store at that path (run `docket init`) */
	STORE_NEEDS_UPGRADE = -8, /* opened read-only, but the schema is older:
				     open it once read-write to upgrade */
	STORE_IO = -9,        /* the disk failed a read or write (EIO) */
	STORE_NOMEM = -10     /* SQLite ran out of memory */
};

/*
 * What a store is for, chosen when it is made (`docket init`, `--demo`):
 * only a test or demonstration store lets DOCKET_NOW set the clock, and
 * only a demonstration store shows its passphrase at sign-in.
 */
enum store_kind {
	STORE_KIND_PRODUCTION = 0, /* the default, and every store made before kinds */
	STORE_KIND_TEST = 1,       /* made while DOCKET_NOW pinned the clock */
	STORE_KIND_DEMO = 2,       /* made by `docket init --demo` (make run's store) */
};
/* The store's kind (STORE_KIND_PRODUCTION when unreadable). */
enum store_kind store_kind(struct store *s);
/* Set it: only while the log is empty. 0, or a negative status with the message. */
int store_set_kind(struct store *s, enum store_kind k);
/*
 * A server's store (docketd init) holds events made on many terminals,
 * each with its maker's time, in the order the server decided: there an
 * event's time may go back before the previous one's.
 */
int store_is_server(struct store *s);
int store_set_server(struct store *s);
/*
 * A terminal that syncs: its log is in the server's order, with events
 * made on other terminals' clocks, so its times may go back (as a
 * server's); the server's clock is the check (doc/sync.md). In a
 * transaction.
 */
int store_set_synced(struct store *s);
/* 1 if every event's time is at least the previous event's (a production
 * store that neither is a server's nor syncs; doc/security.md, "The clock"). */
int store_times_ordered(struct store *s);
/* The kind's name: "production", "test", "demo". */
const char *store_kind_name(enum store_kind k);

/* Default store directory: $DOCKET_STORE, else $XDG_DATA_HOME/docket, else ~/.local/share/docket. Caller frees. */
char *store_default_dir(void);
/*
 * Create a new store in `dir` (created if needed; must be empty of a store).
 * Returns a STORE_* status; on failure `err` holds the message.
 */
int store_init(const char *dir, struct buf *err);
/*
 * For tests: create a store whose schema stops at `version` (1 ..
 * STORE_SCHEMA_VERSION), as an older docket would have left it, to check
 * that store_open() upgrades it. Same returns as store_init().
 */
int store_init_at_version(const char *dir, int version, struct buf *err);
/*
 * Open an existing store, upgrading its schema when older. `readonly`
 * opens without writing (no migration; refused with STORE_NEEDS_UPGRADE
 * if one is needed: a reader may then open it read-write once). Environment: DOCKET_SYNC=normal
 * trades the last commits before a power loss for speed (default full);
 * DOCKET_BUSY_TIMEOUT_MS (default 5000) is how long to wait for another
 * writer. On success *out is the store (store_close() frees it); on
 * failure *out is NULL and `err` holds the message.
 */
int store_open(const char *dir, int readonly, struct store **out, struct buf *err);
/*
 * 1 when the store at `dir` cannot be written whoever asks: its directory
 * or docket.db is on a read-only file system (a CD, a read-only mount) or
 * not writable by this user. Reading verbs then open it for reading and
 * record nothing (doc/store.md, "A store on read-only media"); 0 otherwise.
 */
int store_media_readonly(const char *dir);
/* Close and free; an open transaction is rolled back (and reported: a bug). */
void store_close(struct store *s);
const char *store_error(const struct store *s);
/* The status that came with store_error()'s message (STORE_FULL, ...). A
 * caller that passed the failure on as STORE_ERR finds the cause here. */
int store_error_status(const struct store *s);
const char *store_dir(const struct store *s);
/* Path of the bare git repository inside the store. */
const char *store_git_dir(const struct store *s);
int store_schema_version(const struct store *s);

/*
 * For tests and benchmarks that look inside: the store's connection, with
 * every setting above applied (modules use store_sql.h instead).
 */
struct sqlite3 *store_sqlite(struct store *s);

/*
 * Transactions (BEGIN IMMEDIATE); nesting is an error. store_begin returns
 * STORE_BUSY when another process holds the write lock past the timeout,
 * STORE_READONLY on a store opened for reading. A failed commit rolls back
 * and returns its status (e.g. STORE_FULL). Rollback outside a transaction
 * does nothing.
 */
int store_begin_at(struct store *s, const char *file, int line);
#define store_begin(s) store_begin_at((s), __FILE__, __LINE__)
int store_commit(struct store *s);
void store_rollback(struct store *s);
/*
 * A savepoint inside the open transaction, for one step of a batch that
 * may be refused alone (docketd judges each event of a push in the batch's
 * transaction). store_savepoint marks; store_savepoint_end(s, 1) keeps
 * what was written since, store_savepoint_end(s, 0) undoes it and keeps
 * the transaction open. One level only. 0 or a negative status.
 */
int store_savepoint(struct store *s);
int store_savepoint_end(struct store *s, int keep);

/*
 * An event as appended to the log. The strings are borrowed from the
 * caller (append) or from the store for one call (foreach), except after
 * store_event_by_uuid/by_seq, which fill in copies: release those with
 * store_event_release().
 */
struct store_event {
	const char *uuid;        /* 36-char UUID; the idempotency key */
	const char *type;        /* "definition.deployed", ... */
	const char *actor;       /* user id who acted ("system" for timers) */
	const char *on_behalf;   /* user id acted for, or NULL */
	const char *def_version; /* definition hash the action ran under, or NULL */
	const char *made_at;     /* ISO 8601 UTC from the injectable clock */
	int64_t base_seq;        /* the last sequence the actor had seen */
	const char *payload;     /* JSON object text */
	const char *key_id;      /* the key that signed it (SM3 of its public key), or NULL */
	const char *sig;         /* the actor's SM2 signature of store_event_signed_text, or NULL */
};

/*
 * What an event's signature covers (buf reset first): every field but
 * the signature and the chain, as netstrings after the tag
 * "docket.signed.1": uuid, type, actor, on_behalf, def_version, made_at,
 * base_seq, payload. Where the event sits in a log is not signed, so the
 * same signed event can be sequenced by the server and pulled elsewhere.
 */
void store_event_signed_text(const struct store_event *ev, struct buf *out);
/*
 * Who signs the events this process appends: called inside the append's
 * transaction for every event that carries no signature yet, with the
 * text to sign. It sets *key_id and *sig (malloc'd; the store frees them)
 * and returns 0, or leaves them NULL and returns 0 for an event it lets
 * go unsigned (the system's timers), or returns a negative STORE_*
 * status with the message in `err` (nothing is appended then).
 */
typedef int (*store_signer_fn)(void *ctx, const struct store_event *ev, const char *text, size_t len,
			       char **key_id, char **sig, struct buf *err);
/* Install the signer (NULL: none, events are appended as given). */
void store_set_signer(struct store *s, store_signer_fn fn, void *ctx);

/*
 * Append inside an open transaction. Returns 0 when appended (sets *seq if
 * non-NULL), 1 when an event with that UUID already exists (nothing
 * written; *seq is set to that event's sequence), or a negative STORE_*
 * status. Refused: a UUID that is not canonical lowercase, an empty type
 * or actor, made_at that is not ISO 8601, a payload that is not a JSON
 * object.
 */
int store_event_append(struct store *s, const struct store_event *ev, int64_t *seq);
/*
 * Verify the hash chain; returns 0, or -1 naming the first bad sequence in
 * *bad_seq (and in the message); another negative status if the log could
 * not be read. Removing the newest events is not detected here (see
 * auth_verify_log and the witness). Signatures are checked by src/auth.
 */
int store_event_verify(struct store *s, int64_t *bad_seq);
/*
 * For tests that play an attacker who can write the database file: give
 * every event the prev_hash and hash the chain expects, as anyone can
 * recompute them (the chain orders; only signatures attribute). 0 or a
 * negative status. Never called by docket itself.
 */
int store_event_rechain_for_tests(struct store *s);
/*
 * The witness of the log's head, kept outside the database (the file
 * DIR/witness; doc/store.md, "The witness"): after every commit that
 * appended events, the last event's sequence, hash and time. Signatures
 * cannot show that the newest events were cut off; the witness can, as
 * long as it was not rolled back with them.
 */
struct store_witness {
	int64_t seq;          /* the last event's sequence when it was written */
	char hash[65];        /* that event's hash */
	char made_at[40];     /* that event's time */
	char written_at[40];  /* when docket wrote the witness, by its clock */
};
enum store_witness_verdict {
	STORE_WITNESS_HOLDS = 0, /* the log holds the witnessed event at its sequence */
	STORE_WITNESS_NONE,      /* no witness (never written, removed, or not one docket wrote) */
	STORE_WITNESS_CUT,       /* the log ends before the witnessed event: events were cut off */
	STORE_WITNESS_OTHER,     /* the log has another event at the witnessed sequence */
};
/*
 * Compare the log with its witness: a verdict (*w is the witness read;
 * *last the log's last sequence), or a negative status.
 */
int store_witness_check(struct store *s, struct store_witness *w, int64_t *last);
/* Path of the witness file. */
const char *store_witness_path(const struct store *s);
/*
 * The time an event appended now takes: `now`, or on a production store
 * the time of the log's last event when that is later (the system clock
 * went back; an event's time never goes before the previous event's).
 * Call inside the transaction that appends. Returns `now` on a read error.
 */
time_t store_event_time(struct store *s, time_t now);

/*
 * PRAGMA quick_check over the whole database (every page). store_open runs
 * it only after an unclean end (see doc/store.md); `docket check` runs it
 * always. 0, or STORE_CORRUPT with the findings in the message.
 */
int store_quick_check(struct store *s);
/* Number of events, or -1 on error. */
int64_t store_event_count(struct store *s);
/* The sequence of the last event (0 when none), or -1 on error; cheap. */
int64_t store_event_last_seq(struct store *s);
/*
 * Call fn for each event with a sequence above `after`, in sequence order
 * (replay). The strings in *ev are valid during the call only; fn returning
 * non-zero stops the walk and is returned. fn may use the store (the walk
 * reads all rows first only when `after` is the last; it uses its own
 * statement). Returns 0, fn's value, or a negative status.
 */
int store_event_foreach(struct store *s, int64_t after,
			int (*fn)(void *ctx, int64_t seq, const struct store_event *ev), void *ctx);

/*
 * The event with this UUID (modules above the store read the log here,
 * never by SQL on it). 1 when it is in the log: *seq is its sequence (if
 * seq is non-NULL) and, when out is non-NULL, *out holds copies of its
 * fields for the caller to free with store_event_release(). 0 when it is
 * not, or a negative status; *out is zeroed then. With out NULL only the
 * UUID's index is read: a cheap "is this action already done?".
 */
int store_event_by_uuid(struct store *s, const char *uuid, struct store_event *out, int64_t *seq);
/* The event at sequence `seq` into *out (copies, as above): 1, 0 none, or a negative status. */
int store_event_by_seq(struct store *s, int64_t seq, struct store_event *out);
/* Free the copies store_event_by_uuid/by_seq made in *ev and zero it. */
void store_event_release(struct store_event *ev);

/*
 * The log's tail, for a terminal that syncs (store_undo.c; doc/sync.md):
 * its own actions are taken off and applied again on top of what the
 * server sequenced before them. Nothing else rewrites the log.
 *
 * The undo journal: while it is on (store_undo_enable, kept in the store),
 * each transaction that appends events records the changeset of the tables
 * named with store_undo_tables (the state derived from the log; the
 * engine names them) by the sequences it appended. store_undo_mark ends
 * the current chunk inside a transaction (so the tail can later be taken
 * off from there). store_undo_to(seq), in a transaction, puts those
 * tables back as they were after event `seq`: 0 done, 1 the journal does
 * not cover the tail or does not invert (nothing changed: rebuild the
 * state by replay instead), or < 0. store_undo_forget drops the chunks
 * that end at or before `upto` (the tail will never go back that far).
 */
void store_undo_tables(struct store *s, const char *const *names, size_t n);
int store_undo_on(struct store *s);
int store_undo_enable(struct store *s);
int store_undo_mark(struct store *s);
int store_undo_to(struct store *s, int64_t seq);
int store_undo_forget(struct store *s, int64_t upto);
/*
 * This transaction's events need no journal: they settle before it
 * commits (a pulled page with nothing of this terminal's after it).
 * Until the transaction ends.
 */
void store_undo_hold(struct store *s);
/*
 * Remove the events after `after` (in a transaction; the witness steps
 * back first). Rows of other tables that name a removed event by its
 * sequence (foreign keys to events) wait for it to be appended again with
 * store_event_reappend(ev, was) — its old sequence `was` — which moves
 * them to its new one; store_event_named(was) says whether any row waits
 * for it (1), so an event something names is never dropped (a commit with
 * one dropped fails on the foreign key).
 */
int store_event_truncate(struct store *s, int64_t after);
int store_event_reappend(struct store *s, const struct store_event *ev, int64_t was, int64_t *seq);
int store_event_named(struct store *s, int64_t was);

/* A deployed definition version. */
struct store_def {
	char *kind;        /* "organisation", "form", "workflow", "theme" */
	char *id;          /* the definition's id */
	char *name;        /* display name, or NULL */
	char *hash;        /* SM3 of the content, hex */
	char *source;      /* path it was deployed from */
	char *deployed_at; /* ISO 8601 */
	char *deployed_by; /* user id */
	int64_t version;   /* row id: 1, 2, ... in deployment order */
	int current;       /* 1 if this is the version new requests use */
	char *content;     /* file text; filled by store_def_get only */
	size_t len;
};

/* Free the strings store_def_get() filled in and zero *d. */
void store_def_release(struct store_def *d);

/*
 * Record a definition version and make it current, appending a
 * "definition.deployed" event in the same transaction (which the caller
 * opened). Returns 0 if recorded, 1 if this exact content is already the
 * current version of (kind, id) (no-op), or a negative status. A content
 * hash deployed before and since replaced becomes current again with a
 * new event, never a duplicate version row. `hash` must be the SM3 of the
 * content. A version's deployed_at/deployed_by are those of its first
 * deployment; later ones are in the event log. event_uuid already in the
 * log: 1, nothing written.
 */
int store_def_deploy(struct store *s, const char *event_uuid, const char *actor,
		     const char *made_at, const char *kind, const char *id,
		     const char *name, const char *hash, const char *source,
		     const char *content, size_t len);
/*
 * List versions: current ones only, or all of them (history), ordered by
 * kind, id, version. Calls fn for each; fn returning non-zero stops. The
 * strings in *d are valid during the call only; content is NULL. fn may
 * use the store. Returns 0 or a negative status.
 */
int store_def_list(struct store *s, int all,
		   int (*fn)(void *ctx, const struct store_def *d), void *ctx);
/*
 * The current version of (kind, id), with content (NUL-terminated; len
 * bytes). 0, 1 if none, or a negative status. On 0 the caller releases
 * *out with store_def_release(); otherwise *out is zeroed.
 */
int store_def_get(struct store *s, const char *kind, const char *id, struct store_def *out);
/*
 * The version whose content hash is `hash` (any kind; current or not),
 * with content. 0, 1 if there is none, or a negative status. On 0 the
 * caller releases *out with store_def_release(); otherwise *out is zeroed.
 */
int store_def_get_version(struct store *s, const char *hash, struct store_def *out);
/*
 * The content hash of the current version of (kind, id), without reading
 * the content (the engine asks on every action). 0 with *hash set (caller
 * frees), 1 if none (*hash NULL), or a negative status.
 */
int store_def_current_hash(struct store *s, const char *kind, const char *id, char **hash);

/*
 * Every deployed version against its hash (SM3 of its content, again) and
 * the definition.deployed event that made it: 0 when all hold (*n
 * versions), 1 with the first that does not named in store_error(), or a
 * negative status.
 */
int store_def_verify(struct store *s, int64_t *n);

#endif
