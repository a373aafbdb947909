/*
 * tdefs: the deployed definitions the screens show — workflow step names,
 * form labels and options, people's names — read from the store and
 * parsed once per version, for the life of the TUI (view.h). Only for
 * showing things: every decision is the engine's.
 */
#include <stdlib.h>
#include <string.h>

#include "view.h"
#include "../defs/form.h"
#include "../defs/org.h"
#include "../defs/workflow.h"
#include "../engine/engine.h"
#include "../store/store.h"
#include "../util/diag.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "../yaml/ydoc.h"

/* One parsed definition version. */
struct tdef {
	char *kind;             /* "workflow", "form", "organisation" */
	char *id;               /* definition id */
	char *hash;             /* version (SM3 hex) */
	int current;            /* 1: the current version of (kind, id) when read */
	struct ydoc doc;        /* kept: parsed structures may point into it */
	void *parsed;           /* struct workflow / form / org, or NULL when unparsable */
	struct tdef *next;
};

struct tdefs {
	struct tdef *list;      /* everything read so far */
	char *org_hash;         /* the current organisation's version, or NULL */
	int org_looked;         /* 1: org_hash was looked up */
};

static struct tdefs *defs_of(struct tui *t)
{
	if (!t->defs)
		t->defs = xcalloc(1, sizeof(*t->defs));
	return t->defs;
}

static void tdef_free(struct tdef *d)
{
	if (!strcmp(d->kind, "workflow"))
		workflow_free(d->parsed);
	else if (!strcmp(d->kind, "form"))
		form_free(d->parsed);
	else if (!strcmp(d->kind, "organisation"))
		org_free(d->parsed);
	ydoc_release(&d->doc);
	free(d->kind);
	free(d->id);
	free(d->hash);
	free(d);
}

void tui_defs_free(struct tui *t)
{
	if (!t->defs)
		return;
	for (struct tdef *d = t->defs->list, *next; d; d = next) {
		next = d->next;
		tdef_free(d);
	}
	free(t->defs->org_hash);
	free(t->defs);
	t->defs = NULL;
}

/* store_def_list callback: the current organisation's hash. */
static int find_org(void *ctx, const struct store_def *d)
{
	char **out = ctx;
	if (!strcmp(d->kind, "organisation") && !*out)
		*out = xstrdup(d->hash);
	return 0;
}

/* Parse a stored version of `kind`; the cross-checks fill in what the screens read. */
static struct tdef *tdef_load(struct tui *t, const struct store_def *sd, const char *kind)
{
	struct tdefs *td = defs_of(t);
	struct tdef *d = xcalloc(1, sizeof(*d));
	d->kind = xstrdup(kind);
	d->id = xstrdup(sd->id ? sd->id : "");
	d->hash = xstrdup(sd->hash);
	d->doc = (struct ydoc)YDOC_INIT;
	struct diags diags = DIAGS_INIT;
	if (!ydoc_load_buf(&d->doc, sd->id ? sd->id : kind, sd->content, sd->len, &diags)) {
		if (!strcmp(kind, "organisation")) {
			d->parsed = org_parse(&d->doc, &diags);
		} else if (!strcmp(kind, "form")) {
			struct form *f = form_parse(&d->doc, &diags);
			if (f)
				form_check(f, &d->doc, tui_org(t, NULL), &diags);
			d->parsed = f;
		} else if (!strcmp(kind, "workflow")) {
			struct workflow *w = workflow_parse(&d->doc, &diags);
			if (w)
				workflow_check(w, &d->doc, tui_org(t, NULL),
					       w->form ? tui_form(t, w->form, NULL) : NULL, &diags);
			d->parsed = w;
		}
	}
	diags_release(&diags);
	d->next = td->list;
	td->list = d;
	return d;
}

