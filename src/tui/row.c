/*
 * row: one screen row built from pieces measured in columns (view.h).
 * The only TUI code that truncates or pads text; it goes through utf8_fit,
 * so a row never overflows and a double-width character is never split.
 */
#include "view.h"

#include "../util/utf8.h"

void row_init(struct row *r, size_t width)
{
	buf_init(&r->text);
	r->nspans = 0;
	r->cols = 0;
	r->width = width;
}

void row_release(struct row *r)
{
	buf_release(&r->text);
	r->nspans = 0;
	r->cols = 0;
}

/* Record that bytes [off, text.len) are drawn as `e` (highlighted when hi). */
static void add_span_hi(struct row *r, enum theme_elem e, int hi, size_t off)
{
	size_t len = r->text.len - off;
	if (!len)
		return;
	struct span *last = r->nspans ? &r->spans[r->nspans - 1] : NULL;
	if (last && ((last->elem == e && last->hi == hi) || r->nspans == ROW_MAX_SPANS)) {
		last->len += len;
		return;
	}
	r->spans[r->nspans++] = (struct span){ off, len, e, hi };
}

static void add_span(struct row *r, enum theme_elem e, size_t off)
{
	add_span_hi(r, e, 0, off);
}

size_t row_add(struct row *r, enum theme_elem e, const char *s, size_t cols)
{
	return row_add_hi(r, e, 0, s, cols);
}

size_t row_add_hi(struct row *r, enum theme_elem e, int hi, const char *s, size_t cols)
{
	struct buf clean = BUF_INIT;
	utf8_sanitize(&clean, s ? s : "");
	size_t avail = r->width - r->cols;
	size_t want = cols ? cols : utf8_width(clean.s);
	if (want > avail)
		want = avail;
	size_t off = r->text.len;
	size_t used = utf8_fit(&r->text, clean.s, want, 1, 1);
	buf_release(&clean);
	r->cols += used;
	add_span_hi(r, e, hi, off);
	return used;
}

void row_fill(struct row *r, enum theme_elem e)
{
	size_t off = r->text.len;
	while (r->cols < r->width) {
		buf_addch(&r->text, ' ');
		r->cols++;
	}
	add_span(r, e, off);
}

void row_right(struct row *r, enum theme_elem e, const char *right)
{
	struct buf clean = BUF_INIT;
	utf8_sanitize(&clean, right);
	size_t w = utf8_width(clean.s);
	if (r->cols + w <= r->width) {
		size_t off = r->text.len;
		while (r->cols + w < r->width) {
			buf_addch(&r->text, ' ');
			r->cols++;
		}
		buf_add(&r->text, clean.s, clean.len);
		r->cols += w;
		add_span(r, e, off);
	}
	buf_release(&clean);
	row_fill(r, e);
}
