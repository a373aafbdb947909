/*
 * The "Definitions" view: every deployed definition that is current —
 * kind, id, name, version (the first 8 hex digits of its SM3 hash) and
 * when it was deployed. Enter opens one (view_def.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"
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
};

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
		row_add(r, d ? TE_MUTED : h, d ? d->kind : _("Kind"), l.kind);
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

static void defs_release(struct view *v)
{
	struct defs_data *dd = v->data;
	if (!dd)
		return;
	for (size_t i = 0; i < dd->n; i++) {
		free(dd->v[i].kind);
		free(dd->v[i].id);
		free(dd->v[i].name);
		free(dd->v[i].hash);
		free(dd->v[i].deployed_at);
	}
	free(dd->v);
	free(dd);
	v->data = NULL;
}

static int defs_open(struct tui *t, struct view *v)
{
	struct defs_data *dd = xcalloc(1, sizeof(*dd));
	v->data = dd;
	if (store_def_list(t->store, 0, collect, dd) < 0) {
		tui_message(t, 1, _("unable to list definitions: %s"), store_error(t->store));
		return -1;
	}
	v->lines = dd->n;
	return 0;
}

static void defs_title(struct tui *t, struct view *v, struct buf *out)
{
	(void)t;
	(void)v;
	buf_adds(out, _("Definitions"));
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
	defs_format(r, &dd->v[i]);
}

static int defs_request(struct tui *t, struct view *v, enum action a)
{
	struct defs_data *dd = v->data;
	if (a != ACT_OPEN || !v->lines)
		return 0;
	const struct def_item *d = &dd->v[v->cursor];
	tui_push(t, &def_view_ops, def_view_data(d->kind, d->id));
	return 1;
}

const struct view_ops defs_view_ops = {
	.name = "definitions",
	.title = defs_title,
	.open = defs_open,
	.header = defs_header,
	.line = defs_line,
	.request = defs_request,
	.release = defs_release,
	.empty = N_("no definitions deployed yet (run 'docket deploy')"),
};
