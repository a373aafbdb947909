/*
 * docs_diff: what changed between two revisions.
 *
 * The line level is libgit2's (git_patch_from_buffers: Myers with git's
 * heuristics). Inside each pair of changed lines we diff again over code
 * points, because Chinese has no spaces between words and a changed
 * character is otherwise lost in a changed line. Output is unified or side
 * by side, with colour (changed characters in reverse video) or, without
 * colour, [-deleted-] and {+added+} markers. Side by side is measured in
 * display columns (utf8_cp_width), never bytes.
 */
#include <git2.h>
#include <stdlib.h>
#include <string.h>

#include "../util/gitlib.h"
#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"
#include "docs.h"
#include "docs_internal.h"

/* Cells above which the character LCS is skipped (the pair is shown as replaced). */
#define LCS_MAX_CELLS (4u * 1024 * 1024)

/* One code point of a line and where it starts. */
struct cp {
	uint32_t c;   /* the code point */
	size_t off;   /* byte offset in the line */
	size_t len;   /* its UTF-8 length */
};

/* Decode a line (must be valid UTF-8; invalid bytes count as one each). */
static size_t decode(const char *s, size_t len, struct cp **out)
{
	struct cp *v = xmalloc((len + 1) * sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; i < len;) {
		size_t k = 1;
		uint32_t c = (unsigned char)s[i];
		unsigned char b = (unsigned char)s[i];
		size_t need = b < 0x80 ? 1 : (b & 0xe0) == 0xc0 ? 2 : (b & 0xf0) == 0xe0 ? 3 : (b & 0xf8) == 0xf0 ? 4 : 1;
		if (need > 1 && i + need <= len && utf8_valid(s + i, need, NULL))
			k = utf8_decode(s + i, &c);
		v[n].c = c;
		v[n].off = i;
		v[n++].len = k;
		i += k;
	}
	*out = v;
	return n;
}

/* An edit on code points: equal (a, b), delete (a) or insert (b). */
struct edit {
	int op;      /* 0, -1, +1 */
	size_t a, b; /* indexes into the old and new code points */
};

/* Append one edit. */
static void push(struct edit **e, size_t *n, size_t *alloc, int op, size_t a, size_t b)
{
	ALLOC_GROW(*e, *n + 1, *alloc);
	(*e)[*n].op = op;
	(*e)[*n].a = a;
	(*e)[*n].b = b;
	(*n)++;
}

/* LCS edit script of a[0..n) and b[0..m) after trimming common ends. */
static size_t edit_script(const struct cp *a, size_t n, const struct cp *b, size_t m, struct edit **out)
{
	struct edit *e = NULL;
	size_t ne = 0, alloc = 0, pre = 0, suf = 0;
	while (pre < n && pre < m && a[pre].c == b[pre].c)
		pre++;
	while (suf < n - pre && suf < m - pre && a[n - 1 - suf].c == b[m - 1 - suf].c)
		suf++;
	for (size_t i = 0; i < pre; i++)
		push(&e, &ne, &alloc, 0, i, i);
	size_t an = n - pre - suf, bn = m - pre - suf;
	if (an && bn && (size_t)an * bn <= LCS_MAX_CELLS) {
		/* L[i][j] = LCS of a[pre+i..] and b[pre+j..] */
		size_t w = bn + 1;
		uint16_t *L = xcalloc((an + 1) * w, sizeof(*L));
		for (size_t i = an; i-- > 0;)
			for (size_t j = bn; j-- > 0;)
				L[i * w + j] = a[pre + i].c == b[pre + j].c
						       ? (uint16_t)(L[(i + 1) * w + j + 1] + 1)
						       : (L[(i + 1) * w + j] >= L[i * w + j + 1] ? L[(i + 1) * w + j]
												 : L[i * w + j + 1]);
		size_t i = 0, j = 0;
		while (i < an && j < bn) {
			if (a[pre + i].c == b[pre + j].c) {
				push(&e, &ne, &alloc, 0, pre + i++, pre + j++);
			} else if (L[(i + 1) * w + j] >= L[i * w + j + 1]) {
				push(&e, &ne, &alloc, -1, pre + i++, 0);
			} else {
				push(&e, &ne, &alloc, 1, 0, pre + j++);
			}
		}
		for (; i < an; i++)
			push(&e, &ne, &alloc, -1, pre + i, 0);
		for (; j < bn; j++)
			push(&e, &ne, &alloc, 1, 0, pre + j);
		free(L);
	} else {
		for (size_t i = 0; i < an; i++)
			push(&e, &ne, &alloc, -1, pre + i, 0);
		for (size_t j = 0; j < bn; j++)
			push(&e, &ne, &alloc, 1, 0, pre + j);
	}
	for (size_t i = 0; i < suf; i++)
		push(&e, &ne, &alloc, 0, n - suf + i, m - suf + i);
	*out = e;
	return ne;
}

