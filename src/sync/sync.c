/*
 * sync: remote, enrolment, push and pull (sync.h; doc/sync.md).
 */
#define _POSIX_C_SOURCE 200809L
#include "sync.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/engine.h"
#include "../store/store.h"
#include "../store/store_sql.h"
#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "rebase.h"
#include "wire.h"

/* How many events one push carries (the server's default limit is 500). */
#define PUSH_BATCH 200
/* How many events one pull asks for. */
#define PULL_PAGE "500"

static const struct store_migration steps[] = {
	{ 12, "sync",
	  "CREATE TABLE sync_remote ("
	  " id INTEGER PRIMARY KEY CHECK (id = 1),"
	  " url TEXT NOT NULL, ca TEXT, device TEXT, token TEXT, server_id TEXT,"
	  " cursor INTEGER NOT NULL DEFAULT 0,"      /* the server sequence pulled up to */
	  " pushed_upto INTEGER NOT NULL DEFAULT 0," /* every local event up to this seq was answered or is not pushed */
	  " last_sync TEXT);"
	  "CREATE TABLE sync_acked ("
	  " uuid TEXT PRIMARY KEY, server_seq INTEGER NOT NULL,"
	  " how TEXT NOT NULL CHECK (how IN ('accepted', 'duplicate', 'pulled', 'known')));"
	  "CREATE TABLE sync_rejected ("
	  " uuid TEXT PRIMARY KEY, type TEXT NOT NULL, actor TEXT NOT NULL, made_at TEXT NOT NULL,"
	  " code TEXT NOT NULL, reason_en TEXT NOT NULL, reason_zh TEXT NOT NULL, at TEXT NOT NULL);"
	  "CREATE TABLE sync_unapplied ("
	  " uuid TEXT PRIMARY KEY, server_seq INTEGER NOT NULL, type TEXT NOT NULL, actor TEXT NOT NULL,"
	  " made_at TEXT NOT NULL, code TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL);",
	  NULL },
	{ 14, "sync",
	  /* the log is final up to `settled` (rebase.c); a rejected action keeps its event, to redo */
	  "ALTER TABLE sync_remote ADD COLUMN settled INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE sync_rejected ADD COLUMN event TEXT;",
	  NULL },
	/* proxy: NULL the environment's, '' none, else its URL; clock_skew: seconds this clock was ahead at the last sync */
	{ 15, "sync", "ALTER TABLE sync_remote ADD COLUMN proxy TEXT; ALTER TABLE sync_remote ADD COLUMN clock_skew INTEGER;",
	  NULL },
	{ 0, NULL, NULL, NULL },
};

const struct store_migration *sync_schema(void)
{
	return steps;
}

static void now_iso(char *out, size_t n)
{
	clock_format_iso(clock_now(), out, n);
}

/* --- the remote ---------------------------------------------------------- */

int sync_remote_get(struct store *s, struct sync_remote *r)
{
	memset(r, 0, sizeof(*r));
	sqlite3_stmt *st = store_sql_q(s,
				       "SELECT url, ca, device, server_id, last_sync, cursor, token IS NOT NULL, proxy, clock_skew,"
				       " last_attempt, last_status FROM sync_remote WHERE id = 1",
				       "");
	if (!st)
		return store_error_status(s);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return store_sql_status(s, rc, _("read the remote"));
	r->url = store_sql_col(st, 0);
	r->ca = store_sql_col(st, 1);
	r->device = store_sql_col(st, 2);
	r->server_id = store_sql_col(st, 3);
	r->last_sync = store_sql_col(st, 4);
	r->cursor = sqlite3_column_int64(st, 5);
	r->enrolled = sqlite3_column_int(st, 6);
	r->proxy = store_sql_col(st, 7);
	r->skew_known = sqlite3_column_type(st, 8) != SQLITE_NULL;
	r->clock_skew = sqlite3_column_int64(st, 8);
	r->last_attempt = store_sql_col(st, 9);
	r->last_status = sqlite3_column_int(st, 10);
	sqlite3_reset(st);
	return 1;
}

void sync_remote_release(struct sync_remote *r)
{
	free(r->url);
	free(r->ca);
	free(r->device);
	free(r->server_id);
	free(r->last_sync);
	free(r->proxy);
	free(r->last_attempt);
	memset(r, 0, sizeof(*r));
}

