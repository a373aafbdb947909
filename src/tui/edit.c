/*
 * edit: the line editor (widget.h). Text is UTF-8 in a buf, the cursor a
 * byte offset that always sits on a character boundary and moves by
 * characters; placing it on screen and scrolling are done by display
 * columns (utf8_cp_width), so "审批" is two steps for the cursor and four
 * columns on screen. A single-line editor scrolls sideways by whole
 * characters, so a double-width character is never shown in half; a
 * multi-line editor wraps by columns and scrolls by rows. A secret editor
 * (a passphrase) shows one '*' per character and never lets a copy of
 * its text reach freed memory unwiped.
 */
#include <stdlib.h>
#include <string.h>

#include "widget.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"

void edit_init(struct edit *e, int multiline, size_t max_chars)
{
	buf_init(&e->text);
	e->cur = 0;
	e->scroll = 0;
	e->max_chars = max_chars;
	e->multiline = multiline;
	e->full = 0;
	e->width = 0;
	e->secret = 0;
}

/* Wipe bytes the compiler must not drop as dead stores (a passphrase's). */
static void wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

void edit_secret(struct edit *e)
{
	e->secret = 1;
	e->multiline = 0;
	if (!e->max_chars)
		e->max_chars = 256;
	/* room for the longest text at once: growing would leave a copy behind */
	buf_grow(&e->text, e->max_chars * 4 + 1);
	memset(e->text.s, 0, e->text.alloc);
}

void edit_release(struct edit *e)
{
	if (e->secret)
		wipe(e->text.s, e->text.alloc);
	buf_release(&e->text);
	e->cur = e->scroll = 0;
	e->full = 0;
}

void edit_set(struct edit *e, const char *s)
{
	if (e->secret)
		wipe(e->text.s, e->text.len);
	buf_reset(&e->text);
	e->cur = 0;
	e->scroll = 0;
	edit_insert(e, s ? s : "");
	e->cur = e->text.len;
}


