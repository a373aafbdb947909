/*
 * The store: creating and opening, everything a damaged, foreign, newer,
 * older, busy or read-only store does, the event log's idempotency and hash
 * chain, and deployed definitions with Chinese text. Each test runs in its
 * own directory under /tmp, removed afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/eng_internal.h"
#include "store/store.h"
#include "store/store_sql.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/fsutil.h"
#include "util/hash.h"
#include "util/xalloc.h"

#define NOW "2026-03-02T01:30:00Z"

/* --- helpers ------------------------------------------------------------ */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* Each test gets a fresh directory; the store goes in DIR/s. */
static int setup(void **state)
{
	char tmpl[] = "/tmp/docket-store-XXXXXX";
	if (!mkdtemp(tmpl))
		return -1;
	*state = xstrdup(tmpl);
	unsetenv("DOCKET_BUSY_TIMEOUT_MS");
	unsetenv("DOCKET_SYNC");
	return 0;
}

static int teardown(void **state)
{
	char *dir = *state;
	char *cmd = xasprintf("chmod -R u+rwX '%s'", dir);
	if (system(cmd) != 0) { /* undo a read-only test; harmless otherwise */
	}
	free(cmd);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
	return 0;
}

/* DIR/name, freed by the caller */
static char *path_in(void **state, const char *name)
{
	return xasprintf("%s/%s", (char *)*state, name);
}

/* A new store at DIR/s; returns its path. */
static char *new_store(void **state)
{
	char *dir = path_in(state, "s");
	struct buf err = BUF_INIT;
	int rc = store_init(dir, &err);
	if (rc != STORE_OK)
		fail_msg("store_init: %s", err.s);
	buf_release(&err);
	return dir;
}

static struct store *open_ok(const char *dir, int readonly)
{
	struct store *s = NULL;
	struct buf err = BUF_INIT;
	int rc = store_open(dir, readonly, &s, &err);
	if (rc != STORE_OK)
		fail_msg("store_open '%s': %s", dir, err.s);
	buf_release(&err);
	return s;
}

/* Open expecting failure `want`; the message must contain `needle`. */
static void open_fails(const char *dir, int readonly, int want, const char *needle)
{
	struct store *s = (struct store *)1;
	struct buf err = BUF_INIT;
	int rc = store_open(dir, readonly, &s, &err);
	if (rc != want || !strstr(err.s, needle))
		fail_msg("store_open '%s': got %d '%s', want %d with '%s'", dir, rc, err.s, want, needle);
	assert_null(s);
	buf_release(&err);
}

/* Run SQL on the store's database through a connection of our own. */
static void raw_exec(const char *dir, const char *sql)
{
	char *db = xasprintf("%s/docket.db", dir);
	sqlite3 *h;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	char *msg = NULL;
	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("raw sql '%s': %s", sql, msg);
	sqlite3_close(h);
	free(db);
}

/* The first column of the first row, as an integer (-1 if no row). */
static int64_t raw_int(const char *dir, const char *sql)
{
	char *db = xasprintf("%s/docket.db", dir);
	sqlite3 *h;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	sqlite3_close(h);
	free(db);
	return v;
}

/* The schema (sqlite_master, by name) as text, one line per object. */
static char *raw_schema(const char *dir)
{
	char *db = xasprintf("%s/docket.db", dir);
	sqlite3 *h;
	sqlite3_stmt *st;
	struct buf out = BUF_INIT;
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT type, name, tbl_name, ifnull(sql, '') FROM sqlite_master"
					    " ORDER BY name", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		buf_addf(&out, "%s %s %s %s\n", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
			 sqlite3_column_text(st, 2), sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	sqlite3_close(h);
	free(db);
	return buf_detach(&out);
}

/* Whether SQLite's plan for sql uses the index named. */
static int plan_uses(const char *dir, const char *sql, const char *index)
{
	char *db = xasprintf("%s/docket.db", dir), *q = xasprintf("EXPLAIN QUERY PLAN %s", sql);
	sqlite3 *h;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, q, -1, &st, NULL), SQLITE_OK);
	int found = 0;
	while (sqlite3_step(st) == SQLITE_ROW)
		found |= strstr((const char *)sqlite3_column_text(st, 3), index) != NULL;
	sqlite3_finalize(st);
	sqlite3_close(h);
	free(q);
	free(db);
	return found;
}

/* The bytes of a file. */
static void slurp(const char *path, struct buf *out)
{
	buf_reset(out);
	if (read_file(path, 64 << 20, out) < 0)
		fail_msg("unable to read '%s'", path);
}

static void write_bytes(const char *path, const void *data, size_t len, off_t at, int trunc)
{
	int fd = open(path, O_WRONLY | O_CREAT | (trunc ? O_TRUNC : 0), 0644);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, data, len, at), (ssize_t)len);
	close(fd);
}

/* An event with a fresh uuid (written into `uuid`). */
static struct store_event event(char uuid[37], const char *payload)
{
	uuid_v4(uuid);
	struct store_event ev = { uuid, "test.happened", "wang.fang", NULL, NULL, NOW, 0, payload, NULL, NULL };
	return ev;
}

/* Deploy one definition in its own transaction; returns store_def_deploy's answer. */
static int deploy(struct store *s, const char *kind, const char *id, const char *name, const char *text)
{
	char uuid[37], hash[HASH_HEX_LEN + 1];
	uuid_v4(uuid);
	hash_sm3_hex(text, strlen(text), hash);
	assert_int_equal(store_begin(s), 0);
	int rc = store_def_deploy(s, uuid, "luo.bin", NOW, kind, id, name, hash, "workflows/x.yaml", text,
				  strlen(text));
	if (rc < 0) {
		store_rollback(s);
		return rc;
	}
	assert_int_equal(store_commit(s), 0);
	return rc;
}

struct listing {
	struct buf text; /* "kind/id/name/version/current\n" per row */
	int n;           /* rows seen */
};

static int list_cb(void *ctx, const struct store_def *d)
{
	struct listing *l = ctx;
	buf_addf(&l->text, "%s/%s/%s/%lld/%d\n", d->kind, d->id, d->name ? d->name : "-",
		 (long long)d->version, d->current);
	assert_null(d->content);
	l->n++;
	return 0;
}

static void list(struct store *s, int all, struct listing *l)
{
	buf_reset(&l->text);
	l->n = 0;
	assert_int_equal(store_def_list(s, all, list_cb, l), 0);
}

/* --- creating and opening ----------------------------------------------- */

