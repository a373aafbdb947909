/*
 * start: starting a request — who may start a workflow, and the one call
 * (engine_start) every front end uses to start one, so that the command
 * line and the TUI hand the engine the same event and the engine alone
 * judges it (apply.c: ap_created).
 */
#include <stdlib.h>
#include <string.h>

#include "../defs/assign.h"
#include "../defs/org.h"
#include "../defs/workflow.h"
#include "../store/store.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "eng_internal.h"

/* An operation's event type, from the action table (actions.def). */
#define EVENT(op) (engine_action(ENG_OP_##op)->type)

int eng_may_start(const struct eng_defs *d, const char *user)
{
	const struct workflow *w = d->wf;
	if (!org_user(d->org, user))
		return 0;
	if (!w->ninitiators)
		return 1;
	/*
	 * Each spec resolved on its own (one that names nobody must not hide
	 * the others), with the person asking as the applicant, so that
	 * `department: applicant` means their own department.
	 */
	int ok = 0;
	for (size_t i = 0; i < w->ninitiators && !ok; i++) {
		struct assign_list l = ASSIGN_LIST_INIT;
		struct buf err = BUF_INIT;
		if (assign_resolve(d->org, &w->initiators[i], 1, user, NULL, d->form, &l, &err) == 0)
			for (size_t k = 0; k < l.n && !ok; k++)
				ok = !strcmp(l.v[k].user, user);
		assign_list_release(&l);
		buf_release(&err);
	}
	return ok;
}

/*
 * The current versions a new request of workflow `workflow` would run on:
 * 0 with the three hashes set (caller frees), or ENG_REFUSED with a message.
 */
static int current_versions(struct engine *e, const char *workflow, char **wf, char **form, char **org)
{
	*wf = eng_current_hash(e, "workflow", workflow);
	*org = eng_current_hash(e, "organisation", NULL);
	*form = NULL;
	char *fid = *wf ? eng_workflow_form(e, *wf) : NULL;
	if (fid)
		*form = eng_current_hash(e, "form", fid);
	free(fid);
	if (!*wf)
		return eng_fail(e, ENG_REFUSED, _("no workflow '%s' is deployed"), workflow);
	if (!*form || !*org)
		return eng_fail(e, ENG_REFUSED,
				_("workflow '%s' cannot be used: its form or the organisation is not deployed"), workflow);
	return 0;
}

int engine_may_start(struct engine *e, const char *user, const char *workflow)
{
	char *wf, *form, *org;
	int rc = current_versions(e, workflow, &wf, &form, &org);
	const struct eng_defs *d = rc ? NULL : eng_defs_get(e, wf, form, org);
	if (!rc && !d)
		rc = STORE_ERR;
	if (!rc)
		rc = eng_may_start(d, user);
	free(wf);
	free(form);
	free(org);
	return rc;
}

int engine_start(struct engine *e, const char *uuid, const char *user, const char *workflow, json_t *input,
		 const char *title, int draft, char **created)
{
	if (created)
		*created = NULL;
	char *wf, *form, *org;
	int rc = current_versions(e, workflow, &wf, &form, &org);
	if (!rc) {
		json_t *p = json_object();
		json_object_set_new(p, "workflow", json_string(workflow));
		json_object_set_new(p, "workflow_version", json_string(wf));
		json_object_set_new(p, "form_version", json_string(form));
		json_object_set_new(p, "org_version", json_string(org));
		if (title && *title)
			json_object_set_new(p, "title", json_string(title));
		json_object_set_new(p, "data", input ? json_incref(input) : json_object());
		json_object_set_new(p, "draft", json_boolean(draft));
		rc = engine_act(e, uuid, EVENT(CREATED), user, p, created);
		json_decref(p);
	}
	free(wf);
	free(form);
	free(org);
	return rc;
}