int key_is_printable(int key)
{
	if (key < 0x20 || key >= KEYC_BASE)
		return 0;
	uint32_t cp = (uint32_t)key;
	/* controls and bidirectional controls are never stored (utf8_cp_unsafe) */
	if (utf8_cp_unsafe(cp) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return 1;
}

int text_match(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	if (!n)
		return 1;
	for (const char *p = hay; *p; p++) {
		size_t i = 0;
		while (i < n && p[i]) {
			unsigned char a = (unsigned char)p[i], b = (unsigned char)needle[i];
			if (a < 0x80 && b < 0x80) {
				if (a >= 'A' && a <= 'Z')
					a = (unsigned char)(a + 32);
				if (b >= 'A' && b <= 'Z')
					b = (unsigned char)(b + 32);
			}
			if (a != b)
				break;
			i++;
		}
		if (i == n)
			return 1;
	}
	return 0;
}

/* Length of the UTF-8 sequence at s if it is valid, else 0. */
static size_t valid_seq(const char *s)
{
	unsigned c = (unsigned char)s[0];
	size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
		   (c & 0xf8) == 0xf0 ? 4 : 0;
	for (size_t i = 1; i < n; i++)
		if (!s[i])
			return 0;
	return n && utf8_valid(s, n, NULL) ? n : 0;
}

size_t edit_insert(struct edit *e, const char *s)
{
	struct buf add = BUF_INIT;
	size_t have = utf8_chars(e->text.s, e->text.len), added = 0;
	e->full = 0;
	for (const char *p = s; *p;) {
		size_t n = valid_seq(p);
		if (!n) {
			p++;
			continue;
		}
		uint32_t cp;
		utf8_decode(p, &cp);
		p += n;
		if (cp == '\t' || (cp == '\n' && !e->multiline))
			cp = ' ';
		else if (cp == '\r' || (cp != '\n' && !key_is_printable((int)cp)))
			continue;
		if (e->max_chars && have + added >= e->max_chars) {
			e->full = 1;
			break;
		}
		utf8_encode(&add, cp);
		added++;
	}
	if (add.len) {
		char *tail = xstrdup(e->text.s + e->cur);
		buf_setlen(&e->text, e->cur);
		buf_add(&e->text, add.s, add.len);
		buf_adds(&e->text, tail);
		e->cur += add.len;
		if (e->secret)
			wipe(tail, strlen(tail));
		free(tail);
	}
	if (e->secret)
		wipe(add.s, add.len);
	buf_release(&add);
	return added;
}

/* Remove bytes [a, b) of the text; the cursor goes to a. */
static void delete_range(struct edit *e, size_t a, size_t b)
{
	if (b <= a)
		return;
	memmove(e->text.s + a, e->text.s + b, e->text.len - b + 1);
	e->text.len -= b - a;
	if (e->secret)
		wipe(e->text.s + e->text.len + 1, b - a);
	e->cur = a;
	e->full = 0;
}

static size_t next_char(const struct edit *e, size_t off)
{
	if (off >= e->text.len)
		return e->text.len;
	uint32_t cp;
	return off + utf8_decode(e->text.s + off, &cp);
}

static size_t prev_char(const struct edit *e, size_t off)
{
	if (!off)
		return 0;
	off--;
	while (off && ((unsigned char)e->text.s[off] & 0xc0) == 0x80)
		off--;
	return off;
}

static uint32_t char_at(const struct edit *e, size_t off)
{
	uint32_t cp = 0;
	if (off < e->text.len)
		utf8_decode(e->text.s + off, &cp);
	return cp;
}

/* Display columns of bytes [a, b). */
static size_t range_width(const char *s, size_t a, size_t b)
{
	size_t w = 0;
	while (a < b) {
		uint32_t cp;
		a += utf8_decode(s + a, &cp);
		w += (size_t)utf8_cp_width(cp);
	}
	return w;
}

/* Start and end (before the '\n') of the hard line holding byte `off`. */
static size_t line_start(const struct edit *e, size_t off)
{
	while (off && e->text.s[off - 1] != '\n')
		off--;
	return off;
}

static size_t line_end(const struct edit *e, size_t off)
{
	while (off < e->text.len && e->text.s[off] != '\n')
		off++;
	return off;
}

size_t edit_cursor_col(const struct edit *e)
{
	return range_width(e->text.s, line_start(e, e->cur), e->cur);
}

/* Word separators for kill-word: blanks and Chinese punctuation (，。、；：？！（）). */
static int is_separator(uint32_t cp)
{
	return cp == ' ' || cp == '\n' || cp == 0x3000 || (cp >= 0x3001 && cp <= 0x3003) ||
	       (cp >= 0x3008 && cp <= 0x3011) || cp == 0xff01 || cp == 0xff08 || cp == 0xff09 ||
	       cp == 0xff0c || cp == 0xff1a || cp == 0xff1b || cp == 0xff1f;
}

/* One row of the wrapped layout: bytes [start, end), end before any '\n'. */
struct vline {
	size_t start, end;
};

/*
 * Wrap the text into rows of `width` columns: at every '\n', and before a
 * character that would not fit. A full last row gets an empty row after
 * it, so the cursor at the end has a cell. Caller frees *out.
 */
static size_t layout(const struct edit *e, size_t width, struct vline **out)
{
	struct vline *v = NULL;
	size_t n = 0, alloc = 0, start = 0, col = 0, pos = 0;
	const char *s = e->text.s;
	if (!width)
		width = 1;
	while (pos < e->text.len) {
		if (s[pos] == '\n') {
			ALLOC_GROW(v, n + 1, alloc);
			v[n++] = (struct vline){ start, pos };
			start = ++pos;
			col = 0;
			continue;
		}
		uint32_t cp;
		size_t len = utf8_decode(s + pos, &cp);
		size_t w = (size_t)utf8_cp_width(cp);
		if (col + w > width && col > 0) {
			ALLOC_GROW(v, n + 1, alloc);
			v[n++] = (struct vline){ start, pos };
			start = pos;
			col = 0;
			continue;
		}
		col += w;
		pos += len;
	}
	ALLOC_GROW(v, n + 2, alloc);
	v[n++] = (struct vline){ start, e->text.len };
	if (col >= width && start < e->text.len)
		v[n++] = (struct vline){ e->text.len, e->text.len };
	*out = v;
	return n;
}

/* The row of the layout that holds the cursor. */
static size_t cursor_row(const struct vline *v, size_t n, size_t cur)
{
	size_t r = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i].start <= cur)
			r = i;
	return r;
}

