/*
 * dialog: centred boxes (widget.h) — a form of fields with a validation
 * message under each and OK/Cancel buttons, a yes/no confirm, and a
 * picker of one item among N with `/` filtering. The chrome is ASCII
 * ("+-|", "[ ]", "( )", "<", ">"). The layout is worked out again on every
 * draw from the screen size, so a resize simply redraws; when the screen
 * is small, multi-line fields shrink, then the question is cut, then only
 * the fields around the focused one are shown. Nothing is drawn past the
 * screen's edges.
 */
#include <curses.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "widget.h"
#include "../defs/value.h"
#include "../util/clock.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"

/* ---- shared box drawing ---- */

/* The box width for a screen `cols` wide: roomy, or the whole width when narrow. */
static int box_width(int cols)
{
	if (cols >= 48)
		return cols - 8 < 72 ? cols - 8 : 72;
	return cols;
}

/* A border row "+- title ----- note -+" of the box's width. */
static void border_row(struct row *r, const char *title, const char *note)
{
	size_t w = r->width;
	row_add(r, TE_BORDER, "+-", 0);
	if (title && *title && w > 6) {
		struct buf s = BUF_INIT;
		buf_addf(&s, " %s ", title);
		row_add(r, TE_HEADER, s.s, utf8_width(s.s) < w - 4 ? 0 : w - 4);
		buf_release(&s);
	}
	size_t nw = note && *note ? utf8_width(note) + 2 : 0;
	struct buf dashes = BUF_INIT;
	while (r->cols + dashes.len + nw + 2 < w)
		buf_addch(&dashes, '-');
	row_add(r, TE_BORDER, dashes.s, 0);
	if (nw && r->cols + nw + 2 <= w) {
		struct buf s = BUF_INIT;
		buf_addf(&s, " %s ", note);
		row_add(r, TE_MUTED, s.s, 0);
		buf_release(&s);
	}
	buf_reset(&dashes);
	while (r->cols + dashes.len + 1 < w)
		buf_addch(&dashes, '-');
	row_add(r, TE_BORDER, dashes.s, 0);
	row_add(r, TE_BORDER, "+", 0);
	buf_release(&dashes);
}

/* Start a content row: "| ". */
static void line_open(struct row *r, size_t width)
{
	row_init(r, width);
	row_add(r, TE_BORDER, "|", 1);
	row_add(r, TE_NORMAL, " ", 1);
}

/* End a content row: pad, then " |" at the right edge. */
static void line_close(struct row *r)
{
	if (r->cols + 1 < r->width)
		row_add(r, TE_NORMAL, "", r->width - 1 - r->cols);
	row_add(r, TE_BORDER, "|", 1);
}

/* Draw a whole row and free it. */
static void put_row(struct tui *t, int y, int x, struct row *r)
{
	tui_draw_row(t, y, x, r, -1);
	row_release(r);
}

/* ---- the form dialog ---- */

void dialog_init(struct dialog *d, const char *title)
{
	memset(d, 0, sizeof(*d));
	buf_init(&d->title);
	buf_init(&d->text);
	utf8_sanitize(&d->title, title);
	d->ok_label = xstrdup(_("OK"));
	d->cancel_label = xstrdup(_("Cancel"));
	d->result = DIALOG_OPEN;
	d->cur_y = d->cur_x = -1;
}

void dialog_release(struct dialog *d)
{
	for (size_t i = 0; i < d->nfields; i++) {
		struct dialog_field *f = &d->fields[i];
		free(f->label);
		edit_release(&f->edit);
		for (size_t k = 0; k < f->nchoices; k++)
			free(f->choices[k]);
		free(f->choices);
		buf_release(&f->msg);
		free(f->help);
	}
	free(d->fields);
	for (size_t i = 0; d->initial && i < d->nfields; i++)
		free(d->initial[i]);
	free(d->initial);
	free(d->ok_label);
	free(d->cancel_label);
	buf_release(&d->title);
	buf_release(&d->text);
	memset(d, 0, sizeof(*d));
}

/* A new field at the end, focused if it is the first. */
static struct dialog_field *new_field(struct dialog *d, const char *label, size_t *index)
{
	ALLOC_GROW(d->fields, d->nfields + 1, d->alloc);
	struct dialog_field *f = &d->fields[d->nfields];
	memset(f, 0, sizeof(*f));
	struct buf l = BUF_INIT;
	utf8_sanitize(&l, label);
	f->label = buf_detach(&l);
	buf_init(&f->msg);
	*index = d->nfields++;
	d->focus = 0;
	return f;
}

size_t dialog_add_text(struct dialog *d, const char *label, const char *value,
		       size_t max_chars, int lines, int required)
{
	size_t i;
	struct dialog_field *f = new_field(d, label, &i);
	f->kind = FIELD_TEXT;
	f->lines = lines > 1 ? lines : 1;
	f->required = required;
	edit_init(&f->edit, f->lines > 1, max_chars);
	edit_set(&f->edit, value);
	return i;
}

size_t dialog_add_secret(struct dialog *d, const char *label, size_t max_chars)
{
	size_t i = dialog_add_text(d, label, "", max_chars, 1, 0);
	edit_secret(&d->fields[i].edit);
	return i;
}

