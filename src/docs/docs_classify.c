/*
 * docs_classify: finding classification markings (密级) in text.
 *
 * The government extranet is non-classified: content marked 绝密, 机密 or
 * 秘密 must never be created here. The words themselves are common in
 * ordinary official prose ("不得涉及国家秘密", "信息的机密性", "保密"), so
 * only a word used *as a marking* is refused. The rule is documented in
 * docs.h (docs_marking_find) and doc/documents.md, and tested table-driven.
 *
 * A marking is caught however it is written: the text is normalised first
 * (docs_marking_normalise: NFKC, invisible characters dropped, traditional
 * and variant forms and star look-alikes folded; the data is
 * markings.def), so 機密★, 机\u200b密★ and 机密✶ read as 机密★.
 */
#include <opencc/opencc.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "../util/utf8.h"
#include "../util/xalloc.h"
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

/* Stars are folded to ★ by the normalisation (markings.def); these stay. */
static int is_star(uint32_t c)
{
	return c == 0x2605 || c == 0x2606 || c == '*';
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

/* Chinese numerals, for a period written in words (机密十年★). */
static int is_numeral(uint32_t c)
{
	static const uint32_t v[] = { 0x4e00, 0x4e8c, 0x4e09, 0x56db, 0x4e94, 0x516d, 0x4e03, 0x516b,
				      0x4e5d, 0x5341, 0x767e, 0x4e24, 0x96f6, 0x3007 };
	if (c >= '0' && c <= '9')
		return 1;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (c == v[i])
			return 1;
	return 0;
}

/*
 * Skip a classification period at k, written before the star or the
 * closing bracket (机密10年★, 绝密长期★, 【秘密5年】): digits or numerals
 * then 年, 个月, 月, 天 or 日; or 长期. Returns where it ends (k when none).
 */
static size_t skip_period(const uint32_t *cp, size_t n, size_t k)
{
	if (k + 1 < n && cp[k] == 0x957f && cp[k + 1] == 0x671f) /* 长期 */
		return k + 2;
	size_t d = k;
	while (d < n && is_numeral(cp[d]))
		d++;
	if (d == k || d >= n)
		return k;
	if (cp[d] == 0x5e74 || cp[d] == 0x6708 || cp[d] == 0x5929 || cp[d] == 0x65e5) /* 年 月 天 日 */
		return d + 1;
	if (d + 1 < n && cp[d] == 0x4e2a && cp[d + 1] == 0x6708) /* 个月 */
		return d + 2;
	return k;
}

/* A label of markings.def, as code points. */
struct label {
	uint32_t cp[16];
	size_t n;
};

/* The labels, decoded once. */
static const struct label *labels(size_t *count)
{
	static const char *const text[] = {
#define MARKING_LABEL(t) t,
#include "markings.def"
#undef MARKING_LABEL
	};
	static struct label l[sizeof(text) / sizeof(text[0])];
	static int done;
	if (!done) {
		for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++)
			for (const char *p = text[i]; *p && l[i].n < 16;)
				p += utf8_decode(p, &l[i].cp[l[i].n++]);
		done = 1;
	}
	*count = sizeof(text) / sizeof(text[0]);
	return l;
}

/* Does cp[0..q) end with a label (markings.def), spaces allowed inside it? */
static int after_label(const uint32_t *cp, size_t q)
{
	size_t nl;
	const struct label *l = labels(&nl);
	for (size_t i = 0; i < nl; i++) {
		size_t p = q, k = l[i].n;
		while (k > 0 && p > 0) {
			if (cp[p - 1] == l[i].cp[k - 1]) {
				p--;
				k--;
			} else if (is_space(cp[p - 1]) && p != q) {
				p--;
			} else {
				break;
			}
		}
		if (!k)
			return 1;
	}
	return 0;
}