/* Move to row `to` of a multi-line layout, as near the current column as possible. */
static int move_row(struct edit *e, int down)
{
	struct vline *v;
	size_t n = layout(e, e->width ? e->width : (size_t)-1 / 4, &v);
	size_t r = cursor_row(v, n, e->cur);
	int moved = 0;
	if (down ? r + 1 < n : r > 0) {
		size_t want = range_width(e->text.s, v[r].start, e->cur);
		size_t to = down ? r + 1 : r - 1, pos = v[to].start, col = 0;
		while (pos < v[to].end) {
			uint32_t cp;
			size_t len = utf8_decode(e->text.s + pos, &cp);
			size_t w = (size_t)utf8_cp_width(cp);
			if (col + w > want)
				break;
			col += w;
			pos += len;
		}
		e->cur = pos;
		moved = 1;
	}
	free(v);
	return moved;
}

int edit_action(struct edit *e, enum action a)
{
	switch (a) {
	case ACT_EDIT_LEFT:
		e->cur = prev_char(e, e->cur);
		return 1;
	case ACT_EDIT_RIGHT:
		e->cur = next_char(e, e->cur);
		return 1;
	case ACT_EDIT_HOME:
	case ACT_FIRST:
		e->cur = line_start(e, e->cur);
		return 1;
	case ACT_EDIT_END:
	case ACT_LAST:
		e->cur = line_end(e, e->cur);
		return 1;
	case ACT_EDIT_BACKSPACE:
		delete_range(e, prev_char(e, e->cur), e->cur);
		return 1;
	case ACT_EDIT_DELETE:
		delete_range(e, e->cur, next_char(e, e->cur));
		return 1;
	case ACT_EDIT_KILL_END: {
		size_t end = line_end(e, e->cur);
		/* at the end of a line, join it with the next (as Emacs does) */
		if (end == e->cur && end < e->text.len)
			end++;
		delete_range(e, e->cur, end);
		return 1;
	}
	case ACT_EDIT_KILL_START:
		delete_range(e, line_start(e, e->cur), e->cur);
		return 1;
	case ACT_EDIT_KILL_WORD: {
		size_t p = e->cur;
		while (p && is_separator(char_at(e, prev_char(e, p))))
			p = prev_char(e, p);
		while (p && !is_separator(char_at(e, prev_char(e, p))))
			p = prev_char(e, p);
		delete_range(e, p, e->cur);
		return 1;
	}
	case ACT_EDIT_NEWLINE:
		if (!e->multiline)
			return 0;
		edit_insert(e, "\n");
		return 1;
	case ACT_MOVE_UP:
	case ACT_MOVE_DOWN:
		return e->multiline ? move_row(e, a == ACT_MOVE_DOWN) : 0;
	default:
		return 0;
	}
}

