/*
 * bench_docs: documents in git, each figure against a reference measured
 * in the same run.
 *
 *   bench: doc-save-p50 / p99: ms (x one durable event commit)
 *   bench: doc-history: µs for one document's history in a store of
 *          DOCS documents and REVS revisions (x git log -- PATH on one linear
 *          branch with the same revisions, plain and with a commit-graph with
 *          changed-path Bloom filters)
 *   bench: doc-repo-size: MB (x git gc --aggressive of the same objects)
 *   bench: doc-search: ms over FTS_DOCS documents (x the LIKE scan)
 *   bench: doc-search-1mib: ms to search one 1 MiB body for a 3-character
 *          term that is on every line, and -1mib-end for one only on its
 *          last line (x memmem counting the term over the same text); and
 *          the same for 10 MiB (-10mib), which FTS5's snippet() never finished
 *
 * Sizes: DOCS_BENCH_DOCS (1000), DOCS_BENCH_REVS (5000), DOCS_BENCH_FTS
 * (100000), DOCS_BENCH_SAVES (200), DOCS_BENCH_BATCH (1000 revisions per
 * docs_save_batch); the sizes used are printed. DOCS_BENCH_KEEP=1 keeps the
 * directory. The big store is built through docs_save_batch with fsync on
 * (the save latency of single saves is measured separately).
 */
#include <git2.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "docs/docs.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/gitlib.h"
#include "util/hash.h"
#include "util/i18n.h"
#include "util/xalloc.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long env_long(const char *name, long def)
{
	const char *v = getenv(name);
	return v && atol(v) > 0 ? atol(v) : def;
}

/* Common characters for generated official prose. */
static const char *const pool[] = { "关", "于", "做", "好", "工", "作", "的", "通", "知", "各", "区",
				    "部", "门", "现", "将", "有", "事", "项", "如", "下", "请", "认",
				    "真", "贯", "彻", "执", "行", "财", "政", "预", "算", "管", "理",
				    "办", "法", "市", "县", "单", "位", "报", "送", "情", "况", "，",
				    "。", "加", "强", "安", "全", "值", "班", "春", "节", "假", "期" };

static unsigned long rng = 12345;
static unsigned next_rand(void)
{
	rng = rng * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(rng >> 33);
}

/* A paragraph of n characters. */
static void prose(struct buf *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_adds(b, pool[next_rand() % (sizeof(pool) / sizeof(pool[0]))]);
	buf_addch(b, '\n');
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "bench: %s: %s\n", what, msg);
	exit(1);
}

static struct store *open_store(const char *dir, int create)
{
	struct buf err = BUF_INIT;
	struct store *s;
	if ((create && store_init(dir, &err)) || store_open(dir, 0, &s, &err))
		die(dir, err.s);
	buf_release(&err);
	return s;
}

static struct docs *open_docs(struct store *s)
{
	struct buf err = BUF_INIT;
	struct docs *d;
	if (docs_open(s, &d, &err))
		die("docs_open", err.s);
	buf_release(&err);
	return d;
}

