/*
 * The "Definitions" view: every deployed definition that is current —
 * kind, id, name, version (the first 8 hex digits of its SM3 hash) and
 * when it was deployed. Enter opens one (view_def.c). Tabs pick a kind
 * (全部 / workflow / form / organisation / theme, with counts); `/` keeps
 * the rows whose columns contain the typed text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"
#include "widget.h"
#include "../store/store.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"

/* What the view keeps of one deployed definition. */
struct def_item {
	char *kind;        /* "workflow", ... */
	char *id;          /* definition id */
	char *name;        /* display name or NULL */
	char *hash;        /* SM3 hex */
	char *deployed_at; /* ISO 8601 */
};

struct defs_data {
	struct def_item *v; /* current definitions in store order */
	size_t n, alloc;
	size_t *shown;      /* indexes into v of the rows shown (tab and filter) */
	size_t nshown, shown_alloc;
	struct tabs tabs;   /* 0: all, then one per kind (defs_kinds, then others found) */
	char **tab_kinds;   /* the kind of each tab (tab_kinds[0] NULL: all); owned */
	size_t ntab_kinds, tab_kinds_alloc;
	struct buf filter;  /* the `/` text; "" shows everything */
};

/* The kinds, in tab order after "all". */
static const char *const defs_kinds[] = { "workflow", "form", "organisation", "theme" };
#define NKINDS (sizeof(defs_kinds) / sizeof(defs_kinds[0]))

/* Column widths for a row `width` columns wide (0 = column not shown). */
struct defs_layout {
	size_t kind, id, name, version, date;
};

/*
 * The layout at a width: fixed kind/version/date columns and the rest
 * shared by id (two fifths, 6..24) and name; narrow screens drop the date,
 * then the version.
 */
static struct defs_layout defs_layout(size_t width)
{
	struct defs_layout l = { 12, 0, 0, 8, 16 };
	if (width < 60)
		l.date = 0;
	if (width < 40)
		l.version = 0;
	if (width < 24)
		l.kind = 0;
	size_t fixed = 1 + (l.kind ? l.kind + 1 : 0) + (l.version ? l.version + 1 : 0) +
		       (l.date ? l.date + 1 : 0) + 1;
	size_t rest = width > fixed ? width - fixed : 2;
	l.id = rest * 2 / 5;
	if (l.id > 24)
		l.id = 24;
	if (l.id < 6)
		l.id = rest / 2;
	l.name = rest - l.id;
	return l;
}

/* Render one definition (or the header when d is NULL) as exactly r->width columns. */
static void defs_format(struct row *r, const struct def_item *d)
{
	struct defs_layout l = defs_layout(r->width);
	enum theme_elem h = TE_HEADER;
	row_add(r, d ? TE_NORMAL : h, " ", 1);
	if (l.kind) {
		row_add(r, d ? TE_MUTED : h, d ? tui_kind_label(d->kind) : _("Kind"), l.kind);
		row_add(r, d ? TE_NORMAL : h, " ", 1);
	}
	row_add(r, d ? TE_ID : h, d ? d->id : _("Id"), l.id);
	row_add(r, d ? TE_NORMAL : h, " ", 1);
	row_add(r, d ? TE_NORMAL : h, d ? (d->name ? d->name : "") : _("Name"), l.name);
	if (l.version) {
		char ver[9];
		if (d)
			snprintf(ver, sizeof(ver), "%.8s", d->hash ? d->hash : "");
		row_add(r, d ? TE_NORMAL : h, " ", 1);
		row_add(r, d ? TE_MUTED : h, d ? ver : _("Version"), l.version);
	}
	if (l.date) {
		struct buf when = BUF_INIT;
		if (d)
			tui_format_time(&when, d->deployed_at);
		row_add(r, d ? TE_NORMAL : h, " ", 1);
		row_add(r, d ? TE_DATE : h, d ? when.s : _("Deployed"), l.date);
		buf_release(&when);
	}
	row_fill(r, d ? TE_NORMAL : h);
}

/* store_def_list callback: keep a copy of each current definition. */
static int collect(void *ctx, const struct store_def *d)
{
	struct defs_data *dd = ctx;
	ALLOC_GROW(dd->v, dd->n + 1, dd->alloc);
	struct def_item *it = &dd->v[dd->n++];
	it->kind = xstrdup(d->kind ? d->kind : "");
	it->id = xstrdup(d->id ? d->id : "");
	it->name = d->name ? xstrdup(d->name) : NULL;
	it->hash = xstrdup(d->hash ? d->hash : "");
	it->deployed_at = xstrdup(d->deployed_at ? d->deployed_at : "");
	return 0;
}

