/*
 * standin: 代理 — the list of my stand-ins not yet ended (those I named and
 * those naming me, as `docket standin list`), the dialog that names one
 * while I am away (a date range, optionally for one workflow: my new tasks
 * go to my stand-in) and the cancelling of the one selected. The inputs
 * become the `standin.set` and `standin.cancelled` events `docket standin`
 * sends (src/cli/cmd_engine.c); the engine judges both, and a refusal is
 * shown where it was asked (the dialog stays open; a cancel says why in
 * the status bar).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../defs/org.h"
#include "../defs/value.h"
#include "../engine/engine.h"
#include "../store/store.h"
#include "../util/clock.h"
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

/* The workflow `s` names, by id or by its (unique) name, as an id (caller frees); NULL: none. */
static char *standin_workflow(struct tui *t, const char *s)
{
	char *id = NULL;
	if (*s && engine_find_workflow(t->engine, s, &id) < 0)
		return NULL;
	return id;
}

/* The dialog naming a stand-in; 1 when one was recorded. */
static int standin_new(struct tui *t)
{
	int done = 0;
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
			done = 1;
			break;
		}
		free(who);
		dialog_error(&d, c.f_user, "%s", engine_error(t->engine));
		d.result = DIALOG_OPEN;
		d.focus = c.f_user;
	}
	dialog_release(&d);
	return done;
}

/* ---- the list ---- */

/* The list's rows: engine_standins(), owned. */
struct standins_data {
	json_t *rows;
};

static const char *sj(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

static int standins_load(struct tui *t, struct view *v)
{
	struct standins_data *d = v->data;
	time_t now = clock_now();
	struct tm tm;
	char today[16];
	localtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	json_t *a = engine_standins(t->engine, t->user, today);
	if (!a) {
		tui_message(t, 1, "%s", engine_error(t->engine));
		return -1;
	}
	json_decref(d->rows);
	d->rows = a;
	v->lines = json_array_size(a);
	if (v->cursor >= v->lines)
		v->cursor = v->lines ? v->lines - 1 : 0;
	return 0;
}

static int standins_open(struct tui *t, struct view *v)
{
	v->data = xcalloc(1, sizeof(struct standins_data));
	return standins_load(t, v);
}

static void standins_release(struct view *v)
{
	struct standins_data *d = v->data;
	if (d)
		json_decref(d->rows);
	free(d);
	v->data = NULL;
}

static void standins_title(struct tui *t, struct view *v, struct buf *out)
{
	(void)t;
	(void)v;
	buf_adds(out, _("Stand-ins"));
}

/* A row (NULL: the header): from, to, who stands in for whom, the workflow. */
static void standins_format(struct row *r, const json_t *o)
{
	enum theme_elem n = o ? TE_NORMAL : TE_HEADER;
	size_t who = r->width > 60 ? 28 : 20;
	row_add(r, n, " ", 1);
	row_add(r, o ? TE_DATE : n, o ? sj(o, "from") : C_("period", "From"), 10);
	row_add(r, n, " ", 1);
	row_add(r, o ? TE_DATE : n, o ? sj(o, "to") : C_("period", "To"), 10);
	row_add(r, n, " ", 1);
	if (o) {
		struct buf b = BUF_INIT;
		buf_addf(&b, _("%s: %s stands in"), sj(o, "user_name"), sj(o, "standin_name"));
		row_add(r, n, b.s, who);
		buf_release(&b);
	} else {
		row_add(r, n, _("Stand-in"), who);
	}
	row_add(r, n, " ", 1);
	const char *wf = json_string_value(json_object_get(o, "workflow_name"));
	row_add(r, o ? TE_MUTED : n, o ? (wf ? wf : _("every workflow")) : _("Workflow"), 0);
	row_fill(r, n);
}

static void standins_header(struct tui *t, struct view *v, struct row *r)
{
	(void)t;
	(void)v;
	standins_format(r, NULL);
}

static void standins_line(struct tui *t, struct view *v, size_t i, struct row *r)
{
	(void)t;
	struct standins_data *d = v->data;
	standins_format(r, json_array_get(d->rows, i));
}

/* Cancel the selected stand-in, once asked: the engine says whether this person may. */
static void standins_cancel(struct tui *t, struct view *v)
{
	struct standins_data *d = v->data;
	const json_t *o = v->lines ? json_array_get(d->rows, v->cursor) : NULL;
	if (!o) {
		tui_message(t, 1, "%s", _("nothing selected"));
		return;
	}
	struct buf q = BUF_INIT;
	buf_addf(&q, _("cancel %s's stand-in for %s (%s to %s)? New tasks go to %s again"), sj(o, "standin_name"),
		 sj(o, "user_name"), sj(o, "from"), sj(o, "to"), sj(o, "user_name"));
	int yes = dialog_confirm(t, _(engine_action(ENG_OP_STANDIN_CANCELLED)->title), q.s);
	buf_release(&q);
	if (!yes)
		return;
	json_t *p = json_pack("{s:s}", "event", sj(o, "id"));
	char *name = xstrdup(sj(o, "standin_name"));
	int r = engine_act(t->engine, NULL, EVENT(STANDIN_CANCELLED), t->user, p, NULL);
	json_decref(p);
	if (r >= 0)
		tui_message(t, 0, _("stand-in '%s' cancelled"), name);
	else
		tui_message(t, 1, "%s", engine_error(t->engine));
	free(name);
	standins_load(t, v);
}

static int standins_request(struct tui *t, struct view *v, enum action a)
{
	switch (a) {
	case ACT_STANDIN:
		if (standin_new(t))
			standins_load(t, v);
		return 1;
	case ACT_CANCEL_STANDIN:
		standins_cancel(t, v);
		return 1;
	case ACT_REFRESH:
		standins_load(t, v);
		return 1;
	default:
		return 0;
	}
}

static const enum action standins_keys[] = { ACT_STANDIN, ACT_CANCEL_STANDIN, ACT_NONE };

const struct view_ops standins_view_ops = {
	.name = "standins",
	.title = standins_title,
	.open = standins_open,
	.header = standins_header,
	.line = standins_line,
	.request = standins_request,
	.release = standins_release,
	.empty = N_("no stand-in"),
	.keys = standins_keys,
};

void tui_standin(struct tui *t)
{
	/* the list, where the same key names one; with none yet, straight to naming one */
	if (tui_push(t, &standins_view_ops, NULL) == 0 && !t->views[t->nviews - 1]->lines)
		if (standin_new(t))
			standins_load(t, t->views[t->nviews - 1]);
}
