/*
 * docs: opening the documents of a store, the document index in SQLite,
 * the save pipeline (objects → ref → SQLite), the approval hooks for the
 * engine, and reconciliation after a crash.
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "../store/store.h"
#include "../store/store_sql.h"
#include "../util/clock.h"
#include "../util/fsutil.h"
#include "../util/gitlib.h"
#include "../util/hash.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "docs_internal.h"

/* The SQL of each cached statement, indexed by enum docs_stmt. */
static const char *const stmt_sql[DS__COUNT] = {
	[DS_RESOLVE] = "SELECT id FROM documents WHERE id >= ?1 AND id < ?1 || '~' ORDER BY id LIMIT 2",
	[DS_INFO] = "SELECT docno, id, type, title, instance, head, revs, created_at, created_by,"
		    " updated_at, updated_by, frozen, signed_commit, needs_resign"
		    " FROM documents WHERE id = ?1",
	[DS_ID_EXISTS] = "SELECT 1 FROM documents WHERE id = ?1",
	[DS_INSERT_DOC] = "INSERT INTO documents (id, type, title, instance, head, revs, created_at,"
			  " created_by, updated_at, updated_by)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7, ?6, ?7)",
	[DS_UPDATE_DOC] = "UPDATE documents SET type = ?2, title = ?3, head = ?4, revs = ?5,"
			  " updated_at = ?6, updated_by = ?7, needs_resign = ?8 WHERE docno = ?1",
	[DS_INSERT_REV] = "INSERT INTO doc_revisions (docno, rev, commit_id, author, made_at, action,"
			  " needs_resign, event_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[DS_REV_BY_NO] = "SELECT r.rev, r.commit_id, r.author, r.made_at, r.action, r.needs_resign,"
			 " r.commit_id = d.signed_commit, r.event_seq"
			 " FROM doc_revisions r JOIN documents d USING (docno)"
			 " WHERE d.id = ?1 AND r.rev = ?2",
	[DS_REV_BY_PREFIX] = "SELECT r.rev, r.commit_id, r.author, r.made_at, r.action, r.needs_resign,"
			     " r.commit_id = d.signed_commit, r.event_seq"
			     " FROM doc_revisions r JOIN documents d USING (docno)"
			     " WHERE d.id = ?1 AND r.commit_id >= ?2 AND r.commit_id < ?2 || 'g'"
			     " ORDER BY r.rev LIMIT 2",
	[DS_LOG] = "SELECT r.rev, r.commit_id, r.author, r.made_at, r.action, r.needs_resign,"
		   " r.commit_id = d.signed_commit, r.event_seq"
		   " FROM doc_revisions r JOIN documents d USING (docno)"
		   " WHERE d.id = ?1 ORDER BY r.rev",
	[DS_FTS_DELETE] = "DELETE FROM doc_fts WHERE rowid = ?1",
	[DS_FTS_INSERT] = "INSERT INTO doc_fts (rowid, title, body, meta) VALUES (?1, ?2, ?3, ?4)",
	[DS_HEADS] = "SELECT id, head FROM documents",
	[DS_SET_INSTANCE] = "UPDATE documents SET instance = ?2 WHERE docno = ?1",
	[DS_INSERT_APPROVAL] = "INSERT INTO doc_approvals (docno, commit_id, rev, kind, actor, made_at,"
			       " event_seq, withdraws) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[DS_FREEZE] = "UPDATE documents SET frozen = ?2 IS NOT NULL, signed_commit = ?2, needs_resign = ?3"
		      " WHERE docno = ?1",
};

int docs_fail(struct docs *d, int status, const char *fmt, ...)
{
	va_list ap;
	buf_reset(&d->err);
	va_start(ap, fmt);
	buf_vaddf(&d->err, fmt, ap);
	va_end(ap);
	return status;
}

int docs_sql_fail(struct docs *d, int rc, const char *what)
{
	store_sql_status(d->s, rc, what);
	return docs_fail(d, DOCS_STORE, "%s", store_error(d->s));
}

sqlite3_stmt *docs_stmt(struct docs *d, enum docs_stmt id)
{
	/* the store's cache, keyed by the literal in stmt_sql */
	sqlite3_stmt *st = store_sql_q(d->s, stmt_sql[id], "");
	if (!st)
		docs_fail(d, DOCS_STORE, "%s", store_error(d->s));
	return st;
}

/* Copy column i into a fixed buffer ("" when NULL). */
static void col_copy(sqlite3_stmt *st, int i, char *out, size_t n)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	snprintf(out, n, "%s", v ? v : "");
}

/* Step a write statement and reset it: 0 or DOCS_STORE. */
static int step_done(struct docs *d, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : docs_sql_fail(d, rc, what);
}

/* Map a store status from store_begin/commit into ours. */
static int store_status(struct docs *d, int rc)
{
	return docs_fail(d, rc == STORE_OK ? DOCS_OK : DOCS_STORE, "%s", store_error(d->s));
}

/* Read DOCKET_ATTACH_MAX (bytes), or the default. */
static size_t attach_max(void)
{
	const char *v = getenv("DOCKET_ATTACH_MAX");
	if (!v || !*v)
		return DOCS_ATTACH_MAX_DEFAULT;
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || *end || !n)
		return DOCS_ATTACH_MAX_DEFAULT;
	return (size_t)n;
}

