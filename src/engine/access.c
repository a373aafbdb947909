/*
 * access: who may read a request or a document, and who may change or
 * sign off a document (need to know, 知悉范围). One rule for the command
 * line, the TUI and later the sync server:
 *
 * - a person reads a request, its documents and its trail when they are
 *   involved in it (ENGINE_INVOLVED_SQL: its applicant, or the holder of
 *   one of its tasks past or present — a handler, the person a stand-in
 *   acted for and the stand-in, a signer added, a delegate, a reader it
 *   was circulated to), or when one of their roles grants `read_all` in
 *   the current organisation. The three administrators never read by
 *   virtue of a grant (三员分立). A document in no request is its
 *   drafter's (and read_all's).
 * - a document of a request changes only while the request is with its
 *   applicant (draft, returned, withdrawn: the applicant), or while it
 *   runs, by the holder of an open task at a current step whose
 *   `document:` access is edit or sign. A document in no request: its
 *   drafter.
 * - a document is signed off only by the person its request's sign step
 *   names: the holder of an open task at a current `document: sign` step,
 *   or, once that step is passed, who approved it there last.
 *
 * A refusal says why, changes nothing, and is recorded as action.refused
 * (signed by who tried) so the audit administrator sees it: ENG_DENIED.
 * Reading a document's text is recorded as document.read (ap_doc_read).
 */
#include <stdlib.h>
#include <string.h>

#include "../auth/auth.h"
#include "../defs/org.h"
#include "../defs/workflow.h"
#include "../docs/docs.h"
#include "../store/store.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "apply.h"

/* Roll back, keeping the message that caused it. */
static void rollback_keep(struct engine *e)
{
	struct buf keep = BUF_INIT;
	buf_adds(&keep, e->err.s);
	store_rollback(e->s);
	buf_reset(&e->err);
	buf_adds(&e->err, keep.s);
	buf_release(&keep);
}

/* An operation's event type, from the action table (actions.def). */
#define EVENT(op) (engine_action(ENG_OP_##op)->type)

int engine_involved(struct engine *e, const char *user, const char *instance)
{
	int64_t n = 0;
	int rc = eng_int(e, &n,
			 "SELECT EXISTS (SELECT 1 FROM eng_instances WHERE id = ?1 AND applicant = ?2)"
			 " OR EXISTS (SELECT 1 FROM eng_tasks WHERE instance = ?1"
			 " AND (assignee = ?2 OR on_behalf = ?2))",
			 "ss", instance, user);
	return rc < 0 ? rc : n != 0;
}

/* 1 if `user` reads everything by a role's grant (never an administrator). */
static int reads_all(const struct org *o, const char *user)
{
	const struct org_user *u = o ? org_user(o, user) : NULL;
	return u && !eng_is_admin(o, user) && org_user_granted(o, u, ORG_GRANT_READ_ALL);
}

int engine_reads_all(struct engine *e, const char *user)
{
	return reads_all(engine_org(e), user);
}

/*
 * Record the refusal (message in e->err) as action.refused by `user`, of
 * `action` on `concerns`, keeping the message; returns ENG_DENIED.
 */
static int denied(struct engine *e, const char *user, const char *action, const char *concerns)
{
	struct buf why = BUF_INIT;
	buf_adds(&why, e->err.s);
	json_t *p = json_pack("{s:s, s:s, s:s}", "action", action, "reason", why.s, "concerns", concerns);
	if (engine_act(e, NULL, AUTH_EV_REFUSED, user, p, NULL) < 0)
		buf_addf(&why, _(" (and the refusal could not be recorded: %s)"), e->err.s);
	json_decref(p);
	buf_reset(&e->err);
	buf_add(&e->err, why.s, why.len);
	buf_release(&why);
	return ENG_DENIED;
}

/* 1 when user may read request `instance` (involved or read_all), 0 if not, or a status. */
int eng_may_read(struct engine *e, const char *user, const char *instance)
{
	if (reads_all(engine_org(e), user))
		return 1;
	return engine_involved(e, user, instance);
}

int engine_can_read_doc(struct engine *e, const char *user, const char *instance, const char *drafter)
{
	if (instance)
		return eng_may_read(e, user, instance);
	return (drafter && !strcmp(drafter, user)) || reads_all(engine_org(e), user);
}

int engine_may_read(struct engine *e, const char *user, const char *instance)
{
	int rc = eng_may_read(e, user, instance);
	if (rc < 0)
		return rc;
	if (rc)
		return 0;
	eng_fail(e, ENG_DENIED, _("you are not involved in request '%s': only its applicant, its handlers and "
				  "the people it was circulated to read it"),
		 instance);
	return denied(e, user, "request.read", instance);
}