size_t docs_char_diff(const char *a, size_t alen, const char *b, size_t blen, struct docs_seg **out)
{
	struct cp *ca, *cb;
	size_t n = decode(a, alen, &ca), m = decode(b, blen, &cb);
	struct edit *e;
	size_t ne = edit_script(ca, n, cb, m, &e);
	/*
	 * Make the script readable: a single equal character between two
	 * changes becomes part of them (通知 → 决定 reads as one replacement,
	 * not two with a stray character between), and in every run of
	 * changes the deletions come before the insertions.
	 */
	for (size_t i = 1; i + 1 < ne; i++)
		if (e[i].op == 0 && e[i - 1].op != 0 && e[i + 1].op != 0)
			e[i].op = 2; /* both a delete of a and an insert of b */
	/* emit segments: within each change run, all deletes, then all inserts */
	struct docs_seg *s = NULL;
	size_t ns = 0, alloc = 0;
	size_t i = 0;
	while (i < ne) {
		size_t j = i;
		if (e[i].op == 0) {
			while (j < ne && e[j].op == 0)
				j++;
			ALLOC_GROW(s, ns + 1, alloc);
			size_t off = ca[e[i].a].off, end = ca[e[j - 1].a].off + ca[e[j - 1].a].len;
			s[ns++] = (struct docs_seg){ 0, off, end - off };
			i = j;
			continue;
		}
		while (j < ne && e[j].op != 0)
			j++;
		for (int pass = 0; pass < 2; pass++) {
			int want = pass ? 1 : -1;
			size_t start = 0, end = 0;
			int have = 0;
			for (size_t x = i; x < j; x++) {
				if (e[x].op != want && e[x].op != 2)
					continue;
				const struct cp *c = want < 0 ? &ca[e[x].a] : &cb[e[x].b];
				if (!have)
					start = c->off;
				end = c->off + c->len;
				have = 1;
			}
			if (have) {
				ALLOC_GROW(s, ns + 1, alloc);
				s[ns++] = (struct docs_seg){ want, start, end - start };
			}
		}
		i = j;
	}
	free(e);
	free(ca);
	free(cb);
	*out = s;
	return ns;
}

/* ANSI styles by meaning. */
#define C_RESET "\033[m"
#define C_DEL "\033[31m"
#define C_ADD "\033[32m"
#define C_DEL_HI "\033[1;7;31m"
#define C_ADD_HI "\033[1;7;32m"
#define C_HUNK "\033[36m"
#define C_HEAD "\033[1m"

/* A character ready to draw: the code point's bytes and whether it changed. */
struct cell {
	const char *s;  /* bytes in the line (or a marker string) */
	size_t len;     /* byte length */
	char esc[8];    /* when set, drawn instead of s: the visible escape of a
			   character a terminal would act on (utf8_sanitize_n) */
	int width;      /* display columns */
	int hi;         /* a changed character (drawn highlighted) */
};

/* A line to draw. */
struct cells {
	struct cell *v;     /* the characters */
	size_t n, alloc;    /* used, allocated */
};

static void cells_add(struct cells *c, const char *s, size_t len, int hi)
{
	uint32_t cp = (unsigned char)*s;
	if (len > 1)
		utf8_decode(s, &cp);
	ALLOC_GROW(c->v, c->n + 1, c->alloc);
	struct cell *x = &c->v[c->n++];
	if (cp == '\t') {
		*x = (struct cell){ .s = " ", .len = 1, .width = 1, .hi = hi };
	} else if ((len == 1 && cp >= 0x80) || utf8_cp_unsafe(cp)) {
		/* not UTF-8, a control or a bidi control: shown escaped, never sent raw */
		struct buf e = BUF_INIT;
		utf8_sanitize_n(&e, s, len, 0);
		*x = (struct cell){ .width = (int)e.len, .hi = hi };
		snprintf(x->esc, sizeof(x->esc), "%s", e.s);
		x->len = strlen(x->esc);
		buf_release(&e);
	} else {
		*x = (struct cell){ .s = s, .len = len, .width = utf8_cp_width(cp), .hi = hi };
	}
}

