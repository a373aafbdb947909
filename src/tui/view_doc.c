/*
 * The document views: a document's revisions (r1, r2, ... with author,
 * time and action, from docs_log) and the difference between any two, as
 * a page that scrolls. The diff is the one `docket doc diff` prints — the
 * elements, the body and the attachment list, line level with the changed
 * characters of each changed line pair — made by docs_diff_content with
 * colour, whose escapes are read back into theme elements (diff-add,
 * diff-del, the changed characters reversed), so the TUI and the CLI can
 * never disagree. Unified by default; side-by-side toggles two columns
 * laid out for the screen's width (again after a resize). Every piece goes
 * through struct row, so a wide character is never cut in half.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"
#include "widget.h"
#include "../docs/docs.h"
#include "../engine/engine.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"

struct docs *tui_docs(struct tui *t)
{
	if (t->docs)
		return t->docs;
	struct buf err = BUF_INIT;
	if (docs_open(t->store, &t->docs, &err) < 0) {
		tui_message(t, 1, "%s", err.s);
		t->docs = NULL;
	}
	buf_release(&err);
	return t->docs;
}

/* ---- revisions ---- */

struct revs_data {
	char id[DOCS_ID_MAX];   /* the document */
	char *title;            /* its title at the head */
	struct docs_rev *v;     /* every revision, oldest first */
	size_t n, alloc;
	long mark;              /* the revision chosen first for a diff (index), or -1 */
};

static int revs_collect(void *ctx, const struct docs_rev *r)
{
	struct revs_data *d = ctx;
	ALLOC_GROW(d->v, d->n + 1, d->alloc);
	struct docs_rev *c = &d->v[d->n++];
	*c = *r;
	c->author = xstrdup(r->author ? r->author : "");
	c->made_at = xstrdup(r->made_at ? r->made_at : "");
	c->action = xstrdup(r->action ? r->action : "");
	return 0;
}

static void revs_clear(struct revs_data *d)
{
	for (size_t i = 0; i < d->n; i++)
		docs_rev_release(&d->v[i]);
	free(d->v);
	d->v = NULL;
	d->n = d->alloc = 0;
}

static int revs_open(struct tui *t, struct view *v)
{
	struct revs_data *d = v->data;
	struct docs *ds = tui_docs(t);
	if (!ds)
		return -1;
	struct docs_info info;
	memset(&info, 0, sizeof(info));
	revs_clear(d);
	if (docs_info_get(ds, d->id, &info) < 0 || docs_log(ds, d->id, revs_collect, d) < 0) {
		tui_message(t, 1, "%s", docs_error(ds));
		docs_info_release(&info);
		return -1;
	}
	free(d->title);
	d->title = xstrdup(info.title ? info.title : d->id);
	docs_info_release(&info);
	if (d->mark >= (long)d->n)
		d->mark = -1;
	v->lines = d->n;
	/* the newest revision is the one people look at first */
	if (!v->cursor && d->n)
		v->cursor = d->n - 1;
	return 0;
}

static void revs_release(struct view *v)
{
	struct revs_data *d = v->data;
	if (!d)
		return;
	revs_clear(d);
	free(d->title);
	free(d);
	v->data = NULL;
}

static void revs_title(struct tui *t, struct view *v, struct buf *out)
{
	(void)t;
	struct revs_data *d = v->data;
	/* the document by its title; its id only when it has none */
	buf_addf(out, "%s %s", _("Revisions"), d->title && *d->title ? d->title : d->id);
}

/* Columns: the mark, the revision, the author, the time, the action. */
static void revs_format(struct tui *t, struct row *r, const struct revs_data *d, size_t i)
{
	const struct docs_rev *rv = i < d->n ? &d->v[i] : NULL;
	enum theme_elem h = TE_HEADER;
	row_add(r, rv ? TE_NORMAL : h, " ", 1);
	row_add(r, rv ? TE_URGENT : h, rv && d->mark == (long)i ? "*" : "", 2);
	struct buf s = BUF_INIT;
	if (rv)
		buf_addf(&s, "r%d", rv->rev);
	row_add(r, rv ? TE_ID : h, rv ? s.s : _("Rev"), 5);
	row_add(r, rv ? TE_NORMAL : h, rv ? tui_user_name(t, rv->author) : _("Author"), 10);
	row_add(r, rv ? TE_NORMAL : h, " ", 1);
	buf_reset(&s);
	if (rv)
		tui_format_time(&s, rv->made_at);
	row_add(r, rv ? TE_DATE : h, rv ? s.s : _("Time"), 16);
	row_add(r, rv ? TE_NORMAL : h, " ", 1);
	buf_reset(&s);
	if (rv) {
		buf_adds(&s, rv->action);
		if (rv->signed_off)
			buf_addf(&s, " [%s]", _("signed off"));
		if (rv->needs_resign)
			buf_addf(&s, " [%s]", _("needs the sign-off again"));
	}
	row_add(r, rv ? TE_NORMAL : h, rv ? s.s : _("Action"), 0);
	buf_release(&s);
}

