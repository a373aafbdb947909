#include "utf8.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "buf.h"
#include "i18n.h"
#include "xalloc.h"

int utf8_valid(const char *s, size_t len, size_t *bad_offset)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		unsigned c = p[i];
		size_t n;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 2; cp = c & 0x1f; min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 3; cp = c & 0x0f; min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 4; cp = c & 0x07; min = 0x10000;
		} else {
			goto bad;
		}
		if (i + n > len)
			goto bad;
		for (size_t k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += n;
	}
	return 1;
bad:
	if (bad_offset)
		*bad_offset = i;
	return 0;
}

size_t utf8_decode(const char *s, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		*cp = ((uint32_t)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
		return 2;
	}
	if ((p[0] & 0xf0) == 0xe0) {
		*cp = ((uint32_t)(p[0] & 0x0f) << 12) | ((uint32_t)(p[1] & 0x3f) << 6) |
		      (p[2] & 0x3f);
		return 3;
	}
	*cp = ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3f) << 12) |
	      ((uint32_t)(p[2] & 0x3f) << 6) | (p[3] & 0x3f);
	return 4;
}

size_t utf8_chars(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

int utf8_cp_width(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return 0;
	int w = wcwidth((wchar_t)cp);
	if (w >= 0)
		return w;
	/*
	 * wcwidth() is -1 in a non-UTF-8 locale; fall back to the East Asian
	 * Wide ranges so CJK text is still measured as two columns.
	 */
	if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd))
		return 2;
	return 1;
}

size_t utf8_width(const char *s)
{
	size_t w = 0;
	while (*s) {
		uint32_t cp;
		s += utf8_decode(s, &cp);
		w += (size_t)utf8_cp_width(cp);
	}
	return w;
}

size_t utf8_fit(struct buf *out, const char *s, size_t cols, int ellipsis, int pad)
{
	size_t total = utf8_width(s);
	size_t limit = cols;
	if (ellipsis && total > cols && cols > 0)
		limit = cols - 1;
	size_t used = 0;
	const char *p = s;
	while (*p) {
		uint32_t cp;
		size_t n = utf8_decode(p, &cp);
		size_t w = (size_t)utf8_cp_width(cp);
		if (used + w > limit)
			break;
		buf_add(out, p, n);
		used += w;
		p += n;
	}
	if (*p && ellipsis && cols > 0) {
		buf_addch(out, '~');
		used++;
	}
	while (pad && used < cols) {
		buf_addch(out, ' ');
		used++;
	}
	return used;
}

