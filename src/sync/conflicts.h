/*
 * conflicts: the actions of this terminal the server rejected, as their
 * authors deal with them (doc/sync.md, "冲突"). A rejected action is kept
 * (sync.c's sync_rejected) and shown to the person who made it until they
 * redo it on the request as it is now — a new action — or discard it.
 * Either is recorded, how, who and when, in the same row: the row stays,
 * so `docket sync --status` still lists it, as discarded or done again.
 *
 * Schema step 16 (owner "sync"): the discard's columns on sync_rejected,
 * and how the last sync attempt ended on sync_remote (the status bar's
 * 离线).
 */
#ifndef DOCKET_SYNC_CONFLICTS_H
#define DOCKET_SYNC_CONFLICTS_H

#include <stdint.h>

struct buf;
struct engine;
struct store;
struct store_migration;

const struct store_migration *sync_conflicts_schema(void);

/* One rejected action; strings borrowed for the callback's duration. */
struct sync_conflict {
	const char *uuid;      /* the action's event */
	const char *type;      /* its event type: "task.approved" */
	const char *actor;     /* who made it */
	const char *made_at;   /* when they made it, ISO 8601 */
	const char *code;      /* the server's code: "refused", "stale", ... or "conflict" */
	const char *reason;    /* why, in the clerk's language */
	const char *at;        /* when this terminal learnt it, ISO 8601 */
	const char *request;   /* the request it was on, or NULL when unknown here */
	const char *task;      /* the task it was on, or NULL (an action on the request) */
	const char *resolved;  /* "discarded", "redone", or NULL while it waits */
	const char *resolved_by; /* who, or NULL */
	const char *resolved_at; /* when, ISO 8601, or NULL */
};

/* Which rows sync_conflicts_foreach gives. */
enum sync_conflict_filter {
	SYNC_CONFLICTS_WAITING, /* not discarded */
	SYNC_CONFLICTS_ALL,     /* discarded ones too */
};

/*
 * Each rejected action of `actor` (NULL: everyone's), oldest first; e
 * (may be NULL: request left NULL for task actions) finds the request of
 * an action on a task. Stops when fn returns non-zero and returns that;
 * 0, or a negative status.
 */
int sync_conflicts_foreach(struct store *s, struct engine *e, const char *actor, enum sync_conflict_filter which,
			   int (*fn)(void *ctx, const struct sync_conflict *c), void *ctx);
/* How many rejected actions of `actor` (NULL: everyone's) wait: >= 0, or a negative status. */
int64_t sync_conflicts_count(struct store *s, const char *actor);
/*
 * `by` discards the rejected action `uuid` (its author only): the row is
 * marked with who and when, and lists hide it. 0; 1 when `by` has no
 * such waiting action; or a negative status; the message in err.
 */
int sync_conflict_discard(struct store *s, const char *uuid, const char *by, struct buf *err);
/* The same for an action its author did again (a new action, made by the caller): marked "redone". */
int sync_conflict_redone(struct store *s, const char *uuid, const char *by, struct buf *err);
/*
 * 1 when the event at local sequence `seq` is one this terminal pushes and
 * the server has not answered yet (待同步), 0 when not, or a negative status.
 */
int sync_event_waiting(struct store *s, int64_t seq);

#endif
