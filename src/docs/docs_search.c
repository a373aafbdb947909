/*
 * docs_search: full-text search over titles, bodies and metadata.
 *
 * doc_fts is an FTS5 table with the trigram tokenizer, so any substring
 * of three or more characters is found — Chinese has no spaces to split
 * words on. A term of one or two characters cannot use the trigram index:
 * it is matched with LIKE over the same table (FTS5 answers that by a scan).
 *
 * The snippet shown with each hit is cut here, not by FTS5's snippet():
 * that one scores every window around every match of every phrase, which
 * is quadratic in the number of matches (a 1 MiB body with a term on every
 * line took 20 s). Here one left-to-right scan per term (KMP, ASCII letters
 * folded as the trigram tokenizer folds them) finds the first match in the
 * body, the other elements or the title, so a search costs time linear in
 * the text of the documents it returns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/i18n.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"
#include "docs_internal.h"

/* At most this many terms in one query. */
#define MAX_TERMS 8
/* Characters of context a snippet shows before and after its match. */
#define SNIPPET_BEFORE 10
#define SNIPPET_AFTER 20

/* Split on ASCII and ideographic spaces; terms are copies the caller frees. */
static size_t split_terms(const char *q, char **terms)
{
	size_t n = 0;
	const char *p = q;
	while (*p && n < MAX_TERMS) {
		while (*p == ' ' || *p == '\t' || !strncmp(p, "\xe3\x80\x80", 3))
			p += *p == ' ' || *p == '\t' ? 1 : 3;
		if (!*p)
			break;
		const char *start = p;
		while (*p && *p != ' ' && *p != '\t' && strncmp(p, "\xe3\x80\x80", 3))
			p++;
		terms[n++] = xstrndup(start, (size_t)(p - start));
	}
	return n;
}

/* A term as an FTS5 string: in double quotes, quotes doubled. */
static void fts_phrase(struct buf *out, const char *t)
{
	buf_addch(out, '"');
	for (; *t; t++) {
		if (*t == '"')
			buf_addch(out, '"');
		buf_addch(out, *t);
	}
	buf_addch(out, '"');
}

/* A term as a LIKE pattern with \ escaping % and _. */
static char *like_pattern(const char *t)
{
	struct buf b = BUF_INIT;
	buf_addch(&b, '%');
	for (; *t; t++) {
		if (*t == '%' || *t == '_' || *t == '\\')
			buf_addch(&b, '\\');
		buf_addch(&b, *t);
	}
	buf_addch(&b, '%');
	return buf_detach(&b);
}

/* ASCII letters in one case: the trigram tokenizer matches them either way. */
static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/*
 * The first occurrence of needle[0..m) in hay[0..n), ASCII letters in
 * either case, or NULL: Knuth-Morris-Pratt, so O(n + m) however often a
 * prefix of the needle repeats in the text. `fail` holds m entries.
 */
static const char *find_folded(const char *hay, size_t n, const char *needle, size_t m, size_t *fail)
{
	if (!m || m > n)
		return NULL;
	fail[0] = 0;
	for (size_t i = 1, k = 0; i < m; i++) {
		while (k && fold((unsigned char)needle[i]) != fold((unsigned char)needle[k]))
			k = fail[k - 1];
		if (fold((unsigned char)needle[i]) == fold((unsigned char)needle[k]))
			k++;
		fail[i] = k;
	}
	for (size_t i = 0, k = 0; i < n; i++) {
		while (k && fold((unsigned char)hay[i]) != fold((unsigned char)needle[k]))
			k = fail[k - 1];
		if (fold((unsigned char)hay[i]) == fold((unsigned char)needle[k]) && ++k == m)
			return hay + i + 1 - m;
	}
	return NULL;
}

/* Step back over at most `chars` characters of valid UTF-8 from p, not before s. */
static const char *chars_back(const char *s, const char *p, size_t chars)
{
	while (p > s && chars) {
		p--;
		while (p > s && ((unsigned char)*p & 0xC0) == 0x80)
			p--;
		chars--;
	}
	return p;
}

/* Step forward over at most `chars` characters of valid UTF-8 from p, not past end. */
static const char *chars_forward(const char *p, const char *end, size_t chars)
{
	while (p < end && chars) {
		p++;
		while (p < end && ((unsigned char)*p & 0xC0) == 0x80)
			p++;
		chars--;
	}
	return p;
}

/*
 * The snippet of one hit into out: the first match of any term in the body,
 * else in the other elements, else in the title, with a few characters
 * around it, the match in [ ] and "..." where the text was cut. When no
 * term is found byte for byte (the index folds case beyond ASCII), the
 * start of the body.
 */
