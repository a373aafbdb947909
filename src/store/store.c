/*
 * store: creating and opening a store, its connection settings,
 * transactions, and the messages for everything that can go wrong on disk.
 *
 * The schema lives in store_migrate.c, the event log in store_event.c and
 * deployed definitions in store_def.c.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "../util/fsutil.h"
#include "../util/gitlib.h"
#include "../util/i18n.h"
#include "../util/xalloc.h"
#include "store_internal.h"
#include "store_sql.h"

/* The SQL of each cached statement, indexed by enum store_stmt. */
static const char *const stmt_sql[ST__COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_EVENT_FIND] = "SELECT seq FROM events WHERE uuid = ?1",
	[ST_EVENT_LAST] = "SELECT seq, hash, made_at FROM events ORDER BY seq DESC LIMIT 1",
	[ST_EVENT_INSERT] =
		"INSERT INTO events (uuid, type, actor, on_behalf, def_version, made_at,"
		" base_seq, payload, prev_hash, hash)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[ST_EVENT_INSERT_SIGNED] =
		"INSERT INTO events (uuid, type, actor, on_behalf, def_version, made_at,"
		" base_seq, payload, prev_hash, hash, key_id, sig)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	[ST_EVENT_COUNT] = "SELECT count(*) FROM events",
	[ST_EVENT_BY_UUID] = "SELECT seq, uuid, type, actor, on_behalf, def_version, made_at, base_seq, payload,"
			     " key_id, sig FROM events WHERE uuid = ?1",
	[ST_EVENT_BY_SEQ] = "SELECT seq, uuid, type, actor, on_behalf, def_version, made_at, base_seq, payload,"
			    " key_id, sig FROM events WHERE seq = ?1",
	[ST_DEF_CURRENT] =
		"SELECT version, hash FROM def_versions WHERE kind = ?1 AND id = ?2 AND current = 1",
	[ST_DEF_FIND] =
		"SELECT version FROM def_versions WHERE kind = ?1 AND id = ?2 AND hash = ?3",
	[ST_DEF_INSERT] =
		"INSERT INTO def_versions (kind, id, name, hash, source, deployed_at,"
		" deployed_by, current, content, event_seq)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?9)",
	[ST_DEF_UNSET_CURRENT] =
		"UPDATE def_versions SET current = 0 WHERE kind = ?1 AND id = ?2 AND current = 1",
	[ST_DEF_SET_CURRENT] = "UPDATE def_versions SET current = 1 WHERE version = ?1",
	[ST_DEF_GET] =
		"SELECT version, kind, id, name, hash, source, deployed_at, deployed_by, content"
		" FROM def_versions WHERE kind = ?1 AND id = ?2 AND current = 1",
	[ST_DEF_GET_HASH] =
		"SELECT version, kind, id, name, hash, source, deployed_at, deployed_by, content, current"
		" FROM def_versions WHERE hash = ?1 ORDER BY version LIMIT 1",
};

int store_fail(struct store *s, int status, const char *fmt, ...)
{
	va_list ap;
	buf_reset(&s->err);
	va_start(ap, fmt);
	buf_vaddf(&s->err, fmt, ap);
	va_end(ap);
	s->err_status = status;
	return status;
}

sqlite3_stmt *store_stmt(struct store *s, enum store_stmt id)
{
	return store_sql_prepared(s, stmt_sql[id]);
}

