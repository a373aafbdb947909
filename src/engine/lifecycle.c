/*
 * lifecycle: a request's life as its applicant and administrators see it —
 * created (the engine judges the form and who may start), submitted,
 * edited, withdrawn, urged, terminated, circulated, migrated — and the
 * actions that concern no request: common opinions and stand-ins.
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

/*
 * The title the form makes from `data` for this request (its `title:`),
 * into out: in words that do not depend on the locale (rules 4), else as
 * older events made it.
 */
static void made_title(const struct ctx *c, const json_t *data, struct buf *out)
{
	const struct eng_defs *d = c->in.defs;
	const char *wf = d->wf->name ? d->wf->name : d->wf->id;
	if (c->rules >= ENG_RULES_WORDS)
		formdata_title(d->form, d->org, data, wf, eng_who_name(c, c->in.applicant), out);
	else
		formdata_title_in_locale(d->form, d->org, data, wf, eng_who_name(c, c->in.applicant), out);
}

/*
 * The title `data` alone gives a request: its form's `title` field when it
 * has one filled in, else the one the form's `title:` makes.
 */
static char *data_title(const struct ctx *c, const json_t *data)
{
	const char *t = json_string_value(json_object_get(data, "title"));
	if (t && *t)
		return xstrdup(t);
	struct buf made = BUF_INIT;
	made_title(c, data, &made);
	return buf_detach(&made);
}

/* The title a request gets from an event: the one given, else the one its data gives. */
static char *title_for(struct ctx *c, const json_t *data)
{
	const char *t = eng_pstr(c, "title");
	return t && *t ? xstrdup(t) : data_title(c, data);
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
	const char *wid = eng_pstr(c, "workflow");
	if (!wid || strcmp(wid, d->wf->id) || !d->wf->form || strcmp(d->wf->form, d->form->id))
		return REFUSE(c, _("version '%.12s' is not a version of workflow '%s' on form '%.12s'"), wf,
			      wid ? wid : "", form);
	const struct org_user *who = org_user(d->org, c->ev->actor);
	if (!who)
		return REFUSE(c, _("no user '%s' in the organisation"), c->ev->actor);
	if (!eng_may_start(d, c->ev->actor))
		return REFUSE(c, _("%s may not start workflow '%s'"), who->name ? who->name : who->id,
			      d->wf->name ? d->wf->name : wid);
	int rc = eng_need_not_admin(c, d->org, _(engine_action(ENG_OP_CREATED)->title));
	if (rc < 0)
		return rc;
	json_t *in = json_object_get(c->ev->p, "data");
	if (in && !json_is_object(in))
		return REFUSE(c, "%s", _("the form data must be an object"));
	json_t *empty = in ? NULL : json_object();
	rc = judge_data(c, d, c->ev->actor, in ? in : empty, data);
	json_decref(empty);
	return rc;
}

/* instance.created: a new request, saved as a draft or submitted at once. */
int ap_created(struct ctx *c)
{
	const char *wf = eng_pstr(c, "workflow_version"), *form = eng_pstr(c, "form_version"),
		   *org = eng_pstr(c, "org_version");
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
	const char *given = eng_pstr(c, "title");
	int draft = json_is_true(json_object_get(c->ev->p, "draft"));
	rc = eng_run(c->e,
		     "INSERT INTO eng_instances (id, uuid, workflow, wf_hash, form_hash, org_hash, applicant,"
		     " title, state, data, created_seq, updated_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
		     " 'draft', ?9, ?10, ?10)",
		     "sssssssssi", id, c->ev->uuid, eng_pstr(c, "workflow") ? eng_pstr(c, "workflow") : "", wf, form,
		     org, c->ev->actor, given ? given : "", text, c->ev->seq);
	free(text);
	if (!rc)
		rc = eng_load_inst(c, id);
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
		rc = eng_trail_add(c, NULL, c->ev->actor, NULL, draft ? "drafted" : "created", NULL, NULL);
	if (rc || draft)
		return rc;
	rc = eng_run(c->e, "UPDATE eng_instances SET submit_seq = ?2 WHERE id = ?1", "si", c->in.id, c->ev->seq);
	c->in.submit_seq = c->ev->seq;
	if (!rc)
		rc = eng_set_state(c, REQUEST_RUNNING);
	if (!rc)
		rc = eng_trail_add(c, NULL, c->ev->actor, NULL, "submitted", NULL, NULL);
	if (!rc && c->in.defs->wf->nsteps)
		rc = eng_enter(c, &c->in.defs->wf->steps[0], NULL);
	return rc;
}

