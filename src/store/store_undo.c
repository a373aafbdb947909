/*
 * store_undo: the undo journal of the log's tail, for a terminal that
 * syncs (doc/sync.md, "How a terminal keeps the server's order").
 *
 * A terminal's state is the server's state with its own actions not yet
 * on the server applied on top. When a pull brings events the server
 * sequenced before those actions, the terminal takes its actions off,
 * applies the server's events, and applies its actions again. Taking
 * them off is what this file does: while the journal is on, every
 * transaction that appends events records, in the same transaction, the
 * changeset of the state tables (SQLite's session extension: the tables
 * store_undo_tables names, the ones derived from the log) keyed by the
 * sequences it appended. store_undo_to inverts those changesets newest
 * first. A journal that does not cover the tail (it was off, or a table
 * was written outside a recorded transaction: `check --repair`) says so,
 * and the caller rebuilds the state by replaying the log instead, which
 * is always right and only slower.
 */
#define SQLITE_ENABLE_SESSION 1
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "store_internal.h"

void store_undo_tables(struct store *s, const char *const *names, size_t n)
{
	s->undo_tables = names;
	s->undo_ntables = n;
}

int store_undo_on(struct store *s)
{
	if (s->undo >= 0)
		return s->undo;
	int status = 0;
	char *v = store_sql_str(s, &status, "SELECT value FROM store_meta WHERE key = 'undo'", "");
	int on = v && !strcmp(v, "on");
	free(v);
	if (status < 0)
		return status;
	s->undo = on;
	return on;
}

int store_undo_enable(struct store *s)
{
	if (!store_need_tx(s, _("turning the undo journal on")))
		return STORE_ERR;
	int rc = store_sql_run(s, "INSERT OR REPLACE INTO store_meta (key, value) VALUES ('undo', 'on')", "");
	if (!rc) {
		s->undo = 1;
		rc = store_undo_start(s); /* from this transaction on */
	}
	return rc;
}

/* A new session over the state tables; the chunk starts after the log's head. */
int store_undo_start(struct store *s)
{
	if (s->session || s->undo_held || !s->undo_ntables || store_undo_on(s) != 1)
		return 0;
	int64_t head = store_event_last_seq(s);
	if (head < 0)
		return STORE_ERR;
	sqlite3_session *sess = NULL;
	int rc = sqlite3session_create(s->db, "main", &sess);
	for (size_t i = 0; rc == SQLITE_OK && i < s->undo_ntables; i++)
		rc = sqlite3session_attach(sess, s->undo_tables[i]);
	if (rc != SQLITE_OK) {
		if (sess)
			sqlite3session_delete(sess);
		return store_sql_status(s, rc, _("record the undo journal"));
	}
	s->session = sess;
	s->undo_from = head + 1;
	return 0;
}

void store_undo_stop(struct store *s)
{
	if (s->session)
		sqlite3session_delete(s->session);
	s->session = NULL;
}

