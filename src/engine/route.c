/*
 * route: where a request goes — entering steps (people, circulation,
 * automatic actions, exclusive/inclusive/parallel routing and joins),
 * creating tasks, and deciding whether a step passed, failed or waits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../defs/assign.h"
#include "../defs/calendar.h"
#include "../defs/form.h"
#include "../defs/formdata.h"
#include "../defs/org.h"
#include "../defs/value.h"
#include "../defs/workflow.h"
#include "../store/store.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "apply.h"

/*
 * The calendar the event counts working days on: the version it recorded
 * (`calendar_version`), else the fallback (Monday to Friday). 0 or a
 * negative status when the recorded version cannot be read.
 */
int eng_event_calendar(struct ctx *c, const struct calendar **out)
{
	if (!c->cal_loaded) {
		const char *h = eng_pstr(c, "calendar_version");
		c->cal = h ? eng_cal_get(c->e, h) : NULL;
		if (h && !c->cal)
			return STORE_CORRUPT;
		c->cal_loaded = 1;
	}
	*out = c->cal;
	return 0;
}

/* Create one task as `t` describes it; its id into *id_out (caller frees) when not NULL. */
int eng_add_task(struct ctx *c, const struct new_task *t, char **id_out)
{
	const struct step *s = t->step;
	char *id = NULL;
	int rc = eng_new_id(c->e, 't', c->ev->uuid, c->ntask++, &id);
	if (rc < 0)
		return rc;
	int64_t deadline = 0, remind = 0;
	const struct calendar *cal = NULL;
	if (s && (s->deadline.amount || s->remind_every.amount) && (rc = eng_event_calendar(c, &cal)) < 0) {
		free(id);
		return rc;
	}
	if (s && s->deadline.amount && strcmp(t->kind, "read")) {
		time_t at = calendar_add(cal, c->ev->made_at, &s->deadline);
		deadline = at == (time_t)-1 ? 0 : (int64_t)at;
	}
	if (s && s->remind_every.amount) {
		time_t at = calendar_add(cal, c->ev->made_at, &s->remind_every);
		remind = at == (time_t)-1 ? 0 : (int64_t)at;
	}
	rc = eng_run(c->e,
		     "INSERT INTO eng_tasks (id, instance, step, assignee, on_behalf, kind, state, extra,"
		     " resumes, after_task, ord, deadline, next_remind, created_seq)"
		     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, nullif(?12, 0), nullif(?13, 0), ?14)",
		     "sssssssdssdiii", id, c->in.id, s ? s->id : "", t->user, t->on_behalf, t->kind, eng_task_state_text(t->state),
		     t->extra, t->resumes, t->after, t->ord, deadline, remind, c->ev->seq);
	if (id_out && !rc)
		*id_out = id;
	else
		free(id);
	return rc;
}

/* The request reached the end on one path: approved when nothing else is open. */
static int finish_path(struct ctx *c)
{
	int64_t n = 0;
	int rc = eng_int(c->e, &n,
			 "SELECT (SELECT count(*) FROM eng_active WHERE instance = ?1)"
			 " + (SELECT count(*) FROM eng_joins WHERE instance = ?1)",
			 "s", c->in.id);
	if (rc < 0)
		return rc;
	if (n > 0 || c->in.state != REQUEST_RUNNING)
		return 0;
	if ((rc = eng_set_state(c, REQUEST_APPROVED)) < 0)
		return rc;
	return eng_trail_add(c, NULL, "system", NULL, "approved", NULL, NULL);
}

/* Go on after step s (done or skipped); prev is the last people step. */
static int go_next(struct ctx *c, const struct step *s, const char *prev)
{
	const struct step *n = workflow_next(c->in.defs->wf, s);
	return n ? eng_enter(c, n, prev) : finish_path(c);
}

/* A branch target (a step id or "end"). */
static int enter_id(struct ctx *c, const char *id, const char *prev)
{
	const struct step *s = id && strcmp(id, "end") ? workflow_step(c->in.defs->wf, id) : NULL;
	return s ? eng_enter(c, s, prev) : finish_path(c);
}

/*
 * The co-handlers (协办) of a handling step. A `field:` left empty on the
 * form means no co-handler; any other spec that resolves to nobody refuses.
 */
