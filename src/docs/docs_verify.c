/*
 * docs_verify: every document row, revision, approval and ref against the
 * events that made them, and each recorded commit's content (`docket check`).
 *
 * SQLite's document tables and the refs are derived from the log: a
 * revision row is made with the event that names its document, revision
 * and commit; an approval row with the event that names its document,
 * commit, revision and kind. Anyone who can write the database can insert
 * a row or move a ref; no one can add the signed event that would explain
 * it. The commit itself is named by the hash of its content, so reading it
 * (libgit2 checks every object against its id) proves the content is the
 * one recorded; the commit's Docket-Event trailer names its event too.
 */
#include <git2.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../store/store.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "docs_internal.h"

/* The types of event that make a revision row. */
static int save_type(const char *t)
{
	static const char *const types[] = { "document.created", "document.saved", "document.attached",
					     "document.detached", "document.restored" };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(t, types[i]))
			return 1;
	return 0;
}

/* The types of event that make an approval row. */
static int approval_type(const char *t)
{
	return !strcmp(t, "document.approved") || !strcmp(t, "document.signoff_withdrawn") ||
	       !strcmp(t, "document.approval_withdrawn");
}

/* What an event says about a document: its payload's doc, rev, commit, kind. */
struct said {
	char *type, *actor, *uuid;
	json_t *p;
	const char *doc, *commit, *kind;
	int64_t rev;
};

/* Read the event at seq into *w: 1, 0 when there is none, or a negative status. */
static int said_at(struct docs *d, int64_t seq, struct said *w)
{
	memset(w, 0, sizeof(*w));
	struct store_event ev;
	int rc = store_event_by_seq(d->s, seq, &ev);
	if (rc <= 0)
		return rc < 0 ? docs_fail(d, DOCS_STORE, "%s", store_error(d->s)) : 0;
	w->type = (char *)ev.type;
	w->actor = (char *)ev.actor;
	w->uuid = (char *)ev.uuid;
	ev.type = ev.actor = ev.uuid = NULL;
	w->p = ev.payload ? json_loads(ev.payload, 0, NULL) : NULL;
	store_event_release(&ev);
	w->doc = json_string_value(json_object_get(w->p, "doc"));
	w->commit = json_string_value(json_object_get(w->p, "commit"));
	w->kind = json_string_value(json_object_get(w->p, "kind"));
	w->rev = json_integer_value(json_object_get(w->p, "rev"));
	return 1;
}

static void said_release(struct said *w)
{
	free(w->type);
	free(w->actor);
	free(w->uuid);
	json_decref(w->p);
	memset(w, 0, sizeof(*w));
}

static int str_eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* Read every object of a commit's tree (each is checked against its id as it is read). */
static int read_blob(const char *root, const git_tree_entry *e, void *ctx)
{
	(void)root;
	git_repository *repo = ctx;
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;
	git_blob *b = NULL;
	if (git_blob_lookup(&b, repo, git_tree_entry_id(e)) < 0)
		return -1;
	git_blob_free(b);
	return 0;
}

/*
 * The commit `hex` of document `id` as revision `rev` made by event
 * `uuid`: it exists, reads back as itself, names the event, and (deep)
 * every object of its tree reads back. 0, or a failure (1) with the message.
 */
static int commit_holds(struct docs *d, const char *id, int64_t rev, const char *hex, const char *uuid, int deep)
{
	git_oid oid;
	git_commit *c = NULL;
	git_tree *t = NULL;
	if (git_oid_fromstr(&oid, hex) < 0 || git_commit_lookup(&c, d->repo, &oid) < 0)
		return docs_fail(d, 1,
				 _("document '%s' r%lld: its commit %.10s is missing from the repository or damaged"),
				 id, (long long)rev, hex);
	const char *msg = git_commit_message(c);
	char *want = xasprintf("\nDocket-Event: %s\n", uuid ? uuid : "");
	int named = msg && strstr(msg, want);
	free(want);
	int rc = 0;
	if (!named)
		rc = docs_fail(d, 1, _("document '%s' r%lld: its commit %.10s was not made by the event that recorded it"),
			       id, (long long)rev, hex);
	else if (deep && (git_commit_tree(&t, c) < 0 || git_tree_walk(t, GIT_TREEWALK_PRE, read_blob, d->repo) < 0))
		rc = docs_fail(d, 1, _("document '%s' r%lld: the content of its commit %.10s is missing or damaged"),
			       id, (long long)rev, hex);
	git_tree_free(t);
	git_commit_free(c);
	return rc;
}

