/*
 * tasks: what people do with a task — approve, reject, return, take back,
 * transfer, delegate, add and remove signers, mark read — and the timers
 * (reminders, deadlines) that act on one.
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
		rc = eng_trail_add(c, t->step, actor, t->on_behalf, decision, docs, opinion);
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
	return eng_settle(c, s);
}

static int ap_decision(struct ctx *c, const char *decision)
{
	struct task *t = &c->t;
	int rc = 0;
	const struct step *s = workflow_step(c->in.defs->wf, t->step);
	const char *opinion = eng_pstr(c, "opinion");
	if (s && s->opinion_required && (!opinion || !*opinion) && strcmp(c->ev->actor, "system")) {
		rc = REFUSE(c, _("step '%s' needs an opinion"), s->name ? s->name : s->id);
		goto out;
	}
	const char *other = NULL;
	if (s && strcmp(c->ev->actor, "system") && (rc = eng_separated(c, c->ev->actor, s->id, &other)) < 0)
		goto out;
	if (other) {
		json_t *why = eng_reason(ENG_REASON_SEPARATION, c->ev->actor, s->id, other);
		struct buf words = BUF_INIT;
		eng_reason_words(c, why, &words);
		rc = REFUSE(c, "%s", words.s);
		buf_release(&words);
		json_decref(why);
		goto out;
	}
	/* the revisions an approval records are the engine's (engine_act): none where the step has no access */
	if (c->strict && s && s->document == DOC_NONE && json_object_get(c->ev->p, "documents")) {
		rc = REFUSE(c, _("step '%s' has no document access ('document: none'): an approval there records no documents"),
			    eng_step_label(c, s->id));
		goto out;
	}
	const char *pick = eng_pstr(c, "pick");
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
	if (!rc && c->strict && pick && !c->pick_used) {
		int64_t x;
		int open = eng_int(c->e, &x, "SELECT 1 FROM eng_active WHERE instance = ?1 AND step = ?2", "ss",
				   c->in.id, t->step);
		if (open < 0)
			rc = open;
		else if (open) /* a countersign, a vote, a signer added before: the step waits for others */
			rc = REFUSE(c, _("your decision does not complete '%s' (others there have still to decide): "
					 "only the decision that completes a step picks who handles the next one"),
				    eng_step_label(c, t->step));
		else
			rc = REFUSE(c, "%s", _("nobody is picked here: the step that comes next does not let you choose its handler"));
	}
out:
	return rc;
}

int ap_approved(struct ctx *c)
{
	return ap_decision(c, "approve");
}

