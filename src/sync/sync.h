/*
 * sync: the terminal's side of the sync protocol (doc/protocol.md,
 * doc/sync.md) — the remote it talks to, its device token, and `docket
 * sync`: push the events the server has not answered yet, oldest first,
 * then pull what the server has after the saved cursor and apply each
 * event this store lacks through the engine (engine_accept), a page per
 * transaction together with the cursor.
 *
 * Tables (schema steps 12 and 13, owner "sync"): sync_remote (the one
 * remote: url, CA, proxy, device, token, server id, pull cursor, how far
 * the log was pushed, last sync, the clock skew found then), sync_acked (an event's server sequence, by UUID: pushed and
 * accepted or duplicate, or pulled), sync_rejected (an event of this
 * terminal the server rejected, with its code and reasons: kept, never
 * dropped, shown to its author) and sync_unapplied (a pulled event this
 * store's engine refused: it has a pending action of its own in the way;
 * re-applying pending actions on the server's state is not built yet).
 *
 * Not pushed: definition deployments and the system's events (the server
 * makes its own). A pulled deployment of a version this store has is
 * known already; of one it lacks, unapplied (definitions do not travel
 * yet).
 */
#ifndef DOCKET_SYNC_H
#define DOCKET_SYNC_H

#include <stdint.h>

#include "http.h"

struct buf;
struct engine;
struct store;
struct store_migration;

enum sync_status {
	SYNC_NO_REMOTE = -50,     /* no `docket remote set` yet */
	SYNC_NOT_ENROLLED = -51,  /* no device token yet */
	SYNC_OTHER_SERVER = -52,  /* the server's id is not the one enrolled with */
	/* and the sync_http_status values, and STORE_* */
};

const struct store_migration *sync_schema(void);

struct sync_remote {
	char *url;
	char *ca;        /* or NULL */
	char *device;    /* or NULL before enrolment */
	char *server_id; /* or NULL before enrolment */
	char *last_sync; /* ISO 8601, or NULL */
	int64_t cursor;  /* the server sequence pulled up to */
	int enrolled;    /* a token is kept */
	char *proxy;     /* NULL: the environment's; "": none; else its URL */
	int skew_known;  /* a sync has seen the server's clock */
	int64_t clock_skew; /* then: seconds this terminal's clock was ahead of the server's (negative: behind) */
	char *last_attempt; /* when a sync last ran, ISO 8601, or NULL (schema step 14) */
	int last_status;    /* how it ended: 0, or its status (SYNC_HTTP_UNREACHABLE: 离线) */
};
/* The remote: 1 (*r filled; release it), 0 none, or a negative status (store_error). */
int sync_remote_get(struct store *s, struct sync_remote *r);
void sync_remote_release(struct sync_remote *r);
/*
 * Set the URL (http:// or https://), CA file (NULL: the system's) and
 * proxy (NULL: the environment's, "": none, else its URL); keeps an
 * enrolment. 0 or a status.
 */
int sync_remote_set(struct store *s, const char *url, const char *ca, const char *proxy, struct buf *err);
/* Trade a one-time enrolment code for a device token, kept in the store. 0 or a status, message in err. */
int sync_enrol(struct store *s, const char *code, const char *name, struct buf *err);

struct sync_counts {
	int64_t pushed, accepted, duplicate, rejected, pulled, unapplied;
	int64_t conflicts; /* own actions not yet pushed that no longer apply after the pull (kept, as rejected) */
	int64_t rebased;   /* pages after which this terminal's own actions were applied again on top */
	int64_t replayed;  /* ... of them with the state rebuilt by replay (the undo journal did not cover the tail) */
	int retried;        /* requests tried again after a transient failure */
	int skew_known;     /* the server's clock was seen (its Date header) */
	int64_t clock_skew; /* then: seconds this terminal's clock is ahead of the server's */
};
/* A skew beyond this many seconds is said to the clerk. */
#define SYNC_SKEW_WARN 300
/* Push then pull (see above). 0, or a status with the message in err; what was done is kept and counted. */
int sync_run(struct store *s, struct engine *e, struct sync_counts *n, struct buf *err);
/*
 * How far a sync is: `done` of `total` events moved. Called after each
 * answer of the server; `total` grows once the first pull says how many
 * events the server has beyond this terminal's cursor.
 */
typedef void (*sync_progress_fn)(void *ctx, int64_t done, int64_t total);
/* sync_run, calling fn(ctx, ...) as it goes (fn NULL: as sync_run); records the attempt and how it ended. */
int sync_run_progress(struct store *s, struct engine *e, struct sync_counts *n, sync_progress_fn fn, void *ctx,
		      struct buf *err);

/* How many of this terminal's events wait to be pushed: >= 0, or a negative status. */
int64_t sync_waiting(struct store *s);
/* Each rejected event, oldest first: fn gets its uuid, type, actor, code and reason (the clerk's language). */
int sync_rejected_foreach(struct store *s,
			  int (*fn)(void *ctx, const char *uuid, const char *type, const char *actor, const char *made_at,
				    const char *code, const char *reason),
			  void *ctx);
/* Each pulled event that was not applied here, likewise. */
int sync_unapplied_foreach(struct store *s,
			   int (*fn)(void *ctx, const char *uuid, const char *type, const char *actor, const char *made_at,
				     const char *code, const char *reason),
			   void *ctx);

#endif