static void test_init_and_open(void **state)
{
	char *dir = new_store(state);
	struct store *s = open_ok(dir, 0);
	assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
	assert_string_equal(store_dir(s), dir);
	char *git = xasprintf("%s/documents.git", dir);
	assert_string_equal(store_git_dir(s), git);
	assert_int_equal(store_event_count(s), 0);
	int64_t bad = -1;
	assert_int_equal(store_event_verify(s, &bad), 0);
	store_close(s);
	/* closing leaves the database and the repository, nothing else */
	char *cmd = xasprintf("test -z \"$(ls -A '%s' | grep -v -x -e docket.db -e documents.git)\"", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);

	/* the real git reads the repository, and finds nothing wrong */
	cmd = xasprintf("test \"$(git --git-dir='%s' rev-parse --is-bare-repository)\" = true", git);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	cmd = xasprintf("git --git-dir='%s' fsck --strict >/dev/null 2>&1", git);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	/* the database is WAL with our application id; nothing else is left over */
	assert_int_equal(raw_int(dir, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(dir, "PRAGMA application_id"), 0x444F434B);
	free(git);
	free(dir);
}

static void test_init_refuses_existing_store(void **state)
{
	char *dir = new_store(state);
	char *db = xasprintf("%s/docket.db", dir);
	struct buf before = BUF_INIT, after = BUF_INIT, err = BUF_INIT;
	slurp(db, &before);
	assert_int_equal(store_init(dir, &err), STORE_ERR);
	assert_non_null(strstr(err.s, "already exists"));
	assert_non_null(strstr(err.s, dir));
	slurp(db, &after);
	assert_true(before.len == after.len && !memcmp(before.s, after.s, before.len));
	buf_release(&before);
	buf_release(&after);
	buf_release(&err);
	free(db);
	free(dir);
}

/* A directory left by a failed init (repository, no database) is not a store, and init can retry. */
static void test_half_store_is_missing_and_init_retries(void **state)
{
	char *dir = path_in(state, "half");
	char *cmd = xasprintf("mkdir -p '%s' && git init -q --bare '%s/documents.git'", dir, dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	open_fails(dir, 0, STORE_MISSING, "no store at");
	struct buf err = BUF_INIT;
	assert_int_equal(store_init(dir, &err), STORE_OK);
	buf_release(&err);
	store_close(open_ok(dir, 0));
	free(dir);
}

static void test_open_missing(void **state)
{
	char *dir = path_in(state, "nowhere");
	open_fails(dir, 0, STORE_MISSING, "no store at '");
	open_fails(dir, 1, STORE_MISSING, "nowhere");
	free(dir);
	open_fails((char *)*state, 0, STORE_MISSING, "no store at"); /* exists, but empty */
}

static void test_foreign_sqlite_is_refused_and_unchanged(void **state)
{
	char *dir = new_store(state);
	char *db = xasprintf("%s/docket.db", dir);
	unlink(db);
	sqlite3 *h;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "CREATE TABLE t (x); INSERT INTO t VALUES ('审批');", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(h);
	struct buf before = BUF_INIT, after = BUF_INIT;
	slurp(db, &before);
	open_fails(dir, 0, STORE_CORRUPT, "is not a docket store");
	open_fails(dir, 1, STORE_CORRUPT, "is not a docket store");
	slurp(db, &after);
	assert_true(before.len == after.len && !memcmp(before.s, after.s, before.len));
	buf_release(&before);
	buf_release(&after);
	free(db);
	free(dir);
}

static void test_garbage_file_is_refused_and_unchanged(void **state)
{
	char *dir = new_store(state);
	char *db = xasprintf("%s/docket.db", dir);
	struct buf junk = BUF_INIT, after = BUF_INIT;
	for (int i = 0; i < 500; i++)
		buf_adds(&junk, "这不是数据库 not a database\n");
	write_bytes(db, junk.s, junk.len, 0, 1);
	open_fails(dir, 0, STORE_CORRUPT, "is damaged");
	open_fails(dir, 1, STORE_CORRUPT, "restore it from a backup");
	slurp(db, &after);
	assert_true(junk.len == after.len && !memcmp(junk.s, after.s, junk.len));
	/* an empty file is an empty SQLite database: not a store either */
	write_bytes(db, "", 0, 0, 1);
	open_fails(dir, 0, STORE_CORRUPT, "is not a docket store");
	buf_release(&junk);
	buf_release(&after);
	free(db);
	free(dir);
}

/* A store with enough definitions to span many pages. */
static char *big_store(void **state)
{
	char *dir = new_store(state);
	struct store *s = open_ok(dir, 0);
	for (int i = 0; i < 40; i++) {
		struct buf text = BUF_INIT;
		char id[16];
		snprintf(id, sizeof(id), "wf%02d", i);
		buf_addf(&text, "kind: workflow\nid: %s\nname: 请假%d\n", id, i);
		for (int j = 0; j < 60; j++)
			buf_addf(&text, "# 第%d行 审批意见 %d\n", j, i);
		assert_int_equal(deploy(s, "workflow", id, "请假", text.s), 0);
		buf_release(&text);
	}
	store_close(s);
	return dir;
}

static void test_truncated_store(void **state)
{
	char *dir = big_store(state);
	char *db = xasprintf("%s/docket.db", dir);
	struct stat st;
	assert_int_equal(stat(db, &st), 0);
	assert_true(st.st_size > 20 * 4096);
	assert_int_equal(truncate(db, st.st_size / 2), 0);
	open_fails(dir, 0, STORE_CORRUPT, "is damaged");
	free(db);
	free(dir);
}

static void test_overwritten_store(void **state)
{
	char *dir = big_store(state);
	char *db = xasprintf("%s/docket.db", dir);
	struct stat st;
	assert_int_equal(stat(db, &st), 0);
	char junk[3 * 4096];
	memset(junk, 0xA5, sizeof(junk));
	/* three pages from the middle: b-tree pages of def_versions and events */
	write_bytes(db, junk, sizeof(junk), (st.st_size / 2) & ~(off_t)4095, 0);
	/* a check on open finds it (forced here; by default after an unclean end) */
	setenv("DOCKET_QUICK_CHECK", "always", 1);
	open_fails(dir, 0, STORE_CORRUPT, "restore it from a backup");
	unsetenv("DOCKET_QUICK_CHECK");
	/* while another connection has WAL frames (an unclean end looks the same) */
	sqlite3 *h;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	sqlite3_exec(h, "PRAGMA journal_mode=WAL; CREATE TABLE scratch (a)", NULL, NULL, NULL);
	open_fails(dir, 1, STORE_CORRUPT, "restore it from a backup");
	sqlite3_close(h);
	/* after a clean close the open is cheap, and the damage is met on use */
	struct store *s;
	struct buf err = BUF_INIT;
	int rc = store_open(dir, 1, &s, &err);
	if (rc == STORE_OK) {
		rc = store_quick_check(s);
		if (rc != STORE_CORRUPT || !strstr(store_error(s), "damaged"))
			fail_msg("checking a damaged store: got %d '%s'", rc, store_error(s));
		store_close(s);
	} else if (rc != STORE_CORRUPT) {
		fail_msg("store_open: got %d '%s'", rc, err.s);
	}
	buf_release(&err);
	free(db);
	free(dir);
}

static void test_too_new_is_refused_and_unchanged(void **state)
{
	char *dir = new_store(state);
	raw_exec(dir, "PRAGMA user_version = 99");
	char *db = xasprintf("%s/docket.db", dir);
	struct buf before = BUF_INIT, after = BUF_INIT;
	slurp(db, &before);
	char needle[96];
	snprintf(needle, sizeof(needle), "was written by a newer docket (schema 99; this docket knows %d)",
		 STORE_SCHEMA_VERSION);
	open_fails(dir, 0, STORE_TOO_NEW, needle);
	open_fails(dir, 1, STORE_TOO_NEW, "newer docket");
	slurp(db, &after);
	assert_true(before.len == after.len && !memcmp(before.s, after.s, before.len));
	assert_int_equal(raw_int(dir, "PRAGMA user_version"), 99);
	buf_release(&before);
	buf_release(&after);
	free(db);
	free(dir);
}

static void test_missing_repository_is_damage(void **state)
{
	char *dir = new_store(state);
	char *cmd = xasprintf("rm -rf '%s/documents.git'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	open_fails(dir, 0, STORE_CORRUPT, "document repository");
	free(dir);
}

/* A repository without what makes it one is damage too, found at open without starting libgit2. */
static void test_broken_repository_is_damage(void **state)
{
	static const char *const parts[] = { "HEAD", "objects", "refs" };
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		char *dir = new_store(state);
		char *cmd = xasprintf("rm -rf '%s/documents.git/%s'", dir, parts[i]);
		assert_int_equal(system(cmd), 0);
		free(cmd);
		char *want = xasprintf("%s is missing", parts[i]);
		open_fails(dir, 0, STORE_CORRUPT, want);
		open_fails(dir, 1, STORE_CORRUPT, want);
		free(want);
		cmd = xasprintf("rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
		free(cmd);
		free(dir);
	}
}

/* --- migrations ---------------------------------------------------------- */

static void test_migration_from_v1(void **state)
{
	char *dir = path_in(state, "old");
	struct buf err = BUF_INIT;
	assert_int_equal(store_init_at_version(dir, 1, &err), STORE_OK);
	assert_int_equal(raw_int(dir, "PRAGMA user_version"), 1);
	assert_int_equal(raw_int(dir, "SELECT count(*) FROM sqlite_master WHERE name = 'events'"), 0);
	const char *text = "kind: workflow\nid: leave\nname: 请假\n";
	char hash[HASH_HEX_LEN + 1];
	hash_sm3_hex(text, strlen(text), hash);
	char *sql = sqlite3_mprintf(
		"INSERT INTO def_versions (kind, id, name, hash, source, deployed_at, deployed_by, current, content)"
		" VALUES ('workflow', 'leave', '请假', %Q, 'workflows/leave.yaml', '2026-01-05T01:00:00Z', '王芳', 1, %Q)",
		hash, text);
	raw_exec(dir, sql);
	sqlite3_free(sql);

	/* a reader may not upgrade; it is told how */
	open_fails(dir, 1, STORE_NEEDS_UPGRADE, "open it once for writing to upgrade it");
	assert_int_equal(raw_int(dir, "PRAGMA user_version"), 1);

	struct store *s = open_ok(dir, 0);
	assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
	struct listing l = { BUF_INIT, 0 };
	list(s, 0, &l);
	assert_string_equal(l.text.s, "workflow/leave/请假/1/1\n");
	assert_int_equal(store_event_count(s), 1);
	int64_t bad = -1;
	assert_int_equal(store_event_verify(s, &bad), 0);
	struct store_def d;
	assert_int_equal(store_def_get(s, "workflow", "leave", &d), 0);
	assert_string_equal(d.content, text);
	assert_string_equal(d.deployed_by, "王芳");
	store_def_release(&d);
	/* later deployments chain on to the backfilled event */
	assert_int_equal(deploy(s, "workflow", "leave", "请假（新）", "kind: workflow\nid: leave\nname: 请假（新）\n"), 0);
	assert_int_equal(store_event_verify(s, &bad), 0);
	store_close(s);

	assert_int_equal(raw_int(dir, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(dir, "SELECT event_seq FROM def_versions WHERE version = 1"), 1);
	assert_int_equal(raw_int(dir, "SELECT count(*) FROM events WHERE seq = 1 AND actor = '王芳'"
				      " AND made_at = '2026-01-05T01:00:00Z' AND type = 'definition.deployed'"
				      " AND json_extract(payload, '$.backfilled') = 1"),
			 1);
	/* opening again changes nothing */
	store_close(open_ok(dir, 0));
	assert_int_equal(raw_int(dir, "SELECT count(*) FROM events"), 2);
	buf_release(&l.text);
	buf_release(&err);
	free(dir);
}

/* Every engine row, in a fixed column order, as text. */
static void engine_rows(const char *dir, struct buf *out)
{
	static const char *const q[] = {
		"SELECT id, uuid, workflow, wf_hash, form_hash, org_hash, applicant, title, state, data,"
		" doc_number, archived, resume_step, submit_seq, created_seq, updated_seq FROM eng_instances",
		"SELECT instance, step, prev, since_seq FROM eng_active",
		"SELECT instance, step, split, expected, arrived, since_seq FROM eng_joins",
		"SELECT id, instance, step, assignee, on_behalf, kind, state, extra, resumes, after_task, decision,"
		" opinion, ord, deadline, next_remind, timed_out, reminders, created_seq, decided_seq, decided_by"
		" FROM eng_tasks",
		"SELECT instance, step, prev, seq FROM eng_visited",
		"SELECT instance, seq, n, step, actor, on_behalf, action, detail, opinion, made_at FROM eng_trail",
		"SELECT organ, year, last FROM eng_counters",
		"SELECT user, text, uses, last_seq FROM eng_opinions",
		"SELECT user, standin, from_day, to_day, workflow, seq FROM eng_standins",
	};
	char *db = xasprintf("%s/docket.db", dir);
	sqlite3 *h;
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		sqlite3_stmt *st;
		assert_int_equal(sqlite3_prepare_v2(h, q[i], -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++)
				buf_addf(out, "%s|", sqlite3_column_text(st, c) ? (const char *)sqlite3_column_text(st, c) : "-");
			buf_addch(out, '\n');
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	free(db);
}

/*
 * Schema 5 rebuilds the engine's tables (WITHOUT ROWID, partial timer
 * indexes): a v4 store keeps every row, and the integrity check stays
 * clean (SQLite 3.40 reports false NULLs in a WITHOUT ROWID table whose
 * key columns are not first — eng_standins' were not).
 */
static void test_migration_v4_engine_tables(void **state)
{
	char *dir = path_in(state, "v4");
	struct buf err = BUF_INIT, before = BUF_INIT, after = BUF_INIT;
	assert_int_equal(store_init_at_version(dir, 4, &err), STORE_OK);
	raw_exec(dir,
		 "INSERT INTO eng_instances (id, uuid, workflow, wf_hash, form_hash, org_hash, applicant, title,"
		 " state, data, doc_number, submit_seq, created_seq, updated_seq) VALUES ('abc', 'u-1', 'leave',"
		 " 'w', 'f', 'o', 'zhang.wei', '请假 - 张伟', 'running', '{\"days\":2}', '示政办发〔2026〕1号', 1, 1, 3);"
		 "INSERT INTO eng_active VALUES ('abc', 'review', NULL, 2);"
		 "INSERT INTO eng_joins VALUES ('abc', 'join', 'split', 2, 1, 2);"
		 "INSERT INTO eng_tasks (id, instance, step, assignee, kind, state, deadline, next_remind, created_seq)"
		 " VALUES ('t1', 'abc', 'review', 'huang.wei', 'approve', 'pending', 100, 50, 2);"
		 "INSERT INTO eng_tasks (id, instance, step, assignee, kind, state, decision, opinion, created_seq,"
		 " decided_seq, decided_by) VALUES ('t2', 'abc', 'check', 'li.na', 'approve', 'done', 'approve',"
		 " '同意', 2, 3, 'li.na');"
		 "INSERT INTO eng_visited VALUES ('abc', 'review', NULL, 2);"
		 "INSERT INTO eng_trail VALUES ('abc', 3, 0, 'check', 'li.na', NULL, 'approved', NULL, '同意', 1000);"
		 "INSERT INTO eng_counters VALUES ('示政办发', 2026, 1);"
		 "INSERT INTO eng_opinions VALUES ('li.na', '同意', 4, 3);"
		 "INSERT INTO eng_standins VALUES ('huang.wei', 'li.na', '2026-03-01', '2026-03-05', NULL, 4);");
	engine_rows(dir, &before);
	assert_int_equal(raw_int(dir, "PRAGMA user_version"), 4);

	struct store *s = open_ok(dir, 0);
	assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
	assert_int_equal(store_quick_check(s), 0);
	store_close(s);
	engine_rows(dir, &after);
	assert_string_equal(after.s, before.s);
	assert_int_equal(raw_int(dir, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'eng_%' AND type = 'table'"
				      " AND sql NOT LIKE '%WITHOUT ROWID'"),
			 0);
	assert_int_equal(raw_int(dir, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'old_%'"), 0);
	/* only pending tasks with a time are in the timer index, keyed by when they are due */
	assert_int_equal(raw_int(dir, "SELECT count(*) FROM eng_tasks INDEXED BY eng_tasks_due WHERE " ENG_TASK_TIMED),
			 1);
	assert_int_equal(raw_int(dir, "SELECT count(*) FROM sqlite_master WHERE name IN"
				      " ('eng_tasks_deadline', 'eng_tasks_remind')"),
			 0);
	/* `docket tick` finds what is due through it, not by reading every task */
	assert_true(plan_uses(dir, "SELECT id FROM eng_tasks WHERE " ENG_TASK_TIMED " AND " ENG_TASK_DUE " <= 60",
			      "eng_tasks_due"));
	/* references still hold: a task of a request that does not exist is refused */
	char *db = xasprintf("%s/docket.db", dir);
	sqlite3 *h;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	sqlite3_exec(h, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	assert_int_not_equal(sqlite3_exec(h, "INSERT INTO eng_tasks (id, instance, step, assignee, kind, state,"
					     " created_seq) VALUES ('t3', 'nosuch', 's', 'u', 'approve', 'pending', 5)",
					     NULL, NULL, NULL),
			     SQLITE_OK);
	sqlite3_close(h);
	free(db);
	buf_release(&before);
	buf_release(&after);
	buf_release(&err);
	free(dir);
}

/* The schema of a store, as text, to compare two stores. */
static void schema_text(const char *dir, struct buf *out)
{
	char *db = xasprintf("%s/docket.db", dir);
	sqlite3 *h;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT type, name, sql FROM sqlite_master ORDER BY name", -1,
					    &st, NULL),
			 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		buf_addf(out, "%s %s: %s\n", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
			 sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : "");
	sqlite3_finalize(st);
	sqlite3_close(h);
	free(db);
}

/*
 * The steps of every module (the store's, documents', the engine's) make
 * one sequence: a store left at any version upgrades to exactly the schema
 * of a new one.
 */
static void test_every_version_upgrades(void **state)
{
	char *fresh = new_store(state);
	char *want = raw_schema(fresh);
	for (int v = 1; v < STORE_SCHEMA_VERSION; v++) {
		char name[16];
		snprintf(name, sizeof(name), "v%d", v);
		char *dir = path_in(state, name);
		struct buf err = BUF_INIT;
		assert_int_equal(store_init_at_version(dir, v, &err), STORE_OK);
		assert_int_equal(raw_int(dir, "PRAGMA user_version"), v);
		struct store *s = open_ok(dir, 0);
		assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
		store_close(s);
		char *got = raw_schema(dir);
		if (strcmp(got, want))
			fail_msg("from schema %d:\n%s\nwant:\n%s", v, got, want);
		free(got);
		buf_release(&err);
		free(dir);
	}
	free(want);
	free(fresh);
}

/* tests/fixtures/store-v1.sql makes exactly the v1 schema, and upgrades. */
static void test_fixture_v1(void **state)
{
	struct buf sql = BUF_INIT;
	if (read_file("tests/fixtures/store-v1.sql", 1 << 20, &sql) < 0) {
		buf_release(&sql);
		skip(); /* run from the top of the source tree */
	}
	char *want_dir = path_in(state, "v1");
	char *dir = path_in(state, "fixture");
	struct buf err = BUF_INIT;
	assert_int_equal(store_init_at_version(want_dir, 1, &err), STORE_OK);
	char *cmd = xasprintf("mkdir -p '%s' && git init -q --bare '%s/documents.git'", dir, dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	raw_exec(dir, sql.s);
	struct buf want = BUF_INIT, got = BUF_INIT;
	schema_text(want_dir, &want);
	schema_text(dir, &got);
	assert_string_equal(got.s, want.s);
	assert_int_equal(raw_int(dir, "PRAGMA application_id"), raw_int(want_dir, "PRAGMA application_id"));
	assert_int_equal(raw_int(dir, "PRAGMA user_version"), 1);

	struct store *s = open_ok(dir, 0);
	struct listing l = { BUF_INIT, 0 };
	list(s, 1, &l);
	assert_string_equal(l.text.s, "form/leave/请假申请单/3/1\n"
				      "workflow/leave/请假/1/0\n"
				      "workflow/leave/请假（修订）/2/1\n");
	assert_int_equal(store_event_count(s), 3);
	int64_t bad = -1;
	assert_int_equal(store_event_verify(s, &bad), 0);
	/* the fixture's hashes are real: redeploying its content is a no-op */
	assert_int_equal(deploy(s, "workflow", "leave", "请假（修订）",
				"kind: workflow\nid: leave\nname: 请假（修订）\n"),
			 1);
	store_close(s);
	buf_release(&l.text);
	buf_release(&want);
	buf_release(&got);
	buf_release(&sql);
	buf_release(&err);
	free(dir);
	free(want_dir);
}

/* --- transactions and locks ------------------------------------------------ */

static void test_busy(void **state)
{
	char *dir = new_store(state);
	setenv("DOCKET_BUSY_TIMEOUT_MS", "100", 1);
	struct store *s = open_ok(dir, 0);
	char *db = xasprintf("%s/docket.db", dir);
	sqlite3 *other;
	assert_int_equal(sqlite3_open(db, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(store_begin(s), STORE_BUSY);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	assert_true(ms >= 90 && ms < 2000);
	char *want = xasprintf("store '%s' is busy: another docket process is writing (try again)", dir);
	assert_string_equal(store_error(s), want);
	free(want);
	/* a reader is never blocked by the writer (WAL) */
	struct listing l = { BUF_INIT, 0 };
	list(s, 1, &l);

	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	assert_int_equal(store_begin(s), 0);
	store_rollback(s);
	store_close(s);
	buf_release(&l.text);
	unsetenv("DOCKET_BUSY_TIMEOUT_MS");
	free(db);
	free(dir);
}

static void test_nested_begin_and_stray_commit(void **state)
{
	char *dir = new_store(state);
	struct store *s = open_ok(dir, 0);
	assert_int_equal(store_commit(s), STORE_ERR);
	assert_non_null(strstr(store_error(s), "no transaction"));
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_begin(s), STORE_ERR);
	assert_non_null(strstr(store_error(s), "already open (begun at "));
	assert_non_null(strstr(store_error(s), "test_store.c:"));
	store_rollback(s);
	store_rollback(s); /* harmless */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_commit(s), 0);
	store_close(s);
	free(dir);
}

static void test_readonly(void **state)
{
	char *dir = new_store(state);
	struct store *s = open_ok(dir, 0);
	assert_int_equal(deploy(s, "form", "leave", "请假单", "kind: form\nid: leave\nname: 请假单\n"), 0);
	store_close(s);

	/* opened for reading: every write is refused cleanly */
	s = open_ok(dir, 1);
	assert_int_equal(store_begin(s), STORE_READONLY);
	assert_non_null(strstr(store_error(s), "is read-only"));
	char uuid[37];
	struct store_event ev = event(uuid, "{}");
	assert_int_equal(store_event_append(s, &ev, NULL), STORE_ERR);
	struct listing l = { BUF_INIT, 0 };
	list(s, 0, &l);
	assert_int_equal(l.n, 1);
	store_close(s);

	if (geteuid() == 0) {
		/* root ignores permissions: the read-only files cannot be tested here */
		buf_release(&l.text);
		free(dir);
		return;
	}
	char *cmd = xasprintf("chmod 0444 '%s/docket.db' && chmod 0555 '%s'", dir, dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	open_fails(dir, 0, STORE_READONLY, "is read-only");
	/* a reader still reads it (read-only media, a backup) */
	s = open_ok(dir, 1);
	list(s, 0, &l);
	assert_int_equal(l.n, 1);
	store_close(s);
	buf_release(&l.text);
	free(dir);
}

static void test_bad_environment(void **state)
{
	char *dir = new_store(state);
	setenv("DOCKET_SYNC", "sometimes", 1);
	open_fails(dir, 0, STORE_ERR, "invalid DOCKET_SYNC 'sometimes'");
	setenv("DOCKET_SYNC", "normal", 1);
	store_close(open_ok(dir, 0));
	unsetenv("DOCKET_SYNC");
	setenv("DOCKET_BUSY_TIMEOUT_MS", "soon", 1);
	open_fails(dir, 0, STORE_ERR, "invalid DOCKET_BUSY_TIMEOUT_MS 'soon'");
	unsetenv("DOCKET_BUSY_TIMEOUT_MS");
	free(dir);
}

/* --- the event log -------------------------------------------------------- */

static void test_event_idempotent(void **state)
{
	char *dir = new_store(state);
	struct store *s = open_ok(dir, 0);
	char uuid[37];
	struct store_event ev = event(uuid, "{\"意见\":\"同意\"}");
	int64_t seq = 0;
	assert_int_equal(store_event_append(s, &ev, &seq), STORE_ERR); /* no transaction */
	assert_non_null(strstr(store_error(s), "needs an open transaction"));

	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_event_append(s, &ev, &seq), 0);
	assert_int_equal(seq, 1);
	seq = 0;
	assert_int_equal(store_event_append(s, &ev, &seq), 1);
	assert_int_equal(seq, 1);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_event_count(s), 1);

	/* again in a later transaction, even with another payload: still a no-op */
	struct store_event again = ev;
	again.payload = "{\"意见\":\"不同意\"}";
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_event_append(s, &again, NULL), 1);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_event_count(s), 1);

	/* a rolled-back append leaves nothing */
	char uuid2[37];
	struct store_event ev2 = event(uuid2, "{}");
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_event_append(s, &ev2, NULL), 0);
	store_rollback(s);
	assert_int_equal(store_event_count(s), 1);

	/* what the log refuses */
	static const struct {
		const char *uuid, *type, *made_at, *payload, *msg;
	} bad[] = {
		{ "not-a-uuid", "t", NOW, "{}", "not a lowercase canonical uuid" },
		{ "0F3C8A4E-1B2C-4D5E-8F90-A1B2C3D4E5F6", "t", NOW, "{}", "not a lowercase" },
		{ "0f3c8a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6", "", NOW, "{}", "no type" },
		{ "0f3c8a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6", "t", "昨天", "{}", "invalid time '昨天'" },
		{ "0f3c8a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6", "t", NOW, "[1]", "not a JSON object" },
		{ "0f3c8a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6", "t", NOW, "{\"a\":1,\"a\":2}", "not a JSON object" },
		{ "0f3c8a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6", "t", NOW, "{", "not a JSON object" },
	};
	assert_int_equal(store_begin(s), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct store_event b = { bad[i].uuid, bad[i].type, "wang.fang", NULL, NULL, bad[i].made_at, 0,
					 bad[i].payload, NULL, NULL };
		int rc = store_event_append(s, &b, NULL);
		if (rc != STORE_ERR || !strstr(store_error(s), bad[i].msg))
			fail_msg("case %zu: got %d '%s'", i, rc, store_error(s));
	}
	store_rollback(s);
	assert_int_equal(store_event_count(s), 1);
	store_close(s);
	free(dir);
}

/*
 * A production store's time never goes back: store_event_time gives the
 * last event's time when the clock is behind it, and an append earlier
 * than the event before is refused; a test store keeps the time it is given.
 */
static void test_event_time_never_goes_back(void **state)
{
	char *dir = new_store(state); /* store_init: a production store */
	struct store *s = open_ok(dir, 0);
	time_t t;
	assert_int_equal(clock_parse_iso(NOW, &t), 0);
	char uuid[37];
	struct store_event ev = event(uuid, "{}");
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_event_time(s, t - 3600), t - 3600); /* empty log: the clock's */
	assert_int_equal(store_event_append(s, &ev, NULL), 0);
	assert_int_equal(store_event_time(s, t - 3600), t); /* the clock went back an hour */
	assert_int_equal(store_event_time(s, t + 60), t + 60);
	char uuid2[37];
	struct store_event back = event(uuid2, "{}");
	back.made_at = "2026-03-02T00:30:00Z";
	assert_int_equal(store_event_append(s, &back, NULL), STORE_ERR);
	assert_non_null(strstr(store_error(s), "is before the time of the event before it (" NOW ")"));
	assert_int_equal(store_event_append(s, &ev, NULL), 1); /* a retry of the same event is no new time */
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_event_verify(s, NULL), 0);
	store_close(s);
	free(dir);
}

/*
 * A server's log orders events made on many terminals with their makers'
 * times: an event made offline an hour earlier than the last one the
 * server sequenced is appended, and the log verifies (docketd would
 * otherwise answer every late push with an error).
 */
static void test_server_log_keeps_makers_times(void **state)
{
	char *dir = new_store(state); /* a production store */
	struct store *s = open_ok(dir, 0);
	assert_int_equal(store_times_ordered(s), 1);
	assert_int_equal(store_set_server(s), 0);
	assert_int_equal(store_is_server(s), 1);
	assert_int_equal(store_times_ordered(s), 0);
	char uuid[37], uuid2[37];
	struct store_event ev = event(uuid, "{}");
	struct store_event late = event(uuid2, "{}");
	late.made_at = "2026-03-02T00:30:00Z";
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_event_append(s, &ev, NULL), 0);
	assert_int_equal(store_event_append(s, &late, NULL), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_event_verify(s, NULL), 0);
	store_close(s);
	s = open_ok(dir, 0); /* the flag is kept in the store */
	assert_int_equal(store_is_server(s), 1);
	store_close(s);
	free(dir);
}

/*
 * A terminal that syncs keeps its makers' times too (its log is in the
 * server's order): an event pulled from a terminal whose clock is behind
 * is appended, and store_event_time no longer pushes this terminal's
 * actions forward to another terminal's clock.
 */
static void test_synced_log_keeps_makers_times(void **state)
{
	char *dir = new_store(state); /* a production store */
	struct store *s = open_ok(dir, 0);
	time_t t;
	assert_int_equal(clock_parse_iso(NOW, &t), 0);
	char uuid[37], uuid2[37];
	struct store_event ev = event(uuid, "{}");
	struct store_event late = event(uuid2, "{}");
	late.made_at = "2026-03-02T00:30:00Z";
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_set_synced(s), 0);
	assert_int_equal(store_event_append(s, &ev, NULL), 0);
	assert_int_equal(store_event_append(s, &late, NULL), 0);
	assert_int_equal(store_event_time(s, t - 3600), t - 3600);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_times_ordered(s), 0);
	assert_int_equal(store_is_server(s), 0);
	assert_int_equal(store_event_verify(s, NULL), 0);
	store_close(s);
	free(dir);
}