size_t dialog_add_choice(struct dialog *d, const char *label, const char *const *choices,
			 size_t n, size_t selected)
{
	size_t i;
	struct dialog_field *f = new_field(d, label, &i);
	f->kind = FIELD_CHOICE;
	f->lines = 1;
	f->choices = xcalloc(n ? n : 1, sizeof(*f->choices));
	for (size_t k = 0; k < n; k++) {
		struct buf c = BUF_INIT;
		utf8_sanitize(&c, choices[k]);
		f->choices[k] = buf_detach(&c);
	}
	f->nchoices = n;
	f->choice = selected < n ? selected : 0;
	return i;
}

void dialog_buttons(struct dialog *d, const char *ok, const char *cancel)
{
	if (ok) {
		free(d->ok_label);
		d->ok_label = xstrdup(ok);
	}
	if (cancel) {
		free(d->cancel_label);
		d->cancel_label = xstrdup(cancel);
	}
}

void dialog_set_help(struct dialog *d, size_t i, const char *help)
{
	if (i >= d->nfields)
		return;
	free(d->fields[i].help);
	d->fields[i].help = NULL;
	if (help && *help) {
		struct buf h = BUF_INIT;
		utf8_sanitize(&h, help);
		d->fields[i].help = buf_detach(&h);
	}
}

const char *dialog_value(const struct dialog *d, size_t i)
{
	const struct dialog_field *f = &d->fields[i];
	if (f->kind == FIELD_TEXT)
		return f->edit.text.s;
	return f->nchoices ? f->choices[f->choice] : "";
}

void dialog_error(struct dialog *d, size_t i, const char *fmt, ...)
{
	va_list ap;
	if (i >= d->nfields)
		return;
	struct buf raw = BUF_INIT;
	va_start(ap, fmt);
	buf_vaddf(&raw, fmt, ap);
	va_end(ap);
	buf_reset(&d->fields[i].msg);
	utf8_sanitize(&d->fields[i].msg, raw.s);
	buf_release(&raw);
}

/* Only blanks, ASCII or the ideographic space U+3000? */
static int is_blank(const char *s)
{
	while (*s) {
		uint32_t cp;
		s += utf8_decode(s, &cp);
		if (cp != ' ' && cp != '\n' && cp != 0x3000)
			return 0;
	}
	return 1;
}

/* OK pressed: check required fields, then the caller's validation. */
static void try_ok(struct dialog *d)
{
	for (size_t i = 0; i < d->nfields; i++) {
		buf_reset(&d->fields[i].msg);
		if (d->fields[i].required && !d->fields[i].hidden && d->fields[i].kind == FIELD_TEXT &&
		    is_blank(d->fields[i].edit.text.s))
			dialog_error(d, i, "%s", _("required"));
	}
	if (d->validate)
		d->validate(d, d->ctx);
	for (size_t i = 0; i < d->nfields; i++) {
		if (d->fields[i].msg.len && !d->fields[i].hidden) {
			d->focus = i;
			return;
		}
	}
	d->result = DIALOG_OK;
}

/* Move the choice of field f by one (dir +1/-1), or to an end (dir 0: first, 2: last). */
static void choose(struct dialog_field *f, int dir)
{
	if (!f->nchoices)
		return;
	if (dir == 0)
		f->choice = 0;
	else if (dir == 2)
		f->choice = f->nchoices - 1;
	else if (dir > 0 && f->choice + 1 < f->nchoices)
		f->choice++;
	else if (dir < 0 && f->choice > 0)
		f->choice--;
}

/* May the focus rest on field (or button) i? Not on a hidden field; `typed`: nor on a read-only one. */
static int focusable(const struct dialog *d, size_t i, int typed)
{
	return i >= d->nfields || (!d->fields[i].hidden && !(typed && d->fields[i].readonly));
}

/* The next place for the focus from `from` in direction dir (+1/-1) among n, skipping what it may not rest on. */
static size_t step_focus(const struct dialog *d, size_t from, int dir, size_t n)
{
	size_t i = from;
	for (size_t k = 0; k < n; k++) {
		i = (i + n + (size_t)dir) % n;
		if (focusable(d, i, 1))
			return i;
	}
	return from;
}

static enum dialog_result dialog_key_(struct tui *t, struct dialog *d, int key);

enum dialog_result dialog_key(struct tui *t, struct dialog *d, int key)
{
	enum dialog_result r = dialog_key_(t, d, key);
	if (r == DIALOG_OPEN && d->changed) {
		d->changed(d, d->ctx);
		/* a field hidden under the focus: on to the next one */
		if (!focusable(d, d->focus, 0))
			d->focus = step_focus(d, d->focus, 1, d->nfields + (*d->cancel_label ? 2 : 1));
	}
	return d->result;
}

