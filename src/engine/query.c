/*
 * query: what people read — the inbox, one request, common opinions — as
 * JSON the front ends print as text or pass on with --json.
 */
#include <stdlib.h>
#include <string.h>

#include "../defs/workflow.h"
#include "../util/clock.h"
#include "../util/xalloc.h"
#include "eng_internal.h"

/* Column i as a JSON string or null. */
static json_t *jcol(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	return v ? json_string(v) : json_null();
}

/* Column i (seconds since the epoch) as ISO 8601 or null. */
static json_t *jtime(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return json_null();
	char out[32];
	clock_format_iso((time_t)sqlite3_column_int64(st, i), out, sizeof(out));
	return json_string(out);
}

/* Every row of st as an object with the given keys ('t' in types: a time column). */
static json_t *rows(struct engine *e, sqlite3_stmt *st, const char *const *keys, const char *types)
{
	if (!st)
		return NULL;
	json_t *a = json_array();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = json_object();
		for (int i = 0; keys[i]; i++) {
			json_t *v = types[i] == 't' ? jtime(st, i)
				    : types[i] == 'i' ? json_integer(sqlite3_column_int64(st, i))
						      : jcol(st, i);
			json_object_set_new(o, keys[i], v);
		}
		json_array_append_new(a, o);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		eng_sql_fail(e, rc);
		json_decref(a);
		return NULL;
	}
	return a;
}

/*
 * The inbox rows. Every tab reads the same columns; urgency comes from the
 * request's data here, in the one query, so a list never needs a second
 * lookup per row. When a task arrived and when it was decided are the
 * times of the events that did it (events.seq is the rowid: one lookup
 * each); events.made_at is ISO 8601 text, turned into seconds here so it
 * prints like every other time. `seq` (not printed) orders the to-do tab.
 */
#define INBOX_TASK_COLUMNS \
	"SELECT t.id AS task, t.instance, t.step, t.kind, t.state, t.decision, t.on_behalf, t.deadline," \
	" t.reminders, i.title, i.workflow, i.applicant, i.state, json_extract(i.data, '$.urgency')," \
	" CAST(strftime('%s', c.made_at) AS INTEGER), CAST(strftime('%s', d.made_at) AS INTEGER)," \
	" t.opinion, NULL, t.created_seq AS seq" \
	" FROM eng_tasks t JOIN eng_instances i ON i.id = t.instance" \
	" LEFT JOIN events c ON c.seq = t.created_seq LEFT JOIN events d ON d.seq = t.decided_seq" \
	" WHERE t.assignee = ?1 "

/*
 * The applicant's requests returned to them (退回), as to-do rows of kind
 * "resubmit": no task (the applicant acts with `submit`), arrived when the
 * last return was made, with who returned it, from which step and why.
 */
#define INBOX_RETURNED_ROWS \
	"SELECT NULL, i.id, r.step, 'resubmit', 'pending', NULL, NULL, NULL, 0, i.title, i.workflow," \
	" i.applicant, i.state, json_extract(i.data, '$.urgency'), r.made_at, NULL, r.opinion, r.actor," \
	" COALESCE(r.seq, i.updated_seq)" \
	" FROM eng_instances i LEFT JOIN eng_trail r ON r.instance = i.id AND r.action = 'returned'" \
	" AND r.seq = (SELECT MAX(seq) FROM eng_trail WHERE instance = i.id AND action = 'returned')" \
	" WHERE i.applicant = ?1 AND i.state = 'returned'"

json_t *engine_inbox(struct engine *e, const char *user, enum inbox_kind which)
{
	static const char *const tkeys[] = { "task", "request", "step", "kind", "state", "decision",
					     "on_behalf", "deadline", "reminders", "title", "workflow",
					     "applicant", "request_state", "urgency", "received", "decided_at",
					     "opinion", "returned_by", NULL };
	static const char ttypes[] = "ssssssstisssssttss";
	static const char *const ikeys[] = { "request", "title", "workflow", "state", "doc_number",
					     "urgency", "updated_at", NULL };
	sqlite3_stmt *st;
	switch (which) {
	case INBOX_TODO:
		st = eng_q(e, INBOX_TASK_COLUMNS "AND t.state = 'pending' AND t.kind != 'read'"
			      " UNION ALL " INBOX_RETURNED_ROWS " ORDER BY seq, task", "s", user);
		break;
	case INBOX_TOREAD:
		st = eng_q(e, INBOX_TASK_COLUMNS "AND t.state = 'pending' AND t.kind = 'read'"
			      " ORDER BY t.created_seq, t.id", "s", user);
		break;
	case INBOX_DONE:
		st = eng_q(e, INBOX_TASK_COLUMNS "AND t.state = 'done' ORDER BY t.decided_seq DESC, t.id",
			   "s", user);
		break;
	default:
		st = eng_q(e,
			   "SELECT i.id, i.title, i.workflow, i.state, i.doc_number,"
			   " json_extract(i.data, '$.urgency'), CAST(strftime('%s', u.made_at) AS INTEGER)"
			   " FROM eng_instances i LEFT JOIN events u ON u.seq = i.updated_seq"
			   " WHERE i.applicant = ?1 ORDER BY i.updated_seq DESC, i.id",
			   "s", user);
		return rows(e, st, ikeys, "sssssst");
	}
	return rows(e, st, tkeys, ttypes);
}