/*
 * The payload's form data and title over the request (submit, update).
 * Under today's rules the engine judges the data against the request's own
 * form version and keeps the canonical form; a title the old data gave
 * (the form's `title` field, or what its `title:` made) follows the new
 * data (a leave changed from 2 to 3 days is not left saying 2天, a 请示
 * whose 标题 changes is called by its new 标题), one a person wrote stays.
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
	const char *title = eng_pstr(c, "title");
	char *remade = NULL;
	if (c->strict && json_is_object(data) && (!title || !*title)) {
		char *old = data_title(c, c->in.data);
		if (c->in.title && !strcmp(c->in.title, old))
			remade = data_title(c, data);
		free(old);
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
int ap_submitted(struct ctx *c)
{
	int rc = take_changes(c);
	const struct workflow *w = c->in.defs->wf;
	const struct step *start = &w->steps[0];
	const char *resume = NULL;
	if (c->in.state == REQUEST_RETURNED && w->resubmit == RESUBMIT_TO_RETURNER && c->in.resume_step &&
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
		rc = eng_set_state(c, REQUEST_RUNNING);
	if (!rc)
		rc = eng_trail_add(c, NULL, c->ev->actor, NULL, "submitted", resume, NULL);
	char *prev = NULL;
	if (!rc && resume) /* back where it was returned from, with the same previous step */
		prev = eng_str(c->e, &rc, "SELECT prev FROM eng_visited WHERE instance = ?1 AND step = ?2", "ss",
			       c->in.id, resume);
	if (!rc)
		rc = eng_enter(c, start, prev);
	free(prev);
	return rc;
}

/*
 * instance.updated: the applicant changes a draft, or a request returned
 * to them or withdrawn, without (re)submitting it: new form data (already
 * validated by the caller, as for submit) and/or a new title.
 */
int ap_updated(struct ctx *c)
{
	int rc;
	if (!json_is_object(json_object_get(c->ev->p, "data")) && !eng_pstr(c, "title"))
		return REFUSE(c, _("nothing to change in request '%s'"), eng_request_label(c));
	rc = take_changes(c);
	if (!rc)
		rc = eng_trail_add(c, NULL, c->ev->actor, NULL, "edited", NULL, NULL);
	return rc;
}

/* instance.withdrawn: 撤回, the applicant, before the first approval. */
int ap_withdrawn(struct ctx *c)
{
	int64_t x;
	int rc = eng_int(c->e, &x,
			 "SELECT 1 FROM eng_tasks WHERE instance = ?1 AND decision = 'approve' AND decided_seq >= ?2"
			 " AND kind != 'read' LIMIT 1",
			 "si", c->in.id, c->in.submit_seq);
	if (rc < 0)
		return rc;
	if (rc == 1)
		return REFUSE(c, _("request '%s' was already approved at a step: it can no longer be withdrawn"),
			      eng_request_label(c));
	if ((rc = eng_close_all(c, TASK_CANCELLED)) < 0 || (rc = eng_set_state(c, REQUEST_WITHDRAWN)) < 0)
		return rc;
	return eng_trail_add(c, NULL, c->ev->actor, NULL, "withdrawn", NULL, eng_pstr(c, "opinion"));
}

/* instance.circulated: 传阅 to more people. */
int ap_circulated(struct ctx *c)
{
	int rc;
	int64_t x;
	int part = !strcmp(c->ev->actor, c->in.applicant)
			   ? 1
			   : eng_int(c->e, &x, "SELECT 1 FROM eng_tasks WHERE instance = ?1 AND +assignee = ?2 LIMIT 1",
				     "ss", c->in.id, c->ev->actor);
	if (part < 0)
		return part;
	if (!part)
		return REFUSE(c, _("%s has no part in request '%s' and cannot circulate it"), eng_who_name(c, c->ev->actor),
			      eng_request_label(c));
	json_t *users = json_object_get(c->ev->p, "users");
	size_t i;
	json_t *u;
	if (!json_array_size(users))
		return REFUSE(c, "%s", _("name at least one person to circulate to"));
	json_array_foreach(users, i, u) {
		if ((rc = eng_need_user(c, json_string_value(u))) < 0)
			return rc;
	}
	json_array_foreach(users, i, u) {
		if ((rc = eng_circulate_to(c, NULL, json_string_value(u), NULL)) < 0)
			return rc;
		if ((rc = eng_trail_add(c, NULL, c->ev->actor, NULL, "circulated", json_string_value(u), NULL)) < 0)
			return rc;
	}
	return 0;
}

