/*
 * query: what people read — the inbox, one request, common opinions — as
 * JSON the front ends print as text or pass on with --json.
 */
#include <stdlib.h>
#include <string.h>

#include "../defs/org.h"
#include "../defs/workflow.h"
#include "../store/store.h"
#include "../store/store_sql.h"
#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "eng_internal.h"

static json_t *stored_reason(const json_t *row);

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

/* Adds to a row's object what its columns name (the names of ids); see rows(). */
typedef void (*row_fill)(struct engine *e, sqlite3_stmt *st, json_t *o);

/*
 * Every row of st as an object with the given keys ('t' in types: a time
 * column); then fill (when not NULL) adds to each from the same row.
 */
static json_t *rows_fill(struct engine *e, sqlite3_stmt *st, const char *const *keys, const char *types,
			 row_fill fill)
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
		if (fill)
			fill(e, st, o);
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

static json_t *rows(struct engine *e, sqlite3_stmt *st, const char *const *keys, const char *types)
{
	return rows_fill(e, st, keys, types, NULL);
}

/*
 * Names for ids, from the definitions a request runs on (its pinned
 * versions, so a later deployment never renames what happened): the id
 * itself when the definitions or the id are unknown; JSON null for none.
 */
static json_t *user_name(const struct eng_defs *d, const char *id)
{
	if (!id)
		return json_null();
	const struct org_user *u = d ? org_user(d->org, id) : NULL;
	return json_string(u && u->name ? u->name : id);
}

static json_t *step_name(const struct eng_defs *d, const char *id)
{
	if (!id)
		return json_null();
	const struct step *s = d && d->wf ? workflow_step(d->wf, id) : NULL;
	return json_string(s && s->name ? s->name : id);
}

static json_t *workflow_name(const struct eng_defs *d, const char *id)
{
	if (!id)
		return json_null();
	return json_string(d && d->wf && d->wf->name ? d->wf->name : id);
}