/* Save latency with the durable settings, against one durable event commit. */
static void bench_save(const char *root)
{
	char *dir = xasprintf("%s/save", root);
	unsetenv("DOCKET_SYNC");
	struct store *s = open_store(dir, 1);
	struct docs *d = open_docs(s);
	const int n = (int)env_long("DOCS_BENCH_SAVES", 200);
	double *t = xmalloc(sizeof(double) * (size_t)n), *e = xmalloc(sizeof(double) * (size_t)n);
	struct docs_content c;
	docs_content_init(&c);
	c.type = xstrdup("通知");
	docs_content_set(&c, DF_TITLE, "关于做好值班工作的通知");
	for (int i = 0; i < 20; i++)
		prose(&c.body, 40);
	char id[DOCS_ID_MAX];
	if (docs_create(d, "bench", &c, NULL, id))
		die("create", docs_error(d));
	for (int i = 0; i < n; i++) {
		buf_setlen(&c.body, c.body.len - 1);
		prose(&c.body, 8);
		double t0 = now_s();
		int rev;
		if (docs_save(d, "bench", id, &c, NULL, NULL, &rev) != 0)
			die("save", docs_error(d));
		t[i] = now_s() - t0;
	}
	/* now, as the saves were: a production store's time never goes back */
	char at[32];
	clock_format_iso(clock_now(), at, sizeof(at));
	for (int i = 0; i < n; i++) {
		char uuid[37];
		uuid_v4(uuid);
		struct store_event ev = { uuid, "bench.event", "bench", NULL, NULL, at, 0, "{}", NULL, NULL };
		double t0 = now_s();
		if (store_begin(s) || store_event_append(s, &ev, NULL) < 0 || store_commit(s))
			die("event", store_error(s));
		e[i] = now_s() - t0;
	}
	qsort(t, (size_t)n, sizeof(double), cmp_double);
	qsort(e, (size_t)n, sizeof(double), cmp_double);
	double p50 = t[n / 2], p99 = t[n * 99 / 100], ep50 = e[n / 2], ep99 = e[n * 99 / 100];
	printf("bench: doc-save-p50: %.2f ms (%.1f x one durable event commit at %.2f ms; %d saves, fsync on)\n",
	       p50 * 1e3, p50 / ep50, ep50 * 1e3, n);
	printf("bench: doc-save-p99: %.2f ms (%.1f x one durable event commit at %.2f ms)\n", p99 * 1e3,
	       p99 / ep99, ep99 * 1e3);
	docs_content_release(&c);
	docs_free(d);
	store_close(s);
	free(t);
	free(e);
	free(dir);
}

/* Run a shell command; its wall time in seconds (best of `runs`). */
static double time_cmd(const char *cmd, int runs)
{
	double best = 1e9;
	for (int i = 0; i < runs; i++) {
		double t0 = now_s();
		if (system(cmd) != 0)
			die("command failed", cmd);
		double t = now_s() - t0;
		if (t < best)
			best = t;
	}
	return best;
}

/* Bytes under a directory (du -sb). */
static double dir_bytes(const char *dir)
{
	char *cmd = xasprintf("du -sb '%s' | cut -f1", dir);
	FILE *p = popen(cmd, "r");
	double v = 0;
	if (!p || fscanf(p, "%lf", &v) != 1)
		die("du", dir);
	pclose(p);
	free(cmd);
	return v;
}

static int count_rev(void *ctx, const struct docs_rev *r)
{
	(void)r;
	(*(int *)ctx)++;
	return 0;
}

/* The fan-out path of document number k on the linear branch. */
static void linear_path(char *out, size_t n, long k)
{
	snprintf(out, n, "docs/%02ld/%ld", k % 100, k);
}

/* Add one revision to the fast-import stream. */
static void fi_commit(FILE *fi, const char *id, const struct docs_content *c, long t, const char *msg, long k)
{
	(void)id;
	char path[64];
	linear_path(path, sizeof(path), k);
	struct buf meta = BUF_INIT;
	docs_meta_json(c, &meta);
	fprintf(fi, "commit refs/heads/main\ncommitter bench <bench@docket.invalid> %ld +0800\ndata %zu\n%s\n",
		t, strlen(msg), msg);
	fprintf(fi, "M 100644 inline %s/meta.json\ndata %zu\n", path, meta.len);
	fwrite(meta.s, 1, meta.len, fi);
	fprintf(fi, "\nM 100644 inline %s/body.md\ndata %zu\n", path, c->body.len);
	fwrite(c->body.s, 1, c->body.len, fi);
	fputc('\n', fi);
	buf_release(&meta);
}