/*
 * The log's one door: only store_event_truncate removes events (any other
 * DELETE is refused by the trigger, here and in the sqlite3 shell, which
 * lacks the function), the chain holds after events are appended again,
 * and a row naming a removed event by sequence follows it to its new one;
 * one left naming a removed event fails the commit.
 */
static void test_tail_taken_off_and_appended_again(void **state)
{
	char *dir = new_store(state);
	struct store *s = open_ok(dir, 0);
	deploy(s, "workflow", "leave", "请假", "kind: workflow\nid: leave\n"); /* event 1, named by def_versions */
	char u[3][37];
	struct store_event ev[3];
	int64_t seq[3];
	assert_int_equal(store_begin(s), 0);
	for (int i = 0; i < 3; i++) {
		ev[i] = event(u[i], "{}");
		assert_int_equal(store_event_append(s, &ev[i], &seq[i]), 0);
	}
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_sql_run(s, "DELETE FROM events WHERE seq = 4", ""), STORE_ERR);
	/* the tail after event 1 off; events 3 and 2 again, in another order; 4 dropped */
	struct store_event dep;
	assert_int_equal(store_event_by_seq(s, 1, &dep), 1);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_event_truncate(s, 0), 0); /* even the deployment, which def_versions names */
	int64_t again = 0;
	assert_int_equal(store_event_named(s, 1), 1);
	assert_int_equal(store_event_named(s, 2), 0);
	assert_int_equal(store_event_reappend(s, &ev[1], seq[1], &again), 0);
	assert_int_equal(again, 1);
	assert_int_equal(store_event_reappend(s, &dep, 1, &again), 0);
	assert_int_equal(again, 2);
	assert_int_equal(store_event_reappend(s, &ev[0], seq[0], &again), 0);
	assert_int_equal(store_commit(s), 0);
	int64_t n = 0;
	assert_int_equal(store_sql_int(s, &n, "SELECT event_seq FROM def_versions", ""), 1);
	assert_int_equal(n, 2);
	assert_int_equal(store_event_count(s), 3);
	assert_int_equal(store_event_verify(s, NULL), 0);
	struct store_witness w;
	int64_t last = 0;
	assert_int_equal(store_witness_check(s, &w, &last), STORE_WITNESS_HOLDS);
	assert_int_equal(w.seq, 3);
	/* dropping the deployment's event, which def_versions names: the commit fails, nothing changes */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_event_truncate(s, 1), 0);
	assert_true(store_commit(s) < 0);
	assert_int_equal(store_event_count(s), 3);
	store_event_release(&dep);
	store_close(s);
	free(dir);
}