int store_pragma_int(struct store *s, const char *sql, int *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int(st, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return store_sql_status(s, rc, _("read the database header"));
	return 0;
}

int store_need_tx(struct store *s, const char *what)
{
	if (s->tx_file)
		return 1;
	store_fail(s, STORE_ERR, _("store '%s': %s needs an open transaction (call store_begin first)"),
		   s->dir, what);
	return 0;
}

char *store_default_dir(void)
{
	const char *v = getenv("DOCKET_STORE");
	if (v && *v)
		return xstrdup(v);
	v = getenv("XDG_DATA_HOME");
	if (v && *v == '/') /* relative values are ignored, as the XDG spec says */
		return xasprintf("%s/docket", v);
	v = getenv("HOME");
	if (!v || !*v) {
		struct passwd *pw = getpwuid(getuid());
		v = pw && pw->pw_dir ? pw->pw_dir : ".";
	}
	return xasprintf("%s/.local/share/docket", v);
}

static void store_resolve_dir(struct store *s);

/* A store struct for `dir` with its paths filled in and nothing opened. */
static struct store *store_new(const char *dir, int readonly)
{
	struct store *s = xcalloc(1, sizeof(*s));
	s->dir = xstrdup(dir);
	s->db_path = xasprintf("%s/docket.db", dir);
	s->git_path = xasprintf("%s/documents.git", dir);
	s->witness_path = xasprintf("%s/witness", dir);
	s->kind = -1;
	s->server = -1;
	s->undo = -1;
	s->readonly = readonly;
	buf_init(&s->err);
	store_resolve_dir(s);
	return s;
}

/*
 * SQLite's SQLITE_OPEN_NOFOLLOW refuses a symbolic link anywhere in the
 * path it is given, and a ~/.local that is a link is common. The store's
 * directory is the user's to choose, links and all: the database is
 * opened by the directory's real path, so NOFOLLOW refuses only what is
 * unsafe — docket.db itself being a link (doc/store.md, "Symbolic links").
 * Called again once init has made the directory.
 */
static void store_resolve_dir(struct store *s)
{
	char *real = realpath(s->dir, NULL);
	if (!real)
		return;
	free(s->db_path);
	s->db_path = xasprintf("%s/docket.db", real);
	free(real);
}

/* libgit2's last error message, or a fallback. */
static const char *git_why(void)
{
	if (gitlib_out_of_memory())
		return _("out of memory; nothing was changed (close other programs, then try again)");
	const git_error *e = git_error_last();
	return e && e->message ? e->message : _("unknown error");
}

/* Read DOCKET_SYNC: 2 (FULL, the default) or 1 (NORMAL); -1 if invalid. */
static int sync_level(struct store *s)
{
	const char *v = getenv("DOCKET_SYNC");
	if (!v || !*v || !strcmp(v, "full"))
		return 2;
	if (!strcmp(v, "normal"))
		return 1;
	return store_fail(s, STORE_ERR, _("invalid DOCKET_SYNC '%s': use 'full' or 'normal'"), v);
}

/* Read DOCKET_BUSY_TIMEOUT_MS (default 5000); -1 if invalid. */
static int busy_timeout_ms(struct store *s)
{
	const char *v = getenv("DOCKET_BUSY_TIMEOUT_MS");
	if (!v || !*v)
		return 5000;
	char *end;
	errno = 0;
	long ms = strtol(v, &end, 10);
	if (errno || *end || ms < 0 || ms > 3600000)
		return store_fail(s, STORE_ERR,
				  _("invalid DOCKET_BUSY_TIMEOUT_MS '%s': give milliseconds (0 to 3600000)"),
				  v);
	return (int)ms;
}

/* Settings every connection gets before it reads anything. */
/* docket_rewriting_tail(): 1 while store_event_truncate removes the tail, else 0. */
static void rewriting_tail(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	const struct store *s = sqlite3_user_data(ctx);
	sqlite3_result_int(ctx, s->rewriting);
}

static int connection_setup(struct store *s)
{
	int ms = busy_timeout_ms(s);
	if (ms < 0)
		return STORE_ERR;
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, ms);
	/* refuse schema tricks: no writable_schema, no untrusted SQL functions */
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	/* the one door in the log's immutability: sync's rebase taking this terminal's tail off (store_undo.c) */
	int rc = sqlite3_create_function(s->db, "docket_rewriting_tail", 0, SQLITE_UTF8 | SQLITE_INNOCUOUS, s,
					 rewriting_tail, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_sql_status(s, rc, _("open the database"));
	return 0;
}

/* WAL, foreign keys and the durability level, for a connection that writes. */
static int write_setup(struct store *s)
{
	int level = sync_level(s);
	if (level < 0)
		return STORE_ERR;
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1, &st, NULL);
	int wal = 0;
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *mode = (const char *)sqlite3_column_text(st, 0);
		wal = mode && !strcmp(mode, "wal");
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return store_sql_status(s, rc, _("read the journal mode"));
	/* switching needs a lock; an existing store is already in WAL */
	if (!wal && (rc = sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL)) != SQLITE_OK)
		return store_sql_status(s, rc, _("switch to write-ahead logging"));
	rc = sqlite3_exec(s->db, level == 2 ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
			  NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_sql_status(s, rc, _("set the durability level"));
	return 0;
}