/* Run one statement in its own transaction. */
static int run_tx(struct store *s, const char *sql, const char *fmt, const char *a, const char *b,
		  const char *c)
{
	int rc = store_begin(s);
	if (rc)
		return rc;
	rc = store_sql_run(s, sql, fmt, a, b, c);
	if (rc) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s);
}

int sync_remote_set(struct store *s, const char *url, const char *ca, const char *proxy, struct buf *err)
{
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
		buf_addf(err, _("'%s' is not a server address: give http://HOST:PORT or https://HOST:PORT"), url);
		return STORE_ERR;
	}
	if (proxy && *proxy && !strstr(proxy, "://")) {
		buf_addf(err, _("'%s' is not a proxy address: give http://HOST:PORT (or socks5://HOST:PORT)"), proxy);
		return STORE_ERR;
	}
	int rc = run_tx(s,
			"INSERT INTO sync_remote (id, url, ca, proxy) VALUES (1, ?1, ?2, ?3)"
			" ON CONFLICT (id) DO UPDATE SET url = ?1, ca = ?2, proxy = ?3",
			"sss", url, ca, proxy);
	if (rc)
		buf_adds(err, store_error(s));
	return rc;
}

/* The remote and its token: 0, or a status with the message. */
static int open_remote(struct store *s, struct sync_remote *r, char **token, int need_token, struct buf *err)
{
	*token = NULL;
	int rc = sync_remote_get(s, r);
	if (rc < 0) {
		buf_adds(err, store_error(s));
		return rc;
	}
	if (!rc) {
		buf_adds(err, _("no server is set: run `docket remote set URL` first"));
		return SYNC_NO_REMOTE;
	}
	if (!need_token)
		return 0;
	*token = store_sql_str(s, &rc, "SELECT token FROM sync_remote WHERE id = 1", "");
	if (rc < 0) {
		buf_adds(err, store_error(s));
		sync_remote_release(r);
		return rc;
	}
	if (!*token) {
		buf_adds(err, _("this terminal is not enrolled: ask the administrator for an enrolment code and run `docket enrol CODE`"));
		sync_remote_release(r);
		return SYNC_NOT_ENROLLED;
	}
	return 0;
}

int sync_enrol(struct store *s, const char *code, const char *name, struct buf *err)
{
	struct sync_remote r;
	char *token = NULL;
	int rc = open_remote(s, &r, &token, 0, err);
	if (rc)
		return rc;
	struct sync_http *h = sync_http_new(r.url, r.ca, r.proxy, NULL);
	json_t *body = json_pack("{s:s, s:s}", "code", code, "name", name), *out = NULL;
	long http = 0;
	rc = sync_http_call(h, "POST", "/v1/enrol", body, &out, &http, err);
	json_decref(body);
	sync_http_free(h);
	if (rc == SYNC_HTTP_UNAUTHORIZED) {
		buf_reset(err);
		buf_adds(err, _("the server does not take this enrolment code: it is unknown, used or expired; ask the administrator for a new one"));
	}
	if (!rc) {
		const char *dev = json_string_value(json_object_get(out, "device"));
		const char *tok = json_string_value(json_object_get(out, "token"));
		const char *sid = json_string_value(json_object_get(out, "server_id"));
		if (!dev || !tok || !sid) {
			buf_adds(err, _("the server's answer to the enrolment has no device token"));
			rc = SYNC_HTTP_PROTOCOL;
		} else {
			/* a new server (another id) starts the pull again from its beginning */
			rc = run_tx(s,
				    "UPDATE sync_remote SET device = ?1, token = ?2,"
				    " cursor = CASE WHEN server_id IS ?3 THEN cursor ELSE 0 END, server_id = ?3 WHERE id = 1",
				    "sss", dev, tok, sid);
			if (rc)
				buf_adds(err, store_error(s));
		}
	}
	json_decref(out);
	sync_remote_release(&r);
	return rc;
}

/* --- push ---------------------------------------------------------------- */


struct pending {
	struct store *s;
	json_t *events; /* wire events */
	int64_t last;   /* stop after this local seq */
	int status;
};

