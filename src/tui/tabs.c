/*
 * tabs: a tab bar with counts (widget.h) — " 待办 12 | 已办 3 | 待阅 1 " —
 * measured in columns. Too wide, the labels are cut with "~" (counts stay
 * whole); still too wide, a window of tabs around the active one is shown
 * between "<" and ">".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "widget.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"

void tabs_init(struct tabs *tb)
{
	memset(tb, 0, sizeof(*tb));
}

void tabs_release(struct tabs *tb)
{
	for (size_t i = 0; i < tb->n; i++)
		free(tb->v[i].label);
	free(tb->v);
	free(tb->xs);
	memset(tb, 0, sizeof(*tb));
}

size_t tabs_add(struct tabs *tb, const char *label, long count)
{
	ALLOC_GROW(tb->v, tb->n + 1, tb->alloc);
	struct buf clean = BUF_INIT;
	utf8_sanitize(&clean, label);
	tb->v[tb->n] = (struct tab){ buf_detach(&clean), count };
	return tb->n++;
}

void tabs_set_count(struct tabs *tb, size_t i, long count)
{
	if (i < tb->n)
		tb->v[i].count = count;
}

int tabs_action(struct tabs *tb, enum action a)
{
	if (!tb->n || (a != ACT_NEXT_TAB && a != ACT_PREV_TAB))
		return 0;
	if (a == ACT_NEXT_TAB)
		tb->active = (tb->active + 1) % tb->n;
	else
		tb->active = (tb->active + tb->n - 1) % tb->n;
	return 1;
}

/* The text of tab i with its label cut to `cut` columns (0: whole). */
static void tab_text(const struct tabs *tb, size_t i, size_t cut, struct buf *out)
{
	const struct tab *t = &tb->v[i];
	size_t lw = utf8_width(t->label);
	if (cut && lw > cut)
		utf8_fit(out, t->label, cut, 1, 0);
	else
		buf_adds(out, t->label);
	if (t->count >= 0)
		buf_addf(out, " %ld", t->count);
}

/* Columns of the whole bar with labels cut to `cut`. */
static size_t bar_width(const struct tabs *tb, size_t cut)
{
	size_t w = 0;
	for (size_t i = 0; i < tb->n; i++) {
		struct buf s = BUF_INIT;
		tab_text(tb, i, cut, &s);
		w += utf8_width(s.s) + 2 + (i ? 1 : 0);
		buf_release(&s);
	}
	return w;
}

/* Draw tabs [from, to) with labels cut to `cut`, recording where each starts. */
static void draw_tabs(struct tabs *tb, struct row *r, size_t from, size_t to, size_t cut)
{
	for (size_t i = from; i < to; i++) {
		struct buf s = BUF_INIT, cell = BUF_INIT;
		enum theme_elem e = i == tb->active ? TE_TAB_ACTIVE : TE_TAB;
		if (i > from)
			row_add(r, TE_BORDER, "|", 0);
		tab_text(tb, i, cut, &s);
		buf_addf(&cell, " %s ", s.s);
		tb->xs[i] = r->cols;
		row_add(r, e, cell.s, 0);
		buf_release(&s);
		buf_release(&cell);
	}
}

void tabs_render(struct tabs *tb, struct row *r)
{
	size_t width = r->width - r->cols;
	free(tb->xs);
	tb->nxs = tb->n;
	tb->xs = xmalloc((tb->n ? tb->n : 1) * sizeof(*tb->xs));
	for (size_t i = 0; i < tb->n; i++)
		tb->xs[i] = SIZE_MAX;
	if (!tb->n) {
		row_fill(r, TE_TAB);
		return;
	}
	if (tb->active >= tb->n)
		tb->active = 0;
	/* the widest label cut that lets every tab fit (3 columns at least) */
	size_t cut = 0;
	if (bar_width(tb, 0) > width) {
		size_t longest = 0;
		for (size_t i = 0; i < tb->n; i++) {
			size_t w = utf8_width(tb->v[i].label);
			if (w > longest)
				longest = w;
		}
		cut = longest;
		while (cut > 3 && bar_width(tb, cut) > width)
			cut--;
	}
	if (bar_width(tb, cut) <= width) {
		draw_tabs(tb, r, 0, tb->n, cut);
		row_fill(r, TE_TAB);
		return;
	}
	/* a window around the active tab: grow right then left while it fits */
	cut = 6;
	size_t from = tb->active, to = tb->active + 1;
	for (;;) {
		int grew = 0;
		struct tabs win = *tb;
		if (to < tb->n) {
			win.v = tb->v + from;
			win.n = to + 1 - from;
			if (bar_width(&win, cut) + 4 <= width) {
				to++;
				grew = 1;
			}
		}
		if (from > 0) {
			win.v = tb->v + from - 1;
			win.n = to - from + 1;
			if (bar_width(&win, cut) + 4 <= width) {
				from--;
				grew = 1;
			}
		}
		if (!grew)
			break;
	}
	row_add(r, TE_BORDER, from ? "<" : " ", 1);
	draw_tabs(tb, r, from, to, cut);
	if (to < tb->n) {
		/* keep ">" at the right edge, whatever the active tab's text took */
		if (r->cols + 1 < r->width)
			row_add(r, TE_TAB, " ", r->width - r->cols - 1);
		row_add(r, TE_BORDER, ">", 1);
	}
	row_fill(r, TE_TAB);
}

long tabs_hit(const struct tabs *tb, size_t x)
{
	long hit = -1;
	for (size_t i = 0; i < tb->nxs; i++)
		if (tb->xs[i] != SIZE_MAX && tb->xs[i] <= x)
			hit = (long)i;
	return hit;
}