/* Add the bytes s[0..len) as cells, one per code point. */
static void cells_text(struct cells *c, const char *s, size_t len, int hi)
{
	for (size_t i = 0; i < len;) {
		unsigned char b = (unsigned char)s[i];
		size_t k = b < 0x80 ? 1 : (b & 0xe0) == 0xc0 ? 2 : (b & 0xf0) == 0xe0 ? 3 : 4;
		if (i + k > len || !utf8_valid(s + i, k, NULL))
			k = 1;
		cells_add(c, s + i, k, hi);
		i += k;
	}
}

/*
 * The cells of one side of a changed pair: `side` -1 draws the old line
 * (equal and deleted segments), +1 the new one. Without colour the
 * changed runs are wrapped in [- -] or {+ +}.
 */
static void cells_pair(struct cells *c, const char *old, const char *new, const struct docs_seg *s,
		       size_t ns, int side, int color)
{
	for (size_t i = 0; i < ns; i++) {
		if (s[i].op == 0) {
			cells_text(c, old + s[i].off, s[i].len, 0);
			continue;
		}
		if (s[i].op != side)
			continue;
		const char *text = side < 0 ? old : new;
		if (!color)
			cells_text(c, side < 0 ? "[-" : "{+", 2, 0);
		cells_text(c, text + s[i].off, s[i].len, 1);
		if (!color)
			cells_text(c, side < 0 ? "-]" : "+}", 2, 0);
	}
}

/* Draw cells [from, to) with the line's colour (origin '-', '+' or ' '). */
static void draw(struct buf *out, const struct cells *c, size_t from, size_t to, char origin, int color)
{
	const char *base = origin == '-' ? C_DEL : origin == '+' ? C_ADD : NULL;
	const char *hi = origin == '-' ? C_DEL_HI : C_ADD_HI;
	int cur = -1;
	for (size_t i = from; i < to; i++) {
		if (color && base && c->v[i].hi != cur) {
			buf_adds(out, C_RESET);
			buf_adds(out, c->v[i].hi ? hi : base);
			cur = c->v[i].hi;
		}
		buf_add(out, c->v[i].esc[0] ? c->v[i].esc : c->v[i].s, c->v[i].len);
	}
	if (color && base && cur != -1)
		buf_adds(out, C_RESET);
}

/* One line as diff -u shows it. */
static void unified_line(struct buf *out, const struct cells *c, char origin, int color)
{
	if (color && origin != ' ')
		buf_adds(out, origin == '-' ? C_DEL : C_ADD);
	buf_addch(out, origin);
	if (color && origin != ' ')
		buf_adds(out, C_RESET);
	draw(out, c, 0, c->n, origin, color);
	buf_addch(out, '\n');
}

/* The code point a cell draws (0 for an escape: no punctuation). */
static uint32_t cell_cp(const struct cell *x)
{
	uint32_t cp = 0;
	if (!x->esc[0] && x->len)
		utf8_decode(x->s, &cp);
	return cp;
}

/*
 * The end of the chunk of cells from `from` that fits in `cols` columns,
 * broken where the rest of docket breaks lines (utf8_may_break): closing
 * punctuation (。，）) never starts the next chunk, opening punctuation
 * never ends this one — the character before goes down with it.
 */
static size_t fit(const struct cells *c, size_t from, size_t cols)
{
	size_t w = 0, i = from;
	while (i < c->n && w + (size_t)c->v[i].width <= cols)
		w += (size_t)c->v[i++].width;
	if (i == from && i < c->n)
		return i + 1; /* a character wider than the column */
	/* step back over what may not be split, keeping at least one character */
	size_t end = i;
	while (end < c->n && end - from > 1 && !utf8_may_break(cell_cp(&c->v[end - 1]), cell_cp(&c->v[end])))
		end--;
	return end - from > 1 || end == i ? end : i;
}

static size_t cols_of(const struct cells *c, size_t from, size_t to)
{
	size_t w = 0;
	for (size_t i = from; i < to; i++)
		w += (size_t)c->v[i].width;
	return w;
}

/*
 * One row pair side by side, wrapped: `l` or `r` may be NULL (a line only
 * on one side). The gutter says ' ' same, '|' changed, '<' deleted, '>'
 * added.
 */