/* *n: 1 when the server has answered the event (accepted, duplicate or rejected), else 0. */
static int answered(struct store *s, const char *uuid, int64_t *n)
{
	return store_sql_int(s, n,
			     "SELECT (SELECT count(*) FROM sync_acked WHERE uuid = ?1)"
			     " + (SELECT count(*) FROM sync_rejected WHERE uuid = ?1)",
			     "s", uuid);
}

static int collect_pending(void *ctx, int64_t seq, const struct store_event *ev)
{
	struct pending *p = ctx;
	if (seq > p->last)
		return 1;
	if (rebase_kept(ev))
		return 0;
	int64_t n = 0;
	int rc = answered(p->s, ev->uuid, &n);
	if (rc < 0) {
		p->status = rc;
		return 1;
	}
	if (!n)
		json_array_append_new(p->events, wire_event_json(ev, 0));
	return 0;
}

/* Record the answers to one batch, in one transaction. */
static int record_answers(struct store *s, json_t *batch, json_t *answer, struct sync_counts *n, struct buf *err)
{
	json_t *results = json_object_get(answer, "results");
	if (!json_is_array(results) || json_array_size(results) != json_array_size(batch)) {
		buf_adds(err, _("the server's answer to a push does not answer every event"));
		return SYNC_HTTP_PROTOCOL;
	}
	char at[40];
	now_iso(at, sizeof(at));
	int rc = store_begin(s);
	for (size_t i = 0; !rc && i < json_array_size(results); i++) {
		json_t *res = json_array_get(results, i), *ev = json_array_get(batch, i);
		const char *uuid = json_string_value(json_object_get(ev, "uuid"));
		const char *status = json_string_value(json_object_get(res, "status"));
		const char *ruuid = json_string_value(json_object_get(res, "uuid"));
		json_int_t seq = json_integer_value(json_object_get(res, "seq"));
		if (!status || !ruuid || strcmp(ruuid, uuid)) {
			buf_adds(err, _("the server's answer to a push does not answer every event"));
			store_rollback(s);
			return SYNC_HTTP_PROTOCOL;
		}
		if (!strcmp(status, "accepted") || !strcmp(status, "duplicate")) {
			rc = store_sql_run(s, "INSERT OR REPLACE INTO sync_acked (uuid, server_seq, how) VALUES (?1, ?2, ?3)",
					   "sis", uuid, (int64_t)seq, status);
			if (*status == 'a')
				n->accepted++;
			else
				n->duplicate++;
		} else if (!strcmp(status, "rejected")) {
			json_t *reason = json_object_get(res, "reason");
			const char *en = json_string_value(json_object_get(reason, "en"));
			const char *zh = json_string_value(json_object_get(reason, "zh_CN"));
			const char *code = json_string_value(json_object_get(res, "code"));
			char *text = json_dumps(ev, JSON_COMPACT);
			rc = store_sql_run(s,
					   "INSERT OR REPLACE INTO sync_rejected"
					   " (uuid, type, actor, made_at, code, reason_en, reason_zh, at, event)"
					   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
					   "sssssssss", uuid, json_string_value(json_object_get(ev, "type")),
					   json_string_value(json_object_get(ev, "actor")),
					   json_string_value(json_object_get(ev, "made_at")), code ? code : "?",
					   en ? en : "?", zh ? zh : (en ? en : "?"), at, text);
			free(text);
			n->rejected++;
		} else {
			buf_addf(err, _("the server answered '%s' for an event, which this docket does not know"), status);
			store_rollback(s);
			return SYNC_HTTP_PROTOCOL;
		}
	}
	if (!rc)
		rc = store_commit(s);
	else
		store_rollback(s);
	if (rc)
		buf_adds(err, store_error(s));
	return rc;
}