static int co_handlers(struct ctx *c, const struct step *s, struct assign_list *co)
{
	const struct eng_defs *d = c->in.defs;
	int rc = 0;
	struct buf err = BUF_INIT;
	for (size_t i = 0; i < s->nco && !rc; i++) {
		const struct assign *a = &s->co[i];
		if (a->kind == A_FIELD) {
			json_t *v = json_object_get(c->in.data, a->ref);
			if (!v || json_is_null(v) || (json_is_array(v) && !json_array_size(v)) ||
			    (json_is_string(v) && !*json_string_value(v)))
				continue;
		}
		struct assign_list one = ASSIGN_LIST_INIT;
		buf_reset(&err);
		if (assign_resolve(d->org, a, 1, c->in.applicant, c->in.data, d->form, &one, &err) < 0)
			rc = REFUSE(c, _("step '%s' cannot start: %s"), s->name ? s->name : s->id, err.s);
		for (size_t k = 0; k < one.n && !rc; k++) {
			size_t j;
			for (j = 0; j < co->n && strcmp(co->v[j].user, one.v[k].user); j++)
				;
			if (j == co->n) {
				ALLOC_GROW(co->v, co->n + 1, co->alloc);
				co->v[co->n++] = one.v[k];
				one.v[k].user = one.v[k].on_behalf = NULL;
			}
		}
		assign_list_release(&one);
	}
	buf_release(&err);
	return rc;
}

/* Start a people step: approval or handling. */
static int start_people(struct ctx *c, const struct step *s, const char *prev)
{
	const struct eng_defs *d = c->in.defs;
	struct assign_list l = ASSIGN_LIST_INIT;
	int rc = 0;
	if (s->type == STEP_HANDLING) {
		struct buf err = BUF_INIT;
		if (s->lead &&
		    assign_resolve(d->org, s->lead, 1, c->in.applicant, c->in.data, d->form, &l, &err) < 0) {
			rc = REFUSE(c, _("step '%s' cannot start: %s"), s->name ? s->name : s->id, err.s);
			buf_release(&err);
			return rc;
		}
		buf_release(&err);
		if (l.n > 1) { /* one lead department */
			for (size_t i = 1; i < l.n; i++) {
				free(l.v[i].user);
				free(l.v[i].on_behalf);
			}
			l.n = 1;
		}
	} else {
		json_t *kept_out = NULL;
		rc = eng_people(c, s, &l, &kept_out);
		if (!rc && !l.n && kept_out)
			rc = eng_fallback(c, s, kept_out, &l);
		json_decref(kept_out);
		if (rc < 0) {
			assign_list_release(&l);
			return rc;
		}
	}
	if (!l.n) {
		assign_list_release(&l);
		if ((rc = eng_trail_add(c, s->id, "system", NULL, "skipped", NULL, NULL)) < 0)
			return rc;
		return go_next(c, s, prev);
	}
	rc = eng_run(c->e, "INSERT OR REPLACE INTO eng_active (instance, step, prev, since_seq) VALUES (?1, ?2, ?3, ?4)",
		     "sssi", c->in.id, s->id, prev, c->ev->seq);
	if (s->type == STEP_HANDLING) {
		if (!rc)
			rc = eng_add_task(c, &(struct new_task){ .step = s, .user = l.v[0].user, .on_behalf = l.v[0].on_behalf,
							  .kind = "handle_lead", .state = TASK_PENDING }, NULL);
		struct assign_list co = ASSIGN_LIST_INIT;
		if (!rc)
			rc = co_handlers(c, s, &co);
		for (size_t i = 0; i < co.n && !rc; i++)
			if (strcmp(co.v[i].user, l.v[0].user))
				rc = eng_add_task(c, &(struct new_task){ .step = s, .user = co.v[i].user,
								  .on_behalf = co.v[i].on_behalf, .kind = "handle_co",
								  .state = TASK_PENDING, .ord = (int)i + 1 }, NULL);
		assign_list_release(&co);
	} else {
		int offer = l.n > 1 && (s->mode == MODE_SINGLE || s->mode == MODE_CLAIM);
		for (size_t i = 0; i < l.n && !rc; i++) {
			enum task_state state = s->mode == MODE_SEQUENTIAL && i > 0 ? TASK_WAITING : TASK_PENDING;
			rc = eng_add_task(c, &(struct new_task){ .step = s, .user = l.v[i].user, .on_behalf = l.v[i].on_behalf,
							  .kind = offer ? "offer" : "approve", .state = state,
							  .ord = (int)i }, NULL);
		}
	}
	assign_list_release(&l);
	return rc;
}

