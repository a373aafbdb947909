/*
 * store_event: the append-only, hash-chained event log.
 *
 * Each event's hash is SM3 over a canonical serialisation of its fields
 * and the previous event's hash, so changing, removing or reordering any
 * event breaks the chain from that point on. The serialisation is a
 * sequence of fields, each written as its byte length in decimal, ':',
 * the bytes, ',' (a netstring); a NULL field is written as "-,". The
 * fields, in order: the tag "docket.event.1", prev_hash, uuid, type,
 * actor, on_behalf, def_version, made_at, base_seq (decimal), payload.
 * A signed event is tagged "docket.event.2" and adds key_id and sig, so
 * stripping or swapping a signature breaks the chain too.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/clock.h"
#include "../util/hash.h"
#include "../util/i18n.h"
#include "store_internal.h"

/* Append one netstring field (or "-," for NULL). */
static void canon_field(struct buf *b, const char *v)
{
	if (!v) {
		buf_adds(b, "-,");
		return;
	}
	size_t n = strlen(v);
	buf_addf(b, "%zu:", n);
	buf_add(b, v, n);
	buf_addch(b, ',');
}

/* An event row's columns, in the order row_event reads them (column 0: seq). */
#define ROW_COLUMNS "seq, uuid, type, actor, on_behalf, def_version, made_at, base_seq, payload, key_id, sig"

/* The event in a row selected with ROW_COLUMNS first (strings valid until the next step). */
static struct store_event row_event(sqlite3_stmt *st)
{
	struct store_event ev = {
		(const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 2),
		(const char *)sqlite3_column_text(st, 3), (const char *)sqlite3_column_text(st, 4),
		(const char *)sqlite3_column_text(st, 5), (const char *)sqlite3_column_text(st, 6),
		sqlite3_column_int64(st, 7),              (const char *)sqlite3_column_text(st, 8),
		(const char *)sqlite3_column_text(st, 9), (const char *)sqlite3_column_text(st, 10),
	};
	return ev;
}

/* The fields every encoding of an event has, from uuid to payload. */
static void canon_body(struct buf *b, const struct store_event *ev)
{
	char base[24];
	snprintf(base, sizeof(base), "%lld", (long long)ev->base_seq);
	canon_field(b, ev->uuid);
	canon_field(b, ev->type);
	canon_field(b, ev->actor);
	canon_field(b, ev->on_behalf);
	canon_field(b, ev->def_version);
	canon_field(b, ev->made_at);
	canon_field(b, base);
	canon_field(b, ev->payload);
}

void store_event_signed_text(const struct store_event *ev, struct buf *out)
{
	buf_reset(out);
	canon_field(out, "docket.signed.1");
	canon_body(out, ev);
}

void store_set_signer(struct store *s, store_signer_fn fn, void *ctx)
{
	s->signer = fn;
	s->signer_ctx = ctx;
}

/* The event's hash given the previous one. */
static int event_hash(const char *prev_hash, const struct store_event *ev, char out[HASH_HEX_LEN + 1])
{
	struct buf b = BUF_INIT;
	int signed_ = ev->sig != NULL;
	canon_field(&b, signed_ ? "docket.event.2" : "docket.event.1");
	canon_field(&b, prev_hash);
	canon_body(&b, ev);
	if (signed_) {
		canon_field(&b, ev->key_id);
		canon_field(&b, ev->sig);
	}
	int rc = hash_sm3_hex(b.s, b.len, out);
	buf_release(&b);
	return rc;
}

/* Refuse an event the log must never hold; 0 if it is well formed. */
static int event_check(struct store *s, const struct store_event *ev)
{
	const char *u = ev->uuid ? ev->uuid : "";
	if (!uuid_valid(ev->uuid))
		return store_fail(s, STORE_ERR, _("event '%s': not a lowercase canonical uuid"), u);
	if (!ev->type || !*ev->type)
		return store_fail(s, STORE_ERR, _("event '%s': no type"), u);
	if (!ev->actor || !*ev->actor)
		return store_fail(s, STORE_ERR, _("event '%s': no actor"), u);
	time_t t;
	if (!ev->made_at || clock_parse_iso(ev->made_at, &t) < 0)
		return store_fail(s, STORE_ERR, _("event '%s': invalid time '%s'"), u,
				  ev->made_at ? ev->made_at : "");
	if (ev->base_seq < 0)
		return store_fail(s, STORE_ERR, _("event '%s': negative base sequence"), u);
	if (!ev->sig != !ev->key_id)
		return store_fail(s, STORE_ERR, _("event '%s': a signature needs its key and a key its signature"), u);
	json_error_t jerr;
	json_t *p = ev->payload ? json_loads(ev->payload, JSON_REJECT_DUPLICATES, &jerr) : NULL;
	int object = p && json_is_object(p);
	json_decref(p);
	if (!object)
		return store_fail(s, STORE_ERR, _("event '%s': payload is not a JSON object"), u);
	return 0;
}

int64_t store_event_last_seq(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s, ST_EVENT_LAST);
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	int64_t seq = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_sql_status(s, rc, _("read the event log"));
		return -1;
	}
	return seq;
}