int docs_open(struct store *s, struct docs **out, struct buf *err)
{
	*out = NULL;
	struct docs *d = xcalloc(1, sizeof(*d));
	buf_init(&d->err);
	d->s = s;
	d->db = store_db(s);
	d->attach_max = attach_max();
	if (store_schema_version(s) < 4) {
		buf_addf(err, _("store '%s' has no documents yet (schema %d): open it for writing once"),
			 store_dir(s), store_schema_version(s));
		free(d);
		return DOCS_STORE;
	}
	dgit_paths(d);
	int rc = 0;
	/* a save was interrupted: make git agree with SQLite before anything else */
	if (file_exists(d->marker) || file_exists(d->old_marker)) {
		/* a store opened for reading (or busy) leaves this to the next writer */
		if (store_begin(s) == STORE_OK) {
			store_rollback(s);
			rc = docs_reconcile(d, NULL, NULL);
		}
	}
	if (rc < 0) {
		buf_adds(err, d->err.s);
		docs_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

int docs_recover(struct store *s, struct buf *report, struct buf *err)
{
	if (store_schema_version(s) < 4)
		return 0; /* no documents yet */
	struct docs *d = xcalloc(1, sizeof(*d));
	buf_init(&d->err);
	d->s = s;
	d->db = store_db(s);
	dgit_paths(d);
	int rc = 0;
	/* busy or read-only: left to the writer that holds the lock, or to the next one */
	if ((file_exists(d->marker) || file_exists(d->old_marker)) && store_begin(s) == STORE_OK) {
		store_rollback(s);
		if ((rc = docs_reconcile(d, NULL, report)) < 0)
			buf_adds(err, d->err.s);
	}
	docs_free(d);
	return rc;
}

void docs_free(struct docs *d)
{
	if (!d)
		return;
	if (d->repo)
		dgit_close(d);
	free(d->pack_dir);
	free(d->marker);
	free(d->old_marker);
	buf_release(&d->err);
	free(d);
}

const char *docs_error(const struct docs *d)
{
	return d->err.s;
}

void docs_info_release(struct docs_info *i)
{
	free(i->type);
	free(i->title);
	free(i->instance);
	free(i->created_at);
	free(i->created_by);
	free(i->updated_at);
	free(i->updated_by);
	memset(i, 0, sizeof(*i));
}

void docs_rev_release(struct docs_rev *r)
{
	free(r->author);
	free(r->made_at);
	free(r->action);
	memset(r, 0, sizeof(*r));
}

int docs_resolve(struct docs *d, const char *prefix, char id[DOCS_ID_MAX])
{
	if (!prefix || !*prefix || strlen(prefix) >= DOCS_ID_MAX)
		return docs_fail(d, DOCS_NOT_FOUND, _("no document '%s'"), prefix ? prefix : "");
	sqlite3_stmt *st = docs_stmt(d, DS_RESOLVE);
	if (!st)
		return DOCS_STORE;
	store_sql_bind_text(st, 1, prefix);
	int n = 0, rc;
	char first[DOCS_ID_MAX] = "", second[DOCS_ID_MAX] = "";
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		col_copy(st, 0, n++ ? second : first, DOCS_ID_MAX);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return docs_sql_fail(d, rc, _("find a document"));
	if (!n)
		return docs_fail(d, DOCS_NOT_FOUND, _("no document '%s'"), prefix);
	/* an exact id wins over longer ids it is a prefix of */
	if (n > 1 && strcmp(first, prefix))
		return docs_fail(d, DOCS_AMBIGUOUS, _("document id '%s' is ambiguous: %s, %s, ..."), prefix,
				 first, second);
	memcpy(id, first, DOCS_ID_MAX);
	return 0;
}

/* Fill *out from a DS_INFO row; returns the docno. */
static int64_t info_from_row(sqlite3_stmt *st, struct docs_info *out)
{
	memset(out, 0, sizeof(*out));
	col_copy(st, 1, out->id, sizeof(out->id));
	out->type = store_sql_col(st, 2);
	out->title = store_sql_col(st, 3);
	out->instance = store_sql_col(st, 4);
	col_copy(st, 5, out->head, sizeof(out->head));
	out->revs = sqlite3_column_int(st, 6);
	out->created_at = store_sql_col(st, 7);
	out->created_by = store_sql_col(st, 8);
	out->updated_at = store_sql_col(st, 9);
	out->updated_by = store_sql_col(st, 10);
	out->frozen = sqlite3_column_int(st, 11);
	col_copy(st, 12, out->signed_commit, sizeof(out->signed_commit));
	out->needs_resign = sqlite3_column_int(st, 13);
	return sqlite3_column_int64(st, 0);
}

/* The index entry and docno of `id`; DOCS_NOT_FOUND if none. */
static int info_get(struct docs *d, const char *id, struct docs_info *out, int64_t *docno)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = docs_stmt(d, DS_INFO);
	if (!st)
		return DOCS_STORE;
	store_sql_bind_text(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int64_t no = info_from_row(st, out);
		if (docno)
			*docno = no;
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return docs_sql_fail(d, rc, _("read a document"));
	return docs_fail(d, DOCS_NOT_FOUND, _("no document '%s'"), id);
}

int docs_info_get(struct docs *d, const char *id, struct docs_info *out)
{
	return info_get(d, id, out, NULL);
}

/* Fill *out from a revision row (DS_REV_BY_NO, DS_REV_BY_PREFIX, DS_LOG). */
static void rev_from_row(sqlite3_stmt *st, struct docs_rev *out)
{
	out->rev = sqlite3_column_int(st, 0);
	col_copy(st, 1, out->commit, sizeof(out->commit));
	out->author = store_sql_col(st, 2);
	out->made_at = store_sql_col(st, 3);
	out->action = store_sql_col(st, 4);
	out->needs_resign = sqlite3_column_int(st, 5);
	out->signed_off = sqlite3_column_int(st, 6);
	out->event_seq = sqlite3_column_int64(st, 7);
}

/* 1 if s is all decimal digits. */
static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* 1 if s is all lowercase hex digits. */
static int all_hex(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

int docs_rev_get(struct docs *d, const char *id, const char *spec, struct docs_rev *out)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st;
	int number = -1;
	if (!spec || !*spec) {
		struct docs_info i;
		int rc = info_get(d, id, &i, NULL);
		if (rc < 0)
			return rc;
		number = i.revs;
		docs_info_release(&i);
	} else if ((spec[0] == 'r' || spec[0] == 'R') && all_digits(spec + 1)) {
		number = atoi(spec + 1);
	} else if (all_digits(spec) && strlen(spec) < 4) {
		number = atoi(spec);
	} else if (!all_hex(spec) || strlen(spec) < 4 || strlen(spec) > 40) {
		return docs_fail(d, DOCS_INVALID,
				 _("'%s' is not a revision: give rN or 4 or more hex digits of a commit"), spec);
	}
	if (number >= 0) {
		if (!(st = docs_stmt(d, DS_REV_BY_NO)))
			return DOCS_STORE;
		sqlite3_bind_int(st, 2, number);
	} else {
		if (!(st = docs_stmt(d, DS_REV_BY_PREFIX)))
			return DOCS_STORE;
		store_sql_bind_text(st, 2, spec);
	}
	store_sql_bind_text(st, 1, id);
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 2) {
		if (n++ == 0)
			rev_from_row(st, out);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		docs_rev_release(out);
		return docs_sql_fail(d, rc, _("read a revision"));
	}
	if (n > 1) {
		docs_rev_release(out);
		return docs_fail(d, DOCS_AMBIGUOUS, _("revision '%s' of '%s' is ambiguous"), spec, id);
	}
	if (!n)
		return docs_fail(d, DOCS_NOT_FOUND, _("document '%s' has no revision '%s'"), id,
				 spec && *spec ? spec : "head");
	return 0;
}

int docs_log(struct docs *d, const char *id, int (*fn)(void *ctx, const struct docs_rev *r), void *ctx)
{
	sqlite3_stmt *st = docs_stmt(d, DS_LOG);
	if (!st)
		return DOCS_STORE;
	store_sql_bind_text(st, 1, id);
	int rc, stop = 0;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct docs_rev r = { 0 };
		rev_from_row(st, &r);
		stop = fn(ctx, &r);
		docs_rev_release(&r);
	}
	sqlite3_reset(st);
	if (!stop && rc != SQLITE_DONE)
		return docs_sql_fail(d, rc, _("read the history"));
	return 0;
}

int docs_list(struct docs *d, const char *instance, int (*fn)(void *ctx, const struct docs_info *i),
	      void *ctx)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(d->db,
				    "SELECT docno, id, type, title, instance, head, revs, created_at, created_by,"
				    " updated_at, updated_by, frozen, signed_commit, needs_resign"
				    " FROM documents WHERE ?1 IS NULL OR instance = ?1"
				    " ORDER BY updated_at DESC, id",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return docs_sql_fail(d, rc, _("list documents"));
	store_sql_bind_text(st, 1, instance);
	int stop = 0;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct docs_info i;
		info_from_row(st, &i);
		stop = fn(ctx, &i);
		docs_info_release(&i);
	}
	sqlite3_finalize(st);
	if (!stop && rc != SQLITE_DONE)
		return docs_sql_fail(d, rc, _("list documents"));
	return 0;
}

/* Is `commit` one of the revisions of `id`? 1, 0, or a status. */
static int commit_of(struct docs *d, const char *id, const char *commit)
{
	struct docs_rev r;
	int rc = docs_rev_get(d, id, commit, &r);
	if (rc == 0) {
		rc = !strcmp(r.commit, commit);
		docs_rev_release(&r);
	}
	return rc == DOCS_NOT_FOUND ? 0 : rc;
}