static void side_row(struct buf *out, const struct cells *l, char lo, const struct cells *r, char ro,
		     char gutter, size_t col, int color)
{
	size_t li = 0, ri = 0;
	int first = 1;
	while (first || (l && li < l->n) || (r && ri < r->n)) {
		size_t le = l ? fit(l, li, col) : 0, re = r ? fit(r, ri, col) : 0;
		size_t w = 0;
		if (l) {
			draw(out, l, li, le, lo, color);
			w = cols_of(l, li, le);
		}
		for (; w < col; w++)
			buf_addch(out, ' ');
		buf_addf(out, " %c ", first ? gutter : ' ');
		if (r)
			draw(out, r, ri, re, ro, color);
		/* no trailing spaces */
		while (out->len && out->s[out->len - 1] == ' ')
			out->len--;
		out->s[out->len] = 0;
		buf_addch(out, '\n');
		li = le;
		ri = re;
		first = 0;
	}
}

/* A line of the patch without its newline. */
struct pline {
	char origin;     /* ' ', '-', '+' */
	const char *s;   /* text */
	size_t len;      /* bytes, without the newline */
};

/* Render one run: context lines, or a block of deletions followed by additions. */
static void render_block(struct buf *out, const struct pline *del, size_t nd, const struct pline *add,
			 size_t na, const struct docs_diff_opts *o, size_t col)
{
	size_t pairs = nd < na ? nd : na;
	struct cells *dl = xcalloc(nd + 1, sizeof(*dl)), *al = xcalloc(na + 1, sizeof(*al));
	for (size_t i = 0; i < pairs; i++) {
		struct docs_seg *s;
		size_t ns = docs_char_diff(del[i].s, del[i].len, add[i].s, add[i].len, &s);
		cells_pair(&dl[i], del[i].s, add[i].s, s, ns, -1, o->color);
		cells_pair(&al[i], del[i].s, add[i].s, s, ns, 1, o->color);
		free(s);
	}
	for (size_t i = pairs; i < nd; i++)
		cells_text(&dl[i], del[i].s, del[i].len, 0);
	for (size_t i = pairs; i < na; i++)
		cells_text(&al[i], add[i].s, add[i].len, 0);
	if (o->side_by_side) {
		size_t rows = nd > na ? nd : na;
		for (size_t i = 0; i < rows; i++)
			side_row(out, i < nd ? &dl[i] : NULL, '-', i < na ? &al[i] : NULL, '+',
				 i < nd && i < na ? '|' : i < nd ? '<' : '>', col, o->color);
	} else {
		for (size_t i = 0; i < nd; i++)
			unified_line(out, &dl[i], '-', o->color);
		for (size_t i = 0; i < na; i++)
			unified_line(out, &al[i], '+', o->color);
	}
	for (size_t i = 0; i < nd; i++)
		free(dl[i].v);
	for (size_t i = 0; i < na; i++)
		free(al[i].v);
	free(dl);
	free(al);
}

int docs_diff_text(const char *old_text, size_t old_len, const char *new_text, size_t new_len,
		   const char *old_name, const char *new_name, const struct docs_diff_opts *o,
		   struct buf *out, struct buf *err)
{
	git_diff_options opts;
	if (gitlib_start() < 0) {
		buf_addf(err, _("unable to compare '%s' with '%s': %s"), old_name, new_name, dgit_why());
		return -1;
	}
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.context_lines = (uint32_t)(o->context > 0 ? o->context : 3);
	opts.flags |= GIT_DIFF_FORCE_TEXT;
	git_patch *patch = NULL;
	if (git_patch_from_buffers(&patch, old_text, old_len, old_name, new_text, new_len, new_name,
				   &opts) < 0) {
		buf_addf(err, _("unable to compare '%s' with '%s': %s"), old_name, new_name, dgit_why());
		return -1;
	}
	size_t nh = git_patch_num_hunks(patch);
	if (!nh) {
		git_patch_free(patch);
		return 0;
	}
	size_t width = o->width >= 20 ? o->width : 80;
	size_t col = (width - 3) / 2;
	if (o->color)
		buf_adds(out, C_HEAD);
	buf_addf(out, "--- %s\n+++ %s\n", old_name, new_name);
	if (o->color)
		buf_adds(out, C_RESET);
	for (size_t h = 0; h < nh; h++) {
		const git_diff_hunk *hunk;
		size_t nl;
		git_patch_get_hunk(&hunk, &nl, patch, h);
		struct buf header = BUF_INIT;
		size_t hl = hunk->header_len;
		while (hl && hunk->header[hl - 1] == '\n')
			hl--;
		utf8_sanitize_n(&header, hunk->header, hl, 0); /* it may quote a line */
		buf_addf(out, "%s%s%s\n", o->color ? C_HUNK : "", header.s, o->color ? C_RESET : "");
		buf_release(&header);
		struct pline *v = xcalloc(nl + 1, sizeof(*v));
		size_t n = 0;
		for (size_t i = 0; i < nl; i++) {
			const git_diff_line *l;
			git_patch_get_line_in_hunk(&l, patch, h, i);
			if (l->origin != ' ' && l->origin != '-' && l->origin != '+')
				continue; /* "no newline at end of file" markers */
			size_t len = l->content_len;
			while (len && (l->content[len - 1] == '\n' || l->content[len - 1] == '\r'))
				len--;
			v[n++] = (struct pline){ l->origin, l->content, len };
		}
		for (size_t i = 0; i < n;) {
			if (v[i].origin == ' ') {
				struct cells c = { 0 };
				cells_text(&c, v[i].s, v[i].len, 0);
				if (o->side_by_side)
					side_row(out, &c, ' ', &c, ' ', ' ', col, o->color);
				else
					unified_line(out, &c, ' ', o->color);
				free(c.v);
				i++;
				continue;
			}
			size_t ds = i;
			while (i < n && v[i].origin == '-')
				i++;
			size_t as = i;
			while (i < n && v[i].origin == '+')
				i++;
			render_block(out, &v[ds], as - ds, &v[as], i - as, o, col);
		}
		free(v);
	}
	git_patch_free(patch);
	return 0;
}