/*
 * The undo journal: each transaction that appends events records the
 * changes to the registered tables; store_undo_to puts them back as they
 * were after an event, newest first, and says when the journal does not
 * cover the tail (then nothing changes).
 */
static void test_undo_journal(void **state)
{
	char *dir = new_store(state);
	struct store *s = open_ok(dir, 0);
	static const char *const tables[] = { "kv" };
	store_undo_tables(s, tables, 1);
	char u[4][37];
	struct store_event ev[4];
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_sql_run(s, "CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID", ""), 0);
	ev[0] = event(u[0], "{}"); /* before the journal: not covered */
	assert_int_equal(store_event_append(s, &ev[0], NULL), 0);
	assert_int_equal(store_sql_run(s, "INSERT INTO kv VALUES ('a', 1)", ""), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_undo_on(s), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_undo_enable(s), 0);
	assert_int_equal(store_commit(s), 0);
	const char *step[3] = { "UPDATE kv SET v = 2 WHERE k = 'a'", "INSERT INTO kv VALUES ('b', 3)",
				"DELETE FROM kv WHERE k = 'a'" };
	for (int i = 1; i < 4; i++) {
		assert_int_equal(store_begin(s), 0);
		ev[i] = event(u[i], "{}");
		assert_int_equal(store_event_append(s, &ev[i], NULL), 0);
		assert_int_equal(store_sql_run(s, step[i - 1], ""), 0);
		assert_int_equal(store_commit(s), 0);
	}
	int64_t n = 0;
	assert_int_equal(store_sql_int(s, &n, "SELECT count(*) FROM store_undo", ""), 1);
	assert_int_equal(n, 3);
	char *kv = NULL;
	int st = 0;
	/* back to after event 2: 'a' is 2 again, 'b' gone */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_undo_to(s, 2), 0);
	kv = store_sql_str(s, &st, "SELECT group_concat(k || v, ',') FROM (SELECT * FROM kv ORDER BY k)", "");
	assert_string_equal(kv, "a2");
	free(kv);
	/* before event 1 the journal was off: not covered, nothing changes */
	assert_int_equal(store_undo_to(s, 0), 1);
	kv = store_sql_str(s, &st, "SELECT group_concat(k || v, ',') FROM (SELECT * FROM kv ORDER BY k)", "");
	assert_string_equal(kv, "a2");
	free(kv);
	store_rollback(s);
	/* rolled back: the state and the journal as they were */
	kv = store_sql_str(s, &st, "SELECT group_concat(k || v, ',') FROM (SELECT * FROM kv ORDER BY k)", "");
	assert_string_equal(kv, "b3");
	free(kv);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_undo_to(s, 1), 0);
	kv = store_sql_str(s, &st, "SELECT group_concat(k || v, ',') FROM (SELECT * FROM kv ORDER BY k)", "");
	assert_string_equal(kv, "a1");
	free(kv);
	assert_int_equal(store_undo_forget(s, 4), 0);
	assert_int_equal(store_commit(s), 0);
	store_close(s);
	free(dir);
}