/* The definitions of the versions in columns i, i+1, i+2 (workflow, form, organisation), or NULL. */
static const struct eng_defs *row_defs(struct engine *e, sqlite3_stmt *st, int i)
{
	const char *wf = (const char *)sqlite3_column_text(st, i);
	const char *form = (const char *)sqlite3_column_text(st, i + 1);
	const char *org = (const char *)sqlite3_column_text(st, i + 2);
	return wf && form && org ? eng_defs_get(e, wf, form, org) : NULL;
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The versions of an inbox row: the columns after the row's keys. */
#define INBOX_TASK_VERSIONS 21
#define INBOX_MINE_VERSIONS 7

/* An inbox task row's names: workflow, step, applicant, stand-in's principal, who returned it, who it waits for. */
static void inbox_task_names(struct engine *e, sqlite3_stmt *st, json_t *o)
{
	const struct eng_defs *d = row_defs(e, st, INBOX_TASK_VERSIONS);
	json_object_set_new(o, "workflow_name", workflow_name(d, jstr(o, "workflow")));
	json_object_set_new(o, "step_name", step_name(d, jstr(o, "step")));
	json_object_set_new(o, "applicant_name", user_name(d, jstr(o, "applicant")));
	json_object_set_new(o, "on_behalf_name", user_name(d, jstr(o, "on_behalf")));
	json_object_set_new(o, "returned_by_name", user_name(d, jstr(o, "returned_by")));
	json_object_set_new(o, "waiting_for_name", user_name(d, jstr(o, "waiting_for")));
}

/* A row of my requests: the workflow's name. */
static void inbox_mine_names(struct engine *e, sqlite3_stmt *st, json_t *o)
{
	const struct eng_defs *d = row_defs(e, st, INBOX_MINE_VERSIONS);
	json_object_set_new(o, "workflow_name", workflow_name(d, jstr(o, "workflow")));
}

/*
 * The inbox rows. Every tab reads the same columns; urgency comes from the
 * request's data here, in the one query, so a list never needs a second
 * lookup per row. When a task arrived and when it was decided are the
 * times of the events that did it, in seconds like every other time: the
 * store's STORE_EVENT_TIME (one lookup by sequence each; the log is the
 * store's table). `seq` (not printed) orders the to-do tab;
 * the request's versions (not printed either) name its ids for people.
 * WAITING is the two columns waiting_for and waiting_reason.
 */
#define INBOX_TASK_SELECT(WAITING) \
	"SELECT t.id AS task, t.instance, t.step, t.kind, t.state, t.decision, t.on_behalf, t.deadline," \
	" t.reminders, i.title, i.workflow, i.applicant, i.state, json_extract(i.data, '$.urgency')," \
	" " STORE_EVENT_TIME("t.created_seq") ", " STORE_EVENT_TIME("t.decided_seq") "," \
	" t.opinion, NULL, " WAITING ", t.created_seq AS seq, i.wf_hash, i.form_hash, i.org_hash" \
	" FROM eng_tasks t JOIN eng_instances i ON i.id = t.instance"
#define INBOX_TASK_COLUMNS INBOX_TASK_SELECT("NULL, NULL") " WHERE t.assignee = ?1 "

/*
 * The user's tasks that wait for someone acting on their behalf first: a
 * signer they added before themselves (加签, extra = 1) or the one they
 * delegated to (委派, extra = 2) holds the open task that resumes theirs.
 * Nobody else can bring the request back to them, and from here they can
 * still remove that signer (减签), so these are to-dos too, saying whom
 * they wait for and why. A sequential signer whose turn has not come
 * waits with nothing resuming it, and is not here. The open task is found
 * among its step's tasks (eng_tasks_instance) and then by its id.
 */
#define INBOX_WAITING_ROWS \
	INBOX_TASK_SELECT("w.assignee, CASE w.extra WHEN 2 THEN 'delegated' ELSE 'signer_added' END") \
	" JOIN eng_tasks w ON w.id = (SELECT r.id FROM eng_tasks r WHERE r.instance = t.instance" \
	" AND r.step = t.step AND r.resumes = t.id AND r.state IN ('pending', 'waiting')" \
	" ORDER BY r.created_seq DESC LIMIT 1)" \
	" WHERE t.assignee = ?1 AND t.state = 'waiting' AND t.kind != 'read'"

/*
 * The applicant's requests returned to them (退回), as to-do rows of kind
 * "resubmit": no task (the applicant acts with `submit`), arrived when the
 * last return was made, with who returned it, from which step and why.
 */
#define INBOX_RETURNED_ROWS \
	"SELECT NULL, i.id, r.step, 'resubmit', 'pending', NULL, NULL, NULL, 0, i.title, i.workflow," \
	" i.applicant, i.state, json_extract(i.data, '$.urgency'), r.made_at, NULL, r.opinion, r.actor," \
	" NULL, NULL, COALESCE(r.seq, i.updated_seq), i.wf_hash, i.form_hash, i.org_hash" \
	" FROM eng_instances i LEFT JOIN eng_trail r ON r.instance = i.id AND r.action = 'returned'" \
	" AND r.seq = (SELECT MAX(seq) FROM eng_trail WHERE instance = i.id AND action = 'returned')" \
	" WHERE i.applicant = ?1 AND i.state = 'returned'"

json_t *engine_inbox(struct engine *e, const char *user, enum inbox_kind which)
{
	static const char *const tkeys[] = { "task", "request", "step", "kind", "state", "decision",
					     "on_behalf", "deadline", "reminders", "title", "workflow",
					     "applicant", "request_state", "urgency", "received", "decided_at",
					     "opinion", "returned_by", "waiting_for", "waiting_reason", NULL };
	static const char ttypes[] = "ssssssstisssssttssss";
	static const char *const ikeys[] = { "request", "title", "workflow", "state", "doc_number",
					     "urgency", "updated_at", NULL };
	sqlite3_stmt *st;
	switch (which) {
	case INBOX_TODO:
		st = eng_q(e, INBOX_TASK_COLUMNS "AND t.state = 'pending' AND t.kind != 'read'"
			      " UNION ALL " INBOX_WAITING_ROWS " UNION ALL " INBOX_RETURNED_ROWS " ORDER BY seq, task",
			   "s", user);
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
			   " json_extract(i.data, '$.urgency'), " STORE_EVENT_TIME("i.updated_seq") ","
			   " i.wf_hash, i.form_hash, i.org_hash"
			   " FROM eng_instances i"
			   " WHERE i.applicant = ?1 ORDER BY i.updated_seq DESC, i.id",
			   "s", user);
		return rows_fill(e, st, ikeys, "sssssst", inbox_mine_names);
	}
	return rows_fill(e, st, tkeys, ttypes, inbox_task_names);
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
	json_object_set_new(o, "form_version", jcol(st, 9));
	json_object_set_new(o, "org_version", jcol(st, 10));
	char *wf = eng_col(st, 8), *form = eng_col(st, 9), *org = eng_col(st, 10);
	sqlite3_reset(st);
	const struct eng_defs *d = wf && form && org ? eng_defs_get(e, wf, form, org) : NULL;
	free(wf);
	free(form);
	free(org);
	/* names for people, from the versions the request runs on */
	const char *app = jstr(o, "applicant");
	const struct org_user *au = d && app ? org_user(d->org, app) : NULL;
	const struct org_dept *ad = au && au->dept ? org_dept(d->org, au->dept) : NULL;
	json_object_set_new(o, "workflow_name", workflow_name(d, jstr(o, "workflow")));
	json_object_set_new(o, "applicant_name", user_name(d, app));
	json_object_set_new(o, "applicant_department", au && au->dept ? json_string(au->dept) : json_null());
	json_object_set_new(o, "applicant_department_name",
			    ad && ad->name ? json_string(ad->name) : au && au->dept ? json_string(au->dept) : json_null());
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
		json_object_set_new(v, "step_name", step_name(d, jstr(v, "step")));
		json_object_set_new(v, "assignee_name", user_name(d, jstr(v, "assignee")));
		json_object_set_new(v, "on_behalf_name", user_name(d, jstr(v, "on_behalf")));
	}
	json_object_set_new(o, "tasks", tasks ? tasks : json_array());
	static const char *const rkeys[] = { "seq", "step", "actor", "on_behalf", "action", "detail",
					     "opinion", "at", NULL };
	json_t *trail = rows(e, eng_q(e,
				      "SELECT seq, step, actor, on_behalf, action, detail, opinion, made_at FROM eng_trail"
				      " WHERE instance = ?1 ORDER BY seq, n",
				      "s", id), rkeys, "isssssst");
	json_object_set_new(o, "trail", trail ? trail : json_array());
	/* a document revised after its sign-off: the trail says so where it happened */
	if (eng_doclink_trail(e, id, json_object_get(o, "trail")) < 0) {
		json_decref(o);
		return NULL;
	}
	if (d) {
		json_array_foreach(json_object_get(o, "trail"), i, v) {
			const char *sid = json_string_value(json_object_get(v, "step"));
			const struct step *s = sid ? workflow_step(d->wf, sid) : NULL;
			if (s && s->name)
				json_object_set_new(v, "step_name", json_string(s->name));
		}
	}
	json_array_foreach(json_object_get(o, "trail"), i, v) {
		/* a reason stored as its code (rules 4) is worded here, in the reader's language */
		json_t *why = stored_reason(v);
		if (why) {
			struct buf words = BUF_INIT;
			eng_reason_text(why, d ? d->wf : NULL, d ? d->org : NULL, 1, &words);
			json_object_set_new(v, "opinion", json_string(words.s));
			json_object_set_new(v, "reason", why);
			buf_release(&words);
		}
		const char *actor = jstr(v, "actor");
		/* "system" (timers, automatic steps) is nobody in the organisation */
		json_object_set_new(v, "actor_name", actor && !strcmp(actor, "system") ? json_string(actor)
										      : user_name(d, actor));
		json_object_set_new(v, "on_behalf_name", user_name(d, jstr(v, "on_behalf")));
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

int engine_request_defs(struct engine *e, const char *instance, const struct workflow **wf,
			const struct form **form, const struct org **org)
{
	sqlite3_stmt *st = eng_q(e, "SELECT wf_hash, form_hash, org_hash FROM eng_instances WHERE id = ?1", "s",
				 instance);
	if (!st)
		return STORE_ERR;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return eng_fail(e, ENG_REFUSED, _("no request '%s'"), instance);
	}
	char *w = eng_col(st, 0), *f = eng_col(st, 1), *o = eng_col(st, 2);
	sqlite3_reset(st);
	const struct eng_defs *d = w && f && o ? eng_defs_get(e, w, f, o) : NULL;
	free(w);
	free(f);
	free(o);
	if (!d)
		return STORE_CORRUPT;
	*wf = d->wf;
	*form = d->form;
	*org = d->org;
	return 0;
}

