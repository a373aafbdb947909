/*
 * standin: the 代理 dialog — while I am away (a date range, optionally for
 * one workflow) my new tasks go to my stand-in. The inputs become the
 * `standin.set` event `docket standin` sends (src/cli/cmd_engine.c); a
 * refusal is shown in the dialog, which stays open.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../defs/org.h"
#include "../defs/value.h"
#include "../engine/engine.h"
#include "../store/store.h"
#include "../util/xalloc.h"
#include "../util/i18n.h"
#include "view.h"
#include "widget.h"

/* An operation's event type, from the action table (actions.def). */
#define EVENT(op) (engine_action(ENG_OP_##op)->type)

/* The dialog's fields. */
struct standin_ctx {
	size_t f_user, f_from, f_to, f_wf;
};

/* edit-pick: a person for the stand-in, a workflow for the last field. */
static void standin_pick(struct tui *t, struct dialog *d, size_t field, enum action a, void *ctxp)
{
	struct standin_ctx *c = ctxp;
	if (a != ACT_EDIT_PICK)
		return;
	if (field == c->f_user) {
		const struct org *o = tui_org(t, NULL);
		long k = tui_pick_user(t, o);
		if (k >= 0)
			edit_set(&d->fields[field].edit, o->users[k].id);
	} else if (field == c->f_wf) {
		char *id = NULL, *hash = NULL;
		if (tui_pick_workflow(t, _("Only for workflow"), &id, &hash) == 0)
			edit_set(&d->fields[field].edit, tui_workflow_name(t, id));
		free(id);
		free(hash);
	} else {
		return;
	}
	buf_reset(&d->fields[field].msg);
}

static char *standin_workflow(struct tui *t, const char *s);

/* Check what can be checked here, each at its field; 0 when all is well. */
static int standin_check(struct tui *t, struct dialog *d, const struct standin_ctx *c)
{
	int64_t from = 0, to = 0;
	int bad = 0;
	if (date_parse_lenient(dialog_value(d, c->f_from), &from) < 0) {
		dialog_error(d, c->f_from, _("'%s' is not a date (YYYY-MM-DD)"), dialog_value(d, c->f_from));
		bad = 1;
	}
	if (date_parse_lenient(dialog_value(d, c->f_to), &to) < 0) {
		dialog_error(d, c->f_to, _("'%s' is not a date (YYYY-MM-DD)"), dialog_value(d, c->f_to));
		bad = 1;
	} else if (!bad && to < from) {
		dialog_error(d, c->f_to, _("the absence ends (%s) before it starts (%s)"), dialog_value(d, c->f_to),
			     dialog_value(d, c->f_from));
		bad = 1;
	}
	char *wf = standin_workflow(t, dialog_value(d, c->f_wf));
	char *hash = wf ? engine_current_version(t->engine, "workflow", wf) : NULL;
	if (*dialog_value(d, c->f_wf) && !hash) {
		dialog_error(d, c->f_wf, _("no workflow '%s' is deployed"), dialog_value(d, c->f_wf));
		bad = 1;
	}
	free(hash);
	free(wf);
	return bad;
}

/* store_def_list callback: the id of the workflow named ctx->name, when it is the only one. */
struct wf_find {
	const char *name;
	char *id;
	int n;
};

static int wf_find_fn(void *ctx, const struct store_def *sd)
{
	struct wf_find *f = ctx;
	if (strcmp(sd->kind, "workflow") || !sd->name || strcmp(sd->name, f->name))
		return 0;
	if (!f->n++)
		f->id = xstrdup(sd->id);
	return 0;
}

/* The workflow `s` names, by id or by its (unique) name, as an id (caller frees); NULL: none. */
static char *standin_workflow(struct tui *t, const char *s)
{
	if (!*s)
		return NULL;
	char *hash = engine_current_version(t->engine, "workflow", s);
	if (hash) {
		free(hash);
		return xstrdup(s);
	}
	struct wf_find f = { s, NULL, 0 };
	store_def_list(t->store, 0, wf_find_fn, &f);
	if (f.n != 1) {
		free(f.id);
		return NULL;
	}
	return f.id;
}

void tui_standin(struct tui *t)
{
	struct dialog d;
	dialog_init(&d, _("Stand-in while I am away"));
	d.confirm_discard = 1;
	struct buf k = BUF_INIT;
	keymap_describe(&t->keymap, ACT_EDIT_PICK, "/", &k);
	buf_adds(&d.text, _("new tasks in this period go to your stand-in, recorded as \"B on behalf of A\""));
	buf_addch(&d.text, '\n');
	buf_addf(&d.text, _("%s: choose the stand-in or the workflow"), k.s);
	buf_release(&k);
	struct standin_ctx c;
	c.f_user = dialog_add_text(&d, _("Stand-in"), "", 64, 1, 1);
	c.f_from = dialog_add_text(&d, _("From (YYYY-MM-DD)"), "", 32, 1, 1);
	c.f_to = dialog_add_text(&d, _("To (YYYY-MM-DD)"), "", 32, 1, 1);
	c.f_wf = dialog_add_text(&d, _("Workflow (optional)"), "", 64, 1, 0);
	d.ctx = &c;
	d.on_action = standin_pick;
	while (dialog_run(t, &d) == DIALOG_OK) {
		for (size_t i = 0; i < d.nfields; i++)
			buf_reset(&d.fields[i].msg);
		char *who = tui_user_id(t, dialog_value(&d, c.f_user));
		int bad = standin_check(t, &d, &c);
		if (!who)
			dialog_error(&d, c.f_user, _("no such person: '%s'"), dialog_value(&d, c.f_user));
		if (!who || bad) {
			free(who);
			d.result = DIALOG_OPEN;
			for (size_t i = 0; i < d.nfields; i++)
				if (d.fields[i].msg.len) {
					d.focus = i;
					break;
				}
			continue;
		}
		/* the days as typed (2026/3/2), sent as YYYY-MM-DD (checked above) */
		int64_t from = 0, to = 0;
		char from_s[16], to_s[16];
		date_parse_lenient(dialog_value(&d, c.f_from), &from);
		date_parse_lenient(dialog_value(&d, c.f_to), &to);
		date_format(from, from_s, sizeof(from_s));
		date_format(to, to_s, sizeof(to_s));
		json_t *p = json_pack("{s:s, s:s, s:s}", "standin", who, "from", from_s, "to", to_s);
		char *wf = standin_workflow(t, dialog_value(&d, c.f_wf));
		if (wf)
			json_object_set_new(p, "workflow", json_string(wf));
		free(wf);
		int r = engine_act(t->engine, NULL, EVENT(STANDIN_SET), t->user, p, NULL);
		json_decref(p);
		if (r >= 0) {
			tui_message(t, 0, _("stand-in '%s' recorded"), tui_user_name(t, who));
			free(who);
			break;
		}
		free(who);
		dialog_error(&d, c.f_user, "%s", engine_error(t->engine));
		d.result = DIALOG_OPEN;
		d.focus = c.f_user;
	}
	dialog_release(&d);
}