/* Is the level word at [i, j) (j just past 密) used as a marking? */
static int marking_at(const uint32_t *cp, size_t n, size_t i, size_t j)
{
	size_t k = j;
	while (k < n && is_space(cp[k]))
		k++;
	size_t e = skip_period(cp, n, k); /* 机密10年★ */
	while (e < n && is_space(cp[e]))
		e++;
	/* (a) followed by a star: 机密★10年, 秘密★, 绝密 ★长期, 机密10年★ */
	if ((k < n && is_star(cp[k])) || (e < n && is_star(cp[e])))
		return 1;
	size_t p = i;
	while (p > 0 && is_space(cp[p - 1]))
		p--;
	/* (b) in brackets: 【机密】 (秘密) 【秘密5年】 */
	if (p > 0 && is_open(cp[p - 1]) && ((k < n && is_close(cp[k])) || (e < n && is_close(cp[e]))))
		return 1;
	/* (c) after a label (密级, 保密等级 ...), with an optional colon: 密级：绝密 */
	size_t q = p;
	if (q > 0 && (cp[q - 1] == ':' || cp[q - 1] == 0xff1a)) {
		q--;
		while (q > 0 && is_space(cp[q - 1]))
			q--;
	}
	if (after_label(cp, q))
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

/* markings.def's folds: a traditional or variant form, a star look-alike. */
static uint32_t fold(uint32_t c)
{
	switch (c) {
#define MARKING_STAR(x) case x:
#include "markings.def"
#undef MARKING_STAR
		return 0x2605;
#define MARKING_FOLD(from, to) case from: return to;
#include "markings.def"
#undef MARKING_FOLD
	default:
		return c;
	}
}

/* OpenCC's t2s converter, opened on first use; NULL when it cannot be (no data files). */
static opencc_t t2s(void)
{
	static opencc_t occ;
	static int tried;
	if (!tried) {
		tried = 1;
		occ = opencc_open("t2s.json");
		if (occ == (opencc_t)-1)
			occ = NULL;
	}
	return occ;
}

/* Decode valid UTF-8 into a growing code point array. */
static void decode_into(const char *s, size_t len, uint32_t **cp, size_t *n, size_t *alloc)
{
	for (size_t b = 0; b < len;) {
		ALLOC_GROW(*cp, *n + 1, *alloc);
		b += utf8_decode(s + b, &(*cp)[(*n)++]);
	}
}

/*
 * Normalise one line (no newline) into code points: NFKC with default
 * ignorables removed (utf8proc), marks, format and control characters
 * dropped, every other space a space, markings.def's folds, then OpenCC's
 * t2s when the line holds 密 and *budget (bytes OpenCC may still convert
 * for this text) allows. *cp is reused between calls (caller frees).
 */
static size_t normalise_line(const char *s, size_t len, uint32_t **cp, size_t *alloc, size_t *budget)
{
	size_t n = 0;
	int ascii = 1;
	for (size_t i = 0; i < len && ascii; i++)
		ascii = (unsigned char)s[i] < 0x80;
	if (ascii) { /* nothing to fold: no level word can be here */
		decode_into(s, len, cp, &n, alloc);
		return n;
	}
	utf8proc_uint8_t *m = NULL;
	utf8proc_ssize_t ml = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &m,
					   UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_IGNORE);
	if (ml < 0) { /* cannot happen on valid UTF-8; read the line as it is */
		free(m);
		decode_into(s, len, cp, &n, alloc);
		return n;
	}
	int has_mi = 0;
	for (utf8proc_ssize_t b = 0; b < ml;) {
		utf8proc_int32_t c;
		b += utf8proc_iterate(m + b, ml - b, &c);
		switch (utf8proc_category(c)) {
		case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_CF:
		case UTF8PROC_CATEGORY_CC:
			if (c != '\t')
				continue; /* invisible between 机 and 密 */
			break;
		case UTF8PROC_CATEGORY_ZS: case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP:
			c = ' ';
			break;
		default:
			break;
		}
		if (c == 0x3164 || c == 0x115f || c == 0x1160 || c == 0xffa0 || c == 0x2800)
			continue; /* fillers and the blank braille pattern: drawn as nothing */
		ALLOC_GROW(*cp, n + 1, *alloc);
		(*cp)[n++] = fold((uint32_t)c);
		has_mi |= c == 0x5bc6;
	}
	free(m);
	opencc_t occ = has_mi && len <= *budget ? t2s() : NULL;
	if (occ) {
		/* the whole script's traditional forms, not only markings.def's */
		struct buf u = BUF_INIT;
		for (size_t i = 0; i < n; i++)
			utf8_encode(&u, (*cp)[i]);
		*budget -= len;
		char *conv = opencc_convert_utf8(occ, u.s, u.len);
		if (conv && utf8_valid(conv, strlen(conv), NULL)) {
			n = 0;
			decode_into(conv, strlen(conv), cp, &n, alloc);
			for (size_t i = 0; i < n; i++)
				(*cp)[i] = fold((*cp)[i]);
		}
		if (conv)
			opencc_convert_utf8_free(conv);
		buf_release(&u);
	}
	return n;
}

/* What OpenCC converts of one text at most (it runs at about 2.5 MB/s). */
#define T2S_BUDGET (256u * 1024)

void docs_marking_normalise(const char *s, size_t len, struct buf *out)
{
	uint32_t *cp = NULL;
	size_t alloc = 0, budget = T2S_BUDGET;
	size_t pos = 0;
	while (pos <= len) {
		const char *nl = memchr(s + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - s) : len;
		size_t n = normalise_line(s + pos, end - pos, &cp, &alloc, &budget);
		for (size_t i = 0; i < n; i++)
			utf8_encode(out, cp[i]);
		if (!nl)
			break;
		buf_addch(out, '\n');
		pos = end + 1;
	}
	free(cp);
}

int docs_marking_find(const char *text, size_t len, const char *where, struct docs_marking *m)
{
	if (!text || !utf8_valid(text, len, NULL))
		return 0; /* invalid text is refused elsewhere */
	uint32_t *cp = NULL;
	size_t alloc = 0, budget = T2S_BUDGET;
	size_t line = 1, pos = 0;
	int hit = 0;
	while (pos < len && !hit) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		/*
		 * Every marking holds 密, and only 密 and its variant 宻 read as 密
		 * after the normalisation (NFKC maps nothing else onto it, nor does
		 * OpenCC's t2s): a line without either is not read further.
		 */
		if (!memmem(text + pos, end - pos, "密", 3) && !memmem(text + pos, end - pos, "宻", 3)) {
			line++;
			pos = nl ? end + 1 : len;
			continue;
		}
		size_t n = normalise_line(text + pos, end - pos, &cp, &alloc, &budget);
		hit = line_marked(cp, n, m->level);
		if (hit) {
			m->where = where;
			m->line = line;
		}
		line++;
		pos = nl ? end + 1 : len;
	}
	free(cp);
	return hit;
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