/* Words people read for the engine's states and actions; unknown ones as they are. */
struct word {
	const char *id;    /* what the engine stores */
	const char *ctx;   /* the msgctxt when the English word has two meanings, or NULL */
	const char *label; /* the English text, translated at lookup */
};

static const char *word_of(const struct word *w, size_t n, const char *id)
{
	for (size_t i = 0; id && i < n; i++)
		if (!strcmp(id, w[i].id))
			return w[i].ctx ? C_(w[i].ctx, w[i].label) : _(w[i].label);
	return id ? id : "";
}

#define WORD_OF(table, id) word_of(table, sizeof(table) / sizeof(table[0]), id)

const char *engine_state_label(const char *state)
{
	static const struct word states[] = {
		{ "draft", NULL, N_("draft") },
		{ "running", NULL, N_("in progress") },
		{ "returned", NULL, N_("returned") },
		{ "withdrawn", NULL, N_("withdrawn") },
		/* TRANSLATORS: a request's state: it passed every step (已通过) */
		{ "approved", "request state", NC_("request state", "approved") },
		/* TRANSLATORS: a request's state: it was rejected (未通过) */
		{ "rejected", "request state", NC_("request state", "rejected") },
		{ "terminated", NULL, N_("terminated") },
	};
	return WORD_OF(states, state);
}