/* The elements as "LABEL：value" lines, for diffing metadata (the labels are GB/T 9704's Chinese names). */
static void meta_lines(const struct docs_content *c, struct buf *out)
{
	buf_addf(out, "文种：%s\n", c->type ? c->type : "");
	for (int i = 0; i < DF__COUNT; i++)
		if (c->field[i])
			buf_addf(out, "%s：%s\n", docs_fields[i].label, c->field[i]);
}

/* A name as a terminal may show it (utf8_sanitize); valid until the next call on b. */
static const char *safe_name(struct buf *b, const char *name)
{
	buf_reset(b);
	utf8_sanitize(b, name);
	return b->s;
}

int docs_diff_content(const struct docs_content *a, const struct docs_content *b, const char *a_name,
		      const char *b_name, const struct docs_diff_opts *o, struct buf *out, struct buf *err)
{
	struct buf ma = BUF_INIT, mb = BUF_INIT;
	meta_lines(a, &ma);
	meta_lines(b, &mb);
	/* TRANSLATORS: the diff header naming a revision's elements (版头), r2/meta */
	char *na = xasprintf(_("%s/meta"), a_name), *nb = xasprintf(_("%s/meta"), b_name);
	int rc = docs_diff_text(ma.s, ma.len, mb.s, mb.len, na, nb, o, out, err);
	free(na);
	free(nb);
	buf_release(&ma);
	buf_release(&mb);
	if (rc < 0)
		return rc;
	/* TRANSLATORS: the diff header naming a revision's body (正文), r2/body.md */
	na = xasprintf(_("%s/body.md"), a_name);
	nb = xasprintf(_("%s/body.md"), b_name);
	rc = docs_diff_text(a->body.s, a->body.len, b->body.s, b->body.len, na, nb, o, out, err);
	free(na);
	free(nb);
	if (rc < 0)
		return rc;
	/* attachments: both lists are sorted by name */
	size_t i = 0, j = 0;
	struct buf sn = BUF_INIT;
	while (i < a->natt || j < b->natt) {
		int cmp = i >= a->natt ? 1 : j >= b->natt ? -1 : strcmp(a->att[i].name, b->att[j].name);
		if (cmp < 0) {
			buf_addf(out, "%s%s: %s (%zu bytes)%s\n", o->color ? C_DEL : "", _("attachment removed"),
				 safe_name(&sn, a->att[i].name), a->att[i].data.len, o->color ? C_RESET : "");
			i++;
		} else if (cmp > 0) {
			buf_addf(out, "%s%s: %s (%zu bytes)%s\n", o->color ? C_ADD : "", _("attachment added"),
				 safe_name(&sn, b->att[j].name), b->att[j].data.len, o->color ? C_RESET : "");
			j++;
		} else {
			if (a->att[i].data.len != b->att[j].data.len ||
			    memcmp(a->att[i].data.s, b->att[j].data.s, a->att[i].data.len))
				buf_addf(out, "%s: %s (%zu -> %zu bytes)\n", _("attachment changed"),
					 safe_name(&sn, a->att[i].name), a->att[i].data.len, b->att[j].data.len);
			i++;
			j++;
		}
	}
	buf_release(&sn);
	return 0;
}
