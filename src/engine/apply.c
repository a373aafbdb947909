/*
 * apply: the rules — applying one event to the engine's tables.
 *
 * Each handler first validates the action against the current state and
 * refuses (ENG_REFUSED, nothing written: the caller rolls back), then
 * materialises it. Everything here is a function of the event, the tables
 * and the definitions named by version hash: no clock, no randomness.
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
#include "eng_internal.h"

/* A request as stored. */
struct inst {
	char *id, *uuid, *workflow, *wf_hash, *form_hash, *org_hash, *applicant, *title, *state;
	char *doc_number, *resume_step;
	json_t *data;          /* canonical form data */
	int64_t submit_seq;
	const struct eng_defs *defs;
};

/* A task as stored. */
struct task {
	char *id, *instance, *step, *assignee, *on_behalf, *kind, *state, *resumes, *after_task,
		*decision;
	int extra, ord, timed_out;
	int64_t deadline, next_remind, decided_seq; /* 0 = none */
	int64_t created_seq;  /* the event that made it */
};

/* What one apply call works with. */
struct ctx {
	struct engine *e;
	const struct eng_event *ev;
	struct inst in;   /* the request concerned (id NULL when none) */
	int ntask;        /* tasks created so far by this event (for their ids) */
	int ntrail;       /* trail lines written so far by this event */
	int depth;        /* routing recursion guard */
	const struct calendar *cal; /* the event's calendar (NULL: the fallback) */
	int cal_loaded;   /* cal was looked up */
	int strict;       /* judged by today's rules (ENG_RULES); older events replay as they were */
	struct task t;    /* the payload's task, when the action targets one (loaded before the rule) */
	int pick_used;    /* a step that lets the previous handler pick was entered */
};

#define REFUSE(c, ...) eng_fail((c)->e, ENG_REFUSED, __VA_ARGS__)

static const char *pstr(const struct ctx *c, const char *key)
{
	return json_string_value(json_object_get(c->ev->p, key));
}

static void inst_release(struct inst *in)
{
	free(in->id);
	free(in->uuid);
	free(in->workflow);
	free(in->wf_hash);
	free(in->form_hash);
	free(in->org_hash);
	free(in->applicant);
	free(in->title);
	free(in->state);
	free(in->doc_number);
	free(in->resume_step);
	json_decref(in->data);
	memset(in, 0, sizeof(*in));
}

static void task_release(struct task *t)
{
	free(t->id);
	free(t->instance);
	free(t->step);
	free(t->assignee);
	free(t->on_behalf);
	free(t->kind);
	free(t->state);
	free(t->resumes);
	free(t->after_task);
	free(t->decision);
	memset(t, 0, sizeof(*t));
}

/* Load request `id` into c->in with its definitions; ENG_REFUSED when unknown. */
static int load_inst(struct ctx *c, const char *id)
{
	struct engine *e = c->e;
	sqlite3_stmt *st = eng_q(e,
				 "SELECT id, uuid, workflow, wf_hash, form_hash, org_hash, applicant, title,"
				 " state, doc_number, resume_step, data, submit_seq FROM eng_instances WHERE id = ?1",
				 "s", id);
	if (!st)
		return STORE_ERR;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		struct inst *in = &c->in;
		in->id = eng_col(st, 0);
		in->uuid = eng_col(st, 1);
		in->workflow = eng_col(st, 2);
		in->wf_hash = eng_col(st, 3);
		in->form_hash = eng_col(st, 4);
		in->org_hash = eng_col(st, 5);
		in->applicant = eng_col(st, 6);
		in->title = eng_col(st, 7);
		in->state = eng_col(st, 8);
		in->doc_number = eng_col(st, 9);
		in->resume_step = eng_col(st, 10);
		json_error_t jerr;
		in->data = json_loads((const char *)sqlite3_column_text(st, 11), 0, &jerr);
		in->submit_seq = sqlite3_column_int64(st, 12);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return REFUSE(c, _("no request '%s'"), id ? id : "");
	if (rc != SQLITE_ROW)
		return eng_sql_fail(e, rc);
	c->in.defs = eng_defs_get(e, c->in.wf_hash, c->in.form_hash, c->in.org_hash);
	if (!c->in.defs)
		return STORE_ERR;
	/* today's rules: only people of the request's organisation act on it (and the system) */
	if (c->strict && strcmp(c->ev->actor, "system") && !org_user(c->in.defs->org, c->ev->actor))
		return REFUSE(c, _("no user '%s' in the organisation"), c->ev->actor);
	return 0;
}

/* Load task `id`; ENG_REFUSED when unknown. */
static int load_task(struct ctx *c, const char *id, struct task *t)
{
	memset(t, 0, sizeof(*t));
	sqlite3_stmt *st = eng_q(c->e,
				 "SELECT id, instance, step, assignee, on_behalf, kind, state, resumes,"
				 " after_task, decision, extra, ord, timed_out, deadline, next_remind,"
				 " decided_seq, created_seq FROM eng_tasks WHERE id = ?1",
				 "s", id);
	if (!st)
		return STORE_ERR;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		t->id = eng_col(st, 0);
		t->instance = eng_col(st, 1);
		t->step = eng_col(st, 2);
		t->assignee = eng_col(st, 3);
		t->on_behalf = eng_col(st, 4);
		t->kind = eng_col(st, 5);
		t->state = eng_col(st, 6);
		t->resumes = eng_col(st, 7);
		t->after_task = eng_col(st, 8);
		t->decision = eng_col(st, 9);
		t->extra = sqlite3_column_int(st, 10);
		t->ord = sqlite3_column_int(st, 11);
		t->timed_out = sqlite3_column_int(st, 12);
		t->deadline = sqlite3_column_int64(st, 13);
		t->next_remind = sqlite3_column_int64(st, 14);
		t->decided_seq = sqlite3_column_int64(st, 15);
		t->created_seq = sqlite3_column_int64(st, 16);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return REFUSE(c, _("no task '%s'"), id ? id : "");
	return rc == SQLITE_ROW ? 0 : eng_sql_fail(c->e, rc);
}

/* One line of the trail. */
static int trail(struct ctx *c, const char *step, const char *actor, const char *on_behalf,
		 const char *action, const char *detail, const char *opinion)
{
	return eng_run(c->e,
		       "INSERT INTO eng_trail (instance, seq, n, step, actor, on_behalf, action, detail,"
		       " opinion, made_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
		       "sidssssssi", c->in.id, c->ev->seq, c->ntrail++, step, actor, on_behalf, action,
		       detail, opinion, (int64_t)c->ev->made_at);
}

static int set_state(struct ctx *c, const char *state)
{
	free(c->in.state);
	c->in.state = xstrdup(state);
	return eng_run(c->e, "UPDATE eng_instances SET state = ?2, updated_seq = ?3 WHERE id = ?1", "ssi",
		       c->in.id, state, c->ev->seq);
}

/* 1 if `user` holds role `role` in the request's organisation. */
static int has_role(const struct org *o, const char *user, const char *role)
{
	const struct org_user *u = org_user(o, user);
	return u && org_user_has_role(u, role);
}

/* --- routing ---------------------------------------------------------------- */

static int enter(struct ctx *c, const struct step *s, const char *prev);

/* Stand-ins in force, as assign_apply_standins() wants them. */
struct standins {
	struct standin *v;
	char **strs;     /* owned strings */
	size_t n, nstrs;
};

static void standins_release(struct standins *s)
{
	for (size_t i = 0; i < s->nstrs; i++)
		free(s->strs[i]);
	free(s->strs);
	free(s->v);
}

/* Local midnight (+08:00) starting `date` (YYYY-MM-DD); plus `days`. */
static time_t day_start(const char *date, int days)
{
	int64_t d = 0;
	if (date_parse(date, &d) < 0)
		return 0;
	return (time_t)((d + days) * 86400 - CALENDAR_DEFAULT_OFFSET);
}

static int load_standins(struct ctx *c, struct standins *out)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = eng_q(c->e, "SELECT user, standin, from_day, to_day, workflow FROM eng_standins"
				       " ORDER BY seq", "");
	if (!st)
		return STORE_ERR;
	int rc;
	size_t alloc = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		out->strs = xrealloc(out->strs, (out->nstrs + 3) * sizeof(*out->strs));
		struct standin *s = &out->v[out->n++];
		s->user = out->strs[out->nstrs++] = eng_col(st, 0);
		s->standin = out->strs[out->nstrs++] = eng_col(st, 1);
		s->from = day_start((const char *)sqlite3_column_text(st, 2), 0);
		s->to = day_start((const char *)sqlite3_column_text(st, 3), 1);
		s->workflow = out->strs[out->nstrs++] = eng_col(st, 4);
	}
	(void)alloc;
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : eng_sql_fail(c->e, rc);
}

/*
 * The step other than `step` at which `user` approved a task of this
 * request since submission (dedupe), into *other (caller frees; NULL when
 * none). 0 or a negative status.
 */
static int approved_elsewhere(struct ctx *c, const char *user, const char *step, char **other)
{
	int rc = 0;
	*other = eng_str(c->e, &rc,
			 "SELECT step FROM eng_tasks WHERE instance = ?1 AND decided_by = ?2 AND step != ?3"
			 " AND decision = 'approve' AND decided_seq >= ?4 ORDER BY decided_seq LIMIT 1",
			 "sssi", c->in.id, user, step, c->in.submit_seq);
	return rc;
}

/* 1 if `user` acted on step `other` of this request since submission, 0 if not, or a negative status. */
static int acted_on(struct ctx *c, const char *user, const char *other)
{
	int64_t x;
	return eng_int(c->e, &x,
		       "SELECT 1 FROM eng_tasks WHERE instance = ?1 AND decided_by = ?2 AND step = ?3"
		       " AND state = 'done' AND decided_seq >= ?4 LIMIT 1",
		       "sssi", c->in.id, user, other, c->in.submit_seq);
}

/*
 * The step paired with `step` by a `separate:` policy that `user` acted on,
 * into *other (NULL when none; points into the workflow). 0 or a negative status.
 */
static int separated(struct ctx *c, const char *user, const char *step, const char **other)
{
	const struct workflow *w = c->in.defs->wf;
	*other = NULL;
	for (size_t i = 0; i < w->nseparate; i++) {
		for (int k = 0; k < 2; k++) {
			if (strcmp(w->separate[i][k], step))
				continue;
			int rc = acted_on(c, user, w->separate[i][1 - k]);
			if (rc < 0)
				return rc;
			if (rc == 1) {
				*other = w->separate[i][1 - k];
				return 0;
			}
		}
	}
	return 0;
}

/* Why the workflow's policies keep someone from handling a step. */
enum bar { BAR_NONE, BAR_SELF, BAR_SEPARATE, BAR_DEDUPE };

/* A person as messages name them: their name in the request's organisation, else the id. */
static const char *who_name(const struct ctx *c, const char *user)
{
	const struct org_user *u = user ? org_user(c->in.defs->org, user) : NULL;
	return u && u->name ? u->name : user ? user : "";
}

/* A step as messages name it. */
static const char *step_label(const struct ctx *c, const char *id)
{
	const struct step *s = id ? workflow_step(c->in.defs->wf, id) : NULL;
	return s && s->name ? s->name : id ? id : "";
}

