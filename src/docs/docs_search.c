/*
 * docs_search: full-text search over titles, bodies and metadata.
 *
 * doc_fts is an FTS5 table with the trigram tokenizer, so any substring
 * of three or more characters is found — Chinese has no spaces to split
 * words on. A term of one or two characters cannot use the trigram index:
 * it is matched with LIKE over the same table (FTS5 answers that by a scan).
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
	/* snippet() needs a MATCH; a LIKE-only search shows the body's start */
	buf_addf(&sql, "SELECT d.id, d.type, d.title, %s"
		       " FROM doc_fts JOIN documents d ON d.docno = doc_fts.rowid WHERE 1",
		 match.len ? "snippet(doc_fts, -1, '[', ']', '...', 12)" : "substr(doc_fts.body, 1, 40)");
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
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct docs_hit h;
		const char *id = (const char *)sqlite3_column_text(st, 0);
		snprintf(h.id, sizeof(h.id), "%s", id ? id : "");
		h.type = (const char *)sqlite3_column_text(st, 1);
		h.title = (const char *)sqlite3_column_text(st, 2);
		h.snippet = (const char *)sqlite3_column_text(st, 3);
		stop = fn(ctx, &h);
	}
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