/* Foreign keys are per connection, for readers too (it costs nothing). */
static int foreign_keys_on(struct store *s)
{
	int rc = sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : store_sql_status(s, rc, _("turn on foreign keys"));
}

/*
 * quick_check reads every page, so it costs time linear in the store: 5 ms
 * new, 130 ms at 200k events, 1.8 s at 100k requests — far past what a
 * person waits for the inbox. Damage comes from an unclean end (power loss,
 * kill, a full disk), and a clean close of the last connection checkpoints
 * and removes the WAL file. So check when a non-empty WAL is there (the
 * last writer did not close cleanly, or another docket is running), or
 * always with DOCKET_QUICK_CHECK=always; `docket check` checks everything.
 */
static int quick_check(struct store *s);

int store_quick_check(struct store *s)
{
	return quick_check(s);
}

static int need_quick_check(const struct store *s)
{
	const char *env = getenv("DOCKET_QUICK_CHECK");
	if (env && !strcmp(env, "always"))
		return 1;
	if (env && !strcmp(env, "never"))
		return 0;
	struct buf wal = BUF_INIT;
	buf_addf(&wal, "%s-wal", s->db_path);
	struct stat st;
	int dirty = stat(wal.s, &st) == 0 && st.st_size > 0;
	buf_release(&wal);
	return dirty;
}

/* PRAGMA quick_check: 0 when it says "ok", else STORE_CORRUPT with its first findings. */
static int quick_check(struct store *s)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, "PRAGMA quick_check(3)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_sql_status(s, rc, _("check the database"));
	struct buf found = BUF_INIT;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(st, 0);
		if (line && !strcmp(line, "ok"))
			continue;
		if (found.len)
			buf_adds(&found, "; ");
		buf_adds(&found, line ? line : "?");
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		buf_release(&found);
		return store_sql_status(s, rc, _("check the database"));
	}
	if (found.len) {
		store_fail(s, STORE_CORRUPT, _("store '%s' is damaged: %s (restore it from a backup; see doc/store.md)"),
			   s->dir, found.s);
		buf_release(&found);
		return STORE_CORRUPT;
	}
	return 0;
}

/* The application id and schema version: is this a store we can use? */
static int check_header(struct store *s)
{
	int app = 0, version = 0;
	int rc = store_pragma_int(s, "PRAGMA application_id", &app);
	if (rc < 0)
		return rc;
	if ((unsigned)app != STORE_APPLICATION_ID)
		return store_fail(s, STORE_CORRUPT,
				  _("'%s' is not a docket store: its database was not written by docket"),
				  s->dir);
	if ((rc = store_pragma_int(s, "PRAGMA user_version", &version)) < 0)
		return rc;
	if (version > STORE_SCHEMA_VERSION)
		return store_fail(s, STORE_TOO_NEW,
				  _("store '%s' was written by a newer docket (schema %d; this docket knows %d)"),
				  s->dir, version, STORE_SCHEMA_VERSION);
	if (version < 1)
		return store_fail(s, STORE_CORRUPT,
				  _("store '%s' is damaged: its schema was never created (restore it from a backup; see doc/store.md)"),
				  s->dir);
	s->schema = version;
	return 0;
}

/*
 * The document repository must be there and look like a bare git
 * repository (HEAD, objects/, refs/: what git itself checks). It is opened
 * only when a document is read or written (gitlib.h says why).
 */
static int check_git(struct store *s)
{
	if (!is_dir(s->git_path))
		return store_fail(s, STORE_CORRUPT,
				  _("store '%s' is damaged: its document repository '%s' is missing (restore it from a backup; see doc/store.md)"),
				  s->dir, s->git_path);
	static const char *const need[] = { "HEAD", "objects", "refs" };
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		char *p = xasprintf("%s/%s", s->git_path, need[i]);
		int ok = i == 0 ? file_exists(p) : is_dir(p);
		free(p);
		if (!ok)
			return store_fail(s, STORE_CORRUPT,
					  _("store '%s' is damaged: document repository '%s': %s is missing (restore it from a backup; see doc/store.md)"),
					  s->dir, s->git_path, need[i]);
	}
	return 0;
}