static void revs_header(struct tui *t, struct view *v, struct row *r)
{
	revs_format(t, r, v->data, SIZE_MAX);
}

static void revs_line(struct tui *t, struct view *v, size_t i, struct row *r)
{
	revs_format(t, r, v->data, i);
}

static void *diff_data(const char *id, const char *title, const struct docs_rev *a,
		       const struct docs_rev *b);

/* Open the diff between revisions i and j (any order: the older one is the base). */
static void revs_diff(struct tui *t, struct revs_data *d, size_t i, size_t j)
{
	if (i > j) {
		size_t k = i;
		i = j;
		j = k;
	}
	tui_push(t, &doc_diff_view_ops, diff_data(d->id, d->title, &d->v[i], &d->v[j]));
}

static int revs_request(struct tui *t, struct view *v, enum action a)
{
	struct revs_data *d = v->data;
	if (a != ACT_REFRESH && (!d->n || v->cursor >= d->n))
		return 0;
	size_t cur = v->cursor;
	switch (a) {
	case ACT_OPEN:
		/* the first Enter chooses one end, the second opens the diff */
		if (d->mark < 0) {
			d->mark = (long)cur;
			tui_message(t, 0, _("r%d chosen: Enter on another revision shows the difference"),
				    d->v[cur].rev);
		} else if ((size_t)d->mark == cur) {
			d->mark = -1;
		} else {
			size_t m = (size_t)d->mark;
			d->mark = -1;
			revs_diff(t, d, m, cur);
		}
		return 1;
	case ACT_DIFF:
		/* what this revision changed (or the difference with the chosen one) */
		if (d->mark >= 0 && (size_t)d->mark != cur) {
			size_t m = (size_t)d->mark;
			d->mark = -1;
			revs_diff(t, d, m, cur);
		} else if (cur == 0) {
			tui_message(t, 0, _("r%d is the first revision"), d->v[cur].rev);
		} else {
			revs_diff(t, d, cur - 1, cur);
		}
		return 1;
	case ACT_OPEN_ATTACHMENT:
		tui_open_doc_attachment(t, d->id, d->v[cur].commit, NULL);
		return 1;
	case ACT_PRINT:
		tui_print_doc(t, d->id, d->v[cur].commit);
		return 1;
	case ACT_BACK:
		if (d->mark < 0)
			return 0;
		d->mark = -1;
		return 1;
	case ACT_REFRESH:
		revs_open(t, v);
		return 1;
	default:
		return 0;
	}
}

/* What this screen does besides what every screen does (the help lists them). */
static const enum action revs_keys[] = {
	ACT_OPEN, ACT_DIFF, ACT_OPEN_ATTACHMENT, ACT_PRINT, ACT_NONE
};

const struct view_ops doc_revs_view_ops = {
	.name = "revisions",
	.title = revs_title,
	.open = revs_open,
	.header = revs_header,
	.line = revs_line,
	.request = revs_request,
	.release = revs_release,
	.empty = N_("no revisions"),
	.keys = revs_keys,
};

int tui_doc_revisions(struct tui *t, const char *id)
{
	struct revs_data *d = xcalloc(1, sizeof(*d));
	snprintf(d->id, sizeof(d->id), "%s", id);
	d->mark = -1;
	return tui_push(t, &doc_revs_view_ops, d);
}

/* ---- the diff ---- */

/* A run of a diff line in one element. */
struct dspan {
	size_t off, len;        /* bytes of the line's text */
	enum theme_elem elem;   /* diff-add, diff-del, header, ... */
	int hi;                 /* a changed character */
};

/* One line of the diff, sanitized. */
struct dline {
	struct buf text;
	struct dspan *sp;
	size_t nsp, alloc;
};

struct diff_data {
	char id[DOCS_ID_MAX];       /* the document */
	char *title;                /* its title */
	int rev_a, rev_b;           /* the revisions compared (a older) */
	char commit_a[DOCS_OID_MAX], commit_b[DOCS_OID_MAX];
	struct docs_content a, b;   /* their contents, loaded at open */
	int loaded;                 /* a and b hold contents */
	int side;                   /* 1: side by side */
	size_t width;               /* the width the lines were made for (side by side) */
	struct dline *v;
	size_t n, alloc;
	size_t hscroll;             /* columns scrolled off at the left (unified) */
	size_t widest;              /* columns of the longest line */
};