/* Free the loaded definitions (the tabs and the filter stay). */
static void defs_clear(struct defs_data *dd)
{
	for (size_t i = 0; i < dd->n; i++) {
		free(dd->v[i].kind);
		free(dd->v[i].id);
		free(dd->v[i].name);
		free(dd->v[i].hash);
		free(dd->v[i].deployed_at);
	}
	free(dd->v);
	dd->v = NULL;
	dd->n = dd->alloc = 0;
	dd->nshown = 0;
}

static void defs_release(struct view *v)
{
	struct defs_data *dd = v->data;
	if (!dd)
		return;
	defs_clear(dd);
	free(dd->shown);
	tabs_release(&dd->tabs);
	for (size_t k = 0; k < dd->ntab_kinds; k++)
		free(dd->tab_kinds[k]);
	free(dd->tab_kinds);
	buf_release(&dd->filter);
	free(dd);
	v->data = NULL;
}

/* Does any column of d, as the row shows it, contain `filter`? */
static int defs_match(const struct def_item *d, const char *filter)
{
	if (!*filter)
		return 1;
	char ver[9];
	snprintf(ver, sizeof(ver), "%.8s", d->hash);
	struct buf when = BUF_INIT;
	tui_format_time(&when, d->deployed_at);
	int m = text_match(d->kind, filter) || text_match(tui_kind_label(d->kind), filter) ||
		text_match(d->id, filter) ||
		(d->name && text_match(d->name, filter)) || text_match(ver, filter) ||
		text_match(when.s, filter);
	buf_release(&when);
	return m;
}

/* Is d on tab `tab` (0: all; the others are labelled with their kind)? */
static int defs_on_tab(const struct defs_data *dd, const struct def_item *d, size_t tab)
{
	return !tab || (tab < dd->ntab_kinds && !strcmp(d->kind, dd->tab_kinds[tab]));
}

/*
 * Work out the rows shown for the active tab and the filter, and each
 * tab's count under the filter; the selected definition stays selected
 * when it is still shown.
 */
static void defs_refilter(struct view *v)
{
	struct defs_data *dd = v->data;
	size_t keep = dd->nshown && v->cursor < dd->nshown ? dd->shown[v->cursor] : SIZE_MAX;
	long *counts = xcalloc(dd->tabs.n, sizeof(*counts));
	dd->nshown = 0;
	v->cursor = 0;
	for (size_t i = 0; i < dd->n; i++) {
		if (!defs_match(&dd->v[i], dd->filter.s))
			continue;
		for (size_t k = 0; k < dd->tabs.n; k++)
			counts[k] += defs_on_tab(dd, &dd->v[i], k);
		if (!defs_on_tab(dd, &dd->v[i], dd->tabs.active))
			continue;
		ALLOC_GROW(dd->shown, dd->nshown + 1, dd->shown_alloc);
		if (i == keep)
			v->cursor = dd->nshown;
		dd->shown[dd->nshown++] = i;
	}
	for (size_t k = 0; k < dd->tabs.n; k++)
		tabs_set_count(&dd->tabs, k, counts[k]);
	free(counts);
	v->lines = dd->nshown;
}

/* A tab for the definitions of `kind` (NULL: all of them), labelled as people read it. */
static void defs_add_tab(struct defs_data *dd, const char *kind)
{
	ALLOC_GROW(dd->tab_kinds, dd->ntab_kinds + 1, dd->tab_kinds_alloc);
	dd->tab_kinds[dd->ntab_kinds++] = kind ? xstrdup(kind) : NULL;
	tabs_add(&dd->tabs, kind ? tui_kind_label(kind) : _("All"), 0);
}

/* Read the definitions from the store into dd. */
static int defs_load(struct tui *t, struct view *v)
{
	struct defs_data *dd = v->data;
	defs_clear(dd);
	if (store_def_list(t->store, 0, collect, dd) < 0) {
		tui_message(t, 1, _("unable to list definitions: %s"), store_error(t->store));
		return -1;
	}
	/* a kind without a tab yet (one added since) gets one at the end */
	for (size_t i = 0; i < dd->n; i++) {
		size_t k = 1;
		while (k < dd->ntab_kinds && strcmp(dd->tab_kinds[k], dd->v[i].kind))
			k++;
		if (k == dd->ntab_kinds)
			defs_add_tab(dd, dd->v[i].kind);
	}
	defs_refilter(v);
	return 0;
}