/* Percent-encode a path for an SQLite "file:" URI. */
static void uri_path(struct buf *out, const char *path)
{
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#' || *p < 0x20 || *p == 0x7f)
			buf_addf(out, "%%%02X", *p);
		else
			buf_addch(out, *p);
	}
}

/*
 * Open the database file. A reader on a directory it cannot write (a
 * backup on read-only media) cannot create the WAL index; when no WAL file
 * holds unfinished commits, it opens the file as immutable instead.
 */
static int open_db(struct store *s)
{
	int flags = s->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	struct buf name = BUF_INIT;
	char *wal = xasprintf("%s-wal", s->db_path);
	if (s->readonly && access(s->dir, W_OK) < 0 && !file_exists(wal)) {
		buf_adds(&name, "file:");
		uri_path(&name, s->db_path);
		buf_adds(&name, "?immutable=1");
		flags |= SQLITE_OPEN_URI;
	} else {
		buf_adds(&name, s->db_path);
	}
	free(wal);
	int rc = sqlite3_open_v2(name.s, &s->db, flags | SQLITE_OPEN_NOFOLLOW, NULL);
	buf_release(&name);
	if (rc != SQLITE_OK) {
		struct stat st;
		if ((rc & 0xff) == SQLITE_CANTOPEN && lstat(s->db_path, &st) == 0 && S_ISLNK(st.st_mode))
			return store_fail(s, STORE_CORRUPT,
					  _("store '%s': docket.db is a symbolic link, which docket does not follow "
					    "(put the database file itself in the store)"),
					  s->dir);
		if ((rc & 0xff) == SQLITE_CANTOPEN && access(s->db_path, R_OK) < 0)
			return store_fail(s, STORE_ERR, _("unable to read store '%s': %s"), s->dir,
					  strerror(errno));
		return store_sql_status(s, rc, _("open the database"));
	}
	if ((rc = connection_setup(s)) < 0)
		return rc;
	if (!s->readonly && (sqlite3_db_readonly(s->db, "main") == 1 || access(s->dir, W_OK) < 0))
		return store_fail(s, STORE_READONLY,
				  _("store '%s' is read-only: unable to write '%s' (check its permissions; reading "
				    "verbs such as show, inbox and doc show still work)"),
				  s->dir, s->db_path);
	return 0;
}

/*
 * Everything store_open does, on a store struct: refuse what is not a
 * usable store before writing a single byte, then set the connection up
 * and bring an older schema up to date.
 */
static int open_store(struct store *s)
{
	if (!is_dir(s->dir) || !file_exists(s->db_path))
		return store_fail(s, STORE_MISSING, _("no store at '%s'"), s->dir);
	int rc;
	if ((rc = open_db(s)) < 0)
		return rc;
	if ((rc = check_header(s)) < 0)
		return rc;
	if (need_quick_check(s) && (rc = quick_check(s)) < 0)
		return rc;
	if ((rc = check_git(s)) < 0)
		return rc;
	if ((rc = foreign_keys_on(s)) < 0)
		return rc;
	if (s->readonly) {
		if (s->schema < STORE_SCHEMA_VERSION)
			return store_fail(s, STORE_NEEDS_UPGRADE,
					  _("store '%s' needs an upgrade (schema %d; this docket knows %d): open it once for writing to upgrade it"),
					  s->dir, s->schema, STORE_SCHEMA_VERSION);
		return 0;
	}
	if ((rc = write_setup(s)) < 0)
		return rc;
	return store_migrate(s, STORE_SCHEMA_VERSION);
}