static int push(struct store *s, struct sync_http *h, struct sync_counts *n, struct buf *err)
{
	int64_t from = 0, last = store_event_last_seq(s);
	if (last < 0 || store_sql_int(s, &from, "SELECT pushed_upto FROM sync_remote WHERE id = 1", "") < 0) {
		buf_adds(err, store_error(s));
		return store_error_status(s);
	}
	struct pending p = { s, json_array(), last, 0 };
	int rc = store_event_foreach(s, from, collect_pending, &p);
	if (rc < 0 || p.status < 0) {
		buf_adds(err, store_error(s));
		json_decref(p.events);
		return rc < 0 ? rc : p.status;
	}
	rc = 0;
	size_t total = json_array_size(p.events), size = PUSH_BATCH;
	for (size_t i = 0; !rc && i < total;) {
		json_t *batch = json_array();
		for (size_t j = i; j < total && j < i + size; j++)
			json_array_append(batch, json_array_get(p.events, j));
		json_t *body = json_pack("{s:O}", "events", batch), *answer = NULL;
		long http = 0;
		rc = sync_http_call(h, "POST", "/v1/push", body, &answer, &http, err);
		json_decref(body);
		if (rc == SYNC_HTTP_SERVER && http == 400 && !strcmp(sync_http_error_code(h), "too_many_events") &&
		    size > 1) {
			/* the server takes smaller batches than ours: halve, nothing was judged */
			size /= 2;
			buf_reset(err);
			rc = 0;
		} else if (!rc) {
			n->pushed += (int64_t)json_array_size(batch);
			rc = record_answers(s, batch, answer, n, err);
			i += json_array_size(batch);
		}
		json_decref(answer);
		json_decref(batch);
	}
	json_decref(p.events);
	if (!rc) { /* every event up to `last` is answered (or never pushed) */
		rc = store_begin(s);
		if (!rc && !(rc = store_sql_run(s, "UPDATE sync_remote SET pushed_upto = ?1 WHERE id = 1", "i", last)))
			rc = store_commit(s);
		else
			store_rollback(s);
		if (rc)
			buf_adds(err, store_error(s));
	}
	return rc;
}

/* --- pull ---------------------------------------------------------------- */

/* Apply one page in one transaction with the cursor: 0 or a status. */
static int apply_page(struct store *s, struct engine *e, json_t *events, int64_t next, struct sync_counts *n,
		      struct buf *err)
{
	for (size_t i = 0; i < json_array_size(events); i++) {
		struct store_event ev;
		int64_t seq = 0;
		struct buf why = BUF_INIT;
		if (wire_event_parse(json_array_get(events, i), &ev, &seq, &why) < 0 || seq <= 0) {
			buf_addf(err, _("the server sent an event this docket cannot read: %s"), why.s);
			buf_release(&why);
			return SYNC_HTTP_PROTOCOL;
		}
		buf_release(&why);
	}
	int rc = store_begin(s);
	if (rc) {
		buf_adds(err, store_error(s));
		return rc;
	}
	struct rebase r = { .s = s, .e = e, .err = err };
	int64_t pushed_upto = 0;
	if ((rc = store_sql_int(s, &r.settled, "SELECT settled FROM sync_remote WHERE id = 1", "")) < 0 ||
	    (rc = store_sql_int(s, &pushed_upto, "SELECT pushed_upto FROM sync_remote WHERE id = 1", "")) < 0)
		buf_adds(err, store_error(s));
	else
		rc = 0;
	if (!rc)
		rc = rebase_page(&r, events);
	if (!rc) {
		/* what moved was re-sequenced: it is looked at again by the next push */
		if (r.moved && pushed_upto > r.settled)
			pushed_upto = r.settled;
		rc = store_sql_run(s, "UPDATE sync_remote SET cursor = ?1, settled = ?2, pushed_upto = ?3 WHERE id = 1",
				   "iii", next, r.settled, pushed_upto);
		if (!rc)
			rc = store_undo_forget(s, r.settled);
		if (rc)
			buf_adds(err, store_error(s));
	}
	if (!rc) {
		rc = store_commit(s);
		if (rc)
			buf_adds(err, store_error(s));
	} else {
		if (!err->len)
			buf_adds(err, store_error(s));
		store_rollback(s);
	}
	if (!rc) {
		n->pulled += r.pulled;
		n->unapplied += r.unapplied;
		n->conflicts += r.conflicts;
		n->rebased += r.moved;
		n->replayed += r.moved && r.rebuilt;
	}
	return rc;
}

