/*
 * rebase: a pulled page applied in the server's order, with this
 * terminal's own actions not yet on the server applied again on top
 * (rebase.c explains how; doc/sync.md, "How a terminal keeps the
 * server's order").
 */
#ifndef DOCKET_SYNC_REBASE_H
#define DOCKET_SYNC_REBASE_H

#include <jansson.h>
#include <stdint.h>

struct buf;
struct engine;
struct store;
struct store_event;

struct rebase {
	struct store *s;
	struct engine *e;
	struct buf *err;   /* the message of a failure */
	int64_t settled;   /* in: the log is final up to here; out: where it is now final */
	int64_t pulled;    /* others' events applied */
	int64_t unapplied; /* events of the server's this terminal could not apply */
	int64_t conflicts; /* own actions not yet pushed that no longer apply */
	int moved;         /* the tail was taken off and applied again */
	int rebuilt;       /* ... with the state rebuilt by replay (the journal did not cover it) */
};

/*
 * Apply one page of pulled events (wire events, already checked to parse)
 * inside the caller's transaction. 0, or < 0 with the message in r->err
 * (the caller rolls back).
 */
int rebase_page(struct rebase *r, json_t *page);

/* 1 for an event this terminal keeps to itself and never pushes: deployments, the system's, document revisions. */
int rebase_kept(const struct store_event *ev);

#endif
