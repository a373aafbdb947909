/*
 * The inbox view, docket's first screen: tabs 待办 (to do), 已办 (done),
 * 我的申请 (my requests) and 待阅 (to read), each with its count, from
 * engine_inbox(). A row shows the urgency mark, the request's title, the
 * workflow, the step (or the request's state), the applicant, when it
 * arrived (done: when you decided; my requests: last updated) and its
 * deadline; an overdue deadline is drawn as `overdue`, urgency marks as
 * `urgent`. A request returned to you is a to-do row whose step says
 * "to resubmit" (as `urgent`): Enter opens it, `P` submits it again. A
 * task of yours that waits for a signer you added before you (加签) or for
 * the one you delegated to (委派) is a to-do row whose title starts with
 * whom it waits for, as `muted` (engine_waiting_note's "(waiting for
 * 孙丽)", as `docket inbox` says it): Enter opens it, where you can remove that signer (减签).
 * `sort` cycles deadline / received / workflow, `/` keeps the rows
 * containing the typed text (as the definitions view), Enter opens the
 * request (view_request.c) and the approval actions act on the selected
 * row's request directly.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "view.h"
#include "widget.h"
#include "../engine/engine.h"
#include "../util/clock.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"

/* The tabs, in order; the index is also the enum inbox_kind asked for. */
static const enum inbox_kind tab_kinds[] = { INBOX_TODO, INBOX_DONE, INBOX_MINE, INBOX_TOREAD };
static const char *const tab_labels[] = { N_("To do"), N_("Done"), N_("My requests"), N_("To read") };
#define NTABS 4

/* One row: a task (to do, done, to read) or one of my requests. */
struct inbox_item {
	char *task;         /* task id, NULL for my requests */
	char *request;      /* request id */
	char *title;        /* the request's title */
	char *workflow;     /* the workflow's name (its id when unknown) */
	char *step;         /* the step's name, or the request's state (my requests) */
	char *applicant;    /* the applicant's name */
	char *received;     /* local "MM-DD HH:MM" it arrived (done: decided; mine: updated), or "" */
	char *deadline;     /* local "MM-DD HH:MM", or "" */
	time_t due;         /* the deadline, 0 for none */
	size_t order;       /* position in the engine's order (received) */
	int urgency;        /* 0 normal, 1 加急, 2 特急 */
	int overdue;        /* 1: pending and past its deadline */
	int resubmit;       /* 1: my request returned to me (no task: submit it again) */
	char *waiting;      /* "(waiting for 孙丽)": my task waits for someone acting for me first; or NULL */
	char *where;        /* my requests: the step it is at and who has it ("部门负责人审批（赵磊）"), or "" */
	char *result;       /* done: what I decided ("已退回"), or "" */
	int marked;         /* to do: marked to be approved with the others marked (`mark`) */
};

enum inbox_sort { SORT_DEADLINE, SORT_RECEIVED, SORT_WORKFLOW, NSORTS };
static const char *const sort_names[] = { N_("deadline"), N_("received"), N_("workflow") };
/* What the time column (and so SORT_RECEIVED) is on each tab: done is when you decided, mine when it changed. */
static const char *const time_names[NTABS] = { N_("received"), N_("time decided"), N_("last update"), N_("received") };
/* How each tab is sorted until `sort` changes it: the deadline on what waits for you, else the newest first. */
static const enum inbox_sort default_sort[NTABS] = { SORT_DEADLINE, SORT_RECEIVED, SORT_RECEIVED, SORT_DEADLINE };

struct inbox_data {
	struct inbox_item *v[NTABS]; /* rows per tab */
	size_t n[NTABS];
	size_t *shown;               /* indexes into v[shown_tab] of the rows shown */
	size_t nshown, shown_alloc;
	size_t shown_tab;            /* the tab `shown` was made for (the active one until it switches) */
	struct tabs tabs;
	struct buf filter;           /* the `/` text */
	enum inbox_sort sort[NTABS]; /* each tab's own order */
	int has_received;            /* some row knows when it arrived (else no such column) */
};