static void make_snippet(struct buf *out, const char *const cols[3], const size_t lens[3], char **terms,
			 size_t n)
{
	size_t longest = 0;
	for (size_t i = 0; i < n; i++)
		if (strlen(terms[i]) > longest)
			longest = strlen(terms[i]);
	size_t *fail = xcalloc(longest + 1, sizeof(*fail));
	const char *text = cols[0], *hit = NULL;
	size_t len = lens[0], hit_len = 0;
	for (int c = 0; c < 3 && !hit; c++) {
		for (size_t i = 0; i < n; i++) {
			size_t m = strlen(terms[i]);
			/* only the part before the best hit so far can hold an earlier one */
			size_t limit = hit ? (size_t)(hit - cols[c]) + m - 1 : lens[c];
			const char *at = find_folded(cols[c], limit < lens[c] ? limit : lens[c], terms[i], m, fail);
			if (at && (!hit || at < hit)) {
				hit = at;
				hit_len = m;
			}
		}
		if (hit) {
			text = cols[c];
			len = lens[c];
		}
	}
	free(fail);
	const char *end = text + len;
	if (!hit) {
		const char *cut = chars_forward(text, end, SNIPPET_BEFORE + SNIPPET_AFTER);
		buf_add(out, text, (size_t)(cut - text));
		if (cut < end)
			buf_adds(out, "...");
		return;
	}
	const char *from = chars_back(text, hit, SNIPPET_BEFORE);
	const char *to = chars_forward(hit + hit_len, end, SNIPPET_AFTER);
	if (from > text)
		buf_adds(out, "...");
	buf_add(out, from, (size_t)(hit - from));
	buf_addch(out, '[');
	buf_add(out, hit, hit_len);
	buf_addch(out, ']');
	buf_add(out, hit + hit_len, (size_t)(to - hit - hit_len));
	if (to < end)
		buf_adds(out, "...");
}

int docs_search(struct docs *d, const char *query, size_t limit,
		int (*fn)(void *ctx, const struct docs_hit *h), void *ctx)
{
	char *terms[MAX_TERMS];
	size_t n = split_terms(query ? query : "", terms);
	if (!n)
		return docs_fail(d, DOCS_INVALID, _("nothing to search for"));
	if (!utf8_valid(query, strlen(query), NULL)) {
		for (size_t i = 0; i < n; i++)
			free(terms[i]);
		return docs_fail(d, DOCS_INVALID, _("the search is not valid UTF-8"));
	}
	/* long terms go to MATCH as one AND of phrases; short ones become LIKE clauses */
	struct buf match = BUF_INIT, sql = BUF_INIT;
	char *likes[MAX_TERMS];
	size_t nlike = 0;
	for (size_t i = 0; i < n; i++) {
		if (utf8_chars(terms[i], strlen(terms[i])) >= 3) {
			if (match.len)
				buf_adds(&match, " AND ");
			fts_phrase(&match, terms[i]);
		} else {
			likes[nlike++] = like_pattern(terms[i]);
		}
	}
	/* the snippet is cut from the columns here (make_snippet), not by FTS5 */
	buf_adds(&sql, "SELECT d.id, d.type, d.title, doc_fts.body, doc_fts.meta, doc_fts.title"
		       " FROM doc_fts JOIN documents d ON d.docno = doc_fts.rowid WHERE 1");
	int param = 1;
	if (match.len) {
		buf_addf(&sql, " AND doc_fts MATCH ?%d", param++);
	}
	for (size_t i = 0; i < nlike; i++, param++)
		buf_addf(&sql, " AND (doc_fts.title LIKE ?%d ESCAPE '\\' OR doc_fts.body LIKE ?%d ESCAPE '\\'"
			       " OR doc_fts.meta LIKE ?%d ESCAPE '\\')",
			 param, param, param);
	buf_addf(&sql, match.len ? " ORDER BY rank LIMIT ?%d" : " ORDER BY d.updated_at DESC LIMIT ?%d",
		 param);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(d->db, sql.s, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		rc = docs_sql_fail(d, rc, _("search"));
		goto out;
	}
	param = 1;
	if (match.len)
		sqlite3_bind_text(st, param++, match.s, -1, SQLITE_STATIC);
	for (size_t i = 0; i < nlike; i++)
		sqlite3_bind_text(st, param++, likes[i], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, param, (sqlite3_int64)(limit ? limit : 100));
	int stop = 0;
	struct buf snip = BUF_INIT;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct docs_hit h;
		const char *cols[3];
		size_t lens[3];
		for (int c = 0; c < 3; c++) {
			cols[c] = (const char *)sqlite3_column_text(st, 3 + c);
			lens[c] = (size_t)sqlite3_column_bytes(st, 3 + c);
			if (!cols[c])
				cols[c] = "";
		}
		buf_reset(&snip);
		make_snippet(&snip, cols, lens, terms, n);
		const char *id = (const char *)sqlite3_column_text(st, 0);
		snprintf(h.id, sizeof(h.id), "%s", id ? id : "");
		h.type = (const char *)sqlite3_column_text(st, 1);
		h.title = (const char *)sqlite3_column_text(st, 2);
		h.snippet = snip.s;
		stop = fn(ctx, &h);
	}
	buf_release(&snip);
	rc = stop || rc == SQLITE_DONE ? 0 : docs_sql_fail(d, rc, _("search"));
out:
	sqlite3_finalize(st);
	buf_release(&match);
	buf_release(&sql);
	for (size_t i = 0; i < nlike; i++)
		free(likes[i]);
	for (size_t i = 0; i < n; i++)
		free(terms[i]);
	return rc;
}