static enum dialog_result dialog_key_(struct tui *t, struct dialog *d, int key)
{
	if (d->result != DIALOG_OPEN || key == KEYC_MOUSE)
		return d->result;
	if (key == KEYC_INTERRUPT) { /* Ctrl-C: as Esc (dialog_run asks before losing anything) */
		d->result = DIALOG_CANCEL;
		return d->result;
	}
	size_t nfocus = d->nfields + (*d->cancel_label ? 2 : 1);
	struct dialog_field *f = d->focus < d->nfields ? &d->fields[d->focus] : NULL;
	enum action a;
	if (f && f->kind == FIELD_TEXT) {
		if (edit_key(&f->edit, &t->keymap, key, &a)) {
			if (f->edit.full)
				dialog_error(d, d->focus, _("at most %zu characters"),
					     f->edit.max_chars);
			else
				buf_reset(&f->msg);
			return d->result;
		}
	} else {
		a = keymap_action(&t->keymap, key);
	}
	switch (a) {
	case ACT_OPEN: {
		/* Enter goes on to the next field to fill, so nothing is skipped; OK after the last one */
		size_t next = d->focus + 1;
		while (next < d->nfields && !focusable(d, next, 1))
			next++;
		if (d->focus == d->nfields + 1)
			d->result = DIALOG_CANCEL;
		else if (!d->enter_ok && next < d->nfields)
			d->focus = next;
		else
			try_ok(d);
		break;
	}
	case ACT_DIALOG_OK:
		try_ok(d);
		break;
	case ACT_BACK:
	case ACT_QUIT:
		d->result = DIALOG_CANCEL;
		break;
	case ACT_NEXT_TAB:
	case ACT_MOVE_DOWN:
		d->focus = step_focus(d, d->focus, 1, nfocus);
		break;
	case ACT_PREV_TAB:
	case ACT_MOVE_UP:
		d->focus = step_focus(d, d->focus, -1, nfocus);
		break;
	case ACT_EDIT_LEFT:
	case ACT_EDIT_RIGHT:
		if (f)
			choose(f, a == ACT_EDIT_RIGHT ? 1 : -1);
		else
			d->focus = a == ACT_EDIT_LEFT || !*d->cancel_label ? d->nfields : d->nfields + 1;
		break;
	case ACT_FIRST:
	case ACT_LAST:
		if (f)
			choose(f, a == ACT_FIRST ? 0 : 2);
		break;
	default:
		if (f && d->on_action && a != ACT_NONE)
			d->on_action(t, d, d->focus, a, d->ctx);
		break;
	}
	return d->result;
}

/* Where everything goes at the current screen size. */
struct dlayout {
	int bx, by, bw, bh;    /* the box */
	size_t iw;             /* columns inside "| " and " |" */
	size_t lw;             /* label column */
	size_t ew;             /* editor columns inside "[" and "]" */
	int *rows;             /* editor rows of each field */
	char **text;           /* the question, wrapped */
	size_t ntext;          /* lines of it shown */
	size_t ntext_all;      /* lines it has */
	size_t first, last;    /* fields shown: [first, last) */
	int gap;               /* 1: a blank row between the question and the fields */
};

/* Most rows a validation message is wrapped to. */
#define MSG_MAX_ROWS 3

/* Most rows a field's hint is wrapped to. */
#define HELP_MAX_ROWS 2

/* Rows a text takes wrapped at the editor width, at most `max`. */
static int wrapped_rows(const char *s, const struct dlayout *l, int max)
{
	char **lines;
	size_t n = utf8_wrap(s, l->ew > 2 ? l->ew : 1, &lines);
	utf8_lines_free(lines, n);
	return n > (size_t)max ? max : (int)n;
}

/* Rows field i's message takes at the editor width (0 when it has none). */
static int msg_rows(const struct dialog *d, const struct dlayout *l, size_t i)
{
	return d->fields[i].msg.len ? wrapped_rows(d->fields[i].msg.s, l, MSG_MAX_ROWS) : 0;
}

/* Rows field i's hint takes: only while it has the focus (and no message is in its place). */
static int help_rows(const struct dialog *d, const struct dlayout *l, size_t i)
{
	const struct dialog_field *f = &d->fields[i];
	return f->help && d->focus == i && !f->msg.len ? wrapped_rows(f->help, l, HELP_MAX_ROWS) : 0;
}

/* Rows a field takes: its editor plus its message or hint (wrapped); none when hidden. */
static int field_rows(const struct dialog *d, const struct dlayout *l, size_t i)
{
	if (d->fields[i].hidden)
		return 0;
	return l->rows[i] + msg_rows(d, l, i) + help_rows(d, l, i);
}