int docs_load(struct docs *d, const char *id, const char *commit, struct docs_content *out)
{
	docs_content_init(out);
	git_oid oid;
	int rc = commit_of(d, id, commit);
	if (rc < 0)
		return rc;
	if (!rc || git_oid_fromstr(&oid, commit) < 0)
		return docs_fail(d, DOCS_NOT_FOUND, _("'%s' is not a revision of document '%s'"), commit, id);
	rc = dgit_read(d, &oid, out);
	if (rc < 0)
		docs_content_release(out);
	return rc;
}

/* --- saving ------------------------------------------------------------- */

/* A fresh document id: 8 characters of Crockford's base32, lowercase. */
static void new_id(char id[DOCS_ID_MAX])
{
	static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
	char u[37];
	uuid_v4(u);
	/* 40 random bits from the UUID's hex digits (skipping '-', the version and variant nibbles) */
	uint64_t bits = 0;
	int got = 0;
	for (int i = 0; u[i] && got < 10; i++) {
		if (u[i] == '-' || i == 14 || i == 19)
			continue;
		bits = bits << 4 | (uint64_t)(u[i] <= '9' ? u[i] - '0' : u[i] - 'a' + 10);
		got++;
	}
	for (int i = 7; i >= 0; i--) {
		id[i] = alphabet[bits & 31];
		bits >>= 5;
	}
	id[8] = 0;
}

/* The text the search index holds for the elements other than the title. */
static void meta_text(const struct docs_content *c, struct buf *out)
{
	buf_addf(out, "%s\n", c->type ? c->type : "");
	for (int i = 0; i < DF__COUNT; i++)
		if (i != DF_TITLE && c->field[i])
			buf_addf(out, "%s\n", c->field[i]);
	for (size_t i = 0; i < c->natt; i++)
		buf_addf(out, "%s\n", c->att[i].name);
}

/* Append an event in the open transaction; payload is a JSON object we own. */
static int append_event(struct docs *d, const char *type, const char *user, const char *uuid,
			json_t *payload, int64_t *seq)
{
	char now[32];
	clock_format_iso(store_event_time(d->s, clock_now()), now, sizeof(now));
	char *text = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(payload);
	int64_t base = store_event_count(d->s);
	struct store_event ev = { uuid, type, user, NULL, NULL, now, base < 0 ? 0 : base,
				  text ? text : "{}", NULL, NULL };
	int rc = store_event_append(d->s, &ev, seq);
	free(text);
	if (rc < 0)
		return docs_fail(d, DOCS_STORE, "%s", store_error(d->s));
	return 0;
}

/* Audit a refused document in its own transaction; returns DOCS_REFUSED. */
static int refuse(struct docs *d, const char *user, const char *id, const char *action,
		  const struct docs_marking *m)
{
	char uuid[37];
	uuid_v4(uuid);
	json_t *p = json_object();
	json_object_set_new(p, "doc", id ? json_string(id) : json_null());
	json_object_set_new(p, "action", json_string(action));
	json_object_set_new(p, "field", json_string(m->where));
	json_object_set_new(p, "marking", json_string(m->level));
	json_object_set_new(p, "reason", json_string("classification-marking"));
	int rc = store_begin(d->s);
	if (rc == STORE_OK) {
		rc = append_event(d, "document.refused", user ? user : "unknown", uuid, p, NULL);
		p = NULL;
		if (rc == 0 && store_commit(d->s) != STORE_OK)
			rc = DOCS_STORE;
		if (rc < 0)
			store_rollback(d->s);
	}
	json_decref(p);
	const char *where = !strcmp(m->where, "title") ? _("the title")
			    : !strcmp(m->where, "body") ? _("the body")
			    : !strcmp(m->where, "attachment") ? _("an attachment name")
							       : m->where;
	if (rc < 0) /* still refused; say that the audit record failed too */
		return docs_fail(d, DOCS_REFUSED,
				 _("refused: %s carries the classification marking '%s' (line %zu); this network is not for classified content, nothing was saved (and the attempt could not be recorded: %s)"),
				 where, m->level, m->line, store_error(d->s));
	return docs_fail(d, DOCS_REFUSED,
			 _("refused: %s carries the classification marking '%s' (line %zu); this network is not for classified content, nothing was saved and the attempt was recorded"),
			 where, m->level, m->line);
}

/* What kind of save: decides the event type. */
enum save_kind { SAVE_CREATE, SAVE_EDIT, SAVE_ATTACH, SAVE_DETACH, SAVE_RESTORE };
static const char *const save_event[] = { "document.created", "document.saved",
					  "document.attached", "document.detached",
					  "document.restored" };
static const char *const save_verb[] = { "new", "edit", "attach", "detach", "restore" };

/* One revision to save, and what the pipeline works out for it. */
struct save {
	enum save_kind kind;         /* for the event type */
	const char *user;            /* acting user */
	const char *id;              /* the document, or NULL to create */
	const struct docs_content *c;/* the new content */
	const char *action;          /* commit message first line */
	const char *instance;        /* for a new document */
	const char *base;            /* head the user edited, or NULL */
	json_t *extra;               /* more event payload (owned; attach/detach), or NULL */
	/* worked out by the pipeline */
	char doc[DOCS_ID_MAX];       /* the document id */
	struct save *prev;           /* an earlier revision of this document in the batch */
	int64_t docno;               /* its row (0 until known for a new document) */
	int have_parent;             /* there is a parent commit */
	git_oid parent, tree, commit;/* parent, tree, new commit */
	int old_revs;                /* revisions before this one */
	int unchanged;               /* same content as the parent: nothing written */
	int last;                    /* the last revision of its document in the batch */
	int frozen;                  /* signed off, at signed_commit */
	char signed_commit[DOCS_OID_MAX];
	int resign;                  /* needs the sign-off again */
	int number;                  /* the new revision number */
	char uuid[37];               /* event id */
	const char *act;             /* the action used */
};

/* Remove the save marker (after the commit point, or when nothing was written). */
static void marker_done(struct docs *d)
{
	unlink(d->marker);
	unlink(d->old_marker);
}

/*
 * Create the marker. It lives in objects/pack, so the directory fsync that
 * publishes the save's pack (git_indexer_commit) also makes the marker's
 * entry durable; only the file itself is fsynced here. Written before the
 * pack, it is on disk before the ref can be.
 */