int store_event_append_locked(struct store *s, const struct store_event *ev, int64_t *seq)
{
	int rc = event_check(s, ev);
	if (rc < 0)
		return rc;
	/* the same uuid again is the same action again: nothing to do */
	sqlite3_stmt *st = store_stmt(s, ST_EVENT_FIND);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, ev->uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (seq)
			*seq = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_sql_status(s, rc, _("read the event log"));

	char prev[HASH_HEX_LEN + 1] = STORE_ZERO_HASH;
	struct store_witness head;
	if ((rc = store_witness_head(s, &head)) < 0)
		return rc;
	if (rc == 1)
		snprintf(prev, sizeof(prev), "%s", head.hash);

	/* signed by whoever acts in this process, unless it came signed */
	struct store_event signed_ev = *ev;
	char *key_id = NULL, *sig = NULL;
	if (!ev->sig && s->signer) {
		struct buf text = BUF_INIT, err = BUF_INIT;
		store_event_signed_text(ev, &text);
		rc = s->signer(s->signer_ctx, ev, text.s, text.len, &key_id, &sig, &err);
		buf_release(&text);
		if (rc < 0 || !key_id != !sig) {
			rc = store_fail(s, rc < 0 ? rc : STORE_ERR, "%s",
					err.len ? err.s : _("the event could not be signed"));
			buf_release(&err);
			free(key_id);
			free(sig);
			return rc;
		}
		buf_release(&err);
		signed_ev.key_id = key_id;
		signed_ev.sig = sig;
		ev = &signed_ev;
	}
	char hash[HASH_HEX_LEN + 1];
	if (event_hash(prev, ev, hash) < 0) {
		free(key_id);
		free(sig);
		return store_fail(s, STORE_ERR, _("event '%s': SM3 is not available"), ev->uuid);
	}
	if (!(st = store_stmt(s, ev->sig ? ST_EVENT_INSERT_SIGNED : ST_EVENT_INSERT))) {
		free(key_id);
		free(sig);
		return STORE_ERR;
	}
	sqlite3_bind_text(st, 1, ev->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ev->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ev->actor, -1, SQLITE_STATIC);
	store_sql_bind_text(st, 4, ev->on_behalf);
	store_sql_bind_text(st, 5, ev->def_version);
	sqlite3_bind_text(st, 6, ev->made_at, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, ev->base_seq);
	sqlite3_bind_text(st, 8, ev->payload, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, hash, -1, SQLITE_STATIC);
	if (ev->sig) {
		sqlite3_bind_text(st, 11, ev->key_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 12, ev->sig, -1, SQLITE_STATIC);
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	free(key_id);
	free(sig);
	if (rc != SQLITE_DONE)
		return store_sql_status(s, rc, _("append to the event log"));
	if (seq)
		*seq = sqlite3_last_insert_rowid(s->db);
	s->appended = 1;
	return 0;
}

int store_event_append(struct store *s, const struct store_event *ev, int64_t *seq)
{
	if (!store_need_tx(s, _("appending an event")))
		return STORE_ERR;
	/* time never goes back on a production store (its callers take store_event_time) */
	struct store_witness head;
	int rc = store_times_ordered(s) ? store_witness_head(s, &head) : 0;
	if (rc < 0)
		return rc;
	time_t before, t;
	if (rc == 1 && ev->made_at && clock_parse_iso(head.made_at, &before) == 0 &&
	    clock_parse_iso(ev->made_at, &t) == 0 && t < before && store_event_by_uuid(s, ev->uuid, NULL, NULL) == 0)
		return store_fail(s, STORE_ERR,
				  _("event '%s': its time %s is before the time of the event before it (%s):"
				    " an event's time never goes back (a bug: report it)"),
				  ev->uuid, ev->made_at, head.made_at);
	return store_event_append_locked(s, ev, seq);
}

int store_event_verify(struct store *s, int64_t *bad_seq)
{
	if (bad_seq)
		*bad_seq = 0;
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT " ROW_COLUMNS ", prev_hash, hash FROM events ORDER BY seq",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_sql_status(s, rc, _("read the event log"));
	char expect[HASH_HEX_LEN + 1] = STORE_ZERO_HASH;
	int status = 0;
	/* a production store's times never go back (a test's clock is set by
	 * hand; a server's log orders events made with other clocks) */
	int timed = store_times_ordered(s);
	time_t before = 0;
	char before_s[40] = "";
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(st, 0);
		struct store_event ev = row_event(st);
		const char *prev = (const char *)sqlite3_column_text(st, 11);
		const char *stored = (const char *)sqlite3_column_text(st, 12);
		char hash[HASH_HEX_LEN + 1];
		const char *why = NULL;
		if (!prev || strcmp(prev, expect))
			why = _("it does not follow the event before it");
		else if (event_hash(prev, &ev, hash) < 0 || !stored || strcmp(hash, stored))
			why = _("its content does not match its hash");
		time_t t = 0;
		/* the v2 migration's events carry their rows' old times, as they were */
		int backfilled = ev.payload && strstr(ev.payload, "\"backfilled\":true") &&
				 !strcmp(ev.type ? ev.type : "", "definition.deployed");
		if (!why && timed && !backfilled && ev.made_at && clock_parse_iso(ev.made_at, &t) == 0) {
			if (t < before) {
				status = store_fail(s, STORE_ERR,
						    _("store '%s': the event log is broken at sequence %lld: its time %s"
						      " is before the time of the event before it (%s)"),
						    s->dir, (long long)seq, ev.made_at, before_s);
				if (bad_seq)
					*bad_seq = seq;
				break;
			}
			before = t;
			snprintf(before_s, sizeof(before_s), "%s", ev.made_at);
		}
		if (why) {
			status = store_fail(s, STORE_ERR,
					    _("store '%s': the event log is broken at sequence %lld: %s"),
					    s->dir, (long long)seq, why);
			if (bad_seq)
				*bad_seq = seq;
			break;
		}
		snprintf(expect, sizeof(expect), "%s", stored);
	}
	if (!status && rc != SQLITE_DONE)
		status = store_sql_status(s, rc, _("read the event log"));
	sqlite3_finalize(st);
	return status;
}

