/*
 * New request: pick a deployed workflow, fill its form in a dialog made
 * from the form's fields — choices as choices, dates as text with a
 * YYYY-MM-DD hint, multi-line text, computed fields shown read-only —
 * with formdata_validate()'s message next to each field, then submit or
 * save as a draft: the `instance.created` event with the payload
 * `docket new` sends (src/cli/cmd_engine.c). Who may start a workflow is
 * the engine's rule: the picker lists every deployed workflow and a
 * refusal is shown in the form.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "view.h"
#include "widget.h"
#include "../defs/form.h"
#include "../defs/formdata.h"
#include "../defs/org.h"
#include "../defs/workflow.h"
#include "../engine/engine.h"
#include "../store/store.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"

/* An operation's event type, from the action table (actions.def). */
#define EVENT(op) (engine_action(ENG_OP_##op)->type)

/* A deployed workflow for the picker. */
struct nw_wf {
	char *id, *name, *hash;
};

struct nw_list {
	struct nw_wf *v;
	size_t n, alloc;
};

/* store_def_list callback: the current workflows. */
static int nw_collect(void *ctx, const struct store_def *d)
{
	struct nw_list *l = ctx;
	if (strcmp(d->kind, "workflow"))
		return 0;
	ALLOC_GROW(l->v, l->n + 1, l->alloc);
	struct nw_wf *w = &l->v[l->n++];
	w->id = xstrdup(d->id);
	w->name = xstrdup(d->name ? d->name : d->id);
	w->hash = xstrdup(d->hash);
	return 0;
}

/* The form being filled. */
struct nw_ctx {
	struct tui *t;
	const struct form *form;
	const struct org *org;
	size_t f_mode;          /* submit / save as draft */
	size_t f_title;         /* an extra title field when the form has none; SIZE_MAX */
	size_t *field_of;       /* dialog field -> form field index (SIZE_MAX: not a form field) */
	size_t *choice_base;    /* choice fields: 1 when the first option is "none" */
	json_t *data;           /* the validated data after OK; owned */
};

/* The input object from the dialog's fields, as the CLI's --set gives it. */
static json_t *nw_input(struct nw_ctx *c, struct dialog *d)
{
	json_t *in = json_object();
	for (size_t i = 0; i < d->nfields; i++) {
		size_t k = c->field_of[i];
		if (k == SIZE_MAX)
			continue;
		const struct field *f = &c->form->fields[k];
		struct dialog_field *df = &d->fields[i];
		/* computed by docket; not asked while its condition is not met */
		if (f->compute || df->hidden)
			continue;
		if (df->kind == FIELD_CHOICE) {
			if (f->type == F_BOOL) {
				if (df->choice >= c->choice_base[i])
					json_object_set_new(in, f->id,
							    json_boolean(df->choice - c->choice_base[i] == 1));
				continue;
			}
			if (df->choice < c->choice_base[i])
				continue;
			size_t o = df->choice - c->choice_base[i];
			if (o < f->noptions)
				json_object_set_new(in, f->id, json_string(f->options[o].value));
			continue;
		}
		const char *s = df->edit.text.s;
		if (!*s)
			continue;
		int list = f->type == F_MULTICHOICE || (f->multiple && (f->type == F_USER ||
			   f->type == F_DEPARTMENT || f->type == F_ATTACHMENT));
		if (list) {
			json_t *a = json_array();
			struct buf cur = BUF_INIT;
			for (const char *p = s;;) {
				uint32_t cp = 0;
				size_t len = *p ? utf8_decode(p, &cp) : 0;
				if (!*p || cp == ' ' || cp == ',' || cp == 0xff0c || cp == 0x3001) {
					if (cur.len)
						json_array_append_new(a, json_string(cur.s));
					buf_reset(&cur);
					if (!*p)
						break;
				} else {
					buf_add(&cur, p, len);
				}
				p += len;
			}
			buf_release(&cur);
			json_object_set_new(in, f->id, a);
		} else {
			json_object_set_new(in, f->id, json_string(s));
		}
	}
	return in;
}