/* Read items for a circulate step (one per person per request, however often). */
int eng_circulate_to(struct ctx *c, const struct step *s, const char *user, const char *on_behalf)
{
	int64_t x;
	int rc = eng_int(c->e, &x,
			 "SELECT 1 FROM eng_tasks WHERE instance = ?1 AND +assignee = ?2 AND kind = 'read'"
			 " AND state IN ('pending', 'done')",
			 "ss", c->in.id, user);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	return eng_add_task(c, &(struct new_task){ .step = s, .user = user, .on_behalf = on_behalf, .kind = "read",
						  .state = TASK_PENDING }, NULL);
}

/* The year (local, +08:00) of the event. */
static int event_year(struct ctx *c)
{
	time_t t = c->ev->made_at + CALENDAR_DEFAULT_OFFSET;
	struct tm tm;
	gmtime_r(&t, &tm);
	return tm.tm_year + 1900;
}

/* action: number — the next serial of the organ this year, in this very transaction. */
static int auto_number(struct ctx *c, const struct step *s)
{
	if (c->in.doc_number) /* a request is numbered once, even if it passes here again */
		return 0;
	const struct org_dept *dp = s->organ ? org_dept(c->in.defs->org, s->organ) : NULL;
	const char *code = dp && dp->code ? dp->code : s->organ ? s->organ : "";
	int year = event_year(c);
	int64_t last = 0;
	int rc = eng_int(c->e, &last, "SELECT last FROM eng_counters WHERE organ = ?1 AND year = ?2", "sd",
			 code, year);
	if (rc < 0)
		return rc;
	last++;
	if ((rc = eng_run(c->e,
			  "INSERT INTO eng_counters (organ, year, last) VALUES (?1, ?2, ?3)"
			  " ON CONFLICT (organ, year) DO UPDATE SET last = excluded.last",
			  "sdi", code, year, last)) < 0)
		return rc;
	char *num = xasprintf("%s〔%d〕%lld号", code, year, (long long)last);
	rc = eng_run(c->e, "UPDATE eng_instances SET doc_number = ?2 WHERE id = ?1", "ss", c->in.id, num);
	if (!rc)
		rc = eng_trail_add(c, s->id, "system", NULL, "numbered", num, NULL);
	free(c->in.doc_number);
	c->in.doc_number = num;
	return rc;
}

/* The applicant as conditions read them. */
static int branch_matches(struct ctx *c, const struct branch *b, int *match)
{
	*match = 0;
	if (!b->when)
		return 0;
	const struct eng_defs *d = c->in.defs;
	struct formdata_applicant who;
	int have = formdata_applicant_from_org(d->org, c->in.applicant, &who) == 0;
	struct formdata_scope sc;
	struct expr_scope scope;
	formdata_scope(&sc, d->form, c->in.data, have ? &who : NULL, &scope);
	char *err = NULL;
	if (expr_eval_bool(b->when, &scope, match, &err) < 0) {
		*match = 0; /* a run-time failure counts as false, as null does */
		free(err);
	}
	return 0;
}

/* Open a parallel / inclusive block: record the join, then start each branch. */
static int split(struct ctx *c, const struct step *s, const char *prev)
{
	const char **targets = xcalloc(s->nbranches + 1, sizeof(*targets));
	size_t n = 0;
	int rc = 0;
	for (size_t i = 0; i < s->nbranches; i++) {
		const struct branch *b = &s->branches[i];
		int m = s->type == STEP_PARALLEL;
		if (s->type == STEP_INCLUSIVE && !b->is_default)
			branch_matches(c, b, &m);
		if (m)
			targets[n++] = b->next;
	}
	if (!n)
		for (size_t i = 0; i < s->nbranches; i++)
			if (s->branches[i].is_default)
				targets[n++] = s->branches[i].next;
	if (s->join)
		rc = eng_run(c->e,
			     "INSERT OR REPLACE INTO eng_joins (instance, step, split, expected, arrived, since_seq)"
			     " VALUES (?1, ?2, ?3, ?4, 0, ?5)",
			     "sssdi", c->in.id, s->join, s->id, (int)n, c->ev->seq);
	for (size_t i = 0; i < n && !rc; i++)
		rc = enter_id(c, targets[i], prev);
	free(targets);
	return rc;
}

