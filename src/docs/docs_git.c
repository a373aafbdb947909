/*
 * docs_git: the document repository through libgit2.
 *
 * Tree of every commit (doc/documents.md):
 *   meta.json            type and GB/T 9704 elements, canonical JSON
 *   body.md              the body, UTF-8
 *   attachments/<name>   each attachment, as given (absent when none)
 *
 * A save builds its objects in an in-memory backend (mempack) and writes
 * them as one pack with an index through git_indexer, which fsyncs both
 * (GIT_OPT_ENABLE_FSYNC_GITDIR is set when the store starts libgit2). So a
 * save adds two files, never a loose object per blob. Small packs are
 * rolled up geometrically (each kept pack at least twice the size of the
 * sum of the smaller ones), which keeps the number of packs logarithmic
 * and gives the rolled-up objects deltas against each other.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2/sys/commit.h>
#include <git2/sys/mempack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../store/store.h"
#include "../util/fsutil.h"
#include "../util/gitlib.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "docs_internal.h"


/*
 * Whether libgit2's last failure was running out of memory: one of its
 * allocations failed in this process (gitlib_out_of_memory: libgit2 1.5
 * often reports that as something else), its own GIT_ERROR_NOMEMORY, or a
 * failure that left no error at all, which is what a failed allocation
 * gives on several of its paths (doc/testing.md, "Out of memory").
 */
int dgit_oom(void)
{
	const git_error *e = git_error_last();
	return gitlib_out_of_memory() || !e || !e->message || e->klass == GIT_ERROR_NOMEMORY;
}

const char *dgit_why(void)
{
	if (dgit_oom())
		return _("out of memory; nothing was changed (close other programs, then try again)");
	return git_error_last()->message;
}

/*
 * The status of a libgit2 failure: one of the file system (full,
 * read-only, an I/O error, no permission) or memory running out means
 * the store cannot be used now (DOCS_STORE, exit 3); anything else is
 * DOCS_ERR.
 */
static int git_status(void)
{
	const git_error *e = git_error_last();
	return dgit_oom() || e->klass == GIT_ERROR_OS ? DOCS_STORE : DOCS_ERR;
}

/*
 * The first pack in objects/pack without its index, as "pack-….pack" into
 * out; 1 if there is one. Without its .idx a pack's objects cannot be
 * found, so every document stored in it looks missing.
 */
static int pack_without_index(struct docs *d, struct buf *out)
{
	DIR *dir = opendir(d->pack_dir);
	struct dirent *e;
	int found = 0;
	while (dir && !found && (e = readdir(dir))) {
		size_t n = strlen(e->d_name);
		if (n < 10 || strncmp(e->d_name, "pack-", 5) || strcmp(e->d_name + n - 5, ".pack"))
			continue;
		char *idx = xasprintf("%s/%.*s.idx", d->pack_dir, (int)(n - 5), e->d_name);
		if (!file_exists(idx)) {
			buf_adds(out, e->d_name);
			found = 1;
		}
		free(idx);
	}
	if (dir)
		closedir(dir);
	return found;
}

/*
 * An object the document index names cannot be read: the repository is
 * damaged (or unreadable). Says which object, why, and a pack without its
 * index when there is one; returns DOCS_STORE (exit 3: the store cannot be
 * used), never DOCS_ERR (exit 4 is for bugs).
 */
static int damaged(struct docs *d, const char *what, const git_oid *oid)
{
	const git_error *e = git_error_last();
	int missing = e && e->klass == GIT_ERROR_ODB;
	struct buf pack = BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), oid);
	if (dgit_oom()) /* not damage: the memory ran out while reading it */
		docs_fail(d, DOCS_STORE, _("unable to read %s '%s' from the document repository: %s"), what, hex,
			  dgit_why());
	else if (pack_without_index(d, &pack))
		docs_fail(d, DOCS_STORE,
			  _("the document repository '%s' is damaged: %s '%s' cannot be read, and '%s' has no index (its .idx file is missing); restore documents.git from a backup, or rebuild the index with 'git index-pack'"),
			  store_git_dir(d->s), what, hex, pack.s);
	else
		docs_fail(d, DOCS_STORE,
			  _("the document repository '%s' is damaged: %s '%s' cannot be read (%s); restore documents.git from a backup"),
			  store_git_dir(d->s), what, hex, missing ? _("it is missing") : dgit_why());
	buf_release(&pack);
	return DOCS_STORE;
}