/* Journal the open chunk (when it appended events); restart: begin the next one. */
static int record(struct store *s, int restart)
{
	if (!s->session)
		return 0;
	int64_t head = store_event_last_seq(s);
	if (head < 0)
		return STORE_ERR;
	if (head < s->undo_from)
		return 0; /* nothing appended since: the chunk goes on */
	int n = 0;
	void *p = NULL;
	int rc = sqlite3session_changeset(s->session, &n, &p);
	if (rc != SQLITE_OK)
		return store_sql_status(s, rc, _("record the undo journal"));
	/* an empty changeset too: the journal must cover every sequence */
	sqlite3_stmt *st = store_sql_prepared(
		s, "INSERT OR REPLACE INTO store_undo (seq_from, seq_to, changeset) VALUES (?1, ?2, ?3)");
	if (!st) {
		sqlite3_free(p);
		return STORE_ERR;
	}
	sqlite3_bind_int64(st, 1, s->undo_from);
	sqlite3_bind_int64(st, 2, head);
	sqlite3_bind_blob(st, 3, p ? p : "", n, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_free(p);
	if (rc != SQLITE_DONE)
		return store_sql_status(s, rc, _("record the undo journal"));
	store_undo_stop(s);
	return restart ? store_undo_start(s) : 0;
}

int store_undo_mark(struct store *s)
{
	return record(s, 1);
}

int store_undo_commit(struct store *s)
{
	int rc = record(s, 0);
	store_undo_stop(s);
	return rc;
}

/* The conflict handler of an inverted changeset: any conflict means the journal does not hold. */
static int conflict(void *ctx, int why, sqlite3_changeset_iter *it)
{
	(void)why;
	(void)it;
	*(int *)ctx = 1;
	return SQLITE_CHANGESET_ABORT;
}

int store_undo_to(struct store *s, int64_t seq)
{
	if (!store_need_tx(s, _("undoing the log's tail")))
		return STORE_ERR;
	int64_t head = store_event_last_seq(s);
	if (head < 0)
		return STORE_ERR;
	if (head <= seq)
		return 0;
	/* the open chunk first: it holds what this transaction did so far */
	int rc = store_undo_mark(s);
	if (rc)
		return rc;
	/* the chunks after seq must tile (seq, head] exactly */
	int64_t n = 0, lo = 0, cover = 0;
	if (store_sql_int(s, &n, "SELECT count(*) FROM store_undo WHERE seq_to > ?1", "i", seq) < 0 ||
	    store_sql_int(s, &lo, "SELECT ifnull(min(seq_from), 0) FROM store_undo WHERE seq_to > ?1", "i", seq) < 0 ||
	    store_sql_int(s, &cover, "SELECT ifnull(sum(seq_to - seq_from + 1), 0) FROM store_undo WHERE seq_to > ?1",
			  "i", seq) < 0)
		return STORE_ERR;
	if (!n || lo != seq + 1 || cover != head - seq)
		return 1;
	store_undo_stop(s); /* what the inversion writes is not journalled */
	rc = sqlite3_exec(s->db, "SAVEPOINT docket_undo", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_sql_status(s, rc, _("undo the log's tail"));
	/*
	 * Every chunk inverted, newest first, grouped into one changeset and
	 * applied once: applying prepares statements per table, which per
	 * chunk would cost more than the changes themselves.
	 */
	sqlite3_changegroup *g = NULL;
	int failed = 0, status = 0;
	rc = sqlite3changegroup_new(&g);
	sqlite3_stmt *st = rc == SQLITE_OK ? store_sql_prepared(
		s, "SELECT changeset FROM store_undo WHERE seq_to > ?1 ORDER BY seq_from DESC") : NULL;
	if (!st) {
		status = rc == SQLITE_OK ? STORE_ERR : store_sql_status(s, rc, _("undo the log's tail"));
	} else {
		sqlite3_bind_int64(st, 1, seq);
		while (!failed && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			int len = sqlite3_column_bytes(st, 0);
			const void *cs = sqlite3_column_blob(st, 0);
			if (!len)
				continue;
			int ilen = 0;
			void *inv = NULL;
			rc = sqlite3changeset_invert(len, cs, &ilen, &inv);
			if (rc == SQLITE_OK)
				rc = sqlite3changegroup_add(g, ilen, inv);
			sqlite3_free(inv);
			if (rc != SQLITE_OK)
				failed = 1; /* a changeset that does not invert: the journal does not hold */
		}
		if (!failed && rc != SQLITE_DONE)
			status = store_sql_status(s, rc, _("undo the log's tail"));
		sqlite3_reset(st);
	}
	if (!status && !failed) {
		int len = 0;
		void *all = NULL;
		rc = sqlite3changegroup_output(g, &len, &all);
		if (rc == SQLITE_OK && len)
			rc = sqlite3changeset_apply(s->db, len, all, NULL, conflict, &failed);
		sqlite3_free(all);
		if (rc != SQLITE_OK && !failed)
			failed = 1;
	}
	if (g)
		sqlite3changegroup_delete(g);
	if (!status && !failed)
		status = store_sql_run(s, "DELETE FROM store_undo WHERE seq_to > ?1", "i", seq);
	if (status || failed) {
		store_sql_reset_all(s);
		sqlite3_exec(s->db, "ROLLBACK TO docket_undo", NULL, NULL, NULL);
	}
	sqlite3_exec(s->db, "RELEASE docket_undo", NULL, NULL, NULL);
	/* the next chunk starts after seq: the caller truncates the log there */
	int again = store_undo_start(s);
	if (!status && !again)
		s->undo_from = seq + 1;
	return status ? status : again ? again : failed;
}

void store_undo_hold(struct store *s)
{
	store_undo_stop(s);
	s->undo_held = 1;
}

int store_undo_forget(struct store *s, int64_t upto)
{
	return store_sql_run(s, "DELETE FROM store_undo WHERE seq_to <= ?1", "i", upto);
}

/*
 * The columns that name an event by its sequence (a document's revision,
 * a definition's deployment): every foreign key to events (seq), found in
 * the schema, so the store names none of the modules that keep them.
 */
static int each_ref(struct store *s, int64_t from, int64_t to, int64_t *count)
{
	sqlite3_stmt *st = store_sql_prepared(
		s, "SELECT m.name, f.\"from\" FROM sqlite_schema m, pragma_foreign_key_list(m.name) f"
		   " WHERE m.type = 'table' AND f.\"table\" = 'events' ORDER BY 1, 2");
	if (!st)
		return STORE_ERR;
	struct buf sql = BUF_INIT;
	int rc, status = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0), *c = (const char *)sqlite3_column_text(st, 1);
		if (count) /* the rows that name the removed event `from` */
			buf_addf(&sql, "%s(SELECT count(*) FROM \"%s\" WHERE \"%s\" = %lld)", sql.len ? " + " : "SELECT ", t,
				 c, -(long long)from);
		else if (to < 0) /* from the tail after `from` on: negated */
			buf_addf(&sql, "UPDATE \"%s\" SET \"%s\" = -\"%s\" WHERE \"%s\" > %lld;", t, c, c, c, (long long)from);
		else /* the event that was `from`, now `to` */
			buf_addf(&sql, "UPDATE \"%s\" SET \"%s\" = %lld WHERE \"%s\" = %lld;", t, c, (long long)to, c,
				 -(long long)from);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		status = store_sql_status(s, rc, _("read the store's schema"));
	if (count) {
		*count = 0;
		sqlite3_stmt *q = NULL;
		if (!status && sql.len && (rc = sqlite3_prepare_v2(s->db, sql.s, -1, &q, NULL)) != SQLITE_OK)
			status = store_sql_status(s, rc, _("read the event log"));
		if (q && (rc = sqlite3_step(q)) == SQLITE_ROW)
			*count = sqlite3_column_int64(q, 0);
		else if (q && !status)
			status = store_sql_status(s, rc, _("read the event log"));
		sqlite3_finalize(q);
	} else if (!status && sql.len && (rc = sqlite3_exec(s->db, sql.s, NULL, NULL, NULL)) != SQLITE_OK)
		status = store_sql_status(s, rc, _("move an event in the log"));
	buf_release(&sql);
	return status;
}

int store_event_truncate(struct store *s, int64_t after)
{
	if (!store_need_tx(s, _("removing the log's tail")))
		return STORE_ERR;
	/*
	 * The witness steps back to `after` first, before the commit: that
	 * event and the chain up to it are the same in the old log and the
	 * new, so whether the commit happens or not, the witness lags and
	 * never names an event that is no longer there.
	 */
	struct store_witness w;
	memset(&w, 0, sizeof(w));
	sqlite3_stmt *st = store_sql_prepared(s, "SELECT seq, hash, made_at FROM events WHERE seq = ?1");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, after);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		w.seq = sqlite3_column_int64(st, 0);
		snprintf(w.hash, sizeof(w.hash), "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(w.made_at, sizeof(w.made_at), "%s", (const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sql_status(s, rc, _("read the event log"));
	if (rc == SQLITE_ROW)
		store_witness_write(s, &w);
	else
		unlink(s->witness_path); /* no event stays: no witness until the commit writes the new head */
	/* what this transaction wrote so far was taking the tail off: not journalled */
	store_undo_stop(s);
	/*
	 * Rows that name a removed event keep naming it, negated, until it is
	 * appended again (store_event_reappend); one never appended again
	 * fails the commit (the foreign keys are checked there).
	 */
	rc = sqlite3_exec(s->db, "PRAGMA defer_foreign_keys = ON", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_sql_status(s, rc, _("remove the log's tail"));
	rc = each_ref(s, after, -1, NULL);
	if (!rc) {
		s->rewriting = 1;
		rc = store_sql_run(s, "DELETE FROM events WHERE seq > ?1", "i", after);
		s->rewriting = 0;
	}
	if (!rc)
		rc = store_undo_start(s); /* the next chunk starts at after + 1 */
	if (!rc)
		s->appended = 1; /* the witness names the new head at commit */
	return rc;
}

int store_event_reappend(struct store *s, const struct store_event *ev, int64_t was, int64_t *seq)
{
	int rc = store_event_append(s, ev, seq);
	if (rc == 1)
		return store_fail(s, STORE_ERR, _("event '%s' is in the log twice"), ev->uuid);
	if (!rc)
		rc = each_ref(s, was, *seq, NULL);
	return rc;
}

int store_event_named(struct store *s, int64_t was)
{
	int64_t n = 0;
	int rc = each_ref(s, was, 0, &n);
	return rc < 0 ? rc : n > 0;
}