/*
 * Whether the workflow's policies let `user` handle step `s` of this
 * request, however they would come to it (assigned, picked, added as a
 * signer, transferred to, delegated to, standing in, escalated to): a
 * BAR_* (>= 0), with the reason in words in `why` when barred, or a
 * negative status. Self-approval first, then separation of duties, then
 * dedupe (so a person both rules keep out is said to be kept out by
 * separation, which a fallback must then honour).
 */
static int barred(struct ctx *c, const char *user, const struct step *s, struct buf *why)
{
	const struct workflow *w = c->in.defs->wf;
	if (!strcmp(user, c->in.applicant) && w->self_approval != SELF_ALLOW) {
		if (why)
			buf_addf(why, _("%s is the applicant and may not handle their own request"),
				 who_name(c, user));
		return BAR_SELF;
	}
	const char *other = NULL;
	int rc = separated(c, user, s->id, &other);
	if (rc < 0)
		return rc;
	if (other) {
		if (why)
			buf_addf(why, _("%s acted on '%s' and may not also act on '%s' (separation of duties)"),
				 who_name(c, user), step_label(c, other), step_label(c, s->id));
		return BAR_SEPARATE;
	}
	if (!w->dedupe)
		return BAR_NONE;
	char *at = NULL;
	if ((rc = approved_elsewhere(c, user, s->id, &at)) < 0)
		return rc;
	if (at && why)
		buf_addf(why, _("%s already approved this request at '%s' (one approval per person)"),
			 who_name(c, user), step_label(c, at));
	rc = at ? BAR_DEDUPE : BAR_NONE;
	free(at);
	return rc;
}

/*
 * Refuse making `user` a handler of step s when the policies bar them
 * (strict events only: older ones replay as they were decided).
 */
static int need_unbarred(struct ctx *c, const char *user, const struct step *s)
{
	if (!c->strict || !s)
		return 0;
	struct buf why = BUF_INIT;
	int rc = barred(c, user, s, &why);
	if (rc > 0)
		rc = REFUSE(c, "%s", why.s);
	buf_release(&why);
	return rc < 0 ? rc : 0;
}

/*
 * The calendar the event counts working days on: the version it recorded
 * (`calendar_version`), else the fallback (Monday to Friday). 0 or a
 * negative status when the recorded version cannot be read.
 */
static int event_calendar(struct ctx *c, const struct calendar **out)
{
	if (!c->cal_loaded) {
		const char *h = pstr(c, "calendar_version");
		c->cal = h ? eng_cal_get(c->e, h) : NULL;
		if (h && !c->cal)
			return STORE_CORRUPT;
		c->cal_loaded = 1;
	}
	*out = c->cal;
	return 0;
}

/* Create one task. */
static int add_task(struct ctx *c, const struct step *s, const char *user, const char *on_behalf,
		    const char *kind, const char *state, int extra, const char *resumes,
		    const char *after, int ord, char **id_out)
{
	char *id = NULL;
	int rc = eng_new_id(c->e, 't', c->ev->uuid, c->ntask++, &id);
	if (rc < 0)
		return rc;
	int64_t deadline = 0, remind = 0;
	const struct calendar *cal = NULL;
	if (s && (s->deadline.amount || s->remind_every.amount) && (rc = event_calendar(c, &cal)) < 0) {
		free(id);
		return rc;
	}
	if (s && s->deadline.amount && strcmp(kind, "read")) {
		time_t t = calendar_add(cal, c->ev->made_at, &s->deadline);
		deadline = t == (time_t)-1 ? 0 : (int64_t)t;
	}
	if (s && s->remind_every.amount) {
		time_t t = calendar_add(cal, c->ev->made_at, &s->remind_every);
		remind = t == (time_t)-1 ? 0 : (int64_t)t;
	}
	rc = eng_run(c->e,
		     "INSERT INTO eng_tasks (id, instance, step, assignee, on_behalf, kind, state, extra,"
		     " resumes, after_task, ord, deadline, next_remind, created_seq)"
		     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, nullif(?12, 0), nullif(?13, 0), ?14)",
		     "sssssssdssdiii", id, c->in.id, s ? s->id : "", user, on_behalf, kind, state, extra,
		     resumes, after, ord, deadline, remind, c->ev->seq);
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
	if (n > 0 || strcmp(c->in.state, "running"))
		return 0;
	if ((rc = set_state(c, "approved")) < 0)
		return rc;
	return trail(c, NULL, "system", NULL, "approved", NULL, NULL);
}

/* Go on after step s (done or skipped); prev is the last people step. */
static int go_next(struct ctx *c, const struct step *s, const char *prev)
{
	const struct step *n = workflow_next(c->in.defs->wf, s);
	return n ? enter(c, n, prev) : finish_path(c);
}

/* A branch target (a step id or "end"). */
static int enter_id(struct ctx *c, const char *id, const char *prev)
{
	const struct step *s = id && strcmp(id, "end") ? workflow_step(c->in.defs->wf, id) : NULL;
	return s ? enter(c, s, prev) : finish_path(c);
}

/*
 * A stand-in who turns out to be the applicant goes through the
 * self-approval policy again (doc/ref-workflows.md): allow keeps them, skip
 * drops the task, superior hands it to the applicant's superior, still on
 * behalf of the person away. Stand-ins are not followed again from there.
 */
static void self_again(struct ctx *c, struct assign_list *l)
{
	const struct eng_defs *d = c->in.defs;
	size_t w = 0;
	for (size_t i = 0; i < l->n; i++) {
		struct assign_entry *a = &l->v[i];
		int drop = 0;
		if (a->on_behalf) {
			const char *who = assign_self_target(d->org, d->wf->self_approval, c->in.applicant, a->user);
			if (!who)
				drop = 1;
			else if (strcmp(who, a->user)) {
				char *n = xstrdup(who);
				free(a->user);
				a->user = n;
				if (!strcmp(a->on_behalf, n)) { /* back to the person away: their own task */
					free(a->on_behalf);
					a->on_behalf = NULL;
				}
			}
		}
		for (size_t j = 0; j < w && !drop; j++)
			drop = !strcmp(l->v[j].user, a->user) &&
			       ((!l->v[j].on_behalf && !a->on_behalf) ||
				(l->v[j].on_behalf && a->on_behalf && !strcmp(l->v[j].on_behalf, a->on_behalf)));
		if (drop) {
			free(a->user);
			free(a->on_behalf);
			continue;
		}
		l->v[w++] = *a;
	}
	l->n = w;
}

/* Append `user` (acting for `on_behalf`, or NULL) to l. */
static void list_add(struct assign_list *l, const char *user, const char *on_behalf)
{
	ALLOC_GROW(l->v, l->n + 1, l->alloc);
	l->v[l->n++] = (struct assign_entry){ xstrdup(user), on_behalf ? xstrdup(on_behalf) : NULL, 0 };
}

/*
 * Stand-ins go through the policies as anyone assigned does (today's rules):
 * a stand-in whom separation of duties or dedupe keeps out of this step
 * leaves the task with the person away, their own, and the trail says why,
 * rather than giving it to someone who could never decide it.
 */
static int standins_barred(struct ctx *c, const struct step *s, struct assign_list *l)
{
	int rc = 0;
	for (size_t i = 0; i < l->n && !rc; i++) {
		struct assign_entry *a = &l->v[i];
		if (!a->on_behalf)
			continue;
		struct buf why = BUF_INIT;
		rc = barred(c, a->user, s, &why);
		if (rc > 0) {
			free(a->user);
			a->user = a->on_behalf;
			a->on_behalf = NULL;
			rc = trail(c, s->id, "system", NULL, "reassigned", a->user, why.s);
		}
		buf_release(&why);
	}
	return rc < 0 ? rc : 0;
}

/* The people the previous handler may pick from, for a refusal: "陈建华 (chen.jianhua)、...". */
static void pick_choices(const struct ctx *c, const struct assign_list *l, struct buf *out)
{
	for (size_t i = 0; i < l->n; i++)
		buf_addf(out, "%s%s (%s)", i ? C_("between people", ", ") : "", who_name(c, l->v[i].user),
			 l->v[i].user);
}

/*
 * The people of a people step after every policy; 0 and l filled (maybe
 * empty). When today's rules dropped someone for separation of duties,
 * *kept_out (caller frees) names the first of them and `why` says why: a
 * step left with nobody then goes to a fallback instead of passing.
 */
static int people(struct ctx *c, const struct step *s, struct assign_list *l, char **kept_out,
		  struct buf *why)
{
	const struct eng_defs *d = c->in.defs;
	struct buf err = BUF_INIT;
	int rc = assign_resolve(d->org, s->assigns, s->nassigns, c->in.applicant, c->in.data, d->form,
				l, &err);
	if (rc < 0) {
		/* nobody to act: the action that would start the step is refused */
		rc = REFUSE(c, _("step '%s' cannot start: %s"), s->name ? s->name : s->id, err.s);
		buf_release(&err);
		return rc;
	}
	buf_release(&err);
	/* self-approval, then separation and dedupe, keeping order */
	size_t w = 0;
	for (size_t i = 0; i < l->n && rc >= 0; i++) {
		struct assign_entry *a = &l->v[i];
		const char *who = assign_self_target(d->org, d->wf->self_approval, c->in.applicant, a->user);
		int drop = !who;
		if (who && strcmp(who, a->user)) {
			for (size_t j = 0; j < w; j++)
				if (!strcmp(l->v[j].user, who))
					drop = 1;
			if (!drop) {
				free(a->user);
				a->user = xstrdup(who);
			}
		}
		if (!drop && c->strict) {
			struct buf one = BUF_INIT;
			rc = barred(c, a->user, s, &one);
			if (rc == BAR_SEPARATE && !*kept_out) {
				*kept_out = xstrdup(a->user);
				buf_adds(why, one.s);
			}
			drop = rc > 0;
			buf_release(&one);
		} else if (!drop) {
			/* the rules these events were made by: dedupe first, then separation */
			char *at = NULL;
			const char *other = NULL;
			if (d->wf->dedupe && (rc = approved_elsewhere(c, a->user, s->id, &at)) >= 0 && at)
				drop = 1;
			free(at);
			if (!drop && rc >= 0 && (rc = separated(c, a->user, s->id, &other)) >= 0 && other)
				drop = 1;
		}
		if (drop || rc < 0) {
			free(a->user);
			free(a->on_behalf);
			continue;
		}
		l->v[w++] = *a;
	}
	l->n = w;
	if (rc < 0)
		return rc;
	/* pick: the previous handler chose one of them */
	const char *pick = pstr(c, "pick");
	c->pick_used |= s->pick && pick;
	if (s->pick && pick) {
		size_t i;
		for (i = 0; i < l->n && strcmp(l->v[i].user, pick); i++)
			;
		if (i < l->n) {
			struct assign_entry keep = l->v[i];
			for (size_t j = 0; j < l->n; j++)
				if (j != i) {
					free(l->v[j].user);
					free(l->v[j].on_behalf);
				}
			l->v[0] = keep;
			l->n = 1;
		} else if (c->strict) {
			struct buf may = BUF_INIT;
			pick_choices(c, l, &may);
			rc = l->n ? REFUSE(c, _("%s cannot be picked for '%s': pick one of %s"), who_name(c, pick),
					   step_label(c, s->id), may.s)
				  : REFUSE(c, _("%s cannot be picked for '%s': nobody may be picked there"),
					   who_name(c, pick), step_label(c, s->id));
			buf_release(&may);
			return rc;
		}
	}
	struct standins sv;
	if ((rc = load_standins(c, &sv)) < 0)
		return rc;
	assign_apply_standins(l, sv.v, sv.n, c->in.workflow, c->ev->made_at);
	standins_release(&sv);
	self_again(c, l);
	return c->strict ? standins_barred(c, s, l) : 0;
}