/* Append the UTF-8 encoding of cp (a valid scalar value). */
void utf8_encode(struct buf *out, uint32_t cp)
{
	char s[4];
	size_t n;
	if (cp < 0x80) {
		s[0] = (char)cp; n = 1;
	} else if (cp < 0x800) {
		s[0] = (char)(0xc0 | (cp >> 6)); s[1] = (char)(0x80 | (cp & 0x3f)); n = 2;
	} else if (cp < 0x10000) {
		s[0] = (char)(0xe0 | (cp >> 12)); s[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		s[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
	} else {
		s[0] = (char)(0xf0 | (cp >> 18)); s[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		s[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); s[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
	}
	buf_add(out, s, n);
}

int utf8_cp_unsafe(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

/* Length of the valid UTF-8 sequence at s[0..left), or 0 when it is not one. */
static size_t valid_seq(const char *s, size_t left)
{
	unsigned char c = (unsigned char)s[0];
	size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
	if (!n || n > left || !utf8_valid(s, n, NULL))
		return 0;
	return n;
}

void utf8_sanitize_n(struct buf *out, const char *s, size_t len, unsigned flags)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;
	while (i < len) {
		size_t n = valid_seq(s + i, len - i);
		uint32_t cp;
		if (!n) { /* not UTF-8: the byte, escaped */
			unsigned char b = (unsigned char)s[i++];
			char e[5] = { '\\', 'x', hex[b >> 4], hex[b & 15], 0 };
			buf_adds(out, e);
			continue;
		}
		utf8_decode(s + i, &cp);
		if (!utf8_cp_unsafe(cp))
			buf_add(out, s + i, n);
		else if (cp == '\n')
			buf_addch(out, (flags & UTF8_KEEP_NL) ? '\n' : ' ');
		else if (cp == '\t')
			buf_addch(out, (flags & UTF8_KEEP_TAB) ? '\t' : ' ');
		else if (cp < 0x80)
			buf_addf(out, "\\x%02x", (unsigned)cp);
		else
			buf_addf(out, "\\u%04x", (unsigned)cp);
		i += n;
	}
}

void utf8_sanitize(struct buf *out, const char *s)
{
	utf8_sanitize_n(out, s, strlen(s), 0);
}

void utf8_fputs_safe(const char *s, unsigned flags, FILE *f)
{
	struct buf b = BUF_INIT;
	utf8_sanitize_n(&b, s, strlen(s), flags);
	fwrite(b.s, 1, b.len, f);
	buf_release(&b);
}

int utf8_text_refused(const char *s, size_t len, int multiline, struct utf8_bad *bad)
{
	size_t line = 1, col = 1;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		i += utf8_decode(s + i, &cp);
		if (cp == '\n' && multiline) {
			line++;
			col = 1;
			continue;
		}
		if (cp != '\t' && utf8_cp_unsafe(cp)) {
			bad->cp = cp;
			bad->line = line;
			bad->col = col;
			return 1;
		}
		col++;
	}
	return 0;
}

void utf8_describe_cp(struct buf *out, uint32_t cp)
{
	const char *what = cp == '\r' ? _("a carriage return")
			   : cp == '\n' ? _("a newline")
			   : cp == 0x1b ? _("an escape character")
			   : cp < 0x20 || cp == 0x7f ? _("a control character")
			   : cp < 0xa0 ? _("a C1 control character")
				       : _("a bidirectional control");
	buf_addf(out, "%s (U+%04X)", what, (unsigned)cp);
}

/* Chinese line breaking (行首/行尾禁则): what may not start a line, and what may not end one. */
static int no_line_start(uint32_t cp)
{
	static const uint32_t v[] = { 0xff0c, 0x3002, 0x3001, 0xff1b, 0xff1a, 0xff1f, 0xff01, 0xff09, 0x300b,
				      0x300d, 0x300f, 0x3011, 0x3015, 0x201d, 0x2019, 0x2026, 0x3009, 0xff0e };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (cp == v[i])
			return 1;
	return 0;
}

static int no_line_end(uint32_t cp)
{
	static const uint32_t v[] = { 0xff08, 0x300a, 0x300c, 0x300e, 0x3010, 0x3014, 0x201c, 0x2018, 0x3008 };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (cp == v[i])
			return 1;
	return 0;
}

int utf8_may_break(uint32_t before, uint32_t after)
{
	return !no_line_start(after) && !no_line_end(before);
}

/* Byte offset of the last character of b (0 when it has one or none). */
static size_t last_char_at(const struct buf *b)
{
	size_t i = b->len;
	while (i > 0 && ((unsigned char)b->s[--i] & 0xc0) == 0x80)
		;
	return i;
}

size_t utf8_wrap(const char *s, size_t width, char ***lines)
{
	char **v = NULL;
	size_t n = 0, alloc = 0;
	struct buf cur = BUF_INIT;
	size_t col = 0, last_blank = 0; /* bytes into cur after the last blank; 0 none */
	if (!width)
		width = 1;
	for (const char *p = s; *p;) {
		uint32_t cp;
		size_t len = utf8_decode(p, &cp);
		size_t w = (size_t)utf8_cp_width(cp);
		if (cp == '\n' || col + w > width) {
			struct buf next = BUF_INIT;
			if (cp != '\n' && last_blank && cp != ' ') {
				buf_adds(&next, cur.s + last_blank);
				buf_setlen(&cur, last_blank - 1);
			} else if (cp != '\n' && cp != ' ' && cur.len) {
				/*
				 * No closing punctuation at the start of the next line, no opening
				 * one at the end of this: the character before goes down with it.
				 */
				size_t at = last_char_at(&cur);
				uint32_t last;
				utf8_decode(cur.s + at, &last);
				if (at > 0 && !utf8_may_break(last, cp)) {
					buf_adds(&next, cur.s + at);
					buf_setlen(&cur, at);
				}
			}
			ALLOC_GROW(v, n + 1, alloc);
			v[n++] = buf_detach(&cur);
			cur = next;
			col = utf8_width(cur.s);
			last_blank = 0;
			if (cp == '\n' || cp == ' ') {
				p += len;
				continue;
			}
		}
		buf_add(&cur, p, len);
		col += w;
		if (cp == ' ')
			last_blank = cur.len;
		p += len;
	}
	if (cur.len || !n) {
		ALLOC_GROW(v, n + 1, alloc);
		v[n++] = buf_detach(&cur);
	}
	buf_release(&cur);
	*lines = v;
	return n;
}

void utf8_lines_free(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}