/* Column widths at a width (0 = not shown). */
struct inbox_layout {
	size_t mark, title, workflow, step, applicant, received, deadline;
};

/*
 * Which columns a tab shows at a width, and how wide (in display cells:
 * "收文办理" is 8). Under 100 columns the time takes the workflow's place
 * (the title and the step say what a request is; `/` and sorting still
 * use it) and the step gives a cell ("to resubmit" still fits); under 64
 * only the title, step and deadline remain (my requests: the time); under
 * 40 the title. My requests have no applicant (you) and no deadline: that
 * room says where each one is now (step and handlers), and under 100
 * columns it takes the workflow's place too. Done shows the result in the
 * deadline's place.
 */
static struct inbox_layout inbox_layout(size_t width, int received, enum inbox_kind kind)
{
	struct inbox_layout l = { 2, 0, 10, 12, 9, 11, 11 };
	int mine = kind == INBOX_MINE;
	if (!received)
		l.received = 0;
	if (mine) {
		l.deadline = 0;
		l.applicant = 20; /* where it is now */
		if (width < 100)
			l.workflow = 0;
	} else if (width < 100 && l.received) {
		/* and the title keeps its 30 cells at 80 columns */
		l.workflow = 0;
		l.step = 11;
	}
	if (width < 64) {
		l.workflow = l.applicant = 0;
		l.step = 8;
		if (!mine)
			l.received = 0;
	}
	if (width < 40)
		l.step = l.deadline = l.received = 0;
	size_t fixed = 1 + l.mark + 1;
	size_t cols[] = { l.workflow, l.step, l.applicant, l.received, l.deadline };
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		fixed += cols[i] ? cols[i] + 1 : 0;
	l.title = width > fixed ? width - fixed : 1;
	if (width >= 120) {
		/* room to spare: give the names some */
		l.workflow += 4;
		l.step += 4;
		l.title -= 8;
	}
	return l;
}