/* Columns Left/Right scroll by (as the pager). */
#define DIFF_HSTEP 8

static void *diff_data(const char *id, const char *title, const struct docs_rev *a,
		       const struct docs_rev *b)
{
	struct diff_data *d = xcalloc(1, sizeof(*d));
	snprintf(d->id, sizeof(d->id), "%s", id);
	d->title = xstrdup(title ? title : id);
	d->rev_a = a->rev;
	d->rev_b = b->rev;
	snprintf(d->commit_a, sizeof(d->commit_a), "%s", a->commit);
	snprintf(d->commit_b, sizeof(d->commit_b), "%s", b->commit);
	docs_content_init(&d->a);
	docs_content_init(&d->b);
	return d;
}

static void diff_clear(struct diff_data *d)
{
	for (size_t i = 0; i < d->n; i++) {
		buf_release(&d->v[i].text);
		free(d->v[i].sp);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->alloc = 0;
	d->widest = 0;
}

/* Append `s` (len bytes) to line l as element e, sanitized. */
static void dline_add(struct dline *l, const char *s, size_t len, enum theme_elem e, int hi)
{
	if (!len)
		return;
	struct buf raw = BUF_INIT;
	buf_add(&raw, s, len);
	size_t off = l->text.len;
	utf8_sanitize(&l->text, raw.s);
	buf_release(&raw);
	if (l->text.len == off)
		return;
	if (l->nsp && l->sp[l->nsp - 1].elem == e && l->sp[l->nsp - 1].hi == hi) {
		l->sp[l->nsp - 1].len += l->text.len - off;
		return;
	}
	ALLOC_GROW(l->sp, l->nsp + 1, l->alloc);
	l->sp[l->nsp++] = (struct dspan){ off, l->text.len - off, e, hi };
}

/*
 * The element an SGR sequence of docs_diff selects (its params between
 * "\033[" and "m"): red/green lines, reversed changed characters, the
 * cyan hunk header, the bold file header; anything else is normal text.
 */
static enum theme_elem sgr_elem(const char *p, size_t n, int *hi)
{
	*hi = 0;
	if (n == 2 && !memcmp(p, "31", 2))
		return TE_DIFF_DEL;
	if (n == 2 && !memcmp(p, "32", 2))
		return TE_DIFF_ADD;
	if (n == 6 && !memcmp(p, "1;7;31", 6)) {
		*hi = 1;
		return TE_DIFF_DEL;
	}
	if (n == 6 && !memcmp(p, "1;7;32", 6)) {
		*hi = 1;
		return TE_DIFF_ADD;
	}
	if (n == 2 && !memcmp(p, "36", 2))
		return TE_ID;
	if (n == 1 && *p == '1')
		return TE_HEADER;
	return TE_NORMAL;
}

/* Split docs_diff's coloured text into lines of spans. */
static void diff_parse(struct diff_data *d, const char *s, size_t len)
{
	enum theme_elem e = TE_NORMAL;
	int hi = 0;
	const char *end = s + len;
	while (s < end) {
		ALLOC_GROW(d->v, d->n + 1, d->alloc);
		struct dline *l = &d->v[d->n++];
		memset(l, 0, sizeof(*l));
		buf_init(&l->text);
		const char *run = s;
		while (s < end && *s != '\n') {
			if (*s != '\033' || s + 1 >= end || s[1] != '[') {
				s++;
				continue;
			}
			dline_add(l, run, (size_t)(s - run), e, hi);
			const char *p = s + 2, *q = p;
			while (q < end && ((*q >= '0' && *q <= '9') || *q == ';'))
				q++;
			if (q < end && *q == 'm')
				e = sgr_elem(p, (size_t)(q - p), &hi);
			s = q < end ? q + 1 : q;
			run = s;
		}
		dline_add(l, run, (size_t)(s - run), e, hi);
		if (s < end)
			s++;
		size_t w = utf8_width(l->text.s);
		if (w > d->widest)
			d->widest = w;
	}
}

/* Make the lines for the width and mode. */
static int diff_build(struct tui *t, struct diff_data *d, size_t width)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	char na[16], nb[16];
	snprintf(na, sizeof(na), "r%d", d->rev_a);
	snprintf(nb, sizeof(nb), "r%d", d->rev_b);
	struct docs_diff_opts o = { 1, d->side, width > 1 ? width - 1 : 1, 3 };
	diff_clear(d);
	d->width = width;
	int rc = docs_diff_content(&d->a, &d->b, na, nb, &o, &out, &err);
	if (rc < 0)
		tui_message(t, 1, "%s", err.s);
	else
		diff_parse(d, out.s, out.len);
	buf_release(&out);
	buf_release(&err);
	return rc < 0 ? -1 : 0;
}