/* OK: validate against the form; each problem next to its field. */
static int nw_validate(struct dialog *d, void *ctxp)
{
	struct nw_ctx *c = ctxp;
	json_decref(c->data);
	c->data = NULL;
	json_t *in = nw_input(c, d);
	struct formdata_applicant who;
	int have = c->org && formdata_applicant_from_org(c->org, c->t->user, &who) == 0;
	struct formdata_errors errs = FORMDATA_ERRORS_INIT;
	json_t *out = NULL;
	if (formdata_validate(c->form, c->org, have ? &who : NULL, in, &out, &errs) < 0) {
		for (size_t e = 0; e < errs.n; e++) {
			size_t at = c->f_mode;
			for (size_t i = 0; i < d->nfields; i++)
				if (c->field_of[i] != SIZE_MAX &&
				    !strcmp(c->form->fields[c->field_of[i]].id, errs.v[e].field))
					at = i;
			if (!d->fields[at].msg.len)
				dialog_error(d, at, "%s", errs.v[e].msg);
		}
	} else {
		c->data = out;
	}
	formdata_errors_release(&errs);
	json_decref(in);
	return 0;
}

/*
 * After every key: what follows from the values typed so far, at once —
 * fields whose condition (`visible_when`) is not met are hidden, and shown
 * again when it is; computed fields show their value and their message
 * (a leave ending before it starts) as soon as they can be worked out.
 * The other fields' messages wait for OK (half a date is no mistake yet).
 */
static void nw_live(struct dialog *d, void *ctxp)
{
	struct nw_ctx *c = ctxp;
	const struct form *fm = c->form;
	struct formdata_applicant who;
	int have = c->org && formdata_applicant_from_org(c->org, c->t->user, &who) == 0;
	unsigned char *hidden = xcalloc(fm->nfields + 1, 1);
	json_t *values = NULL;
	struct formdata_errors errs = FORMDATA_ERRORS_INIT;
	/* what the fields hold, hidden ones too: a condition reads what is typed */
	for (size_t i = 0; i < d->nfields; i++)
		d->fields[i].hidden = 0;
	json_t *in = nw_input(c, d);
	formdata_live(fm, c->org, have ? &who : NULL, in, &values, hidden, &errs);
	json_decref(in);
	for (size_t i = 0; i < d->nfields; i++) {
		size_t k = c->field_of[i];
		if (k == SIZE_MAX)
			continue;
		const struct field *f = &fm->fields[k];
		struct dialog_field *df = &d->fields[i];
		df->hidden = hidden[k];
		if (!f->compute || df->kind != FIELD_CHOICE || !df->nchoices)
			continue;
		struct buf text = BUF_INIT;
		const json_t *v = values ? json_object_get(values, f->id) : NULL;
		if (v)
			formdata_text(f, c->org, v, &text);
		else
			buf_adds(&text, _("(computed when saved)"));
		free(df->choices[0]);
		df->choices[0] = buf_detach(&text);
		buf_reset(&df->msg);
		for (size_t e = 0; e < errs.n; e++)
			if (!strcmp(errs.v[e].field, f->id) && !df->msg.len)
				dialog_error(d, i, "%s", errs.v[e].msg);
	}
	formdata_errors_release(&errs);
	json_decref(values);
	free(hidden);
}

/* What a field takes for department i: its name, or its id when another has that name. */
static const char *nw_dept_ref(const struct org *o, size_t i)
{
	const struct org_dept *dp = &o->depts[i];
	if (!dp->name || !*dp->name)
		return dp->id;
	for (size_t j = 0; j < o->ndepts; j++)
		if (j != i && o->depts[j].name && !strcmp(o->depts[j].name, dp->name))
			return dp->id;
	return dp->name;
}