/* A path reached a join: go on once every branch taken has arrived. */
static int arrive(struct ctx *c, const struct step *s, const char *prev)
{
	int64_t left = 0;
	int rc = eng_int(c->e, &left, "SELECT expected - arrived - 1 FROM eng_joins WHERE instance = ?1 AND step = ?2",
			 "ss", c->in.id, s->id);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		/* the trail says which event arrived, so a take-back can undo exactly that */
		int64_t expected = 0;
		eng_int(c->e, &expected, "SELECT expected FROM eng_joins WHERE instance = ?1 AND step = ?2", "ss",
			c->in.id, s->id);
		char *detail = xasprintf("%lld/%lld", (long long)(expected - left), (long long)expected);
		rc = eng_trail_add(c, s->id, "system", NULL, "arrived", detail, NULL);
		free(detail);
		if (rc < 0)
			return rc;
		rc = 1;
	}
	if (rc == 1 && left > 0)
		return eng_run(c->e, "UPDATE eng_joins SET arrived = arrived + 1 WHERE instance = ?1 AND step = ?2",
			       "ss", c->in.id, s->id);
	if (rc == 1 && (rc = eng_run(c->e, "DELETE FROM eng_joins WHERE instance = ?1 AND step = ?2", "ss",
				     c->in.id, s->id)) < 0)
		return rc;
	return go_next(c, s, prev);
}

/* Enter step s, coming from the people step `prev` (NULL: the applicant). */
int eng_enter(struct ctx *c, const struct step *s, const char *prev)
{
	if (++c->depth > 200)
		return REFUSE(c, _("workflow '%s' loops without stopping at step '%s'"), c->in.workflow, s->id);
	int rc = eng_run(c->e,
			 "INSERT INTO eng_visited (instance, step, prev, seq) VALUES (?1, ?2, ?3, ?4)"
			 " ON CONFLICT (instance, step) DO UPDATE SET prev = excluded.prev, seq = excluded.seq",
			 "sssi", c->in.id, s->id, prev, c->ev->seq);
	if (rc < 0)
		return rc;
	switch (s->type) {
	case STEP_END:
		rc = finish_path(c);
		break;
	case STEP_EXCLUSIVE: {
		const char *target = NULL;
		for (size_t i = 0; i < s->nbranches && !target; i++) {
			int m = 0;
			branch_matches(c, &s->branches[i], &m);
			if (m)
				target = s->branches[i].next;
		}
		for (size_t i = 0; i < s->nbranches && !target; i++)
			if (s->branches[i].is_default)
				target = s->branches[i].next;
		rc = enter_id(c, target, prev);
		break;
	}
	case STEP_INCLUSIVE:
	case STEP_PARALLEL:
		rc = split(c, s, prev);
		break;
	case STEP_JOIN:
		rc = arrive(c, s, prev);
		break;
	case STEP_AUTO:
		if (s->action == AUTO_NUMBER)
			rc = auto_number(c, s);
		else if (s->action == AUTO_ARCHIVE) {
			rc = eng_run(c->e, "UPDATE eng_instances SET archived = 1 WHERE id = ?1", "s", c->in.id);
			if (!rc)
				rc = eng_trail_add(c, s->id, "system", NULL, "archived", NULL, NULL);
		}
		if (!rc)
			rc = go_next(c, s, prev);
		break;
	case STEP_CIRCULATE: {
		struct assign_list l = ASSIGN_LIST_INIT;
		struct buf err = BUF_INIT;
		const struct eng_defs *d = c->in.defs;
		if (assign_resolve(d->org, s->assigns, s->nassigns, c->in.applicant, c->in.data, d->form, &l,
				   &err) < 0)
			rc = REFUSE(c, _("step '%s' cannot start: %s"), s->name ? s->name : s->id, err.s);
		buf_release(&err);
		for (size_t i = 0; i < l.n && !rc; i++)
			rc = eng_circulate_to(c, s, l.v[i].user, l.v[i].on_behalf);
		assign_list_release(&l);
		if (!rc)
			rc = eng_trail_add(c, s->id, "system", NULL, "circulated", NULL, NULL);
		if (!rc)
			rc = go_next(c, s, prev);
		break;
	}
	case STEP_APPROVAL:
	case STEP_HANDLING:
		rc = start_people(c, s, prev);
		break;
	}
	c->depth--;
	return rc;
}

/* Close every open (non-read) task of the request, and forget where it was. */
int eng_close_all(struct ctx *c, enum task_state state)
{
	int rc = eng_run(c->e,
			 "UPDATE eng_tasks SET state = ?2 WHERE instance = ?1 AND kind != 'read'"
			 " AND state IN ('pending', 'waiting')",
			 "ss", c->in.id, eng_task_state_text(state));
	if (!rc)
		rc = eng_run(c->e, "DELETE FROM eng_active WHERE instance = ?1", "s", c->in.id);
	if (!rc)
		rc = eng_run(c->e, "DELETE FROM eng_joins WHERE instance = ?1", "s", c->in.id);
	return rc;
}