/* The big store, the same history on one linear branch, and the comparisons. */
static void bench_history(const char *root)
{
	long ndocs = env_long("DOCS_BENCH_DOCS", 1000), nrevs = env_long("DOCS_BENCH_REVS", 5000);
	if (nrevs < ndocs)
		nrevs = ndocs;
	char *dir = xasprintf("%s/big", root), *lin = xasprintf("%s/linear.git", root);
	unsetenv("DOCKET_SYNC"); /* durable, as in use: batches amortise the fsyncs */
	struct store *s = open_store(dir, 1);
	struct docs *d = open_docs(s);
	char *cmd = xasprintf("git init -q --bare '%s' && git --git-dir='%s' fast-import --quiet", lin, lin);
	FILE *fi = popen(cmd, "w");
	free(cmd);
	if (!fi)
		die("fast-import", "cannot start");
	char (*ids)[DOCS_ID_MAX] = xcalloc((size_t)ndocs, DOCS_ID_MAX);
	struct docs_content *c = xcalloc((size_t)ndocs, sizeof(*c));
	/* saved in batches (docs_save_batch): one pack and one transaction each */
	long batch = env_long("DOCS_BENCH_BATCH", 1000);
	struct docs_batch_item *items = xcalloc((size_t)batch, sizeof(*items));
	long *which = xcalloc((size_t)batch, sizeof(*which));
	size_t nb = 0;
	double t0 = now_s();
	long t = 1772415000;
	for (long i = 0; i < nrevs; i++) {
		long k = i % ndocs;
		if (i < ndocs) {
			docs_content_init(&c[k]);
			c[k].type = xstrdup(docs_types[next_rand() % 15]);
			struct buf title = BUF_INIT;
			buf_adds(&title, "关于");
			prose(&title, 12);
			buf_setlen(&title, title.len - 1);
			buf_adds(&title, "的通知");
			docs_content_set(&c[k], DF_TITLE, title.s);
			buf_release(&title);
			docs_content_set(&c[k], DF_ORGAN, "市财政局");
			for (int p = 0; p < 6; p++)
				prose(&c[k].body, 60);
		} else {
			/* replace the last paragraph (a copy: the batch still holds the previous one) */
			char *last = c[k].body.len > 1 ? memrchr(c[k].body.s, '\n', c[k].body.len - 1) : NULL;
			if (last)
				buf_setlen(&c[k].body, (size_t)(last - c[k].body.s) + 1);
			prose(&c[k].body, 60);
		}
		/* the batch holds its own copy of each content */
		struct docs_content *copy = xmalloc(sizeof(*copy));
		docs_content_copy(copy, &c[k]);
		memset(&items[nb], 0, sizeof(items[nb]));
		items[nb].id = i < ndocs ? NULL : ids[k];
		items[nb].c = copy;
		which[nb++] = k;
		fi_commit(fi, i < ndocs ? NULL : ids[k], &c[k], t++, i < ndocs ? "起草" : "修改", k);
		if (nb == (size_t)batch || i + 1 == nrevs || i + 1 == ndocs) {
			if (docs_save_batch(d, "bench", items, nb) != 0)
				die("save batch", docs_error(d));
			for (size_t b = 0; b < nb; b++) {
				if (!items[b].id)
					memcpy(ids[which[b]], items[b].id_out, DOCS_ID_MAX);
				docs_content_release((struct docs_content *)items[b].c);
				free((void *)items[b].c);
			}
			nb = 0;
		}
	}
	free(items);
	free(which);
	if (pclose(fi) != 0)
		die("fast-import", "failed");
	double build = now_s() - t0;
	size_t packs, loose;
	docs_object_stats(d, &packs, &loose);
	if (ndocs < 10000 || nrevs < 100000)
		printf("bench: note: the issue's size is 10000 documents / 100000 revisions (about 10 minutes on 2 cores):"
		       " DOCS_BENCH_DOCS=10000 DOCS_BENCH_REVS=100000 make bench\n");
	printf("bench: doc-build: %.0f revisions/s through docs_save_batch (%ld documents, %ld revisions in %.0f s, %ld per batch, fsync on; %zu packs, %zu loose objects)\n",
	       (double)nrevs / build, ndocs, nrevs, build, batch, packs, loose);

	/* `docket check`'s part for documents: every revision against its event and commit */
	{
		int64_t vr = 0, va = 0;
		double v0 = now_s();
		if (docs_verify(d, &vr, &va) != 0)
			die("verify", docs_error(d));
		double vt = now_s() - v0;
		printf("bench: doc-verify: %.0f revisions/s (docket check: %lld revisions against their events and"
		       " commits in %.2f s)\n",
		       (double)vr / vt, (long long)vr, vt);
	}

	/* one document's history, ours: the index in SQLite */
	const char *id = ids[ndocs / 2];
	long idk = ndocs / 2;
	int iters = 2000, n = 0;
	t0 = now_s();
	for (int i = 0; i < iters; i++) {
		n = 0;
		if (docs_log(d, id, count_rev, &n))
			die("log", docs_error(d));
	}
	double ours = (now_s() - t0) / iters;
	/* and walking its ref in git (what `git log refs/docs/ID` does) */
	git_repository *repo;
	gitlib_start();
	git_repository_open_bare(&repo, store_git_dir(s));
	char ref[64];
	snprintf(ref, sizeof(ref), "refs/docs/%s", id);
	t0 = now_s();
	for (int i = 0; i < iters; i++) {
		git_revwalk *w;
		git_revwalk_new(&w, repo);
		git_revwalk_push_ref(w, ref);
		git_oid oid;
		while (git_revwalk_next(&oid, w) == 0)
			;
		git_revwalk_free(w);
	}
	double walk = (now_s() - t0) / iters;
	git_repository_free(repo);

	char path[64];
	linear_path(path, sizeof(path), idk);
	cmd = xasprintf("test $(git --git-dir='%s' log --format=%%H main -- %s | wc -l) = %d", lin, path, n);
	double plain = time_cmd(cmd, 3);
	free(cmd);
	cmd = xasprintf("git --git-dir='%s' commit-graph write --reachable --changed-paths >/dev/null 2>&1", lin);
	if (system(cmd) != 0)
		die("commit-graph", "failed");
	free(cmd);
	cmd = xasprintf("test $(git --git-dir='%s' log --format=%%H main -- %s | wc -l) = %d", lin, path, n);
	double bloom = time_cmd(cmd, 3);
	free(cmd);
	double best = plain < bloom ? plain : bloom;
	printf("bench: doc-history: %.1f us for %d revisions among %ld documents / %ld revisions (%.0f x git log -- PATH with changed-path Bloom filters at %.1f ms; plain git log %.1f ms)\n",
	       ours * 1e6, n, ndocs, nrevs, best / ours, bloom * 1e3, plain * 1e3);
	printf("bench: doc-history-git-walk: %.1f us walking refs/docs/ID with libgit2 (%.0f x git log -- PATH with Bloom filters)\n",
	       walk * 1e6, best / walk);

	/* repository size against git gc --aggressive of the same objects */
	char *objs = xasprintf("%s/documents.git/objects", dir);
	double ours_size = dir_bytes(objs);
	char *copy = xasprintf("%s/gc.git", root);
	cmd = xasprintf("cp -r '%s/documents.git' '%s' && git --git-dir='%s' gc -q --aggressive --prune=now 2>/dev/null",
			dir, copy, copy);
	double gc_time = time_cmd(cmd, 1);
	free(cmd);
	char *gcobjs = xasprintf("%s/objects", copy);
	double gc_size = dir_bytes(gcobjs);
	printf("bench: doc-repo-size: %.1f MB as saved (%.2f x git gc --aggressive at %.1f MB, which took %.0f s)\n",
	       ours_size / 1e6, ours_size / gc_size, gc_size / 1e6, gc_time);
	t0 = now_s();
	if (docs_repack(d, 1))
		die("repack", docs_error(d));
	double rp = now_s() - t0;
	ours_size = dir_bytes(objs);
	printf("bench: doc-repo-size-repacked: %.1f MB after docs_repack (%.2f x git gc --aggressive; repack took %.0f s)\n",
	       ours_size / 1e6, ours_size / gc_size, rp);
	free(objs);
	free(gcobjs);
	free(copy);
	for (long i = 0; i < ndocs; i++)
		docs_content_release(&c[i]);
	free(c);
	free(ids);
	docs_free(d);
	store_close(s);
	free(dir);
	free(lin);
}

