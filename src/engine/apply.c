/*
 * apply: the engine's judge — loading what an event concerns (its request,
 * its task, their definitions), the checks the action table names, and
 * dispatch to each operation's rule. The rules themselves are in
 * lifecycle.c (a request's life: start, submit, edit, withdraw, urge,
 * terminate, circulate, migrate; common opinions, stand-ins), tasks.c
 * (decisions and what people do with a task), route.c (where a request
 * goes next) and policy.c (who may handle a step).
 *
 * Each rule first validates the action against the current state and
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
#include "../util/clock.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "apply.h"

const char *eng_pstr(const struct ctx *c, const char *key)
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
	free(in->doc_number);
	free(in->resume_step);
	json_decref(in->data);
	memset(in, 0, sizeof(*in));
}

void eng_task_release(struct task *t)
{
	free(t->id);
	free(t->instance);
	free(t->step);
	free(t->assignee);
	free(t->on_behalf);
	free(t->kind);
	free(t->resumes);
	free(t->after_task);
	free(t->decision);
	memset(t, 0, sizeof(*t));
}

/* The text of each state, by the enum (states.def). */
static const char *const request_states[] = {
#define REQUEST_STATE(name, text) [REQUEST_##name] = text,
#include "states.def"
#undef REQUEST_STATE
};
static const char *const task_states[] = {
#define TASK_STATE(name, text) [TASK_##name] = text,
#include "states.def"
#undef TASK_STATE
};

const char *eng_request_state_text(enum request_state s)
{
	return (unsigned)s < REQUEST_STATE_COUNT ? request_states[s] : "?";
}

const char *eng_task_state_text(enum task_state s)
{
	return (unsigned)s < TASK_STATE_COUNT ? task_states[s] : "?";
}

/* The index of `text` among names[0..n), or -1. */
static int state_index(const char *const *names, int n, const char *text)
{
	for (int i = 0; text && i < n; i++)
		if (!strcmp(names[i], text))
			return i;
	return -1;
}

int eng_request_state_parse(const char *text, enum request_state *out)
{
	int i = state_index(request_states, REQUEST_STATE_COUNT, text);
	if (i >= 0)
		*out = (enum request_state)i;
	return i < 0 ? -1 : 0;
}

int eng_task_state_parse(const char *text, enum task_state *out)
{
	int i = state_index(task_states, TASK_STATE_COUNT, text);
	if (i >= 0)
		*out = (enum task_state)i;
	return i < 0 ? -1 : 0;
}

/* Load request `id` into c->in with its definitions; ENG_REFUSED when unknown. */
int eng_load_inst(struct ctx *c, const char *id)
{
	struct engine *e = c->e;
	sqlite3_stmt *st = eng_q(e,
				 "SELECT id, uuid, workflow, wf_hash, form_hash, org_hash, applicant, title,"
				 " state, doc_number, resume_step, data, submit_seq FROM eng_instances WHERE id = ?1",
				 "s", id);
	if (!st)
		return STORE_ERR;
	int rc = sqlite3_step(st), bad_state = 0;
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
		bad_state = eng_request_state_parse((const char *)sqlite3_column_text(st, 8), &in->state) < 0;
		if (bad_state)
			eng_fail(e, STORE_CORRUPT, _("request '%s' has an unknown state '%s'"), in->id,
				 sqlite3_column_text(st, 8) ? (const char *)sqlite3_column_text(st, 8) : "");
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
	if (bad_state)
		return STORE_CORRUPT;
	c->in.defs = eng_defs_get(e, c->in.wf_hash, c->in.form_hash, c->in.org_hash);
	if (!c->in.defs)
		return STORE_ERR;
	/* today's rules: only people of the request's organisation act on it (and the system) */
	if (c->strict && strcmp(c->ev->actor, "system") && !org_user(c->in.defs->org, c->ev->actor))
		return REFUSE(c, _("no user '%s' in the organisation"), c->ev->actor);
	return 0;
}