/* The witness follows the log's head at each commit, and tells a cut-off or rewritten log from one that lags. */
static void test_witness(void **state)
{
	char *dir = new_store(state);
	struct store *s = open_ok(dir, 0);
	struct store_witness w;
	int64_t last = -1;
	assert_int_equal(store_witness_check(s, &w, &last), STORE_WITNESS_NONE); /* nothing written yet */
	assert_int_equal(last, 0);
	char u[3][37];
	for (int i = 0; i < 3; i++) {
		struct store_event ev = event(u[i], "{}");
		assert_int_equal(store_begin(s), 0);
		assert_int_equal(store_event_append(s, &ev, NULL), 0);
		assert_int_equal(store_commit(s), 0);
	}
	assert_int_equal(store_witness_check(s, &w, &last), STORE_WITNESS_HOLDS);
	assert_int_equal(w.seq, 3);
	assert_int_equal(last, 3);
	struct buf keep = BUF_INIT;
	assert_int_equal(read_file(store_witness_path(s), 4096, &keep), 0);
	/* a rolled-back transaction writes no witness */
	char u4[37];
	struct store_event ev4 = event(u4, "{}");
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_event_append(s, &ev4, NULL), 0);
	store_rollback(s);
	assert_int_equal(store_witness_check(s, &w, &last), STORE_WITNESS_HOLDS);
	assert_int_equal(w.seq, 3);
	/* the last two events deleted by hand: cut off */
	sqlite3 *db = store_sqlite(s);
	assert_int_equal(sqlite3_exec(db,
				      "DROP TRIGGER events_immutable_delete; DELETE FROM events WHERE seq > 1", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(store_witness_check(s, &w, &last), STORE_WITNESS_CUT);
	assert_int_equal(w.seq, 3);
	assert_int_equal(last, 1);
	/* other events in their place, and the old witness put back: not the witnessed one */
	char v[2][37];
	for (int i = 0; i < 2; i++) {
		struct store_event ev = event(v[i], "{\"again\":true}");
		assert_int_equal(store_begin(s), 0);
		assert_int_equal(store_event_append(s, &ev, NULL), 0);
		assert_int_equal(store_commit(s), 0);
	}
	assert_int_equal(store_witness_check(s, &w, &last), STORE_WITNESS_HOLDS);
	assert_int_equal(write_file_atomic(store_witness_path(s), keep.s, keep.len), 0);
	assert_int_equal(store_witness_check(s, &w, &last), STORE_WITNESS_OTHER);
	/* one docket wrote part of it, or someone else: no witness */
	assert_int_equal(write_file_atomic(store_witness_path(s), keep.s, 20), 0);
	assert_int_equal(store_witness_check(s, &w, &last), STORE_WITNESS_NONE);
	store_close(s);
	free(dir);
	buf_release(&keep);
}

/* An event read back by UUID or sequence is the one appended, with its own copies. */
static void test_event_read_back(void **state)
{
	char *dir = new_store(state);
	struct store *s = open_ok(dir, 0);
	char uuid[37], other[37];
	struct store_event ev = event(uuid, "{\"意见\":\"同意，请办理\"}");
	ev.on_behalf = "刘洋";
	ev.base_seq = 0;
	int64_t seq = 0;
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_event_append(s, &ev, &seq), 0);
	assert_int_equal(store_commit(s), 0);

	struct store_event got;
	int64_t at = 0;
	assert_int_equal(store_event_by_uuid(s, uuid, &got, &at), 1);
	assert_int_equal(at, seq);
	assert_string_equal(got.uuid, uuid);
	assert_string_equal(got.type, "test.happened");
	assert_string_equal(got.actor, "wang.fang");
	assert_string_equal(got.on_behalf, "刘洋");
	assert_null(got.def_version);
	assert_string_equal(got.made_at, NOW);
	assert_string_equal(got.payload, "{\"意见\":\"同意，请办理\"}");
	store_event_release(&got);
	assert_null(got.type);

	/* by sequence: the same event */
	assert_int_equal(store_event_by_seq(s, seq, &got), 1);
	assert_string_equal(got.uuid, uuid);
	store_event_release(&got);

	/* only whether it is there */
	at = 0;
	assert_int_equal(store_event_by_uuid(s, uuid, NULL, &at), 1);
	assert_int_equal(at, seq);

	/* none: 0, and *out zeroed (releasing it is harmless) */
	uuid_v4(other);
	assert_int_equal(store_event_by_uuid(s, other, NULL, NULL), 0);
	assert_int_equal(store_event_by_uuid(s, other, &got, NULL), 0);
	assert_null(got.uuid);
	store_event_release(&got);
	assert_int_equal(store_event_by_seq(s, seq + 1, &got), 0);
	store_close(s);
	free(dir);
}