/*
 * A step the policies left with nobody because separation of duties kept
 * out `kept_out` (say, the only seal keeper applied, and the superior who
 * stands for them approved the paired step): passing it would let one
 * person do both. It goes to the step's `fallback:` people the policies
 * allow, else to the superior of the person kept out, or theirs, and so on
 * up; the trail names who and why. Refused when nobody is left.
 */
static int fallback(struct ctx *c, const struct step *s, const char *kept_out, const char *why,
		    struct assign_list *l)
{
	const struct eng_defs *d = c->in.defs;
	int rc = 0;
	if (s->nfallback) {
		struct assign_list f = ASSIGN_LIST_INIT;
		struct buf err = BUF_INIT;
		if (assign_resolve(d->org, s->fallback, s->nfallback, c->in.applicant, c->in.data, d->form, &f,
				   &err) == 0)
			for (size_t i = 0; i < f.n && rc >= 0; i++)
				if ((rc = barred(c, f.v[i].user, s, NULL)) == BAR_NONE)
					list_add(l, f.v[i].user, NULL);
		buf_release(&err);
		assign_list_release(&f);
	}
	const struct org_user *u = org_user(d->org, kept_out);
	for (int hop = 0; rc >= 0 && !l->n && u && hop < 32; hop++) {
		u = org_superior(d->org, u);
		if (u && (rc = barred(c, u->id, s, NULL)) == BAR_NONE)
			list_add(l, u->id, NULL);
	}
	if (rc < 0)
		return rc;
	if (!l->n)
		return REFUSE(c, _("step '%s' cannot start: %s, and nobody else may take it (name a 'fallback:' for the step)"),
			      step_label(c, s->id), why);
	for (size_t i = 0; i < l->n && !rc; i++)
		rc = trail(c, s->id, "system", NULL, "reassigned", l->v[i].user, why);
	return rc;
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
		char *kept_out = NULL;
		struct buf why = BUF_INIT;
		rc = people(c, s, &l, &kept_out, &why);
		if (!rc && !l.n && kept_out)
			rc = fallback(c, s, kept_out, why.s, &l);
		free(kept_out);
		buf_release(&why);
		if (rc < 0) {
			assign_list_release(&l);
			return rc;
		}
	}
	if (!l.n) {
		assign_list_release(&l);
		if ((rc = trail(c, s->id, "system", NULL, "skipped", NULL, NULL)) < 0)
			return rc;
		return go_next(c, s, prev);
	}
	rc = eng_run(c->e, "INSERT OR REPLACE INTO eng_active (instance, step, prev, since_seq) VALUES (?1, ?2, ?3, ?4)",
		     "sssi", c->in.id, s->id, prev, c->ev->seq);
	if (s->type == STEP_HANDLING) {
		if (!rc)
			rc = add_task(c, s, l.v[0].user, l.v[0].on_behalf, "handle_lead", "pending", 0, NULL,
				      NULL, 0, NULL);
		struct assign_list co = ASSIGN_LIST_INIT;
		if (!rc)
			rc = co_handlers(c, s, &co);
		for (size_t i = 0; i < co.n && !rc; i++)
			if (strcmp(co.v[i].user, l.v[0].user))
				rc = add_task(c, s, co.v[i].user, co.v[i].on_behalf, "handle_co", "pending", 0,
					      NULL, NULL, (int)i + 1, NULL);
		assign_list_release(&co);
	} else {
		int offer = l.n > 1 && (s->mode == MODE_SINGLE || s->mode == MODE_CLAIM);
		for (size_t i = 0; i < l.n && !rc; i++) {
			const char *state = s->mode == MODE_SEQUENTIAL && i > 0 ? "waiting" : "pending";
			rc = add_task(c, s, l.v[i].user, l.v[i].on_behalf, offer ? "offer" : "approve", state, 0,
				      NULL, NULL, (int)i, NULL);
		}
	}
	assign_list_release(&l);
	return rc;
}