static int marker_write(struct docs *d, const char *text)
{
	int fd = open(d->marker, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return docs_fail(d, DOCS_STORE, _("unable to write '%s': %s"), d->marker, strerror(errno));
	size_t len = strlen(text);
	int ok = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
	int e = errno;
	close(fd);
	if (!ok) {
		unlink(d->marker);
		return docs_fail(d, DOCS_STORE, _("unable to write '%s': %s"), d->marker, strerror(e));
	}
	return 0;
}

/*
 * For the crash tests only: DOCKET_TEST_CRASH=after-pack or after-ref
 * kills the process at that point of a save, as a power cut would.
 */
static void crash_point(const char *where)
{
	const char *v = getenv("DOCKET_TEST_CRASH");
	if (v && !strcmp(v, where))
		raise(SIGKILL);
}

/* After a failed save: the ref back to `parent` (or removed); -1 if that failed too. */
static int put_ref_back(struct docs *d, const char *id, const git_oid *parent, const git_oid *commit)
{
	struct buf keep = BUF_INIT;
	buf_adds(&keep, d->err.s);
	int rc = parent ? dgit_ref_set(d, id, parent, commit) : dgit_ref_delete(d, id);
	buf_reset(&d->err);
	buf_adds(&d->err, keep.s);
	buf_release(&keep);
	return rc;
}

/* The first revision of sv's document in the batch (whose parent SQLite has). */
static struct save *save_first(struct save *sv)
{
	while (sv->prev)
		sv = sv->prev;
	return sv;
}

/* Work out sv's document, parent and new commit (objects go to the in-memory backend). */
static int save_prepare(struct docs *d, struct save *v, size_t k)
{
	struct save *sv = &v[k];
	int rc;
	if (sv->id) {
		for (size_t j = k; j-- > 0;)
			if (!strcmp(v[j].doc, sv->id)) {
				sv->prev = &v[j];
				break;
			}
	}
	if (sv->prev) {
		struct save *p = sv->prev;
		snprintf(sv->doc, sizeof(sv->doc), "%s", p->doc);
		sv->have_parent = 1;
		sv->parent = p->unchanged ? p->parent : p->commit;
		sv->old_revs = p->unchanged ? p->old_revs : p->number;
		sv->frozen = p->frozen;
		memcpy(sv->signed_commit, p->signed_commit, DOCS_OID_MAX);
		if (sv->base) {
			char hex[DOCS_OID_MAX];
			git_oid_tostr(hex, sizeof(hex), &sv->parent);
			if (strcmp(sv->base, hex))
				return docs_fail(d, DOCS_INVALID,
						 _("document '%s' changed meanwhile (now r%d by %s); nothing was saved: edit it again"),
						 sv->doc, sv->old_revs, sv->user);
		}
		git_oid_cpy(&sv->tree, &p->tree); /* the parent's tree, replaced below */
	} else if (sv->id) {
		struct docs_info info;
		if ((rc = info_get(d, sv->id, &info, &sv->docno)) < 0)
			return rc;
		snprintf(sv->doc, sizeof(sv->doc), "%s", sv->id);
		sv->old_revs = info.revs;
		sv->frozen = info.frozen;
		memcpy(sv->signed_commit, info.signed_commit, DOCS_OID_MAX);
		if (sv->base && strcmp(sv->base, info.head)) {
			rc = docs_fail(d, DOCS_INVALID,
				       _("document '%s' changed meanwhile (now r%d by %s); nothing was saved: edit it again"),
				       sv->doc, info.revs, info.updated_by);
			docs_info_release(&info);
			return rc;
		}
		if (git_oid_fromstr(&sv->parent, info.head) < 0) {
			rc = docs_fail(d, DOCS_STORE, _("document '%s': its head '%s' is not a commit id"), sv->doc,
				       info.head);
			docs_info_release(&info);
			return rc;
		}
		if ((rc = dgit_commit_tree(d, &sv->parent, &sv->tree)) < 0) {
			docs_info_release(&info);
			return rc; /* the repository is damaged: dgit said which commit */
		}
		docs_info_release(&info);
		sv->have_parent = 1;
	} else {
		for (int tries = 0;; tries++) {
			new_id(sv->doc);
			int taken = 0;
			for (size_t j = 0; j < k && !taken; j++)
				taken = !strcmp(v[j].doc, sv->doc);
			sqlite3_stmt *st = docs_stmt(d, DS_ID_EXISTS);
			if (!st)
				return DOCS_STORE;
			store_sql_bind_text(st, 1, sv->doc);
			int step = sqlite3_step(st);
			sqlite3_reset(st);
			git_oid dummy;
			if (!taken && step == SQLITE_DONE && dgit_ref_get(d, sv->doc, &dummy) == 0)
				break;
			if (tries > 20)
				return docs_fail(d, DOCS_ERR, _("unable to choose a new document id"));
		}
	}
	git_oid parent_tree = sv->tree;
	if ((rc = dgit_write_tree(d, sv->c, &sv->tree)) < 0)
		return rc;
	if (sv->have_parent && git_oid_equal(&sv->tree, &parent_tree)) {
		sv->unchanged = 1; /* the same content: no revision */
		sv->number = sv->old_revs;
		return 0;
	}
	sv->number = sv->have_parent ? sv->old_revs + 1 : 1;
	/* needs the sign-off again when the content differs from what was signed */
	if (sv->frozen && sv->signed_commit[0]) {
		git_oid signed_oid, signed_tree;
		if (git_oid_fromstr(&signed_oid, sv->signed_commit) == 0 &&
		    dgit_commit_tree(d, &signed_oid, &signed_tree) == 0)
			sv->resign = !git_oid_equal(&signed_tree, &sv->tree);
		else
			sv->resign = 1;
	}
	uuid_v4(sv->uuid);
	sv->act = sv->action ? sv->action : sv->kind == SAVE_CREATE ? "起草" : "修改";
	struct buf msg = BUF_INIT;
	buf_addf(&msg, "%s\n\nDocket-Document: %s\nDocket-Revision: r%d\nDocket-Event: %s\n", sv->act, sv->doc,
		 sv->number, sv->uuid);
	rc = dgit_write_commit(d, &sv->tree, sv->have_parent ? &sv->parent : NULL, sv->user, clock_now(), msg.s,
			       &sv->commit);
	buf_release(&msg);
	return rc;
}

/* The rows, the search index and the event of one revision (inside the transaction). */
static int save_record(struct docs *d, struct save *sv, const char *made_at)
{
	if (sv->prev && !sv->docno)
		sv->docno = save_first(sv)->docno;
	char commit_hex[DOCS_OID_MAX];
	git_oid_tostr(commit_hex, sizeof(commit_hex), &sv->commit);
	json_t *p = json_object();
	json_object_set_new(p, "doc", json_string(sv->doc));
	json_object_set_new(p, "rev", json_integer(sv->number));
	json_object_set_new(p, "commit", json_string(commit_hex));
	json_object_set_new(p, "action", json_string(sv->act));
	if (sv->resign)
		json_object_set_new(p, "needs_resign", json_true());
	if (sv->kind == SAVE_CREATE && sv->instance)
		json_object_set_new(p, "instance", json_string(sv->instance));
	if (sv->extra)
		json_object_update(p, sv->extra);
	int64_t seq = 0;
	int rc;
	if ((rc = append_event(d, save_event[sv->kind], sv->user, sv->uuid, p, &seq)) < 0)
		return rc;
	sqlite3_stmt *st;
	const char *title = sv->c->field[DF_TITLE];
	if (!sv->have_parent) {
		if (!(st = docs_stmt(d, DS_INSERT_DOC)))
			return DOCS_STORE;
		store_sql_bind_text(st, 1, sv->doc);
		store_sql_bind_text(st, 2, sv->c->type);
		store_sql_bind_text(st, 3, title);
		store_sql_bind_text(st, 4, sv->instance);
		store_sql_bind_text(st, 5, commit_hex);
		store_sql_bind_text(st, 6, made_at);
		store_sql_bind_text(st, 7, sv->user);
		if ((rc = step_done(d, st, _("record a document"))) < 0)
			return rc;
		sv->docno = sqlite3_last_insert_rowid(d->db);
	} else {
		if (!(st = docs_stmt(d, DS_UPDATE_DOC)))
			return DOCS_STORE;
		sqlite3_bind_int64(st, 1, sv->docno);
		store_sql_bind_text(st, 2, sv->c->type);
		store_sql_bind_text(st, 3, title);
		store_sql_bind_text(st, 4, commit_hex);
		sqlite3_bind_int(st, 5, sv->number);
		store_sql_bind_text(st, 6, made_at);
		store_sql_bind_text(st, 7, sv->user);
		sqlite3_bind_int(st, 8, sv->resign);
		if ((rc = step_done(d, st, _("record a document"))) < 0)
			return rc;
	}
	if (!(st = docs_stmt(d, DS_INSERT_REV)))
		return DOCS_STORE;
	sqlite3_bind_int64(st, 1, sv->docno);
	sqlite3_bind_int(st, 2, sv->number);
	store_sql_bind_text(st, 3, commit_hex);
	store_sql_bind_text(st, 4, sv->user);
	store_sql_bind_text(st, 5, made_at);
	store_sql_bind_text(st, 6, sv->act);
	sqlite3_bind_int(st, 7, sv->resign);
	sqlite3_bind_int64(st, 8, seq);
	if ((rc = step_done(d, st, _("record a revision"))) < 0)
		return rc;
	if (!sv->last)
		return 0; /* only the head is indexed for search */
	if (!(st = docs_stmt(d, DS_FTS_DELETE)))
		return DOCS_STORE;
	sqlite3_bind_int64(st, 1, sv->docno);
	if ((rc = step_done(d, st, _("index a document"))) < 0)
		return rc;
	if (!(st = docs_stmt(d, DS_FTS_INSERT)))
		return DOCS_STORE;
	struct buf meta = BUF_INIT;
	meta_text(sv->c, &meta);
	sqlite3_bind_int64(st, 1, sv->docno);
	store_sql_bind_text(st, 2, title);
	sqlite3_bind_text(st, 3, sv->c->body.s, (int)sv->c->body.len, SQLITE_STATIC);
	store_sql_bind_text(st, 4, meta.s);
	rc = step_done(d, st, _("index a document"));
	buf_release(&meta);
	return rc;
}

/* Put every ref the batch moved back where SQLite has it (after a failure). */
static int refs_back(struct docs *d, struct save *v, size_t moved)
{
	int rc = 0;
	for (size_t k = 0; k < moved; k++) {
		if (!v[k].last || v[k].unchanged)
			continue;
		struct save *f = save_first(&v[k]);
		if (put_ref_back(d, v[k].doc, f->have_parent ? &f->parent : NULL, &v[k].commit) < 0)
			rc = -1;
	}
	return rc;
}

/*
 * The save pipeline for n revisions (one, or a batch). Under the store's
 * write lock: the marker, the objects of all of them (one pack), the refs,
 * the rows and the events; the SQLite commit is the commit point. All or
 * nothing. 0, 1 when no revision changed anything, or a status.
 */
static int save_many(struct docs *d, struct save *v, size_t n)
{
	struct buf why = BUF_INIT;
	for (size_t k = 0; k < n; k++) {
		if (docs_content_check(v[k].c, d->attach_max, &why) < 0) {
			int rc = docs_fail(d, DOCS_INVALID, "%s", why.s);
			buf_release(&why);
			return rc;
		}
	}
	buf_release(&why);
	for (size_t k = 0; k < n; k++) {
		struct docs_marking m;
		if (docs_content_marking(v[k].c, &m) ||
		    (v[k].instance && docs_marking_find(v[k].instance, strlen(v[k].instance), "instance", &m)))
			return refuse(d, v[k].user, v[k].id, save_verb[v[k].kind], &m);
	}

	int rc = store_begin(d->s);
	if (rc != STORE_OK)
		return store_status(d, rc);
	/* a roll-up killed after an earlier save's commit point left its temporary files */
	dgit_clean_pack_tmp(d);
	size_t changed = 0, moved = 0;
	for (size_t k = 0; k < n; k++) {
		if ((rc = save_prepare(d, v, k)) < 0)
			goto fail;
		changed += !v[k].unchanged;
	}
	if (!changed) {
		dgit_discard(d);
		store_rollback(d->s);
		return 1;
	}
	for (size_t k = 0; k < n; k++) {
		v[k].last = 1;
		if (v[k].prev)
			v[k].prev->last = 0;
	}

	/* 1. the marker: if we die from here on, the next open reconciles */
	struct buf mk = BUF_INIT;
	for (size_t k = 0; k < n && mk.len < 4096; k++)
		if (v[k].last && !v[k].unchanged)
			buf_addf(&mk, "%s %s\n", v[k].doc, git_oid_tostr_s(&v[k].commit));
	rc = marker_write(d, mk.s ? mk.s : "");
	buf_release(&mk);
	if (rc < 0)
		goto fail;
	/* 2. the objects, as one pack */
	if ((rc = dgit_flush(d)) < 0)
		goto fail_marker;
	crash_point("after-pack");
	/*
	 * 3. the refs, each if it is still where SQLite says. Many refs are
	 * written without an fsync each and made durable together by one
	 * syncfs before SQLite commits.
	 */
	size_t nrefs = 0;
	for (size_t k = 0; k < n; k++)
		nrefs += v[k].last && !v[k].unchanged;
	if (nrefs > 1)
		git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 0);
	for (; moved < n; moved++) {
		struct save *sv = &v[moved];
		if (!sv->last || sv->unchanged)
			continue;
		struct save *f = save_first(sv);
		if ((rc = dgit_ref_set(d, sv->doc, &sv->commit, f->have_parent ? &f->parent : NULL)) < 0) {
			/*
			 * A failure may come after the ref moved (its rename
			 * done, the directory's fsync failed): if it points at
			 * the new commit, put it back too, or it stays ahead of
			 * SQLite with no marker left. One that someone else
			 * moved is left for check to find.
			 */
			git_oid now;
			if (dgit_ref_get(d, sv->doc, &now) == 1 && git_oid_equal(&now, &sv->commit))
				moved++;
			break;
		}
	}
	if (nrefs > 1) {
		git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
		if (rc == 0 && (rc = dgit_sync(d)) < 0)
			moved = n;
	}
	if (rc < 0)
		goto fail_ref;
	crash_point("after-ref");
	/* 4. the rows and the events */
	char made_at[32];
	clock_format_iso(store_event_time(d->s, clock_now()), made_at, sizeof(made_at));
	for (size_t k = 0; k < n; k++)
		if (!v[k].unchanged && (rc = save_record(d, &v[k], made_at)) < 0)
			goto fail_ref;
	/* 5. the commit point */
	if ((rc = store_commit(d->s)) != STORE_OK) {
		rc = store_status(d, rc);
		goto fail_ref_committed;
	}
	marker_done(d);
	/* keep the number of packs small; a failure here loses nothing */
	size_t packs = 0;
	if (dgit_pack_count(d, &packs, NULL) == 0 && packs > DGIT_PACKS_BEFORE_ROLLUP &&
	    store_begin(d->s) == STORE_OK) {
		dgit_repack(d, 0);
		store_rollback(d->s);
	}
	return 0;

fail_ref:
	store_rollback(d->s);
fail_ref_committed:
	/* put the refs back where SQLite says they are, keeping the first message */
	if (refs_back(d, v, moved) < 0)
		goto fail; /* the marker stays: the next open reconciles */
fail_marker:
	marker_done(d);
fail:
	dgit_discard(d);
	store_rollback(d->s);
	return rc;
}