int edit_key(struct edit *e, const struct keymap *km, int key, enum action *out)
{
	enum action a = keymap_action(km, key);
	const struct action_info *ai = action_info(a);
	*out = a;
	if (ai && ai->group == KEYGROUP_EDIT)
		return edit_action(e, a);
	/* the one place a raw key is looked at: typing a character */
	if (key_is_printable(key)) {
		struct buf ch = BUF_INIT;
		utf8_encode(&ch, (uint32_t)key);
		edit_insert(e, ch.s);
		if (e->secret)
			wipe(ch.s, ch.len);
		buf_release(&ch);
		return 1;
	}
	if (a == ACT_FIRST || a == ACT_LAST || a == ACT_MOVE_UP || a == ACT_MOVE_DOWN)
		return edit_action(e, a);
	return 0;
}

/* Single line: scroll by whole characters so the cursor cell is visible. */
static void render_single(struct edit *e, struct row *r, size_t width, enum theme_elem elem,
			  size_t *cx)
{
	const char *s = e->text.s;
	size_t c = range_width(s, 0, e->cur), total = range_width(s, 0, e->text.len);
	size_t cw = e->cur < e->text.len ? (size_t)utf8_cp_width(char_at(e, e->cur)) : 1;
	if (!cw || cw > width)
		cw = 1;
	/* no empty space at the right while text is hidden at the left */
	if (total + 1 <= width)
		e->scroll = 0;
	else if (e->scroll + width > total + 1)
		e->scroll = total + 1 - width;
	if (c < e->scroll)
		e->scroll = c;
	if (c + cw > e->scroll + width)
		e->scroll = c + cw - width;
	/* snap the scroll to the start of a character (never half of one) */
	size_t pos = 0, col = 0;
	while (pos < e->text.len) {
		uint32_t cp;
		size_t len = utf8_decode(s + pos, &cp);
		size_t w = (size_t)utf8_cp_width(cp);
		if (col >= e->scroll)
			break;
		col += w;
		pos += len;
	}
	e->scroll = col;
	size_t first = pos, used = 0;
	while (pos < e->text.len) {
		uint32_t cp;
		size_t len = utf8_decode(s + pos, &cp);
		size_t w = (size_t)utf8_cp_width(cp);
		if (used + w > width)
			break;
		used += w;
		pos += len;
	}
	struct buf vis = BUF_INIT;
	buf_add(&vis, s + first, pos - first);
	row_add(r, elem, vis.s, 0);
	row_fill(r, elem);
	buf_release(&vis);
	*cx = c - e->scroll;
}

void edit_render(struct edit *e, struct row *rows, size_t width, size_t height,
		 enum theme_elem elem, size_t *cy, size_t *cx)
{
	*cy = *cx = 0;
	if (!width || !height)
		return;
	e->width = width;
	if (e->secret) {
		/* the same editor over '*'s: one column per character, the cursor by characters */
		struct edit m = *e;
		buf_init(&m.text);
		for (size_t n = utf8_chars(e->text.s, e->text.len); n; n--)
			buf_addch(&m.text, '*');
		m.cur = utf8_chars(e->text.s, e->cur);
		m.secret = 0;
		render_single(&m, &rows[0], width, elem, cx);
		e->scroll = m.scroll;
		buf_release(&m.text);
		return;
	}
	if (!e->multiline) {
		render_single(e, &rows[0], width, elem, cx);
		return;
	}
	struct vline *v;
	size_t n = layout(e, width, &v);
	size_t cr = cursor_row(v, n, e->cur);
	if (cr < e->scroll)
		e->scroll = cr;
	if (cr >= e->scroll + height)
		e->scroll = cr - height + 1;
	if (e->scroll + height > n)
		e->scroll = n > height ? n - height : 0;
	for (size_t i = 0; i < height; i++) {
		size_t k = e->scroll + i;
		if (k < n) {
			struct buf part = BUF_INIT;
			buf_add(&part, e->text.s + v[k].start, v[k].end - v[k].start);
			row_add(&rows[i], elem, part.s, 0);
			buf_release(&part);
		}
		row_fill(&rows[i], elem);
	}
	size_t col = range_width(e->text.s, v[cr].start, e->cur);
	*cy = cr - e->scroll;
	*cx = col < width ? col : width - 1;
	free(v);
}