int ap_rejected(struct ctx *c)
{
	return ap_decision(c, "reject");
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
int ap_returned(struct ctx *c)
{
	struct task *t = &c->t;
	int rc = 0;
	char *prev = NULL, *target_prev = NULL, *split_id = NULL;
	const struct workflow *w = c->in.defs->wf;
	const struct step *s = workflow_step(w, t->step);
	const char *to = eng_pstr(c, "to");
	const char *opinion = eng_pstr(c, "opinion");
	if (!s || t->extra == 2) {
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
					    eng_step_label(c, to), eng_step_label(c, t->step));
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
		rc = eng_trail_add(c, t->step, c->ev->actor, t->on_behalf, "returned", to, opinion);
	if (!rc)
		rc = use_opinion(c, c->ev->actor, opinion);
	/* inside a parallel block every branch is stopped: resuming restarts the block */
	int64_t since = 0;
	split_id = outer_split(c, &since);
	if (!rc)
		rc = eng_close_all(c, TASK_CANCELLED);
	if (rc < 0)
		goto out;
	if (!target) {
		const char *resume = split_id ? split_id : t->step;
		rc = eng_run(c->e, "UPDATE eng_instances SET resume_step = ?2 WHERE id = ?1", "ss", c->in.id, resume);
		if (!rc)
			rc = eng_set_state(c, REQUEST_RETURNED);
		goto out;
	}
	int64_t visited_seq = 0;
	eng_int(c->e, &visited_seq, "SELECT seq FROM eng_visited WHERE instance = ?1 AND step = ?2", "ss",
		c->in.id, target->id);
	if (split_id && visited_seq >= since)
		target = workflow_step(w, split_id);
	target_prev = eng_str(c->e, &rcp, "SELECT prev FROM eng_visited WHERE instance = ?1 AND step = ?2",
			      "ss", c->in.id, target->id);
	rc = eng_enter(c, target, target_prev);
out:
	free(prev);
	free(target_prev);
	free(split_id);
	return rc;
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
int ap_takenback(struct ctx *c)
{
	struct task *t = &c->t;
	int rc = 0;
	if (strcmp(t->assignee, c->ev->actor) || t->state != TASK_DONE || !t->decision ||
	    strcmp(t->decision, "approve")) {
		rc = REFUSE(c, _("task '%s' is not an approval of yours that can be taken back"), t->id);
		goto out;
	}
	/*
	 * Only what this decision started matters: the steps it opened (other
	 * branches of a parallel block may act meanwhile). Refused once anyone
	 * acted there (decided, transferred, delegated, added a signer), or
	 * when the next sequential signer of a step still open acted.
	 */
	int64_t x, dseq = t->decided_seq, still = 0;
	/* each answer checked: a failed query must never read as "nobody acted" */
	int acted = eng_int(c->e, &still, "SELECT count(*) FROM eng_active WHERE instance = ?1 AND step = ?2",
			    "ss", c->in.id, t->step);
	const struct step *ts = workflow_step(c->in.defs->wf, t->step);
	if (acted >= 0)
		acted = eng_int(c->e, &x,
				"SELECT 1 FROM eng_trail WHERE instance = ?1 AND seq > ?2 AND step IN"
				" (SELECT step FROM eng_active WHERE instance = ?1 AND since_seq = ?2 AND step != ?3)"
				" LIMIT 1",
				"sis", c->in.id, dseq, t->step);
	if (acted == 0)
		acted = eng_int(c->e, &x,
				"SELECT 1 FROM eng_tasks WHERE instance = ?1 AND created_seq = ?2 AND state = 'done'"
				" AND kind != 'read' LIMIT 1",
				"si", c->in.id, dseq);
	if (acted == 0 && still && ts && ts->mode == MODE_SEQUENTIAL)
		acted = eng_int(c->e, &x,
				"SELECT 1 FROM eng_tasks WHERE instance = ?1 AND step = ?2 AND decided_seq > ?3 LIMIT 1",
				"ssi", c->in.id, t->step, dseq);
	if (acted < 0) {
		rc = acted;
		goto out;
	}
	if (acted == 1) {
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
		rc = eng_trail_add(c, t->step, c->ev->actor, t->on_behalf, "taken back", docs, NULL);
		free(docs);
	}
out:
	return rc;
}

/* task.transferred / task.delegated / task.signer_added. */
static int ap_reassign(struct ctx *c, const char *how)
{
	struct task *t = &c->t;
	int rc = 0;
	const char *user = eng_pstr(c, "user");
	if ((rc = eng_need_user(c, user)) < 0)
		goto out;
	if (!strcmp(user, t->assignee)) {
		rc = REFUSE(c, _("task '%s' is already '%s''s"), t->id, user);
		goto out;
	}
	const struct step *s = workflow_step(c->in.defs->wf, t->step);
	int64_t x;
	int open = eng_int(c->e, &x,
			   "SELECT 1 FROM eng_tasks WHERE instance = ?1 AND step = ?2 AND assignee = ?3"
			   " AND state IN ('pending', 'waiting')",
			   "sss", c->in.id, t->step, user);
	if (open < 0) {
		rc = open;
		goto out;
	}
	if (open == 1) {
		rc = REFUSE(c, _("%s already has an open task at this step"), eng_who_name(c, user));
		goto out;
	}
	/* whoever becomes a handler, the policies hold: nobody is handed a task they may not decide */
	if ((rc = eng_need_unbarred(c, user, s)) < 0)
		goto out;
	if (!strcmp(how, "transfer")) {
		rc = eng_run(c->e, "UPDATE eng_tasks SET assignee = ?2, on_behalf = NULL WHERE id = ?1", "ss", t->id,
			     user);
		if (!rc)
			rc = eng_trail_add(c, t->step, c->ev->actor, t->on_behalf, "transferred", user,
					   eng_pstr(c, "opinion"));
	} else if (!strcmp(how, "delegate")) {
		rc = eng_add_task(c, &(struct new_task){ .step = s, .user = user,
								  .kind = "approve", .state = TASK_PENDING, .extra = 2, .resumes = t->id, .ord = t->ord }, NULL);
		if (!rc)
			rc = eng_run(c->e, "UPDATE eng_tasks SET state = 'waiting' WHERE id = ?1", "s", t->id);
		if (!rc)
			rc = eng_trail_add(c, t->step, c->ev->actor, t->on_behalf, "delegated", user,
					   eng_pstr(c, "opinion"));
	} else {
		const char *where = eng_pstr(c, "where");
		if (!where || (strcmp(where, "before") && strcmp(where, "after") && strcmp(where, "parallel"))) {
			rc = REFUSE(c, "%s", _("say where to add the signer: --before, --after or --parallel"));
			goto out;
		}
		if (!strcmp(where, "before")) {
			rc = eng_add_task(c, &(struct new_task){ .step = s, .user = user,
									  .kind = "approve", .state = TASK_PENDING, .extra = 1, .resumes = t->id, .ord = t->ord }, NULL);
			if (!rc)
				rc = eng_run(c->e, "UPDATE eng_tasks SET state = 'waiting' WHERE id = ?1", "s", t->id);
		} else if (!strcmp(where, "after")) {
			rc = eng_add_task(c, &(struct new_task){ .step = s, .user = user,
									  .kind = "approve", .state = TASK_WAITING, .extra = 1, .after = t->id, .ord = t->ord }, NULL);
		} else {
			rc = eng_add_task(c, &(struct new_task){ .step = s, .user = user,
									  .kind = "approve", .state = TASK_PENDING, .extra = 1, .ord = t->ord }, NULL);
		}
		if (!rc)
			rc = eng_trail_add(c, t->step, c->ev->actor, t->on_behalf, "added signer", user, where);
	}
	if (!rc)
		rc = eng_run(c->e, "UPDATE eng_instances SET updated_seq = ?2 WHERE id = ?1", "si", c->in.id,
			     c->ev->seq);
out:
	return rc;
}

int ap_transferred(struct ctx *c)
{
	return ap_reassign(c, "transfer");
}

int ap_delegated(struct ctx *c)
{
	return ap_reassign(c, "delegate");
}

int ap_signer_added(struct ctx *c)
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
	if (eng_has_role(c->in.defs->org, actor, "sysadmin"))
		return 0;
	if (!t->extra)
		return REFUSE(c, _("%s is a signer the workflow names at '%s': only a system administrator can remove them"),
			      eng_who_name(c, t->assignee), eng_step_label(c, t->step));
	int rc = 0;
	char *adder = eng_str(c->e, &rc,
			      "SELECT actor FROM eng_trail WHERE instance = ?1 AND seq = ?2"
			      " AND action IN ('added signer', 'delegated') ORDER BY n LIMIT 1",
			      "si", c->in.id, t->created_seq);
	if (rc < 0)
		return rc;
	if (!adder || strcmp(adder, actor))
		rc = REFUSE(c, _("%s was added by %s: only they (or a system administrator) can remove them"),
			    eng_who_name(c, t->assignee), eng_who_name(c, adder ? adder : "?"));
	free(adder);
	return rc;
}

/* task.signer_removed: 减签, only a signer who has not acted. */
int ap_signer_removed(struct ctx *c)
{
	int rc;
	const char *user = eng_pstr(c, "user");
	int64_t x;
	if (!c->strict && strcmp(c->ev->actor, c->in.applicant) && !eng_has_role(c->in.defs->org, c->ev->actor, "sysadmin") &&
	    eng_int(c->e, &x,
		    "SELECT 1 FROM eng_tasks t JOIN eng_active a ON a.instance = t.instance AND a.step = t.step"
		    " WHERE t.instance = ?1 AND +t.assignee = ?2 AND t.kind != 'read'",
		    "ss", c->in.id, c->ev->actor) != 1)
		return REFUSE(c, _("%s is not a signer of the current step of request '%s'"), eng_who_name(c, c->ev->actor),
			      eng_request_label(c));
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
		return REFUSE(c, _("%s has no open task at the current step of request '%s' (a signer who acted cannot be removed)"),
			      eng_who_name(c, user), eng_request_label(c));
	rc = eng_load_task(c, tid, &t);
	free(tid);
	if (rc < 0)
		return rc;
	if (c->strict && (rc = may_remove(c, &t)) < 0) {
		eng_task_release(&t);
		return rc;
	}
	int64_t left = 0;
	if ((rc = eng_int(c->e, &left,
		"SELECT count(*) FROM eng_tasks WHERE instance = ?1 AND step = ?2 AND extra = 0 AND kind != 'read'"
		" AND state IN ('pending', 'waiting', 'done') AND id != ?3",
		"sss", c->in.id, t.step, t.id)) < 0) {
		eng_task_release(&t);
		return rc;
	}
	if (!t.extra && !left) {
		eng_task_release(&t);
		return REFUSE(c, _("%s is the last signer of step '%s' and cannot be removed"), eng_who_name(c, user),
			      eng_step_label(c, t.step));
	}
	rc = eng_run(c->e, "UPDATE eng_tasks SET state = 'cancelled', decision = 'removed' WHERE id = ?1", "s", t.id);
	if (!rc && t.resumes)
		rc = eng_run(c->e, "UPDATE eng_tasks SET state = 'pending' WHERE id = ?1 AND state = 'waiting'", "s",
			     t.resumes);
	if (!rc)
		rc = eng_run(c->e, "UPDATE eng_tasks SET after_task = NULL, state = 'pending' WHERE instance = ?2"
			     " AND after_task = ?1 AND state = 'waiting'", "ss", t.id, t.instance);
	const struct step *s = workflow_step(c->in.defs->wf, t.step);
	if (!rc && s && s->mode == MODE_SEQUENTIAL && t.state == TASK_PENDING && !t.extra)
		rc = eng_run(c->e,
			     "UPDATE eng_tasks SET state = 'pending' WHERE id = (SELECT id FROM eng_tasks"
			     " WHERE instance = ?1 AND step = ?2 AND state = 'waiting' AND extra = 0"
			     " AND after_task IS NULL AND resumes IS NULL ORDER BY ord LIMIT 1)",
			     "ss", c->in.id, t.step);
	if (!rc)
		rc = eng_trail_add(c, t.step, c->ev->actor, NULL, "removed signer", user, NULL);
	if (!rc && s)
		rc = eng_settle(c, s);
	eng_task_release(&t);
	return rc;
}

/* task.read: 已阅. */
int ap_read(struct ctx *c)
{
	struct task *t = &c->t;
	int rc = eng_run(c->e,
			 "UPDATE eng_tasks SET state = 'done', decision = 'read', opinion = ?2, decided_seq = ?3,"
			 " decided_by = ?4 WHERE id = ?1",
			 "ssis", t->id, eng_pstr(c, "opinion"), c->ev->seq, c->ev->actor);
	if (!rc)
		rc = eng_trail_add(c, t->step, c->ev->actor, t->on_behalf, "read", NULL, eng_pstr(c, "opinion"));
	return rc;
}

/* timer.remind / timer.timeout. */
static int ap_timer(struct ctx *c, int timeout)
{
	struct task *t = &c->t;
	int rc = 0;
	json_int_t due = json_integer_value(json_object_get(c->ev->p, "due"));
	/* a timer fires at or after its time (today's rules: nobody sends one early) */
	if (t->state != TASK_PENDING ||
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
		if (s && s->remind_every.amount && (rc = eng_event_calendar(c, &cal)) < 0)
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
			int b = eng_barred(c, sup->id, s, NULL);
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
				rc = eng_trail_add(c, t->step, "system", NULL, "escalated", sup->id, NULL);
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
	const char *hold = eng_pstr(c, "sign_opinion");
	if (a == TIMEOUT_APPROVE && s && s->document == DOC_SIGN && hold && strcmp(t->kind, "read") &&
	    t->extra != 2) {
		rc = eng_run(c->e, "UPDATE eng_tasks SET reminders = reminders + 1 WHERE id = ?1", "s", t->id);
		if (!rc)
			rc = eng_trail_add(c, t->step, "system", NULL, "overdue", t->assignee, hold);
		goto out;
	}
	if (a == TIMEOUT_APPROVE || a == TIMEOUT_REJECT) {
		const char *op = eng_pstr(c, a == TIMEOUT_APPROVE ? "approve_opinion" : "reject_opinion");
		if (!strcmp(t->kind, "read") || t->extra == 2) {
			rc = 0;
			goto out;
		}
		rc = decide(c, t, a == TIMEOUT_APPROVE ? "approve" : "reject", op);
		goto out;
	}
	rc = eng_run(c->e, "UPDATE eng_tasks SET reminders = reminders + 1 WHERE id = ?1", "s", t->id);
	if (!rc)
		rc = eng_trail_add(c, t->step, "system", NULL, "overdue", t->assignee, NULL);
out:
	return rc;
}

int ap_remind(struct ctx *c)
{
	return ap_timer(c, 0);
}

int ap_timeout(struct ctx *c)
{
	return ap_timer(c, 1);
}

