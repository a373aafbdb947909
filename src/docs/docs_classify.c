/*
 * docs_classify: finding classification markings (密级) in text.
 *
 * The government extranet is non-classified: content marked 绝密, 机密 or
 * 秘密 must never be created here. The words themselves are common in
 * ordinary official prose ("不得涉及国家秘密", "信息的机密性", "保密"), so
 * only a word used *as a marking* is refused. The rule is documented in
 * docs.h (docs_marking_find) and doc/documents.md, and tested table-driven.
 */
#include <stdlib.h>
#include <string.h>

#include "../util/utf8.h"
#include "docs.h"

/* A decoded line: code points and where each starts. */
struct cps {
	uint32_t *cp;  /* code points */
	size_t n;      /* how many */
};

static int is_space(uint32_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == 0x3000 || c == 0xa0;
}

static int is_star(uint32_t c)
{
	return c == 0x2605 || c == 0x2606 || c == '*' || c == 0xff0a;
}

static int is_open(uint32_t c)
{
	static const uint32_t o[] = { 0x3010, '[', 0xff08, '(', 0x300c, 0x3014, 0xff3b, 0x300a,
				      '<', 0x300e, 0x3008, 0xff5b, '{', 0x3016 };
	for (size_t i = 0; i < sizeof(o) / sizeof(o[0]); i++)
		if (c == o[i])
			return 1;
	return 0;
}

static int is_close(uint32_t c)
{
	static const uint32_t o[] = { 0x3011, ']', 0xff09, ')', 0x300d, 0x3015, 0xff3d, 0x300b,
				      '>', 0x300f, 0x3009, 0xff5d, '}', 0x3017 };
	for (size_t i = 0; i < sizeof(o) / sizeof(o[0]); i++)
		if (c == o[i])
			return 1;
	return 0;
}

/* A character that continues a word: CJK ideographs, letters, digits. */
static int is_wordish(uint32_t c)
{
	return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) ||
	       (c >= 0xf900 && c <= 0xfaff) || c >= 0x20000 || (c >= '0' && c <= '9') ||
	       (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= 0xff10 && c <= 0xff19) ||
	       (c >= 0xff21 && c <= 0xff3a) || (c >= 0xff41 && c <= 0xff5a);
}

/* Markdown markup and brackets that may open a line before a marking. */
static int is_line_lead(uint32_t c)
{
	return is_space(c) || is_open(c) || c == '#' || c == '>' || c == '-' || c == '+' || c == '*';
}

/* Is the level word at [i, j) (j just past 密) used as a marking? */
static int marking_at(const uint32_t *cp, size_t n, size_t i, size_t j)
{
	size_t k = j;
	while (k < n && is_space(cp[k]))
		k++;
	/* (a) followed by a star: 机密★10年, 秘密★, 绝密 ★长期 */
	if (k < n && is_star(cp[k]))
		return 1;
	size_t p = i;
	while (p > 0 && is_space(cp[p - 1]))
		p--;
	/* (b) in brackets: 【机密】 (秘密) */
	if (p > 0 && is_open(cp[p - 1]) && k < n && is_close(cp[k]))
		return 1;
	/* (c) after the label 密级, with an optional colon: 密级：绝密 */
	size_t q = p;
	if (q > 0 && (cp[q - 1] == ':' || cp[q - 1] == 0xff1a)) {
		q--;
		while (q > 0 && is_space(cp[q - 1]))
			q--;
	}
	if (q >= 2 && cp[q - 2] == 0x5bc6 && cp[q - 1] == 0x7ea7)
		return 1;
	/* (d) opening a line and standing alone: "机密" or "机密 关于……" */
	for (size_t b = 0; b < i; b++)
		if (!is_line_lead(cp[b]))
			return 0;
	return j >= n || !is_wordish(cp[j]);
}

/* Check one line of code points; 1 with the level word set if marked. */
static int line_marked(const uint32_t *cp, size_t n, char level[8])
{
	for (size_t i = 0; i < n; i++) {
		const char *word;
		switch (cp[i]) {
		case 0x7edd: word = "绝密"; break;
		case 0x673a: word = "机密"; break;
		case 0x79d8: word = "秘密"; break;
		default: continue;
		}
		size_t j = i + 1;
		while (j < n && is_space(cp[j]))
			j++;
		if (j >= n || cp[j] != 0x5bc6) /* 密 */
			continue;
		if (marking_at(cp, n, i, j + 1)) {
			strcpy(level, word);
			return 1;
		}
	}
	return 0;
}

int docs_marking_find(const char *text, size_t len, const char *where, struct docs_marking *m)
{
	if (!text || !utf8_valid(text, len, NULL))
		return 0; /* invalid text is refused elsewhere */
	uint32_t stackbuf[256];
	size_t line = 1, pos = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t chars = utf8_chars(text + pos, end - pos);
		uint32_t *cp = chars <= 256 ? stackbuf : malloc(chars * sizeof(*cp));
		if (!cp)
			return 0;
		size_t n = 0;
		for (size_t b = pos; b < end;)
			b += utf8_decode(text + b, &cp[n++]);
		int hit = line_marked(cp, n, m->level);
		if (cp != stackbuf)
			free(cp);
		if (hit) {
			m->where = where;
			m->line = line;
			return 1;
		}
		line++;
		pos = nl ? end + 1 : len;
	}
	return 0;
}

int docs_content_marking(const struct docs_content *c, struct docs_marking *m)
{
	if (c->type && docs_marking_find(c->type, strlen(c->type), "type", m))
		return 1;
	for (int i = 0; i < DF__COUNT; i++)
		if (c->field[i] && docs_marking_find(c->field[i], strlen(c->field[i]), docs_fields[i].key, m))
			return 1;
	if (docs_marking_find(c->body.s, c->body.len, "body", m))
		return 1;
	for (size_t i = 0; i < c->natt; i++)
		if (docs_marking_find(c->att[i].name, strlen(c->att[i].name), "attachment", m))
			return 1;
	return 0;
}