static void layout_dialog(const struct dialog *d, int rows, int cols, struct dlayout *l)
{
	memset(l, 0, sizeof(*l));
	l->bw = box_width(cols);
	l->iw = l->bw > 4 ? (size_t)l->bw - 4 : 0;
	for (size_t i = 0; i < d->nfields; i++) {
		size_t w = d->fields[i].hidden ? 0 : utf8_width(d->fields[i].label);
		if (w > l->lw)
			l->lw = w;
	}
	if (l->lw > l->iw / 3)
		l->lw = l->iw / 3;
	/* "> " label " [" editor "]" */
	size_t fixed = 2 + l->lw + 1 + 2;
	l->ew = l->iw > fixed ? l->iw - fixed : 1;
	l->ntext_all = d->text.len ? utf8_wrap(d->text.s, l->iw ? l->iw : 1, &l->text) : 0;
	l->ntext = l->ntext_all;
	l->rows = xcalloc(d->nfields ? d->nfields : 1, sizeof(*l->rows));
	/* borders, a blank row and the buttons */
	int avail = rows - 4;
	int need = 0;
	for (size_t i = 0; i < d->nfields; i++) {
		l->rows[i] = d->fields[i].hidden ? 0 : d->fields[i].lines;
		need += field_rows(d, l, i);
	}
	int gap = l->ntext && d->nfields ? 1 : 0;
	/* shrink multi-line fields first, one row at a time from the tallest */
	while (need + (int)l->ntext + gap > avail) {
		size_t tallest = SIZE_MAX;
		for (size_t i = 0; i < d->nfields; i++)
			if (l->rows[i] > 1 && (tallest == SIZE_MAX || l->rows[i] > l->rows[tallest]))
				tallest = i;
		if (tallest == SIZE_MAX)
			break;
		l->rows[tallest]--;
		need--;
	}
	/* then the question, keeping at least one line of it */
	while (need + (int)l->ntext + gap > avail && l->ntext > 1)
		l->ntext--;
	if (avail - (int)l->ntext - gap < 1 && gap)
		gap = 0;
	/* then a window of fields that holds the focused one */
	int room = avail - (int)l->ntext - gap;
	size_t focus = d->focus < d->nfields ? d->focus : (d->nfields ? d->nfields - 1 : 0);
	l->first = d->first < d->nfields ? d->first : 0;
	if (focus < l->first)
		l->first = focus;
	for (;;) {
		int used = 0;
		size_t k = l->first;
		while (k < d->nfields && used + field_rows(d, l, k) <= room)
			used += field_rows(d, l, k++);
		l->last = k;
		if (focus < l->last || l->first >= focus || !d->nfields)
			break;
		l->first++;
	}
	/* show as many earlier fields as still fit */
	for (;;) {
		int used = 0;
		for (size_t k = l->first; k < l->last; k++)
			used += field_rows(d, l, k);
		if (!l->first || used + field_rows(d, l, l->first - 1) > room)
			break;
		l->first--;
	}
	l->gap = gap;
	int body = (int)l->ntext + gap;
	for (size_t k = l->first; k < l->last; k++)
		body += field_rows(d, l, k);
	l->bh = body + 4;
	if (l->bh > rows)
		l->bh = rows;
	l->bx = (cols - l->bw) / 2;
	l->by = (rows - l->bh) / 2;
}

static void layout_release(struct dlayout *l)
{
	free(l->rows);
	utf8_lines_free(l->text, l->ntext_all);
}

/* A choice field's text: every option when they fit, else "< current >"; a lone option as it is. */
static void choice_text(const struct dialog_field *f, size_t width, struct buf *out)
{
	if (f->nchoices == 1) {
		/* nothing to choose (a computed value): the value, not a lone radio button */
		buf_adds(out, f->choices[0]);
		return;
	}
	for (size_t k = 0; k < f->nchoices; k++)
		buf_addf(out, "%s(%c) %s", k ? "  " : "", k == f->choice ? '*' : ' ',
			 f->choices[k]);
	if (utf8_width(out->s) > width) {
		buf_reset(out);
		buf_addf(out, "< %s >", f->nchoices ? f->choices[f->choice] : "");
	}
}

/* Draw field i from screen row y; returns the rows used. */
static int draw_field(struct tui *t, struct dialog *d, const struct dlayout *l, size_t i, int y)
{
	struct dialog_field *f = &d->fields[i];
	if (f->hidden)
		return 0;
	int focused = d->focus == i;
	struct row r;
	size_t height = (size_t)l->rows[i];
	struct row *ed = xcalloc(height, sizeof(*ed));
	size_t cy = 0, cx = 0;
	for (size_t k = 0; k < height; k++)
		row_init(&ed[k], l->ew);
	struct buf choice = BUF_INIT;
	if (f->kind == FIELD_TEXT)
		edit_render(&f->edit, ed, l->ew, height, TE_NORMAL, &cy, &cx);
	else
		choice_text(f, l->ew + 2, &choice);
	size_t x_edit = 0;
	for (size_t k = 0; k < height; k++) {
		line_open(&r, (size_t)l->bw);
		row_add(&r, TE_HELP_KEY, focused && !k ? ">" : " ", 1);
		row_add(&r, TE_NORMAL, " ", 1);
		row_add(&r, focused ? TE_HEADER : TE_NORMAL, k ? "" : f->label, l->lw);
		row_add(&r, TE_NORMAL, " ", 1);
		if (f->kind == FIELD_TEXT) {
			row_add(&r, TE_BORDER, "[", 1);
			x_edit = r.cols;
			row_add(&r, TE_NORMAL, ed[k].text.s, l->ew);
			row_add(&r, TE_BORDER, "]", 1);
		} else {
			row_add(&r, TE_NORMAL, choice.s, l->ew + 2);
		}
		line_close(&r);
		put_row(t, y + (int)k, l->bx, &r);
	}
	if (focused && f->kind == FIELD_TEXT) {
		d->cur_y = y + (int)cy;
		d->cur_x = l->bx + (int)(x_edit + cx);
	}
	for (size_t k = 0; k < height; k++)
		row_release(&ed[k]);
	free(ed);
	buf_release(&choice);
	int hr = help_rows(d, l, i);
	if (hr) {
		/* the field's hint under it, muted, while it has the focus */
		char **lines;
		size_t n = utf8_wrap(f->help, l->ew > 2 ? l->ew : 1, &lines);
		for (int k = 0; k < hr; k++) {
			line_open(&r, (size_t)l->bw);
			row_add(&r, TE_NORMAL, "", 2 + l->lw + 1);
			struct buf m = BUF_INIT;
			buf_addf(&m, "  %s%s", lines[k], k + 1 == hr && (size_t)hr < n ? "~~" : "");
			row_add(&r, TE_MUTED, m.s, l->ew + 2);
			buf_release(&m);
			line_close(&r);
			put_row(t, y + (int)height + k, l->bx, &r);
		}
		utf8_lines_free(lines, n);
		return (int)height + hr;
	}
	if (!f->msg.len)
		return (int)height;
	/* the message wrapped under the editor; the last row shown ends in "~" when cut */
	char **lines;
	size_t n = utf8_wrap(f->msg.s, l->ew > 2 ? l->ew : 1, &lines);
	size_t shown = n > MSG_MAX_ROWS ? MSG_MAX_ROWS : n;
	for (size_t k = 0; k < shown; k++) {
		line_open(&r, (size_t)l->bw);
		row_add(&r, TE_NORMAL, "", 2 + l->lw + 1);
		struct buf m = BUF_INIT;
		buf_addf(&m, "%s %s%s", k ? " " : "!", lines[k], k + 1 == shown && shown < n ? "~~" : "");
		row_add(&r, TE_ERROR, m.s, l->ew + 2);
		buf_release(&m);
		line_close(&r);
		put_row(t, y + (int)height + (int)k, l->bx, &r);
	}
	utf8_lines_free(lines, n);
	return (int)(height + shown);
}