/* edit-pick in a person field: the organisation's people. */
static void nw_pick(struct tui *t, struct dialog *d, size_t field, enum action a, void *ctxp)
{
	struct nw_ctx *c = ctxp;
	size_t k = c->field_of[field];
	if (a != ACT_EDIT_PICK || k == SIZE_MAX || d->fields[field].kind != FIELD_TEXT)
		return;
	const struct field *f = &c->form->fields[k];
	if (f->type == F_DATE) { /* a month of days to pick from, at the date typed (or today) */
		char day[11];
		struct edit *e = &d->fields[field].edit;
		if (date_picker_run(t, f->label ? f->label : f->id, e->text.s, day)) {
			edit_set(e, day);
			buf_reset(&d->fields[field].msg);
		}
		return;
	}
	if ((f->type != F_USER && f->type != F_DEPARTMENT) || !c->org)
		return;
	long sel = -1;
	if (f->type == F_USER) {
		sel = tui_pick_user(t, c->org);
	} else {
		struct picker p;
		picker_init(&p, f->label ? f->label : f->id);
		for (size_t i = 0; i < c->org->ndepts; i++) {
			struct buf s = BUF_INIT;
			const struct org_dept *dp = &c->org->depts[i];
			buf_adds(&s, dp->name && *dp->name ? dp->name : dp->id);
			picker_add(&p, s.s);
			buf_release(&s);
		}
		sel = picker_run(t, &p);
		picker_release(&p);
	}
	if (sel >= 0) {
		struct edit *e = &d->fields[field].edit;
		const char *id = f->type == F_USER ? tui_user_ref(c->org, (size_t)sel) : nw_dept_ref(c->org, (size_t)sel);
		if (f->multiple) {
			if (e->text.len)
				edit_insert(e, _(", "));
			edit_insert(e, id);
		} else {
			edit_set(e, id);
		}
		/* filled in: its message (required, unknown person) is gone, as when typed */
		buf_reset(&d->fields[field].msg);
	}
}

/* The label shown for a field: its label, with a hint for dates. */
static void nw_label(const struct field *f, struct buf *out)
{
	buf_adds(out, f->label ? f->label : f->id);
	if (f->type == F_DATE)
		/* TRANSLATORS: the hint after a date field's label (Chinese: （年-月-日）) */
		buf_adds(out, _(" YYYY-MM-DD"));
	else if (f->type == F_DATETIME)
		/* TRANSLATORS: the hint after a date-and-time field's label (Chinese: （年-月-日 时:分）) */
		buf_adds(out, _(" YYYY-MM-DD HH:MM"));
	/* a field asked for only under a condition is required while shown: no star for it */
	if (f->required && !f->compute && !f->visible_when)
		buf_adds(out, " *");
}

/* A default value as text, or "". */
static const char *nw_default(const struct field *f)
{
	return f->dflt.type == V_STRING && f->dflt.u.str ? f->dflt.u.str : "";
}

/* A stored value as the text field shows it (lists space-separated); "" when none. */
static void nw_value_text(const json_t *v, struct buf *out)
{
	if (json_is_string(v)) {
		buf_adds(out, json_string_value(v));
	} else if (json_is_integer(v)) {
		buf_addf(out, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		buf_addf(out, "%g", json_real_value(v));
	} else if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) {
			if (i)
				buf_addch(out, ' ');
			nw_value_text(x, out);
		}
	}
}

/*
 * Build the form dialog headed `heading` with the action choices `modes`;
 * each field holds its value in `values` (a request's data) when there is
 * one, else its default; `title` fills the title field of a form without one.
 */
