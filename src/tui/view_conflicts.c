/*
 * The 同步冲突 view: the signed-in person's actions the server did not
 * accept (sync/conflicts.h), each with when it was made, what it was, the
 * request's title and why — "已由王芳于10:02处理" when someone else's
 * decision on the same step is known here, else the server's words.
 * Enter opens the request as it is now; the `return` key (r) does the
 * action again there, through the request's own dialog; the `diff` key
 * (d) discards it after asking. Both are recorded with the row, which
 * then leaves the list (doc/tui.md, "Sync").
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "view.h"
#include "widget.h"
#include "../defs/workflow.h"
#include "../engine/engine.h"
#include "../store/store.h"
#include "../sync/conflicts.h"
#include "../sync/sync.h"
#include "../util/clock.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"

/* One rejected action as the list shows it. */
struct cf_item {
	char *uuid;     /* its event */
	char *type;     /* its event type */
	char *request;  /* the request it was on, or NULL */
	char *when;     /* made at, "03-02 09:30" */
	char *what;     /* the action's name: 同意 */
	char *title;    /* the request's title (its id when it has none here) */
	char *reason;   /* why, as people read it */
};

struct cf_data {
	struct cf_item *v;
	size_t n, alloc;
};

/* The local time of an ISO 8601 time: "09:30" on the day of now, else "03-01 09:30". */
static void cf_time(const char *iso, char *out, size_t n)
{
	time_t at;
	char a[32], b[32];
	out[0] = 0;
	if (!iso || clock_parse_iso(iso, &at))
		return;
	clock_format_local(at, a, sizeof(a));
	clock_format_local(clock_now(), b, sizeof(b));
	snprintf(out, n, "%s", strncmp(a, b, 10) ? a + 5 : a + 11);
}

/* sync_unapplied_foreach: the first decision pulled but not applied here by one of `people`. */
struct cf_pulled {
	const json_t *people; /* user ids */
	char *actor, *made_at;
};

static int cf_pulled_row(void *ctx, const char *uuid, const char *type, const char *actor, const char *made_at,
			 const char *code, const char *reason)
{
	(void)uuid, (void)code, (void)reason;
	struct cf_pulled *p = ctx;
	if (strcmp(type, "task.approved") && strcmp(type, "task.rejected") && strcmp(type, "instance.returned"))
		return 0;
	size_t i;
	json_t *x;
	json_array_foreach(p->people, i, x) {
		if (!strcmp(json_string_value(x), actor)) {
			p->actor = xstrdup(actor);
			p->made_at = xstrdup(made_at);
			return 1;
		}
	}
	return 0;
}

/*
 * Why the server did not accept c, as people read it: on a step where one
 * person's decision ends it for the others (或签, 认领, a single handler),
 * when another person's decision there is known — in the request's trail,
 * or pulled and waiting to be applied here — who handled it and when
 * (已由王芳于10:02处理); else the server's own words.
 */
static void cf_reason(struct tui *t, const struct sync_conflict *c, const json_t *show, struct buf *out)
{
	const char *step = NULL;
	json_t *others = json_array();
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(show, "tasks"), i, x) {
		const char *id = json_string_value(json_object_get(x, "task"));
		if (c->task && id && !strcmp(id, c->task))
			step = json_string_value(json_object_get(x, "step"));
	}
	/* only where one person's decision ends the step for the others: 或签, 认领, a single handler */
	const struct workflow *w = tui_workflow(t, json_string_value(json_object_get(show, "workflow_version")),
						json_string_value(json_object_get(show, "workflow")));
	const struct step *ws = w && step ? workflow_step(w, step) : NULL;
	if (!ws || (ws->mode != MODE_ANY && ws->mode != MODE_CLAIM && ws->mode != MODE_SINGLE))
		step = NULL;
	json_array_foreach(json_object_get(show, "tasks"), i, x) {
		const char *who = json_string_value(json_object_get(x, "assignee"));
		const char *st = json_string_value(json_object_get(x, "step"));
		if (step && st && who && !strcmp(st, step) && strcmp(who, c->actor))
			json_array_append_new(others, json_string(who));
	}
	const char *by = NULL, *at = NULL;
	json_array_foreach(json_object_get(show, "trail"), i, x) {
		const char *a = json_string_value(json_object_get(x, "action"));
		const char *st = json_string_value(json_object_get(x, "step"));
		const char *who = json_string_value(json_object_get(x, "actor"));
		if (step && st && a && who && !strcmp(st, step) && strcmp(who, c->actor) &&
		    (!strcmp(a, "approve") || !strcmp(a, "reject") || !strcmp(a, "returned"))) {
			by = who;
			at = json_string_value(json_object_get(x, "at"));
		}
	}
	struct cf_pulled p = { others, NULL, NULL };
	if (!by && step && json_array_size(others) && sync_unapplied_foreach(t->store, cf_pulled_row, &p) == 1) {
		by = p.actor;
		at = p.made_at;
	}
	if (by) {
		char when[32];
		cf_time(at, when, sizeof(when));
		/* TRANSLATORS: why an action was not accepted: someone else decided first (已由王芳于10:02处理) */
		buf_addf(out, _("handled by %s at %s"), tui_user_name(t, by), when);
	} else {
		buf_adds(out, c->reason);
	}
	free(p.actor);
	free(p.made_at);
	json_decref(others);
}

