/*
 * The pager view: any text (the output of a `:` command, a definition's
 * raw text, help) as lines that scroll, with `/` search and `n`/`N` from
 * search.c; matches of the current search are drawn in the cursor's
 * colours. Lines are sanitized when loaded (tabs expanded to 8 columns,
 * control and bidi characters escaped: utf8_sanitize) and cut at the right edge.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "widget.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"

struct pager {
	char *title;     /* for the title bar; owned */
	char **lines;    /* sanitized lines; owned */
	size_t n, alloc;
	size_t hscroll;  /* columns scrolled off at the left (edit-left/edit-right) */
	size_t widest;   /* columns of the longest line */
};

/* Columns Left/Right scroll by. */
#define PAGER_HSTEP 8

/* Expand tabs to the next multiple of 8 columns, then sanitize. */
static char *clean_line(const char *s, size_t len)
{
	struct buf raw = BUF_INIT, out = BUF_INIT;
	/* invalid UTF-8 (a program's binary output) is shown as '?' */
	for (size_t i = 0; i < len;) {
		size_t bad;
		if (utf8_valid(s + i, len - i, &bad)) {
			buf_add(&raw, s + i, len - i);
			break;
		}
		buf_add(&raw, s + i, bad);
		buf_addch(&raw, '?');
		i += bad + 1;
		while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
	}
	size_t col = 0;
	for (const char *p = raw.s; *p;) {
		if (*p == '\t') {
			do
				buf_addch(&out, ' ');
			while (++col % 8);
			p++;
			continue;
		}
		const char *q = p;
		while (*q && *q != '\t')
			q++;
		struct buf piece = BUF_INIT, clean = BUF_INIT;
		buf_add(&piece, p, (size_t)(q - p));
		utf8_sanitize(&clean, piece.s);
		buf_add(&out, clean.s, clean.len);
		col += utf8_width(clean.s);
		buf_release(&piece);
		buf_release(&clean);
		p = q;
	}
	buf_release(&raw);
	return buf_detach(&out);
}

void *pager_data(const char *title, const char *text, size_t len)
{
	struct pager *pg = xcalloc(1, sizeof(*pg));
	pg->title = xstrdup(title);
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n && p[n - 1] == '\r')
			n--;
		ALLOC_GROW(pg->lines, pg->n + 1, pg->alloc);
		pg->lines[pg->n] = clean_line(p, n);
		size_t w = utf8_width(pg->lines[pg->n++]);
		if (w > pg->widest)
			pg->widest = w;
		p += (nl ? (size_t)(nl - p) + 1 : n);
	}
	return pg;
}

static int pager_open(struct tui *t, struct view *v)
{
	(void)t;
	struct pager *pg = v->data;
	v->lines = pg->n;
	v->no_cursor = 1;
	return 0;
}

static void pager_release(struct view *v)
{
	struct pager *pg = v->data;
	if (!pg)
		return;
	for (size_t i = 0; i < pg->n; i++)
		free(pg->lines[i]);
	free(pg->lines);
	free(pg->title);
	free(pg);
	v->data = NULL;
}

static void pager_title(struct tui *t, struct view *v, struct buf *out)
{
	(void)t;
	struct pager *pg = v->data;
	buf_adds(out, pg->title);
}

/* Length in bytes of the match of `needle` at p (ASCII either case), or 0. */
static size_t match_at(const char *p, const char *needle)
{
	size_t i = 0;
	for (; needle[i]; i++) {
		unsigned char a = (unsigned char)p[i], b = (unsigned char)needle[i];
		if (!a)
			return 0;
		if (a < 0x80 && b < 0x80) {
			a = (unsigned char)(a >= 'A' && a <= 'Z' ? a + 32 : a);
			b = (unsigned char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
		}
		if (a != b)
			return 0;
	}
	return i;
}

/* A line, with the current search's matches drawn as TE_CURSOR. */
static void pager_line(struct tui *t, struct view *v, size_t i, struct row *r)
{
	struct pager *pg = v->data;
	const char *s = pg->lines[i], *needle = t->search.s;
	struct buf piece = BUF_INIT;
	row_add(r, TE_NORMAL, " ", 1);
	/* skip what is scrolled off; a wide character cut in two shows as a blank */
	size_t col = 0;
	while (*s && col < pg->hscroll) {
		uint32_t cp;
		size_t len = utf8_decode(s, &cp);
		col += (size_t)utf8_cp_width(cp);
		s += len;
	}
	if (col > pg->hscroll)
		row_add(r, TE_NORMAL, " ", 1);
	const char *p = s, *run = s;
	while (*needle && *p) {
		size_t m = match_at(p, needle);
		if (!m) {
			p++;
			continue;
		}
		buf_reset(&piece);
		buf_add(&piece, run, (size_t)(p - run));
		row_add(r, TE_NORMAL, piece.s, 0);
		buf_reset(&piece);
		buf_add(&piece, p, m);
		row_add(r, TE_CURSOR, piece.s, 0);
		p += m;
		run = p;
	}
	row_add(r, TE_NORMAL, run, 0);
	buf_release(&piece);
}

/*
 * Left and Right scroll sideways. Refresh keeps the text: it was given
 * when the pager was pushed and there is nothing to read it from again
 * (the generic refresh would release it and reopen nothing).
 */
static int pager_request(struct tui *t, struct view *v, enum action a)
{
	(void)t;
	struct pager *pg = v->data;
	if (a == ACT_REFRESH)
		return 1;
	if (a == ACT_EDIT_RIGHT) {
		if (pg->hscroll + PAGER_HSTEP < pg->widest)
			pg->hscroll += PAGER_HSTEP;
		return 1;
	}
	if (a == ACT_EDIT_LEFT || a == ACT_EDIT_HOME) {
		pg->hscroll = a == ACT_EDIT_HOME || pg->hscroll < PAGER_HSTEP ? 0
							: pg->hscroll - PAGER_HSTEP;
		return 1;
	}
	return 0;
}

const struct view_ops pager_view_ops = {
	.name = "pager",
	.title = pager_title,
	.open = pager_open,
	.line = pager_line,
	.request = pager_request,
	.release = pager_release,
	.empty = N_("(no output)"),
};