/* One save; 0 (rev set), 1 unchanged, or a status. */
static int save(struct docs *d, struct save *sv, char *id_out, int *rev)
{
	int rc = save_many(d, sv, 1);
	json_decref(sv->extra);
	sv->extra = NULL;
	if (rc >= 0) {
		if (id_out)
			memcpy(id_out, sv->doc, DOCS_ID_MAX);
		if (rev)
			*rev = sv->number;
	}
	return rc;
}

int docs_save_batch(struct docs *d, const char *user, struct docs_batch_item *items, size_t n)
{
	if (!n)
		return 1;
	struct save *v = xcalloc(n, sizeof(*v));
	for (size_t k = 0; k < n; k++) {
		v[k].kind = items[k].id ? SAVE_EDIT : SAVE_CREATE;
		v[k].user = user;
		v[k].id = items[k].id;
		v[k].c = items[k].c;
		v[k].action = items[k].action;
		v[k].instance = items[k].id || !items[k].instance || !*items[k].instance ? NULL : items[k].instance;
	}
	int rc = save_many(d, v, n);
	if (rc >= 0)
		for (size_t k = 0; k < n; k++) {
			memcpy(items[k].id_out, v[k].doc, DOCS_ID_MAX);
			items[k].rev = v[k].number;
			items[k].unchanged = v[k].unchanged;
		}
	free(v);
	return rc;
}