const char *engine_action_label(const char *action)
{
	static const struct word acts[] = {
		{ "drafted", NULL, N_("saved as a draft") },
		{ "created", NULL, N_("created") },
		{ "submitted", NULL, N_("submitted") },
		{ "edited", NULL, N_("edited") },
		{ "approve", NULL, N_("approved") },
		{ "reject", NULL, N_("rejected") },
		{ "return", NULL, N_("returned") },
		{ "returned", NULL, N_("returned") },
		{ "withdrawn", NULL, N_("withdrew") },
		{ "taken back", NULL, N_("took back") },
		{ "transferred", NULL, N_("transferred") },
		{ "delegated", NULL, N_("delegated") },
		{ "added signer", NULL, N_("added a signer") },
		{ "removed signer", NULL, N_("removed a signer") },
		{ "removed", NULL, N_("removed") },
		{ "circulated", NULL, N_("circulated") },
		{ "read", NULL, N_("read") },
		{ "urged", NULL, N_("urged") },
		{ "skipped", NULL, N_("skipped") },
		{ "terminated", NULL, N_("terminated") },
		{ "escalated", NULL, N_("escalated") },
		/* TRANSLATORS: a step the policies left with nobody went to someone else, with the reason */
		{ "reassigned", NULL, N_("reassigned") },
		{ "overdue", NULL, N_("overdue") },
		{ "numbered", NULL, N_("numbered") },
		{ "archived", NULL, N_("archived") },
		{ "arrived", NULL, N_("arrived") },
		{ "migrated", NULL, N_("migrated") },
		/* TRANSLATORS: a document of the request changed after it was signed off (so it needs signing again) */
		{ "revised after sign-off", NULL, N_("revised after sign-off") },
		/* the system's word when the last step passed: the request is done */
		{ "approved", NULL, N_("finished") },
		/* the system's word when a step failed: the request is rejected */
		{ "rejected", NULL, N_("rejected") },
	};
	return WORD_OF(acts, action);
}

