/*
 * rebase: a pulled page applied in the server's order, with this
 * terminal's own actions not yet on the server applied again on top
 * (rebase.h; doc/sync.md, "How a terminal keeps the server's order").
 *
 * The log is two parts. Up to `settled` it is final: the server's events
 * in the server's order, with the events this terminal keeps to itself
 * (deployments, the system's timers, revisions of documents, which do not
 * travel yet) where they fell. After it is the tail: this terminal's
 * actions not yet pulled back in the server's order. A page is applied
 * so:
 *
 *  - while the page and the tail agree (the same events in the same
 *    order: nobody else acted in between) nothing moves: `settled` steps
 *    over them (the fast path, and by far the common one);
 *  - when nothing is left in the tail, the page's other events are
 *    appended and judged as they come;
 *  - otherwise the tail is taken off (the undo journal inverts its
 *    changesets; when the journal does not cover it, the state is rebuilt
 *    by replay), the page's events are applied in the server's order, and
 *    the tail's events not in the page are applied again after them, each
 *    judged again. One the server rejected stays off (it is kept, with the
 *    server's reason, in sync_rejected); one not yet pushed that no longer
 *    applies is kept there too, as a conflict with the engine's reason,
 *    for its author to redo or discard; one the server accepted that does
 *    not apply yet comes back in a later page, in the server's order.
 *
 * All of it in the page's transaction: a crash leaves the page unapplied,
 * the tail as it was.
 */
#define _POSIX_C_SOURCE 200809L
#include "rebase.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/engine.h"
#include "../store/store.h"
#include "../store/store_sql.h"
#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "wire.h"

/* What taking one event off with the journal costs, in events replayed (bench_rebase). */
#define UNDO_VS_REPLAY 4

enum tail_kind {
	TAIL_PENDING,  /* ours, not answered by the server yet */
	TAIL_ACCEPTED, /* ours, accepted (or duplicate): comes back in a page */
	TAIL_REJECTED, /* ours, rejected: stays off */
	TAIL_KEPT,     /* kept by this terminal (never pushed), or pulled before */
};

struct tail_ev {
	struct store_event ev; /* copies */
	int64_t seq;
	enum tail_kind kind;
	int done; /* applied again from the page */
};

struct tail {
	struct tail_ev *v;
	size_t n, alloc;
	size_t limit; /* load at most this many (0: all) */
	int more;     /* ... and there were more */
};