/* The button row: "[ OK ]  [ Cancel ]", centred, the focused one as the cursor. */
static void draw_buttons(struct tui *t, struct dialog *d, const struct dlayout *l, int y)
{
	struct buf ok = BUF_INIT, cancel = BUF_INIT;
	buf_addf(&ok, "[ %s ]", d->ok_label);
	if (*d->cancel_label)
		buf_addf(&cancel, "[ %s ]", d->cancel_label);
	size_t w = utf8_width(ok.s) + (cancel.len ? 2 + utf8_width(cancel.s) : 0);
	struct row r;
	line_open(&r, (size_t)l->bw);
	if (w < l->iw)
		row_add(&r, TE_NORMAL, "", (l->iw - w) / 2);
	size_t x_ok = r.cols;
	row_add(&r, d->focus == d->nfields ? TE_CURSOR : TE_NORMAL, ok.s, 0);
	size_t x_cancel = r.cols;
	if (cancel.len) {
		row_add(&r, TE_NORMAL, "  ", 0);
		x_cancel = r.cols;
		row_add(&r, d->focus == d->nfields + 1 ? TE_CURSOR : TE_NORMAL, cancel.s, 0);
	}
	line_close(&r);
	put_row(t, y, l->bx, &r);
	if (d->focus >= d->nfields && t->screen_reader) {
		d->cur_y = y;
		d->cur_x = l->bx + (int)(d->focus == d->nfields ? x_ok : x_cancel);
	}
	buf_release(&ok);
	buf_release(&cancel);
}

void dialog_draw(struct tui *t, struct dialog *d)
{
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	t->rows = rows;
	t->cols = cols;
	d->cur_y = d->cur_x = -1;
	if (rows < 5 || cols < 12)
		return;
	struct dlayout l;
	layout_dialog(d, rows, cols, &l);
	d->first = l.first;
	struct row r;
	int y = l.by;
	row_init(&r, (size_t)l.bw);
	border_row(&r, d->title.s, NULL);
	put_row(t, y++, l.bx, &r);
	for (size_t i = 0; i < l.ntext; i++) {
		line_open(&r, (size_t)l.bw);
		/* the last line shown ends in "~" when the question was cut */
		int cut = i + 1 == l.ntext && l.ntext < l.ntext_all;
		struct buf s = BUF_INIT;
		buf_adds(&s, l.text[i]);
		if (cut)
			buf_adds(&s, "~~");
		row_add(&r, TE_NORMAL, s.s, cut ? l.iw : 0);
		buf_release(&s);
		line_close(&r);
		put_row(t, y++, l.bx, &r);
	}
	if (l.gap) {
		line_open(&r, (size_t)l.bw);
		line_close(&r);
		put_row(t, y++, l.bx, &r);
	}
	for (size_t i = l.first; i < l.last; i++)
		y += draw_field(t, d, &l, i, y);
	line_open(&r, (size_t)l.bw);
	/* "more above/below" when not every field fits */
	if (l.first > 0 || l.last < d->nfields)
		row_add(&r, TE_MUTED, l.first > 0 && l.last < d->nfields ? "^ v" :
				      l.first > 0 ? "^" : "v", 0);
	line_close(&r);
	put_row(t, y++, l.bx, &r);
	draw_buttons(t, d, &l, y++);
	row_init(&r, (size_t)l.bw);
	border_row(&r, NULL, NULL);
	put_row(t, y, l.bx, &r);
	layout_release(&l);
	tui_place_cursor(t, d->cur_y, d->cur_x);
}

int dialog_changed(const struct dialog *d)
{
	for (size_t i = 0; d->initial && i < d->nfields; i++)
		if (strcmp(d->initial[i], dialog_value(d, i)))
			return 1;
	return 0;
}