/* 100 distinct statements, to make the kit's cache grow past its first table. */
#define KIT_Q(n) "SELECT " #n
#define KIT_Q10(n) KIT_Q(n##0), KIT_Q(n##1), KIT_Q(n##2), KIT_Q(n##3), KIT_Q(n##4), \
	KIT_Q(n##5), KIT_Q(n##6), KIT_Q(n##7), KIT_Q(n##8), KIT_Q(n##9)
static const char *const kit_many[] = { KIT_Q10(1), KIT_Q10(2), KIT_Q10(3), KIT_Q10(4), KIT_Q10(5),
					KIT_Q10(6), KIT_Q10(7), KIT_Q10(8), KIT_Q10(9), KIT_Q10(10) };

/* The SQL kit (store_sql.h): cache, binding, helpers, and the one error mapping. */
static void test_sql_kit(void **state)
{
	char *dir = new_store(state);
	struct store *s = open_ok(dir, 0);
	char uuid[37];
	struct store_event ev = event(uuid, "{}");
	int64_t seq = 0;
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_event_append(s, &ev, &seq), 0);
	assert_int_equal(store_commit(s), 0);

	/* one statement per literal, handed out reset and unbound */
	static const char by_type[] = "SELECT count(*) FROM events WHERE type = ?1 AND base_seq >= ?2";
	sqlite3_stmt *a = store_sql_q(s, by_type, "si", "test.happened", (int64_t)0);
	assert_non_null(a);
	assert_int_equal(sqlite3_step(a), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(a, 0), 1);
	assert_ptr_equal(store_sql_q(s, by_type, ""), a);
	assert_int_equal(sqlite3_bind_parameter_count(a), 2);
	int64_t n = -1;
	assert_int_equal(store_sql_int(s, &n, by_type, "sd", "test.happened", 1), 1);
	assert_int_equal(n, 0);

	/* strings: copied when bound (Chinese and all), NULL binds NULL, a new copy back */
	int status = 1;
	char *t = store_sql_str(s, &status, "SELECT ?1 || '（' || ifnull(?2, '空') || '）'", "ss", "审批中", NULL);
	assert_int_equal(status, 0);
	assert_string_equal(t, "审批中（空）");
	free(t);
	assert_null(store_sql_str(s, &status, "SELECT NULL", ""));
	assert_int_equal(status, 0);
	assert_null(store_sql_str(s, &status, "SELECT 1 WHERE 0", ""));
	assert_int_equal(store_sql_int(s, &n, "SELECT 1 WHERE 0", ""), 0);

	/* the time of an event, for a module's own query */
	assert_int_equal(store_sql_int(s, &n, "SELECT " STORE_EVENT_TIME("?1"), "i", seq), 1);
	time_t want = 0;
	assert_int_equal(clock_parse_iso(NOW, &want), 0);
	assert_int_equal(n, (int64_t)want);

	/* a run to the end, and a table that grows past its first size */
	assert_int_equal(store_sql_run(s, "CREATE TEMP TABLE kit (a TEXT, b INTEGER)", ""), 0);
	for (size_t i = 0; i < sizeof(kit_many) / sizeof(kit_many[0]); i++) {
		assert_int_equal(store_sql_int(s, &n, kit_many[i], ""), 1);
		assert_int_equal(n, (int64_t)(i + 10));
	}
	assert_int_equal(store_sql_int(s, &n, kit_many[0], ""), 1);
	assert_int_equal(n, 10);
	assert_ptr_equal(store_sql_q(s, by_type, ""), a);

	/* failures: the store's message; an unknown format letter is refused */
	assert_null(store_sql_q(s, "SELECT * FROM no_such_table", ""));
	assert_non_null(strstr(store_error(s), "unable to prepare a statement: no such table"));
	assert_null(store_sql_q(s, by_type, "x", 1));
	assert_non_null(strstr(store_error(s), "unable to bind"));
	assert_int_equal(store_sql_int(s, &n, "SELECT abs(-9223372036854775807 - 1)", ""), STORE_ERR);
	assert_non_null(strstr(store_error(s), "unable to run a statement: integer overflow"));
	assert_int_equal(store_sql_status(s, SQLITE_FULL, "write"), STORE_FULL);
	assert_non_null(strstr(store_error(s), "disk full while writing store"));
	assert_int_equal(store_sql_status(s, SQLITE_BUSY, "write"), STORE_BUSY);

	/* a rollback resets what a module left mid-step */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_sql_run(s, "INSERT INTO temp.kit VALUES (?1, ?2)", "sd", "甲", 1), 0);
	sqlite3_stmt *mid = store_sql_q(s, "SELECT a FROM temp.kit", "");
	assert_int_equal(sqlite3_step(mid), SQLITE_ROW);
	store_rollback(s);
	assert_int_equal(store_sql_int(s, &n, "SELECT count(*) FROM temp.kit", ""), 1);
	assert_int_equal(n, 0);
	store_close(s); /* finalizes every cached statement */
	free(dir);
}