/* Load task `id`; ENG_REFUSED when unknown. */
int eng_load_task(struct ctx *c, const char *id, struct task *t)
{
	memset(t, 0, sizeof(*t));
	sqlite3_stmt *st = eng_q(c->e,
				 "SELECT id, instance, step, assignee, on_behalf, kind, state, resumes,"
				 " after_task, decision, extra, ord, timed_out, deadline, next_remind,"
				 " decided_seq, created_seq FROM eng_tasks WHERE id = ?1",
				 "s", id);
	if (!st)
		return STORE_ERR;
	int rc = sqlite3_step(st), bad_state = 0;
	if (rc == SQLITE_ROW) {
		t->id = eng_col(st, 0);
		t->instance = eng_col(st, 1);
		t->step = eng_col(st, 2);
		t->assignee = eng_col(st, 3);
		t->on_behalf = eng_col(st, 4);
		t->kind = eng_col(st, 5);
		bad_state = eng_task_state_parse((const char *)sqlite3_column_text(st, 6), &t->state) < 0;
		if (bad_state)
			eng_fail(c->e, STORE_CORRUPT, _("task '%s' has an unknown state '%s'"), t->id,
				 sqlite3_column_text(st, 6) ? (const char *)sqlite3_column_text(st, 6) : "");
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
	if (rc != SQLITE_ROW)
		return eng_sql_fail(c->e, rc);
	return bad_state ? STORE_CORRUPT : 0;
}

/* One line of the trail. */
int eng_trail_add(struct ctx *c, const char *step, const char *actor, const char *on_behalf,
		 const char *action, const char *detail, const char *opinion)
{
	return eng_run(c->e,
		       "INSERT INTO eng_trail (instance, seq, n, step, actor, on_behalf, action, detail,"
		       " opinion, made_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
		       "sidssssssi", c->in.id, c->ev->seq, c->ntrail++, step, actor, on_behalf, action,
		       detail, opinion, (int64_t)c->ev->made_at);
}

int eng_set_state(struct ctx *c, enum request_state state)
{
	c->in.state = state;
	return eng_run(c->e, "UPDATE eng_instances SET state = ?2, updated_seq = ?3 WHERE id = ?1", "ssi",
		       c->in.id, eng_request_state_text(state), c->ev->seq);
}

/* 1 if `user` holds role `role` in the request's organisation. */
int eng_has_role(const struct org *o, const char *user, const char *role)
{
	const struct org_user *u = org_user(o, user);
	return u && org_user_has_role(u, role);
}

int eng_is_admin(const struct org *o, const char *user)
{
	return eng_has_role(o, user, "sysadmin") || eng_has_role(o, user, "secadmin") ||
	       eng_has_role(o, user, "auditadmin");
}

int eng_need_not_admin(struct ctx *c, const struct org *o, const char *what)
{
	if (c->rules < ENG_RULES_ADMINS || !o || !eng_is_admin(o, c->ev->actor))
		return 0;
	const struct org_user *u = org_user(o, c->ev->actor);
	return REFUSE(c, _("%s is an administrator: administrators do their own work only, not '%s' (三员分立)"),
		      u && u->name ? u->name : c->ev->actor, what);
}

/* A person as messages name them: their name in the request's organisation, else the id. */
const char *eng_who_name(const struct ctx *c, const char *user)
{
	const struct org_user *u = user ? org_user(c->in.defs->org, user) : NULL;
	return u && u->name ? u->name : user ? user : "";
}

/* A step as messages name it. */
const char *eng_step_label(const struct ctx *c, const char *id)
{
	const struct step *s = id ? workflow_step(c->in.defs->wf, id) : NULL;
	return s && s->name ? s->name : id ? id : "";
}

const char *eng_request_label(const struct ctx *c)
{
	const char *id = c->in.id ? c->in.id : "", *actor = c->ev->actor;
	if (!c->in.title || !*c->in.title)
		return id;
	/* need to know: a title only to whom may read the request; others typed its id */
	if (strcmp(actor, "system") && eng_may_read(c->e, actor, id) != 1)
		return id;
	return c->in.title;
}

/* --- handlers ----------------------------------------------------------------- */

/*
 * A task closed by someone else's act (another approver of an any-one
 * step, a return, a withdrawal): refuse naming who did what, and when —
 * "handled by 王芳 at 10:02" — which is what a clerk whose action was
 * made offline needs to read. 0 when no such act is found.
 */
static int handled_by(struct ctx *c, const struct task *t)
{
	sqlite3_stmt *st = eng_q(c->e,
				 "SELECT actor, action, made_at FROM eng_trail WHERE instance = ?1 AND seq > ?2"
				 " AND actor NOT IN (?3, 'system') AND (step = ?4 OR step IS NULL) ORDER BY seq, n LIMIT 1",
				 "siss", t->instance, t->created_seq, c->ev->actor, t->step);
	if (!st)
		return STORE_ERR;
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 : eng_sql_fail(c->e, rc);
	}
	char *who = eng_col(st, 0), *action = eng_col(st, 1);
	char when[40];
	clock_format_local((time_t)sqlite3_column_int64(st, 2), when, sizeof(when));
	sqlite3_reset(st);
	/* TRANSLATORS: step, request title, who, when, what they did */
	rc = REFUSE(c, _("step '%s' of '%s' was already handled by %s at %s (%s)"), eng_step_label(c, t->step),
		    eng_request_label(c), eng_who_name(c, who), when, engine_action_label(action));
	free(who);
	free(action);
	return rc;
}

