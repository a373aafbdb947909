/*
 * search: `/`, `n` and `N` for any view (view.h). A line matches when the
 * text the view draws for it contains the search text (ASCII letters in
 * either case, Chinese as written), so search works on every screen
 * without the view knowing. Views that filter instead (definitions)
 * handle the search action themselves.
 */
#include <stdint.h>
#include <string.h>

#include "widget.h"
#include "../util/i18n.h"

/* Columns to render a line in for matching: wide enough for any line. */
#define SEARCH_WIDTH 4096

/* Does line i of v contain needle? */
static int line_matches(struct tui *t, struct view *v, size_t i, const char *needle)
{
	struct row r;
	row_init(&r, SEARCH_WIDTH);
	v->ops->line(t, v, i, &r);
	int m = text_match(r.text.s, needle);
	row_release(&r);
	return m;
}

long view_search(struct tui *t, struct view *v, const char *needle, size_t from, int dir)
{
	if (!v->lines || !*needle)
		return -1;
	for (size_t k = 0; k < v->lines; k++) {
		size_t i = dir > 0 ? (from + k) % v->lines : (from + v->lines - k % v->lines) % v->lines;
		if (line_matches(t, v, i, needle))
			return (long)i;
	}
	return -1;
}

size_t view_count_matches(struct tui *t, struct view *v, const char *needle)
{
	size_t n = 0;
	for (size_t i = 0; *needle && i < v->lines; i++)
		n += (size_t)line_matches(t, v, i, needle);
	return n;
}

/* Where the view is: the cursor, or the top line of a scrolling view. */
static size_t *view_pos(struct view *v)
{
	return v->no_cursor ? &v->offset : &v->cursor;
}

/* State of an incremental search while the prompt is open. */
struct search_ctx {
	struct view *view;     /* the view searched */
	size_t origin;         /* where it was when `/` was pressed */
};

/* Prompt callback: jump to the first match from the origin and count them. */
static void search_changed(struct tui *t, struct prompt *p, void *ctx)
{
	struct search_ctx *sc = ctx;
	const char *needle = p->edit.text.s;
	buf_reset(&p->info);
	*view_pos(sc->view) = sc->origin;
	if (!*needle)
		return;
	long at = view_search(t, sc->view, needle, sc->origin, 1);
	if (at < 0) {
		buf_adds(&p->info, _("no match"));
		return;
	}
	*view_pos(sc->view) = (size_t)at;
	size_t n = view_count_matches(t, sc->view, needle);
	buf_addf(&p->info, ngettext("%zu line", "%zu lines", n), n);
}

/* Say where we are among the matches, or that there are none. */
static void report(struct tui *t, struct view *v, long at)
{
	if (at < 0) {
		tui_message(t, 1, _("no match for '%s'"), t->search.s);
		return;
	}
	size_t nth = 0, n = 0;
	for (size_t i = 0; i < v->lines; i++) {
		if (line_matches(t, v, i, t->search.s)) {
			n++;
			if (i <= (size_t)at)
				nth = n;
		}
	}
	tui_message(t, 0, _("'%s': match %zu of %zu"), t->search.s, nth, n);
}

int tui_search_request(struct tui *t, struct view *v, enum action a)
{
	if (a == ACT_SEARCH) {
		struct search_ctx sc = { v, *view_pos(v) };
		struct prompt p;
		prompt_init(&p, "/", "");
		p.changed = search_changed;
		p.ctx = &sc;
		if (prompt_run(t, &p) == DIALOG_OK && p.edit.text.len) {
			buf_reset(&t->search);
			buf_adds(&t->search, p.edit.text.s);
			report(t, v, view_search(t, v, t->search.s, sc.origin, 1));
		} else {
			*view_pos(v) = sc.origin;
		}
		prompt_release(&p);
		return 1;
	}
	if (a != ACT_SEARCH_NEXT && a != ACT_SEARCH_PREV)
		return 0;
	if (!t->search.len) {
		struct buf keys = BUF_INIT;
		keymap_describe(&t->keymap, ACT_SEARCH, ", ", &keys);
		tui_message(t, 0, _("nothing to search for yet (search: %s)"), keys.s);
		buf_release(&keys);
		return 1;
	}
	int dir = a == ACT_SEARCH_NEXT ? 1 : -1;
	size_t *pos = view_pos(v);
	size_t from = v->lines ? (*pos + v->lines + (size_t)dir) % v->lines : 0;
	long at = view_search(t, v, t->search.s, from, dir);
	if (at >= 0)
		*pos = (size_t)at;
	report(t, v, at);
	return 1;
}