static void nw_dialog(struct dialog *d, struct nw_ctx *c, const char *heading, const char *const *modes,
		      size_t nmodes, const json_t *values, const char *title)
{
	dialog_init(d, heading);
	d->confirm_discard = 1;
	const struct form *fm = c->form;
	size_t cap = fm->nfields + 2;
	c->field_of = xcalloc(cap, sizeof(*c->field_of));
	c->choice_base = xcalloc(cap, sizeof(*c->choice_base));
	for (size_t i = 0; i < cap; i++)
		c->field_of[i] = SIZE_MAX;
	c->f_mode = dialog_add_choice(d, _("Action"), modes, nmodes, 0);
	c->f_title = SIZE_MAX;
	if (!form_field(fm, "title"))
		c->f_title = dialog_add_text(d, title ? _("Title") : _("Title (optional)"), title ? title : "", 100,
					     1, 0);
	struct buf text = BUF_INIT;
	for (size_t k = 0; k < fm->nfields; k++) {
		const struct field *f = &fm->fields[k];
		const json_t *v = values ? json_object_get(values, f->id) : NULL;
		struct buf label = BUF_INIT;
		nw_label(f, &label);
		buf_reset(&text);
		size_t i;
		if (f->compute) {
			/* a request's value was computed from its data then: OK computes it again */
			nw_value_text(v, &text);
			char *was = text.len ? xasprintf(_("%s (computed when saved)"), text.s) : NULL;
			buf_reset(&text);
			buf_adds(&text, was ? was : _("(computed when saved)"));
			free(was);
			const char *shown[] = { text.s };
			i = dialog_add_choice(d, label.s, shown, 1, 0);
		} else if (f->type == F_CHOICE || f->type == F_BOOL) {
			size_t n = f->type == F_BOOL ? 2 : f->noptions;
			size_t base = f->required ? 0 : 1;
			const char **opts = xcalloc(n + 1, sizeof(*opts));
			size_t sel = 0;
			const char *want = v ? json_string_value(v) : nw_default(f);
			int want_b = v ? json_is_true(v) : f->dflt.type == V_BOOL ? f->dflt.u.b : -1;
			if (base)
				opts[0] = "-";
			for (size_t o = 0; o < n; o++) {
				if (f->type == F_BOOL)
					opts[base + o] = o ? _("yes") : _("no");
				else
					opts[base + o] = f->options[o].label ? f->options[o].label
									     : f->options[o].value;
				if (f->type == F_CHOICE && want && !strcmp(want, f->options[o].value))
					sel = base + o;
				if (f->type == F_BOOL && (v ? json_is_boolean(v) : f->dflt.type == V_BOOL) &&
				    want_b == (int)o)
					sel = base + o;
			}
			i = dialog_add_choice(d, label.s, opts, base + n, sel);
			c->choice_base[i] = base;
			free(opts);
		} else {
			int lines = f->type == F_TEXTAREA ? 3 : 1;
			size_t max = f->max_len > 0 ? (size_t)f->max_len : 1000;
			if (v)
				nw_value_text(v, &text);
			i = dialog_add_text(d, label.s, v ? text.s : nw_default(f), max, lines, 0);
		}
		c->field_of[i] = k;
		/* the form's hint under the field while it has the focus; Tab goes past computed ones */
		dialog_set_help(d, i, f->help);
		d->fields[i].readonly = f->compute != NULL;
		buf_release(&label);
	}
	buf_release(&text);
	d->validate = nw_validate;
	d->on_action = nw_pick;
	d->changed = nw_live;
	d->ctx = c;
	d->focus = d->nfields > 1 ? 1 : 0;
	/* conditions and computed values as the form opens */
	nw_live(d, c);
}

/* The engine refused: its words next to the Action field, and the form stays open. */
static void nw_refused(struct tui *t, struct dialog *d, const struct nw_ctx *c)
{
	dialog_error(d, c->f_mode, "%s", engine_error(t->engine));
	d->result = DIALOG_OPEN;
	d->focus = c->f_mode;
}

static void nw_release(struct nw_ctx *c, struct dialog *d)
{
	json_decref(c->data);
	free(c->field_of);
	free(c->choice_base);
	dialog_release(d);
}

