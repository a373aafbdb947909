/*
 * policy: who may handle a step — the workflow's people after its
 * policies (self-approval, separation of duties, dedupe), the pick, the
 * stand-ins, and the fallback when the policies leave a step with nobody.
 * Every way someone becomes a handler passes through eng_barred().
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
int eng_separated(struct ctx *c, const char *user, const char *step, const char **other)
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

json_t *eng_reason(const char *code, const char *user, const char *step, const char *other)
{
	json_t *r = json_pack("{s:s, s:s, s:s}", "reason", code, "user", user, "step", step);
	if (other)
		json_object_set_new(r, "other", json_string(other));
	return r;
}

void eng_reason_words(const struct ctx *c, const json_t *why, struct buf *out)
{
	eng_reason_text(why, c->in.defs->wf, c->in.defs->org, 1, out);
}

/*
 * Whether the workflow's policies let `user` handle step `s` of this
 * request, however they would come to it (assigned, picked, added as a
 * signer, transferred to, delegated to, standing in, escalated to): a
 * BAR_* (>= 0), with the reason (eng_reason; caller decrefs) in *why when
 * barred and why is not NULL, or a negative status. Self-approval first,
 * then separation of duties, then dedupe (so a person both rules keep out
 * is said to be kept out by separation, which a fallback must then
 * honour).
 */
int eng_barred(struct ctx *c, const char *user, const struct step *s, json_t **why)
{
	const struct workflow *w = c->in.defs->wf;
	if (!strcmp(user, c->in.applicant) && w->self_approval != SELF_ALLOW) {
		if (why)
			*why = eng_reason(ENG_REASON_APPLICANT, user, s->id, NULL);
		return BAR_SELF;
	}
	const char *other = NULL;
	int rc = eng_separated(c, user, s->id, &other);
	if (rc < 0)
		return rc;
	if (other) {
		if (why)
			*why = eng_reason(ENG_REASON_SEPARATION, user, s->id, other);
		return BAR_SEPARATE;
	}
	if (!w->dedupe)
		return BAR_NONE;
	char *at = NULL;
	if ((rc = approved_elsewhere(c, user, s->id, &at)) < 0)
		return rc;
	if (at && why)
		*why = eng_reason(ENG_REASON_DEDUPE, user, s->id, at);
	rc = at ? BAR_DEDUPE : BAR_NONE;
	free(at);
	return rc;
}

/*
 * Refuse making `user` a handler of step s when the policies bar them
 * (strict events only: older ones replay as they were decided).
 */
int eng_need_unbarred(struct ctx *c, const char *user, const struct step *s)
{
	if (!c->strict || !s)
		return 0;
	json_t *why = NULL;
	int rc = eng_barred(c, user, s, &why);
	if (rc > 0) {
		struct buf words = BUF_INIT;
		eng_reason_words(c, why, &words);
		rc = REFUSE(c, "%s", words.s);
		buf_release(&words);
	}
	json_decref(why);
	return rc < 0 ? rc : 0;
}

/*
 * A "reassigned" line of the trail: `user` takes step s for the reason
 * `why`. Events of rules 4 store the reason as its code and ids, worded
 * when shown (engine_show) in the reader's language, so a replay writes
 * the same row in any locale; older events stored it in words, which
 * replay writes in English, as the reasons were then shown everywhere.
 */
static int trail_reassigned(struct ctx *c, const struct step *s, const char *user, const json_t *why)
{
	char *stored;
	if (c->rules >= ENG_RULES_WORDS) {
		stored = json_dumps(why, JSON_COMPACT | JSON_SORT_KEYS);
	} else {
		struct buf b = BUF_INIT;
		eng_reason_text(why, c->in.defs->wf, c->in.defs->org, 0, &b);
		stored = buf_detach(&b);
	}
	int rc = eng_trail_add(c, s->id, "system", NULL, "reassigned", user, stored);
	free(stored);
	return rc;
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
		json_t *why = NULL;
		rc = eng_barred(c, a->user, s, &why);
		if (rc > 0) {
			free(a->user);
			a->user = a->on_behalf;
			a->on_behalf = NULL;
			rc = trail_reassigned(c, s, a->user, why);
		}
		json_decref(why);
	}
	return rc < 0 ? rc : 0;
}

/*
 * The stand-ins (代理) in force for the people in l: someone away is
 * replaced by their stand-in, acting on their behalf; a stand-in who is
 * the applicant goes through the self-approval policy again; then (today's
 * rules) every stand-in goes through the policies. Every way people are
 * made a step's handlers by the workflow ends here: its assignees (after
 * the pick) and its fallback.
 */