static int count_hit(void *ctx, const struct docs_hit *h)
{
	(void)h;
	(*(int *)ctx)++;
	return 0;
}

/*
 * Search over many documents. The index rows are written directly with
 * SQL (creating 100 000 documents through git would only measure saves,
 * which bench_history does): the same tables docs_search reads.
 */
static void bench_search(const char *root)
{
	long n = env_long("DOCS_BENCH_FTS", 100000);
	char *dir = xasprintf("%s/fts", root);
	setenv("DOCKET_SYNC", "normal", 1);
	struct store *s = open_store(dir, 1);
	sqlite3 *db = store_sqlite(s);
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	sqlite3_stmt *doc, *fts;
	sqlite3_prepare_v2(db,
			   "INSERT INTO documents (docno, id, type, title, head, revs, created_at, created_by,"
			   " updated_at, updated_by) VALUES (?1, printf('d%07d', ?1), '通知', ?2, '0', 1,"
			   " '2026-03-02T01:30:00Z', 'bench', '2026-03-02T01:30:00Z', 'bench')",
			   -1, &doc, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO doc_fts (rowid, title, body, meta) VALUES (?1, ?2, ?3, '通知 市财政局')", -1,
			   &fts, NULL);
	for (long i = 1; i <= n; i++) {
		struct buf title = BUF_INIT, body = BUF_INIT;
		prose(&title, 14);
		for (int p = 0; p < 4; p++)
			prose(&body, 80);
		if (i == n / 3)
			buf_adds(&body, "关于开展政务外网安全检查的专项通知\n");
		sqlite3_bind_int64(doc, 1, i);
		sqlite3_bind_text(doc, 2, title.s, -1, SQLITE_STATIC);
		sqlite3_bind_int64(fts, 1, i);
		sqlite3_bind_text(fts, 2, title.s, -1, SQLITE_STATIC);
		sqlite3_bind_text(fts, 3, body.s, -1, SQLITE_STATIC);
		if (sqlite3_step(doc) != SQLITE_DONE || sqlite3_step(fts) != SQLITE_DONE)
			die("fts insert", sqlite3_errmsg(db));
		sqlite3_reset(doc);
		sqlite3_reset(fts);
		buf_release(&title);
		buf_release(&body);
	}
	sqlite3_finalize(doc);
	sqlite3_finalize(fts);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	struct docs *d = open_docs(s);
	int hits = 0, iters = 50;
	double t0 = now_s();
	for (int i = 0; i < iters; i++) {
		hits = 0;
		if (docs_search(d, "政务外网安全", 20, count_hit, &hits))
			die("search", docs_error(d));
	}
	double fast = (now_s() - t0) / iters;
	int common = 0;
	t0 = now_s();
	for (int i = 0; i < iters; i++) {
		common = 0;
		docs_search(d, "预算管理", 20, count_hit, &common);
	}
	double frequent = (now_s() - t0) / iters;
	int lhits = 0;
	t0 = now_s();
	for (int i = 0; i < 3; i++) {
		lhits = 0;
		docs_search(d, "外网", 20, count_hit, &lhits);
	}
	double like = (now_s() - t0) / 3;
	printf("bench: doc-search: %.2f ms over %ld documents, %d hit (%.3f x the LIKE scan of a 2-character term at %.1f ms)\n",
	       fast * 1e3, n, hits, fast / like, like * 1e3);
	printf("bench: doc-search-frequent: %.2f ms for a term in many documents, first 20 of them by rank (%.3f x the LIKE scan)\n",
	       frequent * 1e3, frequent / like);
	docs_free(d);
	store_close(s);
	free(dir);
}