void dgit_paths(struct docs *d)
{
	const char *path = store_git_dir(d->s);
	d->pack_dir = xasprintf("%s/objects/pack", path);
	d->marker = xasprintf("%s/objects/pack/docket-saving", path);
	d->old_marker = xasprintf("%s/docket-saving", path); /* where versions before 0.2 put it */
}

int dgit_ready(struct docs *d)
{
	if (d->repo)
		return 0;
	const char *path = store_git_dir(d->s);
	if (gitlib_start() < 0)
		return docs_fail(d, DOCS_STORE, _("unable to open the document repository '%s': %s"), path,
				 _("out of memory; nothing was changed (close other programs, then try again)"));
	/* store_open found documents.git: failing to open it means it is damaged */
	if (git_repository_open_bare(&d->repo, path) < 0)
		return docs_fail(d, DOCS_STORE, _("unable to open the document repository '%s': %s"), path,
				 dgit_why());
	if (git_repository_odb(&d->odb, d->repo) < 0 || git_mempack_new(&d->mempack) < 0 ||
	    git_odb_add_backend(d->odb, d->mempack, 999) < 0) {
		int st = git_status();
		dgit_close(d);
		return docs_fail(d, st, _("unable to open the document repository '%s': %s"), path, dgit_why());
	}
	return 0;
}

void dgit_close(struct docs *d)
{
	/* the odb owns the mempack backend and frees it */
	git_odb_free(d->odb);
	git_repository_free(d->repo);
	d->odb = NULL;
	d->repo = NULL;
	d->mempack = NULL;
}

/* Insert a blob of data into the tree builder under `name`. */
static int put_blob(struct docs *d, git_treebuilder *tb, const char *name, const void *data, size_t len)
{
	git_oid oid;
	if (git_blob_create_from_buffer(&oid, d->repo, data, len) < 0 ||
	    git_treebuilder_insert(NULL, tb, name, &oid, GIT_FILEMODE_BLOB) < 0)
		return docs_fail(d, git_status(), _("unable to write '%s' to the document repository: %s"), name,
				 dgit_why());
	return 0;
}

int dgit_write_tree(struct docs *d, const struct docs_content *c, git_oid *tree)
{
	int ready = dgit_ready(d);
	if (ready < 0)
		return ready;
	git_treebuilder *tb = NULL, *att = NULL;
	struct buf meta = BUF_INIT;
	int rc = DOCS_ERR;
	if (git_treebuilder_new(&tb, d->repo, NULL) < 0)
		goto git_fail;
	docs_meta_json(c, &meta);
	/* put_blob's own status (out of memory, a full disk: exit 3), not DOCS_ERR */
	if ((rc = put_blob(d, tb, "meta.json", meta.s, meta.len)) < 0 ||
	    (rc = put_blob(d, tb, "body.md", c->body.s, c->body.len)) < 0)
		goto out;
	rc = DOCS_ERR;
	if (c->natt) {
		git_oid sub;
		if (git_treebuilder_new(&att, d->repo, NULL) < 0)
			goto git_fail;
		for (size_t i = 0; i < c->natt; i++)
			if ((rc = put_blob(d, att, c->att[i].name, c->att[i].data.s, c->att[i].data.len)) < 0)
				goto out;
		rc = DOCS_ERR;
		if (git_treebuilder_write(&sub, att) < 0 ||
		    git_treebuilder_insert(NULL, tb, "attachments", &sub, GIT_FILEMODE_TREE) < 0)
			goto git_fail;
	}
	if (git_treebuilder_write(tree, tb) < 0)
		goto git_fail;
	rc = 0;
	goto out;
git_fail:
	rc = docs_fail(d, git_status(), _("unable to write to the document repository: %s"), dgit_why());
out:
	git_treebuilder_free(att);
	git_treebuilder_free(tb);
	buf_release(&meta);
	return rc;
}

