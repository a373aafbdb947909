/*
 * docs_internal: what the files of src/docs/ share among themselves.
 *
 * Not a front door: only the files of src/docs/ include this; everything else uses
 * docs.h. It holds the docs struct, the cached statements, and the git
 * layer (docs_git.c) that docs.c drives.
 */
#ifndef DOCKET_DOCS_INTERNAL_H
#define DOCKET_DOCS_INTERNAL_H

#include <git2.h>
#include <sqlite3.h>
#include <time.h>

#include "docs.h"

/* The module's statements, by name (see docs_stmt; the store's kit caches them). */
enum docs_stmt {
	DS_RESOLVE,         /* ids starting with a prefix */
	DS_INFO,            /* one document by id */
	DS_ID_EXISTS,       /* is an id taken */
	DS_INSERT_DOC,      /* a new document row */
	DS_UPDATE_DOC,      /* head, revs, title, ... after a save */
	DS_INSERT_REV,      /* one revision */
	DS_REV_BY_NO,       /* a revision by number */
	DS_REV_BY_PREFIX,   /* revisions whose commit starts with a prefix */
	DS_LOG,             /* every revision of a document */
	DS_FTS_DELETE,      /* drop a document from the index */
	DS_FTS_INSERT,      /* index a document */
	DS_HEADS,           /* id and head of every document */
	DS_SET_INSTANCE,    /* attach to a workflow instance */
	DS_INSERT_APPROVAL, /* an approval of one commit */
	DS_FREEZE,          /* frozen at a signed commit */
	DS__COUNT
};

struct docs {
	struct store *s;              /* the store (not owned) */
	sqlite3 *db;                  /* its connection (not owned) */
	git_repository *repo;         /* documents.git */
	git_odb *odb;                 /* the repository's object database */
	git_odb_backend *mempack;     /* where a save's objects are built (owned by odb) */
	char *pack_dir;               /* documents.git/objects/pack */
	char *marker;                 /* objects/pack/docket-saving: a save in progress */
	char *old_marker;             /* documents.git/docket-saving (older versions) */
	size_t attach_max;            /* attachment size limit in bytes */
	int readonly;                 /* the store was opened for reading */
	struct buf err;               /* the last error message */
};

/* printf into d->err (replacing it); returns `status`. */
int docs_fail(struct docs *d, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Take the store's message for a failed SQLite call; returns DOCS_STORE. */
int docs_sql_fail(struct docs *d, int rc, const char *what);
/* The statement `id` from the store's cache, reset and unbound; NULL (with a message) on error. */
sqlite3_stmt *docs_stmt(struct docs *d, enum docs_stmt id);

/* --- docs_git.c -------------------------------------------------------- */

/* Roll small packs up once there are more than this many. */
#define DGIT_PACKS_BEFORE_ROLLUP 8

/* The repository's paths (pack directory, save markers), known without opening it. */
void dgit_paths(struct docs *d);
/*
 * Open the repository (starting libgit2) and add the in-memory object
 * backend, unless already done; every dgit_ function that reads or writes
 * it does this first. Returns 0 or DOCS_ERR.
 */
int dgit_ready(struct docs *d);
void dgit_close(struct docs *d);
/* libgit2's last error message. */
/* libgit2's last failure was out of memory (GIT_ERROR_NOMEMORY, or no error left at all). */
int dgit_oom(void);
const char *dgit_why(void);
/*
 * Write the content's blobs and trees (into the in-memory backend) and
 * return the tree id. Objects already in the repository are not rewritten.
 */
int dgit_write_tree(struct docs *d, const struct docs_content *c, git_oid *tree);
/*
 * Write a commit of `tree` with `parent` (or none) by `user` at time t,
 * with `message`, into the in-memory backend.
 */
int dgit_write_commit(struct docs *d, const git_oid *tree, const git_oid *parent, const char *user,
		      time_t t, const char *message, git_oid *out);
/* Write everything in the in-memory backend as one fsynced pack; empty it. */
int dgit_flush(struct docs *d);
/* Make every file written so far durable at once (syncfs), for batches of refs. */
int dgit_sync(struct docs *d);
/* Forget the in-memory objects (a save that was abandoned). */
void dgit_discard(struct docs *d);
/* The tree of a commit. */
int dgit_commit_tree(struct docs *d, const git_oid *commit, git_oid *tree);
/* Read the content of a commit. */
int dgit_read(struct docs *d, const git_oid *commit, struct docs_content *out);
/* refs/docs/<id>: read (1 if present, 0 if not), set if it still is `old`, delete. */
int dgit_ref_get(struct docs *d, const char *id, git_oid *out);
int dgit_ref_set(struct docs *d, const char *id, const git_oid *oid, const git_oid *old);
int dgit_ref_delete(struct docs *d, const char *id);
/* Call fn for every refs/docs/<id>. */
int dgit_ref_foreach(struct docs *d, int (*fn)(void *ctx, const char *id, const git_oid *oid), void *ctx);
/* Remove temporary files an interrupted pack write left (under the lock). */
void dgit_clean_tmp(struct docs *d);
/*
 * Remove what is not a finished pack (nor the save marker) from
 * objects/pack: the temporary files of a pack write cut short. Caller
 * holds the store's write lock, so no other docket is writing one. A
 * roll-up after a save's commit point has no marker, so every save and
 * roll-up sweeps first.
 */
void dgit_clean_pack_tmp(struct docs *d);
/* Number of packs; when over the threshold, roll small ones up (under the lock). */
int dgit_pack_count(struct docs *d, size_t *packs, size_t *loose);
int dgit_repack(struct docs *d, int all);

#endif
