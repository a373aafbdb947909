/*
 * conflicts: rejected actions as their authors deal with them (conflicts.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "conflicts.h"

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

static const struct store_migration steps[] = {
	{ 16, "sync",
	  "ALTER TABLE sync_rejected ADD COLUMN resolved TEXT"      /* NULL while it waits for its author */
	  " CHECK (resolved IN ('discarded', 'redone'));"
	  "ALTER TABLE sync_rejected ADD COLUMN resolved_by TEXT;"  /* who (its author) */
	  "ALTER TABLE sync_rejected ADD COLUMN resolved_at TEXT;"
	  "ALTER TABLE sync_remote ADD COLUMN last_attempt TEXT;"   /* when a sync last ran */
	  "ALTER TABLE sync_remote ADD COLUMN last_status INTEGER NOT NULL DEFAULT 0;", /* how: 0 or a status */
	  NULL },
	{ 0, NULL, NULL, NULL },
};

const struct store_migration *sync_conflicts_schema(void)
{
	return steps;
}

/*
 * The request and task of event `uuid` (caller frees both), from its
 * payload; NULL when unknown. A rejected action is no longer in the log
 * once the server's order is applied (sync's rebase.c): its event is kept
 * with the rejection.
 */
static void request_of(struct store *s, struct engine *e, const char *uuid, char **req, char **task)
{
	*req = *task = NULL;
	struct store_event ev;
	int64_t seq = 0;
	char *payload = NULL;
	if (store_event_by_uuid(s, uuid, &ev, &seq) == 1) {
		payload = xstrdup(ev.payload);
		store_event_release(&ev);
	} else {
		int st = 0;
		char *text = store_sql_str(s, &st, "SELECT event FROM sync_rejected WHERE uuid = ?1", "s", uuid);
		json_t *w = text ? json_loads(text, 0, NULL) : NULL;
		const char *pl = json_string_value(json_object_get(w, "payload"));
		payload = pl ? xstrdup(pl) : NULL;
		json_decref(w);
		free(text);
	}
	if (!payload)
		return;
	json_t *p = json_loads(payload, 0, NULL);
	free(payload);
	const char *inst = json_string_value(json_object_get(p, "instance"));
	const char *t = json_string_value(json_object_get(p, "task"));
	if (t)
		*task = xstrdup(t);
	if (inst)
		*req = xstrdup(inst);
	else if (t && e && engine_task_request(e, t, req))
		*req = NULL;
	json_decref(p);
}

int sync_conflicts_foreach(struct store *s, struct engine *e, const char *actor, enum sync_conflict_filter which,
			   int (*fn)(void *ctx, const struct sync_conflict *c), void *ctx)
{
	sqlite3_stmt *st = store_sql_q(s,
				       "SELECT uuid, type, actor, made_at, code, reason_en, reason_zh, at,"
				       " resolved, resolved_by, resolved_at FROM sync_rejected"
				       " WHERE (?1 IS NULL OR actor = ?1) AND (?2 = 'all' OR resolved IS NULL)"
				       " ORDER BY at, made_at, uuid",
				       "ss", actor, which == SYNC_CONFLICTS_ALL ? "all" : "waiting");
	if (!st)
		return store_error_status(s);
	/* copied out first: the callback may read the store (the request's title) */
	json_t *rows = json_array();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *r = json_array();
		for (int i = 0; i < 11; i++) {
			const char *v = (const char *)sqlite3_column_text(st, i);
			json_array_append_new(r, v ? json_string(v) : json_null());
		}
		json_array_append_new(rows, r);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(rows);
		return store_sql_status(s, rc, _("read the sync tables"));
	}
	int out = 0;
	for (size_t i = 0; !out && i < json_array_size(rows); i++) {
		json_t *r = json_array_get(rows, i);
#define COL(n) json_string_value(json_array_get(r, n))
		char *req, *task;
		request_of(s, e, COL(0), &req, &task);
		struct sync_conflict c = { COL(0), COL(1), COL(2), COL(3), COL(4),
					   i18n_is_chinese() && COL(6) ? COL(6) : COL(5),
					   COL(7), req, task, COL(8), COL(9), COL(10) };
#undef COL
		out = fn(ctx, &c);
		free(req);
		free(task);
	}
	json_decref(rows);
	return out;
}

int64_t sync_conflicts_count(struct store *s, const char *actor)
{
	int64_t n = 0;
	int rc = store_sql_int(s, &n,
			       "SELECT count(*) FROM sync_rejected WHERE (?1 IS NULL OR actor = ?1) AND resolved IS NULL",
			       "s", actor);
	return rc < 0 ? rc : n;
}

/* Mark `by`'s waiting rejected action `uuid` as dealt with (`how`), in one transaction. */
static int resolve(struct store *s, const char *uuid, const char *by, const char *how, struct buf *err)
{
	char at[40];
	clock_format_iso(clock_now(), at, sizeof(at));
	int rc = store_begin(s);
	int64_t n = 0;
	if (!rc)
		rc = store_sql_int(s, &n,
				   "SELECT count(*) FROM sync_rejected WHERE uuid = ?1 AND actor = ?2 AND resolved IS NULL",
				   "ss", uuid, by);
	if (rc >= 0 && n == 1)
		rc = store_sql_run(s,
				   "UPDATE sync_rejected SET resolved = ?4, resolved_by = ?2, resolved_at = ?3 WHERE uuid = ?1",
				   "ssss", uuid, by, at, how);
	if (rc < 0) {
		buf_adds(err, store_error(s));
		store_rollback(s);
		return rc;
	}
	if (n != 1) {
		store_rollback(s);
		buf_addf(err, _("'%s' is not a rejected action of %s waiting to be dealt with"), uuid, by);
		return 1;
	}
	rc = store_commit(s);
	if (rc)
		buf_adds(err, store_error(s));
	return rc;
}

int sync_conflict_discard(struct store *s, const char *uuid, const char *by, struct buf *err)
{
	return resolve(s, uuid, by, "discarded", err);
}

int sync_conflict_redone(struct store *s, const char *uuid, const char *by, struct buf *err)
{
	return resolve(s, uuid, by, "redone", err);
}

/*
 * What sync.c pushes, asked of one event: not a deployment nor the
 * system's (sync.c's local_only), not answered (sync_acked, sync_rejected).
 * Kept apart from sync.c's loops, which the pull's rewrite changes.
 */
int sync_event_waiting(struct store *s, int64_t seq)
{
	int64_t upto = 0, n = 0;
	int rc = store_sql_int(s, &upto, "SELECT pushed_upto FROM sync_remote WHERE id = 1", "");
	if (rc <= 0)
		return rc;
	if (seq <= upto)
		return 0;
	struct store_event ev;
	if ((rc = store_event_by_seq(s, seq, &ev)) != 1)
		return rc;
	int local = !strcmp(ev.type, "definition.deployed") || !strcmp(ev.actor, "system");
	if (!local)
		rc = store_sql_int(s, &n,
				   "SELECT (SELECT count(*) FROM sync_acked WHERE uuid = ?1)"
				   " + (SELECT count(*) FROM sync_rejected WHERE uuid = ?1)",
				   "s", ev.uuid);
	store_event_release(&ev);
	if (rc < 0)
		return rc;
	return !local && !n;
}