const char *engine_task_kind_label(const char *kind)
{
	static const struct word kinds[] = {
		{ "approve", NULL, N_("approval") },
		/* TRANSLATORS: the lead department's task at a handling step (主办) */
		{ "handle_lead", NULL, N_("lead") },
		/* TRANSLATORS: a co-handling department's task (协办) */
		{ "handle_co", NULL, N_("co-handling") },
		/* TRANSLATORS: a task offered to several people; the first to act claims it (认领) */
		{ "offer", NULL, N_("to claim") },
		{ "read", NULL, N_("reading") },
	};
	return WORD_OF(kinds, kind);
}

const char *engine_task_state_label(const char *state, const char *decision)
{
	static const struct word states[] = {
		{ "pending", NULL, N_("pending") },
		/* TRANSLATORS: a task that waits for another signer first (依次审批, 加签) */
		{ "waiting", NULL, N_("waiting") },
		{ "done", NULL, N_("done") },
		{ "cancelled", NULL, N_("cancelled") },
		{ "withdrawn", NULL, N_("withdrawn") },
	};
	if (state && !strcmp(state, "done") && decision)
		return engine_action_label(decision);
	return WORD_OF(states, state);
}

/* ---- the trail as people read it ---- */

static const char *tget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

void engine_trail_who(const json_t *v, struct buf *out)
{
	const char *actor = tget(v, "actor");
	const char *who = actor && !strcmp(actor, "system") ? _("system")
			  : tget(v, "actor_name")               ? tget(v, "actor_name")
			  : actor                               ? actor
								: "";
	if (tget(v, "on_behalf"))
		buf_addf(out, _("%s on behalf of %s"), who,
			 tget(v, "on_behalf_name") ? tget(v, "on_behalf_name") : tget(v, "on_behalf"));
	else
		buf_adds(out, who);
}

/* A person in the trail's details: their name in the request's organisation. */
static const char *person(const struct org *org, const char *id)
{
	const struct org_user *u = org && id ? org_user(org, id) : NULL;
	return u && u->name ? u->name : id ? id : "";
}

/* A step in the trail's details: its name in the request's workflow. */
static const char *step_of(const struct workflow *wf, const char *id)
{
	const struct step *s = wf && id ? workflow_step(wf, id) : NULL;
	return s && s->name ? s->name : id ? id : "";
}

/* gettext for eng_reason_text's words, or the English itself. */
static const char *translated(const char *msgid)
{
	return gettext(msgid);
}

static const char *as_written(const char *msgid)
{
	return msgid;
}

void eng_reason_text(const json_t *why, const struct workflow *wf, const struct org *org, int translate,
		     struct buf *out)
{
	const char *(*tr)(const char *) = translate ? translated : as_written;
	const char *code = tget(why, "reason"), *user = tget(why, "user");
	const char *step = tget(why, "step"), *other = tget(why, "other");
	if (code && !strcmp(code, ENG_REASON_APPLICANT)) {
		buf_addf(out, tr(N_("%s is the applicant and may not handle their own request")), person(org, user));
	} else if (code && !strcmp(code, ENG_REASON_SEPARATION)) {
		buf_addf(out, tr(N_("%s acted on '%s' and may not also act on '%s' (separation of duties)")),
			 person(org, user), step_of(wf, other), step_of(wf, step));
	} else if (code && !strcmp(code, ENG_REASON_DEDUPE)) {
		buf_addf(out, tr(N_("%s already approved this request at '%s' (one approval per person)")),
			 person(org, user), step_of(wf, other));
	} else {
		char *text = json_dumps(why, JSON_COMPACT | JSON_SORT_KEYS);
		buf_adds(out, text ? text : "");
		free(text);
	}
}

/*
 * A trail row's reason as stored since rules 4 (a "reassigned" row's
 * opinion: {"reason": ...}), parsed; NULL for anything else, such as the
 * words older rows hold.
 */