/* ISO time as local "MM-DD HH:MM" ("" for none); its time in *when. */
static char *short_time(const char *iso, time_t *when)
{
	time_t t;
	char s[32];
	if (when)
		*when = 0;
	if (!iso || clock_parse_iso(iso, &t))
		return xstrdup("");
	clock_format_local_short(t, s, sizeof(s));
	if (when)
		*when = t;
	return xstrdup(s);
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* 2 for 特急, 1 for 加急, else 0, from a form's urgency value or label. */
static int urgency_level(const char *u)
{
	if (!u)
		return 0;
	if (!strcmp(u, "extra_urgent") || !strcmp(u, "特急"))
		return 2;
	if (!strcmp(u, "urgent") || !strcmp(u, "加急"))
		return 1;
	return 0;
}

/*
 * Where a request of mine in progress is now: its current steps and who
 * holds them ("部门负责人审批（赵磊）"), from engine_show — read only for the
 * requests in progress, which are few. Caller frees.
 */
static char *mine_where(struct tui *t, const char *id)
{
	json_t *show = engine_show(t->engine, id);
	struct buf out = BUF_INIT, who = BUF_INIT;
	size_t i, k;
	json_t *c, *x;
	json_array_foreach(json_object_get(show, "current"), i, c) {
		buf_reset(&who);
		json_array_foreach(json_object_get(show, "tasks"), k, x) {
			const char *st = jstr(x, "state"), *kind = jstr(x, "kind");
			if (!jstr(x, "step") || !jstr(c, "step") || strcmp(jstr(x, "step"), jstr(c, "step")) ||
			    !st || strcmp(st, "pending") || (kind && !strcmp(kind, "read")))
				continue;
			if (who.len)
				buf_adds(&who, _(", "));
			buf_adds(&who, jstr(x, "assignee_name") ? jstr(x, "assignee_name")
								: tui_user_name(t, jstr(x, "assignee")));
		}
		if (out.len)
			buf_adds(&out, _("; "));
		const char *name = jstr(c, "name") ? jstr(c, "name") : jstr(c, "step");
		if (who.len)
			/* TRANSLATORS: a thing and a note on it ("审批（赵磊）"); Chinese uses （） */
			buf_addf(&out, _("%s (%s)"), name ? name : "", who.s);
		else
			buf_adds(&out, name ? name : "");
	}
	json_decref(show);
	buf_release(&who);
	return buf_detach(&out);
}

/* Build the rows of one tab from the engine's JSON. */
static void load_tab(struct tui *t, struct inbox_data *d, size_t tab, json_t *a)
{
	size_t i;
	json_t *o;
	time_t now = clock_now();
	d->v[tab] = xcalloc(json_array_size(a) + 1, sizeof(struct inbox_item));
	json_array_foreach(a, i, o) {
		struct inbox_item *it = &d->v[tab][i];
		const char *wf = jstr(o, "workflow");
		it->request = xstrdup(jstr(o, "request") ? jstr(o, "request") : "");
		it->title = xstrdup(jstr(o, "title") ? jstr(o, "title") : "");
		/* names from the request's own versions (the engine's); the current ones else */
		it->workflow = xstrdup(jstr(o, "workflow_name") ? jstr(o, "workflow_name") : tui_workflow_name(t, wf));
		it->order = i;
		const char *urg = jstr(o, "urgency");
		it->where = xstrdup("");
		it->result = xstrdup("");
		if (tab_kinds[tab] == INBOX_MINE) {
			it->step = xstrdup(tui_state_label(jstr(o, "state")));
			it->applicant = xstrdup(tui_user_name(t, t->user));
			if (jstr(o, "state") && !strcmp(jstr(o, "state"), "running")) {
				free(it->where);
				it->where = mine_where(t, it->request);
			}
			it->received = short_time(jstr(o, "updated_at"), NULL);
			it->deadline = xstrdup("");
		} else {
			const char *kind = jstr(o, "kind");
			it->resubmit = kind && !strcmp(kind, "resubmit");
			struct buf note = BUF_INIT;
			it->waiting = engine_waiting_note(o, &note) ? buf_detach(&note) : NULL;
			buf_release(&note);
			it->task = xstrdup(jstr(o, "task") ? jstr(o, "task") : "");
			it->step = xstrdup(it->resubmit	       ? _("to resubmit")
					   : jstr(o, "step_name") ? jstr(o, "step_name")
								  : tui_step_name(t, NULL, wf, jstr(o, "step")));
			if (!*it->step && kind) { /* an item circulated outside any step: say what it is */
				free(it->step);
				it->step = xstrdup(engine_task_kind_label(kind));
			}
			it->applicant = xstrdup(jstr(o, "applicant_name") ? jstr(o, "applicant_name")
									  : tui_user_name(t, jstr(o, "applicant")));
			if (tab_kinds[tab] == INBOX_DONE && jstr(o, "decision")) {
				free(it->result);
				it->result = xstrdup(engine_action_label(jstr(o, "decision")));
			}
			const char *when = tab_kinds[tab] == INBOX_DONE ? "decided_at" : "received";
			it->received = short_time(jstr(o, when), NULL);
			it->deadline = short_time(jstr(o, "deadline"), &it->due);
			it->overdue = it->due && it->due < now && tab_kinds[tab] != INBOX_DONE;
		}
		d->has_received |= *it->received != 0;
		it->urgency = urgency_level(urg);
	}
	d->n[tab] = json_array_size(a);
}

static void clear_tabs(struct inbox_data *d)
{
	for (size_t k = 0; k < NTABS; k++) {
		for (size_t i = 0; i < d->n[k]; i++) {
			struct inbox_item *it = &d->v[k][i];
			free(it->task);
			free(it->request);
			free(it->title);
			free(it->workflow);
			free(it->step);
			free(it->applicant);
			free(it->received);
			free(it->deadline);
			free(it->waiting);
			free(it->where);
			free(it->result);
		}
		free(d->v[k]);
		d->v[k] = NULL;
		d->n[k] = 0;
	}
	d->nshown = 0;
}

static void inbox_release(struct view *v)
{
	struct inbox_data *d = v->data;
	if (!d)
		return;
	clear_tabs(d);
	free(d->shown);
	tabs_release(&d->tabs);
	buf_release(&d->filter);
	free(d);
	v->data = NULL;
}

static int item_match(const struct inbox_item *it, const char *f)
{
	return !*f || text_match(it->title, f) || (it->waiting && text_match(it->waiting, f)) ||
	       text_match(it->where, f) || text_match(it->result, f) ||
	       text_match(it->workflow, f) || text_match(it->step, f) || text_match(it->applicant, f) ||
	       text_match(it->request, f) || text_match(it->received, f) || text_match(it->deadline, f);
}

/* Sort order of two rows of the active tab (ties keep the engine's order). */
static int item_cmp(const struct inbox_item *a, const struct inbox_item *b, enum inbox_sort s)
{
	int c = 0;
	if (s == SORT_DEADLINE) {
		/* soonest first; none last */
		if (a->due != b->due)
			c = !a->due ? 1 : !b->due ? -1 : a->due < b->due ? -1 : 1;
	} else if (s == SORT_WORKFLOW) {
		c = strcmp(a->workflow, b->workflow);
	}
	if (!c)
		c = a->order < b->order ? -1 : a->order > b->order;
	return c;
}

/* Rows shown for the tab, filter and sort; the selected request stays selected. */
static void inbox_refilter(struct view *v)
{
	struct inbox_data *d = v->data;
	size_t tab = d->tabs.active;
	/* the selected row belongs to the tab the rows were made for, maybe not the active one */
	size_t old = d->shown_tab;
	const char *keep = d->nshown && v->cursor < d->nshown && d->v[old] && d->shown[v->cursor] < d->n[old]
				   ? d->v[old][d->shown[v->cursor]].request : NULL;
	char *keep_id = keep ? xstrdup(keep) : NULL;
	d->nshown = 0;
	for (size_t k = 0; k < NTABS; k++) {
		size_t c = 0;
		for (size_t i = 0; i < d->n[k]; i++)
			c += (size_t)item_match(&d->v[k][i], d->filter.s);
		tabs_set_count(&d->tabs, k, (long)c);
	}
	for (size_t i = 0; i < d->n[tab]; i++) {
		if (!item_match(&d->v[tab][i], d->filter.s))
			continue;
		ALLOC_GROW(d->shown, d->nshown + 1, d->shown_alloc);
		/* insertion sort: inboxes are short */
		size_t at = d->nshown;
		while (at && item_cmp(&d->v[tab][i], &d->v[tab][d->shown[at - 1]], d->sort[tab]) < 0) {
			d->shown[at] = d->shown[at - 1];
			at--;
		}
		d->shown[at] = i;
		d->nshown++;
	}
	v->cursor = 0;
	for (size_t k = 0; keep_id && k < d->nshown; k++)
		if (!strcmp(d->v[tab][d->shown[k]].request, keep_id))
			v->cursor = k;
	free(keep_id);
	d->shown_tab = tab;
	v->lines = d->nshown;
}

/*
 * The marked to-do items' requests, or (`tasks`) their tasks — a mark is
 * on a task: approved, the request's next task is not marked (caller frees
 * the array, not the strings); their count.
 */
static size_t marked_ids(struct inbox_data *d, char ***out, int tasks)
{
	size_t n = 0;
	*out = xcalloc(d->n[0] + 1, sizeof(char *));
	for (size_t i = 0; i < d->n[0]; i++)
		if (d->v[0][i].marked)
			(*out)[n++] = tasks ? d->v[0][i].task : d->v[0][i].request;
	return n;
}

/* Read every tab from the engine. */
static int inbox_load(struct tui *t, struct view *v)
{
	struct inbox_data *d = v->data;
	/* marks stay on the items still to do (those approved have left) */
	char **was;
	size_t nwas = marked_ids(d, &was, 1);
	for (size_t i = 0; i < nwas; i++)
		was[i] = xstrdup(was[i]);
	clear_tabs(d);
	d->has_received = 0;
	for (size_t k = 0; k < NTABS; k++) {
		json_t *a = engine_inbox(t->engine, t->user, tab_kinds[k]);
		if (!a) {
			tui_message(t, 1, _("unable to read the inbox: %s"), engine_error(t->engine));
			for (size_t i = 0; i < nwas; i++)
				free(was[i]);
			free(was);
			return -1;
		}
		load_tab(t, d, k, a);
		json_decref(a);
	}
	for (size_t i = 0; i < nwas; i++) {
		for (size_t k = 0; k < d->n[0]; k++)
			if (d->v[0][k].task && !strcmp(d->v[0][k].task, was[i]))
				d->v[0][k].marked = 1;
		free(was[i]);
	}
	free(was);
	t->pending = (long)d->n[0];
	inbox_refilter(v);
	return 0;
}

static int inbox_open(struct tui *t, struct view *v)
{
	struct inbox_data *d = xcalloc(1, sizeof(*d));
	v->data = d;
	buf_init(&d->filter);
	tabs_init(&d->tabs);
	for (size_t k = 0; k < NTABS; k++) {
		tabs_add(&d->tabs, _(tab_labels[k]), 0);
		d->sort[k] = default_sort[k];
	}
	return inbox_load(t, v);
}

/* How tab `tab` is sorted, as people read it. */
static const char *sort_label(const struct inbox_data *d, size_t tab)
{
	enum inbox_sort s = d->sort[tab];
	return _(s == SORT_RECEIVED ? time_names[tab] : sort_names[s]);
}

static void inbox_title(struct tui *t, struct view *v, struct buf *out)
{
	(void)t;
	struct inbox_data *d = v->data;
	buf_adds(out, _("Inbox"));
	/* TRANSLATORS: after the inbox's title: how the tab shown is sorted ("by deadline") */
	buf_addf(out, _(" (by %s)"), sort_label(d, d->tabs.active));
	size_t marked = 0;
	for (size_t i = 0; i < d->n[0]; i++)
		marked += (size_t)d->v[0][i].marked;
	if (marked)
		/* TRANSLATORS: after the inbox's title: how many to-do items are marked (（已选 3 件）) */
		buf_addf(out, _(" (%zu marked)"), marked);
	if (d->filter.len)
		buf_addf(out, " /%s", d->filter.s);
}

static void inbox_tabbar(struct tui *t, struct view *v, struct row *r)
{
	(void)t;
	struct inbox_data *d = v->data;
	tabs_render(&d->tabs, r);
}

static void inbox_tab_click(struct tui *t, struct view *v, size_t x)
{
	(void)t;
	struct inbox_data *d = v->data;
	long i = tabs_hit(&d->tabs, x);
	if (i >= 0) {
		d->tabs.active = (size_t)i;
		inbox_refilter(v);
	}
}

/* The time column's header on a tab. */
static const char *time_header(enum inbox_kind kind)
{
	return kind == INBOX_DONE ? _("Decided") : kind == INBOX_MINE ? _("Updated") : _("Received");
}

/* Render a row (or the header when it is NULL) of a tab in exactly r->width columns. */
static void inbox_format(struct row *r, const struct inbox_item *it, enum inbox_kind kind, int received)
{
	struct inbox_layout l = inbox_layout(r->width, received, kind);
	int mine = kind == INBOX_MINE;
	enum theme_elem h = TE_HEADER, n = it ? TE_NORMAL : h;
	/* a marked item: a * before it (ASCII, never an ambiguous-width glyph) */
	row_add(r, it && it->marked ? TE_URGENT : n, it && it->marked ? "*" : " ", 1);
	const char *mark = "";
	if (it)
		mark = it->urgency == 2 ? "!!" : it->urgency == 1 ? "!" : "";
	row_add(r, it ? TE_URGENT : h, mark, l.mark);
	row_add(r, n, " ", 1);
	size_t note = 0;
	if (it && it->waiting) {
		/* whom it waits for, then as much of the title as fits */
		note = utf8_width(it->waiting) + 1;
		note = row_add(r, TE_MUTED, it->waiting, note < l.title ? note : l.title);
	}
	if (note < l.title)
		row_add(r, it ? (it->overdue ? TE_OVERDUE : TE_NORMAL) : h, it ? it->title : _("Title"),
			l.title - note);
	if (l.workflow) {
		row_add(r, n, " ", 1);
		row_add(r, it ? TE_MUTED : h, it ? it->workflow : _("Workflow"), l.workflow);
	}
	if (l.step) {
		row_add(r, n, " ", 1);
		row_add(r, it && it->resubmit ? TE_URGENT : n, it ? it->step : mine ? _("State") : _("Step"),
			l.step);
	}
	if (l.applicant) {
		row_add(r, n, " ", 1);
		if (mine)
			row_add(r, n, it ? it->where : _("Now at"), l.applicant);
		else
			row_add(r, n, it ? it->applicant : _("Applicant"), l.applicant);
	}
	if (l.received) {
		row_add(r, n, " ", 1);
		row_add(r, it ? TE_DATE : h, it ? it->received : time_header(kind), l.received);
	}
	if (l.deadline && kind == INBOX_DONE) {
		row_add(r, n, " ", 1);
		row_add(r, n, it ? it->result : _("Result"), l.deadline);
	} else if (l.deadline) {
		row_add(r, n, " ", 1);
		row_add(r, it ? (it->overdue ? TE_OVERDUE : TE_DATE) : h, it ? it->deadline : _("Deadline"),
			l.deadline);
	}
	row_fill(r, n);
}

static void inbox_header(struct tui *t, struct view *v, struct row *r)
{
	(void)t;
	struct inbox_data *d = v->data;
	inbox_format(r, NULL, tab_kinds[d->tabs.active], d->has_received);
}

static void inbox_line(struct tui *t, struct view *v, size_t i, struct row *r)
{
	(void)t;
	struct inbox_data *d = v->data;
	inbox_format(r, &d->v[d->tabs.active][d->shown[i]], tab_kinds[d->tabs.active], d->has_received);
}

/* Prompt callback: filter as the user types. */
static void inbox_filter_changed(struct tui *t, struct prompt *p, void *ctx)
{
	(void)t;
	struct view *v = ctx;
	struct inbox_data *d = v->data;
	buf_reset(&d->filter);
	buf_adds(&d->filter, p->edit.text.s);
	inbox_refilter(v);
	buf_reset(&p->info);
	buf_addf(&p->info, _("%zu of %zu"), d->nshown, d->n[d->tabs.active]);
}

static void inbox_filter(struct tui *t, struct view *v)
{
	struct inbox_data *d = v->data;
	char *old = xstrdup(d->filter.s);
	struct prompt p;
	prompt_init(&p, "/", d->filter.s);
	p.changed = inbox_filter_changed;
	p.ctx = v;
	if (prompt_run(t, &p) != DIALOG_OK) {
		buf_reset(&d->filter);
		buf_adds(&d->filter, old);
		inbox_refilter(v);
	}
	free(old);
	prompt_release(&p);
}

/* The selected row's request id, or NULL. */
static const char *selected(struct view *v)
{
	struct inbox_data *d = v->data;
	if (!v->lines || v->cursor >= d->nshown)
		return NULL;
	return d->v[d->tabs.active][d->shown[v->cursor]].request;
}

/* mark: on the to-do tab, mark the selected item (or unmark it) and go to the next. */
static void inbox_mark(struct tui *t, struct view *v)
{
	struct inbox_data *d = v->data;
	if (tab_kinds[d->tabs.active] != INBOX_TODO) {
		tui_message(t, 1, "%s", _("only items to do are marked, to approve several at once"));
		return;
	}
	if (!v->lines || v->cursor >= d->nshown)
		return;
	struct inbox_item *it = &d->v[0][d->shown[v->cursor]];
	if (it->resubmit || it->waiting) {
		tui_message(t, 1, "%s", _("this item is not yours to approve now"));
		return;
	}
	it->marked = !it->marked;
	if (v->cursor + 1 < v->lines)
		v->cursor++;
}

static int inbox_request(struct tui *t, struct view *v, enum action a)
{
	struct inbox_data *d = v->data;
	if ((a == ACT_APPROVE || a == ACT_APPROVE_DEFAULT) && tab_kinds[d->tabs.active] == INBOX_TODO) {
		char **ids;
		size_t n = marked_ids(d, &ids, 0);
		if (n) {
			/* the marked ones, with one opinion; what was not approved stays marked */
			char **own = xcalloc(n, sizeof(char *));
			for (size_t i = 0; i < n; i++)
				own[i] = xstrdup(ids[i]);
			free(ids);
			if (request_approve_many(t, own, n)) {
				inbox_load(t, v);
				tui_update_pending(t);
			}
			for (size_t i = 0; i < n; i++)
				free(own[i]);
			free(own);
			return 1;
		}
		free(ids);
	}
	if (a == ACT_MARK) {
		inbox_mark(t, v);
		return 1;
	}
	if (request_action(a)) {
		const char *id = selected(v);
		if (!id) {
			tui_message(t, 1, "%s", _("nothing selected"));
			return 1;
		}
		char *req = xstrdup(id);
		if (request_act(t, req, a) == 1) {
			inbox_load(t, v);
			tui_update_pending(t);
		}
		free(req);
		return 1;
	}
	switch (a) {
	case ACT_OPEN: {
		const char *id = selected(v);
		if (id)
			tui_push(t, &request_view_ops, request_view_data(id));
		return 1;
	}
	case ACT_NEXT_TAB:
	case ACT_PREV_TAB:
		tabs_action(&d->tabs, a);
		inbox_refilter(v);
		return 1;
	case ACT_SORT: {
		size_t tab = d->tabs.active;
		/* my requests and what I decided show no deadline to sort by */
		do
			d->sort[tab] = (enum inbox_sort)((d->sort[tab] + 1) % NSORTS);
		while ((tab_kinds[tab] == INBOX_MINE || tab_kinds[tab] == INBOX_DONE) && d->sort[tab] == SORT_DEADLINE);
		inbox_refilter(v);
		tui_message(t, 0, _("sorted by %s"), sort_label(d, tab));
	}
		return 1;
	case ACT_SEARCH:
		inbox_filter(t, v);
		return 1;
	case ACT_BACK:
		if (!d->filter.len)
			return 0;
		buf_reset(&d->filter);
		inbox_refilter(v);
		return 1;
	case ACT_REFRESH:
		inbox_load(t, v);
		return 1;
	default:
		return 0;
	}
}

/* What this screen does besides what every screen does (the help lists them). */
static const enum action inbox_keys[] = {
	ACT_OPEN, ACT_NEXT_TAB, ACT_PREV_TAB, ACT_SORT, ACT_MARK, ACT_APPROVE, ACT_APPROVE_DEFAULT, ACT_REJECT, ACT_RETURN, ACT_TRANSFER, ACT_DELEGATE, ACT_ADD_SIGNER,
	ACT_REMOVE_SIGNER, ACT_CIRCULATE, ACT_URGE, ACT_WITHDRAW, ACT_SUBMIT, ACT_TERMINATE,
	ACT_TAKE_BACK, ACT_MARK_READ, ACT_NONE
};

const struct view_ops inbox_view_ops = {
	.name = "inbox",
	.title = inbox_title,
	.open = inbox_open,
	.tabbar = inbox_tabbar,
	.tab_click = inbox_tab_click,
	.header = inbox_header,
	.line = inbox_line,
	.request = inbox_request,
	.release = inbox_release,
	.empty = N_("nothing here"),
	.keys = inbox_keys,
};