/* A name or e-mail local part git accepts: no <, >, newlines or control characters. */
static char *sig_clean(const char *user, int email)
{
	char *s = xstrdup(user && *user ? user : "unknown");
	for (unsigned char *p = (unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>' || (email && (*p == ' ' || *p == '@')))
			*p = '_';
	return s;
}

int dgit_write_commit(struct docs *d, const git_oid *tree, const git_oid *parent, const char *user,
		      time_t t, const char *message, git_oid *out)
{
	int ready = dgit_ready(d);
	if (ready < 0)
		return ready;
	struct tm tm;
	localtime_r(&t, &tm);
	char *name = sig_clean(user, 0), *local = sig_clean(user, 1);
	char *email = xasprintf("%s@docket.invalid", local);
	git_signature *sig = NULL;
	int rc = git_signature_new(&sig, name, email, (git_time_t)t, (int)(tm.tm_gmtoff / 60));
	if (rc == 0) {
		const git_oid *parents[1] = { parent };
		rc = git_commit_create_from_ids(out, d->repo, NULL, sig, sig, NULL, message, tree,
						parent ? 1 : 0, parents);
	}
	git_signature_free(sig);
	free(name);
	free(local);
	free(email);
	if (rc < 0)
		return docs_fail(d, git_status(), _("unable to write a commit to the document repository: %s"),
				 dgit_why());
	return 0;
}

int dgit_flush(struct docs *d)
{
	int ready = dgit_ready(d);
	if (ready < 0)
		return ready;
	git_buf pack = GIT_BUF_INIT;
	git_indexer *idx = NULL;
	git_indexer_progress stats;
	int rc = git_mempack_dump(&pack, d->repo, d->mempack);
	if (rc == 0)
		rc = git_indexer_new(&idx, d->pack_dir, 0, NULL, NULL);
	if (rc == 0)
		rc = git_indexer_append(idx, pack.ptr, pack.size, &stats);
	if (rc == 0)
		rc = git_indexer_commit(idx, &stats);
	git_indexer_free(idx);
	git_buf_dispose(&pack);
	git_mempack_reset(d->mempack);
	if (rc == 0)
		rc = git_odb_refresh(d->odb);
	if (rc < 0)
		return docs_fail(d, git_status(), _("unable to write a pack to the document repository: %s"),
				 dgit_why());
	return 0;
}

int dgit_sync(struct docs *d)
{
	char *refdir = xasprintf("%s/refs/docs", store_git_dir(d->s));
	int fd = open(refdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = fd >= 0 ? syncfs(fd) : -1;
	int e = errno;
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		rc = docs_fail(d, DOCS_STORE, _("unable to flush '%s' to disk: %s"), refdir, strerror(e));
	free(refdir);
	return rc;
}

void dgit_discard(struct docs *d)
{
	if (d->mempack)
		git_mempack_reset(d->mempack);
}

int dgit_commit_tree(struct docs *d, const git_oid *commit, git_oid *tree)
{
	int ready = dgit_ready(d);
	if (ready < 0)
		return ready;
	git_commit *c = NULL;
	if (git_commit_lookup(&c, d->repo, commit) < 0)
		return damaged(d, _("commit"), commit);
	git_oid_cpy(tree, git_commit_tree_id(c));
	git_commit_free(c);
	return 0;
}

/* Read one blob into a buffer. */
static int read_blob(struct docs *d, const git_oid *oid, struct buf *out)
{
	git_blob *b = NULL;
	if (git_blob_lookup(&b, d->repo, oid) < 0)
		return damaged(d, _("object"), oid);
	buf_add(out, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
	git_blob_free(b);
	return 0;
}

int dgit_read(struct docs *d, const git_oid *commit, struct docs_content *out)
{
	int ready = dgit_ready(d);
	if (ready < 0)
		return ready;
	git_commit *c = NULL;
	git_tree *t = NULL, *at = NULL;
	struct buf meta = BUF_INIT, err = BUF_INIT;
	int rc = DOCS_ERR;
	if (git_commit_lookup(&c, d->repo, commit) < 0 || git_commit_tree(&t, c) < 0) {
		rc = damaged(d, _("commit"), commit);
		goto out;
	}
	const git_tree_entry *e = git_tree_entry_byname(t, "meta.json");
	if (!e || (rc = read_blob(d, git_tree_entry_id(e), &meta)) < 0 ||
	    docs_meta_parse(out, meta.s, meta.len, &err) < 0) {
		if (!e || err.len)
			rc = docs_fail(d, DOCS_STORE,
				       _("the document repository '%s' is damaged: commit '%s' is not a document: %s"),
				       store_git_dir(d->s), git_oid_tostr_s(commit), err.len ? err.s : _("no meta.json"));
		goto out;
	}
	if ((e = git_tree_entry_byname(t, "body.md")) && (rc = read_blob(d, git_tree_entry_id(e), &out->body)) < 0)
		goto out;
	if ((e = git_tree_entry_byname(t, "attachments"))) {
		if (git_tree_lookup(&at, d->repo, git_tree_entry_id(e)) < 0) {
			rc = damaged(d, _("the attachments tree"), git_tree_entry_id(e));
			goto out;
		}
		for (size_t i = 0; i < git_tree_entrycount(at); i++) {
			const git_tree_entry *a = git_tree_entry_byindex(at, i);
			struct buf data = BUF_INIT;
			if ((rc = read_blob(d, git_tree_entry_id(a), &data)) < 0) {
				buf_release(&data);
				goto out;
			}
			docs_content_attach(out, git_tree_entry_name(a), data.s, data.len);
			buf_release(&data);
		}
	}
	rc = 0;
out:
	git_tree_free(at);
	git_tree_free(t);
	git_commit_free(c);
	buf_release(&meta);
	buf_release(&err);
	return rc;
}

/* "refs/docs/<id>" into a caller's buffer. */
static void ref_name(char *out, size_t n, const char *id)
{
	snprintf(out, n, "refs/docs/%s", id);
}

int dgit_ref_get(struct docs *d, const char *id, git_oid *out)
{
	int ready = dgit_ready(d);
	if (ready < 0)
		return ready;
	char name[64];
	ref_name(name, sizeof(name), id);
	int rc = git_reference_name_to_id(out, d->repo, name);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return docs_fail(d, git_status(), _("unable to read '%s': %s"), name, dgit_why());
	return 1;
}

/*
 * A ref update that someone else's lock (a git CLI run by an administrator)
 * makes fail is retried for up to two seconds before it is reported. The
 * caller holds the store's write lock, so no other docket is updating a
 * document ref: a lock file more than a second old was left by a docket
 * that was killed, and is removed.
 */
int dgit_ref_set(struct docs *d, const char *id, const git_oid *oid, const git_oid *old)
{
	int ready = dgit_ready(d);
	if (ready < 0)
		return ready;
	char name[64];
	ref_name(name, sizeof(name), id);
	int rc = 0;
	for (int attempt = 0; attempt < 100; attempt++) {
		git_reference *ref = NULL;
		rc = old ? git_reference_create_matching(&ref, d->repo, name, oid, 1, old, NULL)
			 : git_reference_create(&ref, d->repo, name, oid, 0, NULL);
		git_reference_free(ref);
		if (rc != GIT_ELOCKED)
			break;
		/* we hold the store's write lock: a lock file older than a second is stale */
		char *lock = xasprintf("%s/%s.lock", store_git_dir(d->s), name);
		struct stat st;
		if (attempt >= 10 && stat(lock, &st) == 0 && st.st_mtime + 1 < time(NULL))
			unlink(lock);
		free(lock);
		usleep(20000);
	}
	if (rc == GIT_EMODIFIED)
		/* under the write lock only docket moves these refs: someone else moved it */
		return docs_fail(d, DOCS_STORE,
				 _("'%s' is not where the store says the document is (it was moved outside docket); 'docket check' sets it back, then try again"),
				 name);
	if (rc < 0)
		return docs_fail(d, git_status(), _("unable to update '%s': %s"), name, dgit_why());
	return 0;
}

int dgit_ref_delete(struct docs *d, const char *id)
{
	int ready = dgit_ready(d);
	if (ready < 0)
		return ready;
	char name[64];
	ref_name(name, sizeof(name), id);
	int rc = git_reference_remove(d->repo, name);
	if (rc < 0 && rc != GIT_ENOTFOUND)
		return docs_fail(d, git_status(), _("unable to remove '%s': %s"), name, dgit_why());
	return 0;
}

int dgit_ref_foreach(struct docs *d, int (*fn)(void *ctx, const char *id, const git_oid *oid), void *ctx)
{
	int ready = dgit_ready(d);
	if (ready < 0)
		return ready;
	git_reference_iterator *it = NULL;
	if (git_reference_iterator_glob_new(&it, d->repo, "refs/docs/*") < 0)
		return docs_fail(d, git_status(), _("unable to list document refs: %s"), dgit_why());
	git_reference *ref;
	int rc, status = 0;
	while ((rc = git_reference_next(&ref, it)) == 0) {
		const git_oid *oid = git_reference_target(ref);
		const char *name = git_reference_name(ref) + strlen("refs/docs/");
		if (oid)
			status = fn(ctx, name, oid);
		git_reference_free(ref);
		if (status)
			break;
	}
	git_reference_iterator_free(it);
	if (!status && rc != GIT_ITEROVER)
		return docs_fail(d, git_status(), _("unable to list document refs: %s"), dgit_why());
	return status;
}

/* Does a file name in objects/pack belong to a finished pack? */
static int pack_file(const char *name)
{
	static const char *const ext[] = { ".pack", ".idx", ".keep", ".rev", ".bitmap", ".mtimes" };
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t e = strlen(ext[i]);
		if (n > e && !strcmp(name + n - e, ext[i]) && !strncmp(name, "pack-", 5))
			return 1;
	}
	return 0;
}

/*
 * Remove the lock files of document refs. Only a docket holding the
 * store's write lock writes these refs, and the caller holds it: a lock
 * file left now is from a docket killed mid-update.
 */
static void clean_ref_locks(struct docs *d)
{
	char *refdir = xasprintf("%s/refs/docs", store_git_dir(d->s));
	DIR *dir = opendir(refdir);
	struct dirent *e;
	while (dir && (e = readdir(dir))) {
		size_t n = strlen(e->d_name);
		if (n <= 5 || strcmp(e->d_name + n - 5, ".lock"))
			continue;
		char *p = xasprintf("%s/%s", refdir, e->d_name);
		unlink(p);
		free(p);
	}
	if (dir)
		closedir(dir);
	free(refdir);
}

void dgit_clean_tmp(struct docs *d)
{
	clean_ref_locks(d);
	dgit_clean_pack_tmp(d);
}

void dgit_clean_pack_tmp(struct docs *d)
{
	DIR *dir = opendir(d->pack_dir);
	if (!dir)
		return;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.' || pack_file(e->d_name) || !strcmp(e->d_name, "docket-saving"))
			continue; /* the marker goes only once reconciliation succeeded */
		char *p = xasprintf("%s/%s", d->pack_dir, e->d_name);
		unlink(p);
		free(p);
	}
	closedir(dir);
}

/* One pack on disk. */
struct pack {
	char *base;    /* path without ".pack" */
	off_t size;    /* bytes of the .pack file */
};

static int pack_cmp(const void *a, const void *b)
{
	const struct pack *x = a, *y = b;
	return x->size < y->size ? -1 : x->size > y->size;
}

/* Every pack, smallest first. */
static size_t list_packs(struct docs *d, struct pack **out)
{
	struct pack *v = NULL;
	size_t n = 0, alloc = 0;
	DIR *dir = opendir(d->pack_dir);
	struct dirent *e;
	while (dir && (e = readdir(dir))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".pack") || strncmp(e->d_name, "pack-", 5))
			continue;
		char *path = xasprintf("%s/%s", d->pack_dir, e->d_name);
		struct stat st;
		if (stat(path, &st) == 0) {
			ALLOC_GROW(v, n + 1, alloc);
			path[strlen(path) - 5] = 0;
			v[n].base = path;
			v[n++].size = st.st_size;
		} else {
			free(path);
		}
	}
	if (dir)
		closedir(dir);
	if (n)
		qsort(v, n, sizeof(*v), pack_cmp);
	*out = v;
	return n;
}