/* A version by hash (any kind), parsed as `kind`; NULL when not deployed. */
static struct tdef *by_hash(struct tui *t, const char *kind, const char *hash)
{
	struct tdefs *td = defs_of(t);
	for (struct tdef *d = td->list; d; d = d->next)
		if (!strcmp(d->hash, hash) && !strcmp(d->kind, kind))
			return d;
	struct store_def sd;
	if (store_def_get_version(t->store, hash, &sd) != 0)
		return NULL;
	struct tdef *d = tdef_load(t, &sd, kind);
	store_def_release(&sd);
	return d;
}

/* The current version of (kind, id); NULL when not deployed. */
static struct tdef *current(struct tui *t, const char *kind, const char *id)
{
	struct tdefs *td = defs_of(t);
	for (struct tdef *d = td->list; d; d = d->next)
		if (d->current && !strcmp(d->kind, kind) && !strcmp(d->id, id))
			return d;
	struct store_def sd;
	if (store_def_get(t->store, kind, id, &sd) != 0)
		return NULL;
	struct tdef *d = NULL;
	for (struct tdef *k = td->list; k; k = k->next)
		if (!strcmp(k->hash, sd.hash) && !strcmp(k->kind, kind))
			d = k;
	if (!d)
		d = tdef_load(t, &sd, kind);
	d->current = 1;
	store_def_release(&sd);
	return d;
}

const struct org *tui_org(struct tui *t, const char **hash)
{
	struct tdefs *td = defs_of(t);
	if (!td->org_looked) {
		td->org_looked = 1;
		store_def_list(t->store, 0, find_org, &td->org_hash);
	}
	if (hash)
		*hash = td->org_hash;
	if (!td->org_hash)
		return NULL;
	struct tdef *d = by_hash(t, "organisation", td->org_hash);
	return d ? d->parsed : NULL;
}

const struct form *tui_form(struct tui *t, const char *id, const char **hash)
{
	struct tdef *d = current(t, "form", id);
	if (hash)
		*hash = d ? d->hash : NULL;
	return d ? d->parsed : NULL;
}

const struct form *tui_form_version(struct tui *t, const char *hash)
{
	struct tdef *d = hash ? by_hash(t, "form", hash) : NULL;
	return d ? d->parsed : NULL;
}

const struct org *tui_org_version(struct tui *t, const char *hash)
{
	struct tdef *d = hash ? by_hash(t, "organisation", hash) : NULL;
	return d ? d->parsed : NULL;
}

const struct workflow *tui_workflow(struct tui *t, const char *hash, const char *id)
{
	struct tdef *d = hash ? by_hash(t, "workflow", hash) : id ? current(t, "workflow", id) : NULL;
	return d ? d->parsed : NULL;
}

const char *tui_user_name(struct tui *t, const char *id)
{
	if (!id)
		return "";
	const struct org *o = tui_org(t, NULL);
	const struct org_user *u = o ? org_user(o, id) : NULL;
	return u && u->name ? u->name : id;
}

const char *tui_step_name(struct tui *t, const char *wf_hash, const char *wf_id, const char *step)
{
	if (!step)
		return "";
	const struct workflow *w = tui_workflow(t, wf_hash, wf_hash ? NULL : wf_id);
	if (!w && wf_hash && wf_id)
		w = tui_workflow(t, NULL, wf_id);
	const struct step *s = w ? workflow_step(w, step) : NULL;
	return s && s->name ? s->name : step;
}

const char *tui_workflow_name(struct tui *t, const char *id)
{
	if (!id)
		return "";
	const struct workflow *w = tui_workflow(t, NULL, id);
	return w && w->name ? w->name : id;
}

/* A request's state as people read it (the words are the engine's, shared with the CLI). */
const char *tui_state_label(const char *state)
{
	return engine_state_label(state);
}

const char *tui_kind_label(const char *kind)
{
	static const struct { const char *kind, *label; } kinds[] = {
		{ "workflow", N_("workflow") },
		{ "form", N_("form") },
		{ "organisation", N_("organisation") },
		{ "theme", N_("theme") },
		/* TRANSLATORS: a definition of working days and holidays (工作日历) */
		{ "calendar", N_("calendar") },
	};
	for (size_t i = 0; kind && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].kind, kind))
			return _(kinds[i].label);
	return kind ? kind : "";
}