/* Reload every inbox on the stack. */
static void nw_refresh(struct tui *t)
{
	for (int k = 0; k < t->nviews; k++)
		if (t->views[k]->ops == &inbox_view_ops)
			t->views[k]->ops->request(t, t->views[k], ACT_REFRESH);
	tui_update_pending(t);
}

/* Drop from l the workflows the user may not start (their `initiators:`, as the engine judges). */
static void nw_startable(struct tui *t, struct nw_list *l)
{
	size_t w = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (engine_may_start(t->engine, t->user, l->v[i].id) == 1) {
			l->v[w++] = l->v[i];
			continue;
		}
		free(l->v[i].id);
		free(l->v[i].name);
		free(l->v[i].hash);
	}
	l->n = w;
}

/* The picker of deployed workflows; `startable`: only those the user may start. */
static int pick_workflow(struct tui *t, const char *title, int startable, char **id, char **hash)
{
	*id = *hash = NULL;
	struct nw_list l = { NULL, 0, 0 };
	int rc = store_def_list(t->store, 0, nw_collect, &l);
	size_t deployed = l.n;
	if (rc >= 0 && startable)
		nw_startable(t, &l);
	if (rc < 0 || !l.n) {
		tui_message(t, 1, "%s", rc < 0 ? store_error(t->store)
				       : deployed ? _("you may not start any of the deployed workflows")
						  : _("no workflow is deployed"));
		rc = -1;
	} else {
		struct picker p;
		picker_init(&p, title);
		for (size_t i = 0; i < l.n; i++) {
			struct buf s = BUF_INIT;
			/* the name people know it by; the id only to tell two of one name apart */
			int twin = 0;
			for (size_t j = 0; j < l.n; j++)
				twin |= j != i && !strcmp(l.v[j].name, l.v[i].name);
			if (twin)
				buf_addf(&s, "%s  (%s)", l.v[i].name, l.v[i].id);
			else
				buf_adds(&s, l.v[i].name);
			picker_add(&p, s.s);
			buf_release(&s);
		}
		long k = picker_run(t, &p);
		picker_release(&p);
		rc = k >= 0 ? 0 : 1;
		if (k >= 0) {
			*id = xstrdup(l.v[k].id);
			*hash = xstrdup(l.v[k].hash);
		}
	}
	for (size_t i = 0; i < l.n; i++) {
		free(l.v[i].id);
		free(l.v[i].name);
		free(l.v[i].hash);
	}
	free(l.v);
	return rc;
}

int tui_pick_workflow(struct tui *t, const char *title, char **id, char **hash)
{
	return pick_workflow(t, title, 0, id, hash);
}

/*
 * A form closed unsent after something was typed in it is kept, under
 * `key` in t->unsent, as each field's value (text, or the choice's index),
 * and put back the next time the same form opens: nothing typed is lost
 * while docket runs. Sent, it is forgotten.
 */
static void nw_keep(struct tui *t, struct dialog *d, const char *key, int sent)
{
	if (!t->unsent)
		t->unsent = json_object();
	if (sent) {
		json_object_del(t->unsent, key);
		return;
	}
	if (!dialog_changed(d))
		return;
	json_t *v = json_array();
	for (size_t i = 0; i < d->nfields; i++)
		json_array_append_new(v, d->fields[i].kind == FIELD_CHOICE ? json_integer((json_int_t)d->fields[i].choice)
									 : json_string(d->fields[i].edit.text.s));
	json_object_set_new(t->unsent, key, v);
	tui_message(t, 0, "%s", _("what you typed was not sent: it is kept, and back the next time you open this form"));
}