/* --- step outcome ------------------------------------------------------------- */

enum outcome { OPEN, PASS, FAIL };

/* Decide whether step `sid` passed, failed or is still open. */
static int step_outcome(struct ctx *c, const struct step *s, enum outcome *out)
{
	sqlite3_stmt *st = eng_q(c->e,
				 "SELECT kind, state, decision, extra FROM eng_tasks WHERE instance = ?1 AND step = ?2"
				 " AND kind != 'read' AND state NOT IN ('cancelled', 'withdrawn') AND created_seq >="
				 " (SELECT since_seq FROM eng_active WHERE instance = ?1 AND step = ?2)",
				 "ss", c->in.id, s->id);
	if (!st)
		return STORE_ERR;
	int n = 0, a = 0, r = 0, o = 0, xo = 0, xr = 0, lead_ok = 0, lead_no = 0, co_open = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		const char *dec = (const char *)sqlite3_column_text(st, 2);
		int extra = sqlite3_column_int(st, 3);
		enum task_state state;
		if (eng_task_state_parse((const char *)sqlite3_column_text(st, 1), &state) < 0) {
			rc = eng_fail(c->e, STORE_CORRUPT, _("a task of request '%s' has an unknown state '%s'"),
				      c->in.id, sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : "");
			break;
		}
		int open = state == TASK_PENDING || state == TASK_WAITING;
		int appr = dec && !strcmp(dec, "approve"), rej = dec && !strcmp(dec, "reject");
		if (extra == 2)
			continue; /* a delegate's advice */
		if (extra == 1) {
			xo += open;
			xr += rej;
			continue;
		}
		if (!strcmp(kind, "handle_co")) {
			co_open += open;
			continue;
		}
		if (!strcmp(kind, "handle_lead")) {
			lead_ok += appr;
			lead_no += rej;
			continue;
		}
		n++;
		a += appr;
		r += rej;
		o += open;
	}
	sqlite3_reset(st);
	if (rc == STORE_CORRUPT)
		return rc;
	if (rc != SQLITE_DONE)
		return eng_sql_fail(c->e, rc);
	int base;
	if (s->type == STEP_HANDLING) {
		base = lead_no ? FAIL : lead_ok && !co_open ? PASS : OPEN;
	} else {
		switch (s->mode) {
		case MODE_VOTE: {
			int k = s->pass_count;
			if (!k)
				k = (s->pass_percent * n + 99) / 100;
			if (k < 1)
				k = 1;
			base = a >= k ? PASS : a + o < k ? FAIL : OPEN;
			break;
		}
		case MODE_SEQUENTIAL:
		case MODE_COUNTERSIGN:
			base = r ? FAIL : o ? OPEN : PASS;
			break;
		default: /* single, claim, any: the first decision */
			base = r ? FAIL : a ? PASS : OPEN;
		}
	}
	if (base == FAIL || xr)
		*out = FAIL;
	else if (base == PASS && !xo)
		*out = PASS;
	else
		*out = OPEN;
	/* the base signers are done deciding: the rest of their tasks vanish */
	if (base == PASS && xo)
		return eng_run(c->e,
			       "UPDATE eng_tasks SET state = 'withdrawn' WHERE instance = ?1 AND step = ?2"
			       " AND extra = 0 AND kind IN ('approve', 'offer') AND state IN ('pending', 'waiting')",
			       "ss", c->in.id, s->id);
	return 0;
}

/* After a decision at step s: pass it on, fail the request, or wait. */
int eng_settle(struct ctx *c, const struct step *s)
{
	enum outcome o = OPEN;
	int rc = step_outcome(c, s, &o);
	if (rc < 0 || o == OPEN)
		return rc;
	if (o == FAIL) {
		if ((rc = eng_close_all(c, TASK_CANCELLED)) < 0 || (rc = eng_set_state(c, REQUEST_REJECTED)) < 0)
			return rc;
		return eng_trail_add(c, s->id, "system", NULL, "rejected", NULL, NULL);
	}
	if ((rc = eng_run(c->e,
			  "UPDATE eng_tasks SET state = 'withdrawn' WHERE instance = ?1 AND step = ?2"
			  " AND kind != 'read' AND state IN ('pending', 'waiting')",
			  "ss", c->in.id, s->id)) < 0)
		return rc;
	char *prev = NULL;
	(void)prev;
	if ((rc = eng_run(c->e, "DELETE FROM eng_active WHERE instance = ?1 AND step = ?2", "ss", c->in.id,
			  s->id)) < 0)
		return rc;
	return go_next(c, s, s->id);
}