int docs_create(struct docs *d, const char *user, const struct docs_content *c, const char *instance,
		char id[DOCS_ID_MAX])
{
	struct save sv = { .kind = SAVE_CREATE, .user = user, .c = c,
			   .instance = instance && *instance ? instance : NULL };
	int rc = save(d, &sv, id, NULL);
	return rc > 0 ? 0 : rc;
}

int docs_save(struct docs *d, const char *user, const char *id, const struct docs_content *c,
	      const char *action, const char *base, int *rev)
{
	struct save sv = { .kind = SAVE_EDIT, .user = user, .id = id, .c = c, .action = action, .base = base };
	return save(d, &sv, NULL, rev);
}

/* Load the head of `id` into c (c is initialised here). */
static int load_head(struct docs *d, const char *id, struct docs_content *c, char head[DOCS_OID_MAX])
{
	struct docs_info i;
	int rc = docs_info_get(d, id, &i);
	if (rc < 0) {
		docs_content_init(c);
		return rc;
	}
	memcpy(head, i.head, DOCS_OID_MAX);
	docs_info_release(&i);
	return docs_load(d, id, head, c);
}

/* {"name", "size", "blob"} of an attachment for an event: never its content. */
static json_t *att_json(const char *name, const void *data, size_t len)
{
	git_oid oid;
	/* git_oid_tostr_s keeps its buffer in libgit2's thread state */
	int git = gitlib_start() == 0;
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "size", json_integer((json_int_t)len));
	if (git && git_odb_hash(&oid, data, len, GIT_OBJECT_BLOB) == 0)
		json_object_set_new(o, "blob", json_string(git_oid_tostr_s(&oid)));
	return o;
}

int docs_attach_files(struct docs *d, const char *user, const char *id, const struct docs_attachment *files,
		      size_t n, const char *base, int *rev)
{
	if (!n)
		return docs_fail(d, DOCS_INVALID, _("no attachment to add"));
	struct docs_content c;
	char head[DOCS_OID_MAX];
	int rc = load_head(d, id, &c, head);
	if (rc < 0) {
		docs_content_release(&c);
		return rc;
	}
	struct buf why = BUF_INIT, action = BUF_INIT;
	json_t *list = json_array();
	buf_adds(&action, "添加附件");
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (docs_attachment_name_check(files[i].name, &why) < 0) {
			rc = docs_fail(d, DOCS_INVALID, "%s", why.s);
			break;
		}
		docs_content_attach(&c, files[i].name, files[i].data.s, files[i].data.len);
		buf_addf(&action, "%s%s", i ? "、" : " ", files[i].name);
		json_array_append_new(list, att_json(files[i].name, files[i].data.s, files[i].data.len));
	}
	if (rc == 0) {
		struct save sv = { .kind = SAVE_ATTACH, .user = user, .id = id, .c = &c, .action = action.s,
				   .base = base ? base : head, .extra = json_object() };
		json_object_set_new(sv.extra, "attachments", list);
		list = NULL;
		rc = save(d, &sv, NULL, rev);
	}
	json_decref(list);
	buf_release(&why);
	buf_release(&action);
	docs_content_release(&c);
	return rc;
}

int docs_attach(struct docs *d, const char *user, const char *id, const char *name, const void *data,
		size_t len, int *rev)
{
	struct docs_attachment a = { (char *)name, BUF_INIT };
	a.data.s = (char *)data;
	a.data.len = len;
	return docs_attach_files(d, user, id, &a, 1, NULL, rev);
}

int docs_detach(struct docs *d, const char *user, const char *id, const char *name, int *rev)
{
	struct docs_content c;
	char head[DOCS_OID_MAX];
	int rc = load_head(d, id, &c, head);
	json_t *gone = NULL;
	if (rc == 0) {
		const struct docs_attachment *a = docs_content_find(&c, name);
		if (!a)
			rc = docs_fail(d, DOCS_NOT_FOUND, _("document '%s' has no attachment '%s'"), id, name);
		else
			gone = att_json(a->name, a->data.s, a->data.len);
	}
	if (rc == 0) {
		docs_content_detach(&c, name);
		char *action = xasprintf("删除附件 %s", name);
		struct save sv = { .kind = SAVE_DETACH, .user = user, .id = id, .c = &c, .action = action,
				   .base = head, .extra = json_object() };
		json_t *list = json_array();
		json_array_append_new(list, gone);
		json_object_set_new(sv.extra, "attachments", list);
		rc = save(d, &sv, NULL, rev);
		free(action);
	}
	docs_content_release(&c);
	return rc;
}

int docs_restore(struct docs *d, const char *user, const char *id, const char *spec, int *rev)
{
	struct docs_rev r;
	int rc = docs_rev_get(d, id, spec, &r);
	if (rc < 0)
		return rc;
	struct docs_content c;
	rc = docs_load(d, id, r.commit, &c);
	if (rc == 0) {
		struct docs_info i;
		if ((rc = docs_info_get(d, id, &i)) == 0) {
			char *action = xasprintf("恢复到 r%d", r.rev);
			struct save sv = { .kind = SAVE_RESTORE, .user = user, .id = id, .c = &c, .action = action,
					   .base = i.head };
			rc = save(d, &sv, NULL, rev);
			free(action);
			docs_info_release(&i);
		}
	}
	docs_content_release(&c);
	docs_rev_release(&r);
	return rc;
}

int docs_set_instance(struct docs *d, const char *user, const char *id, const char *instance)
{
	int rc = store_begin(d->s);
	if (rc != STORE_OK)
		return store_status(d, rc);
	struct docs_info i;
	int64_t docno;
	if ((rc = info_get(d, id, &i, &docno)) == 0) {
		char uuid[37];
		uuid_v4(uuid);
		json_t *p = json_object();
		json_object_set_new(p, "doc", json_string(id));
		json_object_set_new(p, "instance", instance ? json_string(instance) : json_null());
		sqlite3_stmt *st;
		if ((rc = append_event(d, "document.instance", user, uuid, p, NULL)) == 0) {
			if (!(st = docs_stmt(d, DS_SET_INSTANCE)))
				rc = DOCS_STORE;
			else {
				sqlite3_bind_int64(st, 1, docno);
				store_sql_bind_text(st, 2, instance && *instance ? instance : NULL);
				rc = step_done(d, st, _("record a document"));
			}
		}
		docs_info_release(&i);
	}
	if (rc == 0 && (rc = store_commit(d->s)) != STORE_OK)
		return store_status(d, rc);
	if (rc < 0)
		store_rollback(d->s);
	return rc;
}