static void test_hash_chain_detects_tampering(void **state)
{
	char *dir = new_store(state);
	struct store *s = open_ok(dir, 0);
	assert_int_equal(store_begin(s), 0);
	for (int i = 0; i < 3; i++) {
		char uuid[37], payload[64];
		snprintf(payload, sizeof(payload), "{\"n\":%d,\"意见\":\"同意\"}", i);
		struct store_event ev = event(uuid, payload);
		ev.on_behalf = i == 1 ? "li.ming" : NULL;
		ev.base_seq = i;
		assert_int_equal(store_event_append(s, &ev, NULL), 0);
	}
	assert_int_equal(store_commit(s), 0);
	int64_t bad = -1;
	assert_int_equal(store_event_verify(s, &bad), 0);
	assert_int_equal(bad, 0);
	store_close(s);

	/* the first event chains on 64 zeros; each on its predecessor */
	assert_int_equal(raw_int(dir, "SELECT count(*) FROM events WHERE seq = 1 AND prev_hash = "
				      "'0000000000000000000000000000000000000000000000000000000000000000'"),
			 1);
	assert_int_equal(raw_int(dir, "SELECT count(*) FROM events e JOIN events p ON p.seq = e.seq - 1"
				      " WHERE e.prev_hash = p.hash"),
			 2);
	/* events are immutable to plain SQL ... */
	char *db = xasprintf("%s/docket.db", dir);
	sqlite3 *h;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(h, "UPDATE events SET payload = '{}' WHERE seq = 2", NULL, NULL, NULL),
			     SQLITE_OK);
	sqlite3_close(h);
	free(db);
	/* ... and whoever gets round that is caught by the chain */
	raw_exec(dir, "DROP TRIGGER events_immutable_update;"
		      "UPDATE events SET payload = '{\"n\":1,\"意见\":\"不同意\"}' WHERE seq = 2");
	s = open_ok(dir, 0);
	assert_int_equal(store_event_verify(s, &bad), -1);
	assert_int_equal(bad, 2);
	assert_non_null(strstr(store_error(s), "broken at sequence 2"));
	store_close(s);

	/* deleting an event from the middle breaks the link after it */
	raw_exec(dir, "UPDATE events SET payload = '{\"n\":1,\"意见\":\"同意\"}' WHERE seq = 2;"
		      "DROP TRIGGER events_immutable_delete; DELETE FROM events WHERE seq = 2");
	s = open_ok(dir, 0);
	assert_int_equal(store_event_verify(s, &bad), -1);
	assert_int_equal(bad, 3);
	assert_non_null(strstr(store_error(s), "does not follow"));
	store_close(s);
	free(dir);
}