static void free_packs(struct pack *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].base);
	free(v);
}

int dgit_pack_count(struct docs *d, size_t *packs, size_t *loose)
{
	struct pack *v;
	size_t n = list_packs(d, &v);
	free_packs(v, n);
	if (packs)
		*packs = n;
	if (loose) {
		*loose = 0;
		char *objdir = xasprintf("%s/objects", store_git_dir(d->s));
		for (int i = 0; i < 256; i++) {
			char *sub = xasprintf("%s/%02x", objdir, i);
			DIR *dir = opendir(sub);
			struct dirent *e;
			while (dir && (e = readdir(dir)))
				*loose += e->d_name[0] != '.';
			if (dir)
				closedir(dir);
			free(sub);
		}
		free(objdir);
	}
	return 0;
}

/* An object id with the name of the tree entry that points to it. */
struct named {
	git_oid oid;      /* the object */
	const char *name; /* a tree entry name for the delta heuristics, or NULL */
};

static int named_cmp(const void *a, const void *b)
{
	return git_oid_cmp(&((const struct named *)a)->oid, &((const struct named *)b)->oid);
}

/* Append the object ids listed in a version 2 pack index. */
static int read_idx(const char *base, struct named **v, size_t *n, size_t *alloc)
{
	char *path = xasprintf("%s.idx", base);
	struct buf b = BUF_INIT;
	int rc = read_file(path, (size_t)1 << 31, &b);
	free(path);
	const unsigned char *p = (const unsigned char *)b.s;
	if (rc < 0 || b.len < 8 + 1024 || memcmp(p, "\377tOc\0\0\0\2", 8)) {
		buf_release(&b);
		return -1;
	}
	const unsigned char *f = p + 8 + 255 * 4;
	size_t count = (size_t)f[0] << 24 | (size_t)f[1] << 16 | (size_t)f[2] << 8 | f[3];
	if (b.len < 8 + 1024 + count * 20) {
		buf_release(&b);
		return -1;
	}
	ALLOC_GROW(*v, *n + count, *alloc);
	for (size_t i = 0; i < count; i++) {
		git_oid_fromraw(&(*v)[*n].oid, p + 8 + 1024 + i * 20);
		(*v)[(*n)++].name = NULL;
	}
	buf_release(&b);
	return 0;
}