int store_media_readonly(const char *dir)
{
	struct statvfs vfs;
	if (statvfs(dir, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
		return 1;
	char *db = xasprintf("%s/docket.db", dir);
	/* access() answers for this user: root passes a chmod, never a read-only mount */
	int ro = (access(dir, W_OK) < 0 && (errno == EROFS || errno == EACCES)) ||
		 (access(db, W_OK) < 0 && (errno == EROFS || errno == EACCES));
	free(db);
	return ro;
}

int store_open(const char *dir, int readonly, struct store **out, struct buf *err)
{
	*out = NULL;
	struct store *s = store_new(dir, readonly);
	int rc = open_store(s);
	if (rc < 0) {
		buf_adds(err, s->err.s);
		store_close(s);
		return rc;
	}
	*out = s;
	return STORE_OK;
}

/* fsync a file or directory by path. */
static int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

/* Remove a half-built database and whatever SQLite left beside it. */
static void remove_db_files(const char *path)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		char *p = xasprintf("%s%s", path, suffix[i]);
		unlink(p);
		free(p);
	}
}

/*
 * Build the database under a temporary name, then link it into place as
 * docket.db: the store exists only once it is complete, and link() (unlike
 * rename) refuses to replace a store someone made meanwhile.
 */
static int init_db(struct store *s, int version)
{
	/* beside docket.db's real path (store_resolve_dir), which SQLite opens */
	char *tmp = xasprintf("%.*s/.docket.db.init-XXXXXX",
			      (int)(strlen(s->db_path) - strlen("/docket.db")), s->db_path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int rc = store_fail(s, errno == EROFS || errno == EACCES ? STORE_READONLY : STORE_ERR,
				    _("unable to create store '%s': %s"), s->dir, strerror(errno));
		free(tmp);
		return rc;
	}
	close(fd);
	int rc = sqlite3_open_v2(tmp, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc != SQLITE_OK) {
		rc = store_sql_status(s, rc, _("create the database"));
		goto fail;
	}
	if ((rc = connection_setup(s)) < 0 || (rc = write_setup(s)) < 0 || (rc = foreign_keys_on(s)) < 0)
		goto fail;
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", STORE_APPLICATION_ID);
	if ((rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL)) != SQLITE_OK) {
		rc = store_sql_status(s, rc, _("create the database"));
		goto fail;
	}
	if ((rc = store_migrate(s, version)) < 0)
		goto fail;
	store_sql_finalize_all(s);
	rc = sqlite3_close(s->db); /* checkpoints the WAL into the file and removes it */
	s->db = NULL;
	if (rc != SQLITE_OK) {
		rc = store_fail(s, STORE_ERR, _("unable to create store '%s': %s"), s->dir,
				sqlite3_errstr(rc));
		goto fail;
	}
	if (fsync_path(tmp) < 0) {
		rc = store_fail(s, errno == ENOSPC ? STORE_FULL : STORE_ERR,
				_("unable to create store '%s': %s"), s->dir, strerror(errno));
		goto fail;
	}
	if (link(tmp, s->db_path) < 0) {
		rc = errno == EEXIST
			     ? store_fail(s, STORE_ERR, _("store '%s' already exists"), s->dir)
			     : store_fail(s, STORE_ERR, _("unable to create store '%s': %s"), s->dir,
					  strerror(errno));
		goto fail;
	}
	unlink(tmp);
	free(tmp);
	fsync_path(s->dir);
	return 0;
fail:
	if (s->db) {
		store_sql_finalize_all(s);
		sqlite3_close(s->db);
		s->db = NULL;
	}
	remove_db_files(tmp);
	free(tmp);
	return rc;
}

int store_init_at_version(const char *dir, int version, struct buf *err)
{
	struct store *s = store_new(dir, 0);
	int rc;
	if (version < 1 || version > STORE_SCHEMA_VERSION) {
		rc = store_fail(s, STORE_ERR, _("unable to create store '%s': no schema version %d"),
				dir, version);
		goto out;
	}
	if (mkdir_p(dir, 0700) < 0) {
		rc = store_fail(s, errno == EROFS || errno == EACCES ? STORE_READONLY : STORE_ERR,
				_("unable to create store '%s': %s"), dir, strerror(errno));
		goto out;
	}
	store_resolve_dir(s);
	if (file_exists(s->db_path)) {
		rc = store_fail(s, STORE_ERR, _("store '%s' already exists"), dir);
		goto out;
	}
	/*
	 * The repository first: without docket.db it is not a store yet. A
	 * documents.git that is there already (an init cut short) is made
	 * again in place, but a symbolic link or a file planted in its place
	 * is refused: libgit2 would write through it.
	 */
	struct stat gst;
	if (lstat(s->git_path, &gst) == 0 && !S_ISDIR(gst.st_mode)) {
		rc = store_fail(s, STORE_ERR, _("unable to create store '%s': '%s' is not a directory (a symbolic link is not followed)"),
				dir, s->git_path);
		goto out;
	}
	git_repository *repo = NULL;
	if (gitlib_start() < 0 || git_repository_init(&repo, s->git_path, 1) < 0) {
		rc = store_fail(s, STORE_ERR, _("unable to create the document repository '%s': %s"),
				s->git_path, git_why());
		goto out;
	}
	git_repository_free(repo);
	rc = init_db(s, version);
out:
	if (rc < 0)
		buf_adds(err, s->err.s);
	store_close(s);
	return rc;
}