static int diff_open(struct tui *t, struct view *v)
{
	struct diff_data *d = v->data;
	struct docs *ds = tui_docs(t);
	if (!ds)
		return -1;
	if (!d->loaded) {
		if (docs_load(ds, d->id, d->commit_a, &d->a) < 0 ||
		    docs_load(ds, d->id, d->commit_b, &d->b) < 0) {
			tui_message(t, 1, "%s", docs_error(ds));
			return -1;
		}
		/* need to know: only the involved read it, and the read is recorded (as `docket doc diff`) */
		engine_set_docs(t->engine, ds);
		if (engine_may_read_doc(t->engine, t->user, d->id) < 0 ||
		    engine_doc_read(t->engine, t->user, d->id, d->rev_b, d->commit_b, "tui") < 0) {
			tui_message(t, 1, "%s", engine_error(t->engine));
			return -1;
		}
		d->loaded = 1;
	}
	if (diff_build(t, d, t->cols > 0 ? (size_t)t->cols : 80))
		return -1;
	v->lines = d->n;
	v->no_cursor = 1;
	return 0;
}

static void diff_release(struct view *v)
{
	struct diff_data *d = v->data;
	if (!d)
		return;
	diff_clear(d);
	docs_content_release(&d->a);
	docs_content_release(&d->b);
	free(d->title);
	free(d);
	v->data = NULL;
}

static void diff_title(struct tui *t, struct view *v, struct buf *out)
{
	struct diff_data *d = v->data;
	/* side by side is laid out for the width: again after a resize */
	if (d->side && t->cols > 0 && (size_t)t->cols != d->width && d->loaded) {
		diff_build(t, d, (size_t)t->cols);
		v->lines = d->n;
	}
	struct buf what = BUF_INIT;
	buf_addf(&what, "%s r%d..r%d %s", _("Diff"), d->rev_a, d->rev_b, d->title);
	buf_addf(out, _("%s (%s)"), what.s, d->side ? _("side by side") : _("unified"));
	buf_release(&what);
}

/* A line, scrolled sideways by whole characters (a wide one cut by the edge shows as a blank). */
static void diff_line(struct tui *t, struct view *v, size_t i, struct row *r)
{
	(void)t;
	struct diff_data *d = v->data;
	const struct dline *l = &d->v[i];
	size_t skip = d->side ? 0 : d->hscroll, col = 0;
	row_add(r, TE_NORMAL, " ", 1);
	struct buf piece = BUF_INIT;
	for (size_t k = 0; k < l->nsp; k++) {
		const struct dspan *sp = &l->sp[k];
		const char *p = l->text.s + sp->off, *end = p + sp->len;
		while (p < end && col < skip) {
			uint32_t cp;
			size_t n = utf8_decode(p, &cp);
			col += (size_t)utf8_cp_width(cp);
			p += n ? n : 1;
			if (col > skip)
				row_add_hi(r, sp->elem, sp->hi, " ", 1);
		}
		if (p >= end)
			continue;
		buf_reset(&piece);
		buf_add(&piece, p, (size_t)(end - p));
		row_add_hi(r, sp->elem, sp->hi, piece.s, 0);
	}
	buf_release(&piece);
}

static int diff_request(struct tui *t, struct view *v, enum action a)
{
	struct diff_data *d = v->data;
	switch (a) {
	case ACT_SIDE_BY_SIDE: {
		d->side = !d->side;
		d->hscroll = 0;
		size_t top = v->offset;
		if (!diff_build(t, d, t->cols > 0 ? (size_t)t->cols : 80))
			v->lines = d->n;
		v->offset = top < v->lines ? top : 0;
		return 1;
	}
	case ACT_EDIT_RIGHT:
		if (!d->side && d->hscroll + DIFF_HSTEP < d->widest)
			d->hscroll += DIFF_HSTEP;
		return 1;
	case ACT_EDIT_LEFT:
	case ACT_EDIT_HOME:
		d->hscroll = a == ACT_EDIT_HOME || d->hscroll < DIFF_HSTEP ? 0 : d->hscroll - DIFF_HSTEP;
		return 1;
	case ACT_REFRESH:
		if (!diff_build(t, d, t->cols > 0 ? (size_t)t->cols : 80))
			v->lines = d->n;
		return 1;
	default:
		return 0;
	}
}

static const enum action diff_keys[] = { ACT_SIDE_BY_SIDE, ACT_NONE };

const struct view_ops doc_diff_view_ops = {
	.name = "diff",
	.title = diff_title,
	.open = diff_open,
	.line = diff_line,
	.request = diff_request,
	.release = diff_release,
	.empty = N_("no differences"),
	.keys = diff_keys,
};