/* An action's name by its event type (同意 for task.approved); the type when unknown. */
static const char *cf_what(const char *type)
{
	const struct engine_action *a = engine_action_by_type(type);
	return a ? _(a->title) : type;
}

struct cf_load {
	struct tui *t;
	struct cf_data *d;
};

static int cf_collect(void *ctx, const struct sync_conflict *c)
{
	struct cf_load *l = ctx;
	json_t *show = c->request ? engine_show(l->t->engine, c->request) : NULL;
	struct buf reason = BUF_INIT;
	cf_reason(l->t, c, show, &reason);
	char when[32];
	cf_time(c->made_at, when, sizeof(when));
	const char *title = json_string_value(json_object_get(show, "title"));
	ALLOC_GROW(l->d->v, l->d->n + 1, l->d->alloc);
	l->d->v[l->d->n++] = (struct cf_item){
		xstrdup(c->uuid), xstrdup(c->type), c->request ? xstrdup(c->request) : NULL, xstrdup(when),
		xstrdup(cf_what(c->type)), xstrdup(title ? title : c->request ? c->request : "-"), buf_detach(&reason),
	};
	json_decref(show);
	return 0;
}

static void cf_release(struct view *v)
{
	struct cf_data *d = v->data;
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		struct cf_item *it = &d->v[i];
		free(it->uuid);
		free(it->type);
		free(it->request);
		free(it->when);
		free(it->what);
		free(it->title);
		free(it->reason);
	}
	free(d->v);
	free(d);
	v->data = NULL;
}

static int cf_open(struct tui *t, struct view *v)
{
	struct cf_data *d = xcalloc(1, sizeof(*d));
	v->data = d;
	struct cf_load l = { t, d };
	int rc = t->user ? sync_conflicts_foreach(t->store, t->engine, t->user, SYNC_CONFLICTS_WAITING, cf_collect, &l)
			 : 0;
	if (rc < 0) {
		tui_message(t, 1, "%s", store_error(t->store));
		return -1;
	}
	v->lines = d->n;
	return 0;
}

static void cf_title(struct tui *t, struct view *v, struct buf *out)
{
	(void)t, (void)v;
	/* TRANSLATORS: the title of the list of the user's actions the server rejected */
	buf_adds(out, _("Sync conflicts"));
}

/* Columns at a width: time, action, title, then the reason takes the rest. */
static void cf_cols(size_t width, size_t *when, size_t *what, size_t *title)
{
	*when = 11;
	*what = 12;
	size_t rest = width > 1 + 11 + 1 + 12 + 1 + 1 ? width - (1 + 11 + 1 + 12 + 1 + 1) : 2;
	*title = rest * 2 / 5;
	if (*title > 30)
		*title = 30;
}

static void cf_row(struct row *r, const struct cf_item *it)
{
	size_t when, what, title;
	cf_cols(r->width, &when, &what, &title);
	enum theme_elem h = TE_HEADER;
	row_add(r, it ? TE_NORMAL : h, " ", 1);
	row_add(r, it ? TE_DATE : h, it ? it->when : _("Made"), when);
	row_add(r, it ? TE_NORMAL : h, " ", 1);
	row_add(r, it ? TE_NORMAL : h, it ? it->what : _("Action"), what);
	row_add(r, it ? TE_NORMAL : h, " ", 1);
	row_add(r, it ? TE_NORMAL : h, it ? it->title : _("Title"), title);
	row_add(r, it ? TE_NORMAL : h, " ", 1);
	row_add(r, it ? TE_ERROR : h, it ? it->reason : _("Why not accepted"), 0);
}

static void cf_header(struct tui *t, struct view *v, struct row *r)
{
	(void)t, (void)v;
	cf_row(r, NULL);
}

static void cf_line(struct tui *t, struct view *v, size_t i, struct row *r)
{
	(void)t;
	struct cf_data *d = v->data;
	cf_row(r, &d->v[i]);
}

/* The list again, the cursor kept in range, and the status bar's count. */
static void cf_reload(struct tui *t, struct view *v)
{
	size_t cur = v->cursor;
	cf_release(v);
	v->lines = 0;
	if (!cf_open(t, v))
		v->cursor = cur < v->lines ? cur : (v->lines ? v->lines - 1 : 0);
	tui_update_pending(t);
}