/* --- for the approval engine ------------------------------------------ */

int docs_head(struct docs *d, const char *id, char commit[DOCS_OID_MAX])
{
	struct docs_info i;
	int rc = docs_info_get(d, id, &i);
	if (rc == 0) {
		memcpy(commit, i.head, DOCS_OID_MAX);
		docs_info_release(&i);
	}
	return rc;
}

int docs_rev_commit(struct docs *d, const char *id, const char *spec, char commit[DOCS_OID_MAX])
{
	struct docs_rev r;
	int rc = docs_rev_get(d, id, spec, &r);
	if (rc == 0) {
		memcpy(commit, r.commit, DOCS_OID_MAX);
		docs_rev_release(&r);
	}
	return rc;
}

/*
 * Whether commit `head` holds other content than commit `other` (their
 * trees differ); the same commit never does, unreadable ones count as
 * different.
 */
static int content_differs(struct docs *d, const char *head, const char *other)
{
	git_oid a, b, ta, tb;
	if (!strcmp(head, other))
		return 0;
	if (git_oid_fromstr(&a, head) == 0 && git_oid_fromstr(&b, other) == 0 &&
	    dgit_commit_tree(d, &a, &ta) == 0 && dgit_commit_tree(d, &b, &tb) == 0)
		return !git_oid_equal(&ta, &tb);
	return 1;
}

/* One row of doc_approvals; `withdraws` is the row it withdraws, or 0 for an approval. */
static int insert_approval(struct docs *d, int64_t docno, const char *commit, int rev, const char *kind,
			   const char *user, const char *now, int64_t seq, int64_t withdraws)
{
	sqlite3_stmt *st = docs_stmt(d, DS_INSERT_APPROVAL);
	if (!st)
		return DOCS_STORE;
	sqlite3_bind_int64(st, 1, docno);
	store_sql_bind_text(st, 2, commit);
	sqlite3_bind_int(st, 3, rev);
	store_sql_bind_text(st, 4, kind);
	store_sql_bind_text(st, 5, user);
	store_sql_bind_text(st, 6, now);
	sqlite3_bind_int64(st, 7, seq);
	if (withdraws)
		sqlite3_bind_int64(st, 8, withdraws);
	return step_done(d, st, _("record an approval"));
}

/* The document is signed off at `signed_commit` (NULL: not signed); `resign`: its head differs. */
static int set_signed(struct docs *d, int64_t docno, const char *signed_commit, int resign)
{
	sqlite3_stmt *st = docs_stmt(d, DS_FREEZE);
	if (!st)
		return DOCS_STORE;
	sqlite3_bind_int64(st, 1, docno);
	store_sql_bind_text(st, 2, signed_commit);
	sqlite3_bind_int(st, 3, resign);
	return step_done(d, st, _("record a sign-off"));
}


int docs_approve(struct docs *d, const char *user, const char *id, const char *commit, const char *kind,
		 int freeze)
{
	struct docs_info i;
	int64_t docno;
	int rc = info_get(d, id, &i, &docno);
	if (rc < 0)
		return rc;
	struct docs_rev r;
	if ((rc = docs_rev_get(d, id, commit, &r)) < 0 || strcmp(r.commit, commit)) {
		if (rc == 0)
			docs_rev_release(&r);
		docs_info_release(&i);
		return docs_fail(d, DOCS_NOT_FOUND, _("'%s' is not a revision of document '%s'"), commit, id);
	}
	char uuid[37];
	uuid_v4(uuid);
	json_t *p = json_object();
	json_object_set_new(p, "doc", json_string(id));
	json_object_set_new(p, "commit", json_string(commit));
	json_object_set_new(p, "rev", json_integer(r.rev));
	json_object_set_new(p, "kind", json_string(kind));
	json_object_set_new(p, "freeze", json_boolean(freeze));
	int64_t seq = 0;
	char now[32];
	clock_format_iso(store_event_time(d->s, clock_now()), now, sizeof(now));
	if ((rc = append_event(d, "document.approved", user, uuid, p, &seq)) == 0)
		rc = insert_approval(d, docno, commit, r.rev, kind, user, now, seq, 0);
	/* the head may already differ from what was signed (signed an older revision) */
	if (rc == 0 && freeze)
		rc = set_signed(d, docno, commit, content_differs(d, i.head, commit));
	docs_rev_release(&r);
	docs_info_release(&i);
	return rc;
}

/*
 * The sign-off in effect once the approval row `except` is withdrawn: the
 * newest sign-off not withdrawn. Sets signed ("" when none); 0 or a status.
 */
static int signoff_in_effect(struct docs *d, int64_t docno, int64_t except, char signed_[DOCS_OID_MAX])
{
	sqlite3_stmt *st;
	signed_[0] = '\0';
	int rc = sqlite3_prepare_v2(d->db,
				    "SELECT a.commit_id FROM doc_approvals a WHERE a.docno = ?1 AND a.kind = 'sign-off'"
				    " AND a.withdraws IS NULL AND a.id != ?2 AND NOT EXISTS (SELECT 1 FROM doc_approvals w"
				    " WHERE w.docno = ?1 AND w.withdraws = a.id) ORDER BY a.event_seq DESC, a.id DESC LIMIT 1",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return docs_sql_fail(d, rc, _("read the approvals"));
	sqlite3_bind_int64(st, 1, docno);
	sqlite3_bind_int64(st, 2, except);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		col_copy(st, 0, signed_, DOCS_OID_MAX);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : docs_sql_fail(d, rc, _("read the approvals"));
}

int docs_withdraw(struct docs *d, const char *user, const char *id, const char *commit, int64_t after_seq)
{
	struct docs_info i;
	int64_t docno;
	int rc = info_get(d, id, &i, &docno);
	if (rc < 0)
		return rc;
	/* the first approval of that commit by the user after the decision, not yet withdrawn */
	sqlite3_stmt *st;
	rc = sqlite3_prepare_v2(d->db,
				"SELECT a.id, a.rev, a.kind FROM doc_approvals a WHERE a.docno = ?1 AND a.commit_id = ?2"
				" AND a.actor = ?3 AND a.event_seq > ?4 AND a.withdraws IS NULL AND NOT EXISTS"
				" (SELECT 1 FROM doc_approvals w WHERE w.docno = ?1 AND w.withdraws = a.id)"
				" ORDER BY a.event_seq, a.id LIMIT 1",
				-1, &st, NULL);
	if (rc != SQLITE_OK) {
		docs_info_release(&i);
		return docs_sql_fail(d, rc, _("read the approvals"));
	}
	sqlite3_bind_int64(st, 1, docno);
	store_sql_bind_text(st, 2, commit);
	store_sql_bind_text(st, 3, user);
	sqlite3_bind_int64(st, 4, after_seq);
	int64_t row = 0;
	int rev = 0;
	char *kind = NULL;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		row = sqlite3_column_int64(st, 0);
		rev = sqlite3_column_int(st, 1);
		kind = store_sql_col(st, 2);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		docs_info_release(&i);
		return rc == SQLITE_DONE ? 1 : docs_sql_fail(d, rc, _("read the approvals"));
	}
	rc = 0;
	int signoff = kind && !strcmp(kind, "sign-off");
	char now_signed[DOCS_OID_MAX] = "";
	int resign = 0;
	/* back to the sign-off before it: does the head still hold what that one signed? */
	if (signoff && (rc = signoff_in_effect(d, docno, row, now_signed)) == 0 && now_signed[0])
		resign = content_differs(d, i.head, now_signed);
	struct buf what = BUF_INIT;
	buf_addf(&what, "%s withdrawn", kind ? kind : "approve");
	char uuid[37];
	uuid_v4(uuid);
	json_t *p = json_object();
	json_object_set_new(p, "doc", json_string(id));
	json_object_set_new(p, "commit", json_string(commit));
	json_object_set_new(p, "rev", json_integer(rev));
	json_object_set_new(p, "kind", json_string(kind ? kind : "approve"));
	if (signoff) {
		json_object_set_new(p, "signed_commit", now_signed[0] ? json_string(now_signed) : json_null());
		json_object_set_new(p, "needs_resign", json_boolean(resign));
	}
	int64_t seq = 0;
	char now[32];
	clock_format_iso(store_event_time(d->s, clock_now()), now, sizeof(now));
	if (rc == 0)
		rc = append_event(d, signoff ? "document.signoff_withdrawn" : "document.approval_withdrawn", user,
				  uuid, p, &seq);
	else
		json_decref(p);
	if (rc == 0)
		rc = insert_approval(d, docno, commit, rev, what.s, user, now, seq, row);
	/* frozen at the sign-off before it, or no longer signed */
	if (rc == 0 && signoff)
		rc = set_signed(d, docno, now_signed[0] ? now_signed : NULL, resign);
	buf_release(&what);
	free(kind);
	docs_info_release(&i);
	return rc;
}

