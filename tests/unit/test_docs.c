/*
 * Documents: round trips with Chinese text and binary attachments, the
 * character-level diff, restore, sign-off freezing and re-sign-off, the
 * classification rule (table-driven) and that a refusal writes nothing,
 * reconciliation after a crash between the ref and SQLite, and the real
 * git CLI reading the repository. Each test runs in its own directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docs/docs.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* --- helpers ------------------------------------------------------------ */

/* One test's store. */
struct fx {
	char *dir;          /* temporary directory */
	char *store;        /* DIR/s */
	struct store *s;    /* open store */
	struct docs *d;     /* its documents */
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void fx_open(struct fx *f)
{
	struct buf err = BUF_INIT;
	if (store_open(f->store, 0, &f->s, &err) != STORE_OK)
		fail_msg("store_open: %s", err.s);
	if (docs_open(f->s, &f->d, &err) != 0)
		fail_msg("docs_open: %s", err.s);
	buf_release(&err);
}

static void fx_close(struct fx *f)
{
	docs_free(f->d);
	store_close(f->s);
	f->d = NULL;
	f->s = NULL;
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/docket-docs-XXXXXX";
	if (!mkdtemp(tmpl))
		return -1;
	struct fx *f = xcalloc(1, sizeof(*f));
	f->dir = xstrdup(tmpl);
	f->store = xasprintf("%s/s", tmpl);
	setenv("DOCKET_NOW", "2026-03-02T09:30:00+08:00", 1);
	setenv("TZ", "Asia/Shanghai", 1);
	setenv("DOCKET_SYNC", "normal", 1);
	unsetenv("DOCKET_ATTACH_MAX");
	struct buf err = BUF_INIT;
	if (store_init(f->store, &err) != STORE_OK) {
		fprintf(stderr, "store_init: %s\n", err.s);
		return -1;
	}
	buf_release(&err);
	fx_open(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	if (f->d || f->s)
		fx_close(f);
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f->dir);
	free(f->store);
	free(f);
	return 0;
}

/* A notice with Chinese title and body. */
static void sample(struct docs_content *c, const char *body)
{
	docs_content_init(c);
	c->type = xstrdup("通知");
	docs_content_set(c, DF_TITLE, "关于做好2026年春节假期值班工作的通知");
	docs_content_set(c, DF_ORGAN, "市财政局");
	docs_content_set(c, DF_NUMBER, "市财发〔2026〕12号");
	docs_content_set(c, DF_URGENCY, "加急");
	buf_adds(&c->body, body);
}

/* The first column of the first row of a query on the store's database. */
static int64_t sql_int(struct fx *f, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	if (sqlite3_prepare_v2(store_sqlite(f->s), sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("sql '%s': %s", sql, sqlite3_errmsg(store_sqlite(f->s)));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Run a shell command; its exit status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	va_list ap;
	struct buf b = BUF_INIT;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	int rc = system(b.s);
	buf_release(&b);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* --- tests ------------------------------------------------------------- */

/* A text column of the first row of a query, copied (or NULL). */
static char *sql_text(struct fx *f, const char *sql)
{
	sqlite3_stmt *st;
	char *v = NULL;
	if (sqlite3_prepare_v2(store_sqlite(f->s), sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("sql '%s': %s", sql, sqlite3_errmsg(store_sqlite(f->s)));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

/* docs_save_batch: many revisions, one pack, one transaction, git agrees. */
static void test_batch(void **state)
{
	struct fx *f = *state;
	size_t packs0 = 0, packs1 = 0;
	assert_int_equal(docs_object_stats(f->d, &packs0, NULL), 0);
	enum { N = 5 };
	struct docs_content c[N];
	struct docs_batch_item items[N];
	memset(items, 0, sizeof(items));
	for (int i = 0; i < N; i++) {
		char body[64];
		snprintf(body, sizeof(body), "第%d份\n", i);
		sample(&c[i], body);
		items[i].c = &c[i];
	}
	assert_int_equal(docs_save_batch(f->d, "wang", items, N), 0);
	assert_int_equal(docs_object_stats(f->d, &packs1, NULL), 0);
	assert_int_equal(packs1, packs0 + 1); /* one pack for the lot */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM documents"), N);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM events WHERE type = 'document.created'"), N);
	/* edits, the first document twice: r2 then r3 on top of it; one unchanged */
	struct docs_content e0a, e0b;
	docs_content_copy(&e0a, &c[0]);
	buf_adds(&e0a.body, "改一\n");
	docs_content_copy(&e0b, &e0a);
	buf_adds(&e0b.body, "改二\n");
	struct docs_batch_item ed[3];
	memset(ed, 0, sizeof(ed));
	ed[0].id = items[0].id_out, ed[0].c = &e0a;
	ed[1].id = items[1].id_out, ed[1].c = &c[1];
	ed[2].id = items[0].id_out, ed[2].c = &e0b, ed[2].action = "导入";
	assert_int_equal(docs_save_batch(f->d, "li", ed, 3), 0);
	assert_int_equal(ed[0].rev, 2);
	assert_int_equal(ed[1].unchanged, 1);
	assert_int_equal(ed[1].rev, 1);
	assert_int_equal(ed[2].rev, 3);
	char head[DOCS_OID_MAX];
	assert_int_equal(docs_head(f->d, items[0].id_out, head), 0);
	assert_int_equal(sh("test \"$(git --git-dir='%s/documents.git' rev-parse refs/docs/%s)\" = %s &&"
			    " test \"$(git --git-dir='%s/documents.git' rev-list --count refs/docs/%s)\" = 3 &&"
			    " test \"$(git --git-dir='%s/documents.git' log -1 --format=%%s refs/docs/%s)\" = 导入 &&"
			    " git --git-dir='%s/documents.git' fsck --strict 2>/dev/null >/dev/null",
			    f->store, items[0].id_out, head, f->store, items[0].id_out, f->store, items[0].id_out,
			    f->store),
			 0);
	/* the marker is gone after the commit point */
	char *marker = xasprintf("%s/documents.git/objects/pack/docket-saving", f->store);
	assert_false(file_exists(marker));
	free(marker);
	/* classified content refuses the whole batch; nothing is written */
	struct docs_content bad;
	sample(&bad, "机密★10年\n");
	struct docs_batch_item b2[2];
	memset(b2, 0, sizeof(b2));
	b2[0].c = &c[2];
	b2[1].c = &bad;
	assert_int_equal(docs_save_batch(f->d, "x", b2, 2), DOCS_REFUSED);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM documents"), N);
	/* only the head of each document is in the search index */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM doc_fts"), N);
	for (int i = 0; i < N; i++)
		docs_content_release(&c[i]);
	docs_content_release(&e0a);
	docs_content_release(&e0b);
	docs_content_release(&bad);
}

/* Attaching and detaching are their own events, with names, sizes and blob ids, never content. */
static void test_attach_events(void **state)
{
	struct fx *f = *state;
	struct docs_content c;
	sample(&c, "正文\n");
	char id[DOCS_ID_MAX];
	assert_int_equal(docs_create(f->d, "wang", &c, NULL, id), 0);
	struct docs_attachment files[2] = { { (char *)"表一.bin", BUF_INIT }, { (char *)"b.txt", BUF_INIT } };
	buf_adds(&files[0].data, "SECRETCONTENT-1");
	buf_adds(&files[1].data, "hello\n");
	int rev = 0;
	assert_int_equal(docs_attach_files(f->d, "wang", id, files, 2, NULL, &rev), 0);
	assert_int_equal(rev, 2);
	char *p = sql_text(f, "SELECT payload FROM events WHERE type = 'document.attached'");
	assert_non_null(p);
	assert_non_null(strstr(p, "\"name\":\"表一.bin\""));
	assert_non_null(strstr(p, "\"size\":6"));
	/* git hash-object of "hello\n" */
	assert_non_null(strstr(p, "\"blob\":\"ce013625030ba8dba906f756967f9e9ca394464a\""));
	assert_null(strstr(p, "SECRETCONTENT"));
	free(p);
	assert_int_equal(docs_detach(f->d, "wang", id, "b.txt", &rev), 0);
	assert_int_equal(rev, 3);
	p = sql_text(f, "SELECT payload FROM events WHERE type = 'document.detached'");
	assert_non_null(p);
	assert_non_null(strstr(p, "\"name\":\"b.txt\""));
	assert_non_null(strstr(p, "ce013625030ba8dba906f756967f9e9ca394464a"));
	free(p);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM events WHERE type = 'document.saved'"), 0);
	buf_release(&files[0].data);
	buf_release(&files[1].data);
	docs_content_release(&c);
}

static void test_round_trip(void **state)
{
	struct fx *f = *state;
	struct docs_content c, back;
	sample(&c, "各区、各部门：\n\n现将有关事项**通知**如下。\n");
	unsigned char bin[1024];
	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(i * 7 + 3);
	bin[10] = 0;
	docs_content_attach(&c, "附件1 值班表.xlsx", bin, sizeof(bin));
	docs_content_attach(&c, "a.pdf", "%PDF-1.4\n\0\xff", 11);
	char id[DOCS_ID_MAX];
	assert_int_equal(docs_create(f->d, "王芳", &c, "inst-42", id), 0);
	assert_int_equal(strlen(id), 8);

	struct docs_info i;
	assert_int_equal(docs_info_get(f->d, id, &i), 0);
	assert_int_equal(i.revs, 1);
	assert_string_equal(i.instance, "inst-42");
	assert_string_equal(i.title, "关于做好2026年春节假期值班工作的通知");
	assert_int_equal(docs_load(f->d, id, i.head, &back), 0);
	assert_string_equal(back.type, "通知");
	assert_string_equal(back.field[DF_NUMBER], "市财发〔2026〕12号");
	assert_string_equal(back.body.s, c.body.s);
	assert_int_equal(back.natt, 2);
	const struct docs_attachment *a = docs_content_find(&back, "附件1 值班表.xlsx");
	assert_non_null(a);
	assert_int_equal(a->data.len, sizeof(bin));
	assert_memory_equal(a->data.s, bin, sizeof(bin));
	a = docs_content_find(&back, "a.pdf");
	assert_non_null(a);
	assert_memory_equal(a->data.s, "%PDF-1.4\n\0\xff", 11);

	/* a unique prefix resolves; a save of the same content makes no revision */
	char full[DOCS_ID_MAX];
	char pre[4] = { id[0], id[1], id[2], 0 };
	assert_int_equal(docs_resolve(f->d, pre, full), 0);
	assert_string_equal(full, id);
	int rev = 0;
	assert_int_equal(docs_save(f->d, "王芳", id, &back, NULL, i.head, &rev), 1);
	assert_int_equal(rev, 1);
	/* a stale base is refused */
	docs_content_set(&back, DF_SIGNER, "张三");
	assert_int_equal(docs_save(f->d, "王芳", id, &back, NULL, "0000", &rev), DOCS_INVALID);
	assert_int_equal(docs_save(f->d, "李明", id, &back, NULL, i.head, &rev), 0);
	assert_int_equal(rev, 2);
	struct docs_rev r;
	assert_int_equal(docs_rev_get(f->d, id, "r2", &r), 0);
	assert_string_equal(r.author, "李明");
	assert_string_equal(r.action, "修改");
	char prefix[8];
	snprintf(prefix, sizeof(prefix), "%.7s", r.commit);
	docs_rev_release(&r);
	assert_int_equal(docs_rev_get(f->d, id, prefix, &r), 0);
	assert_int_equal(r.rev, 2);
	docs_rev_release(&r);
	assert_int_equal(docs_rev_get(f->d, id, "r9", &r), DOCS_NOT_FOUND);

	/* each save is one pack, never loose objects */
	size_t packs, loose;
	assert_int_equal(docs_object_stats(f->d, &packs, &loose), 0);
	assert_int_equal(loose, 0);
	assert_int_equal(packs, 2);
	/* every change is an event */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM events WHERE type LIKE 'document.%'"), 2);

	docs_info_release(&i);
	docs_content_release(&c);
	docs_content_release(&back);
}

/* Render a char diff of two lines with markers. */
static void marked(const char *a, const char *b, struct buf *out)
{
	struct docs_diff_opts o = { 0, 0, 80, 0 };
	struct buf err = BUF_INIT;
	struct buf x = BUF_INIT, y = BUF_INIT;
	buf_addf(&x, "%s\n", a);
	buf_addf(&y, "%s\n", b);
	assert_int_equal(docs_diff_text(x.s, x.len, y.s, y.len, "a", "b", &o, out, &err), 0);
	buf_release(&x);
	buf_release(&y);
	buf_release(&err);
}

static void test_diff(void **state)
{
	(void)state;
	static const struct {
		const char *a, *b, *minus, *plus;
	} cases[] = {
		{ "本通知自印发之日起施行。", "本决定自印发之日起施行。", "-本[-通知-]自印发之日起施行。",
		  "+本{+决定+}自印发之日起施行。" },
		{ "请于3月5日前报送。", "请于3月15日前报送。", "-请于3月5日前报送。", "+请于3月{+1+}5日前报送。" },
		{ "各区、各部门：", "各区人民政府、各部门：", "-各区、各部门：", "+各区{+人民政府+}、各部门：" },
		{ "同意。", "拟同意，请张局长阅示。", "-同意。", "+{+拟+}同意{+，请张局长阅示+}。" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out = BUF_INIT;
		marked(cases[i].a, cases[i].b, &out);
		if (!strstr(out.s, cases[i].minus) || !strstr(out.s, cases[i].plus))
			fail_msg("case %zu: got\n%s\nwant '%s' and '%s'", i, out.s, cases[i].minus, cases[i].plus);
		buf_release(&out);
	}
	/* the segments themselves: equal, deleted, added, equal */
	struct docs_seg *s;
	const char *a = "市财发〔2026〕12号", *b = "市财发〔2026〕13号";
	size_t n = docs_char_diff(a, strlen(a), b, strlen(b), &s);
	assert_int_equal(n, 4);
	assert_int_equal(s[1].op, -1);
	assert_memory_equal(a + s[1].off, "2", 1);
	assert_int_equal(s[2].op, 1);
	assert_memory_equal(b + s[2].off, "3", 1);
	free(s);
	/* side by side: each half measured in columns, wide characters never split */
	struct docs_diff_opts o = { 0, 1, 23, 0 };
	struct buf out = BUF_INIT, err = BUF_INIT;
	const char *x = "一二三四五六七八九十\n", *y = "一二三四五六七八九十甲\n";
	assert_int_equal(docs_diff_text(x, strlen(x), y, strlen(y), "a", "b", &o, &out, &err), 0);
	assert_non_null(strstr(out.s, "一二三四五 | 一二三四五\n"));
	/*
	 * and broken as every wrapped text is (utf8_may_break): 。 at the edge
	 * never starts the next row, nor 《 ends one: the character before goes
	 * down with it
	 */
	buf_reset(&out);
	x = "一二三四五。六七\n", y = "一二三四五。六八\n";
	assert_int_equal(docs_diff_text(x, strlen(x), y, strlen(y), "a", "b", &o, &out, &err), 0);
	if (!strstr(out.s, "\n一二三四   | 一二三四\n五。六[-七   五。六{+八\n"))
		fail_msg("side by side broke a line at punctuation:\n%s", out.s);
	buf_release(&out);
	buf_release(&err);
}

static void test_restore(void **state)
{
	struct fx *f = *state;
	struct docs_content c, e;
	sample(&c, "第一稿\n");
	char id[DOCS_ID_MAX];
	assert_int_equal(docs_create(f->d, "wang", &c, NULL, id), 0);
	docs_content_copy(&e, &c);
	buf_reset(&e.body);
	buf_adds(&e.body, "第二稿\n");
	int rev;
	assert_int_equal(docs_save(f->d, "wang", id, &e, NULL, NULL, &rev), 0);
	assert_int_equal(docs_attach(f->d, "wang", id, "图.png", "\x89PNG\r\n", 6, &rev), 0);
	assert_int_equal(rev, 3);
	assert_int_equal(docs_restore(f->d, "li", id, "r1", &rev), 0);
	assert_int_equal(rev, 4);
	struct docs_rev r1, r4;
	assert_int_equal(docs_rev_get(f->d, id, "r1", &r1), 0);
	assert_int_equal(docs_rev_get(f->d, id, NULL, &r4), 0);
	assert_string_equal(r4.action, "恢复到 r1");
	struct docs_content a, b;
	assert_int_equal(docs_load(f->d, id, r1.commit, &a), 0);
	assert_int_equal(docs_load(f->d, id, r4.commit, &b), 0);
	assert_string_equal(b.body.s, "第一稿\n");
	assert_int_equal(b.natt, 0);
	/* the same tree: restoring is content-equal, history kept (4 revisions) */
	struct buf d1 = BUF_INIT, err = BUF_INIT;
	struct docs_diff_opts o = { 0, 0, 80, 3 };
	assert_int_equal(docs_diff_content(&a, &b, "r1", "r4", &o, &d1, &err), 0);
	assert_int_equal(d1.len, 0);
	assert_int_equal(docs_restore(f->d, "li", id, "r4", &rev), 1);
	assert_int_equal(docs_detach(f->d, "li", id, "nosuch", &rev), DOCS_NOT_FOUND);
	buf_release(&d1);
	buf_release(&err);
	docs_rev_release(&r1);
	docs_rev_release(&r4);
	docs_content_release(&a);
	docs_content_release(&b);
	docs_content_release(&c);
	docs_content_release(&e);
}

static void test_freeze(void **state)
{
	struct fx *f = *state;
	struct docs_content c, e;
	sample(&c, "正文\n");
	char id[DOCS_ID_MAX], head[DOCS_OID_MAX];
	assert_int_equal(docs_create(f->d, "wang", &c, "i1", id), 0);
	assert_int_equal(docs_head(f->d, id, head), 0);
	/* the engine records the sign-off inside its own transaction */
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(docs_approve(f->d, "zhang.juzhang", id, head, "sign-off", 1), 0);
	assert_int_equal(store_commit(f->s), STORE_OK);
	assert_int_equal(docs_needs_resign(f->d, id), 0);
	/* an edit after sign-off: a new revision that needs the sign-off again */
	docs_content_copy(&e, &c);
	buf_adds(&e.body, "签发后又改了一句。\n");
	int rev;
	assert_int_equal(docs_save(f->d, "wang", id, &e, NULL, NULL, &rev), 0);
	assert_int_equal(docs_needs_resign(f->d, id), 1);
	struct docs_rev r;
	assert_int_equal(docs_rev_get(f->d, id, "r2", &r), 0);
	assert_int_equal(r.needs_resign, 1);
	docs_rev_release(&r);
	assert_int_equal(docs_rev_get(f->d, id, "r1", &r), 0);
	assert_int_equal(r.signed_off, 1);
	docs_rev_release(&r);
	/* restoring exactly what was signed clears the flag */
	assert_int_equal(docs_restore(f->d, "wang", id, "r1", &rev), 0);
	assert_int_equal(docs_needs_resign(f->d, id), 0);
	/* a new sign-off of a later change clears it too */
	assert_int_equal(docs_save(f->d, "wang", id, &e, NULL, NULL, &rev), 0);
	assert_int_equal(docs_needs_resign(f->d, id), 1);
	assert_int_equal(docs_rev_commit(f->d, id, NULL, head), 0);
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(docs_approve(f->d, "zhang.juzhang", id, head, "sign-off", 1), 0);
	assert_int_equal(store_commit(f->s), STORE_OK);
	assert_int_equal(docs_needs_resign(f->d, id), 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM doc_approvals"), 2);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM events WHERE type = 'document.approved'"), 2);
	/* approving a commit that is not this document's is refused */
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(docs_approve(f->d, "z", id, "0123456789012345678901234567890123456789", "approve", 0),
			 DOCS_NOT_FOUND);
	store_rollback(f->s);
	docs_content_release(&c);
	docs_content_release(&e);
}

/* The kinds of a document's approvals, "kind/actor" joined by ", ". */
static int approval_line(void *ctx, const struct docs_approval *a)
{
	struct buf *b = ctx;
	buf_addf(b, "%sr%d %s/%s", b->len ? ", " : "", a->rev, a->kind, a->actor);
	return 0;
}

/* The last event's sequence number. */
static int64_t last_seq(struct fx *f)
{
	return sql_int(f, "SELECT max(seq) FROM events");
}

/*
 * docs_withdraw (拿回 of an engine decision): the approval stays in the
 * history with a "withdrawn" row after it; a withdrawn sign-off puts the
 * document back at the sign-off before it (or unsigned), and it is exactly
 * the approval made after the given event that is withdrawn, even when the
 * same person signed the same commit again later.
 */
static void test_withdraw(void **state)
{
	struct fx *f = *state;
	struct docs_content c, e;
	sample(&c, "正文\n");
	char id[DOCS_ID_MAX], c1[DOCS_OID_MAX], c2[DOCS_OID_MAX];
	assert_int_equal(docs_create(f->d, "wang", &c, "i1", id), 0);
	assert_int_equal(docs_head(f->d, id, c1), 0);
	/* nothing to withdraw: 1, nothing written */
	int64_t n = last_seq(f);
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(docs_withdraw(f->d, "zhang", id, c1, 0), 1);
	assert_int_equal(store_commit(f->s), STORE_OK);
	assert_int_equal(last_seq(f), n);
	/* an approval withdrawn: history kept, nothing signed */
	int64_t s1 = last_seq(f);
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(docs_approve(f->d, "li", id, c1, "approve", 0), 0);
	assert_int_equal(docs_withdraw(f->d, "li", id, c1, s1), 0);
	assert_int_equal(docs_withdraw(f->d, "li", id, c1, s1), 1); /* once */
	assert_int_equal(store_commit(f->s), STORE_OK);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM events WHERE type = 'document.approval_withdrawn'"), 1);
	/* signed r1 directly, then r2 (the engine's, after event s2), then r2 again directly */
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(docs_approve(f->d, "zhang", id, c1, "sign-off", 1), 0);
	assert_int_equal(store_commit(f->s), STORE_OK);
	docs_content_copy(&e, &c);
	buf_adds(&e.body, "签发后又改了一句。\n");
	int rev;
	assert_int_equal(docs_save(f->d, "wang", id, &e, NULL, NULL, &rev), 0);
	assert_int_equal(docs_head(f->d, id, c2), 0);
	int64_t s2 = last_seq(f);
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(docs_approve(f->d, "zhang", id, c2, "sign-off", 1), 0);
	assert_int_equal(docs_approve(f->d, "wu", id, c1, "sign-off", 1), 0);
	assert_int_equal(docs_approve(f->d, "zhang", id, c2, "sign-off", 1), 0);
	/* the engine's sign-off withdrawn: zhang's later one of r2 still holds */
	assert_int_equal(docs_withdraw(f->d, "zhang", id, c2, s2), 0);
	assert_int_equal(store_commit(f->s), STORE_OK);
	struct docs_info i;
	assert_int_equal(docs_info_get(f->d, id, &i), 0);
	assert_string_equal(i.signed_commit, c2);
	assert_int_equal(i.frozen, 1);
	assert_int_equal(i.needs_resign, 0);
	docs_info_release(&i);
	/* the later one withdrawn too: back to wu's sign-off of r1, which the head no longer is */
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(docs_withdraw(f->d, "zhang", id, c2, s2), 0);
	assert_int_equal(store_commit(f->s), STORE_OK);
	assert_int_equal(docs_info_get(f->d, id, &i), 0);
	assert_string_equal(i.signed_commit, c1);
	assert_int_equal(i.needs_resign, 1);
	docs_info_release(&i);
	/* every sign-off withdrawn: not signed */
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(docs_withdraw(f->d, "wu", id, c1, s2), 0);
	assert_int_equal(docs_withdraw(f->d, "zhang", id, c1, 0), 0);
	assert_int_equal(store_commit(f->s), STORE_OK);
	assert_int_equal(docs_info_get(f->d, id, &i), 0);
	assert_string_equal(i.signed_commit, "");
	assert_int_equal(i.frozen, 0);
	assert_int_equal(i.needs_resign, 0);
	docs_info_release(&i);
	struct buf b = BUF_INIT;
	assert_int_equal(docs_approvals(f->d, id, approval_line, &b), 0);
	assert_string_equal(b.s, "r1 approve/li, r1 approve withdrawn/li, r1 sign-off/zhang, r2 sign-off/zhang, "
				 "r1 sign-off/wu, r2 sign-off/zhang, r2 sign-off withdrawn/zhang, "
				 "r2 sign-off withdrawn/zhang, r1 sign-off withdrawn/wu, r1 sign-off withdrawn/zhang");
	buf_release(&b);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM events WHERE type = 'document.signoff_withdrawn'"), 4);
	/* each withdrawal names the row it withdraws, each row withdrawn once */
	assert_int_equal(sql_int(f, "SELECT count(DISTINCT withdraws) FROM doc_approvals"), 5);
	docs_content_release(&c);
	docs_content_release(&e);
}

static void test_marking_rule(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int marked;
	} cases[] = {
		{ "机密★10年", 1 },
		{ "秘密★", 1 },
		{ "绝密★长期", 1 },
		{ "机密 ★ 1年", 1 },
		{ "秘密＊", 1 },
		{ "【机密】关于某事的通知", 1 },
		{ "关于某事的通知（秘密）", 1 },
		{ "密级：绝密", 1 },
		{ "密级:秘密", 1 },
		{ "机密", 1 },
		{ "  秘密", 1 },
		{ "机　密", 1 },
		{ "# 绝密", 1 },
		{ "机密 关于某事的通知", 1 },
		{ "第一行\n秘密★1年\n", 1 },
		{ "**机密**", 1 },
		{ "关于加强国家秘密保护工作的通知", 0 },
		{ "严禁在政务外网处理涉及国家秘密的信息", 0 },
		{ "做好保密工作", 0 },
		{ "保密期限", 0 },
		{ "商业秘密和个人隐私", 0 },
		{ "确保信息的机密性、完整性和可用性", 0 },
		{ "机密性要求", 0 },
		{ "秘密地进行", 0 },
		{ "工作秘密不得公开", 0 },
		{ "★★★ 重要通知", 0 },
		{ "机关密切配合", 0 },
		{ "", 0 },
		/* however written (issue 13): invisible characters, traditional forms, look-alikes */
		{ "机\u200b密★", 1 },
		{ "机\u200d密★", 1 },
		{ "机\ufeff密★", 1 },
		{ "机\u00ad密★", 1 },
		{ "机\u2060密★", 1 },
		{ "机\u0301密★", 1 },
		{ "机\u3164密★", 1 },
		{ "机\u2003密★", 1 },
		{ "機密★", 1 },
		{ "絕密★", 1 },
		{ "祕密★", 1 },
		{ "機密性", 0 },
		{ "机密✶", 1 },
		{ "机密⭐", 1 },
		{ "机密∗", 1 },
		{ "机密✱", 1 },
		{ "机密﹡", 1 },
		{ "机密⋆", 1 },
		{ "机密⭑", 1 },
		{ "机密✩", 1 },
		{ "保密等级：机密", 1 },
		{ "保密等級：機密", 1 },
		{ "密級：秘密", 1 },
		{ "密 级：秘密", 1 },
		{ "机密10年★", 1 },
		{ "机密１０年★", 1 },
		{ "绝密长期★", 1 },
		{ "絕密長期★", 1 },
		{ "秘密6个月★", 1 },
		{ "机密十年★", 1 },
		{ "【秘密5年】", 1 },
		{ "机密10年的档案", 0 },
		{ "保密等级很高的工作", 0 },
		{ "国家秘密10年", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct docs_marking m;
		int got = docs_marking_find(cases[i].text, strlen(cases[i].text), "body", &m);
		if (got != cases[i].marked)
			fail_msg("'%s': got %d, want %d", cases[i].text, got, cases[i].marked);
	}
}

/* Every entry of markings.def (issue 13): each star look-alike and each fold is caught. */
static void test_marking_table(void **state)
{
	(void)state;
	static const uint32_t stars[] = {
#define MARKING_STAR(cp) cp,
#include "docs/markings.def"
#undef MARKING_STAR
	};
	static const uint32_t folds[][2] = {
#define MARKING_FOLD(from, to) { from, to },
#include "docs/markings.def"
#undef MARKING_FOLD
	};
	static const char *const labels[] = {
#define MARKING_LABEL(t) t,
#include "docs/markings.def"
#undef MARKING_LABEL
	};
	struct docs_marking m;
	for (size_t i = 0; i < sizeof(stars) / sizeof(stars[0]); i++) {
		struct buf t = BUF_INIT;
		buf_adds(&t, "关于某事 绝密");
		utf8_encode(&t, stars[i]);
		buf_adds(&t, "长期");
		if (!docs_marking_find(t.s, t.len, "title", &m))
			fail_msg("star U+%04X: '%s' not caught", (unsigned)stars[i], t.s);
		buf_release(&t);
	}
	for (size_t i = 0; i < sizeof(folds) / sizeof(folds[0]); i++) {
		/* the fold reads as its simplified form */
		struct buf a = BUF_INIT, b = BUF_INIT, na = BUF_INIT, nb = BUF_INIT;
		utf8_encode(&a, folds[i][0]);
		utf8_encode(&b, folds[i][1]);
		docs_marking_normalise(a.s, a.len, &na);
		docs_marking_normalise(b.s, b.len, &nb);
		assert_string_equal(na.s, nb.s);
		buf_release(&a);
		buf_release(&b);
		buf_release(&na);
		buf_release(&nb);
	}
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		char t[128];
		snprintf(t, sizeof(t), "%s：机密", labels[i]);
		if (!docs_marking_find(t, strlen(t), "title", &m))
			fail_msg("label '%s' not caught", t);
		snprintf(t, sizeof(t), "%s 秘密", labels[i]);
		if (!docs_marking_find(t, strlen(t), "title", &m))
			fail_msg("label '%s' not caught", t);
	}
}

/* The normalisation itself: what the marking check reads. */
static void test_marking_normalise(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "机\u200b密★", "机密★" },
		{ "機密✶10年", "机密★10年" },
		{ "ＡＢＣ１２３", "ABC123" },
		{ "甲\u3000乙", "甲 乙" },
		{ "第一行\n祕密", "第一行\n秘密" },
		{ "e\u0301", "\u00e9" },
		{ "关于做好春节值班工作的通知", "关于做好春节值班工作的通知" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;
		docs_marking_normalise(cases[i].in, strlen(cases[i].in), &b);
		if (strcmp(b.s, cases[i].out))
			fail_msg("'%s': got '%s', want '%s'", cases[i].in, b.s, cases[i].out);
		buf_release(&b);
	}
}

static void test_refused_writes_nothing(void **state)
{
	struct fx *f = *state;
	struct docs_content ok;
	sample(&ok, "正文\n");
	char id[DOCS_ID_MAX];
	assert_int_equal(docs_create(f->d, "wang", &ok, NULL, id), 0);
	size_t packs0, loose0;
	docs_object_stats(f->d, &packs0, &loose0);
	int64_t docs0 = sql_int(f, "SELECT count(*) FROM documents");
	int64_t revs0 = sql_int(f, "SELECT count(*) FROM doc_revisions");
	int64_t events0 = sql_int(f, "SELECT count(*) FROM events");

	struct docs_content bad[3];
	sample(&bad[0], "正文\n");
	docs_content_set(&bad[0], DF_TITLE, "机密★10年 关于某事的通知");
	sample(&bad[1], "第一段。\n【秘密】\n第三段。\n");
	sample(&bad[2], "正文\n");
	docs_content_attach(&bad[2], "绝密-名单.xlsx", "x", 1);
	for (int i = 0; i < 3; i++) {
		char nid[DOCS_ID_MAX];
		assert_int_equal(docs_create(f->d, "wang", &bad[i], NULL, nid), DOCS_REFUSED);
		assert_non_null(strstr(docs_error(f->d), "classification marking"));
	}
	int rev;
	assert_int_equal(docs_save(f->d, "wang", id, &bad[1], NULL, NULL, &rev), DOCS_REFUSED);
	assert_int_equal(docs_attach(f->d, "wang", id, "机密.pdf", "x", 1, &rev), DOCS_REFUSED);

	size_t packs1, loose1;
	docs_object_stats(f->d, &packs1, &loose1);
	assert_int_equal(packs1, packs0);
	assert_int_equal(loose1, loose0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM documents"), docs0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM doc_revisions"), revs0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM doc_fts"), docs0);
	/* each attempt audited, without the content */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM events"), events0 + 5);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM events WHERE type = 'document.refused'"
				    " AND payload NOT LIKE '%关于%' AND payload NOT LIKE '%名单%'"),
			 5);
	assert_int_equal(sh("test $(git --git-dir='%s/documents.git' for-each-ref refs/docs | wc -l) = 1",
			    f->store),
			 0);
	for (int i = 0; i < 3; i++)
		docs_content_release(&bad[i]);
	docs_content_release(&ok);
}

static void test_reconcile(void **state)
{
	struct fx *f = *state;
	struct docs_content c;
	sample(&c, "一\n");
	char id[DOCS_ID_MAX], r1[DOCS_OID_MAX], r2[DOCS_OID_MAX];
	assert_int_equal(docs_create(f->d, "wang", &c, NULL, id), 0);
	assert_int_equal(docs_head(f->d, id, r1), 0);
	buf_adds(&c.body, "二\n");
	int rev;
	assert_int_equal(docs_save(f->d, "wang", id, &c, NULL, NULL, &rev), 0);
	assert_int_equal(docs_head(f->d, id, r2), 0);
	fx_close(f);

	/* a crash after the ref moved and before SQLite committed r2 */
	sqlite3 *h;
	char *db = xasprintf("%s/docket.db", f->store);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	char *sql = xasprintf("DELETE FROM doc_revisions WHERE rev = 2;"
			      " UPDATE documents SET head = '%s', revs = 1 WHERE id = '%s'", r1, id);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	free(sql);
	free(db);
	/* ... and a new document whose ref was written but never its row */
	assert_int_equal(sh("git --git-dir='%s/documents.git' update-ref refs/docs/zzzzzzzz %s", f->store, r2), 0);
	char *marker = xasprintf("%s/documents.git/docket-saving", f->store);
	assert_int_equal(write_file_atomic(marker, "x\n", 2), 0);

	fx_open(f); /* reconciles */
	assert_false(file_exists(marker));
	assert_int_equal(sh("test \"$(git --git-dir='%s/documents.git' rev-parse refs/docs/%s)\" = %s", f->store,
			    id, r1),
			 0);
	assert_int_not_equal(sh("git --git-dir='%s/documents.git' rev-parse -q --verify refs/docs/zzzzzzzz >/dev/null",
				f->store),
			     0);
	/* the next save continues from r1: r2 again, a new commit */
	assert_int_equal(docs_save(f->d, "wang", id, &c, NULL, NULL, &rev), 0);
	assert_int_equal(rev, 2);
	/* a lost ref is recreated from SQLite */
	assert_int_equal(sh("git --git-dir='%s/documents.git' update-ref -d refs/docs/%s", f->store, id), 0);
	size_t fixed = 0;
	assert_int_equal(docs_reconcile(f->d, &fixed, NULL), 0);
	assert_int_equal(fixed, 1);
	char head[DOCS_OID_MAX];
	docs_head(f->d, id, head);
	assert_int_equal(sh("test \"$(git --git-dir='%s/documents.git' rev-parse refs/docs/%s)\" = %s", f->store,
			    id, head),
			 0);
	free(marker);
	docs_content_release(&c);
}

static void test_git_cli_reads_it(void **state)
{
	struct fx *f = *state;
	struct docs_content c;
	sample(&c, "正文第一版\n");
	char id[DOCS_ID_MAX];
	assert_int_equal(docs_create(f->d, "王芳", &c, NULL, id), 0);
	int rev;
	for (int i = 0; i < 12; i++) { /* enough packs for a roll-up */
		buf_addf(&c.body, "第%d段。\n", i);
		assert_int_equal(docs_save(f->d, "li.ming", id, &c, NULL, NULL, &rev), 0);
	}
	assert_int_equal(docs_attach(f->d, "li.ming", id, "附件.bin", "\0\1\2", 3, &rev), 0);
	size_t packs, loose;
	docs_object_stats(f->d, &packs, &loose);
	assert_true(packs <= 8);
	assert_int_equal(loose, 0);
	assert_int_equal(sh("cd '%s' && git --git-dir=s/documents.git log --format='%%an|%%ae|%%s' refs/docs/%s >log",
			    f->dir, id),
			 0);
	assert_int_equal(sh("cd '%s' && test $(wc -l <log) = 14 && head -1 log | grep -qx 'li.ming|li.ming@docket.invalid|添加附件 附件.bin'"
			    " && tail -1 log | grep -qx '王芳|王芳@docket.invalid|起草'",
			    f->dir),
			 0);
	assert_int_equal(sh("git --git-dir='%s/documents.git' show refs/docs/%s:meta.json | grep -q '市财发〔2026〕12号'",
			    f->store, id),
			 0);
	assert_int_equal(sh("git --git-dir='%s/documents.git' fsck --strict --no-dangling 2>&1 | grep -v '^notice' | grep . && exit 1;"
			    " git --git-dir='%s/documents.git' fsck --strict >/dev/null 2>&1",
			    f->store, f->store),
			 0);
	/* a full repack keeps everything readable */
	assert_int_equal(docs_repack(f->d, 1), 0);
	docs_object_stats(f->d, &packs, &loose);
	assert_int_equal(packs, 1);
	assert_int_equal(sh("git --git-dir='%s/documents.git' fsck --strict >/dev/null 2>&1", f->store), 0);
	struct docs_rev r;
	struct docs_content back;
	assert_int_equal(docs_rev_get(f->d, id, "r1", &r), 0);
	assert_int_equal(docs_load(f->d, id, r.commit, &back), 0);
	assert_string_equal(back.body.s, "正文第一版\n");
	docs_rev_release(&r);
	docs_content_release(&back);
	docs_content_release(&c);
}

/* Count search hits. */
static int count(void *ctx, const struct docs_hit *h)
{
	(void)h;
	(*(int *)ctx)++;
	return 0;
}

/* The hits of one search: how many, and the id and snippet of the first. */
struct hits {
	int n;                  /* hits */
	char id[DOCS_ID_MAX];   /* the first hit's document */
	char snippet[256];      /* its snippet */
};

static int collect(void *ctx, const struct docs_hit *h)
{
	struct hits *x = ctx;
	if (!x->n++) {
		snprintf(x->id, sizeof(x->id), "%s", h->id);
		snprintf(x->snippet, sizeof(x->snippet), "%s", h->snippet ? h->snippet : "");
	}
	return 0;
}

/*
 * A 1 MiB body with a term on every line (FTS5's snippet() took 20 s on
 * it, quadratic in the number of matches): the right documents, with the
 * match marked in the snippet, wherever in the body it is.
 */
static void test_search_large_body(void **state)
{
	struct fx *f = *state;
	struct docs_content c;
	sample(&c, "");
	docs_content_set(&c, DF_TITLE, "关于报送材料的函");
	while (c.body.len < (1u << 20))
		buf_adds(&c.body, "各单位值班安排abc表。\n");
	buf_adds(&c.body, "末尾才出现的唯一关键词Zq9。\n");
	char big[DOCS_ID_MAX], small[DOCS_ID_MAX];
	assert_int_equal(docs_create(f->d, "wang", &c, NULL, big), 0);
	docs_content_release(&c);
	sample(&c, "请各单位按时报送。\n");
	assert_int_equal(docs_create(f->d, "wang", &c, NULL, small), 0);
	docs_content_release(&c);
	static const struct {
		const char *q;       /* the query */
		int hits;            /* documents found */
		int in_big;          /* the first hit is the large document */
		const char *snippet; /* in the first hit's snippet */
	} cases[] = {
		{ "值班安排", 1, 1, "[值班安排]abc表。" },
		{ "abc", 1, 1, "[abc]" },
		{ "ABC", 1, 1, "[abc]" },                 /* ASCII in either case, shown as written */
		{ "唯一关键词", 1, 1, "\n末尾才出现的[唯一关键词]Zq9。\n" }, /* the last line */
		{ "zQ9", 1, 1, "[Zq9]" },
		{ "值班安排 唯一关键词", 1, 1, "[值班安排]" },  /* the earliest match of any term */
		{ "按时报送", 1, 0, "[按时报送]" },
		{ "值班", 2, -1, "[值班" },                /* two characters: LIKE, marked too */
		{ "不存在的词", 0, 0, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hits h = { 0 };
		assert_int_equal(docs_search(f->d, cases[i].q, 0, collect, &h), 0);
		if (h.n != cases[i].hits)
			fail_msg("'%s': %d hits, want %d", cases[i].q, h.n, cases[i].hits);
		if (cases[i].in_big >= 0 && h.n && (strcmp(h.id, big) == 0) != cases[i].in_big)
			fail_msg("'%s': first hit %s", cases[i].q, h.id);
		if (cases[i].snippet && !strstr(h.snippet, cases[i].snippet))
			fail_msg("'%s': snippet '%s' lacks '%s'", cases[i].q, h.snippet, cases[i].snippet);
	}
}

static void test_search(void **state)
{
	struct fx *f = *state;
	struct docs_content c;
	sample(&c, "请各单位于3月5日前报送值班表。\n");
	char id[DOCS_ID_MAX];
	assert_int_equal(docs_create(f->d, "wang", &c, NULL, id), 0);
	docs_content_release(&c);
	sample(&c, "关于印发预算管理办法的通知。\n");
	docs_content_set(&c, DF_TITLE, "关于印发《预算管理办法》的通知");
	docs_content_set(&c, DF_NUMBER, "市财发〔2026〕13号");
	char id2[DOCS_ID_MAX];
	assert_int_equal(docs_create(f->d, "wang", &c, NULL, id2), 0);
	docs_content_release(&c);
	static const struct {
		const char *q;
		int hits;
	} cases[] = {
		{ "值班表", 1 },      /* body, trigram */
		{ "预算管理", 1 },    /* title */
		{ "〔2026〕13号", 1 }, /* metadata */
		{ "财政局", 2 },      /* organ, both */
		{ "值班", 1 },        /* 2 characters: LIKE */
		{ "表", 1 },          /* 1 character */
		{ "通知 预算", 1 },   /* two terms, both must match */
		{ "国务院", 0 },
		{ "\"", 0 },          /* FTS syntax characters are text */
		{ "100%", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = 0;
		assert_int_equal(docs_search(f->d, cases[i].q, 0, count, &n), 0);
		if (n != cases[i].hits)
			fail_msg("'%s': %d hits, want %d", cases[i].q, n, cases[i].hits);
	}
}

static void test_model_checks(void **state)
{
	struct fx *f = *state;
	struct docs_content c;
	sample(&c, "x\n");
	free(c.type);
	c.type = xstrdup("便条");
	char id[DOCS_ID_MAX];
	assert_int_equal(docs_create(f->d, "w", &c, NULL, id), DOCS_INVALID);
	free(c.type);
	c.type = xstrdup("函");
	docs_content_attach(&c, "../x", "a", 1);
	assert_int_equal(docs_create(f->d, "w", &c, NULL, id), DOCS_INVALID);
	docs_content_detach(&c, "../x");
	docs_content_attach(&c, ".git", "a", 1);
	assert_int_equal(docs_create(f->d, "w", &c, NULL, id), DOCS_INVALID);
	docs_content_detach(&c, ".git");
	docs_content_attach(&c, "big.bin", "0123456789", 10);
	setenv("DOCKET_ATTACH_MAX", "5", 1);
	fx_close(f);
	fx_open(f);
	assert_int_equal(docs_create(f->d, "w", &c, NULL, id), DOCS_INVALID);
	assert_non_null(strstr(docs_error(f->d), "over the limit"));
	unsetenv("DOCKET_ATTACH_MAX");
	/* the edit header round-trips */
	struct buf t = BUF_INIT, err = BUF_INIT;
	docs_edit_format(&c, &t);
	struct docs_content back;
	docs_content_init(&back);
	assert_int_equal(docs_edit_parse(&back, t.s, t.len, &err), 0);
	assert_string_equal(back.type, "函");
	assert_string_equal(back.field[DF_NUMBER], "市财发〔2026〕12号");
	assert_null(back.field[DF_SIGNER]);
	assert_string_equal(back.body.s, "x\n");
	const char *bad = "%% 标题: 甲\n%% 不存在: 乙\n%% ----\n正文\n";
	assert_int_equal(docs_edit_parse(&back, bad, strlen(bad), &err), -1);
	assert_non_null(strstr(err.s, "line 2"));
	buf_release(&t);
	buf_release(&err);
	docs_content_release(&back);
	docs_content_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test(test_diff),
		cmocka_unit_test_setup_teardown(test_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_freeze, setup, teardown),
		cmocka_unit_test_setup_teardown(test_withdraw, setup, teardown),
		cmocka_unit_test(test_marking_rule),
		cmocka_unit_test(test_marking_table),
		cmocka_unit_test(test_marking_normalise),
		cmocka_unit_test_setup_teardown(test_refused_writes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconcile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_git_cli_reads_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_large_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_model_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_events, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