/* Cancel on a dialog whose fields changed: ask before dropping them; 1 to drop. */
static int dialog_may_discard(struct tui *t, struct dialog *d)
{
	if (!d->confirm_discard || !dialog_changed(d) || t->script_ended)
		return 1;
	struct dialog q;
	dialog_init(&q, _("Discard what you typed?"));
	buf_adds(&q.text, _("What you typed in this form has not been sent or saved. Close it anyway?"));
	dialog_buttons(&q, _("Discard"), _("Keep editing"));
	q.focus = 1; /* the safe answer first */
	int yes = dialog_run(t, &q) == DIALOG_OK;
	dialog_release(&q);
	return yes;
}

enum dialog_result dialog_run(struct tui *t, struct dialog *d)
{
	if (d->confirm_discard && !d->initial) {
		d->initial = xcalloc(d->nfields ? d->nfields : 1, sizeof(*d->initial));
		for (size_t i = 0; i < d->nfields; i++)
			d->initial[i] = xstrdup(dialog_value(d, i));
	}
	tui_dialog_depth++;
	for (;;) {
		while (d->result == DIALOG_OPEN) {
			tui_paint(t);
			dialog_draw(t, d);
			refresh();
			int key = tui_read_key(t);
			/* take everything already typed (a paste) before drawing again */
			while (key >= 0 && dialog_key(t, d, key) == DIALOG_OPEN) {
				timeout(0);
				key = tui_read_key(t);
			}
			timeout(1000);
		}
		if (d->result != DIALOG_CANCEL || dialog_may_discard(t, d))
			break;
		d->result = DIALOG_OPEN;
	}
	tui_dialog_depth--;
	tui_place_cursor(t, -1, 0);
	return d->result;
}

void dialog_add_lines(struct dialog *d, const char *text)
{
	for (const char *l = text;;) {
		size_t len = strcspn(l, "\n");
		char *one = xstrndup(l, len);
		utf8_sanitize(&d->text, one);
		free(one);
		if (!l[len])
			break;
		buf_addch(&d->text, '\n');
		l += len + 1;
	}
}

int dialog_confirm(struct tui *t, const char *title, const char *question)
{
	struct dialog d;
	dialog_init(&d, title);
	dialog_add_lines(&d, question);
	dialog_buttons(&d, _("Yes"), _("No"));
	int yes = dialog_run(t, &d) == DIALOG_OK;
	dialog_release(&d);
	return yes;
}

/* ---- the picker ---- */

void picker_init(struct picker *p, const char *title)
{
	memset(p, 0, sizeof(*p));
	buf_init(&p->title);
	utf8_sanitize(&p->title, title);
	edit_init(&p->filter, 0, 200);
	p->result = DIALOG_OPEN;
	p->cur_y = p->cur_x = -1;
}

void picker_release(struct picker *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->items[i]);
	free(p->items);
	free(p->shown);
	edit_release(&p->filter);
	buf_release(&p->title);
	memset(p, 0, sizeof(*p));
}

/* Recompute which items match the filter, keeping the selected item if it still does. */
static void picker_refilter(struct picker *p)
{
	size_t keep = p->nshown ? p->shown[p->cursor] : SIZE_MAX;
	p->nshown = 0;
	p->cursor = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (!text_match(p->items[i], p->filter.text.s))
			continue;
		ALLOC_GROW(p->shown, p->nshown + 1, p->shown_alloc);
		if (i == keep)
			p->cursor = p->nshown;
		p->shown[p->nshown++] = i;
	}
}

void picker_add(struct picker *p, const char *item)
{
	ALLOC_GROW(p->items, p->n + 1, p->alloc);
	struct buf s = BUF_INIT;
	utf8_sanitize(&s, item);
	p->items[p->n++] = buf_detach(&s);
	picker_refilter(p);
}

/* Movement in the list; 1 when `a` was one. */
static int picker_move(struct picker *p, enum action a)
{
	size_t page = p->height > 1 ? (size_t)p->height - 1 : 1;
	if (!p->nshown)
		return a == ACT_MOVE_DOWN || a == ACT_MOVE_UP;
	switch (a) {
	case ACT_MOVE_DOWN:
		if (p->cursor + 1 < p->nshown)
			p->cursor++;
		return 1;
	case ACT_MOVE_UP:
		if (p->cursor)
			p->cursor--;
		return 1;
	case ACT_PAGE_DOWN:
		p->cursor = p->cursor + page < p->nshown ? p->cursor + page : p->nshown - 1;
		return 1;
	case ACT_PAGE_UP:
		p->cursor = p->cursor > page ? p->cursor - page : 0;
		return 1;
	case ACT_FIRST:
		p->cursor = 0;
		return 1;
	case ACT_LAST:
		p->cursor = p->nshown - 1;
		return 1;
	default:
		return 0;
	}
}

/* Enter: the selected item, if any is shown. */
static void picker_choose(struct picker *p)
{
	if (!p->nshown)
		return;
	p->chosen = p->shown[p->cursor];
	p->result = DIALOG_OK;
}