json_t *engine_show(struct engine *e, const char *id)
{
	sqlite3_stmt *st = eng_q(e,
				 "SELECT id, workflow, title, applicant, state, doc_number, archived, data, wf_hash,"
				 " form_hash, org_hash FROM eng_instances WHERE id = ?1",
				 "s", id);
	if (!st)
		return NULL;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		eng_fail(e, ENG_REFUSED, "no request '%s'", id);
		return NULL;
	}
	json_t *o = json_object();
	json_object_set_new(o, "request", jcol(st, 0));
	json_object_set_new(o, "workflow", jcol(st, 1));
	json_object_set_new(o, "title", jcol(st, 2));
	json_object_set_new(o, "applicant", jcol(st, 3));
	json_object_set_new(o, "state", jcol(st, 4));
	json_object_set_new(o, "doc_number", jcol(st, 5));
	json_object_set_new(o, "archived", json_boolean(sqlite3_column_int(st, 6)));
	json_error_t jerr;
	json_t *data = json_loads((const char *)sqlite3_column_text(st, 7), 0, &jerr);
	json_object_set_new(o, "fields", data ? data : json_object());
	json_object_set_new(o, "workflow_version", jcol(st, 8));
	char *wf = eng_col(st, 8), *form = eng_col(st, 9), *org = eng_col(st, 10);
	sqlite3_reset(st);
	const struct eng_defs *d = eng_defs_get(e, wf, form, org);
	free(wf);
	free(form);
	free(org);
	static const char *const skeys[] = { "step", "prev", NULL };
	json_t *steps = rows(e, eng_q(e, "SELECT step, prev FROM eng_active WHERE instance = ?1 ORDER BY since_seq, step",
				      "s", id), skeys, "ss");
	size_t i;
	json_t *v;
	json_array_foreach(steps, i, v) {
		const struct step *s = d ? workflow_step(d->wf, json_string_value(json_object_get(v, "step"))) : NULL;
		json_object_set_new(v, "name", json_string(s && s->name ? s->name : json_string_value(json_object_get(v, "step"))));
	}
	json_object_set_new(o, "current", steps ? steps : json_array());
	static const char *const tkeys[] = { "task", "step", "assignee", "on_behalf", "kind", "state",
					     "decision", "opinion", "deadline", "reminders", NULL };
	json_t *tasks = rows(e, eng_q(e,
				      "SELECT id, step, assignee, on_behalf, kind, state, decision, opinion, deadline,"
				      " reminders FROM eng_tasks WHERE instance = ?1 ORDER BY created_seq, ord, id",
				      "s", id), tkeys, "sssssssssi");
	/* deadline is stored as seconds: show it as a time */
	json_array_foreach(tasks, i, v) {
		json_t *dl = json_object_get(v, "deadline");
		if (json_is_string(dl)) {
			char out[32];
			clock_format_iso((time_t)atoll(json_string_value(dl)), out, sizeof(out));
			json_object_set_new(v, "deadline", json_string(out));
		}
	}
	json_object_set_new(o, "tasks", tasks ? tasks : json_array());
	static const char *const rkeys[] = { "seq", "step", "actor", "on_behalf", "action", "detail",
					     "opinion", "at", NULL };
	json_t *trail = rows(e, eng_q(e,
				      "SELECT seq, step, actor, on_behalf, action, detail, opinion, made_at FROM eng_trail"
				      " WHERE instance = ?1 ORDER BY seq, n",
				      "s", id), rkeys, "isssssst");
	json_object_set_new(o, "trail", trail ? trail : json_array());
	if (d) {
		json_array_foreach(json_object_get(o, "trail"), i, v) {
			const char *sid = json_string_value(json_object_get(v, "step"));
			const struct step *s = sid ? workflow_step(d->wf, sid) : NULL;
			if (s && s->name)
				json_object_set_new(v, "step_name", json_string(s->name));
		}
	}
	/* its documents, when linked: which revision, what was signed, changed since */
	json_t *docs = NULL;
	if (eng_doclink_show(e, id, &docs) < 0) {
		json_decref(o);
		return NULL;
	}
	if (docs)
		json_object_set_new(o, "documents", docs);
	return o;
}

json_t *engine_opinions(struct engine *e, const char *user)
{
	static const char *const keys[] = { "text", "uses", NULL };
	return rows(e, eng_q(e, "SELECT text, uses FROM eng_opinions WHERE user = ?1 ORDER BY uses DESC, last_seq DESC, text",
			     "s", user), keys, "si");
}