static json_t *stored_reason(const json_t *row)
{
	const char *action = tget(row, "action"), *op = tget(row, "opinion");
	if (!action || strcmp(action, "reassigned") || !op || *op != '{')
		return NULL;
	json_t *r = json_loads(op, 0, NULL);
	if (!json_is_string(json_object_get(r, "reason"))) {
		json_decref(r);
		return NULL;
	}
	return r;
}

/*
 * A trail detail as people read it: the revisions an approval saw, stored
 * as "r2 (f9c8692)" (eng_doclink_detail), get the reader's brackets
 * (zh_CN: r2（f9c8692）); anything else is written as it is.
 */
static void revisions_out(const char *det, struct buf *out)
{
	for (const char *p = det; *p;) {
		const char *q = strstr(p, " (");
		size_t hex = q ? strspn(q + 2, "0123456789abcdef") : 0;
		if (!q || hex != 7 || q[2 + hex] != ')') {
			buf_adds(out, p);
			return;
		}
		char commit[8];
		memcpy(commit, q + 2, 7);
		commit[7] = 0;
		buf_add(out, p, (size_t)(q - p));
		/* TRANSLATORS: a revision and the commit it was (r2 (f9c8692)); Chinese uses （%s） */
		buf_addf(out, C_("a revision's commit", " (%s)"), commit);
		p = q + 2 + hex + 1;
	}
}

void engine_trail_what(const json_t *v, const struct workflow *wf, const struct org *org, int opinion,
		       struct buf *out)
{
	const char *action = tget(v, "action") ? tget(v, "action") : "";
	const char *step = tget(v, "step_name") ? tget(v, "step_name") : tget(v, "step");
	const char *det = tget(v, "detail"), *op = tget(v, "opinion");
	buf_adds(out, engine_action_label(action));
	if (step && *step)
		buf_addf(out, " @%s", step);
	if (det) {
		buf_addch(out, ' ');
		if (!strcmp(action, "returned")) {
			const char *to = !strcmp(det, "applicant")  ? _("applicant")
					 : !strcmp(det, "previous") ? _("previous step")
								    : step_of(wf, det);
			buf_addf(out, _("to %s"), to);
		} else if (!strcmp(action, "submitted")) {
			buf_addf(out, _("to %s"), step_of(wf, det));
		} else if (!strcmp(action, "transferred") || !strcmp(action, "delegated") ||
			   !strcmp(action, "escalated") || !strcmp(action, "reassigned")) {
			buf_addf(out, _("to %s"), person(org, det));
		} else if (!strcmp(action, "added signer") || !strcmp(action, "removed signer") ||
			   !strcmp(action, "circulated") || !strcmp(action, "overdue")) {
			buf_adds(out, person(org, det));
		} else {
			revisions_out(det, out);
		}
	}
	if (op && !strcmp(action, "added signer")) {
		/* where the signer goes, relative to who added them */
		const char *where = !strcmp(op, "before") ? _("before me") : !strcmp(op, "after") ? _("after me")
				    : !strcmp(op, "parallel")                      ? _("alongside me")
										   : op;
		/* TRANSLATORS: where an added signer goes, after the trail line (（在我之前）) */
		buf_addf(out, C_("where an added signer goes", " (%s)"), where);
	} else if (op && opinion) {
		/* TRANSLATORS: an opinion after what was done ("approved @部门审核: 同意") */
		buf_addf(out, C_("before an opinion", ": %s"), op);
	}
}

const char *engine_trail_opinion(const json_t *v)
{
	const char *action = tget(v, "action");
	return action && !strcmp(action, "added signer") ? NULL : tget(v, "opinion");
}

/* ---- the inbox as people read it ---- */

int engine_waiting_note(const json_t *row, struct buf *out)
{
	const char *id = tget(row, "waiting_for"), *why = tget(row, "waiting_reason");
	if (!id)
		return 0;
	const char *who = tget(row, "waiting_for_name") ? tget(row, "waiting_for_name") : id;
	const char *fmt;
	if (why && !strcmp(why, "delegated"))
		/* TRANSLATORS: a to-do that waits for the delegate (委派) first: 等待 冯雪 办理 */
		fmt = C_("waiting for a delegate", "waiting for %s");
	else
		/* TRANSLATORS: a to-do that waits for the signer added before you (加签) first: 等待 孙丽 加签 */
		fmt = C_("waiting for an added signer", "waiting for %s");
	struct buf words = BUF_INIT;
	buf_addf(&words, fmt, who);
	/* TRANSLATORS: a note on an inbox row, next to its title ("(waiting for 孙丽)") */
	buf_addf(out, C_("inbox note", "(%s)"), words.s);
	buf_release(&words);
	return 1;
}