int store_init(const char *dir, struct buf *err)
{
	return store_init_at_version(dir, STORE_SCHEMA_VERSION, err);
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->db && s->tx_file) {
		/* a caller bug: say where, and keep the store as it was */
		fprintf(stderr, "docket: BUG: transaction begun at %s:%d was never committed; rolled back\n",
			s->tx_file, s->tx_line);
		store_rollback(s);
	}
	store_undo_stop(s);
	store_sql_finalize_all(s); /* every module's statements: they are the store's */
	if (s->db)
		sqlite3_close(s->db);
	buf_release(&s->err);
	free(s->dir);
	free(s->db_path);
	free(s->git_path);
	free(s->witness_path);
	free(s);
}

const char *store_error(const struct store *s)
{
	return s->err.s;
}

int store_error_status(const struct store *s)
{
	return s->err_status;
}

const char *store_dir(const struct store *s)
{
	return s->dir;
}

const char *store_git_dir(const struct store *s)
{
	return s->git_path;
}

int store_schema_version(const struct store *s)
{
	return s->schema;
}

struct sqlite3 *store_sqlite(struct store *s)
{
	return s->db;
}

/* Roll back, keeping the message of what made it necessary (the rollback must not overwrite it). */
static void rollback_keeping_message(struct store *s)
{
	struct buf msg = BUF_INIT;
	buf_adds(&msg, s->err.s);
	store_rollback(s);
	buf_reset(&s->err);
	buf_adds(&s->err, msg.s);
	buf_release(&msg);
}

int store_begin_at(struct store *s, const char *file, int line)
{
	if (s->tx_file)
		return store_fail(s, STORE_ERR,
				  _("store '%s': a transaction is already open (begun at %s:%d)"), s->dir,
				  s->tx_file, s->tx_line);
	if (s->readonly)
		return store_fail(s, STORE_READONLY, _("store '%s' is read-only: it was opened for reading"),
				  s->dir);
	sqlite3_stmt *st = store_stmt(s, ST_BEGIN);
	if (!st)
		return STORE_ERR;
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_sql_status(s, rc, _("begin a transaction"));
	s->tx_file = file;
	s->tx_line = line;
	s->undo_held = 0;
	if ((rc = store_undo_start(s)) < 0) {
		rollback_keeping_message(s);
		return rc;
	}
	return 0;
}

int store_commit(struct store *s)
{
	if (!s->tx_file)
		return store_fail(s, STORE_ERR, _("store '%s': no transaction to commit"), s->dir);
	/* the undo journal's last chunk, in the transaction it describes */
	int urc = store_undo_commit(s);
	if (urc < 0) {
		rollback_keeping_message(s);
		return urc;
	}
	/* what the witness will say, read inside the transaction that made it */
	struct store_witness w;
	int witness = s->appended && store_witness_head(s, &w) == 1;
	s->appended = 0;
	sqlite3_stmt *st = store_stmt(s, ST_COMMIT);
	int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
	if (st)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		int status = st ? store_sql_status(s, rc, _("commit")) : STORE_ERR;
		rollback_keeping_message(s);
		return status;
	}
	s->tx_file = NULL;
	s->tx_line = 0;
	/* after the commit point, never before: the witness may lag the log, never lead it */
	if (witness)
		store_witness_write(s, &w);
	return 0;
}