/* instance.urged: 催办 the current handlers. */
int ap_urged(struct ctx *c)
{
	int rc = eng_run(c->e, "UPDATE eng_tasks SET reminders = reminders + 1 WHERE instance = ?1"
		     " AND state = 'pending' AND kind != 'read'", "s", c->in.id);
	if (!rc)
		rc = eng_trail_add(c, NULL, c->ev->actor, NULL, "urged", NULL, eng_pstr(c, "opinion"));
	return rc;
}

/* instance.terminated: an administrator stops a request. */
int ap_terminated(struct ctx *c)
{
	int rc;
	if ((rc = eng_close_all(c, TASK_CANCELLED)) < 0 || (rc = eng_set_state(c, REQUEST_TERMINATED)) < 0)
		return rc;
	return eng_trail_add(c, NULL, c->ev->actor, NULL, "terminated", NULL, eng_pstr(c, "opinion"));
}

/* opinion.added: a common opinion (常用意见). */
int ap_opinion(struct ctx *c)
{
	const char *text = eng_pstr(c, "text");
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
int ap_standin(struct ctx *c)
{
	const char *who = eng_pstr(c, "standin"), *from = eng_pstr(c, "from"), *to = eng_pstr(c, "to");
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
	const char *wf = eng_pstr(c, "workflow");
	char *wf_hash = wf ? eng_current_hash(c->e, "workflow", wf) : NULL;
	int deployed = wf_hash != NULL;
	free(wf_hash);
	if (wf && !deployed)
		return REFUSE(c, _("no workflow '%s' is deployed"), wf);
	return eng_run(c->e,
		       "INSERT INTO eng_standins (user, standin, from_day, to_day, workflow, seq)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		       "sssssi", c->ev->actor, who, from, to, eng_pstr(c, "workflow"), c->ev->seq);
}

/*
 * standin.cancelled: the stand-in that the standin.set event `event` (its
 * UUID) named ends now — by the person who named it, or by a system
 * administrator (someone who left without cancelling). Tasks already made
 * for the stand-in stay theirs; only new tasks go to the person again.
 * An administrator may make it (ENG_ADMIN_OK), so the rule refuses anyone
 * else of the three who is not the person.
 */
int ap_standin_cancel(struct ctx *c)
{
	const char *uuid = eng_pstr(c, "event");
	const struct eng_defs *d = c->ev->def_version ? eng_defs_get(c->e, NULL, NULL, c->ev->def_version) : NULL;
	if (!d)
		return REFUSE(c, "%s", _("no organisation is deployed"));
	if (!org_user(d->org, c->ev->actor))
		return REFUSE(c, _("no user '%s' in the organisation"), c->ev->actor);
	struct store_event set;
	int64_t seq = 0;
	int rc = uuid ? store_event_by_uuid(c->e->s, uuid, &set, &seq) : 0;
	if (rc < 0)
		return eng_fail(c->e, rc, "%s", store_error(c->e->s));
	if (rc == 0 || strcmp(set.type, engine_action(ENG_OP_STANDIN_SET)->type)) {
		if (rc)
			store_event_release(&set);
		return REFUSE(c, _("no stand-in '%s'"), uuid ? uuid : "");
	}
	char *owner = xstrdup(set.actor);
	store_event_release(&set);
	int64_t there = 0;
	rc = eng_int(c->e, &there, "SELECT 1 FROM eng_standins WHERE user = ?1 AND seq = ?2", "si", owner, seq);
	if (rc == 0)
		rc = REFUSE(c, _("stand-in '%s' was cancelled already"), uuid);
	else if (rc > 0 && strcmp(owner, c->ev->actor) && !eng_has_role(d->org, c->ev->actor, "sysadmin")) {
		const struct org_user *u = org_user(d->org, owner);
		rc = REFUSE(c, _("only %s or a system administrator can cancel stand-in '%s'"),
			    u && u->name ? u->name : owner, uuid);
	}
	else if (rc > 0)
		rc = eng_run(c->e, "DELETE FROM eng_standins WHERE user = ?1 AND seq = ?2", "si", owner, seq);
	free(owner);
	return rc;
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
int ap_migrated(struct ctx *c)
{
	int rc;
	const char *to = eng_pstr(c, "workflow_version");
	json_t *map = json_object_get(c->ev->p, "map");
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
	if (!rc && c->in.resume_step && c->in.state == REQUEST_RETURNED)
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
		rc = eng_trail_add(c, NULL, c->ev->actor, NULL, "migrated", detail, NULL);
		free(detail);
	}
	return rc;
}