/* Occurrences of term in text by memmem: a linear scan of the whole text, the reference. */
static size_t memmem_count(const char *text, size_t len, const char *term)
{
	size_t n = 0, tl = strlen(term);
	const char *p = text, *end = text + len;
	while ((p = memmem(p, (size_t)(end - p), term, tl))) {
		n++;
		p += tl;
	}
	return n;
}

/*
 * One document of `mib` MiB searched for a 3-character term: on every
 * line (FTS5's snippet() was quadratic in the number of matches), and once
 * at the very end (the snippet scan reads the whole body).
 */
static void bench_search_large(const char *root, int mib)
{
	char *dir = xasprintf("%s/large%d", root, mib);
	setenv("DOCKET_SYNC", "normal", 1);
	struct store *s = open_store(dir, 1);
	struct docs *d = open_docs(s);
	static const char *const names[] = { "", "-end" };
	static const char *const terms[] = { "值班表", "总值班" };
	struct docs_content c[2];
	for (int k = 0; k < 2; k++) {
		docs_content_init(&c[k]);
		c[k].type = xstrdup("通知");
		docs_content_set(&c[k], DF_TITLE, k ? "关于加强安全管理的通知" : "关于报送值班表的通知");
		/* every line of body 0 holds its term; body 1 has near misses ("总值") of its own */
		while (c[k].body.len < (size_t)mib << 20)
			buf_adds(&c[k].body, k ? "请各单位于节前报送总值安排表，另行通知。\n"
					       : "请各单位于节前报送值班表，安排另行通知。\n");
		if (k)
			buf_adds(&c[k].body, "由总值班室统一协调。\n");
		char id[DOCS_ID_MAX];
		if (docs_create(d, "bench", &c[k], NULL, id))
			die("create", docs_error(d));
	}
	for (int k = 0; k < 2; k++) {
		int hits = 0, iters = 5;
		double t0 = now_s();
		for (int i = 0; i < iters; i++) {
			hits = 0;
			if (docs_search(d, terms[k], 20, count_hit, &hits))
				die("search", docs_error(d));
		}
		double t = (now_s() - t0) / iters;
		/* the same text (body k) scanned by memmem for the same term */
		size_t found = 0;
		t0 = now_s();
		for (int i = 0; i < iters; i++)
			found = memmem_count(c[k].body.s, c[k].body.len, terms[k]);
		double ref = (now_s() - t0) / iters;
		printf("bench: doc-search-%dmib%s: %.2f ms for '%s' in a %d MiB body, %zu matches, %d hit"
		       " (%.1f x memmem counting it over the same text at %.2f ms)\n",
		       mib, names[k], t * 1e3, terms[k], mib, found, hits, t / ref, ref * 1e3);
		if (hits != 1 || !found)
			die("search", "wrong number of hits");
	}
	for (int k = 0; k < 2; k++)
		docs_content_release(&c[k]);
	docs_free(d);
	store_close(s);
	free(dir);
}

int main(void)
{
	i18n_init();
	setenv("TZ", "Asia/Shanghai", 1);
	char root[] = "/tmp/docket-bench-docs-XXXXXX";
	if (!mkdtemp(root))
		return 1;
	bench_save(root);
	bench_search(root);
	bench_search_large(root, 1);
	bench_search_large(root, 10);
	bench_history(root);
	if (!getenv("DOCS_BENCH_KEEP")) {
		char *cmd = xasprintf("rm -rf '%s'", root);
		if (system(cmd) != 0)
			return 1;
		free(cmd);
	} else {
		fprintf(stderr, "bench: kept %s\n", root);
	}
	return 0;
}