/* Put back what nw_keep kept for `key`, when the form has the same fields. */
static void nw_restore(struct tui *t, struct dialog *d, const char *key)
{
	const json_t *v = json_object_get(t->unsent, key);
	if (json_array_size(v) != d->nfields)
		return;
	for (size_t i = 0; i < d->nfields; i++) {
		const json_t *x = json_array_get(v, i);
		if (d->fields[i].kind == FIELD_CHOICE ? !json_is_integer(x) : !json_is_string(x))
			return;
	}
	for (size_t i = 0; i < d->nfields; i++) {
		const json_t *x = json_array_get(v, i);
		struct dialog_field *f = &d->fields[i];
		if (f->kind == FIELD_CHOICE) {
			size_t c = (size_t)json_integer_value(x);
			if (c < f->nchoices)
				f->choice = c;
		} else {
			edit_set(&f->edit, json_string_value(x));
		}
	}
	tui_message(t, 0, "%s", _("what you typed here before is back"));
	if (d->changed) /* and what follows from it */
		d->changed(d, d->ctx);
}

void tui_new_request(struct tui *t)
{
	char *wid = NULL, *wf_hash = NULL;
	/* only what the engine would accept is offered; the engine still judges it */
	int k = pick_workflow(t, _("New request: workflow"), 1, &wid, &wf_hash) == 0 ? 0 : -1;
	const struct workflow *w = k >= 0 ? tui_workflow(t, wf_hash, NULL) : NULL;
	const char *form_hash = NULL, *org_hash = NULL;
	const struct form *fm = w && w->form ? tui_form(t, w->form, &form_hash) : NULL;
	const struct org *org = tui_org(t, &org_hash);
	if (k >= 0 && (!w || !fm || !org)) {
		tui_message(t, 1, _("workflow '%s' cannot be used: its form or the organisation is not deployed"),
			    wid);
	} else if (k >= 0) {
		struct nw_ctx c = { .t = t, .form = fm, .org = org };
		struct dialog d;
		struct buf heading = BUF_INIT;
		/* TRANSLATORS: a heading and what it is about ("New request: 请假"); Chinese uses ： */
		buf_addf(&heading, _("%s: %s"), _("New request"), w->name ? w->name : w->id);
		const char *modes[] = { _("submit"), _("save as draft") };
		nw_dialog(&d, &c, heading.s, modes, 2, NULL, NULL);
		buf_release(&heading);
		struct buf key = BUF_INIT;
		buf_addf(&key, "new:%s:%s", wid, form_hash ? form_hash : "");
		nw_restore(t, &d, key.s);
		int sent = 0;
		while (dialog_run(t, &d) == DIALOG_OK && c.data) {
			int draft = d.fields[c.f_mode].choice == 1;
			/* none given: the engine names it (the form's title field, or its title:) */
			const char *title = c.f_title != SIZE_MAX ? dialog_value(&d, c.f_title) : NULL;
			/* the one call the command line makes too: the engine judges it all */
			char *created = NULL;
			int rc = engine_start(t->engine, NULL, t->user, wid, c.data, title, draft, &created);
			if (rc >= 0) {
				/* the request as its applicant knows it: by the title the engine gave it */
				json_t *shown = created ? engine_show(t->engine, created) : NULL;
				const char *named = json_string_value(json_object_get(shown, "title"));
				tui_message(t, 0, draft ? _("saved draft '%s'") : _("submitted request '%s'"),
					    named && *named ? named : created ? created : "");
				json_decref(shown);
				free(created);
				nw_refresh(t);
				sent = 1;
				break;
			}
			nw_refused(t, &d, &c);
		}
		nw_keep(t, &d, key.s, sent);
		buf_release(&key);
		nw_release(&c, &d);
	}
	free(wid);
	free(wf_hash);
}