/* The sequences of the events the rows of one table name, sorted (a walk looks each event up). */
struct seqs {
	int64_t *v;
	size_t n, alloc;
};

static int seqs_load(struct docs *d, const char *sql, struct seqs *out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK)
		return docs_sql_fail(d, sqlite3_errcode(d->db), _("read documents"));
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ALLOC_GROW(out->v, out->n + 1, out->alloc);
		out->v[out->n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : docs_sql_fail(d, rc, _("read documents"));
}

static int seqs_has(const struct seqs *q, int64_t seq)
{
	size_t lo = 0, hi = q->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (q->v[mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < q->n && q->v[lo] == seq;
}

/* Walk of the log: each document event has its row. */
struct rows {
	struct docs *d;
	struct seqs rev, appr;
	int status;
};

static int row_of_event(void *ctx, int64_t seq, const struct store_event *ev)
{
	struct rows *r = ctx;
	int save = save_type(ev->type), appr = !save && approval_type(ev->type);
	if (!save && !appr)
		return 0;
	if (seqs_has(save ? &r->rev : &r->appr, seq))
		return 0;
	return r->status = docs_fail(r->d, 1,
				     save ? _("event %lld (%s by %s): the revision it made is gone from the database")
					  : _("event %lld (%s by %s): the approval it recorded is gone from the database"),
				     (long long)seq, ev->type, ev->actor);
}

int docs_verify(struct docs *d, int64_t *revisions, int64_t *approvals)
{
	*revisions = *approvals = 0;
	int rc = dgit_ready(d);
	if (rc < 0)
		return rc;
	sqlite3_stmt *st = NULL;
	int status = 0;
	/* 1. every revision row: its event, and its commit */
	if (sqlite3_prepare_v2(d->db,
			       "SELECT d.id, r.rev, r.commit_id, r.event_seq,"
			       " EXISTS (SELECT 1 FROM doc_approvals a WHERE a.docno = r.docno AND a.commit_id = r.commit_id)"
			       " FROM doc_revisions r JOIN documents d USING (docno) ORDER BY r.event_seq, d.id, r.rev",
			       -1, &st, NULL) != SQLITE_OK)
		return docs_sql_fail(d, sqlite3_errcode(d->db), _("read documents"));
	while (!status && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		int64_t rev = sqlite3_column_int64(st, 1);
		const char *commit = (const char *)sqlite3_column_text(st, 2);
		struct said w;
		int got = said_at(d, sqlite3_column_int64(st, 3), &w);
		if (got < 0) {
			status = got;
			break;
		}
		if (!got || !save_type(w.type) || !str_eq(w.doc, id) || w.rev != rev || !str_eq(w.commit, commit))
			status = docs_fail(d, 1,
					   _("document '%s' r%lld (commit %.10s): no event of the log made this revision"
					     " (its row was changed or inserted in the database)"),
					   id, (long long)rev, commit ? commit : "");
		else
			status = commit_holds(d, id, rev, commit, w.uuid, sqlite3_column_int(st, 4));
		said_release(&w);
		(*revisions)++;
	}
	if (!status && rc != SQLITE_DONE)
		status = docs_sql_fail(d, rc, _("read documents"));
	sqlite3_finalize(st);
	/* 2. every document's head is its newest revision */
	if (!status) {
		if (sqlite3_prepare_v2(d->db,
				       "SELECT d.id, d.head, d.revs, r.commit_id,"
				       " (SELECT max(rev) FROM doc_revisions x WHERE x.docno = d.docno)"
				       " FROM documents d LEFT JOIN doc_revisions r ON r.docno = d.docno AND r.rev = d.revs"
				       " ORDER BY d.docno",
				       -1, &st, NULL) != SQLITE_OK)
			return docs_sql_fail(d, sqlite3_errcode(d->db), _("read documents"));
		while (!status && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(st, 0);
			const char *head = (const char *)sqlite3_column_text(st, 1);
			if (!str_eq(head, (const char *)sqlite3_column_text(st, 3)) ||
			    sqlite3_column_int64(st, 2) != sqlite3_column_int64(st, 4))
				status = docs_fail(d, 1,
						   _("document '%s': its head %.10s is not its newest revision as the"
						     " events made it (the document's row was changed in the database)"),
						   id, head ? head : "");
		}
		if (!status && rc != SQLITE_DONE)
			status = docs_sql_fail(d, rc, _("read documents"));
		sqlite3_finalize(st);
	}
	/* 3. every approval row: the event that recorded it */
	if (!status) {
		if (sqlite3_prepare_v2(d->db,
				       "SELECT d.id, a.rev, a.commit_id, a.kind, a.actor, a.event_seq"
				       " FROM doc_approvals a JOIN documents d USING (docno) ORDER BY a.id",
				       -1, &st, NULL) != SQLITE_OK)
			return docs_sql_fail(d, sqlite3_errcode(d->db), _("read documents"));
		while (!status && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(st, 0);
			int64_t rev = sqlite3_column_int64(st, 1);
			const char *commit = (const char *)sqlite3_column_text(st, 2);
			const char *kind = (const char *)sqlite3_column_text(st, 3);
			const char *actor = (const char *)sqlite3_column_text(st, 4);
			struct said w;
			int got = said_at(d, sqlite3_column_int64(st, 5), &w);
			if (got < 0) {
				status = got;
				break;
			}
			int ok = got && approval_type(w.type) && str_eq(w.doc, id) && w.rev == rev &&
				 str_eq(w.commit, commit) && str_eq(w.actor, actor) && kind;
			if (ok) {
				/* a withdrawal's row says "<kind> withdrawn" of the kind its event names */
				int withdrawn = strcmp(w.type, "document.approved") != 0;
				size_t kl = w.kind ? strlen(w.kind) : 0;
				ok = withdrawn ? w.kind && !strncmp(kind, w.kind, kl) && !strcmp(kind + kl, " withdrawn")
					       : str_eq(kind, w.kind);
			}
			if (!ok)
				status = docs_fail(d, 1,
						   _("document '%s' r%lld: the %s by %s of commit %.10s was recorded by"
						     " no event of the log (its row was changed or inserted in the database)"),
						   id, (long long)rev, kind ? kind : "", actor ? actor : "",
						   commit ? commit : "");
			said_release(&w);
			(*approvals)++;
		}
		if (!status && rc != SQLITE_DONE)
			status = docs_sql_fail(d, rc, _("read documents"));
		sqlite3_finalize(st);
	}
	/* 4. every event that made a row still has it */
	if (!status) {
		struct rows r = { d, { NULL, 0, 0 }, { NULL, 0, 0 }, 0 };
		status = seqs_load(d, "SELECT event_seq FROM doc_revisions ORDER BY event_seq", &r.rev);
		if (!status)
			status = seqs_load(d, "SELECT event_seq FROM doc_approvals ORDER BY event_seq", &r.appr);
		if (!status && (rc = store_event_foreach(d->s, 0, row_of_event, &r)) < 0 && !r.status)
			status = docs_fail(d, DOCS_STORE, "%s", store_error(d->s));
		else if (!status)
			status = r.status;
		free(r.rev.v);
		free(r.appr.v);
	}
	return status;
}