/* Load the payload's task (which the actor must hold, open) and its request. */
static int my_open_task(struct ctx *c, struct task *t, const char *verb)
{
	const char *id = eng_pstr(c, "task");
	int rc = eng_load_task(c, id, t);
	if (rc < 0)
		return rc;
	if ((rc = eng_load_inst(c, t->instance)) < 0)
		return rc;
	if (strcmp(c->ev->actor, "system") && strcmp(t->assignee, c->ev->actor))
		/* TRANSLATORS: step, request title, the person who holds it */
		return REFUSE(c, _("step '%s' of '%s' is not yours: it is assigned to %s"), eng_step_label(c, t->step),
			      eng_request_label(c), eng_who_name(c, t->assignee));
	if (t->state == TASK_DONE)
		/* TRANSLATORS: step, request title, the decision (approved) */
		return REFUSE(c, _("step '%s' of '%s' was already decided (%s)"), eng_step_label(c, t->step),
			      eng_request_label(c), engine_action_label(t->decision ? t->decision : ""));
	if (t->state == TASK_WITHDRAWN || t->state == TASK_CANCELLED) {
		if ((rc = handled_by(c, t)))
			return rc;
		/* TRANSLATORS: step, request title, what the person tried (Approve) */
		return REFUSE(c, _("step '%s' of '%s' was withdrawn: nothing to %s"), eng_step_label(c, t->step),
			      eng_request_label(c), verb);
	}
	if (t->state == TASK_WAITING)
		return REFUSE(c, _("step '%s' of '%s' is waiting for another signer first"), eng_step_label(c, t->step),
			      eng_request_label(c));
	return 0;
}

/* 1 if `user` exists in the request's organisation (else refuse). */
int eng_need_user(struct ctx *c, const char *user)
{
	if (user && org_user(c->in.defs->org, user))
		return 0;
	return REFUSE(c, _("no user '%s' in the organisation"), user ? user : "");
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
 * any task, the request), what the task is for (to decide, to read), then
 * applicant, administrator and the request's state.
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
		if ((rc = eng_load_task(c, eng_pstr(c, "task"), &c->t)) < 0 || (rc = eng_load_inst(c, c->t.instance)) < 0)
			return rc;
	} else if ((a->checks & ENG_REQUEST) && (rc = eng_load_inst(c, eng_pstr(c, "instance"))) < 0) {
		return rc;
	}
	int reading = c->t.kind && !strcmp(c->t.kind, "read");
	if ((a->checks & ENG_TO_DECIDE) && reading)
		return REFUSE(c, _("'%s' was sent to you for reading: mark it read instead"), eng_request_label(c));
	if ((a->checks & ENG_TO_READ) && !reading)
		return REFUSE(c, _("'%s' is yours to decide, not to read: approve, reject or return it"),
			      eng_request_label(c));
	int applicant = (a->checks & ENG_APPLICANT) && !strcmp(actor, c->in.applicant);
	int admin = (a->checks & ENG_SYSADMIN) && eng_has_role(c->in.defs->org, actor, "sysadmin");
	if ((a->checks & ENG_APPLICANT) && !applicant && !admin)
		return REFUSE(c, _(a->deny), eng_who_name(c, c->in.applicant), eng_request_label(c));
	if (!(a->checks & ENG_APPLICANT) && (a->checks & ENG_SYSADMIN) && !admin)
		return REFUSE(c, _(a->deny), eng_request_label(c));
	unsigned states = a->checks & ENG_STATES;
	if (states && !(states & ENG_IN(c->in.state)))
		return REFUSE(c, _(a->wrong_state), eng_request_label(c),
			      engine_state_label(eng_request_state_text(c->in.state)));
	/* 三员分立: the administrators' work is theirs alone, and nothing else is
	   (a request's creation is judged in judge_created, by its organisation) */
	if (!is_system && !(a->checks & ENG_ADMIN_OK) && a->op != ENG_OP_CREATED) {
		const struct eng_defs *d = c->in.id ? c->in.defs
				       : c->ev->def_version ? eng_defs_get(c->e, NULL, NULL, c->ev->def_version) : NULL;
		rc = eng_need_not_admin(c, d ? d->org : NULL, _(a->title));
	}
	return rc;
}

int eng_apply(struct engine *e, const struct eng_event *ev)
{
	struct ctx c = { .e = e, .ev = ev };
	c.rules = (int)json_integer_value(json_object_get(ev->p, "rules"));
	c.strict = c.rules >= ENG_RULES_STRICT;
	const struct engine_action *a = engine_action_by_type(ev->type);
	int rc = a ? checks(&c, a) : eng_fail(e, ENG_REFUSED, _("unknown event type '%s'"), ev->type);
	if (!rc && c.rules >= ENG_RULES_TEXT)
		rc = eng_check_text(&c);
	if (!rc)
		rc = rules[a->op](&c);
	if (!rc && c.in.id)
		rc = eng_run(e, "UPDATE eng_instances SET updated_seq = ?2 WHERE id = ?1", "si", c.in.id, ev->seq);
	/* a document read names its request without loading it */
	const char *req = c.in.id ? c.in.id : a && a->op == ENG_OP_DOC_READ ? eng_pstr(&c, "request") : NULL;
	free(e->applied);
	e->applied = !rc && req ? xstrdup(req) : NULL;
	eng_task_release(&c.t);
	inst_release(&c.in);
	return rc;
}