static int pull(struct store *s, struct engine *e, struct sync_http *h, struct sync_remote *r,
		struct sync_counts *n, struct buf *err)
{
	int64_t cursor = r->cursor;
	for (;;) {
		char route[80];
		snprintf(route, sizeof(route), "/v1/events?after=%lld&limit=" PULL_PAGE, (long long)cursor);
		json_t *page = NULL;
		long http = 0;
		int rc = sync_http_call(h, "GET", route, NULL, &page, &http, err);
		if (rc)
			return rc;
		json_t *events = json_object_get(page, "events");
		json_t *next = json_object_get(page, "next");
		const char *sid = json_string_value(json_object_get(page, "server_id"));
		if (!json_is_array(events) || !json_is_integer(next) || json_integer_value(next) < cursor) {
			json_decref(page);
			buf_adds(err, _("the server's answer to a pull is not what the protocol says"));
			return SYNC_HTTP_PROTOCOL;
		}
		if (r->server_id && sid && strcmp(sid, r->server_id)) {
			json_decref(page);
			buf_addf(err, _("the server at %s is not the one this terminal enrolled with (its id changed): enrol again"),
				 r->url);
			return SYNC_OTHER_SERVER;
		}
		int more = json_is_true(json_object_get(page, "more"));
		int64_t to = json_integer_value(next);
		rc = apply_page(s, e, events, to, n, err);
		json_decref(page);
		if (rc)
			return rc;
		cursor = to;
		if (!more)
			return 0;
	}
}

/*
 * A terminal that syncs keeps the undo journal of its tail (rebase.c) and
 * orders its log by the server (store_set_synced): turned on at the first
 * sync, once.
 */
static int start_journal(struct store *s, struct buf *err)
{
	int on = store_undo_on(s);
	if (on == 1)
		return 0;
	int rc = on < 0 ? on : store_begin(s);
	if (!rc && !(rc = store_undo_enable(s)) && !(rc = store_set_synced(s)))
		rc = store_commit(s);
	else if (on >= 0)
		store_rollback(s);
	if (rc)
		buf_adds(err, store_error(s));
	return rc;
}

/*
 * How far this terminal's clock (the one its actions are stamped with:
 * clock_now, DOCKET_NOW when pinned) is from the server's at its last
 * answer, kept for `docket remote` and `sync --status`. The server's order
 * decides either way; the skew is only said.
 */
static int record_skew(struct store *s, time_t server, struct sync_counts *n)
{
	if (server <= 0)
		return 0;
	n->skew_known = 1;
	n->clock_skew = (int64_t)(clock_now() - server);
	char v[32];
	snprintf(v, sizeof(v), "%lld", (long long)n->clock_skew);
	return run_tx(s, "UPDATE sync_remote SET clock_skew = CAST(?1 AS INTEGER) WHERE id = 1", "s", v, NULL, NULL);
}

/* sync_run_progress's count of what moved, from the server's answers. */
struct progress {
	sync_progress_fn fn;
	void *ctx;
	int64_t push_total;  /* events waiting when the sync began */
	int64_t pushed;      /* answered so far */
	int64_t pull_from;   /* the cursor when the sync began */
	int64_t pull_total;  /* the server's last sequence beyond it, once known */
	int64_t pulled;      /* pulled so far */
};

static void on_answer(void *ctx, const char *route, const json_t *a)
{
	struct progress *p = ctx;
	if (!strcmp(route, "/v1/push")) {
		p->pushed += (int64_t)json_array_size(json_object_get(a, "results"));
	} else if (!strncmp(route, "/v1/events", 10)) {
		json_t *last = json_object_get(a, "last_seq"), *next = json_object_get(a, "next");
		if (json_is_integer(last) && json_integer_value(last) > p->pull_from)
			p->pull_total = json_integer_value(last) - p->pull_from;
		if (json_is_integer(next) && json_integer_value(next) > p->pull_from)
			p->pulled = json_integer_value(next) - p->pull_from;
	}
	p->fn(p->ctx, p->pushed + p->pulled, p->push_total + p->pull_total);
}

int sync_run(struct store *s, struct engine *e, struct sync_counts *n, struct buf *err)
{
	return sync_run_progress(s, e, n, NULL, NULL, err);
}

