/*
 * storage: what docketd keeps — the server store (a docket store: the
 * event log in the server's order, the engine's state, the definitions)
 * and the server's own tables: devices and whom each is for, one-time
 * enrolment codes, the receipts of rejected events, the need-to-know
 * index that pulls are filtered by, and the server's id (doc/protocol.md,
 * "Server store").
 *
 * One interface for the server's storage, so the handlers never name a
 * database: storage_sqlite.c implements it on SQLite (DIR/docket.db and
 * DIR/docketd.db, attached to one connection, so a batch is one
 * transaction); a PostgreSQL implementation is planned behind the same
 * functions. Errors: a negative STORE_* status with the message in
 * storage_error().
 */
#ifndef DOCKET_SERVER_STORAGE_H
#define DOCKET_SERVER_STORAGE_H

#include <jansson.h>
#include <stdint.h>

struct buf;
struct store;
struct storage; /* opaque; storage_close() frees it */

/*
 * Make a server store in `dir`: a docket store (of kind test when
 * DOCKET_NOW pins the clock, else production) and the server's tables,
 * with a new server id. A STORE_* status; the message in err.
 */
int storage_init(const char *dir, struct buf *err);
/* Open it for serving or administration. A STORE_* status; the message in err. */
int storage_open(const char *dir, struct storage **out, struct buf *err);
void storage_close(struct storage *st);
const char *storage_error(const struct storage *st);
/* The docket store the engine judges on (borrowed). */
struct store *storage_store(struct storage *st);
/* The id made with the server store (16 hex digits). */
const char *storage_server_id(const struct storage *st);

/*
 * A one-time enrolment code for a device to be called `name`, valid for
 * `hours`, for `people` (ids the caller checked against the organisation;
 * the device pulls their requests): *code (caller frees) is shown once;
 * only its SM3 is kept.
 */
int storage_code_make(struct storage *st, const char *name, int hours, const char *const *people, size_t npeople,
		      char **code);
/*
 * Trade a code (any case, dashes and spaces ignored) for a device: 0 with
 * *device and *token (caller frees; the token is kept as its SM3 only),
 * 1 when the code is unknown, used or expired (nothing changes), or < 0.
 */
int storage_enrol(struct storage *st, const char *code, const char *name, char **device, char **token);
/* The device a token belongs to, when not revoked: 1 and *device (caller frees), 0 none, < 0. */
int storage_device_by_token(struct storage *st, const char *token, char **device);
/* Every device, as [{"device","name","enrolled_at","revoked_at","people"}] (caller decrefs); NULL on error. */
json_t *storage_devices(struct storage *st);
/* Revoke device `id`: 1 done, 0 no such device or already revoked, < 0. */
int storage_device_revoke(struct storage *st, const char *id);

/* The batch's transaction: one per push, durable at commit (group commit). */
int storage_batch_begin(struct storage *st);
int storage_batch_commit(struct storage *st);
void storage_batch_rollback(struct storage *st);

/* A rejection, kept by UUID so the same event pushed again gets the same answer. */
struct receipt {
	const char *uuid;
	const char *device;    /* who pushed it first */
	const char *ident;     /* SM3 of the event's signed text and signature */
	const char *code;      /* the rejection's code */
	const char *reason_en, *reason_zh;
};
/* The rejection of `uuid`: 1 and *r (strings: caller frees with receipt_release), 0 none, < 0. */
int storage_receipt_get(struct storage *st, const char *uuid, struct receipt *r);
void receipt_release(struct receipt *r);
/* Keep a rejection (inside the batch). */
int storage_receipt_put(struct storage *st, const struct receipt *r);

/*
 * The server's own tables: they read whole (quick_check), and no kept
 * rejection names an event that was sequenced. Appends a line per finding
 * to `report`; *rejections counts the receipts. 0 all holds, 1 a finding,
 * or < 0.
 */
int storage_check(struct storage *st, struct buf *report, int64_t *rejections);

/* The last sequence of the log (0: empty), or < 0. */
int64_t storage_last_seq(struct storage *st);
/* The people device `id` is for, as a JSON array of ids (caller decrefs); NULL on error. */
json_t *storage_device_people(struct storage *st, const char *id);
/* Inside a batch: `person` signed in on `device` (a pushed signin.succeeded), so it pulls their requests too. */
int storage_device_person_add(struct storage *st, const char *device, const char *person);
/*
 * Inside a batch, after the engine sequenced event `seq`: the request it
 * belongs to (NULL: none), and everyone the engine's state now says is
 * involved in that request, for the pulls' need to know.
 */
int storage_index_event(struct storage *st, int64_t seq, const char *instance);
/*
 * A device's pull after `after` (doc/protocol.md): first the older events
 * of requests the device's people were added to since (each with
 * "backfill": true), then up to `limit` events after `after` that the
 * device may see (every event outside requests; its people's requests';
 * all with `reads_all`), appended to `out` as the protocol's JSON with
 * "seq". A backfill stops after the request that reaches `limit` events
 * (the others come at the next pull). *next: the last sequence appended
 * when the page is full, else *last (the log's end: everything was looked
 * at); *more: events or backfills remain. 0, 1 when `after` is beyond the
 * log, or < 0.
 */
int storage_pull(struct storage *st, const char *device, int reads_all, int64_t after, int limit, json_t *out,
		 int64_t *next, int64_t *last, int *more);
#endif