static void tail_release(struct tail *t)
{
	for (size_t i = 0; i < t->n; i++)
		store_event_release(&t->v[i].ev);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

int rebase_kept(const struct store_event *ev)
{
	if (!strcmp(ev->type, "definition.deployed") || !strcmp(ev->actor, "system"))
		return 1;
	/* revisions of documents do not travel yet (doc/protocol.md); most payloads name none: not parsed */
	if (!ev->payload || !strstr(ev->payload, "\"documents\""))
		return 0;
	json_t *p = json_loads(ev->payload, 0, NULL);
	int docs = p && json_object_get(p, "documents") != NULL;
	json_decref(p);
	return docs;
}

/* How the server answered `uuid`: a tail kind. */
static int answer(struct store *s, const char *uuid, enum tail_kind *kind)
{
	int st = 0;
	char *how = store_sql_str(s, &st,
				  "SELECT how FROM sync_acked WHERE uuid = ?1"
				  " UNION ALL SELECT 'rejected' FROM sync_rejected WHERE uuid = ?1 LIMIT 1",
				  "s", uuid);
	if (st < 0)
		return st;
	if (!how)
		*kind = TAIL_PENDING;
	else if (!strcmp(how, "rejected"))
		*kind = TAIL_REJECTED;
	else if (!strcmp(how, "accepted") || !strcmp(how, "duplicate"))
		*kind = TAIL_ACCEPTED;
	else
		*kind = TAIL_KEPT; /* pulled, or known: the server's, where it fell */
	free(how);
	return 0;
}

struct load {
	struct store *s;
	struct tail *t;
	int status;
};

static int load_one(void *ctx, int64_t seq, const struct store_event *ev)
{
	struct load *l = ctx;
	struct tail *t = l->t;
	if (t->limit && t->n >= t->limit) {
		t->more = 1;
		return 1;
	}
	if (t->n == t->alloc) {
		t->alloc = t->alloc ? 2 * t->alloc : 16;
		t->v = xrealloc(t->v, t->alloc * sizeof(*t->v));
	}
	struct tail_ev *te = &t->v[t->n];
	memset(te, 0, sizeof(*te));
	te->seq = seq;
	if (rebase_kept(ev)) {
		te->kind = TAIL_KEPT;
	} else if ((l->status = answer(l->s, ev->uuid, &te->kind)) < 0) {
		return 1;
	}
	/* copies: the walk's strings live for the call only */
	if ((l->status = store_event_by_seq(l->s, seq, &te->ev)) != 1) {
		if (l->status >= 0)
			l->status = STORE_ERR;
		return 1;
	}
	l->status = 0;
	t->n++;
	return 0;
}

/* The tail after `after`, at most `limit` events of it (0: all; t->more says whether there were more). */
static int load_tail(struct store *s, int64_t after, struct tail *t, size_t limit)
{
	memset(t, 0, sizeof(*t));
	t->limit = limit;
	struct load l = { s, t, 0 };
	int rc = store_event_foreach(s, after, load_one, &l);
	return rc < 0 ? rc : l.status;
}

/* 1 when the tail after `after` holds an action the server rejected (it must come off), 0, or < 0. */
static int rejected_in_tail(struct store *s, int64_t after)
{
	int64_t n = 0;
	int rc = store_sql_int(s, &n,
			       "SELECT EXISTS (SELECT 1 FROM sync_rejected r JOIN events e ON e.uuid = r.uuid WHERE e.seq > ?1)",
			       "i", after);
	return rc < 0 ? rc : n > 0;
}

static int acked(struct store *s, const char *uuid, int64_t seq)
{
	return store_sql_run(s, "INSERT OR IGNORE INTO sync_acked (uuid, server_seq, how) VALUES (?1, ?2, 'pulled')",
			     "si", uuid, seq);
}

static int unapplied(struct store *s, const struct store_event *ev, int64_t seq, const char *code, const char *reason)
{
	char at[40];
	clock_format_iso(clock_now(), at, sizeof(at));
	return store_sql_run(s,
			     "INSERT OR REPLACE INTO sync_unapplied (uuid, server_seq, type, actor, made_at, code, reason, at)"
			     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
			     "sissssss", ev->uuid, seq, ev->type, ev->actor, ev->made_at, code, reason, at);
}

/* A deployment pulled: known here when this store has the version it names. */
static int deployment(struct store *s, const struct store_event *ev, int64_t seq)
{
	json_t *p = json_loads(ev->payload, 0, NULL);
	const char *hash = json_string_value(json_object_get(p, "hash"));
	struct store_def d;
	int rc = hash ? store_def_get_version(s, hash, &d) : 1;
	if (rc == 0) {
		store_def_release(&d);
		rc = store_sql_run(s, "INSERT OR IGNORE INTO sync_acked (uuid, server_seq, how) VALUES (?1, ?2, 'known')",
				   "si", ev->uuid, seq);
	} else if (rc == 1) {
		rc = unapplied(s, ev, seq, "definition",
			       _("the server deployed a definition version this terminal does not have (definitions do not travel yet)"));
	}
	json_decref(p);
	return rc;
}

/*
 * One pulled event appended and judged (the tail is empty or off). Its
 * signature and the rules are checked again here, but not whether what
 * it says of the state (definitions, calendar, stand-in) is the state
 * here: the server judged that against its own, in its order, and this
 * terminal's definitions may be ahead of that order (deployments do not
 * travel: they are made here when they are made) or its history behind
 * it (a request's older events backfilled once someone here is added).
 */
static int take(struct rebase *r, const struct store_event *ev, int64_t seq, int ours)
{
	int have = store_event_by_uuid(r->s, ev->uuid, NULL, NULL);
	if (have < 0)
		return have;
	if (have)
		return acked(r->s, ev->uuid, seq);
	if (!strcmp(ev->type, "definition.deployed"))
		return deployment(r->s, ev, seq);
	const char *code = NULL;
	int64_t local = 0;
	int rc = engine_accept_decided(r->e, ev, &local, &code);
	if (rc == 0 || rc == 1) {
		if (!rc && !ours)
			r->pulled++;
		return acked(r->s, ev->uuid, seq);
	}
	if (rc == ENG_REFUSED) {
		r->unapplied++;
		return unapplied(r->s, ev, seq, code ? code : "refused", engine_error(r->e));
	}
	buf_adds(r->err, engine_error(r->e));
	return rc;
}

/* A pending action that no longer applies: kept for its author with the reason. */
static int conflict(struct rebase *r, const struct store_event *ev, const char *code)
{
	char at[40];
	clock_format_iso(clock_now(), at, sizeof(at));
	json_t *w = wire_event_json(ev, 0);
	char *text = json_dumps(w, JSON_COMPACT);
	json_decref(w);
	const char *why = engine_error(r->e);
	int rc = store_sql_run(r->s,
			       "INSERT OR REPLACE INTO sync_rejected"
			       " (uuid, type, actor, made_at, code, reason_en, reason_zh, at, event)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)",
			       "ssssssss", ev->uuid, ev->type, ev->actor, ev->made_at, code ? code : "conflict", why, at,
			       text);
	free(text);
	r->conflicts++;
	return rc;
}

/*
 * Take the tail after `settled` off and apply page[i..] then the tail
 * again. 0, 1 when the tail cannot move (an event the terminal keeps,
 * which something names, no longer applies: nothing changed, the caller
 * appends instead), or < 0.
 */
static int rewrite(struct rebase *r, struct tail *t, size_t j, json_t *page, size_t i)
{
	struct store *s = r->s;
	int rc = sqlite3_exec(store_sqlite(s), "SAVEPOINT docket_rebase", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_sql_status(s, rc, _("apply what the server sent"));
	int64_t pulled = r->pulled, unapplied_n = r->unapplied, conflicts = r->conflicts;
	/*
	 * Inverting the journal costs about four times what replaying one
	 * event does, per event taken off (make bench: rebase-undo-tail): a
	 * tail longer than a quarter of what stays is rebuilt by replay.
	 */
	int64_t head = store_event_last_seq(s);
	rc = head < 0 ? STORE_ERR : (head - r->settled) * UNDO_VS_REPLAY > r->settled ? 1 : store_undo_to(s, r->settled);
	if (rc == 1) {
		r->rebuilt = 1;
		rc = engine_rebuild(r->e, r->settled);
		if (rc < 0)
			buf_adds(r->err, engine_error(r->e));
	} else if (rc < 0) {
		buf_adds(r->err, store_error(s));
	}
	if (!rc && (rc = store_event_truncate(s, r->settled)) < 0)
		buf_adds(r->err, store_error(s));
	/* the page, in the server's order */
	for (size_t k = i; !rc && k < json_array_size(page); k++) {
		struct store_event ev;
		int64_t seq = 0;
		wire_event_parse(json_array_get(page, k), &ev, &seq, NULL);
		int ours = 0;
		for (size_t m = j; m < t->n; m++)
			if (!strcmp(t->v[m].ev.uuid, ev.uuid)) {
				t->v[m].done = ours = 1;
				break;
			}
		rc = take(r, &ev, seq, ours);
		if (rc < 0 && !r->err->len)
			buf_adds(r->err, store_error(s));
	}
	if (!rc) {
		head = store_event_last_seq(s);
		rc = head < 0 ? STORE_ERR : 0;
		r->settled = head;
		if (!rc)
			rc = store_undo_mark(s);
		if (rc < 0)
			buf_adds(r->err, store_error(s));
	}
	/* the tail again, in its order, each judged on the state as it now is */
	for (size_t m = j; !rc && m < t->n; m++) {
		struct tail_ev *te = &t->v[m];
		if (te->done)
			continue;
		if (te->kind == TAIL_REJECTED) {
			rc = store_event_named(s, te->seq);
			if (rc > 0)
				rc = 1;
			continue;
		}
		const char *code = NULL;
		int64_t seq = 0;
		rc = engine_reapply(r->e, &te->ev, te->seq, &seq, &code);
		if (rc == ENG_REFUSED) {
			rc = store_event_named(s, te->seq);
			if (rc > 0)
				rc = 1; /* something names it: it cannot be dropped */
			else if (!rc && te->kind == TAIL_PENDING)
				rc = conflict(r, &te->ev, code);
			/* accepted: it comes back in a later page; kept: the system's, made again */
		} else if (rc < 0) {
			buf_adds(r->err, engine_error(r->e));
		}
		if (!rc)
			rc = store_undo_mark(s);
	}
	if (rc) {
		store_sql_reset_all(s);
		sqlite3_exec(store_sqlite(s), "ROLLBACK TO docket_rebase", NULL, NULL, NULL);
		r->pulled = pulled;
		r->unapplied = unapplied_n;
		r->conflicts = conflicts;
	} else {
		r->moved = 1;
	}
	sqlite3_exec(store_sqlite(s), "RELEASE docket_rebase", NULL, NULL, NULL);
	return rc;
}

int rebase_page(struct rebase *r, json_t *page)
{
	struct store *s = r->s;
	struct tail t;
	memset(&t, 0, sizeof(t));
	size_t i = 0, j = 0, np = json_array_size(page);
	int rc = 0;
	/*
	 * The fast path: the page and the tail agree. The tail is read a
	 * window at a time (as much as the page can match, and a little for
	 * what the terminal kept): a terminal that pushed 10,000 actions pulls
	 * them back page by page, and must not read them all for each page.
	 */
	for (;;) {
		tail_release(&t);
		j = 0;
		if ((rc = load_tail(s, r->settled, &t, np - i + 64)) < 0)
			break;
		while (!rc) {
			struct store_event ev;
			int64_t seq = 0;
			if (i < np)
				wire_event_parse(json_array_get(page, i), &ev, &seq, NULL);
			if (j < t.n && t.v[j].kind == TAIL_KEPT) {
				r->settled = t.v[j++].seq;
			} else if (i < np && j < t.n && !strcmp(ev.uuid, t.v[j].ev.uuid)) {
				rc = acked(s, ev.uuid, seq);
				r->settled = t.v[j++].seq;
				i++;
			} else if (i < np && !strcmp(ev.type, "definition.deployed")) {
				/* the server's deployment: known here (or noted), never appended: no order to keep */
				rc = deployment(s, &ev, seq);
				i++;
			} else if (i < np && j < t.n) {
				int64_t at = 0;
				int have = store_event_by_uuid(s, ev.uuid, NULL, &at);
				if (have < 0 || (have && at <= r->settled)) { /* already here, before the tail */
					rc = have < 0 ? have : acked(s, ev.uuid, seq);
					i++;
				} else {
					break;
				}
			} else {
				break;
			}
		}
		/* on to the next window only when this one was matched whole and the page goes on */
		if (rc < 0 || j < t.n || !t.more || i >= np)
			break;
	}
	if (rc < 0) {
		buf_adds(r->err, store_error(s));
		tail_release(&t);
		return rc;
	}
	int tail = j < t.n || t.more; /* something of the terminal's is still after `settled` */
	int stays = tail ? rejected_in_tail(s, r->settled) : 0; /* a rejected action there must come off */
	if (stays < 0) {
		buf_adds(r->err, store_error(s));
		tail_release(&t);
		return stays;
	}
	if (tail && (i < np || stays)) {
		if (t.more) { /* all of it moves */
			tail_release(&t);
			j = 0;
			rc = load_tail(s, r->settled, &t, 0);
		}
		if (!rc)
			rc = rewrite(r, &t, j, page, i);
	}
	if (rc == 1)
		rc = 0; /* cannot move: appended after the tail below, as before */
	else if (tail || rc)
		i = np; /* applied (or failed) */
	if (!tail)
		store_undo_hold(s); /* what follows settles with the page: the tail starts after it */
	for (; !rc && i < np; i++) {
		struct store_event ev;
		int64_t seq = 0;
		wire_event_parse(json_array_get(page, i), &ev, &seq, NULL);
		rc = take(r, &ev, seq, 0);
		if (rc < 0 && !r->err->len)
			buf_adds(r->err, store_error(s));
	}
	if (!rc && !tail) { /* the tail was empty or is settled: the page is too */
		int64_t head = store_event_last_seq(s);
		if (head < 0)
			rc = STORE_ERR;
		else
			r->settled = head;
	}
	tail_release(&t);
	if (rc < 0 && !r->err->len)
		buf_adds(r->err, store_error(s));
	return rc;
}