int64_t store_event_count(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s, ST_EVENT_COUNT);
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		store_sql_status(s, rc, _("read the event log"));
	return n;
}

int store_event_foreach(struct store *s, int64_t after,
			int (*fn)(void *ctx, int64_t seq, const struct store_event *ev), void *ctx)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT " ROW_COLUMNS " FROM events WHERE seq > ?1 ORDER BY seq",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_sql_status(s, rc, _("read the event log"));
	sqlite3_bind_int64(st, 1, after);
	int status = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_event ev = row_event(st);
		if ((status = fn(ctx, sqlite3_column_int64(st, 0), &ev)) != 0)
			break;
	}
	if (!status && rc != SQLITE_DONE)
		status = store_sql_status(s, rc, _("read the event log"));
	sqlite3_finalize(st);
	return status;
}

/*
 * Step st (ST_EVENT_BY_UUID or ST_EVENT_BY_SEQ, bound) and copy the row
 * into *out (zeroed by the caller): 1, 0 when there is none, or a
 * negative status.
 */
static int event_read(struct store *s, sqlite3_stmt *st, struct store_event *out, int64_t *seq)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (seq)
			*seq = sqlite3_column_int64(st, 0);
		out->uuid = store_sql_col(st, 1);
		out->type = store_sql_col(st, 2);
		out->actor = store_sql_col(st, 3);
		out->on_behalf = store_sql_col(st, 4);
		out->def_version = store_sql_col(st, 5);
		out->made_at = store_sql_col(st, 6);
		out->base_seq = sqlite3_column_int64(st, 7);
		out->payload = store_sql_col(st, 8);
		out->key_id = store_sql_col(st, 9);
		out->sig = store_sql_col(st, 10);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_sql_status(s, rc, _("read the event log"));
}

int store_event_by_uuid(struct store *s, const char *uuid, struct store_event *out, int64_t *seq)
{
	if (out)
		memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = store_stmt(s, out ? ST_EVENT_BY_UUID : ST_EVENT_FIND);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
	if (out)
		return event_read(s, st, out, seq);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && seq)
		*seq = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_sql_status(s, rc, _("read the event log"));
}

int store_event_by_seq(struct store *s, int64_t seq, struct store_event *out)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = store_stmt(s, ST_EVENT_BY_SEQ);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, seq);
	return event_read(s, st, out, NULL);
}

void store_event_release(struct store_event *ev)
{
	/* the strings are the copies event_read made: const only for the append side */
	free((char *)ev->uuid);
	free((char *)ev->type);
	free((char *)ev->actor);
	free((char *)ev->on_behalf);
	free((char *)ev->def_version);
	free((char *)ev->made_at);
	free((char *)ev->payload);
	free((char *)ev->key_id);
	free((char *)ev->sig);
	memset(ev, 0, sizeof(*ev));
}

int store_event_rechain_for_tests(struct store *s)
{
	sqlite3_stmt *st, *up;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT " ROW_COLUMNS " FROM events ORDER BY seq",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_sql_status(s, rc, "rechain");
	if ((rc = sqlite3_prepare_v2(s->db, "UPDATE events SET prev_hash = ?2, hash = ?3 WHERE seq = ?1", -1,
				     &up, NULL)) != SQLITE_OK) {
		sqlite3_finalize(st);
		return store_sql_status(s, rc, "rechain");
	}
	char prev[HASH_HEX_LEN + 1] = STORE_ZERO_HASH, hash[HASH_HEX_LEN + 1];
	int status = 0;
	while (!status && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_event ev = row_event(st);
		if (event_hash(prev, &ev, hash) < 0) {
			status = STORE_ERR;
			break;
		}
		sqlite3_bind_int64(up, 1, sqlite3_column_int64(st, 0));
		sqlite3_bind_text(up, 2, prev, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(up, 3, hash, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(up) != SQLITE_DONE)
			status = store_sql_status(s, sqlite3_errcode(s->db), "rechain");
		sqlite3_reset(up);
		memcpy(prev, hash, sizeof(prev));
	}
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	return status;
}