void store_rollback(struct store *s)
{
	if (!s->tx_file)
		return;
	s->tx_file = NULL;
	s->tx_line = 0;
	s->appended = 0;
	store_undo_stop(s);
	/* statements that are mid-step would make ROLLBACK fail */
	store_sql_reset_all(s);
	if (sqlite3_get_autocommit(s->db))
		return; /* SQLite already rolled back (e.g. after SQLITE_FULL) */
	sqlite3_stmt *st = store_stmt(s, ST_ROLLBACK);
	if (st) {
		sqlite3_step(st);
		sqlite3_reset(st);
	}
}

int store_savepoint(struct store *s)
{
	if (!store_need_tx(s, _("a savepoint")))
		return STORE_ERR;
	int rc = sqlite3_exec(s->db, "SAVEPOINT docket_step", NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : store_sql_status(s, rc, _("begin a transaction"));
}

int store_savepoint_end(struct store *s, int keep)
{
	if (!store_need_tx(s, _("a savepoint")))
		return STORE_ERR;
	if (!keep) {
		/* statements that are mid-step would make ROLLBACK TO fail */
		store_sql_reset_all(s);
		int rc = sqlite3_exec(s->db, "ROLLBACK TO docket_step", NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return store_sql_status(s, rc, _("roll back"));
	}
	int rc = sqlite3_exec(s->db, "RELEASE docket_step", NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : store_sql_status(s, rc, _("commit"));
}

sqlite3 *store_db(struct store *s)
{
	return s->db;
}

int store_in_tx(const struct store *s)
{
	return s->tx_file != NULL;
}

static const char *const kind_names[] = { "production", "test", "demo" };

const char *store_kind_name(enum store_kind k)
{
	return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "production";
}

enum store_kind store_kind(struct store *s)
{
	if (s->kind >= 0)
		return (enum store_kind)s->kind;
	int status = 0;
	char *v = store_sql_str(s, &status, "SELECT value FROM store_meta WHERE key = 'kind'", "");
	enum store_kind k = STORE_KIND_PRODUCTION;
	for (size_t i = 0; v && i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (!strcmp(v, kind_names[i]))
			k = (enum store_kind)i;
	free(v);
	if (status == 0)
		s->kind = (int)k; /* chosen once, before the first event: read once */
	return k;
}

/* Who orders the log: 0 this store, 1 it is a server's, 2 a server's (a terminal that syncs). */
static int orders(struct store *s)
{
	if (s->server >= 0)
		return s->server;
	int status = 0;
	char *v = store_sql_str(s, &status, "SELECT value FROM store_meta WHERE key = 'orders'", "");
	int o = !v ? 0 : !strcmp(v, "server") ? 1 : !strcmp(v, "synced") ? 2 : 0;
	free(v);
	if (status == 0)
		s->server = o;
	return o;
}

int store_is_server(struct store *s)
{
	return orders(s) == 1;
}

int store_set_synced(struct store *s)
{
	if (!store_need_tx(s, _("ordering the log by a server")))
		return STORE_ERR;
	s->server = -1;
	return store_sql_run(s, "INSERT OR IGNORE INTO store_meta (key, value) VALUES ('orders', 'synced')", "");
}

int store_set_server(struct store *s)
{
	int rc = store_begin(s);
	if (rc < 0)
		return rc;
	s->server = -1;
	rc = store_sql_run(s, "INSERT OR REPLACE INTO store_meta (key, value) VALUES ('orders', 'server')", "");
	if (rc < 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s);
}

int store_times_ordered(struct store *s)
{
	return store_kind(s) == STORE_KIND_PRODUCTION && !orders(s);
}

int store_set_kind(struct store *s, enum store_kind k)
{
	int rc = store_begin(s);
	if (rc < 0)
		return rc;
	int64_t n = store_event_count(s);
	if (n != 0) {
		store_rollback(s);
		return n < 0 ? STORE_ERR
			     : store_fail(s, STORE_ERR, _("store '%s' has events: its kind is chosen when it is made"),
					  s->dir);
	}
	s->kind = -1;
	rc = store_sql_run(s, "INSERT OR REPLACE INTO store_meta (key, value) VALUES ('kind', ?1)", "s",
			   store_kind_name(k));
	if (rc < 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s);
}