/* The document's request (*instance, caller frees; NULL: none) and drafter (*by). */
static int doc_owner(struct engine *e, const char *doc, char **instance, char **by)
{
	*instance = *by = NULL;
	if (!e->docs)
		return eng_fail(e, STORE_ERR, "%s", _("documents are not linked to the engine"));
	struct docs_info i;
	int rc = docs_info_get(e->docs, doc, &i);
	if (rc < 0)
		return eng_fail(e, rc == DOCS_STORE ? STORE_BUSY : ENG_REFUSED, "%s", docs_error(e->docs));
	*instance = i.instance ? xstrdup(i.instance) : NULL;
	*by = i.created_by ? xstrdup(i.created_by) : NULL;
	docs_info_release(&i);
	return 0;
}

/* A person's name in the current organisation, else the id. */
const char *eng_user_name(struct engine *e, const char *user)
{
	const struct org_user *u = user ? org_user(engine_org(e), user) : NULL;
	return u && u->name ? u->name : user ? user : "";
}

char *eng_request_title_for(struct engine *e, const char *user, const char *instance)
{
	int rc = 0;
	char *title = eng_may_read(e, user, instance) == 1
			      ? eng_str(e, &rc, "SELECT nullif(title, '') FROM eng_instances WHERE id = ?1", "s", instance)
			      : NULL;
	return title ? title : xstrdup(instance);
}

int engine_may_read_doc(struct engine *e, const char *user, const char *doc)
{
	char *instance, *by;
	int rc = doc_owner(e, doc, &instance, &by);
	if (rc < 0)
		return rc;
	if (instance)
		rc = eng_may_read(e, user, instance);
	else
		rc = (by && !strcmp(by, user)) || reads_all(engine_org(e), user);
	if (rc == 0) {
		if (instance)
			eng_fail(e, ENG_DENIED, _("you are not involved in request '%s', which document '%s' belongs to"),
				 instance, doc);
		else
			eng_fail(e, ENG_DENIED, _("document '%s' is in no request and is %s's: only its drafter reads it"),
				 doc, eng_user_name(e, by));
		rc = denied(e, user, EVENT(DOC_READ), doc);
	} else if (rc > 0) {
		rc = 0;
	}
	free(instance);
	free(by);
	return rc;
}

/* The definitions request `instance` runs on, its applicant (*applicant) and state; 0 or a status. */
static int request_of(struct engine *e, const char *instance, const struct eng_defs **d, char **applicant,
		      enum request_state *state, char **title)
{
	sqlite3_stmt *st = eng_q(e, "SELECT wf_hash, form_hash, org_hash, applicant, state, coalesce(nullif(title, ''), id)"
				 " FROM eng_instances WHERE id = ?1", "s", instance);
	if (!st)
		return STORE_ERR;
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? eng_fail(e, ENG_REFUSED, _("no request '%s'"), instance) : eng_sql_fail(e, rc);
	}
	char *wf = eng_col(st, 0), *form = eng_col(st, 1), *org = eng_col(st, 2), *stext = eng_col(st, 4);
	*applicant = eng_col(st, 3);
	*title = eng_col(st, 5);
	sqlite3_reset(st);
	rc = 0;
	if (eng_request_state_parse(stext, state) < 0)
		rc = eng_fail(e, STORE_CORRUPT, _("request '%s' has an unknown state '%s'"), instance, stext);
	if (!rc && !(*d = eng_defs_get(e, wf, form, org)))
		rc = STORE_ERR;
	free(wf);
	free(form);
	free(org);
	free(stext);
	if (rc < 0) {
		free(*applicant);
		free(*title);
		*applicant = *title = NULL;
	}
	return rc;
}

/*
 * The document access `user` has now on running request `instance`: the
 * highest `document:` of the current steps where they hold an open task
 * (DOC_NONE: none). *step gets such a step (or a current step; borrowed).
 */