/* Read items for a circulate step (one per person per request, however often). */
static int circulate_to(struct ctx *c, const struct step *s, const char *user, const char *on_behalf)
{
	int64_t x;
	int rc = eng_int(c->e, &x,
			 "SELECT 1 FROM eng_tasks WHERE instance = ?1 AND +assignee = ?2 AND kind = 'read'"
			 " AND state IN ('pending', 'done')",
			 "ss", c->in.id, user);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	return add_task(c, s, user, on_behalf, "read", "pending", 0, NULL, NULL, 0, NULL);
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
		rc = trail(c, s->id, "system", NULL, "numbered", num, NULL);
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
		rc = trail(c, s->id, "system", NULL, "arrived", detail, NULL);
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
static int enter(struct ctx *c, const struct step *s, const char *prev)
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
				rc = trail(c, s->id, "system", NULL, "archived", NULL, NULL);
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
			rc = circulate_to(c, s, l.v[i].user, l.v[i].on_behalf);
		assign_list_release(&l);
		if (!rc)
			rc = trail(c, s->id, "system", NULL, "circulated", NULL, NULL);
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
static int close_all(struct ctx *c, const char *state)
{
	int rc = eng_run(c->e,
			 "UPDATE eng_tasks SET state = ?2 WHERE instance = ?1 AND kind != 'read'"
			 " AND state IN ('pending', 'waiting')",
			 "ss", c->in.id, state);
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
		const char *state = (const char *)sqlite3_column_text(st, 1);
		const char *dec = (const char *)sqlite3_column_text(st, 2);
		int extra = sqlite3_column_int(st, 3);
		int open = !strcmp(state, "pending") || !strcmp(state, "waiting");
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
static int settle(struct ctx *c, const struct step *s)
{
	enum outcome o = OPEN;
	int rc = step_outcome(c, s, &o);
	if (rc < 0 || o == OPEN)
		return rc;
	if (o == FAIL) {
		if ((rc = close_all(c, "cancelled")) < 0 || (rc = set_state(c, "rejected")) < 0)
			return rc;
		return trail(c, s->id, "system", NULL, "rejected", NULL, NULL);
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

/* --- handlers ----------------------------------------------------------------- */

/* The request must be running; refuse otherwise. */
static int need_running(struct ctx *c)
{
	if (!strcmp(c->in.state, "running"))
		return 0;
	return REFUSE(c, _("request '%s' is %s, not running"), c->in.id, c->in.state);
}

/* Load the payload's task (which the actor must hold, open) and its request. */
static int my_open_task(struct ctx *c, struct task *t, const char *verb)
{
	const char *id = pstr(c, "task");
	int rc = load_task(c, id, t);
	if (rc < 0)
		return rc;
	if ((rc = load_inst(c, t->instance)) < 0)
		return rc;
	if (strcmp(c->ev->actor, "system") && strcmp(t->assignee, c->ev->actor))
		return REFUSE(c, _("task '%s' is not yours: it is assigned to '%s'"), t->id, t->assignee);
	if (!strcmp(t->state, "done"))
		return REFUSE(c, _("task '%s' was already decided (%s)"), t->id, t->decision ? t->decision : "");
	if (!strcmp(t->state, "withdrawn") || !strcmp(t->state, "cancelled"))
		return REFUSE(c, _("task '%s' was withdrawn: nothing to %s"), t->id, verb);
	if (!strcmp(t->state, "waiting"))
		return REFUSE(c, _("task '%s' is waiting for another signer first"), t->id);
	if (strcmp(t->kind, "read") && (rc = need_running(c)) < 0)
		return rc;
	return 0;
}

/* Count an opinion among the user's common opinions. */
static int use_opinion(struct ctx *c, const char *user, const char *text)
{
	if (!text || !*text || !strcmp(user, "system"))
		return 0;
	return eng_run(c->e,
		       "INSERT INTO eng_opinions (user, text, uses, last_seq) VALUES (?1, ?2, 1, ?3)"
		       " ON CONFLICT (user, text) DO UPDATE SET uses = uses + 1, last_seq = excluded.last_seq",
		       "ssi", user, text, c->ev->seq);
}

/* Record a decision on task t and move the request on. */
static int decide(struct ctx *c, struct task *t, const char *decision, const char *opinion)
{
	const struct workflow *w = c->in.defs->wf;
	const struct step *s = workflow_step(w, t->step);
	const char *actor = c->ev->actor;
	int rc = eng_run(c->e,
			 "UPDATE eng_tasks SET state = 'done', decision = ?2, opinion = ?3, decided_seq = ?4,"
			 " decided_by = ?5 WHERE id = ?1",
			 "sssis", t->id, decision, opinion, c->ev->seq, actor);
	if (!rc) {
		/* an approval names the revisions of the request's documents it approved */
		char *docs = !strcmp(decision, "approve")
				     ? eng_doclink_detail(json_object_get(c->ev->p, "documents"))
				     : NULL;
		rc = trail(c, t->step, actor, t->on_behalf, decision, docs, opinion);
		free(docs);
	}
	if (!rc)
		rc = use_opinion(c, actor, opinion);
	if (rc < 0 || !s)
		return rc;
	if (t->extra == 2 || (t->resumes && !strcmp(decision, "approve"))) {
		/* a delegate's advice, or a signer added before me: back to the one who waits */
		if ((rc = eng_run(c->e, "UPDATE eng_tasks SET state = 'pending' WHERE id = ?1 AND state = 'waiting'",
				  "s", t->resumes)) < 0)
			return rc;
		if (t->extra == 2)
			return 0;
	}
	if (!strcmp(t->kind, "offer")) /* claimed: the other offers vanish */
		if ((rc = eng_run(c->e,
				  "UPDATE eng_tasks SET state = 'withdrawn' WHERE instance = ?1 AND step = ?2"
				  " AND kind = 'offer' AND state = 'pending' AND id != ?3",
				  "sss", c->in.id, t->step, t->id)) < 0)
			return rc;
	if (!strcmp(decision, "approve")) {
		if ((rc = eng_run(c->e, "UPDATE eng_tasks SET state = 'pending' WHERE instance = ?2 AND after_task = ?1"
				  " AND state = 'waiting'", "ss", t->id, t->instance)) < 0)
			return rc;
		if (s->mode == MODE_SEQUENTIAL && !t->extra &&
		    (rc = eng_run(c->e,
				  "UPDATE eng_tasks SET state = 'pending' WHERE id = (SELECT id FROM eng_tasks"
				  " WHERE instance = ?1 AND step = ?2 AND state = 'waiting' AND extra = 0"
				  " AND after_task IS NULL AND resumes IS NULL ORDER BY ord LIMIT 1)",
				  "ss", c->in.id, t->step)) < 0)
			return rc;
	}
	return settle(c, s);
}

static int ap_decision(struct ctx *c, const char *decision)
{
	struct task *t = &c->t;
	int rc = 0;
	const struct step *s = workflow_step(c->in.defs->wf, t->step);
	const char *opinion = pstr(c, "opinion");
	if (!strcmp(t->kind, "read")) {
		rc = REFUSE(c, _("task '%s' is for reading: mark it read instead"), t->id);
		goto out;
	}
	if (s && s->opinion_required && (!opinion || !*opinion) && strcmp(c->ev->actor, "system")) {
		rc = REFUSE(c, _("step '%s' needs an opinion"), s->name ? s->name : s->id);
		goto out;
	}
	const char *other = NULL;
	if (s && strcmp(c->ev->actor, "system") && (rc = separated(c, c->ev->actor, s->id, &other)) < 0)
		goto out;
	if (other) {
		rc = REFUSE(c, _("'%s' acted on step '%s' and may not also act on '%s' (separation of duties)"),
			    c->ev->actor, other, s->id);
		goto out;
	}
	const char *pick = pstr(c, "pick");
	if (c->strict && pick && !org_user(c->in.defs->org, pick)) {
		rc = REFUSE(c, _("no user '%s' in the organisation"), pick);
		goto out;
	}
	if (!strcmp(t->kind, "handle_co") && strcmp(decision, "approve")) {
		rc = REFUSE(c, _("a co-handling department gives its opinion; only the lead can reject"));
		goto out;
	}
	rc = decide(c, t, decision, opinion);
	/* a choice that chose nothing is said, not ignored (the person thinks they chose) */
	if (!rc && c->strict && pick && !c->pick_used)
		rc = REFUSE(c, _("nobody is picked here: the step that comes next does not let you choose its handler"));
out:
	return rc;
}

/*
 * Form data judged against the request's definitions `d` for `applicant`:
 * the canonical data into *out (caller decrefs), or ENG_REFUSED with every
 * problem, one per line, each naming its field.
 */
static int judge_data(struct ctx *c, const struct eng_defs *d, const char *applicant, const json_t *in,
		      json_t **out)
{
	struct formdata_applicant who;
	int have = formdata_applicant_from_org(d->org, applicant, &who) == 0;
	struct formdata_errors errs = FORMDATA_ERRORS_INIT;
	int rc = 0;
	if (formdata_validate(d->form, d->org, have ? &who : NULL, in,
			      out, &errs) < 0) {
		struct buf m = BUF_INIT;
		for (size_t i = 0; i < errs.n; i++)
			buf_addf(&m, "%s%s", i ? "\n" : "", errs.v[i].msg);
		rc = REFUSE(c, "%s", m.len ? m.s : _("the form data cannot be read"));
		buf_release(&m);
	}
	formdata_errors_release(&errs);
	return rc;
}

/* The title the form makes from `data` for this request (its `title:`), into out. */
static void made_title(const struct ctx *c, const json_t *data, struct buf *out)
{
	const struct eng_defs *d = c->in.defs;
	const char *wf = d->wf->name ? d->wf->name : d->wf->id;
	formdata_title(d->form, d->org, data, wf, who_name(c, c->in.applicant), out);
}

/*
 * The title a request gets from an event: the one given, else the form's
 * `title` field, else the one the form makes from the data.
 */
static char *title_for(struct ctx *c, const json_t *data)
{
	const char *t = pstr(c, "title");
	if (!t || !*t)
		t = json_string_value(json_object_get(data, "title"));
	if (t && *t)
		return xstrdup(t);
	struct buf made = BUF_INIT;
	made_title(c, data, &made);
	return buf_detach(&made);
}

/*
 * instance.created, today's rules: the versions belong together, the actor
 * may start the workflow, and the data passes its form; the canonical data
 * and the title go into the payload the rest of ap_created reads.
 */
static int judge_created(struct ctx *c, const char *wf, const char *form, const char *org, json_t **data)
{
	const struct eng_defs *d = eng_defs_get(c->e, wf, form, org);
	if (!d) {
		char *why = xstrdup(engine_error(c->e));
		int rc = REFUSE(c, "%s", why);
		free(why);
		return rc;
	}
	const char *wid = pstr(c, "workflow");
	if (!wid || strcmp(wid, d->wf->id) || !d->wf->form || strcmp(d->wf->form, d->form->id))
		return REFUSE(c, _("version '%.12s' is not a version of workflow '%s' on form '%.12s'"), wf,
			      wid ? wid : "", form);
	if (!org_user(d->org, c->ev->actor))
		return REFUSE(c, _("no user '%s' in the organisation"), c->ev->actor);
	if (!eng_may_start(d, c->ev->actor))
		return REFUSE(c, _("'%s' may not start workflow '%s'"), c->ev->actor, d->wf->name ? d->wf->name : wid);
	json_t *in = json_object_get(c->ev->p, "data");
	if (in && !json_is_object(in))
		return REFUSE(c, "%s", _("the form data must be an object"));
	json_t *empty = in ? NULL : json_object();
	int rc = judge_data(c, d, c->ev->actor, in ? in : empty, data);
	json_decref(empty);
	return rc;
}

static int ap_approved(struct ctx *c)
{
	return ap_decision(c, "approve");
}

static int ap_rejected(struct ctx *c)
{
	return ap_decision(c, "reject");
}

/* instance.created: a new request, saved as a draft or submitted at once. */
static int ap_created(struct ctx *c)
{
	const char *wf = pstr(c, "workflow_version"), *form = pstr(c, "form_version"),
		   *org = pstr(c, "org_version");
	if (!wf || !form || !org)
		return REFUSE(c, "%s", _("a new request needs its definition versions"));
	json_t *data = NULL;
	int rc = c->strict ? judge_created(c, wf, form, org, &data) : 0;
	if (rc < 0)
		return rc;
	if (!data)
		data = json_incref(json_object_get(c->ev->p, "data"));
	char *id = NULL;
	if ((rc = eng_new_id(c->e, 'i', c->ev->uuid, 0, &id)) < 0) {
		json_decref(data);
		return rc;
	}
	char *text = data ? json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS) : xstrdup("{}");
	const char *given = pstr(c, "title");
	int draft = json_is_true(json_object_get(c->ev->p, "draft"));
	rc = eng_run(c->e,
		     "INSERT INTO eng_instances (id, uuid, workflow, wf_hash, form_hash, org_hash, applicant,"
		     " title, state, data, created_seq, updated_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
		     " 'draft', ?9, ?10, ?10)",
		     "sssssssssi", id, c->ev->uuid, pstr(c, "workflow") ? pstr(c, "workflow") : "", wf, form,
		     org, c->ev->actor, given ? given : "", text, c->ev->seq);
	free(text);
	if (!rc)
		rc = load_inst(c, id);
	free(c->e->created);
	c->e->created = id;
	if (!rc && c->strict) {
		/* today's rules: the engine names the request when its applicant did not */
		char *title = title_for(c, data);
		rc = eng_run(c->e, "UPDATE eng_instances SET title = ?2 WHERE id = ?1", "ss", c->in.id, title);
		free(c->in.title);
		c->in.title = title;
	}
	json_decref(data);
	if (!rc)
		rc = trail(c, NULL, c->ev->actor, NULL, draft ? "drafted" : "created", NULL, NULL);
	if (rc || draft)
		return rc;
	rc = eng_run(c->e, "UPDATE eng_instances SET submit_seq = ?2 WHERE id = ?1", "si", c->in.id, c->ev->seq);
	c->in.submit_seq = c->ev->seq;
	if (!rc)
		rc = set_state(c, "running");
	if (!rc)
		rc = trail(c, NULL, c->ev->actor, NULL, "submitted", NULL, NULL);
	if (!rc && c->in.defs->wf->nsteps)
		rc = enter(c, &c->in.defs->wf->steps[0], NULL);
	return rc;
}

/*
 * The payload's form data and title over the request (submit, update).
 * Under today's rules the engine judges the data against the request's own
 * form version and keeps the canonical form; a title the form made from
 * the old data is made again from the new (a leave changed from 2 to 3
 * days is not left saying 2天), one a person wrote stays.
 */
static int take_changes(struct ctx *c)
{
	int rc = 0;
	json_t *data = json_object_get(c->ev->p, "data"), *judged = NULL;
	if (c->strict && data && !json_is_object(data))
		return REFUSE(c, "%s", _("the form data must be an object"));
	if (c->strict && json_is_object(data)) {
		if ((rc = judge_data(c, c->in.defs, c->in.applicant, data, &judged)) < 0)
			return rc;
		data = judged;
	}
	const char *title = pstr(c, "title");
	char *remade = NULL;
	if (c->strict && json_is_object(data) && (!title || !*title)) {
		struct buf old = BUF_INIT;
		made_title(c, c->in.data, &old);
		if (c->in.title && !strcmp(c->in.title, old.s))
			remade = title_for(c, data);
		buf_release(&old);
		title = remade;
	}
	if (json_is_object(data)) {
		char *text = json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS);
		rc = eng_run(c->e, "UPDATE eng_instances SET data = ?2 WHERE id = ?1", "ss", c->in.id, text);
		free(text);
		json_decref(c->in.data);
		c->in.data = json_incref(data);
	}
	if (!rc && title && (*title || !c->strict))
		rc = eng_run(c->e, "UPDATE eng_instances SET title = ?2 WHERE id = ?1", "ss", c->in.id, title);
	free(remade);
	json_decref(judged);
	return rc;
}

/* instance.submitted: a draft, a returned or a withdrawn request goes (back) in. */
static int ap_submitted(struct ctx *c)
{
	int rc;
	if (strcmp(c->in.state, "draft") && strcmp(c->in.state, "returned") && strcmp(c->in.state, "withdrawn"))
		return REFUSE(c, _("request '%s' is %s: only a draft, returned or withdrawn request can be submitted"),
			      c->in.id, c->in.state);
	rc = take_changes(c);
	const struct workflow *w = c->in.defs->wf;
	const struct step *start = &w->steps[0];
	const char *resume = NULL;
	if (!strcmp(c->in.state, "returned") && w->resubmit == RESUBMIT_TO_RETURNER && c->in.resume_step &&
	    workflow_step(w, c->in.resume_step)) {
		start = workflow_step(w, c->in.resume_step);
		resume = start->id;
	}
	if (!rc)
		rc = eng_run(c->e, "UPDATE eng_instances SET submit_seq = ?2, resume_step = NULL WHERE id = ?1",
			     "si", c->in.id, resume ? c->in.submit_seq : c->ev->seq);
	if (!resume)
		c->in.submit_seq = c->ev->seq;
	if (!rc)
		rc = set_state(c, "running");
	if (!rc)
		rc = trail(c, NULL, c->ev->actor, NULL, "submitted", resume, NULL);
	char *prev = NULL;
	if (!rc && resume) /* back where it was returned from, with the same previous step */
		prev = eng_str(c->e, &rc, "SELECT prev FROM eng_visited WHERE instance = ?1 AND step = ?2", "ss",
			       c->in.id, resume);
	if (!rc)
		rc = enter(c, start, prev);
	free(prev);
	return rc;
}

/*
 * instance.updated: the applicant changes a draft, or a request returned
 * to them or withdrawn, without (re)submitting it: new form data (already
 * validated by the caller, as for submit) and/or a new title.
 */
static int ap_updated(struct ctx *c)
{
	int rc;
	if (strcmp(c->in.state, "draft") && strcmp(c->in.state, "returned") && strcmp(c->in.state, "withdrawn"))
		return REFUSE(c, _("request '%s' is %s: only a draft, returned or withdrawn request can be changed"),
			      c->in.id, c->in.state);
	if (!json_is_object(json_object_get(c->ev->p, "data")) && !pstr(c, "title"))
		return REFUSE(c, _("nothing to change in request '%s'"), c->in.id);
	rc = take_changes(c);
	if (!rc)
		rc = trail(c, NULL, c->ev->actor, NULL, "edited", NULL, NULL);
	return rc;
}

/* The outermost open parallel block: its split step, and since when; NULL when none. */
static char *outer_split(struct ctx *c, int64_t *since)
{
	sqlite3_stmt *st = eng_q(c->e, "SELECT split, since_seq FROM eng_joins WHERE instance = ?1"
				       " ORDER BY since_seq, step LIMIT 1", "s", c->in.id);
	char *split_id = NULL;
	if (st && sqlite3_step(st) == SQLITE_ROW) {
		split_id = eng_col(st, 0);
		*since = sqlite3_column_int64(st, 1);
	}
	if (st)
		sqlite3_reset(st);
	return split_id;
}

/*
 * 1 if step `target` lies behind step `from` on the way this request came
 * (the chain of previous people steps each visit recorded), 0 if not, or a
 * negative status.
 */
static int behind(struct ctx *c, const char *from, const char *target)
{
	char *cur = xstrdup(from);
	int rc = 0;
	for (int hop = 0; cur && hop < 256 && !rc; hop++) {
		int st = 0;
		char *prev = eng_str(c->e, &st, "SELECT prev FROM eng_visited WHERE instance = ?1 AND step = ?2",
				     "ss", c->in.id, cur);
		free(cur);
		cur = prev;
		if (st < 0)
			rc = st;
		else if (cur && !strcmp(cur, target))
			rc = 1;
	}
	free(cur);
	return rc;
}

/* instance.returned: 退回 to the previous step, the applicant, or a step the request came through. */
static int ap_returned(struct ctx *c)
{
	struct task *t = &c->t;
	int rc = 0;
	char *prev = NULL, *target_prev = NULL, *split_id = NULL;
	const struct workflow *w = c->in.defs->wf;
	const struct step *s = workflow_step(w, t->step);
	const char *to = pstr(c, "to");
	const char *opinion = pstr(c, "opinion");
	if (!s || !strcmp(t->kind, "read") || t->extra == 2) {
		rc = REFUSE(c, _("task '%s' cannot return the request"), t->id);
		goto out;
	}
	int rcp = 0;
	prev = eng_str(c->e, &rcp, "SELECT prev FROM eng_active WHERE instance = ?1 AND step = ?2", "ss",
		       c->in.id, t->step);
	const struct step *target = NULL;
	int allowed = 0;
	if (!to || !strcmp(to, "previous")) {
		allowed = s->return_to & RETURN_PREVIOUS;
		if (prev)
			target = workflow_step(w, prev);
		to = target ? target->id : "applicant";
		if (!allowed) {
			rc = REFUSE(c, _("step '%s' cannot return to the previous step"), s->id);
			goto out;
		}
	} else if (!strcmp(to, "applicant")) {
		allowed = s->return_to & RETURN_APPLICANT;
		for (size_t i = 0; i < s->nreturn_steps; i++)
			allowed |= !strcmp(s->return_steps[i], "applicant");
		if (!allowed) {
			rc = REFUSE(c, _("step '%s' cannot return to the applicant"), s->id);
			goto out;
		}
	} else {
		target = workflow_step(w, to);
		if (!target) {
			rc = REFUSE(c, _("workflow '%s' has no step '%s'"), w->id, to);
			goto out;
		}
		int64_t x;
		int seen = eng_int(c->e, &x, "SELECT 1 FROM eng_visited WHERE instance = ?1 AND step = ?2", "ss",
				   c->in.id, to);
		if (seen < 0) {
			rc = seen;
			goto out;
		}
		if (!seen || !strcmp(to, t->step)) {
			rc = REFUSE(c, _("request '%s' never visited step '%s': it cannot go back there"), c->in.id,
				    to);
			goto out;
		}
		/* a return only goes back: to a step on the way that led here, never ahead */
		if (c->strict && (rc = behind(c, t->step, to)) <= 0) {
			if (!rc)
				rc = REFUSE(c, _("'%s' is not before '%s' on this request's way: a return only goes back"),
					    step_label(c, to), step_label(c, t->step));
			goto out;
		}
		allowed = (s->return_to & RETURN_VISITED) || (prev && !strcmp(prev, to) &&
							      (s->return_to & RETURN_PREVIOUS));
		for (size_t i = 0; i < s->nreturn_steps; i++)
			allowed |= !strcmp(s->return_steps[i], to);
		if (!allowed) {
			rc = REFUSE(c, _("step '%s' cannot return to step '%s'"), s->id, to);
			goto out;
		}
	}
	if (!s->return_to && !s->nreturn_steps) {
		rc = REFUSE(c, _("step '%s' does not allow returns"), s->id);
		goto out;
	}
	/* after where to: a wrong target is said first, not after the opinion is added */
	if (s->opinion_required && (!opinion || !*opinion)) {
		rc = REFUSE(c, _("step '%s' needs an opinion"), s->name ? s->name : s->id);
		goto out;
	}
	rc = eng_run(c->e,
		     "UPDATE eng_tasks SET state = 'done', decision = 'return', opinion = ?2, decided_seq = ?3,"
		     " decided_by = ?4 WHERE id = ?1",
		     "ssis", t->id, opinion, c->ev->seq, c->ev->actor);
	if (!rc)
		rc = trail(c, t->step, c->ev->actor, t->on_behalf, "returned", to, opinion);
	if (!rc)
		rc = use_opinion(c, c->ev->actor, opinion);
	/* inside a parallel block every branch is stopped: resuming restarts the block */
	int64_t since = 0;
	split_id = outer_split(c, &since);
	if (!rc)
		rc = close_all(c, "cancelled");
	if (rc < 0)
		goto out;
	if (!target) {
		const char *resume = split_id ? split_id : t->step;
		rc = eng_run(c->e, "UPDATE eng_instances SET resume_step = ?2 WHERE id = ?1", "ss", c->in.id, resume);
		if (!rc)
			rc = set_state(c, "returned");
		goto out;
	}
	int64_t visited_seq = 0;
	eng_int(c->e, &visited_seq, "SELECT seq FROM eng_visited WHERE instance = ?1 AND step = ?2", "ss",
		c->in.id, target->id);
	if (split_id && visited_seq >= since)
		target = workflow_step(w, split_id);
	target_prev = eng_str(c->e, &rcp, "SELECT prev FROM eng_visited WHERE instance = ?1 AND step = ?2",
			      "ss", c->in.id, target->id);
	rc = enter(c, target, target_prev);
out:
	free(prev);
	free(target_prev);
	free(split_id);
	return rc;
}

/* instance.withdrawn: 撤回, the applicant, before the first approval. */
static int ap_withdrawn(struct ctx *c)
{
	int rc;
	int64_t x;
	if (eng_int(c->e, &x,
		    "SELECT 1 FROM eng_tasks WHERE instance = ?1 AND decision = 'approve' AND decided_seq >= ?2"
		    " AND kind != 'read' LIMIT 1",
		    "si", c->in.id, c->in.submit_seq) == 1)
		return REFUSE(c, _("request '%s' was already approved at a step: it can no longer be withdrawn"),
			      c->in.id);
	if ((rc = close_all(c, "cancelled")) < 0 || (rc = set_state(c, "withdrawn")) < 0)
		return rc;
	return trail(c, NULL, c->ev->actor, NULL, "withdrawn", NULL, pstr(c, "opinion"));
}

/*
 * Undo the arrivals event `seq` made at joins (trail "arrived K/N"): a join
 * still waiting counts one arrival less; a join it completed opens again
 * with N-1 arrived (its split and start recovered from the definition and
 * the visit of the split).
 */
static int undo_arrivals(struct ctx *c, int64_t seq)
{
	sqlite3_stmt *st = eng_q(c->e,
				 "SELECT step, detail FROM eng_trail WHERE instance = ?1 AND seq = ?2"
				 " AND action = 'arrived' ORDER BY n",
				 "si", c->in.id, seq);
	if (!st)
		return STORE_ERR;
	struct buf joins = BUF_INIT; /* "join\tN\n"... */
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *det = (const char *)sqlite3_column_text(st, 1);
		const char *slash = det ? strchr(det, '/') : NULL;
		buf_addf(&joins, "%s\t%s\n", (const char *)sqlite3_column_text(st, 0), slash ? slash + 1 : "0");
	}
	sqlite3_reset(st);
	rc = rc == SQLITE_DONE ? 0 : eng_sql_fail(c->e, rc);
	for (char *line = joins.s; !rc && *line;) {
		char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
		*tab = *nl = '\0';
		const char *join = line;
		int expected = atoi(tab + 1);
		line = nl + 1;
		int64_t x;
		if (eng_int(c->e, &x, "SELECT 1 FROM eng_joins WHERE instance = ?1 AND step = ?2", "ss", c->in.id,
			    join) == 1) {
			rc = eng_run(c->e, "UPDATE eng_joins SET arrived = arrived - 1 WHERE instance = ?1 AND step = ?2",
				     "ss", c->in.id, join);
			continue;
		}
		const struct workflow *w = c->in.defs->wf;
		const char *split_id = NULL;
		for (size_t i = 0; i < w->nsteps && !split_id; i++)
			if (w->steps[i].join && !strcmp(w->steps[i].join, join))
				split_id = w->steps[i].id;
		if (!split_id)
			continue;
		int64_t since = seq;
		eng_int(c->e, &since, "SELECT seq FROM eng_visited WHERE instance = ?1 AND step = ?2", "ss", c->in.id,
			split_id);
		rc = eng_run(c->e,
			     "INSERT OR REPLACE INTO eng_joins (instance, step, split, expected, arrived, since_seq)"
			     " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			     "sssddi", c->in.id, join, split_id, expected, expected - 1, since);
	}
	buf_release(&joins);
	return rc;
}

/* task.takenback: 拿回, while what came next has not acted. */
static int ap_takenback(struct ctx *c)
{
	struct task *t = &c->t;
	int rc = 0;
	if (strcmp(t->assignee, c->ev->actor) || strcmp(t->state, "done") || !t->decision ||
	    strcmp(t->decision, "approve")) {
		rc = REFUSE(c, _("task '%s' is not an approval of yours that can be taken back"), t->id);
		goto out;
	}
	if ((rc = need_running(c)) < 0)
		goto out;
	/*
	 * Only what this decision started matters: the steps it opened (other
	 * branches of a parallel block may act meanwhile). Refused once anyone
	 * acted there (decided, transferred, delegated, added a signer), or
	 * when the next sequential signer of a step still open acted.
	 */
	int64_t x, dseq = t->decided_seq, still = 0;
	eng_int(c->e, &still, "SELECT count(*) FROM eng_active WHERE instance = ?1 AND step = ?2", "ss",
		c->in.id, t->step);
	const struct step *ts = workflow_step(c->in.defs->wf, t->step);
	if (eng_int(c->e, &x,
		    "SELECT 1 FROM eng_trail WHERE instance = ?1 AND seq > ?2 AND step IN"
		    " (SELECT step FROM eng_active WHERE instance = ?1 AND since_seq = ?2 AND step != ?3) LIMIT 1",
		    "sis", c->in.id, dseq, t->step) == 1 ||
	    eng_int(c->e, &x,
		    "SELECT 1 FROM eng_tasks WHERE instance = ?1 AND created_seq = ?2 AND state = 'done'"
		    " AND kind != 'read' LIMIT 1",
		    "si", c->in.id, dseq) == 1 ||
	    (still && ts && ts->mode == MODE_SEQUENTIAL &&
	     eng_int(c->e, &x,
		     "SELECT 1 FROM eng_tasks WHERE instance = ?1 AND step = ?2 AND decided_seq > ?3 LIMIT 1",
		     "ssi", c->in.id, t->step, dseq) == 1)) {
		rc = REFUSE(c, _("the next step has acted since task '%s' was decided: it can no longer be taken back"),
			    t->id);
		goto out;
	}
	/* parallel blocks: the arrivals this decision made at joins are undone */
	if ((rc = undo_arrivals(c, dseq)) < 0)
		goto out;
	if (!still) {
		/* the step was passed on: undo exactly what that decision started */
		char *prev = NULL;
		int r2;
		prev = eng_str(c->e, &r2, "SELECT prev FROM eng_visited WHERE instance = ?1 AND step = ?2", "ss",
			       c->in.id, t->step);
		rc = eng_run(c->e,
			     "UPDATE eng_tasks SET state = 'withdrawn' WHERE instance = ?1 AND created_seq = ?2"
			     " AND state IN ('pending', 'waiting')",
			     "si", c->in.id, t->decided_seq);
		if (!rc)
			rc = eng_run(c->e, "DELETE FROM eng_active WHERE instance = ?1 AND since_seq = ?2", "si",
				     c->in.id, t->decided_seq);
		if (!rc)
			rc = eng_run(c->e, "INSERT INTO eng_active (instance, step, prev, since_seq) VALUES (?1, ?2, ?3,"
				     " (SELECT min(created_seq) FROM eng_tasks WHERE instance = ?1 AND step = ?2"
				     " AND created_seq >= (SELECT seq FROM eng_visited WHERE instance = ?1 AND step = ?2)))",
				     "sss", c->in.id, t->step, prev);
		free(prev);
		/* the step's other tasks that vanished with the decision come back */
		if (!rc)
			rc = eng_run(c->e,
				     "UPDATE eng_tasks SET state = 'pending' WHERE instance = ?1 AND step = ?2"
				     " AND state = 'withdrawn' AND id != ?3 AND created_seq >="
				     " (SELECT since_seq FROM eng_active WHERE instance = ?1 AND step = ?2)",
				     "sss", c->in.id, t->step, t->id);
	} else {
		/* still at the step (sequential, countersign): the next signer waits again */
		rc = eng_run(c->e,
			     "UPDATE eng_tasks SET state = 'waiting' WHERE instance = ?1 AND step = ?2 AND state = 'pending'"
			     " AND extra = 0 AND ord > ?3 AND id != ?4 AND ?5 = 'sequential'",
			     "ssdss", c->in.id, t->step, t->ord, t->id,
			     step_mode_name(workflow_step(c->in.defs->wf, t->step)->mode));
	}
	if (!rc)
		rc = eng_run(c->e,
			     "UPDATE eng_tasks SET state = 'pending', decision = NULL, opinion = NULL, decided_seq = NULL,"
			     " decided_by = NULL WHERE id = ?1",
			     "s", t->id);
	if (!rc)
		rc = eng_run(c->e, "UPDATE eng_instances SET updated_seq = ?2 WHERE id = ?1", "si", c->in.id,
			     c->ev->seq);
	if (!rc) {
		/* the revisions whose approval (or sign-off) is withdrawn with it, as engine_act recorded them */
		char *docs = eng_doclink_detail(json_object_get(c->ev->p, "documents"));
		rc = trail(c, t->step, c->ev->actor, t->on_behalf, "taken back", docs, NULL);
		free(docs);
	}
out:
	return rc;
}

/* 1 if `user` exists in the request's organisation (else refuse). */
static int need_user(struct ctx *c, const char *user)
{
	if (user && org_user(c->in.defs->org, user))
		return 0;
	return REFUSE(c, _("no user '%s' in the organisation"), user ? user : "");
}

/* task.transferred / task.delegated / task.signer_added. */
static int ap_reassign(struct ctx *c, const char *how)
{
	struct task *t = &c->t;
	int rc = 0;
	const char *user = pstr(c, "user");
	if ((rc = need_user(c, user)) < 0)
		goto out;
	if (!strcmp(user, t->assignee)) {
		rc = REFUSE(c, _("task '%s' is already '%s''s"), t->id, user);
		goto out;
	}
	if (!strcmp(t->kind, "read")) {
		rc = REFUSE(c, _("task '%s' is for reading and cannot be passed on"), t->id);
		goto out;
	}
	const struct step *s = workflow_step(c->in.defs->wf, t->step);
	int64_t x;
	if (eng_int(c->e, &x,
		    "SELECT 1 FROM eng_tasks WHERE instance = ?1 AND step = ?2 AND assignee = ?3"
		    " AND state IN ('pending', 'waiting')",
		    "sss", c->in.id, t->step, user) == 1) {
		rc = REFUSE(c, _("'%s' already has an open task at this step"), user);
		goto out;
	}
	/* whoever becomes a handler, the policies hold: nobody is handed a task they may not decide */
	if ((rc = need_unbarred(c, user, s)) < 0)
		goto out;
	if (!strcmp(how, "transfer")) {
		rc = eng_run(c->e, "UPDATE eng_tasks SET assignee = ?2, on_behalf = NULL WHERE id = ?1", "ss", t->id,
			     user);
		if (!rc)
			rc = trail(c, t->step, c->ev->actor, t->on_behalf, "transferred", user, pstr(c, "opinion"));
	} else if (!strcmp(how, "delegate")) {
		rc = add_task(c, s, user, NULL, "approve", "pending", 2, t->id, NULL, t->ord, NULL);
		if (!rc)
			rc = eng_run(c->e, "UPDATE eng_tasks SET state = 'waiting' WHERE id = ?1", "s", t->id);
		if (!rc)
			rc = trail(c, t->step, c->ev->actor, t->on_behalf, "delegated", user, pstr(c, "opinion"));
	} else {
		const char *where = pstr(c, "where");
		if (!where || (strcmp(where, "before") && strcmp(where, "after") && strcmp(where, "parallel"))) {
			rc = REFUSE(c, "%s", _("say where to add the signer: --before, --after or --parallel"));
			goto out;
		}
		if (!strcmp(where, "before")) {
			rc = add_task(c, s, user, NULL, "approve", "pending", 1, t->id, NULL, t->ord, NULL);
			if (!rc)
				rc = eng_run(c->e, "UPDATE eng_tasks SET state = 'waiting' WHERE id = ?1", "s", t->id);
		} else if (!strcmp(where, "after")) {
			rc = add_task(c, s, user, NULL, "approve", "waiting", 1, NULL, t->id, t->ord, NULL);
		} else {
			rc = add_task(c, s, user, NULL, "approve", "pending", 1, NULL, NULL, t->ord, NULL);
		}
		if (!rc)
			rc = trail(c, t->step, c->ev->actor, t->on_behalf, "added signer", user, where);
	}
	if (!rc)
		rc = eng_run(c->e, "UPDATE eng_instances SET updated_seq = ?2 WHERE id = ?1", "si", c->in.id,
			     c->ev->seq);
out:
	return rc;
}

static int ap_transferred(struct ctx *c)
{
	return ap_reassign(c, "transfer");
}

static int ap_delegated(struct ctx *c)
{
	return ap_reassign(c, "delegate");
}

static int ap_signer_added(struct ctx *c)
{
	return ap_reassign(c, "addsign");
}

/*
 * Who may remove a signer (减签), so that 会签 means what the workflow says:
 * a signer someone added (加签) or a delegate (委派) can be removed by the
 * handler who added them; a signer the workflow itself named, only by a
 * system administrator. Never by the applicant as such. 0 or ENG_REFUSED.
 */
static int may_remove(struct ctx *c, const struct task *t)
{
	const char *actor = c->ev->actor;
	if (has_role(c->in.defs->org, actor, "sysadmin"))
		return 0;
	if (!t->extra)
		return REFUSE(c, _("%s is a signer the workflow names at '%s': only a system administrator can remove them"),
			      who_name(c, t->assignee), step_label(c, t->step));
	int rc = 0;
	char *adder = eng_str(c->e, &rc,
			      "SELECT actor FROM eng_trail WHERE instance = ?1 AND seq = ?2"
			      " AND action IN ('added signer', 'delegated') ORDER BY n LIMIT 1",
			      "si", c->in.id, t->created_seq);
	if (rc < 0)
		return rc;
	if (!adder || strcmp(adder, actor))
		rc = REFUSE(c, _("%s was added by %s: only they (or a system administrator) can remove them"),
			    who_name(c, t->assignee), who_name(c, adder ? adder : "?"));
	free(adder);
	return rc;
}

/* task.signer_removed: 减签, only a signer who has not acted. */
static int ap_signer_removed(struct ctx *c)
{
	int rc;
	const char *user = pstr(c, "user");
	int64_t x;
	if (!c->strict && strcmp(c->ev->actor, c->in.applicant) && !has_role(c->in.defs->org, c->ev->actor, "sysadmin") &&
	    eng_int(c->e, &x,
		    "SELECT 1 FROM eng_tasks t JOIN eng_active a ON a.instance = t.instance AND a.step = t.step"
		    " WHERE t.instance = ?1 AND +t.assignee = ?2 AND t.kind != 'read'",
		    "ss", c->in.id, c->ev->actor) != 1)
		return REFUSE(c, _("'%s' is not a signer of the current step of request '%s'"), c->ev->actor, c->in.id);
	struct task t;
	char *tid = NULL;
	sqlite3_stmt *st = eng_q(c->e,
				 "SELECT t.id FROM eng_tasks t JOIN eng_active a ON a.instance = t.instance AND a.step = t.step"
				 " WHERE t.instance = ?1 AND +t.assignee = ?2 AND t.kind IN ('approve', 'offer', 'handle_co')"
				 " AND t.state IN ('pending', 'waiting') ORDER BY t.created_seq LIMIT 1",
				 "ss", c->in.id, user ? user : "");
	if (!st)
		return STORE_ERR;
	if (sqlite3_step(st) == SQLITE_ROW)
		tid = eng_col(st, 0);
	sqlite3_reset(st);
	if (!tid)
		return REFUSE(c, _("'%s' has no open task at the current step of request '%s' (a signer who acted cannot be removed)"),
			      user ? user : "", c->in.id);
	rc = load_task(c, tid, &t);
	free(tid);
	if (rc < 0)
		return rc;
	if (c->strict && (rc = may_remove(c, &t)) < 0) {
		task_release(&t);
		return rc;
	}
	int64_t left = 0;
	eng_int(c->e, &left,
		"SELECT count(*) FROM eng_tasks WHERE instance = ?1 AND step = ?2 AND extra = 0 AND kind != 'read'"
		" AND state IN ('pending', 'waiting', 'done') AND id != ?3",
		"sss", c->in.id, t.step, t.id);
	if (!t.extra && !left) {
		task_release(&t);
		return REFUSE(c, _("'%s' is the last signer of step '%s' and cannot be removed"), user, t.step);
	}
	rc = eng_run(c->e, "UPDATE eng_tasks SET state = 'cancelled', decision = 'removed' WHERE id = ?1", "s", t.id);
	if (!rc && t.resumes)
		rc = eng_run(c->e, "UPDATE eng_tasks SET state = 'pending' WHERE id = ?1 AND state = 'waiting'", "s",
			     t.resumes);
	if (!rc)
		rc = eng_run(c->e, "UPDATE eng_tasks SET after_task = NULL, state = 'pending' WHERE instance = ?2"
			     " AND after_task = ?1 AND state = 'waiting'", "ss", t.id, t.instance);
	const struct step *s = workflow_step(c->in.defs->wf, t.step);
	if (!rc && s && s->mode == MODE_SEQUENTIAL && !strcmp(t.state, "pending") && !t.extra)
		rc = eng_run(c->e,
			     "UPDATE eng_tasks SET state = 'pending' WHERE id = (SELECT id FROM eng_tasks"
			     " WHERE instance = ?1 AND step = ?2 AND state = 'waiting' AND extra = 0"
			     " AND after_task IS NULL AND resumes IS NULL ORDER BY ord LIMIT 1)",
			     "ss", c->in.id, t.step);
	if (!rc)
		rc = trail(c, t.step, c->ev->actor, NULL, "removed signer", user, NULL);
	if (!rc && s)
		rc = settle(c, s);
	task_release(&t);
	return rc;
}

/* instance.circulated: 传阅 to more people. */
static int ap_circulated(struct ctx *c)
{
	int rc;
	if (!strcmp(c->in.state, "draft"))
		return REFUSE(c, _("request '%s' is a draft: submit it first"), c->in.id);
	int64_t x;
	if (strcmp(c->ev->actor, c->in.applicant) &&
	    eng_int(c->e, &x, "SELECT 1 FROM eng_tasks WHERE instance = ?1 AND +assignee = ?2 LIMIT 1", "ss",
		    c->in.id, c->ev->actor) != 1)
		return REFUSE(c, _("'%s' has no part in request '%s' and cannot circulate it"), c->ev->actor, c->in.id);
	json_t *users = json_object_get(c->ev->p, "users");
	size_t i;
	json_t *u;
	if (!json_array_size(users))
		return REFUSE(c, "%s", _("name at least one person to circulate to"));
	json_array_foreach(users, i, u) {
		if ((rc = need_user(c, json_string_value(u))) < 0)
			return rc;
	}
	json_array_foreach(users, i, u) {
		if ((rc = circulate_to(c, NULL, json_string_value(u), NULL)) < 0)
			return rc;
		if ((rc = trail(c, NULL, c->ev->actor, NULL, "circulated", json_string_value(u), NULL)) < 0)
			return rc;
	}
	return 0;
}

/* task.read: 已阅. */
static int ap_read(struct ctx *c)
{
	struct task *t = &c->t;
	int rc = 0;
	if (!rc && strcmp(t->kind, "read"))
		rc = REFUSE(c, _("task '%s' is not for reading: approve, reject or return it"), t->id);
	if (!rc)
		rc = eng_run(c->e,
			     "UPDATE eng_tasks SET state = 'done', decision = 'read', opinion = ?2, decided_seq = ?3,"
			     " decided_by = ?4 WHERE id = ?1",
			     "ssis", t->id, pstr(c, "opinion"), c->ev->seq, c->ev->actor);
	if (!rc)
		rc = trail(c, t->step, c->ev->actor, t->on_behalf, "read", NULL, pstr(c, "opinion"));
	return rc;
}

/* instance.urged: 催办 the current handlers. */
static int ap_urged(struct ctx *c)
{
	int rc = eng_run(c->e, "UPDATE eng_tasks SET reminders = reminders + 1 WHERE instance = ?1"
		     " AND state = 'pending' AND kind != 'read'", "s", c->in.id);
	if (!rc)
		rc = trail(c, NULL, c->ev->actor, NULL, "urged", NULL, pstr(c, "opinion"));
	return rc;
}

/* instance.terminated: an administrator stops a request. */
static int ap_terminated(struct ctx *c)
{
	int rc;
	if (strcmp(c->in.state, "running") && strcmp(c->in.state, "returned") && strcmp(c->in.state, "draft"))
		return REFUSE(c, _("request '%s' is already %s"), c->in.id, c->in.state);
	if ((rc = close_all(c, "cancelled")) < 0 || (rc = set_state(c, "terminated")) < 0)
		return rc;
	return trail(c, NULL, c->ev->actor, NULL, "terminated", NULL, pstr(c, "opinion"));
}

/* timer.remind / timer.timeout. */
static int ap_timer(struct ctx *c, int timeout)
{
	struct task *t = &c->t;
	int rc = 0;
	json_int_t due = json_integer_value(json_object_get(c->ev->p, "due"));
	/* a timer fires at or after its time (today's rules: nobody sends one early) */
	if (strcmp(t->state, "pending") || strcmp(c->in.state, "running") ||
	    (timeout ? (t->timed_out || t->deadline != due) : t->next_remind != due)) {
		rc = REFUSE(c, _("timer of task '%s' is no longer due"), t->id);
		goto out;
	}
	if (c->strict && (int64_t)c->ev->made_at < (int64_t)due) {
		rc = REFUSE(c, _("timer of task '%s' is not due yet"), t->id);
		goto out;
	}
	const struct step *s = workflow_step(c->in.defs->wf, t->step);
	if (!timeout) {
		int64_t next = 0;
		const struct calendar *cal = NULL;
		if (s && s->remind_every.amount && (rc = event_calendar(c, &cal)) < 0)
			goto out;
		if (s && s->remind_every.amount) {
			time_t n = (time_t)due;
			for (int i = 0; i < 10000 && n <= c->ev->made_at; i++)
				n = calendar_add(cal, n, &s->remind_every);
			next = n > c->ev->made_at ? (int64_t)n : 0;
		}
		rc = eng_run(c->e, "UPDATE eng_tasks SET reminders = reminders + 1, next_remind = nullif(?2, 0) WHERE id = ?1",
			     "si", t->id, next);
		goto out;
	}
	rc = eng_run(c->e, "UPDATE eng_tasks SET timed_out = 1 WHERE id = ?1", "s", t->id);
	enum timeout_action a = s ? s->on_timeout : TIMEOUT_NONE;
	if (rc < 0)
		goto out;
	if (a == TIMEOUT_ESCALATE) {
		const struct org_user *u = org_user(c->in.defs->org, t->assignee);
		const struct org_user *sup = u ? org_superior(c->in.defs->org, u) : NULL;
		/* up the line past anyone the policies keep from this step (today's rules) */
		for (int hop = 0; c->strict && s && sup && hop < 32; hop++) {
			int b = barred(c, sup->id, s, NULL);
			if (b < 0) {
				rc = b;
				goto out;
			}
			if (b == BAR_NONE)
				break;
			sup = org_superior(c->in.defs->org, sup);
		}
		if (sup) {
			rc = eng_run(c->e, "UPDATE eng_tasks SET assignee = ?2, on_behalf = NULL WHERE id = ?1", "ss",
				     t->id, sup->id);
			if (!rc)
				rc = trail(c, t->step, "system", NULL, "escalated", sup->id, NULL);
			goto out;
		}
		a = TIMEOUT_REMIND;
	}
	/*
	 * The system never signs off (签发): at a `document: sign` step an
	 * automatic approval (a definition lint refuses, deployed before it did)
	 * leaves the task with its signer, overdue, saying why. Only events that
	 * carry "sign_opinion" (engine_tick adds it) do so, so older events
	 * replay as they were decided.
	 */
	const char *hold = pstr(c, "sign_opinion");
	if (a == TIMEOUT_APPROVE && s && s->document == DOC_SIGN && hold && strcmp(t->kind, "read") &&
	    t->extra != 2) {
		rc = eng_run(c->e, "UPDATE eng_tasks SET reminders = reminders + 1 WHERE id = ?1", "s", t->id);
		if (!rc)
			rc = trail(c, t->step, "system", NULL, "overdue", t->assignee, hold);
		goto out;
	}
	if (a == TIMEOUT_APPROVE || a == TIMEOUT_REJECT) {
		const char *op = pstr(c, a == TIMEOUT_APPROVE ? "approve_opinion" : "reject_opinion");
		if (!strcmp(t->kind, "read") || t->extra == 2) {
			rc = 0;
			goto out;
		}
		rc = decide(c, t, a == TIMEOUT_APPROVE ? "approve" : "reject", op);
		goto out;
	}
	rc = eng_run(c->e, "UPDATE eng_tasks SET reminders = reminders + 1 WHERE id = ?1", "s", t->id);
	if (!rc)
		rc = trail(c, t->step, "system", NULL, "overdue", t->assignee, NULL);
out:
	return rc;
}

static int ap_remind(struct ctx *c)
{
	return ap_timer(c, 0);
}

static int ap_timeout(struct ctx *c)
{
	return ap_timer(c, 1);
}

/* opinion.added: a common opinion (常用意见). */
static int ap_opinion(struct ctx *c)
{
	const char *text = pstr(c, "text");
	if (!text || !*text)
		return REFUSE(c, "%s", _("an opinion cannot be empty"));
	if (c->strict) {
		const struct eng_defs *d = c->ev->def_version ? eng_defs_get(c->e, NULL, NULL, c->ev->def_version) : NULL;
		if (!d || !org_user(d->org, c->ev->actor))
			return REFUSE(c, _("no user '%s' in the organisation"), c->ev->actor);
	}
	return eng_run(c->e,
		       "INSERT INTO eng_opinions (user, text, uses, last_seq) VALUES (?1, ?2, 0, ?3)"
		       " ON CONFLICT (user, text) DO NOTHING",
		       "ssi", c->ev->actor, text, c->ev->seq);
}

/* standin.set: 代理 — `standin` acts for the actor between two dates. */
static int ap_standin(struct ctx *c)
{
	const char *who = pstr(c, "standin"), *from = pstr(c, "from"), *to = pstr(c, "to");
	const char *org = c->ev->def_version;
	const struct eng_defs *d = org ? eng_defs_get(c->e, NULL, NULL, org) : NULL;
	if (!d)
		return REFUSE(c, "%s", _("no organisation is deployed"));
	if (c->strict && !org_user(d->org, c->ev->actor))
		return REFUSE(c, _("no user '%s' in the organisation"), c->ev->actor);
	if (!who || !org_user(d->org, who))
		return REFUSE(c, _("no user '%s' in the organisation"), who ? who : "");
	if (!strcmp(who, c->ev->actor))
		return REFUSE(c, "%s", _("a stand-in must be someone else"));
	int64_t a, b;
	if (!from || date_parse(from, &a) < 0)
		return REFUSE(c, _("the first day away '%s' is not a date (YYYY-MM-DD)"), from ? from : "");
	if (!to || date_parse(to, &b) < 0)
		return REFUSE(c, _("the last day away '%s' is not a date (YYYY-MM-DD)"), to ? to : "");
	if (b < a)
		return REFUSE(c, _("the absence ends (%s) before it starts (%s)"), to, from);
	const char *wf = pstr(c, "workflow");
	char *wf_hash = wf ? eng_current_hash(c->e, "workflow", wf) : NULL;
	int deployed = wf_hash != NULL;
	free(wf_hash);
	if (wf && !deployed)
		return REFUSE(c, _("no workflow '%s' is deployed"), wf);
	return eng_run(c->e,
		       "INSERT INTO eng_standins (user, standin, from_day, to_day, workflow, seq)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		       "sssssi", c->ev->actor, who, from, to, pstr(c, "workflow"), c->ev->seq);
}

/* The new step for `old` by the payload's map, or NULL. */
static const char *mapped(struct ctx *c, const char *old)
{
	return old ? json_string_value(json_object_get(json_object_get(c->ev->p, "map"), old)) : NULL;
}

/* A step `old` the request depends on must be mapped to a step of type one of `types` in w. */
static int need_mapped(struct ctx *c, const struct workflow *w, const char *old, const char *what,
		       const enum step_type *types, size_t ntypes)
{
	const char *to = mapped(c, old);
	if (!to)
		return REFUSE(c, _("%s '%s' is not mapped: add --map %s=STEP"), what, old, old);
	const struct step *s = workflow_step(w, to);
	if (!s)
		return REFUSE(c, _("the new version has no step '%s' (mapped from '%s')"), to, old);
	for (size_t i = 0; i < ntypes; i++)
		if (s->type == types[i])
			return 0;
	return REFUSE(c, _("'%s' cannot take the place of %s '%s': it is a different kind of step"), to, what, old);
}

/*
 * instance.migrated: the request moves to another version of its workflow,
 * each step it depends on renamed by the payload's map (an administrator's
 * explicit plan). Form data, organisation and open tasks stay as they are.
 */
static int ap_migrated(struct ctx *c)
{
	int rc;
	const char *to = pstr(c, "workflow_version");
	json_t *map = json_object_get(c->ev->p, "map");
	if (strcmp(c->in.state, "draft") && strcmp(c->in.state, "running") && strcmp(c->in.state, "returned") &&
	    strcmp(c->in.state, "withdrawn"))
		return REFUSE(c, _("request '%s' is %s: a finished request is not migrated"), c->in.id, c->in.state);
	if (!to || !strcmp(to, c->in.wf_hash))
		return REFUSE(c, _("request '%s' is already on version '%.12s'"), c->in.id, to ? to : "");
	if (map && !json_is_object(map))
		return REFUSE(c, "%s", _("the step map must be an object"));
	const struct eng_defs *nd = eng_defs_get(c->e, to, c->in.form_hash, c->in.org_hash);
	if (!nd) {
		char *why = xstrdup(engine_error(c->e));
		rc = REFUSE(c, "%s", why);
		free(why);
		return rc;
	}
	const struct workflow *ow = c->in.defs->wf, *nw = nd->wf;
	if (strcmp(nw->id, ow->id) || !nw->form || !ow->form || strcmp(nw->form, ow->form))
		return REFUSE(c, _("version '%.12s' is not a version of workflow '%s' on form '%s'"), to, ow->id,
			      ow->form ? ow->form : "");
	const char *k;
	json_t *v;
	json_object_foreach(map, k, v) {
		if (!json_is_string(v) || !workflow_step(nw, json_string_value(v)))
			return REFUSE(c, _("the new version has no step '%s' (mapped from '%s')"),
				      json_is_string(v) ? json_string_value(v) : "", k);
	}
	/* every step the request depends on is mapped, to a step of its kind */
	static const enum step_type people_t[] = { STEP_APPROVAL, STEP_HANDLING };
	static const enum step_type join_t[] = { STEP_JOIN };
	static const enum step_type split_t[] = { STEP_PARALLEL, STEP_INCLUSIVE };
	sqlite3_stmt *st = eng_q(c->e,
				 "SELECT 'a', step, NULL FROM eng_active WHERE instance = ?1 UNION ALL"
				 " SELECT 'j', step, split FROM eng_joins WHERE instance = ?1 ORDER BY 1, 2",
				 "s", c->in.id);
	if (!st)
		return STORE_ERR;
	struct buf kinds = BUF_INIT;
	char **names = NULL;
	size_t n = 0, alloc = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ALLOC_GROW(names, n + 2, alloc);
		buf_addch(&kinds, *(const char *)sqlite3_column_text(st, 0));
		names[n++] = eng_col(st, 1);
		names[n++] = eng_col(st, 2);
	}
	sqlite3_reset(st);
	rc = rc == SQLITE_DONE ? 0 : eng_sql_fail(c->e, rc);
	for (size_t i = 0; i < kinds.len && !rc; i++) {
		if (kinds.s[i] == 'a')
			rc = need_mapped(c, nw, names[2 * i], _("active step"), people_t, 2);
		else if (!(rc = need_mapped(c, nw, names[2 * i], _("the join of an open block"), join_t, 1)))
			rc = need_mapped(c, nw, names[2 * i + 1], _("the split of an open block"), split_t, 2);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	buf_release(&kinds);
	if (!rc && c->in.resume_step && !strcmp(c->in.state, "returned"))
		rc = need_mapped(c, nw, c->in.resume_step, _("the step a resubmission resumes at"), people_t, 2);
	if (rc < 0)
		return rc;
	/* rename in two passes ('#' never starts a step id), so a swap a→b, b→a works */
	json_object_foreach(map, k, v) {
		const char *nv = json_string_value(v);
		static const char *const renames[] = {
			"UPDATE eng_tasks SET step = '#' || ?3 WHERE instance = ?1 AND step = ?2",
			"UPDATE eng_active SET step = '#' || ?3 WHERE instance = ?1 AND step = ?2",
			"UPDATE eng_active SET prev = '#' || ?3 WHERE instance = ?1 AND prev = ?2",
			"UPDATE OR REPLACE eng_visited SET step = '#' || ?3 WHERE instance = ?1 AND step = ?2",
			"UPDATE eng_visited SET prev = '#' || ?3 WHERE instance = ?1 AND prev = ?2",
			"UPDATE eng_joins SET step = '#' || ?3 WHERE instance = ?1 AND step = ?2",
			"UPDATE eng_joins SET split = '#' || ?3 WHERE instance = ?1 AND split = ?2",
			"UPDATE eng_instances SET resume_step = '#' || ?3 WHERE id = ?1 AND resume_step = ?2",
		};
		for (size_t i = 0; i < sizeof(renames) / sizeof(renames[0]) && !rc; i++)
			rc = eng_run(c->e, renames[i], "sss", c->in.id, k, nv);
		if (rc < 0)
			return rc;
	}
	static const char *const strip[] = {
		"UPDATE eng_tasks SET step = substr(step, 2) WHERE instance = ?1 AND step LIKE '#%'",
		"UPDATE eng_active SET step = substr(step, 2) WHERE instance = ?1 AND step LIKE '#%'",
		"UPDATE eng_active SET prev = substr(prev, 2) WHERE instance = ?1 AND prev LIKE '#%'",
		"UPDATE OR REPLACE eng_visited SET step = substr(step, 2) WHERE instance = ?1 AND step LIKE '#%'",
		"UPDATE eng_visited SET prev = substr(prev, 2) WHERE instance = ?1 AND prev LIKE '#%'",
		"UPDATE eng_joins SET step = substr(step, 2) WHERE instance = ?1 AND step LIKE '#%'",
		"UPDATE eng_joins SET split = substr(split, 2) WHERE instance = ?1 AND split LIKE '#%'",
		"UPDATE eng_instances SET resume_step = substr(resume_step, 2) WHERE id = ?1 AND resume_step LIKE '#%'",
	};
	for (size_t i = 0; i < sizeof(strip) / sizeof(strip[0]) && !rc; i++)
		rc = eng_run(c->e, strip[i], "s", c->in.id);
	if (!rc)
		rc = eng_run(c->e, "UPDATE eng_instances SET wf_hash = ?2 WHERE id = ?1", "ss", c->in.id, to);
	if (!rc) {
		char *detail = xasprintf("%.12s → %.12s", c->in.wf_hash, to);
		rc = trail(c, NULL, c->ev->actor, NULL, "migrated", detail, NULL);
		free(detail);
	}
	return rc;
}

/* The rule of each operation, by the action table. */
static int (*const rules[ENG_OP_COUNT])(struct ctx *) = {
#define ENG_ACTION(name, type, target, checks, apply, ...) [ENG_OP_##name] = apply,
#include "actions.def"
#undef ENG_ACTION
};

int eng_is_engine_event(const char *type)
{
	return engine_action_by_type(type) != NULL;
}

/*
 * What the action table says is checked before an action's rule: who may
 * act at all (today's rules), the target loaded (the actor's own open task,
 * any task, the request), then applicant, administrator and running.
 */
static int checks(struct ctx *c, const struct engine_action *a)
{
	const char *actor = c->ev->actor;
	int is_system = !strcmp(actor, "system"), rc = 0;
	if (c->strict && (a->checks & ENG_BY_SYSTEM) && !is_system)
		return REFUSE(c, _("only the system makes '%s' events"), a->type);
	if (c->strict && (a->checks & ENG_BY_PERSON) && is_system)
		return REFUSE(c, _("'%s' is for people: the system cannot make it"), a->type);
	if (a->checks & ENG_MY_TASK) {
		if ((rc = my_open_task(c, &c->t, _(a->title))) < 0)
			return rc;
	} else if (a->checks & ENG_ANY_TASK) {
		if ((rc = load_task(c, pstr(c, "task"), &c->t)) < 0 || (rc = load_inst(c, c->t.instance)) < 0)
			return rc;
	} else if ((a->checks & ENG_REQUEST) && (rc = load_inst(c, pstr(c, "instance"))) < 0) {
		return rc;
	}
	int applicant = (a->checks & ENG_APPLICANT) && !strcmp(actor, c->in.applicant);
	int admin = (a->checks & ENG_SYSADMIN) && has_role(c->in.defs->org, actor, "sysadmin");
	if ((a->checks & ENG_APPLICANT) && !applicant && !admin)
		return REFUSE(c, _(a->deny), c->in.applicant, c->in.id);
	if (!(a->checks & ENG_APPLICANT) && (a->checks & ENG_SYSADMIN) && !admin)
		return REFUSE(c, _(a->deny), c->in.id);
	if (a->checks & ENG_RUNNING)
		rc = need_running(c);
	return rc;
}

int eng_apply(struct engine *e, const struct eng_event *ev)
{
	struct ctx c = { .e = e, .ev = ev };
	c.strict = json_integer_value(json_object_get(ev->p, "rules")) >= ENG_RULES;
	const struct engine_action *a = engine_action_by_type(ev->type);
	int rc = a ? checks(&c, a) : eng_fail(e, ENG_REFUSED, _("unknown event type '%s'"), ev->type);
	if (!rc)
		rc = rules[a->op](&c);
	if (!rc && c.in.id)
		rc = eng_run(e, "UPDATE eng_instances SET updated_seq = ?2 WHERE id = ?1", "si", c.in.id, ev->seq);
	task_release(&c.t);
	inst_release(&c.in);
	return rc;
}