/* store_def_list callback: current workflows whose id or name is f->s (see engine_find_workflow). */
struct wf_find {
	const char *s;
	char *id;     /* the first found */
	int by_id;    /* it matched by id */
	int n;        /* how many matched by name */
	char *name;   /* f->id's name (for engine_standins) */
};

static int wf_find_fn(void *ctx, const struct store_def *sd)
{
	struct wf_find *f = ctx;
	if (strcmp(sd->kind, "workflow") || f->by_id)
		return 0;
	if (!strcmp(sd->id, f->s)) {
		free(f->id);
		free(f->name);
		f->id = xstrdup(sd->id);
		f->name = sd->name ? xstrdup(sd->name) : NULL;
		f->by_id = 1;
	} else if (sd->name && !strcmp(sd->name, f->s) && !f->n++) {
		f->id = xstrdup(sd->id);
		f->name = xstrdup(sd->name);
	}
	return 0;
}

int engine_find_workflow(struct engine *e, const char *s, char **id)
{
	*id = NULL;
	struct wf_find f = { s, NULL, 0, 0, NULL };
	int rc = store_def_list(e->s, 0, wf_find_fn, &f);
	free(f.name);
	if (rc < 0) {
		free(f.id);
		return eng_fail(e, rc, "%s", store_error(e->s));
	}
	if (f.by_id || f.n == 1) {
		*id = f.id;
		return 0;
	}
	free(f.id);
	if (f.n > 1)
		return eng_fail(e, ENG_REFUSED, _("several workflows are called '%s': give the id"), s);
	return eng_fail(e, ENG_REFUSED, _("no workflow '%s' is deployed"), s);
}

json_t *engine_standins(struct engine *e, const char *user, const char *today)
{
	sqlite3_stmt *st = user ? eng_q(e, "SELECT user, seq, standin, from_day, to_day, workflow FROM eng_standins"
				   " WHERE (user = ?1 OR standin = ?1) AND to_day >= ?2 ORDER BY from_day, seq",
				   "ss", user, today)
				: eng_q(e, "SELECT user, seq, standin, from_day, to_day, workflow FROM eng_standins"
				   " WHERE to_day >= ?1 ORDER BY from_day, seq", "s", today);
	if (!st)
		return NULL;
	const struct org *org = engine_org(e);
	json_t *a = json_array();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *who = (const char *)sqlite3_column_text(st, 0);
		const char *by = (const char *)sqlite3_column_text(st, 2);
		const char *wf = (const char *)sqlite3_column_text(st, 5);
		struct store_event ev;
		if (store_event_by_seq(e->s, sqlite3_column_int64(st, 1), &ev) != 1)
			continue; /* a row is made by its event: only a damaged store lacks it */
		const struct org_user *u = org ? org_user(org, who) : NULL, *s = org ? org_user(org, by) : NULL;
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", ev.uuid, "user", who, "user_name",
				      u && u->name ? u->name : who, "standin", by, "standin_name",
				      s && s->name ? s->name : by, "from", (const char *)sqlite3_column_text(st, 3), "to",
				      (const char *)sqlite3_column_text(st, 4));
		store_event_release(&ev);
		if (wf) {
			struct wf_find f = { wf, NULL, 0, 0, NULL };
			store_def_list(e->s, 1, wf_find_fn, &f);
			json_object_set_new(o, "workflow", json_string(wf));
			json_object_set_new(o, "workflow_name", json_string(f.name ? f.name : wf));
			free(f.id);
			free(f.name);
		} else {
			json_object_set_new(o, "workflow", json_null());
			json_object_set_new(o, "workflow_name", json_null());
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