static int access_now(struct engine *e, const struct eng_defs *d, const char *user, const char *instance,
		      enum document_access *acc, const char **step)
{
	*acc = DOC_NONE;
	*step = NULL;
	sqlite3_stmt *st = eng_q(e,
				 "SELECT t.step FROM eng_tasks t JOIN eng_active a ON a.instance = t.instance AND a.step = t.step"
				 " WHERE t.instance = ?1 AND +t.assignee = ?2 AND t.state = 'pending' AND t.kind <> 'read'",
				 "ss", instance, user);
	if (!st)
		return STORE_ERR;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const struct step *s = workflow_step(d->wf, (const char *)sqlite3_column_text(st, 0));
		if (s && s->document >= *acc) {
			*acc = s->document;
			*step = s->name ? s->name : s->id;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : eng_sql_fail(e, rc);
}

/*
 * The request as a refusal names it (need to know): *title (request_of's)
 * when `user` may read the request, else its id, which they typed. Only
 * refusals ask, so an allowed edit costs no extra query.
 */
static const char *req_label(struct engine *e, const char *user, const char *instance, char **title)
{
	if (eng_may_read(e, user, instance) != 1) {
		free(*title);
		*title = xstrdup(instance);
	}
	return *title;
}

int engine_may_edit_doc(struct engine *e, const char *user, const char *doc, const char *instance)
{
	char *inst = NULL, *by = NULL, *applicant = NULL, *title = NULL;
	const char *what = doc ? doc : instance;
	int rc = 0;
	if (doc && (rc = doc_owner(e, doc, &inst, &by)) < 0)
		return rc;
	if (!doc)
		inst = xstrdup(instance);
	if (!inst) {
		/* in no request: its drafter's */
		if (!by || strcmp(by, user))
			rc = eng_fail(e, ENG_DENIED, _("document '%s' is in no request and is %s's: only its drafter changes it"),
				      doc, eng_user_name(e, by));
		goto out;
	}
	const struct eng_defs *d;
	enum request_state state;
	if ((rc = request_of(e, inst, &d, &applicant, &state, &title)) < 0)
		goto out;
	if (state == REQUEST_DRAFT || state == REQUEST_RETURNED || state == REQUEST_WITHDRAWN) {
		if (strcmp(applicant, user))
			rc = eng_fail(e, ENG_DENIED, _("request '%s' is with its applicant %s: only they change its documents now"),
				      req_label(e, user, inst, &title), eng_user_name(e, applicant));
		goto out;
	}
	if (state != REQUEST_RUNNING) {
		rc = eng_fail(e, ENG_DENIED, _("request '%s' is %s: its documents no longer change"),
			      req_label(e, user, inst, &title),
			      engine_state_label(eng_request_state_text(state)));
		goto out;
	}
	enum document_access acc;
	const char *step;
	if ((rc = access_now(e, d, user, inst, &acc, &step)) < 0)
		goto out;
	if (acc >= DOC_EDIT)
		goto out;
	if (step)
		rc = eng_fail(e, ENG_DENIED, _("step '%s' of request '%s' lets its handler read the documents, not change them"),
			      step, req_label(e, user, inst, &title));
	else
		rc = eng_fail(e, ENG_DENIED, _("you do not handle request '%s' at a step that edits its documents: only its "
					       "handler there changes them"),
			      req_label(e, user, inst, &title));
out:
	if (rc == ENG_DENIED)
		rc = denied(e, user, doc ? "document.saved" : "document.created", what);
	free(inst);
	free(by);
	free(applicant);
	free(title);
	return rc;
}

/*
 * Who may sign off the documents of running request `instance`: 1 when
 * `user` holds an open task at a current `document: sign` step, or else
 * was the last to approve at a sign step; *signer gets who does (caller
 * frees; NULL: nobody yet) and *step the sign step's name.
 */
static int signer_of(struct engine *e, const struct eng_defs *d, const char *user, const char *instance,
		     char **signer, const char **step)
{
	*signer = NULL;
	*step = NULL;
	enum document_access acc;
	const char *at;
	int rc = access_now(e, d, user, instance, &acc, &at);
	if (rc < 0)
		return rc;
	if (acc == DOC_SIGN) {
		*signer = xstrdup(user);
		*step = at;
		return 1;
	}
	/* a pending sign task of someone else, else the last sign-off given */
	sqlite3_stmt *st = eng_q(e,
				 "SELECT t.step, t.assignee, t.state FROM eng_tasks t WHERE t.instance = ?1"
				 " AND (t.state = 'pending' OR (t.state = 'done' AND t.decision = 'approve'))"
				 " ORDER BY t.state = 'pending' DESC, t.decided_seq DESC",
				 "s", instance);
	if (!st)
		return STORE_ERR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const struct step *s = workflow_step(d->wf, (const char *)sqlite3_column_text(st, 0));
		if (!s || s->document != DOC_SIGN)
			continue;
		*signer = eng_col(st, 1);
		*step = s->name ? s->name : s->id;
		break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return eng_sql_fail(e, rc);
	return *signer && !strcmp(*signer, user);
}

int engine_may_signoff_doc(struct engine *e, const char *user, const char *doc)
{
	char *inst = NULL, *by = NULL, *applicant = NULL, *signer = NULL, *title = NULL;
	int rc = doc_owner(e, doc, &inst, &by);
	if (rc < 0)
		return rc;
	if (!inst) {
		rc = eng_fail(e, ENG_DENIED, _("document '%s' is in no request: a document is signed off at its request's "
					       "sign step, by the person it names"),
			      doc);
		goto out;
	}
	const struct eng_defs *d;
	enum request_state state;
	if ((rc = request_of(e, inst, &d, &applicant, &state, &title)) < 0)
		goto out;
	if (state != REQUEST_RUNNING) {
		rc = eng_fail(e, ENG_DENIED, _("request '%s' is %s: its documents are not signed off now"),
			      req_label(e, user, inst, &title),
			      engine_state_label(eng_request_state_text(state)));
		goto out;
	}
	const char *step;
	if ((rc = signer_of(e, d, user, inst, &signer, &step)) < 0)
		goto out;
	if (rc) {
		rc = 0;
		goto out;
	}
	if (signer)
		rc = eng_fail(e, ENG_DENIED, _("only %s signs off document '%s': the sign step '%s' of request '%s' names them"),
			      eng_user_name(e, signer), doc, step, req_label(e, user, inst, &title));
	else
		rc = eng_fail(e, ENG_DENIED, _("request '%s' has not reached a sign step: nobody signs off document '%s' yet"),
			      req_label(e, user, inst, &title), doc);
out:
	if (rc == ENG_DENIED)
		rc = denied(e, user, "document.approved", doc);
	free(inst);
	free(by);
	free(applicant);
	free(signer);
	free(title);
	return rc;
}

int engine_doc_signoff(struct engine *e, const char *user, const char *doc, const char *commit)
{
	int rc = engine_may_signoff_doc(e, user, doc);
	if (rc < 0)
		return rc;
	if ((rc = store_begin(e->s)) < 0)
		return eng_fail(e, rc, "%s", store_error(e->s));
	rc = docs_approve(e->docs, user, doc, commit, "sign-off", 1);
	if (rc < 0) {
		rc = eng_fail(e, rc == DOCS_STORE ? STORE_BUSY : ENG_REFUSED, "%s", docs_error(e->docs));
		rollback_keep(e);
		return rc;
	}
	if ((rc = store_commit(e->s)) < 0)
		return eng_fail(e, rc, "%s", store_error(e->s));
	return 0;
}

int engine_doc_read(struct engine *e, const char *user, const char *doc, int rev, const char *commit,
		    const char *how)
{
	char *inst = NULL, *by = NULL;
	int rc = doc_owner(e, doc, &inst, &by);
	if (rc < 0)
		return rc;
	json_t *p = json_pack("{s:s, s:i, s:s, s:s}", "doc", doc, "rev", rev, "commit", commit, "how", how);
	/* "request", not "instance": the event is judged by the current organisation, as the read was */
	if (inst)
		json_object_set_new(p, "request", json_string(inst));
	rc = engine_act(e, NULL, EVENT(DOC_READ), user, p, NULL);
	json_decref(p);
	free(inst);
	free(by);
	return rc < 0 ? rc : 0;
}

/*
 * document.read: who read which revision of a document (the audit trail);
 * it changes nothing. The reader must be involved in the document's
 * request (its payload's "request"), or read everything by a grant of the
 * event's organisation (the current one when it was made).
 */
int ap_doc_read(struct ctx *c)
{
	const char *doc = eng_pstr(c, "doc"), *inst = eng_pstr(c, "request");
	if (!doc || !eng_pstr(c, "commit"))
		return REFUSE(c, "%s", _("a document read names the document and its commit"));
	if (c->rules < ENG_RULES_READ || !inst)
		return 0;
	const struct eng_defs *d = c->ev->def_version ? eng_defs_get(c->e, NULL, NULL, c->ev->def_version) : NULL;
	if (reads_all(d ? d->org : NULL, c->ev->actor))
		return 0;
	int rc = engine_involved(c->e, c->ev->actor, inst);
	if (rc < 0)
		return rc;
	return rc ? 0 : REFUSE(c, _("you are not involved in request '%s', which document '%s' belongs to"), inst, doc);
}