/*
 * Give each blob and subtree in the set the name a tree in the set uses for
 * it, so the pack builder places versions of the same file side by side
 * and deltas them against each other.
 */
static void name_objects(struct docs *d, struct named *v, size_t n, git_tree ***keep, size_t *nkeep)
{
	size_t alloc = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len;
		git_object_t type;
		if (git_odb_read_header(&len, &type, d->odb, &v[i].oid) < 0 || type != GIT_OBJECT_TREE)
			continue;
		git_tree *t;
		if (git_tree_lookup(&t, d->repo, &v[i].oid) < 0)
			continue;
		for (size_t k = 0; k < git_tree_entrycount(t); k++) {
			const git_tree_entry *e = git_tree_entry_byindex(t, k);
			struct named key = { *git_tree_entry_id(e), NULL };
			struct named *hit = bsearch(&key, v, n, sizeof(*v), named_cmp);
			if (hit && !hit->name)
				hit->name = git_tree_entry_name(e);
		}
		ALLOC_GROW(*keep, *nkeep + 1, alloc);
		(*keep)[(*nkeep)++] = t; /* the names point into it */
	}
}

/*
 * Write the objects of packs [0, count) as one pack, then delete them. With
 * `all`, everything reachable from the document refs goes into the new pack and
 * every old pack is deleted (unreachable objects are dropped).
 */