int sync_run_progress(struct store *s, struct engine *e, struct sync_counts *n, sync_progress_fn fn, void *ctx,
		      struct buf *err)
{
	memset(n, 0, sizeof(*n));
	struct sync_remote r;
	char *token = NULL;
	int rc = open_remote(s, &r, &token, 1, err);
	if (rc)
		return rc;
	rc = start_journal(s, err);
	if (rc) {
		memset(token, 0, strlen(token));
		free(token);
		sync_remote_release(&r);
		return rc;
	}
	struct sync_http *h = sync_http_new(r.url, r.ca, r.proxy, token);
	memset(token, 0, strlen(token));
	free(token);
	struct progress p = { fn, ctx, 0, 0, r.cursor, 0, 0 };
	if (fn) {
		p.push_total = sync_waiting(s);
		if (p.push_total < 0)
			p.push_total = 0;
		sync_http_on_answer(h, on_answer, &p);
		fn(ctx, 0, p.push_total);
	}
	rc = push(s, h, n, err);
	if (!rc)
		rc = pull(s, e, h, &r, n, err);
	n->retried = sync_http_retried(h);
	if (record_skew(s, sync_http_server_time(h), n) < 0 && !rc) {
		buf_adds(err, store_error(s));
		rc = store_error_status(s);
	}
	if (!rc) {
		char at[40];
		now_iso(at, sizeof(at));
		rc = run_tx(s, "UPDATE sync_remote SET last_sync = ?1 WHERE id = 1", "s", at, NULL, NULL);
		if (rc)
			buf_adds(err, store_error(s));
	}
	/* how this attempt ended, for the status bar's 离线; failing to write it fails a sync that went well */
	char at[40], st[16];
	now_iso(at, sizeof(at));
	snprintf(st, sizeof(st), "%d", rc);
	if (run_tx(s, "UPDATE sync_remote SET last_attempt = ?1, last_status = CAST(?2 AS INTEGER) WHERE id = 1", "ss",
		   at, st, NULL) && !rc) {
		rc = store_error_status(s);
		buf_adds(err, store_error(s));
	}
	sync_http_free(h);
	sync_remote_release(&r);
	return rc;
}

/* --- status -------------------------------------------------------------- */

struct waiting {
	struct store *s;
	int64_t n;
	int status;
};

static int count_waiting(void *ctx, int64_t seq, const struct store_event *ev)
{
	(void)seq;
	struct waiting *w = ctx;
	if (rebase_kept(ev))
		return 0;
	int64_t k = 0;
	int rc = answered(w->s, ev->uuid, &k);
	if (rc < 0) {
		w->status = rc;
		return 1;
	}
	w->n += !k;
	return 0;
}

int64_t sync_waiting(struct store *s)
{
	int64_t from = 0;
	if (store_sql_int(s, &from, "SELECT pushed_upto FROM sync_remote WHERE id = 1", "") < 0)
		return store_error_status(s);
	struct waiting w = { s, 0, 0 };
	int rc = store_event_foreach(s, from, count_waiting, &w);
	if (rc < 0)
		return rc;
	return w.status < 0 ? w.status : w.n;
}

typedef int (*row_fn)(void *ctx, const char *uuid, const char *type, const char *actor, const char *made_at,
		      const char *code, const char *reason);

static int rows(struct store *s, const char *sql, row_fn fn, void *ctx)
{
	sqlite3_stmt *st = store_sql_q(s, sql, "");
	if (!st)
		return store_error_status(s);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *reason = (const char *)sqlite3_column_text(st, 5);
		if (sqlite3_column_count(st) > 6 && i18n_is_chinese())
			reason = (const char *)sqlite3_column_text(st, 6);
		int r = fn(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
			   (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3),
			   (const char *)sqlite3_column_text(st, 4), reason);
		if (r) {
			sqlite3_reset(st);
			return r;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_sql_status(s, rc, _("read the sync tables"));
}

int sync_rejected_foreach(struct store *s, row_fn fn, void *ctx)
{
	return rows(s,
		    "SELECT uuid, type, actor, made_at, code, reason_en, reason_zh FROM sync_rejected"
		    " ORDER BY at, made_at, uuid",
		    fn, ctx);
}

int sync_unapplied_foreach(struct store *s, row_fn fn, void *ctx)
{
	return rows(s, "SELECT uuid, type, actor, made_at, code, reason FROM sync_unapplied ORDER BY server_seq", fn,
		    ctx);
}