/* Do the action again on the request as it is now: its own dialog; recorded as redone when done. */
static void cf_redo(struct tui *t, struct view *v, const struct cf_item *it)
{
	enum action a = request_action_for_type(it->type);
	if (a == ACT_NONE || !it->request) {
		tui_message(t, 1, _("“%s” cannot be done again from here: open the request and act on it as it is now"),
			    it->what);
		return;
	}
	char *uuid = xstrdup(it->uuid), *req = xstrdup(it->request), *what = xstrdup(it->what),
	     *why = xstrdup(it->reason);
	int rc = request_act(t, req, a);
	if (rc < 0)
		/* the engine's refusal names ids; the list's reason says it in words */
		tui_message(t, 1, _("“%s” cannot be done again on the request as it is now: %s"), what, why);
	if (rc == 1) {
		struct buf err = BUF_INIT;
		if (sync_conflict_redone(t->store, uuid, t->user, &err))
			tui_message(t, 1, "%s", err.s);
		buf_release(&err);
		tui_refresh_views(t);
		cf_reload(t, v);
	}
	free(uuid);
	free(req);
	free(what);
	free(why);
}

/* Discard it, after asking: recorded, who and when. */
static void cf_discard(struct tui *t, struct view *v, const struct cf_item *it)
{
	struct buf q = BUF_INIT;
	/* TRANSLATORS: asked before discarding a rejected action: the action, then the request's title */
	buf_addf(&q, _("Discard your “%s” on “%s”?\nIt will not be done again; the discard is recorded."), it->what,
		 it->title);
	/* TRANSLATORS: the title of the box asking before a rejected action is discarded */
	int yes = dialog_confirm(t, _("Discard"), q.s);
	buf_release(&q);
	if (!yes)
		return;
	struct buf err = BUF_INIT, what = BUF_INIT;
	buf_addf(&what, _("discarded your “%s” on “%s”"), it->what, it->title);
	if (sync_conflict_discard(t->store, it->uuid, t->user, &err))
		tui_message(t, 1, "%s", err.s);
	else
		tui_message(t, 0, "%s", what.s);
	buf_release(&err);
	buf_release(&what);
	cf_reload(t, v);
}

static int cf_request(struct tui *t, struct view *v, enum action a)
{
	struct cf_data *d = v->data;
	const struct cf_item *it = d && v->cursor < d->n ? &d->v[v->cursor] : NULL;
	switch (a) {
	case ACT_OPEN:
		if (!it)
			return 1;
		if (!it->request)
			tui_message(t, 1, "%s", _("the request of this action is not on this terminal"));
		else
			tui_push(t, &request_view_ops, request_view_data(it->request));
		return 1;
	case ACT_RETURN:
		if (it)
			cf_redo(t, v, it);
		return 1;
	case ACT_DIFF:
		if (it)
			cf_discard(t, v, it);
		return 1;
	case ACT_REFRESH:
		cf_reload(t, v);
		return 1;
	default:
		return 0;
	}
}

/* The keys this list takes over from the request's: r does again, d discards. */
static const char *cf_key_help(enum action a)
{
	switch (a) {
	case ACT_OPEN:
		return N_("Open the request as it is now");
	case ACT_RETURN:
		return N_("Do the action again on the request as it is now (its own dialog)");
	case ACT_DIFF:
		return N_("Discard the action, after asking (recorded, who and when)");
	default:
		return NULL;
	}
}

static const enum action conflicts_keys[] = { ACT_OPEN, ACT_RETURN, ACT_DIFF, ACT_NONE };

const struct view_ops conflicts_view_ops = {
	.name = "conflicts",
	.title = cf_title,
	.open = cf_open,
	.header = cf_header,
	.line = cf_line,
	.request = cf_request,
	.release = cf_release,
	/* TRANSLATORS: the sync conflicts list when it is empty */
	.empty = N_("none: the server accepted every action of yours it was sent"),
	.keys = conflicts_keys,
	.key_help = cf_key_help,
};

/* ---- the request page's note (view_request.c) ---- */

struct cf_notes {
	struct tui *t;
	const char *id;
	const json_t *show;
	struct buf *out;
	size_t n;
};

static int cf_note(void *ctx, const struct sync_conflict *c)
{
	struct cf_notes *k = ctx;
	if (!c->request || strcmp(c->request, k->id))
		return 0;
	struct buf why = BUF_INIT;
	cf_reason(k->t, c, k->show, &why);
	if (k->n++)
		buf_addch(k->out, '\n');
	/* TRANSLATORS: on a request's page: the user's action the server rejected, and why */
	buf_addf(k->out, _("your “%s” was not accepted by the server: %s (see the sync conflicts)"), cf_what(c->type),
		 why.s);
	buf_release(&why);
	return 0;
}

size_t tui_conflict_notes(struct tui *t, const char *id, struct buf *out)
{
	if (!t->user || !t->sync.conflicts)
		return 0;
	json_t *show = engine_show(t->engine, id);
	struct cf_notes k = { t, id, show, out, 0 };
	sync_conflicts_foreach(t->store, t->engine, t->user, SYNC_CONFLICTS_WAITING, cf_note, &k);
	json_decref(show);
	return k.n;
}