static int rollup(struct docs *d, struct pack *p, size_t count, int all)
{
	git_packbuilder *pb = NULL;
	struct named *v = NULL;
	size_t n = 0, alloc = 0;
	git_tree **trees = NULL;
	size_t ntrees = 0;
	git_revwalk *walk = NULL;
	int rc = git_packbuilder_new(&pb, d->repo);
	if (rc == 0)
		/* a roll-up of small packs is quick: threads would cost more than they gain */
		git_packbuilder_set_threads(pb, all ? 0 : 1);
	if (rc == 0 && all) {
		rc = git_revwalk_new(&walk, d->repo);
		if (rc == 0)
			rc = git_revwalk_push_glob(walk, "refs/docs/*");
		if (rc == 0)
			rc = git_packbuilder_insert_walk(pb, walk);
	} else if (rc == 0) {
		for (size_t i = 0; i < count; i++)
			if (read_idx(p[i].base, &v, &n, &alloc) < 0) {
				git_packbuilder_free(pb);
				free(v);
				return docs_fail(d, DOCS_STORE,
						 _("the document repository '%s' is damaged: unable to read the pack index '%s.idx'; restore documents.git from a backup, or rebuild the index with 'git index-pack'"),
						 store_git_dir(d->s), p[i].base);
			}
		qsort(v, n, sizeof(*v), named_cmp);
		name_objects(d, v, n, &trees, &ntrees);
		for (size_t i = 0; i < n && rc == 0; i++)
			if (i == 0 || git_oid_cmp(&v[i].oid, &v[i - 1].oid))
				rc = git_packbuilder_insert(pb, &v[i].oid, v[i].name);
	}
	if (rc == 0 && git_packbuilder_object_count(pb) > 0)
		rc = git_packbuilder_write(pb, d->pack_dir, 0, NULL, NULL);
	char keep_name[GIT_OID_HEXSZ + 1] = "";
	if (rc == 0 && git_packbuilder_object_count(pb) > 0)
		git_oid_tostr(keep_name, sizeof(keep_name), git_packbuilder_hash(pb));
	git_revwalk_free(walk);
	git_packbuilder_free(pb);
	for (size_t i = 0; i < ntrees; i++)
		git_tree_free(trees[i]);
	free(trees);
	free(v);
	if (rc < 0)
		return docs_fail(d, git_status(), _("unable to repack the document repository: %s"), dgit_why());
	/* the new pack is complete and fsynced: the old ones can go, index first */
	for (size_t i = 0; i < count; i++) {
		if (keep_name[0] && strstr(p[i].base, keep_name))
			continue; /* the same objects again: the same pack name */
		char *idx = xasprintf("%s.idx", p[i].base), *pk = xasprintf("%s.pack", p[i].base);
		unlink(idx);
		unlink(pk);
		free(idx);
		free(pk);
	}
	git_odb_refresh(d->odb);
	return 0;
}

int dgit_repack(struct docs *d, int all)
{
	int ready = dgit_ready(d);
	if (ready < 0)
		return ready;
	dgit_clean_pack_tmp(d);
	struct pack *p;
	size_t n = list_packs(d, &p);
	int rc = 0;
	if (all) {
		rc = n > 0 ? rollup(d, p, n, 1) : 0;
		free_packs(p, n);
		return rc;
	}
	if (n <= DGIT_PACKS_BEFORE_ROLLUP) {
		free_packs(p, n);
		return 0;
	}
	/*
	 * Geometric progression with factor 2 (git repack --geometric=2): from
	 * the largest pack down, find the first that is less than twice the
	 * next smaller one; it and everything smaller are rolled up, and the
	 * roll-up grows over larger packs it is not yet half of.
	 */
	size_t split = 0;
	for (size_t i = n - 1; i > 0; i--)
		if (p[i].size < 2 * p[i - 1].size) {
			split = i + 1;
			break;
		}
	off_t sum = 0;
	for (size_t i = 0; i < split; i++)
		sum += p[i].size;
	while (split < n && p[split].size < 2 * sum)
		sum += p[split++].size;
	if (split >= 2)
		rc = rollup(d, p, split, 0);
	free_packs(p, n);
	return rc;
}