enum dialog_result picker_key(struct tui *t, struct picker *p, int key)
{
	if (p->result != DIALOG_OPEN || key == KEYC_MOUSE)
		return p->result;
	enum action a;
	if (p->filtering) {
		struct buf old = BUF_INIT;
		buf_adds(&old, p->filter.text.s);
		int used = edit_key(&p->filter, &t->keymap, key, &a);
		if (strcmp(old.s, p->filter.text.s))
			picker_refilter(p);
		buf_release(&old);
		if (used)
			return p->result;
		if (a == ACT_OPEN) {
			picker_choose(p);
		} else if (a == ACT_BACK) {
			/* Esc drops the filter; a second Esc cancels */
			p->filtering = 0;
			edit_set(&p->filter, "");
			picker_refilter(p);
		} else {
			picker_move(p, a);
		}
		return p->result;
	}
	a = keymap_action(&t->keymap, key);
	if (picker_move(p, a))
		return p->result;
	switch (a) {
	case ACT_SEARCH:
		p->filtering = 1;
		break;
	case ACT_OPEN:
		picker_choose(p);
		break;
	case ACT_BACK:
	case ACT_QUIT:
		p->result = DIALOG_CANCEL;
		break;
	default:
		break;
	}
	return p->result;
}

void picker_draw(struct tui *t, struct picker *p)
{
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	t->rows = rows;
	t->cols = cols;
	p->cur_y = p->cur_x = -1;
	if (rows < 4 || cols < 12)
		return;
	int bw = box_width(cols);
	size_t iw = (size_t)bw - 4;
	/* list rows: the items, but within the screen and at least one */
	int h = p->nshown ? (int)p->nshown : 1;
	int maxh = rows - 3 - (rows >= 12 ? 4 : 0);
	if (h > maxh)
		h = maxh;
	if (h < 1)
		h = 1;
	p->height = h;
	if (p->cursor < p->offset)
		p->offset = p->cursor;
	if (p->cursor >= p->offset + (size_t)h)
		p->offset = p->cursor - (size_t)h + 1;
	if (p->offset + (size_t)h > p->nshown)
		p->offset = p->nshown > (size_t)h ? p->nshown - (size_t)h : 0;
	int bx = (cols - bw) / 2, by = (rows - (h + 3)) / 2;
	struct row r;
	struct buf note = BUF_INIT;
	buf_addf(&note, "%zu/%zu", p->nshown ? p->cursor + 1 : 0, p->nshown);
	row_init(&r, (size_t)bw);
	border_row(&r, p->title.s, note.s);
	put_row(t, by, bx, &r);
	buf_release(&note);
	for (int i = 0; i < h; i++) {
		size_t k = p->offset + (size_t)i;
		int sel = k < p->nshown && k == p->cursor;
		line_open(&r, (size_t)bw);
		if (k < p->nshown)
			row_add(&r, sel ? TE_CURSOR : TE_NORMAL, p->items[p->shown[k]], iw);
		else if (!i)
			row_add(&r, TE_MUTED, _("no matches"), 0);
		line_close(&r);
		put_row(t, by + 1 + i, bx, &r);
		if (sel && t->screen_reader) {
			p->cur_y = by + 1 + i;
			p->cur_x = bx + 2;
		}
	}
	line_open(&r, (size_t)bw);
	if (p->filtering || p->filter.text.len) {
		struct row ed;
		size_t cy, cx;
		row_add(&r, TE_HELP_KEY, "/", 1);
		row_init(&ed, iw - 1);
		edit_render(&p->filter, &ed, iw - 1, 1, TE_NORMAL, &cy, &cx);
		row_add(&r, TE_NORMAL, ed.text.s, iw - 1);
		row_release(&ed);
		if (p->filtering) {
			p->cur_y = by + 1 + h;
			p->cur_x = bx + 3 + (int)cx;
		}
	} else {
		struct buf hint = BUF_INIT, k1 = BUF_INIT, k2 = BUF_INIT, k3 = BUF_INIT;
		keymap_describe(&t->keymap, ACT_SEARCH, "/", &k1);
		keymap_describe(&t->keymap, ACT_OPEN, "/", &k2);
		keymap_describe(&t->keymap, ACT_BACK, "/", &k3);
		buf_addf(&hint, _("%s filter, %s choose, %s cancel"), k1.s, k2.s, k3.s);
		row_add(&r, TE_MUTED, hint.s, iw);
		buf_release(&hint);
		buf_release(&k1);
		buf_release(&k2);
		buf_release(&k3);
	}
	line_close(&r);
	put_row(t, by + 1 + h, bx, &r);
	row_init(&r, (size_t)bw);
	border_row(&r, NULL, NULL);
	put_row(t, by + 2 + h, bx, &r);
	tui_place_cursor(t, p->cur_y, p->cur_x);
}

long picker_run(struct tui *t, struct picker *p)
{
	while (p->result == DIALOG_OPEN) {
		tui_paint(t);
		picker_draw(t, p);
		refresh();
		int key = tui_read_key(t);
		while (key >= 0 && picker_key(t, p, key) == DIALOG_OPEN) {
			timeout(0);
			key = tui_read_key(t);
		}
		timeout(1000);
	}
	tui_place_cursor(t, -1, 0);
	return p->result == DIALOG_OK ? (long)p->chosen : -1;
}

/* --- the date picker ------------------------------------------------------ */

/*
 * A date as the picker keeps it: days since 1970-01-01 (defs/value.h's
 * date_parse and date_format), with its year, month and day.
 */
struct pick_day {
	int64_t days;
	int y, m, d;
};

static void pick_set(struct pick_day *p, int64_t days)
{
	char s[16];
	p->days = days;
	date_format(days, s, sizeof(s));
	sscanf(s, "%d-%d-%d", &p->y, &p->m, &p->d);
}