static int defs_open(struct tui *t, struct view *v)
{
	struct defs_data *dd = xcalloc(1, sizeof(*dd));
	v->data = dd;
	buf_init(&dd->filter);
	tabs_init(&dd->tabs);
	defs_add_tab(dd, NULL);
	for (size_t k = 0; k < NKINDS; k++)
		defs_add_tab(dd, defs_kinds[k]);
	return defs_load(t, v);
}

static void defs_title(struct tui *t, struct view *v, struct buf *out)
{
	(void)t;
	struct defs_data *dd = v->data;
	buf_adds(out, _("Definitions"));
	if (dd->filter.len)
		buf_addf(out, " /%s", dd->filter.s);
}

static void defs_tabbar(struct tui *t, struct view *v, struct row *r)
{
	(void)t;
	struct defs_data *dd = v->data;
	tabs_render(&dd->tabs, r);
}

static void defs_tab_click(struct tui *t, struct view *v, size_t x)
{
	(void)t;
	struct defs_data *dd = v->data;
	long i = tabs_hit(&dd->tabs, x);
	if (i >= 0) {
		dd->tabs.active = (size_t)i;
		defs_refilter(v);
	}
}

/* Prompt callback: filter as the user types and show the count. */
static void defs_filter_changed(struct tui *t, struct prompt *p, void *ctx)
{
	(void)t;
	struct view *v = ctx;
	struct defs_data *dd = v->data;
	buf_reset(&dd->filter);
	buf_adds(&dd->filter, p->edit.text.s);
	defs_refilter(v);
	buf_reset(&p->info);
	buf_addf(&p->info, _("%zu of %zu"), dd->nshown, dd->n);
}

/* `/`: filter the rows; Esc puts the previous filter back. */
static void defs_filter(struct tui *t, struct view *v)
{
	struct defs_data *dd = v->data;
	char *old = xstrdup(dd->filter.s);
	struct prompt p;
	prompt_init(&p, "/", dd->filter.s);
	p.changed = defs_filter_changed;
	p.ctx = v;
	if (prompt_run(t, &p) != DIALOG_OK) {
		buf_reset(&dd->filter);
		buf_adds(&dd->filter, old);
		defs_refilter(v);
	} else if (dd->filter.len) {
		tui_message(t, 0, ngettext("'%s': %zu of %zu definitions match",
					   "'%s': %zu of %zu definitions match", dd->nshown),
			    dd->filter.s, dd->nshown, dd->n);
	}
	free(old);
	prompt_release(&p);
}

static void defs_header(struct tui *t, struct view *v, struct row *r)
{
	(void)t;
	(void)v;
	defs_format(r, NULL);
}

static void defs_line(struct tui *t, struct view *v, size_t i, struct row *r)
{
	(void)t;
	struct defs_data *dd = v->data;
	defs_format(r, &dd->v[dd->shown[i]]);
}

static int defs_request(struct tui *t, struct view *v, enum action a)
{
	struct defs_data *dd = v->data;
	switch (a) {
	case ACT_OPEN: {
		if (!v->lines)
			return 1;
		const struct def_item *d = &dd->v[dd->shown[v->cursor]];
		tui_push(t, &def_view_ops, def_view_data(d->kind, d->id));
		return 1;
	}
	case ACT_NEXT_TAB:
	case ACT_PREV_TAB:
		tabs_action(&dd->tabs, a);
		defs_refilter(v);
		return 1;
	case ACT_SEARCH:
		defs_filter(t, v);
		return 1;
	case ACT_BACK:
		/* with a filter on, back clears it first */
		if (!dd->filter.len)
			return 0;
		buf_reset(&dd->filter);
		defs_refilter(v);
		return 1;
	case ACT_REFRESH:
		defs_load(t, v);
		return 1;
	default:
		return 0;
	}
}

/* What this screen does besides what every screen does (the help lists them). */
static const enum action defs_keys[] = {
	ACT_OPEN, ACT_NEXT_TAB, ACT_PREV_TAB, ACT_NONE
};

const struct view_ops defs_view_ops = {
	.name = "definitions",
	.title = defs_title,
	.open = defs_open,
	.tabbar = defs_tabbar,
	.tab_click = defs_tab_click,
	.header = defs_header,
	.line = defs_line,
	.request = defs_request,
	.release = defs_release,
	.empty = N_("no definitions deployed yet (run 'docket deploy')"),
	.keys = defs_keys,
};