int tui_edit_request(struct tui *t, const char *id, const json_t *show)
{
	const char *applicant = json_string_value(json_object_get(show, "applicant"));
	const char *state = json_string_value(json_object_get(show, "state"));
	const char *title = json_string_value(json_object_get(show, "title"));
	if (!applicant || strcmp(applicant, t->user)) {
		tui_message(t, 1, _("only the applicant %s can submit request '%s'"),
			    applicant ? tui_user_name(t, applicant) : "", title && *title ? title : id);
		return -1;
	}
	if (!state || (strcmp(state, "draft") && strcmp(state, "returned") && strcmp(state, "withdrawn"))) {
		tui_message(t, 1, _("request '%s' is %s: only a draft, returned or withdrawn request can be submitted"),
			    id, tui_state_label(state));
		return -1;
	}
	const struct workflow *w = tui_workflow(t, json_string_value(json_object_get(show, "workflow_version")), NULL);
	const struct form *fm = tui_form_version(t, json_string_value(json_object_get(show, "form_version")));
	const struct org *org = tui_org_version(t, json_string_value(json_object_get(show, "org_version")));
	if (!w || !fm || !org) {
		tui_message(t, 1, _("workflow '%s' cannot be used: its form or the organisation is not deployed"),
			    json_string_value(json_object_get(show, "workflow")));
		return -1;
	}
	const json_t *fields = json_object_get(show, "fields");
	struct nw_ctx c = { .t = t, .form = fm, .org = org };
	struct dialog d;
	struct buf heading = BUF_INIT;
	buf_addf(&heading, _("%s: %s"), !strcmp(state, "draft") ? _("Draft") : tui_state_label(state),
		 title ? title : id);
	const char *modes[] = { _("submit"), _("save changes") };
	nw_dialog(&d, &c, heading.s, modes, 2, fields, title ? title : "");
	buf_release(&heading);
	/* the reason it came back, whole, above what is to be fixed */
	struct buf why = BUF_INIT;
	if (tui_return_reason(t, show, &why)) {
		struct buf text = BUF_INIT;
		utf8_sanitize(&text, why.s);
		buf_reset(&d.text);
		/* TRANSLATORS: above the form of a returned request: why it came back */
		buf_addf(&d.text, _("Returned: %s"), text.s);
		buf_release(&text);
	}
	buf_release(&why);
	struct buf key = BUF_INIT;
	buf_addf(&key, "edit:%s", id);
	nw_restore(t, &d, key.s);
	int rc = 0;
	while (dialog_run(t, &d) == DIALOG_OK && c.data) {
		int save = d.fields[c.f_mode].choice == 1;
		/*
		 * only the title box names the request: a title the data gave (the
		 * form's title field, or its title:) the engine makes again from the
		 * new data, one a person wrote it keeps
		 */
		const char *new_title = c.f_title != SIZE_MAX ? dialog_value(&d, c.f_title) : NULL;
		int same_title = !new_title || !*new_title || (title && !strcmp(new_title, title));
		if (save && same_title && json_equal(c.data, (json_t *)fields)) {
			tui_message(t, 0, "%s", _("nothing changed"));
			break;
		}
		json_t *pl = json_object();
		json_object_set_new(pl, "instance", json_string(id));
		json_object_set(pl, "data", c.data);
		if (!same_title)
			json_object_set_new(pl, "title", json_string(new_title));
		int r = engine_act(t->engine, NULL, save ? EVENT(UPDATED) : EVENT(SUBMITTED), t->user, pl,
				   NULL);
		json_decref(pl);
		if (r >= 0) {
			/* by its title now: the engine may have made it anew from the form (年假 3天) */
			json_t *shown = engine_show(t->engine, id);
			const char *named = json_string_value(json_object_get(shown, "title"));
			tui_message(t, 0, save ? _("changed request '%s'") : _("submitted request '%s'"),
				    named && *named ? named : id);
			json_decref(shown);
			nw_refresh(t);
			rc = 1;
			break;
		}
		nw_refused(t, &d, &c);
	}
	nw_keep(t, &d, key.s, rc == 1);
	buf_release(&key);
	nw_release(&c, &d);
	return rc;
}