static int with_standins(struct ctx *c, const struct step *s, struct assign_list *l)
{
	struct standins sv;
	int rc = load_standins(c, &sv);
	if (rc < 0)
		return rc;
	assign_apply_standins(l, sv.v, sv.n, c->in.workflow, c->ev->made_at);
	standins_release(&sv);
	self_again(c, l);
	return c->strict ? standins_barred(c, s, l) : 0;
}

/* The people the previous handler may pick from, for a refusal: "陈建华 (chen.jianhua)、...". */
static void pick_choices(const struct ctx *c, const struct assign_list *l, struct buf *out)
{
	for (size_t i = 0; i < l->n; i++)
		buf_addf(out, "%s%s (%s)", i ? C_("between people", ", ") : "", eng_who_name(c, l->v[i].user),
			 l->v[i].user);
}

/*
 * The people of a people step after every policy; 0 and l filled (maybe
 * empty). When today's rules dropped someone for separation of duties,
 * *kept_out (caller decrefs) is the reason of the first of them: a step
 * left with nobody then goes to a fallback instead of passing.
 */
int eng_people(struct ctx *c, const struct step *s, struct assign_list *l, json_t **kept_out)
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
			json_t *why = NULL;
			rc = eng_barred(c, a->user, s, &why);
			if (rc == BAR_SEPARATE && !*kept_out)
				*kept_out = json_incref(why);
			drop = rc > 0;
			json_decref(why);
		} else if (!drop) {
			/* the rules these events were made by: dedupe first, then separation */
			char *at = NULL;
			const char *other = NULL;
			if (d->wf->dedupe && (rc = approved_elsewhere(c, a->user, s->id, &at)) >= 0 && at)
				drop = 1;
			free(at);
			if (!drop && rc >= 0 && (rc = eng_separated(c, a->user, s->id, &other)) >= 0 && other)
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
	const char *pick = eng_pstr(c, "pick");
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
			rc = l->n ? REFUSE(c, _("%s cannot be picked for '%s': pick one of %s"), eng_who_name(c, pick),
					   eng_step_label(c, s->id), may.s)
				  : REFUSE(c, _("%s cannot be picked for '%s': nobody may be picked there"),
					   eng_who_name(c, pick), eng_step_label(c, s->id));
			buf_release(&may);
			return rc;
		}
	}
	return with_standins(c, s, l);
}

/*
 * A step the policies left with nobody because separation of duties kept
 * someone out, for the reason `why` (say, the only seal keeper applied,
 * and the superior who stands for them approved the paired step): passing
 * it would let one person do both. It goes to the step's `fallback:`
 * people the policies allow, else to the superior of the person kept out,
 * or theirs, and so on up; the trail names who and why. Refused when
 * nobody is left. Those people then go through the stand-ins (rules 4), as
 * assignees do.
 */
int eng_fallback(struct ctx *c, const struct step *s, const json_t *why, struct assign_list *l)
{
	const struct eng_defs *d = c->in.defs;
	const char *kept_out = json_string_value(json_object_get(why, "user"));
	int rc = 0;
	if (s->nfallback) {
		struct assign_list f = ASSIGN_LIST_INIT;
		struct buf err = BUF_INIT;
		if (assign_resolve(d->org, s->fallback, s->nfallback, c->in.applicant, c->in.data, d->form, &f,
				   &err) == 0)
			for (size_t i = 0; i < f.n && rc >= 0; i++)
				if ((rc = eng_barred(c, f.v[i].user, s, NULL)) == BAR_NONE)
					list_add(l, f.v[i].user, NULL);
		buf_release(&err);
		assign_list_release(&f);
	}
	const struct org_user *u = org_user(d->org, kept_out);
	for (int hop = 0; rc >= 0 && !l->n && u && hop < 32; hop++) {
		u = org_superior(d->org, u);
		if (u && (rc = eng_barred(c, u->id, s, NULL)) == BAR_NONE)
			list_add(l, u->id, NULL);
	}
	if (rc < 0)
		return rc;
	if (!l->n) {
		struct buf words = BUF_INIT;
		eng_reason_words(c, why, &words);
		rc = REFUSE(c, _("step '%s' cannot start: %s, and nobody else may take it (name a 'fallback:' for the step)"),
			    eng_step_label(c, s->id), words.s);
		buf_release(&words);
		return rc;
	}
	/*
	 * The last person looked at may have been barred (a BAR_*): the people
	 * found are not. Rules 2 kept that answer, and wrote no trail line.
	 */
	if (c->rules >= ENG_RULES_FALLBACK)
		rc = 0;
	for (size_t i = 0; i < l->n && !rc; i++)
		rc = trail_reassigned(c, s, l->v[i].user, why);
	/* the people it falls back to may be away: their stand-ins, as for anyone assigned (rules 4) */
	if (!rc && c->rules >= ENG_RULES_FALLBACK)
		rc = with_standins(c, s, l);
	return rc;
}