int docs_needs_resign(struct docs *d, const char *id)
{
	struct docs_info i;
	int rc = docs_info_get(d, id, &i);
	if (rc < 0)
		return rc;
	rc = i.needs_resign;
	docs_info_release(&i);
	return rc;
}

int docs_approvals(struct docs *d, const char *id, int (*fn)(void *ctx, const struct docs_approval *a),
		   void *ctx)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(d->db,
				    "SELECT a.rev, a.commit_id, a.kind, a.actor, a.made_at FROM doc_approvals a"
				    " JOIN documents USING (docno) WHERE documents.id = ?1 ORDER BY a.event_seq, a.id",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return docs_sql_fail(d, rc, _("read the approvals"));
	store_sql_bind_text(st, 1, id);
	int stop = 0;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct docs_approval a;
		a.rev = sqlite3_column_int(st, 0);
		col_copy(st, 1, a.commit, sizeof(a.commit));
		a.kind = store_sql_col(st, 2);
		a.actor = store_sql_col(st, 3);
		a.made_at = store_sql_col(st, 4);
		stop = fn(ctx, &a);
		free(a.kind);
		free(a.actor);
		free(a.made_at);
	}
	sqlite3_finalize(st);
	if (!stop && rc != SQLITE_DONE)
		return docs_sql_fail(d, rc, _("read the approvals"));
	return 0;
}

/* --- consistency ------------------------------------------------------ */

/* One document's head as SQLite has it. */
struct head {
	char id[DOCS_ID_MAX];     /* document id */
	char head[DOCS_OID_MAX];  /* head commit */
	int seen;                 /* its ref was found */
};

/* What reconciliation walks over. */
struct recon {
	struct docs *d;    /* the documents */
	struct head *v;    /* every document, sorted by id */
	size_t n;          /* how many */
	size_t fixed;      /* refs changed */
	struct buf *report;/* a line per ref changed, or NULL */
	int status;        /* first failure */
};

static int head_cmp(const void *a, const void *b)
{
	return strcmp(((const struct head *)a)->id, ((const struct head *)b)->id);
}

/* One ref: roll it back to SQLite's head, or remove it if SQLite has no such document. */
static int recon_ref(void *ctx, const char *id, const git_oid *oid)
{
	struct recon *r = ctx;
	struct head key;
	snprintf(key.id, sizeof(key.id), "%s", id);
	struct head *h = r->n ? bsearch(&key, r->v, r->n, sizeof(*r->v), head_cmp) : NULL;
	int rc = 0;
	char hex[DOCS_OID_MAX];
	git_oid_tostr(hex, sizeof(hex), oid);
	if (!h) {
		rc = dgit_ref_delete(r->d, id);
		r->fixed++;
		if (r->report && rc == 0)
			buf_addf(r->report,
				 _("refs/docs/%s pointed at %.10s, a document the store never recorded (a new document cut short): removed\n"),
				 id, hex);
	} else {
		h->seen = 1;
		if (strcmp(hex, h->head)) {
			git_oid want;
			git_oid_fromstr(&want, h->head);
			rc = dgit_ref_set(r->d, id, &want, oid);
			r->fixed++;
			if (r->report && rc == 0)
				buf_addf(r->report,
					 _("refs/docs/%s pointed at %.10s, which the store never recorded (a save cut short): set back to its head %.10s\n"),
					 id, hex, h->head);
		}
	}
	if (rc < 0 && !r->status)
		r->status = rc;
	return 0;
}

int docs_reconcile(struct docs *d, size_t *fixed, struct buf *report)
{
	int rc = store_begin(d->s);
	if (rc != STORE_OK)
		return store_status(d, rc);
	struct recon r = { d, NULL, 0, 0, report, 0 };
	size_t alloc = 0;
	sqlite3_stmt *st = docs_stmt(d, DS_HEADS);
	if (!st) {
		store_rollback(d->s);
		return DOCS_STORE;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ALLOC_GROW(r.v, r.n + 1, alloc);
		col_copy(st, 0, r.v[r.n].id, DOCS_ID_MAX);
		col_copy(st, 1, r.v[r.n].head, DOCS_OID_MAX);
		r.v[r.n++].seen = 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(r.v);
		rc = docs_sql_fail(d, rc, _("read documents"));
		store_rollback(d->s);
		return rc;
	}
	if (r.n)
		qsort(r.v, r.n, sizeof(*r.v), head_cmp);
	dgit_clean_tmp(d);
	rc = dgit_ref_foreach(d, recon_ref, &r);
	/* a ref that vanished (file system damage): recreate it from SQLite */
	for (size_t i = 0; rc == 0 && i < r.n; i++) {
		if (r.v[i].seen)
			continue;
		git_oid want;
		git_commit *c = NULL;
		if (git_oid_fromstr(&want, r.v[i].head) < 0 || git_commit_lookup(&c, d->repo, &want) < 0) {
			rc = docs_fail(d, DOCS_STORE,
				       _("document '%s': its head commit '%s' is missing from the repository (restore documents.git from a backup)"),
				       r.v[i].id, r.v[i].head);
			break;
		}
		git_commit_free(c);
		rc = dgit_ref_set(d, r.v[i].id, &want, NULL);
		r.fixed++;
		if (report && rc == 0)
			buf_addf(report, _("refs/docs/%s was missing: recreated at its head %.10s\n"), r.v[i].id,
				 r.v[i].head);
	}
	if (rc == 0)
		rc = r.status;
	free(r.v);
	if (rc == 0)
		marker_done(d);
	store_rollback(d->s); /* nothing was written to SQLite: the lock was the point */
	if (fixed)
		*fixed = r.fixed;
	return rc;
}

int docs_repack(struct docs *d, int all)
{
	int rc = store_begin(d->s);
	if (rc != STORE_OK)
		return store_status(d, rc);
	rc = dgit_repack(d, all);
	store_rollback(d->s);
	return rc;
}

int docs_object_stats(struct docs *d, size_t *packs, size_t *loose)
{
	return dgit_pack_count(d, packs, loose);
}