/* --- definitions ------------------------------------------------------------ */

static void test_definitions(void **state)
{
	char *dir = new_store(state);
	struct store *s = open_ok(dir, 0);
	const char *v1 = "kind: workflow\nid: leave\nname: 请假\nsteps:\n  - 科长审批\n";
	const char *v2 = "kind: workflow\nid: leave\nname: 请假（新）\nsteps:\n  - 处长审批\n";
	struct listing l = { BUF_INIT, 0 };
	struct store_def d;

	assert_int_equal(store_def_get(s, "workflow", "leave", &d), 1);
	assert_null(d.content);
	assert_int_equal(deploy(s, "workflow", "leave", "请假", v1), 0);
	assert_int_equal(store_event_count(s), 1);
	assert_int_equal(deploy(s, "workflow", "leave", "请假", v1), 1); /* same content: no-op */
	assert_int_equal(store_event_count(s), 1);
	assert_int_equal(deploy(s, "workflow", "leave", "请假（新）", v2), 0);
	assert_int_equal(deploy(s, "form", "leave", "请假单", "kind: form\nid: leave\n"), 0);
	list(s, 0, &l);
	assert_string_equal(l.text.s, "form/leave/请假单/3/1\nworkflow/leave/请假（新）/2/1\n");
	assert_int_equal(store_def_get(s, "workflow", "leave", &d), 0);
	assert_string_equal(d.content, v2);
	assert_int_equal(d.len, strlen(v2));
	assert_string_equal(d.name, "请假（新）");
	assert_string_equal(d.deployed_by, "luo.bin");
	assert_string_equal(d.deployed_at, NOW);
	assert_string_equal(d.source, "workflows/x.yaml");
	assert_int_equal(d.version, 2);
	assert_int_equal(d.current, 1);
	store_def_release(&d);
	assert_null(d.content);

	/* the old content again: current again, a new event, no new version row */
	assert_int_equal(deploy(s, "workflow", "leave", "请假", v1), 0);
	assert_int_equal(store_event_count(s), 4);
	list(s, 1, &l);
	assert_string_equal(l.text.s, "form/leave/请假单/3/1\n"
				      "workflow/leave/请假/1/1\n"
				      "workflow/leave/请假（新）/2/0\n");
	assert_int_equal(store_def_get(s, "workflow", "leave", &d), 0);
	assert_string_equal(d.content, v1);
	assert_int_equal(d.version, 1);
	store_def_release(&d);
	int64_t bad = -1;
	assert_int_equal(store_event_verify(s, &bad), 0);

	/* refused: a hash that is not the content's, and no transaction */
	char uuid[37];
	uuid_v4(uuid);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_def_deploy(s, uuid, "luo.bin", NOW, "workflow", "leave", "请假", "00ff", NULL, v2,
					  strlen(v2)),
			 STORE_ERR);
	assert_non_null(strstr(store_error(s), "does not match its hash"));
	store_rollback(s);
	char hash[HASH_HEX_LEN + 1];
	hash_sm3_hex(v2, strlen(v2), hash);
	assert_int_equal(store_def_deploy(s, uuid, "luo.bin", NOW, "workflow", "leave", "请假", hash, NULL, v2,
					  strlen(v2)),
			 STORE_ERR);
	/* a deployment rolled back leaves no trace */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_def_deploy(s, uuid, "luo.bin", NOW, "workflow", "leave", NULL, hash, NULL, v2,
					  strlen(v2)),
			 0);
	store_rollback(s);
	assert_int_equal(store_event_count(s), 4);
	list(s, 0, &l);
	assert_non_null(strstr(l.text.s, "workflow/leave/请假/1/1\n"));
	store_close(s);

	/* the deploy events say what was deployed, as compact sorted JSON */
	assert_int_equal(raw_int(dir, "SELECT count(*) FROM events WHERE seq = 1 AND payload ="
				      " '{\"hash\":\"' || def_version || '\",\"id\":\"leave\",\"kind\":\"workflow\","
				      "\"name\":\"请假\",\"source\":\"workflows/x.yaml\"}'"),
			 1);
	assert_int_equal(raw_int(dir, "SELECT count(*) FROM def_versions v JOIN events e ON e.seq = v.event_seq"
				      " WHERE e.def_version = v.hash"),
			 3);
	buf_release(&l.text);
	free(dir);
}

/* list's callback may use the store (defset reads each definition's text). */
static int get_each(void *ctx, const struct store_def *d)
{
	struct store *s = ctx;
	struct store_def full;
	assert_int_equal(store_def_get(s, d->kind, d->id, &full), 0);
	assert_string_equal(full.hash, d->hash);
	store_def_release(&full);
	return 0;
}

static int stop_at_first(void *ctx, const struct store_def *d)
{
	(void)d;
	(*(int *)ctx)++;
	return 1;
}

static void test_list_callbacks(void **state)
{
	char *dir = new_store(state);
	struct store *s = open_ok(dir, 0);
	assert_int_equal(deploy(s, "form", "a", "甲", "kind: form\nid: a\n"), 0);
	assert_int_equal(deploy(s, "form", "b", "乙", "kind: form\nid: b\n"), 0);
	assert_int_equal(store_def_list(s, 0, get_each, s), 0);
	int n = 0;
	assert_int_equal(store_def_list(s, 1, stop_at_first, &n), 0);
	assert_int_equal(n, 1);
	store_close(s);
	free(dir);
}

static void test_default_dir(void **state)
{
	(void)state;
	char *d;
	setenv("DOCKET_STORE", "/srv/公文", 1);
	setenv("XDG_DATA_HOME", "/xdg", 1);
	setenv("HOME", "/home/wang", 1);
	assert_string_equal(d = store_default_dir(), "/srv/公文");
	free(d);
	unsetenv("DOCKET_STORE");
	assert_string_equal(d = store_default_dir(), "/xdg/docket");
	free(d);
	setenv("XDG_DATA_HOME", "relative", 1); /* ignored, as the spec says */
	assert_string_equal(d = store_default_dir(), "/home/wang/.local/share/docket");
	free(d);
	unsetenv("XDG_DATA_HOME");
	assert_string_equal(d = store_default_dir(), "/home/wang/.local/share/docket");
	free(d);
}

int main(void)
{
	setenv("TZ", "Asia/Shanghai", 1);
	setenv("LANG", "C.UTF-8", 1);
	setenv("DOCKET_NOW", "2026-03-02T09:30:00+08:00", 1);
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_init_and_open),
		T(test_init_refuses_existing_store),
		T(test_half_store_is_missing_and_init_retries),
		T(test_open_missing),
		T(test_foreign_sqlite_is_refused_and_unchanged),
		T(test_garbage_file_is_refused_and_unchanged),
		T(test_truncated_store),
		T(test_overwritten_store),
		T(test_too_new_is_refused_and_unchanged),
		T(test_missing_repository_is_damage),
		T(test_broken_repository_is_damage),
		T(test_migration_from_v1),
		T(test_migration_v4_engine_tables),
		T(test_fixture_v1),
		T(test_every_version_upgrades),
		T(test_busy),
		T(test_nested_begin_and_stray_commit),
		T(test_readonly),
		T(test_bad_environment),
		T(test_event_idempotent),
		T(test_event_read_back),
		T(test_event_time_never_goes_back),
		T(test_server_log_keeps_makers_times),
		T(test_synced_log_keeps_makers_times),
		T(test_tail_taken_off_and_appended_again),
		T(test_undo_journal),
		T(test_witness),
		T(test_sql_kit),
		T(test_hash_chain_detects_tampering),
		T(test_definitions),
		T(test_list_callbacks),
		T(test_default_dir),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