/* The days of year y, month m (1-12) since the epoch; -1 when there is no such date. */
static int64_t pick_days(int y, int m, int d)
{
	char s[48];
	int64_t days;
	snprintf(s, sizeof(s), "%04d-%02d-%02d", y, m, d);
	return date_parse(s, &days) ? -1 : days;
}

/* Move by whole months, the day kept within the new month. */
static void pick_months(struct pick_day *p, int months)
{
	int k = p->y * 12 + (p->m - 1) + months, y = k / 12, m = k % 12 + 1;
	int64_t days = -1;
	for (int d = p->d; d >= 28 && days < 0; d--)
		days = pick_days(y, m, d);
	if (days < 0)
		days = pick_days(y, m, p->d < 28 ? p->d : 28);
	if (days >= 0)
		pick_set(p, days);
}

/* Today by the clock (DOCKET_NOW pins it), in local time. */
static int64_t pick_today(void)
{
	time_t now = clock_now();
	struct tm tm;
	localtime_r(&now, &tm);
	int64_t days = pick_days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	return days < 0 ? 0 : days;
}

static void date_picker_draw(struct tui *t, const char *title, const struct pick_day *p)
{
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	t->rows = rows;
	t->cols = cols;
	int bw = 7 * 4 + 4, h = 10;
	if (rows < h || cols < bw)
		return;
	int bx = (cols - bw) / 2, by = (rows - h) / 2;
	struct row r;
	struct buf s = BUF_INIT;
	/* TRANSLATORS: the month a date picker shows (2026年3月) */
	buf_addf(&s, _("%d-%02d"), p->y, p->m);
	row_init(&r, (size_t)bw);
	border_row(&r, title, s.s);
	put_row(t, by, bx, &r);
	line_open(&r, (size_t)bw);
	/* TRANSLATORS: the weekdays over a date picker's days, Monday first, each in 4 columns */
	row_add(&r, TE_HEADER, _("  Mo  Tu  We  Th  Fr  Sa  Su"), (size_t)bw - 4);
	line_close(&r);
	put_row(t, by + 1, bx, &r);
	/* the month's first day, and its weekday (1970-01-01 was a Thursday: Monday is 0) */
	int64_t first = p->days - (p->d - 1), next = pick_days(p->m == 12 ? p->y + 1 : p->y, p->m % 12 + 1, 1);
	int n = next > first ? (int)(next - first) : 31, lead = (int)(((first + 3) % 7 + 7) % 7), cy = -1, cx = -1;
	for (int week = 0; week < 6; week++) {
		line_open(&r, (size_t)bw);
		for (int wd = 0; wd < 7; wd++) {
			int day = week * 7 + wd - lead + 1;
			char cell[16] = "    "; /* room for any int: the compiler cannot see day <= 31 */
			if (day >= 1 && day <= n)
				snprintf(cell, sizeof(cell), "  %2d", day);
			enum theme_elem e = day == p->d ? TE_CURSOR : wd >= 5 ? TE_MUTED : TE_NORMAL;
			row_add(&r, e, cell, 4);
			if (day == p->d) {
				cy = by + 2 + week;
				cx = bx + 2 + wd * 4 + 2;
			}
		}
		line_close(&r);
		put_row(t, by + 2 + week, bx, &r);
	}
	line_open(&r, (size_t)bw);
	/* TRANSLATORS: a date picker's keys: arrows move a day or a week, PgUp/PgDn a month */
	row_add(&r, TE_MUTED, _("arrows: day/week  PgUp/PgDn: month"), (size_t)bw - 4);
	line_close(&r);
	put_row(t, by + 8, bx, &r);
	row_init(&r, (size_t)bw);
	border_row(&r, NULL, NULL);
	put_row(t, by + 9, bx, &r);
	row_release(&r);
	buf_release(&s);
	tui_place_cursor(t, t->screen_reader ? cy : -1, cx);
}

int date_picker_run(struct tui *t, const char *title, const char *initial, char out[11])
{
	struct pick_day p;
	int64_t days;
	/* the date typed, as people type it (2026/3/2 too), or today */
	pick_set(&p, initial && !date_parse_lenient(initial, &days) ? days : pick_today());
	const int left = key_parse("Left"), right = key_parse("Right");
	int result = -1;
	while (result < 0) {
		tui_paint(t);
		date_picker_draw(t, title, &p);
		refresh();
		int key = tui_read_key(t);
		if (key < 0 || key == KEYC_MOUSE)
			continue;
		enum action a = keymap_action(&t->keymap, key);
		if (key == left)
			pick_set(&p, p.days - 1);
		else if (key == right)
			pick_set(&p, p.days + 1);
		else if (a == ACT_MOVE_UP)
			pick_set(&p, p.days - 7);
		else if (a == ACT_MOVE_DOWN)
			pick_set(&p, p.days + 7);
		else if (a == ACT_PAGE_UP)
			pick_months(&p, -1);
		else if (a == ACT_PAGE_DOWN)
			pick_months(&p, 1);
		else if (a == ACT_FIRST)
			pick_set(&p, pick_today());
		else if (a == ACT_OPEN)
			result = 1;
		else if (a == ACT_BACK || a == ACT_QUIT)
			result = 0;
	}
	tui_place_cursor(t, -1, 0);
	if (result)
		date_format(p.days, out, 11);
	return result;
}
